//! Where everything goes on screen. Pure, so `update` can match a mouse click to a pane with the
//! exact rectangles the drawing used.

use ratatui::layout::Rect;

use crate::explorer::app::{App, ColorMode};

/// Smallest terminal the explorer draws into: six panes of ten columns, and a pane row and a
/// histogram of at least three lines each. Below it a "too small" message is shown instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// From this width on, the histogram is a column to the right of the panes.
pub const SIDE_HISTOGRAM_FROM: u16 = 150;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainLayout {
    pub panes: Vec<Rect>,
    pub histogram: Rect,
    /// One line under the histogram: the top alternatives of its character (not under the loop panel).
    pub alternatives: Option<Rect>,
    /// The legend: one line for the colour legend when colouring is on, then two for the neuron
    /// view when it is on.
    pub legend: Option<Rect>,
    pub status: Rect,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

pub fn main_layout(area: Rect, app: &App) -> MainLayout {
    if too_small(area) {
        return MainLayout {
            panes: Vec::new(),
            histogram: Rect::default(),
            alternatives: None,
            legend: None,
            status: Rect::default(),
        };
    }
    let status = Rect { y: area.bottom() - 1, height: 1, ..area };
    let mut rest = Rect { height: area.height - 1, ..area };
    let lines = u16::from(app.color_mode != ColorMode::Off) + if app.neurons.on { 2 } else { 0 };
    let legend = (lines > 0).then(|| {
        rest.height -= lines;
        Rect { y: rest.bottom(), height: lines, ..area }
    });
    // On a wide terminal the histogram is a column beside the panes, as tall as they are: bars
    // stay a readable length and the panes keep the full height. Otherwise it sits below them.
    if rest.width >= SIDE_HISTOGRAM_FROM {
        let hist_w = (rest.width / 4).clamp(48, 64);
        let column = Rect { x: rest.right() - hist_w, width: hist_w, ..rest };
        let (histogram, alternatives) = with_strip(column, app);
        let panes_area = Rect { width: rest.width - hist_w, ..rest };
        let panes = split_columns(panes_area, app.panes.len());
        return MainLayout { panes, histogram, alternatives, legend, status };
    }
    // Below the panes the histogram wants its top N rows, an axis, a footer, two borders and the
    // strip, but never more than 2/5 of the height: the text is the point. Yet never fewer than
    // three rows (one row says nothing about a distribution), as long as the panes keep three
    // lines of text; the strip gives way first (see `with_strip`).
    let strip = u16::from(!app.loop_panel);
    let want = app.limits.top_n as u16 + HISTOGRAM_FRAME + strip;
    let least = MIN_HISTOGRAM_ROWS + HISTOGRAM_FRAME;
    let hist_h = want.min(rest.height * 2 / 5).max(least).min(rest.height.saturating_sub(MIN_PANE_HEIGHT)).max(1);
    let (histogram, alternatives) = with_strip(Rect { y: rest.bottom() - hist_h, height: hist_h, ..rest }, app);
    let panes_area = Rect { height: rest.height - hist_h, ..rest };
    MainLayout { panes: split_columns(panes_area, app.panes.len()), histogram, alternatives, legend, status }
}

/// The histogram's area split into the histogram and, on its last line, the alternatives strip,
/// unless that would leave fewer than [`MIN_HISTOGRAM_ROWS`] rows: the strip repeats the top rows,
/// so it is what goes when the height is short.
fn with_strip(area: Rect, app: &App) -> (Rect, Option<Rect>) {
    if app.loop_panel || area.height < MIN_HISTOGRAM_ROWS + HISTOGRAM_FRAME + 1 {
        return (area, None);
    }
    let strip = Rect { y: area.bottom() - 1, height: 1, ..area };
    (Rect { height: area.height - 1, ..area }, Some(strip))
}

/// Lines of the histogram's inner area that are not rows: the axis above them, the footer below.
pub const HISTOGRAM_CHROME: u16 = 2;
/// Lines of the histogram that are not rows: the chrome and two borders.
const HISTOGRAM_FRAME: u16 = HISTOGRAM_CHROME + 2;
/// Fewest histogram rows a small terminal still shows (the strip goes first).
pub const MIN_HISTOGRAM_ROWS: u16 = 3;
/// Lines a pane keeps below the histogram: two borders and three of text.
const MIN_PANE_HEIGHT: u16 = 5;

/// Where the histogram's rows go inside its bordered area: below the axis, above the footer.
pub fn histogram_rows(histogram: Rect) -> Rect {
    Rect {
        x: histogram.x + 1,
        y: histogram.y + 2,
        width: histogram.width.saturating_sub(2),
        height: histogram.height.saturating_sub(2 + HISTOGRAM_CHROME),
    }
}

/// `n` side-by-side columns; the leftmost ones get the spare columns.
fn split_columns(area: Rect, n: usize) -> Vec<Rect> {
    let n = n.max(1) as u16;
    let (base, extra) = (area.width / n, area.width % n);
    let mut x = area.x;
    (0..n)
        .map(|i| {
            let w = base + u16::from(i < extra);
            let r = Rect { x, width: w, ..area };
            x += w;
            r
        })
        .collect()
}

impl MainLayout {
    pub fn pane_at(&self, column: u16, row: u16) -> Option<usize> {
        let p = ratatui::layout::Position { x: column, y: row };
        self.panes.iter().position(|r| r.contains(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_cover_the_width_exactly() {
        let cols = split_columns(Rect::new(0, 0, 100, 10), 3);
        assert_eq!(cols.iter().map(|r| r.width).collect::<Vec<_>>(), [34, 33, 33]);
        assert_eq!(cols[2].right(), 100);
    }

    #[test]
    fn wide_terminals_put_the_histogram_beside_the_panes() {
        let app = crate::explorer::app::testutil::app();
        let wide = main_layout(Rect::new(0, 0, 200, 50), &app);
        assert_eq!(wide.histogram.width, 50);
        assert_eq!(wide.histogram.x, 150);
        assert_eq!(wide.panes.last().unwrap().right(), 150);
        assert_eq!(wide.panes[0].height, wide.histogram.height + 1, "the alternatives strip is under it");
        let narrow = main_layout(Rect::new(0, 0, 120, 40), &app);
        assert_eq!(narrow.histogram.width, 120);
        assert_eq!(narrow.panes[0].bottom(), narrow.histogram.y);
        let strip = narrow.alternatives.unwrap();
        assert_eq!((strip.y, strip.height, strip.width), (narrow.histogram.bottom(), 1, 120));
        assert_eq!(wide.alternatives.unwrap().y, wide.histogram.bottom());
    }
}
