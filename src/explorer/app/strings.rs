//! All text the explorer shows, in one place, plus the small formatting helpers that shape it.

use super::Action;
use tempest_core::display::thousands;

pub const HINT_STEP_PAUSED: &str = "stepping works while paused: press space first";
pub const HINT_INSPECT_PAUSED: &str = "inspecting works while paused: press space first";
pub const HINT_NOTHING_YET: &str = "nothing generated yet";
pub const MSG_RESET: &str = "all panes restarted from the prime";
pub const MSG_COUPLED_ON: &str = "coupled: all panes share each random draw";
pub const MSG_COUPLED_OFF: &str = "independent: each pane draws its own random numbers";

/// Key hints on the status bar, most useful first (the bar cuts them off from the right).
pub const HINTS_NORMAL: &[(&str, &str)] = &[
    ("←/→", "focus"),
    ("↑/↓", "T"),
    ("space", "pause"),
    (".", "step"),
    ("[", "inspect"),
    ("?", "help"),
    ("q", "quit"),
];
pub const HINTS_INSPECT: &[(&str, &str)] =
    &[("[/]", "move"), ("↑/↓", "pick"), ("enter", "branch"), (".", "step"), ("esc", "leave"), ("?", "help")];

pub const HELP_TITLE: &str = " keys · ? or esc to close ";

/// The help overlay: keys, what they do, and the actions they stand for (a test checks that every
/// action is listed).
pub const HELP: &[(&str, &str, &[Action])] = &[
    ("←/→ h/l tab", "focus the previous/next pane", &[Action::FocusPrev, Action::FocusNext]),
    ("↑/↓ k/j", "temperature ±0.05 (0 = argmax)", &[Action::TempUp, Action::TempDown]),
    ("shift-↑/↓ pgup/pgdn", "temperature ±0.25", &[Action::TempUpBig, Action::TempDownBig]),
    ("space", "pause / resume", &[Action::TogglePause]),
    (". n", "step one character (paused)", &[Action::Step]),
    ("[ ]", "inspect: cursor back/forward (paused)", &[Action::InspectBack, Action::InspectForward]),
    ("home end", "inspect: oldest / newest character", &[Action::InspectOldest, Action::InspectNewest]),
    ("↑/↓ enter", "inspect: pick a character, branch", &[Action::SelectUp, Action::SelectDown, Action::Branch]),
    ("r", "restart all panes from the prime", &[Action::Reset]),
    ("p", "edit the prime text", &[Action::EditPrime]),
    ("s", "show / set the seed", &[Action::EditSeed]),
    ("c", "coupled sampling on/off", &[Action::ToggleCoupled]),
    ("+ -", "speed ×1.5 / ÷1.5", &[Action::SpeedUp, Action::SpeedDown]),
    ("m", "max speed on/off", &[Action::ToggleMaxSpeed]),
    ("a x", "add a pane / remove the focused one", &[Action::AddPane, Action::RemovePane]),
    ("g", "colour text: off / rank / probability", &[Action::CycleColors]),
    ("e", "export the text and per-char JSONL", &[Action::Export]),
    ("click", "focus a pane", &[]),
    ("?", "this help", &[Action::ToggleHelp]),
    ("esc", "leave inspect / close, else quit", &[Action::Back]),
    ("q ctrl-c", "quit", &[Action::Quit]),
];

pub const PRIME_TITLE: &str = " prime text ";
pub const PRIME_INTRO: &str = "the text every pane starts from:";
pub const PRIME_KEYS: &str = "enter apply · alt-enter/ctrl-j newline · ctrl-u clear · esc cancel";
pub const SEED_TITLE: &str = " seed ";
pub const SEED_KEYS: &str = "type a whole number · enter restarts with it · esc cancel";

pub const WAITING: &str = "waiting for the first character…";

/// Shown instead of [`WAITING`] while a long prime is fed through the model.
pub fn priming(done: usize, total: usize) -> String {
    let pct = (done as f64 / total.max(1) as f64 * 100.0).floor();
    format!("feeding the prime: {} of {} characters ({pct}%)…", thousands(done as u64), thousands(total as u64))
}

pub const LEGEND_RANK: &[&str] = &["top-1", "top-10", "top-100", "rest"];
pub const LEGEND_P: &[&str] = &["p ≥ 50%", "≥ 10%", "≥ 1%", "< 1%"];

pub fn too_small(need: (u16, u16), have: (u16, u16)) -> String {
    format!("terminal too small: need {}×{}, have {}×{}", need.0, need.1, have.0, have.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_in_the_help() {
        for a in Action::ALL {
            assert!(HELP.iter().any(|(_, _, acts)| acts.contains(&a)), "{a:?} missing from help");
        }
    }

    #[test]
    fn formats() {}
}
