//! The last step of loading: apply the command-line layer, check every range on the merged result,
//! and build the typed [`Config`]. Each error is worded for the layer that last set the key.

use std::fmt::Display;
use std::path::PathBuf;

use super::layers::{Origins, Source};
use super::{Config, ConfigError, Overrides, RawConfig, MAX_PANES, MAX_PANE_TEMPERATURE};
use tempest_core::sampling::SamplerSettings;

/// An interval, open or closed at either end, shown as users read it: `[0, 5]`, `(0, 1]`.
#[derive(Debug, Clone, Copy)]
struct Bound {
    lo: f64,
    hi: f64,
    lo_open: bool,
    hi_open: bool,
}

const fn closed(lo: f64, hi: f64) -> Bound {
    Bound { lo, hi, lo_open: false, hi_open: false }
}

impl Bound {
    /// False for NaN, which TOML can spell (`nan`).
    fn contains(self, v: f64) -> bool {
        (if self.lo_open { v > self.lo } else { v >= self.lo })
            && (if self.hi_open { v < self.hi } else { v <= self.hi })
    }
}

impl Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (l, r) = (if self.lo_open { '(' } else { '[' }, if self.hi_open { ')' } else { ']' });
        write!(f, "{l}{}, {}{r}", self.lo, self.hi)
    }
}

const TEMPERATURE: Bound = closed(0.0, MAX_PANE_TEMPERATURE as f64);
const TOP_P: Bound = Bound { lo: 0.0, hi: 1.0, lo_open: true, hi_open: false };
const MIN_P: Bound = Bound { lo: 0.0, hi: 1.0, lo_open: false, hi_open: true };
const REPEAT_PENALTY: Bound = closed(1.0, 10.0);
// The penalty scans this many characters per step per pane; beyond it the cost outgrows any use.
const REPEAT_WINDOW: Bound = closed(0.0, 10_000.0);
const CHARS_PER_SEC: Bound = closed(1.0, 2000.0);
const TOP_N: Bound = closed(3.0, 64.0);
const HISTORY_CHARS: Bound = closed(100.0, 1_000_000.0);
// Product requirement: loops of at least 200 characters must be caught.
const MAX_PERIOD: Bound = closed(200.0, 4096.0);
const MIN_REPEATS: Bound = closed(2.0, 1000.0);
const MIN_SPAN: Bound = closed(0.0, 100_000.0);
const METRICS_WINDOW: Bound = closed(16.0, 100_000.0);

/// Numbers shown as the user wrote them (`0.1`, not the f64 widening `0.10000000149011612`).
trait Num: Display + Copy {
    fn as_f64(self) -> f64;
}
impl Num for f32 {
    fn as_f64(self) -> f64 {
        self as f64
    }
}
impl Num for usize {
    fn as_f64(self) -> f64 {
        self as f64
    }
}

struct Checker<'a> {
    origins: &'a Origins,
}

impl Checker<'_> {
    /// `key` is what the message shows; `origin` is the key the layers record (`panes` for every
    /// `panes[i].x`, since a layer sets the list whole).
    fn range(&self, key: &str, origin: &str, v: impl Num, b: Bound) -> Result<(), ConfigError> {
        if b.contains(v.as_f64()) {
            return Ok(());
        }
        Err(self.origins.of(origin).error(key, Some(&v.to_string()), &format!("is out of range {b}")))
    }

    /// One pane's settings; `at` names it (`panes[0]`, `presets[1].panes[2]`) and `origin` is the
    /// list a layer sets whole.
    fn pane(&self, at: &str, origin: &str, s: &SamplerSettings) -> Result<(), ConfigError> {
        let key = |k: &str| format!("{at}.{k}");
        self.range(&key("temperature"), origin, s.temperature, TEMPERATURE)?;
        self.range(&key("top_p"), origin, s.top_p, TOP_P)?;
        self.range(&key("min_p"), origin, s.min_p, MIN_P)?;
        self.range(&key("repeat_penalty"), origin, s.repeat_penalty, REPEAT_PENALTY)?;
        self.range(&key("repeat_window"), origin, s.repeat_window, REPEAT_WINDOW)?;
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
    if !(1..=MAX_PANES).contains(&n) {
        let src = origins.of("panes");
        let what = match src {
            Source::Flag(_) => format!("is given {n} times; there can be 1 to {MAX_PANES} panes"),
            _ => format!("has {n} [[panes]] tables; there can be 1 to {MAX_PANES}"),
        };
        return Err(src.error("panes", None, &what));
    }
    for (i, s) in raw.panes.iter().enumerate() {
        c.pane(&format!("panes[{i}]"), "panes", s)?;
    }
    for (i, preset) in raw.presets.iter().enumerate() {
        let n = preset.panes.len();
        if !(1..=MAX_PANES).contains(&n) {
            let what = format!("has {n} panes; a preset has 1 to {MAX_PANES}");
            return Err(origins.of("presets").error(&format!("presets[{i}]"), None, &what));
        }
        for (j, s) in preset.panes.iter().enumerate() {
            c.pane(&format!("presets[{i}].panes[{j}]"), "presets", s)?;
        }
    }
    c.range("speed.chars_per_sec", "speed.chars_per_sec", raw.speed.chars_per_sec, CHARS_PER_SEC)?;
    c.range("histogram.top_n", "histogram.top_n", raw.histogram.top_n, TOP_N)?;
    c.range("history.chars", "history.chars", raw.history.chars, HISTORY_CHARS)?;
    c.range("loops.max_period", "loops.max_period", raw.loops.max_period, MAX_PERIOD)?;
    c.range("loops.min_repeats", "loops.min_repeats", raw.loops.min_repeats, MIN_REPEATS)?;
    c.range("loops.min_span", "loops.min_span", raw.loops.min_span, MIN_SPAN)?;
    raw.loops
        .validate()
        .map_err(|e| origins.of("loops.max_period").error("loops", None, &format!("is invalid: {e}")))?;
    c.range("metrics.window", "metrics.window", raw.metrics.window, METRICS_WINDOW)?;
    let colors = raw.colors.parse(|k, v| {
        let key = format!("colors.{k}");
        let what = "is not a colour (use a name such as \"yellow\" or \"light_red\", \"#rrggbb\", \
                    a palette index \"0\" to \"255\", or \"reset\")";
        origins.of(&key).error(&key, Some(&format!("{v:?}")), what)
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

/// `--model` is taken as given (relative to the working directory); a path in a config file is
/// relative to that file, so a config keeps working from wherever tempest is started.
fn model_path(o: &Overrides, configured: &str, origin: &Source) -> Option<PathBuf> {
    if let Some(m) = &o.model {
        return Some(m.clone());
    }
    if configured.is_empty() {
        return None;
    }
    let p = PathBuf::from(configured);
    match origin {
        Source::File(file) if p.is_relative() => Some(file.parent().unwrap_or(std::path::Path::new("")).join(p)),
        _ => Some(p),
    }
}
