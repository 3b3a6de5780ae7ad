//! The `?` overlay: every key and what it does.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Clear, Widget};

use super::theme::Theme;
use crate::explorer::app::keymap::{Row, KEYMAP as HELP};
use crate::explorer::app::layout::{help_max_scroll, help_rows};
use crate::explorer::app::strings::{self, HELP_TITLE};

pub struct HelpOverlay<'a> {
    pub theme: &'a Theme,
    /// Rows scrolled past at the top.
    pub scroll: usize,
}

/// A `w`×`h` rectangle centred in `area`, shrunk to fit it.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let key_w = HELP.iter().map(|r| r.keys.chars().count()).max().unwrap_or(0);
        let what_w = HELP.iter().map(|r| r.help.chars().count()).max().unwrap_or(0);
        let rect = centered(area, (key_w + what_w + 6) as u16, HELP.len() as u16 + 2);
        Clear.render(rect, buf);
        let block = Block::bordered().title(HELP_TITLE).border_style(t.border_focus).border_type(t.border_focus_type);
        let inner = block.inner(rect);
        block.render(rect, buf);
        // If the terminal is too short for the whole list, it scrolls, and the last line says how.
        let rows = help_rows(area.height);
        let scroll = self.scroll.min(help_max_scroll(area.height));
        if rows < HELP.len() && inner.height > 0 {
            let more = strings::help_more(scroll + 1, scroll + rows, HELP.len());
            buf.set_stringn(inner.x + 1, inner.bottom() - 1, more, inner.width.saturating_sub(1) as usize, t.dim);
        }
        for (y, Row { keys, help: what, .. }) in HELP.iter().skip(scroll).take(rows).enumerate() {
            let y = inner.y + y as u16;
            buf.set_stringn(inner.x + 1, y, keys, key_w, t.key);
            let wx = inner.x + key_w as u16 + 3;
            buf.set_stringn(wx, y, what, inner.right().saturating_sub(wx) as usize, ratatui::style::Style::new());
        }
    }
}
