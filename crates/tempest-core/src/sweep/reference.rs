//! Human text's figures: what a sweep's curves are compared with.
//!
//! The reference is measured on the held-out part of a corpus (its last `val_frac`, the same split
//! `tempest train` validates on), cut into passages as long as a sweep's streams: each passage is
//! fed through the model from a zero state (its first character acting as the prime), and the
//! remaining characters are scored exactly as a generated stream's are (their probability and
//! the entropy of the model's distribution at T = 1, loops, distinct-n). The word list for lexical
//! validity is every word of the training part.
//!
//! The band shown for each figure spans the middle 80% of the passages (10th to 90th
//! percentile); the share of passages ending in a loop is one number, so its band is that number.
//!
//! `tempest train` stores a reference in the checkpoint's metadata (the optional `reference` field;
//! files without it load as before), and [`attach_to_checkpoint`] adds one to an existing file.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use safetensors::tensor::TensorView;
use safetensors::SafeTensors;
use serde::{Deserialize, Serialize};

use super::figures::{quantiles, summarise, Figures, TextRecorder};
use super::ReferenceFigures;
use crate::analysis::text_stats::words;
use crate::analysis::{LoopSettings, NearLoopSettings};
use crate::error::{Error, Result};
use crate::files::atomic_write;
use crate::model::checkpoint::METADATA_KEY;
use crate::model::{Stepper, UnknownPolicy, Vocab};
use crate::sampling::{entropy_bits, softmax_t};

/// Passages measured by default, and their length.
pub const DEFAULT_CHUNKS: usize = 32;
/// Characters per passage measured by default: the sweep's default length, so both are compared
/// over texts of one size.
pub const DEFAULT_CHUNK_CHARS: usize = 1000;

/// A figure's typical value for human text and the range it spans.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Band {
    /// Mean over the passages (the onset: the median).
    pub mean: Figures,
    /// 10th percentile.
    pub lo: Figures,
    /// 90th percentile.
    pub hi: Figures,
}

/// Human text measured as a sweep measures a stream: the band of figures a model's samples are held
/// against, and the word list that decides lexical validity. Stored in a model file's metadata by
/// `tempest train` at the end of a run (or the hidden `attach-reference` command).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Where the human text came from (the corpus's file name).
    pub source: String,
    /// Characters per measured passage.
    pub chunk_chars: usize,
    /// Passages measured.
    pub chunks: usize,
    /// Mean and 10th–90th percentile range of every figure over the passages.
    pub band: Band,
    /// Every distinct word of the training text, sorted.
    pub words: Vec<String>,
}

impl Reference {
    /// The figures without the word list, as a sweep result keeps them.
    pub fn figures(&self) -> ReferenceFigures {
        ReferenceFigures {
            source: self.source.clone(),
            chunk_chars: self.chunk_chars,
            chunks: self.chunks,
            band: self.band,
        }
    }

    /// The word list as a set, for [`TextRecorder::figures`](super::TextRecorder::figures).
    pub fn vocabulary(&self) -> HashSet<String> {
        self.words.iter().cloned().collect()
    }

    /// Measures `heldout` (ids) in `chunks` passages of `chunk_chars`, spread evenly over it, with
    /// the words of `train_text` as the vocabulary. The passages are stepped as one batch.
    #[allow(clippy::too_many_arguments)]
    pub fn compute(
        stepper: Stepper,
        vocab: &Vocab,
        train_text: &str,
        heldout: &[u32],
        source: &str,
        chunk_chars: usize,
        chunks: usize,
        loops: LoopSettings,
        near: NearLoopSettings,
    ) -> Result<Reference> {
        let chunk_chars = chunk_chars.max(10);
        let available = heldout.len() / chunk_chars;
        if available == 0 {
            return Err(Error::Invalid(format!(
                "the held-out text has {} characters; a reference needs at least one passage of {chunk_chars}",
                heldout.len()
            )));
        }
        let n = chunks.clamp(1, available);
        // Evenly spread, so a corpus that changes style along the way is sampled throughout.
        let starts: Vec<usize> = (0..n).map(|k| (k * available / n) * chunk_chars).collect();
        let mut words: Vec<String> = words(train_text).into_iter().collect::<HashSet<_>>().into_iter().collect();
        words.sort();
        let vocabulary: HashSet<String> = words.iter().cloned().collect();

        let mut stepper = stepper;
        stepper.resize(n);
        for r in 0..n {
            stepper.reset_row(r);
        }
        let v = vocab.len();
        let mut logits = Vec::new();
        let mut probs = Vec::new();
        let mut recorders: Vec<TextRecorder> = (0..n).map(|_| TextRecorder::new(loops, near)).collect();
        let mut ids = vec![0u32; n];
        for i in 0..chunk_chars - 1 {
            for (r, id) in ids.iter_mut().enumerate() {
                *id = heldout[starts[r] + i];
            }
            stepper.step(&ids, &mut logits)?;
            for (r, rec) in recorders.iter_mut().enumerate() {
                let next = heldout[starts[r] + i + 1];
                softmax_t(&logits[r * v..(r + 1) * v], 1.0, &mut probs);
                rec.push(vocab.char(next), probs[next as usize], entropy_bits(&probs));
            }
        }
        let each: Vec<Figures> = recorders.iter().map(|r| r.figures(Some(&vocabulary))).collect();
        let mut band = Band { mean: summarise(&each), lo: quantiles(&each, 0.1), hi: quantiles(&each, 0.9) };
        band.lo.ends_in_loop = band.mean.ends_in_loop;
        band.hi.ends_in_loop = band.mean.ends_in_loop;
        Ok(Reference { source: source.to_string(), chunk_chars, chunks: n, band, words })
    }

    /// Measures a corpus file as `tempest train` splits it: the last `val_frac` is the human text,
    /// the rest gives the words. Characters the model does not know are left out.
    pub fn from_corpus(
        stepper: Stepper,
        vocab: &Vocab,
        path: &Path,
        val_frac: f64,
        chunk_chars: usize,
    ) -> Result<Reference> {
        let bytes = std::fs::read(path).map_err(|err| Error::Io { path: path.into(), err })?;
        let text = String::from_utf8(bytes)
            .map_err(|e| Error::Invalid(format!("reference {} is not UTF-8 text: {e}", path.display())))?;
        if !(0.0..1.0).contains(&val_frac) || val_frac == 0.0 {
            return Err(Error::Invalid(format!("held-out fraction must be in (0, 1), got {val_frac}")));
        }
        let chars: Vec<char> = text.chars().collect();
        let split = chars.len() - ((chars.len() as f64) * val_frac).round() as usize;
        let train: String = chars[..split].iter().collect();
        let heldout: String = chars[split..].iter().collect();
        let ids = vocab.encode(&heldout, UnknownPolicy::Skip)?;
        let source = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        Self::compute(
            stepper,
            vocab,
            &train,
            &ids,
            &source,
            chunk_chars,
            DEFAULT_CHUNKS,
            LoopSettings::default(),
            NearLoopSettings::default(),
        )
    }

    /// The reference stored in a checkpoint's metadata, if there is one and it can be read.
    pub fn from_metadata(value: Option<&serde_json::Value>) -> Option<Reference> {
        value.and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// Reads a reference saved as JSON (`tempest sweep --save-reference FILE.json`).
    pub fn from_json_file(path: &Path) -> Result<Reference> {
        let bytes = std::fs::read(path).map_err(|err| Error::Io { path: path.into(), err })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::Invalid(format!("reference {} is not a tempest reference file: {e}", path.display())))
    }
}

/// Writes `reference` into the metadata of the checkpoint at `path`, replacing any there, and keeps
/// every tensor and every other metadata entry as it was. The file is replaced atomically.
pub fn attach_to_checkpoint(path: &Path, reference: &Reference) -> Result<()> {
    let bytes = crate::files::read_regular(path, crate::files::MAX_MODEL_BYTES, "model")?;
    let bad = |reason: String| Error::BadCheckpoint { path: path.into(), reason };
    let not_st = |e: safetensors::SafeTensorError| Error::NotSafetensors { path: path.into(), reason: e.to_string() };
    let (_, header) = SafeTensors::read_metadata(&bytes).map_err(not_st)?;
    let tensors = SafeTensors::deserialize(&bytes).map_err(not_st)?;
    let mut map: HashMap<String, String> = header.metadata().clone().unwrap_or_default();
    let json =
        map.get(METADATA_KEY).ok_or_else(|| bad(format!("no {METADATA_KEY:?} metadata; not a tempest model")))?;
    let mut meta: serde_json::Value =
        serde_json::from_str(json).map_err(|e| bad(format!("metadata is not valid JSON: {e}")))?;
    let obj = meta.as_object_mut().ok_or_else(|| bad("metadata is not a JSON object".into()))?;
    obj.insert("reference".into(), serde_json::to_value(reference).expect("a reference serialises"));
    map.insert(METADATA_KEY.into(), meta.to_string());
    let views: Vec<(String, TensorView<'_>)> = tensors.tensors();
    let out = safetensors::serialize(views, &Some(map))
        .map_err(|e| Error::Invalid(format!("cannot serialise {}: {e}", path.display())))?;
    atomic_write(path, &out).map_err(|err| Error::Io { path: path.into(), err })
}
