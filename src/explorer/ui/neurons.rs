//! The neuron view's drawing: the diverging background colours of the focused pane's text, and the
//! two legend lines (the unit, its scale and keys; then the units most active at the cursor, or
//! the span selection's result).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::theme::Theme;
use crate::explorer::app::neurons::{describe_char_run, SpanState};
use crate::explorer::app::App;
use tempest_core::display::{describe_char, thousands};

/// Levels on each side of zero; |value| / scale below [`DEAD_ZONE`] stays uncoloured.
const LEVELS: usize = 4;
const DEAD_ZONE: f32 = 0.1;
const NEGATIVE: [Color; LEVELS] =
    [Color::Rgb(28, 44, 84), Color::Rgb(32, 66, 140), Color::Rgb(40, 92, 196), Color::Rgb(64, 124, 255)];
const POSITIVE: [Color; LEVELS] =
    [Color::Rgb(84, 34, 28), Color::Rgb(140, 44, 34), Color::Rgb(196, 58, 40), Color::Rgb(255, 84, 56)];

/// Which side of zero and how far: `None` in the dead zone, else (positive, level 0..LEVELS).
fn level(v: f32, scale: f32) -> Option<(bool, usize)> {
    let x = (v / scale).clamp(-1.0, 1.0);
    if x.abs() < DEAD_ZONE || !x.is_finite() {
        return None;
    }
    let l = (((x.abs() - DEAD_ZONE) / (1.0 - DEAD_ZONE)) * LEVELS as f32) as usize;
    Some((x > 0.0, l.min(LEVELS - 1)))
}

fn level_style(positive: bool, l: usize, no_color: bool) -> Style {
    if no_color {
        // Strong values only: reverse for positive, underline for negative.
        return match (positive, l >= LEVELS / 2) {
            (true, true) => Style::new().add_modifier(Modifier::REVERSED),
            (false, true) => Style::new().add_modifier(Modifier::UNDERLINED),
            _ => Style::new(),
        };
    }
    let bg = if positive { POSITIVE[l] } else { NEGATIVE[l] };
    Style::new().bg(bg).fg(Color::White)
}

/// Per-frame colouring of one pane's characters (computed once per pane per frame).
pub struct PaneColors<'a> {
    app: &'a App,
    pane: usize,
    scale: f32,
    span: Style,
    matched: Style,
}

impl<'a> PaneColors<'a> {
    /// `None` when the view is off or shows another pane.
    pub fn new(app: &'a App, pane: usize, _theme: &Theme) -> Option<Self> {
        let n = &app.neurons;
        let span_here = matches!(&n.span, SpanState::Ranked(o) if o.pane == pane);
        if !n.on || (n.ring.pane != pane && !span_here) || pane != app.focus {
            return None;
        }
        Some(PaneColors {
            app,
            pane,
            scale: n.scale(),
            span: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            matched: Style::new().add_modifier(Modifier::UNDERLINED),
        })
    }

    pub fn style(&self, pos: u64) -> Style {
        let n = &self.app.neurons;
        let mut s = match n.value(self.pane, pos).and_then(|v| level(v, self.scale)) {
            Some((positive, l)) => level_style(positive, l, self.app.no_color),
            None => Style::new(),
        };
        let (in_span, in_match) = n.span_marks(self.pane, pos);
        if in_span {
            s = s.patch(self.span);
        } else if in_match {
            s = s.patch(self.matched);
        }
        s
    }
}

pub struct NeuronLegend<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for NeuronLegend<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (app, t) = (self.app, self.theme);
        let n = &app.neurons;
        let scale = n.scale();
        let mut spans = vec![
            Span::styled(" neuron ", t.dim),
            Span::styled(n.unit.to_string(), t.key),
            Span::styled(format!(" ({} of 0–{}) ", n.unit.index, n.layout.hidden.saturating_sub(1)), t.dim),
            Span::raw(format!("{:+.2} ", -scale)),
        ];
        for l in (0..LEVELS).rev() {
            spans.push(Span::styled("▆", level_style(false, l, app.no_color).fg(NEGATIVE[l])));
        }
        spans.push(Span::raw(" 0 "));
        for (l, &c) in POSITIVE.iter().enumerate() {
            spans.push(Span::styled("▆", level_style(true, l, app.no_color).fg(c)));
        }
        spans.push(Span::raw(format!(" {scale:+.2}")));
        let held = n.ring.rows.len();
        spans.push(Span::styled(format!(" · {} ch held · ", thousands(held as u64)), t.dim));
        for (k, what) in
            [("( )", "unit"), ("{ }", "layer"), ("~", "c/h"), ("#", "number"), ("f", "feature"), ("V", "span")]
        {
            spans.push(Span::styled(k, t.key));
            spans.push(Span::styled(format!(" {what} "), t.dim));
        }
        Line::from(spans).render(Rect { height: 1, ..area }, buf);
        if area.height >= 2 {
            detail(app, t).render(Rect { y: area.y + 1, height: 1, ..area }, buf);
        }
    }
}

/// The second line: the span result if there is one, else the units most active at the inspect
/// cursor (or at the newest character).
fn detail<'a>(app: &App, t: &Theme) -> Line<'a> {
    let n = &app.neurons;
    if let SpanState::Ranked(o) = &n.span {
        let text: String = (o.span.start..o.span.end).filter_map(|p| app.panes[o.pane].get(p)).map(|d| d.ch).collect();
        let mut spans = vec![Span::styled(format!(" span {} ", describe_char_run(&text)), t.dim)];
        for (k, u) in o.result.units.iter().take(6).enumerate() {
            let style = if k == 0 { t.key } else { Style::new() };
            spans.push(Span::styled(format!("{} ", u.unit), style));
            spans.push(Span::styled(format!("AUC {:.3}  ", u.auc), t.dim));
        }
        spans.push(Span::styled(
            format!("· top 3 lit together at {} other places (underlined)", o.matches.len()),
            t.dim,
        ));
        return Line::from(spans);
    }
    if let SpanState::Marked { anchor, .. } = &n.span {
        return Line::from(Span::styled(
            format!(" span from char {}: move the cursor to its other end and press V", thousands(anchor + 1)),
            t.warning,
        ));
    }
    let p = &app.panes[app.focus];
    let (pos, label) = match app.inspect.filter(|i| i.pane == app.focus) {
        Some(i) => (i.pos, "at cursor"),
        // The newest character whose activations have arrived (they follow its batch).
        None if !n.ring.rows.is_empty() => (n.ring.end() - 1, "now"),
        None => return Line::from(Span::styled(" waiting for the first character…", t.dim)),
    };
    let top = n.most_active(app.focus, pos, 8);
    let ch = p.get(pos).map_or(String::new(), |d| describe_char(d.ch));
    let mut spans = vec![Span::styled(format!(" most active {label} {ch} (char {}): ", thousands(pos + 1)), t.dim)];
    if top.is_empty() {
        spans.push(Span::styled("not held (older than the window, or still loading)", t.dim));
    }
    for (u, v) in top {
        let style = if u == n.unit { t.key } else { Style::new() };
        spans.push(Span::styled(format!("{u} "), style));
        spans.push(Span::styled(format!("{v:+.2}  "), t.dim));
    }
    Line::from(spans)
}
