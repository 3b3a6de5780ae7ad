//! The prime and seed editors.

use crossterm::event::{KeyCode, KeyModifiers};

use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, Effect, Overlay};
use crate::explorer::worker::Request;

fn error(app: &crate::explorer::app::App) -> Option<String> {
    match &app.overlay {
        Overlay::PrimeEdit { error, .. } | Overlay::SeedEdit { error, .. } => error.clone(),
        _ => None,
    }
}

fn buffer(app: &crate::explorer::app::App) -> String {
    match &app.overlay {
        Overlay::PrimeEdit { buffer, .. } | Overlay::SeedEdit { buffer, .. } => buffer.clone(),
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
