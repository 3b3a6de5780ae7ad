//! `tempest train`: the command-line face of [`tempest_core::train`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::train_defaults;
use tempest_core::analysis::{LoopSettings, NearLoopSettings};
use tempest_core::model::{CellKind, Checkpoint};
use tempest_core::sweep::reference::{attach_to_checkpoint, DEFAULT_CHUNKS, DEFAULT_CHUNK_CHARS};
use tempest_core::sweep::Reference;
use tempest_core::train::data::Corpus;
use tempest_core::train::output::Existing;
use tempest_core::train::sample::sample_text;
use tempest_core::train::{limits, sibling, Event, Outcome, TrainConfig, Trainer};

use super::values::{int_in, number_in, THREADS};
use tempest_core::limits::{closed, Limit};

/// Characters in each sample printed during training.
const SAMPLE_CHARS: usize = 200;

/// `println!` that ignores a closed stdout: `tempest train | tee log` then Ctrl-C (tee dies too),
/// or `| head`, must not panic the run mid-step and lose the steps since its last checkpoint.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// UTF-8 text to train on. The vocabulary is exactly its set of characters.
    #[arg(long, required_unless_present = "resume")]
    pub corpus: Option<PathBuf>,
    /// Where to write the model (best validation loss). A resume checkpoint
    /// (MODEL.resume.safetensors) and a loss curve (MODEL.loss.jsonl) are written beside it.
    #[arg(long, required_unless_present = "resume")]
    pub out: Option<PathBuf>,
    /// Continue a run from its MODEL.resume.safetensors; the run's own settings are used.
    #[arg(long, value_name = "CKPT")]
    pub resume: Option<PathBuf>,
    /// Recurrent cell: lstm, gru or rnn [default: lstm]
    #[arg(long, value_parser = super::values::cell_kind())]
    pub cell: Option<CellKind>,
    /// Stacked recurrent layers, 1 to 16 [default: 2]
    #[arg(long, value_parser = int_in::<i64>(1, 16))]
    pub layers: Option<i64>,
    /// Units per recurrent layer, 1 to 16384 [default: scaled from the corpus size: 128 up to
    /// 150 K characters, 256 up to 1 M, 384 up to 3 M, else 512]
    #[arg(long, value_parser = int_in::<i64>(1, 16384))]
    pub hidden: Option<i64>,
    /// Size of each character's embedding vector, 1 to 16384 [default: 64]
    #[arg(long, value_parser = int_in::<i64>(1, 16384))]
    pub embed: Option<i64>,
    /// Dropout between layers and before the output layer, in [0, 1) [default: 0.2]
    #[arg(long, value_parser = number_in(Limit { lo: 0.0, hi: 1.0, lo_open: false, hi_open: true }))]
    pub dropout: Option<f64>,
    /// Characters per training sequence (truncated backpropagation length) [default: 100]
    #[arg(long, value_parser = int_in::<usize>(*limits::SEQ_LEN.start() as u64, *limits::SEQ_LEN.end() as u64))]
    pub seq_len: Option<usize>,
    /// Sequences per step [default: 32]
    #[arg(long, value_parser = int_in::<usize>(*limits::BATCH.start() as u64, *limits::BATCH.end() as u64))]
    pub batch: Option<usize>,
    /// Peak learning rate (AdamW), reached after the warm-up and decayed by a cosine [default: 0.002]
    #[arg(long, value_parser = number_in(Limit { lo: 0.0, hi: 1.0, lo_open: true, hi_open: true }))]
    pub lr: Option<f64>,
    /// Warm-up steps [default: 200, at most half the run]
    #[arg(long, value_parser = int_in::<u64>(0, *limits::STEPS.end()))]
    pub warmup: Option<u64>,
    /// Final learning rate as a fraction of the peak [default: 0.05]
    #[arg(long, value_parser = number_in(closed(*limits::LR_FLOOR.start(), *limits::LR_FLOOR.end())))]
    pub lr_floor: Option<f64>,
    /// AdamW's decoupled weight decay, applied to weight matrices [default: 0.01]
    #[arg(long, value_parser = number_in(closed(*limits::WEIGHT_DECAY.start(), *limits::WEIGHT_DECAY.end())))]
    pub weight_decay: Option<f64>,
    /// Clip the global gradient norm to this (0 turns clipping off) [default: 1]
    #[arg(long, value_parser = number_in(closed(*limits::GRAD_CLIP.start(), *limits::GRAD_CLIP.end())))]
    pub grad_clip: Option<f64>,
    /// Optimiser steps to train for [default: about 20 passes over the text, 300 to 5,000 steps].
    /// With --resume, a larger number extends the run, finished or not
    #[arg(long, conflicts_with = "epochs", value_parser = int_in::<u64>(*limits::STEPS.start(), *limits::STEPS.end()))]
    pub steps: Option<u64>,
    /// Passes over the training split, in characters (converted to steps)
    #[arg(long, value_parser = number_in(Limit { lo: 0.0, hi: 1e6, lo_open: true, hi_open: false }))]
    pub epochs: Option<f64>,
    /// Fraction of the corpus held out for validation, taken from its end [default: 0.1]
    #[arg(long, value_parser = number_in(Limit { lo: 0.0, hi: 0.9, lo_open: false, hi_open: true }))]
    pub val_frac: Option<f64>,
    /// Evaluate on the whole held-out split every N steps [default: a tenth of the run, 25 to 500]
    #[arg(long, value_parser = int_in::<u64>(*limits::STEPS.start(), *limits::STEPS.end()))]
    pub eval_every: Option<u64>,
    /// Write the resume checkpoint every N steps (it is also written at each evaluation) [default: 100]
    #[arg(long, value_parser = int_in::<u64>(*limits::STEPS.start(), *limits::STEPS.end()))]
    pub checkpoint_every: Option<u64>,
    /// Seed of the initial weights, the batches and dropout: the same seed, corpus and settings
    /// train the same model [default: 1]
    #[arg(long, value_parser = tempest_core::limits::parse_seed)]
    pub seed: Option<u64>,
    /// Print a short sample from the model every N steps, at the first checkpoint on or after
    /// each multiple (0: never) [default: at each evaluation]
    #[arg(long, value_name = "N", value_parser = int_in::<u64>(0, *limits::STEPS.end()))]
    pub sample_every: Option<u64>,
    /// Temperature of those samples
    #[arg(long, value_name = "T", default_value_t = 0.8, value_parser = number_in(closed(0.0, 5.0)))]
    pub sample_temperature: f64,
    /// libtorch intra-op threads, 1 to 256 [default: all cores]
    #[arg(long, value_parser = int_in::<i32>(THREADS.0, THREADS.1))]
    pub threads: Option<i32>,
    /// Replace an existing tempest model at --out (with its resume checkpoint and loss log).
    /// Files tempest did not write are never replaced.
    #[arg(long)]
    pub force: bool,
    /// cpu, cuda, or auto (CUDA when libtorch has it and a GPU is present).
    #[arg(long, default_value = "auto")]
    pub device: String,
}

impl TrainArgs {
    /// The run's settings for a corpus of `corpus_chars` characters, and the line that explains
    /// the defaults scaled from it (None when every scaled setting was given).
    fn fresh_config(&self, corpus_chars: u64) -> anyhow::Result<(TrainConfig, Option<String>)> {
        let seq_len = self.seq_len.unwrap_or(100);
        let batch = self.batch.unwrap_or(32);
        let val_frac = self.val_frac.unwrap_or(0.1);
        let per_step = (seq_len as u64).saturating_mul(batch as u64);
        let scaled = train_defaults::scaled(corpus_chars, 1.0 - val_frac, per_step);
        let steps = match (self.steps, self.epochs) {
            (Some(s), _) => s,
            (None, Some(e)) => {
                let train = corpus_chars as f64 * (1.0 - val_frac);
                ((e * train) / per_step.max(1) as f64).ceil().max(1.0) as u64
            }
            (None, None) => scaled.steps,
        };
        let steps = steps.clamp(*limits::STEPS.start(), *limits::STEPS.end());
        let eval_every = self.eval_every.unwrap_or(scaled.eval_every).min(steps).max(1);
        let mut given = Vec::new();
        if self.layers.is_some() {
            given.push("--layers");
        }
        if self.hidden.is_some() {
            given.push("--hidden");
        }
        if self.steps.is_some() || self.epochs.is_some() {
            given.push(if self.steps.is_some() { "--steps" } else { "--epochs" });
        }
        if self.eval_every.is_some() {
            given.push("--eval-every");
        }
        let shown = train_defaults::Scaled {
            layers: self.layers.unwrap_or(scaled.layers),
            hidden: self.hidden.unwrap_or(scaled.hidden),
            steps,
            eval_every,
        };
        let line = (given.len() < 4).then(|| shown.explain(corpus_chars, per_step, 1.0 - val_frac, &given));
        let config = TrainConfig {
            corpus: self.corpus.clone().context("--corpus is required")?,
            out: self.out.clone().context("--out is required")?,
            cell: self.cell.unwrap_or(CellKind::Lstm),
            layers: self.layers.unwrap_or(scaled.layers),
            hidden: self.hidden.unwrap_or(scaled.hidden),
            embed: self.embed.unwrap_or(64),
            dropout: self.dropout.unwrap_or(0.2),
            seq_len,
            batch,
            lr: self.lr.unwrap_or(2e-3),
            warmup: self.warmup.unwrap_or(200),
            lr_floor: self.lr_floor.unwrap_or(0.05),
            weight_decay: self.weight_decay.unwrap_or(0.01),
            grad_clip: self.grad_clip.unwrap_or(1.0),
            steps,
            val_frac,
            eval_every,
            checkpoint_every: self.checkpoint_every.unwrap_or(100).max(1),
            seed: self.seed.unwrap_or(1),
        };
        Ok((config, line))
    }

    /// Flags that define the run cannot change halfway through it.
    fn fixed_when_resuming(&self) -> Vec<&'static str> {
        let mut given = Vec::new();
        macro_rules! check {
            ($($field:ident => $flag:literal),*) => { $( if self.$field.is_some() { given.push($flag); } )* };
        }
        check!(out => "--out", cell => "--cell", layers => "--layers", hidden => "--hidden", embed => "--embed",
            dropout => "--dropout", seq_len => "--seq-len", batch => "--batch", lr => "--lr", warmup => "--warmup",
            lr_floor => "--lr-floor", weight_decay => "--weight-decay", grad_clip => "--grad-clip",
            epochs => "--epochs", val_frac => "--val-frac", eval_every => "--eval-every",
            checkpoint_every => "--checkpoint-every", seed => "--seed");
        given
    }
}

pub fn device(choice: &str) -> anyhow::Result<tch::Device> {
    Ok(match choice {
        "cpu" => tch::Device::Cpu,
        "auto" => tch::Device::cuda_if_available(),
        "cuda" => {
            if !tch::Cuda::is_available() {
                bail!("--device cuda: this libtorch has no usable CUDA device (use --device cpu or auto)");
            }
            tch::Device::Cuda(0)
        }
        other => bail!("--device must be cpu, cuda or auto, not {other:?}"),
    })
}

/// Measures the held-out text as a sweep's human reference and stores it in the saved model, with
/// the training text's words. `None` when there is no saved model or too little held-out text.
fn attach_reference(out: &std::path::Path, corpus: &Corpus) -> anyhow::Result<Option<Reference>> {
    if !out.exists() || corpus.val.len() < 50 {
        return Ok(None);
    }
    let ckpt = Checkpoint::load(out, tch::Device::Cpu)?;
    let train_text = corpus.vocab.decode(&corpus.train);
    let chunk = DEFAULT_CHUNK_CHARS.min(corpus.val.len());
    let r = Reference::compute(
        ckpt.model.stepper(1),
        &ckpt.vocab,
        &train_text,
        &corpus.val,
        &corpus.name,
        chunk,
        DEFAULT_CHUNKS,
        LoopSettings::default(),
        NearLoopSettings::default(),
    )?;
    attach_to_checkpoint(out, &r)?;
    Ok(Some(r))
}

pub fn run(args: TrainArgs) -> anyhow::Result<i32> {
    if let Some(n) = args.threads {
        tch::set_num_threads(n);
    }
    let device = device(&args.device)?;
    let mut trainer = match &args.resume {
        Some(path) => {
            let fixed = args.fixed_when_resuming();
            if !fixed.is_empty() {
                bail!(
                    "{} cannot be changed when resuming: a run keeps the settings it started with \
                     (only --steps may grow, to extend it)",
                    fixed.join(", ")
                );
            }
            if args.force {
                bail!("--force has no meaning when resuming: a resumed run continues its own files");
            }
            Trainer::resume_extended(path, args.corpus.clone(), args.steps, device)?
        }
        None => {
            let corpus = args.corpus.as_ref().context("--corpus is required")?;
            let (config, line) = args.fresh_config(corpus_chars(corpus))?;
            let mut trainer = Trainer::new(config, device)?;
            trainer.existing = if args.force { Existing::Replace } else { Existing::Refuse };
            if let Some(line) = line {
                say!("{line}");
            }
            trainer
        }
    };

    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps · {msg} · ETA {eta}").expect("template is valid"),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let exit_code = Arc::new(AtomicI32::new(130));
    watch_signals(&stop, &exit_code, &bar)?;

    let mut last_val: Option<f64> = None;
    let out = trainer.config.out.clone();
    let sample_every = args.sample_every.unwrap_or(trainer.config.eval_every);
    let mut next_sample = sample_every;
    let total_steps = trainer.config.steps;
    let outcome = trainer.run(&stop, |event| match event {
        Event::Started { total, start, params, train_chars, val_chars, device } => {
            bar.set_length(total);
            bar.set_position(start);
            bar.enable_steady_tick(Duration::from_millis(500));
            let verb = if start > 0 { format!("resuming at step {start} of") } else { "training for".into() };
            bar.suspend(|| {
                say!(
                    "{verb} {total} steps: {params} parameters, {train_chars} training and {val_chars} held-out characters, on {device:?} ({})",
                    threads_note()
                )
            });
            if start > 0 && sample_every > 0 {
                next_sample = (start / sample_every + 1) * sample_every;
            }
        }
        Event::Step { step, loss, lr, chars_per_sec } => {
            bar.set_position(step);
            bar.set_message(progress_message(chars_per_sec, loss, last_val, lr));
        }
        Event::Eval { step, train_loss, val_loss, best, chars_per_sec, elapsed } => {
            last_val = val_loss.is_finite().then_some(val_loss);
            bar.suspend(|| say!("{}", eval_line(step, train_loss, val_loss, best, chars_per_sec, elapsed)));
        }
        Event::Checkpoint { step, model, vocab, .. } => {
            let due = sample_every > 0 && (step >= next_sample || step == total_steps);
            if !due || stop.load(Ordering::Relaxed) {
                return;
            }
            next_sample = (step / sample_every + 1) * sample_every;
            match sample_text(model, vocab, "\n", args.sample_temperature as f32, SAMPLE_CHARS, step) {
                Ok(text) => bar.suspend(|| {
                    say!("sample at step {step}, T {}:", args.sample_temperature);
                    say!("{}", tempest_core::display::escape_controls(&text).replace('↵', "\n"));
                }),
                Err(e) => bar.suspend(|| eprintln!("could not sample at step {step}: {e}")),
            }
        }
    })?;
    bar.finish_and_clear();
    match outcome {
        Outcome::Finished { state } => {
            say!(
                "done: {} steps in {:.0}s; best validation loss {} written to {}",
                state.step,
                state.wall_seconds,
                state.best_val.map(|v| format!("{v:.4} nats/char")).unwrap_or_else(|| "n/a".into()),
                out.display()
            );
            match attach_reference(&out, trainer.corpus()) {
                Ok(Some(r)) => say!(
                    "human reference stored with the model: {} held-out passages of {} chars, {} words",
                    r.chunks,
                    r.chunk_chars,
                    r.words.len()
                ),
                Ok(None) => {}
                // The model itself is saved and fine; only the sweep's comparison is missing.
                Err(e) => eprintln!("warning: no human reference stored with the model: {e:#}"),
            }
            Ok(0)
        }
        Outcome::Interrupted { state, checkpoint } => {
            eprintln!(
                "interrupted at step {}; checkpoint saved. Resume with: tempest train --resume {}",
                state.step,
                checkpoint.display()
            );
            let _ = sibling; // the checkpoint path above is `sibling(out, "resume.safetensors")`
            Ok(exit_code.load(Ordering::SeqCst))
        }
    }
}

/// Characters in the corpus (what --epochs and the scaled defaults count), or its size in bytes
/// if it cannot be read as text here (loading it reports why).
fn corpus_chars(path: &std::path::Path) -> u64 {
    let bytes = std::fs::metadata(path).ok().filter(|m| m.is_file()).map_or(0, |m| m.len());
    // Counting is only worth a read for a text that could be trained on at all.
    if bytes == 0 || bytes > 1 << 30 {
        return bytes;
    }
    match std::fs::read_to_string(path) {
        Ok(text) if bytes > 0 => text.chars().count() as u64,
        _ => bytes,
    }
}

/// Ctrl-C (or SIGTERM) stops after the current step with a checkpoint, and says so at once; a
/// second one stops at once, keeping the last checkpoint on disk (every write is atomic, so it
/// is whole). A graceful stop exits with 130 for Ctrl-C and 143 for SIGTERM; the second signal
/// ends the process by that signal, which a shell reports the same way.
fn watch_signals(stop: &Arc<AtomicBool>, exit_code: &Arc<AtomicI32>, bar: &ProgressBar) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals =
        signal_hook::iterator::Signals::new([SIGINT, SIGTERM]).context("cannot install the Ctrl-C handler")?;
    let (stop, exit_code, bar) = (Arc::clone(stop), Arc::clone(exit_code), bar.clone());
    std::thread::Builder::new()
        .name("tempest-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                let code = 128 + sig;
                let what = if sig == SIGTERM { "SIGTERM" } else { "Ctrl-C" };
                if stop.swap(true, Ordering::SeqCst) {
                    bar.suspend(|| eprintln!("{what} again: stopping now; the last checkpoint on disk is kept"));
                    // Die of the signal itself, as the shell expects (it reports 128 + the
                    // signal), without running exit handlers while libtorch is mid-step.
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                    std::process::exit(code);
                }
                exit_code.store(code, Ordering::SeqCst);
                bar.suspend(|| {
                    eprintln!("{what}: stopping after the current step and saving a checkpoint (press Ctrl-C again to stop at once)")
                });
            }
        })
        .context("cannot start the signal thread")?;
    Ok(())
}

/// libtorch's thread count and the OpenMP wait policy in force (see `crate::openmp`), so a slow run
/// on a busy machine can be told apart from a spinning one.
fn threads_note() -> String {
    let policy = std::env::var(crate::openmp::WAIT_POLICY).unwrap_or_else(|_| "libgomp default (spinning)".into());
    format!("{} threads, OpenMP wait {policy}", tch::get_num_threads())
}

/// The progress bar's message. Before the first evaluation (or with no held-out text) the
/// validation loss is a dash, never `NaN`.
fn progress_message(chars_per_sec: f64, loss: f64, last_val: Option<f64>, lr: f64) -> String {
    let val = last_val.filter(|v| v.is_finite()).map_or("–".to_string(), |v| format!("{v:.3}"));
    format!("{chars_per_sec:.0} chars/s · loss {loss:.3} · val {val} · lr {lr:.2e}")
}

/// One evaluation's line. With no held-out text (`--val-frac 0`) the loss is NaN: shown as a dash.
fn eval_line(step: u64, train_loss: f64, val_loss: f64, best: bool, chars_per_sec: f64, elapsed: f64) -> String {
    let val = if val_loss.is_finite() {
        format!("{val_loss:.4} nats/char ({:.4} bits/char)", val_loss / std::f64::consts::LN_2)
    } else {
        "– (no held-out text)".to_string()
    };
    let best = if best { " · best, saved" } else { "" };
    format!("step {step}: train {train_loss:.4} · val {val}{best} · {chars_per_sec:.0} chars/s · {elapsed:.0}s")
}

#[cfg(test)]
mod progress_tests {
    use super::*;

    #[test]
    fn val_is_a_dash_before_the_first_evaluation_and_without_held_out_text() {
        let before = progress_message(2100.0, 3.21, None, 2e-3);
        assert!(before.contains("val –") && !before.contains("NaN"), "{before}");
        assert!(progress_message(2100.0, 3.21, Some(f64::NAN), 2e-3).contains("val –"));
        assert!(progress_message(2100.0, 3.21, Some(1.5), 2e-3).contains("val 1.500"));
        let none = eval_line(20, 1.9, f64::NAN, false, 2100.0, 3.0);
        assert!(none.contains("val –") && !none.contains("NaN"), "{none}");
        let some = eval_line(20, 1.9, 1.3863, true, 2100.0, 3.0);
        assert!(some.contains("val 1.3863 nats/char (2.0000 bits/char) · best, saved"), "{some}");
    }
}
