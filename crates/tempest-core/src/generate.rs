//! Generation for several streams at once: the model steps all of them as one batch, and each
//! stream samples with its own settings. Shared by `tempest sample` and the explorer's engine
//! thread.

use crate::error::{Error, Result};
use crate::model::{RowState, Stepper, Vocab};
use crate::sampling::{draw, penalty_window, push_to_window, softmax_t, SamplerSettings, Uniforms};

mod drawn;
pub use drawn::Drawn;

/// How many prime characters are fed between two calls of the progress callback of
/// [`Generator::prime_with`]: the stepper's sequence chunk, a few milliseconds of work, so
/// abandoning a prime is quick.
pub const PRIME_CHUNK: usize = tempest_step::SEQ_CHUNK;

/// Several streams generating from one model at once: one batched model step per character for all
/// of them, then a draw per stream with that stream's own sampler settings and random numbers.
pub struct Generator {
    stepper: Stepper,
    vocab: Vocab,
    settings: Vec<SamplerSettings>,
    /// Each stream's recent ids, for the repetition penalty (bounded by its window).
    recent: Vec<Vec<u32>>,
    /// Logits for each stream's next character, `streams × vocab`.
    pending: Vec<f32>,
    uniforms: Uniforms,
    /// When true, every stream draws with the same uniform number each step, so streams differ only by
    /// their settings (see [`crate::sampling`]); when false, each has its own random sequence.
    pub coupled: bool,
    scratch: Vec<f32>,
    u: Vec<f64>,
    probs: Vec<f32>,
    probs1: Vec<f32>,
}

impl Generator {
    /// Streams with the given settings (one per stream, each validated), all at a zero state until
    /// [`prime`](Self::prime)d. `seed` fixes every stream's random numbers.
    pub fn new(
        stepper: Stepper,
        vocab: Vocab,
        settings: Vec<SamplerSettings>,
        seed: u64,
        coupled: bool,
    ) -> Result<Self> {
        for (i, s) in settings.iter().enumerate() {
            s.validate().map_err(|e| Error::Invalid(format!("stream {}: {e}", i + 1)))?;
        }
        let n = settings.len();
        let mut stepper = stepper;
        stepper.resize(n);
        let v = vocab.len();
        Ok(Generator {
            stepper,
            vocab,
            settings,
            recent: vec![Vec::new(); n],
            pending: vec![0.0; n * v],
            uniforms: Uniforms::new(seed, n),
            coupled,
            scratch: Vec::new(),
            u: Vec::new(),
            probs: Vec::new(),
            probs1: Vec::new(),
        })
    }

    /// Streams stepped together (one per explorer pane, or per sweep setting and seed).
    pub fn streams(&self) -> usize {
        self.settings.len()
    }

    /// The vocabulary ids are drawn from and decoded with.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// The sampler settings of `stream`.
    pub fn settings(&self, stream: usize) -> &SamplerSettings {
        &self.settings[stream]
    }

    /// Replaces the sampler settings of `stream`; they apply from its next draw. The caller validates.
    pub fn set_settings(&mut self, stream: usize, s: SamplerSettings) {
        self.settings[stream] = s;
    }

    /// The batched stepper, for what it can say about itself (kernel, threads).
    pub fn stepper(&self) -> &Stepper {
        &self.stepper
    }

    /// The model's raw logits for `stream`'s next character (one per vocabulary entry, natural log
    /// scale, before any sampler step).
    pub fn pending_logits(&self, stream: usize) -> &[f32] {
        let v = self.vocab.len();
        &self.pending[stream * v..(stream + 1) * v]
    }

    /// Runs the prime text through every stream from a zero state; afterwards each stream's
    /// next-character logits are those following the prime.
    pub fn prime(&mut self, ids: &[u32]) -> Result<()> {
        self.prime_with(ids, &mut |_| true).map(|_| ())
    }

    /// [`Generator::prime`], asking `go_on(characters fed so far)` every [`PRIME_CHUNK`]
    /// characters whether to carry on (for progress, and so a long prime can be abandoned).
    /// Returns `Ok(false)` if it was abandoned; the streams are then back at a zero state.
    ///
    /// Every stream starts from the same text, so the prime is fed once, to the first stream,
    /// as one sequence ([`Stepper::feed_sequence`]: layer by layer,
    /// the output head only at the end), and its state copied to every stream: the numbers of
    /// feeding each stream character by character (up to the order of float sums), at a
    /// fraction of the work.
    pub fn prime_with(&mut self, ids: &[u32], go_on: &mut dyn FnMut(usize) -> bool) -> Result<bool> {
        if ids.is_empty() {
            return Err(Error::Invalid("the prime text is empty: give at least one character".into()));
        }
        for row in 0..self.streams() {
            self.stepper.reset_row(row);
            self.uniforms.reset_stream(row);
            self.recent[row].clear();
        }
        if self.streams() == 0 {
            // Nothing to prime, but the same answer for a prime no stream could take.
            return Ok(tempest_step::check_ids(ids, self.vocab.len()).map(|()| true)?);
        }
        // Stream 0 takes the prime on the stepper's own threads (both cores when it has a
        // helper); the others then copy its state.
        let mut logits = Vec::new();
        if !self.stepper.feed_sequence(0, ids, &mut logits, go_on)? {
            return Ok(false);
        }
        let state = self.stepper.row_state(0);
        let v = self.vocab.len();
        for row in 0..self.streams() {
            self.stepper.set_row_state(row, &state);
            self.pending[row * v..(row + 1) * v].copy_from_slice(&logits[..v]);
        }
        for (r, s) in self.recent.iter_mut().zip(&self.settings) {
            *r = penalty_window(ids, &[], s.repeat_window);
        }
        Ok(true)
    }

    /// Feeds one id per stream through the model. Fails, rather than sample from garbage, when the
    /// model's logits are not finite (see [`crate::sampling::check_finite_logits`]).
    pub fn feed(&mut self, ids: &[u32]) -> Result<()> {
        self.stepper.step(ids, &mut self.pending)?;
        crate::sampling::check_finite_logits(&self.pending, self.vocab.len())
    }

    /// Draws each stream's next character from its pending logits, without feeding it back.
    pub fn sample(&mut self) -> Vec<Drawn> {
        let mut out = Vec::with_capacity(self.streams());
        self.sample_each(|_, d, _| out.push(d));
        out
    }

    /// As [`Generator::sample`], handing each stream's draw to `f` (stream, draw, the logits it
    /// was drawn from) as it is made: what the explorer's worker calls for every character.
    pub fn sample_each(&mut self, mut f: impl FnMut(usize, Drawn, &[f32])) {
        let v = self.vocab.len();
        self.uniforms.next(self.coupled, &mut self.u);
        for i in 0..self.streams() {
            let logits = &self.pending[i * v..(i + 1) * v];
            let s = &self.settings[i];
            let z = s.distribution_from(logits, &self.recent[i], &mut self.scratch, &mut self.probs);
            let id = draw(&self.probs, self.u[i]);
            if s.is_model_distribution() {
                // The same computation would give the same numbers.
                self.probs1.clone_from(&self.probs);
            } else {
                softmax_t(logits, 1.0, &mut self.probs1);
            }
            let d = Drawn::new(&self.vocab, id, &self.probs, &self.probs1, logits, z, *s);
            f(i, d, logits);
        }
    }

    /// Samples one character per stream and feeds them back: one step of generation.
    pub fn step(&mut self) -> Result<Vec<Drawn>> {
        let drawn = self.sample();
        let ids: Vec<u32> = drawn.iter().map(|d| d.id).collect();
        self.accept(&ids)?;
        Ok(drawn)
    }

    /// Records `ids` as each stream's next characters and feeds them through the model.
    pub fn accept(&mut self, ids: &[u32]) -> Result<()> {
        for (r, (&id, s)) in self.recent.iter_mut().zip(ids.iter().zip(&self.settings)) {
            push_to_window(r, id, s.repeat_window);
        }
        self.feed(ids)
    }

    /// A copy of `stream`'s recurrent state, to fork it or bring it back later.
    pub fn row_state(&self, stream: usize) -> RowState {
        self.stepper.row_state(stream)
    }

    /// Adds a stream at the end with a zero state and no pending logits; the caller puts it at a
    /// point with [`Generator::restore`] (the explorer's engine adds panes this way).
    pub fn add_stream(&mut self, settings: SamplerSettings) -> Result<usize> {
        settings.validate().map_err(|e| Error::Invalid(format!("new stream: {e}")))?;
        let n = self.streams() + 1;
        self.settings.push(settings);
        self.recent.push(Vec::new());
        self.pending.resize(n * self.vocab.len(), 0.0);
        self.uniforms.resize(n);
        self.stepper.resize(n);
        Ok(n - 1)
    }

    /// Removes a stream; the streams after it move down one row, keeping their states, logits,
    /// settings and random streams.
    pub fn remove_stream(&mut self, stream: usize) {
        let n = self.streams();
        assert!(stream < n, "stream {stream} out of range");
        for row in stream + 1..n {
            let st = self.stepper.row_state(row);
            self.stepper.set_row_state(row - 1, &st);
        }
        self.stepper.resize(n - 1);
        let v = self.vocab.len();
        self.pending.drain(stream * v..(stream + 1) * v);
        self.settings.remove(stream);
        self.recent.remove(stream);
        self.uniforms.remove(stream);
    }

    /// Puts a stream at an arbitrary point: its recurrent state, the logits that follow, and its
    /// text so far as `prime ++ text` (see [`penalty_window`]; `text` may be just a tail).
    pub fn restore(&mut self, stream: usize, state: &RowState, logits: &[f32], prime: &[u32], text: &[u32]) {
        let v = self.vocab.len();
        self.stepper.set_row_state(stream, state);
        self.pending[stream * v..(stream + 1) * v].copy_from_slice(logits);
        self.recent[stream] = penalty_window(prime, text, self.settings[stream].repeat_window);
    }

    /// The ids the repetition penalty reads for `stream`'s next character (oldest first; only
    /// the last `repeat_window` count).
    pub fn penalty_ids(&self, stream: usize) -> &[u32] {
        &self.recent[stream]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CellKind, CharRnn, ModelSpec};

    fn generator(cell: CellKind, streams: usize) -> Generator {
        let chars: Vec<char> = "abcdef \n".chars().collect();
        let spec = ModelSpec { cell, layers: 2, hidden: 24, embed: 8, vocab: chars.len() as i64, dropout: 0.0 };
        let model = CharRnn::new(spec, tch::Device::Cpu);
        let settings = vec![SamplerSettings::with_temperature(1.0); streams];
        Generator::new(model.stepper(streams), Vocab::new(chars).unwrap(), settings, 1, false).unwrap()
    }

    #[test]
    fn priming_once_gives_every_stream_what_feeding_each_character_gives() {
        for cell in [CellKind::Lstm, CellKind::Gru, CellKind::Rnn] {
            let mut g = generator(cell, 3);
            let ids: Vec<u32> = (0..200u32).map(|i| (i * 7 + i / 3) % 8).collect();
            // The reference: every stream stepped through the prime, character by character.
            let mut reference = g.stepper().fork(3);
            let mut logits = Vec::new();
            for &id in &ids {
                reference.step(&[id; 3], &mut logits).unwrap();
            }
            g.prime(&ids).unwrap();
            let near = |a: &[f32], b: &[f32], what: &str| {
                assert_eq!(a.len(), b.len(), "{what}");
                for (x, y) in a.iter().zip(b) {
                    assert!((x - y).abs() <= 1e-4, "{cell:?} {what}: {x} vs {y}");
                }
            };
            for row in 0..3 {
                let (got, want) = (g.row_state(row), reference.row_state(row));
                for (l, (a, b)) in got.h.iter().zip(&want.h).enumerate() {
                    near(a, b, &format!("row {row} h layer {l}"));
                }
                for (l, (a, b)) in got.c.iter().zip(&want.c).enumerate() {
                    near(a, b, &format!("row {row} c layer {l}"));
                }
                assert_eq!((got.h.len(), got.c.len()), (want.h.len(), want.c.len()));
                near(g.pending_logits(row), &logits[row * 8..(row + 1) * 8], &format!("row {row} logits"));
            }
        }
    }

    #[test]
    fn a_prime_can_be_abandoned_between_chunks() {
        let mut g = generator(CellKind::Lstm, 2);
        let ids = vec![1u32; PRIME_CHUNK * 10];
        let mut asked = Vec::new();
        let finished = g
            .prime_with(&ids, &mut |done| {
                asked.push(done);
                done < 3 * PRIME_CHUNK
            })
            .unwrap();
        assert!(!finished);
        assert_eq!(asked, [PRIME_CHUNK, 2 * PRIME_CHUNK, 3 * PRIME_CHUNK]);
        let mut all = Vec::new();
        assert!(g
            .prime_with(&ids, &mut |d| {
                all.push(d);
                true
            })
            .unwrap());
        assert_eq!(all.len(), 9, "asked between every two chunks");
    }

    #[test]
    fn an_abandoned_prime_leaves_every_stream_at_zero() {
        let mut g = generator(CellKind::Lstm, 3);
        let zero = g.row_state(1);
        g.prime(&[1, 2, 3]).unwrap();
        assert_ne!(g.row_state(0), zero, "primed");
        let ids = vec![2u32; PRIME_CHUNK * 3];
        assert!(!g.prime_with(&ids, &mut |_| false).unwrap());
        for row in 0..3 {
            assert_eq!(g.row_state(row), zero, "row {row}");
        }
    }

    #[test]
    fn with_no_streams_a_prime_is_only_checked() {
        let mut g = generator(CellKind::Gru, 0);
        assert!(g.prime(&[1, 2, 3]).is_ok());
        let err = g.prime(&[1, 8]).unwrap_err().to_string();
        assert!(err.contains("id 8") && err.contains("vocabulary of 8"), "{err}");
    }
}
