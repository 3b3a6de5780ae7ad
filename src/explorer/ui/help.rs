//! The `?` overlay: every key and what it does, then what every figure in the pane titles means.
//! Scrolls (↑/↓, PgUp/PgDn) when the terminal is too short for all of it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Clear, Widget};

use super::fit;
use super::theme::Theme;
use crate::explorer::app::keymap::{Row, KEYMAP as HELP};
use crate::explorer::app::strings::{self, HELP_TITLE};
use crate::explorer::app::App;

pub struct HelpOverlay<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

/// A `w`×`h` rectangle centred in `area`, shrunk to fit it.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// One line of the help: a key (or figure) column and its text.
struct HelpLine {
    left: String,
    right: String,
    heading: bool,
}

/// Words of `text` in lines of at most `width` cells (a word longer than that gets its own line).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && fit::width(&line) + 1 + fit::width(word) > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// Every line of the help for a text column `text_w` wide: keys, then the figures' legend.
fn lines(window: usize, key_w: usize, text_w: usize) -> Vec<HelpLine> {
    let mut out: Vec<HelpLine> = HELP
        .iter()
        .map(|Row { keys, help, .. }| HelpLine { left: keys.to_string(), right: help.to_string(), heading: false })
        .collect();
    out.push(HelpLine { left: String::new(), right: String::new(), heading: false });
    out.push(HelpLine { left: strings::metrics_heading(window), right: String::new(), heading: true });
    for (name, what) in strings::METRICS {
        let what = what.replace("{N}", &window.to_string());
        for (i, part) in wrap_words(&what, text_w.max(10)).into_iter().enumerate() {
            let left = if i == 0 { name.to_string() } else { String::new() };
            out.push(HelpLine { left, right: part, heading: false });
        }
    }
    let _ = key_w;
    out
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let key_w = HELP.iter().map(|r| fit::width(r.keys)).max().unwrap_or(0);
        let what_w = HELP.iter().map(|r| fit::width(r.help)).max().unwrap_or(0);
        let box_w = (key_w + what_w + 6) as u16;
        // The text column as wide as the box allows once it is fitted to the screen.
        let text_w = (box_w.min(area.width) as usize).saturating_sub(key_w + 6);
        let all = lines(self.app.limits.metrics_window, key_w, text_w);
        let rect = centered(area, box_w, all.len() as u16 + 2);
        Clear.render(rect, buf);
        let block = Block::bordered().title(HELP_TITLE).border_style(t.border_focus).border_type(t.border_focus_type);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let rows = inner.height as usize;
        if rows == 0 {
            return;
        }
        let max_scroll = all.len().saturating_sub(rows);
        let scroll = (self.app.help_scroll as usize).min(max_scroll);
        let more_below = scroll < max_scroll;
        for (i, line) in all.iter().skip(scroll).take(rows).enumerate() {
            let y = inner.y + i as u16;
            let room = inner.width.saturating_sub(1) as usize;
            if more_below && i == rows - 1 {
                let more = format!("↓ {} more lines (↑/↓ scroll)", all.len() - scroll - rows + 1);
                buf.set_stringn(inner.x + 1, y, fit::ellipsize(&more, room), room, t.dim);
                break;
            }
            if line.heading {
                buf.set_stringn(inner.x + 1, y, fit::ellipsize(&line.left, room), room, t.title_focus);
                continue;
            }
            buf.set_stringn(inner.x + 1, y, &line.left, key_w.min(room), t.key);
            let wx = inner.x + key_w as u16 + 3;
            let w = inner.right().saturating_sub(wx) as usize;
            buf.set_stringn(wx, y, fit::ellipsize(&line.right, w), w, Style::new());
        }
    }
}
