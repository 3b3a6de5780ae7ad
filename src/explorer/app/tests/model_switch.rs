//! Switching models with `M`: which model is asked for, how the app restarts on the new one, that
//! nothing of the old model's text survives, and that a failed load changes nothing.

use crate::explorer::app::model_switch::{next_bundled, SwitchedModel};
use crate::explorer::app::testutil::*;
use crate::explorer::app::{update, Effect, Event, Overlay};
use crate::explorer::worker::Request;
use tempest_core::analysis::cells::UnitLayout;
use tempest_core::model::{CellKind, Metadata, ModelSpec, Vocab};
use tempest_core::sampling::SamplerSettings;

/// A model unlike the test app's: lower-case letters and code punctuation only, its own prime and
/// temperatures, another shape.
fn other_model() -> Box<SwitchedModel> {
    let vocab = Vocab::from_text("abcdefghijklmnopqrstuvwxyz {}();\n").unwrap();
    let spec =
        ModelSpec { cell: CellKind::Lstm, layers: 1, hidden: 4, embed: 4, vocab: vocab.len() as i64, dropout: 0.0 };
    let meta = Metadata::new(&spec, &vocab, None);
    let mut config = config();
    config.prime = "fn main() {\n".into();
    config.panes = [0.3, 0.8].map(SamplerSettings::with_temperature).to_vec();
    Box::new(SwitchedModel {
        name: "rust",
        config,
        vocab,
        layout: UnitLayout { layers: 1, hidden: 4, has_cell: true },
        line: "rust · val 0.900".into(),
        info: tempest_core::jsonl::ModelInfo::new(Some(std::path::Path::new("rust")), &meta),
        note: None,
    })
}

#[test]
fn m_asks_for_the_next_bundled_model_in_turn() {
    assert_eq!(next_bundled(Some("shakespeare")), "rust");
    assert_eq!(next_bundled(Some("rust")), "shakespeare");
    // From a model file, the first bundled one.
    assert_eq!(next_bundled(None), "shakespeare");
    let mut a = app();
    a.model_name = Some("shakespeare");
    assert_eq!(press(&mut a, 'M'), [Effect::SwitchModel("rust")]);
    assert_eq!(a.loading_model, Some("rust"));
    update(&mut a, Event::ModelSwitched(Ok(other_model())));
    assert_eq!(press(&mut a, 'M'), [Effect::SwitchModel("shakespeare")]);
}

/// The status bar's last line, drawn as the user sees it.
fn status_line(a: &crate::explorer::app::App) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 40)).unwrap();
    t.draw(|f| crate::explorer::ui::draw(f, a)).unwrap();
    let buf = t.backend().buffer();
    (0..buf.area.width).map(|x| buf[(x, buf.area.height - 1)].symbol()).collect()
}

#[test]
fn while_a_model_loads_the_status_bar_says_so_and_every_key_still_works() {
    let mut a = app();
    a.size = (160, 40);
    a.model_name = Some("shakespeare");
    a.model_line = "shakespeare · val 1.337".into();
    feed(&mut a, &["the king", "the king", "the king"]);
    assert!(!status_line(&a).contains("loading"), "{}", status_line(&a));
    press(&mut a, 'M');
    assert!(status_line(&a).contains("loading the rust model…"), "{}", status_line(&a));

    // The old model keeps generating, and keys act on it as always.
    feed(&mut a, &["!", "!", "!"]);
    assert_eq!(a.panes[0].total(), 9);
    press(&mut a, '?');
    assert!(matches!(a.overlay, Overlay::Help));
    press(&mut a, '?');
    let fx = press(&mut a, ' ');
    assert!(a.paused && fx.contains(&Effect::Engine(Request::Pause)), "{fx:?}");
    // Messages come and go with keys; the loading note stays until the model arrives.
    assert!(status_line(&a).contains("loading the rust model…"), "{}", status_line(&a));

    // A second M while loading starts nothing, and says why.
    assert_eq!(press(&mut a, 'M'), []);
    assert_eq!(a.loading_model, Some("rust"));
    let s = a.status.clone().unwrap();
    assert!(s.text.contains("still loading the rust model"), "{s:?}");

    // Paused while it loaded: the new model starts paused too.
    let fx = update(&mut a, Event::ModelSwitched(Ok(other_model())));
    assert_eq!(a.loading_model, None);
    assert!(a.paused);
    assert!(fx.contains(&Effect::Engine(Request::Pause)), "{fx:?}");
    assert!(!fx.iter().any(|e| matches!(e, Effect::Engine(Request::Run { .. }))), "{fx:?}");
    assert!(!status_line(&a).contains("loading"), "{}", status_line(&a));

    // Quitting while a load is under way is not held up by it.
    press(&mut a, 'M');
    assert_eq!(a.loading_model, Some("shakespeare"));
    assert_eq!(
        update(&mut a, key_with(crossterm::event::KeyCode::Char('c'), crossterm::event::KeyModifiers::CONTROL)),
        [Effect::Quit]
    );
}

#[test]
fn the_new_model_restarts_every_pane_with_its_own_prime_and_temperatures() {
    let mut a = app();
    a.model_name = Some("shakespeare");
    a.neurons.set_layout(UnitLayout { layers: 2, hidden: 3, has_cell: true });
    feed(&mut a, &["the king", "the king", "the king"]);
    // Settings of the session, not of the model, carry over.
    press(&mut a, '+');
    press(&mut a, 'g');
    press(&mut a, 'u');
    let (speed, colors, old_gen) = (a.speed, a.color_mode, a.generation());
    let stale = batch(&a, old_gen, &["xyz", "xyz", "xyz"]);

    let fx = update(&mut a, Event::ModelSwitched(Ok(other_model())));
    assert_eq!(a.model_name, Some("rust"));
    assert_eq!(a.model_line, "rust · val 0.900");
    assert_eq!(a.model.as_ref().map(|m| m.name.as_str()), Some("rust"), "the export header names it");
    assert_eq!(a.prime, "fn main() {\n");
    assert_eq!(a.panes.iter().map(|p| p.settings.temperature).collect::<Vec<_>>(), [0.3, 0.8]);
    assert!(a.panes.iter().all(|p| p.total() == 0), "the old text is gone");
    assert_eq!(a.vocab.len(), 33);
    assert!(a.generation() > old_gen);
    let Some(Effect::Engine(Request::Reset { generation, prime, panes, .. })) = fx.first() else {
        panic!("a reset first: {fx:?}")
    };
    assert_eq!(*generation, a.generation());
    assert_eq!(*prime, a.vocab.encode("fn main() {\n", Default::default()).unwrap());
    assert_eq!(panes.len(), 2);
    assert!(fx.iter().any(|e| matches!(e, Effect::Engine(Request::Run { .. }))), "{fx:?}");
    // The neuron view stays on, on the new model's units, and asks the engine again.
    assert!(a.neurons.on);
    assert_eq!(a.neurons.layout, UnitLayout { layers: 1, hidden: 4, has_cell: true });
    assert!(fx.iter().any(|e| matches!(e, Effect::Engine(Request::Probe { pane: Some(0), .. }))), "{fx:?}");
    assert_eq!((a.speed, a.color_mode), (speed, colors));
    let status = a.status.clone().unwrap().text;
    assert!(status.contains("rust · val 0.900") && status.contains("0.30 / 0.80"), "{status}");

    // Characters the engine drew for the old model before it switched are dropped.
    update(&mut a, Event::Engine(stale));
    assert!(a.panes.iter().all(|p| p.total() == 0));
    feed(&mut a, &["fn", "fn"]);
    assert_eq!(a.panes[0].total(), 2);
}

#[test]
fn a_model_that_fails_to_load_leaves_everything_as_it_was() {
    let mut a = app();
    a.model_name = Some("shakespeare");
    feed(&mut a, &["the king", "the king", "the king"]);
    assert_eq!(press(&mut a, 'M'), [Effect::SwitchModel("rust")]);
    let (gen, prime) = (a.generation(), a.prime.clone());
    let fx = update(&mut a, Event::ModelSwitched(Err("cannot switch to the rust model: broken".into())));
    assert!(fx.iter().all(|e| !matches!(e, Effect::Engine(Request::Reset { .. }))), "{fx:?}");
    assert_eq!((a.generation(), a.prime.clone(), a.panes[0].total()), (gen, prime, 8));
    assert_eq!(a.model_name, Some("shakespeare"));
    let s = a.status.clone().unwrap();
    assert!(s.is_error && s.text.contains("broken") && s.text.contains("the shakespeare model keeps running"), "{s:?}");
    assert!(matches!(a.overlay, Overlay::None));
    // The load is over: the bar no longer says it is loading, and M may try again.
    assert_eq!(a.loading_model, None);
    assert_eq!(press(&mut a, 'M'), [Effect::SwitchModel("rust")]);
}
