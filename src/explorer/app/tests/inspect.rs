//! Inspect mode and branching.

use crossterm::event::KeyCode;

use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, Effect, Event, HistogramSource, Inspect};
use crate::explorer::worker::{Reply, Request};

/// Three panes with "hello" each, paused.
fn paused_app() -> crate::explorer::app::App {
    let mut app = app();
    feed(&mut app, &["hello", "hello", "hello"]);
    press(&mut app, ' ');
    app
}

fn cursor(app: &crate::explorer::app::App) -> Option<(usize, u64)> {
    app.inspect.map(|i| (i.pane, i.pos))
}

#[test]
fn bracket_pauses_and_inspects_then_walks_the_text() {
    let mut app = app();
    feed(&mut app, &["hello", "hello", "hello"]);
    let fx = press(&mut app, '[');
    assert!(app.paused, "[ while running pauses");
    assert_eq!(fx, [Effect::Engine(Request::Pause)]);
    assert_eq!(cursor(&app), Some((0, 4)), "and inspects the newest character");
    press(&mut app, ' ');
    assert_eq!(app.inspect, None, "resuming leaves inspect mode");
    press(&mut app, ' ');
    update(&mut app, key(KeyCode::Right));
    press(&mut app, '[');
    assert_eq!(cursor(&app), Some((1, 4)), "opens on the newest character");
    press(&mut app, '[');
    assert_eq!(cursor(&app), Some((1, 3)));
    update(&mut app, key(KeyCode::Home));
    assert_eq!(cursor(&app), Some((1, 0)));
    press(&mut app, '[');
    assert_eq!(cursor(&app), Some((1, 0)), "stays at the oldest");
    press(&mut app, ']');
    assert_eq!(cursor(&app), Some((1, 1)));
    update(&mut app, key(KeyCode::End));
    assert_eq!(cursor(&app), Some((1, 4)));
    press(&mut app, ']');
    assert_eq!(cursor(&app), Some((1, 4)), "stays at the newest");
    // Focus moves the cursor to the same place in the other pane.
    update(&mut app, key(KeyCode::Left));
    assert_eq!(cursor(&app), Some((0, 4)));
}

#[test]
fn the_histogram_shows_the_stored_distribution_of_the_cursor_char() {
    let mut app = paused_app();
    press(&mut app, '[');
    press(&mut app, '[');
    // Changing T now does not change what 'l' was drawn from.
    update(&mut app, key_with(KeyCode::PageUp, crossterm::event::KeyModifiers::NONE));
    let h = app.histogram(8).unwrap();
    let d = app.panes[0].get(3).unwrap().clone();
    assert_eq!(h.source, HistogramSource::Inspect { pos: 3 });
    assert_eq!(h.settings.temperature, 0.2);
    assert_eq!(h.rows.len(), 8);
    let chain = d.chain();
    assert_eq!(h.rows[0].p, chain.probs[chain.order[0] as usize]);
    assert_eq!(h.drawn, Some(('l', d.p, d.rank)));
    assert!(h.rows.iter().any(|r| r.drawn && r.selected), "the drawn char is selected first");
}

#[test]
fn angle_brackets_pick_a_row_and_enter_branches_from_the_cursor() {
    let mut app = paused_app();
    press(&mut app, '[');
    press(&mut app, '['); // pos 3, 'l'
    let sel0 = app.inspect.unwrap().selected;
    press(&mut app, '>');
    assert_eq!(app.inspect.unwrap().selected, sel0 + 1);
    assert_eq!(app.panes[0].settings.temperature, 0.2, "< and > pick instead of scrolling; T is untouched");
    for _ in 0..20 {
        press(&mut app, '>');
    }
    let top = app.panes[0].get(3).unwrap().top_ids(usize::MAX);
    for _ in 0..top.len() {
        press(&mut app, '>');
    }
    assert_eq!(app.inspect.unwrap().selected, top.len() - 1, "the whole vocabulary, clamped at its end");
    press(&mut app, '<');
    let Inspect { selected, .. } = app.inspect.unwrap();
    let id = top[selected];
    let old = app.generation();
    let fx = update(&mut app, key(KeyCode::Enter));
    assert_eq!(app.generation(), old + 1);
    assert_eq!(fx, [Effect::Engine(Request::Branch { generation: old + 1, pane: 0, pos: 3, id })]);

    // A Branched reply from before the bump is dropped; the current one rewinds the pane.
    let chosen = drawn(&app.vocab, app.char_of(id), 0.2, 99);
    let stale = Reply::Branched { generation: old - 1, pane: 0, pos: 3, drawn: chosen.clone(), logits: vec![0.0; 3] };
    update(&mut app, Event::Engine(stale));
    assert_eq!(app.panes[0].total(), 5);
    let logits = logits(&app.vocab, chosen.ch, 99);
    let reply = Reply::Branched { generation: old + 1, pane: 0, pos: 3, drawn: chosen.clone(), logits: logits.clone() };
    update(&mut app, Event::Engine(reply));
    let p = &app.panes[0];
    assert_eq!(p.total(), 4);
    let text: String = p.history().iter().map(|d| d.ch).collect();
    assert_eq!(text, format!("hel{}", chosen.ch));
    assert_eq!(p.last_logits, logits);
    assert_eq!(cursor(&app), Some((0, 3)), "the cursor rests on the chosen character");
    assert_eq!(app.panes[1].total(), 5, "other panes are untouched");
}

#[test]
fn esc_or_resuming_leaves_inspect_mode() {
    let mut app = paused_app();
    press(&mut app, '[');
    assert!(update(&mut app, key(KeyCode::Esc)).is_empty(), "Esc leaves inspect, does not quit");
    assert_eq!(app.inspect, None);
    press(&mut app, '[');
    assert_eq!(press(&mut app, ' '), [Effect::Engine(Request::Run { chars_per_sec: Some(25.0) })]);
    assert_eq!(app.inspect, None);
}

#[test]
fn stepping_while_inspecting_keeps_the_cursor() {
    let mut app = paused_app();
    press(&mut app, '[');
    assert_eq!(press(&mut app, '.'), [Effect::Engine(Request::Step)]);
    feed(&mut app, &["!", "!", "!"]);
    assert_eq!(cursor(&app), Some((0, 4)));
    assert_eq!(app.panes[0].total(), 6);
}

#[test]
fn the_pick_list_scrolls_with_its_cursor() {
    let mut app = paused_app();
    press(&mut app, '[');
    for _ in 0..12 {
        press(&mut app, '>');
    }
    let sel = app.inspect.unwrap().selected;
    let h = app.histogram(5).unwrap();
    assert_eq!(h.rows.len(), 5);
    let shown: Vec<bool> = h.rows.iter().map(|r| r.selected).collect();
    assert_eq!(shown, [false, false, false, false, true], "the selected row is the last visible one");
    assert_eq!(h.first_row, sel - 4);
    assert_eq!(h.rows[4].rank as usize, sel + 1);
    // Enter branches on the character shown as selected.
    let want = h.rows[4].id;
    let fx = update(&mut app, key(KeyCode::Enter));
    assert!(matches!(fx.as_slice(), [Effect::Engine(Request::Branch { id, .. })] if *id == want), "{fx:?}");
}

#[test]
fn rows_are_in_logit_order_at_t0_and_under_truncation() {
    use tempest_core::sampling::SamplerSettings;
    for s in [
        SamplerSettings::with_temperature(0.0),
        SamplerSettings::with_temperature(0.01),
        SamplerSettings { top_k: 3, ..SamplerSettings::with_temperature(0.5) },
        SamplerSettings { top_p: 0.5, ..SamplerSettings::with_temperature(0.5) },
        SamplerSettings { min_p: 0.3, ..SamplerSettings::with_temperature(0.5) },
    ] {
        let mut app = app();
        app.panes[0].settings = s;
        feed(&mut app, &["hello", "hello", "hello"]);
        let h = app.histogram(40).unwrap();
        let z = &app.panes[0].newest().unwrap().z().to_vec();
        for w in h.rows.windows(2) {
            let (a, b) = (z[w[0].id as usize], z[w[1].id as usize]);
            assert!(a > b || (a == b && w[0].id < w[1].id), "{s:?}: {} before {}", w[0].ch, w[1].ch);
        }
        let kept = h.rows.iter().filter(|r| !r.cut).count();
        assert_eq!(kept.min(40), h.kept.min(40), "{s:?}");
        assert!(h.rows.iter().all(|r| !r.cut || r.p == 0.0), "{s:?}: cut rows have p 0");
        if s.top_k == 3 {
            assert_eq!(h.kept, 3);
            assert!(h.rows[3].cut && !h.rows[2].cut);
        }
    }
}
