//! Scored panes: `o` reads a text file (or, with an empty path, the prime) through the model on
//! the engine thread, and shows it as a read-only pane whose characters carry the model's
//! distribution where each stood, so inspect, the histogram, rank colouring and export work on it
//! as on any pane. It never generates: scored panes sit after the generating ones and are not
//! engine streams, so the engine's pane indices stay those of the first panes.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::field::Field;
use super::keys::is_ctrl_c;
use super::{App, Effect, Overlay, PaneState, MAX_PANES};
use crate::explorer::worker::{Drawn, Request};
use tempest_core::analysis::gltr;
use tempest_core::display::{excerpt, thousands};
use tempest_core::model::UnknownPolicy;
use tempest_core::sampling::SamplerSettings;
use tempest_core::score::{describe_unknown, unknown_chars};

/// What a scored pane holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// The file as typed, or `prime`.
    pub name: String,
    /// Mean −log2 p at T = 1 over the whole scored text.
    pub bits_per_char: f64,
}

impl Scored {
    /// The pane title's label: the file's name (not its folders) and the whole text's bits/char.
    /// Narrow titles keep its first word, `scored:NAME`.
    pub fn label(&self) -> String {
        let path = std::path::Path::new(&self.name);
        let file = path.file_name().map_or(self.name.clone(), |f| f.to_string_lossy().into_owned());
        format!("scored:{} · {:.2} b/ch", excerpt(&file, 24).replace(' ', "_"), self.bits_per_char)
    }
}

/// A score the engine has been asked for and has not answered yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingScore {
    pub id: u64,
    pub name: String,
    /// Said with the result: skipped characters, a cut text.
    pub note: Option<String>,
}

/// What `o` opens: the path editor.
pub(super) fn open(app: &mut App) {
    if app.panes.len() >= MAX_PANES {
        return app.set_error(format!("at most {MAX_PANES} panes: remove one (x) to score a text"));
    }
    app.overlay = Overlay::ScoreEdit { field: Field::new(""), error: None };
}

fn field(app: &mut App) -> Option<&mut Field> {
    match &mut app.overlay {
        Overlay::ScoreEdit { field, .. } => Some(field),
        _ => None,
    }
}

/// Keys in the path editor: Enter scores, Esc cancels, the usual keys edit one line.
pub(super) fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    if is_ctrl_c(&key) {
        return fx.push(Effect::Quit);
    }
    let (ctrl, alt) = (key.modifiers.contains(KeyModifiers::CONTROL), key.modifiers.contains(KeyModifiers::ALT));
    let typed = !super::keys::has_ctrl_or_alt(&key);
    let Some(f) = field(app) else { return };
    match key.code {
        KeyCode::Esc => {
            app.overlay = Overlay::None;
            app.set_status("nothing scored");
        }
        KeyCode::Enter => apply(app, fx),
        KeyCode::Backspace if ctrl || alt => f.delete_word_back(),
        KeyCode::Backspace => f.backspace(),
        KeyCode::Delete => f.delete(),
        KeyCode::Left if ctrl || alt => f.word_left(),
        KeyCode::Right if ctrl || alt => f.word_right(),
        KeyCode::Left => f.left(),
        KeyCode::Right => f.right(),
        KeyCode::Home => f.home(),
        KeyCode::End => f.end(),
        KeyCode::Char('a') if ctrl => f.home(),
        KeyCode::Char('e') if ctrl => f.end(),
        KeyCode::Char('u') if ctrl => f.clear(),
        KeyCode::Char('w') if ctrl => f.delete_word_back(),
        KeyCode::Char(c) if typed => f.insert_char(c),
        _ => {}
    }
}

/// A paste into the path editor: one line (a path has no line breaks).
pub(super) fn on_paste(app: &mut App, text: &str) {
    let line = text.lines().next().unwrap_or("").trim_end();
    if let Some(f) = field(app) {
        f.insert(line);
    }
}

fn apply(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(f) = field(app) else { return };
    let path = f.text().trim().to_string();
    app.overlay = Overlay::None;
    if path.is_empty() {
        let prime = app.prime.clone();
        return start(app, "prime".into(), &prime, fx);
    }
    app.set_status(format!("reading {}…", excerpt(&path, 60)));
    fx.push(Effect::ReadText { path });
}

/// The runtime's answer to [`Effect::ReadText`]: the file's text, or why it could not be read.
pub(super) fn on_text(app: &mut App, path: String, text: Result<String, String>, fx: &mut Vec<Effect>) {
    match text {
        Ok(text) => start(app, path, &text, fx),
        Err(e) => app.set_error(format!("cannot score: {e}")),
    }
}

/// Asks the engine to score `text`. Characters the model does not know are skipped and named; a
/// text longer than the pane's history is cut to its first `history.chars` characters (the pane
/// could not hold more, and scoring costs the engine a step per character).
fn start(app: &mut App, name: String, text: &str, fx: &mut Vec<Effect>) {
    if app.panes.len() >= MAX_PANES {
        return app.set_error(format!("at most {MAX_PANES} panes: remove one (x) to score a text"));
    }
    let unknown = unknown_chars(&app.vocab, text);
    let mut ids = app.vocab.encode(text, UnknownPolicy::Skip).unwrap_or_default();
    let shown = excerpt(&name, 60);
    if ids.is_empty() {
        return app.set_error(format!("{shown} has no characters the model knows"));
    }
    let mut notes = Vec::new();
    if !unknown.is_empty() {
        notes.push(format!("skipped {}", describe_unknown(&unknown)));
    }
    let cap = app.limits.history_chars;
    if ids.len() > cap {
        notes.push(format!(
            "scored the first {} of {} characters (history.chars)",
            thousands(cap as u64),
            thousands(ids.len() as u64)
        ));
        ids.truncate(cap);
    }
    // The model needs an input before it predicts the text's first character: a newline, as
    // `tempest score` uses by default, or the prime's first character for a vocabulary without one.
    let Some(context) = app.vocab.id('\n').or(app.prime_ids.first().copied()) else {
        return app.set_error("nothing to predict the text from: the model has no newline and the prime is empty");
    };
    app.next_score_id += 1;
    let id = app.next_score_id;
    app.set_status(format!("scoring {shown}: {} characters…", thousands(ids.len() as u64)));
    app.scoring = Some(PendingScore { id, name, note: (!notes.is_empty()).then(|| notes.join("; ")) });
    fx.push(Effect::Engine(Request::Score { id, context: vec![context], text: ids }));
}

/// Progress of a long score.
pub(super) fn on_progress(app: &mut App, id: u64, done: usize, total: usize) {
    if let Some(p) = app.scoring.as_ref().filter(|p| p.id == id) {
        let name = excerpt(&p.name, 60);
        app.set_status(format!(
            "scoring {name}: {} of {} characters…",
            thousands(done as u64),
            thousands(total as u64)
        ));
    }
}

/// The engine's scored text: a new pane after the others, focused.
pub(super) fn on_scored(app: &mut App, id: u64, drawn: Vec<Drawn>, next_logits: Vec<f32>) {
    let Some(pending) = app.scoring.take_if(|p| p.id == id) else { return };
    if app.panes.len() >= MAX_PANES {
        return app.set_error(format!("at most {MAX_PANES} panes: the scored text was not added"));
    }
    let n = drawn.len().max(1) as f64;
    let bits_per_char = drawn.iter().map(|d| -f64::from(d.p1.max(f32::MIN_POSITIVE)).log2()).sum::<f64>() / n;
    let top1 = drawn.iter().filter(|d| gltr::rank_bucket(d.rank, app.vocab.len()) == 0).count() as f64 / n;
    let l = app.limits;
    let mut pane = PaneState::new(SamplerSettings::default(), l.history_chars, l.loops, l.metrics_window);
    let chars = drawn.len();
    for d in drawn {
        pane.push(d);
    }
    pane.last_logits = next_logits;
    pane.scored = Some(Scored { name: pending.name.clone(), bits_per_char });
    app.panes.push(pane);
    app.focus = app.panes.len() - 1;
    app.inspect = None;
    let mut msg = format!(
        // Short enough to show whole beside the seed at 80 columns for a path of 20-odd characters;
        // "top-1" as in the rank colours (`g`): the share the model ranked first.
        "scored {}: {} chars, {bits_per_char:.2} bits/char, {:.0}% top-1",
        excerpt(&pending.name, 60),
        thousands(chars as u64),
        top1 * 100.0
    );
    if let Some(note) = pending.note {
        msg.push_str(" · ");
        msg.push_str(&note);
    }
    app.set_status(msg);
}

/// How many panes generate: the scored ones come after them all.
pub fn live_panes(app: &App) -> usize {
    app.panes.iter().take_while(|p| p.scored.is_none()).count()
}

/// The message for a change a scored pane does not take.
pub(super) const READ_ONLY: &str = "a scored pane is read-only: it shows the model's own distribution (T = 1)";
