//! One pane: a title with its settings, size, loop and metrics, and the wrapped tail of its text.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::theme::Theme;
use crate::explorer::app::sampler_controls::{short_label, title_label};
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
        let label = title_label(&pane.settings, focused.then_some(self.app.knob));
        let short = short_label(&pane.settings, focused.then_some(self.app.knob));
        let (top, bottom) = titles(self.index, pane, [&label, &short], !view.at_bottom, focused, t, area.width);
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

/// Adds `(text, style)` parts to a title while they fit in `room` cells, trying each part's long
/// form before its short one; a part that fits in neither is left out.
fn fit<'a>(room: usize, parts: Vec<(Vec<String>, Style)>) -> Line<'a> {
    let mut used = 0;
    let mut spans = Vec::new();
    for (forms, style) in parts {
        if let Some(f) = forms.into_iter().find(|f| used + f.chars().count() <= room) {
            used += f.chars().count();
            spans.push(Span::styled(f, style));
        }
    }
    Line::from(spans)
}

/// Top: number, settings, loop, characters generated; bottom: the live metrics. What does not fit
/// the pane's width is dropped, least important first.
/// `labels` name the settings, long and short (with the knob ↑/↓ adjusts marked on the focused
/// pane); `held`: the view is scrolled back and no longer follows the text.
fn titles<'a>(
    index: usize,
    pane: &PaneState,
    labels: [&str; 2],
    held: bool,
    focused: bool,
    t: &Theme,
    width: u16,
) -> (Line<'a>, Line<'a>) {
    let room = width.saturating_sub(2) as usize;
    let style = if focused { t.title_focus } else { t.title };
    let n = index + 1;
    let mut top =
        vec![(vec![format!(" {n} · {} ", labels[0]), format!(" {n} · {} ", labels[1]), format!(" {n} ")], style)];
    if let Some(l) = pane.current_loop() {
        let (p, k) = (l.period, l.repeats());
        top.push((vec![format!("⟳ loop: period {p} ×{k}"), format!("⟳ {p}×{k}")], t.loop_span));
        top.push((vec![" ".into()], style));
    } else if let LoopState::Near { word_period, repeats, .. } = pane.loops().stats().state {
        top.push((
            vec![format!("≈ near-loop: {word_period} words ×{repeats}"), format!("≈ {word_period}w×{repeats}")],
            t.near_loop,
        ));
        top.push((vec![" ".into()], style));
    }
    top.push((vec![format!("· {} ch ", thousands(pane.total()))], style));
    let s = pane.summary();
    let mut bottom = Vec::new();
    if held {
        bottom.push((vec![strings::PANE_HELD.to_string(), strings::PANE_HELD_SHORT.to_string()], t.key));
    }
    if s.count > 0 {
        bottom.extend([
            (vec![format!(" {:.2} bits/ch ", s.mean_surprisal_bits)], style),
            (vec![format!("· H {:.2} ", s.mean_entropy_bits)], style),
            (vec![format!("· distinct-4 {:.2} ", s.distinct_4), format!("· d4 {:.2} ", s.distinct_4)], style),
        ]);
    }
    (fit(room, top), fit(room, bottom))
}

impl PaneView<'_> {
    /// Draws the rows `view` says are visible, styling each character by its colouring, loops and
    /// the inspect cursor.
    fn render_text(&self, pane: &PaneState, view: &TextView, buf: &mut Buffer) {
        let history = pane.history();
        let (plen, end) = (view.prime_len(), view.len());
        let area = view.area;
        let loop_from = pane.current_loop().map_or(usize::MAX, |l| end.saturating_sub(l.span).max(plen));
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

/// GLTR's buckets, sized for the vocabulary (see [`rank_bounds`]): the drawn character was the
/// most likely, in the next bucket, the one after, or below.
pub fn rank_bucket(rank: u32, vocab: usize) -> usize {
    let b = rank_bounds(vocab);
    b.iter().position(|&top| rank as usize <= top).unwrap_or(3)
}

/// Upper ranks of the first three buckets. GLTR's top-1 / 10 / 100 suit word vocabularies; for a
/// character model of a hundred-odd characters "top 100" is nearly everything, so small
/// vocabularies use top-1 / 3 / 10.
pub fn rank_bounds(vocab: usize) -> [usize; 3] {
    if vocab <= 256 {
        [1, 3, 10]
    } else {
        [1, 10, 100]
    }
}

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
