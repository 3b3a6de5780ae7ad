//! The model file: one `.safetensors` with PyTorch `state_dict` names and a JSON metadata block.
//!
//! The metadata lives under the `tempest` key of the safetensors `__metadata__` map (which only
//! holds strings). Loading validates everything against it before any tensor is used, so a wrong
//! or damaged file is refused with a message naming what is wrong instead of failing deep inside
//! libtorch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};
use tch::{Device, Tensor};

use super::parse::{self, ParsedModel, Refusal};
use super::{CharRnn, Vocab};
use crate::error::{Error, Result};
use crate::files::{self, MAX_MODEL_BYTES};

// The metadata types live in `metadata.rs`, which `parse` reads without depending on this file;
// they are re-exported here, where the file format is described.
pub use super::metadata::{Metadata, TrainingFacts, FORMAT, FORMAT_VERSION, METADATA_KEY};

/// A loaded model with its vocabulary and metadata.
pub struct Checkpoint {
    /// The network, with the file's weights.
    pub model: CharRnn,
    /// The characters the model reads and writes, in id order.
    pub vocab: Vocab,
    /// The file's metadata as read, training facts and reference included.
    pub metadata: Metadata,
    /// Where the model came from, for messages and for writing results beside it.
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

    /// Builds the libtorch model from parts [`parse`](mod@super::parse) has checked.
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
