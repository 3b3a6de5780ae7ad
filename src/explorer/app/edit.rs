//! The two text editors: the prime and the seed. Both have a cursor with the usual movement and
//! editing keys ([`Field`]); a paste is inserted as text; every edit re-checks the buffer so that
//! a problem shows the moment it is typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::field::Field;
use super::keys::is_ctrl_c;
use super::{App, Effect, Overlay};
use tempest_core::display::{describe_char, glyph};
use tempest_core::limits;
use tempest_core::model::vocab::UnknownPolicy;

/// Unknown characters named one by one in a message; beyond that they are counted.
const NAMED_MAX: usize = 8;

pub fn unknown_char_message(c: char) -> String {
    format!("{} is not in the model's vocabulary", describe_char(c))
}

/// Names every distinct character of `text` the model does not know (the first [`NAMED_MAX`], then
/// how many more), in order of appearance; `None` if there are none.
pub fn unknown_chars(app: &App, text: &[char]) -> Option<String> {
    let mut seen: Vec<char> = Vec::new();
    for &c in text {
        if app.vocab.id(c).is_none() && !seen.contains(&c) {
            seen.push(c);
        }
    }
    match seen.len() {
        0 => None,
        1 => Some(format!("{} · ctrl-d drops it", unknown_char_message(seen[0]))),
        n => {
            let named: Vec<String> = seen.iter().take(NAMED_MAX).map(|&c| short(c)).collect();
            let more = if n > NAMED_MAX { format!(" and {} more", n - NAMED_MAX) } else { String::new() };
            Some(format!(
                "{n} characters are not in the model's vocabulary: {}{more} · ctrl-d drops them",
                named.join(" ")
            ))
        }
    }
}

/// A character named briefly: quoted, or its code point when it would not show.
fn short(c: char) -> String {
    if glyph(c) != c || c.is_whitespace() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("'{c}'")
    }
}

pub fn seed_range_message() -> String {
    format!("a seed is a whole number in {}", limits::SEED)
}

fn field(app: &mut App) -> Option<&mut Field> {
    match &mut app.overlay {
        Overlay::PrimeEdit { field, .. } | Overlay::SeedEdit { field, .. } => Some(field),
        _ => None,
    }
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
    let Some(f) = field(app) else { return };
    match key.code {
        _ if newline && is_prime => f.insert_char('\n'),
        KeyCode::Esc => {
            app.overlay = Overlay::None;
            return app.set_status(if is_prime { "prime unchanged" } else { "seed unchanged" });
        }
        KeyCode::Enter => return if is_prime { apply_prime(app, fx) } else { apply_seed(app, fx) },
        KeyCode::Backspace if ctrl || alt => f.delete_word_back(),
        KeyCode::Backspace => f.backspace(),
        KeyCode::Delete => f.delete(),
        KeyCode::Left if ctrl || alt => f.word_left(),
        KeyCode::Right if ctrl || alt => f.word_right(),
        KeyCode::Left | KeyCode::Char('b') if key.code == KeyCode::Left || ctrl => f.left(),
        KeyCode::Right | KeyCode::Char('f') if key.code == KeyCode::Right || ctrl => f.right(),
        KeyCode::Home if ctrl => f.text_start(),
        KeyCode::End if ctrl => f.text_end(),
        KeyCode::Home | KeyCode::Char('a') if key.code == KeyCode::Home || ctrl => f.home(),
        KeyCode::End | KeyCode::Char('e') if key.code == KeyCode::End || ctrl => f.end(),
        KeyCode::Up | KeyCode::PageUp => f.up(),
        KeyCode::Down | KeyCode::PageDown => f.down(),
        KeyCode::Char('u') if ctrl => f.clear(),
        KeyCode::Char('w') if ctrl => f.delete_word_back(),
        KeyCode::Char('k') if ctrl => f.delete_to_line_end(),
        KeyCode::Char('d') if ctrl && is_prime => {
            let vocab = app.vocab.clone();
            if let Some(f) = field(app) {
                f.retain(|c| vocab.id(c).is_some());
            }
        }
        KeyCode::Tab if is_prime => f.insert_char('\t'),
        KeyCode::Char(c) if typed => {
            if is_prime || c.is_ascii_digit() {
                f.insert_char(c);
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

/// A paste goes into the open editor as text, newlines included; with no editor open it is
/// ignored (it must never run as keystrokes).
pub(super) fn on_paste(app: &mut App, text: &str) {
    let is_prime = match &app.overlay {
        Overlay::PrimeEdit { .. } => true,
        Overlay::SeedEdit { .. } => false,
        _ => return app.set_status("paste ignored: press p to edit the prime first"),
    };
    // Terminals send a pasted line break as CR (or CRLF); in the prime it is a newline.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if !is_prime {
        let digits = text.trim();
        if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
            let msg = format!("pasted text has {}, not a digit: {}", describe_char(c), seed_range_message());
            return set_error(app, Some(msg));
        }
        if let Some(f) = field(app) {
            f.insert(digits);
        }
    } else if let Some(f) = field(app) {
        f.insert(&text);
    }
    let error = check(app);
    set_error(app, error);
}

/// The problem with the buffer as typed so far, if any.
fn check(app: &App) -> Option<String> {
    match &app.overlay {
        Overlay::PrimeEdit { field, .. } => unknown_chars(app, field.chars()),
        Overlay::SeedEdit { field, .. } if field.is_empty() => None,
        // Only digits get typed, so the one way to be wrong is too large.
        Overlay::SeedEdit { field, .. } => {
            limits::parse_seed(&field.text()).err().map(|_| format!("too large: {}", seed_range_message()))
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
    let Overlay::PrimeEdit { field, .. } = &app.overlay else { return };
    if field.is_empty() {
        return set_error(app, Some("the prime needs at least one character".into()));
    }
    let text = field.text();
    // Enter is refused while the buffer holds a character the model does not know.
    let Ok(ids) = app.vocab.encode(&text, UnknownPolicy::Error) else {
        let e = check(app);
        return set_error(app, e);
    };
    app.prime = text;
    app.prime_ids = ids;
    app.overlay = Overlay::None;
    app.restart(fx);
    app.set_status("new prime: all panes restarted");
}

fn apply_seed(app: &mut App, fx: &mut Vec<Effect>) {
    let Overlay::SeedEdit { field, .. } = &app.overlay else { return };
    match limits::parse_seed(&field.text()) {
        Ok(v) => {
            app.seed = v;
            app.overlay = Overlay::None;
            app.restart(fx);
            app.set_status(format!("seed {v}: all panes restarted"));
        }
        _ => set_error(app, Some(seed_range_message())),
    }
}
