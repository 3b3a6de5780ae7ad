//! The sampler chain made live: which of the focused pane's settings ↑/↓ adjusts (the [`Knob`]),
//! the steps each one moves by, and switching every pane to a configured preset.

use tempest_core::sampling::SamplerSettings;

use super::{T_STEP, T_STEP_BIG};
use tempest_core::limits::PANE_TEMPERATURE;

/// The setting ↑/↓ adjusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Knob {
    #[default]
    Temperature,
    TopK,
    TopP,
    MinP,
    RepeatPenalty,
}

/// Top-k values ↑/↓ step through; above the last comes "off".
const TOP_K: &[f32] = &[1., 2., 3., 4., 5., 6., 8., 10., 12., 15., 20., 25., 30., 40., 50., 60., 80.];
/// Top-p values; 1 is off.
const TOP_P: &[f32] = &[
    0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98,
    0.99, 1.0,
];
/// Min-p values; 0 is off.
const MIN_P: &[f32] = &[0.0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/// Repetition penalties; 1 is off.
const REPEAT: &[f32] =
    &[1.0, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0, 10.0];
/// Rungs a big step (shift, PgUp/PgDn) moves on a ladder.
const BIG: usize = 3;

impl Knob {
    pub fn next(self) -> Knob {
        match self {
            Knob::Temperature => Knob::TopK,
            Knob::TopK => Knob::TopP,
            Knob::TopP => Knob::MinP,
            Knob::MinP => Knob::RepeatPenalty,
            Knob::RepeatPenalty => Knob::Temperature,
        }
    }

    /// As the title and hint bar name it.
    pub fn name(self) -> &'static str {
        match self {
            Knob::Temperature => "T",
            Knob::TopK => "top-k",
            Knob::TopP => "top-p",
            Knob::MinP => "min-p",
            Knob::RepeatPenalty => "rep",
        }
    }

    /// The knob's value in `s`, as a person reads it (`off` where it does nothing).
    pub fn value(self, s: &SamplerSettings) -> String {
        match self {
            Knob::Temperature => format!("{:.2}", s.temperature),
            Knob::TopK if s.top_k == 0 => "off".into(),
            Knob::TopK => s.top_k.to_string(),
            Knob::TopP if s.top_p >= 1.0 => "off".into(),
            Knob::TopP => format!("{:.2}", s.top_p),
            Knob::MinP if s.min_p <= 0.0 => "off".into(),
            Knob::MinP => format!("{:.3}", s.min_p).trim_end_matches('0').to_string(),
            Knob::RepeatPenalty if s.repeat_penalty <= 1.0 => "off".into(),
            Knob::RepeatPenalty => format!("{:.2}/{}", s.repeat_penalty, s.repeat_window),
        }
    }

    /// What ↑/↓ can reach, for the message when a step would leave it.
    pub fn range(self) -> &'static str {
        match self {
            Knob::Temperature => "[0, 5] (0 = argmax)",
            Knob::TopK => "1 to 80, then off",
            Knob::TopP => "0.05 to 1 (off)",
            Knob::MinP => "0 (off) to 0.9",
            Knob::RepeatPenalty => "1 (off) to 10",
        }
    }

    /// `s` with this knob one step (or a big step) up or down, or `None` at the end of its range.
    pub fn step(self, s: &SamplerSettings, up: bool, big: bool) -> Option<SamplerSettings> {
        let mut out = *s;
        match self {
            Knob::Temperature => {
                let delta = if big { T_STEP_BIG } else { T_STEP };
                let delta = if up { delta } else { -delta };
                // Rounded to hundredths so repeated steps land on 0.05 multiples instead of drifting.
                let t = (PANE_TEMPERATURE.clamp(s.temperature + delta) * 100.0).round() / 100.0;
                out.temperature = t;
            }
            Knob::TopK => {
                // Off is "every character": above the largest rung.
                let now = if s.top_k == 0 { f32::INFINITY } else { s.top_k as f32 };
                let k = ladder(TOP_K, now, up, big, f32::INFINITY)?;
                out.top_k = if k.is_infinite() { 0 } else { k as usize };
            }
            Knob::TopP => out.top_p = ladder(TOP_P, s.top_p, up, big, f32::NAN)?,
            Knob::MinP => out.min_p = ladder(MIN_P, s.min_p, up, big, f32::NAN)?,
            Knob::RepeatPenalty => out.repeat_penalty = ladder(REPEAT, s.repeat_penalty, up, big, f32::NAN)?,
        }
        (out != *s).then_some(out)
    }
}

/// The rung `BIG` (or one) above or below `now` on `rungs` (ascending). `beyond` is a value past
/// the last rung that is still reachable (top-k's "off"); NaN when there is none. Values between
/// rungs (from a config file) step to the nearest rung in the direction asked.
fn ladder(rungs: &[f32], now: f32, up: bool, big: bool, beyond: f32) -> Option<f32> {
    let mut all: Vec<f32> = rungs.to_vec();
    if !beyond.is_nan() {
        all.push(beyond);
    }
    let n = if big { BIG } else { 1 };
    let eps = 1e-6;
    if up {
        let first = all.iter().position(|&r| r > now + eps)?;
        Some(all[(first + n - 1).min(all.len() - 1)])
    } else {
        let last = all.iter().rposition(|&r| r < now - eps)?;
        Some(all[last.saturating_sub(n - 1)])
    }
}

/// A pane's title label: its settings, with the knob ↑/↓ adjusts marked when the pane is focused
/// and the knob is not the temperature (which the label always leads with).
pub fn title_label(s: &SamplerSettings, knob: Option<Knob>) -> String {
    match knob {
        None | Some(Knob::Temperature) => s.label(),
        Some(k) => {
            let label = s.label();
            let value = k.value(s);
            if value == "off" {
                format!("{label} · ▸{} off", k.name())
            } else {
                // The label already names the setting: mark it in place.
                let plain = format!("{} {}", k.name(), value);
                let shown = match k {
                    Knob::MinP => format!("min-p {:.2}", s.min_p),
                    _ => plain.clone(),
                };
                if label.contains(&shown) {
                    label.replacen(&shown, &format!("▸{shown}"), 1)
                } else {
                    format!("{label} · ▸{plain}")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> SamplerSettings {
        SamplerSettings::with_temperature(1.5)
    }

    #[test]
    fn each_knob_steps_within_its_range() {
        let up = |k: Knob, s: &SamplerSettings| k.step(s, true, false);
        let down = |k: Knob, s: &SamplerSettings| k.step(s, false, false);
        // top-k: down from off reaches 80; up from 80 is off again; 1 is the floor.
        let a = down(Knob::TopK, &s()).unwrap();
        assert_eq!(a.top_k, 80);
        assert_eq!(up(Knob::TopK, &a).unwrap().top_k, 0);
        assert_eq!(up(Knob::TopK, &s()), None, "off is the top");
        let one = SamplerSettings { top_k: 1, ..s() };
        assert_eq!(down(Knob::TopK, &one), None);
        // top-p: from off (1) down to 0.99; a config value between rungs goes to the next one.
        assert_eq!(down(Knob::TopP, &s()).unwrap().top_p, 0.99);
        assert_eq!(down(Knob::TopP, &SamplerSettings { top_p: 0.93, ..s() }).unwrap().top_p, 0.9);
        assert_eq!(Knob::TopP.step(&SamplerSettings { top_p: 0.9, ..s() }, false, true).unwrap().top_p, 0.75);
        // min-p: up from off; down to off; not below.
        assert_eq!(up(Knob::MinP, &s()).unwrap().min_p, 0.01);
        assert_eq!(down(Knob::MinP, &SamplerSettings { min_p: 0.01, ..s() }).unwrap().min_p, 0.0);
        assert_eq!(down(Knob::MinP, &s()), None);
        // Repetition penalty and temperature.
        assert_eq!(up(Knob::RepeatPenalty, &s()).unwrap().repeat_penalty, 1.05);
        assert_eq!(up(Knob::Temperature, &s()).unwrap().temperature, 1.55);
        assert_eq!(Knob::Temperature.step(&s(), false, true).unwrap().temperature, 1.25);
        // Every result is a valid sampler.
        let mut x = s();
        for k in [Knob::TopK, Knob::TopP, Knob::MinP, Knob::RepeatPenalty] {
            while let Some(n) = down(k, &x) {
                n.validate().unwrap();
                x = n;
            }
        }
    }

    #[test]
    fn the_title_marks_the_knob() {
        let p = SamplerSettings { top_p: 0.9, ..s() };
        assert_eq!(title_label(&p, Some(Knob::TopP)), "T 1.50 · ▸top-p 0.90");
        assert_eq!(title_label(&p, Some(Knob::MinP)), "T 1.50 · top-p 0.90 · ▸min-p off");
        assert_eq!(title_label(&p, Some(Knob::Temperature)), "T 1.50 · top-p 0.90");
        assert_eq!(title_label(&p, None), "T 1.50 · top-p 0.90");
        let k = SamplerSettings { top_k: 20, min_p: 0.05, ..s() };
        assert_eq!(title_label(&k, Some(Knob::TopK)), "T 1.50 · ▸top-k 20 · min-p 0.05");
        assert_eq!(title_label(&k, Some(Knob::MinP)), "T 1.50 · top-k 20 · ▸min-p 0.05");
    }
}
