//! A newcomer's path, end to end: train a model on a text of their own (lower-case, so the
//! built-in prime `KING HENRY:` does not fit it), then open it in the explorer with no extra
//! flags. The model carries a prime of its own and the explorer starts from it.

use std::time::Duration;

use assert_cmd::Command;

mod common;
#[path = "support/pty.rs"]
mod pty;

#[test]
fn train_then_open_works_with_no_extra_flags() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("mine.txt");
    std::fs::write(&corpus, common::corpus_text(20_000).to_lowercase()).unwrap();
    let model = dir.path().join("my.safetensors");
    // Small and short, so the run takes seconds; the flags only make it quick.
    let out = Command::cargo_bin("tempest")
        .unwrap()
        .timeout(Duration::from_secs(240))
        .arg("train")
        .arg("--corpus")
        .arg(&corpus)
        .arg("--out")
        .arg(&model)
        .args(["--hidden", "32", "--embed", "8", "--layers", "1", "--steps", "30", "--threads", "1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The model remembers a start of its held-out text as its prime.
    let info = Command::cargo_bin("tempest").unwrap().arg("info").arg(&model).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(info.contains("prime"), "{info}");

    let t = pty::Tempest::start(&["--model", model.to_str().unwrap()], 100, 30);
    t.wait_for("text in all three panes", |s| pty::counts(s).filter(|c| c.iter().all(|&n| n >= 5)));
    let screen = t.screen();
    assert!(!screen.contains("KING HENRY"), "{screen}");
    assert_eq!(t.quit(), 0);

    // `--unknown skip` keeps what the model knows of an explicit prime instead of refusing it.
    let t = pty::Tempest::start(
        &["--model", model.to_str().unwrap(), "--prime", "KING the night", "--unknown", "skip"],
        100,
        30,
    );
    t.wait_for("text in all three panes", |s| pty::counts(s).filter(|c| c.iter().all(|&n| n >= 5)));
    assert!(t.screen().contains(" the night"), "{}", t.screen());
    assert_eq!(t.quit(), 0);
}
