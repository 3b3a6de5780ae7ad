//! The loop panel (in place of the histogram while it is on): every pane's loop figures side by
//! side, live, then the focused pane's loops, newest first.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::theme::Theme;
use crate::explorer::app::{comparison, comparison_lines, episode_line, App};

pub struct LoopsPanel<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for LoopsPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let t = self.theme;
        let order = if app.loop_sort_by_t { "by T" } else { "by pane" };
        let title = format!(" loops · panes {order} (T sorts) · ⟳ exact, ≈ near (same words) · L closes ");
        let block = Block::bordered().title(Span::styled(title, t.title));
        let inner = block.inner(area);
        block.render(area, buf);

        let rows = comparison(app, app.loop_sort_by_t);
        let mut lines: Vec<Line> = Vec::new();
        for (k, text) in comparison_lines(&rows).into_iter().enumerate() {
            let style = match k {
                0 => t.dim,
                _ if rows[k - 1].pane == app.focus => t.title_focus,
                _ => t.title,
            };
            lines.push(Line::styled(text, style));
        }
        let pane = app.focused();
        let episodes = pane.loops().episodes();
        let room = (inner.height as usize).saturating_sub(lines.len() + 1);
        lines.push(Line::styled(
            format!(
                "pane {} · {} loops since the prime{}",
                app.focus + 1,
                pane.loops().stats().loops(),
                if episodes.len() > room && room > 0 { format!(" · newest {room} shown") } else { String::new() }
            ),
            t.dim,
        ));
        for e in episodes.iter().rev().take(room) {
            lines.push(Line::raw(episode_line(e)));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}
