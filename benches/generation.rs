//! Generation benchmarks (README "Performance"), on the bundled model:
//!
//! 1. one batched model step at batch 1, 3 and 6 with tempest's `Stepper`, beside the previous
//!    `Stepper` (libtorch `addmm` cells, kept below for comparison) at 1 and 2 libtorch threads,
//!    and PyTorch's `nn.LSTM` and `nn.LSTMCell` stepping the same shape, measured in this run when
//!    a Python with torch is found (`$TEMPEST_PYTHON`, else `python3`);
//! 2. the per-pane, per-character work around the model: the sampler chain, drawing, the numbers
//!    kept with each character (the logits tempered and settings, rank, entropy, p at T = 1), the engine's
//!    branch history, and the app's loop detector and metrics — the same calls the explorer makes;
//! 3. wide batches (1 to 512 streams, a sweep's regime): model-step chars/s for the path the
//!    `Stepper` chooses, the plain-Rust kernel and the libtorch path each pinned, and PyTorch eager
//!    (`LSTMCell` per layer) on the same weights, in the same run;
//! 4. the loop detectors per character.
//!
//! `cargo bench --bench generation` (add `-- --quick` for a short smoke run, `-- --only
//! step|wide|chars|loops` for one part, `-- --only wide --batches 64,256` for some batch sizes). Times are medians
//! of rounds (min and max beside them); "cpu" is the time the thread actually ran, which stays
//! honest when other processes share the machine and the wall times do not.

mod common;

use std::time::Instant;

use common::{machine, quick, run_python, thread_cpu_ns, torch_python, Stats};
use tempest::explorer::app::PaneState;
use tempest::explorer::worker::history::{PaneHistory, Snapshot, SNAPSHOT_EVERY};
use tempest_core::analysis::LoopSettings;
use tempest_core::generate::Generator;
use tempest_core::model::CharRnn;
use tempest_core::sampling::SamplerSettings;

/// Wall and CPU µs per step over `rounds` rounds of `steps` steps, after a warm-up.
fn time_steps(
    batch: usize,
    vocab: usize,
    rounds: usize,
    steps: usize,
    mut step: impl FnMut(&[u32], &mut Vec<f32>),
) -> (Stats, Stats) {
    let mut logits = Vec::new();
    let mut ids = vec![0u32; batch];
    let v = vocab as u32;
    for i in 0..100 {
        ids.iter_mut().enumerate().for_each(|(r, id)| *id = (i * 7 + r as u32) % v);
        step(&ids, &mut logits);
    }
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let c0 = thread_cpu_ns();
        let t = Instant::now();
        for i in 0..steps {
            ids.iter_mut().enumerate().for_each(|(r, id)| *id = ((round * steps + i) as u32 * 13 + r as u32 * 5) % v);
            step(&ids, &mut logits);
        }
        wall.push(t.elapsed().as_secs_f64() * 1e6 / steps as f64);
        if let (Some(a), Some(b)) = (c0, thread_cpu_ns()) {
            cpu.push((b - a) as f64 / 1e3 / steps as f64);
        }
    }
    std::hint::black_box(&logits);
    (Stats::of(&wall), Stats::of(if cpu.is_empty() { &wall } else { &cpu }))
}

/// The `Stepper` as it was before the performance work (commit b6a0fa3): libtorch `addmm` on
/// pre-transposed weights, `[x, h] @ W_catᵀ` for layer 1, gates by hand, LSTM only. Kept to show
/// the before/after in one run.
mod previous {
    use tch::{Kind, Tensor};
    use tempest_core::model::CharRnn;

    pub struct Stepper {
        table0: Tensor,
        w_hh0: Tensor,
        layers: Vec<(Tensor, Tensor)>,
        head_wt: Tensor,
        head_b: Tensor,
        h: Vec<Tensor>,
        c: Vec<Tensor>,
        batch: usize,
        vocab: usize,
    }

    impl Stepper {
        pub fn new(model: &CharRnn, batch: usize) -> Self {
            let _g = tch::no_grad_guard();
            let spec = *model.spec();
            let t: std::collections::HashMap<String, Tensor> = model.named_tensors().into_iter().collect();
            let get = |n: &str| t[n].detach();
            let b0 = get("rnn.bias_ih_l0") + get("rnn.bias_hh_l0");
            let table0 = get("embed.weight").matmul(&get("rnn.weight_ih_l0").tr()) + &b0;
            let mut layers = Vec::new();
            for l in 1..spec.layers {
                let (wi, wh) = (get(&format!("rnn.weight_ih_l{l}")), get(&format!("rnn.weight_hh_l{l}")));
                let b = get(&format!("rnn.bias_ih_l{l}")) + get(&format!("rnn.bias_hh_l{l}"));
                layers.push((Tensor::cat(&[wi, wh], 1).tr().contiguous(), b));
            }
            let z = || Tensor::zeros([batch as i64, spec.hidden], (Kind::Float, tch::Device::Cpu));
            Stepper {
                table0,
                w_hh0: get("rnn.weight_hh_l0").tr().contiguous(),
                layers,
                head_wt: get("head.weight").tr().contiguous(),
                head_b: get("head.bias").copy(),
                h: (0..spec.layers).map(|_| z()).collect(),
                c: (0..spec.layers).map(|_| z()).collect(),
                batch,
                vocab: spec.vocab as usize,
            }
        }

        pub fn step(&mut self, ids: &[u32], logits: &mut Vec<f32>) {
            let _g = tch::no_grad_guard();
            let idx: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
            let idx = Tensor::from_slice(&idx);
            let mut x = self.table0.index_select(0, &idx);
            for l in 0..self.h.len() {
                let h = &self.h[l];
                let gates = if l == 0 {
                    x.addmm(h, &self.w_hh0)
                } else {
                    self.layers[l - 1].1.addmm(&Tensor::cat(&[&x, h], 1), &self.layers[l - 1].0)
                };
                let ch = gates.chunk(4, 1);
                let (i, f, g, o) = (ch[0].sigmoid(), ch[1].sigmoid(), ch[2].tanh(), ch[3].sigmoid());
                let c = f * &self.c[l] + i * g;
                let h = o * c.tanh();
                self.c[l] = c;
                x = h.shallow_clone();
                self.h[l] = h;
            }
            let out = self.head_b.addmm(&x, &self.head_wt);
            let n = self.batch * self.vocab;
            logits.resize(n, 0.0);
            out.copy_data(logits, n);
        }
    }
}

const PYTORCH_STEP: &str = r#"
import json, sys, time
import torch
import torch.nn as nn

cfg = json.loads(sys.argv[1])
V, E, H, L = cfg["vocab"], cfg["embed"], cfg["hidden"], cfg["layers"]
out = {"version": torch.__version__, "results": []}
torch.manual_seed(0)
emb, lstm, head = nn.Embedding(V, E), nn.LSTM(E, H, L), nn.Linear(H, V)
cells = [nn.LSTMCell(E if l == 0 else H, H) for l in range(L)]

def measure(step, b):
    ids = torch.randint(0, V, (cfg["warmup"] + cfg["rounds"] * cfg["steps"], b))
    k = 0
    for _ in range(cfg["warmup"]):
        step(ids[k]); k += 1
    rounds = []
    for _ in range(cfg["rounds"]):
        t0 = time.perf_counter()
        for _ in range(cfg["steps"]):
            step(ids[k]); k += 1
        rounds.append((time.perf_counter() - t0) * 1e6 / cfg["steps"])
    return rounds

with torch.no_grad():
    for threads in cfg["threads"]:
        torch.set_num_threads(threads)
        for b in cfg["batches"]:
            st = [torch.zeros(L, b, H), torch.zeros(L, b, H)]
            def lstm_step(x):
                y, (h, c) = lstm(emb(x)[None], (st[0], st[1]))
                st[0], st[1] = h, c
                return head(y[0])
            hc = [(torch.zeros(b, H), torch.zeros(b, H)) for _ in range(L)]
            def cell_step(x):
                x = emb(x)
                for l in range(L):
                    hc[l] = cells[l](x, hc[l])
                    x = hc[l][0]
                return head(x)
            out["results"].append({"what": "nn.LSTM", "threads": threads, "batch": b, "rounds": measure(lstm_step, b)})
            out["results"].append({"what": "nn.LSTMCell", "threads": threads, "batch": b, "rounds": measure(cell_step, b)})
print(json.dumps(out))
"#;

fn bench_step(model: &CharRnn, vocab: usize, rounds: usize, steps: usize) {
    let spec = *model.spec();
    println!("\n[1] one generation step, all panes as one batch (bundled model: {}-layer {}, hidden {}, embedding {}, vocabulary {})",
        spec.layers, spec.cell.name().to_uppercase(), spec.hidden, spec.embed, spec.vocab);
    let probe = model.stepper(1);
    let default_threads = probe.threads();
    println!(
        "    tempest Stepper: {} kernel, {} thread(s) by default on this machine; {} rounds x {} steps per figure",
        probe.kernel().name(),
        default_threads,
        rounds,
        steps
    );
    let mut ours = Vec::new();
    for threads in [default_threads, 3 - default_threads] {
        for batch in [1usize, 3, 6] {
            let mut s = model.stepper(batch);
            s.set_threads(threads);
            let (wall, cpu) = time_steps(batch, vocab, rounds, steps, |ids, out| s.step(ids, out).unwrap());
            println!(
                "    tempest, {threads} thread{} batch {batch}: {}  = {:>6.0} chars/s across panes; cpu (calling thread) {:.0} µs",
                if threads == 1 { ", " } else { "s," },
                wall.show(0, "µs/step"),
                batch as f64 * 1e6 / wall.median,
                cpu.median
            );
            ours.push((threads, batch, wall.median));
        }
    }
    let find = |t: usize, b: usize| ours.iter().find(|o| o.0 == t && o.1 == b).map(|o| o.2).unwrap_or(f64::NAN);
    let (b1, b3) = (find(default_threads, 1), find(default_threads, 3));
    println!("    tempest ({default_threads} thread(s)) batch 3 / batch 1 = {:.2}x", b3 / b1);
    if default_threads == 2 {
        println!("    2 threads vs 1: batch 1 {:.2}x, batch 3 {:.2}x faster", find(1, 1) / b1, find(1, 3) / b3);
    }

    let torch_threads = tch::get_num_threads();
    for threads in [1, 2] {
        tch::set_num_threads(threads);
        for batch in [1usize, 3] {
            let mut s = previous::Stepper::new(model, batch);
            let (wall, cpu) = time_steps(batch, vocab, rounds, steps, |ids, out| s.step(ids, out));
            println!(
                "    previous (tch addmm), {threads} thread{} batch {batch}: {}; cpu {:.0} µs; tempest is {:.1}x faster",
                if threads == 1 { ", " } else { "s," },
                wall.show(0, "µs/step"),
                cpu.median,
                wall.median / if batch == 1 { b1 } else { b3 }
            );
        }
    }
    tch::set_num_threads(torch_threads);

    match torch_python() {
        Err(why) => println!("    PyTorch reference: not measured ({why})"),
        Ok(py) => {
            let cfg = serde_json::json!({
                "vocab": spec.vocab, "embed": spec.embed, "hidden": spec.hidden, "layers": spec.layers,
                "threads": [1, 2], "batches": [1, 3], "warmup": 50, "rounds": rounds, "steps": (steps / 4).max(20),
            });
            match run_python(&py, PYTORCH_STEP, &cfg.to_string()) {
                Err(e) => println!("    PyTorch reference: failed: {e}"),
                Ok(text) => {
                    let v: serde_json::Value =
                        serde_json::from_str(text.lines().last().unwrap_or("")).unwrap_or_default();
                    println!(
                        "    PyTorch {} ({py}), same shape, random weights, no_grad:",
                        v["version"].as_str().unwrap_or("?")
                    );
                    for r in v["results"].as_array().into_iter().flatten() {
                        let rounds: Vec<f64> =
                            r["rounds"].as_array().into_iter().flatten().filter_map(|x| x.as_f64()).collect();
                        let batch = r["batch"].as_u64().unwrap_or(0) as usize;
                        let st = Stats::of(&rounds);
                        let ours = if batch == 1 { b1 } else { b3 };
                        println!(
                            "      {:<12} {} thread{}, batch {batch}: {}; tempest is {:.1}x faster",
                            r["what"].as_str().unwrap_or("?"),
                            r["threads"],
                            if r["threads"] == 1 { " " } else { "s" },
                            st.show(0, "µs/step"),
                            st.median / ours
                        );
                    }
                }
            }
        }
    }
    let met = b3 <= 500.0 && b3 / b1 <= 1.5;
    println!(
        "    target: batch 3 <= 500 µs/step (>= 6,000 chars/s) and batch 3 <= 1.5x batch 1: {} ({:.0} µs, {:.0} chars/s, {:.2}x)",
        if met { "met" } else { "NOT met" },
        b3,
        3e6 / b3,
        b3 / b1
    );
}

/// Per pane per character: what the engine does for each drawn character besides the model step
/// (`Generator::sample_each` building each `Drawn`, the branch history, as `Session::step` does), and what the
/// app does when it arrives (`PaneState::push`: loop detector, metrics, history), plus reading the
/// title's numbers. The model step is outside the timed region.
fn bench_per_char(model: &CharRnn, ckpt_vocab: &tempest_core::model::Vocab, rounds: usize, steps: usize) {
    let settings = vec![
        SamplerSettings::with_temperature(0.2),
        SamplerSettings::with_temperature(0.8),
        // The full chain, so its cost is in the figure too.
        SamplerSettings {
            temperature: 1.5,
            top_k: 40,
            top_p: 0.95,
            min_p: 0.02,
            repeat_penalty: 1.1,
            repeat_window: 64,
        },
    ];
    let panes = settings.len();
    let mut gen = Generator::new(model.stepper(panes), ckpt_vocab.clone(), settings.clone(), 7, false).unwrap();
    gen.prime(&ckpt_vocab.encode("KING HENRY:\n", Default::default()).unwrap()).unwrap();
    let start = Snapshot { pos: 0, state: gen.row_state(0), logits: gen.pending_logits(0).to_vec() };
    let mut histories: Vec<PaneHistory> =
        (0..panes).map(|_| PaneHistory::new(start.clone(), 10_000, SNAPSHOT_EVERY)).collect();
    let mut app_panes: Vec<PaneState> =
        settings.iter().map(|s| PaneState::new(*s, 10_000, LoopSettings::default(), 256)).collect();
    let mut ids = vec![0u32; panes];
    let mut per_round = Vec::new();
    // Every step's own time too: on a shared machine a round's mean also counts the time the
    // process was descheduled, while most single steps run undisturbed.
    let mut per_step = Vec::with_capacity(rounds * steps);
    for _ in 0..rounds {
        let mut ns = 0u128;
        for _ in 0..steps {
            let t = Instant::now();
            // -- Session::step, minus the model step (`gen.accept`, below) --
            let mut chars = Vec::with_capacity(panes);
            let mut logits = Vec::with_capacity(panes);
            gen.sample_each(|_, d, z| {
                chars.push(d);
                logits.push(z.to_vec());
            });
            for (pane, c) in chars.iter().enumerate() {
                ids[pane] = c.id;
                let g = &gen;
                histories[pane].push(c.id, |pos| Snapshot {
                    pos,
                    state: g.row_state(pane),
                    logits: g.pending_logits(pane).to_vec(),
                });
            }
            // -- the app receiving them --
            for (p, c) in app_panes.iter_mut().zip(chars) {
                p.push(c);
                std::hint::black_box((p.summary(), p.current_loop()));
            }
            let _ = std::hint::black_box(logits);
            let step_ns = t.elapsed().as_nanos();
            ns += step_ns;
            per_step.push(step_ns as f64 / 1e3 / panes as f64);
            gen.accept(&ids).unwrap();
        }
        per_round.push(ns as f64 / 1e3 / (steps * panes) as f64);
    }
    let st = Stats::of(&per_round);
    println!("\n[2] sampling and analysis per pane per character (3 panes: T 0.2, T 0.8, T 1.5 with top-k/top-p/min-p/repetition penalty; {rounds} rounds x {steps} steps)");
    println!(
        "    {} (the model step between characters is not timed, but it evicts the caches, as in the explorer)",
        st.show(2, "µs")
    );
    let one = Stats::of(&per_step);
    println!(
        "    per single step: {}; p90 {:.2} µs, p99 {:.2} µs",
        one.show(2, "µs"),
        Stats::quantile(&per_step, 0.9),
        Stats::quantile(&per_step, 0.99)
    );
    println!(
        "    target <= 20 µs: {} (median of round means), {} (median step)",
        if st.median <= 20.0 { "met" } else { "NOT met" },
        if one.median <= 20.0 { "met" } else { "NOT met" }
    );
}

/// PyTorch eager on the bundled model's own weights (read from the safetensors file with the
/// standard library, so no package beyond torch is needed): `nn.Embedding`, one `nn.LSTMCell`
/// (or `GRUCell`/`RNNCell`) per layer and `nn.Linear`, under `no_grad`, at one batch size. It also
/// returns the logits after a fixed id sequence, so the run can show the weights are the same.
const PYTORCH_WIDE: &str = r#"
import json, struct, sys, time
import torch
import torch.nn as nn

cfg = json.loads(sys.argv[1])
torch.set_num_threads(cfg["threads"])
with open(cfg["model"], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
w = {}
for k, v in header.items():
    if k == "__metadata__":
        continue
    assert v["dtype"] == "F32", v["dtype"]
    a, b = v["data_offsets"]
    w[k] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(v["shape"])
kind, L = cfg["cell"], cfg["layers"]
V, E = w["embed.weight"].shape
H = w["rnn.weight_hh_l0"].shape[1]
Cell = {"lstm": nn.LSTMCell, "gru": nn.GRUCell, "rnn": nn.RNNCell}[kind]
emb = nn.Embedding(V, E); emb.weight.data.copy_(w["embed.weight"])
cells = []
for l in range(L):
    c = Cell(E if l == 0 else H, H)
    for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(c, p).data.copy_(w[f"rnn.{p}_l{l}"])
    cells.append(c)
head = nn.Linear(H, V); head.weight.data.copy_(w["head.weight"]); head.bias.data.copy_(w["head.bias"])

def zero(b):
    z = lambda: torch.zeros(b, H)
    return [(z(), z()) if kind == "lstm" else z() for _ in range(L)]

def step(x, st):
    x = emb(x)
    for l in range(L):
        st[l] = cells[l](x, st[l])
        x = st[l][0] if kind == "lstm" else st[l]
    return head(x)

out = {"version": torch.__version__, "threads": torch.get_num_threads()}
with torch.no_grad():
    st = zero(len(cfg["check"][0]))
    for ids in cfg["check"]:
        y = step(torch.tensor(ids), st)
    out["check"] = y.flatten().tolist()
    b, steps = cfg["batch"], cfg["steps"]
    ids = torch.randint(0, V, (cfg["warmup"] + cfg["rounds"] * steps, b))
    st, k, rounds = zero(b), 0, []
    for _ in range(cfg["warmup"]):
        step(ids[k], st); k += 1
    for _ in range(cfg["rounds"]):
        t0 = time.perf_counter()
        for _ in range(steps):
            step(ids[k], st); k += 1
        rounds.append((time.perf_counter() - t0) * 1e6 / steps)
    out["rounds"] = rounds
print(json.dumps(out))
"#;

/// Wide batches (a sweep's hundreds of streams), item 3 of the README's performance section:
/// model-step chars/s at each batch size for the path tempest's `Stepper` chooses, the plain-Rust
/// kernel and the libtorch path pinned, and PyTorch eager on the same weights with the same
/// number of threads. Each batch size runs all four back to back, so a change of machine load
/// lands on all of them alike; the ratios are within this run.
fn bench_wide(model: &CharRnn, vocab: usize, quick: bool) {
    use tempest_core::model::{PathChoice, StepPath, Stepper, WIDE_BATCH};
    // `--batches 64,256` measures only those sizes.
    let batches: Vec<usize> = common::arg("--batches")
        .map(|s| s.split(',').filter_map(|b| b.trim().parse().ok()).filter(|&b| b > 0).collect())
        .unwrap_or_else(|| vec![1, 3, 16, 64, 256, 512]);
    let rounds = if quick { 3 } else { 5 };
    // Each round is a few hundred milliseconds at every batch size.
    let steps_for = |b: usize| ((if quick { 2000 } else { 8000 }) / b).clamp(8, 400);
    let threads = tch::get_num_threads().max(1) as usize;
    let weights = model.step_weights();
    let spec = *model.spec();
    println!(
        "\n[3] wide batches: model-step chars/s (embedding, cells and logits; no sampling), median of {rounds} rounds; \
         the Stepper takes libtorch {}; libtorch and PyTorch on {threads} thread(s)",
        WIDE_BATCH.map_or("at no batch size (no crossover)".to_string(), |n| format!("from batch {n}"))
    );
    let py = torch_python();
    if let Err(why) = &py {
        println!("    PyTorch reference: not measured ({why})");
    }
    let model_path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/shakespeare.safetensors");
    // The same weights: logits after a fixed sequence at batch 3, PyTorch's against tempest's.
    let check: Vec<Vec<u32>> =
        (0..6u32).map(|t| (0..3u32).map(|r| (t * 11 + r * 7) % vocab as u32).collect()).collect();
    let mut ours_check = Vec::new();
    let mut s = Stepper::new(&weights, 3);
    s.set_path(PathChoice::Fixed(StepPath::Kernel));
    for ids in &check {
        s.step(ids, &mut ours_check).unwrap();
    }
    let mut version = None;
    let mut rows = Vec::new();
    for &b in &batches {
        let steps = steps_for(b);
        let mut ours = Vec::new();
        for choice in [PathChoice::Auto, PathChoice::Fixed(StepPath::Kernel), PathChoice::Fixed(StepPath::Torch)] {
            let mut s = Stepper::new(&weights, b);
            s.set_path(choice);
            let (wall, _) = time_steps(b, vocab, rounds, steps, |ids, out| s.step(ids, out).unwrap());
            ours.push(b as f64 * 1e6 / wall.median);
        }
        let auto_path = Stepper::new(&weights, b).path();
        let mut torch = f64::NAN;
        if let Ok(py) = &py {
            let cfg = serde_json::json!({
                "model": model_path, "cell": spec.cell.name(), "layers": spec.layers, "threads": threads,
                "batch": b, "warmup": 20.min(steps), "rounds": rounds, "steps": steps, "check": check,
            });
            match run_python(py, PYTORCH_WIDE, &cfg.to_string()) {
                Err(e) => println!("    PyTorch at batch {b}: failed: {}", e.lines().last().unwrap_or("")),
                Ok(text) => {
                    let v: serde_json::Value =
                        serde_json::from_str(text.lines().last().unwrap_or("")).unwrap_or_default();
                    let r: Vec<f64> = v["rounds"].as_array().into_iter().flatten().filter_map(|x| x.as_f64()).collect();
                    if !r.is_empty() {
                        torch = b as f64 * 1e6 / Stats::of(&r).median;
                    }
                    if version.is_none() {
                        let theirs: Vec<f64> =
                            v["check"].as_array().into_iter().flatten().filter_map(|x| x.as_f64()).collect();
                        let diff = ours_check
                            .iter()
                            .zip(&theirs)
                            .map(|(a, b)| (*a as f64 - b).abs())
                            .fold(if theirs.len() == ours_check.len() { 0.0 } else { f64::INFINITY }, f64::max);
                        version = Some(format!(
                            "PyTorch {} ({py}, {} thread(s)); its logits on the same weights differ from tempest's by at most {diff:.1e}",
                            v["version"].as_str().unwrap_or("?"),
                            v["threads"]
                        ));
                    }
                }
            }
        }
        rows.push((b, auto_path, ours, torch));
    }
    if let Some(v) = version {
        println!("    {v}");
    }
    println!(
        "    | batch | tempest (chosen path) | plain-Rust kernel | tch path | PyTorch LSTMCell | tempest / PyTorch |"
    );
    println!("    |---:|---:|---:|---:|---:|---:|");
    for (b, path, ours, torch) in rows {
        let name = if path == StepPath::Torch { "tch" } else { "kernel" };
        println!(
            "    | {b} | {:.0} ({name}) | {:.0} | {:.0} | {torch:.0} | {:.2}x |",
            ours[0],
            ours[1],
            ours[2],
            ours[0] / torch
        );
    }
    println!(
        "    load average after: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// The loop detectors alone, per character: the exact detector, and the tracker the panes run
/// (exact + near-loops + loop history), over text from the bundled model at a looping and a wild
/// temperature (so both the loop and the no-loop paths are timed).
fn bench_loops(model: &CharRnn, vocab: &tempest_core::model::Vocab, rounds: usize, chars: usize) {
    use tempest_core::analysis::{LoopDetector, LoopTracker, NearLoopSettings};
    let settings = vec![SamplerSettings::with_temperature(0.2), SamplerSettings::with_temperature(1.5)];
    let mut gen = Generator::new(model.stepper(2), vocab.clone(), settings, 7, false).unwrap();
    gen.prime(&vocab.encode("KING HENRY:\n", Default::default()).unwrap()).unwrap();
    let mut texts = [String::new(), String::new()];
    for _ in 0..chars {
        let drawn = gen.step().unwrap();
        for (t, d) in texts.iter_mut().zip(drawn) {
            t.push(d.ch);
        }
    }
    for (name, text) in [("T 0.2", &texts[0]), ("T 1.5", &texts[1])] {
        let text: Vec<char> = text.chars().collect();
        let mut exact = Vec::new();
        let mut tracker = Vec::new();
        for _ in 0..rounds {
            let mut d = LoopDetector::new(LoopSettings::default());
            let t = Instant::now();
            for &c in &text {
                std::hint::black_box(d.push(c));
            }
            exact.push(t.elapsed().as_nanos() as f64 / 1e3 / text.len() as f64);
            let mut tr = LoopTracker::new(LoopSettings::default(), NearLoopSettings::default());
            let t = Instant::now();
            for &c in &text {
                tr.push(c);
                std::hint::black_box(tr.stats());
            }
            tracker.push(t.elapsed().as_nanos() as f64 / 1e3 / text.len() as f64);
        }
        let loops = {
            let mut tr = LoopTracker::new(LoopSettings::default(), NearLoopSettings::default());
            text.iter().for_each(|&c| tr.push(c));
            tr.stats()
        };
        println!(
            "\n[4] loop detection per character, {name} ({} chars, {:.0}% in loops, {} loops; {rounds} rounds)",
            text.len(),
            loops.loop_share() * 100.0,
            loops.loops()
        );
        println!("    exact detector alone:              {}", Stats::of(&exact).show(3, "µs"));
        println!("    tracker (exact + near + history):  {}", Stats::of(&tracker).show(3, "µs"));
    }
}

/// Item 11 of issue 12: how long a 3,000-character prime takes to feed before the first character,
/// stepped one character at a time (the old path), as the explorer and `tempest sample` feed it now
/// (`Generator::prime`: one stream, fed as a sequence layer by layer), and through libtorch's fused
/// sequence forward over the same text (`CharRnn::forward`, one call for the whole prime) at 1 and
/// 2 libtorch threads. Wall and thread-CPU medians.
fn bench_prime(model: &CharRnn, vocab: &tempest_core::model::Vocab, rounds: usize) {
    let heldout = include_str!("../assets/shakespeare.heldout.txt");
    let text: String = heldout.chars().take(3000).collect();
    let ids = vocab.encode(&text, Default::default()).expect("held-out text is in the vocabulary");
    let settings = vec![SamplerSettings::with_temperature(1.0); 3];
    let mut gen = Generator::new(model.stepper(3), vocab.clone(), settings, 7, false).unwrap();
    let time = |f: &mut dyn FnMut()| {
        f();
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let c0 = thread_cpu_ns();
            let t = Instant::now();
            f();
            wall.push(t.elapsed().as_secs_f64() * 1e3);
            if let (Some(a), Some(b)) = (c0, thread_cpu_ns()) {
                cpu.push((b - a) as f64 / 1e6);
            }
        }
        (Stats::of(&wall), Stats::of(if cpu.is_empty() { &wall } else { &cpu }))
    };
    println!("\nprime of {} characters, before the first character (ms)", ids.len());
    // What the prime path did before the sequence feed: a one-stream fork, a step per character.
    let mut one = gen.stepper().fork(1);
    let mut logits = Vec::new();
    let (w, c) = time(&mut || {
        one.reset_row(0);
        for &id in &ids {
            one.step(&[id], &mut logits).unwrap();
        }
    });
    println!("  stepper, one step per character   wall {}   cpu {}", w.show(1, "ms"), c.show(1, "ms"));
    let (w, c) = time(&mut || {
        one.reset_row(0);
        one.feed_sequence(0, &ids, &mut logits, &mut |_| true).unwrap();
    });
    println!("  stepper, sequence feed, 1 thread  wall {}   cpu {}", w.show(1, "ms"), c.show(1, "ms"));
    let threads = gen.stepper().threads();
    let (w, c) = time(&mut || gen.prime(&ids).unwrap());
    println!(
        "  stepper, sequence feed, {threads} thr    wall {}   cpu {} (this thread; the explorer's prime)",
        w.show(1, "ms"),
        c.show(1, "ms")
    );
    let input = tch::Tensor::from_slice(&ids.iter().map(|&i| i as i64).collect::<Vec<_>>()).view([1, -1]);
    for threads in [1, 2] {
        tch::set_num_threads(threads);
        let (w, c) = time(&mut || {
            let _guard = tch::no_grad_guard();
            let (logits, _) = model.forward(&input, &model.zero_state(1), false);
            let _ = std::hint::black_box(logits);
        });
        println!(
            "  libtorch sequence forward, {threads} thr   wall {}   cpu {} (this thread)",
            w.show(1, "ms"),
            c.show(1, "ms")
        );
    }
}

fn main() {
    let quick = quick();
    println!("{}", machine());
    println!("libtorch threads by default: {}", tch::get_num_threads());
    let ckpt = tempest_core::assets::load_model(None).expect("the bundled model loads");
    let vocab = ckpt.vocab.len();
    let only = common::arg("--only");
    if only.as_deref().is_none_or(|o| o == "step") {
        let (rounds, steps) = if quick { (5, 100) } else { (15, 400) };
        bench_step(&ckpt.model, vocab, rounds, steps);
    }
    if only.as_deref().is_none_or(|o| o == "wide") {
        bench_wide(&ckpt.model, vocab, quick);
    }
    if only.as_deref().is_none_or(|o| o == "chars") {
        let (rounds, steps) = if quick { (3, 300) } else { (9, 2000) };
        bench_per_char(&ckpt.model, &ckpt.vocab, rounds, steps);
    }
    if only.as_deref().is_none_or(|o| o == "prime") {
        bench_prime(&ckpt.model, &ckpt.vocab, if quick { 3 } else { 9 });
    }
    if only.as_deref().is_none_or(|o| o == "loops") {
        let (rounds, chars) = if quick { (3, 2000) } else { (9, 10_000) };
        bench_loops(&ckpt.model, &ckpt.vocab, rounds, chars);
    }
}
