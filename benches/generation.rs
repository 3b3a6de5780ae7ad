//! Generation benchmarks: one batched model step at batch 1/3/6, and the per-character cost of
//! sampling and analysis. Run with `cargo bench --bench generation` (or `make bench`).
//!
//! Reports medians over repeated rounds, and ratios between figures measured in the same run.

use std::time::Instant;

use tempest::analysis::{LoopDetector, LoopSettings, Metrics, Observation};
use tempest::sampling::{draw, top_n, SamplerSettings, Uniforms};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

/// Median per-step time in µs over `rounds` rounds of `steps` steps, after a warm-up.
fn time_steps(batch: usize, rounds: usize, steps: usize) -> (f64, f64, f64) {
    let ckpt = tempest::assets::load_model(None).expect("bundled model loads");
    let mut stepper = ckpt.model.stepper(batch);
    let mut logits = Vec::new();
    let mut ids = vec![0u32; batch];
    let v = ckpt.vocab.len() as u32;
    for i in 0..200 {
        ids.iter_mut().enumerate().for_each(|(r, id)| *id = (i * 7 + r as u32) % v);
        stepper.step(&ids, &mut logits).unwrap();
    }
    let mut per_round = Vec::new();
    for round in 0..rounds {
        let t = Instant::now();
        for i in 0..steps {
            ids.iter_mut().enumerate().for_each(|(r, id)| *id = ((round * steps + i) as u32 * 13 + r as u32) % v);
            stepper.step(&ids, &mut logits).unwrap();
        }
        per_round.push(t.elapsed().as_secs_f64() * 1e6 / steps as f64);
    }
    let (lo, hi) = (per_round.iter().cloned().fold(f64::MAX, f64::min), per_round.iter().cloned().fold(0.0, f64::max));
    (median(per_round), lo, hi)
}

fn bench_sampling(rounds: usize, chars: usize) -> f64 {
    let ckpt = tempest::assets::load_model(None).expect("bundled model loads");
    // Real logits from the model, so the distributions have a realistic shape.
    let mut stepper = ckpt.model.stepper(1);
    let mut rows = Vec::new();
    let mut logits = Vec::new();
    let text = ckpt.vocab.encode("KING HENRY:\nI will not see the sea, and so the sea, and so", Default::default()).unwrap();
    for &id in &text {
        stepper.step(&[id], &mut logits).unwrap();
        rows.push(logits.clone());
    }
    let settings = SamplerSettings { temperature: 0.8, top_k: 40, top_p: 0.95, repeat_penalty: 1.1, ..Default::default() };
    let mut per_round = Vec::new();
    let (mut scratch, mut probs, mut u) = (Vec::new(), Vec::new(), Vec::new());
    let mut uniforms = Uniforms::new(1, 1);
    let mut recent: Vec<u32> = Vec::new();
    let mut p1 = Vec::new();
    for _ in 0..rounds {
        let mut det = LoopDetector::new(LoopSettings::default());
        let mut metrics = Metrics::new(256);
        let t = Instant::now();
        for i in 0..chars {
            let z = &rows[i % rows.len()];
            settings.distribution(z, &recent, &mut scratch, &mut probs);
            uniforms.next(false, &mut u);
            let id = draw(&probs, u[0]);
            tempest::sampling::softmax_t(z, 1.0, &mut p1);
            let top = top_n(&probs, 20);
            let entropy = tempest::sampling::entropy_bits(&probs);
            let ch = ckpt.vocab.char(id);
            det.push(ch);
            metrics.push(Observation { ch, surprisal_bits: -probs[id as usize].log2(), entropy_bits: entropy });
            std::hint::black_box((top, metrics.summary()));
            recent.push(id);
            if recent.len() > 1024 {
                recent.drain(..512);
            }
        }
        per_round.push(t.elapsed().as_secs_f64() * 1e6 / chars as f64);
    }
    median(per_round)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (rounds, steps) = if quick { (5, 100) } else { (15, 400) };
    println!("generation step, bundled model, {} libtorch threads", tch::get_num_threads());
    let mut results = Vec::new();
    for batch in [1usize, 3, 6] {
        let (med, lo, hi) = time_steps(batch, rounds, steps);
        println!("  batch {batch}: median {:.0} µs/step (min {lo:.0}, max {hi:.0}) = {:.0} chars/s across panes", med, batch as f64 * 1e6 / med);
        results.push(med);
    }
    println!("  batch 3 / batch 1 = {:.2}x", results[1] / results[0]);
    let per_char = bench_sampling(rounds, if quick { 5_000 } else { 50_000 });
    println!("sampling + analysis per pane per character: median {per_char:.2} µs");
}
