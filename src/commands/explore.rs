//! `tempest` / `tempest explore`: flags for the explorer, handed to [`crate::explorer::run`].

use std::path::PathBuf;
use std::time::Duration;

use super::values::number_in;
use crate::explorer::config::Overrides;
use crate::explorer::Launch;
use tempest_core::model::UnknownPolicy;

/// `--duration`: up to a year, so the deadline fits any clock and `Instant` arithmetic.
const DURATION: tempest_core::limits::Limit<f64> =
    tempest_core::limits::Limit { lo: 0.0, hi: 31_536_000.0, lo_open: true, hi_open: false };

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ExploreArgs {
    /// A bundled model by name (shakespeare, rust) or a model file (.safetensors). Default: shakespeare.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// A configuration file (TOML), laid over the built-in defaults and your own config file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Text fed to the model before generating.
    #[arg(long)]
    pub prime: Option<String>,
    /// Prime characters the model does not know: error (for --prime), or skip them. A configured
    /// prime that does not fit gives way to the model's own prime either way.
    #[arg(long, value_parser = super::values::unknown_policy(), default_value = "error")]
    pub unknown: UnknownPolicy,
    /// Random seed: the same model, prime, seed and settings always give the same text.
    #[arg(long, value_parser = tempest_core::limits::parse_seed)]
    pub seed: Option<u64>,
    /// A pane at this sampling temperature; repeat for several panes (replaces the configured ones).
    #[arg(long = "temperature", short = 't', value_name = "T", allow_hyphen_values = true,
          value_parser = number_in(tempest_core::limits::PANE_TEMPERATURE))]
    pub temperatures: Vec<f32>,
    /// All panes share one random number per step, so they differ by their settings alone.
    #[arg(long)]
    pub coupled: bool,
    /// Characters per second per pane.
    #[arg(long, value_name = "CHARS_PER_SEC", value_parser = number_in(tempest_core::limits::SPEED))]
    pub speed: Option<f32>,
    /// Generate as fast as the machine allows.
    #[arg(long)]
    pub max_speed: bool,
    /// Quit by itself after this many seconds (for measuring CPU and memory without a person).
    #[arg(long, value_name = "SECS", value_parser = number_in(DURATION))]
    pub duration: Option<f64>,
}

impl ExploreArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            model: self.model.clone(),
            prime: self.prime.clone(),
            seed: self.seed,
            temperatures: (!self.temperatures.is_empty()).then(|| self.temperatures.clone()),
            coupled: self.coupled.then_some(true),
            chars_per_sec: self.speed,
            max_speed: self.max_speed.then_some(true),
        }
    }
}

pub fn run(args: ExploreArgs) -> anyhow::Result<i32> {
    let quit_after = match args.duration {
        Some(s) if !(s.is_finite() && s > 0.0) => {
            anyhow::bail!("--duration must be a positive number of seconds, got {s}")
        }
        Some(s) => Some(Duration::from_secs_f64(s)),
        None => None,
    };
    crate::explorer::run(Launch {
        config: args.config.clone(),
        overrides: args.overrides(),
        quit_after,
        unknown: args.unknown,
    })
}
