//! A character's distribution: the whole vocabulary in the model's order, a window of it on
//! screen. Each row has a bar at the view's settings and, unless they are the model's own, a
//! second bar at T = 1 in the same cells (upper and lower half blocks), so both read at once.
//! An axis line names the scale; rows cut by top-k, top-p or min-p stay, dimmed and marked.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::fit::{self, Part};
use super::pane::compact_label;
use super::theme::Theme;
use crate::explorer::app::strings;
use crate::explorer::app::{App, HistRow, HistogramSource, HistogramView};
use tempest_core::display::{glyph, thousands};

/// Eighth blocks, for single bars that end between cells.
const PARTIAL: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const DRAWN_LONG: &str = " ◀ drawn";
const DRAWN_SHORT: &str = " ◀";
/// A scored pane's characters were read, not drawn.
const TEXT_LONG: &str = " ◀ text";
const CUT: &str = " cut";

use crate::explorer::app::layout::{histogram_rows, HISTOGRAM_CHROME as CHROME_LINES};

pub struct HistogramWidget<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for HistogramWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        // Two borders, the axis and the footer around the rows; the mouse picks rows from the same area.
        let rows_area = histogram_rows(area);
        let max_rows = rows_area.height as usize;
        let view = self.app.histogram(max_rows);
        // The title sits between the corners.
        let room = area.width.saturating_sub(2) as usize;
        let block = Block::bordered().border_style(t.border).title(title(self.app, view.as_ref(), room));
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
        if inner.height < CHROME_LINES + 1 {
            return;
        }
        let cols = Columns::fit(inner.width as usize, !view.is_model_distribution(), view.scored);
        let scale = Scale::of(&view);
        self.axis(buf, inner.x, inner.y, &cols, &view, &scale);
        for (y, row) in view.rows.iter().enumerate().take(max_rows) {
            self.row(buf, rows_area.x, rows_area.y + y as u16, &cols, row, &view, &scale);
        }
        let footer = footer(&view, inner.width.saturating_sub(1) as usize);
        buf.set_stringn(inner.x + 1, inner.bottom() - 1, footer, inner.width.saturating_sub(1) as usize, t.dim);
    }
}

/// Widths of a row's parts, shrunk to fit: the T = 1 column and the long marker go first.
struct Columns {
    bar: usize,
    show_t1: bool,
    /// Draw the T = 1 bar beside the main one (false when the view is the model's own).
    pair: bool,
    drawn: &'static str,
}

impl Columns {
    const LEAD: usize = 4; // selection marker, glyph (up to 2 cells), space
    const PCT: usize = 8; // " 41.2%" or " 3.1e-9"

    fn fit(width: usize, pair: bool, scored: bool) -> Columns {
        let bar = |show_t1: bool, drawn: &str| {
            width.saturating_sub(Self::LEAD + Self::PCT + if show_t1 { Self::PCT } else { 0 } + drawn.chars().count())
        };
        let long = if scored { TEXT_LONG } else { DRAWN_LONG };
        let options: &[(bool, &'static str)] = if pair {
            &[(true, long), (true, DRAWN_SHORT), (false, DRAWN_SHORT)]
        } else {
            &[(false, long), (false, DRAWN_SHORT)]
        };
        for &(show_t1, drawn) in options {
            if bar(show_t1, drawn) >= 8 {
                return Columns { bar: bar(show_t1, drawn), show_t1, pair, drawn };
            }
        }
        Columns { bar: bar(false, DRAWN_SHORT), show_t1: false, pair, drawn: DRAWN_SHORT }
    }
}

/// How a probability becomes a bar length in [0, 1].
enum Scale {
    /// Linear, `max` filling the bar.
    Linear { max: f32 },
    /// Natural log, from `lo` (empty) to 0 (full).
    Log { lo: f32 },
}

impl Scale {
    fn of(v: &HistogramView) -> Scale {
        if v.log_scale {
            let lo = v
                .rows
                .iter()
                .flat_map(|r| [shown_logp(r, v), r.logp1])
                .filter(|x| x.is_finite())
                .fold(-1.0f32, f32::min);
            Scale::Log { lo }
        } else {
            let max = v.rows.iter().map(|r| shown_logp(r, v).exp().max(r.p1)).fold(0.0f32, f32::max).max(1e-9);
            Scale::Linear { max }
        }
    }

    fn frac(&self, logp: f32) -> f32 {
        let f = match *self {
            Scale::Linear { max } => logp.exp() / max,
            Scale::Log { lo } if logp.is_finite() => (logp - lo) / -lo,
            Scale::Log { .. } => 0.0,
        };
        f.clamp(0.0, 1.0)
    }
}

/// The log-probability a row shows: renormalised for a kept character, as tempered for a cut one.
pub fn shown_logp(r: &HistRow, v: &HistogramView) -> f32 {
    if r.cut || v.kept_mass <= 0.0 {
        r.logp
    } else {
        r.logp - v.kept_mass.ln()
    }
}

/// A probability from its log, readable at any size: `41.2%`, `0.04%`, `3.1e-9`, `0`.
pub fn format_p(logp: f32) -> String {
    if !logp.is_finite() {
        return "0".into();
    }
    let p = logp.exp();
    if p >= 0.000_95 {
        format!("{:.1}%", p * 100.0)
    } else if p >= 0.000_1 {
        format!("{:.2}%", p * 100.0)
    } else {
        let l10 = logp / std::f32::consts::LN_10;
        let e = l10.floor();
        let m = 10f32.powf(l10 - e);
        // Rounding can carry the mantissa to 10.
        if m >= 9.95 {
            format!("1e{}", e as i32 + 1)
        } else {
            format!("{m:.1}e{}", e as i32)
        }
    }
}

impl HistogramWidget<'_> {
    fn axis(&self, buf: &mut Buffer, x0: u16, y: u16, cols: &Columns, v: &HistogramView, scale: &Scale) {
        let t = self.theme;
        let bx = x0 + Columns::LEAD as u16;
        let (lo, hi) = match *scale {
            Scale::Linear { max } => ("0".to_string(), format_p(max.ln())),
            Scale::Log { lo } => (format!("log₂p {:.0}", lo / std::f32::consts::LN_2), "0 (p=1)".to_string()),
        };
        // ├────┼────┤ with the ends labelled.
        let w = cols.bar;
        if w >= 3 {
            for i in 0..w {
                let c = match i {
                    0 => '├',
                    i if i == w - 1 => '┤',
                    i if i % (w / 4).max(1) == 0 && i + 2 < w => '┼',
                    _ => '─',
                };
                if let Some(cell) = buf.cell_mut((bx + i as u16, y)) {
                    cell.set_char(c).set_style(t.dim);
                }
            }
            buf.set_stringn(bx + 1, y, format!(" {lo} "), w / 2, t.dim);
            let hi = format!(" {hi} ");
            let hw = hi.chars().count().min(w);
            buf.set_stringn(bx + (w - hw) as u16 - 1, y, hi, hw, t.dim);
        }
        let mut x = bx + cols.bar as u16;
        let head = if cols.pair { "▀" } else { "" };
        let at_t = format!("{head}T {:.2}", v.settings.temperature);
        buf.set_stringn(x, y, format!("{at_t:>8}"), Columns::PCT, t.bar_t);
        x += Columns::PCT as u16;
        if cols.show_t1 {
            buf.set_stringn(x, y, format!("{:>8}", "▄T 1"), Columns::PCT, t.bar_t1);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn row(&self, buf: &mut Buffer, x0: u16, y: u16, cols: &Columns, row: &HistRow, v: &HistogramView, scale: &Scale) {
        let t = self.theme;
        let line_style = if row.selected { t.selected } else { Style::default() };
        let cut_style = |s: Style| if row.cut { s.patch(t.dim).add_modifier(Modifier::CROSSED_OUT) } else { s };
        let marker = if row.selected { "▶" } else { " " };
        let glyph_style = cut_style(if row.drawn { t.chosen } else { line_style });
        let mut g = [0u8; 4];
        buf.set_stringn(x0, y, marker, 1, line_style);
        buf.set_stringn(x0 + 1, y, glyph(row.ch).encode_utf8(&mut g), 2, glyph_style);
        let bx = x0 + Columns::LEAD as u16;
        let logp = shown_logp(row, v);
        let bar_t = if row.cut { t.bar_t.patch(t.dim) } else { t.bar_t };
        if cols.pair {
            // Upper half: at T; lower half: at T = 1. One cell holds both halves.
            let a = (scale.frac(logp) * cols.bar as f32).round() as usize;
            let b = (scale.frac(row.logp1) * cols.bar as f32).round() as usize;
            for i in 0..cols.bar {
                let (c, style) = match (i < a, i < b, t.bar_t1.fg) {
                    (true, true, Some(c1)) => ('▀', bar_t.bg(c1)),
                    // Without colours the halves still differ by shape: both is a full block.
                    (true, true, None) => ('█', bar_t),
                    (true, false, _) => ('▀', bar_t),
                    (false, true, _) => ('▄', t.bar_t1),
                    (false, false, _) => continue,
                };
                if let Some(cell) = buf.cell_mut((bx + i as u16, y)) {
                    cell.set_char(c).set_style(style);
                }
            }
        } else {
            let eighths = (scale.frac(logp) * (cols.bar * 8) as f32).round() as usize;
            let (full, rem) = (eighths / 8, eighths % 8);
            for i in 0..cols.bar {
                let c = match i {
                    i if i < full => '█',
                    i if i == full && rem > 0 => PARTIAL[rem],
                    _ => continue,
                };
                if let Some(cell) = buf.cell_mut((bx + i as u16, y)) {
                    cell.set_char(c).set_style(bar_t);
                }
            }
        }
        let mut x = bx + cols.bar as u16;
        let pct = format!("{:>8}", format_p(logp));
        buf.set_stringn(x, y, &pct, Columns::PCT, cut_style(line_style));
        x += Columns::PCT as u16;
        if cols.show_t1 {
            buf.set_stringn(x, y, format!("{:>8}", format_p(row.logp1)), Columns::PCT, t.dim);
            x += Columns::PCT as u16;
        }
        if row.drawn {
            buf.set_stringn(x, y, cols.drawn, cols.drawn.chars().count(), t.chosen);
        } else if row.cut {
            buf.set_stringn(x, y, CUT, cols.drawn.chars().count(), t.dim);
        }
    }
}

/// The title's parts, fitted to `room` cells by [`fit::choose`]: the keys go first, then the
/// position and the settings shorten (squeezed as pane titles squeeze them), the log-scale note
/// goes, and what the rows are (as drawn, re-tempered, scored) keeps its meaning to the last.
fn title<'a>(app: &App, view: Option<&HistogramView>, room: usize) -> Line<'a> {
    let Some(v) = view else {
        let pane = app.inspect.map_or(app.focus, |i| i.pane);
        let text = format!(" distribution · pane {} · {} ", pane + 1, app.panes[pane].settings.label());
        return Line::from(fit::ellipsize(&text, room));
    };
    let (pos, pane) = (thousands(v.pos + 1), v.pane + 1);
    let what = Part::new([
        format!("character {pos} of pane {pane}"),
        format!("char {pos} · pane {pane}"),
        format!("char {pos}"),
        format!("#{pos}"),
    ]);
    let (now, drawn) = (v.settings.label(), v.drawn_settings.label());
    let (now_c, drawn_c) = (compact_label(&now), compact_label(&drawn));
    let how = match v.source {
        // A scored pane's text was not drawn: it is real text, scored under the model at T = 1.
        _ if v.scored => Part::new(["scored under the model (T 1)", "scored at T 1", "scored"]),
        HistogramSource::Live { retempered: true } => Part::new([
            format!("re-tempered at {now} (drawn at {drawn})"),
            format!("re-tempered {now_c} (drawn {drawn_c})"),
            format!("now {now_c} (drawn {drawn_c})"),
            format!("now {now_c}"),
        ]),
        _ => Part::new([format!("as drawn at {drawn}"), format!("drawn at {drawn_c}"), format!("drawn {drawn_c}")]),
    };
    let log = if v.log_scale { Part::new(["log scale", "log", ""]) } else { Part::new([""]) };
    let keys = match v.source {
        HistogramSource::Inspect { .. } if !v.scored => Part::new(["</> pick · enter branch", "enter branch", ""]),
        _ => Part::new([""]),
    };
    const WHAT: usize = 0;
    const HOW: usize = 1;
    const LOG: usize = 2;
    const KEYS: usize = 3;
    const SEP: usize = 4;
    let parts = [what, how, log, keys, Part::new([" · ", " "])];
    let plan = [KEYS, KEYS, WHAT, HOW, LOG, WHAT, HOW, LOG, WHAT, SEP, HOW];
    // A space pads each end of the title.
    let measure = |f: &[&str]| fit::width(&fit::join(&f[..SEP], f[SEP])) + 2;
    let chosen = fit::choose(room, &parts, &plan, measure);
    let forms: Vec<&str> = parts.iter().zip(&chosen).map(|(p, &i)| p.forms[i].as_str()).collect();
    let text = format!(" {} ", fit::join(&forms[..SEP], forms[SEP]));
    Line::from(Span::raw(fit::ellipsize(&text, room)))
}

/// The footer's parts, each with shorter forms, fitted to `room` cells: what gives way first is
/// the row range, then what truncation kept, then the detail of the drawn character; a part is
/// never cut in the middle of a number.
fn footer(v: &HistogramView, room: usize) -> String {
    let h = Part::new([format!("H {:.2} bits", v.entropy_bits), format!("H {:.2}", v.entropy_bits)]);
    let drew = match v.drawn {
        Some((c, p, rank)) => {
            let verb = if v.scored { "text" } else { "drew" };
            let base = format!("{verb} {} {}", glyph(c), format_p(p.ln()));
            let ranked = format!("{base} (rank {rank})");
            let mut long = ranked.clone();
            if v.source == (HistogramSource::Live { retempered: true }) {
                let now = v.rows.iter().find(|r| r.drawn).map(|r| format_p(shown_logp(r, v)));
                long += &format!(" at T {:.2}", v.drawn_settings.temperature);
                if let Some(now) = now {
                    long += &format!(", now {now}");
                }
            }
            Part::new([long, ranked, base, String::new()])
        }
        None => Part::new([String::new()]),
    };
    let kept = if v.truncates() {
        Part::new([
            format!("kept {}/{} ({} of mass)", v.kept, v.total_rows, format_p(v.kept_mass.ln())),
            format!("kept {}/{}", v.kept, v.total_rows),
            String::new(),
        ])
    } else {
        Part::new([String::new()])
    };
    let last = v.first_row + v.rows.len();
    let rows = if v.first_row > 0 || last < v.total_rows {
        let range = format!("rows {}–{last} of {}", v.first_row + 1, v.total_rows);
        let long =
            if v.mass_below > 0.0 { format!("{range}, {} below", format_p(v.mass_below.ln())) } else { range.clone() };
        Part::new([long, range, format!("{}–{last}/{}", v.first_row + 1, v.total_rows), String::new()])
    } else {
        Part::new([String::new()])
    };
    let parts = [h, drew, kept, rows, Part::new([" · ", " "])];
    const SEP: usize = 4;
    let plan = [3, 2, 1, 3, 1, 3, SEP, 2, 3, 0, 1];
    let measure = |f: &[&str]| fit::width(&fit::join(&f[..SEP], f[SEP]));
    let chosen = fit::choose(room, &parts, &plan, measure);
    let forms: Vec<&str> = parts.iter().zip(&chosen).map(|(p, &i)| p.forms[i].as_str()).collect();
    fit::ellipsize(&fit::join(&forms[..SEP], forms[SEP]), room)
}

#[cfg(test)]
mod tests {
    use super::format_p;

    #[test]
    fn probabilities_read_at_every_size() {
        assert_eq!(format_p(0.412f32.ln()), "41.2%");
        assert_eq!(format_p(0.0004f32.ln()), "0.04%");
        assert_eq!(format_p(3.1e-9f32.ln()), "3.1e-9");
        assert_eq!(format_p(-400.0), "1.9e-174");
        assert_eq!(format_p(f32::NEG_INFINITY), "0");
        assert_eq!(format_p(0.0), "100.0%");
    }
}
