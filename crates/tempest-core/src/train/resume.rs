//! The resume checkpoint (weights, AdamW moments, config and run state in one safetensors file)
//! and the loss log beside it.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use safetensors::SafeTensors;
use tch::{Device, Tensor};

use super::optim::AdamW;
use super::{RunState, TrainConfig};
use crate::error::{Error, Result};
use crate::model::checkpoint::{write_safetensors, Metadata, METADATA_KEY};
use crate::model::{CharRnn, Checkpoint, TrainingFacts, Vocab};

const RUN_KEY: &str = "tempest-run";

#[derive(serde::Serialize, serde::Deserialize)]
struct RunMeta {
    config: TrainConfig,
    state: RunState,
    adam_t: i64,
}

pub struct Saved {
    pub model: CharRnn,
    pub vocab: Vocab,
    pub opt: AdamW,
    pub config: TrainConfig,
    pub state: RunState,
}

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

pub fn load(path: &Path, device: Device) -> Result<Saved> {
    let bad = |reason: String| Error::BadCheckpoint { path: path.into(), reason };
    let bytes = std::fs::read(path).map_err(|err| Error::Io { path: path.into(), err })?;
    let (_, header) = SafeTensors::read_metadata(&bytes)
        .map_err(|e| Error::NotSafetensors { path: path.into(), reason: e.to_string() })?;
    let run: RunMeta = header
        .metadata()
        .as_ref()
        .and_then(|m| m.get(RUN_KEY))
        .ok_or_else(|| bad("this is not a resume checkpoint (resume from MODEL.resume.safetensors)".into()))
        .and_then(|j| serde_json::from_str(j).map_err(|e| bad(format!("run state is not valid: {e}"))))?;
    let st = SafeTensors::deserialize(&bytes)
        .map_err(|e| Error::NotSafetensors { path: path.into(), reason: e.to_string() })?;

    // The model part goes through the normal validating loader, from a copy without the moments.
    let mut model_tensors = Vec::new();
    let mut moments: HashMap<String, Tensor> = HashMap::new();
    for (name, view) in st.tensors() {
        let data: Vec<f32> =
            view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        let shape: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
        let t = Tensor::from_slice(&data).reshape(shape.as_slice());
        if name.starts_with("optim.") {
            moments.insert(name, t);
        } else {
            model_tensors.push((name, t));
        }
    }
    let mut meta = HashMap::new();
    if let Some(m) = header.metadata().as_ref().and_then(|m| m.get(METADATA_KEY)) {
        meta.insert(METADATA_KEY.to_string(), m.clone());
    }
    let tmp = tempfile::Builder::new()
        .suffix(".safetensors")
        .tempfile()
        .map_err(|err| Error::Io { path: path.into(), err })?;
    write_safetensors(tmp.path(), &model_tensors, meta)?;
    let ckpt = Checkpoint::load(tmp.path(), device).map_err(|e| bad(format!("model part: {e}")))?;

    let mut opt = AdamW::new(ckpt.model.named_tensors(), run.config.weight_decay);
    opt.t = run.adam_t;
    {
        let _guard = tch::no_grad_guard();
        for p in &mut opt.params {
            for (kind, dst) in [("m", &mut p.m), ("v", &mut p.v)] {
                let key = format!("optim.{kind}.{}", p.name);
                let src = moments.get(&key).ok_or_else(|| bad(format!("optimizer tensor {key:?} is missing")))?;
                if src.size() != dst.size() {
                    return Err(bad(format!("optimizer tensor {key:?} has shape {:?}", src.size())));
                }
                dst.copy_(src);
            }
        }
    }
    Ok(Saved { model: ckpt.model, vocab: ckpt.vocab, opt, config: run.config, state: run.state })
}

pub fn append_log(path: &Path, line: &serde_json::Value) -> Result<()> {
    let io = |err| Error::Io { path: path.into(), err };
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
    // One write(2) per line: `writeln!` on a `File` issues one per JSON token, so a kill could tear
    // a line and a reader tailing the log would see halves.
    f.write_all(format!("{line}\n").as_bytes()).map_err(io)
}

/// Drops log lines past `step`: after a kill, the steps between the last checkpoint and the kill
/// are trained again, and their first record must not stay in the curve.
pub fn truncate_log(path: &Path, step: u64) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(());
    };
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
        crate::model::checkpoint::atomic_write(path, kept.as_bytes())
            .map_err(|err| Error::Io { path: path.into(), err })?;
    }
    Ok(())
}
