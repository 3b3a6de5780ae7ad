//! The sweep screen's state: which metric is shown, the sweep running in the background, and the
//! finished sweeps cached by their settings so that reopening the screen is instant.
//!
//! The sweep itself runs on a job thread of its own (the runtime's, see [`Effect::StartSweep`]);
//! this side only asks for it and records its progress and result.

use std::collections::HashMap;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Effect, Overlay};
use tempest_core::sweep::{Metric, SweepResult, SweepSpec};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SweepView {
    /// Index into [`Metric::ALL`].
    pub metric: usize,
    pub job: SweepJob,
    /// Finished sweeps by [`key`] of their spec. One session explores one model, so the spec
    /// (prime, seed, grid) is all that tells two sweeps apart.
    pub cache: HashMap<String, Arc<SweepResult>>,
    /// The spec the screen shows (or waits for).
    pub shown: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum SweepJob {
    #[default]
    Idle,
    Running {
        key: String,
        step: usize,
        steps: usize,
        streams: usize,
    },
    Failed {
        key: String,
        error: String,
    },
}

/// What the job thread reports.
#[derive(Debug, Clone, PartialEq)]
pub enum SweepEvent {
    Progress { key: String, step: usize, steps: usize, streams: usize },
    Done { key: String, result: Result<Arc<SweepResult>, String> },
}

/// The cache key of a spec: its canonical JSON.
pub fn key(spec: &SweepSpec) -> String {
    serde_json::to_string(spec).unwrap_or_default()
}

impl SweepView {
    pub fn metric(&self) -> Metric {
        Metric::ALL[self.metric % Metric::ALL.len()]
    }

    /// The finished sweep the screen shows, if it is done.
    pub fn result(&self) -> Option<&Arc<SweepResult>> {
        self.shown.as_ref().and_then(|k| self.cache.get(k))
    }
}

impl App {
    /// The sweep the screen runs for the current session: the default grid from the panes' prime
    /// and seed.
    pub fn sweep_spec(&self) -> SweepSpec {
        let mut spec = SweepSpec::default_with_prime(self.prime_ids.clone());
        spec.seed = self.seed;
        spec.loops = self.limits.loops;
        spec
    }
}

/// Opens the sweep screen, starting the sweep unless it is cached or already running.
pub(super) fn open(app: &mut App, fx: &mut Vec<Effect>) {
    app.overlay = Overlay::Sweep;
    let spec = app.sweep_spec();
    let k = key(&spec);
    app.sweep.shown = Some(k.clone());
    let running = matches!(&app.sweep.job, SweepJob::Running { key, .. } if *key == k);
    if !app.sweep.cache.contains_key(&k) && !running {
        start(app, spec, k, fx);
    }
}

fn start(app: &mut App, spec: SweepSpec, key: String, fx: &mut Vec<Effect>) {
    app.sweep.job = SweepJob::Running { key: key.clone(), step: 0, steps: spec.length, streams: spec.streams() };
    fx.push(Effect::StartSweep { key, spec: Box::new(spec) });
}

/// Keys while the sweep screen is open.
pub(super) fn on_key(app: &mut App, key: KeyEvent, fx: &mut Vec<Effect>) {
    let n = Metric::ALL.len();
    match key.code {
        KeyCode::Esc | KeyCode::Char('S') | KeyCode::Char('q') => app.overlay = Overlay::None,
        KeyCode::Left | KeyCode::Char('h') | KeyCode::Up | KeyCode::Char('k') => {
            app.sweep.metric = (app.sweep.metric + n - 1) % n
        }
        KeyCode::Right | KeyCode::Char('l') | KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
            app.sweep.metric = (app.sweep.metric + 1) % n
        }
        KeyCode::Char(c @ '1'..='9') => app.sweep.metric = (c as usize - '1' as usize).min(n - 1),
        KeyCode::Char('r') => {
            let spec = app.sweep_spec();
            let k = self::key(&spec);
            if !matches!(&app.sweep.job, SweepJob::Running { key, .. } if *key == k) {
                app.sweep.cache.remove(&k);
                app.sweep.shown = Some(k.clone());
                start(app, spec, k, fx);
            }
        }
        _ => {}
    }
}

/// Records what the job thread reports; a report for another spec than the running one is stale.
pub(super) fn on_event(app: &mut App, ev: SweepEvent) {
    match ev {
        SweepEvent::Progress { key, step, steps, streams } => {
            if matches!(&app.sweep.job, SweepJob::Running { key: k, .. } if *k == key) {
                app.sweep.job = SweepJob::Running { key, step, steps, streams };
            }
        }
        SweepEvent::Done { key, result } => {
            let current = matches!(&app.sweep.job, SweepJob::Running { key: k, .. } if *k == key);
            match result {
                Ok(r) => {
                    app.sweep.cache.insert(key, r);
                    if current {
                        app.sweep.job = SweepJob::Idle;
                    }
                }
                Err(error) if current => app.sweep.job = SweepJob::Failed { key, error },
                Err(_) => {}
            }
        }
    }
}
