//! The engine behind tempest: a character-level RNN, its checkpoint format, a fast batched stepper,
//! the sampler chain, generation, text analysis and training.
//!
//! Nothing here knows about terminals or command lines; the `tempest` crate builds the explorer and
//! the commands on top of it.

pub mod analysis;
pub mod assets;
pub mod display;
pub mod error;
pub mod fastmath;
pub mod files;
pub mod generate;
pub mod limits;
pub mod model;
pub mod sampling;
pub mod sweep;
pub mod train;

pub use error::{Error, Result};
