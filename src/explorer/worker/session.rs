//! The engine's state between two `Reset`s: one [`Generator`] stepping every pane as one batch,
//! plus each pane's [`PaneHistory`] for branching. No threads and no channels here, so it can be
//! driven directly (the worker thread wraps it with pacing and messages).

use super::history::{PaneHistory, Snapshot, SNAPSHOT_EVERY};
use tempest_core::analysis::cells::UnitLayout;
use tempest_core::error::{Error, Result};
use tempest_core::generate::{Drawn, Generator};
use tempest_core::model::{SharedWeights, Stepper, Vocab};
use tempest_core::sampling::{penalty_window, softmax_t, SamplerSettings};

pub struct Session {
    gen: Generator,
    prime: Vec<u32>,
    /// The state right after the prime (the same for every pane): new panes start here.
    start: Snapshot,
    histories: Vec<PaneHistory>,
    /// A one-stream stepper on the same weights and one thread, for replaying a pane's text up to
    /// a branch point without moving the other panes. Kept, so a branch never starts a thread.
    replay: Stepper,
    history_chars: usize,
    scratch: Vec<f32>,
    /// The pane whose activations are being recorded for the neuron view, if any.
    probe: Option<Probe>,
}

/// Recording of one pane's activations (see `Request::Probe`).
struct Probe {
    id: u64,
    pane: usize,
    layout: UnitLayout,
    /// Position of `rows[0]`.
    start: u64,
    /// Rows recorded since the last [`Session::take_probe_rows`].
    rows: Vec<Vec<f32>>,
}

/// Activations of the probed pane, as `Reply::Activations` carries them.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRows {
    pub id: u64,
    pub pane: usize,
    pub start: u64,
    pub rows: Vec<Vec<f32>>,
}

impl Session {
    /// Starts every pane from `prime`. The weights are shared, not copied.
    pub fn new(
        weights: &SharedWeights,
        vocab: Vocab,
        prime: Vec<u32>,
        panes: Vec<SamplerSettings>,
        seed: u64,
        coupled: bool,
        history_chars: usize,
    ) -> Result<Self> {
        let started = Session::start(weights, vocab, prime, panes, seed, coupled, history_chars, &mut |_| true)?;
        Ok(started.expect("a prime that is never abandoned completes"))
    }

    /// [`Session::new`], feeding the prime in chunks and asking `go_on(characters fed)` between
    /// them whether to carry on; `Ok(None)` when it was told to stop.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        weights: &SharedWeights,
        vocab: Vocab,
        prime: Vec<u32>,
        panes: Vec<SamplerSettings>,
        seed: u64,
        coupled: bool,
        history_chars: usize,
        go_on: &mut dyn FnMut(usize) -> bool,
    ) -> Result<Option<Self>> {
        if panes.is_empty() {
            return Err(Error::Invalid("there must be at least one pane".into()));
        }
        if let Some(&bad) = prime.iter().find(|&&id| id as usize >= vocab.len()) {
            return Err(Error::Invalid(format!(
                "prime id {bad} is outside the vocabulary of {} characters",
                vocab.len()
            )));
        }
        let mut gen = Generator::new(Stepper::new(weights, panes.len()), vocab, panes, seed, coupled)?;
        let replay = gen.stepper().fork(1);
        // The same call as `tempest sample`, so the explorer shows the same text for the same seed.
        if !gen.prime_with(&prime, go_on)? {
            return Ok(None);
        }
        let start = Snapshot { pos: 0, state: gen.row_state(0), logits: gen.pending_logits(0).to_vec() };
        let histories =
            (0..gen.streams()).map(|_| PaneHistory::new(start.clone(), history_chars, SNAPSHOT_EVERY)).collect();
        Ok(Some(Session { gen, prime, start, histories, replay, history_chars, scratch: Vec::new(), probe: None }))
    }

    pub fn panes(&self) -> usize {
        self.gen.streams()
    }

    pub fn history(&self, pane: usize) -> &PaneHistory {
        &self.histories[pane]
    }

    /// The ids the repetition penalty reads for `pane`'s next character.
    pub fn penalty_ids(&self, pane: usize) -> &[u32] {
        self.gen.penalty_ids(pane)
    }

    fn check_pane(&self, pane: usize) -> Result<()> {
        if pane >= self.panes() {
            return Err(Error::Invalid(format!("there is no pane {} (there are {})", pane + 1, self.panes())));
        }
        Ok(())
    }

    pub fn set_settings(&mut self, pane: usize, settings: SamplerSettings) -> Result<()> {
        self.check_pane(pane)?;
        settings.validate().map_err(|e| Error::Invalid(format!("pane {}: {e}", pane + 1)))?;
        self.gen.set_settings(pane, settings);
        Ok(())
    }

    pub fn set_coupled(&mut self, coupled: bool) {
        self.gen.coupled = coupled;
    }

    /// One character for every pane, and the logits each was drawn from.
    pub fn step(&mut self) -> Result<(Vec<Drawn>, Vec<Vec<f32>>)> {
        let n = self.panes();
        let mut chars = Vec::with_capacity(n);
        let mut logits = Vec::with_capacity(n);
        self.gen.sample_each(|_, d, z| {
            chars.push(d);
            logits.push(z.to_vec());
        });
        let ids: Vec<u32> = chars.iter().map(|c| c.id).collect();
        self.gen.accept(&ids)?;
        if let Some(p) = self.probe.as_mut() {
            if p.rows.is_empty() {
                p.start = self.histories[p.pane].len();
            }
            p.rows.push(p.layout.flatten(&self.gen.row_state(p.pane)));
        }
        for (pane, &id) in ids.iter().enumerate() {
            let gen = &self.gen;
            self.histories[pane].push(id, |pos| Snapshot {
                pos,
                state: gen.row_state(pane),
                logits: gen.pending_logits(pane).to_vec(),
            });
        }
        Ok((chars, logits))
    }

    /// Rewinds `pane` to keep its first `pos` characters and continues with `id`. Returns the
    /// chosen character as drawn from the logits at `pos`, and those logits. On error nothing
    /// changes.
    pub fn branch(&mut self, pane: usize, pos: u64, id: u32) -> Result<(Drawn, Vec<f32>)> {
        self.check_pane(pane)?;
        let vocab = self.gen.vocab();
        if id as usize >= vocab.len() {
            return Err(Error::Invalid(format!(
                "character id {id} is outside the vocabulary of {} characters",
                vocab.len()
            )));
        }
        let h = &self.histories[pane];
        if pos > h.len() {
            return Err(Error::Invalid(format!(
                "pane {} has only {} characters, cannot branch at {pos}",
                pane + 1,
                h.len()
            )));
        }
        let Some((snap, replay)) = h.replay_to(pos) else {
            return Err(Error::Invalid(format!(
                "position {pos} of pane {} is too far back to branch at: the engine keeps positions {} to {}",
                pane + 1,
                h.base(),
                h.len()
            )));
        };
        let row = &mut self.replay;
        row.set_row_state(0, &snap.state);
        let mut logits = snap.logits.clone();
        for prev in replay {
            row.step(&[prev], &mut logits)?;
        }
        let settings = *self.gen.settings(pane);
        // The text before the branch point, as far back as the history keeps it (`history.chars`,
        // which the config keeps at or above any `repeat_window`).
        let (prime, mut text) = h.text_before(pos, &self.prime);
        let recent = penalty_window(prime, &text, settings.repeat_window);
        let (mut probs, mut penalised) = (Vec::new(), Vec::new());
        let z = settings.distribution_from(&logits, &recent, &mut penalised, &mut probs);
        softmax_t(&logits, 1.0, &mut self.scratch);
        let drawn = Drawn::new(vocab, id, &probs, &self.scratch, &logits, z, settings);
        let mut next = Vec::new();
        row.step(&[id], &mut next)?;

        let state = row.row_state(0);
        let h = &mut self.histories[pane];
        h.truncate(pos);
        h.push(id, |pos| Snapshot { pos, state: state.clone(), logits: next.clone() });
        text.push(id);
        self.gen.restore(pane, &state, &next, prime, &text);
        if let Some(p) = self.probe.as_mut().filter(|p| p.pane == pane) {
            p.start = pos;
            p.rows = vec![p.layout.flatten(&state)];
        }
        Ok((drawn, logits))
    }

    /// Adds a pane at the end, starting from the prime. Returns its index.
    pub fn add_pane(&mut self, settings: SamplerSettings) -> Result<usize> {
        self.probe = None;
        let pane = self.gen.add_stream(settings)?;
        self.gen.restore(pane, &self.start.state, &self.start.logits, &self.prime, &[]);
        self.histories.push(PaneHistory::new(self.start.clone(), self.history_chars, SNAPSHOT_EVERY));
        Ok(pane)
    }

    pub fn remove_pane(&mut self, pane: usize) -> Result<()> {
        self.check_pane(pane)?;
        if self.panes() == 1 {
            return Err(Error::Invalid("cannot remove the last pane".into()));
        }
        self.probe = None;
        self.gen.remove_stream(pane);
        self.histories.remove(pane);
        Ok(())
    }
}

impl Session {
    /// Starts recording `pane`'s activations under `id` (or stops, with `None`), and returns those
    /// of its last `window` characters (as far back as the kept history reaches), replayed on a
    /// private batch-1 stepper from the pane's snapshots.
    pub fn set_probe(&mut self, id: u64, pane: Option<usize>, window: usize) -> Result<Option<ProbeRows>> {
        let Some(pane) = pane else {
            self.probe = None;
            return Ok(None);
        };
        self.check_pane(pane)?;
        let layout = UnitLayout::of_state(&self.start.state);
        let h = &self.histories[pane];
        let len = h.len();
        let from = len.saturating_sub(window as u64).max(h.base());
        let mut rows = Vec::with_capacity((len - from) as usize);
        if from < len {
            // The row for position p is the state after feeding id p, i.e. at snapshot pos p + 1.
            let Some((snap, ids)) = h.replay_span(from + 1, len) else {
                return Err(Error::Invalid(format!("pane {} has no replayable history", pane + 1)));
            };
            let mut row = self.gen.stepper().fork(1);
            row.set_row_state(0, &snap.state);
            let mut logits = Vec::new();
            for (k, id) in ids.enumerate() {
                row.step(&[id], &mut logits)?;
                if snap.pos + k as u64 >= from {
                    rows.push(layout.flatten(&row.row_state(0)));
                }
            }
        }
        self.probe = Some(Probe { id, pane, layout, start: len, rows: Vec::new() });
        Ok(Some(ProbeRows { id, pane, start: from, rows }))
    }

    /// The probed pane's rows recorded since the last call, if there are any.
    pub fn take_probe_rows(&mut self) -> Option<ProbeRows> {
        let p = self.probe.as_mut().filter(|p| !p.rows.is_empty())?;
        let rows = std::mem::take(&mut p.rows);
        Some(ProbeRows { id: p.id, pane: p.pane, start: p.start, rows })
    }
}
