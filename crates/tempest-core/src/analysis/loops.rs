//! Incremental detection of repetition loops.
//!
//! For every candidate period `p ≤ max_period` the detector keeps `run[p]`: how many of the latest
//! characters equal the character `p` places before them. The text's tail of length `run[p] + p`
//! is then exactly `p`-periodic, i.e. a block of `p` characters repeated `(run[p] + p) / p` times.
//! Each new character updates every `run[p]` in O(1), so a push costs O(max_period) with no
//! allocation, and a single mismatch resets the run: near-loops never count, and a loop clears the
//! moment the text breaks out of it.

use crate::limits;

/// What counts as an exact loop. Ranges are in [`crate::limits`]: `max_period` 200 to 4,096,
/// `min_repeats` 2 to 1,000, `min_span` 0 to 100,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoopSettings {
    /// Longest period looked for.
    pub max_period: usize,
    /// Times the block must occur in a row (≥ 2).
    pub min_repeats: usize,
    /// Shortest repeating span, in characters, worth reporting: without it "ll" in "hello" would be
    /// a loop of period 1.
    pub min_span: usize,
}

impl Default for LoopSettings {
    fn default() -> Self {
        LoopSettings { max_period: 256, min_repeats: 2, min_span: 24 }
    }
}

impl LoopSettings {
    /// Checks every setting against [`crate::limits`].
    pub fn validate(&self) -> Result<(), String> {
        limits::LOOP_MAX_PERIOD.check("max_period", self.max_period)?;
        limits::LOOP_MIN_REPEATS.check("min_repeats", self.min_repeats)?;
        limits::LOOP_MIN_SPAN.check("min_span", self.min_span)
    }
}

/// A loop found at the end of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loop {
    /// Length of the repeating block.
    pub period: usize,
    /// Length of the periodic tail of the text (`span / period` whole repeats, plus a partial one).
    pub span: usize,
}

impl Loop {
    /// Whole repeats of the block in the span.
    pub fn repeats(&self) -> usize {
        self.span / self.period
    }
}

/// Finds exact repetition at the end of a growing text, one character at a time, in O(`max_period`)
/// per character with no allocation.
#[derive(Debug, Clone)]
pub struct LoopDetector {
    settings: LoopSettings,
    /// The last `max_period` characters (as `u32`, [`EMPTY`] before the text is that long), kept
    /// twice over so that they are always one contiguous slice: `ring[head..head + max_period]`,
    /// oldest first.
    ring: Vec<u32>,
    head: usize,
    /// `run[max_period - p]` for period `p`, i.e. in the same order as that slice, so the update is
    /// one straight pass that compilers vectorise.
    run: Vec<u32>,
    current: Option<Loop>,
}

/// Not a `char`, so it never equals one.
const EMPTY: u32 = u32::MAX;

impl LoopDetector {
    /// A detector that has seen no text.
    pub fn new(settings: LoopSettings) -> Self {
        let p = settings.max_period;
        LoopDetector { settings, ring: vec![EMPTY; 2 * p], head: 0, run: vec![0; p], current: None }
    }

    /// The settings it was made with.
    pub fn settings(&self) -> LoopSettings {
        self.settings
    }

    /// Forgets the text, keeping the settings.
    pub fn reset(&mut self) {
        self.ring.fill(EMPTY);
        self.head = 0;
        self.run.fill(0);
        self.current = None;
    }

    /// Adds one character and returns the loop at the end of the text, if any: the smallest
    /// period whose tail repeats at least `min_repeats` times and spans at least `min_span`.
    pub fn push(&mut self, c: char) -> Option<Loop> {
        let s = self.settings;
        let max = s.max_period;
        let c = c as u32;
        // `back[j]` is the character `max - j` places before `c`.
        let back = &self.ring[self.head..self.head + max];
        for (run, &b) in self.run.iter_mut().zip(back) {
            *run = if b == c { run.saturating_add(1) } else { 0 };
        }
        let mut found = None;
        // Smallest period first: from the end of `run` backwards.
        for (j, &run) in self.run.iter().enumerate().rev() {
            let p = max - j;
            let span = run as usize + p;
            if run > 0 && span >= p * s.min_repeats && span >= s.min_span {
                found = Some(Loop { period: p, span });
                break;
            }
        }
        self.ring[self.head] = c;
        self.ring[self.head + max] = c;
        self.head = (self.head + 1) % max;
        self.current = found;
        found
    }

    /// The loop found by the last [`push`](Self::push), if any.
    pub fn current(&self) -> Option<Loop> {
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str, s: LoopSettings) -> Option<Loop> {
        let mut d = LoopDetector::new(s);
        let mut last = None;
        for c in text.chars() {
            last = d.push(c);
        }
        last
    }

    fn settings(max_period: usize) -> LoopSettings {
        LoopSettings { max_period, min_repeats: 2, min_span: 0 }
    }

    #[test]
    fn validate_uses_the_same_period_range_as_the_config() {
        // It once accepted any period >= 1 while the config demanded >= 200.
        assert!(LoopSettings { max_period: 199, ..Default::default() }.validate().unwrap_err().contains("[200, 4096]"));
        assert!(LoopSettings { max_period: 200, ..Default::default() }.validate().is_ok());
        assert!(LoopSettings::default().validate().is_ok());
    }

    #[test]
    fn finds_an_exact_loop_and_counts_repeats() {
        let text = format!("It was the best. {}", "and so the sea, ".repeat(4));
        let l = detect(&text, LoopSettings::default()).unwrap();
        assert_eq!(l.period, 16);
        assert_eq!(l.repeats(), 4);
        // The span may begin a little before the first full block if the text before it matches.
        assert!(l.span >= 64 && l.span < 64 + 16, "{l:?}");
    }

    #[test]
    fn reports_the_smallest_period() {
        let l = detect(&"abcabc".repeat(10), settings(50)).unwrap();
        assert_eq!(l.period, 3);
        assert_eq!(l.repeats(), 20);
    }

    #[test]
    fn near_loops_do_not_count() {
        // Every repetition differs in one character, so no exact period exists.
        let text = "the cat sat. the cot sat. the cut sat. the cit sat. ";
        assert_eq!(detect(text, LoopSettings::default()), None);
        // A single repetition (×1.9) is not a loop either.
        let block = "and so the sea, ";
        let text = format!("xyz{block}{}", &block[..14]);
        assert_eq!(detect(&text, settings(64)), None);
    }

    #[test]
    fn short_spans_are_ignored_by_min_span() {
        assert_eq!(detect("hello", LoopSettings::default()), None);
        assert_eq!(detect("hell", settings(8)), Some(Loop { period: 1, span: 2 }));
        assert_eq!(detect("hell", LoopSettings::default()), None);
    }

    #[test]
    fn finds_loops_at_every_period_up_to_the_maximum() {
        let max = 200;
        let s = settings(max);
        for p in 1..=max {
            // A block with no smaller period: a distinct character at its end.
            let block: String =
                (0..p).map(|i| if i + 1 == p { '#' } else { char::from(b'a' + (i % 26) as u8) }).collect();
            let text = format!("{}{}", "~".repeat(3), block.repeat(2));
            let l = detect(&text, s).unwrap_or_else(|| panic!("period {p} not found"));
            assert_eq!(l.period, p, "period {p}");
            assert_eq!(l.repeats(), 2);
        }
        // One past the maximum is out of reach (all characters distinct, so no shorter period).
        let block: String = (0..=max as u32).map(|i| char::from_u32(0x100 + i).unwrap()).collect();
        assert_eq!(detect(&block.repeat(3), s), None);
    }

    #[test]
    fn clears_when_the_text_breaks_out() {
        let mut d = LoopDetector::new(LoopSettings::default());
        for c in "and so the sea, ".repeat(3).chars() {
            d.push(c);
        }
        assert!(d.current().is_some());
        d.push('X');
        assert_eq!(d.current(), None);
        for c in "Why, then I crave the gracious lord".chars() {
            d.push(c);
        }
        assert_eq!(d.current(), None);
    }

    #[test]
    fn reset_forgets_the_past() {
        let mut d = LoopDetector::new(settings(10));
        for c in "abab".chars() {
            d.push(c);
        }
        d.reset();
        assert_eq!(d.push('a'), None);
    }
}
