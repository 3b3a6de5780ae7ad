//! The model file: one `.safetensors` with PyTorch `state_dict` names and a JSON metadata block.
//!
//! The metadata lives under the `tempest` key of the safetensors `__metadata__` map (which only
//! holds strings). Loading validates everything against it before any tensor is used, so a wrong
//! or damaged file is refused with a message naming what is wrong instead of failing deep inside
//! libtorch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use super::parse::{self, ParsedModel, Refusal};
use super::{CellKind, CharRnn, ModelSpec, Vocab};
use crate::error::{Error, Result};
use crate::files::{self, MAX_MODEL_BYTES};

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

    /// The model shape and vocabulary the metadata describes, checked.
    pub fn spec_and_vocab(&self) -> Result<(ModelSpec, Vocab), String> {
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
    /// Loads a model file: a regular file of at most [`MAX_MODEL_BYTES`], checked in full.
    pub fn load(path: &Path, device: Device) -> Result<Self> {
        let bytes = files::read_regular(path, MAX_MODEL_BYTES, "model")?;
        Self::from_bytes(path, &bytes, device)
    }

    /// Loads a model from its bytes; `path` only names it in messages.
    pub fn from_bytes(path: &Path, bytes: &[u8], device: Device) -> Result<Self> {
        let parsed = parse::parse(bytes).map_err(|r| refusal(path, r))?;
        Self::from_parsed(path, parsed, device)
    }

    /// Builds the libtorch model from parts [`parse`](super::parse) has checked.
    pub fn from_parsed(path: &Path, parsed: ParsedModel, device: Device) -> Result<Self> {
        let mut model = CharRnn::new(parsed.spec, device);
        {
            let _guard = tch::no_grad_guard();
            let vars = model.var_store_mut().variables();
            for w in &parsed.weights {
                let src = Tensor::from_slice(&w.values).reshape(w.shape.as_slice());
                vars[&w.name].shallow_clone().f_copy_(&src)?;
            }
        }
        Ok(Checkpoint { model, vocab: parsed.vocab, metadata: parsed.metadata, path: path.into() })
    }
}

/// Kept here too, where the first callers found it; the rules live in [`files`].
pub use crate::files::atomic_write;

/// A parse refusal as the error a user sees, naming the file.
pub(crate) fn refusal(path: &Path, r: Refusal) -> Error {
    match r {
        Refusal::NotSafetensors(reason) => Error::NotSafetensors { path: path.into(), reason },
        Refusal::Bad(reason) => Error::BadCheckpoint { path: path.into(), reason },
    }
}

/// Writes named float tensors and a metadata map as safetensors, atomically (see
/// [`files::atomic_write`]): a crash at any moment leaves either the old file or the new one.
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
        .map_err(|e| Error::Invalid(format!("cannot serialise {}: {e}", files::quote_path(path))))?;
    files::atomic_write(path, &bytes).map_err(io)
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
