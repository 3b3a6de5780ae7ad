//! The prime and seed editors.

use crossterm::event::{KeyCode, KeyModifiers};

use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, Effect, Event, Overlay};
use crate::explorer::worker::Request;

fn error(app: &crate::explorer::app::App) -> Option<String> {
    match &app.overlay {
        Overlay::PrimeEdit { error, .. } | Overlay::SeedEdit { error, .. } => error.clone(),
        _ => None,
    }
}

fn buffer(app: &crate::explorer::app::App) -> String {
    match &app.overlay {
        Overlay::PrimeEdit { field, .. } | Overlay::SeedEdit { field, .. } => field.text(),
        o => panic!("no editor open: {o:?}"),
    }
}

#[test]
fn an_unknown_character_is_named_at_once_and_enter_is_refused() {
    let mut app = app();
    press(&mut app, 'p');
    assert_eq!(buffer(&app), PRIME);
    assert_eq!(error(&app), None);
    press(&mut app, 'é');
    let e = error(&app).expect("flagged while typing");
    assert!(e.contains("'é'") && e.contains("not in the model's vocabulary"), "{e}");
    assert!(update(&mut app, key(KeyCode::Enter)).is_empty());
    assert!(matches!(app.overlay, Overlay::PrimeEdit { .. }), "Enter is refused");
    update(&mut app, key(KeyCode::Backspace));
    assert_eq!(error(&app), None);
}

#[test]
fn enter_applies_the_prime_and_restarts_every_pane() {
    let mut app = app();
    feed(&mut app, &["a", "b", "c"]);
    press(&mut app, 'p');
    update(&mut app, key_with(KeyCode::Char('u'), KeyModifiers::CONTROL));
    assert_eq!(buffer(&app), "");
    for c in "KING".chars() {
        press(&mut app, c);
    }
    // Newlines: Alt-Enter and Ctrl-J, since Enter applies.
    update(&mut app, key_with(KeyCode::Enter, KeyModifiers::ALT));
    press(&mut app, 'a');
    update(&mut app, key_with(KeyCode::Char('j'), KeyModifiers::CONTROL));
    assert_eq!(buffer(&app), "KING\na\n");
    let fx = update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.prime, "KING\na\n");
    assert_eq!(app.overlay, Overlay::None);
    let [Effect::Engine(Request::Reset { generation, prime, .. })] = &fx[..] else { panic!("{fx:?}") };
    assert_eq!(*generation, app.generation());
    assert_eq!(app.vocab.decode(prime), "KING\na\n");
    assert!(app.panes.iter().all(|p| p.total() == 0));
}

#[test]
fn an_empty_prime_is_refused_and_esc_cancels() {
    let mut app = app();
    press(&mut app, 'p');
    update(&mut app, key_with(KeyCode::Char('u'), KeyModifiers::CONTROL));
    assert!(update(&mut app, key(KeyCode::Enter)).is_empty());
    assert!(error(&app).is_some());
    // Keys mean text here: 'q' is typed, not quit.
    assert!(press(&mut app, 'q').is_empty());
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty());
    assert_eq!((app.overlay.clone(), app.prime.as_str()), (Overlay::None, PRIME));
}

#[test]
fn the_seed_editor_takes_digits_and_restarts_with_the_new_seed() {
    let mut app = app();
    press(&mut app, 's');
    assert_eq!(buffer(&app), "7");
    update(&mut app, key(KeyCode::Backspace));
    press(&mut app, 'x');
    assert!(error(&app).unwrap().contains("'x'"), "a non-digit is named");
    assert_eq!(buffer(&app), "", "and not typed");
    for c in "42".chars() {
        press(&mut app, c);
    }
    assert_eq!(error(&app), None);
    let fx = update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.seed, 42);
    assert!(matches!(&fx[..], [Effect::Engine(Request::Reset { seed: 42, .. })]), "{fx:?}");
}

#[test]
fn a_seed_beyond_the_range_is_refused() {
    let mut app = app();
    press(&mut app, 's');
    for c in "9223372036854775808".chars() {
        press(&mut app, c);
    }
    assert!(error(&app).is_some());
    assert!(update(&mut app, key(KeyCode::Enter)).is_empty());
    assert_eq!(app.seed, 7);
    update(&mut app, key(KeyCode::Esc));
    assert_eq!((app.overlay.clone(), app.seed), (Overlay::None, 7));
    press(&mut app, 's');
    assert_eq!(update(&mut app, key_with(KeyCode::Char('c'), KeyModifiers::CONTROL)), [Effect::Quit]);
}

fn cursor(app: &crate::explorer::app::App) -> usize {
    match &app.overlay {
        Overlay::PrimeEdit { field, .. } | Overlay::SeedEdit { field, .. } => field.cursor(),
        o => panic!("no editor open: {o:?}"),
    }
}

#[test]
fn a_paste_goes_into_the_editor_as_text_and_runs_nothing() {
    let mut app = app();
    let panes = app.panes.len();
    press(&mut app, 'p');
    update(&mut app, key_with(KeyCode::Char('u'), KeyModifiers::CONTROL));
    // What a terminal sends for a pasted three-line text: CR line breaks.
    let fx = update(&mut app, Event::Paste("ROMEO:\rWhat light through yonder\r\nwindow breaks".into()));
    assert!(fx.is_empty(), "a paste applies nothing: {fx:?}");
    assert_eq!(buffer(&app), "ROMEO:\nWhat light through yonder\nwindow breaks");
    assert!(matches!(app.overlay, Overlay::PrimeEdit { .. }), "still editing");
    assert_eq!(app.panes.len(), panes);
    update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.prime, "ROMEO:\nWhat light through yonder\nwindow breaks");
}

#[test]
fn a_paste_with_no_editor_open_is_ignored() {
    let mut app = app();
    let before = (app.panes.len(), app.color_mode, app.seed, app.paused);
    let fx = update(&mut app, Event::Paste("aaxg s e q".into()));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!((app.panes.len(), app.color_mode, app.seed, app.paused), before);
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn the_prime_editor_has_a_cursor_that_moves_and_edits_where_it_stands() {
    let mut app = app();
    press(&mut app, 'p');
    assert_eq!(cursor(&app), PRIME.chars().count(), "starts at the end");
    // "KING HENRY:\n|" → up to the first line, home, then type at the start.
    update(&mut app, key(KeyCode::Up));
    update(&mut app, key(KeyCode::Home));
    assert_eq!(cursor(&app), 0);
    for c in "OLD ".chars() {
        press(&mut app, c);
    }
    assert_eq!(buffer(&app), "OLD KING HENRY:\n");
    update(&mut app, key(KeyCode::End));
    update(&mut app, key(KeyCode::Left));
    update(&mut app, key(KeyCode::Backspace));
    assert_eq!(buffer(&app), "OLD KING HENR:\n");
    update(&mut app, key(KeyCode::Right));
    update(&mut app, key(KeyCode::Delete));
    assert_eq!(buffer(&app), "OLD KING HENR:");
    update(&mut app, key_with(KeyCode::Left, KeyModifiers::CONTROL));
    assert_eq!(cursor(&app), "OLD KING ".len());
}

#[test]
fn typing_in_the_seed_dialog_replaces_the_prefilled_seed() {
    let mut app = app();
    press(&mut app, 's');
    assert_eq!(buffer(&app), "7");
    press(&mut app, '4');
    press(&mut app, '2');
    assert_eq!(buffer(&app), "42", "not 742");
    update(&mut app, key(KeyCode::Home));
    press(&mut app, '1');
    assert_eq!(buffer(&app), "142");
    update(&mut app, Event::Paste(" 99 ".into()));
    assert_eq!(buffer(&app), "19942", "a paste is inserted at the cursor, without its spaces");
}

#[test]
fn every_unknown_character_is_named_and_ctrl_d_drops_them() {
    let mut app = app();
    press(&mut app, 'p');
    update(&mut app, key_with(KeyCode::Char('u'), KeyModifiers::CONTROL));
    update(&mut app, Event::Paste("Café – naïve \"quote\" 日本".into()));
    let e = error(&app).expect("flagged");
    assert!(e.starts_with("6 characters are not in the model's vocabulary"), "{e}");
    for named in ["'é'", "'–'", "'ï'", "'\"'", "'日'", "'本'"] {
        assert!(e.contains(named), "{named} in {e}");
    }
    assert!(e.contains("ctrl-d"), "the way out is offered: {e}");
    update(&mut app, key_with(KeyCode::Char('d'), KeyModifiers::CONTROL));
    assert_eq!(buffer(&app), "Caf  nave quote ");
    assert_eq!(error(&app), None);
    assert_eq!(cursor(&app), "Caf  nave quote ".len());
}
