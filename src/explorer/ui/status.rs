//! The bottom line: key hints on the left; run state, speed, coupling, seed and the latest
//! message on the right. The right side wins when space is short.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::theme::Theme;
use crate::explorer::app::keymap::{self, Hint};
use crate::explorer::app::App;

pub struct StatusBar<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
}

impl Widget for StatusBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (app, t) = (self.app, self.theme);
        let run = if app.paused { "paused" } else { "running" };
        let speed = if app.speed.max { "max speed".to_string() } else { format!("{} ch/s", app.speed.chars_per_sec) };
        let coupled = if app.coupled { "coupled" } else { "independent" };
        let state = format!(" {run} · {speed} · {coupled} · seed {} ", app.seed);
        let mut right: Vec<Span> = Vec::new();
        if let Some(s) = &app.status {
            right.push(Span::styled(s.text.as_str(), if s.is_error { t.error } else { t.warning }));
            right.push(Span::raw(" │"));
        }
        right.push(Span::styled(state, t.key));
        let right = Line::from(right);
        let rw = (right.width() as u16).min(area.width);
        // When the message is too long, keep its start: the state is on every frame anyway.
        let rx = area.x + area.width - rw;
        right.render(Rect { x: rx, width: rw, ..area }, buf);

        let mut x = area.x + 1;
        for Hint { keys: key, text: what, .. } in keymap::hints(app.mode()) {
            // ↑/↓ adjust whichever setting `t` chose: the hint names it.
            let what = if *what == keymap::ADJUST_HINT { app.knob.name() } else { what };
            let w = (key.chars().count() + what.chars().count() + 3) as u16;
            if x + w >= rx {
                break;
            }
            buf.set_string(x, area.y, key, t.key);
            buf.set_string(x + key.chars().count() as u16 + 1, area.y, what, t.dim);
            x += w;
        }
    }
}
