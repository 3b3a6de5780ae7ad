//! The `?` help's scroll: kept in `update` within the lines there are at the terminal's size, so
//! scrolling back moves the view at once however far a user pressed on.

use crossterm::event::{KeyCode, MouseEvent, MouseEventKind};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::explorer::app::help_layout::{self, HelpLayout};
use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App, Event, Overlay};

fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::explorer::ui::draw(f, app)).unwrap();
    t.backend().buffer().content().iter().map(|c| c.symbol()).collect()
}

fn help_at(w: u16, h: u16) -> App {
    let mut app = app();
    update(&mut app, Event::Resize(w, h));
    press(&mut app, '?');
    app
}

#[test]
fn down_a_hundred_times_then_up_once_moves_the_view() {
    let mut app = help_at(80, 24);
    let max = help_layout::max_scroll(&app);
    assert!(max > 3, "at 80×24 the help scrolls (max {max})");
    for _ in 0..100 {
        update(&mut app, key(KeyCode::Down));
    }
    assert_eq!(app.help_scroll, max, "the scroll stops at the help's last line");
    let at_end = screen(&app);
    update(&mut app, key(KeyCode::Up));
    assert_eq!(app.help_scroll, max - 1);
    assert_ne!(screen(&app), at_end, "one ↑ after the end moves the view");
    assert_eq!(app.overlay, Overlay::Help);
}

#[test]
fn pages_and_the_wheel_stop_at_the_end_too() {
    let mut app = help_at(80, 24);
    let max = help_layout::max_scroll(&app);
    for _ in 0..30 {
        update(&mut app, key(KeyCode::PageDown));
    }
    assert_eq!(app.help_scroll, max);
    let wheel =
        |kind| Event::Mouse(MouseEvent { kind, column: 40, row: 10, modifiers: crossterm::event::KeyModifiers::NONE });
    for _ in 0..30 {
        update(&mut app, wheel(MouseEventKind::ScrollDown));
    }
    assert_eq!(app.help_scroll, max);
    update(&mut app, wheel(MouseEventKind::ScrollUp));
    assert_eq!(app.help_scroll, max - 3);
    for _ in 0..30 {
        update(&mut app, key(KeyCode::PageUp));
    }
    assert_eq!(app.help_scroll, 0);
}

#[test]
fn a_bigger_terminal_brings_the_scroll_back_within_the_help() {
    let mut app = help_at(80, 24);
    for _ in 0..100 {
        update(&mut app, key(KeyCode::Char('j')));
    }
    assert!(app.help_scroll > 0);
    update(&mut app, Event::Resize(200, 80));
    let fits = HelpLayout::of(&app);
    assert_eq!((fits.max_scroll(), app.help_scroll), (0, 0), "all of the help fits at 200×80");
}
