//! The engine's state between two `Reset`s: one [`Generator`] stepping every pane as one batch,
//! plus each pane's [`PaneHistory`] for branching. No threads and no channels here, so it can be
//! driven directly (the worker thread wraps it with pacing and messages).

use super::history::{PaneHistory, Snapshot, SNAPSHOT_EVERY};
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
        Ok(Some(Session { gen, prime, start, histories, replay, history_chars, scratch: Vec::new() }))
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
        Ok((drawn, logits))
    }

    /// Adds a pane at the end, starting from the prime. Returns its index.
    pub fn add_pane(&mut self, settings: SamplerSettings) -> Result<usize> {
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
        self.gen.remove_stream(pane);
        self.histories.remove(pane);
        Ok(())
    }
}
