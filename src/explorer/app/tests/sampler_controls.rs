//! Live sampler controls: choosing what ↑/↓ adjusts, the effect on the engine and the histogram,
//! and presets.

use crossterm::event::KeyCode;

use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, Effect, HistogramSource, Knob};
use crate::explorer::worker::Request;

#[test]
fn t_chooses_the_setting_and_arrows_change_it_for_the_next_character() {
    let mut app = app();
    feed(&mut app, &["hello", "hello", "hello"]);
    press(&mut app, ' ');
    update(&mut app, key(KeyCode::Right));
    assert_eq!(app.knob, Knob::Temperature);
    press(&mut app, 't');
    press(&mut app, 't');
    assert_eq!(app.knob, Knob::TopP);
    let before = app.histogram(40).unwrap();
    assert!(!before.truncates());
    let mut fx = Vec::new();
    for _ in 0..4 {
        fx = update(&mut app, key(KeyCode::Down));
    }
    let s = app.panes[1].settings;
    assert_eq!(s.top_p, 0.9);
    assert_eq!(s.temperature, 1.0, "T is untouched");
    assert_eq!(fx, [Effect::Engine(Request::Settings { pane: 1, settings: s })]);
    // Paused, the histogram shows the newest character re-drawn under the new settings at once.
    let after = app.histogram(40).unwrap();
    assert_eq!(after.source, HistogramSource::Live { retempered: true });
    assert!(after.truncates() && after.kept < before.kept, "{} of {}", after.kept, after.total_rows);
    assert_eq!(after.drawn, before.drawn, "the drawn character keeps its recorded p");
    // Going all the way up turns top-p off again; one more says so instead of doing nothing.
    for _ in 0..4 {
        update(&mut app, key(KeyCode::Up));
    }
    assert_eq!(app.panes[1].settings.top_p, 1.0);
    assert!(update(&mut app, key(KeyCode::Up)).is_empty());
    assert!(app.status.as_ref().unwrap().text.contains("top-p"));
}

#[test]
fn every_knob_in_turn_and_back_to_temperature() {
    let mut app = app();
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(app.knob);
        press(&mut app, 't');
    }
    assert_eq!(seen, [Knob::Temperature, Knob::TopK, Knob::TopP, Knob::MinP, Knob::RepeatPenalty]);
    assert_eq!(app.knob, Knob::Temperature);
    press(&mut app, 't');
    press(&mut app, 't');
    press(&mut app, 't');
    update(&mut app, key(KeyCode::Up));
    assert_eq!(app.panes[0].settings.min_p, 0.01);
}

#[test]
fn p_switches_all_panes_to_the_next_preset() {
    let mut app = app();
    let fx = press(&mut app, 'P');
    let want: Vec<f32> = app.presets[0].panes.iter().map(|s| s.temperature).collect();
    let got: Vec<f32> = app.panes.iter().map(|p| p.settings.temperature).collect();
    assert_eq!(got, want);
    assert!(matches!(fx.as_slice(), [Effect::Engine(Request::Reset { .. })]), "{fx:?}");
    press(&mut app, 'P');
    let second = &app.presets[1];
    assert_eq!(second.name, "same high T, three samplers");
    let settings: Vec<_> = app.panes.iter().map(|p| p.settings).collect();
    assert_eq!(settings, second.panes);
    assert!(app.status.as_ref().unwrap().text.contains("same high T"));
}

#[test]
fn log_scale_and_scrolling_keys() {
    let mut app = app();
    feed(&mut app, &["hello", "hello", "hello"]);
    press(&mut app, 'v');
    assert!(app.histogram(8).unwrap().log_scale);
    press(&mut app, '>');
    assert_eq!(app.histogram(8).unwrap().first_row, 5);
    press(&mut app, '<');
    press(&mut app, '<');
    assert_eq!(app.histogram(8).unwrap().first_row, 0);
}
