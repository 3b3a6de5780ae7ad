//! All text the explorer shows, in one place, plus the small formatting helpers that shape it.

use tempest_core::display::thousands;

pub const HINT_STEP_PAUSED: &str = "stepping works while paused: press space first";
pub const HINT_INSPECT_PAUSED: &str = "inspecting works while paused: press space first";
pub const HINT_NOTHING_YET: &str = "nothing generated yet";
pub const MSG_ESC_KEEPS: &str = "esc: unexported text kept · q quits, e exports";
pub const MSG_RESET: &str = "all panes restarted from the prime";
pub const MSG_COUPLED_ON: &str = "coupled: all panes share each random draw";
pub const MSG_COUPLED_OFF: &str = "independent: each pane draws its own random numbers";

/// A pane's bottom title while its view is scrolled back (long and short forms).
pub const PANE_HELD: &str = " ↓ scrolled back · end follows ";
pub const PANE_HELD_SHORT: &str = " ↓ end ";
/// Clicking the prime, which the model did not draw.
pub const MSG_PRIME_NOT_DRAWN: &str = "that is the prime: the model read it but did not draw it";

pub const HELP_TITLE: &str = " keys · ? or esc to close ";

pub const PRIME_TITLE: &str = " prime text ";
pub const PRIME_INTRO: &str = "the text every pane starts from:";
pub const PRIME_KEYS: &str =
    "enter apply · alt-enter/ctrl-j newline · ←/→ ↑/↓ home/end move · ctrl-u clear · esc cancel";
pub const SEED_TITLE: &str = " seed ";
pub const UNIT_TITLE: &str = " unit number ";
pub const UNIT_KEYS: &str = "type a whole number · enter shows that unit · esc cancel";
pub const SEED_KEYS: &str = "type a whole number · enter restarts with it · esc cancel";

/// The heading of the figures' legend in the `?` help.
pub fn metrics_heading(window: usize) -> String {
    format!("figures in the pane titles (over the last {window} characters):")
}

/// What each figure in a pane's titles means, for the `?` help. `{N}` is the metrics window.
pub const METRICS: &[(&str, &str)] = &[
    ("bits/ch at T=1", "mean -log2 p of each generated character under the model itself (T = 1, no top-k/top-p/min-p, no penalty): how likely the model finds this pane's text, comparable between panes; lower = more typical text, higher = stranger"),
    ("H", "mean entropy, in bits, of the distribution each character was drawn from (after T and the sampler): how open the choice was"),
    ("drawn", "mean -log2 p of each character under the distribution it was drawn from; on average it equals H, so it checks the sampler rather than the text"),
    ("d4, distinct-4", "distinct 4-character sequences divided by all of them in the last {N} characters: 1 = no repeats, low = repetitive"),
    ("⟳ period ×n", "an exact loop: the last period characters have repeated n times (highlighted in the text)"),
    ("≈ w words ×n", "a near-loop: a span of w words repeating n times with small changes"),
    ("ch", "characters generated since the prime (8.7k = 8,700)"),
    ("narrow panes", "titles shorten the count, then the loop, then squeeze the settings (T1.50 p.90 = T 1.50 · top-p 0.90), and drop the count and loop before the pane number or T"),
];

pub const SCORE_TITLE: &str = " score a text ";
pub const SCORE_INTRO: &str = "a text file to read through the model (empty: the prime):";
pub const SCORE_KEYS: &str = "enter score it in a new pane · ←/→ home/end move · ctrl-u clear · esc cancel";

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
