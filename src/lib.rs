//! tempest: explore how sampling temperature shapes a character-level RNN's text.
//!
//! The engine (`model`, `sampling`, `analysis`) knows nothing of terminals; the explorer (`app`,
//! `ui`) is built on it, and `commands` holds the command-line front ends.

pub mod analysis;
pub mod app;
pub mod assets;
pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod fastmath;
pub mod generate;
pub mod model;
pub mod sampling;
pub mod train;
pub mod ui;

pub use error::{Error, Result};
