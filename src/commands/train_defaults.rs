//! Training defaults that fit the corpus: a model about as big as the text can support, trained
//! for enough passes to learn it, evaluated often enough to see progress. A 2×512 LSTM for 5,000
//! steps suits a few megabytes of text; on 200 KB it would memorise the text for hours.

use tempest_core::display::thousands;

/// Characters of one training step at the default `--batch 32 --seq-len 100`.
pub const CHARS_PER_STEP: u64 = 3200;

/// The size and length of a run chosen from the corpus, and the reason, in one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaled {
    pub layers: i64,
    pub hidden: i64,
    pub steps: u64,
    pub eval_every: u64,
}

/// Defaults for a corpus of `chars` characters (of which `train_frac` is trained on), at
/// `chars_per_step` characters per step.
pub fn scaled(chars: u64, train_frac: f64, chars_per_step: u64) -> Scaled {
    // Roughly one parameter per character of text or fewer: a 2-layer LSTM of hidden h has about
    // 8·h² + 8·h·h parameters, so 2×128 ≈ 0.26 M, 2×256 ≈ 1 M, 2×384 ≈ 2.4 M, 2×512 ≈ 4.2 M.
    let (layers, hidden) = match chars {
        0..=150_000 => (2, 128),
        150_001..=1_000_000 => (2, 256),
        1_000_001..=3_000_000 => (2, 384),
        _ => (2, 512),
    };
    // About 20 passes over the training text, at least 300 steps and at most 5,000.
    let train = (chars as f64 * train_frac).max(1.0);
    let steps = ((20.0 * train / chars_per_step.max(1) as f64).ceil() as u64).clamp(300, 5000);
    // Ten evaluations per run, each at most 500 steps apart.
    let eval_every = (steps / 10).clamp(25, 500);
    Scaled { layers, hidden, steps, eval_every }
}

impl Scaled {
    /// The line printed at the start of a run.
    pub fn explain(&self, chars: u64, chars_per_step: u64, train_frac: f64, overridden: &[&str]) -> String {
        let passes = self.steps as f64 * chars_per_step as f64 / (chars as f64 * train_frac).max(1.0);
        let mut s = format!(
            "defaults for a {} character corpus: {}×{} LSTM, {} steps (≈{passes:.0} passes over the text), \
             evaluated every {} steps — a model the text can support, trained long enough to learn it",
            thousands(chars),
            self.layers,
            self.hidden,
            thousands(self.steps),
            self.eval_every
        );
        if !overridden.is_empty() {
            s.push_str(&format!("; {} as given", overridden.join(", ")));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_corpus_gets_a_small_model_and_a_short_run() {
        let s = scaled(200_000, 0.9, CHARS_PER_STEP);
        assert_eq!((s.layers, s.hidden), (2, 256));
        assert_eq!(s.steps, 1125, "20 passes over 180,000 characters");
        assert_eq!(s.eval_every, 112);
        let tiny = scaled(6_000, 0.9, CHARS_PER_STEP);
        assert_eq!((tiny.hidden, tiny.steps, tiny.eval_every), (128, 300, 30));
    }

    #[test]
    fn a_large_corpus_gets_the_full_model_and_the_cap() {
        let s = scaled(5_000_000, 0.9, CHARS_PER_STEP);
        assert_eq!((s.layers, s.hidden, s.steps, s.eval_every), (2, 512, 5000, 500));
    }

    #[test]
    fn the_line_says_what_and_why() {
        let s = scaled(200_000, 0.9, CHARS_PER_STEP);
        let line = s.explain(200_000, CHARS_PER_STEP, 0.9, &["--steps"]);
        assert!(
            line.contains("200,000 character corpus") && line.contains("2×256") && line.contains("≈20 passes"),
            "{line}"
        );
        assert!(line.ends_with("--steps as given"), "{line}");
    }
}
