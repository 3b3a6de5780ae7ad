//! `tempest train` as a new user meets it: defaults that fit the corpus and say why, help that
//! shows every default, samples while it learns, runs that can be extended, and signals that act
//! at once. Tiny models on tiny corpora, `--threads 1`.

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

mod common;

const TIMEOUT: Duration = Duration::from_secs(240);
const TINY: &[&str] =
    &["--hidden", "32", "--embed", "8", "--layers", "1", "--seq-len", "16", "--batch", "8", "--threads", "1"];

fn corpus(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("c.txt");
    std::fs::write(&p, text).unwrap();
    p
}

fn train(args: &[&str]) -> (bool, String, String) {
    let out = Command::cargo_bin("tempest").unwrap().timeout(TIMEOUT).arg("train").args(args).output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn help_shows_a_description_and_default_for_every_setting() {
    let (ok, help, _) = train(&["--help"]);
    assert!(ok);
    for flag in
        ["--layers", "--hidden", "--embed", "--steps", "--weight-decay", "--seed", "--dropout", "--lr", "--batch"]
    {
        let at = help.find(&format!("{flag} <")).unwrap_or_else(|| panic!("{flag} in\n{help}"));
        let entry: String = help[at..].lines().skip(1).take_while(|l| !l.trim_start().starts_with("--")).collect();
        assert!(entry.trim().len() > 10, "{flag} has no description:\n{help}");
        assert!(entry.contains("default"), "{flag} shows no default: {entry}");
    }
}

#[test]
fn defaults_scale_with_the_corpus_and_the_choice_is_printed() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path(), &common::corpus_text(6000));
    let out = dir.path().join("m.safetensors");
    let (ok, stdout, stderr) = train(&[
        "--corpus",
        s(&c),
        "--out",
        s(&out),
        "--steps",
        "4",
        "--hidden",
        "32",
        "--layers",
        "1",
        "--threads",
        "1",
    ]);
    assert!(ok, "{stderr}");
    let line = stdout.lines().find(|l| l.starts_with("defaults for a")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("6,0") && line.contains("--layers, --hidden, --steps as given"), "{line}");
    assert!(line.contains("evaluated every 4 steps"), "{line}");
}

#[test]
fn epochs_count_characters_not_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // 2 bytes per character: counting bytes would double the steps.
    let text = "é".repeat(12_800);
    let c = corpus(dir.path(), &text);
    let out = dir.path().join("m.safetensors");
    let mut args = vec!["--corpus", s(&c), "--out", s(&out), "--epochs", "1", "--val-frac", "0"];
    args.extend(TINY);
    args.extend(["--eval-every", "1000", "--sample-every", "0"]);
    let (ok, stdout, stderr) = train(&args);
    assert!(ok, "{stderr}");
    // 12,800 characters / (8 × 16) per step = 100 steps.
    assert!(stdout.contains("training for 100 steps"), "{stdout}");
}

#[test]
fn samples_at_checkpoints_and_a_finished_run_can_be_extended() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path(), &common::corpus_text(6000));
    let out = dir.path().join("m.safetensors");
    let mut args = vec!["--corpus", s(&c), "--out", s(&out), "--steps", "20", "--eval-every", "10"];
    args.extend(TINY);
    args.extend(["--sample-temperature", "0.5"]);
    let (ok, stdout, stderr) = train(&args);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("sample at step 10, T 0.5:") && stdout.contains("sample at step 20, T 0.5:"), "{stdout}");

    let resume = dir.path().join("m.resume.safetensors");
    let (ok, stdout, stderr) = train(&["--resume", s(&resume), "--steps", "30", "--threads", "1"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("resuming at step 20 of 30") && stdout.contains("done: 30 steps"), "{stdout}");
    let (ok, _, stderr) = train(&["--resume", s(&resume), "--steps", "10"]);
    assert!(!ok && stderr.contains("already at step 30"), "{stderr}");
}

/// Starts a long run and waits until it has written its first resume checkpoint. `slow` steps take
/// long enough (a second or so) that a signal surely arrives in the middle of one.
fn long_run(dir: &Path, slow: bool) -> std::process::Child {
    let c = corpus(dir, &common::corpus_text(6000));
    let out = dir.join("m.safetensors");
    let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_tempest"));
    cmd.arg("train").args(["--corpus", s(&c), "--out", s(&out), "--steps", "1000000", "--checkpoint-every", "1"]);
    if slow {
        cmd.args(["--hidden", "512", "--layers", "2", "--seq-len", "200", "--batch", "64", "--threads", "1"]);
    } else {
        cmd.args(TINY);
    }
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let start = Instant::now();
    while !dir.join("m.resume.safetensors").exists() {
        assert!(start.elapsed() < TIMEOUT, "no checkpoint written");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn signal(child: &std::process::Child, sig: &str) {
    assert!(StdCommand::new("kill").args([sig, &child.id().to_string()]).status().unwrap().success());
}

#[test]
fn sigterm_stops_after_the_step_with_a_checkpoint_and_exits_143() {
    let dir = tempfile::tempdir().unwrap();
    let child = long_run(dir.path(), false);
    signal(&child, "-TERM");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("stopping after the current step"), "{stderr}");
    assert!(stderr.contains("Resume with"), "{stderr}");
}

#[test]
fn a_second_ctrl_c_stops_at_once_keeping_the_last_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = long_run(dir.path(), true);
    signal(&child, "-INT");
    // The first Ctrl-C is answered at once, in the middle of a step.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("stopping after the current step") {
        let mut line = String::new();
        assert!(std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0, "{seen}");
        seen.push_str(&line);
    }
    signal(&child, "-INT");
    let status = child.wait().unwrap();
    std::io::Read::read_to_string(&mut stderr, &mut seen).unwrap();
    let (out, stderr) = (status, seen);
    use std::os::unix::process::ExitStatusExt;
    assert!(out.code() == Some(130) || out.signal() == Some(2), "{out:?}: {stderr}");
    assert!(stderr.contains("stopping now"), "{stderr}");
    let (ok, _, stderr) =
        train(&["--resume", s(&dir.path().join("m.resume.safetensors")), "--steps", "1", "--threads", "1"]);
    // The checkpoint kept is whole: it loads, and is either at step 1 (the run is done at once) or
    // past it (so "extending" to 1 step is refused).
    assert!(ok || stderr.contains("already at step"), "{stderr}");
}

/// libgomp spins while it waits unless told otherwise, and it reads the policy before `main`: a
/// training run re-runs itself with `OMP_WAIT_POLICY=passive` (a policy the user set stands), and
/// with no held-out text the evaluation line says so rather than print NaN.
#[test]
fn training_waits_passively_and_never_prints_nan() {
    let dir = tempfile::tempdir().unwrap();
    let c = corpus(dir.path(), &"to be or not to be, that is the question\n".repeat(40));
    let out = dir.path().join("m.safetensors");
    let args = |policy: Option<&str>| {
        let mut cmd = Command::cargo_bin("tempest").unwrap();
        cmd.timeout(TIMEOUT).env_remove("OMP_WAIT_POLICY");
        if let Some(p) = policy {
            cmd.env("OMP_WAIT_POLICY", p);
        }
        cmd.args(["train", "--corpus", s(&c), "--out", s(&out), "--force", "--steps", "4", "--eval-every", "2"]);
        cmd.args(["--val-frac", "0", "--sample-every", "0", "--layers", "1", "--hidden", "16", "--threads", "2"]);
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
    };
    let chosen = args(None);
    assert!(chosen.contains("2 threads, OpenMP wait passive"), "{chosen}");
    assert!(!chosen.contains("NaN"), "{chosen}");
    assert!(chosen.contains("val – (no held-out text)"), "{chosen}");
    let users = args(Some("active"));
    assert!(users.contains("OpenMP wait active"), "{users}");
}
