//! The sweep screen: one metric against temperature, a line per sampler, the human reference as a
//! band (its 10th and 90th percentiles, and its mean), and a marker at each pane's current T, so
//! the live panes can be placed on the curves. While the sweep runs, its progress.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Clear, Dataset, Gauge, GraphType, LegendPosition, Paragraph, Widget};

use super::theme::Theme;
use crate::explorer::app::{App, SweepJob};
use tempest_core::sweep::{Metric, SweepResult};

/// Line colours per sampler (then repeated); without colour the lines differ by marker.
const COLOURS: [Color; 6] =
    [Color::Cyan, Color::LightRed, Color::LightGreen, Color::Magenta, Color::Yellow, Color::Blue];
const MARKERS: [Marker; 3] = [Marker::Braille, Marker::Dot, Marker::Block];

pub struct SweepScreen<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for SweepScreen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        let t = self.theme;
        let metric = app.sweep.metric();
        Clear.render(area, buf);
        let title = format!(
            " temperature sweep · {} ({}/{}) · ←/→ metric · r re-run · esc back ",
            metric.title(),
            app.sweep.metric % Metric::ALL.len() + 1,
            Metric::ALL.len()
        );
        let block = Block::bordered().title(Span::styled(title, t.title_focus)).border_style(t.border_focus);
        let inner = block.inner(area);
        block.render(area, buf);
        let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);

        let spec = app.sweep_spec();
        let about = format!(
            "{} T × {} samplers × {} seeds × {} chars from the prime · seed {}",
            spec.temperatures.len(),
            spec.samplers.len(),
            spec.seeds,
            spec.length,
            spec.seed
        );
        match (&app.sweep.job, app.sweep.result()) {
            (_, Some(r)) => {
                let human = match &r.reference {
                    Some(h) => format!(" · human band: {} p10–p90", h.source),
                    None => " · no human reference in this model".into(),
                };
                Paragraph::new(vec![Line::styled(about + &human, t.dim), panes_line(app, r, metric, t)])
                    .render(head, buf);
                chart(app, r, metric, t).render(body, buf);
            }
            (SweepJob::Running { step, steps, streams, .. }, None) => {
                Paragraph::new(Line::styled(about, t.dim)).render(head, buf);
                let [_, g, _] =
                    Layout::vertical([Constraint::Fill(1), Constraint::Length(3), Constraint::Fill(1)]).areas(body);
                let ratio = *step as f64 / (*steps).max(1) as f64;
                Gauge::default()
                    .block(Block::bordered().title(format!(" sweeping {streams} streams as one batch ")))
                    .gauge_style(t.bar_t)
                    .ratio(ratio.clamp(0.0, 1.0))
                    .label(format!("{step}/{steps} characters per stream"))
                    .render(g, buf);
            }
            (SweepJob::Failed { error, .. }, None) => {
                Paragraph::new(vec![
                    Line::styled(about, t.dim),
                    Line::styled(format!("sweep failed: {error}"), t.error),
                ])
                .render(head, buf);
            }
            (SweepJob::Idle, None) => Paragraph::new(Line::styled(about, t.dim)).render(head, buf),
        }
    }
}

/// Where each pane sits on the first sampler's curve: its T and the value read off there.
fn panes_line<'a>(app: &App, r: &SweepResult, metric: Metric, t: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled("panes: ", t.dim)];
    let series = r.series(metric, 0);
    for (i, p) in app.panes.iter().enumerate() {
        let temp = p.settings.temperature as f64;
        let v = interpolate(&series, temp).map_or_else(|| "–".into(), |v| format!("{v:.3}"));
        let style = if i == app.focus { t.title_focus } else { t.title };
        spans.push(Span::styled(format!("{} │ T {temp:.2} → {v}   ", i + 1), style));
    }
    Line::from(spans)
}

/// The curve's value at `x`, linear between the sweep's temperatures; `None` outside them.
fn interpolate(series: &[(f64, f64)], x: f64) -> Option<f64> {
    let i = series.iter().position(|&(sx, _)| sx >= x)?;
    if series[i].0 == x || i == 0 {
        return (series[i].0 == x).then_some(series[i].1);
    }
    let (a, b) = (series[i - 1], series[i]);
    Some(a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0))
}

fn chart(app: &App, r: &SweepResult, metric: Metric, t: &Theme) -> ChartWidget {
    let mut lines: Vec<Series> = Vec::new();
    let x0 = r.spec.temperatures.iter().copied().fold(f32::INFINITY, f32::min) as f64;
    let x1 = (r.spec.temperatures.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64).max(x0 + 1e-6);
    for (s, sampler) in r.spec.samplers.iter().enumerate() {
        let style = if app.no_color { Style::new() } else { Style::new().fg(COLOURS[s % COLOURS.len()]) };
        lines.push((sampler.name.clone(), r.series(metric, s), style, MARKERS[s % MARKERS.len()], GraphType::Line));
    }
    if let Some(h) = &r.reference {
        let (lo, mean, hi) = (metric.get(&h.band.lo), metric.get(&h.band.mean), metric.get(&h.band.hi));
        if let (Some(lo), Some(mean), Some(hi)) = (lo, mean, hi) {
            lines.push(("human".into(), vec![(x0, mean), (x1, mean)], t.dim, Marker::Braille, GraphType::Line));
            if hi > lo {
                for y in [lo, hi] {
                    lines.push((String::new(), vec![(x0, y), (x1, y)], t.dim, Marker::Braille, GraphType::Line));
                }
            }
        }
    }
    let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, pts, ..) in &lines {
        for &(_, y) in pts {
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    if !y0.is_finite() {
        (y0, y1) = (0.0, 1.0);
    }
    if y1 - y0 < 1e-9 {
        (y0, y1) = (y0 - 0.5, y1 + 0.5);
    }
    // Each pane's T, as a vertical marker the height of the chart.
    for (i, p) in app.panes.iter().enumerate() {
        let x = p.settings.temperature as f64;
        if (x0..=x1).contains(&x) {
            let style = if i == app.focus { t.title_focus } else { t.dim };
            lines.push((format!("pane {}", i + 1), vec![(x, y0), (x, y1)], style, Marker::Braille, GraphType::Line));
        }
    }
    ChartWidget { lines, x: (x0, x1), y: (y0, y1), key: t.key, dim: t.dim }
}

/// One line of the chart: its legend name (empty: not in the legend), points, style and marker.
type Series = (String, Vec<(f64, f64)>, Style, Marker, GraphType);

struct ChartWidget {
    lines: Vec<Series>,
    x: (f64, f64),
    y: (f64, f64),
    key: Style,
    dim: Style,
}

impl Widget for ChartWidget {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let datasets: Vec<Dataset> = self
            .lines
            .iter()
            .map(|(name, pts, style, marker, kind)| {
                let d = Dataset::default().data(pts).style(*style).marker(*marker).graph_type(*kind);
                if name.is_empty() {
                    d
                } else {
                    d.name(name.clone())
                }
            })
            .collect();
        let label = |v: f64| Span::styled(format!("{v:.2}"), self.dim);
        let (x0, x1) = self.x;
        let (y0, y1) = self.y;
        Chart::new(datasets)
            .x_axis(Axis::default().title(Span::styled("T", self.key)).bounds([x0, x1]).labels([
                label(x0),
                label((x0 + x1) / 2.0),
                label(x1),
            ]))
            .y_axis(Axis::default().bounds([y0, y1]).labels([label(y0), label((y0 + y1) / 2.0), label(y1)]))
            .legend_position(Some(LegendPosition::TopRight))
            .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)))
            .render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::interpolate;

    #[test]
    fn reads_values_between_temperatures() {
        let s = [(0.0, 1.0), (0.5, 2.0), (1.0, 4.0)];
        assert_eq!(interpolate(&s, 0.25), Some(1.5));
        assert_eq!(interpolate(&s, 1.0), Some(4.0));
        assert_eq!(interpolate(&s, 0.0), Some(1.0));
        assert_eq!(interpolate(&s, 1.5), None);
    }
}
