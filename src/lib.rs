//! tempest: explore how sampling temperature shapes a character-level RNN's text.
//!
//! The engine lives in the `tempest-core` crate (model, sampling, generation, analysis, training),
//! which knows nothing of terminals or command lines. This crate is the front end: `explorer` is the
//! interactive app, `commands` the thin command-line faces of the engine, `cli` the parser.

pub mod cli;
pub mod commands;
pub mod explorer;
pub mod openmp;
