//! What the engine remembers of each pane so that it can branch: the ids of its recent text and
//! snapshots of its recurrent state every [`SNAPSHOT_EVERY`] characters. Both are bounded, so a
//! pane that runs for hours uses the same memory as one that ran for a minute.
//!
//! Branching at position `pos` restores the newest snapshot at or before `pos` and replays the
//! kept ids from there, so the replay is at most `SNAPSHOT_EVERY - 1` steps of a batch-1 model.

use std::collections::VecDeque;

use tempest_core::model::RowState;

/// How often (in generated characters) a pane's state is snapshotted. Larger means less memory
/// and longer replays; at 256 a branch replays at most 255 characters (a few milliseconds).
pub const SNAPSHOT_EVERY: u64 = 256;

/// A pane's state after the prime and its first `pos` generated characters, with the logits that
/// produce character `pos`.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub pos: u64,
    pub state: RowState,
    pub logits: Vec<f32>,
}

#[derive(Debug, Clone)]
pub struct PaneHistory {
    /// `ids[i]` is the generated character at position `base + i`.
    ids: VecDeque<u32>,
    /// Invariant: `snapshots.front().pos == base`, so every kept position has a snapshot at or
    /// before it.
    base: u64,
    snapshots: VecDeque<Snapshot>,
    /// At least this many of the newest characters stay branchable.
    keep: u64,
    every: u64,
}

impl PaneHistory {
    /// A pane at the start of its text: `start` is the state right after the prime (`pos` 0).
    pub fn new(start: Snapshot, keep: usize, every: u64) -> Self {
        debug_assert_eq!(start.pos, 0);
        PaneHistory {
            ids: VecDeque::new(),
            base: 0,
            snapshots: VecDeque::from([start]),
            keep: keep as u64,
            every: every.max(1),
        }
    }

    /// Characters generated so far (including those no longer kept).
    pub fn len(&self) -> u64 {
        self.base + self.ids.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The oldest position that can still be branched at.
    pub fn base(&self) -> u64 {
        self.base
    }

    pub fn kept_ids(&self) -> usize {
        self.ids.len()
    }

    pub fn snapshot_count(&self) -> usize {
        self.snapshots.len()
    }

    /// Appends the next generated character. When the text reaches a snapshot boundary, `snapshot`
    /// is called for the state after it (so the row state is only read out when needed).
    pub fn push(&mut self, id: u32, snapshot: impl FnOnce(u64) -> Snapshot) {
        self.ids.push_back(id);
        let len = self.len();
        if len.is_multiple_of(self.every) {
            let s = snapshot(len);
            debug_assert_eq!(s.pos, len);
            self.snapshots.push_back(s);
        }
        self.trim();
    }

    /// Drops the oldest snapshot (and the ids before the next one) while what remains still
    /// covers the newest `keep` characters.
    fn trim(&mut self) {
        while self.snapshots.len() >= 2 && self.len() - self.snapshots[1].pos >= self.keep {
            self.snapshots.pop_front();
            let next = self.snapshots[0].pos;
            self.ids.drain(..(next - self.base) as usize);
            self.base = next;
        }
    }

    /// The snapshot to start a replay to `pos` from, and the ids to feed after it. `None` when
    /// `pos` is older than the kept history or beyond the text.
    pub fn replay_to(&self, pos: u64) -> Option<(&Snapshot, impl Iterator<Item = u32> + '_)> {
        if pos < self.base || pos > self.len() {
            return None;
        }
        let snap = self.snapshots.iter().rev().find(|s| s.pos <= pos)?;
        let from = (snap.pos - self.base) as usize;
        let to = (pos - self.base) as usize;
        Some((snap, self.ids.range(from..to).copied()))
    }

    /// Forgets everything from `pos` on, keeping the first `pos` characters (`base <= pos`).
    pub fn truncate(&mut self, pos: u64) {
        debug_assert!(pos >= self.base && pos <= self.len());
        self.ids.truncate((pos - self.base) as usize);
        self.snapshots.retain(|s| s.pos <= pos);
    }

    /// The text before `pos` as far back as it is kept: the prime (empty once the oldest ids
    /// have been dropped, since it no longer comes right before them) and the ids, oldest first.
    pub fn text_before<'p>(&self, pos: u64, prime: &'p [u32]) -> (&'p [u32], Vec<u32>) {
        let to = (pos.saturating_sub(self.base) as usize).min(self.ids.len());
        let prime = if self.base == 0 { prime } else { &[] };
        (prime, self.ids.range(..to).copied().collect())
    }
}
