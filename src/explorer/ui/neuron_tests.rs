//! Snapshots of the neuron view (the focused pane coloured by a unit, the legend and the most
//! active units at the cursor) and of a span selection's result, plus its frame time.

use insta::assert_snapshot;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;

use super::draw;
use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App, Event};
use crate::explorer::worker::Reply;
use tempest_core::analysis::cells::{Quantity, UnitLayout, UnitRef};

const LAYOUT: UnitLayout = UnitLayout { layers: 2, hidden: 4, has_cell: true };
const TEXT: &str =
    "Why, then I crave the 'gracious' lord,\nThat he should 'seem' to be a gentle-\nman of your fortune.\n";

/// Pane 1 focused and holding TEXT, with activations for all of it: unit L1 c 2 is on inside
/// single quotes, L2 h 0 follows the column, the rest is small noise.
fn neuron_app() -> App {
    let mut a = app();
    a.neurons.set_layout(LAYOUT);
    feed(&mut a, &[TEXT, TEXT, TEXT]);
    a.focus = 1;
    press(&mut a, 'u');
    let chars: Vec<char> = TEXT.chars().collect();
    let (mut q, mut col) = (false, 0);
    let rows: Vec<Vec<f32>> = chars
        .iter()
        .enumerate()
        .map(|(p, &c)| {
            if c == '\'' {
                q = !q;
            }
            let row = LAYOUT
                .units()
                .enumerate()
                .map(|(i, u)| match (u.quantity, u.layer, u.index) {
                    (Quantity::C, 0, 2) => {
                        if q {
                            3.0
                        } else {
                            -0.5
                        }
                    }
                    (Quantity::H, 1, 0) => (col as f32 / 20.0 - 1.0).clamp(-1.0, 1.0),
                    _ => (((i * 5 + p * 3) % 7) as f32 - 3.0) * 0.05,
                })
                .collect();
            col = if c == '\n' { 0 } else { col + 1 };
            row
        })
        .collect();
    update(&mut a, Event::Engine(Reply::Activations { id: 1, pane: 1, start: 0, rows }));
    a
}

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app)).unwrap();
    t
}

/// The background of every cell of row `y` from `x0`, as a compact string: `+` red, `-` blue, `.`
/// none (so colours are in the snapshot too, not only the text).
fn bg_row(buf: &Buffer, y: u16, x0: u16, n: u16) -> String {
    (x0..x0 + n)
        .map(|x| match buf[(x, y)].bg {
            Color::Rgb(r, _, b) if r > b => '+',
            Color::Rgb(..) => '-',
            _ => '.',
        })
        .collect()
}

#[test]
fn neuron_view_colours_the_focused_pane_and_lists_active_units() {
    let mut a = neuron_app();
    a.neurons.unit = UnitRef { quantity: Quantity::C, layer: 0, index: 2 };
    let t = render(&a, 130, 30);
    let buf = t.backend().buffer().clone();
    // Pane 2's first text row is "Why, then I crave the 'gracious' lord," after the prime line.
    let x0 = super::layout::main_layout(buf.area, &a).panes[1].x + 1;
    let colours = bg_row(&buf, 2, x0, 40);
    assert_snapshot!("neuron_view", format!("{}\nbackground of pane 2's first line: {colours}", t.backend()));
    assert!(colours.contains("-+++++++++-"), "the quoted word is red: {colours}");
    assert!(colours.starts_with("----"), "the rest is light blue: {colours}");
}

#[test]
fn neuron_strip_follows_the_inspect_cursor() {
    let mut a = neuron_app();
    press(&mut a, ' ');
    for _ in 0..40 {
        press(&mut a, '[');
    }
    let t = render(&a, 130, 30);
    let screen = format!("{}", t.backend());
    let strip = screen.lines().find(|l| l.contains("most active at cursor")).expect("the strip");
    assert_snapshot!("neuron_strip_at_cursor", strip.trim_end());
}

#[test]
fn span_selection_result() {
    let mut a = neuron_app();
    press(&mut a, ' ');
    // The cursor onto "'gracious'" (positions 22..32), marked from end to start.
    press(&mut a, '[');
    update(&mut a, key(crossterm::event::KeyCode::Home));
    for _ in 0..31 {
        press(&mut a, ']');
    }
    press(&mut a, 'V');
    for _ in 0..9 {
        press(&mut a, '[');
    }
    press(&mut a, 'V');
    let t = render(&a, 130, 30);
    assert_snapshot!("span_selection", t.backend());
    assert_eq!(a.neurons.unit, UnitRef { quantity: Quantity::C, layer: 0, index: 2 });
}

#[test]
fn a_240_by_60_frame_with_the_neuron_view_draws() {
    let a = neuron_app();
    let t = render(&a, 240, 60);
    assert!(format!("{}", t.backend()).contains("neuron L1 c 0"));
}
