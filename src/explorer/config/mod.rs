//! The explorer's configuration, in layers: the built-in `config/default.toml` < the user's config
//! file < a `--config FILE` < command-line flags ([`Overrides`]).
//!
//! Every key is spelled out in `config/default.toml`, which doubles as the schema: a layer may set
//! only keys that file has, with the same types. Errors name the file (or flag) and key at fault.

mod layers;
mod validate;

use std::path::{Path, PathBuf};

use ratatui::style::Color;
use serde::{Deserialize, Serialize};

use layers::{Origins, Source};
use tempest_core::analysis::LoopSettings;
use tempest_core::sampling::SamplerSettings;

/// The built-in configuration, documented key by key.
pub const DEFAULT_TOML: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/config/default.toml"));

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// None: the bundled model.
    pub model: Option<PathBuf>,
    pub prime: String,
    pub seed: u64,
    pub coupled: bool,
    /// [`tempest_core::limits::PANES`] panes, left to right.
    pub panes: Vec<SamplerSettings>,
    pub speed: SpeedConfig,
    pub histogram: HistogramConfig,
    pub history: HistoryConfig,
    pub loops: LoopSettings,
    pub metrics: MetricsConfig,
    pub colors: ColorsConfig,
    /// Named sets of pane settings the explorer can switch to (key `P`).
    pub presets: Vec<Preset>,
}

/// A named set of panes, each with its sampler settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    pub name: String,
    /// [`tempest_core::limits::PANES`] panes, left to right.
    pub panes: Vec<SamplerSettings>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeedConfig {
    /// Per pane, in [1, 2000].
    pub chars_per_sec: f32,
    /// As fast as the machine allows.
    pub max: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistogramConfig {
    /// Bars shown, in [3, 64].
    pub top_n: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryConfig {
    /// Characters kept per pane, with their top-N distributions, in [100, 1_000_000].
    pub chars: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Sliding window of the live metrics, in characters, in [16, 100_000].
    pub window: usize,
}

/// Declares [`ColorsConfig`] and its TOML form (strings) from one list, so the two cannot drift.
macro_rules! colors {
    ($($(#[doc = $doc:expr])* $name:ident,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct ColorsConfig {
            $($(#[doc = $doc])* pub $name: Color,)*
        }

        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawColors {
            $($name: String,)*
        }

        impl RawColors {
            /// Parses every colour; `bad(key, value)` words the error for the first that fails.
            fn parse(&self, bad: impl Fn(&str, &str) -> ConfigError) -> Result<ColorsConfig, ConfigError> {
                Ok(ColorsConfig {
                    $($name: parse_color(&self.$name).ok_or_else(|| bad(stringify!($name), &self.$name))?,)*
                })
            }
        }
    };
}

colors! {
    /// Border of the focused pane.
    focus_border,
    /// Background of text inside a detected loop.
    loop_highlight,
    /// Marker on the histogram bar of the character drawn.
    chosen_marker,
    /// Histogram bars at the pane's temperature.
    bar_at_t,
    /// Histogram bars at T = 1, for comparison.
    bar_at_t1,
    /// GLTR-style text colour for a drawn character of rank 1.
    rank_1,
    /// … of rank 2 to 10.
    rank_10,
    /// … of rank 11 to 100.
    rank_100,
    /// … of rank above 100.
    rank_over_100,
}

/// A colour as users write it: a name ("light_red", "dark gray"), "#rrggbb", a palette index
/// "0"-"255", or "reset"/"default". ratatui's parser does all but "default".
pub fn parse_color(s: &str) -> Option<Color> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("default") {
        return Some(Color::Reset);
    }
    s.parse().ok()
}

/// The command-line layer. `None` leaves the setting to the config files. Errors about a value
/// given here name the flag shown on each field, so the CLI should use those flag names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `--model`
    pub model: Option<PathBuf>,
    /// `--prime`
    pub prime: Option<String>,
    /// `--seed`
    pub seed: Option<u64>,
    /// `--temperature`, repeated: one pane per value, its other sampler settings at their defaults.
    pub temperatures: Option<Vec<f32>>,
    /// `--coupled`
    pub coupled: Option<bool>,
    /// `--speed`
    pub chars_per_sec: Option<f32>,
    /// `--max-speed`
    pub max_speed: Option<bool>,
}

/// A configuration problem, worded for the user: it names the file or flag, the key and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
        ConfigError { message: message.into() }
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The TOML form of [`Config`]: what each layer deserializes to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    model: String,
    prime: String,
    seed: u64,
    coupled: bool,
    panes: Vec<SamplerSettings>,
    speed: SpeedConfig,
    histogram: HistogramConfig,
    history: HistoryConfig,
    loops: LoopSettings,
    metrics: MetricsConfig,
    colors: RawColors,
    presets: Vec<Preset>,
}

/// `<platform config dir>/tempest/config.toml`, whether or not it exists.
pub fn user_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tempest").map(|d| d.config_dir().join("config.toml"))
}

impl Config {
    /// The built-in configuration alone.
    pub fn default_config() -> Config {
        match Config::load_layers(None, None, &Overrides::default()) {
            Ok(c) => c,
            // The module's tests load it; reaching this is a build that skipped them.
            Err(e) => panic!("{e}"),
        }
    }

    /// All layers: the user's config file is read only if it exists.
    pub fn load(explicit: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let user = user_config_path().filter(|p| p.exists());
        Config::load_layers(user.as_deref(), explicit, overrides)
    }

    /// All layers, with the user's config file given (and required to exist) rather than looked up.
    pub fn load_layers(
        user: Option<&Path>,
        explicit: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let builtin = layers::parse(DEFAULT_TOML, &Source::Builtin)?;
        let builtin_raw = deserialize(&builtin, &Source::Builtin)?;
        // The schema is the built-in config re-serialized, so every pane key is spelled out even
        // where default.toml leaves it to its default.
        let schema = match toml::Table::try_from(&builtin_raw) {
            Ok(t) => t,
            Err(e) => return Err(ConfigError::new(format!("{}: {e}", Source::Builtin))),
        };

        let mut merged = builtin.clone();
        let mut origins = Origins::default();
        origins.record(&builtin, &Source::Builtin);
        for path in [user, explicit].into_iter().flatten() {
            let source = Source::File(path.to_owned());
            let layer = layers::read(path)?;
            layers::check_shape(&layer, &schema, &source)?;
            // Backstop: anything serde would reject that the shape check missed still names this
            // file, since the built-in layer beneath it is known to be good.
            let mut alone = builtin.clone();
            layers::merge(&mut alone, &layer);
            deserialize(&alone, &source)?;

            layers::merge(&mut merged, &layer);
            origins.record(&layer, &source);
        }
        // Cannot fail once every layer has passed alone; kept as an error rather than a panic.
        let raw = deserialize(&merged, &"the merged configuration")?;
        validate::finish(raw, origins, overrides)
    }
}

fn deserialize(table: &toml::Table, source: &dyn std::fmt::Display) -> Result<RawConfig, ConfigError> {
    RawConfig::deserialize(toml::Value::Table(table.clone()))
        .map_err(|e| ConfigError::new(format!("{source}: {}", e.to_string().trim_end())))
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
