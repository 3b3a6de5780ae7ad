//! `tempest bench-train`: training throughput (characters per second) of the training step that
//! `tempest train` runs, for the bundled model's shape, on random data, beside the same model in
//! PyTorch when Python can import `torch`.
//!
//! Only the step is timed (batch assembly, forward with dropout, cross-entropy, backward, gradient
//! clipping, AdamW): [`tempest_core::train::step_batch`] and [`tempest_core::train::optimise_batch`] are exactly
//! what the trainer calls. A real run also evaluates, logs and checkpoints, which this leaves out.
//! Untimed warm-up steps come first; then several windows of timed steps, of which the median is
//! reported with the range, so one slow window (another process, a page fault storm) does not
//! decide the figure.

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use super::values::{int_in, THREADS};
use tempest_core::model::{CellKind, CharRnn, ModelSpec};
use tempest_core::train::limits::{BATCH, SEQ_LEN};
use tempest_core::train::optim::AdamW;
use tempest_core::train::{optimise_batch, step_batch};

#[derive(Debug, Clone, clap::Args)]
pub struct BenchTrainArgs {
    /// Untimed steps before measuring.
    #[arg(long, default_value_t = 5, value_parser = int_in::<u64>(0, 10_000))]
    pub warmup: u64,
    /// Timed steps per window.
    #[arg(long, default_value_t = 10, value_parser = int_in::<u64>(1, 10_000))]
    pub steps: u64,
    /// Timed windows; the median window is reported, with the fastest and slowest.
    #[arg(long, default_value_t = 5, value_parser = int_in::<usize>(1, 1000))]
    pub windows: usize,
    /// libtorch threads, for both tempest and PyTorch (default: libtorch's default, all cores).
    #[arg(long, value_parser = int_in::<i32>(THREADS.0, THREADS.1))]
    pub threads: Option<i32>,
    #[arg(long, value_parser = super::values::cell_kind(), default_value = "lstm")]
    pub cell: CellKind,
    #[arg(long, default_value_t = 2, value_parser = int_in::<i64>(1, 16))]
    pub layers: i64,
    #[arg(long, default_value_t = 512, value_parser = int_in::<i64>(1, 16384))]
    pub hidden: i64,
    #[arg(long, default_value_t = 64, value_parser = int_in::<i64>(1, 16384))]
    pub embed: i64,
    /// Vocabulary size (the bundled Shakespeare model's is 84).
    #[arg(long, default_value_t = 84, value_parser = int_in::<i64>(2, 65_536))]
    pub vocab: i64,
    #[arg(long, default_value_t = 32, value_parser = int_in::<usize>(*BATCH.start() as u64, *BATCH.end() as u64))]
    pub batch: usize,
    #[arg(long, default_value_t = 100, value_parser = int_in::<usize>(*SEQ_LEN.start() as u64, *SEQ_LEN.end() as u64))]
    pub seq_len: usize,
    #[arg(long, default_value_t = 0.2)]
    pub dropout: f64,
    /// Skip the PyTorch comparison.
    #[arg(long)]
    pub no_pytorch: bool,
    /// The Python interpreter for the comparison.
    #[arg(long, default_value = "python3")]
    pub python: String,
}

/// Characters per second over each timed window.
#[derive(Debug, Clone, PartialEq)]
pub struct Throughput {
    pub windows: Vec<f64>,
}

impl Throughput {
    pub fn median(&self) -> f64 {
        let mut w = self.windows.clone();
        w.sort_by(f64::total_cmp);
        let n = w.len();
        if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            w[n / 2]
        } else {
            (w[n / 2 - 1] + w[n / 2]) / 2.0
        }
    }

    pub fn min(&self) -> f64 {
        self.windows.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub fn max(&self) -> f64 {
        self.windows.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }
}

/// What the PyTorch script measured.
#[derive(Debug, Clone, Deserialize)]
pub struct PyTorchResult {
    pub windows: Vec<f64>,
    pub threads: i64,
    pub version: String,
    pub params: i64,
}

/// Settings the trainer uses by default (see `TrainArgs`), applied to both sides.
const LR: f64 = 2e-3;
const WEIGHT_DECAY: f64 = 0.01;
const GRAD_CLIP: f64 = 1.0;
const SEED: u64 = 1;
/// Length of the random "corpus" batches are cut from.
const DATA_LEN: usize = 1 << 20;

impl BenchTrainArgs {
    fn spec(&self) -> ModelSpec {
        ModelSpec {
            cell: self.cell,
            layers: self.layers,
            hidden: self.hidden,
            embed: self.embed,
            vocab: self.vocab,
            dropout: self.dropout,
        }
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.spec().validate().map_err(anyhow::Error::msg)?;
        if self.steps == 0 || self.windows == 0 || self.batch == 0 || self.seq_len == 0 {
            bail!("--steps, --windows, --batch and --seq-len must be at least 1");
        }
        if self.seq_len >= DATA_LEN {
            bail!("--seq-len must be below {DATA_LEN}");
        }
        Ok(())
    }

    fn chars_per_step(&self) -> f64 {
        (self.batch * self.seq_len) as f64
    }
}

/// Times tempest's training step on CPU.
pub fn measure(args: &BenchTrainArgs) -> anyhow::Result<Throughput> {
    args.validate()?;
    let device = tch::Device::Cpu;
    tch::manual_seed(SEED as i64);
    let model = CharRnn::new(args.spec(), device);
    let mut opt = AdamW::new(model.named_tensors(), WEIGHT_DECAY);
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let ids: Vec<u32> = (0..DATA_LEN).map(|_| rng.random_range(0..args.vocab as u32)).collect();
    let mut step = 0u64;
    let mut one_step = || -> anyhow::Result<()> {
        let (x, y) = step_batch(&ids, args.batch, args.seq_len, SEED, step, device);
        let loss = optimise_batch(&model, &mut opt, &x, &y, GRAD_CLIP, LR)?;
        anyhow::ensure!(loss.is_finite(), "the loss diverged at step {step} ({loss})");
        step += 1;
        Ok(())
    };
    for _ in 0..args.warmup {
        one_step()?;
    }
    let mut windows = Vec::with_capacity(args.windows);
    for _ in 0..args.windows {
        let start = Instant::now();
        for _ in 0..args.steps {
            one_step()?;
        }
        windows.push(args.steps as f64 * args.chars_per_step() / start.elapsed().as_secs_f64());
    }
    Ok(Throughput { windows })
}

/// The same model and step in PyTorch: `nn.Embedding -> nn.LSTM(batch_first) -> dropout ->
/// nn.Linear`, `AdamW` with decay on matrices but the embedding (as tempest's), `clip_grad_norm_`.
/// Prints one JSON line with the per-window throughput.
const PYTORCH_SCRIPT: &str = r#"
import json, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

cfg = json.loads(sys.argv[1])
if cfg["threads"] > 0:
    torch.set_num_threads(cfg["threads"])
torch.manual_seed(cfg["seed"])
V, E, H, L, B, T, p = (cfg[k] for k in ("vocab", "embed", "hidden", "layers", "batch", "seq_len", "dropout"))
RNN = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cfg["cell"]]

class CharRnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, E)
        self.rnn = RNN(E, H, L, batch_first=True, dropout=p if L > 1 else 0.0)
        self.drop = nn.Dropout(p)
        self.head = nn.Linear(H, V)

    def forward(self, x):
        out, _ = self.rnn(self.embed(x))
        return self.head(self.drop(out))

model = CharRnn().train()
named = list(model.named_parameters())
decay = [q for n, q in named if q.dim() == 2 and n != "embed.weight"]
rest = [q for n, q in named if not (q.dim() == 2 and n != "embed.weight")]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg["weight_decay"]},
                         {"params": rest, "weight_decay": 0.0}], lr=cfg["lr"])
ids = torch.randint(0, V, (cfg["data_len"],))
offsets = torch.arange(T + 1)

def step():
    starts = torch.randint(0, cfg["data_len"] - T, (B, 1))
    w = ids[starts + offsets]
    x, y = w[:, :-1], w[:, 1:].reshape(-1)
    loss = F.cross_entropy(model(x).reshape(-1, V), y)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), cfg["grad_clip"])
    opt.step()
    return loss.item()

for _ in range(cfg["warmup"]):
    step()
windows = []
for _ in range(cfg["windows"]):
    t0 = time.perf_counter()
    for _ in range(cfg["steps"]):
        step()
    windows.append(cfg["steps"] * B * T / (time.perf_counter() - t0))
print(json.dumps({"windows": windows, "threads": torch.get_num_threads(), "version": torch.__version__,
                  "params": sum(q.numel() for q in model.parameters())}))
"#;

/// Whether `python` can import torch; `Err` says why not.
pub fn pytorch_available(python: &str) -> Result<(), String> {
    match Command::new(python).args(["-c", "import torch"]).output() {
        Err(e) => Err(format!("cannot run {python}: {e}")),
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            Err(err.lines().last().unwrap_or("import failed").trim().to_string())
        }
    }
}

/// Runs the PyTorch script with the same settings and thread count.
pub fn measure_pytorch(args: &BenchTrainArgs, threads: i32) -> anyhow::Result<PyTorchResult> {
    args.validate()?;
    let mut script = tempfile::Builder::new().prefix("tempest-bench-train-").suffix(".py").tempfile()?;
    script.write_all(PYTORCH_SCRIPT.as_bytes())?;
    script.flush()?;
    let cfg = serde_json::json!({
        "cell": args.cell.name(), "layers": args.layers, "hidden": args.hidden, "embed": args.embed,
        "vocab": args.vocab, "batch": args.batch, "seq_len": args.seq_len, "dropout": args.dropout,
        "lr": LR, "weight_decay": WEIGHT_DECAY, "grad_clip": GRAD_CLIP, "seed": SEED, "data_len": DATA_LEN,
        "warmup": args.warmup, "steps": args.steps, "windows": args.windows, "threads": threads,
    });
    let out = Command::new(&args.python)
        .arg(script.path())
        .arg(cfg.to_string())
        .output()
        .with_context(|| format!("running {}", args.python))?;
    if !out.status.success() {
        bail!("the PyTorch script failed ({}):\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("unexpected output from the PyTorch script: {stdout:?}"))
}

/// CPU model name and logical CPU count, from /proc/cpuinfo.
pub fn cpu_description() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let logical = info.lines().filter(|l| l.starts_with("processor")).count();
    let logical = if logical > 0 { logical } else { std::thread::available_parallelism().map_or(0, |n| n.get()) };
    format!("{model} ({logical} logical CPUs)")
}

fn fmt_rate(r: f64) -> String {
    tempest_core::display::thousands(r.round().max(0.0) as u64)
}

pub fn run(args: BenchTrainArgs) -> anyhow::Result<i32> {
    args.validate()?;
    if let Some(n) = args.threads {
        anyhow::ensure!(n >= 1, "--threads must be at least 1");
        tch::set_num_threads(n);
    }
    let threads = tch::get_num_threads();
    let spec = args.spec();
    println!(
        "bench-train: {}-layer {}, hidden {}, embedding {}, vocabulary {} ({} parameters)",
        spec.layers,
        spec.cell.name().to_uppercase(),
        spec.hidden,
        spec.embed,
        spec.vocab,
        fmt_rate(spec.parameter_count() as f64)
    );
    println!(
        "  batch {} x {} characters, dropout {}, AdamW (lr {LR}, weight decay {WEIGHT_DECAY}), grad clip {GRAD_CLIP}; random data",
        args.batch, args.seq_len, args.dropout
    );
    println!("  cpu: {}; libtorch threads: {threads}", cpu_description());
    println!(
        "  {} warm-up steps, then {} windows of {} timed steps ({} characters per step)",
        args.warmup,
        args.windows,
        args.steps,
        args.chars_per_step()
    );

    let ours = measure(&args)?;
    let ms_per_step = |cps: f64| 1000.0 * args.chars_per_step() / cps;
    let line = |label: &str, t: &Throughput| {
        println!(
            "{label:<18} {:>10} chars/s median ({:.1} ms/step; min {}, max {})",
            fmt_rate(t.median()),
            ms_per_step(t.median()),
            fmt_rate(t.min()),
            fmt_rate(t.max())
        )
    };
    line("tempest", &ours);

    if args.no_pytorch {
        return Ok(0);
    }
    match pytorch_available(&args.python) {
        Err(why) => println!("{:<18} not measured: {} cannot import torch ({why})", "pytorch", args.python),
        Ok(()) => {
            let py = measure_pytorch(&args, threads)?;
            if py.params != spec.parameter_count() {
                println!(
                    "warning: the PyTorch model has {} parameters, tempest's {}; the comparison is not like for like",
                    py.params,
                    spec.parameter_count()
                );
            }
            let theirs = Throughput { windows: py.windows };
            line(&format!("pytorch {}", py.version), &theirs);
            if py.threads != threads as i64 {
                println!("  (PyTorch ran with {} threads)", py.threads);
            }
            println!("ratio tempest / pytorch: {:.2}x", ours.median() / theirs.median());
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max() {
        let t = Throughput { windows: vec![3.0, 1.0, 2.0, 10.0] };
        assert_eq!(t.median(), 2.5);
        assert_eq!(t.min(), 1.0);
        assert_eq!(t.max(), 10.0);
        assert_eq!(Throughput { windows: vec![5.0, 1.0, 4.0] }.median(), 4.0);
    }
}
