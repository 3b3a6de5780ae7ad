//! Switching between the bundled models while the explorer runs (`M`). The app asks for the next
//! model ([`Effect::SwitchModel`]); the runtime loads it with its configuration off the UI thread,
//! hands the weights to the engine and answers with [`Event::ModelSwitched`]; the app then starts
//! afresh on the new vocabulary with that model's own defaults (prime, temperatures), keeping how
//! the user runs the explorer (speed, seed, pause, coupling, colours, the open panels, the neuron
//! view).
//!
//! While the model loads, the old one keeps running and every key keeps working; the status bar
//! says what is loading. `M` pressed again meanwhile is ignored (and says so): the load under way
//! cannot be stopped halfway, and queueing a second switch would only load the model that is
//! running now once more.

use super::{App, Effect, Generations};
use crate::explorer::config::Config;
use tempest_core::analysis::cells::UnitLayout;
use tempest_core::model::Vocab;

/// A model the runtime has loaded and handed to the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchedModel {
    /// The bundled model's name.
    pub name: &'static str,
    /// The configuration with that model's defaults layered in, its prime already chosen.
    pub config: Config,
    pub vocab: Vocab,
    pub layout: UnitLayout,
    /// The status bar's model line ("rust · val 0.912").
    pub line: String,
    /// The model as an export's header names it.
    pub info: tempest_core::jsonl::ModelInfo,
    /// How the prime was chosen, when that needs saying.
    pub note: Option<String>,
}

/// The bundled model after `current` (the first one when the loaded model is a file).
pub fn next_bundled(current: Option<&str>) -> &'static str {
    let all = tempest_core::assets::BUNDLED;
    match current.and_then(|c| all.iter().position(|m| m.name == c)) {
        Some(i) => all[(i + 1) % all.len()].name,
        None => all[0].name,
    }
}

pub(super) fn request(app: &mut App, fx: &mut Vec<Effect>) {
    if let Some(loading) = app.loading_model {
        return app.set_status(format!("still loading the {loading} model; M again once it runs"));
    }
    let next = next_bundled(app.model_name);
    // The status bar names it for as long as it loads (a message would go with the next key).
    app.loading_model = Some(next);
    fx.push(Effect::SwitchModel(next));
}

pub(super) fn on_switched(app: &mut App, outcome: Result<Box<SwitchedModel>, String>, fx: &mut Vec<Effect>) {
    app.loading_model = None;
    let m = match outcome {
        Ok(m) => m,
        // The engine was not touched: the old model keeps running.
        Err(e) => {
            let kept = app.model_name.map_or("the loaded model".to_string(), |n| format!("the {n} model"));
            return app.set_error(format!("{e} ({kept} keeps running)"));
        }
    };
    let mut fresh = App::new(&m.config, m.vocab, app.no_color);
    // Replies the engine sent for the old model's panes are older than any generation from here on,
    // so they are dropped rather than read with the new vocabulary.
    fresh.generations = Generations::new(app.generation() + 1);
    fresh.neurons = app.neurons.after_model_change(m.layout);
    fresh.model_line = m.line;
    fresh.model = Some(m.info);
    fresh.model_name = Some(m.name);
    fresh.size = app.size;
    fresh.speed = app.speed;
    // Paused while it loaded: the new model waits too (its panes show the prime until resumed).
    fresh.paused = app.paused;
    fresh.seed = app.seed;
    fresh.coupled = app.coupled;
    fresh.color_mode = app.color_mode;
    fresh.hist.log_scale = app.hist.log_scale;
    fresh.loop_panel = app.loop_panel;
    fresh.loop_sort_by_t = app.loop_sort_by_t;
    fresh.knob = app.knob;
    let temps: Vec<String> = fresh.panes.iter().map(|p| format!("{:.2}", p.settings.temperature)).collect();
    let mut status =
        format!("model {}: every pane restarted from its prime at T {}", fresh.model_line, temps.join(" / "));
    if let Some(note) = m.note {
        status = format!("{status} · {note}");
    }
    fresh.set_status(status);
    fx.extend(fresh.initial_requests().into_iter().map(Effect::Engine));
    *app = fresh;
}
