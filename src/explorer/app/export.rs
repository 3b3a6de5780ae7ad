//! What `e` exports: every pane as readable text, and every generated character as one JSON line.

use std::fmt::Write;

use serde::Serialize;

use super::App;
use tempest_core::display::thousands;

/// One line of the JSONL export. `pane` and `pos` are 0-based, as in the engine protocol (pos 0 is
/// the first character after the prime); `top` holds `[char, p at T, p at T=1]`, most likely first.
#[derive(Serialize)]
struct CharRecord {
    pane: usize,
    pos: u64,
    char: char,
    p: f32,
    p1: f32,
    rank: u32,
    entropy_bits: f32,
    temperature: f32,
    top: Vec<(char, f32, f32)>,
}

/// Returns `(text, jsonl)`.
pub(super) fn build(app: &App) -> (String, String) {
    let mut text = String::new();
    let mut jsonl = String::new();
    let coupled = if app.coupled { "coupled" } else { "independent" };
    let _ = writeln!(text, "# tempest · seed {} · {coupled} sampling · prime {:?}", app.seed, app.prime);
    for (i, pane) in app.panes.iter().enumerate() {
        let _ = writeln!(text, "\n=== pane {} · {} chars · {} ===", i + 1, thousands(pane.total()), drawn_at(pane));
        if pane.is_complete() {
            text.push_str(&app.prime);
        } else {
            let _ = writeln!(text, "[the first {} characters are no longer kept]", thousands(pane.first_pos()));
        }
        let first = pane.first_pos();
        for (k, d) in pane.history().iter().enumerate() {
            text.push(d.ch);
            let record = CharRecord {
                pane: i,
                pos: first + k as u64,
                char: d.ch,
                p: d.p,
                p1: d.p1,
                rank: d.rank,
                entropy_bits: d.entropy_bits,
                temperature: d.temperature(),
                top: d.top(app.limits.top_n).into_iter().map(|(id, p, p1)| (app.char_of(id), p, p1)).collect(),
            };
            // Serialising plain numbers and strings cannot fail.
            if let Ok(line) = serde_json::to_string(&record) {
                jsonl.push_str(&line);
                jsonl.push('\n');
            }
        }
        text.push('\n');
    }
    text.push_str(&super::loop_report::export_section(app));
    (text, jsonl)
}

/// The settings a pane's text was drawn with, as runs: `drawn at T 0.20` or, after changes,
/// `drawn at T 0.20 (chars 1–500), T 1.00 (chars 501–900)`. Never the current setting alone, which
/// may differ from all of them.
fn drawn_at(pane: &super::PaneState) -> String {
    let first = pane.first_pos();
    let mut runs: Vec<(String, u64, u64)> = Vec::new();
    for (k, d) in pane.history().iter().enumerate() {
        let pos = first + k as u64 + 1;
        let label = d.settings.label();
        match runs.last_mut() {
            Some(r) if r.0 == label => r.2 = pos,
            _ => runs.push((label, pos, pos)),
        }
    }
    match runs.as_slice() {
        [] => format!("nothing drawn yet; now {}", pane.settings.label()),
        [(label, _, _)] => format!("drawn at {label}"),
        _ => {
            let parts: Vec<String> =
                runs.iter().map(|(l, a, b)| format!("{l} (chars {}–{})", thousands(*a), thousands(*b))).collect();
            format!("drawn at {}", parts.join(", "))
        }
    }
}
