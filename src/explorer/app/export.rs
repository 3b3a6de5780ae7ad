//! What `e` exports: every pane as readable text, and every character as one line of tempest's
//! JSONL schema (`tempest_core::jsonl`, the same as `sample` and `score` write).

use std::fmt::Write;

use super::App;
use tempest_core::display::thousands;
use tempest_core::jsonl::{CharRecord, Header, Record, Settings, StreamInfo};

/// Returns `(text, jsonl)`.
pub(super) fn build(app: &App) -> (String, String) {
    let mut text = String::new();
    let streams = app
        .panes
        .iter()
        .enumerate()
        .map(|(i, p)| StreamInfo {
            stream: i + 1,
            settings: Settings::from(&p.settings),
            scored: p.scored.as_ref().map(|s| s.name.clone()),
        })
        .collect();
    let prime = app.vocab.decode(&app.prime_ids);
    let header =
        Header::new("explore", app.model.clone(), &app.vocab, &prime, Some(app.seed), Some(app.coupled), streams);
    let mut jsonl = Record::Header(Box::new(header)).to_line() + "\n";
    let coupled = if app.coupled { "coupled" } else { "independent" };
    let _ = writeln!(text, "# tempest · seed {} · {coupled} sampling · prime {:?}", app.seed, app.prime);
    for (i, pane) in app.panes.iter().enumerate() {
        let what = match &pane.scored {
            Some(s) => format!("scored {} · {:.4} bits/char at T 1.00", s.name, s.bits_per_char),
            None => drawn_at(pane),
        };
        let _ = writeln!(text, "\n=== pane {} · {} chars · {what} ===", i + 1, thousands(pane.total()));
        if pane.scored.is_some() && pane.is_complete() {
            // The scored text itself; the newline it was read after is not part of it.
        } else if pane.is_complete() {
            text.push_str(&app.prime);
        } else {
            let _ = writeln!(text, "[the first {} characters are no longer kept]", thousands(pane.first_pos()));
        }
        let first = pane.first_pos();
        for (k, d) in pane.history().iter().enumerate() {
            text.push(d.ch);
            let record = CharRecord::from_drawn(i, first + k as u64, d, &app.vocab, app.limits.top_n);
            jsonl.push_str(&Record::Char(record).to_line());
            jsonl.push('\n');
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
