//! Interpretable cells, measured: which units track quotes, brackets, line position and the like,
//! and how often the gates saturate (after Karpathy, Johnson & Fei-Fei, "Visualizing and
//! Understanding Recurrent Networks", 2015), plus LSTMVis-style search by a span of text
//! (Strobelt et al., 2017).
//!
//! [`Trace::run`] records every unit after every character; [`score_features`] ranks the units
//! for each built-in [`Feature`]; [`span::rank_span`] ranks them for a span the user marks.

pub mod features;
pub mod score;
pub mod span;
pub mod trace;
pub mod units;

use std::borrow::Cow;

use serde::Serialize;

pub use features::{Feature, FeatureKind, FEATURES};
pub use score::Score;
pub use span::{rank_span, SpanQuery, SpanResult, SpanUnit};
pub use trace::{GateSaturation, Trace, TraceOptions};
pub use units::{Quantity, UnitLayout, UnitRef};

/// A unit and how well it tracks a feature.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UnitScore {
    /// Which unit: quantity, layer and index.
    pub unit: UnitRef,
    /// Its AUC or correlation with the feature.
    pub score: Score,
}

/// The best units for one feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureReport {
    /// The feature measured, with its name and description.
    pub feature: Feature,
    /// Characters where a yes/no feature holds (for a numeric one: where it is non-zero).
    pub present: usize,
    /// Best first; empty when the feature cannot be measured on this text (it never, or always,
    /// holds, or never changes).
    pub best: Vec<UnitScore>,
}

/// One layer's gate saturation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerSaturation {
    /// From 1.
    pub layer: usize,
    /// One entry per sigmoid gate of the cell (none for a plain RNN).
    pub gates: Vec<GateSaturation>,
}

/// Everything `tempest cells` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellReport {
    /// Characters of text analysed.
    pub chars: usize,
    /// Units traced: every layer's `h`, plus `c` for an LSTM.
    pub units: usize,
    /// One report per built-in feature, in [`FEATURES`] order.
    pub features: Vec<FeatureReport>,
    /// Gate saturation per layer, first layer first.
    pub saturation: Vec<LayerSaturation>,
}

impl CellReport {
    /// Runs the analysis on a finished trace of `text`, keeping the `top` best units per feature.
    pub fn new(trace: &Trace, text: &[char], top: usize) -> CellReport {
        assert_eq!(trace.len, text.len(), "the trace is of this text");
        let values = features::compute(text);
        let features = score_features(trace.layout.len(), |i| Cow::Borrowed(trace.flat(i)), &values, top);
        let saturation = trace
            .saturation
            .iter()
            .enumerate()
            .map(|(l, gates)| LayerSaturation { layer: l + 1, gates: gates.clone() })
            .collect();
        CellReport { chars: text.len(), units: trace.layout.len(), features, saturation }.with_layout(&trace.layout)
    }

    fn with_layout(mut self, layout: &UnitLayout) -> Self {
        for f in &mut self.features {
            for s in &mut f.best {
                // `score_features` only knows flat indices; name them.
                s.unit = layout.unit(s.unit.index);
            }
        }
        self
    }

    /// The report for the feature called `name`, if there is one.
    pub fn feature(&self, name: &str) -> Option<&FeatureReport> {
        self.features.iter().find(|f| f.feature.name == name)
    }
}

/// Scores `units` units (flat index `i`'s values from `column(i)`) against every feature in
/// [`FEATURES`] (`values` as [`features::compute`] gives them) and keeps the `top` best per
/// feature. The returned [`UnitRef`]s carry the flat index in `index` (layer 0, quantity `h`);
/// name them with [`UnitLayout::unit`]. Uses up to two threads.
pub fn score_features<'a, F>(units: usize, column: F, values: &[Vec<f32>], top: usize) -> Vec<FeatureReport>
where
    F: Fn(usize) -> Cow<'a, [f32]> + Sync,
{
    let labels: Vec<Option<Vec<bool>>> = FEATURES
        .iter()
        .zip(values)
        .map(|(f, v)| (f.kind == FeatureKind::Binary).then(|| v.iter().map(|&x| x > 0.5).collect()))
        .collect();
    let score_unit = |i: usize| -> Vec<Option<Score>> {
        let col = column(i);
        let ranks = labels.iter().any(Option::is_some).then(|| score::ranks(&col));
        FEATURES
            .iter()
            .zip(values)
            .zip(&labels)
            .map(|((f, v), l)| match (f.kind, l, &ranks) {
                (FeatureKind::Binary, Some(l), Some(r)) => score::auc_from_ranks(r, l).map(Score::Auc),
                _ => score::correlation(&col, v).map(Score::Correlation),
            })
            .collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 2);
    let per = units.div_ceil(threads).max(1);
    let scores: Vec<Vec<Option<Score>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let score_unit = &score_unit;
                s.spawn(move || (k * per..((k + 1) * per).min(units)).map(score_unit).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    FEATURES
        .iter()
        .enumerate()
        .map(|(fi, f)| {
            let mut best: Vec<UnitScore> = scores
                .iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    s[fi].map(|score| UnitScore { unit: UnitRef { quantity: Quantity::H, layer: 0, index: i }, score })
                })
                .collect();
            best.sort_by(|a, b| b.score.strength().total_cmp(&a.score.strength()));
            best.truncate(top);
            let present = values[fi].iter().filter(|&&v| v != 0.0).count();
            FeatureReport { feature: *f, present, best }
        })
        .collect()
}
