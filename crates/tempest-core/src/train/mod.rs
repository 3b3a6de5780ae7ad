//! `tempest train`: fits a char-RNN to a UTF-8 corpus, with checkpoints that survive being killed.
//!
//! Files written beside `--out MODEL.safetensors`:
//! - `MODEL.safetensors`: the model with the best validation loss so far (what `sample` reads);
//! - `MODEL.resume.safetensors`: weights, AdamW moments and the run's state, for `--resume`;
//! - `MODEL.loss.jsonl`: the loss curve, one JSON object per logged step.
//!
//! Every write is atomic (temp file, fsync, rename). Randomness is a pure function of
//! `(seed, step)`: batch offsets come from a ChaCha stream numbered by the step and libtorch's
//! dropout generator is reseeded each step, so a resumed run continues exactly as the original
//! would have.

pub mod data;
pub mod optim;
pub mod output;
pub mod prime;
pub mod resume;
pub mod sample;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result};
use crate::model::{CharRnn, ModelSpec, SeqState, TrainingFacts};
use data::Corpus;
use optim::{AdamW, Schedule};

/// Everything that defines a run. Stored in the resume checkpoint, so `--resume` needs no flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The UTF-8 training text.
    pub corpus: PathBuf,
    /// The model file to write; the resume checkpoint and loss log are named after it ([`sibling`]).
    pub out: PathBuf,
    /// The recurrent cell of every layer.
    pub cell: crate::model::CellKind,
    /// Stacked layers, 1 to 16.
    pub layers: i64,
    /// Hidden units per layer, 1 to 16,384.
    pub hidden: i64,
    /// Width of the character embedding, 1 to 16,384.
    pub embed: i64,
    /// Dropout between layers and before the output layer, in [0, 1).
    pub dropout: f64,
    /// Characters per training sequence: how far back gradients flow ([`limits::SEQ_LEN`]).
    pub seq_len: usize,
    /// Sequences per step ([`limits::BATCH`]).
    pub batch: usize,
    /// Peak learning rate, in (0, 1).
    pub lr: f64,
    /// Steps of linear warm-up to the peak (capped at half the run).
    pub warmup: u64,
    /// Final learning rate as a fraction of the peak, in [0, 1] ([`limits::LR_FLOOR`]).
    pub lr_floor: f64,
    /// AdamW's decoupled weight decay on weight matrices, 0 to 10; 0 turns it off.
    pub weight_decay: f64,
    /// Largest global L2 norm of the gradients before a step; 0 turns clipping off.
    pub grad_clip: f64,
    /// Optimiser steps in the whole run.
    pub steps: u64,
    /// Share of the corpus held out for validation, from its end, in [0, 0.9).
    pub val_frac: f64,
    /// Steps between validations (and model writes when validation improves).
    pub eval_every: u64,
    /// Steps between resume checkpoints (one is also written at each validation).
    pub checkpoint_every: u64,
    /// Seed of the initial weights, the batches and dropout: with the same corpus and settings, the
    /// same run.
    pub seed: u64,
}

/// Where a run stands; saved with each resume checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunState {
    /// Steps done.
    pub step: u64,
    /// Lowest validation loss so far, in nats per character: the model file holds those weights.
    pub best_val: Option<f64>,
    /// The latest validation loss, in nats per character.
    pub last_val: Option<f64>,
    /// Smoothed training loss in nats per character (exponential average, weight 0.02 per step).
    pub train_loss: Option<f64>,
    /// Training time in seconds, summed across resumes.
    pub wall_seconds: f64,
    /// The corpus's fingerprint ([`data::fingerprint`]), so a resume on a changed file is refused.
    pub corpus_fingerprint: u64,
}

/// How [`Trainer::run`] ended.
pub enum Outcome {
    /// All the configured steps were taken.
    Finished {
        /// Where the run ended.
        state: RunState,
    },
    /// The stop flag was raised; a resume checkpoint holds the run's state.
    Interrupted {
        /// Where the run stopped.
        state: RunState,
        /// The resume checkpoint to continue from.
        checkpoint: PathBuf,
    },
}

/// What the trainer reports, so the command decides how to show it (progress bar or plain log).
pub enum Event<'a> {
    /// The run is about to take its first step (or its first since resuming).
    Started {
        /// Steps in the whole run.
        total: u64,
        /// Steps already done (non-zero when resuming).
        start: u64,
        /// Weights and biases in the model.
        params: i64,
        /// Characters in the training split.
        train_chars: usize,
        /// Characters in the held-out split.
        val_chars: usize,
        /// Where training runs.
        device: Device,
    },
    /// A step was taken.
    Step {
        /// Steps done, this one included.
        step: u64,
        /// This step's training loss, nats per character.
        loss: f64,
        /// The learning rate it used.
        lr: f64,
        /// Training characters per second over the last half minute or so.
        chars_per_sec: f64,
    },
    /// The held-out split was evaluated.
    Eval {
        /// Steps done.
        step: u64,
        /// Smoothed training loss, nats per character.
        train_loss: f64,
        /// Validation loss, nats per character (NaN when there is no held-out text).
        val_loss: f64,
        /// Whether it is the best so far, so the model file was rewritten.
        best: bool,
        /// Training characters per second.
        chars_per_sec: f64,
        /// Training time so far, in seconds.
        elapsed: f64,
    },
    /// A resume checkpoint was written; `model` and `vocab` are the model as saved (for a sample).
    Checkpoint {
        /// Steps done.
        step: u64,
        /// The resume checkpoint written.
        path: &'a Path,
        /// The model as saved.
        model: &'a CharRnn,
        /// Its vocabulary.
        vocab: &'a crate::model::Vocab,
    },
}

/// A file beside `out` named after it: `model.safetensors` with `loss.jsonl` gives
/// `model.loss.jsonl`.
pub fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
    out.with_file_name(format!("{stem}.{suffix}"))
}

/// A training run: the corpus, the model, the optimiser and where the run stands.
pub struct Trainer {
    /// The run's settings, stored in every resume checkpoint.
    pub config: TrainConfig,
    /// What to do with files already at the output paths; checked before the first step.
    pub existing: output::Existing,
    corpus: Corpus,
    model: CharRnn,
    opt: AdamW,
    schedule: Schedule,
    state: RunState,
    device: Device,
}

impl Trainer {
    /// A fresh run: checks the settings, loads the corpus and initialises the model from the seed.
    pub fn new(config: TrainConfig, device: Device) -> Result<Self> {
        validate(&config)?;
        let corpus = Corpus::load(&config.corpus, config.val_frac, config.seq_len, None)?;
        let spec = config.spec(corpus.vocab.len() as i64);
        tch::manual_seed(config.seed as i64);
        let model = CharRnn::new(spec, device);
        let opt = AdamW::new(model.named_tensors(), config.weight_decay);
        let state = RunState {
            step: 0,
            best_val: None,
            last_val: None,
            train_loss: None,
            wall_seconds: 0.0,
            corpus_fingerprint: corpus.fingerprint,
        };
        let schedule = schedule_of(&config);
        Ok(Trainer { config, existing: output::Existing::Refuse, corpus, model, opt, schedule, state, device })
    }

    /// Picks a run up from its resume checkpoint. `corpus` overrides the stored path (the file
    /// must still have the same content).
    pub fn resume(path: &Path, corpus: Option<PathBuf>, device: Device) -> Result<Self> {
        Self::resume_extended(path, corpus, None, device)
    }

    /// [`Trainer::resume`], optionally extending the run to `steps` in all (a finished run
    /// continues). The learning rate then follows the cosine schedule of the longer run from the
    /// step reached, so it rises again from the floor and decays to it by the new end.
    pub fn resume_extended(path: &Path, corpus: Option<PathBuf>, steps: Option<u64>, device: Device) -> Result<Self> {
        let saved = resume::load(path, device)?;
        let mut config = saved.config;
        if let Some(steps) = steps {
            if steps < saved.state.step {
                return Err(Error::Invalid(format!(
                    "--steps {steps} is behind this run, which is already at step {}: give a larger --steps to extend it",
                    saved.state.step
                )));
            }
            config.steps = steps;
        }
        // The stored --out may be relative to the folder the run started in: the run's files are
        // the ones beside this checkpoint, wherever the command is run from. Only its file name is
        // used, so a stored path (edited, say, to `..` or `../x`) cannot send writes elsewhere.
        match config.out.file_name() {
            Some(name) => config.out = path.with_file_name(name),
            None => {
                return Err(Error::Invalid(format!(
                    "resume checkpoint {}: the stored output path {} does not end in a file name",
                    crate::files::quote_path(path),
                    crate::files::quote_path(&config.out)
                )))
            }
        }
        let overridden = corpus.is_some();
        if let Some(c) = corpus {
            config.corpus = c;
        }
        let corpus =
            Corpus::load(&config.corpus, config.val_frac, config.seq_len, Some(saved.vocab)).map_err(|e| match e {
                Error::Io { path, err } if !overridden && err.kind() == std::io::ErrorKind::NotFound => {
                    Error::Invalid(format!(
                        "corpus {}: {err}; the path is as given when the run started (relative to that folder): \
                 pass --corpus to say where it is now",
                        path.display()
                    ))
                }
                e => e,
            })?;
        if corpus.fingerprint != saved.state.corpus_fingerprint {
            return Err(Error::Invalid(format!(
                "corpus {} is not the file this run was trained on (its content changed)",
                config.corpus.display()
            )));
        }
        let schedule = schedule_of(&config);
        Ok(Trainer {
            config,
            existing: output::Existing::Continue,
            corpus,
            model: saved.model,
            opt: saved.opt,
            schedule,
            state: saved.state,
            device,
        })
    }

    /// The model as it is now (not necessarily the best one written).
    pub fn model(&self) -> &CharRnn {
        &self.model
    }

    /// The loaded corpus.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// Trains until the configured steps are done or `stop` is raised, writing the model, resume
    /// checkpoint and loss log as it goes, and telling `report` what happens.
    pub fn run(&mut self, stop: &Arc<AtomicBool>, mut report: impl FnMut(Event<'_>)) -> Result<Outcome> {
        let cfg = self.config.clone();
        let resume_path = sibling(&cfg.out, "resume.safetensors");
        let log_path = sibling(&cfg.out, "loss.jsonl");
        output::prepare(&cfg, self.existing)?;
        let names: Vec<String> = output::output_paths(&cfg.out)
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        crate::files::remove_abandoned_temps(crate::files::folder_of(&cfg.out), &names);
        resume::truncate_log(&log_path, self.state.step)?;
        report(Event::Started {
            total: cfg.steps,
            start: self.state.step,
            params: self.model.spec().parameter_count(),
            train_chars: self.corpus.train.len(),
            val_chars: self.corpus.val.len(),
            device: self.device,
        });
        let chars_per_step = (cfg.batch * cfg.seq_len) as f64;
        let started = Instant::now();
        let wall_before = self.state.wall_seconds;
        let mut window = (Instant::now(), 0u64);
        let mut smooth: Option<f64> = self.state.train_loss;
        while self.state.step < cfg.steps {
            if stop.load(Ordering::Relaxed) {
                self.checkpoint(&resume_path, wall_before + started.elapsed().as_secs_f64(), &mut report)?;
                return Ok(Outcome::Interrupted { state: self.state.clone(), checkpoint: resume_path });
            }
            let step = self.state.step;
            let lr = self.schedule.lr(step);
            let loss = self.train_step(step, lr)?;
            smooth = Some(match smooth {
                None => loss,
                Some(s) => 0.98 * s + 0.02 * loss,
            });
            self.state.step += 1;
            self.state.train_loss = smooth;
            window.1 += 1;
            let dt = window.0.elapsed().as_secs_f64();
            let cps = window.1 as f64 * chars_per_step / dt.max(1e-9);
            if dt > 30.0 {
                window = (Instant::now(), 0);
            }
            report(Event::Step { step: self.state.step, loss, lr, chars_per_sec: cps });
            let done = self.state.step == cfg.steps;
            let mut log = serde_json::json!({"step": self.state.step, "lr": lr, "train_loss": loss,
                "chars_seen": self.state.step * chars_per_step as u64});
            if self.state.step.is_multiple_of(cfg.eval_every) || done {
                let val = if self.corpus.val.len() >= 2 { Some(self.evaluate()?) } else { None };
                self.state.wall_seconds = wall_before + started.elapsed().as_secs_f64();
                self.state.last_val = val;
                let best = match (val, self.state.best_val) {
                    (Some(v), Some(b)) => v < b,
                    (Some(_), None) => true,
                    (None, _) => true,
                };
                if best {
                    self.state.best_val = val.or(self.state.best_val);
                    self.model.save(&cfg.out, &self.corpus.vocab, Some(self.facts()))?;
                }
                log["val_loss"] = val.map(Into::into).unwrap_or(serde_json::Value::Null);
                log["elapsed"] = self.state.wall_seconds.into();
                report(Event::Eval {
                    step: self.state.step,
                    train_loss: smooth.unwrap_or(loss),
                    val_loss: val.unwrap_or(f64::NAN),
                    best,
                    chars_per_sec: cps,
                    elapsed: self.state.wall_seconds,
                });
            }
            if self.state.step.is_multiple_of(10) || done || self.state.step.is_multiple_of(cfg.eval_every) {
                resume::append_log(&log_path, &log)?;
            }
            if self.state.step.is_multiple_of(cfg.checkpoint_every)
                || self.state.step.is_multiple_of(cfg.eval_every)
                || done
            {
                self.checkpoint(&resume_path, wall_before + started.elapsed().as_secs_f64(), &mut report)?;
            }
        }
        Ok(Outcome::Finished { state: self.state.clone() })
    }

    fn train_step(&mut self, step: u64, lr: f64) -> Result<f64> {
        let cfg = &self.config;
        let (x, y) = step_batch(&self.corpus.train, cfg.batch, cfg.seq_len, cfg.seed, step, self.device);
        let value = optimise_batch(&self.model, &mut self.opt, &x, &y, cfg.grad_clip, lr)?;
        if !value.is_finite() {
            return Err(Error::Invalid(format!(
                "training diverged at step {step} (loss is {value}); try a lower --lr or --grad-clip"
            )));
        }
        Ok(value)
    }

    /// Mean loss in nats/char over the whole held-out split. The split is cut into parallel
    /// contiguous streams whose hidden state is carried from chunk to chunk, so every character is
    /// predicted with the context before it, as it would be in generation.
    pub fn evaluate(&self) -> Result<f64> {
        evaluate(&self.model, &self.corpus.val, self.config.batch.max(8), self.config.seq_len.max(64))
    }

    fn facts(&self) -> TrainingFacts {
        let chars_per_step = (self.config.batch * self.config.seq_len) as u64;
        TrainingFacts {
            corpus: self.corpus.name.clone(),
            corpus_chars: self.corpus.chars,
            steps: self.state.step,
            chars_seen: self.state.step * chars_per_step,
            train_loss: self.state.train_loss,
            val_loss: self.state.last_val,
            val_bits_per_char: self.state.last_val.map(|v| v / std::f64::consts::LN_2),
            wall_seconds: self.state.wall_seconds,
            settings: serde_json::to_value(&self.config).unwrap_or_default(),
            prime: Some(prime::default_prime(&self.corpus.vocab, &self.corpus.val, &self.corpus.train))
                .filter(|p| !p.is_empty()),
        }
    }

    /// Records the training time so far, writes the resume checkpoint and says so.
    fn checkpoint(&mut self, path: &Path, wall_seconds: f64, report: &mut impl FnMut(Event<'_>)) -> Result<()> {
        self.state.wall_seconds = wall_seconds;
        self.save_resume(path)?;
        report(Event::Checkpoint { step: self.state.step, path, model: &self.model, vocab: &self.corpus.vocab });
        Ok(())
    }

    fn save_resume(&self, path: &Path) -> Result<()> {
        resume::save(path, &self.model, &self.corpus.vocab, &self.opt, &self.config, &self.state, self.facts())
    }
}

/// The batch of training step `step`: `batch` windows at offsets drawn from ChaCha stream `step` of
/// `seed`, as inputs `[batch, seq_len]` and flat targets, int64 on `device`. Also reseeds libtorch's
/// generator for the step's dropout masks, so a step's randomness depends on `(seed, step)` alone.
pub fn step_batch(ids: &[u32], batch: usize, seq_len: usize, seed: u64, step: u64, device: Device) -> (Tensor, Tensor) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(step);
    tch::manual_seed((seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15)) as i64);
    let (x, y) = data::random_windows(ids, batch, seq_len, &mut rng);
    let x = Tensor::from_slice(&x).view([batch as i64, seq_len as i64]).to_device(device);
    let y = Tensor::from_slice(&y).to_device(device);
    (x, y)
}

/// One optimiser step on a batch from [`step_batch`]: forward with dropout from a zero state, mean
/// cross-entropy, backward, global gradient-norm clip, AdamW. Returns the loss (possibly not finite;
/// the caller decides). This is all of a training step's arithmetic; `bench-train` times it.
pub fn optimise_batch(
    model: &CharRnn,
    opt: &mut AdamW,
    x: &Tensor,
    y: &Tensor,
    grad_clip: f64,
    lr: f64,
) -> Result<f64> {
    let state = model.zero_state(x.size()[0]);
    let (logits, _) = model.forward(x, &state, true);
    let v = model.spec().vocab;
    let loss = logits.view([-1, v]).f_cross_entropy_loss::<Tensor>(y, None, tch::Reduction::Mean, -100, 0.0)?;
    opt.zero_grad();
    loss.backward();
    opt.clip_grad_norm(grad_clip);
    opt.step(lr);
    Ok(loss.double_value(&[]))
}

/// Mean cross-entropy of `model` on `ids` in nats per character, `ids` cut into `streams` parallel
/// contiguous streams run in chunks of `chunk` characters with their state carried over.
pub fn evaluate(model: &CharRnn, ids: &[u32], streams: usize, chunk: usize) -> Result<f64> {
    let _guard = tch::no_grad_guard();
    let n = ids.len() - 1;
    let streams = streams.min(n).max(1);
    let per = n / streams;
    let v = model.spec().vocab;
    let mut total = 0.0;
    let run = |rows: &[usize], len: usize, state: &mut SeqState, total: &mut f64| -> Result<()> {
        let mut off = 0;
        while off < len {
            let l = chunk.min(len - off);
            let mut x = Vec::with_capacity(rows.len() * l);
            let mut y = Vec::with_capacity(rows.len() * l);
            for &start in rows {
                x.extend(ids[start + off..start + off + l].iter().map(|&i| i as i64));
                y.extend(ids[start + off + 1..start + off + l + 1].iter().map(|&i| i as i64));
            }
            let x = Tensor::from_slice(&x).view([rows.len() as i64, l as i64]).to_device(model.device());
            let y = Tensor::from_slice(&y).to_device(model.device());
            let (logits, next) = model.forward(&x, state, false);
            *state = next;
            let loss = logits.view([-1, v]).f_cross_entropy_loss::<Tensor>(&y, None, tch::Reduction::Sum, -100, 0.0)?;
            *total += loss.to_kind(Kind::Double).double_value(&[]);
            off += l;
        }
        Ok(())
    };
    let starts: Vec<usize> = (0..streams).map(|s| s * per).collect();
    let mut state = model.zero_state(streams as i64);
    if per > 0 {
        run(&starts, per, &mut state, &mut total)?;
    }
    // The few characters left over after equal streams continue the last stream's context.
    let tail = n - streams * per;
    if tail > 0 {
        let last = (streams - 1) as i64;
        let mut tail_state = SeqState {
            h: state.h.narrow(1, last, 1).contiguous(),
            c: state.c.as_ref().map(|c| c.narrow(1, last, 1).contiguous()),
        };
        run(&[streams * per], tail, &mut tail_state, &mut total)?;
    }
    Ok(total / n as f64)
}

fn schedule_of(cfg: &TrainConfig) -> Schedule {
    Schedule { peak: cfg.lr, warmup: cfg.warmup.min(cfg.steps / 2), total: cfg.steps, floor: cfg.lr_floor }
}

/// The accepted range of each training setting. The command line and a resume checkpoint's
/// stored settings are held to the same ranges.
pub mod limits {
    /// Characters per training sequence.
    pub const SEQ_LEN: std::ops::RangeInclusive<usize> = 1..=10_000;
    /// Sequences per step.
    pub const BATCH: std::ops::RangeInclusive<usize> = 1..=65_536;
    /// Steps, warm-up steps, and the evaluation and checkpoint intervals.
    pub const STEPS: std::ops::RangeInclusive<u64> = 1..=1_000_000_000;
    /// AdamW weight decay (0 turns it off).
    pub const WEIGHT_DECAY: std::ops::RangeInclusive<f64> = 0.0..=10.0;
    /// The gradient-norm clip (0 turns it off).
    pub const GRAD_CLIP: std::ops::RangeInclusive<f64> = 0.0..=1e6;
    /// The learning-rate floor, as a fraction of the peak.
    pub const LR_FLOOR: std::ops::RangeInclusive<f64> = 0.0..=1.0;
    /// Largest estimated working memory of one training step: 8 GiB.
    pub const STEP_BYTES: u64 = 8 << 30;
}

impl TrainConfig {
    /// The model these settings describe, for a vocabulary of `vocab` characters.
    pub fn spec(&self, vocab: i64) -> ModelSpec {
        ModelSpec {
            cell: self.cell,
            layers: self.layers,
            hidden: self.hidden,
            embed: self.embed,
            vocab,
            dropout: self.dropout,
        }
    }

    /// Checks every setting against [`limits`] and estimates one step's memory, so a setting that
    /// would exhaust memory is refused before anything is allocated.
    pub fn validate(&self) -> std::result::Result<(), String> {
        fn within<T: PartialOrd + std::fmt::Display>(
            name: &str,
            v: T,
            r: std::ops::RangeInclusive<T>,
        ) -> std::result::Result<(), String> {
            if r.contains(&v) {
                Ok(())
            } else {
                Err(format!("--{name} must be in [{}, {}], got {v}", r.start(), r.end()))
            }
        }
        within("seq-len", self.seq_len, limits::SEQ_LEN)?;
        within("batch", self.batch, limits::BATCH)?;
        within("steps", self.steps, limits::STEPS)?;
        within("warmup", self.warmup, 0..=*limits::STEPS.end())?;
        within("eval-every", self.eval_every, limits::STEPS)?;
        within("checkpoint-every", self.checkpoint_every, limits::STEPS)?;
        if !(0.0..0.9).contains(&self.val_frac) {
            return Err(format!("--val-frac must be in [0, 0.9), got {}", self.val_frac));
        }
        if !(self.lr > 0.0 && self.lr < 1.0) {
            return Err(format!("--lr must be in (0, 1), got {}", self.lr));
        }
        within("lr-floor", self.lr_floor, limits::LR_FLOOR)?;
        within("weight-decay", self.weight_decay, limits::WEIGHT_DECAY)?;
        within("grad-clip", self.grad_clip, limits::GRAD_CLIP)?;
        self.spec(1).validate()?;
        let bytes = self.step_bytes_estimate();
        if bytes > limits::STEP_BYTES {
            return Err(format!(
                "--batch {} x --seq-len {} with this model needs about {:.1} GB per step; at most {} GB is allowed",
                self.batch,
                self.seq_len,
                bytes as f64 / 1e9,
                limits::STEP_BYTES >> 30
            ));
        }
        Ok(())
    }

    /// A generous estimate of one training step's memory in bytes: weights, gradients and AdamW
    /// moments, plus the activations libtorch keeps for backpropagation (per character: the
    /// embedding, each layer's gates and states, and the logits over a large vocabulary).
    pub fn step_bytes_estimate(&self) -> u64 {
        let gates = self.cell.gates() as u64;
        let (layers, hidden, embed) = (self.layers.max(0) as u64, self.hidden.max(0) as u64, self.embed.max(0) as u64);
        let vocab = 256u64;
        let params = self.spec(vocab as i64).parameter_count().max(0) as u64;
        let per_char = embed + layers * hidden * (gates + 3) + 3 * vocab;
        let chars = (self.batch as u64).saturating_mul(self.seq_len as u64);
        (params * 4).saturating_mul(4).saturating_add(chars.saturating_mul(per_char).saturating_mul(4 * 2))
    }
}

fn validate(cfg: &TrainConfig) -> Result<()> {
    cfg.validate().map_err(Error::Invalid)
}
