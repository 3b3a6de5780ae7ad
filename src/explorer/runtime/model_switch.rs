//! Loading another bundled model while the explorer runs (`M`; the app's side is
//! `app::model_switch`). The configuration is read again with that model's defaults layered in,
//! the model is loaded, the sweep screen's job gets its stepper, and the engine gets the weights
//! (laid out here, once) to start on at the app's next `Reset`. Nothing reaches the engine unless
//! all of that succeeded, so a failure leaves the old model running.

use std::path::PathBuf;
use std::sync::mpsc::Sender;

use super::sweep_job::SweepJobs;
use crate::explorer::app::model_switch::SwitchedModel;
use crate::explorer::config::{Config, Overrides};
use crate::explorer::worker::{NewModel, Request};
use tempest_core::analysis::cells::UnitLayout;
use tempest_core::model::UnknownPolicy;

/// What the session was started with, to read the configuration again for another model.
#[derive(Debug, Clone)]
pub struct Loader {
    pub config: Option<PathBuf>,
    pub overrides: Overrides,
    pub unknown: UnknownPolicy,
}

impl Loader {
    /// The configuration for the bundled model `name`. A prime or temperatures typed on the command
    /// line were meant for the model it named; the new model brings its own. Everything else the
    /// user set (config file, seed, speed) still applies.
    pub fn config_for(&self, name: &str) -> Result<Config, String> {
        let mut overrides = self.overrides.clone();
        overrides.model = Some(PathBuf::from(name));
        overrides.prime = None;
        overrides.temperatures = None;
        Config::load(self.config.as_deref(), &overrides).map_err(|e| e.to_string())
    }
}

pub fn load(
    name: &'static str,
    loader: &Loader,
    engine: &Sender<Request>,
    jobs: &mut SweepJobs,
) -> Result<Box<SwitchedModel>, String> {
    let fail = |e: String| format!("cannot switch to the {name} model: {e}");
    let mut config = loader.config_for(name).map_err(fail)?;
    let ckpt = config.model.load().map_err(|e| fail(e.to_string()))?;
    let model_prime = ckpt.metadata.training.as_ref().and_then(|t| t.prime.as_deref());
    let chosen =
        crate::explorer::prime::choose(&config.prime, false, loader.unknown, &ckpt.vocab, model_prime).map_err(fail)?;
    config.prime = chosen.text;
    let layout = UnitLayout::of(ckpt.model.spec());
    let line = super::model_line(&config.model, &ckpt);
    let info = super::model_info(&config.model, &ckpt);
    let reference = tempest_core::sweep::Reference::from_metadata(ckpt.metadata.reference.as_ref());
    let weights = ckpt.model.step_weights();
    engine
        .send(Request::Model(NewModel::new(weights, ckpt.vocab.clone())))
        .map_err(|_| fail("the engine has stopped".into()))?;
    jobs.replace_model(ckpt.model.stepper(1), ckpt.vocab.clone(), reference);
    Ok(Box::new(SwitchedModel { name, config, vocab: ckpt.vocab, layout, line, info, note: chosen.note }))
}
