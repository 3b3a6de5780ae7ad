//! The prime a trained model carries: a short start of its held-out text, so that any front end
//! can start generating from text the model knows, whatever the corpus.

use crate::model::Vocab;

/// Longest stored prime, in characters.
pub const PRIME_MAX: usize = 80;

/// A short start of `heldout` (or of `train` when nothing is held out): from the first line start
/// near its beginning, up to [`PRIME_MAX`] characters, cut after a newline or a space when one is
/// near the end so that it does not stop mid-word. Empty only if both texts are.
pub fn default_prime(vocab: &Vocab, heldout: &[u32], train: &[u32]) -> String {
    let ids = if heldout.len() >= 2 { heldout } else { train };
    let text: Vec<char> = ids.iter().take(PRIME_MAX * 4).map(|&id| vocab.char(id)).collect();
    // The held-out split starts wherever the cut fell, often mid-line: start at the next line if
    // there is one close by.
    let start = text.iter().take(PRIME_MAX * 2).position(|&c| c == '\n').map_or(0, |i| i + 1);
    let start = if start >= text.len() { 0 } else { start };
    let window: Vec<char> = text[start..].iter().take(PRIME_MAX).copied().collect();
    let cut = window
        .iter()
        .rposition(|&c| c == '\n')
        .filter(|&i| i >= PRIME_MAX / 4)
        .or_else(|| window.iter().rposition(|&c| c == ' ').filter(|&i| i >= PRIME_MAX / 2))
        .map_or(window.len(), |i| i + 1);
    window[..cut].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UnknownPolicy;

    fn ids(v: &Vocab, s: &str) -> Vec<u32> {
        v.encode(s, UnknownPolicy::Error).unwrap()
    }

    #[test]
    fn starts_at_a_line_and_ends_after_a_newline_or_a_space() {
        let text = "tail of a line\nfirst whole line of the held out text\nsecond line, which is long enough to be cut somewhere in the middle of it\n";
        let v = Vocab::from_text(text).unwrap();
        let p = default_prime(&v, &ids(&v, text), &[]);
        assert_eq!(p, "first whole line of the held out text\n");
        assert!(p.chars().count() <= PRIME_MAX);
    }

    #[test]
    fn a_text_without_newlines_is_cut_at_a_space() {
        let text = "word ".repeat(40);
        let v = Vocab::from_text(&text).unwrap();
        let p = default_prime(&v, &ids(&v, &text), &[]);
        assert!(p.ends_with(' ') && p.chars().count() <= PRIME_MAX && p.len() >= PRIME_MAX / 2, "{p:?}");
    }

    #[test]
    fn nothing_held_out_uses_the_training_text() {
        let v = Vocab::from_text("abc").unwrap();
        assert_eq!(default_prime(&v, &[], &ids(&v, "abcabc")), "abcabc");
        assert_eq!(default_prime(&v, &[], &[]), "");
    }
}
