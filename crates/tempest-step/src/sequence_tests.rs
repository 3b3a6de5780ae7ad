//! [`Stepper::feed_sequence`] against stepping the same characters one at a time.

use std::sync::Arc;

use crate::tests::weights;
use crate::{Cell, Kernel, RowState, StepError, StepWeights, Stepper, SEQ_CHUNK};

fn ids(len: usize, vocab: usize, seed: usize) -> Vec<u32> {
    (0..len).map(|t| ((t * 7 + seed * 3 + t / 5) % vocab) as u32).collect()
}

fn close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= 1e-4, "{what}[{i}]: sequence {x} vs stepwise {y}");
    }
}

fn same_state(a: &RowState, b: &RowState, what: &str) {
    assert_eq!(a.h.len(), b.h.len());
    assert_eq!(a.c.len(), b.c.len());
    for (l, (x, y)) in a.h.iter().zip(&b.h).enumerate() {
        close(x, y, &format!("{what} h layer {l}"));
    }
    for (l, (x, y)) in a.c.iter().zip(&b.c).enumerate() {
        close(x, y, &format!("{what} c layer {l}"));
    }
}

/// Feeds `seq` to row 1 of a three-stream stepper, starting after `before` stepped characters,
/// and checks row 1 against stepping and rows 0 and 2 against being left alone.
fn check(cell: Cell, layers: usize, hidden: usize, before: usize, len: usize, kernel: Kernel) {
    let what = format!("{cell:?} ×{layers} h{hidden} +{before} len {len} {kernel}");
    let w = Arc::new(StepWeights::new(&weights(cell, layers, hidden, 6, 11, 3)).unwrap());
    let (head, seq) = (ids(before, 11, 1), ids(len, 11, 2));
    let mut by_step = Stepper::single(Arc::clone(&w), 1);
    let mut by_seq = Stepper::single(w, 3);
    by_step.set_kernel(kernel).unwrap();
    by_seq.set_kernel(kernel).unwrap();
    let (mut want, mut got, mut side) = (Vec::new(), Vec::new(), Vec::new());
    for &id in &head {
        by_step.step(&[id], &mut want).unwrap();
        by_seq.step(&[(id + 1) % 11, id, (id + 2) % 11], &mut side).unwrap();
    }
    let others = [by_seq.row_state(0), by_seq.row_state(2)];
    for &id in &seq {
        by_step.step(&[id], &mut want).unwrap();
    }
    let mut asked = Vec::new();
    let fed = by_seq
        .feed_sequence(1, &seq, &mut got, &mut |done| {
            asked.push(done);
            true
        })
        .unwrap();
    assert!(fed, "{what}: never abandoned");
    let chunks = len.div_ceil(SEQ_CHUNK);
    assert_eq!(asked, (1..chunks.max(1)).map(|k| k * SEQ_CHUNK).collect::<Vec<_>>(), "{what}: progress");
    same_state(&by_seq.row_state(1), &by_step.row_state(0), &what);
    close(&got, &want[..11], &format!("{what} logits"));
    assert_eq!([by_seq.row_state(0), by_seq.row_state(2)], others, "{what}: the other streams moved");
}

#[test]
fn sequence_feed_matches_stepping_for_every_cell_depth_and_length() {
    let lens: &[usize] = if cfg!(miri) {
        &[1, 2, SEQ_CHUNK + 1]
    } else {
        &[1, 2, SEQ_CHUNK - 1, SEQ_CHUNK, SEQ_CHUNK + 1, 3 * SEQ_CHUNK + 17]
    };
    let depths: &[usize] = if cfg!(miri) { &[2] } else { &[1, 2, 3] };
    for cell in [Cell::Lstm, Cell::Gru, Cell::Rnn] {
        for &layers in depths {
            for &len in lens {
                // Under Miri a chunk boundary costs minutes: one cell crosses it, the rest stay short.
                if cfg!(miri) && len > SEQ_CHUNK && cell != Cell::Lstm {
                    continue;
                }
                for kernel in Kernel::available() {
                    check(cell, layers, 5, 0, len, kernel);
                }
            }
        }
    }
}

#[test]
fn sequence_feed_continues_from_a_stepped_state_with_padded_widths() {
    // 37 hidden units: rows padded, and the kernel's four-row blocks end part-way.
    let (len, hidden) = if cfg!(miri) { (3, 5) } else { (SEQ_CHUNK + 9, 37) };
    for cell in [Cell::Lstm, Cell::Gru, Cell::Rnn] {
        check(cell, 2, hidden, 4, len, Kernel::Portable);
        check(cell, 2, hidden, 4, len, Kernel::best());
    }
}

#[test]
fn abandoning_a_sequence_feed_leaves_the_stream_as_it_was() {
    let w = Arc::new(StepWeights::new(&weights(Cell::Lstm, 2, 5, 6, 11, 4)).unwrap());
    let mut st = Stepper::single(w, 2);
    let mut logits = Vec::new();
    st.step(&[3, 4], &mut logits).unwrap();
    let before = [st.row_state(0), st.row_state(1)];
    let seq = ids(2 * SEQ_CHUNK + 1, 11, 5);
    let mut asked = Vec::new();
    let fed = st
        .feed_sequence(0, &seq, &mut logits, &mut |done| {
            asked.push(done);
            done < 2 * SEQ_CHUNK
        })
        .unwrap();
    assert!(!fed, "abandoned at the second question");
    assert_eq!(asked, vec![SEQ_CHUNK, 2 * SEQ_CHUNK]);
    assert_eq!([st.row_state(0), st.row_state(1)], before);
}

#[test]
fn a_sequence_with_an_unknown_id_is_refused_before_any_work() {
    let w = Arc::new(StepWeights::new(&weights(Cell::Gru, 1, 5, 6, 11, 6)).unwrap());
    let mut st = Stepper::single(w, 1);
    let before = st.row_state(0);
    let mut logits = vec![1.0; 3];
    let err = st.feed_sequence(0, &[1, 2, 11, 3], &mut logits, &mut |_| true).unwrap_err();
    assert_eq!(err, StepError::IdOutOfVocab { id: 11, vocab: 11 });
    assert_eq!(st.row_state(0), before);
    assert_eq!(logits, vec![1.0; 3], "logits untouched");
    assert!(st.feed_sequence(0, &[], &mut logits, &mut |_| panic!("no chunks to ask about")).unwrap());
    assert_eq!(logits, vec![1.0; 3], "an empty sequence writes no logits");
}

#[test]
fn a_sequence_fed_on_two_threads_is_bit_for_bit_the_one_thread_feed() {
    // 37 hidden units: the unit split ends part-way through the kernel's four-row blocks, and the
    // head's 11 rows split unevenly too. Under Miri the helper thread's hand-offs are checked on a
    // short sequence.
    let (len, hidden) = if cfg!(miri) { (3, 5) } else { (2 * SEQ_CHUNK + 9, 37) };
    for cell in [Cell::Lstm, Cell::Gru, Cell::Rnn] {
        let w = Arc::new(StepWeights::new(&weights(cell, 2, hidden, 6, 11, 7)).unwrap());
        let seq = ids(len, 11, 3);
        for kernel in Kernel::available() {
            let what = format!("{cell:?} h{hidden} len {len} {kernel}");
            let run = |threads: usize| {
                let mut st = Stepper::single(Arc::clone(&w), 2);
                st.set_kernel(kernel).unwrap();
                st.set_threads(threads);
                assert_eq!(st.threads(), threads.min(2), "{what}: the helper started");
                let mut logits = Vec::new();
                // From a stepped state, so the feed starts from something other than zeros.
                st.step(&[4, 9], &mut logits).unwrap();
                let mut chunks = 0;
                assert!(st
                    .feed_sequence(1, &seq, &mut logits, &mut |_| {
                        chunks += 1;
                        true
                    })
                    .unwrap());
                (st.row_state(0), st.row_state(1), logits, chunks)
            };
            let (one, two) = (run(1), run(2));
            assert_eq!(one, two, "{what}: two threads differ from one");
        }
    }
}
