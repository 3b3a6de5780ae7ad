//! Whole-text statistics, as a sweep reports them for each generated stream and for human text:
//! diversity (distinct-n), lexical validity, and the order statistics used to summarise them.

use std::collections::HashSet;
use std::hash::Hash;

/// The words of a text under the near-loop rule ([`super::near_loops`]): maximal runs of letters
/// and digits, lower-cased, with an apostrophe between two letters kept inside the word.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if (c == '\'' || c == '’') && !word.is_empty() && chars.peek().is_some_and(|n| n.is_alphanumeric()) {
            word.push('\'');
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Distinct n-grams over all n-grams (Li et al.'s distinct-n), in (0, 1]; `None` when the sequence
/// holds no n-gram. Low means repetitive.
pub fn distinct_n<T: Eq + Hash>(items: &[T], n: usize) -> Option<f64> {
    if n == 0 || items.len() < n {
        return None;
    }
    let grams: HashSet<&[T]> = items.windows(n).collect();
    Some(grams.len() as f64 / (items.len() - n + 1) as f64)
}

/// Share of `words` found in `vocabulary`; `None` when there are no words.
pub fn lexical_validity(words: &[String], vocabulary: &HashSet<String>) -> Option<f64> {
    if words.is_empty() {
        return None;
    }
    let known = words.iter().filter(|w| vocabulary.contains(w.as_str())).count();
    Some(known as f64 / words.len() as f64)
}

/// The median of the values (the mean of the middle two for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    quantile(values, 0.5)
}

/// The `q`-quantile by linear interpolation between order statistics; `None` when empty.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (at - lo as f64))
}

/// The arithmetic mean; `None` when empty.
pub fn mean(values: &[f64]) -> Option<f64> {
    let v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_and_drop_punctuation() {
        assert_eq!(
            words("How now, my LORD!  o'er 'tis\nend-all"),
            ["how", "now", "my", "lord", "o'er", "tis", "end", "all"]
        );
        assert!(words(" ,.; \n").is_empty());
    }

    #[test]
    fn distinct_n_on_known_texts() {
        let c: Vec<char> = "abcabcabca".chars().collect();
        // 7 four-grams, of which abca, bcab and cabc are distinct.
        assert_eq!(distinct_n(&c, 4), Some(3.0 / 7.0));
        let c: Vec<char> = "abcdefg".chars().collect();
        assert_eq!(distinct_n(&c, 4), Some(1.0));
        assert_eq!(distinct_n(&c, 8), None);
        let w = words("the cat and the cat and the dog");
        // Bigrams: the-cat, cat-and, and-the, the-cat, cat-and, and-the, the-dog → 4 of 7.
        assert_eq!(distinct_n(&w, 2), Some(4.0 / 7.0));
    }

    #[test]
    fn lexical_validity_counts_known_words() {
        let vocab: HashSet<String> = ["the", "king", "is", "dead"].iter().map(|s| s.to_string()).collect();
        assert_eq!(lexical_validity(&words("The king is dead, long live the king"), &vocab), Some(6.0 / 8.0));
        assert_eq!(lexical_validity(&words("Ysaden mickening"), &vocab), Some(0.0));
        assert_eq!(lexical_validity(&[], &vocab), None);
    }

    #[test]
    fn order_statistics() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(quantile(&[0.0, 10.0], 0.1), Some(1.0));
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
    }
}
