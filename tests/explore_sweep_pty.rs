//! The real `tempest` binary in a pseudo-terminal, on a small random model: `S` opens the sweep
//! screen, the sweep runs in the background with progress while the screen stays responsive, the
//! curves appear when it finishes, and reopening the screen shows them at once.

mod common;

#[path = "support/pty.rs"]
mod pty;

use common::RawModel;
use pty::Tempest;

#[test]
fn the_sweep_screen_opens_runs_and_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("small.safetensors");
    RawModel::random("lstm", 1, 32, 8, "abcdefghijklmnopqrstuvwxyz ,.\n", 4).write(&model);
    let mut t = Tempest::start(&["--model", model.to_str().unwrap(), "--prime", "ab", "--seed", "3"], 120, 36);
    t.wait_for("panes generating", |s| s.contains(" ch ").then_some(()));

    t.press("S");
    t.wait_for("the sweep screen", |s| s.contains("temperature sweep").then_some(()));
    // The metric keys work while it runs (the UI thread is not the sweep's).
    t.press("l");
    t.wait_for("the second metric", |s| s.contains("(2/9)").then_some(()));
    t.press("h");
    // Finished: the legend names the samplers and the panes' markers.
    t.wait_for("the finished sweep", |s| {
        (s.contains("top-p=0.9") && s.contains("min-p=0.1") && s.contains("pane 1") && !s.contains("sweeping"))
            .then_some(())
    });
    assert!(t.screen().contains("(1/9)"), "{}", t.screen());

    // Back to the panes, and again: the cached result is there at once.
    t.press("\x1b");
    t.wait_for("the panes again", |s| (!s.contains("temperature sweep")).then_some(()));
    t.press("S");
    t.wait_for("the cached sweep", |s| (s.contains("top-p=0.9") && !s.contains("sweeping")).then_some(()));
    t.press("\x1b");
    t.wait_for("the panes again", |s| (!s.contains("temperature sweep")).then_some(()));
    t.press("q");
    let (code, _) = t.wait_exit();
    assert_eq!(code, 0, "{}", t.screen());
}
