//! The hint bar of a scored pane offers only keys that act there: each hinted key, pressed in a
//! scored pane in that mode, changes the state or asks for something, and is never refused.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::explorer::app::keymap::{hints, key_name, KEYMAP};
use crate::explorer::app::scored::READ_ONLY;
use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App, Event, Inspect, Mode};

const TEXT: &str = "one two three\nfour five six\nseven eight nine\n";

/// Two generating panes and a scored `TEXT`, focused, in `mode` (inspecting "five", with a
/// middle row of its histogram picked).
fn scored_in(mode: Mode) -> App {
    let mut app = app();
    app.panes.truncate(2);
    update(&mut app, Event::Resize(100, 30));
    feed(&mut app, &["the king", "a fool!\n"]);
    score_file(&mut app, "t.txt", TEXT, |k| 3 * k, ('W', 3));
    if mode != Mode::Running {
        press(&mut app, ' ');
    }
    if mode == Mode::Inspect {
        press(&mut app, '[');
        let pos = TEXT.find("five").unwrap() as u64 + 1;
        app.inspect = Some(Inspect { pane: app.focus, pos, selected: 4 });
    }
    assert_eq!((app.mode(), app.scored_focus()), (mode, true));
    app
}

/// The key events a hint's keys stand for in `mode` ("[/]" → `[` and `]`).
fn hinted_keys(keys: &str, mode: Mode) -> Vec<KeyEvent> {
    let names: Vec<&str> = keys.split(['/', ' ']).filter(|n| !n.is_empty()).collect();
    names
        .iter()
        .map(|name| {
            let k = KEYMAP
                .iter()
                .flat_map(|r| r.bind)
                .filter(|b| b.when.holds(mode))
                .flat_map(|b| b.keys)
                .find(|k| key_name(**k) == *name)
                .unwrap_or_else(|| panic!("{mode:?}: hinted key {name:?} is not bound"));
            let m = if k.shift { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
            KeyEvent::new(k.code, m)
        })
        .collect()
}

/// The state apart from the last message.
fn state(app: &App) -> String {
    let mut a = app.clone();
    a.status = None;
    format!("{a:?}")
}

#[test]
fn every_key_the_hint_bar_offers_in_a_scored_pane_acts_there() {
    for mode in [Mode::Running, Mode::Paused, Mode::Inspect] {
        for h in hints(mode, true) {
            for k in hinted_keys(h.keys, mode) {
                let mut app = scored_in(mode);
                let before = state(&app);
                let fx = update(&mut app, Event::Key(k));
                let what = format!("{mode:?}: hint \"{} {}\", key {:?}", h.keys, h.text, k.code);
                if let Some(s) = &app.status {
                    assert!(!s.is_error && s.text != READ_ONLY && !s.text.contains("read-only"), "{what}: {s:?}");
                }
                assert!(!fx.is_empty() || state(&app) != before, "{what} did nothing");
            }
        }
    }
}

#[test]
fn a_scored_pane_hints_no_settings_step_or_branch_and_a_generating_one_does() {
    let texts = |app: &App| {
        hints(app.mode(), app.scored_focus()).iter().map(|h| format!("{} {}", h.keys, h.text)).collect::<Vec<_>>()
    };
    let mut app = scored_in(Mode::Inspect);
    let scored = texts(&app);
    for refused in ["enter branch", ". step", "</> pick"] {
        assert!(!scored.iter().any(|h| h == refused), "{refused:?} offered in a scored pane: {scored:?}");
    }
    // Focus a generating pane: its hints are back.
    update(&mut app, key(KeyCode::Esc));
    update(&mut app, key(KeyCode::Left));
    assert!(!app.scored_focus());
    let generating = texts(&app);
    assert!(generating.iter().any(|h| h == "↑/↓ T") && generating.iter().any(|h| h == ". step"), "{generating:?}");
}
