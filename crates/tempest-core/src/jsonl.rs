//! The one JSONL schema that `tempest sample --format jsonl`, `tempest score --format jsonl` and
//! the explorer's export all write (documented in the README and in `docs/jsonl.schema.json`).
//!
//! A file is a [`Header`] line, then one [`CharRecord`] line per character, then, from `score`,
//! one [`Summary`] line per stream. Every line is a JSON object whose `kind` says which.
//!
//! Conventions, the same in every writer:
//! - `stream` and `pos` count from 1, as the explorer's panes and a person do: `pos` 1 is the
//!   first character after the prime.
//! - Numbers are the f32 values the engine computed, printed in their shortest form that reads
//!   back as the same f32 (`0.05`, never `0.05000000074505806`).
//! - `top` lists characters in the model's order (by logit, ties by id), which no temperature
//!   changes; `rank` is the rank in that order.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::generate::Drawn;
use crate::model::{Metadata, TrainingFacts, Vocab};
use crate::sampling::SamplerSettings;

/// Version of this schema, written in every header; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One line of a tempest JSONL file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Record {
    /// `"kind": "header"`: the first line.
    Header(Box<Header>),
    /// `"kind": "char"`: one character.
    Char(CharRecord),
    /// `"kind": "summary"`: a stream's figures, after its characters (from `score`).
    Summary(Summary),
}

/// The first line: what produced the file, with which model and settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// The tempest version that wrote the file.
    pub tempest: String,
    /// What wrote it: `sample`, `score` or `explore` (the explorer's export).
    pub command: String,
    /// `null` only when the writer was not told (never from the command line or the explorer).
    pub model: Option<ModelInfo>,
    /// The vocabulary in id order, one character per string.
    pub vocab: Vec<String>,
    /// The text fed before the first character (as fed: without skipped unknown characters).
    pub prime: String,
    /// The random seed, when characters were drawn at random (not for `score`).
    pub seed: Option<u64>,
    /// Whether the streams shared one uniform number per step (not for `score`).
    pub coupled: Option<bool>,
    /// Every stream, in order.
    pub streams: Vec<StreamInfo>,
}

/// The model a file was made with: where it came from and its metadata (minus the vocabulary,
/// which the header holds, and the sweep reference, which is large and says nothing here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// A bundled model's name, or the model file's name.
    pub name: String,
    /// The model file as given; `null` for a bundled model.
    pub path: Option<String>,
    /// `lstm`, `gru` or `rnn`.
    pub cell: String,
    /// Recurrent layers.
    pub layers: i64,
    /// Hidden units per layer.
    pub hidden: i64,
    /// Embedding width.
    pub embed: i64,
    /// How it was trained, if the file says.
    pub training: Option<TrainingFacts>,
}

impl ModelInfo {
    /// `source` is how the user named the model (`None`: the default bundled one).
    pub fn new(source: Option<&std::path::Path>, metadata: &Metadata) -> ModelInfo {
        let given = source.map(|p| p.to_string_lossy().into_owned());
        let bundled = match &given {
            None => Some(crate::assets::BUNDLED[0].name.to_string()),
            Some(s) => crate::assets::bundled(s).map(|m| m.name.to_string()),
        };
        let (name, path) = match bundled {
            Some(name) => (name, None),
            None => {
                let p = source.unwrap_or(std::path::Path::new(""));
                let name = p.file_name().map_or_else(|| p.to_string_lossy(), |n| n.to_string_lossy()).into_owned();
                (name, given)
            }
        };
        ModelInfo {
            name,
            path,
            cell: metadata.cell.clone(),
            layers: metadata.layers,
            hidden: metadata.hidden,
            embed: metadata.embed,
            training: metadata.training.clone(),
        }
    }
}

/// One stream (an explorer pane, one `--temperature` of `sample`, the text `score` read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamInfo {
    /// 1-based.
    pub stream: usize,
    /// The settings when the file was written; each character carries those it was drawn with.
    #[serde(flatten)]
    pub settings: Settings,
    /// For a scored stream: what was scored (a file name, `-` for standard input, or `prime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scored: Option<String>,
}

/// The sampler chain's settings, as written in headers and character records.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Softmax temperature; 0 is argmax.
    pub temperature: f32,
    /// Top-k; 0 is off.
    pub top_k: usize,
    /// Nucleus mass; 1 is off.
    pub top_p: f32,
    /// Relative floor; 0 is off.
    pub min_p: f32,
    /// Repetition penalty; 1 is off.
    pub repeat_penalty: f32,
    /// Characters the repetition penalty looks back over.
    pub repeat_window: usize,
}

impl From<&SamplerSettings> for Settings {
    fn from(s: &SamplerSettings) -> Settings {
        Settings {
            temperature: s.temperature,
            top_k: s.top_k,
            top_p: s.top_p,
            min_p: s.min_p,
            repeat_penalty: s.repeat_penalty,
            repeat_window: s.repeat_window,
        }
    }
}

/// One character of one stream, with the distribution it was drawn from (or, from `score`, the
/// model's distribution at the character that was there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharRecord {
    /// 1-based.
    pub stream: usize,
    /// 1-based position after the prime.
    pub pos: u64,
    /// The character.
    pub char: String,
    /// Its id in the vocabulary.
    pub id: u32,
    /// The settings it was drawn with.
    #[serde(flatten)]
    pub settings: Settings,
    /// Probability under the distribution sampled (temperature and truncation applied).
    pub p: f32,
    /// Probability under the model's own distribution (T = 1, nothing else applied).
    pub p1: f32,
    /// 1 = most likely, in the model's order.
    pub rank: u32,
    /// Entropy of the distribution sampled, in bits.
    pub entropy_bits: f32,
    /// The most likely characters, most likely first.
    pub top: Vec<TopEntry>,
}

/// One entry of [`CharRecord::top`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopEntry {
    /// The character.
    pub char: String,
    /// Probability under the distribution sampled (0 when the chain cut it).
    pub p: f32,
    /// Probability under the model's own distribution.
    pub p1: f32,
}

impl CharRecord {
    /// `stream` and `pos` are 0-based here, as the engine counts; the record counts from 1.
    /// `top` entries of the distribution are written.
    pub fn from_drawn(stream: usize, pos: u64, d: &Drawn, vocab: &Vocab, top: usize) -> CharRecord {
        CharRecord {
            stream: stream + 1,
            pos: pos + 1,
            char: d.ch.to_string(),
            id: d.id,
            settings: Settings::from(&d.settings),
            p: d.p,
            p1: d.p1,
            rank: d.rank,
            entropy_bits: d.entropy_bits,
            top: d
                .top(top)
                .into_iter()
                .map(|(id, p, p1)| TopEntry { char: vocab.char(id).to_string(), p, p1 })
                .collect(),
        }
    }
}

/// The last lines of a `score` file, one per stream: the figures for the whole text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// 1-based.
    pub stream: usize,
    /// Characters scored.
    pub chars: u64,
    /// Mean of −log2 p1 over them: the model's cross-entropy on the text.
    pub bits_per_char: f64,
}

impl Header {
    /// A header for `command` with this tempest's version and schema.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        command: &str,
        model: Option<ModelInfo>,
        vocab: &Vocab,
        prime: &str,
        seed: Option<u64>,
        coupled: Option<bool>,
        streams: Vec<StreamInfo>,
    ) -> Header {
        Header {
            schema: SCHEMA_VERSION,
            tempest: env!("CARGO_PKG_VERSION").to_string(),
            command: command.to_string(),
            model,
            vocab: vocab.chars().iter().map(|c| c.to_string()).collect(),
            prime: prime.to_string(),
            seed,
            coupled,
            streams,
        }
    }

    /// Streams numbered from 1 with these settings.
    pub fn streams_from(settings: &[SamplerSettings]) -> Vec<StreamInfo> {
        settings
            .iter()
            .enumerate()
            .map(|(i, s)| StreamInfo { stream: i + 1, settings: Settings::from(s), scored: None })
            .collect()
    }
}

impl Record {
    /// The record as one JSON line, without the newline.
    pub fn to_line(&self) -> String {
        // Plain structs of strings and finite numbers always serialise.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Writes the record and a newline.
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer(&mut *w, self).map_err(io::Error::from)?;
        w.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(t: f32) -> SamplerSettings {
        SamplerSettings { temperature: t, top_p: 0.9, ..Default::default() }
    }

    #[test]
    fn numbers_print_without_float_noise() {
        let line = Record::Char(CharRecord {
            stream: 1,
            pos: 1,
            char: "a".into(),
            id: 0,
            settings: Settings::from(&settings(0.05)),
            p: 0.3,
            p1: 0.1,
            rank: 2,
            entropy_bits: 1.5,
            top: vec![TopEntry { char: "b".into(), p: 0.7, p1: 0.9 }],
        })
        .to_line();
        assert!(line.contains("\"temperature\":0.05,"), "{line}");
        assert!(line.contains("\"top_p\":0.9,"), "{line}");
        assert!(line.contains("\"p\":0.3,") && line.contains("\"p1\":0.1,"), "{line}");
        assert!(line.starts_with("{\"kind\":\"char\",\"stream\":1,\"pos\":1,"), "{line}");
        assert!(!line.contains("0000000"), "{line}");
    }

    #[test]
    fn records_read_back_as_written() {
        let vocab = Vocab::new("ab\n".chars().collect()).unwrap();
        let meta = Metadata::new(
            &crate::model::ModelSpec {
                cell: crate::model::CellKind::Gru,
                layers: 1,
                hidden: 4,
                embed: 2,
                vocab: 3,
                dropout: 0.0,
            },
            &vocab,
            None,
        );
        let model = ModelInfo::new(Some(std::path::Path::new("dir/m.safetensors")), &meta);
        assert_eq!((model.name.as_str(), model.path.as_deref()), ("m.safetensors", Some("dir/m.safetensors")));
        let header = Record::Header(Box::new(Header::new(
            "sample",
            Some(model),
            &vocab,
            "a\n",
            Some(7),
            Some(false),
            Header::streams_from(&[settings(0.2), settings(1.5)]),
        )));
        let back: Record = serde_json::from_str(&header.to_line()).unwrap();
        assert_eq!(back, header);
        let line = header.to_line();
        assert!(line.starts_with("{\"kind\":\"header\",\"schema\":1,"), "{line}");
        assert!(line.contains("\"vocab\":[\"a\",\"b\",\"\\n\"]"), "{line}");
        assert!(line.contains("{\"stream\":2,\"temperature\":1.5,"), "{line}");
    }

    #[test]
    fn bundled_models_are_named_without_a_path() {
        let vocab = Vocab::new("ab".chars().collect()).unwrap();
        let spec = crate::model::ModelSpec {
            cell: crate::model::CellKind::Lstm,
            layers: 1,
            hidden: 4,
            embed: 2,
            vocab: 2,
            dropout: 0.0,
        };
        let meta = Metadata::new(&spec, &vocab, None);
        for source in [None, Some(std::path::Path::new("rust"))] {
            let m = ModelInfo::new(source, &meta);
            assert!(m.path.is_none() && crate::assets::bundled(&m.name).is_some(), "{m:?}");
        }
    }
}
