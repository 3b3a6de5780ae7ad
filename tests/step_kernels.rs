//! The step kernels at sizes the other step tests do not reach: hidden sizes that are not a
//! multiple of the 16-float block (padding), batches above the kernel's group of four streams, and
//! every kernel this CPU has (AVX-512, AVX2+FMA, portable) with one and two threads. All must agree
//! with libtorch's sequence forward, one and two threads bit for bit, and each step must report
//! that the kernel asked for is the one that ran.

mod common;

use common::Rng;
use tch::{Kind, Tensor};
use tempest_core::model::{CellKind, CharRnn, Kernel, ModelSpec};

fn model(cell: CellKind, hidden: i64, seed: u64) -> CharRnn {
    let spec = ModelSpec { cell, layers: 2, hidden, embed: 7, vocab: 23, dropout: 0.0 };
    common::seeded_model(spec, seed, 0.4)
}

/// The kernels this machine must be able to run, from the CPU's own feature flags: a build that
/// silently fell back to a narrower kernel fails here.
fn expected_kernels() -> Vec<Kernel> {
    let mut want = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            want.push(Kernel::Avx512);
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            want.push(Kernel::Avx2);
        }
    }
    want.push(Kernel::Portable);
    want
}

#[test]
fn every_kernel_the_cpu_has_is_available_and_the_default_is_the_widest() {
    let want = expected_kernels();
    assert_eq!(Kernel::available(), want);
    assert_eq!(Kernel::best(), want[0]);
    let m = model(CellKind::Lstm, 16, 1);
    let mut s = m.stepper(1);
    assert_eq!(s.kernel(), want[0]);
    assert_eq!(s.last_kernel(), None, "nothing has run yet");
    s.step(&[3], &mut Vec::new()).unwrap();
    assert_eq!(s.last_kernel(), Some(want[0]));
    for k in Kernel::ALL {
        assert_eq!(s.set_kernel(k).is_ok(), want.contains(&k), "{k}");
    }
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
            let weights = m.step_weights();
            for kernel in expected_kernels() {
                let mut outs: Vec<Vec<f32>> = Vec::new();
                for threads in [1, 2] {
                    let mut s = tempest_core::model::Stepper::new(&weights, batch);
                    // The kernel whatever the batch size would choose (tests/step_paths.rs has the other path).
                    s.set_path(tempest_core::model::PathChoice::Fixed(tempest_core::model::StepPath::Kernel));
                    s.set_threads(threads);
                    assert_eq!(s.threads(), threads);
                    s.set_kernel(kernel).unwrap();
                    let mut all = Vec::new();
                    let mut logits = Vec::new();
                    for t in 0..len {
                        let ids: Vec<u32> = seqs.iter().map(|q| q[t] as u32).collect();
                        s.step(&ids, &mut logits).unwrap();
                        assert_eq!(s.last_kernel(), Some(kernel), "{cell} hidden {hidden}: the kernel that ran");
                        for row in 0..batch {
                            let got = &logits[row * 23..(row + 1) * 23];
                            let w = &want[(row * len + t) * 23..][..23];
                            let d = got.iter().zip(w).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
                            assert!(
                                d < 1e-4,
                                "{cell} hidden {hidden} kernel {kernel} threads {threads}: row {row} t {t}: {d}"
                            );
                        }
                        all.extend_from_slice(&logits);
                    }
                    outs.push(all);
                }
                assert_eq!(outs[0], outs[1], "{cell} hidden {hidden} kernel {kernel}: one and two threads differ");
            }
        }
    }
}
