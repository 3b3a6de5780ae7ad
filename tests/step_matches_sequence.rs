//! The hand-written one-step cells of `Stepper` agree with libtorch's fused sequence forward, for
//! every cell kind and depth, row by row in a batch, and across fork / row-state copies / resizes.

mod common;

use common::Rng;
use tch::{Kind, Tensor};
use tempest_core::model::{CellKind, CharRnn, ModelSpec, Stepper};

const TOL: f32 = 1e-4;

/// Sizes drawn from `seed` too, so the cases cover odd shapes. Dropout must be ignored outside
/// training; the weights are wide (±0.6) so the gates saturate.
fn random_model(cell: CellKind, layers: i64, seed: u64) -> CharRnn {
    let mut rng = Rng::new(seed);
    let spec = ModelSpec {
        cell,
        layers,
        hidden: rng.range(5, 24) as i64,
        embed: rng.range(3, 12) as i64,
        vocab: rng.range(4, 30) as i64,
        dropout: 0.25,
    };
    common::seeded_model(spec, seed, 0.6)
}

fn random_ids(rng: &mut Rng, vocab: i64, len: usize) -> Vec<u32> {
    (0..len).map(|_| rng.range(0, vocab as usize - 1) as u32).collect()
}

/// Logits `[len][vocab]` of the fused sequence forward for one row from a zero state.
fn sequence_logits(model: &CharRnn, ids: &[u32]) -> Vec<Vec<f32>> {
    let v = model.spec().vocab as usize;
    let idx: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
    let x = Tensor::from_slice(&idx).reshape([1, ids.len() as i64]);
    let (logits, _) = tch::no_grad(|| model.forward(&x, &model.zero_state(1), false));
    assert_eq!(logits.size(), vec![1, ids.len() as i64, v as i64]);
    let flat = Vec::<f32>::try_from(logits.to_kind(Kind::Float).flatten(0, -1)).unwrap();
    flat.chunks(v).map(|c| c.to_vec()).collect()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    let d = max_diff(got, want);
    assert!(d < TOL, "{what}: max abs diff {d} (got {got:?}, want {want:?})");
}

/// Steps `stepper` (batch rows all fed from `seqs[row]`) and checks every row's logits against
/// `want[row][t]`, starting at position `from`.
fn step_and_check(
    what: &str,
    stepper: &mut Stepper,
    seqs: &[Vec<u32>],
    want: &[Vec<Vec<f32>>],
    from: usize,
    to: usize,
) {
    let v = stepper.vocab();
    let mut logits = Vec::new();
    for t in from..to {
        let ids: Vec<u32> = seqs.iter().map(|s| s[t]).collect();
        stepper.step(&ids, &mut logits).unwrap();
        assert_eq!(logits.len(), seqs.len() * v);
        for (row, w) in want.iter().enumerate() {
            assert_close(&format!("{what}: row {row}, position {t}"), &logits[row * v..(row + 1) * v], &w[t]);
        }
    }
}

fn check_single_row(cell: CellKind, layers: i64, seed: u64) {
    let model = random_model(cell, layers, seed);
    let mut rng = Rng::new(seed ^ 0xABCD);
    let ids = random_ids(&mut rng, model.spec().vocab, 40);
    let want = sequence_logits(&model, &ids);
    // Logits that do not depend on the input would make the comparison vacuous.
    assert!(max_diff(&want[0], &want[1]) > 1e-3 || max_diff(&want[1], &want[2]) > 1e-3);
    let mut s = model.stepper(1);
    step_and_check(&format!("{cell} x{layers}"), &mut s, &[ids], &[want], 0, 40);
}

/// (cell, layers, seed) for the one-row comparison: every cell kind at every depth up to three.
const SINGLE_ROW: &[(CellKind, i64, u64)] = &[
    (CellKind::Lstm, 1, 11),
    (CellKind::Lstm, 2, 12),
    (CellKind::Lstm, 3, 13),
    (CellKind::Gru, 2, 21),
    (CellKind::Gru, 1, 22),
    (CellKind::Rnn, 2, 31),
    (CellKind::Rnn, 1, 32),
];

#[test]
fn one_row_matches_the_sequence_forward_for_every_cell_and_depth() {
    for &(cell, layers, seed) in SINGLE_ROW {
        check_single_row(cell, layers, seed);
    }
}

/// Three different sequences stepped as one batch: each row matches its own sequence forward and
/// the batched sequence forward, so rows never leak into each other.
fn check_batch_rows_independent(cell: CellKind, seed: u64) {
    let model = random_model(cell, 2, seed);
    let mut rng = Rng::new(seed ^ 0x5151);
    let len = 30;
    let seqs: Vec<Vec<u32>> = (0..3).map(|_| random_ids(&mut rng, model.spec().vocab, len)).collect();
    let want: Vec<Vec<Vec<f32>>> = seqs.iter().map(|s| sequence_logits(&model, s)).collect();

    // The batched fused forward agrees with the per-row one (sanity of the reference itself).
    let v = model.spec().vocab;
    let flat: Vec<i64> = seqs.iter().flatten().map(|&i| i as i64).collect();
    let x = Tensor::from_slice(&flat).reshape([3, len as i64]);
    let (batched, _) = tch::no_grad(|| model.forward(&x, &model.zero_state(3), false));
    let batched = Vec::<f32>::try_from(batched.flatten(0, -1)).unwrap();
    for (row, w) in want.iter().enumerate() {
        for (t, wt) in w.iter().enumerate() {
            let off = (row * len + t) * v as usize;
            assert_close("batched forward", &batched[off..off + v as usize], wt);
        }
    }

    let mut s = model.stepper(3);
    step_and_check(&format!("{cell} batch of 3"), &mut s, &seqs, &want, 0, len);
}

#[test]
fn batch_rows_are_independent_for_every_cell() {
    for (cell, seed) in [(CellKind::Lstm, 41), (CellKind::Gru, 42), (CellKind::Rnn, 43)] {
        check_batch_rows_independent(cell, seed);
    }
}

/// A forked stepper starts from zero with the same weights; a row's state copied into it continues
/// exactly as the original row does.
fn check_fork_and_row_state(cell: CellKind, layers: i64, seed: u64) {
    let model = random_model(cell, layers, seed);
    let mut rng = Rng::new(seed ^ 0x77);
    let len = 24;
    let split = 10;
    let seqs: Vec<Vec<u32>> = (0..3).map(|_| random_ids(&mut rng, model.spec().vocab, len)).collect();
    let want: Vec<Vec<Vec<f32>>> = seqs.iter().map(|s| sequence_logits(&model, s)).collect();

    let mut s = model.stepper(3);
    step_and_check("before the split", &mut s, &seqs, &want, 0, split);

    // A fork is fresh: it reproduces a sequence from the start, and stepping it leaves `s` alone.
    let mut f = s.fork(2);
    assert_eq!(f.batch(), 2);
    for row in 0..2 {
        let st = f.row_state(row);
        assert_eq!(st.h.len(), layers as usize);
        assert_eq!(st.c.len(), if cell == CellKind::Lstm { layers as usize } else { 0 });
        assert!(st.h.iter().chain(&st.c).flatten().all(|&v| v == 0.0), "a fork starts at zero");
    }
    let before = s.row_state(1);
    step_and_check(
        "fork replay",
        &mut f,
        &[seqs[2].clone(), seqs[0].clone()],
        &[want[2].clone(), want[0].clone()],
        0,
        split,
    );
    assert_eq!(s.row_state(1), before, "stepping a fork must not touch the original");

    // Row 1's state moved into row 0 of a one-row fork continues like row 1.
    let state = s.row_state(1);
    assert_eq!(state.h[0].len(), model.spec().hidden as usize);
    assert!(state.h.iter().flatten().any(|&v| v != 0.0));
    let mut g = s.fork(1);
    g.set_row_state(0, &state);
    assert_eq!(g.row_state(0), state);
    step_and_check("state copied to a fork", &mut g, &[seqs[1].clone()], &[want[1].clone()], split, len);

    // Swapping two rows' states swaps their futures.
    let (s0, s2) = (s.row_state(0), s.row_state(2));
    s.set_row_state(0, &s2);
    s.set_row_state(2, &s0);
    let swapped = [seqs[2].clone(), seqs[1].clone(), seqs[0].clone()];
    let swapped_want = [want[2].clone(), want[1].clone(), want[0].clone()];
    step_and_check("swapped rows", &mut s, &swapped, &swapped_want, split, len);
}

#[test]
fn fork_and_row_state_for_every_cell() {
    for (cell, layers, seed) in [(CellKind::Lstm, 2, 51), (CellKind::Gru, 2, 52), (CellKind::Rnn, 3, 53)] {
        check_fork_and_row_state(cell, layers, seed);
    }
}

/// Growing keeps existing rows and adds zero rows; shrinking keeps the first rows; reset zeroes one.
#[test]
fn resize_keeps_rows() {
    for (cell, seed) in [(CellKind::Lstm, 61), (CellKind::Gru, 62), (CellKind::Rnn, 63)] {
        let model = random_model(cell, 2, seed);
        let mut rng = Rng::new(seed);
        let len = 20;
        let seqs: Vec<Vec<u32>> = (0..4).map(|_| random_ids(&mut rng, model.spec().vocab, len)).collect();
        let want: Vec<Vec<Vec<f32>>> = seqs.iter().map(|s| sequence_logits(&model, s)).collect();

        let mut s = model.stepper(2);
        step_and_check("before growing", &mut s, &seqs[..2], &want[..2], 0, 8);
        let kept = (s.row_state(0), s.row_state(1));
        s.resize(4);
        assert_eq!(s.batch(), 4);
        assert_eq!((s.row_state(0), s.row_state(1)), kept, "{cell}: growing keeps existing rows");
        for row in 2..4 {
            let st = s.row_state(row);
            assert!(st.h.iter().chain(&st.c).flatten().all(|&v| v == 0.0), "{cell}: new rows start at zero");
        }
        // Rows 0,1 continue their sequences; rows 2,3 start theirs from the beginning.
        let mut logits = Vec::new();
        let v = s.vocab();
        for k in 0..8 {
            let ids = [seqs[0][8 + k], seqs[1][8 + k], seqs[2][k], seqs[3][k]];
            s.step(&ids, &mut logits).unwrap();
            assert_close("grown row 0", &logits[0..v], &want[0][8 + k]);
            assert_close("grown row 1", &logits[v..2 * v], &want[1][8 + k]);
            assert_close("new row 2", &logits[2 * v..3 * v], &want[2][k]);
            assert_close("new row 3", &logits[3 * v..4 * v], &want[3][k]);
        }
        // Shrink to 3: rows 0..3 keep going.
        s.resize(3);
        assert_eq!(s.batch(), 3);
        for k in 0..4 {
            let ids = [seqs[0][16 + k], seqs[1][16 + k], seqs[2][8 + k]];
            s.step(&ids, &mut logits).unwrap();
            assert_eq!(logits.len(), 3 * v);
            assert_close("shrunk row 0", &logits[0..v], &want[0][16 + k]);
            assert_close("shrunk row 1", &logits[v..2 * v], &want[1][16 + k]);
            assert_close("shrunk row 2", &logits[2 * v..3 * v], &want[2][8 + k]);
        }
        // reset_row restarts one row only.
        s.reset_row(1);
        for k in 0..4 {
            let ids = [seqs[3][k], seqs[3][k], seqs[2][12 + k]];
            s.step(&ids, &mut logits).unwrap();
            assert_close("reset row 1", &logits[v..2 * v], &want[3][k]);
            assert_close("untouched row 2", &logits[2 * v..3 * v], &want[2][12 + k]);
        }
    }
}
