//! The mouse: a left click on a pane's character pauses and inspects it, on a histogram row picks
//! it; the wheel scrolls a pane's text or the histogram. Every hit is tested against the layout
//! the last frame was drawn with (`layout`, `text_view`), before any state changes.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::cursor::{self, WHEEL_ROWS};
use super::text_view::{text_area, TextView};
use super::{layout, strings, App, Effect, Inspect, Overlay};
use crate::explorer::worker::Request;

/// Rows one wheel notch scrolls the live histogram by.
const HIST_WHEEL_ROWS: usize = 3;

pub(super) fn on_mouse(app: &mut App, m: MouseEvent, fx: &mut Vec<Effect>) {
    match app.overlay {
        Overlay::None => {}
        // A click closes the help, as a key does; other overlays keep the mouse away from what is under them.
        Overlay::Help => {
            // The wheel scrolls the help as ↑/↓ do, within its lines.
            return match m.kind {
                MouseEventKind::ScrollUp => super::help_layout::scroll_help(app, -(WHEEL_ROWS as i32)),
                MouseEventKind::ScrollDown => super::help_layout::scroll_help(app, WHEEL_ROWS as i32),
                MouseEventKind::Down(_) => app.overlay = Overlay::None,
                _ => {}
            };
        }
        _ => return,
    }
    let (w, h) = app.size;
    let l = layout::main_layout(Rect::new(0, 0, w, h), app);
    let at = Position { x: m.column, y: m.row };
    let on_hist = !app.loop_panel && l.histogram.contains(at);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(i) = l.pane_at(m.column, m.row) {
                click_pane(app, i, text_area(l.panes[i]), at, fx);
            } else if on_hist {
                click_histogram(app, layout::histogram_rows(l.histogram), at, fx);
            }
        }
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            let up = m.kind == MouseEventKind::ScrollUp;
            if let Some(i) = l.pane_at(m.column, m.row) {
                cursor::scroll_pane(app, i, if up { -WHEEL_ROWS } else { WHEEL_ROWS });
            } else if on_hist {
                wheel_histogram(app, up);
            }
        }
        _ => {}
    }
}

/// Focuses the pane; on a generated character, pauses and inspects it.
fn click_pane(app: &mut App, pane: usize, area: Rect, at: Position, fx: &mut Vec<Effect>) {
    let hit = {
        let v = TextView::new(app, pane, area);
        v.hit(at.x, at.y).map(|i| (v.pos_of(i), i < v.prime_len()))
    };
    cursor::set_focus(app, pane);
    match hit {
        Some((Some(pos), _)) => {
            pause(app, fx);
            app.inspect = Some(Inspect { pane, pos, selected: app.default_selection(pane, pos) });
            cursor::reveal_cursor(app);
        }
        Some((None, true)) => app.set_status(strings::MSG_PRIME_NOT_DRAWN),
        _ => {}
    }
}

fn pause(app: &mut App, fx: &mut Vec<Effect>) {
    if !app.paused {
        app.paused = true;
        fx.push(Effect::Engine(Request::Pause));
    }
}

/// Picks the row under the mouse, first inspecting the newest character if nothing is inspected.
fn click_histogram(app: &mut App, rows: Rect, at: Position, fx: &mut Vec<Effect>) {
    if !rows.contains(at) {
        return;
    }
    let Some(view) = app.histogram(rows.height as usize) else { return };
    let row = view.first_row + (at.y - rows.y) as usize;
    if row >= view.total_rows {
        return;
    }
    if app.inspect.is_none() {
        let p = &app.panes[app.focus];
        if p.total() == 0 {
            return;
        }
        let pos = p.total() - 1;
        pause(app, fx);
        app.inspect = Some(Inspect { pane: app.focus, pos, selected: 0 });
        cursor::reveal_cursor(app);
    }
    if let Some(ins) = app.inspect.as_mut() {
        ins.selected = row;
    }
}

fn wheel_histogram(app: &mut App, up: bool) {
    match app.inspect.as_mut() {
        Some(ins) => {
            let rows = app.panes[ins.pane].get(ins.pos).map_or(0, |d| d.logits.len());
            ins.selected =
                if up { ins.selected.saturating_sub(1) } else { (ins.selected + 1).min(rows.saturating_sub(1)) };
        }
        None if up => app.hist.scroll = app.hist.scroll.saturating_sub(HIST_WHEEL_ROWS),
        None => app.hist.scroll = (app.hist.scroll + HIST_WHEEL_ROWS).min(app.vocab.len().saturating_sub(1)),
    }
}
