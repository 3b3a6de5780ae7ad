//! Focus, the inspect cursor's moves by word, by line and by page, and scrolling a pane's text. Lines and
//! pages are rows as drawn, so these read the pane's [`TextView`] at the current terminal size.

use ratatui::layout::Rect;

use super::text_view::{text_area, TextView};
use super::{layout, App, Inspect};

/// Rows one notch of the mouse wheel scrolls.
pub const WHEEL_ROWS: isize = 3;

/// The inner area of pane `pane` at the last known terminal size.
pub(super) fn pane_area(app: &App, pane: usize) -> Option<Rect> {
    let (w, h) = app.size;
    let l = layout::main_layout(Rect::new(0, 0, w, h), app);
    l.panes.get(pane).map(|&r| text_area(r)).filter(|a| a.width > 0 && a.height > 0)
}

/// Puts the inspect cursor on `pos` of its pane, with the drawn character picked, and scrolls the
/// pane as little as needed to show it.
pub(super) fn set_cursor(app: &mut App, pos: u64) {
    let Some(ins) = app.inspect else { return };
    app.inspect = Some(Inspect { pos, selected: app.default_selection(ins.pane, pos), ..ins });
    reveal_cursor(app);
}

/// Keeps the inspect cursor on screen.
pub(super) fn reveal_cursor(app: &mut App) {
    let Some(ins) = app.inspect else { return };
    let Some(area) = pane_area(app, ins.pane) else { return };
    let anchor = {
        let v = TextView::new(app, ins.pane, area);
        v.index_of_pos(ins.pos).and_then(|i| v.reveal(i))
    };
    if let Some(anchor) = anchor {
        app.panes[ins.pane].view_anchor = anchor;
    }
}

/// Scrolls pane `pane`'s text by `rows` (negative: back); returns the rows it moved.
pub(super) fn scroll_pane(app: &mut App, pane: usize, rows: isize) -> usize {
    let Some(area) = pane_area(app, pane) else { return 0 };
    let (anchor, moved) = TextView::new(app, pane, area).scrolled(rows);
    app.panes[pane].view_anchor = anchor;
    moved
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// The start of the next word after the cursor (else the newest character), or of the word the
/// cursor is in (else the previous one) going back.
pub(super) fn word_target(app: &App, forward: bool) -> Option<u64> {
    let ins = app.inspect?;
    let p = &app.panes[ins.pane];
    let (first, newest) = (p.first_pos(), p.total().checked_sub(1)?);
    let at = |pos: u64| p.get(pos).map_or(' ', |d| d.ch);
    let mut pos = ins.pos;
    if forward {
        while pos < newest && !is_space(at(pos)) {
            pos += 1;
        }
        while pos < newest && is_space(at(pos)) {
            pos += 1;
        }
    } else {
        while pos > first && is_space(at(pos - 1)) {
            pos -= 1;
        }
        while pos > first && !is_space(at(pos - 1)) {
            pos -= 1;
        }
    }
    Some(pos)
}

/// Moves the cursor `rows` rows of the drawn text up (negative) or down, keeping its column.
/// `page`: the text scrolls by the whole move and the cursor keeps its place on screen; otherwise
/// the text scrolls only when the cursor would leave the view.
pub(super) fn move_rows(app: &mut App, rows: isize, page: bool) {
    let Some(ins) = app.inspect else { return };
    let Some(area) = pane_area(app, ins.pane) else { return };
    reveal_cursor(app);
    let (y, x, shown) = {
        let v = TextView::new(app, ins.pane, area);
        let Some((y, x)) = v.index_of_pos(ins.pos).and_then(|i| v.place(i)) else { return };
        (y as isize, x, v.rows.len() as isize)
    };
    let target = y + rows;
    let scroll = match () {
        _ if page => rows,
        _ if target < 0 => target,
        _ if target >= shown => target - (shown - 1),
        _ => 0,
    };
    let moved = if scroll == 0 { 0 } else { scroll_pane(app, ins.pane, scroll) as isize * scroll.signum() };
    let v = TextView::ignoring_cursor(app, ins.pane, area);
    let p = &app.panes[ins.pane];
    let (oldest, newest) = (p.first_pos(), p.total().saturating_sub(1));
    let last = v.rows.len().saturating_sub(1) as isize;
    let row = target - moved;
    // Past the first or last row, as in a text editor: the oldest or the newest character.
    let pos = if row < 0 {
        oldest
    } else if row > last {
        newest
    } else {
        match v.at(row as usize, x) {
            // A row of the prime: the oldest generated character is the nearest one with a distribution.
            Some(i) => v.pos_of(i).unwrap_or(oldest),
            // The empty row after the newest character.
            None => newest,
        }
    };
    set_cursor(app, pos);
}

/// Moves focus; an open inspect cursor follows to the same position in the new pane.
pub(super) fn set_focus(app: &mut App, i: usize) {
    app.focus = i.min(app.panes.len() - 1);
    if let Some(ins) = app.inspect {
        let p = &app.panes[app.focus];
        app.inspect = (p.total() > 0).then(|| {
            let pos = ins.pos.clamp(p.first_pos(), p.total() - 1);
            Inspect { pane: app.focus, pos, selected: app.default_selection(app.focus, pos) }
        });
        reveal_cursor(app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explorer::app::testutil::*;

    #[test]
    fn words_are_runs_of_non_space() {
        let mut app = app();
        feed(&mut app, &["to be, or not", "to be, or not", "to be, or not"]);
        press(&mut app, '[');
        let mut go = |fwd: bool, from: u64| {
            app.inspect = Some(Inspect { pane: 0, pos: from, selected: 0 });
            word_target(&app, fwd).unwrap()
        };
        assert_eq!(go(true, 0), 3, "to → be,");
        assert_eq!(go(true, 4), 7, "inside be, → or");
        assert_eq!(go(true, 10), 12, "no next word: the newest character");
        assert_eq!(go(false, 7), 3, "at or → be,");
        assert_eq!(go(false, 8), 7, "inside or → its start");
        assert_eq!(go(false, 1), 0);
    }
}
