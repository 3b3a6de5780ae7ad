//! The model file: one `.safetensors` with PyTorch `state_dict` names and a JSON metadata block.
//!
//! The metadata lives under the `tempest` key of the safetensors `__metadata__` map (which only
//! holds strings). Loading validates everything against it before any tensor is used, so a wrong
//! or damaged file is refused with a message naming what is wrong instead of failing deep inside
//! libtorch.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use super::{CellKind, CharRnn, ModelSpec, Vocab};
use crate::error::{Error, Result};

pub const FORMAT: &str = "tempest-char-rnn";
pub const FORMAT_VERSION: u32 = 1;
/// Key in the safetensors `__metadata__` map that holds [`Metadata`] as JSON.
pub const METADATA_KEY: &str = "tempest";

/// How a model was trained: the model card that travels inside the file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingFacts {
    pub corpus: String,
    pub corpus_chars: u64,
    pub steps: u64,
    pub chars_seen: u64,
    pub train_loss: Option<f64>,
    /// Validation loss in nats per character over the whole held-out split.
    pub val_loss: Option<f64>,
    pub val_bits_per_char: Option<f64>,
    pub wall_seconds: f64,
    #[serde(default)]
    pub settings: serde_json::Value,
    /// A short start of the held-out text: the prime front ends use when theirs does not fit the
    /// vocabulary. Absent from checkpoints written before it was added (they still load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prime: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub format: String,
    pub format_version: u32,
    pub cell: String,
    pub layers: i64,
    pub hidden: i64,
    pub embed: i64,
    #[serde(default)]
    pub dropout: f64,
    /// The vocabulary in id order, one string per character.
    pub vocab: Vec<String>,
    #[serde(default)]
    pub training: Option<TrainingFacts>,
    /// Figures for human text and the word list a sweep compares against
    /// (`tempest_core::sweep::Reference`). Optional: files without it load as before. Kept as raw
    /// JSON here so the model layer does not depend on the analysis built on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<serde_json::Value>,
}

impl Metadata {
    pub fn new(spec: &ModelSpec, vocab: &Vocab, training: Option<TrainingFacts>) -> Self {
        Metadata {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            cell: spec.cell.name().into(),
            layers: spec.layers,
            hidden: spec.hidden,
            embed: spec.embed,
            dropout: spec.dropout,
            vocab: vocab.chars().iter().map(|c| c.to_string()).collect(),
            training,
            reference: None,
        }
    }

    fn spec_and_vocab(&self) -> Result<(ModelSpec, Vocab), String> {
        if self.format != FORMAT {
            return Err(format!("metadata format is {:?}, expected {FORMAT:?}", self.format));
        }
        if self.format_version != FORMAT_VERSION {
            return Err(format!(
                "format version {} is not supported (this tempest reads version {FORMAT_VERSION})",
                self.format_version
            ));
        }
        let cell = CellKind::parse(&self.cell)
            .ok_or_else(|| format!("unknown cell kind {:?} (expected lstm, gru or rnn)", self.cell))?;
        let mut chars = Vec::with_capacity(self.vocab.len());
        for (i, s) in self.vocab.iter().enumerate() {
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => chars.push(c),
                _ => return Err(format!("vocabulary entry {i} is {s:?}, not a single character")),
            }
        }
        let vocab = Vocab::new(chars).map_err(|e| e.to_string())?;
        let spec = ModelSpec {
            cell,
            layers: self.layers,
            hidden: self.hidden,
            embed: self.embed,
            vocab: vocab.len() as i64,
            dropout: self.dropout,
        };
        spec.validate()?;
        Ok((spec, vocab))
    }
}

/// A loaded model with its vocabulary and metadata.
pub struct Checkpoint {
    pub model: CharRnn,
    pub vocab: Vocab,
    pub metadata: Metadata,
    pub path: PathBuf,
}

impl Checkpoint {
    pub fn load(path: &Path, device: Device) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|err| Error::Io { path: path.into(), err })?;
        Self::from_bytes(path, &bytes, device)
    }

    pub fn from_bytes(path: &Path, bytes: &[u8], device: Device) -> Result<Self> {
        let bad = |reason: String| Error::BadCheckpoint { path: path.into(), reason };
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| Error::NotSafetensors { path: path.into(), reason: e.to_string() })?;
        let tensors = SafeTensors::deserialize(bytes)
            .map_err(|e| Error::NotSafetensors { path: path.into(), reason: e.to_string() })?;
        let json = header
            .metadata()
            .as_ref()
            .and_then(|m| m.get(METADATA_KEY))
            .ok_or_else(|| bad(format!("no {METADATA_KEY:?} entry in the safetensors metadata; is this a tempest model? (see README: exporting from PyTorch)")))?;
        let metadata: Metadata = serde_json::from_str(json).map_err(|e| bad(format!("metadata is not valid: {e}")))?;
        let (spec, vocab) = metadata.spec_and_vocab().map_err(bad)?;

        let expected = spec.tensor_shapes();
        let present: HashMap<String, TensorView<'_>> = tensors.tensors().into_iter().collect();
        for (name, shape) in &expected {
            let view = present.get(name).ok_or_else(|| bad(format!("tensor {name:?} is missing")))?;
            if view.dtype() != Dtype::F32 {
                return Err(bad(format!(
                    "tensor {name:?} has dtype {:?}; tempest reads float32 (in PyTorch: model.float())",
                    view.dtype()
                )));
            }
            let got: Vec<i64> = view.shape().iter().map(|&d| d as i64).collect();
            if &got != shape {
                return Err(bad(mismatch(name, shape, &got, &spec)));
            }
        }
        let mut extra: Vec<&String> = present.keys().filter(|k| !expected.iter().any(|(n, _)| n == *k)).collect();
        extra.sort();
        if let Some(name) = extra.first() {
            return Err(bad(format!(
                "unexpected tensor {name:?} for a {}-layer {} model ({} unexpected in all)",
                spec.layers,
                spec.cell,
                extra.len()
            )));
        }

        let mut model = CharRnn::new(spec, device);
        {
            let _guard = tch::no_grad_guard();
            let vars = model.var_store_mut().variables();
            for (name, shape) in &expected {
                let view = &present[name];
                let data: Vec<f32> =
                    view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                if let Some(i) = data.iter().position(|v| !v.is_finite()) {
                    return Err(bad(format!("tensor {name:?} holds a non-finite value at flat index {i}")));
                }
                let src = Tensor::from_slice(&data).reshape(shape.as_slice());
                vars[name].shallow_clone().f_copy_(&src)?;
            }
        }
        Ok(Checkpoint { model, vocab, metadata, path: path.into() })
    }
}

fn mismatch(name: &str, want: &[i64], got: &[i64], spec: &ModelSpec) -> String {
    let mut msg = format!("tensor {name:?} has shape {got:?}, but the metadata implies {want:?}");
    if name == "embed.weight" || name == "head.weight" || name == "head.bias" {
        if got.first() != want.first() {
            msg.push_str(&format!(" (the vocabulary has {} characters)", spec.vocab));
        }
    }
    if name.starts_with("rnn.") && got.first() != want.first() {
        msg.push_str(&format!(
            " ({} gates x hidden {}: is the cell kind or hidden size right?)",
            spec.cell.gates(),
            spec.hidden
        ));
    }
    msg
}

/// Writes named float tensors and a metadata map as safetensors, atomically: a temporary file in
/// the same folder is written, synced and renamed over the target, so a crash at any moment leaves
/// either the old file or the new one, never a torn one.
pub fn write_safetensors(path: &Path, tensors: &[(String, Tensor)], metadata: HashMap<String, String>) -> Result<()> {
    let io = |err| Error::Io { path: path.into(), err };
    let mut owned: Vec<(String, Vec<u8>, Vec<usize>)> = Vec::with_capacity(tensors.len());
    for (name, t) in tensors {
        let t = t.detach().to_device(Device::Cpu).to_kind(tch::Kind::Float).contiguous();
        let shape: Vec<usize> = t.size().iter().map(|&d| d as usize).collect();
        let numel: usize = shape.iter().product();
        let mut data = vec![0f32; numel];
        t.f_copy_data(&mut data, numel)?;
        let bytes = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        owned.push((name.clone(), bytes, shape));
    }
    let views: Vec<(String, TensorView<'_>)> = owned
        .iter()
        .map(|(n, b, s)| (n.clone(), TensorView::new(Dtype::F32, s.clone(), b).expect("sizes agree")))
        .collect();
    let bytes = safetensors::serialize(views, &Some(metadata))
        .map_err(|e| Error::Invalid(format!("cannot serialise {}: {e}", path.display())))?;
    atomic_write(path, &bytes).map_err(io)
}

pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename is durable only once the folder itself is synced.
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

impl CharRnn {
    /// Saves the model with its vocabulary and training facts.
    pub fn save(&self, path: &Path, vocab: &Vocab, training: Option<TrainingFacts>) -> Result<()> {
        let meta = Metadata::new(self.spec(), vocab, training);
        let mut map = HashMap::new();
        map.insert(METADATA_KEY.to_string(), serde_json::to_string(&meta).expect("metadata serialises"));
        write_safetensors(path, &self.named_tensors(), map)
    }
}
