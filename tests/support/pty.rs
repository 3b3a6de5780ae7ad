//! The real `tempest` binary in a pseudo-terminal, shared by the end-to-end tests
//! (`tests/explore_pty.rs`) and the explorer benchmark (`benches/explorer.rs`), which include this
//! file with `#[path]` since tests and benches are separate crates.
//!
//! A reader thread feeds everything the program writes into a vt100 parser (and keeps the raw
//! bytes); callers wait, with a bound, for conditions on the parsed screen rather than sleeping.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

/// Bounds a hang, not a speed: other work may share the machine.
pub const PATIENCE: Duration = Duration::from_secs(120);

pub struct Tempest {
    pub master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    pub parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    /// Texts to look for on every frame (see [`Tempest::watch`]), and whether one showed them.
    watches: Arc<Mutex<Vec<(String, bool)>>>,
    reader: Option<JoinHandle<()>>,
    /// When the process was spawned, for start-up timings.
    pub started: Instant,
    /// Home, config dir and working directory: no user config is read, exports land here.
    pub dir: tempfile::TempDir,
}

impl Tempest {
    pub fn start(args: &[&str], cols: u16, rows: u16) -> Tempest {
        Tempest::start_with_env(args, &[], cols, rows)
    }

    /// As [`Tempest::start`], with extra environment variables.
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Tempest {
        Tempest::start_program(env!("CARGO_BIN_EXE_tempest"), args, env, cols, rows)
    }

    /// As [`Tempest::start_with_env`], running `program` (another build of tempest, for a
    /// before/after comparison in one benchmark run).
    pub fn start_program(program: &str, args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Tempest {
        let pair = native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("a pty");
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.cwd(dir.path());
        cmd.env("HOME", dir.path());
        cmd.env("XDG_CONFIG_HOME", dir.path());
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn tempest");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let watches: Arc<Mutex<Vec<(String, bool)>>> = Arc::new(Mutex::new(Vec::new()));
        let mut rd = pair.master.try_clone_reader().unwrap();
        let (p, r, w) = (Arc::clone(&parser), Arc::clone(&raw), Arc::clone(&watches));
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 65536];
            // Ends with EOF (or EIO on Linux) once the program has exited.
            while let Ok(n @ 1..) = rd.read(&mut buf) {
                // Frame by frame (ratatui ends each one by hiding the cursor), so a watched text
                // is seen even on a frame that a later one in the same read overwrote.
                for frame in frames(&buf[..n]) {
                    let mut parser = p.lock().unwrap();
                    parser.process(frame);
                    let mut watches = w.lock().unwrap();
                    if watches.iter().any(|(_, seen)| !seen) {
                        let screen = parser.screen().contents();
                        for (text, seen) in watches.iter_mut() {
                            *seen |= screen.contains(text.as_str());
                        }
                    }
                }
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Tempest { master: pair.master, writer, child, parser, raw, watches, reader: Some(reader), started, dir }
    }

    /// From now on, checks every frame drawn for `text`; [`Tempest::seen`] tells whether one had
    /// it. For states too short-lived to catch by polling the screen.
    pub fn watch(&self, text: &str) {
        self.watches.lock().unwrap().push((text.to_string(), false));
    }

    /// Whether a frame drawn since [`Tempest::watch`]`(text)` showed `text`.
    pub fn seen(&self, text: &str) -> bool {
        self.watches.lock().unwrap().iter().any(|(t, seen)| t == text && *seen)
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("a pid")
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Polls the parsed screen every `every` until `cond` holds; returns the value and when it was
    /// first seen. Fails with the screen if it never holds.
    pub fn wait_for_every<T>(
        &self,
        what: &str,
        every: Duration,
        mut cond: impl FnMut(&str) -> Option<T>,
    ) -> (T, Instant) {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if let Some(v) = cond(&s) {
                return (v, Instant::now());
            }
            if start.elapsed() > PATIENCE {
                panic!("timed out waiting for {what}; the screen shows:\n{s}");
            }
            thread::sleep(every);
        }
    }

    pub fn wait_for<T>(&self, what: &str, cond: impl FnMut(&str) -> Option<T>) -> T {
        self.wait_for_every(what, Duration::from_millis(20), cond).0
    }

    /// Waits until the value read off the screen stays the same for `quiet`.
    pub fn wait_steady<T: PartialEq + std::fmt::Debug>(
        &self,
        what: &str,
        quiet: Duration,
        read: impl Fn(&str) -> Option<T>,
    ) -> T {
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

    /// Waits up to `limit` for the process to exit; returns its exit code and everything it wrote.
    pub fn wait_exit_within(&mut self, limit: Duration) -> (u32, Vec<u8>) {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("tempest did not exit within {limit:?}; the screen shows:\n{}", self.screen());
            }
            thread::sleep(Duration::from_millis(10));
        };
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        (status.exit_code(), self.raw.lock().unwrap().clone())
    }

    pub fn wait_exit(&mut self) -> (u32, Vec<u8>) {
        self.wait_exit_within(PATIENCE)
    }

    /// Presses `q` and returns the exit code.
    pub fn quit(mut self) -> u32 {
        self.press("q");
        self.wait_exit().0
    }

    /// The pty's local modes, as text ("ICANON | ECHO | …"): raw mode clears ICANON and ECHO.
    pub fn local_flags(&self) -> String {
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

/// `bytes` cut after each "hide the cursor", which ratatui sends at the end of every frame.
fn frames(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    const HIDE: &[u8] = b"\x1b[?25l";
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = rest.windows(HIDE.len()).position(|w| w == HIDE).map_or(rest.len(), |i| i + HIDE.len());
        let (frame, tail) = rest.split_at(cut);
        rest = tail;
        Some(frame)
    })
}

/// Pane `i`'s title, ` i · T 0.20 · 1,204 ch ` (a loop marker may come between), read as
/// (temperature, characters).
pub fn pane_title(screen: &str, i: usize) -> Option<(String, u64)> {
    let tag = format!(" {i} · T ");
    let at = screen.find(&tag)?;
    let line = screen[at + tag.len()..].lines().next()?;
    let t = line.split_whitespace().next()?;
    let (before, _) = line.split_once(" ch")?;
    let count = before.rsplit([' ', '·']).next()?;
    Some((t.to_string(), count.replace(',', "").parse().ok()?))
}

/// Characters generated in panes 1..=3, once all three titles are on screen.
pub fn counts(screen: &str) -> Option<[u64; 3]> {
    Some([pane_title(screen, 1)?.1, pane_title(screen, 2)?.1, pane_title(screen, 3)?.1])
}
