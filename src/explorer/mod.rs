//! The interactive explorer: one folder for everything that knows about the terminal.
//!
//! Data flows one way. The runtime reads keys, mouse, resizes and signals, and the worker's replies,
//! from one channel; `app::update` turns each into new state and effects; the runtime carries out
//! the effects (requests to the worker, exports) and redraws with `ui::draw`, a pure function of
//! the state. The worker thread owns the model's stepper, so a keystroke never waits on the model.

pub mod app;
pub mod config;
pub mod prime;
mod runtime;
pub mod ui;
pub mod worker;

#[cfg(test)]
mod proptests;

pub use runtime::{run, Launch};
