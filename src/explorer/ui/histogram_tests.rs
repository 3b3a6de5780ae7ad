//! The histogram at the temperatures and truncations where it used to mislead: snapshots with
//! styles (the debug form of the buffer lists them), and checks of what the rows say.

use insta::assert_debug_snapshot;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;

use super::histogram::HistogramWidget;
use super::theme::Theme;
use crate::explorer::app::testutil::*;
use crate::explorer::app::App;
use tempest_core::sampling::SamplerSettings;

const TEXT: &str = "Why, then I crave the gracious lord";

/// An app whose focused pane drew `TEXT` with `settings`.
fn app_with(settings: SamplerSettings) -> App {
    let mut app = app();
    app.panes[0].settings = settings;
    for (k, c) in TEXT.chars().enumerate() {
        let d = drawn_with(&app.vocab, c, settings, k as u64);
        app.panes[0].push(d);
    }
    let n = TEXT.chars().count();
    app.panes[0].last_logits = logits(&app.vocab, TEXT.chars().last().unwrap(), (n - 1) as u64);
    app
}

fn draw(app: &App, w: u16, h: u16) -> Buffer {
    let theme = Theme::new(&app.colors, app.no_color);
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(HistogramWidget { app, theme: &theme }, f.area())).unwrap();
    t.backend().buffer().clone()
}

fn t(temperature: f32) -> SamplerSettings {
    SamplerSettings::with_temperature(temperature)
}

#[test]
fn snapshot_at_t_0_05() {
    assert_debug_snapshot!(draw(&app_with(t(0.05)), 72, 12));
}

#[test]
fn snapshot_at_t_1() {
    assert_debug_snapshot!(draw(&app_with(t(1.0)), 72, 12));
}

#[test]
fn snapshot_at_t_3() {
    assert_debug_snapshot!(draw(&app_with(t(3.0)), 72, 12));
}

#[test]
fn snapshot_under_top_p() {
    // Scrolled to where the nucleus ends, so kept and cut rows are both in view.
    let mut app = app_with(SamplerSettings { top_p: 0.9, ..t(1.5) });
    app.hist.scroll = 26;
    assert_debug_snapshot!(draw(&app, 72, 14));
}

#[test]
fn snapshot_under_min_p() {
    assert_debug_snapshot!(draw(&app_with(SamplerSettings { min_p: 0.1, ..t(1.5) }), 72, 20));
}

#[test]
fn snapshot_in_log_scale() {
    let mut app = app_with(t(0.05));
    app.hist.log_scale = true;
    assert_debug_snapshot!(draw(&app, 72, 12));
}

fn text_of(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height).map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect()).collect()
}

#[test]
fn log_scale_gives_low_t_rows_distinct_bars_and_values() {
    let mut app = app_with(t(0.05));
    let linear = text_of(&draw(&app, 72, 12));
    app.hist.log_scale = true;
    let log = text_of(&draw(&app, 72, 12));
    let bar_len = |line: &String| line.chars().filter(|&c| c == '▀' || c == '█' || c == '▄').count();
    // Linear: below the top row every T bar is empty; log: they have lengths.
    assert!(linear[3..10].iter().all(|l| !l.contains('▀')), "{linear:#?}");
    assert!(log[3..10].iter().any(|l| l.contains('▀')), "{log:#?}");
    assert!(bar_len(&log[3]) > bar_len(&log[9]), "{log:#?}");
    // Values below the top are printed, not rounded to 0.0%.
    assert!(log[3].contains("e-"), "{}", log[3]);
    assert!(!linear.iter().any(|l| l.contains(" 0.0%")), "{linear:#?}");
}

#[test]
fn cut_rows_stay_marked_and_the_footer_gives_the_kept_mass() {
    let app = app_with(SamplerSettings { top_k: 3, ..t(1.0) });
    let buf = draw(&app, 72, 12);
    let lines = text_of(&buf);
    assert!(!lines[2].contains("cut") && !lines[4].contains("cut"), "{lines:#?}");
    assert!(lines[5].contains("cut") && lines[6].contains("cut"), "{lines:#?}");
    let footer = &lines[10];
    assert!(footer.contains("kept 3/62"), "{footer}");
    // Kept rows show renormalised p: the three sum to ~100%.
    let h = app.histogram(8).unwrap();
    let kept: f32 = h.rows.iter().filter(|r| !r.cut).map(|r| r.p).sum();
    assert!((kept - 1.0).abs() < 1e-5);
    // A cut glyph is crossed out.
    let cut_glyph = &buf[(2, 5)];
    assert!(cut_glyph.modifier.contains(ratatui::style::Modifier::CROSSED_OUT));
}

#[test]
fn rows_fill_the_height_and_scroll_through_the_whole_vocabulary() {
    let mut app = app_with(t(1.0));
    let tall = app.histogram(100).unwrap();
    assert_eq!(tall.rows.len(), app.vocab.len(), "every character fits on a tall terminal");
    app.hist.scroll = 1000;
    let end = app.histogram(10).unwrap();
    assert_eq!(end.first_row, app.vocab.len() - 10, "scrolling stops at the last row");
    assert_eq!(end.rows.last().unwrap().rank as usize, app.vocab.len());
    let lines = text_of(&draw(&app, 72, 40));
    assert!(lines[38].contains("rows 27–62 of 62"), "{}", lines[38]);
}

#[test]
fn the_t1_column_is_not_repeated_at_t1() {
    let lines = text_of(&draw(&app_with(t(1.0)), 72, 12));
    assert!(!lines[1].contains("T 1 "), "{}", lines[1]);
    let lines = text_of(&draw(&app_with(t(0.5)), 72, 12));
    assert!(lines[1].contains("▄T 1"), "{}", lines[1]);
}

fn draw_strip(app: &App, w: u16) -> Buffer {
    let theme = Theme::new(&app.colors, app.no_color);
    let mut t = Terminal::new(TestBackend::new(w, 1)).unwrap();
    let strip = super::alternatives::AlternativesStrip { app, theme: &theme };
    t.draw(|f| f.render_widget(strip, f.area())).unwrap();
    t.backend().buffer().clone()
}

#[test]
fn alternatives_strip_marks_the_drawn_character() {
    let app = app_with(t(1.0));
    let buf = draw_strip(&app, 72);
    let line = &text_of(&buf)[0];
    // The same numbers as the histogram's first five rows, the drawn one (rank 1) marked.
    let h = app.alternatives(5).unwrap();
    assert_eq!(h.rows.len(), 5);
    assert!(line.starts_with(" top 5 of char 35 in pane 1: d "), "{line}");
    assert!(line.contains(" ◀"), "{line}");
    assert_debug_snapshot!(buf);
}

#[test]
fn alternatives_strip_adds_a_drawn_character_below_the_top_5() {
    use tempest_core::sampling::softmax_t;
    let mut app = app_with(t(1.0));
    // 'q' drawn from a distribution that favours 'e': its rank is below the first five.
    let s = t(1.0);
    let z = logits(&app.vocab, 'e', 3);
    let chain = s.view(&z, &[]);
    let mut p1 = Vec::new();
    softmax_t(&z, 1.0, &mut p1);
    let q = app.vocab.id('q').unwrap();
    let d = crate::explorer::worker::Drawn::new(&app.vocab, q, &chain.probs, &p1, &z, &z, s);
    let rank = d.rank;
    assert!(rank > 5, "{rank}");
    app.panes[0].push(d);
    app.panes[0].last_logits = z;
    let buf = draw_strip(&app, 90);
    let line = &text_of(&buf)[0];
    assert!(line.contains("… q ") && line.contains(&format!("(rank {rank}) ◀")), "{line}");
    assert_debug_snapshot!(buf);
}
