//! Live text metrics over a recent window: mean surprisal (under the distribution sampled and
//! under the model itself at T = 1), mean entropy and distinct-4.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

/// One generated character as the metrics see it.
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    /// The character drawn.
    pub ch: char,
    /// `-log2 p(ch)` under the distribution it was drawn from.
    pub surprisal_bits: f32,
    /// `-log2 p(ch)` under the model's own distribution (T = 1, no truncation): how likely the
    /// model finds the text, whatever it was sampled with.
    pub model_surprisal_bits: f32,
    /// Entropy of that distribution, in bits.
    pub entropy_bits: f32,
}

/// Sliding-window means, kept incrementally so each push is O(1) amortised.
#[derive(Debug, Clone)]
pub struct Metrics {
    window: usize,
    items: VecDeque<Observation>,
    surprisal_sum: f64,
    model_surprisal_sum: f64,
    entropy_sum: f64,
    /// Counts of every 4-gram ending inside the window.
    grams: HashMap<[char; 4], u32, BuildHasherDefault<GramHasher>>,
}

/// The default SipHash guards against hostile keys, which four generated characters are not; a
/// multiply-rotate hash is several times faster for these small keys.
#[derive(Default)]
struct GramHasher(u64);

impl Hasher for GramHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(b as u32);
        }
    }

    fn write_u32(&mut self, i: u32) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u32(i as u32);
    }
}

/// The metrics over the current window.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Mean surprisal under the distributions sampled, in bits per character: how unlikely, on
    /// average, the drawn characters were as drawn; on average it approaches the entropy.
    pub mean_surprisal_bits: f32,
    /// Mean surprisal under the model at T = 1: bits per character of the text as the model
    /// scores it, comparable between panes at different settings.
    pub mean_model_surprisal_bits: f32,
    /// Mean entropy of the distributions drawn from, in bits: how uncertain the sampler was.
    pub mean_entropy_bits: f32,
    /// Distinct 4-grams over all 4-grams in the window, in [0, 1]; low means repetitive text.
    pub distinct_4: f32,
    /// Characters in the window (fewer than its size until it fills).
    pub count: usize,
}

impl Metrics {
    /// Metrics over the last `window` characters (at least 4, so a 4-gram fits).
    pub fn new(window: usize) -> Self {
        let window = window.max(4);
        Metrics {
            window,
            items: VecDeque::with_capacity(window + 1),
            surprisal_sum: 0.0,
            model_surprisal_sum: 0.0,
            entropy_sum: 0.0,
            grams: HashMap::default(),
        }
    }

    /// Empties the window, keeping its size.
    pub fn reset(&mut self) {
        *self = Metrics::new(self.window);
    }

    fn gram_ending_at(&self, i: usize) -> Option<[char; 4]> {
        (i >= 3).then(|| [self.items[i - 3].ch, self.items[i - 2].ch, self.items[i - 1].ch, self.items[i].ch])
    }

    /// Adds one character, dropping the oldest when the window is full.
    pub fn push(&mut self, o: Observation) {
        if self.items.len() == self.window {
            // The gram ending at index 3 loses its first character; it leaves the window.
            if let Some(g) = self.gram_ending_at(3) {
                if let Some(n) = self.grams.get_mut(&g) {
                    *n -= 1;
                    if *n == 0 {
                        self.grams.remove(&g);
                    }
                }
            }
            let old = self.items.pop_front().expect("window is full");
            self.surprisal_sum -= old.surprisal_bits as f64;
            self.model_surprisal_sum -= old.model_surprisal_bits as f64;
            self.entropy_sum -= old.entropy_bits as f64;
        }
        self.items.push_back(o);
        self.surprisal_sum += o.surprisal_bits as f64;
        self.model_surprisal_sum += o.model_surprisal_bits as f64;
        self.entropy_sum += o.entropy_bits as f64;
        if let Some(g) = self.gram_ending_at(self.items.len() - 1) {
            *self.grams.entry(g).or_insert(0) += 1;
        }
    }

    /// The means over what is in the window now; all zero when it is empty.
    pub fn summary(&self) -> Summary {
        let n = self.items.len();
        if n == 0 {
            return Summary::default();
        }
        let grams = n.saturating_sub(3);
        Summary {
            mean_surprisal_bits: (self.surprisal_sum / n as f64) as f32,
            mean_model_surprisal_bits: (self.model_surprisal_sum / n as f64) as f32,
            mean_entropy_bits: (self.entropy_sum / n as f64) as f32,
            distinct_4: if grams == 0 { 1.0 } else { self.grams.len() as f32 / grams as f32 },
            count: n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(ch: char, s: f32) -> Observation {
        Observation { ch, surprisal_bits: s, model_surprisal_bits: 3.0 * s, entropy_bits: 2.0 * s }
    }

    #[test]
    fn means_cover_only_the_window() {
        let mut m = Metrics::new(4);
        for (i, c) in "abcdef".chars().enumerate() {
            m.push(obs(c, i as f32));
        }
        let s = m.summary();
        assert_eq!(s.count, 4);
        assert!((s.mean_surprisal_bits - 3.5).abs() < 1e-6);
        assert!((s.mean_entropy_bits - 7.0).abs() < 1e-6);
        assert!((s.mean_model_surprisal_bits - 10.5).abs() < 1e-6);
    }

    #[test]
    fn distinct_4_falls_for_repetitive_text() {
        let mut varied = Metrics::new(64);
        for c in "the quick brown fox jumps over the lazy dog".chars() {
            varied.push(obs(c, 1.0));
        }
        let mut looped = Metrics::new(64);
        for c in "abcabcabcabcabcabcabcabcabcabcabcabcabcabca".chars() {
            looped.push(obs(c, 1.0));
        }
        assert!(varied.summary().distinct_4 > 0.9);
        // Only 3 distinct 4-grams (abca, bcab, cabc) among 40.
        assert!((looped.summary().distinct_4 - 3.0 / 40.0).abs() < 1e-6);
    }

    #[test]
    fn sliding_window_matches_a_fresh_count() {
        let text: Vec<char> = "to be or not to be that is the question whether tis nobler".chars().collect();
        let mut m = Metrics::new(16);
        for &c in &text {
            m.push(obs(c, 0.5));
        }
        let tail = &text[text.len() - 16..];
        let fresh: std::collections::HashSet<&[char]> = tail.windows(4).collect();
        assert!((m.summary().distinct_4 - fresh.len() as f32 / 13.0).abs() < 1e-6);
    }
}
