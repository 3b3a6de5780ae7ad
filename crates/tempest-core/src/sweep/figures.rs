//! The figures a sweep reports, measured the same way for a generated stream and for a passage of
//! human text, so the two can be put side by side.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::analysis::text_stats::{distinct_n, lexical_validity, mean, median, words};
use crate::analysis::{LoopSettings, LoopStats, LoopTracker, NearLoopSettings};

/// n for character distinct-n: four characters is about one short word.
pub const CHAR_N: usize = 4;
/// n for word distinct-n.
pub const WORD_N: usize = 2;

/// One setting's (or one human passage's) figures. `None` where a figure is undefined: no words
/// for distinct-2 or validity, no reference vocabulary, no loop for the onset.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Figures {
    /// Mean surprisal of the text under the model at T = 1, in bits per character.
    pub bits_per_char: Option<f64>,
    /// Mean entropy of the distributions the characters were drawn from, in bits (for human text:
    /// of the model's own distribution).
    pub entropy_bits: Option<f64>,
    /// Distinct character 4-grams over all of them.
    pub distinct_4_chars: Option<f64>,
    /// Distinct word bigrams over all of them.
    pub distinct_2_words: Option<f64>,
    /// Share of texts that end inside an exact loop.
    pub ends_in_loop: Option<f64>,
    /// Median position (characters) where the first exact loop begins, over texts that have one.
    pub median_onset: Option<f64>,
    /// Share of characters inside exact loops.
    pub exact_loop_share: Option<f64>,
    /// Share of characters inside near-loops (and no exact loop).
    pub near_loop_share: Option<f64>,
    /// Share of words found in the reference vocabulary.
    pub lexical_validity: Option<f64>,
}

/// The figures, as keys pick them (for tables, CSV columns, plot panels and the sweep screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// [`Figures::bits_per_char`].
    BitsPerChar,
    /// [`Figures::entropy_bits`].
    EntropyBits,
    /// [`Figures::distinct_4_chars`].
    Distinct4Chars,
    /// [`Figures::distinct_2_words`].
    Distinct2Words,
    /// [`Figures::ends_in_loop`].
    EndsInLoop,
    /// [`Figures::median_onset`].
    MedianOnset,
    /// [`Figures::exact_loop_share`].
    ExactLoopShare,
    /// [`Figures::near_loop_share`].
    NearLoopShare,
    /// [`Figures::lexical_validity`].
    LexicalValidity,
}

impl Metric {
    /// Every metric, in the order tables, CSV columns and plot panels show them.
    pub const ALL: [Metric; 9] = [
        Metric::BitsPerChar,
        Metric::EntropyBits,
        Metric::Distinct4Chars,
        Metric::Distinct2Words,
        Metric::EndsInLoop,
        Metric::MedianOnset,
        Metric::ExactLoopShare,
        Metric::NearLoopShare,
        Metric::LexicalValidity,
    ];

    /// Column name in CSV and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Metric::BitsPerChar => "bits_per_char",
            Metric::EntropyBits => "entropy_bits",
            Metric::Distinct4Chars => "distinct_4_chars",
            Metric::Distinct2Words => "distinct_2_words",
            Metric::EndsInLoop => "ends_in_loop",
            Metric::MedianOnset => "median_onset",
            Metric::ExactLoopShare => "exact_loop_share",
            Metric::NearLoopShare => "near_loop_share",
            Metric::LexicalValidity => "lexical_validity",
        }
    }

    /// A title for a chart.
    pub fn title(self) -> &'static str {
        match self {
            Metric::BitsPerChar => "bits/char under the model at T = 1",
            Metric::EntropyBits => "entropy of the sampled distribution (bits)",
            Metric::Distinct4Chars => "distinct-4 (characters)",
            Metric::Distinct2Words => "distinct-2 (words)",
            Metric::EndsInLoop => "share of streams ending in an exact loop",
            Metric::MedianOnset => "median onset of the first exact loop (chars)",
            Metric::ExactLoopShare => "share of characters in exact loops",
            Metric::NearLoopShare => "share of characters in near-loops",
            Metric::LexicalValidity => "share of words in the reference vocabulary",
        }
    }

    /// This metric's value in `f`; `None` where it is undefined.
    pub fn get(self, f: &Figures) -> Option<f64> {
        match self {
            Metric::BitsPerChar => f.bits_per_char,
            Metric::EntropyBits => f.entropy_bits,
            Metric::Distinct4Chars => f.distinct_4_chars,
            Metric::Distinct2Words => f.distinct_2_words,
            Metric::EndsInLoop => f.ends_in_loop,
            Metric::MedianOnset => f.median_onset,
            Metric::ExactLoopShare => f.exact_loop_share,
            Metric::NearLoopShare => f.near_loop_share,
            Metric::LexicalValidity => f.lexical_validity,
        }
    }

    fn set(self, f: &mut Figures, v: Option<f64>) {
        let slot = match self {
            Metric::BitsPerChar => &mut f.bits_per_char,
            Metric::EntropyBits => &mut f.entropy_bits,
            Metric::Distinct4Chars => &mut f.distinct_4_chars,
            Metric::Distinct2Words => &mut f.distinct_2_words,
            Metric::EndsInLoop => &mut f.ends_in_loop,
            Metric::MedianOnset => &mut f.median_onset,
            Metric::ExactLoopShare => &mut f.exact_loop_share,
            Metric::NearLoopShare => &mut f.near_loop_share,
            Metric::LexicalValidity => &mut f.lexical_validity,
        };
        *slot = v;
    }
}

/// Collects one text, character by character, with the model's view of each character.
#[derive(Debug, Clone)]
pub struct TextRecorder {
    text: String,
    surprisal_sum: f64,
    entropy_sum: f64,
    scored: u64,
    loops: LoopTracker,
}

impl TextRecorder {
    /// An empty recorder whose loop detectors use these settings.
    pub fn new(loops: LoopSettings, near: NearLoopSettings) -> Self {
        TextRecorder {
            text: String::new(),
            surprisal_sum: 0.0,
            entropy_sum: 0.0,
            scored: 0,
            loops: LoopTracker::new(loops, near),
        }
    }

    /// Adds a character; `p1` is its probability under the model at T = 1 and `entropy_bits` the
    /// entropy of the distribution it came from.
    pub fn push(&mut self, ch: char, p1: f32, entropy_bits: f32) {
        self.text.push(ch);
        self.surprisal_sum += -(p1.max(1e-30) as f64).log2();
        self.entropy_sum += entropy_bits as f64;
        self.scored += 1;
        self.loops.push(ch);
    }

    /// The text recorded so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The loop figures of the text so far.
    pub fn loop_stats(&self) -> LoopStats {
        self.loops.stats()
    }

    /// This one text's figures. `ends_in_loop` is 0 or 1, and `median_onset` its own onset.
    pub fn figures(&self, vocabulary: Option<&HashSet<String>>) -> Figures {
        let n = self.scored.max(1) as f64;
        let chars: Vec<char> = self.text.chars().collect();
        let w = words(&self.text);
        let stats = self.loops.stats();
        let ends = matches!(stats.state, crate::analysis::LoopState::Exact { .. });
        Figures {
            bits_per_char: (self.scored > 0).then(|| self.surprisal_sum / n),
            entropy_bits: (self.scored > 0).then(|| self.entropy_sum / n),
            distinct_4_chars: distinct_n(&chars, CHAR_N),
            distinct_2_words: distinct_n(&w, WORD_N),
            ends_in_loop: Some(if ends { 1.0 } else { 0.0 }),
            median_onset: stats.first_exact_onset.map(|p| p as f64),
            exact_loop_share: Some(stats.exact_share()),
            near_loop_share: Some(stats.near_share()),
            lexical_validity: vocabulary.and_then(|v| lexical_validity(&w, v)),
        }
    }
}

/// Summarises several texts' figures: the mean of each, except the onset, which is the median
/// over the texts that have one.
pub fn summarise(each: &[Figures]) -> Figures {
    let mut out = Figures::default();
    for m in Metric::ALL {
        let values: Vec<f64> = each.iter().filter_map(|f| m.get(f)).collect();
        let v = if m == Metric::MedianOnset { median(&values) } else { mean(&values) };
        m.set(&mut out, v);
    }
    out
}

/// The spread of several texts' figures: the `q`-quantile of each (the onset over texts that
/// have one).
pub fn quantiles(each: &[Figures], q: f64) -> Figures {
    let mut out = Figures::default();
    for m in Metric::ALL {
        let values: Vec<f64> = each.iter().filter_map(|f| m.get(f)).collect();
        m.set(&mut out, crate::analysis::text_stats::quantile(&values, q));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(text: &str, p1: f32) -> TextRecorder {
        let mut r = TextRecorder::new(LoopSettings::default(), NearLoopSettings::default());
        for c in text.chars() {
            r.push(c, p1, 1.5);
        }
        r
    }

    #[test]
    fn a_looping_text_scores_as_a_loop() {
        let r = record(&format!("Enter KING. {}", "and so the sea, ".repeat(8)), 0.5);
        let f = r.figures(None);
        assert_eq!(f.bits_per_char, Some(1.0));
        assert_eq!(f.entropy_bits, Some(1.5));
        assert_eq!(f.ends_in_loop, Some(1.0));
        let onset = f.median_onset.unwrap();
        assert!((9.0..=12.0).contains(&onset), "{onset}");
        assert!(f.exact_loop_share.unwrap() > 0.9);
        assert_eq!(f.near_loop_share, Some(0.0));
        assert!(f.distinct_4_chars.unwrap() < 0.2);
        assert_eq!(f.lexical_validity, None);
    }

    #[test]
    fn prose_scores_as_prose() {
        let vocab: HashSet<String> = words("to be or not that is the question").into_iter().collect();
        let r = record("To be, or not to be, that is the question.", 0.25);
        let f = r.figures(Some(&vocab));
        assert_eq!(f.bits_per_char, Some(2.0));
        assert_eq!(f.ends_in_loop, Some(0.0));
        assert_eq!(f.median_onset, None);
        assert_eq!(f.exact_loop_share, Some(0.0));
        assert_eq!(f.lexical_validity, Some(1.0));
        // Word bigrams: to-be, be-or, or-not, not-to, to-be, be-that, that-is, is-the, the-question.
        assert_eq!(f.distinct_2_words, Some(8.0 / 9.0));
    }

    #[test]
    fn summaries_average_and_take_the_median_onset() {
        let a = Figures {
            bits_per_char: Some(1.0),
            median_onset: Some(100.0),
            ends_in_loop: Some(1.0),
            ..Default::default()
        };
        let b = Figures { bits_per_char: Some(3.0), median_onset: None, ends_in_loop: Some(0.0), ..Default::default() };
        let c = Figures {
            bits_per_char: Some(2.0),
            median_onset: Some(300.0),
            ends_in_loop: Some(1.0),
            ..Default::default()
        };
        let s = summarise(&[a, b, c]);
        assert_eq!(s.bits_per_char, Some(2.0));
        assert_eq!(s.median_onset, Some(200.0));
        assert_eq!(s.ends_in_loop, Some(2.0 / 3.0));
        assert_eq!(s.lexical_validity, None);
        assert_eq!(quantiles(&[a, b, c], 0.0).bits_per_char, Some(1.0));
    }
}
