//! The mouse (click → inspect, click on a histogram row, the wheel) and the inspect cursor's word,
//! line and page moves. The terminal is 120×40: three panes 40 columns wide whose text starts at
//! column 1 + 40·i and row 1, under the prime's row `KING HENRY:↵`.

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use crate::explorer::app::testutil::*;
use crate::explorer::app::text_view::{text_area, TextView};
use crate::explorer::app::{layout, update, App, Effect, Event, HistogramSource, Overlay};
use crate::explorer::worker::Request;

const TEXT: &str = "hello world, and so the sea\nAnd so the sea";

fn sized_app() -> App {
    let mut app = app();
    update(&mut app, Event::Resize(120, 40));
    app
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Event {
    Event::Mouse(MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE })
}

fn click(app: &mut App, column: u16, row: u16) -> Vec<Effect> {
    update(app, mouse(MouseEventKind::Down(MouseButton::Left), column, row))
}

fn cursor(app: &App) -> Option<(usize, u64)> {
    app.inspect.map(|i| (i.pane, i.pos))
}

fn char_at_cursor(app: &App) -> char {
    let i = app.inspect.unwrap();
    app.panes[i.pane].get(i.pos).unwrap().ch
}

#[test]
fn a_click_on_a_character_pauses_and_inspects_it() {
    let mut app = sized_app();
    feed(&mut app, &[TEXT, TEXT, TEXT]);
    // Pane 2, row 1 of its text ("hello world, …"), column 6: the 'w'.
    let fx = click(&mut app, 41 + 6, 1 + 1);
    assert_eq!(fx, [Effect::Engine(Request::Pause)], "a click while running pauses");
    assert!(app.paused);
    assert_eq!((app.focus, cursor(&app)), (1, Some((1, 6))));
    assert_eq!(char_at_cursor(&app), 'w');
    // The histogram is that character's distribution, as drawn.
    let h = app.histogram(8).unwrap();
    assert_eq!(h.source, HistogramSource::Inspect { pos: 6 });
    let d = app.panes[1].get(6).unwrap();
    assert_eq!(h.drawn, Some(('w', d.p, d.rank)));
    assert!(h.rows.iter().any(|r| r.drawn && r.selected && r.ch == 'w'));

    // Paused already: another click moves the cursor and sends nothing. Row 2 is "And so the sea".
    assert!(click(&mut app, 1 + 4, 1 + 2).is_empty());
    assert_eq!((app.focus, cursor(&app)), (0, Some((0, 32))));
    assert_eq!(char_at_cursor(&app), 's');
    // Beyond the end of a row: its last character (the newline after "sea").
    click(&mut app, 1 + 35, 1 + 1);
    assert_eq!((cursor(&app), char_at_cursor(&app)), (Some((0, 27)), '\n'));
}

#[test]
fn a_click_on_the_prime_or_the_border_only_focuses() {
    let mut app = sized_app();
    feed(&mut app, &[TEXT, TEXT, TEXT]);
    let fx = click(&mut app, 81 + 2, 1);
    assert!(fx.is_empty() && !app.paused && app.inspect.is_none());
    assert_eq!(app.focus, 2);
    assert!(app.status.as_ref().unwrap().text.contains("prime"), "{:?}", app.status);
    click(&mut app, 40, 5);
    assert_eq!((app.focus, app.inspect), (1, None), "the border focuses the pane");
}

#[test]
fn hit_testing_reads_the_layout_the_frame_was_drawn_with() {
    // Every cell of every pane's text area: the character drawn there is the one a click inspects.
    let mut app = sized_app();
    // Three texts of TEXT's length: short lines, blank lines, a word longer than the pane.
    let b: String = "abc def\nghi jkl mno pqr stu vwx yz\nab cd efgh ij".chars().take(TEXT.len()).collect();
    let c: String = format!("x y z\n\n{}", "last".repeat(20)).chars().take(TEXT.len()).collect();
    assert!(b.len() == TEXT.len() && c.len() == TEXT.len());
    feed(&mut app, &[TEXT, &b, &c]);
    let buf = {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        t.draw(|f| crate::explorer::ui::draw(f, &app)).unwrap();
        t.backend().buffer().clone()
    };
    let l = layout::main_layout(Rect::new(0, 0, 120, 40), &app);
    let mut hits = 0;
    for (p, &r) in l.panes.iter().enumerate() {
        let area = text_area(r);
        let v = TextView::new(&app, p, area);
        for y in area.y..area.bottom() {
            for x in area.x..area.right() {
                let drawn = buf[(x, y)].symbol().to_string();
                if drawn.trim().is_empty() {
                    continue;
                }
                let i = v.hit(x, y).expect("a drawn cell is a character");
                let (glyph, _) = crate::explorer::app::wrap::display(v.ch(i));
                assert_eq!(drawn, glyph.to_string(), "pane {p} at ({x}, {y})");
                hits += 1;
            }
        }
    }
    assert!(hits > 60, "{hits}");
}

#[test]
fn a_click_on_a_histogram_row_picks_it() {
    let mut app = sized_app();
    feed(&mut app, &[TEXT, TEXT, TEXT]);
    let l = layout::main_layout(Rect::new(0, 0, 120, 40), &app);
    let rows = layout::histogram_rows(l.histogram);
    // Not inspecting: the newest character is inspected and the third row picked.
    let fx = click(&mut app, rows.x + 2, rows.y + 2);
    assert_eq!(fx, [Effect::Engine(Request::Pause)]);
    let newest = app.panes[0].total() - 1;
    assert_eq!(cursor(&app), Some((0, newest)));
    assert_eq!(app.inspect.unwrap().selected, 2);
    let h = app.histogram(rows.height as usize).unwrap();
    assert!(h.rows[2].selected && h.rows[2].rank == 3);
    // Enter branches with the picked row's character.
    let want = h.rows[2].id;
    let fx = update(&mut app, key(KeyCode::Enter));
    assert!(matches!(fx.as_slice(), [Effect::Engine(Request::Branch { id, .. })] if *id == want), "{fx:?}");
}

/// Line `k`'s text: `line` and two letters for its number (`line bh` for 17; the test vocabulary
/// has no digits), and a newline.
fn line(k: usize) -> String {
    let digit = |d: usize| (b'a' + d as u8) as char;
    format!("line {}{}\n", digit(k / 10), digit(k % 10))
}

/// Forty short lines in pane 1, far more than its 24 rows.
fn long_app() -> App {
    let mut app = sized_app();
    let text: String = (0..40).map(line).collect();
    feed(&mut app, &[&text, &text, &text]);
    app
}

fn top_row(app: &App, pane: usize) -> String {
    let l = layout::main_layout(Rect::new(0, 0, 120, 40), app);
    let v = TextView::new(app, pane, text_area(l.panes[pane]));
    let r = v.rows[0];
    (r.start..r.end).map(|i| v.ch(i)).collect()
}

#[test]
fn the_wheel_scrolls_a_pane_back_and_it_stays_until_scrolled_down_or_end() {
    let mut app = long_app();
    let bottom = top_row(&app, 0);
    assert_eq!(bottom, line(17), "24 rows: lines 17–39 and the empty last row");
    update(&mut app, mouse(MouseEventKind::ScrollUp, 10, 10));
    assert_eq!(top_row(&app, 0), line(14), "one notch is three rows");
    assert!(app.panes[0].view_anchor.is_some());
    assert_eq!(top_row(&app, 1), line(17), "only the pane under the mouse scrolls");
    // New text arrives below; the held view stays.
    feed(&mut app, &["more\n", "more\n", "more\n"]);
    assert_eq!(top_row(&app, 0), line(14));
    assert_eq!(top_row(&app, 1), line(18), "the others follow the new text");
    // Down past the end: following again.
    for _ in 0..3 {
        update(&mut app, mouse(MouseEventKind::ScrollDown, 10, 10));
    }
    assert_eq!(app.panes[0].view_anchor, None);
    assert_eq!(top_row(&app, 0), line(18));
    // End brings every held pane back.
    update(&mut app, mouse(MouseEventKind::ScrollUp, 10, 10));
    update(&mut app, mouse(MouseEventKind::ScrollUp, 50, 10));
    assert!(app.panes[0].view_anchor.is_some() && app.panes[1].view_anchor.is_some());
    update(&mut app, key(KeyCode::End));
    assert!(app.panes.iter().all(|p| p.view_anchor.is_none()));
    assert!(app.inspect.is_none(), "end outside inspect only scrolls");
    // Home scrolls the focused pane to its start (the prime).
    update(&mut app, key(KeyCode::Home));
    assert_eq!(top_row(&app, 0), "KING HENRY:\n");
}

#[test]
fn the_wheel_over_the_histogram_scrolls_it_or_moves_the_pick() {
    let mut app = long_app();
    let l = layout::main_layout(Rect::new(0, 0, 120, 40), &app);
    let (x, y) = (l.histogram.x + 5, l.histogram.y + 3);
    update(&mut app, mouse(MouseEventKind::ScrollDown, x, y));
    assert_eq!(app.hist.scroll, 3);
    update(&mut app, mouse(MouseEventKind::ScrollUp, x, y));
    assert_eq!(app.hist.scroll, 0);
    press(&mut app, '[');
    let sel = app.inspect.unwrap().selected;
    update(&mut app, mouse(MouseEventKind::ScrollDown, x, y));
    assert_eq!(app.inspect.unwrap().selected, sel + 1);
}

#[test]
fn keys_move_the_cursor_by_word() {
    let mut app = sized_app();
    feed(&mut app, &[TEXT, TEXT, TEXT]);
    // b while running pauses and opens on the newest character, like [.
    assert_eq!(press(&mut app, 'b'), [Effect::Engine(Request::Pause)]);
    assert_eq!(cursor(&app), Some((0, 41)));
    press(&mut app, 'b');
    assert_eq!(cursor(&app), Some((0, 39)), "the start of \"sea\"");
    press(&mut app, 'b');
    assert_eq!(cursor(&app), Some((0, 35)), "\"the\"");
    update(&mut app, key(KeyCode::Home));
    press(&mut app, 'w');
    assert_eq!(cursor(&app), Some((0, 6)), "\"world,\"");
    press(&mut app, 'w');
    assert_eq!(cursor(&app), Some((0, 13)), "\"and\"");
    assert_eq!(
        app.inspect.unwrap().selected + 1,
        app.panes[0].get(13).unwrap().rank as usize,
        "the drawn row is picked"
    );
}

#[test]
fn arrows_move_the_cursor_by_row_keeping_its_column() {
    let mut app = sized_app();
    feed(&mut app, &[TEXT, TEXT, TEXT]);
    press(&mut app, ' ');
    click(&mut app, 1 + 8, 1 + 2); // "And so the sea": the 'h' of "the"
    assert_eq!((cursor(&app), char_at_cursor(&app)), (Some((0, 36)), 'h'));
    let t = app.panes[0].settings.temperature;
    update(&mut app, key(KeyCode::Up));
    assert_eq!((cursor(&app), char_at_cursor(&app)), (Some((0, 8)), 'r'), "\"hello world\": column 8");
    assert_eq!(app.panes[0].settings.temperature, t, "↑ moves the cursor, not T, while inspecting");
    update(&mut app, key(KeyCode::Up));
    assert_eq!(cursor(&app), Some((0, 0)), "above is the prime: the oldest generated character");
    update(&mut app, key(KeyCode::Char('j')));
    assert_eq!(cursor(&app), Some((0, 28)), "column 0 of the last row");
    update(&mut app, key(KeyCode::Down));
    assert_eq!(cursor(&app), Some((0, 41)), "below the last row: the newest character");
    // Outside inspect ↑ is the temperature again.
    update(&mut app, key(KeyCode::Esc));
    update(&mut app, key(KeyCode::Up));
    assert_eq!(app.panes[0].settings.temperature, t + 0.05);
}

#[test]
fn page_keys_scroll_the_text_and_keep_the_cursor_on_its_screen_row() {
    let mut app = long_app();
    press(&mut app, '[');
    let newest = app.panes[0].total() - 1;
    assert_eq!(top_row(&app, 0), line(17));
    // The cursor is on the last row (the newest, a newline at the end of "line 39"): 22 rows down.
    assert_eq!(cursor(&app), Some((0, newest)));
    update(&mut app, key(KeyCode::PageUp));
    assert_eq!(top_row(&app, 0), "KING HENRY:\n", "only 18 rows above: the text scrolls to its start");
    assert_eq!(app.panes[0].settings.temperature, 0.2, "pgup moves the cursor while inspecting");
    // 24 rows up from "line 39": "line 15"'s newline, in the same column.
    let c = char_at_cursor(&app);
    assert_eq!(c, '\n');
    assert_eq!(cursor(&app).unwrap().1, 15 * 8 + 7, "line 15's newline");
    update(&mut app, key(KeyCode::PageDown));
    assert_eq!(cursor(&app).unwrap().1, newest, "and back down");
    assert_eq!(app.panes[0].view_anchor, None, "at the end the pane follows again");
    // Outside inspect pgup is a big temperature step.
    update(&mut app, key(KeyCode::Esc));
    update(&mut app, key(KeyCode::PageUp));
    assert_eq!(app.panes[0].settings.temperature, 0.45);
}

#[test]
fn leaving_inspect_lets_the_pane_follow_its_text_again() {
    let mut app = long_app();
    press(&mut app, '[');
    update(&mut app, key(KeyCode::Home));
    assert_eq!(top_row(&app, 0), "KING HENRY:\n", "the pane scrolled back to show the cursor a third of the way down");
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.panes[0].view_anchor, None);
    assert_eq!(top_row(&app, 0), line(17));
}

#[test]
fn the_wheel_scrolls_the_help_and_a_click_closes_it() {
    let mut app = app();
    update(&mut app, Event::Resize(80, 24));
    press(&mut app, '?');
    update(&mut app, mouse(MouseEventKind::ScrollDown, 40, 10));
    update(&mut app, mouse(MouseEventKind::ScrollDown, 40, 10));
    assert_eq!((app.overlay.clone(), app.help_scroll), (Overlay::Help, 6));
    update(&mut app, mouse(MouseEventKind::ScrollUp, 40, 10));
    assert_eq!(app.help_scroll, 3);
    let fx = click(&mut app, 40, 10);
    assert!(fx.is_empty() && app.inspect.is_none(), "the click only closes the help");
    assert_eq!(app.overlay, Overlay::None);
}
