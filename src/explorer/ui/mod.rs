//! Pure drawing: `draw(frame, &app)` reads the state and changes nothing. One module per widget;
//! styles live in `theme`, text in `strings`, positions in `layout`.

pub mod alternatives;
pub mod editor;
pub mod fit;
pub mod help;
pub mod histogram;
pub mod loops_panel;
pub mod neurons;
pub mod pane;
pub mod status;
pub mod sweep_screen;
pub mod theme;

#[cfg(test)]
mod histogram_tests;
#[cfg(test)]
mod lab_tests;
#[cfg(test)]
mod loops_sweep_tests;
#[cfg(test)]
mod neuron_tests;
#[cfg(test)]
mod newcomer_tests;
#[cfg(test)]
mod scored_tests;
#[cfg(test)]
mod tests;

use crate::explorer::app::strings;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use ratatui::Frame;

pub use crate::explorer::app::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use crate::explorer::app::{App, ColorMode, Overlay};
use theme::Theme;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let buf = frame.buffer_mut();
    render(app, area, buf);
}

/// Draws the whole screen into `buf`; `draw` is this on a frame's buffer.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = Theme::new(&app.colors, app.no_color);
    if layout::too_small(area) {
        let msg = strings::too_small((MIN_WIDTH, MIN_HEIGHT), (area.width, area.height));
        // Centred when it fits on one line; wrapped from the top-left when even that is too wide.
        let lines = (msg.chars().count() as u16).div_ceil(area.width.max(1));
        let y = area.y + area.height.saturating_sub(lines) / 2;
        let rect = Rect { y, height: area.bottom() - y, ..area };
        Paragraph::new(msg).style(theme.error).alignment(Alignment::Center).wrap(Wrap { trim: true }).render(rect, buf);
        return;
    }
    let l = layout::main_layout(area, app);
    for (index, &r) in l.panes.iter().enumerate() {
        pane::PaneView { app, index, theme: &theme }.render(r, buf);
    }
    if app.loop_panel {
        loops_panel::LoopsPanel { app, theme: &theme }.render(l.histogram, buf);
    } else {
        histogram::HistogramWidget { app, theme: &theme }.render(l.histogram, buf);
    }
    if let Some(r) = l.alternatives {
        alternatives::AlternativesStrip { app, theme: &theme }.render(r, buf);
    }
    if let Some(r) = l.legend {
        let mut r = r;
        if app.color_mode != ColorMode::Off {
            legend(app, &theme).render(Rect { height: 1, ..r }, buf);
            r = Rect { y: r.y + 1, height: r.height - 1, ..r };
        }
        if app.neurons.on {
            neurons::NeuronLegend { app, theme: &theme }.render(r, buf);
        }
    }
    status::StatusBar { app, theme: &theme }.render(l.status, buf);
    match app.overlay {
        Overlay::None => {}
        // Above the status line, which shows the help's own hints.
        Overlay::Help => {
            help::HelpOverlay { app, theme: &theme }.render(Rect { height: l.status.y - area.y, ..area }, buf)
        }
        Overlay::Sweep => sweep_screen::SweepScreen { app, theme: &theme }.render(area, buf),
        Overlay::PrimeEdit { .. } | Overlay::SeedEdit { .. } | Overlay::UnitEdit { .. } | Overlay::ScoreEdit { .. } => {
            editor::EditorOverlay { app, theme: &theme }.render(area, buf)
        }
    }
}

/// What the text colours mean, shown while colouring is on.
fn legend<'a>(app: &App, t: &Theme) -> Line<'a> {
    let rank_labels = tempest_core::analysis::gltr::bucket_labels(app.vocab.len());
    let (what, labels): (&str, Vec<String>) = match app.color_mode {
        ColorMode::Rank => (" colour = rank of the drawn character: ", rank_labels.to_vec()),
        _ => (" colour = probability it was drawn with: ", strings::LEGEND_P.iter().map(|s| s.to_string()).collect()),
    };
    let mut spans = vec![Span::styled(what, t.dim)];
    for (label, style) in labels.iter().zip(t.buckets) {
        spans.push(Span::styled(format!(" {label} "), style));
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}
