//! The focused pane's next-character distribution: one row per likely character, with a bar at
//! the pane's T, a lighter extension to where T = 1 would reach, and both percentages.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::theme::Theme;
use crate::explorer::app::strings;
use crate::explorer::app::{App, HistRow, HistogramSource, HistogramView};
use tempest_core::display::{glyph, thousands};

/// Eighth blocks, for bars that end between cells.
const PARTIAL: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const DRAWN_LONG: &str = " ◀ drawn";
const DRAWN_SHORT: &str = " ◀";

pub struct HistogramWidget<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for HistogramWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        // Two borders and a footer line around the rows.
        let max_rows = area.height.saturating_sub(3) as usize;
        let view = self.app.histogram(max_rows);
        let block = Block::bordered().border_style(t.border).title(title(self.app, view.as_ref()));
        let inner = block.inner(area);
        block.render(area, buf);
        let Some(view) = view else {
            let waiting = match self.app.priming {
                Some((done, total)) => strings::priming(done, total),
                None => strings::WAITING.to_string(),
            };
            buf.set_stringn(inner.x + 1, inner.y, waiting, inner.width.saturating_sub(1) as usize, t.dim);
            return;
        };
        let cols = Columns::fit(inner.width as usize);
        let scale = view.rows.iter().map(|r| r.p.max(r.p1)).fold(0.0f32, f32::max).max(1e-9);
        for (y, row) in view.rows.iter().enumerate().take(max_rows) {
            self.row(buf, inner.x, inner.y + y as u16, &cols, row, scale);
        }
        if inner.height > 0 {
            let footer = footer(&view);
            buf.set_stringn(inner.x + 1, inner.bottom() - 1, footer, inner.width.saturating_sub(1) as usize, t.dim);
        }
    }
}

/// Widths of a row's parts, shrunk to fit: the T = 1 column and the long marker go first.
struct Columns {
    bar: usize,
    show_t1: bool,
    drawn: &'static str,
}

impl Columns {
    const LEAD: usize = 4; // selection marker, glyph (up to 2 cells), space
    const PCT: usize = 7; // " 41.2%"
    const T1: usize = 14; // "  (T=1 41.2%)"

    fn fit(width: usize) -> Columns {
        let bar = |show_t1: bool, drawn: &str| {
            width.saturating_sub(Self::LEAD + Self::PCT + if show_t1 { Self::T1 } else { 0 } + drawn.chars().count())
        };
        for (show_t1, drawn) in [(true, DRAWN_LONG), (true, DRAWN_SHORT), (false, DRAWN_SHORT)] {
            if bar(show_t1, drawn) >= 8 {
                return Columns { bar: bar(show_t1, drawn), show_t1, drawn };
            }
        }
        Columns { bar: bar(false, DRAWN_SHORT), show_t1: false, drawn: DRAWN_SHORT }
    }
}

impl HistogramWidget<'_> {
    fn row(&self, buf: &mut Buffer, x0: u16, y: u16, cols: &Columns, row: &HistRow, scale: f32) {
        let t = self.theme;
        let line_style = if row.selected { t.selected } else { Default::default() };
        let marker = if row.selected { "▶" } else { " " };
        let glyph_style = if row.drawn { t.chosen } else { line_style };
        let mut g = [0u8; 4];
        buf.set_stringn(x0, y, marker, 1, line_style);
        buf.set_stringn(x0 + 1, y, glyph(row.ch).encode_utf8(&mut g), 2, glyph_style);
        // The bar at T, in eighths of a cell, then a light extension up to the T = 1 length.
        let bx = x0 + Columns::LEAD as u16;
        let eighths = (row.p / scale * (cols.bar * 8) as f32).round() as usize;
        let (full, rem) = (eighths / 8, eighths % 8);
        let t1_cells = (row.p1 / scale * cols.bar as f32).round() as usize;
        for i in 0..cols.bar {
            let (c, style) = match i {
                i if i < full => ('█', t.bar_t),
                i if i == full && rem > 0 => (PARTIAL[rem], t.bar_t),
                i if i < t1_cells => ('░', t.bar_t1),
                _ => continue,
            };
            if let Some(cell) = buf.cell_mut((bx + i as u16, y)) {
                cell.set_char(c).set_style(style);
            }
        }
        let mut x = bx + cols.bar as u16;
        let pct = format!("{:>6.1}%", row.p * 100.0);
        buf.set_stringn(x, y, &pct, Columns::PCT, line_style);
        x += Columns::PCT as u16;
        if cols.show_t1 {
            let t1 = format!("  (T=1 {:>5.1}%)", row.p1 * 100.0);
            buf.set_stringn(x, y, &t1, Columns::T1, t.dim);
            x += Columns::T1 as u16;
        }
        if row.drawn {
            buf.set_stringn(x, y, cols.drawn, cols.drawn.chars().count(), t.chosen);
        }
    }
}

fn title<'a>(app: &App, view: Option<&HistogramView>) -> Line<'a> {
    let pane = app.inspect.map_or(app.focus, |i| i.pane);
    let text = match view.map(|v| (v.source, v.temperature)) {
        Some((HistogramSource::Inspect { pos }, temp)) => format!(
            " character {} of pane {} · drawn at T {temp:.2} · ↑/↓ pick · enter branch ",
            thousands(pos + 1),
            pane + 1
        ),
        _ => format!(" next character · pane {} · T {:.2} ", pane + 1, app.panes[pane].settings.temperature),
    };
    Line::from(Span::raw(text))
}

fn footer(v: &HistogramView) -> String {
    let mut s = format!("H {:.2} bits", v.entropy_bits);
    if let Some((c, p, rank)) = v.drawn {
        s += &format!(" · drew {} p {:.1}% (rank {rank})", glyph(c), p * 100.0);
    }
    s + &format!(" · other {} chars: {:.1}%", v.other_count, v.other_mass * 100.0)
}
