//! The real `tempest` binary in a pseudo-terminal (README "Performance", items 3–6 as a user meets
//! them): start-up to the first generated character, key-to-screen latency, memory over a
//! max-speed run, and CPU while paused. A reader thread feeds the program's output into a vt100
//! parser; every figure is read off the parsed screen or /proc.
//!
//! `cargo bench --bench explorer` (`-- --quick` for a smoke run; `-- --memory-secs 600` for the
//! ten-minute memory run the README quotes, `-- --model PATH` to run it and the latency run on
//! another model; `-- --only startup|latency|memory|idle`; `-- --before PATH` to run the latency
//! run on another build too, alternating with this one (or with `--after PATH`), for a before/after
//! comparison in one run). The half-hour soak is `benches/soak.rs`.

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{arg, machine, memory, quick, Stats};

#[path = "../tests/support/pty.rs"]
mod pty;
use pty::{counts, pane_title, Tempest};

/// utime + stime of the whole process, in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks())
}

fn clock_ticks() -> f64 {
    // USER_HZ is 100 on every Linux this runs on; `getconf CLK_TCK` confirms it where available.
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// [4] Process start → the first generated character on screen, and → the first frame, with the
/// default prime and with a 3,000-character one (the first 3,000 characters of the held-out text).
fn startup(runs: usize) {
    println!("\n[4] start-up: spawn `tempest --seed 7` in a 160x45 pty, until the screen shows a generated character ({runs} runs each)");
    let short = first_char(&["--seed", "7"], runs, "default prime");
    let heldout = include_str!("../assets/shakespeare.heldout.txt");
    let long: String = heldout.chars().take(3000).collect();
    let with_long = first_char(&["--seed", "7", "--prime", &long], runs, "3,000-character prime");
    println!("    target <= 500 ms (default prime): {}", if short <= 500.0 { "met" } else { "NOT met" });
    let extra = with_long - short;
    println!(
        "    the long prime adds {extra:.0} ms; target <= 300 ms: {}",
        if extra <= 300.0 { "met" } else { "NOT met" }
    );
}

/// Median ms from spawning `tempest ARGS` to a generated character on screen.
fn first_char(args: &[&str], runs: usize, what: &str) -> f64 {
    let (mut first_frame, mut first_char) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Tempest::start(args, 160, 45);
        let (_, framed) = t.wait_for_every("the first frame", Duration::from_millis(1), |s| pane_title(s, 1));
        let (_, got) = t.wait_for_every("a generated character", Duration::from_millis(1), |s| {
            counts(s).filter(|c| c.iter().any(|&n| n > 0))
        });
        first_frame.push((framed - t.started).as_secs_f64() * 1e3);
        first_char.push((got - t.started).as_secs_f64() * 1e3);
        assert_eq!(t.quit(), 0);
    }
    let fc = Stats::of(&first_char);
    println!("    {what}: first frame {}", Stats::of(&first_frame).show(0, "ms"));
    println!("    {what}: first generated character {}", fc.show(0, "ms"));
    fc.median
}

/// [3, end to end] ↑/↓ on pane 1 while three panes run at max speed, until the pty's screen shows
/// the new temperature in pane 1's title.
fn latency(presses: usize, model: Option<&str>, program: &str) -> Vec<f64> {
    let mut args = vec!["--seed", "7", "--max-speed"];
    if let Some(m) = model {
        args.extend(["--model", m]);
    }
    println!(
        "\n[3] key → screen: `{program} {}` in a 240x60 pty, ↑/↓ on pane 1 ({presses} presses, 40–120 ms apart)",
        args.join(" ")
    );
    let mut t = Tempest::start_program(program, &args, &[], 240, 60);
    t.wait_for_every("generation", Duration::from_millis(5), |s| counts(s).filter(|c| c.iter().all(|&n| n >= 50)));
    let t0: f32 = pane_title(&t.screen(), 1).and_then(|p| p.0.parse().ok()).expect("pane 1's temperature");
    let (up, down) = (format!("{:.2}", t0 + 0.05), format!("{t0:.2}"));
    let mut lat = Vec::new();
    let mut rng = 12345u64;
    for k in 0..presses {
        let (key, want) = if k % 2 == 0 { ("\x1b[A", up.as_str()) } else { ("\x1b[B", down.as_str()) };
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        thread::sleep(Duration::from_millis(40 + (rng >> 33) % 80));
        let sent = Instant::now();
        t.press(key);
        let (_, seen) = t.wait_for_every("the new temperature", Duration::from_micros(200), |s| {
            pane_title(s, 1).filter(|p| p.0 == want)
        });
        // Polled every 0.2 ms (plus the time to read the screen), so this errs long by that much.
        lat.push((seen - sent).as_secs_f64() * 1e3);
    }
    let counts_end = counts(&t.screen()).unwrap_or_default();
    assert_eq!(t.quit(), 0);
    let st = Stats::of(&lat);
    println!("    latency: {}; p99 {:.1} ms", st.show(1, "ms"), Stats::quantile(&lat, 0.99));
    println!("    (characters per pane at the end: {counts_end:?})");
    lat
}

/// [5] RSS over a max-speed run of `secs` seconds, sampled every second; `model` is a path or a
/// bundled model's name (the default model when `None`).
fn memory_run(secs: u64, model: Option<&str>) {
    let early = (secs / 2).clamp(1, 60);
    let dur = secs.to_string();
    let mut args = vec!["--seed", "7", "--max-speed", "--duration", &dur];
    if let Some(m) = model {
        args.extend(["--model", m]);
    }
    println!("\n[5] memory: `tempest {}` in a 240x60 pty, VmRSS/VmHWM every second", args.join(" "));
    let mut t = Tempest::start(&args, 240, 60);
    let pid = t.pid();
    let mut samples = Vec::new();
    let start = Instant::now();
    let mut last_counts = None;
    loop {
        thread::sleep(Duration::from_secs(1));
        match memory(pid) {
            Some(m) => samples.push((start.elapsed().as_secs_f64(), m.0, m.1)),
            None => break,
        }
        if let Some(c) = counts(&t.screen()) {
            last_counts = Some(c);
        }
        if start.elapsed().as_secs() > secs + 30 {
            break;
        }
    }
    let code = t.wait_exit_within(Duration::from_secs(60)).0;
    let at = |s: f64| samples.iter().find(|x| x.0 >= s).or(samples.last()).map(|x| x.1).unwrap_or(0.0);
    let (rss_early, rss_end) =
        (at(early as f64), samples.iter().rev().nth(1).or(samples.last()).map(|x| x.1).unwrap_or(0.0));
    let peak = samples.iter().map(|x| x.2).fold(0.0, f64::max);
    let growth = 100.0 * (rss_end - rss_early) / rss_early.max(1e-9);
    println!("    exit code {code}; {} samples", samples.len());
    for s in samples.iter().filter(|s| s.0 < 2.5 || (s.0 as u64).is_multiple_of((secs / 10).max(1))) {
        println!("      t {:>5.0} s: RSS {:>6.1} MiB, peak {:>6.1} MiB", s.0, s.1, s.2);
    }
    println!("    RSS at {early} s: {rss_early:.1} MiB; at the end: {rss_end:.1} MiB ({growth:+.1}%); peak (VmHWM) {peak:.1} MiB");
    if let Some(c) = last_counts {
        let total: u64 = c.iter().sum();
        println!("    characters generated per pane: {c:?} (≈ {:.0} chars/s across panes)", total as f64 / secs as f64);
    }
    println!(
        "    target peak <= 300 MiB and flat within 5% from {early} s to the end: {}",
        if peak <= 300.0 && growth.abs() <= 5.0 { "met" } else { "NOT met" }
    );
}

/// [6] CPU while paused: utime + stime over `secs` seconds after pausing.
fn idle(secs: u64) {
    println!("\n[6] idle: `tempest` (25 ch/s) in a 160x45 pty, paused with space, CPU over {secs} s");
    let mut t = Tempest::start(&["--seed", "7"], 160, 45);
    let pid = t.pid();
    t.wait_for_every("generation", Duration::from_millis(10), |s| counts(s).filter(|c| c.iter().all(|&n| n >= 5)));
    // While running at the default pace, for comparison.
    let (c0, w0) = (cpu_seconds(pid).unwrap(), Instant::now());
    thread::sleep(Duration::from_secs(secs));
    let running = 100.0 * (cpu_seconds(pid).unwrap() - c0) / w0.elapsed().as_secs_f64();
    t.press(" ");
    t.wait_for_every("the paused status", Duration::from_millis(10), |s| s.contains("paused").then_some(()));
    thread::sleep(Duration::from_secs(1));
    let (c0, w0) = (cpu_seconds(pid).unwrap(), Instant::now());
    thread::sleep(Duration::from_secs(secs));
    let paused = 100.0 * (cpu_seconds(pid).unwrap() - c0) / w0.elapsed().as_secs_f64();
    assert_eq!(t.quit(), 0);
    println!("    running at 25 ch/s per pane: {running:.2}% of a core");
    println!(
        "    paused: {paused:.2}% of a core (resolution {:.2}% over {secs} s)",
        100.0 / clock_ticks() / secs as f64
    );
    println!("    target paused < 1%: {}", if paused < 1.0 { "met" } else { "NOT met" });
}

fn main() {
    let quick = quick();
    let only = arg("--only");
    let want = |name: &str| only.as_deref().is_none_or(|o| o == name);
    println!("{}", machine());
    println!("binary: {}", env!("CARGO_BIN_EXE_tempest"));
    if want("startup") {
        startup(if quick { 3 } else { 9 });
    }
    if want("latency") {
        let presses = if quick { 20 } else { 200 };
        let model = arg("--model");
        let this = arg("--after").unwrap_or_else(|| env!("CARGO_BIN_EXE_tempest").to_string());
        let this = this.as_str();
        match arg("--before") {
            None => {
                latency(presses, model.as_deref(), this);
            }
            Some(before) => {
                // Alternating halves, so drift in the machine's load hits both builds alike.
                let (mut old, mut new) = (Vec::new(), Vec::new());
                for _ in 0..2 {
                    old.extend(latency(presses / 2, model.as_deref(), &before));
                    new.extend(latency(presses / 2, model.as_deref(), this));
                }
                println!(
                    "\n    before ({before}): {}; p99 {:.1} ms",
                    Stats::of(&old).show(1, "ms"),
                    Stats::quantile(&old, 0.99)
                );
                println!(
                    "    this build:  {}; p99 {:.1} ms",
                    Stats::of(&new).show(1, "ms"),
                    Stats::quantile(&new, 0.99)
                );
            }
        }
    }
    if want("memory") {
        let secs = arg("--memory-secs").and_then(|s| s.parse().ok()).unwrap_or(if quick { 15 } else { 120 });
        memory_run(secs, arg("--model").as_deref());
    }
    if want("idle") {
        idle(if quick { 5 } else { 10 });
    }
}
