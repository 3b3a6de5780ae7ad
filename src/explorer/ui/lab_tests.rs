//! The distribution lab where it used to mislead or not fit: a scored pane's histogram says what
//! it shows and offers no branching, the re-tempered title fits 80 columns, and small terminals
//! keep at least three histogram rows (snapshots with styles at 60×16 and 80×24).

use crossterm::event::KeyCode;
use insta::assert_debug_snapshot;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;

use super::draw;
use crate::explorer::app::layout::{histogram_rows, main_layout};
use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App};
use tempest_core::sampling::SamplerSettings;

const PLAIN: &str = "Why, then I crave the gracious lord,\nThat he should seem to be a gentle-\nman of your fortune.\n";
const SCORED: &str = "To be, or not to be,\nthat is the question:\n";

/// Pushes `text` into pane `i` as if drawn at the pane's settings, its logits the last ones.
fn fill(app: &mut App, i: usize, text: &str) {
    let s = app.panes[i].settings;
    for (k, c) in text.chars().enumerate() {
        let d = drawn_with(&app.vocab, c, s, (i * 1000 + k) as u64);
        app.panes[i].push(d);
    }
    let n = text.chars().count();
    app.panes[i].last_logits = logits(&app.vocab, text.chars().last().unwrap(), (i * 1000 + n - 1) as u64);
}

fn render(app: &App, w: u16, h: u16) -> Buffer {
    let mut app = app.clone();
    app.size = (w, h);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, &app)).unwrap();
    t.backend().buffer().clone()
}

fn lines(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height).map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect()).collect()
}

/// The histogram's top border: the line holding its title.
fn hist_title(app: &App, w: u16, h: u16) -> String {
    let l = main_layout(Rect::new(0, 0, w, h), app);
    lines(&render(app, w, h))[l.histogram.y as usize].clone()
}

/// Two generating panes and the scored `SCORED`, focused, paused, inspecting a character.
fn scored_app() -> App {
    let mut app = app();
    app.panes.truncate(2);
    fill(&mut app, 0, PLAIN);
    fill(&mut app, 1, PLAIN);
    score_file(&mut app, "hamlet.txt", SCORED, |k| 7 * k, ('W', 3));
    press(&mut app, ' ');
    app
}

#[test]
fn a_scored_histogram_says_the_text_was_scored_and_offers_no_branch() {
    let mut app = scored_app();
    for inspecting in [false, true] {
        if inspecting {
            for _ in 0..4 {
                press(&mut app, '[');
            }
        }
        let screen = lines(&render(&app, 100, 24)).join("\n");
        let title = hist_title(&app, 100, 24);
        assert!(title.contains("scored under the model (T 1)"), "{title}");
        assert!(!screen.contains("as drawn") && !screen.contains("drew "), "a scored text was not drawn:\n{screen}");
        assert!(!screen.contains("branch") && !screen.contains(". step"), "{screen}");
        assert!(screen.contains("◀ text") && screen.contains("bits · text "), "{screen}");
    }
    // A generating pane's histogram still says "as drawn" and offers branching while inspecting.
    press(&mut app, '[');
    update(&mut app, key(KeyCode::Esc));
    update(&mut app, key(KeyCode::Left));
    press(&mut app, '[');
    let title = hist_title(&app, 100, 24);
    assert!(title.contains("as drawn at T 1.00") && title.contains("enter branch"), "{title}");
}

/// The title is whole: nothing after its closing space but the border.
fn assert_fits(title: &str) {
    let body = title.trim_end_matches('┐').trim_end_matches('─');
    assert!(body.ends_with(' ') && body.starts_with("┌ "), "the title is cut by the border: {title}");
}

#[test]
fn the_re_tempered_title_fits_80_columns() {
    let mut app = app();
    app.panes[1].settings = SamplerSettings { top_p: 0.9, ..SamplerSettings::with_temperature(1.5) };
    let long: String = PLAIN.repeat(15);
    fill(&mut app, 1, &long);
    app.focus = 1;
    press(&mut app, ' ');
    update(&mut app, key(KeyCode::Up));
    for (w, h) in [(80, 24), (60, 16), (200, 50)] {
        let title = hist_title(&app, w, h);
        assert_fits(&title);
        assert!(title.contains("1.55") && title.contains("1.50"), "{w}×{h}: both temperatures: {title}");
    }
    let wide = hist_title(&app, 200, 50);
    let at_80 = hist_title(&app, 80, 24);
    assert!(at_80.contains("re-tempered") && at_80.contains("drawn"), "{at_80}");
    // In log scale and while inspecting, the title still fits.
    press(&mut app, 'v');
    assert_fits(&hist_title(&app, 80, 24));
    press(&mut app, '[');
    assert_fits(&hist_title(&app, 80, 24));
    assert!(wide.contains("char 1,410"), "{wide}");
}

/// Three panes of readable text, the middle one focused.
fn sample_app() -> App {
    let mut app = app();
    for i in 0..3 {
        fill(&mut app, i, PLAIN);
    }
    app.focus = 1;
    app
}

fn hist_rows(app: &App, w: u16, h: u16) -> u16 {
    histogram_rows(main_layout(Rect::new(0, 0, w, h), app).histogram).height
}

#[test]
fn small_terminals_keep_three_histogram_rows() {
    let mut app = sample_app();
    for (w, h) in [(60, 16), (80, 18), (80, 24), (120, 20)] {
        assert!(hist_rows(&app, w, h) >= 3, "{w}×{h}: {} rows", hist_rows(&app, w, h));
    }
    // With the colour and neuron legends taking lines, still three at the minimum size.
    press(&mut app, 'g');
    assert!(hist_rows(&app, 60, 16) >= 3, "{} rows", hist_rows(&app, 60, 16));
}

#[test]
fn snapshot_at_60x16() {
    assert_debug_snapshot!(render(&sample_app(), 60, 16));
}

#[test]
fn snapshot_at_80x24() {
    assert_debug_snapshot!(render(&sample_app(), 80, 24));
}

#[test]
fn at_80_columns_the_hint_bar_keeps_room_beside_the_model_line() {
    let mut app = sample_app();
    app.model_line = "shakespeare · val 1.337".into();
    let bar = |app: &App| lines(&render(app, 80, 24))[23].clone();
    let running = bar(&app);
    // Not every hint fits at 80 columns: the way to all of them, `? help`, takes the last place.
    assert!(running.contains("←/→ focus") && running.contains("↑/↓ T") && running.contains("? help"), "{running}");
    assert!(running.contains("shakespeare") && running.contains("seed 7"), "{running}");
    let mut scored = scored_app();
    scored.model_line = app.model_line.clone();
    press(&mut scored, '[');
    let inspecting = bar(&scored);
    assert!(inspecting.contains("[/] char") && inspecting.contains("space resume"), "{inspecting}");
    assert!(inspecting.contains("? help"), "{inspecting}");
    press(&mut scored, '?');
    let help = bar(&scored);
    assert!(help.contains("↑/↓ scroll") && help.contains("?/esc close"), "{help}");
}

#[test]
fn however_narrow_the_hint_bar_keeps_the_help_in_sight() {
    for (w, h) in [(60, 16), (80, 24), (100, 30)] {
        for paused in [false, true] {
            let mut app = sample_app();
            app.model_line = "shakespeare · val 1.337".into();
            if paused {
                press(&mut app, '[');
            }
            let bar = lines(&render(&app, w, h))[usize::from(h) - 1].clone();
            assert!(bar.contains("? help"), "{w}×{h} paused {paused}: {bar}");
        }
    }
    // With room for every hint they keep their order, `? help` among them.
    let app = sample_app();
    let wide = lines(&render(&app, 240, 60))[59].clone();
    let (t, help) = (wide.find("↑/↓ T").unwrap(), wide.find("? help").unwrap());
    assert!(t < help, "{wide}");
}

#[test]
fn the_scored_message_shows_whole_beside_the_seed_at_80_columns() {
    let mut app = app();
    app.model_line = "shakespeare · val 1.337".into();
    let path = "plays/hamlet-act-3.txt";
    score_file(&mut app, path, SCORED, |k| 7 * k, ('W', 3));
    let msg = app.status.as_ref().expect("the scoring is reported").text.clone();
    assert!(msg.starts_with(&format!("scored {path}:")), "{msg}");
    let bar = lines(&render(&app, 80, 24))[23].clone();
    assert!(bar.contains(&msg) && bar.contains("seed 7"), "cut: {bar}");
}
