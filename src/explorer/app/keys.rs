//! Keys → [`Action`]s. `update` only ever sees actions, so the key map can later be read from the
//! config (hence `Deserialize`) without touching the state logic.

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
    /// Esc: closes what is open (overlay, then inspect mode), else quits.
    Back,
    Quit,
}

impl Action {
    pub const ALL: [Action; 29] = [
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
        Action::InspectBack,
        Action::InspectForward,
        Action::InspectOldest,
        Action::InspectNewest,
        Action::SelectUp,
        Action::SelectDown,
        Action::Branch,
        Action::Back,
        Action::Quit,
    ];
}

/// Whether key presses are read in inspect mode, where ↑/↓ and Enter act on the histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Inspect,
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

/// The default key map. Character keys ignore Shift, because terminals differ in whether they
/// report it for `+`, `?` or `K`.
pub fn action_for(key: &KeyEvent, mode: Mode) -> Option<Action> {
    use Action::*;
    if is_ctrl_c(key) {
        return Some(Quit);
    }
    if has_ctrl_or_alt(key) {
        return None;
    }
    let shift = key.modifiers.contains(KeyModifiers::SHIFT);
    let inspect = mode == Mode::Inspect;
    Some(match key.code {
        KeyCode::Left | KeyCode::BackTab | KeyCode::Char('h') => FocusPrev,
        KeyCode::Right | KeyCode::Tab | KeyCode::Char('l') => FocusNext,
        KeyCode::Up | KeyCode::Char('k') if inspect && !shift => SelectUp,
        KeyCode::Down | KeyCode::Char('j') if inspect && !shift => SelectDown,
        KeyCode::Up if shift => TempUpBig,
        KeyCode::Down if shift => TempDownBig,
        KeyCode::PageUp | KeyCode::Char('K') => TempUpBig,
        KeyCode::PageDown | KeyCode::Char('J') => TempDownBig,
        KeyCode::Up | KeyCode::Char('k') => TempUp,
        KeyCode::Down | KeyCode::Char('j') => TempDown,
        KeyCode::Enter if inspect => Branch,
        KeyCode::Char(' ') => TogglePause,
        KeyCode::Char('.' | 'n') => Step,
        KeyCode::Char('r') => Reset,
        KeyCode::Char('p') => EditPrime,
        KeyCode::Char('s') => EditSeed,
        KeyCode::Char('c') => ToggleCoupled,
        KeyCode::Char('+' | '=') => SpeedUp,
        KeyCode::Char('-' | '_') => SpeedDown,
        KeyCode::Char('m') => ToggleMaxSpeed,
        KeyCode::Char('a') => AddPane,
        KeyCode::Char('x') => RemovePane,
        KeyCode::Char('g') => CycleColors,
        KeyCode::Char('e') => Export,
        KeyCode::Char('?') => ToggleHelp,
        KeyCode::Char('[') => InspectBack,
        KeyCode::Char(']') => InspectForward,
        KeyCode::Home => InspectOldest,
        KeyCode::End => InspectNewest,
        KeyCode::Esc => Back,
        KeyCode::Char('q') => Quit,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn every_action_has_a_key() {
        let mut codes: Vec<KeyCode> = "hjklKJ .nrpscm+-axge?[]q".chars().map(KeyCode::Char).collect();
        codes.extend([KeyCode::Up, KeyCode::Down, KeyCode::Home, KeyCode::End, KeyCode::Enter, KeyCode::Esc]);
        let mut seen = std::collections::HashSet::new();
        for mode in [Mode::Normal, Mode::Inspect] {
            for &c in &codes {
                seen.extend(action_for(&key(c, KeyModifiers::NONE), mode));
            }
        }
        for a in Action::ALL {
            assert!(seen.contains(&a), "{a:?} has no key");
        }
    }

    #[test]
    fn arrows_mean_temperature_or_selection_by_mode() {
        let up = key(KeyCode::Up, KeyModifiers::NONE);
        assert_eq!(action_for(&up, Mode::Normal), Some(Action::TempUp));
        assert_eq!(action_for(&up, Mode::Inspect), Some(Action::SelectUp));
        let shift_up = key(KeyCode::Up, KeyModifiers::SHIFT);
        assert_eq!(action_for(&shift_up, Mode::Normal), Some(Action::TempUpBig));
        assert_eq!(action_for(&key(KeyCode::Enter, KeyModifiers::NONE), Mode::Normal), None);
        // Shift reported with a character key does not change its meaning.
        assert_eq!(action_for(&key(KeyCode::Char('+'), KeyModifiers::SHIFT), Mode::Normal), Some(Action::SpeedUp));
        assert_eq!(action_for(&key(KeyCode::Char('c'), KeyModifiers::CONTROL), Mode::Inspect), Some(Action::Quit));
        assert_eq!(action_for(&key(KeyCode::Char('r'), KeyModifiers::ALT), Mode::Normal), None);
        let altgr = KeyModifiers::CONTROL | KeyModifiers::ALT;
        assert_eq!(action_for(&key(KeyCode::Char('['), altgr), Mode::Normal), Some(Action::InspectBack));
    }

    #[test]
    fn actions_deserialize_from_snake_case() {
        let a: Action = serde_json::from_str("\"toggle_pause\"").unwrap();
        assert_eq!(a, Action::TogglePause);
    }
}
