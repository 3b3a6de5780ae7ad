//! The loops of every pane as rows to read: the comparison across panes (share of characters in
//! loops, number of loops, first onset, longest period, current state) and one pane's loop list.
//! Shared by the loop panel and the export, so both say the same thing.

use tempest_core::analysis::{LoopEpisode, LoopKind, LoopState, LoopStats};
use tempest_core::display::thousands;

use super::App;

/// One pane's comparison figures.
#[derive(Debug, Clone, PartialEq)]
pub struct PaneLoops {
    pub pane: usize,
    pub label: String,
    pub temperature: f32,
    pub stats: LoopStats,
}

/// The panes in display order, or sorted by temperature (stable, so equal T keep pane order).
pub fn comparison(app: &App, by_temperature: bool) -> Vec<PaneLoops> {
    let mut rows: Vec<PaneLoops> = app
        .panes
        .iter()
        .enumerate()
        .map(|(i, p)| PaneLoops {
            pane: i,
            label: p.settings.label(),
            temperature: p.settings.temperature,
            stats: p.loops().stats(),
        })
        .collect();
    if by_temperature {
        rows.sort_by(|a, b| a.temperature.total_cmp(&b.temperature));
    }
    rows
}

pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

pub fn state(s: &LoopState) -> String {
    match *s {
        LoopState::Free => "free".into(),
        LoopState::Exact { period, repeats } => format!("⟳ {period}×{repeats}"),
        LoopState::Near { word_period, repeats, .. } => format!("≈ {word_period}w×{repeats}"),
    }
}

pub fn opt(v: Option<impl Into<u64>>) -> String {
    v.map_or_else(|| "–".into(), |v| thousands(v.into()))
}

/// The comparison as aligned text lines: a header, then one line per pane.
pub fn comparison_lines(rows: &[PaneLoops]) -> Vec<String> {
    let width = rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(0).max(8);
    let mut out =
        vec![format!("pane  {:<width$}  in loops  exact  near  loops  first onset  longest  now", "settings")];
    for r in rows {
        let s = &r.stats;
        out.push(format!(
            "{:>4}  {:<width$}  {:>8}  {:>5}  {:>4}  {:>5}  {:>11}  {:>7}  {}",
            r.pane + 1,
            r.label,
            percent(s.loop_share()),
            s.exact_loops,
            s.near_loops,
            s.loops(),
            opt(s.first_onset),
            opt(s.longest_period.map(|p| p as u64)),
            state(&s.state),
        ));
    }
    out
}

/// One loop as a line of the loop list.
pub fn episode_line(e: &LoopEpisode) -> String {
    let kind = match e.kind {
        LoopKind::Exact => "⟳ exact".to_string(),
        LoopKind::Near => format!("≈ near ({} words)", e.word_period.unwrap_or(0)),
    };
    format!(
        "{kind:<18} at {:>7}  period {:>4}  ×{:<3}  {:>6} ch{}",
        thousands(e.start),
        e.period,
        e.peak_repeats,
        thousands(e.length),
        if e.open { "  (now)" } else { "" }
    )
}

/// Every pane's loops for the text export: the comparison, then each pane's loop list.
pub fn export_section(app: &App) -> String {
    let mut s = String::from("\n=== loops ===\n");
    for line in comparison_lines(&comparison(app, false)) {
        s.push_str(&line);
        s.push('\n');
    }
    for (i, p) in app.panes.iter().enumerate() {
        let episodes = p.loops().episodes();
        s.push_str(&format!("\npane {} · {} · {} loops\n", i + 1, p.settings.label(), p.loops().stats().loops()));
        for e in episodes {
            s.push_str(&episode_line(e));
            s.push('\n');
        }
    }
    s
}
