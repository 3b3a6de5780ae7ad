//! `tempest train` end to end, as a user runs it: a tiny model on a tiny corpus, the files it
//! writes, the model card inside the model, the other commands reading the result, and refusals of
//! bad input with a clear message and no panic.
//!
//! Every run uses `--threads 1` and a model small enough to train in a fraction of a second of CPU.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;

mod common;
use common::corpus_text;

/// Generous: a run takes well under a second of CPU, but the machine may be busy.
const TIMEOUT: Duration = Duration::from_secs(240);

fn write_corpus(dir: &Path) -> PathBuf {
    let path = dir.join("c.txt");
    std::fs::write(&path, corpus_text(6000)).unwrap();
    path
}

fn tempest() -> Command {
    let mut cmd = Command::cargo_bin("tempest").unwrap();
    cmd.timeout(TIMEOUT);
    cmd
}

/// `tempest train` with the tiny model's flags, then `extra`.
fn train(corpus: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut cmd = tempest();
    cmd.arg("train").arg("--corpus").arg(corpus).arg("--out").arg(out);
    cmd.args(["--hidden", "32", "--embed", "8", "--layers", "1", "--seq-len", "16", "--batch", "8", "--threads", "1"]);
    cmd.args(extra);
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The run failed with exit code 1, an `error:` line containing `needle`, and no panic.
#[track_caller]
fn assert_refused(out: &Output, needle: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stdout:\n{}\nstderr:\n{stderr}", text(&out.stdout));
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in:\n{stderr}");
}

/// `(step, val_loss as printed, marked best)` of each evaluation line on stdout.
fn eval_lines(stdout: &str) -> Vec<(u64, f64, bool)> {
    stdout
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("step ")?;
            let (step, rest) = rest.split_once(": ")?;
            let val = rest.split(" · ").find_map(|p| p.strip_prefix("val "))?;
            let val = val.split_whitespace().next()?.parse().ok()?;
            Some((step.parse().ok()?, val, l.contains("best, saved")))
        })
        .collect()
}

#[test]
fn trains_a_tiny_model_and_other_commands_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_corpus(dir.path());
    let model = dir.path().join("m.safetensors");
    let started = Instant::now();
    let out = train(&corpus, &model, &["--steps", "40", "--eval-every", "20"]);
    let took = started.elapsed();
    assert_ok(&out);
    let stdout = text(&out.stdout);

    // Not a TTY: no progress bar escapes, one plain line per evaluation (steps 20 and 40).
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
    assert!(!text(&out.stderr).contains('\x1b'), "{:?}", text(&out.stderr));
    let evals = eval_lines(&stdout);
    assert_eq!(evals.iter().map(|e| e.0).collect::<Vec<_>>(), [20, 40], "{stdout}");
    assert!(evals.iter().all(|e| e.1.is_finite() && e.1 > 0.0), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("done: 40 steps")), "{stdout}");
    eprintln!("40 steps took {took:?}");

    for f in ["m.safetensors", "m.resume.safetensors", "m.loss.jsonl"] {
        assert!(dir.path().join(f).is_file(), "{f} missing");
    }
    // No temporary files left behind by the atomic writes.
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");

    // The loss curve: every line JSON with step/lr/train_loss, steps increasing, evaluations with
    // the val_loss that was printed.
    let log = std::fs::read_to_string(dir.path().join("m.loss.jsonl")).unwrap();
    let mut steps = Vec::new();
    for line in log.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let step = v["step"].as_u64().unwrap_or_else(|| panic!("no step: {line}"));
        assert!(v["lr"].as_f64().is_some_and(|lr| lr > 0.0), "{line}");
        assert!(v["train_loss"].as_f64().is_some_and(f64::is_finite), "{line}");
        if let Some(&(_, printed, _)) = evals.iter().find(|e| e.0 == step) {
            let val = v["val_loss"].as_f64().unwrap_or_else(|| panic!("eval step without val_loss: {line}"));
            assert!((val - printed).abs() <= 5.1e-5, "log {val} vs printed {printed}");
        } else {
            assert!(v.get("val_loss").is_none(), "{line}");
        }
        steps.push(step);
    }
    assert_eq!(steps, [10, 20, 30, 40], "{log}");

    // The model card: the model file is the best evaluation's, with the facts of that moment.
    let ckpt = tempest_core::model::Checkpoint::load(&model, tch::Device::Cpu).unwrap();
    let facts = ckpt.metadata.training.clone().expect("training facts in the metadata");
    let &(best_step, best_val, _) = evals.iter().rev().find(|e| e.2).expect("some evaluation was best");
    assert_eq!(facts.steps, best_step);
    assert_eq!(best_step, 40, "40 steps of a tiny model should still be improving:\n{stdout}");
    let val = facts.val_loss.expect("val_loss");
    assert!((val - best_val).abs() <= 5.1e-5, "metadata {val} vs printed {best_val}");
    assert!(facts.val_bits_per_char.is_some_and(|b| (b - val / std::f64::consts::LN_2).abs() < 1e-9));
    assert_eq!(facts.corpus, "c.txt");
    let corpus_chars = std::fs::read_to_string(&corpus).unwrap().chars().count() as u64;
    assert_eq!(facts.corpus_chars, corpus_chars);
    assert_eq!(facts.chars_seen, 40 * 8 * 16);
    assert_eq!(facts.settings["hidden"], 32);
    let spec = ckpt.model.spec();
    assert_eq!((spec.hidden, spec.embed, spec.layers), (32, 8, 1));
    let distinct = {
        let mut cs: Vec<char> = std::fs::read_to_string(&corpus).unwrap().chars().collect();
        cs.sort_unstable();
        cs.dedup();
        cs
    };
    assert_eq!(ckpt.vocab.chars(), distinct.as_slice());

    // The other commands read it.
    let out = tempest()
        .args(["sample", "--length", "50", "--seed", "3", "--threads", "1", "--prime", "The"])
        .arg("--model")
        .arg(&model)
        .output()
        .unwrap();
    assert_ok(&out);
    let sample = text(&out.stdout);
    assert!(sample.starts_with("The"), "{sample:?}");
    assert_eq!(sample.strip_suffix('\n').unwrap_or(&sample).chars().count(), 3 + 50, "{sample:?}");
    assert!(sample.chars().all(|c| c == '\n' || distinct.contains(&c)), "{sample:?}");

    let out = tempest().arg("info").arg(&model).output().unwrap();
    assert_ok(&out);
    let info = text(&out.stdout);
    assert!(info.contains("corpus      c.txt"), "{info}");
    assert!(info.contains("trained     40 steps"), "{info}");
    assert!(info.contains(&format!("val loss    {best_val:.4}")), "{info}");
}

#[test]
fn each_cell_kind_trains() {
    for cell in ["gru", "rnn"] {
        let dir = tempfile::tempdir().unwrap();
        let corpus = write_corpus(dir.path());
        let model = dir.path().join("m.safetensors");
        let out = train(&corpus, &model, &["--cell", cell, "--steps", "20", "--eval-every", "10"]);
        assert_ok(&out);
        let evals = eval_lines(&text(&out.stdout));
        assert_eq!(evals.len(), 2, "{cell}: {}", text(&out.stdout));
        // Learning happened: the held-out loss is below that of a uniform guess over the vocabulary.
        let ckpt = tempest_core::model::Checkpoint::load(&model, tch::Device::Cpu).unwrap();
        assert_eq!(ckpt.metadata.cell, cell);
        let uniform = (ckpt.vocab.len() as f64).ln();
        let val = ckpt.metadata.training.unwrap().val_loss.unwrap();
        assert!(val < uniform, "{cell}: val {val} not below uniform {uniform}");
        let out = tempest().arg("info").arg(&model).output().unwrap();
        assert_ok(&out);
        assert!(text(&out.stdout).contains(&format!("cell        {cell}")), "{}", text(&out.stdout));
    }
}

#[test]
fn bad_corpora_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("m.safetensors");
    let steps = ["--steps", "5"];

    let mut bytes = corpus_text(500).into_bytes();
    bytes[123] = 0xFF;
    let bad = dir.path().join("latin1.txt");
    std::fs::write(&bad, &bytes).unwrap();
    assert_refused(&train(&bad, &out_path, &steps), "is not UTF-8: invalid byte 0xFF at byte offset 123");

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    assert_refused(&train(&empty, &out_path, &steps), "is empty");

    // seq_len 16 needs 17 training characters; 18 characters minus 10% held out leave 16.
    let short = dir.path().join("short.txt");
    std::fs::write(&short, "To be or not to b\n").unwrap();
    assert_refused(&train(&short, &out_path, &steps), "at least seq_len + 1 = 17 are needed");

    let missing = dir.path().join("no-such-file.txt");
    let out = train(&missing, &out_path, &steps);
    assert_refused(&out, "no-such-file.txt");
    assert_refused(&out, "No such file");

    // None of these left a model behind.
    assert!(!out_path.exists());
    assert!(!dir.path().join("m.resume.safetensors").exists());
}

#[test]
fn bad_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_corpus(dir.path());
    let out_path = dir.path().join("m.safetensors");
    // Out-of-range numbers are usage errors, refused by the parser with exit code 2.
    for (flag, value, range) in [
        ("--val-frac", "0.95", "[0, 0.9)"),
        ("--lr", "0", "(0, 1)"),
        ("--epochs", "nan", "(0, 1000000]"),
        ("--weight-decay", "NaN", "[0, 10]"),
        ("--grad-clip", "nan", "[0, 1000000]"),
        ("--seq-len", "18446744073709551615", "[1, 10000]"),
        ("--batch", "18446744073709551615", "[1, 65536]"),
        ("--batch", "100000000000", "[1, 65536]"),
        ("--threads", "100000", "[1, 256]"),
        ("--eval-every", "0", "[1, 1000000000]"),
    ] {
        let mut cmd = tempest();
        let out = cmd.arg("train").arg("--corpus").arg(&corpus).arg("--out").arg(&out_path).args([flag, value]);
        let out = out.output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}:\n{stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: invalid value") && first.contains(flag), "{flag} {value}:\n{stderr}");
        assert!(first.contains(range), "{flag} {value}: no range {range} in:\n{stderr}");
    }
    // A batch the memory estimate refuses, though each number is in range.
    let mut cmd = tempest();
    cmd.arg("train").arg("--corpus").arg(&corpus).arg("--out").arg(&out_path);
    assert_refused(&cmd.args(["--batch", "65536", "--seq-len", "10000"]).output().unwrap(), "per step");
    assert_refused(
        &train(&corpus, &out_path, &["--device", "cuda"]),
        "--device cuda: this libtorch has no usable CUDA device",
    );
    assert!(!out_path.exists());
}

#[test]
fn resume_refuses_a_model_file_and_changed_settings() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_corpus(dir.path());
    let model = dir.path().join("m.safetensors");
    assert_ok(&train(&corpus, &model, &["--steps", "2"]));
    let resume = dir.path().join("m.resume.safetensors");
    assert!(resume.is_file());

    let resume_from = |ckpt: &Path, extra: &[&str]| {
        tempest().args(["train", "--threads", "1", "--resume"]).arg(ckpt).args(extra).output().unwrap()
    };
    // The model file is a valid safetensors file, but not a resume checkpoint.
    assert_refused(&resume_from(&model, &[]), "this is not a resume checkpoint (resume from MODEL.resume.safetensors)");
    // Nor is a text file anything like one.
    assert_refused(&resume_from(&corpus, &[]), "is not a valid safetensors file");
    // A run keeps the settings it started with.
    let out = resume_from(&resume, &["--hidden", "64"]);
    assert_refused(&out, "--hidden cannot be changed when resuming");
    // Only --steps may change (to extend the run); anything else alongside it is refused.
    let out = resume_from(&resume, &["--steps", "10", "--lr", "0.01"]);
    assert_refused(&out, "--lr cannot be changed when resuming");
    // A finished run resumed is still finished: nothing trained, exit 0, and the model unchanged.
    let before = std::fs::read(&model).unwrap();
    let out = resume_from(&resume, &[]);
    assert_ok(&out);
    assert!(text(&out.stdout).contains("done: 2 steps"), "{}", text(&out.stdout));
    assert_eq!(std::fs::read(&model).unwrap(), before);
}
