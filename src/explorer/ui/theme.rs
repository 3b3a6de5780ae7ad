//! Every style the explorer draws with, built once per frame from the configured colours
//! (`[colors]` in the config).
//!
//! With NO_COLOR set, each style falls back to modifiers alone (bold, dim, reverse, underline), so
//! every distinction the colours make is still visible.

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::BorderType;

use crate::explorer::config::ColorsConfig;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub border: Style,
    pub border_focus: Style,
    pub border_focus_type: BorderType,
    pub title: Style,
    pub title_focus: Style,
    pub prime: Style,
    /// Glyphs standing in for newlines and tabs.
    pub glyph: Style,
    /// Added to the characters of a detected loop's repeating span.
    pub loop_span: Style,
    /// Added to the characters of an exact loop the text has since broken out of.
    pub loop_past: Style,
    /// Added to the characters of a near-loop (same words, not the same characters).
    pub near_loop: Style,
    /// The inspect cursor.
    pub cursor: Style,
    /// Probability colouring buckets, most likely first.
    pub buckets: [Style; 4],
    pub bar_t: Style,
    pub bar_t1: Style,
    pub chosen: Style,
    pub selected: Style,
    pub dim: Style,
    pub key: Style,
    pub error: Style,
    pub warning: Style,
}

impl Theme {
    pub fn new(p: &ColorsConfig, no_color: bool) -> Theme {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let dim = Style::new().add_modifier(Modifier::DIM);
        let reversed = Style::new().add_modifier(Modifier::REVERSED);
        let underlined = Style::new().add_modifier(Modifier::UNDERLINED);
        let fg = |c: Color| if no_color { plain } else { Style::new().fg(c) };
        Theme {
            border: plain,
            border_focus: fg(p.focus_border).add_modifier(Modifier::BOLD),
            border_focus_type: BorderType::Thick,
            title: plain,
            title_focus: fg(p.focus_border).add_modifier(Modifier::BOLD),
            prime: dim,
            glyph: dim,
            loop_span: if no_color { underlined } else { Style::new().bg(p.loop_highlight) },
            // A mark that stays readable over any colouring: an underline, and for near-loops an
            // underline in its own colour (italic without colour).
            loop_past: underlined,
            near_loop: if no_color {
                underlined.add_modifier(Modifier::ITALIC)
            } else {
                underlined.fg(p.loop_highlight)
            },
            cursor: reversed.add_modifier(Modifier::BOLD),
            buckets: if no_color {
                // Likely characters fade, unlikely ones stand out.
                [dim, plain, bold, bold.add_modifier(Modifier::UNDERLINED)]
            } else {
                [fg(p.rank_1), fg(p.rank_10), fg(p.rank_100), fg(p.rank_over_100)]
            },
            bar_t: fg(p.bar_at_t),
            bar_t1: fg(p.bar_at_t1),
            chosen: fg(p.chosen_marker).add_modifier(Modifier::BOLD),
            selected: reversed,
            dim,
            key: bold,
            error: fg(Color::Red).add_modifier(Modifier::BOLD),
            warning: fg(Color::Yellow),
        }
    }
}
