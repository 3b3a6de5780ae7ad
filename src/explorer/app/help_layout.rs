//! The `?` help's lines and its box, worked out from the key map, the metrics window and the
//! screen size alone: `update` keeps the help's scroll within what there is to see, and the
//! overlay draws exactly these lines in exactly this box.

use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use super::keymap::{Row, KEYMAP};
use super::{strings, App};

/// One line of the help: a key (or figure) column and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    pub left: String,
    pub right: String,
    pub heading: bool,
}

/// The help as laid out for one screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLayout {
    /// The bordered box, centred in the area above the status line.
    pub rect: Rect,
    /// Width of the key column.
    pub key_w: usize,
    pub lines: Vec<HelpLine>,
}

/// A `w`×`h` rectangle centred in `area`, shrunk to fit it.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// Words of `text` in lines of at most `width` cells (a word longer than that gets its own line).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.width() + 1 + word.width() > width {
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

impl HelpLayout {
    /// The help in `area` (the screen above the status line), for a metrics window of `window`.
    pub fn new(area: Rect, window: usize) -> HelpLayout {
        let key_w = KEYMAP.iter().map(|r| r.keys.width()).max().unwrap_or(0);
        let what_w = KEYMAP.iter().map(|r| r.help.width()).max().unwrap_or(0);
        let box_w = (key_w + what_w + 6) as u16;
        // The text column as wide as the box allows once it is fitted to the screen.
        let text_w = (box_w.min(area.width) as usize).saturating_sub(key_w + 6);
        let lines = lines(window, text_w);
        let rect = centered(area, box_w, lines.len() as u16 + 2);
        HelpLayout { rect, key_w, lines }
    }

    /// The help as `app` shows it on its terminal (the status line takes the bottom row).
    pub fn of(app: &App) -> HelpLayout {
        let (w, h) = app.size;
        HelpLayout::new(Rect::new(0, 0, w, h.saturating_sub(1)), app.limits.metrics_window)
    }

    /// Lines that fit inside the box's borders.
    pub fn rows(&self) -> usize {
        self.rect.height.saturating_sub(2) as usize
    }

    /// The furthest the help scrolls: its last line at the bottom of the box.
    pub fn max_scroll(&self) -> usize {
        self.lines.len().saturating_sub(self.rows())
    }
}

/// The furthest `app`'s help can scroll on its terminal. Before the size is known (tests, the
/// first frame) every line may come to the top, so nothing in reach is lost.
pub fn max_scroll(app: &App) -> u16 {
    let layout = HelpLayout::of(app);
    let max = if app.size == (0, 0) { layout.lines.len().saturating_sub(1) } else { layout.max_scroll() };
    max.min(u16::MAX as usize) as u16
}

/// Every line of the help for a text column `text_w` wide: keys, then the figures' legend.
fn lines(window: usize, text_w: usize) -> Vec<HelpLine> {
    let mut out: Vec<HelpLine> = KEYMAP
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
    out
}

/// Scrolls the help by `delta` lines, never past its last line at the terminal's size, so that
/// scrolling back always moves the view at once.
pub fn scroll_help(app: &mut App, delta: i32) {
    let max = i32::from(max_scroll(app));
    app.help_scroll = (i32::from(app.help_scroll) + delta).clamp(0, max) as u16;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrower_screens_wrap_the_legend_into_more_lines_and_scroll_further() {
        let wide = HelpLayout::new(Rect::new(0, 0, 200, 100), 64);
        let narrow = HelpLayout::new(Rect::new(0, 0, 60, 15), 64);
        assert!(narrow.lines.len() > wide.lines.len());
        assert_eq!(wide.max_scroll(), 0, "all of it fits on a tall screen");
        assert_eq!(narrow.rows(), 13);
        assert_eq!(narrow.max_scroll(), narrow.lines.len() - 13);
        assert!(KEYMAP.iter().all(|r| wide.lines.iter().any(|l| l.left == r.keys)));
    }
}
