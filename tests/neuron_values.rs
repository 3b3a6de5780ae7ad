//! The activations the neuron view shows are the model's: for a generated text, every unit's value
//! held by the app matches a fresh stepper fed the same characters and libtorch's own forward pass
//! (to 1e-4), both for the window replayed when the view opens and for characters generated after.

use tch::{Device, Kind, Tensor};

use tempest::explorer::app::{update, App, Event};
use tempest::explorer::config::Config;
use tempest::explorer::worker::session::Session;
use tempest::explorer::worker::Reply;
use tempest_core::analysis::cells::UnitLayout;
use tempest_core::model::{CellKind, CharRnn, ModelSpec, Vocab};
use tempest_core::sampling::SamplerSettings;

const TOL: f32 = 1e-4;
const VOCAB: &str = "abcdefgh \n'.,KING:";

fn model(cell: CellKind) -> CharRnn {
    let spec = ModelSpec { cell, layers: 2, hidden: 24, embed: 8, vocab: VOCAB.chars().count() as i64, dropout: 0.0 };
    tch::manual_seed(5);
    let m = CharRnn::new(spec, Device::Cpu);
    // Wider weights than the default init, so the cell states grow past ±1.
    tch::no_grad(|| {
        for (i, (_, t)) in m.named_tensors().into_iter().enumerate() {
            let n = t.numel() as i64;
            let data: Vec<f32> =
                (0..n).map(|k| (((k * 7919 + i as i64 * 104729) % 2001) as f32 / 1000.0 - 1.0) * 0.9).collect();
            t.shallow_clone().copy_(&Tensor::from_slice(&data).reshape(t.size()));
        }
    });
    m
}

/// Every unit after each character of `ids`, from libtorch's forward, one character at a time
/// (which returns every layer's h and c).
fn libtorch_rows(m: &CharRnn, ids: &[u32], layout: &UnitLayout) -> Vec<Vec<f32>> {
    let mut state = m.zero_state(1);
    let mut out = Vec::new();
    tch::no_grad(|| {
        for &id in ids {
            let x = Tensor::from_slice(&[id as i64]).reshape([1, 1]);
            let (_, s) = m.forward(&x, &state, false);
            let flat = |t: &Tensor| Vec::<f32>::try_from(t.to_kind(Kind::Float).flatten(0, -1)).unwrap();
            let mut row = Vec::with_capacity(layout.len());
            if let Some(c) = &s.c {
                row.extend(flat(c));
            }
            row.extend(flat(&s.h));
            out.push(row);
            state = s;
        }
    });
    out
}

fn check(cell: CellKind) {
    let m = model(cell);
    let vocab = Vocab::new(VOCAB.chars().collect()).unwrap();
    let layout = UnitLayout::of(m.spec());
    let prime = vocab.encode("KING:\n", tempest_core::model::UnknownPolicy::Error).unwrap();
    let panes = vec![SamplerSettings::with_temperature(1.0), SamplerSettings::with_temperature(1.5)];
    let mut s = Session::new(&m.step_weights(), vocab.clone(), prime.clone(), panes, 3, false, 10_000).unwrap();
    let mut text: Vec<u32> = Vec::new();
    // 600 characters (more than two snapshots' worth), then the view opens on pane 1 with a
    // window of 400, then 40 more characters arrive live.
    for _ in 0..600 {
        text.push(s.step().unwrap().0[1].id);
    }
    let back = s.set_probe(1, Some(1), 400).unwrap().unwrap();
    assert_eq!((back.pane, back.start, back.rows.len()), (1, 200, 400));
    for _ in 0..40 {
        text.push(s.step().unwrap().0[1].id);
    }
    let live = s.take_probe_rows().unwrap();
    assert_eq!((live.start, live.rows.len()), (600, 40));

    // What the app holds, through its own reply handling.
    let mut app = App::new(&Config::default_config(), vocab.clone(), false);
    app.neurons.set_layout(layout);
    app.focus = 1;
    update(&mut app, Event::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('u'))));
    for (start, rows) in [(back.start, back.rows), (live.start, live.rows)] {
        update(&mut app, Event::Engine(Reply::Activations { id: 1, pane: 1, start, rows }));
    }

    // References: a fresh stepper, and libtorch, fed the prime and the text.
    let all: Vec<u32> = prime.iter().chain(&text).copied().collect();
    let torch = libtorch_rows(&m, &all, &layout);
    let mut st = m.stepper(1);
    let mut logits = Vec::new();
    let mut stepper_rows = Vec::new();
    for &id in &all {
        st.step(&[id], &mut logits).unwrap();
        stepper_rows.push(layout.flatten(&st.row_state(0)));
    }
    let mut worst = (0.0f32, 0.0f32);
    for pos in 200..640u64 {
        let at = prime.len() + pos as usize;
        for u in layout.units() {
            app.neurons.unit = u;
            let shown = app.neurons.value(1, pos).unwrap_or_else(|| panic!("no value at {pos} for {u}"));
            let i = layout.flat(u).unwrap();
            let (ds, dt) = ((shown - stepper_rows[at][i]).abs(), (shown - torch[at][i]).abs());
            assert!(
                ds < TOL && dt < TOL,
                "{cell} {u} at {pos}: shown {shown}, stepper {}, libtorch {}",
                stepper_rows[at][i],
                torch[at][i]
            );
            worst = (worst.0.max(ds), worst.1.max(dt));
        }
    }
    // The cell states really left [-1, 1], so c is not just h again.
    if cell == CellKind::Lstm {
        let max_c = stepper_rows.iter().flat_map(|r| &r[..layout.len() / 2]).fold(0f32, |m, v| m.max(v.abs()));
        assert!(max_c > 1.5, "{max_c}");
    }
    eprintln!("{cell}: worst difference to the stepper {}, to libtorch {}", worst.0, worst.1);
}

#[test]
fn lstm_activations_shown_match_the_stepper_and_libtorch() {
    check(CellKind::Lstm);
}

#[test]
fn gru_activations_shown_match_the_stepper_and_libtorch() {
    check(CellKind::Gru);
}
