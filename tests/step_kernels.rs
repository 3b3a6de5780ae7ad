//! The step kernels at sizes the other step tests do not reach: hidden sizes that are not a
//! multiple of the 16-float block (padding), batches above the kernel's group of four streams, and
//! every kernel (AVX-512, AVX2+FMA, portable) with one and two threads. All must agree with the
//! sequence forward, and one and two threads bit for bit.
//!
//! One test in this file on purpose: it sets `TEMPEST_KERNEL`, which steppers read when made.

mod common;

use common::Rng;
use tch::{Kind, Tensor};
use tempest_core::model::{CellKind, CharRnn, ModelSpec};

fn model(cell: CellKind, hidden: i64, seed: u64) -> CharRnn {
    let spec = ModelSpec { cell, layers: 2, hidden, embed: 7, vocab: 23, dropout: 0.0 };
    common::seeded_model(spec, seed, 0.4)
}

#[test]
fn every_kernel_and_thread_count_matches_the_sequence_forward() {
    let batch = 6;
    let len = 12;
    for (cell, seed) in [(CellKind::Lstm, 1), (CellKind::Gru, 2), (CellKind::Rnn, 3)] {
        for hidden in [37i64, 64] {
            let m = model(cell, hidden, seed + hidden as u64);
            let mut rng = Rng::new(seed * 100 + hidden as u64);
            let seqs: Vec<Vec<i64>> = (0..batch).map(|_| (0..len).map(|_| rng.range(0, 22) as i64).collect()).collect();
            let flat: Vec<i64> = seqs.iter().flatten().copied().collect();
            let x = Tensor::from_slice(&flat).reshape([batch as i64, len as i64]);
            let (want, _) = tch::no_grad(|| m.forward(&x, &m.zero_state(batch as i64), false));
            let want = Vec::<f32>::try_from(want.to_kind(Kind::Float).flatten(0, -1)).unwrap();
            for kernel in ["", "avx2", "portable"] {
                std::env::set_var("TEMPEST_KERNEL", kernel);
                let mut outs: Vec<Vec<f32>> = Vec::new();
                for threads in [1, 2] {
                    let mut s = m.stepper(batch);
                    s.set_threads(threads);
                    assert_eq!(s.threads(), threads);
                    let mut all = Vec::new();
                    let mut logits = Vec::new();
                    for t in 0..len {
                        let ids: Vec<u32> = seqs.iter().map(|q| q[t] as u32).collect();
                        s.step(&ids, &mut logits).unwrap();
                        for row in 0..batch {
                            let got = &logits[row * 23..(row + 1) * 23];
                            let w = &want[(row * len + t) * 23..][..23];
                            let d = got.iter().zip(w).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                            assert!(
                                d < 1e-4,
                                "{cell} hidden {hidden} kernel {kernel:?} threads {threads}: row {row} t {t}: {d}"
                            );
                        }
                        all.extend_from_slice(&logits);
                    }
                    outs.push(all);
                }
                assert_eq!(outs[0], outs[1], "{cell} hidden {hidden} kernel {kernel:?}: one and two threads differ");
            }
            std::env::remove_var("TEMPEST_KERNEL");
        }
    }
}
