//! The `?` overlay: every key and what it does, then what every figure in the pane titles means.
//! Scrolls (↑/↓, PgUp/PgDn) when the terminal is too short for all of it. What goes where is
//! [`HelpLayout`]'s, which `update` also uses to keep the scroll in range.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Clear, Widget};

use super::fit;
use super::theme::Theme;
use crate::explorer::app::help_layout::HelpLayout;
use crate::explorer::app::strings::HELP_TITLE;
use crate::explorer::app::App;

pub use crate::explorer::app::help_layout::centered;

pub struct HelpOverlay<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for HelpOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let layout = HelpLayout::new(area, self.app.limits.metrics_window);
        let (all, key_w, rect) = (&layout.lines, layout.key_w, layout.rect);
        Clear.render(rect, buf);
        let block = Block::bordered().title(HELP_TITLE).border_style(t.border_focus).border_type(t.border_focus_type);
        let inner = block.inner(rect);
        block.render(rect, buf);
        let rows = layout.rows();
        if rows == 0 {
            return;
        }
        let max_scroll = layout.max_scroll();
        // `update` keeps the scroll in range for the terminal's size; this covers a frame drawn
        // at another size (tests, a resize not yet seen).
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
