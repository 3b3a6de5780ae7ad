//! The soak run: the real `tempest --max-speed` in a pseudo-terminal for half an hour, with a
//! sample every 10 s of its memory (VmRSS, VmHWM), the key-to-screen latency of one ↑ or ↓ on
//! pane 1, and the characters generated. Rows go to a CSV as they are taken, so a run cut short
//! still leaves its data. At the end it quits with `q` and judges the run: RSS at the end within
//! 5% of RSS after the warm-up, the process alive at every sample, no error on the status line,
//! and exit code 0. It exits 1 when any of these fails.
//!
//! `scripts/soak.sh` runs it niced. By hand:
//! `cargo bench --bench soak -- --secs 1800 --every 10 --warmup 120 --csv target/soak.csv`
//! (`--model PATH` to soak another model; `--quick` for a one-minute smoke run).

mod common;

use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};

use common::{machine, memory, quick, Stats};

#[path = "../tests/support/pty.rs"]
mod pty;
use pty::{counts, pane_title, Tempest};

/// Growth of RSS from the end of the warm-up to the end of the run that still passes.
const MAX_GROWTH_PERCENT: f64 = 5.0;

/// The value after the LAST `--name`, so options given after `scripts/soak.sh`'s defaults win.
fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().rposition(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn num(name: &str, default: u64) -> u64 {
    arg(name).map(|s| s.parse().unwrap_or_else(|_| panic!("{name} takes a whole number, got {s:?}"))).unwrap_or(default)
}

/// The status bar (the screen's last two rows), where the explorer reports errors.
fn status_error(screen: &str) -> Option<String> {
    let rows: Vec<&str> = screen.lines().collect();
    let tail = rows[rows.len().saturating_sub(2)..].join(" ");
    let lower = tail.to_lowercase();
    ["error", "failed", "stopped", "cannot"].iter().any(|w| lower.contains(w)).then(|| tail.trim().to_string())
}

fn main() {
    let quick = quick();
    // Half an hour is too long for `make bench` (`cargo bench --bench '*'`): run only when asked.
    if arg("--secs").is_none() && !quick {
        println!("soak: skipped (run scripts/soak.sh, or pass --secs N; --quick for a one-minute smoke run)");
        return;
    }
    let secs = num("--secs", if quick { 60 } else { 1800 });
    let every = num("--every", if quick { 5 } else { 10 }).max(1);
    let warmup = num("--warmup", if quick { 15 } else { 120 });
    let csv_path = arg("--csv").unwrap_or_else(|| "target/soak.csv".into());
    let model = arg("--model");
    println!("{}", machine());
    let mut args = vec!["--seed", "7", "--max-speed"];
    if let Some(m) = model.as_deref() {
        args.extend(["--model", m]);
    }
    println!(
        "soak: `tempest {}` in a 240x60 pty for {secs} s, a sample every {every} s (warm-up {warmup} s) -> {csv_path}",
        args.join(" ")
    );
    let mut csv = std::fs::File::create(&csv_path).unwrap_or_else(|e| panic!("cannot create {csv_path}: {e}"));
    writeln!(csv, "elapsed_s,rss_mib,peak_mib,latency_ms,chars_pane1,chars_pane2,chars_pane3").unwrap();

    let mut t = Tempest::start(&args, 240, 60);
    let pid = t.pid();
    t.wait_for_every("generation", Duration::from_millis(5), |s| counts(s).filter(|c| c.iter().all(|&n| n >= 50)));
    let t0: f32 = pane_title(&t.screen(), 1).and_then(|p| p.0.parse().ok()).expect("pane 1's temperature");
    let temps = [format!("{:.2}", t0 + 0.05), format!("{t0:.2}")];
    let keys = ["\x1b[A", "\x1b[B"];

    let start = Instant::now();
    let mut rows: Vec<(f64, f64, f64, f64)> = Vec::new();
    let mut problems = Vec::new();
    let mut k = 0usize;
    while start.elapsed() < Duration::from_secs(secs) {
        let next = start + Duration::from_secs(every * (rows.len() as u64 + 1));
        thread::sleep(next.saturating_duration_since(Instant::now()));
        let Some((rss, peak)) = memory(pid) else {
            problems.push(format!("the process was gone at {:.0} s", start.elapsed().as_secs_f64()));
            break;
        };
        let sent = Instant::now();
        t.press(keys[k % 2]);
        let want = temps[k % 2].clone();
        k += 1;
        let (_, seen) = t.wait_for_every("the new temperature", Duration::from_micros(200), |s| {
            pane_title(s, 1).filter(|p| p.0 == want)
        });
        let latency = (seen - sent).as_secs_f64() * 1e3;
        let screen = t.screen();
        if let Some(e) = status_error(&screen) {
            problems.push(format!("at {:.0} s the status bar showed: {e}", start.elapsed().as_secs_f64()));
        }
        let c = counts(&screen).unwrap_or_default();
        let at = start.elapsed().as_secs_f64();
        writeln!(csv, "{at:.1},{rss:.1},{peak:.1},{latency:.2},{},{},{}", c[0], c[1], c[2]).unwrap();
        csv.flush().unwrap();
        rows.push((at, rss, peak, latency));
        if rows.len().is_multiple_of(6) {
            println!(
                "  t {at:>6.0} s: RSS {rss:>6.1} MiB, peak {peak:>6.1} MiB, latency {latency:>6.1} ms, chars {c:?}"
            );
        }
    }
    let code = t.quit();
    if code != 0 {
        problems.push(format!("exit code {code}"));
    }

    let after_warmup: Vec<_> = rows.iter().filter(|r| r.0 >= warmup as f64).collect();
    assert!(
        after_warmup.len() >= 2,
        "the run was too short to judge: {} samples after the warm-up",
        after_warmup.len()
    );
    let (first, last) = (after_warmup[0], after_warmup[after_warmup.len() - 1]);
    let growth = 100.0 * (last.1 - first.1) / first.1;
    let rss_max = after_warmup.iter().map(|r| r.1).fold(0.0, f64::max);
    let peak = rows.iter().map(|r| r.2).fold(0.0, f64::max);
    let lat: Vec<f64> = rows.iter().map(|r| r.3).collect();
    println!("\n{} samples; exit code {code}", rows.len());
    println!(
        "RSS after the warm-up ({:.0} s): {:.1} MiB; at the end ({:.0} s): {:.1} MiB ({growth:+.1}%); highest after the warm-up {rss_max:.1} MiB; peak (VmHWM) {peak:.1} MiB",
        first.0, first.1, last.0, last.1
    );
    println!("key-to-screen latency: {}; p99 {:.1} ms", Stats::of(&lat).show(1, "ms"), Stats::quantile(&lat, 0.99));
    if growth.abs() > MAX_GROWTH_PERCENT {
        problems.push(format!("RSS grew {growth:+.1}% after the warm-up (limit {MAX_GROWTH_PERCENT}%)"));
    }
    if problems.is_empty() {
        println!("soak: PASSED (growth within {MAX_GROWTH_PERCENT}%, no error, exit 0)");
    } else {
        println!("soak: FAILED");
        for p in &problems {
            println!("  - {p}");
        }
        std::process::exit(1);
    }
}
