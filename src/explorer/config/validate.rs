//! The last step of loading: apply the command-line layer, check every range on the merged result,
//! and build the typed [`Config`]. Each error is worded for the layer that last set the key.

use std::fmt::Display;
use std::path::PathBuf;

use super::layers::{Origins, Source};
use super::{Config, ConfigError, Overrides, RawConfig};
use tempest_core::assets::ModelSource;
use tempest_core::limits::{self, Limit};
use tempest_core::sampling::SamplerSettings;

struct Checker<'a> {
    origins: &'a Origins,
}

impl Checker<'_> {
    /// `key` is what the message shows; `origin` is the key the layers record (`panes` for every
    /// `panes[i].x`, since a layer sets the list whole).
    fn range<T: PartialOrd + Copy + Display>(
        &self,
        key: &str,
        origin: &str,
        v: T,
        b: Limit<T>,
    ) -> Result<(), ConfigError> {
        if b.contains(v) {
            return Ok(());
        }
        Err(self.origins.of(origin).error(key, Some(&v.to_string()), &format!("is out of range {b}")))
    }

    /// One pane's settings; `at` names it (`panes[0]`, `presets[1].panes[2]`) and `origin` is the
    /// list a layer sets whole.
    fn pane(&self, at: &str, origin: &str, s: &SamplerSettings) -> Result<(), ConfigError> {
        let key = |k: &str| format!("{at}.{k}");
        self.range(&key("temperature"), origin, s.temperature, limits::PANE_TEMPERATURE)?;
        self.range(&key("top_p"), origin, s.top_p, limits::TOP_P)?;
        self.range(&key("min_p"), origin, s.min_p, limits::MIN_P)?;
        self.range(&key("repeat_penalty"), origin, s.repeat_penalty, limits::REPEAT_PENALTY)?;
        self.range(&key("repeat_window"), origin, s.repeat_window, limits::REPEAT_WINDOW)?;
        // Backstop in case the sampler grows a rule the ranges above do not know.
        s.validate().map_err(|e| self.origins.of(origin).error(at, None, &format!("is invalid: {e}")))
    }
}

pub(super) fn finish(mut raw: RawConfig, mut origins: Origins, o: &Overrides) -> Result<Config, ConfigError> {
    apply(&mut raw, &mut origins, o);
    let c = Checker { origins: &origins };

    if raw.prime.is_empty() {
        return Err(origins.of("prime").error(
            "prime",
            None,
            "must not be empty: the model needs a character to start from",
        ));
    }
    let n = raw.panes.len();
    if !limits::PANES.contains(n) {
        let src = origins.of("panes");
        let (lo, hi) = (limits::PANES.lo, limits::PANES.hi);
        let what = match src {
            Source::Flag(_) => format!("is given {n} times; there can be {lo} to {hi} panes"),
            _ => format!("has {n} [[panes]] tables; there can be {lo} to {hi}"),
        };
        return Err(src.error("panes", None, &what));
    }
    for (i, s) in raw.panes.iter().enumerate() {
        c.pane(&format!("panes[{i}]"), "panes", s)?;
    }
    for (i, preset) in raw.presets.iter().enumerate() {
        let n = preset.panes.len();
        if !limits::PANES.contains(n) {
            let what = format!("has {n} panes; a preset has {} to {}", limits::PANES.lo, limits::PANES.hi);
            return Err(origins.of("presets").error(&format!("presets[{i}]"), None, &what));
        }
        for (j, s) in preset.panes.iter().enumerate() {
            c.pane(&format!("presets[{i}].panes[{j}]"), "presets", s)?;
        }
    }
    c.range("seed", "seed", raw.seed, limits::SEED)?;
    c.range("speed.chars_per_sec", "speed.chars_per_sec", raw.speed.chars_per_sec, limits::SPEED)?;
    c.range("histogram.top_n", "histogram.top_n", raw.histogram.top_n, limits::HISTOGRAM_TOP_N)?;
    c.range("history.chars", "history.chars", raw.history.chars, limits::HISTORY_CHARS)?;
    c.range("loops.max_period", "loops.max_period", raw.loops.max_period, limits::LOOP_MAX_PERIOD)?;
    c.range("loops.min_repeats", "loops.min_repeats", raw.loops.min_repeats, limits::LOOP_MIN_REPEATS)?;
    c.range("loops.min_span", "loops.min_span", raw.loops.min_span, limits::LOOP_MIN_SPAN)?;
    raw.loops
        .validate()
        .map_err(|e| origins.of("loops.max_period").error("loops", None, &format!("is invalid: {e}")))?;
    c.range("metrics.window", "metrics.window", raw.metrics.window, limits::METRICS_WINDOW)?;
    let colors = raw.colors.parse(|k, v| {
        let key = format!("colors.{k}");
        let what = "is not a colour (use a name such as \"yellow\" or \"light_red\", \"#rrggbb\", \
                    a palette index \"0\" to \"255\", or \"reset\")";
        // A value can be 1 MB long: quote a short, marked excerpt of it.
        let quoted = format!("\"{}\"", tempest_core::display::excerpt(v, 60));
        origins.of(&key).error(&key, Some(&quoted), what)
    })?;

    Ok(Config {
        model: model_path(o, &raw.model, origins.of("model")),
        prime: raw.prime,
        seed: raw.seed,
        coupled: raw.coupled,
        panes: raw.panes,
        speed: raw.speed,
        histogram: raw.histogram,
        history: raw.history,
        loops: raw.loops,
        metrics: raw.metrics,
        colors,
        presets: raw.presets,
    })
}

/// The command-line layer, recorded under the flag names the errors will show.
fn apply(raw: &mut RawConfig, origins: &mut Origins, o: &Overrides) {
    if let Some(p) = &o.prime {
        raw.prime = p.clone();
        origins.set("prime", Source::Flag("--prime"));
    }
    if let Some(s) = o.seed {
        raw.seed = s;
        origins.set("seed", Source::Flag("--seed"));
    }
    if let Some(c) = o.coupled {
        raw.coupled = c;
    }
    if let Some(ts) = &o.temperatures {
        raw.panes = ts.iter().map(|&t| SamplerSettings::with_temperature(t)).collect();
        origins.set("panes", Source::Flag("--temperature"));
    }
    if let Some(v) = o.chars_per_sec {
        raw.speed.chars_per_sec = v;
        origins.set("speed.chars_per_sec", Source::Flag("--speed"));
    }
    if let Some(m) = o.max_speed {
        raw.speed.max = m;
    }
}

/// A bundled model's name picks it; "" the default one. Otherwise it is a file: `--model` as given
/// (relative to the working directory), a path in a config file relative to that file, so a config
/// keeps working from wherever tempest is started.
fn model_path(o: &Overrides, configured: &str, origin: &Source) -> ModelSource {
    if let Some(m) = &o.model {
        return ModelSource::parse(&m.to_string_lossy());
    }
    if configured.is_empty() {
        return ModelSource::default_bundled();
    }
    // A bundled model's name is not a path, wherever the config file lives.
    if let ModelSource::Bundled(name) = ModelSource::parse(configured) {
        return ModelSource::Bundled(name);
    }
    let p = PathBuf::from(configured);
    ModelSource::File(match origin {
        Source::File(file) if p.is_relative() => file.parent().unwrap_or(std::path::Path::new("")).join(p),
        _ => p,
    })
}
