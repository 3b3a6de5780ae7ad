//! One pane's state: its sampler settings, the bounded history of what it generated, and the live
//! analysis (loop detector, metrics) fed from that history.

use std::collections::VecDeque;

use crate::explorer::worker::Drawn;
use tempest_core::analysis::{Loop, LoopSettings, LoopTracker, Metrics, NearLoopSettings, Observation, Summary};
use tempest_core::sampling::SamplerSettings;

/// Most bytes one pane's history may hold. `history.chars` is a count of characters, but each
/// character keeps the logits it was drawn from, so a model with a large vocabulary would need
/// many times the memory of the bundled one for the same count; the count is lowered to fit.
pub const HISTORY_BYTES: usize = 32 << 20;

/// Bytes one kept character takes at most with a vocabulary of `vocab_len`: the struct, its logits
/// and (under a repetition penalty) the penalised logits.
pub fn drawn_bytes_at_most(vocab_len: usize) -> usize {
    std::mem::size_of::<Drawn>() + 2 * vocab_len * std::mem::size_of::<f32>()
}

/// How many characters a pane keeps: `chars`, but no more than fit in [`HISTORY_BYTES`].
pub fn history_capacity(chars: usize, vocab_len: usize) -> usize {
    chars.min(HISTORY_BYTES / drawn_bytes_at_most(vocab_len)).max(1)
}

#[derive(Debug, Clone)]
pub struct PaneState {
    pub settings: SamplerSettings,
    /// The newest `capacity` generated characters. Positions are absolute (0 = the first character
    /// after the prime), so they stay valid for inspecting and branching after old ones drop off.
    history: VecDeque<Drawn>,
    /// Characters generated since the prime, including those no longer kept.
    total: u64,
    capacity: usize,
    /// Exact and near loops, with every loop since the prime (see `LoopTracker`).
    loops: LoopTracker,
    metrics: Metrics,
    /// Absolute position of the newest newline generated, so drawing can find where the visible
    /// lines start without scanning back through a long line.
    last_newline: Option<u64>,
    /// Raw logits that produced the newest character: the live histogram re-tempers these with the
    /// pane's *current* settings, so a temperature change shows at once, even while paused.
    pub last_logits: Vec<f32>,
    /// Set for a read-only pane holding a scored text (see `app::scored`); such a pane never
    /// generates and is not one of the engine's streams.
    pub scored: Option<super::scored::Scored>,
    /// Where the pane's view is held after scrolling back (the text index of its top row; see
    /// `text_view`), or `None` while it follows the newest text.
    pub view_anchor: Option<u64>,
}

impl PaneState {
    pub fn new(settings: SamplerSettings, capacity: usize, loops: LoopSettings, metrics_window: usize) -> Self {
        PaneState {
            settings,
            history: VecDeque::new(),
            total: 0,
            capacity: capacity.max(1),
            loops: LoopTracker::new(loops, NearLoopSettings::default()),
            metrics: Metrics::new(metrics_window),
            last_newline: None,
            last_logits: Vec::new(),
            scored: None,
            view_anchor: None,
        }
    }

    pub fn push(&mut self, d: Drawn) {
        self.loops.push(d.ch);
        self.metrics.push(observation(&d));
        if self.history.len() == self.capacity {
            self.history.pop_front();
        }
        if d.ch == '\n' {
            self.last_newline = Some(self.total);
        }
        self.history.push_back(d);
        self.total += 1;
    }

    /// Back to just the prime.
    pub fn clear(&mut self) {
        self.history.clear();
        self.total = 0;
        self.loops.reset();
        self.metrics.reset();
        self.last_newline = None;
        self.last_logits.clear();
        self.view_anchor = None;
    }

    /// Keeps the first `pos` generated characters (as far as they are still held) and rebuilds the
    /// analysis from what remains, since neither detector can un-see a character.
    pub fn truncate(&mut self, pos: u64) {
        if pos >= self.total {
            return;
        }
        let keep = pos.saturating_sub(self.first_pos()) as usize;
        self.history.truncate(keep);
        self.total = pos;
        self.last_newline = self.last_newline.filter(|&p| p < pos);
        // Loops found before the oldest held character cannot be re-found; the tracker restarts
        // there, positions staying absolute.
        self.loops.reset_at(self.first_pos());
        self.metrics.reset();
        for d in &self.history {
            self.loops.push(d.ch);
            self.metrics.push(observation(d));
        }
    }

    /// Characters generated since the prime.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Absolute position of the oldest character still held.
    pub fn first_pos(&self) -> u64 {
        self.total - self.history.len() as u64
    }

    /// Whether the whole text since the prime is still held (so the prime can be shown before it).
    pub fn is_complete(&self) -> bool {
        self.first_pos() == 0
    }

    pub fn newest(&self) -> Option<&Drawn> {
        self.history.back()
    }

    pub fn get(&self, pos: u64) -> Option<&Drawn> {
        let i = pos.checked_sub(self.first_pos())?;
        self.history.get(usize::try_from(i).ok()?)
    }

    pub fn history(&self) -> &VecDeque<Drawn> {
        &self.history
    }

    /// Most characters kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Absolute position of the newest newline generated, if any.
    pub fn last_newline(&self) -> Option<u64> {
        self.last_newline
    }

    pub fn current_loop(&self) -> Option<Loop> {
        self.loops.current_exact()
    }

    /// Every loop this pane fell into (kept after it broke out), and the comparison figures.
    pub fn loops(&self) -> &LoopTracker {
        &self.loops
    }

    pub fn summary(&self) -> Summary {
        self.metrics.summary()
    }
}

fn observation(d: &Drawn) -> Observation {
    // p is never 0 for a drawn character, but a floor keeps a bad reply from making the mean infinite.
    Observation {
        ch: d.ch,
        surprisal_bits: -d.p.max(1e-12).log2(),
        model_surprisal_bits: -d.p1.max(1e-12).log2(),
        entropy_bits: d.entropy_bits,
    }
}
