//! `tempest cells --plot FILE.svg|png`: the gate saturation scatter of Karpathy et al. (one dot per
//! unit: the share of steps it spends below 0.1 against above 0.9, one panel per gate, one colour
//! per layer), and under it one strip per feature: the best unit's activation over the start of
//! the text, with the feature itself shaded behind it.
//!
//! plotters measures text with a TrueType font even for SVG; none is compiled in (it would add to
//! the binary), so a system font is used: `$TEMPEST_FONT`, else the first of a few usual paths.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::plot::{load_font, PlotFormat};
use tempest_core::analysis::cells::{CellReport, Trace, FEATURES};

/// Characters shown in each activation strip.
const STRIP_CHARS: usize = 400;
const WIDTH: u32 = 1400;
const SATURATION_HEIGHT: u32 = 420;
const STRIP_HEIGHT: u32 = 120;
const LAYER_COLORS: [RGBColor; 4] =
    [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44), RGBColor(148, 103, 189)];

/// Draws the report to `path`, in the format its extension names ([`PlotFormat::of`]).
pub fn draw(path: &Path, model: &str, text: &[char], trace: &Trace, report: &CellReport) -> anyhow::Result<()> {
    let format = PlotFormat::of(path)?;
    load_font()?;
    let strips = report.features.iter().filter(|f| !f.best.is_empty()).count() as u32;
    let height = SATURATION_HEIGHT + strips.max(1) * STRIP_HEIGHT + 40;
    let result = if format == PlotFormat::Png {
        let root = BitMapBackend::new(path, (WIDTH, height)).into_drawing_area();
        paint(&root, model, text, trace, report).and_then(|_| root.present().map_err(|e| anyhow::anyhow!("{e}")))
    } else {
        let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
        paint(&root, model, text, trace, report).and_then(|_| root.present().map_err(|e| anyhow::anyhow!("{e}")))
    };
    result
}

fn paint<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    model: &str,
    text: &[char],
    trace: &Trace,
    report: &CellReport,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow::anyhow!("{e}");
    root.fill(&WHITE).map_err(err)?;
    let root = root.titled(&format!("tempest cells · {model}"), ("sans-serif", 22)).map_err(err)?;
    let (top, bottom) = root.split_vertically(SATURATION_HEIGHT);
    saturation(&top, report).map_err(err)?;
    let features: Vec<_> = report.features.iter().filter(|f| !f.best.is_empty()).collect();
    if features.is_empty() {
        return Ok(());
    }
    let n = text.len().min(STRIP_CHARS);
    let values = tempest_core::analysis::cells::features::compute(&text[..n]);
    for (area, f) in bottom.split_evenly((features.len(), 1)).iter().zip(&features) {
        let best = f.best[0];
        let Some(series) = trace.unit(best.unit) else { continue };
        let series = &series[..n];
        let fi = FEATURES.iter().position(|x| x.name == f.feature.name).unwrap_or(0);
        strip(area, &format!("{} · {} {}", f.feature.name, best.unit, best.score), series, &values[fi]).map_err(err)?;
    }
    Ok(())
}

fn saturation<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    report: &CellReport,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let gates: Vec<&str> =
        report.saturation.first().map(|l| l.gates.iter().map(|g| g.gate).collect()).unwrap_or_default();
    if gates.is_empty() {
        return area.draw(&plotters::element::Text::new(
            "no gates: a plain RNN has none",
            (40, 40),
            ("sans-serif", 18),
        ));
    }
    for (k, panel) in area.split_evenly((1, gates.len())).iter().enumerate() {
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("{} gate", gates[k]), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(0f32..1f32, 0f32..1f32)?;
        chart
            .configure_mesh()
            .x_desc("fraction left-saturated (< 0.1)")
            .y_desc("fraction right-saturated (> 0.9)")
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(LineSeries::new([(0.0, 1.0), (1.0, 0.0)], BLACK.mix(0.25)))?;
        for l in &report.saturation {
            let color = LAYER_COLORS[(l.layer - 1) % LAYER_COLORS.len()];
            let Some(g) = l.gates.get(k) else { continue };
            chart
                .draw_series(
                    g.unit_left
                        .iter()
                        .zip(&g.unit_right)
                        .map(|(&x, &y)| Circle::new((x, y), 2, color.mix(0.6).filled())),
                )?
                .label(format!("layer {}", l.layer))
                .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
        }
        chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK.mix(0.3)).draw()?;
    }
    Ok(())
}

fn strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[f32],
    feature: &[f32],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let lo = series.iter().copied().fold(f32::INFINITY, f32::min).min(0.0);
    let hi = series.iter().copied().fold(f32::NEG_INFINITY, f32::max).max(0.0);
    let (lo, hi) = if hi - lo < 1e-6 { (lo - 1.0, hi + 1.0) } else { (lo, hi) };
    let fmax = feature.iter().copied().fold(0.0f32, f32::max).max(1e-6);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 15))
        .margin_left(12)
        .margin_right(12)
        .x_label_area_size(18)
        .y_label_area_size(44)
        .build_cartesian_2d(0f32..series.len() as f32, lo..hi)?;
    chart.configure_mesh().disable_mesh().x_labels(8).y_labels(3).draw()?;
    // The feature, scaled to the plot's height, as shaded columns behind the unit.
    chart.draw_series(feature.iter().enumerate().filter(|(_, &v)| v > 0.0).map(|(t, &v)| {
        let top = lo + (hi - lo) * (v / fmax);
        Rectangle::new([(t as f32, lo), (t as f32 + 1.0, top)], RGBColor(255, 200, 80).mix(0.45).filled())
    }))?;
    chart.draw_series(LineSeries::new([(0.0, 0.0), (series.len() as f32, 0.0)], BLACK.mix(0.2)))?;
    chart.draw_series(LineSeries::new(
        series.iter().enumerate().map(|(t, &v)| (t as f32 + 0.5, v)),
        BLUE.stroke_width(1),
    ))?;
    Ok(())
}
