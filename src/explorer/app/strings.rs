//! All text the explorer shows, in one place, plus the small formatting helpers that shape it.

use tempest_core::display::thousands;

pub const HINT_STEP_PAUSED: &str = "stepping works while paused: press space first";
pub const HINT_INSPECT_PAUSED: &str = "inspecting works while paused: press space first";
pub const HINT_NOTHING_YET: &str = "nothing generated yet";
pub const MSG_RESET: &str = "all panes restarted from the prime";
pub const MSG_COUPLED_ON: &str = "coupled: all panes share each random draw";
pub const MSG_COUPLED_OFF: &str = "independent: each pane draws its own random numbers";

/// A pane's bottom title while its view is scrolled back (long and short forms).
pub const PANE_HELD: &str = " ↓ scrolled back · end follows ";
pub const PANE_HELD_SHORT: &str = " ↓ end ";
/// Clicking the prime, which the model did not draw.
pub const MSG_PRIME_NOT_DRAWN: &str = "that is the prime: the model read it but did not draw it";

pub const HELP_TITLE: &str = " keys · ? or esc to close ";

/// The help's last line when it does not fit: which rows show and how to see the others.
pub fn help_more(from: usize, to: usize, of: usize) -> String {
    format!("rows {from}–{to} of {of} · ↑/↓ pgup/pgdn or the wheel scroll")
}

pub const PRIME_TITLE: &str = " prime text ";
pub const PRIME_INTRO: &str = "the text every pane starts from:";
pub const PRIME_KEYS: &str =
    "enter apply · alt-enter/ctrl-j newline · ←/→ ↑/↓ home/end move · ctrl-u clear · esc cancel";
pub const SEED_TITLE: &str = " seed ";
pub const SEED_KEYS: &str = "type a whole number · enter restarts with it · esc cancel";

pub const WAITING: &str = "waiting for the first character…";

/// Shown instead of [`WAITING`] while a long prime is fed through the model.
pub fn priming(done: usize, total: usize) -> String {
    let pct = (done as f64 / total.max(1) as f64 * 100.0).floor();
    format!("feeding the prime: {} of {} characters ({pct}%)…", thousands(done as u64), thousands(total as u64))
}
pub const LEGEND_P: &[&str] = &["p ≥ 50%", "≥ 10%", "≥ 1%", "< 1%"];

pub fn too_small(need: (u16, u16), have: (u16, u16)) -> String {
    format!("terminal too small: need {}×{}, have {}×{}", need.0, need.1, have.0, have.1)
}
