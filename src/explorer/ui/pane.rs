//! One pane: a title with its settings, size, loop and metrics, and the wrapped tail of its text.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::fit::{self, Part};
use super::theme::Theme;
use crate::explorer::app::sampler_controls::title_label;
use crate::explorer::app::strings;
use crate::explorer::app::text_view::{text_area, TextView};
use crate::explorer::app::wrap;
use crate::explorer::app::{App, ColorMode, PaneState};
use crate::explorer::worker::Drawn;
use tempest_core::analysis::{LoopKind, LoopState};
use tempest_core::display::thousands;

pub struct PaneView<'a> {
    pub app: &'a App,
    pub index: usize,
    pub theme: &'a Theme,
}

impl Widget for PaneView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let pane = &self.app.panes[self.index];
        let focused = self.index == self.app.focus;
        let t = self.theme;
        // The same layout the mouse and the inspect cursor read (app::text_view).
        let view = TextView::new(self.app, self.index, text_area(area));
        let label = match &pane.scored {
            Some(s) => s.label(),
            None => title_label(&pane.settings, focused.then_some(self.app.knob)),
        };
        let (top, bottom) = titles(self.index, pane, &label, !view.at_bottom, focused, t, area.width);
        let mut block = Block::bordered().title(top).title_bottom(bottom);
        if focused {
            block = block.border_style(t.border_focus).border_type(t.border_focus_type);
        } else {
            block = block.border_style(t.border);
        }
        block.render(area, buf);
        if !view.rows.is_empty() {
            self.render_text(pane, &view, buf);
        }
    }
}

/// The number shown for a count in a narrow title: `987`, `8.7k`, `87k`, `1.2M`.
pub fn short_count(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=9_999 => format!("{:.1}k", n as f64 / 1e3),
        10_000..=999_999 => format!("{}k", n / 1_000),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// The settings label squeezed: `T 1.50 · top-p 0.90` → `T1.50 p.90`.
pub(super) fn compact_label(label: &str) -> String {
    let mut s = label.replace(" · ", " ");
    for (long, short) in
        [("T ", "T"), ("top-k ", "k"), ("top-p 0", "p"), ("top-p ", "p"), ("min-p 0", "m"), ("min-p ", "m")]
    {
        s = s.replace(long, short);
    }
    s.replace("rep ", "r")
        .replace("▸m off", "▸m-")
        .replace("▸p off", "▸p-")
        .replace("▸k off", "▸k-")
        .replace("▸r off", "▸r-")
}

/// Just the temperature of a label (`T1.50`, marked `▸` when the knob is on something else it
/// stays off: the title then shows at least which T the pane runs at).
fn t_only(label: &str) -> String {
    compact_label(label).split(' ').next().unwrap_or_default().to_string()
}

/// Index of each part of a title line, as [`fit::choose`] sees it.
const SET: usize = 1;
const LOOP: usize = 2;
const COUNT: usize = 3;
const SEP: usize = 4;
const PAD: usize = 5;

/// The order the top title gives way in: first the count shortens, then the loop, then the
/// separators and the settings squeeze, then the count goes, then the loop; the pane number and
/// the temperature stay to the end.
const TOP_PLAN: &[usize] = &[COUNT, LOOP, COUNT, SEP, SET, COUNT, LOOP, LOOP, PAD, SET];

/// The top title's text, split into its parts (number, settings, loop, count) as chosen to fit
/// `room` cells, with the separator and padding chosen. Public for tests.
pub fn top_title(index: usize, pane: &PaneState, label: &str, room: usize) -> Vec<String> {
    let loop_forms: Vec<String> = if let Some(l) = pane.current_loop() {
        let (p, k) = (l.period, l.repeats());
        vec![format!("⟳ loop: period {p} ×{k}"), format!("⟳ {p}×{k}"), "⟳".into(), String::new()]
    } else if let LoopState::Near { word_period, repeats, .. } = pane.loops().stats().state {
        vec![
            format!("≈ near-loop: {word_period} words ×{repeats}"),
            format!("≈ {word_period}w×{repeats}"),
            "≈".into(),
            String::new(),
        ]
    } else {
        vec![String::new()]
    };
    let n = pane.total();
    let short = short_count(n);
    let parts = [
        Part::new([format!("{}", index + 1)]),
        Part::new([label.to_string(), compact_label(label), t_only(label)]),
        Part { forms: loop_forms },
        Part::new([format!("{} ch", thousands(n)), format!("{short} ch"), short, String::new()]),
        Part::new([" · ", " "]),
        Part::new([" ", ""]),
    ];
    let measure = |f: &[&str]| fit::width(&fit::join(&f[..SEP], f[SEP])) + 2 * fit::width(f[PAD]);
    let chosen = fit::choose(room, &parts, TOP_PLAN, measure);
    parts.iter().zip(&chosen).map(|(p, &i)| p.forms[i].clone()).collect()
}

/// Index of each part of the bottom title (the live metrics).
const T1: usize = 0;
const H: usize = 1;
const DRAWN: usize = 2;
const D4: usize = 3;
const BSEP: usize = 4;
const BPAD: usize = 5;
const BOTTOM_PLAN: &[usize] = &[D4, DRAWN, T1, BSEP, D4, H, T1, BPAD, T1];

/// The bottom title's parts: bits/char under the model at T = 1, the entropy of the sampled
/// distributions, the surprisal under them, distinct-4 (see the `?` help for each).
pub fn bottom_title(pane: &PaneState, room: usize) -> Vec<String> {
    let s = pane.summary();
    if s.count == 0 {
        return Vec::new();
    }
    let t1 = s.mean_model_surprisal_bits;
    let parts = [
        Part::new([
            format!("{t1:.2} bits/ch at T=1"),
            format!("{t1:.2} b/ch@T1"),
            format!("{t1:.2}@T1"),
            String::new(),
        ]),
        Part::new([format!("H {:.2}", s.mean_entropy_bits), String::new()]),
        Part::new([format!("drawn {:.2} bits", s.mean_surprisal_bits), String::new()]),
        Part::new([format!("distinct-4 {:.2}", s.distinct_4), format!("d4 {:.2}", s.distinct_4), String::new()]),
        Part::new([" · ", " "]),
        Part::new([" ", ""]),
    ];
    let measure = |f: &[&str]| fit::width(&fit::join(&f[..BSEP], f[BSEP])) + 2 * fit::width(f[BPAD]);
    let chosen = fit::choose(room, &parts, BOTTOM_PLAN, measure);
    parts.iter().zip(&chosen).map(|(p, &i)| p.forms[i].clone()).collect()
}

/// Spans for chosen parts: `pad part sep part … pad`, the loop part (if any) in `special`, the
/// whole cut with `…` if even the shortest forms do not fit.
fn line<'a>(
    parts: Vec<String>,
    sep: usize,
    special: Option<usize>,
    room: usize,
    style: Style,
    special_style: Style,
) -> Line<'a> {
    if parts.is_empty() {
        return Line::default();
    }
    let (sep_s, pad) = (parts[sep].clone(), parts[sep + 1].clone());
    let mut spans = vec![Span::styled(pad.clone(), style)];
    let mut first = true;
    for (i, p) in parts[..sep].iter().enumerate().filter(|(_, p)| !p.is_empty()) {
        if !first {
            spans.push(Span::styled(sep_s.clone(), style));
        }
        first = false;
        spans.push(Span::styled(p.clone(), if Some(i) == special { special_style } else { style }));
    }
    spans.push(Span::styled(pad, style));
    let line = Line::from(spans);
    if line.width() <= room {
        return line;
    }
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    Line::from(Span::styled(fit::ellipsize(&text, room), style))
}

/// Top: number, settings, loop, characters generated; bottom: the live metrics. Parts shorten and
/// then go in priority order (see [`TOP_PLAN`]) so that the pane number and its temperature are
/// the last to go. `label` names the settings (with the knob ↑/↓ adjusts marked on the focused
/// pane); `held`: the view is scrolled back, which the bottom title says first.
fn titles<'a>(
    index: usize,
    pane: &PaneState,
    label: &str,
    held: bool,
    focused: bool,
    t: &Theme,
    width: u16,
) -> (Line<'a>, Line<'a>) {
    let room = width.saturating_sub(2) as usize;
    let style = if focused { t.title_focus } else { t.title };
    let loop_style = if pane.current_loop().is_some() { t.loop_span } else { t.near_loop };
    let top = line(top_title(index, pane, label, room), SEP, Some(LOOP), room, style, loop_style);
    let held = held.then(|| {
        let long = fit::width(strings::PANE_HELD) + 12 <= room;
        if long {
            strings::PANE_HELD
        } else {
            strings::PANE_HELD_SHORT
        }
    });
    let rest = room.saturating_sub(held.map_or(0, fit::width));
    let mut bottom = line(bottom_title(pane, rest), BSEP, None, rest, style, style);
    if let Some(h) = held {
        bottom.spans.insert(0, Span::styled(h, t.key));
    }
    (top, bottom)
}

impl PaneView<'_> {
    /// Draws the rows `view` says are visible, styling each character by its colouring, loops and
    /// the inspect cursor.
    fn render_text(&self, pane: &PaneState, view: &TextView, buf: &mut Buffer) {
        let history = pane.history();
        let (plen, end) = (view.prime_len(), view.len());
        let area = view.area;
        let loop_from = pane.current_loop().map_or(usize::MAX, |l| end.saturating_sub(l.span).max(plen));
        let neuron = super::neurons::PaneColors::new(self.app, self.index, self.theme);
        let from = view.rows.first().map_or(0, |r| r.start);
        let to = view.rows.last().map_or(0, |r| r.end);
        let marks = loop_marks(pane, plen, from, to);
        for y in 0..view.rows.len() {
            for (i, x, cw) in view.cells(y) {
                let c = view.ch(i);
                let (glyph, _) = wrap::display(c);
                let mut style = if i < plen { self.theme.prime } else { self.char_style(&history[i - plen]) };
                if glyph != c {
                    style = style.patch(self.theme.glyph);
                }
                if i >= loop_from {
                    style = style.patch(self.theme.loop_span);
                } else if let Some(&(_, _, kind)) = marks.iter().find(|m| (m.0..m.1).contains(&i)) {
                    style = style.patch(match kind {
                        LoopKind::Exact => self.theme.loop_past,
                        LoopKind::Near => self.theme.near_loop,
                    });
                }
                if i >= plen {
                    if let Some(n) = &neuron {
                        style = style.patch(n.style(pane.first_pos() + (i - plen) as u64));
                    }
                }
                if Some(i) == view.cursor {
                    style = style.patch(self.theme.cursor);
                }
                put(buf, area.x + x as u16, area.y + y as u16, glyph, cw, style);
            }
        }
    }

    fn char_style(&self, d: &Drawn) -> Style {
        let bucket = match self.app.color_mode {
            ColorMode::Off => return Style::new(),
            ColorMode::Rank => rank_bucket(d.rank, self.app.vocab.len()),
            ColorMode::Probability => p_bucket(d.p),
        };
        self.theme.buckets[bucket]
    }
}

/// The loops overlapping the laid-out text `[from, to)`, as index ranges into it (the prime takes
/// the first `plen` indices), so past loops stay marked while they are in view.
fn loop_marks(pane: &PaneState, plen: usize, from: usize, to: usize) -> Vec<(usize, usize, LoopKind)> {
    let first = pane.first_pos();
    let at = |pos: u64| plen + pos.saturating_sub(first) as usize;
    pane.loops()
        .episodes()
        .iter()
        .rev()
        .take_while(|e| at(e.end()) > from)
        .filter(|e| e.end() > first && at(e.start) < to)
        .map(|e| (at(e.start.max(first)), at(e.end()), e.kind))
        .collect()
}

/// GLTR's buckets, sized for the vocabulary: shared with `tempest score --color`.
pub use tempest_core::analysis::gltr::{rank_bounds, rank_bucket};

/// Buckets of the probability the character was drawn with (at its pane's settings).
pub fn p_bucket(p: f32) -> usize {
    match p {
        p if p >= 0.5 => 0,
        p if p >= 0.1 => 1,
        p if p >= 0.01 => 2,
        _ => 3,
    }
}

/// Writes one character; wide ones go through `set_stringn`, which blanks the cell they cover.
fn put(buf: &mut Buffer, x: u16, y: u16, c: char, width: usize, style: Style) {
    if width == 1 {
        if let Some(cell) = buf.cell_mut((x, y)) {
            cell.set_char(c).set_style(style);
        }
    } else {
        let mut tmp = [0u8; 4];
        buf.set_stringn(x, y, c.encode_utf8(&mut tmp), width, style);
    }
}
