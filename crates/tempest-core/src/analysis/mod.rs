//! Text analysis: loop detection (exact and near), loop history and live metrics over a pane's
//! history (pure functions of the characters and probabilities pushed in), the whole-text
//! statistics a sweep reports ([`text_stats`]), and interpretable cells in a model's hidden state
//! ([`cells`]).

pub mod cells;
pub mod gltr;
pub mod loop_history;
pub mod loops;
pub mod metrics;
pub mod near_loops;
pub mod text_stats;

pub use loop_history::{LoopEpisode, LoopKind, LoopState, LoopStats, LoopTracker};
pub use loops::{Loop, LoopDetector, LoopSettings};
pub use metrics::{Metrics, Observation, Summary};
pub use near_loops::{NearLoop, NearLoopDetector, NearLoopSettings};
