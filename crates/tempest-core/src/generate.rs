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

    /// A small model with fixed made-up weights (the same in every run, whatever other tests do
    /// to libtorch's global seed), its output head large enough for peaked distributions, so
    /// that the cuts bite.
    fn small_model() -> CharRnn {
        let spec = ModelSpec { cell: CellKind::Lstm, layers: 1, hidden: 16, embed: 8, vocab: 8, dropout: 0.0 };
        let model = CharRnn::new(spec, tch::Device::Cpu);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        tch::no_grad(|| {
            for (name, t) in model.named_tensors() {
                let scale = if name.starts_with("head.") { 3.0 } else { 1.5 };
                let data: Vec<f32> = (0..t.numel())
                    .map(|_| {
                        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                        ((x >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
                    })
                    .collect();
                t.shallow_clone().copy_(&tch::Tensor::from_slice(&data).reshape(t.size()));
            }
        });
        model
    }

    /// Streams of `model` with the given settings, primed alike, coupled or not.
    fn primed(model: &CharRnn, settings: &[SamplerSettings], seed: u64, coupled: bool) -> Generator {
        let chars: Vec<char> = "abcdef \n".chars().collect();
        let n = settings.len();
        let mut g =
            Generator::new(model.stepper(n), Vocab::new(chars).unwrap(), settings.to_vec(), seed, coupled).unwrap();
        g.prime(&[0, 1, 2, 6]).unwrap();
        g
    }

    fn texts(g: &mut Generator, steps: usize) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new(); g.streams()];
        for _ in 0..steps {
            for (i, d) in g.step().unwrap().into_iter().enumerate() {
                out[i].push(d.id);
            }
        }
        out
    }

    /// Coupled, a setting that is off (a repetition window while the penalty is 1, top-k at or
    /// above the vocabulary) changes nothing: the panes write the same text.
    #[test]
    fn coupled_streams_differing_only_in_an_inactive_setting_write_the_same_text() {
        let m = small_model();
        let plain = SamplerSettings::with_temperature(1.5);
        let settings = [
            plain,
            SamplerSettings { repeat_window: 7, ..plain },
            SamplerSettings { top_k: 8, ..plain },
            SamplerSettings { top_k: 50, repeat_penalty: 1.3, repeat_window: 0, ..plain },
        ];
        let t = texts(&mut primed(&m, &settings, 3, true), 300);
        for (i, other) in t.iter().enumerate().skip(1) {
            assert_eq!(&t[0], other, "stream {} ({:?}) left the plain stream", i + 1, settings[i]);
        }
        // Not a vacuous agreement: uncoupled, the same streams part at once.
        let t = texts(&mut primed(&m, &settings, 3, false), 300);
        assert_ne!(t[0], t[1]);
    }

    /// Coupled streams with different samplers still draw with one shared number per step: each
    /// writes exactly what it writes alone with the same seed (so the others' samplers cannot
    /// shift its random numbers), and they differ from one another by their settings alone.
    #[test]
    fn coupled_streams_with_different_samplers_share_one_random_stream() {
        let m = small_model();
        let hot = SamplerSettings::with_temperature(1.5);
        let settings = [
            hot,
            SamplerSettings { top_p: 0.9, ..hot },
            SamplerSettings { min_p: 0.1, ..hot },
            SamplerSettings { top_k: 3, ..hot },
            SamplerSettings { repeat_penalty: 1.4, repeat_window: 16, ..hot },
            SamplerSettings::with_temperature(0.3),
        ];
        let together = texts(&mut primed(&m, &settings, 11, true), 400);
        let distinct: std::collections::BTreeSet<u32> = together[0].iter().copied().collect();
        assert!(distinct.len() >= 4, "the plain stream is varied text, not a fixed point: {distinct:?}");
        for (i, s) in settings.iter().enumerate() {
            let alone = texts(&mut primed(&m, &[*s], 11, true), 400).remove(0);
            assert_eq!(together[i], alone, "stream {} ({s:?}) drew other numbers beside the others", i + 1);
        }
        for i in 1..settings.len() {
            assert_ne!(together[0], together[i], "stream {} ({:?}) should differ from plain", i + 1, settings[i]);
        }
        // Each stream's character is the inverse-CDF draw of its own distribution at the one
        // number all share: the seed's coupled sequence, whatever the samplers.
        let mut g = primed(&m, &settings, 11, true);
        let (mut shared, mut u) = (Uniforms::new(11, settings.len()), Vec::new());
        for _ in 0..200 {
            shared.next(true, &mut u);
            let d = g.sample();
            for (i, d) in d.iter().enumerate() {
                assert_eq!(d.id, draw(&d.chain().probs, u[i]), "stream {} ({:?})", i + 1, settings[i]);
            }
            let ids: Vec<u32> = d.iter().map(|d| d.id).collect();
            g.accept(&ids).unwrap();
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
