//! The two step paths behind `tempest_core::model::Stepper`: the plain-Rust kernel for a few streams
//! and libtorch's GEMM for wide batches. Both must give the same logits, a stream must keep its
//! state when its stepper changes path, and the path must follow the batch size at the measured
//! crossover (`WIDE_BATCH`) for every user of the stepper: the explorer's panes and a sweep alike
//! (both build a `Generator` on a default stepper).

mod common;

use tempest_core::generate::Generator;
use tempest_core::model::{CellKind, CharRnn, ModelSpec, PathChoice, StepPath, Stepper, Vocab, WIDE_BATCH};
use tempest_core::sampling::SamplerSettings;

const VOCAB: usize = 23;

fn model(cell: CellKind, hidden: i64, seed: u64) -> CharRnn {
    let spec = ModelSpec { cell, layers: 2, hidden, embed: 7, vocab: VOCAB as i64, dropout: 0.0 };
    common::seeded_model(spec, seed, 0.4)
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn both_paths_give_the_same_logits_for_every_cell_kind() {
    for (cell, seed) in [(CellKind::Lstm, 4), (CellKind::Gru, 5), (CellKind::Rnn, 6)] {
        let m = model(cell, 37, seed);
        let w = m.step_weights();
        let (mut k, mut t) = (Stepper::new(&w, 5), Stepper::new(&w, 5));
        k.set_path(PathChoice::Fixed(StepPath::Kernel));
        t.set_path(PathChoice::Fixed(StepPath::Torch));
        assert_eq!((k.path(), t.path()), (StepPath::Kernel, StepPath::Torch));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for step in 0..8u32 {
            let ids: Vec<u32> = (0..5).map(|r| (r * 3 + step * 5) % VOCAB as u32).collect();
            k.step(&ids, &mut a).unwrap();
            t.step(&ids, &mut b).unwrap();
            assert_eq!(a.len(), 5 * VOCAB);
            let d = max_diff(&a, &b);
            assert!(d < 1e-4, "{cell} step {step}: the paths differ by {d}");
        }
        // The logits are not all alike (a path that wrote zeros would agree with nothing here).
        assert!(a.iter().any(|&x| (x - a[0]).abs() > 1e-3));
    }
}

#[test]
fn a_stream_keeps_its_state_across_a_change_of_path() {
    let m = model(CellKind::Lstm, 37, 7);
    let w = m.step_weights();
    let mut s = Stepper::new(&w, 4);
    let mut reference = Stepper::new(&w, 4);
    reference.set_path(PathChoice::Fixed(StepPath::Kernel));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (step, path) in
        [StepPath::Kernel, StepPath::Torch, StepPath::Torch, StepPath::Kernel, StepPath::Torch].into_iter().enumerate()
    {
        s.set_path(PathChoice::Fixed(path));
        assert_eq!(s.path(), path);
        let ids: Vec<u32> = (0..4).map(|r| (r * 5 + step as u32 * 3) % VOCAB as u32).collect();
        s.step(&ids, &mut a).unwrap();
        reference.step(&ids, &mut b).unwrap();
        assert!(max_diff(&a, &b) < 1e-4, "step {step} on {path:?}");
    }
    // Row state read and written on the libtorch path round-trips.
    let st = s.row_state(2);
    s.reset_row(2);
    assert!(s.row_state(2).h.iter().flatten().all(|&x| x == 0.0));
    s.set_row_state(2, &st);
    assert_eq!(s.row_state(2).h, st.h);
    assert_eq!(s.row_state(2).c, st.c);
}

#[test]
fn ids_outside_the_vocabulary_are_refused_on_either_path() {
    let m = model(CellKind::Gru, 16, 8);
    for path in [StepPath::Kernel, StepPath::Torch] {
        let mut s = m.stepper(2);
        s.set_path(PathChoice::Fixed(path));
        let err = s.step(&[VOCAB as u32, 0], &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains(&VOCAB.to_string()), "{path:?}: {err}");
    }
}

#[test]
fn the_path_switches_at_the_threshold() {
    let m = model(CellKind::Lstm, 16, 9);
    let w = m.step_weights();
    let mut s = Stepper::new(&w, 3);
    s.set_path(PathChoice::From(8));
    assert_eq!(s.path(), StepPath::Kernel);
    s.resize(8);
    assert_eq!(s.path(), StepPath::Torch);
    s.resize(7);
    assert_eq!(s.path(), StepPath::Kernel);
    s.resize(40);
    assert_eq!(s.path(), StepPath::Torch);
    // A pinned path stays whatever the size.
    s.set_path(PathChoice::Fixed(StepPath::Kernel));
    assert_eq!(s.path(), StepPath::Kernel);
    s.resize(3);
    s.set_path(PathChoice::Fixed(StepPath::Torch));
    assert_eq!(s.path(), StepPath::Torch);
}

/// A stepper as every caller makes it (`CharRnn::stepper`, `Stepper::new`) chooses by batch size at
/// the measured crossover, `WIDE_BATCH` (none: the kernel at every size).
#[test]
fn new_steppers_choose_by_the_measured_crossover() {
    let m = model(CellKind::Lstm, 16, 9);
    let w = m.step_weights();
    for batch in [1, 3, 16, 64, 256, 512] {
        let want = match WIDE_BATCH {
            Some(n) if batch >= n => StepPath::Torch,
            _ => StepPath::Kernel,
        };
        assert_eq!(Stepper::new(&w, batch).path(), want, "batch {batch}");
        assert_eq!(m.stepper(batch).path(), want, "batch {batch}");
        assert_eq!(PathChoice::Auto.for_batch(batch), want, "batch {batch}");
        let mut s = Stepper::new(&w, 1);
        s.resize(batch);
        assert_eq!(s.path(), want, "batch {batch} after a resize");
    }
    if let Some(n) = WIDE_BATCH {
        assert_eq!(Stepper::new(&w, n - 1).path(), StepPath::Kernel);
        assert_eq!(Stepper::new(&w, n).path(), StepPath::Torch);
    }
}

/// The `Generator` is what the explorer's engine and `tempest sweep` both build on a stepper: its
/// size decides the path (a stepper's choice follows the resize to the number of streams), and on
/// the libtorch path it produces the kernel's logits after the shared prime (fed through a
/// one-stream fork, on the kernel path, and copied into every row of the wide batch).
#[test]
fn generators_take_the_path_for_their_size_and_agree_with_the_kernel() {
    let m = model(CellKind::Lstm, 24, 10);
    let vocab = Vocab::new((0..VOCAB as u32).map(|i| char::from_u32('a' as u32 + i).unwrap()).collect()).unwrap();
    let prime: Vec<u32> = vec![1, 5, 9, 2, 2, 7];
    for streams in [3, 252] {
        let settings = vec![SamplerSettings::with_temperature(1.0); streams];
        let g = Generator::new(m.stepper(1), vocab.clone(), settings.clone(), 3, false).unwrap();
        assert_eq!(g.stepper().path(), PathChoice::Auto.for_batch(streams), "{streams} streams");
    }
    for (streams, want) in [(3, StepPath::Kernel), (40, StepPath::Torch)] {
        let settings = vec![SamplerSettings::with_temperature(1.0); streams];
        let mut wide = m.stepper(1);
        wide.set_path(PathChoice::From(16));
        let mut g = Generator::new(wide, vocab.clone(), settings.clone(), 3, false).unwrap();
        assert_eq!(g.stepper().path(), want, "{streams} streams");
        let mut pinned = m.stepper(1);
        pinned.set_path(PathChoice::Fixed(StepPath::Kernel));
        let mut k = Generator::new(pinned, vocab.clone(), settings, 3, false).unwrap();
        assert_eq!(k.stepper().path(), StepPath::Kernel);
        g.prime(&prime).unwrap();
        k.prime(&prime).unwrap();
        for step in 0..5u32 {
            let ids: Vec<u32> = (0..streams as u32).map(|r| (r + step * 7) % VOCAB as u32).collect();
            g.feed(&ids).unwrap();
            k.feed(&ids).unwrap();
            for row in [0, streams - 1] {
                let d = max_diff(g.pending_logits(row), k.pending_logits(row));
                assert!(d < 1e-4, "{streams} streams, row {row}, step {step}: {d}");
            }
        }
    }
}

#[test]
fn a_sequence_feed_on_either_path_matches_stepping_and_leaves_other_streams_alone() {
    let m = model(CellKind::Gru, 37, 9);
    let w = m.step_weights();
    let seq: Vec<u32> = (0..300u32).map(|t| (t * 7 + t / 3) % VOCAB as u32).collect();
    let mut by_step = Stepper::new(&w, 1);
    by_step.set_path(PathChoice::Fixed(StepPath::Kernel));
    let mut want = Vec::new();
    for &id in &seq {
        by_step.step(&[id], &mut want).unwrap();
    }
    for path in [StepPath::Kernel, StepPath::Torch] {
        let mut s = Stepper::new(&w, 3);
        s.set_path(PathChoice::Fixed(path));
        let mut scratch = Vec::new();
        s.step(&[1, 2, 3], &mut scratch).unwrap();
        let (row0, row2) = (s.row_state(0), s.row_state(2));
        s.reset_row(1);
        let mut got = Vec::new();
        assert!(s.feed_sequence(1, &seq, &mut got, &mut |_| true).unwrap());
        assert_eq!(s.path(), path);
        let d = max_diff(&got, &want);
        assert!(d < 1e-4, "{path:?}: logits differ from stepping by {d}");
        let (a, b) = (s.row_state(1), by_step.row_state(0));
        for (x, y) in a.h.iter().zip(&b.h) {
            assert!(max_diff(x, y) < 1e-4, "{path:?}: hidden state differs from stepping");
        }
        assert_eq!((s.row_state(0), s.row_state(2)), (row0, row2), "{path:?}: other streams moved");
    }
}
