//! A long prime must neither stall the explorer nor hold it hostage: the engine reports its
//! progress while it feeds the prime, drops a prime that a newer reset replaces, and ends at once
//! when the app goes away (so `q`, SIGTERM and `--duration` take effect within a frame or two).
//! Runs on the bundled model, where feeding a character costs what it costs a user.

#[path = "support/pty.rs"]
mod pty;

use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use tempest::explorer::worker::{worker, Reply, Request};
use tempest_core::model::UnknownPolicy;
use tempest_core::sampling::SamplerSettings;

/// Far longer than any test waits: fed a character at a time it takes minutes.
const LONG: usize = 100_000;
/// Only bounds a hang on a loaded machine; before the prime could be abandoned these waits took
/// the whole prime (tens of seconds at least).
const QUICK: Duration = Duration::from_secs(3);

fn long_text() -> String {
    "Now is the winter of our discontent\nMade glorious summer by this sun of York;\n".repeat(LONG / 60)
}

fn reset(generation: u64, prime: Vec<u32>) -> Request {
    Request::Reset {
        generation,
        prime,
        panes: vec![SamplerSettings::with_temperature(1.0); 3],
        seed: 1,
        coupled: false,
    }
}

#[test]
fn the_engine_reports_progress_and_stops_feeding_when_the_app_quits() {
    let ckpt = tempest_core::assets::load_model(None).unwrap();
    let ids = ckpt.vocab.encode(&long_text(), UnknownPolicy::Error).unwrap();
    let (reply_tx, rx) = std::sync::mpsc::sync_channel::<tempest::explorer::worker::Reply>(256);
    let (tx, handle) = worker::spawn(ckpt.model, ckpt.vocab, 1000, reply_tx).unwrap();
    tx.send(reset(1, ids)).unwrap();
    tx.send(Request::Run { chars_per_sec: None }).unwrap();
    let (done, total) = loop {
        match rx.recv_timeout(pty::PATIENCE).expect("a progress report") {
            Reply::Priming { generation: 1, done, total } => break (done, total),
            Reply::Stepped(_) => panic!("the long prime finished before any progress was reported"),
            _ => {}
        }
    };
    assert!(done > 0 && done < total && total >= LONG, "{done} of {total}");
    let quit = Instant::now();
    drop(tx);
    // Keep the reply queue drained, as the app's forwarder does until it is gone.
    while !handle.is_finished() {
        assert!(quit.elapsed() < QUICK, "the engine still feeds the prime after the app has gone");
        match rx.recv_timeout(Duration::from_millis(5)) {
            Ok(_) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    handle.join().unwrap();
}

#[test]
fn a_new_reset_replaces_a_prime_still_being_fed() {
    let ckpt = tempest_core::assets::load_model(None).unwrap();
    let long = ckpt.vocab.encode(&long_text(), UnknownPolicy::Error).unwrap();
    let short = ckpt.vocab.encode("ROMEO:", UnknownPolicy::Error).unwrap();
    let (reply_tx, rx) = std::sync::mpsc::sync_channel::<tempest::explorer::worker::Reply>(256);
    let (tx, _handle) = worker::spawn(ckpt.model, ckpt.vocab, 1000, reply_tx).unwrap();
    tx.send(reset(1, long)).unwrap();
    tx.send(Request::Pause).unwrap();
    tx.send(reset(2, short)).unwrap();
    let sent = Instant::now();
    tx.send(Request::Step).unwrap();
    loop {
        match rx.recv_timeout(pty::PATIENCE).expect("a reply") {
            Reply::Stepped(b) => {
                assert_eq!(b.generation, 2, "only the newest reset produces text");
                break;
            }
            Reply::Error(e) => panic!("{e}"),
            _ => {}
        }
    }
    assert!(sent.elapsed() < QUICK, "the first character waited for the abandoned prime: {:?}", sent.elapsed());
}

fn long_prime_config(dir: &std::path::Path) -> String {
    let path = dir.join("long-prime.toml");
    let toml = format!("prime = {:?}\n", long_text());
    std::fs::write(&path, toml).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn duration_and_q_act_at_once_during_a_long_prime() {
    let dir = tempfile::tempdir().unwrap();
    let config = long_prime_config(dir.path());

    let mut t = pty::Tempest::start(&["--config", &config, "--duration", "1"], 100, 30);
    t.wait_for("the prime's progress", |s| s.contains("feeding the prime").then_some(()));
    let (code, _) = t.wait_exit_within(QUICK);
    assert_eq!(code, 0, "--duration ends the session during a long prime");

    let mut t = pty::Tempest::start(&["--config", &config], 100, 30);
    t.wait_for("the prime's progress", |s| s.contains("feeding the prime").then_some(()));
    t.press("q");
    let (code, _) = t.wait_exit_within(QUICK);
    assert_eq!(code, 0);

    let mut t = pty::Tempest::start(&["--config", &config], 100, 30);
    t.wait_for("the prime's progress", |s| s.contains("feeding the prime").then_some(()));
    let pid = t.pid() as i32;
    std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    let (code, _) = t.wait_exit_within(QUICK);
    assert_eq!(code, 143, "SIGTERM during a long prime exits as a terminated process");
}
