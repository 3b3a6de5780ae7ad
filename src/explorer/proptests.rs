//! Property tests of the explorer as a whole: random sequences of keys, mouse events, pastes,
//! resizes (1×1 and 400×120 included) and engine replies fed to `update`, each followed by `draw`
//! on a `TestBackend` of the current size. Nothing may panic, and after every event the state
//! must hold: focus on an existing pane, every temperature in its range, every history within its
//! capacity, the inspect cursor on a kept character of an existing pane.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use proptest::prelude::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::explorer::app::testutil::{batch, vocab};
use crate::explorer::app::{update, App, Effect, Event, MAX_PANES};
use crate::explorer::worker::Reply;
use tempest_core::limits;

fn key_code() -> impl Strategy<Value = KeyCode> {
    prop_oneof![
        6 => (0x20u8..0x7f).prop_map(|b| KeyCode::Char(b as char)),
        1 => prop::sample::select(vec!['é', 'ß', '\u{7}', '\u{1b}', '\u{9b}', '\u{200b}', '界', '😀']).prop_map(KeyCode::Char),
        3 => prop::sample::select(vec![
            KeyCode::Left, KeyCode::Right, KeyCode::Up, KeyCode::Down, KeyCode::Tab, KeyCode::BackTab,
            KeyCode::Enter, KeyCode::Backspace, KeyCode::Delete, KeyCode::Home, KeyCode::End,
            KeyCode::PageUp, KeyCode::PageDown, KeyCode::Insert, KeyCode::F(1), KeyCode::F(12), KeyCode::Null,
        ]),
    ]
}

fn modifiers() -> impl Strategy<Value = KeyModifiers> {
    prop_oneof![
        6 => Just(KeyModifiers::NONE),
        1 => Just(KeyModifiers::SHIFT),
        1 => Just(KeyModifiers::CONTROL),
        1 => Just(KeyModifiers::ALT),
        1 => (0u8..=0xff).prop_map(KeyModifiers::from_bits_truncate),
    ]
}

fn size() -> impl Strategy<Value = (u16, u16)> {
    prop_oneof![
        1 => Just((1, 1)),
        1 => Just((400, 120)),
        1 => Just((0, 0)),
        4 => (1u16..=400, 1u16..=120),
    ]
}

fn mouse() -> impl Strategy<Value = MouseEvent> {
    let kind = prop::sample::select(vec![
        MouseEventKind::Down(MouseButton::Left),
        MouseEventKind::Down(MouseButton::Right),
        MouseEventKind::Up(MouseButton::Left),
        MouseEventKind::Drag(MouseButton::Left),
        MouseEventKind::Moved,
        MouseEventKind::ScrollUp,
        MouseEventKind::ScrollDown,
        MouseEventKind::ScrollLeft,
    ]);
    (kind, 0u16..=u16::MAX, 0u16..=u16::MAX, modifiers()).prop_map(|(kind, column, row, modifiers)| MouseEvent {
        kind,
        column: column % 450,
        row: row % 140,
        modifiers,
    })
}

/// Text a user might paste, or a hostile clipboard: control characters, escapes, long lines.
fn paste() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(vec!['a', 'K', ' ', '\n', '\r', '\t', '\u{1b}', '[', '9', '界', '\u{0}']), 0..40)
            .prop_map(|v| v.into_iter().collect()),
        1 => (1usize..5000).prop_map(|n| "x".repeat(n)),
        1 => Just("12345678901234567890123".to_string()),
    ]
}

/// What happens next: a key, mouse event, paste, resize, or characters from the engine.
#[derive(Debug, Clone)]
enum Step {
    Event(Event),
    /// The same key `n` times, as a held key repeats: reaches the ends of every range.
    Burst(KeyEvent, usize),
    /// `n` characters for every pane, of the current generation.
    Chars(usize, u8),
    /// Characters of an older generation (a reply that raced a reset).
    Stale(usize),
    Priming(usize, usize),
    Error,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        10 => (key_code(), modifiers()).prop_map(|(c, m)| Step::Event(Event::Key(KeyEvent::new(c, m)))),
        2 => (key_code(), modifiers(), 2usize..120).prop_map(|(c, m, n)| Step::Burst(KeyEvent::new(c, m), n)),
        2 => mouse().prop_map(|m| Step::Event(Event::Mouse(m))),
        1 => paste().prop_map(|p| Step::Event(Event::Paste(p))),
        2 => size().prop_map(|(w, h)| Step::Event(Event::Resize(w, h))),
        4 => (1usize..300, any::<u8>()).prop_map(|(n, s)| Step::Chars(n, s)),
        1 => (1usize..20).prop_map(Step::Stale),
        1 => (0usize..2000, 0usize..2000).prop_map(|(a, b)| Step::Priming(a, b)),
        1 => Just(Step::Error),
    ]
}

/// `n` characters for each pane, varied by `salt`, from the test vocabulary.
fn texts(app: &App, n: usize, salt: u8) -> Vec<String> {
    let chars: Vec<char> = vocab().chars().to_vec();
    (0..app.panes.len())
        .map(|p| {
            (0..n)
                .map(|k| {
                    // Mostly a repeating phrase (so loops are found), sometimes anything.
                    let i = if (k + p) % 7 == 0 { (k * 31 + salt as usize) % chars.len() } else { (k % 5) * 3 + p };
                    chars[i % chars.len()]
                })
                .collect()
        })
        .collect()
}

fn check(app: &App, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(!app.panes.is_empty() && app.panes.len() <= MAX_PANES, "{what}: {} panes", app.panes.len());
    prop_assert!(app.focus < app.panes.len(), "{what}: focus {} of {} panes", app.focus, app.panes.len());
    for (i, p) in app.panes.iter().enumerate() {
        let t = p.settings.temperature;
        prop_assert!(limits::PANE_TEMPERATURE.contains(t), "{what}: pane {i} T {t}");
        prop_assert!(p.settings.validate().is_ok(), "{what}: pane {i} settings {:?}", p.settings);
        prop_assert!(p.history().len() <= p.capacity(), "{what}: pane {i} holds {}", p.history().len());
        prop_assert!(p.capacity() <= app.limits.history_chars, "{what}: pane {i} capacity {}", p.capacity());
        prop_assert!(p.first_pos() <= p.total());
    }
    if let Some(ins) = app.inspect {
        prop_assert!(ins.pane < app.panes.len(), "{what}: inspecting pane {}", ins.pane);
        let p = &app.panes[ins.pane];
        prop_assert!(ins.pos >= p.first_pos() && ins.pos < p.total().max(1), "{what}: cursor at {}", ins.pos);
    }
    prop_assert!(limits::SPEED.contains(app.speed.chars_per_sec), "{what}: speed {}", app.speed.chars_per_sec);
    Ok(())
}

fn run(steps: Vec<Step>, history: usize) -> Result<(), TestCaseError> {
    let mut cfg = crate::explorer::app::testutil::config();
    cfg.history.chars = history;
    let mut app = App::new(&cfg, vocab(), false);
    let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
    update(&mut app, Event::Resize(80, 24));
    for (k, s) in steps.into_iter().enumerate() {
        let what = format!("step {k} ({s:?})");
        let ev = match s {
            Step::Event(ev) => ev,
            Step::Burst(key, n) => {
                for _ in 1..n {
                    update(&mut app, Event::Key(key));
                    check(&app, &what)?;
                }
                Event::Key(key)
            }
            Step::Chars(n, salt) => {
                let t = texts(&app, n, salt);
                let refs: Vec<&str> = t.iter().map(String::as_str).collect();
                Event::Engine(batch(&app, app.generation(), &refs))
            }
            Step::Stale(n) => {
                let t = texts(&app, n, 1);
                let refs: Vec<&str> = t.iter().map(String::as_str).collect();
                Event::Engine(batch(&app, app.generation().saturating_sub(1), &refs))
            }
            Step::Priming(done, total) => Event::Engine(Reply::Priming { generation: app.generation(), done, total }),
            Step::Error => Event::Engine(Reply::Error("the engine failed".into())),
        };
        if let Event::Resize(w, h) = ev {
            term = Terminal::new(TestBackend::new(w, h)).unwrap();
        }
        let mut queue = vec![ev];
        while let Some(ev) = queue.pop() {
            for fx in update(&mut app, ev) {
                if let Effect::Export { .. } = fx {
                    queue.push(Event::Exported(Err("read-only file system".into())));
                }
            }
        }
        check(&app, &what)?;
        term.draw(|f| crate::explorer::ui::draw(f, &app)).map_err(|e| TestCaseError::fail(format!("{what}: {e}")))?;
    }
    Ok(())
}

proptest! {
    // Each case draws up to 60 frames as large as 400×120; 64 cases keep the test to seconds.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_input_never_panics_and_keeps_the_state_in_range(steps in prop::collection::vec(step(), 1..60)) {
        run(steps, 10_000)?;
    }

    /// A short history, so the oldest characters drop off while inspecting and branching.
    #[test]
    fn random_input_with_a_short_history(steps in prop::collection::vec(step(), 1..60)) {
        run(steps, 100)?;
    }
}
