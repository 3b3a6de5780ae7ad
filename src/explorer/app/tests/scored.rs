//! Scored panes (`o`): the path editor, what the engine is asked, the read-only pane the answer
//! becomes, and how the generating panes, the engine's stream indices and export live beside it.

use crossterm::event::KeyCode;

use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App, Effect, Event, HistogramSource, Overlay};
use crate::explorer::worker::{Drawn, Reply, Request};

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        update(app, ch(c));
    }
}

/// The characters of `text` as the engine scores them: each under its own logits at T = 1.
fn scored_chars(app: &App, text: &str) -> Vec<Drawn> {
    text.chars().enumerate().map(|(k, c)| drawn(&app.vocab, c, 1.0, 500 + k as u64)).collect()
}

/// An app with three generating panes and one scored pane holding `text`.
fn with_scored(text: &str) -> App {
    let mut app = app();
    feed(&mut app, &["ab", "cd", "ef"]);
    update(&mut app, ch('o'));
    let fx = update(&mut app, key(KeyCode::Enter));
    answer_score(&mut app, &fx, text, |k| 500 + k, ('x', 9));
    app
}

#[test]
fn o_opens_a_path_editor_and_enter_asks_the_runtime_for_the_file() {
    let mut app = app();
    let fx = update(&mut app, ch('o'));
    assert!(fx.is_empty());
    assert!(matches!(app.overlay, Overlay::ScoreEdit { .. }), "{:?}", app.overlay);
    typed(&mut app, "plays/hamlet.txx");
    update(&mut app, key(KeyCode::Backspace));
    typed(&mut app, "t");
    let fx = update(&mut app, key(KeyCode::Enter));
    assert_eq!(fx, [Effect::ReadText { path: "plays/hamlet.txt".into() }]);
    assert_eq!(app.overlay, Overlay::None);
    // Esc leaves without asking anything.
    update(&mut app, ch('o'));
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty());
    assert_eq!(app.overlay, Overlay::None);
    // A paste is one line of the path, never keystrokes.
    update(&mut app, ch('o'));
    update(&mut app, Event::Paste("a.txt\nq".into()));
    let fx = update(&mut app, key(KeyCode::Enter));
    assert_eq!(fx, [Effect::ReadText { path: "a.txt".into() }]);
}

#[test]
fn an_empty_path_scores_the_prime_after_a_newline() {
    let mut app = app();
    update(&mut app, ch('o'));
    let fx = update(&mut app, key(KeyCode::Enter));
    let newline = app.vocab.id('\n').unwrap();
    let [Effect::Engine(Request::Score { id, context, text })] = &fx[..] else { panic!("{fx:?}") };
    assert_eq!((context.as_slice(), text), (&[newline][..], &app.prime_ids));
    assert_eq!(app.scoring.as_ref().map(|p| (p.id, p.name.as_str())), Some((*id, "prime")));
}

#[test]
fn a_read_text_is_scored_without_unknown_characters_and_within_the_history() {
    let mut app = app();
    app.limits.history_chars = 6;
    let fx = update(&mut app, Event::TextRead { path: "t.txt".into(), text: Ok("ab€cd€ef gh".into()) });
    let [Effect::Engine(Request::Score { text, .. })] = &fx[..] else { panic!("{fx:?}") };
    assert_eq!(app.vocab.decode(text), "abcdef", "unknown characters skipped, cut to history.chars");
    let note = app.scoring.as_ref().unwrap().note.clone().unwrap();
    assert!(note.contains("'€'") && note.contains("2 times") && note.contains("first 6 of 9"), "{note}");
    // A file that could not be read, or holds nothing the model knows, says so and asks nothing.
    let fx = update(&mut app, Event::TextRead { path: "d".into(), text: Err("text 'd': is a directory".into()) });
    assert!(fx.is_empty() && app.status.as_ref().unwrap().text.contains("is a directory"));
    let fx = update(&mut app, Event::TextRead { path: "e".into(), text: Ok("€€".into()) });
    assert!(fx.is_empty() && app.status.as_ref().unwrap().is_error);
}

#[test]
fn the_answer_becomes_a_focused_read_only_pane_with_its_distributions() {
    let app = with_scored("hello");
    assert_eq!(app.panes.len(), 4);
    assert_eq!(app.focus, 3);
    let p = &app.panes[3];
    let s = p.scored.as_ref().unwrap();
    assert_eq!(s.name, "prime");
    let want: f64 = scored_chars(&app, "hello").iter().map(|d| -f64::from(d.p1).log2()).sum::<f64>() / 5.0;
    assert!((s.bits_per_char - want).abs() < 1e-9);
    assert_eq!(p.history().iter().map(|d| d.ch).collect::<String>(), "hello");
    let status = app.status.as_ref().unwrap().text.clone();
    assert!(status.starts_with("scored prime: 5 chars,") && status.contains("bits/char"), "{status}");
    // A stale answer (an older id) is dropped.
    let mut app = app;
    let drawn = scored_chars(&app, "zz");
    update(&mut app, Event::Engine(Reply::Scored { id: 99, drawn, next_logits: Vec::new() }));
    assert_eq!(app.panes.len(), 4);
}

#[test]
fn a_scored_pane_is_inspected_like_any_other() {
    let mut app = with_scored("hello");
    press(&mut app, ' ');
    press(&mut app, '[');
    press(&mut app, '[');
    let ins = app.inspect.unwrap();
    assert_eq!((ins.pane, ins.pos), (3, 3));
    let h = app.histogram(8).unwrap();
    assert_eq!(h.source, HistogramSource::Inspect { pos: 3 });
    let d = app.panes[3].get(3).unwrap();
    assert_eq!(h.drawn, Some(('l', d.p, d.rank)));
    assert!(h.is_model_distribution(), "scored at T = 1");
    // It never branches: Enter says why and asks the engine nothing.
    press(&mut app, 'k');
    let fx = update(&mut app, key(KeyCode::Enter));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(app.status.as_ref().unwrap().text.contains("read-only"));
}

#[test]
fn it_never_generates_and_the_engine_streams_stay_the_generating_panes() {
    let mut app = with_scored("hello");
    // ↑ on it changes nothing and tells the engine nothing.
    let before = app.panes[3].settings;
    assert!(update(&mut app, key(KeyCode::Up)).is_empty());
    assert_eq!(app.panes[3].settings, before);
    // A batch for the three streams reaches the three generating panes only.
    feed(&mut app, &["g", "h", "i"]);
    assert_eq!(app.panes[3].total(), 5);
    assert_eq!(app.panes[2].total(), 3);
    // A reset restarts the streams and keeps the scored text.
    let fx = press(&mut app, 'r');
    let Some(Effect::Engine(Request::Reset { panes, .. })) = fx.first() else { panic!("{fx:?}") };
    assert_eq!(panes.len(), 3);
    assert_eq!(app.panes[3].total(), 5);
    assert_eq!(app.panes[0].total(), 0);
    // A new pane goes before the scored one, as the engine's fourth stream, with the settings of
    // the last generating pane.
    let fx = press(&mut app, 'a');
    let [Effect::Engine(Request::AddPane { settings, .. })] = fx[..] else { panic!("{fx:?}") };
    assert_eq!(settings, app.panes[2].settings);
    assert_eq!(app.focus, 3);
    assert!(app.panes[3].scored.is_none() && app.panes[4].scored.is_some());
    feed(&mut app, &["a", "b", "c", "d"]);
    assert_eq!((app.panes[3].total(), app.panes[4].total()), (1, 5));
    // Removing the scored pane is the app's own business.
    app.focus = 4;
    let fx = press(&mut app, 'x');
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(app.panes.len(), 4);
    assert!(app.panes.iter().all(|p| p.scored.is_none()));
}

#[test]
fn presets_keep_scored_panes() {
    let mut app = with_scored("hello");
    let fx = press(&mut app, 'P');
    let Some(Effect::Engine(Request::Reset { panes, .. })) = fx.last() else { panic!("{fx:?}") };
    let preset = app.presets[0].panes.len();
    assert_eq!(panes.len(), preset);
    assert_eq!(app.panes.len(), preset + 1);
    assert_eq!(app.panes[preset].total(), 5);
}

#[test]
fn export_names_the_scored_stream_and_holds_its_characters() {
    let mut app = with_scored("hello");
    let fx = press(&mut app, 'e');
    let [Effect::Export { text, jsonl }] = &fx[..] else { panic!("{fx:?}") };
    let lines = super::jsonl_schema::check_file(jsonl);
    assert_eq!(lines[0]["streams"][3]["scored"], "prime");
    assert_eq!(lines[0]["streams"][3]["temperature"], 1.0);
    let scored: String = lines
        .iter()
        .filter(|l| l["kind"] == "char" && l["stream"] == 4)
        .map(|l| l["char"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(scored, "hello");
    assert!(text.contains("=== pane 4 · 5 chars · scored prime · "), "{text}");
    assert!(text.contains("bits/char at T 1.00 ===\nhello\n"), "the scored text without the prime: {text}");
}

#[test]
fn at_most_max_panes_counting_scored_ones() {
    let mut app = app();
    for _ in 0..3 {
        press(&mut app, 'a');
    }
    assert_eq!(app.panes.len(), crate::explorer::app::MAX_PANES);
    update(&mut app, ch('o'));
    assert_eq!(app.overlay, Overlay::None);
    assert!(app.status.as_ref().unwrap().is_error);
}
