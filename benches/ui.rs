//! UI benchmarks (README "Performance", item 3), in-process: the real `App`, `update` and
//! `ui::draw` on ratatui's `TestBackend` at 240x60, fed by a real engine thread
//! (`engine::worker`) running three panes of the bundled model at max speed.
//!
//! - frame render: `Terminal::draw` of the main screen, with the engine paused and while it runs,
//!   and while inspecting (after a click) in a pane scrolled back with the wheel;
//! - key → frame: an ↑/↓ key event enters the same queue as the engine's replies; the time until a
//!   drawn frame shows pane 1's new temperature. The loop below follows the explorer's main loop
//!   (`commands/explore.rs`): one queue, everything queued is applied, a frame at most every
//!   `FRAME` unless input asks for one at once.
//!
//! `cargo bench --bench ui` (`-- --quick` for a smoke run).

mod common;

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use common::{apply, machine, max_speed_app, quick, Stats};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tempest::explorer::app::Event;
use tempest::explorer::worker::{worker, Reply, Request};

const W: u16 = 240;
const H: u16 = 60;
/// The explorer's frame interval for engine-driven redraws (`commands/explore.rs`).
const FRAME: Duration = Duration::from_millis(16);

enum Incoming {
    App(Event),
    /// A key, with when it was sent.
    Key(KeyEvent, Instant),
}

impl From<Reply> for Incoming {
    fn from(r: Reply) -> Self {
        Incoming::App(Event::Engine(r))
    }
}

fn screen_text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut s = String::with_capacity((W as usize + 1) * H as usize);
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// The temperature in pane 1's title (` 1 · T 0.20 · …`; a loop marker may follow the number).
fn pane1_temperature(screen: &str) -> Option<&str> {
    let tag = " 1 · T ";
    let at = screen.find(tag)?;
    screen[at + tag.len()..].split_whitespace().next()
}

fn main() {
    let quick = quick();
    println!("{}", machine());
    let (config, mut app, ckpt) = max_speed_app();
    // One queue for the engine's replies and the keys, as in the explorer.
    let (tx, rx) = mpsc::sync_channel::<Incoming>(256);
    let (engine, handle) = worker::spawn(ckpt.model, ckpt.vocab, config.history.chars, tx.clone()).unwrap();
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    apply(&mut app, Event::Resize(W, H), &engine);
    for r in app.initial_requests() {
        let _ = engine.send(r);
    }

    // Let the panes fill with text first, as a user would see them.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs(if quick { 2 } else { 5 }) {
        if let Ok(Incoming::App(ev)) = rx.recv_timeout(Duration::from_millis(50)) {
            apply(&mut app, ev, &engine);
        }
    }

    // --- key → frame, with the engine at max speed: first as the explorer draws (input at once),
    // then as it drew before (input waits for the next 16 ms frame slot), for comparison ---
    let presses = if quick { 30 } else { 300 };
    let mut results = Vec::new();
    for at_once in [true, false] {
        let keys = {
            let tx = tx.clone();
            thread::spawn(move || {
                let mut rng = 99u64;
                for k in 0..presses {
                    rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    thread::sleep(Duration::from_millis(30 + (rng >> 33) % 70));
                    let code = if k % 2 == 0 { KeyCode::Up } else { KeyCode::Down };
                    if tx.send(Incoming::Key(KeyEvent::new(code, KeyModifiers::NONE), Instant::now())).is_err() {
                        return;
                    }
                }
            })
        };
        let mut latencies = Vec::new();
        let mut frames_running = Vec::new();
        let mut waiting: Option<(Instant, String)> = None;
        let mut last_draw = Instant::now();
        let mut dirty = false;
        let mut urgent = false;
        let started = Instant::now();
        let mut chars_at_start = None;
        while latencies.len() < presses {
            let wake = (dirty && !urgent).then_some(last_draw + FRAME);
            let first = match wake {
                None if urgent => Err(RecvTimeoutError::Timeout),
                None => rx.recv_timeout(Duration::from_secs(10)),
                Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
            };
            let mut next = first.ok();
            while let Some(inc) = next.take() {
                match inc {
                    Incoming::App(ev) => apply(&mut app, ev, &engine),
                    Incoming::Key(k, sent) => {
                        apply(&mut app, Event::Key(k), &engine);
                        let want = format!("{:.2}", app.panes[0].settings.temperature);
                        waiting = Some((sent, want));
                        urgent = at_once;
                    }
                }
                dirty = true;
                if !(urgent || Instant::now() >= last_draw + FRAME) {
                    next = rx.try_recv().ok();
                }
            }
            if dirty && (urgent || Instant::now() >= last_draw + FRAME) {
                let t = Instant::now();
                term.draw(|f| tempest::explorer::ui::draw(f, &app)).unwrap();
                let done = Instant::now();
                frames_running.push((done - t).as_secs_f64() * 1e3);
                last_draw = done;
                dirty = false;
                urgent = false;
                if chars_at_start.is_none() {
                    chars_at_start = Some(app.panes[0].total());
                }
                if let Some((sent, want)) = &waiting {
                    if pane1_temperature(&screen_text(&term)) == Some(want.as_str()) {
                        latencies.push((done - *sent).as_secs_f64() * 1e3);
                        waiting = None;
                    }
                }
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let generated = app.panes[0].total() - chars_at_start.unwrap_or(0);
        keys.join().unwrap();
        results.push((at_once, latencies, frames_running, generated, secs));
    }

    // --- frame render with the engine paused ---
    apply(&mut app, Event::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)), &engine);
    let _ = engine.send(Request::Sync(1));
    loop {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Incoming::App(Event::Engine(Reply::Synced(1)))) => break,
            Ok(Incoming::App(ev)) => apply(&mut app, ev, &engine),
            Ok(Incoming::Key(..)) => {}
            Err(_) => panic!("the engine did not answer"),
        }
    }
    let mut frames_idle = Vec::new();
    for i in 0..(if quick { 100 } else { 500 }) {
        // Alternate two states so every frame has something to redraw.
        let k = if i % 2 == 0 { KeyCode::Up } else { KeyCode::Down };
        apply(&mut app, Event::Key(KeyEvent::new(k, KeyModifiers::NONE)), &engine);
        let t = Instant::now();
        term.draw(|f| tempest::explorer::ui::draw(f, &app)).unwrap();
        frames_idle.push(t.elapsed().as_secs_f64() * 1e3);
    }
    // Inspecting in a pane scrolled back through its history (the held view lays out from its
    // anchor, the strip and histogram show the inspected character): a click, then cursor moves.
    for _ in 0..40 {
        let wheel = MouseEvent { kind: MouseEventKind::ScrollUp, column: 10, row: 10, modifiers: KeyModifiers::NONE };
        apply(&mut app, Event::Mouse(wheel), &engine);
    }
    let click =
        MouseEvent { kind: MouseEventKind::Down(MouseButton::Left), column: 12, row: 5, modifiers: KeyModifiers::NONE };
    apply(&mut app, Event::Mouse(click), &engine);
    assert!(app.inspect.is_some(), "the click inspects a character");
    let mut frames_inspect = Vec::new();
    for i in 0..(if quick { 100 } else { 500 }) {
        let k = if i % 2 == 0 { KeyCode::Char(']') } else { KeyCode::Char('[') };
        apply(&mut app, Event::Key(KeyEvent::new(k, KeyModifiers::NONE)), &engine);
        let t = Instant::now();
        term.draw(|f| tempest::explorer::ui::draw(f, &app)).unwrap();
        frames_inspect.push(t.elapsed().as_secs_f64() * 1e3);
    }
    // And the full redraw of a fresh terminal (what a resize costs).
    let mut fresh = Vec::new();
    for _ in 0..(if quick { 20 } else { 100 }) {
        let mut t2 = Terminal::new(TestBackend::new(W, H)).unwrap();
        let t = Instant::now();
        t2.draw(|f| tempest::explorer::ui::draw(f, &app)).unwrap();
        fresh.push(t.elapsed().as_secs_f64() * 1e3);
    }

    drop(engine);
    drop(rx);
    drop(tx);
    let _ = handle.join();

    println!("\n[3] UI at {W}x{H}, three panes of the bundled model at max speed on the real engine thread");
    let (_, latencies, frames_running, generated, secs) = &results[0];
    println!(
        "    engine ran at {:.0} chars/s per pane during the key test ({generated} chars in {secs:.1} s)",
        *generated as f64 / secs
    );
    let lat = Stats::of(latencies);
    let p99 = Stats::quantile(latencies, 0.99);
    println!("    key → frame showing the new T: {}; p99 {p99:.2} ms", lat.show(2, "ms"));
    let (_, before, _, _, _) = &results[1];
    println!(
        "      (drawing input at the next 16 ms frame slot instead, as before: {}; p99 {:.2} ms)",
        Stats::of(before).show(2, "ms"),
        Stats::quantile(before, 0.99)
    );
    let running = Stats::of(frames_running);
    println!(
        "    frame render while running: {}; p99 {:.2} ms",
        running.show(2, "ms"),
        Stats::quantile(frames_running, 0.99)
    );
    let idle = Stats::of(&frames_idle);
    println!("    frame render, engine paused: {}", idle.show(2, "ms"));
    let inspect = Stats::of(&frames_inspect);
    println!("    frame render, inspecting a pane scrolled back 120 rows: {}", inspect.show(2, "ms"));
    println!("    full redraw (fresh terminal): {}", Stats::of(&fresh).show(2, "ms"));
    println!(
        "    targets: key → frame p99 <= 16 ms: {}; frame render <= 2 ms: {}",
        if p99 <= 16.0 { "met" } else { "NOT met" },
        if idle.median <= 2.0 && running.median <= 2.0 && inspect.median <= 2.0 { "met" } else { "NOT met" }
    );
}
