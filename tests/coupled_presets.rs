//! Coupled sampling through the explorer's engine session, with every built-in preset's samplers
//! (plain, top-p, min-p, a repetition penalty): coupled, each pane writes exactly what it writes
//! alone with the same seed, so the panes share one random stream and differ by settings alone.

mod common;

use tempest::explorer::config::Config;
use tempest::explorer::worker::session::Session;
use tempest_core::model::{CellKind, CharRnn, ModelSpec, Vocab};
use tempest_core::sampling::{draw, SamplerSettings, Uniforms};

const CHARS: &str = "abcdefgh \n";
const STEPS: usize = 300;

fn vocab() -> Vocab {
    Vocab::new(CHARS.chars().collect()).unwrap()
}

fn model() -> CharRnn {
    let spec = ModelSpec { cell: CellKind::Lstm, layers: 2, hidden: 16, embed: 8, vocab: 10, dropout: 0.0 };
    common::seeded_model(spec, 42, 0.8)
}

/// Each pane's ids over `STEPS` characters, coupled, from the seed `seed`. Every character is
/// checked to be the inverse-CDF draw of its own distribution at the step's one shared number.
fn texts(m: &CharRnn, panes: &[SamplerSettings], seed: u64) -> Vec<Vec<u32>> {
    let prime = vocab().encode("abc ", Default::default()).unwrap();
    let mut s = Session::new(&m.step_weights(), vocab(), prime, panes.to_vec(), seed, true, 1000).unwrap();
    let (mut shared, mut u) = (Uniforms::new(seed, panes.len()), Vec::new());
    let mut out = vec![Vec::new(); panes.len()];
    for _ in 0..STEPS {
        shared.next(true, &mut u);
        for (i, d) in s.step().unwrap().0.into_iter().enumerate() {
            assert_eq!(d.id, draw(&d.chain().probs, u[i]), "pane {} ({:?})", i + 1, panes[i]);
            out[i].push(d.id);
        }
    }
    out
}

#[test]
fn coupled_preset_panes_write_what_they_write_alone() {
    let m = model();
    let presets = Config::default_config().presets;
    assert!(presets.len() >= 3, "the built-in presets: {presets:?}");
    let mut differing = 0;
    for p in &presets {
        let together = texts(&m, &p.panes, 9);
        for (i, s) in p.panes.iter().enumerate() {
            let alone = texts(&m, &[*s], 9).remove(0);
            assert_eq!(together[i], alone, "preset {:?}, pane {} ({s:?})", p.name, i + 1);
        }
        differing += together.windows(2).filter(|w| w[0] != w[1]).count();
    }
    assert!(differing > 0, "the presets' samplers never made a difference: the check says nothing");
}

#[test]
fn a_setting_that_is_off_changes_nothing_when_coupled() {
    let m = model();
    let hot = SamplerSettings::with_temperature(1.5);
    // A window without a penalty, and top-k over the whole vocabulary, are both off.
    let panes = [hot, SamplerSettings { repeat_window: 5, ..hot }, SamplerSettings { top_k: 10, ..hot }];
    let t = texts(&m, &panes, 4);
    assert_eq!(t[0], t[1]);
    assert_eq!(t[0], t[2]);
}
