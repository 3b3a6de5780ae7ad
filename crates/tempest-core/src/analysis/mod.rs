//! Text analysis over a pane's history: loop detection and live metrics. Pure functions of the
//! characters (and their probabilities) pushed in.

pub mod loops;
pub mod metrics;

pub use loops::{Loop, LoopDetector, LoopSettings};
pub use metrics::{Metrics, Observation, Summary};
