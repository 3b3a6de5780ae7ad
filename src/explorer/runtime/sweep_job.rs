//! The sweep screen's job thread: runs one sweep at a time on a fork of the model's stepper (the
//! weights are shared, not copied), never on the UI thread and never in the engine's way beyond
//! the CPU it needs. Progress goes into the main channel at most once per percent; a newer sweep or
//! the end of the session cancels a running one at its next step.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::thread;

use super::events::Incoming;
use crate::explorer::app::{Event, SweepEvent};
use tempest_core::model::{Stepper, Vocab};
use tempest_core::sweep::{self, Reference, SweepSpec};

pub struct SweepJobs {
    stepper: Stepper,
    vocab: Vocab,
    reference: Option<Arc<Reference>>,
    tx: SyncSender<Incoming>,
    /// The running sweep's cancel flag.
    cancel: Option<Arc<AtomicBool>>,
}

impl SweepJobs {
    pub fn new(stepper: Stepper, vocab: Vocab, reference: Option<Reference>, tx: SyncSender<Incoming>) -> Self {
        SweepJobs { stepper, vocab, reference: reference.map(Arc::new), tx, cancel: None }
    }

    pub fn start(&mut self, key: String, spec: SweepSpec) {
        self.stop();
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancel = Some(Arc::clone(&cancel));
        let stepper = self.stepper.fork(spec.streams());
        let vocab = self.vocab.clone();
        let reference = self.reference.clone();
        let tx = self.tx.clone();
        let spawned = thread::Builder::new().name("tempest-sweep".into()).spawn({
            let key = key.clone();
            let tx = tx.clone();
            move || {
                let words = reference.as_ref().map(|r| r.vocabulary());
                let mut last = usize::MAX;
                let result =
                    sweep::run(stepper, &vocab, &spec, words.as_ref(), reference.as_ref().map(|r| r.figures()), |p| {
                        let percent = p.step * 100 / p.steps.max(1);
                        if percent != last {
                            last = percent;
                            let ev = SweepEvent::Progress {
                                key: key.clone(),
                                step: p.step,
                                steps: p.steps,
                                streams: p.streams,
                            };
                            // A full queue only delays a progress report; never block the sweep on it.
                            let _ = tx.try_send(Incoming::App(Event::Sweep(ev)));
                        }
                        !cancel.load(Ordering::Relaxed)
                    });
                if cancel.load(Ordering::Relaxed) {
                    return;
                }
                let result = result.map(Arc::new).map_err(|e| e.to_string());
                let _ = tx.send(Incoming::App(Event::Sweep(SweepEvent::Done { key, result })));
            }
        });
        if let Err(e) = spawned {
            let result = Err(format!("cannot start the sweep thread: {e}"));
            let _ = tx.try_send(Incoming::App(Event::Sweep(SweepEvent::Done { key, result })));
        }
    }

    /// Sweeps from now on run on another model (the explorer switched); a running one is cancelled.
    pub fn replace_model(&mut self, stepper: Stepper, vocab: Vocab, reference: Option<Reference>) {
        self.stop();
        self.stepper = stepper;
        self.vocab = vocab;
        self.reference = reference.map(Arc::new);
    }

    /// Cancels the running sweep, if any (its thread ends at its next step).
    pub fn stop(&mut self) {
        if let Some(c) = self.cancel.take() {
            c.store(true, Ordering::Relaxed);
        }
    }
}

impl Drop for SweepJobs {
    fn drop(&mut self) {
        self.stop();
    }
}
