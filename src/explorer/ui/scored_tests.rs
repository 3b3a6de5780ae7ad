//! Snapshots of a scored pane (`o`): its title, its text without the prime, rank colouring and
//! the histogram of an inspected character; and the path editor.

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

use super::draw;
use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App};

const TEXT: &str = "To be, or not to be,\nthat is the question:\n";

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app)).unwrap();
    t
}

/// Two generating panes and the scored `TEXT`, focused, paused.
fn scored_app() -> App {
    let mut app = app();
    app.panes.truncate(2);
    app.generations.bump(crate::explorer::app::Bump::Reset);
    feed(&mut app, &["the king", "a fool!\n"]);
    score_file(&mut app, "hamlet.txt", TEXT, |k| 7 * k, ('W', 3));
    press(&mut app, ' ');
    app
}

#[test]
fn a_scored_pane_coloured_by_rank_and_inspected() {
    let mut app = scored_app();
    press(&mut app, 'g');
    for _ in 0..4 {
        press(&mut app, '[');
    }
    let t = render(&app, 100, 24);
    assert_snapshot!(t.backend());
    let colours: std::collections::HashSet<Color> = t.backend().buffer().content().iter().map(|c| c.fg).collect();
    assert!(colours.contains(&Color::Green), "rank colouring applies to the scored text");
}

#[test]
fn the_score_path_editor() {
    let mut app = scored_app();
    press(&mut app, 'o');
    for c in "plays/ham".chars() {
        update(&mut app, ch(c));
    }
    update(&mut app, key(KeyCode::Left));
    assert_snapshot!(render(&app, 90, 20).backend());
}
