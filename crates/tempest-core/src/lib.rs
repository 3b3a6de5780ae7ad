//! The engine behind tempest: a character-level RNN, its checkpoint format, a fast batched stepper,
//! the sampler chain, generation, text analysis and training.
//!
//! Nothing here knows about terminals or command lines; the `tempest` crate builds the explorer and
//! the commands on top of it.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod analysis;
pub mod assets;
pub mod display;
pub mod error;
pub mod files;
pub mod generate;
pub mod jsonl;
pub mod limits;
pub mod model;
pub mod sampling;
pub mod score;
pub mod sweep;
pub mod train;

pub use error::{Error, Result};
/// Branch-free `exp`, `log2`, `sigmoid` and `tanh` (they live with the stepper, which needs them).
pub use tempest_step::fastmath;
