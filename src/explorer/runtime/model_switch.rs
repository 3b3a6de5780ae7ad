//! Loading another bundled model while the explorer runs (`M`; the app's side is
//! `app::model_switch`).
//!
//! Reading, checking and laying out a model takes long enough to notice (a 13 MB checkpoint), so
//! it happens on a short-lived loader thread: the UI keeps drawing and taking keys meanwhile, and
//! the old model keeps generating. The outcome comes back through the main channel as
//! [`Incoming::ModelLoaded`]; only then, on the UI thread, does the runtime hand the weights to
//! the engine (to start on at the app's next `Reset`) and the sweep screen its stepper, and tell
//! the app. Nothing reaches the engine unless the whole load succeeded, so a failure leaves the
//! old model running.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, SyncSender};
use std::thread;

use super::events::{Incoming, Loaded};
use super::sweep_job::SweepJobs;
use crate::explorer::app::model_switch::SwitchedModel;
use crate::explorer::config::{Config, Overrides};
use crate::explorer::worker::{NewModel, Request};
use tempest_core::analysis::cells::UnitLayout;
use tempest_core::model::{Stepper, UnknownPolicy};
use tempest_core::sweep::Reference;

/// What the session was started with, to read the configuration again for another model.
#[derive(Debug, Clone)]
pub struct Loader {
    pub config: Option<PathBuf>,
    pub overrides: Overrides,
    pub unknown: UnknownPolicy,
}

impl Loader {
    /// The configuration for `model` (a bundled model's name, or a file). A prime or temperatures
    /// typed on the command line were meant for the model it named; the new model brings its own.
    /// Everything else the user set (config file, seed, speed) still applies.
    pub fn config_for(&self, model: &Path) -> Result<Config, String> {
        let mut overrides = self.overrides.clone();
        overrides.model = Some(model.to_owned());
        overrides.prime = None;
        overrides.temperatures = None;
        Config::load(self.config.as_deref(), &overrides).map_err(|e| e.to_string())
    }
}

/// Loads the bundled model `name` on its own thread and sends the outcome into `tx`. The thread
/// is not joined: should the user quit meanwhile, its send fails and it ends.
pub fn spawn(name: &'static str, loader: &Loader, tx: SyncSender<Incoming>) {
    let loader = loader.clone();
    let done = tx.clone();
    let spawned = thread::Builder::new().name("tempest-loader".into()).spawn(move || {
        let outcome = load(name, Path::new(name), &loader).map(Box::new);
        let _ = done.send(Incoming::ModelLoaded(outcome));
    });
    if let Err(e) = spawned {
        let _ = tx.send(Incoming::ModelLoaded(Err(format!("cannot switch to the {name} model: {e}"))));
    }
}

/// Reads `model` with the configuration for it and prepares everything the engine, the sweep
/// screen and the app need; touches none of them. Errors name the model and what went wrong.
pub fn load(name: &'static str, model: &Path, loader: &Loader) -> Result<Loaded, String> {
    let fail = |e: String| format!("cannot switch to the {name} model: {e}");
    let mut config = loader.config_for(model).map_err(fail)?;
    let ckpt = config.model.load().map_err(|e| fail(e.to_string()))?;
    let model_prime = ckpt.metadata.training.as_ref().and_then(|t| t.prime.as_deref());
    let chosen =
        crate::explorer::prime::choose(&config.prime, false, loader.unknown, &ckpt.vocab, model_prime).map_err(fail)?;
    config.prime = chosen.text;
    let layout = UnitLayout::of(ckpt.model.spec());
    let line = super::model_line(&config.model, &ckpt);
    let info = super::model_info(&config.model, &ckpt);
    let reference = Reference::from_metadata(ckpt.metadata.reference.as_ref());
    // Laid out once: the engine and the sweep screen's stepper share these weights.
    let weights = ckpt.model.step_weights();
    let sweep_stepper = Stepper::new(&weights, 1);
    let switched = Box::new(SwitchedModel { name, config, vocab: ckpt.vocab, layout, line, info, note: chosen.note });
    Ok(Loaded { switched, weights, sweep_stepper, reference })
}

/// On the UI thread, once a load has finished: gives the engine the new weights and the sweep
/// screen its stepper, and returns what the app needs to restart on the new model.
pub fn hand_over(
    loaded: Result<Box<Loaded>, String>,
    engine: &Sender<Request>,
    jobs: &mut SweepJobs,
) -> Result<Box<SwitchedModel>, String> {
    let Loaded { switched, weights, sweep_stepper, reference } = *loaded?;
    engine
        .send(Request::Model(NewModel::new(weights, switched.vocab.clone())))
        .map_err(|_| format!("cannot switch to the {} model: the engine has stopped", switched.name))?;
    jobs.replace_model(sweep_stepper, switched.vocab.clone(), reference);
    Ok(switched)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sweep job holder on a tiny random model (its weights do not matter here).
    fn tiny_jobs(tx: SyncSender<Incoming>) -> SweepJobs {
        use tempest_core::model::{CellKind, CharRnn, ModelSpec, Vocab};
        let vocab = Vocab::from_text("abc").unwrap();
        let spec = ModelSpec { cell: CellKind::Lstm, layers: 1, hidden: 2, embed: 2, vocab: 3, dropout: 0.0 };
        let stepper = CharRnn::new(spec, tch::Device::Cpu).stepper(1);
        SweepJobs::new(stepper, vocab, None, tx)
    }

    fn loader() -> Loader {
        Loader { config: None, overrides: Overrides::default(), unknown: UnknownPolicy::Error }
    }

    #[test]
    fn a_corrupt_model_file_fails_with_a_message_naming_the_model_and_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("broken.safetensors");
        // A header length far past the end of the file.
        std::fs::write(&bad, [0xff_u8, 0xff, 0, 0, 0, 0, 0, 0, b'{', b'}']).unwrap();
        let err = load("rust", &bad, &loader()).err().expect("a corrupt file must not load");
        assert!(err.starts_with("cannot switch to the rust model: "), "{err}");
        assert!(err.contains("broken.safetensors"), "the file is named: {err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }

    #[test]
    fn the_loader_thread_reports_a_failure_through_the_channel_and_touches_no_engine() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("half.safetensors");
        let good = tempest_core::assets::bundled("rust").unwrap();
        // The first half of a real checkpoint: a truncated download.
        let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets").join(good.file)).unwrap();
        std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
        let err = load("rust", &bad, &loader()).err().expect("a truncated file must not load");
        assert!(err.contains("cannot switch to the rust model"), "{err}");

        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        tx.send(Incoming::ModelLoaded(Err(err.clone()))).unwrap();
        let (engine, requests) = std::sync::mpsc::channel();
        let mut jobs = tiny_jobs(tx);
        let Ok(Incoming::ModelLoaded(outcome)) = rx.recv() else { panic!("the outcome arrives") };
        assert_eq!(hand_over(outcome, &engine, &mut jobs).err(), Some(err));
        assert!(requests.try_recv().is_err(), "the engine hears nothing of a failed load");
    }

    #[test]
    fn the_loader_thread_delivers_a_bundled_model_ready_to_hand_over() {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        spawn("rust", &loader(), tx.clone());
        let Ok(Incoming::ModelLoaded(outcome)) = rx.recv() else { panic!("the outcome arrives") };
        let loaded = outcome.expect("the bundled rust model loads");
        assert_eq!(loaded.switched.name, "rust");
        assert_eq!(loaded.switched.config.prime, "fn main() {\n");
        let (engine, requests) = std::sync::mpsc::channel();
        let mut jobs = tiny_jobs(tx);
        let switched = hand_over(Ok(loaded), &engine, &mut jobs).unwrap();
        let Ok(Request::Model(m)) = requests.try_recv() else { panic!("the engine gets the weights") };
        assert_eq!(m.vocab, switched.vocab);
    }
}
