//! One pane: a title with its settings, size, loop and metrics, and the wrapped tail of its text.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::theme::Theme;
use super::wrap::{self, Row};
use crate::explorer::app::sampler_controls::title_label;
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
        let label = title_label(&pane.settings, focused.then_some(self.app.knob));
        let (top, bottom) = titles(self.index, pane, &label, focused, t, area.width);
        let mut block = Block::bordered().title(top).title_bottom(bottom);
        if focused {
            block = block.border_style(t.border_focus).border_type(t.border_focus_type);
        } else {
            block = block.border_style(t.border);
        }
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.width > 0 && inner.height > 0 {
            self.render_text(pane, inner, buf);
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
/// `label` names the settings (with the knob ↑/↓ adjusts marked on the focused pane).
fn titles<'a>(
    index: usize,
    pane: &PaneState,
    label: &str,
    focused: bool,
    t: &Theme,
    width: u16,
) -> (Line<'a>, Line<'a>) {
    let room = width.saturating_sub(2) as usize;
    let style = if focused { t.title_focus } else { t.title };
    let mut top = vec![(vec![format!(" {} · {label} ", index + 1)], style)];
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
    let bottom = if s.count == 0 {
        Vec::new()
    } else {
        vec![
            (vec![format!(" {:.2} bits/ch ", s.mean_surprisal_bits)], style),
            (vec![format!("· H {:.2} ", s.mean_entropy_bits)], style),
            (vec![format!("· distinct-4 {:.2} ", s.distinct_4), format!("· d4 {:.2} ", s.distinct_4)], style),
        ]
    };
    (fit(room, top), fit(room, bottom))
}

impl PaneView<'_> {
    /// Lays out only the tail that can be visible (plus whatever reaches back to the inspect
    /// cursor), keeping newest text at the bottom.
    fn render_text(&self, pane: &PaneState, area: Rect, buf: &mut Buffer) {
        let (w, h) = (area.width as usize, area.height as usize);
        let history = pane.history();
        // The text is the prime (while the whole generated text is still held) and the history.
        let prime: Vec<char> = if pane.is_complete() { self.app.prime.chars().collect() } else { Vec::new() };
        let plen = prime.len();
        let end = plen + history.len();
        let ch = |i: usize| if i < plen { prime[i] } else { history[i - plen].ch };
        let cursor = self
            .app
            .inspect
            .filter(|c| c.pane == self.index)
            .map(|c| plen + c.pos.saturating_sub(pane.first_pos()) as usize);
        let need = end.saturating_sub((w + 1) * h).min(cursor.unwrap_or(usize::MAX));
        let last_newline = match pane.last_newline() {
            Some(p) if p >= pane.first_pos() => Some(plen + (p - pane.first_pos()) as usize),
            _ => prime.iter().rposition(|&c| c == '\n'),
        };
        let start = wrap::layout_start(need, pane.first_pos(), last_newline, ch);
        let mut rows: Vec<Row> = Vec::with_capacity(h * 2);
        wrap::wrap(w, start, end, ch, &mut rows);
        let first = visible_from(&rows, h, cursor);
        let loop_from = pane.current_loop().map_or(usize::MAX, |l| end.saturating_sub(l.span).max(plen));
        let marks = loop_marks(pane, plen, start, end);
        for (y, row) in rows[first..].iter().take(h).enumerate() {
            let mut x = 0;
            for i in row.start..row.end {
                let (glyph, cw) = wrap::display(ch(i));
                if x + cw > w {
                    break;
                }
                let mut style = if i < plen { self.theme.prime } else { self.char_style(&history[i - plen]) };
                if glyph != ch(i) {
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
                if Some(i) == cursor {
                    style = style.patch(self.theme.cursor);
                }
                put(buf, area.x + x as u16, area.y + y as u16, glyph, cw, style);
                x += cw;
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

/// The first row to show: the last `h` rows, unless the inspect cursor is above them, in which
/// case the cursor's row sits a third of the way down.
fn visible_from(rows: &[Row], h: usize, cursor: Option<usize>) -> usize {
    let bottom = rows.len().saturating_sub(h);
    let Some(c) = cursor else { return bottom };
    let row = rows.partition_point(|r| r.end <= c).min(rows.len().saturating_sub(1));
    if row >= bottom {
        bottom
    } else {
        row.saturating_sub(h / 3)
    }
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
