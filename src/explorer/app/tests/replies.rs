//! Engine replies: new characters (current, stale, remapped), errors and syncs.

use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App, Event};
use crate::explorer::worker::Reply;
use tempest_core::model::vocab::Vocab;

fn text(app: &App, pane: usize) -> String {
    app.panes[pane].history().iter().map(|d| d.ch).collect()
}

#[test]
fn stepped_appends_to_every_pane_and_keeps_the_logits() {
    let mut app = app();
    feed(&mut app, &["ab", "cd", "ef"]);
    feed(&mut app, &["g", "h", "i"]);
    assert_eq!((text(&app, 0), text(&app, 1), text(&app, 2)), ("abg".into(), "cdh".into(), "efi".into()));
    assert_eq!(app.panes[1].total(), 3);
    assert_eq!(app.panes[1].last_logits, logits(&app.vocab, 'h', 1000));
    assert_eq!(app.panes[1].summary().count, 3);
}

#[test]
fn history_is_bounded_but_positions_stay_absolute() {
    let mut cfg = config();
    cfg.history.chars = 4;
    let mut app = App::new(&cfg, vocab(), false);
    feed(&mut app, &["abcdefg", "abcdefg", "abcdefg"]);
    let p = &app.panes[0];
    assert_eq!((p.total(), p.first_pos(), p.history().len()), (7, 3, 4));
    assert_eq!(p.get(3).unwrap().ch, 'd');
    assert_eq!(p.get(2), None);
    assert!(!p.is_complete());
}

#[test]
fn a_repeating_tail_is_detected_as_a_loop() {
    let mut app = app();
    let looped = format!("xy{}", "and so the sea, ".repeat(3));
    let plain = "Why, then I crave the gracious lord, that he should seem to be";
    let n = looped.chars().count();
    let plain: String = plain.chars().take(n).collect();
    feed(&mut app, &[&looped, &plain, &plain]);
    let l = app.panes[0].current_loop().expect("loop in pane 1");
    assert_eq!((l.period, l.repeats()), (16, 3));
    assert_eq!(app.panes[1].current_loop(), None);
    assert!(app.panes[0].summary().distinct_4 < app.panes[1].summary().distinct_4);
}

#[test]
fn replies_from_before_an_add_or_remove_are_remapped_not_lost() {
    let mut app = app();
    let g0 = app.generation();
    // Pane 1 (the middle one) is removed while a batch for three panes is in flight.
    crate::explorer::app::apply(&mut app, crate::explorer::app::Action::FocusNext, &mut Vec::new());
    press(&mut app, 'x');
    let stale = batch(&app, g0, &["a", "b", "c"]);
    update(&mut app, Event::Engine(stale));
    assert_eq!((text(&app, 0), text(&app, 1)), ("a".into(), "c".into()));
    // A pane is added: older replies still feed the panes that existed.
    let g1 = app.generation();
    press(&mut app, 'a');
    let r = batch(&app, g1, &["d", "e"]);
    update(&mut app, Event::Engine(r));
    feed(&mut app, &["f", "g", "h"]);
    assert_eq!((text(&app, 0), text(&app, 1), text(&app, 2)), ("adf".into(), "ceg".into(), "h".into()));
    // Replies claiming a future generation are nonsense and dropped.
    let r = batch(&app, app.generation() + 1, &["z", "z", "z"]);
    update(&mut app, Event::Engine(r));
    assert_eq!(app.panes[2].total(), 1);
}

#[test]
fn an_engine_error_shows_in_the_status_line_and_sync_changes_nothing() {
    let mut app = app();
    update(&mut app, Event::Engine(Reply::Error("model file vanished".into())));
    let s = app.status.clone().unwrap();
    assert!(s.is_error && s.text == "model file vanished");
    let before = format!("{:?}", app.panes.iter().map(|p| p.total()).collect::<Vec<_>>());
    update(&mut app, Event::Engine(Reply::Synced(3)));
    assert_eq!(before, format!("{:?}", app.panes.iter().map(|p| p.total()).collect::<Vec<_>>()));
}

#[test]
fn a_resize_is_remembered_for_mouse_hits() {
    let mut app = app();
    update(&mut app, Event::Resize(200, 50));
    assert_eq!(app.size, (200, 50));
}

#[test]
fn an_unknown_prime_char_in_the_config_is_skipped_with_a_warning() {
    let mut cfg = config();
    cfg.prime = "KING é\n".into();
    let app = App::new(&cfg, vocab(), false);
    assert_eq!(app.vocab.decode(&app.prime_ids), "KING \n");
    assert!(app.status.unwrap().text.contains("'é'"));
}

#[test]
fn history_is_bounded_in_bytes_whatever_the_vocabulary() {
    use crate::explorer::app::{pane::drawn_bytes_at_most, HISTORY_BYTES};
    let mut cfg = config();
    cfg.history.chars = 1_000_000;
    // A vocabulary of 5,000 characters: each kept character holds 5,000 logits (twice under a
    // repetition penalty), so a million of them would need ~40 GB.
    let big = Vocab::new((0..5000u32).map(|i| char::from_u32(0x4E00 + i).unwrap()).collect()).unwrap();
    let app = App::new(&cfg, big, false);
    let cap = app.panes[0].capacity();
    assert!(cap < 1_000_000 && cap * drawn_bytes_at_most(5000) <= HISTORY_BYTES, "{cap} characters kept");
    assert_eq!(app.limits.history_chars, cap, "the engine is told the same reach");
    // A vocabulary like the bundled model's keeps what the config asks.
    cfg.history.chars = 10_000;
    assert_eq!(App::new(&cfg, vocab(), false).panes[0].capacity(), 10_000);
}
