//! What keys stand for: the [`Action`]s `update` carries out, the [`Mode`]s that change a key's
//! meaning, and small predicates on key events. Which key means what is in [`super::keymap`].
//! `Action` is `Deserialize` so that a key map can later be read from the config.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    FocusPrev,
    FocusNext,
    TempUp,
    TempDown,
    TempUpBig,
    TempDownBig,
    TogglePause,
    Step,
    Reset,
    EditPrime,
    EditSeed,
    ToggleCoupled,
    SpeedUp,
    SpeedDown,
    ToggleMaxSpeed,
    AddPane,
    RemovePane,
    CycleColors,
    Export,
    ToggleHelp,
    /// Shows or hides the loop panel.
    ToggleLoops,
    /// Orders the loop panel's panes by temperature, or back by pane.
    SortLoopsByT,
    OpenSweep,
    /// Inspect: move the cursor one character back (entering inspect mode at the newest one).
    InspectBack,
    InspectForward,
    InspectOldest,
    InspectNewest,
    /// Inspect: move the histogram selection.
    SelectUp,
    SelectDown,
    /// Inspect: continue the text from the cursor with the selected character instead.
    Branch,
    /// The neuron view on/off, and its keys (each also turns it on).
    ToggleNeurons,
    NextUnit,
    PrevUnit,
    NextLayer,
    PrevLayer,
    /// LSTM: between the cell state c and the output h.
    SwitchQuantity,
    /// Type a unit number.
    TypeUnit,
    /// Jump to the unit that best tracks the next built-in feature.
    NextFeature,
    /// Inspect: mark one end of a span; the second press ranks the units for it.
    MarkSpan,
    /// Esc: closes what is open (overlay, then inspect mode), else quits.
    Back,
    Quit,
    /// Choose which sampler setting ↑/↓ adjusts: T → top-k → top-p → min-p → repetition penalty.
    CycleKnob,
    /// Switch every pane to the next configured preset.
    NextPreset,
    /// Histogram bars by probability or by log-probability.
    ToggleLogScale,
    /// Scroll the live histogram through the vocabulary.
    HistScrollUp,
    HistScrollDown,
    /// Open a text file (or the prime) as a read-only scored pane.
    ScoreText,
    /// Inspect: move the cursor to the previous / next word's start.
    InspectWordBack,
    InspectWordForward,
    /// Inspect: move the cursor a row of the pane's text up / down.
    InspectLineUp,
    InspectLineDown,
    /// Inspect: move the cursor, and the text with it, a page up / down.
    InspectPageUp,
    InspectPageDown,
    /// Load the next bundled model; every pane restarts with that model's own defaults.
    SwitchModel,
    /// In the `?` help: scroll a line / a page up or down.
    HelpLineUp,
    HelpLineDown,
    HelpPageUp,
    HelpPageDown,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::FocusPrev,
        Action::FocusNext,
        Action::TempUp,
        Action::TempDown,
        Action::TempUpBig,
        Action::TempDownBig,
        Action::TogglePause,
        Action::Step,
        Action::Reset,
        Action::EditPrime,
        Action::EditSeed,
        Action::ToggleCoupled,
        Action::SpeedUp,
        Action::SpeedDown,
        Action::ToggleMaxSpeed,
        Action::AddPane,
        Action::RemovePane,
        Action::CycleColors,
        Action::Export,
        Action::ToggleHelp,
        Action::ToggleLoops,
        Action::SortLoopsByT,
        Action::OpenSweep,
        Action::InspectBack,
        Action::InspectForward,
        Action::InspectOldest,
        Action::InspectNewest,
        Action::SelectUp,
        Action::SelectDown,
        Action::Branch,
        Action::ToggleNeurons,
        Action::NextUnit,
        Action::PrevUnit,
        Action::NextLayer,
        Action::PrevLayer,
        Action::SwitchQuantity,
        Action::TypeUnit,
        Action::NextFeature,
        Action::MarkSpan,
        Action::SwitchModel,
        Action::Back,
        Action::Quit,
        Action::CycleKnob,
        Action::NextPreset,
        Action::ToggleLogScale,
        Action::HistScrollUp,
        Action::HistScrollDown,
        Action::ScoreText,
        Action::InspectWordBack,
        Action::InspectWordForward,
        Action::InspectLineUp,
        Action::InspectLineDown,
        Action::InspectPageUp,
        Action::InspectPageDown,
        Action::HelpLineUp,
        Action::HelpLineDown,
        Action::HelpPageUp,
        Action::HelpPageDown,
    ];
}

/// What the app is doing, as far as keys and hints care: in inspect mode ↑/↓ and Enter act on
/// the histogram; the hint bar differs between running and paused; the overlays have keys of
/// their own. [`super::App::mode`] derives it from the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Running,
    Paused,
    Inspect,
    /// The prime editor is open.
    PrimeEditor,
    /// The seed dialog is open.
    SeedEditor,
    /// The neuron view's unit-number editor is open.
    UnitEditor,
    /// The path editor of `o` (score a text) is open.
    ScoreEditor,
    /// The temperature sweep screen is open.
    Sweep,
    /// The `?` help is open.
    Help,
}

impl Mode {
    pub const ALL: [Mode; 9] = [
        Mode::Running,
        Mode::Paused,
        Mode::Inspect,
        Mode::PrimeEditor,
        Mode::SeedEditor,
        Mode::UnitEditor,
        Mode::ScoreEditor,
        Mode::Sweep,
        Mode::Help,
    ];
}

/// True for presses and auto-repeats; false for releases, which terminals with the kitty keyboard
/// protocol report as separate events.
pub fn is_press(key: &KeyEvent) -> bool {
    key.kind != KeyEventKind::Release
}

pub fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('c' | 'C'))
}

/// Control or Alt held, not counting AltGr: Windows reports AltGr (which types `[`, `]` or `@` on
/// many keyboards) as Control+Alt.
pub fn has_ctrl_or_alt(key: &KeyEvent) -> bool {
    let m = key.modifiers;
    let altgr = m.contains(KeyModifiers::CONTROL | KeyModifiers::ALT) && matches!(key.code, KeyCode::Char(_));
    m.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) && !altgr
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_deserialize_from_snake_case() {
        let a: Action = serde_json::from_str("\"toggle_pause\"").unwrap();
        assert_eq!(a, Action::TogglePause);
    }
}
