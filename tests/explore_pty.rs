//! The real `tempest` binary in a pseudo-terminal, on the bundled model: it draws three panes,
//! reacts to keys, pauses, steps, exports, quits with 0 and leaves the terminal as it found it.
//! A reader thread feeds everything the program writes into a vt100 parser; the tests wait (with
//! a bound) for conditions on the parsed screen rather than sleeping.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

/// Bounds a hang, not a speed: a training job may share the machine.
const PATIENCE: Duration = Duration::from_secs(90);
const ALT_SCREEN_ON: &[u8] = b"\x1b[?1049h";
const ALT_SCREEN_OFF: &[u8] = b"\x1b[?1049l";

struct Tempest {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
    /// Home, config dir and working directory: no user config is read, exports land here.
    dir: tempfile::TempDir,
}

impl Tempest {
    fn start(args: &[&str], cols: u16, rows: u16) -> Tempest {
        let pair = native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("a pty");
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tempest"));
        cmd.args(args);
        cmd.cwd(dir.path());
        cmd.env("HOME", dir.path());
        cmd.env("XDG_CONFIG_HOME", dir.path());
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        let child = pair.slave.spawn_command(cmd).expect("spawn tempest");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut rd = pair.master.try_clone_reader().unwrap();
        let (p, r) = (Arc::clone(&parser), Arc::clone(&raw));
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 8192];
            // Ends with EOF (or EIO on Linux) once the program has exited.
            while let Ok(n @ 1..) = rd.read(&mut buf) {
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Tempest { master: pair.master, writer, child, parser, raw, reader: Some(reader), dir }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits until `cond` holds for the screen text; fails with the screen if it never does.
    fn wait_for<T>(&self, what: &str, mut cond: impl FnMut(&str) -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if let Some(v) = cond(&s) {
                return v;
            }
            if start.elapsed() > PATIENCE {
                panic!("timed out waiting for {what}; the screen shows:\n{s}");
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the value read off the screen stays the same for `quiet`.
    fn wait_steady<T: PartialEq + std::fmt::Debug>(&self, what: &str, quiet: Duration, read: impl Fn(&str) -> Option<T>) -> T {
        let mut last = self.wait_for(what, &read);
        let mut since = Instant::now();
        loop {
            thread::sleep(Duration::from_millis(20));
            let now = self.wait_for(what, &read);
            if now != last {
                (last, since) = (now, Instant::now());
            } else if since.elapsed() >= quiet {
                return now;
            }
        }
    }

    /// Waits for the process to exit; returns its exit code and everything it wrote.
    fn wait_exit(&mut self) -> (u32, Vec<u8>) {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > PATIENCE {
                let _ = self.child.kill();
                panic!("tempest did not exit; the screen shows:\n{}", self.screen());
            }
            thread::sleep(Duration::from_millis(20));
        };
        self.reader.take().unwrap().join().unwrap();
        (status.exit_code(), self.raw.lock().unwrap().clone())
    }

    /// The pty's local modes, as text ("ICANON | ECHO | …"): raw mode clears ICANON and ECHO.
    fn local_flags(&self) -> String {
        format!("{:?}", self.master.get_termios().expect("termios of the pty").local_flags)
    }
}

impl Drop for Tempest {
    fn drop(&mut self) {
        if self.reader.is_some() {
            let _ = self.child.kill();
        }
    }
}

/// Pane `i`'s title, ` i · T 0.20 · 1,204 ch `, read as (temperature, characters).
fn pane_title(screen: &str, i: usize) -> Option<(String, u64)> {
    let at = screen.find(&format!(" {i} · T "))?;
    let rest = &screen[at + format!(" {i} · T ").len()..];
    // The temperature is the first word; a loop marker ("⟳ …") may follow it before the count.
    let t = rest.split_whitespace().next()?;
    let (before, _) = rest.split_once(" ch")?;
    let count = before.rsplit([' ', '·']).next()?;
    Some((t.to_string(), count.replace(',', "").parse().ok()?))
}

fn counts(screen: &str) -> Option<[u64; 3]> {
    Some([pane_title(screen, 1)?.1, pane_title(screen, 2)?.1, pane_title(screen, 3)?.1])
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn explore_runs_pauses_steps_and_restores_the_terminal() {
    // Temperatures are given explicitly so the test does not depend on config/default.toml.
    let mut t = Tempest::start(&["--seed", "7", "--temperature", "0.2", "--temperature", "1", "--temperature", "1.5"], 160, 45);
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
    let names: Vec<String> = std::fs::read_dir(t.dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().any(|n| n.starts_with("tempest-export-") && n.ends_with(".txt")), "{names:?}");
    assert!(names.iter().any(|n| n.starts_with("tempest-export-") && n.ends_with(".jsonl")), "{names:?}");

    t.press("q");
    let (code, raw) = t.wait_exit();
    assert_eq!(code, 0, "the screen showed:\n{}", t.screen());
    assert!(raw.ends_with(ALT_SCREEN_OFF), "leaving the alternate screen is the last thing written: {:?}", String::from_utf8_lossy(&raw[raw.len().saturating_sub(80)..]));
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
