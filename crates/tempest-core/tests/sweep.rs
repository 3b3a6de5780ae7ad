//! Sweeps on a small model made in the test: deterministic, with loops taking over as T falls,
//! and a human reference that can be stored in (and read back from) a checkpoint.

use std::sync::Mutex;

use tch::Device;
use tempest_core::model::{CellKind, CharRnn, Checkpoint, ModelSpec, UnknownPolicy, Vocab};
use tempest_core::sweep::{self, Metric, Reference, SweepSpec};

const ALPHABET: &str = "abcdefghij klmnop.\n";

/// libtorch's generator is global, so models are made one at a time.
static TORCH: Mutex<()> = Mutex::new(());

fn model(seed: i64) -> (CharRnn, Vocab) {
    let _g = TORCH.lock().unwrap_or_else(|e| e.into_inner());
    tch::manual_seed(seed);
    let vocab = Vocab::new(ALPHABET.chars().collect()).unwrap();
    let spec =
        ModelSpec { cell: CellKind::Lstm, layers: 2, hidden: 32, embed: 8, vocab: vocab.len() as i64, dropout: 0.0 };
    (CharRnn::new(spec, Device::Cpu), vocab)
}

fn spec(vocab: &Vocab) -> SweepSpec {
    let mut s = SweepSpec::default_with_prime(vocab.encode("ab", UnknownPolicy::Error).unwrap());
    s.temperatures = sweep::parse_temperatures("0:2:0.5").unwrap();
    s.seeds = 3;
    s.length = 300;
    s.seed = 11;
    s
}

#[test]
fn a_sweep_is_deterministic_and_loops_take_over_as_t_falls() {
    let (m, vocab) = model(5);
    let spec = spec(&vocab);
    let mut calls = 0;
    let a = sweep::run(m.stepper(1), &vocab, &spec, None, None, |p| {
        calls += 1;
        assert_eq!(p.streams, 5 * 3 * 3);
        true
    })
    .unwrap();
    assert_eq!(calls, spec.length + 1);
    let b = sweep::run(m.stepper(7), &vocab, &spec, None, None, |_| true).unwrap();
    assert_eq!(a, b, "same spec, same numbers");
    assert_eq!(a.rows.len(), 5 * 3);

    // Another seed gives other texts.
    let mut other = spec.clone();
    other.seed = 12;
    let c = sweep::run(m.stepper(1), &vocab, &other, None, None, |_| true).unwrap();
    assert_ne!(a.examples, c.examples);

    for s in 0..spec.samplers.len() {
        let share = a.series(Metric::ExactLoopShare, s);
        assert_eq!(share.len(), 5);
        // At T = 0 the argmax path of a small model settles into a cycle; at T = 2 it wanders.
        assert!(share[0].1 > 0.5, "sampler {s}: {share:?}");
        assert!(share[4].1 < 0.1, "sampler {s}: {share:?}");
        // Non-increasing from T = 0 to T = 2, up to sampling noise between neighbours.
        for w in share.windows(2) {
            assert!(w[1].1 <= w[0].1 + 0.05, "sampler {s}: {share:?}");
        }
        let ends = a.series(Metric::EndsInLoop, s);
        assert_eq!(ends[0].1, 1.0, "{ends:?}");
        // Entropy of what is sampled grows with T; at T = 0 it is 0.
        let h = a.series(Metric::EntropyBits, s);
        assert_eq!(h[0].1, 0.0);
        assert!(h[4].1 > h[1].1);
    }
}

#[test]
fn a_cancelled_sweep_stops() {
    let (m, vocab) = model(5);
    let mut n = 0;
    let e = sweep::run(m.stepper(1), &vocab, &spec(&vocab), None, None, |_| {
        n += 1;
        n < 10
    })
    .unwrap_err();
    assert!(e.to_string().contains("cancelled"));
    assert_eq!(n, 10);
}

#[test]
fn a_reference_is_measured_stored_and_read_back() {
    let (m, vocab) = model(6);
    let text: String = (0..4000).map(|i| ALPHABET.chars().nth((i * 7 + i / 13) % ALPHABET.len()).unwrap()).collect();
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.txt");
    std::fs::write(&corpus, &text).unwrap();
    let r = Reference::from_corpus(m.stepper(1), &vocab, &corpus, 0.5, 200).unwrap();
    assert_eq!((r.chunk_chars, r.chunks, r.source.as_str()), (200, 10, "corpus.txt"));
    let mean = r.band.mean;
    assert!(mean.bits_per_char.unwrap() > 0.0);
    // Human-text validity is measured against the training half's words.
    assert!(mean.lexical_validity.is_some());
    for metric in Metric::ALL {
        if let (Some(lo), Some(hi)) = (metric.get(&r.band.lo), metric.get(&r.band.hi)) {
            assert!(lo <= hi, "{metric:?}");
        }
    }

    let path = dir.path().join("m.safetensors");
    m.save(&path, &vocab, None).unwrap();
    let before = Checkpoint::load(&path, Device::Cpu).unwrap();
    assert!(before.metadata.reference.is_none(), "a plain checkpoint has no reference");
    sweep::reference::attach_to_checkpoint(&path, &r).unwrap();
    let after = Checkpoint::load(&path, Device::Cpu).unwrap();
    assert_eq!(Reference::from_metadata(after.metadata.reference.as_ref()), Some(r.clone()));
    assert_eq!(after.metadata.vocab, before.metadata.vocab);
    // The weights are untouched.
    let (x, y) = (before.model.named_tensors(), after.model.named_tensors());
    for ((na, ta), (nb, tb)) in x.iter().zip(&y) {
        assert_eq!(na, nb);
        assert!(ta.equal(tb), "{na}");
    }
}
