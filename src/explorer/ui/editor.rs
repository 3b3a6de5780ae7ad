//! The prime and seed editors: the buffer as typed (newlines shown as ↵, unknown characters marked),
//! a cursor at the end, the keys, and the current problem if there is one.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Clear, Widget};

use super::help::centered;
use super::theme::Theme;
use super::wrap::{self, Row};
use crate::explorer::app::strings;
use crate::explorer::app::{App, Overlay};

pub struct EditorOverlay<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for EditorOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (app, t) = (self.app, self.theme);
        let (title, keys, buffer, error, is_prime) = match &app.overlay {
            Overlay::PrimeEdit { buffer, error } => (strings::PRIME_TITLE, strings::PRIME_KEYS, buffer, error, true),
            Overlay::SeedEdit { buffer, error } => (strings::SEED_TITLE, strings::SEED_KEYS, buffer, error, false),
            Overlay::UnitEdit { buffer, error } => (strings::UNIT_TITLE, strings::UNIT_KEYS, buffer, error, false),
            _ => return,
        };
        let width = area.width.saturating_sub(4).min(72);
        let text_w = width.saturating_sub(4).max(1) as usize;
        // The cursor is one more (blank) character after the buffer.
        let chars: Vec<char> = buffer.chars().chain([' ']).collect();
        let mut rows: Vec<Row> = Vec::new();
        // Wrapped as a visible character, so the cursor never hangs past the edge like a space.
        let n = chars.len();
        wrap::wrap(text_w, 0, n, |i| if i + 1 == n { 'x' } else { chars[i] }, &mut rows);
        let text_h = rows.len().min(area.height.saturating_sub(6).max(1) as usize);
        let rect = centered(area, width, text_h as u16 + 5);
        Clear.render(rect, buf);
        let block = Block::bordered().title(title).border_style(t.border_focus).border_type(t.border_focus_type);
        let inner = block.inner(rect);
        block.render(rect, buf);
        if inner.height == 0 || inner.width < 2 {
            return;
        }
        let (x0, w) = (inner.x + 1, inner.width as usize - 1);
        let mut y = inner.y;
        let intro = match &app.overlay {
            Overlay::PrimeEdit { .. } => strings::PRIME_INTRO.to_string(),
            Overlay::UnitEdit { .. } => {
                format!("unit of {} (0 to {}):", app.neurons.unit, app.neurons.layout.hidden.saturating_sub(1))
            }
            _ => format!("current seed: {}", app.seed),
        };
        buf.set_stringn(x0, y, intro, w, t.dim);
        y += 1;
        // Show the rows around the cursor (the end) if the buffer is taller than the box.
        for row in &rows[rows.len() - text_h..] {
            let mut x = 0;
            for i in row.start..row.end {
                let c = chars[i];
                let (g, cw) = wrap::display(c);
                if x + cw > text_w || y >= inner.bottom() {
                    break;
                }
                let mut style = if g != c { t.glyph } else { Default::default() };
                if is_prime && i + 1 < chars.len() && app.vocab.id(c).is_none() {
                    style = t.error.add_modifier(ratatui::style::Modifier::REVERSED);
                }
                if i + 1 == chars.len() {
                    style = t.cursor;
                }
                let mut tmp = [0u8; 4];
                buf.set_stringn(x0 + x as u16, y, g.encode_utf8(&mut tmp), cw, style);
                x += cw;
            }
            y += 1;
        }
        let bottom = inner.bottom();
        if let Some(e) = error {
            buf.set_stringn(x0, bottom.saturating_sub(2), e, w, t.error);
        }
        buf.set_stringn(x0, bottom - 1, keys, w, t.dim);
    }
}
