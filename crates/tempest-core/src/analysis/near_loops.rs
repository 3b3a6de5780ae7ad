//! Incremental detection of near-loops: repetition that a reader sees but an exact comparison of
//! characters misses, such as `How now, my lord! how now, my lord?`.
//!
//! # The rule
//! The text is read as a sequence of *folded words*: a word is a maximal run of letters and digits
//! (an apostrophe between two letters stays inside the word, so `o'er` is one word), compared with
//! letters lower-cased; everything else (spaces, newlines, punctuation) only separates words. A
//! near-loop is a tail of that word sequence which is periodic with a word period
//! `p ≤ max_word_period`, i.e. each of its last words equals the word `p` words before, and which
//! - holds at least `min_repeats` whole repeats of the `p`-word block,
//! - has at least `min_words` words, and
//! - spans at least `min_span` characters of the original text.
//!
//! Case, punctuation and spacing may therefore differ between repeats; the words may not. So
//! `the cat sat. the cot sat.` is no near-loop (`cat` ≠ `cot`), while `the state of the state of the
//! state` is. A word only counts once it has ended, so the state changes at word boundaries.
//!
//! Every push is O(1) except at the end of a word, which costs O(`max_word_period`); nothing is
//! allocated after construction.

/// What makes a near-loop; see the module documentation for the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NearLoopSettings {
    /// Longest block looked for, in words.
    pub max_word_period: usize,
    /// Whole repeats of the block needed (≥ 2).
    pub min_repeats: usize,
    /// Fewest words in the repeating tail: keeps `the the` from counting.
    pub min_words: usize,
    /// Fewest characters the repeating tail must span.
    pub min_span: usize,
}

impl Default for NearLoopSettings {
    fn default() -> Self {
        NearLoopSettings { max_word_period: 32, min_repeats: 2, min_words: 6, min_span: 24 }
    }
}

/// A near-loop at the end of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NearLoop {
    /// Words in the repeating block.
    pub word_period: usize,
    /// Words in the repeating tail.
    pub words: usize,
    /// Characters from the start of the tail's first word to the end of its last word.
    pub span: usize,
    /// Characters per repeat, on average: `span / repeats` (what a reader would call the period).
    pub char_period: usize,
    /// Position of the tail's first character, counting characters pushed since the last reset.
    pub start: u64,
}

impl NearLoop {
    /// Whole repeats of the block in the tail.
    pub fn repeats(&self) -> usize {
        self.words / self.word_period
    }
}

/// Finds word-level repetition at the end of a growing text, deciding at each word boundary: words
/// are compared after folding case and dropping punctuation, so a block repeated with other case,
/// punctuation or spacing still counts.
#[derive(Debug, Clone)]
pub struct NearLoopDetector {
    settings: NearLoopSettings,
    /// Hash of the word being read, if one is open.
    word: Option<u64>,
    /// Position (in characters pushed) where the open word began.
    word_start: u64,
    /// Whether the previous character was a letter, so an apostrophe after it may continue a word.
    pending_apostrophe: bool,
    /// The last `max_word_period` finished words (a ring).
    words: Vec<u64>,
    /// Finished words so far.
    count: u64,
    /// `run[p - 1]`: how many of the latest words equal the word `p` before them.
    run: Vec<u32>,
    /// Characters pushed.
    pos: u64,
    /// Where the last finished word ended (exclusive).
    last_end: u64,
    current: Option<NearLoop>,
    /// Where the current near-loop's tail begins.
    current_start: u64,
    /// Start positions of the latest words, longer than `max_word_period` so a tail's first word
    /// can be found: indexed by word number modulo its length.
    tail_starts: Vec<u64>,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

impl NearLoopDetector {
    /// A detector that has seen no text.
    pub fn new(settings: NearLoopSettings) -> Self {
        let p = settings.max_word_period.max(1);
        // A tail can be as long as the whole text; its start is only looked up while it is at most
        // this many words long, and a longer one keeps the start it had then.
        let tail = 4096;
        NearLoopDetector {
            settings,
            word: None,
            word_start: 0,
            pending_apostrophe: false,
            words: vec![0; p],
            count: 0,
            run: vec![0; p],
            pos: 0,
            last_end: 0,
            current: None,
            current_start: 0,
            tail_starts: vec![0; tail],
        }
    }

    /// The settings it was made with.
    pub fn settings(&self) -> NearLoopSettings {
        self.settings
    }

    /// Forgets the text, keeping the settings.
    pub fn reset(&mut self) {
        *self = NearLoopDetector::new(self.settings);
    }

    /// Words finished since the last reset: the near-loop state only changes when this does.
    pub fn words_seen(&self) -> u64 {
        self.count
    }

    /// The near-loop at the end of the text, as of the last finished word.
    pub fn current(&self) -> Option<NearLoop> {
        self.current
    }

    /// Adds one character; returns the near-loop at the end of the text, if any.
    pub fn push(&mut self, c: char) -> Option<NearLoop> {
        let at = self.pos;
        self.pos += 1;
        if c.is_alphanumeric() {
            let folded = fold(c) as u64;
            match (&mut self.word, self.pending_apostrophe) {
                (Some(h), true) => {
                    *h = (*h ^ '\'' as u64).wrapping_mul(FNV_PRIME);
                    *h = (*h ^ folded).wrapping_mul(FNV_PRIME);
                }
                (Some(h), false) => *h = (*h ^ folded).wrapping_mul(FNV_PRIME),
                (None, _) => {
                    self.word = Some((FNV_OFFSET ^ folded).wrapping_mul(FNV_PRIME));
                    self.word_start = at;
                }
            }
            self.pending_apostrophe = false;
            self.last_end = at + 1;
        } else if (c == '\'' || c == '’') && self.word.is_some() && !self.pending_apostrophe {
            // Inside a word only if a letter follows; decided on the next character.
            self.pending_apostrophe = true;
        } else {
            self.pending_apostrophe = false;
            if let Some(h) = self.word.take() {
                self.finish_word(h);
            }
        }
        self.current
    }

    fn finish_word(&mut self, h: u64) {
        let s = self.settings;
        let max = self.words.len();
        let n = self.count;
        for p in 1..=max {
            let r = &mut self.run[p - 1];
            *r = if n >= p as u64 && self.words[((n - p as u64) % max as u64) as usize] == h { *r + 1 } else { 0 };
        }
        let slot = (n % max as u64) as usize;
        self.words[slot] = h;
        let tl = self.tail_starts.len() as u64;
        self.tail_starts[(n % tl) as usize] = self.word_start;
        self.count = n + 1;

        let mut found = None;
        for p in 1..=max {
            let words = self.run[p - 1] as usize + p;
            if self.run[p - 1] == 0 || words < p * s.min_repeats || words < s.min_words {
                continue;
            }
            let first = self.count - words as u64;
            let start = match self.current {
                // A tail longer than the lookup reaches is the one already being reported.
                Some(c) if words as u64 > tl && c.word_period == p => self.current_start,
                _ => self.tail_starts[(first.max(self.count.saturating_sub(tl)) % tl) as usize],
            };
            let span = (self.last_end - start) as usize;
            if span < s.min_span {
                continue;
            }
            let repeats = words / p;
            found = Some(NearLoop { word_period: p, words, span, char_period: span / repeats.max(1), start });
            self.current_start = start;
            break;
        }
        self.current = found;
    }
}

/// Lower-cases a character cheaply (ASCII first; otherwise the first char of its lower case).
fn fold(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The near-loop after the whole text and one closing space (which ends the last word).
    fn detect(text: &str) -> Option<NearLoop> {
        let mut d = NearLoopDetector::new(NearLoopSettings::default());
        for c in text.chars() {
            d.push(c);
        }
        d.push(' ')
    }

    #[test]
    fn folded_case_and_punctuation_count() {
        let l = detect("How now, my lord! how now, my lord?").expect("a near-loop");
        assert_eq!(l.word_period, 4);
        assert_eq!(l.repeats(), 2);
        assert_eq!(l.words, 8);
        // From the first `How` to the last `lord`.
        assert_eq!(l.span, "How now, my lord! how now, my lord".len());
        assert_eq!(l.char_period, l.span / 2);
    }

    #[test]
    fn a_repeated_phrase_after_other_words_counts() {
        let l = detect("the streets of the state of the state").expect("a near-loop");
        assert_eq!(l.word_period, 3);
        assert_eq!(l.words, 6);
        assert_eq!(l.span, "of the state of the state".len());
    }

    #[test]
    fn spacing_and_line_breaks_between_repeats_do_not_matter() {
        let l = detect("Good night, sweet prince;\ngood night sweet prince --\nGOOD NIGHT, SWEET PRINCE").unwrap();
        assert_eq!((l.word_period, l.repeats()), (4, 3));
    }

    #[test]
    fn ordinary_prose_does_not_count() {
        for text in [
            "To be, or not to be, that is the question: whether 'tis nobler in the mind to suffer",
            "Why, then I crave the gracious lord, that he should seem to be a gentleman of your fortune.",
            "the cat sat. the cot sat. the cut sat. the cit sat.",
            "the the",
            "O Romeo, Romeo! wherefore art thou Romeo?",
            "I say, I say.",
        ] {
            assert_eq!(detect(text), None, "{text:?}");
        }
    }

    #[test]
    fn a_single_repeat_is_not_a_loop() {
        // 1.75 repeats of a four-word block.
        assert_eq!(detect("how now my lord how now my"), None);
    }

    #[test]
    fn apostrophes_inside_words_are_letters() {
        // `o'er` and `oer` differ; `o' er` is two words.
        assert_eq!(detect("o'er the hills o'er the hills"), detect("o'er the hills o’er the hills"));
        assert!(detect("o'er the hills and o'er the hills and").is_some());
        assert_eq!(detect("o'er the hills and oer the hills and"), None);
    }

    #[test]
    fn a_different_word_ends_it() {
        let mut d = NearLoopDetector::new(NearLoopSettings::default());
        for c in "How now, my lord! how now, my lord? ".chars() {
            d.push(c);
        }
        assert!(d.current().is_some());
        // Still in the next repeat.
        for c in "how now ".chars() {
            d.push(c);
        }
        assert_eq!(d.current().unwrap().words, 10);
        for c in "sirrah ".chars() {
            d.push(c);
        }
        assert_eq!(d.current(), None);
    }

    #[test]
    fn reset_forgets_the_past() {
        let mut d = NearLoopDetector::new(NearLoopSettings::default());
        for c in "How now, my lord! how now, my lord? ".chars() {
            d.push(c);
        }
        d.reset();
        assert_eq!(d.current(), None);
        for c in "my lord ".chars() {
            d.push(c);
        }
        assert_eq!(d.current(), None);
    }
}
