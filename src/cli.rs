//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;

#[derive(Debug, Parser)]
#[command(name = "tempest", version, about = "Explore sampling temperature in character-level RNNs")]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no subcommand, `tempest` opens the explorer with these flags.
    #[command(flatten)]
    pub explore: commands::explore::ExploreArgs,
}

// The explorer's arguments make `Explore` much larger than `Info`; the enum is built once per run,
// so boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the interactive explorer (the default when no subcommand is given).
    Explore(commands::explore::ExploreArgs),
    /// Train a char-RNN on a UTF-8 text file.
    Train(commands::train::TrainArgs),
    /// Generate text headlessly, one stream per --temperature.
    Sample(commands::sample::SampleArgs),
    /// Score a given text under the model: bits/char, each character's rank (GLTR for character
    /// models), the text coloured by rank, or per-character JSONL.
    Score(commands::score::ScoreArgs),
    /// Measure generated text across a grid of temperatures and samplers, beside human text:
    /// likelihood, entropy, diversity, loops and lexical validity, as a table, CSV, JSON and a plot.
    Sweep(commands::sweep::SweepArgs),
    /// Maintenance: measure a corpus's held-out part as human reference and store it in a model
    /// file (what `tempest train` does at the end of a run).
    #[command(hide = true)]
    AttachReference(commands::sweep::AttachReferenceArgs),
    /// Measure training throughput (chars/s) of the bundled model's shape, beside PyTorch if
    /// Python can import torch. Tooling for the README's performance table, so hidden from
    /// `--help`; `tempest bench-train --help` still documents it.
    #[command(hide = true)]
    BenchTrain(commands::bench_train::BenchTrainArgs),
    /// Find the units that track quotes, brackets, line position and the like, and measure how
    /// often the gates saturate.
    Cells(commands::cells::CellsArgs),
    /// Print a model's metadata, parameter count and vocabulary.
    Info {
        /// A bundled model by name (shakespeare, rust) or a model file (.safetensors).
        model: PathBuf,
    },
}

/// Runs the command and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Some(Command::Train(args)) => commands::train::run(args),
        Some(Command::Sample(args)) => commands::sample::run(args),
        Some(Command::Score(args)) => commands::score::run(args),
        Some(Command::Sweep(args)) => commands::sweep::run(args),
        Some(Command::AttachReference(args)) => commands::sweep::attach_reference(args),
        Some(Command::BenchTrain(args)) => commands::bench_train::run(args),
        Some(Command::Cells(args)) => commands::cells::run(args),
        Some(Command::Info { model }) => commands::info::run(&model),
        Some(Command::Explore(args)) => commands::explore::run(args),
        None => commands::explore::run(cli.explore),
    }
}
