//! The sweep's plot: one panel per metric against temperature, one line per sampler, and the
//! human reference as a shaded band (10th–90th percentile) with its mean dashed.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::plot::{load_font, PlotFormat};
use tempest_core::sweep::{Metric, SweepResult};

const SIZE: (u32, u32) = (1500, 1250);
const COLUMNS: usize = 3;
/// Line colours, one per sampler (then repeated): chosen to stay apart for colour-blind readers.
const COLOURS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];
const BAND: RGBColor = RGBColor(120, 120, 120);

/// Writes the plot to `path`, atomically (drawn beside it, then renamed over it).
pub fn draw(result: &SweepResult, path: &Path, format: PlotFormat) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = format.extension();
    // Both backends measure labels to lay the panels out, so even the SVG needs a font.
    load_font()?;
    let tmp = dir.join(format!(".{name}.tmp-{}.{ext}", std::process::id()));
    let drawn = match format {
        PlotFormat::Svg => panels(SVGBackend::new(&tmp, SIZE).into_drawing_area(), result),
        PlotFormat::Png => panels(BitMapBackend::new(&tmp, SIZE).into_drawing_area(), result),
    };
    let done = drawn.and_then(|_| std::fs::rename(&tmp, path).map_err(anyhow::Error::from));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

fn panels<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, r: &SweepResult) -> anyhow::Result<()> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow::anyhow!("{e}");
    root.fill(&WHITE).map_err(e)?;
    let spec = &r.spec;
    let mut title =
        format!("tempest sweep · {} streams per setting × {} chars · seed {}", spec.seeds, spec.length, spec.seed);
    if let Some(h) = &r.reference {
        title.push_str(&format!(" · band: human text ({}, {} passages, 10th–90th pct)", h.source, h.chunks));
    }
    let root = root.titled(&title, ("sans-serif", 26)).map_err(e)?;
    let rows = Metric::ALL.len().div_ceil(COLUMNS);
    let areas = root.split_evenly((rows, COLUMNS));
    let (x0, x1) = x_range(&spec.temperatures);
    for (i, (area, metric)) in areas.iter().zip(Metric::ALL).enumerate() {
        let series: Vec<Vec<(f64, f64)>> = (0..spec.samplers.len()).map(|s| r.series(metric, s)).collect();
        let band = r
            .reference
            .as_ref()
            .and_then(|h| Some((metric.get(&h.band.lo)?, metric.get(&h.band.mean)?, metric.get(&h.band.hi)?)));
        let (y0, y1) = y_range(&series, band);
        let mut chart = ChartBuilder::on(area)
            .caption(metric.title(), ("sans-serif", 19))
            .margin(12)
            .x_label_area_size(38)
            .y_label_area_size(62)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("temperature")
            .light_line_style(RGBColor(235, 235, 235))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(e)?;
        if let Some((lo, mean, hi)) = band {
            chart
                .draw_series(std::iter::once(Rectangle::new([(x0, lo), (x1, hi)], BAND.mix(0.18).filled())))
                .map_err(e)?
                .label("human text")
                .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], BAND.mix(0.35).filled()));
            chart
                .draw_series(DashedLineSeries::new(vec![(x0, mean), (x1, mean)], 6, 4, BAND.stroke_width(2)))
                .map_err(e)?;
        }
        for (s, points) in series.iter().enumerate() {
            let colour = COLOURS[s % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))
                .map_err(e)?
                .label(spec.samplers[s].name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3)));
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled()))).map_err(e)?;
        }
        if i == 0 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font(("sans-serif", 14))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .draw()
                .map_err(e)?;
        }
    }
    root.present().map_err(e)?;
    Ok(())
}

fn x_range(ts: &[f32]) -> (f64, f64) {
    let lo = ts.iter().copied().fold(f32::INFINITY, f32::min) as f64;
    let hi = ts.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, hi + 0.5)
    }
}

/// The values' range with 5% room, so lines do not run along the frame.
fn y_range(series: &[Vec<(f64, f64)>], band: Option<(f64, f64, f64)>) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for &(_, y) in series.iter().flatten() {
        lo = lo.min(y);
        hi = hi.max(y);
    }
    if let Some((a, _, b)) = band {
        lo = lo.min(a);
        hi = hi.max(b);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}
