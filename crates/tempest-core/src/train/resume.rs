//! The resume checkpoint (weights, AdamW moments, config and run state in one safetensors file)
//! and the loss log beside it.

use std::collections::HashMap;
use std::path::Path;

use tch::{Device, Tensor};

use super::optim::AdamW;
use super::{RunState, TrainConfig};
use crate::display::excerpt;
use crate::error::{Error, Result};
use crate::files::{self, MAX_LOG_BYTES, MAX_MODEL_BYTES};
use crate::model::checkpoint::{refusal, write_safetensors, Metadata, METADATA_KEY};
use crate::model::parse::{self, f32_values, ParsedModel, Refusal, Weight};
use crate::model::{CharRnn, Checkpoint, TrainingFacts, Vocab};

const RUN_KEY: &str = "tempest-run";

/// The run's part of a resume checkpoint's metadata (under the `tempest-run` key).
#[derive(serde::Serialize, serde::Deserialize)]
struct RunMeta {
    config: TrainConfig,
    state: RunState,
    adam_t: i64,
}

/// A resume checkpoint loaded into libtorch: everything a run needs to continue.
pub struct Saved {
    /// The weights as of the checkpoint.
    pub model: CharRnn,
    /// The vocabulary the run was started with.
    pub vocab: Vocab,
    /// The optimiser with its moments and step count.
    pub opt: AdamW,
    /// The run's settings as stored, so `--resume` needs no flags.
    pub config: TrainConfig,
    /// Where the run stood.
    pub state: RunState,
}

/// Writes a resume checkpoint atomically: the model's tensors and the AdamW moments
/// (`optim.m.*`, `optim.v.*`), with the model metadata and the run's settings and state.
pub fn save(
    path: &Path,
    model: &CharRnn,
    vocab: &Vocab,
    opt: &AdamW,
    config: &TrainConfig,
    state: &RunState,
    facts: TrainingFacts,
) -> Result<()> {
    let mut tensors = model.named_tensors();
    for p in &opt.params {
        tensors.push((format!("optim.m.{}", p.name), p.m.shallow_clone()));
        tensors.push((format!("optim.v.{}", p.name), p.v.shallow_clone()));
    }
    let mut meta = HashMap::new();
    let model_meta = Metadata::new(model.spec(), vocab, Some(facts));
    meta.insert(METADATA_KEY.to_string(), serde_json::to_string(&model_meta).expect("serialises"));
    let run = RunMeta { config: config.clone(), state: state.clone(), adam_t: opt.t };
    meta.insert(RUN_KEY.to_string(), serde_json::to_string(&run).expect("serialises"));
    write_safetensors(path, &tensors, meta)
}

/// A resume checkpoint's parts, checked, before anything is built in libtorch.
#[derive(Debug, Clone)]
pub struct ParsedResume {
    /// The model part, checked as strictly as a model file.
    pub model: ParsedModel,
    /// AdamW's first and second moments, in the order of the model's weights.
    pub moments: Vec<(Weight, Weight)>,
    /// The run's settings, checked against the command line's ranges.
    pub config: TrainConfig,
    /// Where the run stood.
    pub state: RunState,
    /// AdamW's step count, for bias correction.
    pub adam_t: i64,
}

/// Parses and checks a resume checkpoint's bytes: the model part as strictly as a model file,
/// each optimiser moment's name, dtype, shape and values, and the run's settings and state as
/// strictly as the command line checks them.
pub fn parse(bytes: &[u8]) -> std::result::Result<ParsedResume, Refusal> {
    let bad = Refusal::Bad;
    let (tensors, metadata) = parse::open(bytes)?;
    let run: RunMeta = metadata
        .get(RUN_KEY)
        .ok_or_else(|| bad("this is not a resume checkpoint (resume from MODEL.resume.safetensors)".into()))
        .and_then(|j| {
            serde_json::from_str(j)
                .map_err(|e| bad(format!("run state is not valid: {}", excerpt(&e.to_string(), 200))))
        })?;
    run.config.validate().map_err(|e| bad(format!("run settings: {e}")))?;
    run.validate_state().map_err(|e| bad(format!("run state: {e}")))?;
    let model = parse::parse_parts(&tensors, &metadata, &|name| name.starts_with("optim.")).map_err(|r| match r {
        Refusal::Bad(e) => bad(format!("model part: {e}")),
        other => other,
    })?;
    let spec = &model.spec;
    if (spec.cell, spec.layers, spec.hidden, spec.embed)
        != (run.config.cell, run.config.layers, run.config.hidden, run.config.embed)
    {
        return Err(bad("the model part does not have the shape the run's settings give".into()));
    }
    let mut moments = Vec::with_capacity(model.weights.len());
    let mut expected = std::collections::HashSet::new();
    for w in &model.weights {
        let mut pair = Vec::with_capacity(2);
        for kind in ["m", "v"] {
            let key = format!("optim.{kind}.{}", w.name);
            let view = tensors.tensor(&key).map_err(|_| bad(format!("optimizer tensor {key:?} is missing")))?;
            let values = f32_values(&key, &view).map_err(bad)?;
            let shape: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
            if shape != w.shape {
                return Err(bad(format!("optimizer tensor {key:?} has shape {shape:?}, expected {:?}", w.shape)));
            }
            if kind == "v" && values.iter().any(|&v| v < 0.0) {
                return Err(bad(format!("optimizer tensor {key:?} holds a negative second moment")));
            }
            pair.push(Weight { name: key.clone(), shape, values });
            expected.insert(key);
        }
        let v = pair.pop().expect("two moments");
        let m = pair.pop().expect("two moments");
        moments.push((m, v));
    }
    let mut extra: Vec<String> =
        tensors.names().into_iter().filter(|n| n.starts_with("optim.") && !expected.contains(*n)).cloned().collect();
    extra.sort();
    if let Some(name) = extra.first() {
        return Err(bad(format!("unexpected optimizer tensor {:?}", excerpt(name, 80))));
    }
    Ok(ParsedResume { model, moments, config: run.config, state: run.state, adam_t: run.adam_t })
}

/// Loads a resume checkpoint (a regular file of at most [`MAX_MODEL_BYTES`]), entirely in
/// memory: nothing is written anywhere to read it.
pub fn load(path: &Path, device: Device) -> Result<Saved> {
    let bytes = files::read_regular(path, MAX_MODEL_BYTES, "resume checkpoint")?;
    let parsed = parse(&bytes).map_err(|r| refusal(path, r))?;
    drop(bytes);
    let ckpt = Checkpoint::from_parsed(path, parsed.model, device)?;
    let mut opt = AdamW::new(ckpt.model.named_tensors(), parsed.config.weight_decay);
    opt.t = parsed.adam_t;
    {
        let _guard = tch::no_grad_guard();
        for (p, (m, v)) in opt.params.iter_mut().zip(&parsed.moments) {
            debug_assert_eq!(m.name, format!("optim.m.{}", p.name));
            p.m.f_copy_(&Tensor::from_slice(&m.values).reshape(m.shape.as_slice()))?;
            p.v.f_copy_(&Tensor::from_slice(&v.values).reshape(v.shape.as_slice()))?;
        }
    }
    Ok(Saved { model: ckpt.model, vocab: ckpt.vocab, opt, config: parsed.config, state: parsed.state })
}

/// Appends one record to the loss log (see [`files::append_line`]).
pub fn append_log(path: &Path, line: &serde_json::Value) -> Result<()> {
    files::append_line(path, &line.to_string())
}

/// Drops log lines past `step`: after a kill, the steps between the last checkpoint and the kill
/// are trained again, and their first record must not stay in the curve.
pub fn truncate_log(path: &Path, step: u64) -> Result<()> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    let text = files::read_regular_text(path, MAX_LOG_BYTES, "loss log")?;
    let kept: String = text
        .lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .and_then(|v| v["step"].as_u64())
                .is_some_and(|s| s <= step)
        })
        .map(|l| format!("{l}\n"))
        .collect();
    if kept.len() != text.len() {
        files::atomic_write(path, kept.as_bytes()).map_err(|err| Error::Io { path: path.into(), err })?;
    }
    Ok(())
}

impl RunMeta {
    fn validate_state(&self) -> std::result::Result<(), String> {
        let s = &self.state;
        if s.step > self.config.steps {
            return Err(format!("step {} is past the run's {} steps", s.step, self.config.steps));
        }
        if self.adam_t < 0 || self.adam_t as u64 > s.step {
            return Err(format!("adam_t must be in [0, {}] (the step), got {}", s.step, self.adam_t));
        }
        for (name, v) in [("best_val", s.best_val), ("last_val", s.last_val), ("train_loss", s.train_loss)] {
            if let Some(v) = v {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(format!("{name} must be a finite loss, got {v}"));
                }
            }
        }
        if !(s.wall_seconds.is_finite() && s.wall_seconds >= 0.0) {
            return Err(format!("wall_seconds must be a finite number of seconds, got {}", s.wall_seconds));
        }
        Ok(())
    }
}
