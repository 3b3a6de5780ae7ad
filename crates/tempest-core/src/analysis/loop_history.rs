//! Every loop a stream fell into, kept after it breaks out, and the figures that compare streams:
//! the share of characters inside loops, how many loops, the first onset, the longest period.
//!
//! A [`LoopTracker`] runs the exact detector ([`super::loops`]) and the near-loop detector
//! ([`super::near_loops`]) side by side and turns their moment-to-moment answers into *episodes*:
//! one per stretch of text during which the same loop holds. Exact repetition wins: while an exact
//! loop holds, no near-loop is recorded, and a near-loop that was only the start of an exact one
//! is folded into it. A near-loop is recorded at word boundaries only (that is when the near-loop
//! detector decides), so an exact loop that breaks mid-word becomes a near-loop only if the
//! finished word still fits.

use std::collections::VecDeque;

use super::loops::{LoopDetector, LoopSettings};
use super::near_loops::{NearLoopDetector, NearLoopSettings};

/// How many episodes a tracker keeps; older ones drop off (the totals still count them).
pub const KEPT_EPISODES: usize = 1024;

/// Which detector found a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LoopKind {
    /// The same characters, over and over.
    Exact,
    /// The same words, up to case, punctuation and spacing.
    Near,
}

/// One loop, from where its repeating text begins to where it ended (or the text's end, while it
/// holds). Positions count characters pushed since the tracker was reset (or its starting point).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LoopEpisode {
    /// Which detector found it.
    pub kind: LoopKind,
    /// Position of the first character of the repeating text.
    pub start: u64,
    /// Characters of repeating text, from `start`.
    pub length: u64,
    /// Characters per repeat (for a near-loop, the average).
    pub period: usize,
    /// Words per repeat; near-loops only.
    pub word_period: Option<usize>,
    /// Most whole repeats seen at once.
    pub peak_repeats: usize,
    /// Whether the text is still inside it.
    pub open: bool,
}

impl LoopEpisode {
    /// One past the last position inside it.
    pub fn end(&self) -> u64 {
        self.start + self.length
    }
}

/// Where a stream stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "state")]
pub enum LoopState {
    /// In no loop.
    #[default]
    Free,
    /// Inside an exact loop.
    Exact {
        /// Characters per repeat.
        period: usize,
        /// Whole repeats so far.
        repeats: usize,
    },
    /// Inside a near-loop (and no exact one).
    Near {
        /// Characters per repeat, on average.
        period: usize,
        /// Words per repeat.
        word_period: usize,
        /// Whole repeats so far.
        repeats: usize,
    },
}

/// The comparison figures for one stream.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct LoopStats {
    /// Characters pushed.
    pub chars: u64,
    /// Characters inside exact loops.
    pub exact_chars: u64,
    /// Characters inside near-loops and no exact loop.
    pub near_chars: u64,
    /// Exact loops entered, kept episodes or not.
    pub exact_loops: u64,
    /// Near-loops entered, kept episodes or not.
    pub near_loops: u64,
    /// Where the first loop (of either kind) begins.
    pub first_onset: Option<u64>,
    /// Where the first exact loop begins.
    pub first_exact_onset: Option<u64>,
    /// Longest period of any loop, in characters.
    pub longest_period: Option<usize>,
    /// Where the stream stands after its last character.
    pub state: LoopState,
}

impl LoopStats {
    /// Share of characters inside loops of either kind, in [0, 1].
    pub fn loop_share(&self) -> f64 {
        ratio(self.exact_chars + self.near_chars, self.chars)
    }

    /// Share of characters inside exact loops, in [0, 1].
    pub fn exact_share(&self) -> f64 {
        ratio(self.exact_chars, self.chars)
    }

    /// Share of characters inside near-loops only, in [0, 1].
    pub fn near_share(&self) -> f64 {
        ratio(self.near_chars, self.chars)
    }

    /// Loops of either kind entered.
    pub fn loops(&self) -> u64 {
        self.exact_loops + self.near_loops
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// One stream's loop history: feed it characters with [`push`](Self::push); it keeps the last
/// [`KEPT_EPISODES`] episodes and running [`LoopStats`] over everything pushed.
#[derive(Debug, Clone)]
pub struct LoopTracker {
    exact: LoopDetector,
    near: NearLoopDetector,
    /// Position of the first character pushed after the last reset.
    origin: u64,
    pos: u64,
    episodes: VecDeque<LoopEpisode>,
    /// Everything before this is counted in `stats.exact_chars`, resp. in either loop total.
    exact_until: u64,
    any_until: u64,
    any_chars: u64,
    near_words_seen: u64,
    stats: LoopStats,
}

impl LoopTracker {
    /// A tracker at position 0 with both detectors set up as given.
    pub fn new(exact: LoopSettings, near: NearLoopSettings) -> Self {
        LoopTracker {
            exact: LoopDetector::new(exact),
            near: NearLoopDetector::new(near),
            origin: 0,
            pos: 0,
            episodes: VecDeque::new(),
            exact_until: 0,
            any_until: 0,
            any_chars: 0,
            near_words_seen: 0,
            stats: LoopStats::default(),
        }
    }

    /// The exact detector's settings.
    pub fn exact_settings(&self) -> LoopSettings {
        self.exact.settings()
    }

    /// Forgets everything; the next character pushed is at position `pos`.
    pub fn reset_at(&mut self, pos: u64) {
        *self = LoopTracker::new(self.exact.settings(), self.near.settings());
        self.origin = pos;
        self.pos = pos;
        self.exact_until = pos;
        self.any_until = pos;
    }

    /// Forgets everything; the next character pushed is at position 0.
    pub fn reset(&mut self) {
        self.reset_at(0);
    }

    /// The exact loop at the end of the text, as the exact detector reports it.
    pub fn current_exact(&self) -> Option<super::Loop> {
        self.exact.current()
    }

    /// The kept episodes, oldest first.
    pub fn episodes(&self) -> &VecDeque<LoopEpisode> {
        &self.episodes
    }

    /// The comparison figures so far.
    pub fn stats(&self) -> LoopStats {
        self.stats
    }

    /// Position of the next character.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Takes the next character, updating the detectors, the episodes and the figures.
    pub fn push(&mut self, c: char) {
        self.pos += 1;
        self.stats.chars += 1;
        let exact = self.exact.push(c);
        let near = self.near.push(c);
        let fresh_word = self.near.words_seen() != self.near_words_seen;
        self.near_words_seen = self.near.words_seen();

        if let Some(l) = exact {
            let start = self.pos - l.span as u64;
            self.cover_exact(start);
            let repeats = l.repeats();
            let pos = self.pos;
            match self.open_mut() {
                Some(e) if e.kind == LoopKind::Exact && e.period == l.period && e.start <= start + l.period as u64 => {
                    e.length = pos - e.start;
                    e.peak_repeats = e.peak_repeats.max(repeats);
                }
                _ => {
                    // A near-loop that was only this loop taking shape is part of it.
                    let absorbed = matches!(self.open_mut(), Some(e) if e.kind == LoopKind::Near
                        && e.start + e.period as u64 >= start);
                    if absorbed {
                        self.episodes.pop_back();
                        self.stats.near_loops -= 1;
                    }
                    self.close();
                    self.open(LoopEpisode {
                        kind: LoopKind::Exact,
                        start,
                        length: self.pos - start,
                        period: l.period,
                        word_period: None,
                        peak_repeats: repeats,
                        open: true,
                    });
                }
            }
            self.stats.state = LoopState::Exact { period: l.period, repeats };
        } else if fresh_word || self.open_kind() == Some(LoopKind::Exact) {
            match near {
                Some(n) => {
                    let start = self.origin + n.start;
                    let end = start + n.span as u64;
                    let repeats = n.repeats();
                    match self.open_mut() {
                        Some(e) if e.kind == LoopKind::Near && e.word_period == Some(n.word_period) => {
                            e.length = end - e.start;
                            e.period = n.char_period;
                            e.peak_repeats = e.peak_repeats.max(repeats);
                            self.cover_any(start, end);
                        }
                        _ if !fresh_word => self.close(),
                        _ => {
                            self.close();
                            self.open(LoopEpisode {
                                kind: LoopKind::Near,
                                start,
                                length: end - start,
                                period: n.char_period,
                                word_period: Some(n.word_period),
                                peak_repeats: repeats,
                                open: true,
                            });
                            self.cover_any(start, end);
                        }
                    }
                    self.stats.state = match self.open_kind() {
                        Some(LoopKind::Near) => {
                            LoopState::Near { period: n.char_period, word_period: n.word_period, repeats }
                        }
                        _ => LoopState::Free,
                    };
                }
                None => {
                    self.close();
                    self.stats.state = LoopState::Free;
                }
            }
        }
        self.stats.near_chars = self.any_chars - self.stats.exact_chars.min(self.any_chars);
    }

    fn open_mut(&mut self) -> Option<&mut LoopEpisode> {
        self.episodes.back_mut().filter(|e| e.open)
    }

    fn open_kind(&self) -> Option<LoopKind> {
        self.episodes.back().filter(|e| e.open).map(|e| e.kind)
    }

    fn open(&mut self, e: LoopEpisode) {
        match e.kind {
            LoopKind::Exact => {
                self.stats.exact_loops += 1;
                self.stats.first_exact_onset.get_or_insert(e.start);
            }
            LoopKind::Near => self.stats.near_loops += 1,
        }
        self.stats.first_onset = Some(self.stats.first_onset.map_or(e.start, |f| f.min(e.start)));
        self.stats.longest_period = Some(self.stats.longest_period.map_or(e.period, |p| p.max(e.period)));
        if self.episodes.len() == KEPT_EPISODES {
            self.episodes.pop_front();
        }
        self.episodes.push_back(e);
    }

    fn close(&mut self) {
        if let Some(e) = self.open_mut() {
            e.open = false;
            let p = e.period;
            self.stats.longest_period = Some(self.stats.longest_period.map_or(p, |q| q.max(p)));
        }
    }

    fn cover_exact(&mut self, start: u64) {
        let from = start.max(self.exact_until);
        self.stats.exact_chars += self.pos.saturating_sub(from);
        self.exact_until = self.pos;
        self.cover_any(start, self.pos);
    }

    fn cover_any(&mut self, start: u64, end: u64) {
        let from = start.max(self.any_until);
        self.any_chars += end.saturating_sub(from);
        self.any_until = self.any_until.max(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker() -> LoopTracker {
        LoopTracker::new(LoopSettings::default(), NearLoopSettings::default())
    }

    fn feed(t: &mut LoopTracker, text: &str) {
        for c in text.chars() {
            t.push(c);
        }
    }

    #[test]
    fn an_exact_loop_is_kept_after_the_text_breaks_out() {
        let mut t = tracker();
        let lead = "It was the best. ";
        let block = "and so the sea, ";
        feed(&mut t, lead);
        feed(&mut t, &block.repeat(4));
        assert!(matches!(t.stats().state, LoopState::Exact { period: 16, repeats: 4 }));
        feed(&mut t, "Why, then I crave the gracious lord!");
        assert_eq!(t.stats().state, LoopState::Free);
        let e: Vec<_> = t.episodes().iter().filter(|e| e.kind == LoopKind::Exact).collect();
        assert_eq!(e.len(), 1, "{:?}", t.episodes());
        let e = e[0];
        assert_eq!(e.period, 16);
        assert_eq!(e.peak_repeats, 4);
        assert!(!e.open);
        // The span may reach back over text that happens to match the block's end.
        assert!(e.start <= lead.len() as u64 && e.start + 16 > lead.len() as u64, "{e:?}");
        assert_eq!(e.end(), (lead.len() + 4 * block.len()) as u64);
        let s = t.stats();
        assert_eq!((s.exact_loops, s.first_exact_onset), (1, Some(e.start)));
        assert_eq!(s.exact_chars, e.length);
        assert_eq!(s.longest_period, Some(16));
    }

    #[test]
    fn a_near_loop_is_recorded_apart_from_exact_ones() {
        let mut t = tracker();
        feed(&mut t, "First Lord: How now, my lord! how now, my lord? HOW NOW, MY LORD. Exeunt.");
        let near: Vec<_> = t.episodes().iter().filter(|e| e.kind == LoopKind::Near).collect();
        assert_eq!(near.len(), 1, "{:?}", t.episodes());
        assert_eq!(near[0].word_period, Some(4));
        assert_eq!(near[0].peak_repeats, 3);
        // The tail reaches back to the `Lord` before the first `How`, which fits the block too.
        assert_eq!(near[0].start, "First ".len() as u64);
        assert_eq!(near[0].length, "Lord: How now, my lord! how now, my lord? HOW NOW, MY LORD".len() as u64);
        assert_eq!(t.stats().exact_loops, 0);
        assert_eq!(t.stats().near_chars, near[0].length);
    }

    #[test]
    fn an_exact_loop_absorbs_the_near_loop_it_grew_from() {
        let mut t = tracker();
        feed(&mut t, &"and so the sea, ".repeat(6));
        feed(&mut t, "Hark!");
        let s = t.stats();
        assert_eq!((s.exact_loops, s.near_loops), (1, 0), "{:?}", t.episodes());
    }

    #[test]
    fn two_loops_count_twice_and_the_shares_add_up() {
        let mut t = tracker();
        feed(&mut t, "Enter the king. ");
        feed(&mut t, &"abcdefghijklm ".repeat(3));
        feed(&mut t, "Now then, good sir, what news? ");
        feed(&mut t, &"zyxwvutsrq ponmlk, ".repeat(3));
        feed(&mut t, "The end.");
        let s = t.stats();
        assert_eq!(s.exact_loops, 2, "{:?}", t.episodes());
        assert_eq!(s.longest_period, Some(19));
        let sum: u64 = t.episodes().iter().map(|e| e.length).sum();
        assert_eq!(s.exact_chars, sum);
        assert!(s.loop_share() > 0.5 && s.loop_share() < 1.0);
    }

    #[test]
    fn plain_text_has_no_loops() {
        let mut t = tracker();
        feed(&mut t, "To be, or not to be, that is the question: whether 'tis nobler in the mind to suffer the slings and arrows of outrageous fortune");
        assert!(t.episodes().is_empty());
        assert_eq!(t.stats().loop_share(), 0.0);
        assert_eq!(t.stats().first_onset, None);
    }

    #[test]
    fn positions_start_where_the_tracker_was_reset_to() {
        let mut t = tracker();
        t.reset_at(1000);
        feed(&mut t, "xy ");
        feed(&mut t, &"and so the sea, ".repeat(3));
        let e = t.episodes()[0];
        assert!(e.start >= 1000 && e.start <= 1003, "{e:?}");
        assert_eq!(t.pos(), 1000 + 3 + 48);
    }
}
