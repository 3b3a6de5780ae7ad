//! However the explorer ends, the terminal is given back: killed with SIGTERM, or by a panic in
//! its event loop (forced through the hidden `TEMPEST_TEST_PANIC=event-loop` hook). Each run
//! checks, in the pty's output and its termios, that the alternate screen was left, mouse
//! capture and bracketed paste turned off, the cursor shown, and raw mode switched off.

use std::time::Duration;

#[path = "support/pty.rs"]
mod pty;
use pty::{counts, Tempest};

const ALT_SCREEN_ON: &[u8] = b"\x1b[?1049h";
const ALT_SCREEN_OFF: &[u8] = b"\x1b[?1049l";
const CURSOR_SHOWN: &[u8] = b"\x1b[?25h";
const PASTE_OFF: &[u8] = b"\x1b[?2004l";

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Everything the restore must have written after the program last entered the alternate screen,
/// and the state of the pty afterwards.
fn assert_restored(t: &Tempest, raw: &[u8], what: &str) {
    let entered = find(raw, ALT_SCREEN_ON).unwrap_or_else(|| panic!("{what}: never entered the alternate screen"));
    let tail = &raw[entered..];
    for (seq, name) in [
        (ALT_SCREEN_OFF, "leave the alternate screen"),
        (CURSOR_SHOWN, "show the cursor"),
        (PASTE_OFF, "bracketed paste off"),
    ] {
        assert!(find(tail, seq).is_some(), "{what}: no {name} ({:?}) after entering", String::from_utf8_lossy(seq));
    }
    let parser = t.parser.lock().unwrap();
    assert!(!parser.screen().alternate_screen(), "{what}: back on the main screen");
    assert_eq!(format!("{:?}", parser.screen().mouse_protocol_mode()), "None", "{what}: mouse capture is off");
    assert!(!parser.screen().hide_cursor(), "{what}: the cursor is visible");
    drop(parser);
    let flags = t.local_flags();
    assert!(flags.contains("ICANON") && flags.contains("ECHO"), "{what}: raw mode is off: {flags}");
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    let mut t = Tempest::start(&["--seed", "7", "--max-speed"], 120, 40);
    t.wait_for("generation", |s| counts(s).filter(|c| c.iter().all(|&n| n >= 20)));
    assert!(!t.local_flags().contains("ICANON"), "raw mode while running");
    let status = std::process::Command::new("kill").args(["-TERM", &t.pid().to_string()]).status().unwrap();
    assert!(status.success());
    let (code, raw) = t.wait_exit_within(Duration::from_secs(30));
    assert_eq!(code, 128 + 15, "exit code after SIGTERM");
    assert_restored(&t, &raw, "SIGTERM");
}

#[test]
fn a_panic_in_the_event_loop_restores_the_terminal_then_reports() {
    let mut t = Tempest::start_with_env(&["--seed", "7"], &[("TEMPEST_TEST_PANIC", "event-loop")], 120, 40);
    let (code, raw) = t.wait_exit_within(Duration::from_secs(60));
    assert_eq!(code, 101, "a panic exits with Rust's panic code");
    assert_restored(&t, &raw, "panic");
    // The message comes after the restore, so it lands on the normal screen and stays readable.
    let left = find(&raw, ALT_SCREEN_OFF).unwrap();
    let message = find(&raw, b"a panic in the event loop, as asked").expect("the panic message is shown");
    assert!(message > left, "the panic message was written after leaving the alternate screen");
    assert!(t.screen().contains("a panic in the event loop"), "and is on the screen:\n{}", t.screen());
}
