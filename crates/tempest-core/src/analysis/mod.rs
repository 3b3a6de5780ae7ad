//! Text analysis over a pane's history: loop detection (exact and near), loop history, live
//! metrics, and the whole-text statistics a sweep reports. Pure functions of the
//! characters (and their probabilities) pushed in.

pub mod loop_history;
pub mod loops;
pub mod metrics;
pub mod near_loops;
pub mod text_stats;

pub use loop_history::{LoopEpisode, LoopKind, LoopState, LoopStats, LoopTracker};
pub use loops::{Loop, LoopDetector, LoopSettings};
pub use metrics::{Metrics, Observation, Summary};
pub use near_loops::{NearLoop, NearLoopDetector, NearLoopSettings};
