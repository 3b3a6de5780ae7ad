//! Helpers shared by the benchmarks: statistics, the machine line, `--quick`, the in-process
//! explorer's setup, and finding a Python that can import torch for the PyTorch reference figures.

#![allow(dead_code)]

use std::process::Command;

/// Median, min and max of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

impl Stats {
    pub fn of(v: &[f64]) -> Stats {
        assert!(!v.is_empty(), "no samples");
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        let median = if n % 2 == 1 { s[n / 2] } else { 0.5 * (s[n / 2 - 1] + s[n / 2]) };
        Stats { median, min: s[0], max: s[n - 1], n }
    }

    /// The `q` quantile (0..=1), nearest rank.
    pub fn quantile(v: &[f64], q: f64) -> f64 {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let i = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1;
        s[i]
    }

    /// `median (min .. max) unit`, with `prec` decimals.
    pub fn show(&self, prec: usize, unit: &str) -> String {
        format!("{:.p$} {unit} (min {:.p$}, max {:.p$}, n {})", self.median, self.min, self.max, self.n, p = prec)
    }
}

/// The in-process explorer benchmarks' starting point: the default configuration at max speed
/// with seed 7, the bundled model, and an `App` on them (the engine is the caller's to start, on
/// its own reply channel).
pub fn max_speed_app(
) -> (tempest::explorer::config::Config, tempest::explorer::app::App, tempest_core::model::Checkpoint) {
    let mut config = tempest::explorer::config::Config::default_config();
    config.speed.max = true;
    config.seed = 7;
    let ckpt = tempest_core::assets::load_model(None).expect("the bundled model loads");
    let app = tempest::explorer::app::App::new(&config, ckpt.vocab.clone(), false);
    (config, app, ckpt)
}

/// Runs `ev` through `update` and sends the engine its requests (the benchmarks need no other
/// effect).
pub fn apply(
    app: &mut tempest::explorer::app::App,
    ev: tempest::explorer::app::Event,
    engine: &std::sync::mpsc::Sender<tempest::explorer::worker::Request>,
) {
    for fx in tempest::explorer::app::update(app, ev) {
        if let tempest::explorer::app::Effect::Engine(r) = fx {
            let _ = engine.send(r);
        }
    }
}

pub fn quick() -> bool {
    std::env::args().any(|a| a == "--quick")
}

/// The value after `--name` on the command line (`cargo bench --bench x -- --name value`).
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// `cpu: <model> (<n> logical CPUs); load average <1 min>` — the load warns when something else
/// shares the machine.
pub fn machine() -> String {
    let load =
        std::fs::read_to_string("/proc/loadavg").ok().and_then(|s| s.split_whitespace().next().map(str::to_string));
    let mut line = format!("machine: {}", tempest::commands::bench_train::cpu_description());
    if let Some(l) = load {
        line.push_str(&format!("; load average {l} at start"));
    }
    line
}

/// Nanoseconds the calling thread has spent on a CPU (from /proc/thread-self/schedstat), so a
/// benchmark can tell its own cost from time lost to other processes. `None` off Linux.
pub fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

/// The Python for the PyTorch reference: `$TEMPEST_PYTHON`, else `python3`. `Err` says why torch
/// cannot be used.
pub fn torch_python() -> Result<String, String> {
    let py = std::env::var("TEMPEST_PYTHON").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "python3".into());
    match Command::new(&py).args(["-c", "import torch; print(torch.__version__)"]).output() {
        Err(e) => Err(format!("cannot run {py}: {e}")),
        Ok(out) if out.status.success() => Ok(py),
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            Err(format!("{py} cannot import torch ({})", err.lines().last().unwrap_or("import failed").trim()))
        }
    }
}

/// Runs a Python script with `py` and returns its stdout (the last line is expected to be JSON).
pub fn run_python(py: &str, script: &str, arg: &str) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("tempest-bench-{}.py", std::process::id()));
    std::fs::write(&dir, script).map_err(|e| e.to_string())?;
    let out = Command::new(py).arg(&dir).arg(arg).output().map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&dir);
    let out = out?;
    if !out.status.success() {
        return Err(format!("the script failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// VmRSS and VmHWM of process `pid`, in MiB.
pub fn memory(pid: u32) -> Option<(f64, f64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = s.lines().find(|l| l.starts_with(name))?;
        Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}
