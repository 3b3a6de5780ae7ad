//! The neuron view in `update`: what it asks the engine for, which activations it keeps, the unit
//! keys, typing a unit, feature jumps and span selection.

use crossterm::event::KeyCode;

use crate::explorer::app::neurons::SpanState;
use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, App, Effect, Event, Overlay};
use crate::explorer::worker::{Reply, Request};
use tempest_core::analysis::cells::{Quantity, UnitLayout, UnitRef};

const LAYOUT: UnitLayout = UnitLayout { layers: 2, hidden: 3, has_cell: true };

fn probes(fx: &[Effect]) -> Vec<(u64, Option<usize>, usize)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Engine(Request::Probe { id, pane, window }) => Some((*id, *pane, *window)),
            _ => None,
        })
        .collect()
}

/// An app with the test layout whose pane 0 holds `text`.
fn neuron_app(text: &str) -> App {
    let mut a = app();
    a.neurons.set_layout(LAYOUT);
    feed(&mut a, &[text, text, text]);
    a
}

/// Rows for positions `start..start + n`: unit `i` at position `p` is `f(i, p)`.
fn rows(start: u64, n: usize, f: impl Fn(usize, u64) -> f32) -> Vec<Vec<f32>> {
    (0..n as u64).map(|k| (0..LAYOUT.len()).map(|i| f(i, start + k)).collect()).collect()
}

fn activations(a: &mut App, id: u64, pane: usize, start: u64, rows: Vec<Vec<f32>>) {
    update(a, Event::Engine(Reply::Activations { id, pane, start, rows }));
}

#[test]
fn the_view_asks_for_the_focused_pane_and_follows_focus_and_resets() {
    let mut a = neuron_app("hello there");
    let fx = press(&mut a, 'u');
    assert!(a.neurons.on);
    assert_eq!(probes(&fx), vec![(1, Some(0), a.neurons.window)]);
    // Nothing new to ask while nothing changes.
    assert!(probes(&press(&mut a, ')')).is_empty());
    let fx = update(&mut a, key(KeyCode::Right));
    assert_eq!(probes(&fx), vec![(2, Some(1), a.neurons.window)]);
    // A reset starts a new text: ask again.
    let fx = press(&mut a, 'r');
    assert_eq!(probes(&fx), vec![(3, Some(1), a.neurons.window)]);
    let fx = press(&mut a, 'u');
    assert!(!a.neurons.on);
    assert_eq!(probes(&fx), vec![(0, None, 0)]);
    assert!(a.neurons.ring.rows.is_empty(), "turning the view off frees the activations");
}

#[test]
fn only_activations_answering_the_current_request_are_kept_and_the_window_is_bounded() {
    let mut a = neuron_app("abcdefghij");
    a.neurons.window = 6;
    press(&mut a, 'u');
    // A reply to an older request (id 0) or for another pane is dropped.
    activations(&mut a, 0, 0, 0, rows(0, 10, |_, _| 1.0));
    activations(&mut a, 1, 1, 0, rows(0, 10, |_, _| 1.0));
    assert!(a.neurons.ring.rows.is_empty());
    activations(&mut a, 1, 0, 4, rows(4, 6, |i, p| i as f32 + p as f32 / 100.0));
    let c0 = LAYOUT.flat(UnitRef { quantity: Quantity::C, layer: 0, index: 0 }).unwrap();
    assert_eq!(a.neurons.value(0, 4), Some(c0 as f32 + 0.04));
    assert_eq!(a.neurons.value(0, 3), None);
    assert_eq!(a.neurons.value(1, 4), None, "only the probed pane has values");
    // New characters: their rows are appended and the oldest drop out of the window.
    feed(&mut a, &["kl", "kl", "kl"]);
    activations(&mut a, 1, 0, 10, rows(10, 2, |_, p| p as f32));
    assert_eq!((a.neurons.ring.start, a.neurons.ring.rows.len()), (6, 6));
    assert_eq!(a.neurons.value(0, 11), Some(11.0));
    // A reply from `start` on replaces what was held there (as after a branch).
    activations(&mut a, 1, 0, 9, rows(9, 1, |_, _| -5.0));
    assert_eq!(a.neurons.ring.end(), 10);
    assert_eq!(a.neurons.value(0, 9), Some(-5.0));
}

#[test]
fn unit_keys_step_and_wrap_and_a_typed_number_is_checked() {
    let mut a = neuron_app("abc");
    assert_eq!(a.neurons.unit, UnitRef { quantity: Quantity::C, layer: 0, index: 0 });
    press(&mut a, '(');
    assert!(a.neurons.on, "any neuron key turns the view on");
    assert_eq!(a.neurons.unit.index, 2);
    press(&mut a, ')');
    press(&mut a, ')');
    assert_eq!(a.neurons.unit.index, 1);
    press(&mut a, '}');
    assert_eq!(a.neurons.unit.layer, 1);
    press(&mut a, '}');
    assert_eq!(a.neurons.unit.layer, 0);
    press(&mut a, '~');
    assert_eq!(a.neurons.unit.quantity, Quantity::H);
    assert!(a.status.as_ref().unwrap().text.contains("L1 h 1"), "{:?}", a.status);

    press(&mut a, '#');
    assert!(matches!(a.overlay, Overlay::UnitEdit { .. }));
    press(&mut a, '7');
    assert!(matches!(&a.overlay, Overlay::UnitEdit { error: Some(e), .. } if e.contains("[0, 2]")), "{:?}", a.overlay);
    update(&mut a, key(KeyCode::Enter));
    assert!(matches!(a.overlay, Overlay::UnitEdit { .. }), "an out-of-range unit is refused");
    update(&mut a, key(KeyCode::Backspace));
    press(&mut a, '2');
    update(&mut a, key(KeyCode::Enter));
    assert_eq!(a.overlay, Overlay::None);
    assert_eq!(a.neurons.unit.index, 2);
}

#[test]
fn a_gru_has_no_cell_state_to_switch_to() {
    let mut a = app();
    a.neurons.set_layout(UnitLayout { layers: 1, hidden: 4, has_cell: false });
    assert_eq!(a.neurons.unit.quantity, Quantity::H);
    press(&mut a, '~');
    assert_eq!(a.neurons.unit.quantity, Quantity::H);
    assert!(a.status.as_ref().unwrap().text.contains("no cell state"));
}

#[test]
fn f_jumps_to_the_unit_that_tracks_the_next_feature() {
    let text = "ab 'cd' ef\n'gh' ij 'kl'\n";
    let mut a = neuron_app(text);
    press(&mut a, 'u');
    let chars: Vec<char> = text.chars().collect();
    // Unit L2 c 1 is on inside single quotes; everything else is noise.
    let target = LAYOUT.flat(UnitRef { quantity: Quantity::C, layer: 1, index: 1 }).unwrap();
    let quoted = [3..6, 11..14, 19..22];
    let r = rows(0, chars.len(), |i, p| {
        if i == target {
            quoted.iter().any(|q| q.contains(&(p as usize))) as u8 as f32
        } else {
            ((i * 7 + p as usize * 3) % 5) as f32
        }
    });
    activations(&mut a, 1, 0, 0, r);
    // Cycle until the quote feature comes up.
    for _ in 0..10 {
        press(&mut a, 'f');
        if a.status.as_ref().unwrap().text.contains("in_single_quotes") {
            break;
        }
    }
    let s = &a.status.as_ref().unwrap().text;
    assert!(s.contains("in_single_quotes") && s.contains("L2 c 1") && s.contains("AUC 1.000"), "{s}");
    assert_eq!(a.neurons.unit, UnitRef { quantity: Quantity::C, layer: 1, index: 1 });
}

#[test]
fn span_selection_in_inspect_mode_ranks_units_and_colours_by_the_best() {
    let text = "one 'two' three 'four' five";
    let mut a = neuron_app(text);
    press(&mut a, 'u');
    let chars: Vec<char> = text.chars().collect();
    let on: Vec<bool> = (0..chars.len()).map(|p| (4..9).contains(&p) || (16..22).contains(&p)).collect();
    let target = LAYOUT.flat(UnitRef { quantity: Quantity::H, layer: 0, index: 2 }).unwrap();
    let r = rows(0, chars.len(), |i, p| {
        if i == target {
            if on[p as usize] {
                0.9
            } else {
                -0.1
            }
        } else {
            ((i + p as usize) % 3) as f32 * 0.1
        }
    });
    activations(&mut a, 1, 0, 0, r);
    // Outside inspect mode `V` explains itself.
    press(&mut a, 'V');
    assert!(a.status.as_ref().unwrap().text.contains("inspect mode"));
    press(&mut a, ' ');
    // Cursor onto "'two'": positions 4..9.
    press(&mut a, '[');
    update(&mut a, key(KeyCode::Home));
    for _ in 0..4 {
        press(&mut a, ']');
    }
    press(&mut a, 'V');
    assert_eq!(a.neurons.span, SpanState::Marked { pane: 0, anchor: 4 });
    for _ in 0..4 {
        press(&mut a, ']');
    }
    press(&mut a, 'V');
    let SpanState::Ranked(o) = &a.neurons.span else { panic!("{:?}", a.neurons.span) };
    assert_eq!(o.span, 4..9);
    assert_eq!(o.result.units[0].unit, UnitRef { quantity: Quantity::H, layer: 0, index: 2 });
    assert_eq!(a.neurons.unit, o.result.units[0].unit, "the pane is coloured by the best unit");
    assert!(o.result.units[0].auc > 0.8);
    assert!(a.status.as_ref().unwrap().text.contains("best unit L1 h 2"), "{:?}", a.status);
    assert_eq!(a.neurons.span_marks(0, 5), (true, false));
    press(&mut a, 'V');
    assert_eq!(a.neurons.span, SpanState::None);
}
