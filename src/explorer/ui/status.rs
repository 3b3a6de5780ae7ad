//! The bottom line: key hints for the current mode on the left; the model, run state, speed,
//! coupling, seed and the latest message on the right. The right side wins when space is short; it
//! shortens the state (never dropping the seed) and cuts a long message in the middle rather than
//! at its end.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::fit;
use super::theme::Theme;
use crate::explorer::app::keymap::{self, Hint};
use crate::explorer::app::App;

/// Hints the state gives way to when there is no message: the mode's first three and `? help`.
const HINTS_KEPT: usize = 4;

/// A hint's key, its text and the cells it takes with its gap. ↑/↓ adjust whichever setting `t`
/// chose: the hint names it.
fn hint_text<'h>(app: &App, h: &'h Hint) -> (&'h str, &'h str, usize) {
    let what = if h.text == keymap::ADJUST_HINT { app.knob.name() } else { h.text };
    (h.keys, what, fit::width(h.keys) + fit::width(what) + 3)
}

/// The first `n` of `hints` (in rank order), except that when some are left out, `?` (the way to
/// all of them) takes the last place: a newcomer on a narrow terminal still sees where help is.
fn shown_hints(mut hints: Vec<&'static Hint>, n: usize) -> Vec<&'static Hint> {
    if n < hints.len() {
        if let Some(help) = hints.iter().position(|h| h.keys == keymap::HELP_KEY) {
            if help >= n && n > 0 {
                hints.swap(n - 1, help);
            }
        }
        hints.truncate(n);
    }
    hints
}

pub struct StatusBar<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

/// The run state, longest form first: the seed stays in every form (it is what a user copies to
/// reproduce a run), the coupling and the speed go first. With `with_model` the loaded model leads
/// (while a message shows it steps aside, so the message and the hints keep their room).
fn state_forms(app: &App, with_model: bool) -> Vec<String> {
    let run = if app.paused { "paused" } else { "running" };
    let speed = if app.speed.max { "max speed".to_string() } else { format!("{} ch/s", app.speed.chars_per_sec) };
    let coupled = if app.coupled { "coupled" } else { "independent" };
    let seed = app.seed;
    // A model loading after `M` is named in every form: the user waits for it.
    let loading = app.loading_model.map(|n| format!("loading the {n} model… · ")).unwrap_or_default();
    // The model ("rust · val 1.107"), then just its name, go before the speed does.
    let (model, name) = match app.model_line.as_str() {
        _ if !with_model => (String::new(), String::new()),
        "" => (String::new(), String::new()),
        m => (format!("{m} · "), format!("{} · ", m.split(" · ").next().unwrap_or(m))),
    };
    let mut forms = vec![
        format!(" {loading}{model}{run} · {speed} · {coupled} · seed {seed} "),
        format!(" {loading}{model}{run} · {speed} · seed {seed} "),
        format!(" {loading}{name}{run} · {speed} · seed {seed} "),
        format!(" {loading}{name}{run} · seed {seed} "),
        format!(" {loading}{run} · seed {seed} "),
        format!(" {loading}seed {seed} "),
    ];
    forms.dedup();
    forms
}

impl Widget for StatusBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (app, t) = (self.app, self.theme);
        let room = area.width as usize;
        let forms = state_forms(app, app.status.is_none());
        let sep = " │";
        let hints = keymap::hints(app.mode(), app.scored_focus());
        // Without a message the state takes its longest form that leaves room for the mode's first
        // hints and `? help` (at 80 columns its longest form would otherwise leave none), or for as
        // many of them as it can.
        let lead = |k: usize| 2 + shown_hints(hints.clone(), k).iter().map(|h| hint_text(app, h).2).sum::<usize>();
        let (state, message) = match &app.status {
            None => {
                let state = (0..=HINTS_KEPT)
                    .rev()
                    .find_map(|k| {
                        let need = lead(k);
                        forms.iter().find(|f| fit::width(f) + need <= room)
                    })
                    .unwrap_or(&forms[forms.len() - 1])
                    .clone();
                (state, None)
            }
            Some(s) => {
                // The message is the answer to the last key: the state takes its longest form that
                // leaves the whole message room (down to just the seed); a message longer than
                // even that is cut in the middle, so its start and its end (a path, a number) show.
                let need = fit::width(&s.text) + fit::width(sep);
                let state =
                    forms.iter().find(|f| fit::width(f) + need <= room).unwrap_or(&forms[forms.len() - 1]).clone();
                let left = room.saturating_sub(fit::width(&state) + fit::width(sep));
                (state, Some((fit::ellipsize_middle(&s.text, left), s.is_error)))
            }
        };
        let mut right: Vec<Span> = Vec::new();
        if let Some((text, is_error)) = message {
            right.push(Span::styled(text, if is_error { t.error } else { t.warning }));
            right.push(Span::raw(sep));
        }
        right.push(Span::styled(state, t.key));
        let right = Line::from(right);
        let rw = (right.width() as u16).min(area.width);
        let rx = area.x + area.width - rw;
        right.render(Rect { x: rx, width: rw, ..area }, buf);

        let room = usize::from(rx.saturating_sub(area.x + 1));
        let shown = (0..=hints.len())
            .rev()
            .map(|n| shown_hints(hints.clone(), n))
            .find(|hs| hs.iter().map(|h| hint_text(app, h).2).sum::<usize>() < room)
            .unwrap_or_default();
        let mut x = area.x + 1;
        for h in shown {
            let (key, what, w) = hint_text(app, h);
            buf.set_string(x, area.y, key, t.key);
            buf.set_string(x + fit::width(key) as u16 + 1, area.y, what, t.dim);
            x += w as u16;
        }
    }
}
