//! Numbers the drawing shows that have to be worked out from the state: the histogram of the
//! focused pane. Kept here, not in `ui`, so the drawing only lays out what it is given.
//!
//! Every row list is the whole vocabulary in the model's order (by logit, ties by id), so rows
//! below the top few keep their meaning at any temperature; the view is a window onto it.

use super::App;
use crate::explorer::worker::Drawn;
use tempest_core::sampling::{entropy_bits, softmax_t, ChainView, SamplerSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistogramSource {
    /// The newest character's distribution. `retempered`: the pane's settings changed since it
    /// was drawn, and the rows show what its logits give under the new ones.
    Live { retempered: bool },
    /// The distribution stored with the character at `pos`, as it was when drawn.
    Inspect { pos: u64 },
}

/// How the histogram is drawn; changed by keys, kept across characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HistogramOptions {
    /// Bars by log-probability instead of probability.
    pub log_scale: bool,
    /// First row shown in the live view (inspect mode scrolls with its cursor instead).
    pub scroll: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistRow {
    pub id: u32,
    pub ch: char,
    /// Probability in the distribution sampled (cut and renormalised); 0 when cut.
    pub p: f32,
    /// Natural log of the probability at the view's temperature before any cut, exact even where
    /// the probability itself rounds to 0 (−∞ for an impossible character).
    pub logp: f32,
    /// Probability and log-probability under the model's own distribution (T = 1).
    pub p1: f32,
    pub logp1: f32,
    /// 1 = most likely.
    pub rank: u32,
    /// Removed by top-k, top-p or min-p.
    pub cut: bool,
    pub drawn: bool,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistogramView {
    pub pane: usize,
    pub source: HistogramSource,
    /// Absolute position of the character whose distribution this is.
    pub pos: u64,
    /// The settings the rows are computed with.
    pub settings: SamplerSettings,
    /// The settings the character was drawn with (equal to `settings` unless re-tempered).
    pub drawn_settings: SamplerSettings,
    /// The visible rows, `first_row` onwards in the model's order.
    pub rows: Vec<HistRow>,
    pub first_row: usize,
    /// Rows in the whole list (the vocabulary).
    pub total_rows: usize,
    pub entropy_bits: f32,
    /// The drawn character, with the probability and rank it had when it was drawn.
    pub drawn: Option<(char, f32, u32)>,
    /// Characters surviving the cuts, and their share of the tempered mass.
    pub kept: usize,
    pub kept_mass: f32,
    /// Sampled mass of the rows above and below the window.
    pub mass_above: f32,
    pub mass_below: f32,
    pub log_scale: bool,
    /// The character is real text scored under the model (a scored pane), not one drawn.
    pub scored: bool,
}

impl HistogramView {
    /// True when a T = 1 column would repeat the main one.
    pub fn is_model_distribution(&self) -> bool {
        self.settings.is_model_distribution()
    }

    /// Whether any truncation is on.
    pub fn truncates(&self) -> bool {
        self.kept < self.total_rows
    }
}

/// Log-softmax of `z / t` in f64 (argmax at t = 0): readable where probabilities underflow.
pub fn log_softmax(z: &[f32], t: f32) -> Vec<f32> {
    let finite = || z.iter().copied().filter(|v| v.is_finite());
    let max = finite().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        return vec![f32::NEG_INFINITY; z.len()];
    }
    if t.is_nan() || t <= tempest_core::sampling::distribution::ARGMAX_BELOW {
        let arg = z.iter().position(|&v| v == max).unwrap_or(0);
        return (0..z.len()).map(|i| if i == arg { 0.0 } else { f32::NEG_INFINITY }).collect();
    }
    let (max, t) = (max as f64, t as f64);
    let lse = finite().map(|v| ((v as f64 - max) / t).exp()).sum::<f64>().ln();
    z.iter().map(|&v| if v.is_finite() { ((v as f64 - max) / t - lse) as f32 } else { f32::NEG_INFINITY }).collect()
}

impl App {
    /// The histogram of the focused pane (or the inspected character) with at most `max_rows`
    /// rows, or `None` before its first character.
    pub fn histogram(&self, max_rows: usize) -> Option<HistogramView> {
        self.window(max_rows, false)
    }

    /// The same character's `n` most likely rows, whatever the histogram's scroll: the
    /// alternatives strip under the histogram.
    pub fn alternatives(&self, n: usize) -> Option<HistogramView> {
        self.window(n, true)
    }

    fn window(&self, max_rows: usize, top: bool) -> Option<HistogramView> {
        let max_rows = max_rows.max(1);
        match self.inspect {
            Some(ins) => {
                let d = self.panes[ins.pane].get(ins.pos)?;
                let chain = d.chain();
                // The window follows the cursor: the selected row is always on screen.
                let first = if top { 0 } else { ins.selected.saturating_sub(max_rows - 1) };
                let src = HistogramSource::Inspect { pos: ins.pos };
                Some(self.build(
                    ins.pane,
                    ins.pos,
                    d,
                    src,
                    &chain,
                    d.z(),
                    d.settings,
                    first,
                    max_rows,
                    Some(ins.selected),
                ))
            }
            None => {
                let pane = &self.panes[self.focus];
                let d = pane.newest()?;
                let pos = pane.total() - 1;
                let current = pane.settings;
                let retempered = current != d.settings && !pane.last_logits.is_empty();
                let (chain, z_owned);
                if retempered {
                    chain = current.view(&pane.last_logits, &self.recent_before(self.focus, pos, current));
                    z_owned = chain.z.clone();
                } else {
                    chain = d.chain();
                    z_owned = d.z().to_vec();
                }
                let src = HistogramSource::Live { retempered };
                let n = chain.order.len();
                let first = if top { 0 } else { self.hist.scroll.min(n.saturating_sub(max_rows)) };
                Some(self.build(self.focus, pos, d, src, &chain, &z_owned, current, first, max_rows, None))
            }
        }
    }

    /// The ids the repetition penalty saw before position `pos` of `pane`: the history's tail,
    /// preceded by the prime while the history is shorter than the window.
    fn recent_before(&self, pane: usize, pos: u64, s: SamplerSettings) -> Vec<u32> {
        let p = &self.panes[pane];
        let w = s.repeat_window;
        let before = pos.saturating_sub(p.first_pos()) as usize;
        let own = p.history().iter().take(before).rev().take(w).map(|d| d.id);
        let mut recent: Vec<u32> = own.chain(self.prime_ids.iter().rev().copied()).take(w).collect();
        recent.reverse();
        recent
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &self,
        pane: usize,
        pos: u64,
        d: &Drawn,
        source: HistogramSource,
        chain: &ChainView,
        z: &[f32],
        settings: SamplerSettings,
        first: usize,
        max_rows: usize,
        selected: Option<usize>,
    ) -> HistogramView {
        let logp = log_softmax(z, settings.temperature);
        let logp1 = log_softmax(z, 1.0);
        let mut p1 = Vec::new();
        softmax_t(z, 1.0, &mut p1);
        let n = chain.order.len();
        let window = first..(first + max_rows).min(n);
        let rows = window
            .clone()
            .map(|i| {
                let id = chain.order[i];
                let k = id as usize;
                HistRow {
                    id,
                    ch: self.char_of(id),
                    p: chain.probs[k],
                    logp: logp[k],
                    p1: p1[k],
                    logp1: logp1[k],
                    rank: i as u32 + 1,
                    cut: i >= chain.kept,
                    drawn: id == d.id,
                    selected: selected == Some(i),
                }
            })
            .collect();
        let mass = |r: std::ops::Range<usize>| chain.order[r].iter().map(|&id| chain.probs[id as usize]).sum::<f32>();
        HistogramView {
            pane,
            source,
            pos,
            settings,
            drawn_settings: d.settings,
            rows,
            first_row: first,
            total_rows: n,
            entropy_bits: entropy_bits(&chain.probs),
            drawn: Some((d.ch, d.p, d.rank)),
            kept: chain.kept,
            kept_mass: chain.kept_mass,
            mass_above: mass(0..window.start),
            mass_below: mass(window.end..n),
            log_scale: self.hist.log_scale,
            scored: self.panes[pane].scored.is_some(),
        }
    }
}
