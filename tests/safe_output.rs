//! What tempest prints is safe and honest: nothing from a file reaches the terminal as a control
//! sequence, a model whose arithmetic overflows stops with an error instead of printing garbage
//! with exit 0, output that cannot be written is an error, and every out-of-range number on the
//! command line is a one-line usage error (exit code 2).

mod common;

use std::path::Path;
use std::time::Duration;

use common::{run, tempest, write_file, RawModel};

const VOCAB: &str = "\n !',.?abcdehilnorstuw";

/// A model whose metadata names `corpus_name`; with `huge_head`, its output layer's weights and
/// biases are all 3e38: finite, so the file loads, but a logit is 3e38 * (1 + sum of h), which
/// overflows float32 as soon as the hidden state sums above 0.14.
fn crafted_model(dir: &Path, corpus_name: &str, huge_head: bool) -> std::path::PathBuf {
    let mut raw = RawModel::random("lstm", 1, 8, 4, VOCAB, 7);
    for (name, _, data) in &mut raw.tensors {
        if huge_head && name.starts_with("head.") {
            data.iter_mut().for_each(|v| *v = 3.0e38);
        }
    }
    let mut meta = raw.metadata();
    meta["training"] = serde_json::json!({
        "corpus": corpus_name, "corpus_chars": 10, "steps": 1, "chars_seen": 10, "wall_seconds": 1.0,
        "train_loss": null, "val_loss": null, "val_bits_per_char": null,
    });
    let path = dir.join("crafted.safetensors");
    write_file(&path, &raw.entries(), Some(&meta.to_string()));
    path
}

#[test]
fn info_escapes_control_characters_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = crafted_model(dir.path(), "\u{1b}]0;pwned\u{7}\u{1b}[31mred\u{9b}2J", false);
    let r = run(tempest().arg("info").arg(&model));
    r.assert_ok();
    let bad: Vec<char> = r.stdout.chars().filter(|&c| c.is_control() && c != '\n').collect();
    assert!(bad.is_empty(), "control characters reached stdout: {bad:?}\n{}", r.stdout);
    assert!(r.stdout.contains("pwned"), "the text itself is still shown:\n{}", r.stdout);
}

#[test]
fn non_finite_logits_stop_sample_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // Finite weights (so the file loads) that overflow float32 in the output layer.
    let model = crafted_model(dir.path(), "c.txt", true);
    let mut cmd = tempest();
    cmd.timeout(Duration::from_secs(60));
    let r = run(cmd.args(["sample", "--length", "200", "--seed", "1", "--prime", "hello", "--model"]).arg(&model));
    r.assert_clean_failure(&["non-finite logit"]);
}

#[test]
fn sample_with_stdout_closed_is_an_error() {
    let mut cmd = assert_cmd::Command::new("sh");
    cmd.timeout(Duration::from_secs(60));
    let bin = assert_cmd::cargo::cargo_bin("tempest");
    cmd.arg("-c").arg(r#"exec "$0" sample --length 20 --seed 1 >&-"#).arg(bin);
    let r = run(&mut cmd);
    r.assert_clean_failure(&["standard output is closed"]);
}

#[test]
fn out_of_range_numbers_are_usage_errors() {
    let cases: &[&[&str]] = &[
        &["sample", "-t", "-inf"],
        &["sample", "-t", "nan"],
        &["sample", "-t", "-1"],
        &["sample", "--threads", "100000"],
        &["sample", "--threads", "0"],
        &["sample", "--top-p", "0"],
        &["sample", "--repeat-window", "18446744073709551615"],
        &["sample", "--length", "18446744073709551615"],
        &["explore", "--duration", "1e20"],
        &["explore", "--duration", "1.8e19"],
        &["explore", "--duration", "nan"],
        &["explore", "--duration", "0"],
        &["explore", "--seed", "18446744073709551615"],
        &["explore", "-t", "-inf"],
        &["explore", "--speed", "0"],
        &["train", "--corpus", "c", "--out", "m", "--epochs", "nan"],
        &["train", "--corpus", "c", "--out", "m", "--layers", "100"],
        &["train", "--corpus", "c", "--out", "m", "--hidden", "0"],
        &["train", "--corpus", "c", "--out", "m", "--dropout", "1"],
    ];
    for args in cases {
        let r = run(tempest().args(*args));
        assert_eq!(r.code, Some(2), "{args:?}: expected a usage error\nstderr:\n{}", r.stderr);
        let first = r.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{args:?}: {}", r.stderr);
    }
}
