//! Titles, messages and footers at the sizes a newcomer tries (issue 12): the pane number and T
//! survive narrow panes, the status line keeps the seed, messages fit, the help explains the
//! figures and the hint bar follows the mode.

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::draw;
use super::pane::{short_count, top_title};
use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App, Event};

const LOOPED: &str = "I will not see the sea, and so the sea, and so the sea, and so the sea, and so the sea, ";
const PLAIN: &str = "Why, then I crave the gracious lord,\nThat he should seem to be a gentle-\nman of your fortune.\n";

fn fill(app: &mut App, i: usize, text: &str) {
    let t = app.panes[i].settings.temperature;
    for (k, c) in text.chars().enumerate() {
        app.panes[i].push(drawn(&app.vocab, c, t, (i * 1000 + k) as u64));
    }
    let n = text.chars().count();
    app.panes[i].last_logits = logits(&app.vocab, text.chars().last().unwrap(), (i * 1000 + n - 1) as u64);
}

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app)).unwrap();
    t
}

fn row(t: &Terminal<TestBackend>, y: u16) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect()
}

fn screen(t: &Terminal<TestBackend>) -> String {
    (0..t.backend().buffer().area.height).map(|y| row(t, y) + "\n").collect()
}

/// Six panes with a few thousand characters each, the first in a loop.
fn six_panes() -> App {
    let mut app = app();
    for _ in 0..3 {
        press(&mut app, 'a');
    }
    for (i, t) in [0.2, 0.5, 0.8, 1.0, 1.25, 1.5].into_iter().enumerate() {
        app.panes[i].settings.temperature = t;
    }
    fill(&mut app, 0, &LOOPED.repeat(100));
    for i in 1..6 {
        fill(&mut app, i, &PLAIN.repeat(90));
    }
    app.focus = 1;
    app
}

/// Each pane's top border, cut out of the first row by the pane rectangles.
fn pane_titles(app: &App, t: &Terminal<TestBackend>) -> Vec<String> {
    let (w, h) = (t.backend().buffer().area.width, t.backend().buffer().area.height);
    let l = crate::explorer::app::layout::main_layout(ratatui::layout::Rect::new(0, 0, w, h), app);
    let top = row(t, 0).chars().collect::<Vec<_>>();
    l.panes.iter().map(|r| top[r.x as usize..r.right() as usize].iter().collect()).collect()
}

#[test]
fn six_panes_at_80x24_keep_number_and_t() {
    let app = six_panes();
    let t = render(&app, 80, 24);
    assert_snapshot!("six_panes_80x24", t.backend());
    for (i, title) in pane_titles(&app, &t).iter().enumerate() {
        let temp = format!("T{:.2}", app.panes[i].settings.temperature);
        assert!(title.contains(&format!("{}", i + 1)) && title.contains(&temp), "pane {}: {title:?}", i + 1);
    }
}

#[test]
fn at_60x16_every_title_shows_its_t() {
    for app in [six_panes(), {
        let mut a = app();
        fill(&mut a, 0, LOOPED);
        fill(&mut a, 1, PLAIN);
        a
    }] {
        let t = render(&app, 60, 16);
        for (i, title) in pane_titles(&app, &t).iter().enumerate() {
            let temp = format!("{:.2}", app.panes[i].settings.temperature);
            assert!(title.contains(&temp), "pane {}: {title:?}", i + 1);
        }
        if app.panes.len() == 6 {
            assert_snapshot!("six_panes_60x16", t.backend());
        } else {
            assert_snapshot!("three_panes_60x16", t.backend());
        }
    }
}

#[test]
fn a_loop_label_shortens_the_count_instead_of_dropping_it() {
    let mut app = app();
    fill(&mut app, 0, &LOOPED.repeat(100));
    assert!(app.panes[0].current_loop().is_some());
    for w in [100u16, 120] {
        let t = render(&app, w, 30);
        let title = &pane_titles(&app, &t)[0];
        assert!(title.contains('⟳'), "{w}: {title:?}");
        let n = app.panes[0].total();
        assert!(
            title.contains(&tempest_core::display::thousands(n)) || title.contains(&short_count(n)),
            "{w} columns: the count went while the loop stayed: {title:?}"
        );
    }
}

#[test]
fn title_parts_give_way_lowest_priority_first() {
    let mut app = app();
    fill(&mut app, 0, &LOOPED.repeat(100));
    let p = &app.panes[0];
    let label = "T 0.20 · top-p 0.90";
    let at = |room| top_title(0, p, label, room)[..4].to_vec();
    let l = p.current_loop().unwrap();
    let (long, short) =
        (format!("⟳ loop: period {} ×{}", l.period, l.repeats()), format!("⟳ {}×{}", l.period, l.repeats()));
    assert_eq!(p.total(), 8_800);
    assert_eq!(at(80), ["1", label, &long, "8,800 ch"]);
    // The count shortens first, then the loop label, then the count again…
    assert_eq!(at(58), ["1", label, &long, "8.8k ch"]);
    assert_eq!(at(44), ["1", label, &short, "8.8k ch"]);
    assert_eq!(at(41), ["1", label, &short, "8.8k"]);
    // …then the settings squeeze; the count goes before the loop, the loop before T.
    assert_eq!(at(26), ["1", "T0.20 p.90", &short, "8.8k"]);
    assert_eq!(at(21), ["1", "T0.20 p.90", &short, ""]);
    assert_eq!(at(16), ["1", "T0.20 p.90", "⟳", ""]);
    assert_eq!(at(14), ["1", "T0.20 p.90", "", ""]);
    assert_eq!(at(7), ["1", "T0.20", "", ""]);
}

#[test]
fn the_status_line_keeps_the_seed_at_80_columns() {
    let mut app = app();
    fill(&mut app, 0, PLAIN);
    app.seed = 9_223_372_036_854_775_807;
    app.set_status("exported to /home/someone/projects/tempest/tempest-export-2026-11-29T15-04-05.txt");
    let t = render(&app, 80, 24);
    let status = row(&t, 23);
    assert!(status.contains("seed 9223372036854775807"), "{status:?}");
    assert!(status.contains("exported to") && status.contains(".txt"), "{status:?}");
    assert_snapshot!("status_long_message_80x24", t.backend());
    // A message that fits beside the seed alone is shown whole: the state gives way first.
    app.status = None;
    app.set_status(crate::explorer::app::strings::MSG_ESC_KEEPS);
    let status = row(&render(&app, 80, 24), 23);
    assert!(status.contains(crate::explorer::app::strings::MSG_ESC_KEEPS), "{status:?}");
    assert!(status.contains("seed 9223372036854775807"), "{status:?}");
}

#[test]
fn the_seed_error_is_whole_at_100_columns() {
    let mut app = app();
    press(&mut app, 's');
    press(&mut app, 'x');
    for w in [80, 100] {
        let s = screen(&render(&app, w, 24));
        assert!(s.contains("9223372036854775807]"), "{w} columns:\n{s}");
    }
}

#[test]
fn the_histogram_footer_ends_with_a_whole_part_at_200x50() {
    let mut app = app();
    fill(&mut app, 0, PLAIN);
    for size in [(200, 50), (80, 24), (60, 16), (150, 40)] {
        let t = render(&app, size.0, size.1);
        let s = screen(&t);
        let line = s.lines().find(|l| l.contains("H ") && l.contains("drew")).expect("a footer");
        let footer = &line[line.rfind("H ").unwrap()..];
        let inner = footer.trim_end_matches([' ', '│', '┘', '└', '─', '┃']);
        let last = inner.rsplit(" · ").next().unwrap();
        assert!(whole_footer_part(last), "{size:?}: footer cut inside a part: {inner:?}");
    }
}

/// Whether `part` is one of the footer's parts as written, not the cut start of one.
fn whole_footer_part(part: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let range = |s: &str| s.split_once('–').is_some_and(|(a, b)| digits(a) && digits(b));
    let ends = [')', '%'];
    ends.iter().any(|&e| part.ends_with(e))
        || part.ends_with("below")
        || part.ends_with("bits")
        || part.split_once('/').is_some_and(|(r, n)| (range(r) || r.starts_with("kept ")) && digits(n))
        || part.strip_prefix("rows ").and_then(|r| r.split_once(" of ")).is_some_and(|(r, n)| range(r) && digits(n))
}

#[test]
fn the_help_explains_every_figure() {
    let mut app = app();
    fill(&mut app, 0, PLAIN);
    press(&mut app, '?');
    // Tall enough for everything.
    let s = screen(&render(&app, 120, 90));
    for figure in ["bits/ch at T=1", "H ", "drawn", "d4", "⟳ period", "≈ w words"] {
        assert!(s.contains(figure), "the help does not explain {figure:?}:\n{s}");
    }
    // At 80×24 the legend is below the keys: scrolling reaches it.
    let first = screen(&render(&app, 80, 24));
    assert!(first.contains("more lines"), "{first}");
    for _ in 0..6 {
        update(&mut app, key(KeyCode::PageDown));
    }
    let end = render(&app, 80, 24);
    assert!(screen(&end).contains("d4, distinct-4"), "{}", screen(&end));
    assert_snapshot!("help_scrolled_to_the_figures_80x24", end.backend());
}

#[test]
fn the_hint_bar_follows_the_mode() {
    let mut app = app();
    fill(&mut app, 0, PLAIN);
    let bar = |app: &App| row(&render(app, 120, 30), 29);
    let running = bar(&app);
    assert!(running.contains("space pause") && !running.contains(". step"), "{running}");
    press(&mut app, ' ');
    let paused = bar(&app);
    assert!(paused.contains("space resume") && paused.contains(". step"), "{paused}");
    press(&mut app, '[');
    let inspect = bar(&app);
    assert!(inspect.contains("enter branch") && inspect.contains("esc leave"), "{inspect}");
    update(&mut app, key(KeyCode::Esc));
    press(&mut app, 'p');
    let editor = bar(&app);
    assert!(editor.contains("enter apply") && editor.contains("esc cancel"), "{editor}");
    update(&mut app, key(KeyCode::Esc));
    press(&mut app, 's');
    assert!(bar(&app).contains("enter restart with it"), "{}", bar(&app));
    update(&mut app, key(KeyCode::Esc));
    press(&mut app, '?');
    assert!(bar(&app).contains("?/esc close"), "{}", bar(&app));
    update(&mut app, Event::Resize(120, 30));
}

#[test]
fn messages_fit_at_the_smallest_sizes() {
    let mut app = app();
    fill(&mut app, 0, PLAIN);
    press(&mut app, 'p');
    for c in "Café – naïve \"quote\" 日本".chars() {
        press(&mut app, c);
    }
    assert_snapshot!("unknown_chars_60x16", render(&app, 60, 16).backend());
    assert_snapshot!("unknown_chars_80x24", render(&app, 80, 24).backend());
    let s = screen(&render(&app, 60, 16));
    assert!(s.contains("ctrl-d"), "the way out is cut off:\n{s}");
}
