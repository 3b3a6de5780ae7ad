//! The prime, seed and unit-number editors: the buffer as typed (newlines shown as ↵, unknown characters
//! marked), the cursor where it stands, the keys, and the current problem, wrapped to fit.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::widgets::{Block, Clear, Widget};

use super::help::centered;
use super::theme::Theme;
use crate::explorer::app::strings;
use crate::explorer::app::wrap::{self, Row};
use crate::explorer::app::{App, Overlay};

pub struct EditorOverlay<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for EditorOverlay<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (app, t) = (self.app, self.theme);
        let (title, keys, field, error, is_prime) = match &app.overlay {
            Overlay::PrimeEdit { field, error } => (strings::PRIME_TITLE, strings::PRIME_KEYS, field, error, true),
            Overlay::SeedEdit { field, error } => (strings::SEED_TITLE, strings::SEED_KEYS, field, error, false),
            Overlay::UnitEdit { field, error } => (strings::UNIT_TITLE, strings::UNIT_KEYS, field, error, false),
            Overlay::ScoreEdit { field, error } => (strings::SCORE_TITLE, strings::SCORE_KEYS, field, error, false),
            _ => return,
        };
        let width = area.width.saturating_sub(4).min(72);
        let text_w = width.saturating_sub(4).max(1) as usize;
        // One more (blank) cell after the text: where the cursor stands at the end.
        let chars: Vec<char> = field.chars().iter().copied().chain([' ']).collect();
        let n = chars.len();
        let cursor = field.cursor();
        let mut rows: Vec<Row> = Vec::new();
        // The end cell is wrapped as a visible character, so it never hangs past the edge like a
        // space would.
        wrap::wrap(text_w, 0, n, |i| if i + 1 == n { 'x' } else { chars[i] }, &mut rows);
        let msg_w = (width as usize).saturating_sub(3);
        let error_lines = error.as_deref().map_or(Vec::new(), |e| wrap_words(e, msg_w));
        let keys_lines = wrap_words(keys, msg_w);
        // Intro, text, error and keys inside the border; the text gets what is left, at least 1.
        let fixed = 1 + error_lines.len() + keys_lines.len();
        let room = (area.height.saturating_sub(2) as usize).saturating_sub(fixed).max(1);
        let text_h = rows.len().min(room);
        let rect = centered(area, width, (text_h + fixed + 2) as u16);
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
            Overlay::ScoreEdit { .. } => strings::SCORE_INTRO.to_string(),
            Overlay::UnitEdit { .. } => {
                format!("unit of {} (0 to {}):", app.neurons.unit, app.neurons.layout.hidden.saturating_sub(1))
            }
            _ if field.fresh => format!("current seed: {} (typing replaces it)", app.seed),
            _ => format!("current seed: {}", app.seed),
        };
        buf.set_stringn(x0, y, intro, w, t.dim);
        y += 1;
        // The rows shown keep the cursor's row in view, as close to the end as the text allows.
        let cursor_row = rows.iter().position(|r| cursor < r.end).unwrap_or(rows.len() - 1);
        let first = (cursor_row + 1).saturating_sub(text_h).min(rows.len() - text_h);
        for row in &rows[first..first + text_h] {
            let mut x = 0;
            for (i, &c) in chars.iter().enumerate().take(row.end).skip(row.start) {
                let (g, cw) = wrap::display(c);
                if x + cw > text_w || y >= inner.bottom() {
                    break;
                }
                let mut style = if g != c { t.glyph } else { Default::default() };
                if is_prime && i + 1 < n && app.vocab.id(c).is_none() {
                    style = t.error.add_modifier(Modifier::REVERSED);
                }
                if i == cursor {
                    style = t.cursor;
                }
                let mut tmp = [0u8; 4];
                buf.set_stringn(x0 + x as u16, y, g.encode_utf8(&mut tmp), cw, style);
                x += cw;
            }
            y += 1;
        }
        let bottom = inner.bottom();
        let below = (error_lines.len() + keys_lines.len()) as u16;
        let mut y = bottom.saturating_sub(below).max(y);
        for line in &error_lines {
            if y < bottom {
                buf.set_stringn(x0, y, line, w, t.error);
            }
            y += 1;
        }
        for line in &keys_lines {
            if y < bottom {
                buf.set_stringn(x0, y, line, w, t.dim);
            }
            y += 1;
        }
    }
}

/// `text` broken at spaces into lines of at most `width` characters (a word longer than that is
/// cut), so a message is read whole instead of clipped.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let (lw, ww) = (line.chars().count(), word.chars().count());
        if lw > 0 && lw + 1 + ww > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            lines.push(head);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap_words;

    #[test]
    fn messages_wrap_at_spaces() {
        assert_eq!(wrap_words("a seed is a whole number", 10), ["a seed is", "a whole", "number"]);
        assert_eq!(wrap_words("[0, 9223372036854775807]", 10), ["[0,", "9223372036", "854775807]"]);
        assert_eq!(wrap_words("", 5), [""]);
    }
}
