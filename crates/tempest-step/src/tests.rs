//! The stepper against an independent f64 reference of PyTorch's cells, on small models whose
//! sizes reach the padding and the kernel's stream groups. No libtorch, so Miri runs these too
//! (with the portable kernel), including the two-thread protocol.

use std::sync::Arc;

use crate::{Cell, Kernel, PlainLayer, PlainWeights, RowState, StepError, StepWeights, Stepper};

/// A small deterministic generator (xorshift), so the tests need no crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn uniform(&mut self, scale: f32) -> f32 {
        ((self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
    }

    fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.uniform(scale)).collect()
    }
}

pub(crate) fn weights(
    cell: Cell,
    layers: usize,
    hidden: usize,
    embed_dim: usize,
    vocab: usize,
    seed: u64,
) -> PlainWeights {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let g = cell.gates() * hidden;
    PlainWeights {
        cell,
        hidden,
        embed_dim,
        vocab,
        embed: rng.vec(vocab * embed_dim, 1.0),
        layers: (0..layers)
            .map(|l| PlainLayer {
                w_ih: rng.vec(g * if l == 0 { embed_dim } else { hidden }, 0.5),
                w_hh: rng.vec(g * hidden, 0.5),
                b_ih: rng.vec(g, 0.5),
                b_hh: rng.vec(g, 0.5),
            })
            .collect(),
        head_w: rng.vec(vocab * hidden, 0.5),
        head_b: rng.vec(vocab, 0.5),
    }
}

fn sig(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `w [rows, cols] @ x + b`, in f64.
fn affine(w: &[f32], b: &[f32], x: &[f64]) -> Vec<f64> {
    let cols = x.len();
    b.iter()
        .enumerate()
        .map(|(r, &bias)| {
            bias as f64 + w[r * cols..(r + 1) * cols].iter().zip(x).map(|(&a, &v)| a as f64 * v).sum::<f64>()
        })
        .collect()
}

/// One stream through PyTorch's equations, straight from the `state_dict` layout.
struct Reference<'a> {
    w: &'a PlainWeights,
    h: Vec<Vec<f64>>,
    c: Vec<Vec<f64>>,
}

impl<'a> Reference<'a> {
    fn new(w: &'a PlainWeights) -> Self {
        let zero = vec![vec![0.0; w.hidden]; w.layers.len()];
        Reference { w, h: zero.clone(), c: zero }
    }

    fn step(&mut self, id: u32) -> Vec<f64> {
        let (w, hid) = (self.w, self.w.hidden);
        let e = w.embed_dim;
        let mut x: Vec<f64> = w.embed[id as usize * e..(id as usize + 1) * e].iter().map(|&v| v as f64).collect();
        for (l, p) in w.layers.iter().enumerate() {
            let gi = affine(&p.w_ih, &p.b_ih, &x);
            let gh = affine(&p.w_hh, &p.b_hh, &self.h[l]);
            let h = &mut self.h[l];
            match w.cell {
                Cell::Lstm => {
                    for j in 0..hid {
                        let at = |k: usize| gi[k * hid + j] + gh[k * hid + j];
                        let c = sig(at(1)) * self.c[l][j] + sig(at(0)) * at(2).tanh();
                        self.c[l][j] = c;
                        h[j] = sig(at(3)) * c.tanh();
                    }
                }
                Cell::Gru => {
                    for j in 0..hid {
                        let r = sig(gi[j] + gh[j]);
                        let z = sig(gi[hid + j] + gh[hid + j]);
                        let n = (gi[2 * hid + j] + r * gh[2 * hid + j]).tanh();
                        h[j] = (1.0 - z) * n + z * h[j];
                    }
                }
                Cell::Rnn => {
                    for j in 0..hid {
                        h[j] = (gi[j] + gh[j]).tanh();
                    }
                }
            }
            x = h.clone();
        }
        affine(&w.head_w, &w.head_b, &x)
    }
}

/// Sizes small enough for Miri, yet with hidden sizes off the 16-float block and batches past the
/// kernel's group of four streams.
const SIZES: &[(usize, usize)] = if cfg!(miri) { &[(5, 5)] } else { &[(5, 6), (37, 9)] };

fn ids_for(batch: usize, t: usize, vocab: usize) -> Vec<u32> {
    (0..batch).map(|b| ((b * 7 + t * 3 + b * t) % vocab) as u32).collect()
}

/// Runs `steps` steps on `threads` threads and returns every step's logits, checking each
/// against the reference.
fn run_checked(w: &PlainWeights, batch: usize, steps: usize, threads: usize, kernel: Kernel) -> Vec<f32> {
    let mut s = Stepper::single(Arc::new(StepWeights::new(w).unwrap()), batch);
    s.set_threads(threads);
    assert_eq!(s.threads(), threads);
    s.set_kernel(kernel).unwrap();
    let mut refs: Vec<Reference> = (0..batch).map(|_| Reference::new(w)).collect();
    let (mut logits, mut all) = (Vec::new(), Vec::new());
    for t in 0..steps {
        let ids = ids_for(batch, t, w.vocab);
        s.step(&ids, &mut logits).unwrap();
        assert_eq!(s.last_kernel(), Some(kernel), "the kernel chosen is the one that ran");
        for (b, r) in refs.iter_mut().enumerate() {
            let want = r.step(ids[b]);
            let got = &logits[b * w.vocab..(b + 1) * w.vocab];
            let d = got.iter().zip(&want).map(|(&g, &v)| (g as f64 - v).abs()).fold(0.0, f64::max);
            assert!(
                d < 1e-4,
                "{:?} hidden {} batch {batch} threads {threads} stream {b} step {t}: off by {d}",
                w.cell,
                w.hidden
            );
        }
        all.extend_from_slice(&logits);
    }
    all
}

#[test]
fn every_cell_matches_the_reference_on_one_and_two_threads_bit_for_bit() {
    let steps = if cfg!(miri) { 2 } else { 12 };
    for (seed, cell) in [Cell::Lstm, Cell::Gru, Cell::Rnn].into_iter().enumerate() {
        for &(hidden, batch) in SIZES {
            let w = weights(cell, 2, hidden, 3, 7, seed as u64 + hidden as u64);
            for kernel in Kernel::available() {
                let one = run_checked(&w, batch, steps, 1, kernel);
                let two = run_checked(&w, batch, steps, 2, kernel);
                assert_eq!(one, two, "{cell:?} hidden {hidden} kernel {kernel}: one and two threads differ");
            }
        }
    }
}

#[test]
fn three_layers_match_the_reference() {
    let w = weights(Cell::Lstm, 3, 6, 4, 5, 11);
    run_checked(&w, 2, 3, 2, Kernel::Portable);
}

/// The work-sharing protocol on its own, small enough to run under Miri with many seeds
/// (`scripts/miri.sh`): steps back to back, so the helper and the stepper's thread race to claim
/// each half.
#[test]
fn protocol_back_to_back() {
    let w = weights(Cell::Lstm, 2, 4, 2, 3, 21);
    let sw = Arc::new(StepWeights::new(&w).unwrap());
    let (mut one, mut two) = (Stepper::single(Arc::clone(&sw), 2), Stepper::single(sw, 2));
    two.set_threads(2);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for t in 0..6 {
        let ids = ids_for(2, t, 3);
        one.step(&ids, &mut a).unwrap();
        two.step(&ids, &mut b).unwrap();
        assert_eq!(a, b, "step {t}");
    }
    two.set_threads(1);
    assert_eq!(two.threads(), 1, "the helper is stopped and joined");
}

/// The helper sleeps after a short idle spin; a step posted then must wake it (or be done by the
/// stepper's thread), and give the same numbers.
#[test]
fn protocol_survives_a_sleeping_helper() {
    let w = weights(Cell::Gru, 2, 9, 3, 6, 5);
    let sw = Arc::new(StepWeights::new(&w).unwrap());
    let (mut one, mut two) = (Stepper::single(Arc::clone(&sw), 3), Stepper::single(sw, 3));
    two.set_threads(2);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for t in 0..4 {
        let ids = ids_for(3, t, 6);
        one.step(&ids, &mut a).unwrap();
        two.step(&ids, &mut b).unwrap();
        assert_eq!(a, b, "step {t}");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[test]
fn row_state_resize_and_reset_keep_streams_apart() {
    let w = weights(Cell::Lstm, 2, 6, 3, 5, 3);
    let sw = Arc::new(StepWeights::new(&w).unwrap());
    let mut s = Stepper::single(Arc::clone(&sw), 2);
    let mut logits = Vec::new();
    s.step(&[1, 2], &mut logits).unwrap();
    let row1 = s.row_state(1);
    assert_eq!(row1.h.len(), 2);
    assert_eq!(row1.c.len(), 2);
    assert!(row1.h[1].iter().any(|&v| v != 0.0));
    s.resize(3);
    assert_eq!(s.row_state(1), row1, "resizing keeps existing rows");
    assert!(s.row_state(2).h.iter().flatten().all(|&v| v == 0.0), "new rows start at zero");
    s.set_row_state(2, &row1);
    s.step(&[0, 4, 4], &mut logits).unwrap();
    assert_eq!(&logits[5..10], &logits[10..15], "two rows in the same state step alike");
    s.reset_row(1);
    let zero = RowState { h: vec![vec![0.0; 6]; 2], c: vec![vec![0.0; 6]; 2] };
    assert_eq!(s.row_state(1), zero);
    // A fork shares the weights, not the state, and does not start a thread.
    let f = s.fork(1);
    assert_eq!(f.threads(), 1);
    assert!(Arc::ptr_eq(f.weights(), &sw));
    assert_eq!(f.row_state(0), RowState { h: vec![vec![0.0; 6]; 2], c: vec![vec![0.0; 6]; 2] });
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let w = weights(Cell::Rnn, 1, 4, 2, 3, 9);
    let mut s = Stepper::single(Arc::new(StepWeights::new(&w).unwrap()), 1);
    let err = s.step(&[3], &mut Vec::new()).unwrap_err();
    assert_eq!(err, StepError::IdOutOfVocab { id: 3, vocab: 3 });
    assert_eq!(err.to_string(), "character id 3 is outside the vocabulary of 3");
    for k in Kernel::ALL {
        assert_eq!(s.set_kernel(k).is_ok(), k.is_available(), "{k}");
    }
    if cfg!(miri) {
        assert_eq!(Kernel::available(), vec![Kernel::Portable]);
    }
    let mut short = w.clone();
    short.head_b.pop();
    assert_eq!(StepWeights::new(&short).err().unwrap().to_string(), "head bias has 2 floats, expected 3");
}

#[test]
fn work_goes_on_alone_while_the_helper_keeps_missing_its_hand_offs() {
    use crate::pool::{Handoff, Helper, Sharing};
    use std::time::{Duration, Instant};

    let helper = Helper::spawn().expect("a helper thread");
    let h = Some(&helper);
    let mut s = Sharing::default();
    let mut now = Instant::now();
    // Hand-offs arrive every 50 µs, as in a busy feed or a max-speed run.
    let mut rec = |s: &mut Sharing, handoff: Handoff| {
        now += Duration::from_micros(50);
        s.record_at(handoff, now);
    };
    s.next_round();
    assert!(s.helper(h).is_some(), "fresh work shares");
    // A helper still waking up is not late.
    for _ in 0..100 {
        rec(&mut s, Handoff::TakenBack);
    }
    assert!(s.helper(h).is_some(), "taken back before the helper woke");
    // Quick hand-offs and short waits are the helper doing its job, however many.
    for _ in 0..1000 {
        rec(&mut s, Handoff::Shared(Duration::from_micros(20)));
    }
    assert!(s.helper(h).is_some());
    // Eight late hand-offs in a round are tolerated; the ninth sends the work on alone at once.
    for _ in 0..4 {
        rec(&mut s, Handoff::TakenBack);
        rec(&mut s, Handoff::Shared(Duration::from_millis(4)));
    }
    assert!(s.helper(h).is_some(), "eight late hand-offs");
    rec(&mut s, Handoff::TakenBack);
    assert!(s.helper(h).is_none(), "the ninth");
    // Alone for the rest of that round and three more, then the helper is tried again.
    for round in 0..3 {
        s.next_round();
        assert!(s.helper(h).is_none(), "solo round {round}");
    }
    s.next_round();
    assert!(s.helper(h).is_some(), "tried again");
    rec(&mut s, Handoff::Shared(Duration::from_micros(20)));
    // Late counts start afresh in every round.
    for _ in 0..8 {
        rec(&mut s, Handoff::TakenBack);
    }
    s.next_round();
    rec(&mut s, Handoff::TakenBack);
    assert!(s.helper(h).is_some(), "eight in one round and one in the next are not nine");
    // After a pause longer than the helper's spin it may be asleep again: what it takes back
    // before it next picks one up does not count, however often that happens.
    for _ in 0..100 {
        now += Duration::from_millis(40);
        s.record_at(Handoff::Shared(Duration::from_micros(20)), now);
        now += Duration::from_millis(40);
        s.record_at(Handoff::TakenBack, now);
    }
    assert!(s.helper(h).is_some(), "steps 40 ms apart, each finding the helper asleep");
    // Without a helper there is nothing to share.
    assert!(Sharing::default().helper(None).is_none());
}

#[test]
fn steps_on_two_threads_stay_bit_for_bit_whichever_way_the_hand_offs_go() {
    // A long run on two threads, checked against one thread at every step: whether the helper
    // is used, taken back or set aside by the punctuality check, the logits must not change.
    let (hidden, n) = if cfg!(miri) { (5, 8) } else { (37, 600) };
    let w = weights(Cell::Gru, 2, hidden, 6, 11, 5);
    let sw = Arc::new(StepWeights::new(&w).unwrap());
    let (mut one, mut two) = (Stepper::single(Arc::clone(&sw), 3), Stepper::single(sw, 3));
    two.set_threads(2);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for t in 0..n {
        let ids = ids_for(3, t, 11);
        one.step(&ids, &mut a).unwrap();
        two.step(&ids, &mut b).unwrap();
        assert_eq!(a, b, "step {t}");
    }
}
