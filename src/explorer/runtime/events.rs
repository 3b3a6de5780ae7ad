//! Everything the explorer's main loop waits for arrives on ONE bounded channel: the engine sends
//! its replies into it directly (as [`Incoming`], via `From<Reply>`), and terminal input and
//! signals each have a small thread that forwards into it. The main loop then blocks in a single
//! `recv`, so it uses no CPU when nothing happens, and the bound is the engine's back-pressure: on
//! a full queue its send blocks and it stops generating.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::SyncSender;
use std::thread;

use crossterm::event::{self as ct, Event as CtEvent};

use crate::explorer::app::model_switch::SwitchedModel;
use crate::explorer::app::Event;
use crate::explorer::worker::Reply;
use tempest_core::model::{SharedWeights, Stepper};
use tempest_core::sweep::Reference;

/// Room for a burst of input plus a few engine batches.
pub const QUEUE: usize = 256;

pub enum Incoming {
    App(Event),
    /// Reading the terminal failed; the explorer cannot be driven any more.
    InputFailed(String),
    /// The engine thread has ended ([`Reply::Ended`]: it only does so after reporting why, or on
    /// shutdown).
    EngineGone,
    /// SIGINT, SIGTERM or SIGHUP: quit cleanly, restoring the terminal.
    Signal(i32),
    /// A model the loader thread has read for `M` (see `model_switch.rs`), or why it could not.
    ModelLoaded(Result<Box<Loaded>, String>),
}

/// A model read, checked and laid out for stepping by `model_switch`'s loader thread, not yet
/// handed to anyone. Defined with the channel it travels on, so the producers all sit above it.
pub struct Loaded {
    pub(super) switched: Box<SwitchedModel>,
    pub(super) weights: SharedWeights,
    pub(super) sweep_stepper: Stepper,
    pub(super) reference: Option<Reference>,
}

impl From<Reply> for Incoming {
    fn from(r: Reply) -> Self {
        match r {
            Reply::Ended => Incoming::EngineGone,
            r => Incoming::App(Event::Engine(r)),
        }
    }
}

/// Reads terminal events until the process exits. It blocks in `read` (no polling), so it costs
/// nothing while the user does nothing; it is never joined, since `read` cannot be interrupted.
pub fn spawn_input(tx: SyncSender<Incoming>) -> std::io::Result<()> {
    thread::Builder::new().name("tempest-input".into()).spawn(move || {
        let failed = match catch_unwind(AssertUnwindSafe(|| read_loop(&tx))) {
            Ok(Ok(())) => return,
            Ok(Err(e)) => format!("cannot read the terminal: {e}"),
            Err(_) => "the input thread failed".to_string(),
        };
        let _ = tx.send(Incoming::InputFailed(failed));
    })?;
    Ok(())
}

fn read_loop(tx: &SyncSender<Incoming>) -> std::io::Result<()> {
    loop {
        let ev = match ct::read()? {
            CtEvent::Key(k) => Event::Key(k),
            CtEvent::Mouse(m) => Event::Mouse(m),
            CtEvent::Resize(w, h) => Event::Resize(w, h),
            CtEvent::Paste(text) => Event::Paste(text),
            CtEvent::FocusGained | CtEvent::FocusLost => continue,
        };
        if tx.send(Incoming::App(ev)).is_err() {
            return Ok(());
        }
    }
}

/// In raw mode Ctrl-C is a key, not a signal; these come from `kill` or a closed terminal.
pub fn spawn_signals(tx: SyncSender<Incoming>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    thread::Builder::new().name("tempest-signals".into()).spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let _ = tx.send(Incoming::Signal(sig));
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engines_end_ends_the_explorer_and_other_replies_reach_the_app() {
        assert!(matches!(Incoming::from(Reply::Ended), Incoming::EngineGone));
        assert!(matches!(Incoming::from(Reply::Synced(3)), Incoming::App(Event::Engine(Reply::Synced(3)))));
    }
}
