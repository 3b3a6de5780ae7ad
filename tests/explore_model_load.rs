//! `M` loads the other bundled model off the UI thread: keys pressed right behind it act at once
//! (on the old model, or on the new one if it is already in), and quitting is never held up by a
//! load. The tests wait (with a bound) on the screen, never sleep.

use std::time::Duration;

#[path = "support/pty.rs"]
mod pty;
use pty::{counts, Tempest};

fn generating_shakespeare() -> Tempest {
    let t = Tempest::start(&["--seed", "7"], 160, 45);
    t.wait_for("the shakespeare model generating", |s| {
        (s.contains(" shakespeare · val 1.337") && counts(s).is_some_and(|c| c.iter().all(|&n| n >= 3))).then_some(())
    });
    t
}

/// While the Rust model loads, frames keep coming and the status bar says what is loading (when
/// the load ran on the UI thread, no frame showed it). A pause pressed meanwhile holds: the new
/// model arrives paused, shows its own prime, steps one character on `.`, and runs again on space.
#[test]
fn the_bar_says_a_model_is_loading_and_a_pause_pressed_meanwhile_carries_over() {
    let mut t = generating_shakespeare();
    t.watch("loading the rust model…");
    t.press("M ");
    t.wait_for("the rust model, paused at its prime", |s| {
        (s.contains("rust · val 1.107")
            && s.contains("paused")
            && s.matches("fn main() {").count() >= 3
            && counts(s) == Some([0, 0, 0]))
        .then_some(())
    });
    assert!(t.seen("loading the rust model…"), "no frame said the rust model was loading");
    t.press(".");
    t.wait_for("one character per pane", |s| (counts(s) == Some([1, 1, 1])).then_some(()));
    t.press(" ");
    t.wait_for("the rust model running", |s| {
        (s.contains("running") && counts(s).is_some_and(|c| c.iter().all(|&n| n >= 5))).then_some(())
    });
    assert_eq!(t.quit(), 0);
}

/// `q` right behind `M` quits at once and cleanly, whether or not the load has finished.
#[test]
fn quitting_during_a_load_is_not_held_up() {
    let mut t = generating_shakespeare();
    t.press("Mq");
    let (code, _) = t.wait_exit_within(Duration::from_secs(20));
    assert_eq!(code, 0);
}
