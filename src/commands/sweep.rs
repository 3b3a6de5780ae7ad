//! `tempest sweep`: the command-line face of [`tempest_core::sweep`]: a grid of temperatures ×
//! samplers × seeds, stepped as one batch, measured, and written as a table, CSV, JSON and a plot.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::values::int_in;
use tempest_core::model::{Checkpoint, UnknownPolicy};
use tempest_core::sweep::reference::{self, DEFAULT_CHUNK_CHARS};
use tempest_core::sweep::{self, Metric, Reference, SamplerSpec, SweepResult, SweepSpec};

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// A bundled model by name (shakespeare, rust) or a model file (.safetensors). Default: shakespeare.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Temperatures: START:STOP:STEP (both ends included) or a list such as 0.2,0.5,1.
    #[arg(long, default_value = "0:2:0.1", allow_hyphen_values = true)]
    pub temperatures: String,
    /// A sampler run at every temperature; repeat for several. `plain`, or any of top-k=K,
    /// top-p=P, min-p=P, rep=R joined with commas (top-k=40,top-p=0.95).
    /// Default: plain, top-p=0.9 and min-p=0.1.
    #[arg(long = "sampler")]
    pub samplers: Vec<String>,
    /// Streams per (temperature, sampler), each with its own random sequence.
    #[arg(long, default_value_t = 4, value_parser = int_in::<usize>(1, 1000))]
    pub seeds: usize,
    /// Characters generated per stream.
    #[arg(long, default_value_t = 1000, value_parser = int_in::<usize>(10, 1_000_000))]
    pub length: usize,
    /// Text every stream starts from.
    #[arg(long, default_value = "\n")]
    pub prime: String,
    /// What to do with prime characters the model does not know.
    #[arg(long, value_parser = super::values::unknown_policy(), default_value = "error")]
    pub unknown: UnknownPolicy,
    /// Random seed; the same flags and seed give the same numbers.
    #[arg(long, default_value_t = 0, value_parser = tempest_core::limits::parse_seed)]
    pub seed: u64,
    /// Human text to compare with, overriding the model's stored reference: a UTF-8 corpus (its
    /// last --reference-val-frac is measured, the rest gives the word list, as `tempest train`
    /// splits it) or a reference .json written by --save-reference.
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// Held-out fraction of a --reference corpus.
    #[arg(long, default_value_t = 0.1)]
    pub reference_val_frac: f64,
    /// Write the human reference used (figures and word list) as JSON, for later --reference.
    #[arg(long, value_name = "FILE")]
    pub save_reference: Option<PathBuf>,
    /// Write the results as CSV (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the results as JSON (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Draw the curves: one panel per metric, one line per sampler, the human reference as a
    /// band. The extension picks the format: .svg or .png.
    #[arg(long, value_name = "FILE.svg|png")]
    pub plot: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Maintenance: measure a corpus as human reference and store it in a model file's metadata
/// (how the bundled model gets its reference).
#[derive(Debug, clap::Args)]
pub struct AttachReferenceArgs {
    /// The model file to update in place (atomically).
    #[arg(long)]
    pub model: PathBuf,
    /// The corpus the model was trained on.
    #[arg(long)]
    pub corpus: PathBuf,
    /// Held-out fraction (the end of the corpus), as the model was trained with.
    #[arg(long, default_value_t = 0.1)]
    pub val_frac: f64,
    /// Characters per measured passage (match the sweeps you will compare with).
    #[arg(long, default_value_t = DEFAULT_CHUNK_CHARS, value_parser = int_in::<usize>(10, 1_000_000))]
    pub chunk_chars: usize,
}

pub fn run(args: SweepArgs) -> anyhow::Result<i32> {
    let temperatures = sweep::parse_temperatures(&args.temperatures).map_err(|e| anyhow::anyhow!("--{e}"))?;
    let sampler_names: Vec<String> = if args.samplers.is_empty() {
        ["plain", "top-p=0.9", "min-p=0.1"].map(String::from).to_vec()
    } else {
        args.samplers.clone()
    };
    let samplers = sampler_names
        .iter()
        .map(|s| SamplerSpec::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("--{e}"))?;
    if let Some(p) = &args.plot {
        super::plot::PlotFormat::of(p)?;
    }
    let ckpt = tempest_core::assets::load_model(args.model.as_deref())?;
    let prime = ckpt.vocab.encode(&args.prime, args.unknown).context("--prime")?;
    anyhow::ensure!(!prime.is_empty(), "--prime is empty after skipping unknown characters");
    let mut spec = SweepSpec::default_with_prime(prime);
    spec.temperatures = temperatures;
    spec.samplers = samplers;
    spec.seeds = args.seeds;
    spec.length = args.length;
    spec.seed = args.seed;
    spec.validate().map_err(|e| anyhow::anyhow!("--{e}"))?;

    let reference = load_reference(&args, &ckpt)?;
    if let (Some(path), Some(r)) = (&args.save_reference, &reference) {
        let json = serde_json::to_vec_pretty(r).expect("a reference serialises");
        tempest_core::model::checkpoint::atomic_write(path, &json)
            .with_context(|| format!("writing {}", path.display()))?;
    } else if args.save_reference.is_some() {
        bail!("--save-reference: this model has no stored human reference; give one with --reference FILE");
    }

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(spec.length as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} chars per stream · {msg} · ETA {eta}")
            .expect("template is valid"),
    );
    bar.set_message(format!("{} streams", spec.streams()));
    bar.enable_steady_tick(Duration::from_millis(250));
    let started = Instant::now();
    let vocabulary = reference.as_ref().map(Reference::vocabulary);
    let result = sweep::run(
        ckpt.model.stepper(spec.streams()),
        &ckpt.vocab,
        &spec,
        vocabulary.as_ref(),
        reference.as_ref().map(Reference::figures),
        |p| {
            bar.set_position(p.step as u64);
            true
        },
    )?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    if !args.quiet {
        eprintln!(
            "{} streams × {} chars in {secs:.1}s ({:.0} chars/s)",
            spec.streams(),
            spec.length,
            (spec.streams() * spec.length) as f64 / secs
        );
    }

    let to_stdout = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
    if let Some(path) = &args.csv {
        write_out(path, csv(&result).as_bytes())?;
    }
    if let Some(path) = &args.json {
        let mut json = serde_json::to_string_pretty(&result).expect("results serialise");
        json.push('\n');
        write_out(path, json.as_bytes())?;
    }
    if let Some(path) = &args.plot {
        super::sweep_plot::draw(&result, path, super::plot::PlotFormat::of(path)?)
            .with_context(|| format!("drawing {}", path.display()))?;
    }
    if !to_stdout(&args.csv) && !to_stdout(&args.json) {
        write_out(Path::new("-"), table(&result).as_bytes())?;
    }
    Ok(0)
}

pub fn attach_reference(args: AttachReferenceArgs) -> anyhow::Result<i32> {
    let ckpt = Checkpoint::load(&args.model, tch::Device::Cpu)?;
    let r = Reference::from_corpus(ckpt.model.stepper(1), &ckpt.vocab, &args.corpus, args.val_frac, args.chunk_chars)?;
    reference::attach_to_checkpoint(&args.model, &r)?;
    println!(
        "attached a human reference to {}: {} passages of {} chars from {}, {} words; bits/char {}",
        args.model.display(),
        r.chunks,
        r.chunk_chars,
        r.source,
        r.words.len(),
        fmt(r.band.mean.bits_per_char)
    );
    Ok(0)
}

fn load_reference(args: &SweepArgs, ckpt: &Checkpoint) -> anyhow::Result<Option<Reference>> {
    let Some(path) = &args.reference else {
        return Ok(Reference::from_metadata(ckpt.metadata.reference.as_ref()));
    };
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        return Ok(Some(Reference::from_json_file(path)?));
    }
    if !args.quiet {
        eprintln!("measuring the human reference in {} …", path.display());
    }
    let chunk = args.length.max(10);
    Ok(Some(Reference::from_corpus(ckpt.model.stepper(1), &ckpt.vocab, path, args.reference_val_frac, chunk)?))
}

fn write_out(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path == Path::new("-") {
        let mut out = io::stdout().lock();
        match out.write_all(bytes).and_then(|_| out.flush()) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
            _ => Ok(()),
        }
    } else {
        tempest_core::model::checkpoint::atomic_write(path, bytes)
            .with_context(|| format!("writing {}", path.display()))
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{v:.6}"))
}

/// One row per (temperature, sampler), then the human reference as three rows (mean, 10th and
/// 90th percentile) with an empty temperature.
pub fn csv(r: &SweepResult) -> String {
    let mut s = String::from("temperature,sampler,streams");
    for m in Metric::ALL {
        s.push(',');
        s.push_str(m.key());
    }
    s.push('\n');
    let mut line = |t: String, name: &str, n: usize, f: &sweep::Figures| {
        s.push_str(&format!("{t},{},{n}", csv_field(name)));
        for m in Metric::ALL {
            s.push(',');
            s.push_str(&fmt(m.get(f)));
        }
        s.push('\n');
    };
    for row in &r.rows {
        line(row.temperature.to_string(), &row.sampler, row.streams, &row.figures);
    }
    if let Some(h) = &r.reference {
        line(String::new(), "human", h.chunks, &h.band.mean);
        line(String::new(), "human-p10", h.chunks, &h.band.lo);
        line(String::new(), "human-p90", h.chunks, &h.band.hi);
    }
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A readable summary: the headline figures per row.
fn table(r: &SweepResult) -> String {
    let cols = [
        (Metric::BitsPerChar, "bits/ch"),
        (Metric::EntropyBits, "H bits"),
        (Metric::Distinct4Chars, "dist-4c"),
        (Metric::Distinct2Words, "dist-2w"),
        (Metric::EndsInLoop, "ends⟳"),
        (Metric::MedianOnset, "onset"),
        (Metric::ExactLoopShare, "in⟳"),
        (Metric::NearLoopShare, "in≈"),
        (Metric::LexicalValidity, "valid"),
    ];
    let width = r.spec.samplers.iter().map(|s| s.name.len()).max().unwrap_or(5).max(9);
    let mut s = format!("{:>5}  {:<width$}", "T", "sampler");
    for (_, h) in cols {
        s.push_str(&format!(" {h:>8}"));
    }
    s.push('\n');
    let mut line = |t: &str, name: &str, f: &sweep::Figures| {
        s.push_str(&format!("{t:>5}  {name:<width$}"));
        for (m, _) in cols {
            let v = m.get(f).map_or_else(
                || "–".to_string(),
                |v| if m == Metric::MedianOnset { format!("{v:.0}") } else { format!("{v:.3}") },
            );
            s.push_str(&format!(" {v:>8}"));
        }
        s.push('\n');
    };
    for row in &r.rows {
        line(&format!("{:.2}", row.temperature), &row.sampler, &row.figures);
    }
    if let Some(h) = &r.reference {
        line("", &format!("human ({})", h.source), &h.band.mean);
    }
    s
}
