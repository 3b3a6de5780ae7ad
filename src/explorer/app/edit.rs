//! The two text editors: the prime and the seed. Typing edits at the end of the buffer; every
//! edit re-checks the buffer so that a problem shows the moment it is typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::is_ctrl_c;
use super::{App, Effect, Overlay};
use tempest_core::display::describe_char;
use tempest_core::limits;
use tempest_core::model::vocab::UnknownPolicy;

pub fn unknown_char_message(c: char) -> String {
    format!("{} is not in the model's vocabulary", describe_char(c))
}

pub fn seed_range_message() -> String {
    format!("a seed is a whole number in {}", limits::SEED)
}

pub(super) fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    if is_ctrl_c(&key) {
        return fx.push(Effect::Quit);
    }
    let is_prime = matches!(app.overlay, Overlay::PrimeEdit { .. });
    let (ctrl, alt) = (key.modifiers.contains(KeyModifiers::CONTROL), key.modifiers.contains(KeyModifiers::ALT));
    let typed = !super::keys::has_ctrl_or_alt(&key);
    // Enter applies, so a newline in the prime is typed as Alt-Enter or Ctrl-J (what most
    // terminals send for Shift-Enter varies, and Ctrl-J arrives as a plain 'j' with Control).
    let newline = (key.code == KeyCode::Enter && alt) || (ctrl && key.code == KeyCode::Char('j'));
    let (Overlay::PrimeEdit { buffer, .. } | Overlay::SeedEdit { buffer, .. }) = &mut app.overlay else { return };
    match key.code {
        _ if newline && is_prime => buffer.push('\n'),
        KeyCode::Esc => {
            app.overlay = Overlay::None;
            return app.set_status(if is_prime { "prime unchanged" } else { "seed unchanged" });
        }
        KeyCode::Enter => return if is_prime { apply_prime(app, fx) } else { apply_seed(app, fx) },
        KeyCode::Backspace => {
            buffer.pop();
        }
        KeyCode::Char('u') if ctrl => buffer.clear(),
        KeyCode::Tab if is_prime => buffer.push('\t'),
        KeyCode::Char(c) if typed => {
            if is_prime || c.is_ascii_digit() {
                buffer.push(c);
            } else {
                let msg = format!("{} is not a digit: {}", describe_char(c), seed_range_message());
                return set_error(app, Some(msg));
            }
        }
        _ => {}
    }
    let error = check(app);
    set_error(app, error);
}

/// The first problem with the buffer as typed so far, if any.
fn check(app: &App) -> Option<String> {
    match &app.overlay {
        Overlay::PrimeEdit { buffer, .. } => {
            buffer.chars().find(|&c| app.vocab.id(c).is_none()).map(unknown_char_message)
        }
        Overlay::SeedEdit { buffer, .. } if buffer.is_empty() => None,
        // Only digits get typed, so the one way to be wrong is too large.
        Overlay::SeedEdit { buffer, .. } => {
            limits::parse_seed(buffer).err().map(|_| format!("too large: {}", seed_range_message()))
        }
        _ => None,
    }
}

fn set_error(app: &mut App, e: Option<String>) {
    if let Overlay::PrimeEdit { error, .. } | Overlay::SeedEdit { error, .. } = &mut app.overlay {
        *error = e;
    }
}

fn apply_prime(app: &mut App, fx: &mut Vec<Effect>) {
    let Overlay::PrimeEdit { buffer, .. } = &app.overlay else { return };
    if buffer.is_empty() {
        return set_error(app, Some("the prime needs at least one character".into()));
    }
    // Enter is refused while the buffer holds a character the model does not know.
    let Ok(ids) = app.vocab.encode(buffer, UnknownPolicy::Error) else {
        let e = check(app);
        return set_error(app, e);
    };
    app.prime = buffer.clone();
    app.prime_ids = ids;
    app.overlay = Overlay::None;
    app.restart(fx);
    app.set_status("new prime: all panes restarted");
}

fn apply_seed(app: &mut App, fx: &mut Vec<Effect>) {
    let Overlay::SeedEdit { buffer, .. } = &app.overlay else { return };
    match limits::parse_seed(buffer) {
        Ok(v) => {
            app.seed = v;
            app.overlay = Overlay::None;
            app.restart(fx);
            app.set_status(format!("seed {v}: all panes restarted"));
        }
        _ => set_error(app, Some(seed_range_message())),
    }
}
