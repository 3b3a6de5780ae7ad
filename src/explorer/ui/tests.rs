//! Snapshot tests of the whole screen and of single widgets, on ratatui's `TestBackend`, plus
//! checks that no terminal size panics and that NO_COLOR means no colour. Frame times are measured
//! by `benches/ui.rs`, not here.

use crossterm::event::KeyCode;
use insta::{assert_debug_snapshot, assert_snapshot};
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

use super::draw;
use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App, ColorMode};

const LOOPED: &str = "I will not see the sea, and so the sea, and so the sea, and so the sea, and so the sea, ";
const PLAIN: &str = "Why, then I crave the gracious lord,\nThat he should seem to be a gentle-\nman of your fortune.\n";
const WILD: &str =
    "Hark, quoth Ysaden-lick! yo' stomb\nHyd dreamings, mickening, flow's bet\napper-throw; ROIN: Gay, dy't!\n";

/// Pushes `text` into pane `i` as if the engine had drawn it, with its logits as the last ones.
fn fill(app: &mut App, i: usize, text: &str) {
    let t = app.panes[i].settings.temperature;
    for (k, c) in text.chars().enumerate() {
        let d = drawn(&app.vocab, c, t, (i * 1000 + k) as u64);
        app.panes[i].push(d);
    }
    let n = text.chars().count();
    app.panes[i].last_logits = logits(&app.vocab, text.chars().last().unwrap(), (i * 1000 + n - 1) as u64);
}

/// Three panes: a low-T loop, a readable T = 1 text and a wild T = 1.5 one.
fn sample_app() -> App {
    let mut app = app();
    fill(&mut app, 0, LOOPED);
    fill(&mut app, 1, PLAIN);
    fill(&mut app, 2, WILD);
    app.focus = 1;
    app
}

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app)).unwrap();
    t
}

#[test]
fn main_screen_with_three_panes() {
    assert_snapshot!(render(&sample_app(), 120, 30).backend());
}

#[test]
fn main_screen_at_the_minimum_size() {
    assert_snapshot!(render(&sample_app(), super::MIN_WIDTH, super::MIN_HEIGHT).backend());
}

#[test]
fn histogram_alone() {
    let app = sample_app();
    let theme = super::theme::Theme::new(&app.colors, false);
    let mut t = Terminal::new(TestBackend::new(84, 12)).unwrap();
    t.draw(|f| f.render_widget(super::histogram::HistogramWidget { app: &app, theme: &theme }, f.area())).unwrap();
    assert_snapshot!(t.backend());
}

#[test]
fn histogram_before_the_first_character() {
    assert_snapshot!(render(&app(), 80, 20).backend());
}

#[test]
fn help_overlay() {
    let mut app = sample_app();
    press(&mut app, '?');
    assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn inspect_mode() {
    let mut app = sample_app();
    press(&mut app, ' ');
    for _ in 0..6 {
        press(&mut app, '[');
    }
    press(&mut app, '>');
    let t = render(&app, 120, 30);
    assert_snapshot!(t.backend());
    // The cursor character is drawn reversed.
    // The cursor is drawn reversed on the 't' of "fortune" (6 characters back from the end).
    assert_eq!(reversed_in_panes(&t), ["t"]);
}

/// Symbols drawn reversed above the histogram (i.e. the inspect cursor).
fn reversed_in_panes(t: &Terminal<TestBackend>) -> Vec<String> {
    let buf = t.backend().buffer();
    let rows = buf.area.height - 12;
    (0..rows)
        .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
        .filter(|&p| buf[p].modifier.contains(ratatui::style::Modifier::REVERSED))
        .map(|p| buf[p].symbol().to_string())
        .collect()
}

#[test]
fn the_pane_scrolls_back_to_an_old_cursor() {
    let mut app = app();
    let long = PLAIN.repeat(30);
    fill(&mut app, 0, &long);
    press(&mut app, ' ');
    press(&mut app, '[');
    update(&mut app, key(KeyCode::Home));
    let t = render(&app, 80, 24);
    assert_eq!(reversed_in_panes(&t), ["W"], "the first generated character is on screen");
    update(&mut app, key(KeyCode::End));
    assert_eq!(reversed_in_panes(&render(&app, 80, 24)), ["↵"]);
}

#[test]
fn a_detected_loop_is_highlighted_and_named_in_the_title() {
    let mut app = app();
    fill(&mut app, 0, LOOPED);
    let l = app.panes[0].current_loop().unwrap();
    assert_eq!((l.period, l.repeats()), (16, 4));
    let theme = super::theme::Theme::new(&app.colors, false);
    let mut t = Terminal::new(TestBackend::new(50, 7)).unwrap();
    t.draw(|f| f.render_widget(super::pane::PaneView { app: &app, index: 0, theme: &theme }, f.area())).unwrap();
    // The debug form lists styles, so the highlighted span is part of the snapshot.
    assert_debug_snapshot!(t.backend().buffer());
}

#[test]
fn probability_colouring_with_legend() {
    let mut app = sample_app();
    press(&mut app, 'g');
    assert_eq!(app.color_mode, ColorMode::Rank);
    let t = render(&app, 120, 30);
    assert_snapshot!(t.backend());
    let buf = t.backend().buffer();
    let colours: std::collections::HashSet<Color> = buf.content().iter().map(|c| c.fg).collect();
    assert!(colours.contains(&Color::Green) && colours.contains(&Color::Yellow), "rank buckets coloured");
    press(&mut app, 'g');
    let t = render(&app, 120, 30);
    let legend = (0..120).map(|x| t.backend().buffer()[(x, 28)].symbol().to_string()).collect::<String>();
    assert!(legend.contains("probability it was drawn with"), "{legend}");
}

#[test]
fn prime_editor_with_an_unknown_character() {
    let mut app = sample_app();
    press(&mut app, 'p');
    for c in "Ô, Béatrice".chars() {
        press(&mut app, c);
    }
    assert_snapshot!(render(&app, 100, 24).backend());
}

#[test]
fn seed_editor() {
    let mut app = sample_app();
    press(&mut app, 's');
    press(&mut app, '4');
    assert_snapshot!(render(&app, 80, 20).backend());
}

#[test]
fn too_small_screen() {
    assert_snapshot!(render(&sample_app(), 59, 15).backend());
}

#[test]
fn no_size_panics_in_any_mode() {
    let mut apps = vec![app(), sample_app()];
    let mut a = sample_app();
    press(&mut a, ' ');
    press(&mut a, '[');
    press(&mut a, 'g');
    apps.push(a.clone());
    press(&mut a, '?');
    apps.push(a.clone());
    let mut a = sample_app();
    press(&mut a, 'p');
    press(&mut a, 'é');
    apps.push(a);
    for app in &apps {
        for w in (1..=70).chain([120, 241]) {
            for h in (1..=20).chain([60]) {
                render(app, w, h);
            }
        }
    }
}

#[test]
fn no_color_draws_with_modifiers_only() {
    let mut app = sample_app();
    app.no_color = true;
    press(&mut app, 'g');
    press(&mut app, ' ');
    press(&mut app, '[');
    let t = render(&app, 120, 30);
    for c in t.backend().buffer().content() {
        assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "{c:?}");
    }
}

#[test]
fn a_large_frame_shows_the_newest_text() {
    // Short lines (the usual case) and one endless line (a loop without newlines, the worst case
    // for finding where the visible rows start). Render time is measured by the UI benchmark,
    // not here; this checks that only the tail is laid out and that it is the right tail.
    let lines: String = PLAIN.repeat(10_000 / PLAIN.len());
    let endless: String = format!("{}THE END", "and so the sea, ".repeat(625));
    for text in [lines, endless] {
        let mut app = app();
        for _ in 0..3 {
            press(&mut app, 'a');
        }
        for i in 0..app.panes.len() {
            fill(&mut app, i, &text);
        }
        let area = ratatui::layout::Rect::new(0, 0, 240, 60);
        let mut buf = ratatui::buffer::Buffer::empty(area);
        super::render(&app, area, &mut buf);
        let screen: String = buf.content().iter().map(|c| c.symbol()).collect();
        let tail: String = text.chars().rev().take(6).collect::<Vec<_>>().into_iter().rev().collect();
        let tail = tail.trim_end_matches('\n');
        assert!(screen.contains(tail), "newest text {tail:?} is not on screen");
    }
}

/// The seed dialog's error, whole (not cut at `[0, 92233720`), at the smallest sizes.
#[test]
fn seed_error_fits_at_60x16_and_80x24() {
    let mut app = sample_app();
    press(&mut app, 's');
    press(&mut app, 'x');
    let small = render(&app, 60, 16);
    assert_snapshot!("seed_error_60x16", small.backend());
    assert_snapshot!("seed_error_80x24", render(&app, 80, 24).backend());
    let text: String = small.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("9223372036854775807]"), "the whole range is shown");
}

/// The prime editor's cursor stands where it was moved to (here after "KING"), drawn reversed.
#[test]
fn prime_editor_cursor_inside_the_text() {
    let mut app = sample_app();
    press(&mut app, 'p');
    update(
        &mut app,
        crate::explorer::app::Event::Key(crossterm::event::KeyEvent::new(
            KeyCode::Up,
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    for _ in 0..3 {
        update(&mut app, key(KeyCode::Right));
    }
    update(&mut app, key(KeyCode::Right));
    let t = render(&app, 80, 24);
    assert_snapshot!("prime_editor_cursor_80x24", t.backend());
    let buf = t.backend().buffer();
    let reversed: Vec<String> = buf
        .content()
        .iter()
        .filter(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED))
        .map(|c| c.symbol().to_string())
        .collect();
    assert_eq!(reversed, [" "], "the cursor is on the space after KING");
}
