//! Text analysis: loop detection and live metrics over a pane's history (pure functions of the
//! characters and probabilities pushed in), and interpretable cells in a model's hidden state
//! ([`cells`]).

pub mod cells;
pub mod loops;
pub mod metrics;

pub use loops::{Loop, LoopDetector, LoopSettings};
pub use metrics::{Metrics, Observation, Summary};
