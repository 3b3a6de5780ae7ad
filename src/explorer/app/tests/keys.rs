//! Keys that act directly: focus, temperature, pause/step, reset, coupling, speed, panes,
//! colouring, export, help and quit.

use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};

use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, ColorMode, Effect, Event, Overlay, MAX_PANES};
use crate::explorer::worker::Request;
use tempest_core::sampling::softmax_t;

fn engine(fx: Vec<Effect>) -> Vec<Request> {
    fx.into_iter()
        .map(|e| match e {
            Effect::Engine(r) => r,
            other => panic!("not an engine request: {other:?}"),
        })
        .collect()
}

#[test]
fn initial_requests_reset_then_run() {
    let app = app();
    let r = app.initial_requests();
    let Request::Reset { generation, prime, panes, seed, coupled } = &r[0] else { panic!("{r:?}") };
    assert_eq!((*generation, *seed, *coupled), (app.generation(), 7, false));
    assert_eq!(app.vocab.decode(prime), PRIME);
    assert_eq!(panes.iter().map(|s| s.temperature).collect::<Vec<_>>(), [0.2, 1.0, 1.5]);
    assert_eq!(r[1], Request::Run { chars_per_sec: Some(25.0) });
}

#[test]
fn focus_moves_and_wraps() {
    let mut app = app();
    for (e, want) in [
        (key(KeyCode::Right), 1),
        (ch('l'), 2),
        (key(KeyCode::Tab), 0),
        (key(KeyCode::Left), 2),
        (ch('h'), 1),
        (key(KeyCode::BackTab), 0),
    ] {
        assert!(update(&mut app, e).is_empty());
        assert_eq!(app.focus, want);
    }
}

#[test]
fn temperature_keys_step_clamp_and_send_settings() {
    let mut app = app();
    update(&mut app, key(KeyCode::Right)); // pane 1, T 1.0
    let cases = [
        (key(KeyCode::Up), 1.05),
        (ch('k'), 1.10),
        (key(KeyCode::Down), 1.05),
        (ch('j'), 1.00),
        (key_with(KeyCode::Up, KeyModifiers::SHIFT), 1.25),
        (key(KeyCode::PageUp), 1.50),
        (ch('K'), 1.75),
        (key_with(KeyCode::Down, KeyModifiers::SHIFT), 1.50),
        (key(KeyCode::PageDown), 1.25),
        (ch('J'), 1.00),
    ];
    for (e, t) in cases {
        let r = engine(update(&mut app, e));
        assert_eq!(app.panes[1].settings.temperature, t);
        assert_eq!(r, [Request::Settings { pane: 1, settings: app.panes[1].settings }]);
    }
    // Clamped to [0, 5], and 0.2 steps down to exactly 0 (argmax).
    update(&mut app, key(KeyCode::Left));
    for _ in 0..4 {
        update(&mut app, key(KeyCode::Down));
    }
    assert_eq!(app.panes[0].settings.temperature, 0.0);
    assert!(update(&mut app, key(KeyCode::Down)).is_empty());
    assert!(app.status.is_some());
    for _ in 0..30 {
        update(&mut app, key(KeyCode::PageUp));
    }
    assert_eq!(app.panes[0].settings.temperature, 5.0);
}

#[test]
fn histogram_re_tempers_at_once_even_when_paused() {
    let mut app = app();
    feed(&mut app, &["e", "e", "e"]);
    press(&mut app, ' ');
    update(&mut app, key(KeyCode::Right));
    let before = app.histogram(8).unwrap();
    update(&mut app, key(KeyCode::PageUp));
    let after = app.histogram(8).unwrap();
    assert_eq!(after.settings.temperature, 1.25);
    assert_eq!(after.source, crate::explorer::app::HistogramSource::Live { retempered: true });
    assert_eq!(before.source, crate::explorer::app::HistogramSource::Live { retempered: false });
    // The drawn character keeps the p it was drawn with; only the rows are re-tempered.
    assert_eq!(after.drawn, before.drawn);
    let mut want = Vec::new();
    softmax_t(&app.panes[1].last_logits, 1.25, &mut want);
    let e = app.vocab.id('e').unwrap() as usize;
    assert!((after.rows[0].p - want[e]).abs() < 1e-6);
    assert!(after.rows[0].p < before.rows[0].p, "a higher T flattens the top");
    assert_eq!(after.rows[0].p1, before.rows[0].p1, "the T = 1 column does not move");
    assert!(after.rows[0].drawn);
}

#[test]
fn space_pauses_and_resumes_and_steps_only_while_paused() {
    let mut app = app();
    assert_eq!(engine(press(&mut app, '.')), []);
    assert!(app.status.is_some(), "stepping while running explains itself");
    assert_eq!(engine(press(&mut app, ' ')), [Request::Pause]);
    assert!(app.paused);
    assert_eq!(engine(press(&mut app, '.')), [Request::Step]);
    assert_eq!(engine(press(&mut app, 'n')), [Request::Step]);
    assert_eq!(engine(press(&mut app, ' ')), [Request::Run { chars_per_sec: Some(25.0) }]);
    assert!(!app.paused);
}

#[test]
fn reset_bumps_the_generation_and_clears_the_panes() {
    let mut app = app();
    feed(&mut app, &["ab", "cd", "ef"]);
    let old = app.generation();
    let r = engine(press(&mut app, 'r'));
    assert!(app.generation() > old);
    assert_eq!(r, [app.reset_request()]);
    assert!(app.panes.iter().all(|p| p.total() == 0 && p.last_logits.is_empty() && p.summary().count == 0));
    // Characters the engine made before the reset are dropped.
    let stale = batch(&app, old, &["x", "y", "z"]);
    update(&mut app, Event::Engine(stale));
    assert!(app.panes.iter().all(|p| p.total() == 0));
}

#[test]
fn coupled_toggles() {
    let mut app = app();
    assert_eq!(engine(press(&mut app, 'c')), [Request::Coupled(true)]);
    assert!(app.coupled);
    assert_eq!(engine(press(&mut app, 'c')), [Request::Coupled(false)]);
}

#[test]
fn speed_steps_are_bounded_and_leave_max_mode() {
    let mut app = app();
    assert_eq!(engine(press(&mut app, '+')), [Request::Run { chars_per_sec: Some(38.0) }]);
    assert_eq!(engine(press(&mut app, '-')), [Request::Run { chars_per_sec: Some(25.0) }]);
    for _ in 0..30 {
        press(&mut app, '+');
    }
    assert_eq!(app.speed.chars_per_sec, 2000.0);
    for _ in 0..40 {
        press(&mut app, '-');
    }
    assert_eq!(app.speed.chars_per_sec, 1.0);
    assert_eq!(engine(press(&mut app, 'm')), [Request::Run { chars_per_sec: None }]);
    assert!(app.speed.max);
    assert_eq!(engine(press(&mut app, '=')), [Request::Run { chars_per_sec: Some(2.0) }]);
    assert!(!app.speed.max);
    // Paused: remembered, sent on resume.
    press(&mut app, ' ');
    assert_eq!(engine(press(&mut app, 'm')), []);
    assert_eq!(engine(press(&mut app, '+')), []);
    assert_eq!(engine(press(&mut app, ' ')), [Request::Run { chars_per_sec: Some(3.0) }]);
    assert_eq!(engine(press(&mut app, 'm')), [Request::Run { chars_per_sec: None }]);
    assert_eq!(engine(press(&mut app, 'm')), [Request::Run { chars_per_sec: Some(3.0) }]);
}

#[test]
fn panes_are_added_up_to_six_and_removed_down_to_one() {
    let mut app = app();
    update(&mut app, key(KeyCode::Right));
    let r = engine(press(&mut app, 'a'));
    assert_eq!(r, [Request::AddPane { generation: app.generation(), settings: app.panes[1].settings }]);
    assert_eq!((app.panes.len(), app.focus), (4, 3));
    while app.panes.len() < MAX_PANES {
        press(&mut app, 'a');
    }
    assert_eq!(engine(press(&mut app, 'a')), []);
    assert!(app.status.as_ref().unwrap().is_error);
    update(&mut app, key(KeyCode::Tab)); // wraps to pane 0
    let r = engine(press(&mut app, 'x'));
    assert_eq!(r, [Request::RemovePane { generation: app.generation(), pane: 0 }]);
    assert_eq!((app.panes.len(), app.focus), (5, 0));
    update(&mut app, key(KeyCode::Left)); // the last pane
    press(&mut app, 'x');
    assert_eq!(app.focus, 3, "focus stays on a pane that exists");
    while app.panes.len() > 1 {
        press(&mut app, 'x');
    }
    assert_eq!(engine(press(&mut app, 'x')), []);
    assert_eq!(app.panes.len(), 1);
}

#[test]
fn g_cycles_the_colouring() {
    let mut app = app();
    let mut seen = vec![app.color_mode];
    for _ in 0..3 {
        press(&mut app, 'g');
        seen.push(app.color_mode);
    }
    assert_eq!(seen, [ColorMode::Off, ColorMode::Rank, ColorMode::Probability, ColorMode::Off]);
}

#[test]
fn export_gives_text_and_one_json_line_per_char() {
    let mut app = app();
    app.panes[2].settings.top_k = 5;
    feed(&mut app, &["ab", "cd", "e "]);
    let fx = press(&mut app, 'e');
    let [Effect::Export { text, jsonl }] = &fx[..] else { panic!("{fx:?}") };
    assert!(text.contains("=== pane 1 · 2 chars · drawn at T 0.20 ===\nKING HENRY:\nab\n"), "{text}");
    assert!(text.contains("=== pane 3 · 2 chars · drawn at T 1.50 · top-k 5 ==="), "{text}");
    // Text drawn at other settings than the current ones says so, run by run.
    app.panes[0].settings.temperature = 1.0;
    feed(&mut app, &["x", "y", "z"]);
    app.panes[0].settings.temperature = 3.0;
    let fx = press(&mut app, 'e');
    let [Effect::Export { text: t2, .. }] = &fx[..] else { panic!("{fx:?}") };
    assert!(t2.contains("=== pane 1 · 3 chars · drawn at T 0.20 (chars 1–2), T 1.00 (chars 3–3) ==="), "{t2}");
    let header = t2.lines().find(|l| l.starts_with("=== pane 1 ")).unwrap();
    assert!(!header.contains("T 3.00"), "the current T drew nothing: {header}");
    // The JSONL is tempest's one schema: a header, then a record per character, 1-based.
    let lines = super::jsonl_schema::check_file(jsonl);
    assert_eq!(lines.len(), 1 + 6);
    let h = &lines[0];
    assert_eq!(
        (h["command"].as_str(), h["seed"].as_u64(), h["coupled"].as_bool()),
        (Some("explore"), Some(7), Some(false))
    );
    assert_eq!(h["prime"].as_str(), Some(PRIME));
    assert_eq!(h["model"]["cell"], "lstm", "the model the runtime loaded: {h}");
    assert_eq!(h["streams"][2]["top_k"], 5);
    let head = jsonl.lines().next().unwrap();
    assert!(head.contains("{\"stream\":1,\"temperature\":0.2,"), "no float noise: {head}");
    let last = &lines[6];
    assert_eq!((last["stream"].as_u64(), last["pos"].as_u64(), last["char"].as_str()), (Some(3), Some(2), Some(" ")));
    assert_eq!(last["top_k"], 5, "each record carries the settings it was drawn with");
    assert_eq!(last["top"][0]["char"].as_str(), Some(" "));
    update(&mut app, Event::Exported(Ok("/tmp/x".into())));
    assert_eq!(app.status.as_ref().unwrap().text, "exported to /tmp/x");
    update(&mut app, Event::Exported(Err("disk full".into())));
    assert!(app.status.as_ref().unwrap().is_error);
}

#[test]
fn help_toggles_and_any_other_key_closes_it_and_acts() {
    let mut app = app();
    press(&mut app, '?');
    assert_eq!(app.overlay, Overlay::Help);
    press(&mut app, '?');
    assert_eq!(app.overlay, Overlay::None);
    press(&mut app, '?');
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty(), "Esc closes help, does not quit");
    assert_eq!(app.overlay, Overlay::None);
    press(&mut app, '?');
    assert_eq!(press(&mut app, 'c'), [Effect::Engine(Request::Coupled(true))]);
    assert_eq!(app.overlay, Overlay::None);
}

#[test]
fn q_esc_and_ctrl_c_quit() {
    let mut app = app();
    assert_eq!(press(&mut app, 'q'), [Effect::Quit]);
    assert_eq!(update(&mut app, key(KeyCode::Esc)), [Effect::Quit]);
    assert_eq!(update(&mut app, key_with(KeyCode::Char('c'), KeyModifiers::CONTROL)), [Effect::Quit]);
    press(&mut app, '?');
    assert_eq!(update(&mut app, key_with(KeyCode::Char('c'), KeyModifiers::CONTROL)), [Effect::Quit]);
}

#[test]
fn key_releases_are_ignored() {
    let mut app = app();
    let mut k = crossterm::event::KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    k.kind = KeyEventKind::Release;
    assert!(update(&mut app, Event::Key(k)).is_empty());
}

#[test]
fn a_click_focuses_the_pane_under_it() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut app = app();
    update(&mut app, Event::Resize(120, 40));
    let click = |column, row| {
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut app, click(100, 5));
    assert_eq!(app.focus, 2);
    update(&mut app, click(45, 1));
    assert_eq!(app.focus, 1);
    update(&mut app, click(5, 39)); // the status bar
    assert_eq!(app.focus, 1);
}
