//! Numbers the drawing shows that have to be worked out from the state: the histogram of the
//! focused pane. Kept here, not in `ui`, so the drawing only lays out what it is given.

use super::App;
use tempest_core::sampling::{entropy_bits, rank_of, softmax_t, top_n};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistogramSource {
    /// The newest character's distribution, re-tempered at the pane's current settings.
    Live,
    /// The distribution stored with the character at `pos`, as it was when drawn.
    Inspect { pos: u64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistRow {
    pub ch: char,
    /// Probability at the distribution's temperature (and other settings).
    pub p: f32,
    /// Probability under the model's own distribution (T = 1).
    pub p1: f32,
    pub drawn: bool,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistogramView {
    pub pane: usize,
    pub source: HistogramSource,
    pub temperature: f32,
    pub rows: Vec<HistRow>,
    pub entropy_bits: f32,
    /// The drawn character, its probability and rank (1 = most likely) in this distribution.
    pub drawn: Option<(char, f32, u32)>,
    /// Characters not in `rows`, and their total probability.
    pub other_count: usize,
    pub other_mass: f32,
}

impl App {
    /// The focused pane's histogram with at most `max_rows` rows, or `None` before its first
    /// character.
    pub fn histogram(&self, max_rows: usize) -> Option<HistogramView> {
        let n = self.limits.top_n.min(max_rows);
        match self.inspect {
            Some(ins) => self.inspected_histogram(ins.pane, ins.pos, ins.selected, n),
            None => self.live_histogram(self.focus, n),
        }
    }

    fn live_histogram(&self, pane: usize, n: usize) -> Option<HistogramView> {
        let p = &self.panes[pane];
        let logits = &p.last_logits;
        if logits.is_empty() {
            return None;
        }
        // The repetition penalty looks at the text before the drawn character: the history's tail,
        // preceded by the prime while the history is shorter than the window.
        let w = p.settings.repeat_window;
        let hist_ids = p.history().iter().rev().skip(1).take(w).map(|d| d.id);
        let mut recent: Vec<u32> = hist_ids.chain(self.prime_ids.iter().rev().copied()).take(w).collect();
        recent.reverse();
        let (mut scratch, mut dist, mut model) = (Vec::new(), Vec::new(), Vec::new());
        p.settings.distribution(logits, &recent, &mut scratch, &mut dist);
        softmax_t(logits, 1.0, &mut model);
        let newest = p.newest().map(|d| d.id as usize).filter(|&id| id < dist.len());
        let rows: Vec<HistRow> = top_n(&dist, n)
            .into_iter()
            .map(|(id, q)| HistRow {
                ch: self.char_of(id),
                p: q,
                p1: model[id as usize],
                drawn: newest == Some(id as usize),
                selected: false,
            })
            .collect();
        Some(HistogramView {
            pane,
            source: HistogramSource::Live,
            temperature: p.settings.temperature,
            entropy_bits: entropy_bits(&dist),
            drawn: newest.map(|id| (self.char_of(id as u32), dist[id], rank_of(&dist, id) as u32)),
            other_count: dist.len() - rows.len(),
            other_mass: other_mass(&rows),
            rows,
        })
    }

    fn inspected_histogram(&self, pane: usize, pos: u64, selected: usize, n: usize) -> Option<HistogramView> {
        let d = self.panes[pane].get(pos)?;
        let rows: Vec<HistRow> = d
            .top
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, &(id, p, p1))| HistRow {
                ch: self.char_of(id),
                p,
                p1,
                drawn: id == d.id,
                selected: i == selected,
            })
            .collect();
        Some(HistogramView {
            pane,
            source: HistogramSource::Inspect { pos },
            temperature: d.temperature,
            entropy_bits: d.entropy_bits,
            drawn: Some((d.ch, d.p, d.rank)),
            other_count: self.vocab.len().saturating_sub(rows.len()),
            other_mass: other_mass(&rows),
            rows,
        })
    }
}

fn other_mass(rows: &[HistRow]) -> f32 {
    (1.0 - rows.iter().map(|r| r.p).sum::<f32>()).max(0.0)
}
