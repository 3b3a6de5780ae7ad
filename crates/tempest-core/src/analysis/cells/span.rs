//! LSTMVis-style unit search: given a span of text as a hypothesis, find the units that are on
//! over the span and off around it, then find where else those units are on together.
//!
//! Each unit is scored by the AUC of its activation on the span's characters against every other
//! character of the window (see [`super::score`]), so a unit that is *off* exactly on the span
//! (AUC near 0) is as good a find as one that is on. A unit counts as "lit" at a character when it
//! is on the span's side of its threshold, the midpoint between its mean on the span and its mean
//! off it. The matches are the runs of characters outside the span where all of the best
//! [`SpanQuery::together`] units are lit at once.

use std::ops::Range;

use serde::Serialize;

use super::score::auc;
use super::units::{UnitLayout, UnitRef};

/// How many units a span search lists and how many must agree for a match elsewhere.
#[derive(Debug, Clone, Copy)]
pub struct SpanQuery {
    /// Units listed.
    pub top: usize,
    /// How many of the best units must be lit together for a match.
    pub together: usize,
}

impl Default for SpanQuery {
    fn default() -> Self {
        SpanQuery { top: 8, together: 3 }
    }
}

/// One unit's fit to the span.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpanUnit {
    /// Which unit: quantity, layer and index.
    pub unit: UnitRef,
    /// On-span versus off-span; 1 = on exactly over the span, 0 = off exactly over it.
    pub auc: f64,
    /// Mean activation over the span's characters.
    pub mean_on: f32,
    /// Mean activation over the rest of the window.
    pub mean_off: f32,
}

impl SpanUnit {
    /// Whether the unit is on the span's side of its threshold at value `v`.
    pub fn lit(&self, v: f32) -> bool {
        let mid = (self.mean_on + self.mean_off) / 2.0;
        if self.mean_on >= self.mean_off {
            v > mid
        } else {
            v < mid
        }
    }
}

/// What a span search found: the units that mark the span, and where else they fire together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpanResult {
    /// Best first.
    pub units: Vec<SpanUnit>,
    /// Runs of window positions outside the span where the best units are lit together.
    pub matches: Vec<Range<usize>>,
}

/// Ranks every unit of `layout` by how well it separates `span` from the rest of `rows` (one flat
/// activation row per character, oldest first). `None` when the span is empty, is the whole
/// window, or falls outside it.
pub fn rank_span(layout: &UnitLayout, rows: &[&[f32]], span: Range<usize>, q: SpanQuery) -> Option<SpanResult> {
    let n = rows.len();
    if span.is_empty() || span.end > n || span.len() == n {
        return None;
    }
    let labels: Vec<bool> = (0..n).map(|t| span.contains(&t)).collect();
    let mut column = vec![0f32; n];
    let mut scored: Vec<SpanUnit> = Vec::with_capacity(layout.len());
    for i in 0..layout.len() {
        for (t, r) in rows.iter().enumerate() {
            column[t] = r.get(i).copied().unwrap_or(0.0);
        }
        let a = auc(&column, &labels)?;
        let on: f32 = column[span.clone()].iter().sum::<f32>() / span.len() as f32;
        let off: f32 = (column.iter().sum::<f32>() - on * span.len() as f32) / (n - span.len()) as f32;
        scored.push(SpanUnit { unit: layout.unit(i), auc: a, mean_on: on, mean_off: off });
    }
    // Strongest first; ties by flat order so the result is deterministic.
    scored.sort_by(|a, b| (b.auc - 0.5).abs().total_cmp(&(a.auc - 0.5).abs()));
    scored.truncate(q.top.max(1));

    let together: Vec<(usize, SpanUnit)> =
        scored.iter().take(q.together.max(1)).map(|s| (layout.flat(s.unit).unwrap_or(0), *s)).collect();
    let mut matches: Vec<Range<usize>> = Vec::new();
    for (t, r) in rows.iter().enumerate() {
        if span.contains(&t) {
            continue;
        }
        if together.iter().all(|(i, s)| s.lit(r.get(*i).copied().unwrap_or(0.0))) {
            match matches.last_mut() {
                Some(m) if m.end == t => m.end = t + 1,
                _ => matches.push(t..t + 1),
            }
        }
    }
    Some(SpanResult { units: scored, matches })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::cells::units::Quantity;

    #[test]
    fn the_unit_that_is_on_only_over_the_span_ranks_first_and_its_other_lit_run_is_found() {
        let layout = UnitLayout { layers: 1, hidden: 3, has_cell: false };
        // Unit 1 is high on 3..6 (the span) and half as high on 9..11; unit 0 is noise; unit 2 is
        // off exactly on the span (as strong a find: AUC 0).
        let rows: Vec<Vec<f32>> = (0..14)
            .map(|t| {
                let span = (3..6).contains(&t);
                let u1 = if span {
                    0.9
                } else if (9..11).contains(&t) {
                    0.6
                } else {
                    -0.2
                };
                vec![(t % 3) as f32 * 0.1, u1, if span { -1.0 } else { 0.5 }]
            })
            .collect();
        let refs: Vec<&[f32]> = rows.iter().map(|r| r.as_slice()).collect();
        let r = rank_span(&layout, &refs, 3..6, SpanQuery { top: 3, together: 1 }).unwrap();
        assert_eq!(r.units[0].unit, UnitRef { quantity: Quantity::H, layer: 0, index: 1 });
        assert_eq!(r.units[0].auc, 1.0);
        assert_eq!(r.units[1].unit.index, 2);
        assert_eq!(r.units[1].auc, 0.0);
        assert_eq!(r.matches, vec![9..11]);
        // Requiring unit 2 as well (off elsewhere) leaves no match.
        let r = rank_span(&layout, &refs, 3..6, SpanQuery { top: 3, together: 2 }).unwrap();
        assert!(r.matches.is_empty());
    }

    #[test]
    fn degenerate_spans_are_refused() {
        let layout = UnitLayout { layers: 1, hidden: 1, has_cell: false };
        let rows = [[0.0f32], [1.0]];
        let refs: Vec<&[f32]> = rows.iter().map(|r| r.as_slice()).collect();
        assert!(rank_span(&layout, &refs, 1..1, SpanQuery::default()).is_none());
        assert!(rank_span(&layout, &refs, 0..2, SpanQuery::default()).is_none());
        assert!(rank_span(&layout, &refs, 1..3, SpanQuery::default()).is_none());
    }
}
