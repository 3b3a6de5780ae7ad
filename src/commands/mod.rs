//! The command-line front ends: each turns parsed flags into calls on the engine.

pub mod bench_train;
pub mod cells;
pub mod cells_plot;
pub mod explore;
pub mod info;
mod plot;
pub mod sample;
pub mod score;
mod score_color;
pub mod sweep;
mod sweep_plot;
pub mod train;
pub mod train_defaults;
pub mod values;
