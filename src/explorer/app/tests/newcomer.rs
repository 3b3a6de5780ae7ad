//! What a newcomer trips over (issue 12): keys behind "terminal too small", Esc losing the
//! session, hints that do not follow the mode, and the help's figures legend.

use crossterm::event::{KeyCode, KeyModifiers};

use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, Effect, Event, Mode, Overlay};

fn prime_text(app: &crate::explorer::app::App) -> String {
    match &app.overlay {
        Overlay::PrimeEdit { field, .. } => field.text(),
        other => panic!("the prime editor is not open: {other:?}"),
    }
}

#[test]
fn behind_too_small_only_quit_and_resize_act() {
    let mut app = app();
    update(&mut app, Event::Resize(80, 24));
    press(&mut app, 'p');
    let before = prime_text(&app);
    update(&mut app, Event::Resize(20, 5));
    for c in "def".chars() {
        assert!(press(&mut app, c).is_empty());
    }
    update(&mut app, key(KeyCode::Backspace));
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, Event::Paste("ROMEO".into()));
    assert_eq!(prime_text(&app), before, "the prime changed behind the too-small screen");
    // Closing keys do nothing either (the editor is still open once the screen is big again).
    update(&mut app, key(KeyCode::Esc));
    assert!(matches!(app.overlay, Overlay::PrimeEdit { .. }));
    // Quitting still works, and after growing back the keys act again.
    assert_eq!(press(&mut app, 'q'), [Effect::Quit]);
    assert_eq!(update(&mut app, key_with(KeyCode::Char('c'), KeyModifiers::CONTROL)), [Effect::Quit]);
    update(&mut app, Event::Resize(80, 24));
    press(&mut app, 'x');
    assert_eq!(prime_text(&app), format!("{before}x"));
}

#[test]
fn main_screen_keys_wait_behind_too_small() {
    let mut app = app();
    update(&mut app, Event::Resize(30, 10));
    assert!(press(&mut app, ' ').is_empty());
    assert!(!app.paused);
    assert!(press(&mut app, 'a').is_empty());
    assert_eq!(app.panes.len(), 3);
}

#[test]
fn esc_never_loses_unexported_text() {
    let mut app = app();
    feed(&mut app, &["abc", "def", "ghi"]);
    // `?`, Esc, Esc: the first Esc closes the help, the second must not quit.
    press(&mut app, '?');
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty());
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty(), "Esc quit with text never exported");
    let msg = app.status.clone().expect("Esc says why it did not quit").text;
    assert!(msg.contains("q quits") && msg.contains("e exports"), "{msg}");
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty());
    // Once exported, Esc quits; new text makes it careful again.
    assert!(matches!(press(&mut app, 'e').as_slice(), [Effect::Export { .. }]));
    assert_eq!(update(&mut app, key(KeyCode::Esc)), [Effect::Quit]);
    feed(&mut app, &["j", "k", "l"]);
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty());
    // A failed export does not count.
    press(&mut app, 'e');
    update(&mut app, Event::Exported(Err("disk full".into())));
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty());
    // `q` always quits.
    assert_eq!(press(&mut app, 'q'), [Effect::Quit]);
}

#[test]
fn the_mode_follows_the_state() {
    let mut app = app();
    assert_eq!(app.mode(), Mode::Running);
    press(&mut app, ' ');
    assert_eq!(app.mode(), Mode::Paused);
    feed(&mut app, &["abc", "def", "ghi"]);
    press(&mut app, '[');
    assert_eq!(app.mode(), Mode::Inspect);
    update(&mut app, key(KeyCode::Esc));
    press(&mut app, 'p');
    assert_eq!(app.mode(), Mode::PrimeEditor);
    update(&mut app, key(KeyCode::Esc));
    press(&mut app, 's');
    assert_eq!(app.mode(), Mode::SeedEditor);
    update(&mut app, key(KeyCode::Esc));
    press(&mut app, '?');
    assert_eq!(app.mode(), Mode::Help);
    update(&mut app, key(KeyCode::Esc));
    press(&mut app, 'S');
    assert_eq!(app.mode(), Mode::Sweep);
}

#[test]
fn the_help_scrolls_and_esc_closes_it() {
    let mut app = app();
    press(&mut app, '?');
    update(&mut app, key(KeyCode::Down));
    update(&mut app, key(KeyCode::PageDown));
    assert_eq!(app.help_scroll, 11);
    assert_eq!(app.overlay, Overlay::Help);
    assert_eq!(app.panes[0].settings.temperature, 0.2, "↓ scrolled the help, it did not lower T");
    update(&mut app, key(KeyCode::Up));
    assert_eq!(app.help_scroll, 10);
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.overlay, Overlay::None);
    press(&mut app, '?');
    assert_eq!(app.help_scroll, 0, "the help opens at the top");
}
