//! The neuron view's cost (README "Inside the model"): generation speed at max speed with the view
//! off and on (the engine then copies the focused pane's state after every character and the app
//! keeps a 2,000-character window), and the frame render at 240x60 with the view on. In-process:
//! the real `App`, `update`, engine thread and `ui::draw` on the bundled model, three panes.
//!
//! `cargo bench --bench neurons` (`-- --quick` for a smoke run).

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{apply, machine, max_speed_app, quick, Stats};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tempest::explorer::app::{App, Event};
use tempest::explorer::worker::{worker, Reply, Request};

const W: u16 = 240;
const H: u16 = 60;

fn key(app: &mut App, c: char, engine: &mpsc::Sender<Request>) {
    apply(app, Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)), engine);
}

/// Characters per second per pane over `secs` of max-speed generation, everything applied.
fn rate(app: &mut App, rx: &mpsc::Receiver<Reply>, engine: &mpsc::Sender<Request>, secs: f64) -> f64 {
    let start_chars = app.panes[0].total();
    let t = Instant::now();
    while t.elapsed().as_secs_f64() < secs {
        if let Ok(r) = rx.recv_timeout(Duration::from_millis(50)) {
            apply(app, Event::Engine(r), engine);
        }
    }
    (app.panes[0].total() - start_chars) as f64 / t.elapsed().as_secs_f64()
}

fn main() {
    let quick = quick();
    println!("{}", machine());
    let (config, mut app, ckpt) = max_speed_app();
    app.neurons.set_layout(tempest_core::analysis::cells::UnitLayout::of(ckpt.model.spec()));
    let (tx, rx) = std::sync::mpsc::sync_channel::<Reply>(1024);
    let (engine, handle) = worker::spawn(ckpt.model, ckpt.vocab, config.history.chars, tx).unwrap();
    apply(&mut app, Event::Resize(W, H), &engine);
    for r in app.initial_requests() {
        let _ = engine.send(r);
    }
    let secs = if quick { 2.0 } else { 6.0 };
    // Warm up, then alternate off / on so drift in the machine's load hits both alike.
    rate(&mut app, &rx, &engine, 2.0);
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for _ in 0..if quick { 1 } else { 3 } {
        off.push(rate(&mut app, &rx, &engine, secs));
        key(&mut app, 'u', &engine);
        // The window's replay happens once when the view opens; measure after it.
        rate(&mut app, &rx, &engine, 1.0);
        on.push(rate(&mut app, &rx, &engine, secs));
        key(&mut app, 'u', &engine);
    }
    // Frames with the view on and a full window, the engine paused.
    key(&mut app, 'u', &engine);
    rate(&mut app, &rx, &engine, 1.0);
    key(&mut app, ' ', &engine);
    let _ = engine.send(Request::Sync(1));
    while let Ok(r) = rx.recv_timeout(Duration::from_secs(10)) {
        let done = matches!(r, Reply::Synced(1));
        apply(&mut app, Event::Engine(r), &engine);
        if done {
            break;
        }
    }
    let held = app.neurons.ring.rows.len();
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    let mut frames = Vec::new();
    for i in 0..(if quick { 100 } else { 500 }) {
        // Step the unit so every frame recolours the pane.
        key(&mut app, if i % 2 == 0 { ')' } else { '(' }, &engine);
        let t = Instant::now();
        term.draw(|f| tempest::explorer::ui::draw(f, &app)).unwrap();
        frames.push(t.elapsed().as_secs_f64() * 1e3);
    }
    drop(engine);
    drop(rx);
    let _ = handle.join();

    let (off_s, on_s) = (Stats::of(&off), Stats::of(&on));
    let drop_pct = 100.0 * (1.0 - on_s.median / off_s.median);
    println!("\n[neurons] three panes of the bundled model at max speed, {secs} s runs");
    println!("    generation, view off: {} chars/s per pane", off_s.show(0, ""));
    println!("    generation, view on:  {} chars/s per pane ({drop_pct:.1}% slower)", on_s.show(0, ""));
    let f = Stats::of(&frames);
    println!("    frame render at {W}x{H} with the view on ({held} characters held): {}", f.show(2, "ms"));
    println!(
        "    targets: speed drop <= 10%: {}; frame <= 2 ms: {}",
        if drop_pct <= 10.0 { "met" } else { "NOT met" },
        if f.median <= 2.0 { "met" } else { "NOT met" }
    );
}
