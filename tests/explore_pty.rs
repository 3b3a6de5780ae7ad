//! The real `tempest` binary in a pseudo-terminal, on the bundled model: it draws three panes,
//! reacts to keys, pauses, steps, exports, quits with 0 and leaves the terminal as it found it.
//! A reader thread feeds everything the program writes into a vt100 parser; the tests wait (with
//! a bound) for conditions on the parsed screen rather than sleeping.

use std::path::Path;
use std::time::Duration;

#[path = "support/pty.rs"]
mod pty;
use pty::{counts, pane_title, Tempest};

const ALT_SCREEN_ON: &[u8] = b"\x1b[?1049h";
const ALT_SCREEN_OFF: &[u8] = b"\x1b[?1049l";

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn explore_runs_pauses_steps_and_restores_the_terminal() {
    // Temperatures are given explicitly so the test does not depend on config/default.toml.
    let mut t =
        Tempest::start(&["--seed", "7", "--temperature", "0.2", "--temperature", "1", "--temperature", "1.5"], 160, 45);
    // All three panes generating: each title counts characters, and the prime shows in each.
    let c = t.wait_for("text in all three panes", |s| counts(s).filter(|c| c.iter().all(|&n| n >= 20)));
    let screen = t.screen();
    assert!(screen.matches("KING HENRY").count() >= 3 || c.iter().any(|&n| n > 500), "{screen}");
    assert_eq!(pane_title(&screen, 1).unwrap().0, "0.20", "{screen}");
    assert!(!t.local_flags().contains("ICANON"), "raw mode while running: {}", t.local_flags());
    assert!(t.parser.lock().unwrap().screen().alternate_screen());

    // ↑ raises the focused (first) pane's temperature by one step.
    t.press("\x1b[A");
    t.wait_for("T 0.25 in pane 1's title", |s| pane_title(s, 1).filter(|p| p.0 == "0.25"));

    // Space pauses; once the counts stop moving, `.` adds exactly one character to each pane.
    t.press(" ");
    t.wait_for("the status to say paused", |s| s.contains(" paused ·").then_some(()));
    let before = t.wait_steady("counts to settle", Duration::from_millis(400), counts);
    t.press(".");
    let want = before.map(|n| n + 1);
    t.wait_for("one more character per pane", |s| counts(s).filter(|c| *c == want));
    let after = t.wait_steady("counts to settle", Duration::from_millis(400), counts);
    assert_eq!(after, want, "a step while paused draws exactly one character");

    // `e` exports the panes into the working directory.
    t.press("e");
    t.wait_for("the export message", |s| s.contains("exported to").then_some(()));
    let names: Vec<String> = std::fs::read_dir(t.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.starts_with("tempest-export-") && n.ends_with(".txt")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("tempest-export-") && n.ends_with(".jsonl")), "{names:?}");

    t.press("q");
    let (code, raw) = t.wait_exit();
    assert_eq!(code, 0, "the screen showed:\n{}", t.screen());
    assert!(
        raw.ends_with(ALT_SCREEN_OFF),
        "leaving the alternate screen is the last thing written: {:?}",
        String::from_utf8_lossy(&raw[raw.len().saturating_sub(80)..])
    );
    let parser = t.parser.lock().unwrap();
    assert!(!parser.screen().alternate_screen(), "back on the main screen");
    assert_eq!(format!("{:?}", parser.screen().mouse_protocol_mode()), "None", "mouse capture is off");
    assert!(!parser.screen().hide_cursor(), "the cursor is visible");
    drop(parser);
    let flags = t.local_flags();
    assert!(flags.contains("ICANON") && flags.contains("ECHO"), "raw mode is off: {flags}");
}

#[test]
fn a_small_terminal_gets_a_message_and_q_still_quits() {
    let mut t = Tempest::start(&["--seed", "1"], 40, 10);
    t.wait_for("the too-small message", |s| s.contains("too small").then_some(()));
    t.press("q");
    let (code, raw) = t.wait_exit();
    assert_eq!(code, 0);
    assert!(raw.ends_with(ALT_SCREEN_OFF));
}

#[test]
fn a_bad_model_or_config_fails_before_touching_the_terminal() {
    let missing = Path::new("/nonexistent/model.safetensors");
    let mut t = Tempest::start(&["--model", missing.to_str().unwrap()], 100, 30);
    let (code, raw) = t.wait_exit();
    let text = String::from_utf8_lossy(&raw);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("/nonexistent/model.safetensors") && text.contains("error"), "{text}");
    assert!(!contains(&raw, ALT_SCREEN_ON) && !contains(&raw, b"\x1b[?1000h"), "{text:?}");
    assert!(!text.contains("panicked"), "{text}");

    let mut t = Tempest::start(&["--config", "no-such-config.toml"], 100, 30);
    let (code, raw) = t.wait_exit();
    let text = String::from_utf8_lossy(&raw);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("no-such-config.toml") && !contains(&raw, ALT_SCREEN_ON), "{text:?}");

    let mut t = Tempest::start(&["--prime", "KING ☃"], 100, 30);
    let (code, raw) = t.wait_exit();
    let text = String::from_utf8_lossy(&raw);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("prime") && !contains(&raw, ALT_SCREEN_ON), "{text:?}");
}

/// The character the pty's screen shows at (`col`, `row`), both 0-based.
fn cell(t: &Tempest, col: u16, row: u16) -> String {
    t.parser.lock().unwrap().screen().cell(row, col).map(|c| c.contents()).unwrap_or_default()
}

/// The histogram's title line (`┌ character 1 of pane 2 · …`).
fn histogram_title(screen: &str) -> Option<String> {
    screen.lines().find(|l| l.contains(" of pane ") && l.starts_with('┌')).map(str::to_string)
}

#[test]
fn a_click_inspects_a_character_and_top_p_keys_change_the_title_and_histogram() {
    // 120 columns: three panes of 40 (pane 2's text starts at column 41) above the histogram.
    let mut t =
        Tempest::start(&["--seed", "7", "--temperature", "0.2", "--temperature", "1", "--temperature", "1.5"], 120, 40);
    t.wait_for("text in pane 2", |s| counts(s).filter(|c| c[1] >= 20));
    // Row 1 is the prime `KING HENRY:↵`; the first generated character is at row 2, column 41.
    let clicked = cell(&t, 41, 2);
    assert!(!clicked.is_empty(), "{}", t.screen());
    // An SGR mouse press and release at 1-based (42, 3), as a terminal sends a left click.
    t.press("\x1b[<0;42;3M\x1b[<0;42;3m");
    t.wait_for("the click to pause", |s| s.contains(" paused ·").then_some(()));
    let glyph = match clicked.as_str() {
        " " => "␣".to_string(),
        other => other.to_string(),
    };
    let title = t.wait_for("the histogram of the clicked character", |s| {
        histogram_title(s).filter(|l| l.contains("character 1 of pane 2 · as drawn at T 1.00"))
    });
    let screen = t.screen();
    assert!(screen.contains(&format!("drew {glyph} ")), "footer names {glyph:?}:\n{screen}\n{title}");
    assert!(screen.contains("top 5 of char 1 in pane 2:"), "the alternatives strip:\n{screen}");
    assert_eq!(pane_title(&screen, 2).unwrap().0, "1.00", "{screen}");
    let before: Vec<String> =
        screen.lines().filter(|l| l.starts_with("│ ") && l.contains('%')).map(String::from).collect();

    // Leave inspect, choose top-p with `t` (T → top-k → top-p) and lower it with ↓, still paused.
    t.press("\x1b");
    t.wait_for("inspect to close", |s| s.contains("←/→ focus").then_some(()));
    t.press("tt");
    t.wait_for("the hint bar to name top-p", |s| s.contains("↑/↓ top-p").then_some(()));
    for _ in 0..6 {
        t.press("\x1b[B");
    }
    // 1 → 0.99 → 0.98 → 0.95 → 0.9 → 0.85 → 0.8.
    let screen = t.wait_for("top-p 0.80 in pane 2's title", |s| s.contains("▸top-p 0.80").then(|| s.to_string()));
    let title = histogram_title(&screen).unwrap();
    assert!(title.contains("re-tempered at T 1.00 · top-p 0.80 (drawn at T 1.00)"), "{title}");
    // The footer gives how many characters the nucleus keeps: fewer than the whole vocabulary.
    let kept = screen.split("kept ").nth(1).and_then(|r| r.split('/').next()).and_then(|n| n.parse::<usize>().ok());
    assert!(kept.is_some_and(|k| (1..84).contains(&k)), "the footer gives the kept count:\n{screen}");
    let after: Vec<String> =
        screen.lines().filter(|l| l.starts_with("│ ") && l.contains('%')).map(String::from).collect();
    assert_ne!(before, after, "the rows changed");
    assert_eq!(t.quit(), 0);
}
