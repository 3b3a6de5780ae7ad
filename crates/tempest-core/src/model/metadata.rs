//! The metadata block of a model file: what the safetensors `__metadata__` map holds, as JSON,
//! under [`METADATA_KEY`]. Both the checkpoint loader and the tensor parser read it, so it sits
//! below both of them.

use serde::{Deserialize, Serialize};

use super::{CellKind, ModelSpec, Vocab};

/// The `format` field every tempest model carries, so a stray safetensors file from elsewhere is
/// refused by name rather than misread.
pub const FORMAT: &str = "tempest-char-rnn";
/// The metadata layout this build writes and reads. Raised only for incompatible changes; optional
/// fields are added without it, so older files keep loading.
pub const FORMAT_VERSION: u32 = 1;
/// Key in the safetensors `__metadata__` map that holds [`Metadata`] as JSON.
pub const METADATA_KEY: &str = "tempest";

/// How a model was trained: the model card that travels inside the file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingFacts {
    /// Name of the training text (its file name, or the bundled corpus's name).
    pub corpus: String,
    /// Characters in the whole corpus, before the train/validation split.
    pub corpus_chars: u64,
    /// Optimiser steps taken when the file was written.
    pub steps: u64,
    /// Training characters fed so far: steps × batch × sequence length (repeats counted).
    pub chars_seen: u64,
    /// Smoothed training loss in nats per character (an exponential average over recent steps); `None`
    /// before the first step.
    pub train_loss: Option<f64>,
    /// Validation loss in nats per character over the whole held-out split.
    pub val_loss: Option<f64>,
    /// [`val_loss`](Self::val_loss) in bits per character (nats ÷ ln 2), the unit the explorer shows.
    pub val_bits_per_char: Option<f64>,
    /// Training time in seconds, summed across resumed runs.
    pub wall_seconds: f64,
    /// The training configuration as JSON, so a model records how it was made; empty in files from
    /// other tools.
    #[serde(default)]
    pub settings: serde_json::Value,
    /// A short start of the held-out text: the prime front ends use when theirs does not fit the
    /// vocabulary. Absent from checkpoints written before it was added (they still load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prime: Option<String>,
}

/// Everything about a model that is not a weight: its shape, its vocabulary and how it was trained.
/// Stored as JSON under [`METADATA_KEY`] and checked against the tensors before any is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// Must equal [`FORMAT`].
    pub format: String,
    /// Must equal [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The cell kind as written in the file: `lstm`, `gru` or `rnn`.
    pub cell: String,
    /// Stacked recurrent layers (1 to 16).
    pub layers: i64,
    /// Hidden units per layer (1 to 16,384).
    pub hidden: i64,
    /// Width of the character embedding (1 to 16,384).
    pub embed: i64,
    /// Dropout used in training, in [0, 1); recorded for a resumed run, unused when generating.
    #[serde(default)]
    pub dropout: f64,
    /// The vocabulary in id order, one string per character.
    pub vocab: Vec<String>,
    /// How the model was trained; absent for models exported from elsewhere.
    #[serde(default)]
    pub training: Option<TrainingFacts>,
    /// Figures for human text and the word list a sweep compares against
    /// (`tempest_core::sweep::Reference`). Optional: files without it load as before. Kept as raw
    /// JSON here so the model layer does not depend on the analysis built on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<serde_json::Value>,
}

impl Metadata {
    /// The metadata for a model of this shape and vocabulary, in the current format, with no reference.
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
