//! The strip under the histogram: the character's top alternatives with their probabilities, in
//! the model's order, the drawn one marked (Karpathy's char-rnn pages show the top guesses under
//! every character). It reads the same view as the histogram, so the numbers agree.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::histogram::{format_p, shown_logp};
use super::theme::Theme;
use crate::explorer::app::App;
use tempest_core::display::{glyph, thousands};

/// How many alternatives the strip lists (fewer when the width is short).
pub const TOP: usize = 5;

pub struct AlternativesStrip<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for AlternativesStrip<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let Some(v) = self.app.alternatives(TOP) else { return };
        let mut items: Vec<Vec<Span>> = Vec::new();
        for r in &v.rows {
            let mut g = if r.drawn { t.chosen } else { t.key };
            let mut p = ratatui::style::Style::new();
            if r.cut {
                g = g.patch(t.dim).add_modifier(Modifier::CROSSED_OUT);
                p = t.dim;
            }
            if r.selected {
                g = g.patch(t.selected);
            }
            let mut item = vec![
                Span::styled(glyph(r.ch).to_string(), g),
                Span::styled(format!(" {}", format_p(shown_logp(r, &v))), p),
            ];
            if r.drawn {
                item.push(Span::styled(" ◀", t.chosen));
            }
            items.push(item);
        }
        // The drawn character below the top ones still shows, after an ellipsis, with its rank.
        if let Some((c, p, rank)) = v.drawn.filter(|_| !v.rows.iter().any(|r| r.drawn)) {
            items.push(vec![
                Span::styled("… ", t.dim),
                Span::styled(glyph(c).to_string(), t.chosen),
                Span::raw(format!(" {} (rank {rank})", format_p(p.ln()))),
                Span::styled(" ◀", t.chosen),
            ]);
        }
        let width = |spans: &[Span]| spans.iter().map(|s| s.content.chars().count()).sum::<usize>();
        let room = area.width as usize;
        let labels = [
            format!(" top {} of char {} in pane {}: ", v.rows.len(), thousands(v.pos + 1), v.pane + 1),
            format!(" top {}: ", v.rows.len()),
            " ".to_string(),
        ];
        // The longest label that leaves room for every item, else as many items as fit.
        let all: usize = items.iter().map(|i| width(i) + 2).sum();
        let label = labels.iter().find(|l| l.chars().count() + all <= room).unwrap_or(&labels[2]);
        let mut spans = vec![Span::styled(label.clone(), t.dim)];
        let mut used = label.chars().count();
        for (k, item) in items.into_iter().enumerate() {
            let sep = if k == 0 { 0 } else { 2 };
            if used + sep + width(&item) > room {
                break;
            }
            if sep > 0 {
                spans.push(Span::raw("  "));
            }
            used += sep + width(&item);
            spans.extend(item);
        }
        Line::from(spans).render(area, buf);
    }
}
