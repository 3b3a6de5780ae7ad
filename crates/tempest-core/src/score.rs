//! Scoring a given text: the model reads it character by character, and each character is
//! described as if it had been drawn from the model's own distribution (T = 1, nothing else), so
//! its rank, p and the alternatives show where the model was surprised. Shared by `tempest score`
//! and the explorer's scored pane.

use crate::display::describe_char;
use crate::error::{Error, Result};
use crate::generate::Drawn;
use crate::model::{Stepper, Vocab};
use crate::sampling::{check_finite_logits, softmax_t, SamplerSettings};

/// Reads a text through the model, one character at a time, on a one-stream stepper.
pub struct Scorer {
    stepper: Stepper,
    vocab: Vocab,
    /// The logits for the next character.
    logits: Vec<f32>,
    probs: Vec<f32>,
    /// The last character described, fed only when the next one is asked for (so the last
    /// character of a text costs no step).
    unfed: Option<u32>,
    bits: f64,
    chars: u64,
}

impl Scorer {
    /// Feeds `context` (at least one character: the model needs an input before it predicts
    /// anything) from a zero state into `stepper`, which is resized to one stream.
    pub fn new(mut stepper: Stepper, vocab: Vocab, context: &[u32]) -> Result<Scorer> {
        if context.is_empty() {
            return Err(Error::Invalid("the context before the text is empty: give at least one character".into()));
        }
        stepper.resize(1);
        stepper.reset_row(0);
        let mut logits = Vec::new();
        // As one sequence (layer by layer, the head only at the end): a non-finite state along
        // the way carries through to the last logits, which are checked.
        stepper.feed_sequence(0, context, &mut logits, &mut |_| true)?;
        check_finite_logits(&logits, vocab.len())?;
        Ok(Scorer { stepper, vocab, logits, probs: Vec::new(), unfed: None, bits: 0.0, chars: 0 })
    }

    /// Describes `id` as the next character of the text (its rank, p and the distribution it came
    /// from), then moves past it.
    pub fn next(&mut self, id: u32) -> Result<Drawn> {
        self.advance()?;
        if id as usize >= self.vocab.len() {
            return Err(Error::Invalid(format!("id {id} is outside the vocabulary of {}", self.vocab.len())));
        }
        softmax_t(&self.logits, 1.0, &mut self.probs);
        let d = Drawn::new(
            &self.vocab,
            id,
            &self.probs,
            &self.probs,
            &self.logits,
            &self.logits,
            SamplerSettings::default(),
        );
        self.bits -= f64::from(d.p).log2();
        self.chars += 1;
        self.unfed = Some(id);
        Ok(d)
    }

    fn advance(&mut self) -> Result<()> {
        if let Some(prev) = self.unfed.take() {
            self.stepper.step(&[prev], &mut self.logits)?;
            check_finite_logits(&self.logits, self.vocab.len())?;
        }
        Ok(())
    }

    /// Characters scored so far.
    pub fn chars(&self) -> u64 {
        self.chars
    }

    /// Mean −log2 p (at T = 1) of the characters scored so far; 0 before any.
    pub fn bits_per_char(&self) -> f64 {
        if self.chars == 0 {
            0.0
        } else {
            self.bits / self.chars as f64
        }
    }

    /// The logits after the last character fed (the distribution the text's continuation would
    /// be drawn from).
    pub fn next_logits(&mut self) -> Result<&[f32]> {
        self.advance()?;
        Ok(&self.logits)
    }
}

/// The characters of `text` that `vocab` lacks: each distinct one with its first 1-based position
/// and how often it occurs, in order of first appearance.
pub fn unknown_chars(vocab: &Vocab, text: &str) -> Vec<(char, usize, usize)> {
    let mut out: Vec<(char, usize, usize)> = Vec::new();
    for (i, c) in text.chars().enumerate() {
        if vocab.id(c).is_none() {
            match out.iter_mut().find(|u| u.0 == c) {
                Some(u) => u.2 += 1,
                None => out.push((c, i + 1, 1)),
            }
        }
    }
    out
}

/// One line naming the unknown characters (at most a few, then how many more), e.g.
/// `'é' (first at position 12, 3 times), '€' (position 40)`.
pub fn describe_unknown(unknown: &[(char, usize, usize)]) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = unknown
        .iter()
        .take(SHOWN)
        .map(|&(c, pos, n)| match n {
            1 => format!("{} (position {pos})", describe_char(c)),
            _ => format!("{} (first at position {pos}, {n} times)", describe_char(c)),
        })
        .collect();
    if unknown.len() > SHOWN {
        parts.push(format!("and {} more", unknown.len() - SHOWN));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CellKind, CharRnn, ModelSpec};
    use crate::sampling::rank_by_logit;

    #[test]
    fn each_character_is_described_under_the_logits_that_preceded_it() {
        let chars: Vec<char> = "abc \n".chars().collect();
        let vocab = Vocab::new(chars).unwrap();
        let spec = ModelSpec { cell: CellKind::Gru, layers: 1, hidden: 8, embed: 4, vocab: 5, dropout: 0.0 };
        let model = CharRnn::new(spec, tch::Device::Cpu);
        let text: Vec<u32> = vec![0, 1, 2, 3, 0, 4, 1];
        let mut scorer = Scorer::new(model.stepper(1), vocab.clone(), &[4]).unwrap();
        // The reference: step by hand and read the distributions directly.
        let mut st = model.stepper(1);
        let mut logits = Vec::new();
        st.step(&[4], &mut logits).unwrap();
        let mut bits = 0.0;
        for &id in &text {
            let d = scorer.next(id).unwrap();
            let mut p = Vec::new();
            softmax_t(&logits, 1.0, &mut p);
            assert_eq!(d.p, p[id as usize]);
            assert_eq!(d.p1, d.p);
            assert_eq!(d.rank as usize, rank_by_logit(&logits, id as usize));
            assert_eq!(d.logits, logits);
            bits -= f64::from(p[id as usize]).log2();
            st.step(&[id], &mut logits).unwrap();
        }
        assert_eq!(scorer.chars(), 7);
        assert!((scorer.bits_per_char() - bits / 7.0).abs() < 1e-9);
        assert_eq!(scorer.next_logits().unwrap(), &logits[..]);
    }

    #[test]
    fn unknown_characters_are_named_once_each() {
        let vocab = Vocab::new("ab".chars().collect()).unwrap();
        let u = unknown_chars(&vocab, "axbyx");
        assert_eq!(u, [('x', 2, 2), ('y', 4, 1)]);
        assert_eq!(describe_unknown(&u), "'x' (U+0078) (first at position 2, 2 times), 'y' (U+0079) (position 4)");
    }
}
