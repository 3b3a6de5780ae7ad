//! The loop panel, past loops marked in the text, and the sweep screen: snapshots and the
//! sweep's life cycle through `update` (start once, cache, stale reports ignored).

use std::sync::Arc;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use ratatui::Terminal;

use super::draw;
use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App, Effect, Event, Overlay, SweepEvent, SweepJob};
use tempest_core::sweep::{Figures, Metric, ReferenceFigures, SweepResult, SweepRow};

/// A loop the text breaks out of, then a near-loop (same words, other case and punctuation).
const BROKE_OUT: &str = "Enter KING. and so the sea, and so the sea, and so the sea, Now go! \
                         How now, my lord! how now, my lord? HOW NOW, MY LORD. Exit.";

fn fill(app: &mut App, i: usize, text: &str) {
    let t = app.panes[i].settings.temperature;
    for (k, c) in text.chars().enumerate() {
        app.panes[i].push(drawn(&app.vocab, c, t, (i * 1000 + k) as u64));
    }
}

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app)).unwrap();
    t
}

fn looped_app() -> App {
    let mut app = app();
    fill(&mut app, 0, BROKE_OUT);
    fill(&mut app, 1, "Why, then I crave the gracious lord, that he should seem to be a gentleman.");
    fill(&mut app, 2, &"and so the sea, ".repeat(5));
    app
}

#[test]
fn loops_are_kept_after_the_text_breaks_out_and_near_loops_are_apart() {
    let app = looped_app();
    let s = app.panes[0].loops().stats();
    assert_eq!((s.exact_loops, s.near_loops), (1, 1), "{:?}", app.panes[0].loops().episodes());
    assert!(app.panes[0].current_loop().is_none(), "the text broke out");
    assert_eq!(app.panes[1].loops().stats().loops(), 0);
    assert!(app.panes[2].current_loop().is_some());
}

#[test]
fn past_loops_stay_marked_in_the_text() {
    let app = looped_app();
    let t = render(&app, 120, 30);
    let buf = t.backend().buffer();
    // Find "sea," inside pane 1's text (left column) and check it is underlined.
    let mut marked = 0;
    let mut near = 0;
    for y in 0..30 {
        for x in 1..39 {
            let cell = &buf[(x, y)];
            if cell.modifier.contains(Modifier::UNDERLINED) {
                marked += 1;
                if cell.fg != ratatui::style::Color::Reset {
                    near += 1;
                }
            }
        }
    }
    assert!(marked > 40, "{marked} marked cells");
    assert!(near > 20, "{near} near-loop cells");
}

#[test]
fn loop_panel_compares_every_pane() {
    let mut app = looped_app();
    app.panes[0].settings.temperature = 0.5;
    app.panes[2].settings.temperature = 0.1;
    let fx = press(&mut app, 'L');
    assert!(fx.is_empty());
    assert!(app.loop_panel);
    assert_snapshot!("loop_panel_by_pane", render(&app, 120, 30).backend());
    press(&mut app, 'T');
    assert!(app.loop_sort_by_t);
    assert_snapshot!("loop_panel_by_temperature", render(&app, 120, 30).backend());
}

#[test]
fn the_export_lists_every_pane_s_loops() {
    let mut app = looped_app();
    let fx = press(&mut app, 'e');
    let Some(Effect::Export { text, .. }) = fx.first() else { panic!("{fx:?}") };
    let section = &text[text.find("=== loops ===").expect("a loops section")..];
    assert!(section.contains("⟳ exact"), "{section}");
    assert!(section.contains("≈ near (4 words)"), "{section}");
    assert!(section.contains("pane 2 · T 1.00 · 0 loops"), "{section}");
}

/// A finished sweep over three temperatures and two samplers with known figures.
fn result(app: &App) -> SweepResult {
    let mut spec = app.sweep_spec();
    spec.temperatures = vec![0.0, 1.0, 2.0];
    spec.samplers.truncate(2);
    let mut rows = Vec::new();
    for &t in &spec.temperatures {
        for (s, sampler) in spec.samplers.iter().enumerate() {
            let f = Figures {
                bits_per_char: Some(0.5 + t as f64 * (1.5 - 0.4 * s as f64)),
                exact_loop_share: Some(((1.0 - t as f64) * 0.9).max(0.0)),
                ..Default::default()
            };
            rows.push(SweepRow { temperature: t, sampler: sampler.name.clone(), streams: 4, figures: f });
        }
    }
    let band = tempest_core::sweep::Band {
        mean: Figures { bits_per_char: Some(1.9), ..Default::default() },
        lo: Figures { bits_per_char: Some(1.7), ..Default::default() },
        hi: Figures { bits_per_char: Some(2.1), ..Default::default() },
    };
    let reference = Some(ReferenceFigures { source: "shakespeare.txt".into(), chunk_chars: 1000, chunks: 32, band });
    SweepResult { spec, rows, reference, examples: Vec::new() }
}

fn done(app: &mut App) {
    let key = app.sweep.shown.clone().unwrap();
    let r = Arc::new(result(app));
    update(app, Event::Sweep(SweepEvent::Done { key, result: Ok(r) }));
}

#[test]
fn the_sweep_starts_once_shows_progress_and_is_cached() {
    let mut app = app();
    let fx = press(&mut app, 'S');
    assert_eq!(app.overlay, Overlay::Sweep);
    let [Effect::StartSweep { key, spec }] = fx.as_slice() else { panic!("{fx:?}") };
    assert_eq!((spec.temperatures.len(), spec.samplers.len(), spec.seeds, spec.length), (21, 3, 4, 1000));
    assert_eq!(spec.seed, app.seed);
    let key = key.clone();

    // Closing and reopening while it runs does not start another.
    update(&mut app, key_event(KeyCode::Esc));
    assert_eq!(app.overlay, Overlay::None);
    assert!(press(&mut app, 'S').is_empty());

    update(&mut app, Event::Sweep(SweepEvent::Progress { key: key.clone(), step: 250, steps: 1000, streams: 252 }));
    // A report from an older sweep changes nothing.
    update(&mut app, Event::Sweep(SweepEvent::Progress { key: "old".into(), step: 900, steps: 1000, streams: 9 }));
    assert!(matches!(app.sweep.job, SweepJob::Running { step: 250, .. }));
    assert_snapshot!("sweep_screen_running", render(&app, 100, 24).backend());

    done(&mut app);
    assert_eq!(app.sweep.job, SweepJob::Idle);
    update(&mut app, key_event(KeyCode::Esc));
    // Reopening shows the cached result at once; `r` runs it again.
    assert!(press(&mut app, 'S').is_empty());
    assert!(app.sweep.result().is_some());
    let fx = press(&mut app, 'r');
    assert!(matches!(fx.as_slice(), [Effect::StartSweep { .. }]), "{fx:?}");
    assert!(app.sweep.result().is_none());
}

#[test]
fn the_sweep_screen_draws_the_chosen_metric_with_the_human_band_and_the_panes() {
    let mut app = app();
    press(&mut app, 'S');
    done(&mut app);
    assert_eq!(app.sweep.metric(), Metric::BitsPerChar);
    assert_snapshot!("sweep_screen_bits_per_char", render(&app, 100, 24).backend());
    update(&mut app, key_event(KeyCode::Right));
    update(&mut app, key_event(KeyCode::Right));
    update(&mut app, key_event(KeyCode::Right));
    update(&mut app, key_event(KeyCode::Right));
    update(&mut app, key_event(KeyCode::Right));
    update(&mut app, key_event(KeyCode::Right));
    assert_eq!(app.sweep.metric(), Metric::ExactLoopShare);
    let screen = format!("{:?}", render(&app, 100, 24).backend());
    assert!(screen.contains("share of characters in exact loops"), "{screen}");
    // Keys for the panes do nothing while the screen is open.
    let t = app.panes[0].settings.temperature;
    press(&mut app, 'k');
    assert_eq!(app.panes[0].settings.temperature, t);
}

#[test]
fn a_failed_sweep_says_why() {
    let mut app = app();
    press(&mut app, 'S');
    let key = app.sweep.shown.clone().unwrap();
    update(&mut app, Event::Sweep(SweepEvent::Done { key, result: Err("out of memory".into()) }));
    let screen = format!("{:?}", render(&app, 100, 24).backend());
    assert!(screen.contains("sweep failed: out of memory"), "{screen}");
}

fn key_event(code: KeyCode) -> Event {
    key(code)
}
