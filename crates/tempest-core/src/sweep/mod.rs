//! Temperature sweeps: many streams across a grid of temperatures, samplers and seeds, stepped as
//! one wide batch, each measured for likelihood, diversity, repetition and lexical validity, with
//! the same figures for human text beside them ([`reference`](mod@reference)).
//!
//! Determinism: stream `i` of the batch (temperatures outermost, then samplers, then seeds; see
//! [`SweepSpec::stream_settings`]) draws from ChaCha stream `i` of the sweep's seed, so the same
//! spec gives the same numbers, bit for bit, on the same machine.

pub mod figures;
pub mod reference;
pub mod spec;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::generate::Generator;
use crate::model::{Stepper, Vocab};

pub use figures::{Figures, Metric, TextRecorder};
pub use reference::{Band, Reference};
pub use spec::{parse_temperatures, SamplerSpec, SweepSpec};

/// One (temperature, sampler) cell of the grid, over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// The temperature every stream of the row ran at.
    pub temperature: f32,
    /// The sampler's name as the spec wrote it (`plain`, `top-p=0.9`).
    pub sampler: String,
    /// Streams summarised (the number of seeds).
    pub streams: usize,
    /// The figures summarised over the row's streams (means; the onset a median).
    #[serde(flatten)]
    pub figures: Figures,
}

/// A finished sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// The spec that produced it, so a saved result says how to reproduce it.
    pub spec: SweepSpec,
    /// Temperatures outermost, then samplers (the spec's order).
    pub rows: Vec<SweepRow>,
    /// Human text's figures, when the model or the caller supplies them.
    pub reference: Option<ReferenceFigures>,
    /// One generated text per (temperature, sampler): the first seed's, for reading.
    pub examples: Vec<String>,
}

/// The human reference without its word list (what a result needs to draw bands).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceFigures {
    /// Where the human text came from (the corpus's file name).
    pub source: String,
    /// Characters per measured passage.
    pub chunk_chars: usize,
    /// Passages measured.
    pub chunks: usize,
    /// Mean and 10th–90th percentile range of every figure over the passages.
    pub band: Band,
}

impl SweepResult {
    /// The row for temperature index `t` and sampler index `s`.
    pub fn row(&self, t: usize, s: usize) -> &SweepRow {
        &self.rows[t * self.spec.samplers.len() + s]
    }

    /// The values of `metric` along the temperatures for sampler `s`, skipping undefined ones.
    pub fn series(&self, metric: Metric, s: usize) -> Vec<(f64, f64)> {
        (0..self.spec.temperatures.len())
            .filter_map(|t| {
                let r = self.row(t, s);
                metric.get(&r.figures).map(|v| (r.temperature as f64, v))
            })
            .collect()
    }
}

/// How far a running sweep has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Characters generated per stream so far (0 while priming).
    pub step: usize,
    /// Characters each stream will generate in all.
    pub steps: usize,
    /// Streams in the batch.
    pub streams: usize,
}

/// Runs `spec` on `stepper` (any batch size; it is resized) and measures it. `vocabulary` is the
/// word list for lexical validity; `reference` the human figures to report beside the rows.
/// `progress` is called after every step and may return `false` to stop: the sweep then returns
/// `Error::Invalid("sweep cancelled")`.
pub fn run(
    stepper: Stepper,
    vocab: &Vocab,
    spec: &SweepSpec,
    vocabulary: Option<&HashSet<String>>,
    reference: Option<ReferenceFigures>,
    mut progress: impl FnMut(Progress) -> bool,
) -> Result<SweepResult> {
    spec.validate().map_err(Error::Invalid)?;
    if let Some(&bad) = spec.prime.iter().find(|&&id| id as usize >= vocab.len()) {
        return Err(Error::Invalid(format!("prime id {bad} is outside the vocabulary of {}", vocab.len())));
    }
    let n = spec.streams();
    let settings: Vec<_> = (0..n).map(|i| spec.stream_settings(i).3).collect();
    let mut generator = Generator::new(stepper, vocab.clone(), settings, spec.seed, false)?;
    let steps = spec.length;
    if !progress(Progress { step: 0, steps, streams: n }) {
        return Err(cancelled());
    }
    generator.prime(&spec.prime)?;
    let mut recorders: Vec<TextRecorder> = (0..n).map(|_| TextRecorder::new(spec.loops, spec.near_loops)).collect();
    let mut ids = vec![0u32; n];
    for step in 0..steps {
        generator.sample_each(|i, d, _| {
            recorders[i].push(d.ch, d.p1, d.entropy_bits);
            ids[i] = d.id;
        });
        generator.accept(&ids)?;
        if !progress(Progress { step: step + 1, steps, streams: n }) {
            return Err(cancelled());
        }
    }

    let mut rows = Vec::new();
    let mut examples = Vec::new();
    let per_cell = spec.seeds;
    for (cell, group) in recorders.chunks(per_cell).enumerate() {
        let (t, s, _, _) = spec.stream_settings(cell * per_cell);
        let each: Vec<Figures> = group.iter().map(|r| r.figures(vocabulary)).collect();
        rows.push(SweepRow {
            temperature: spec.temperatures[t],
            sampler: spec.samplers[s].name.clone(),
            streams: group.len(),
            figures: figures::summarise(&each),
        });
        examples.push(group[0].text().to_string());
    }
    Ok(SweepResult { spec: spec.clone(), rows, reference, examples })
}

fn cancelled() -> Error {
    Error::Invalid("sweep cancelled".into())
}
