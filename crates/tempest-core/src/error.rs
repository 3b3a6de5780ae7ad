//! The engine's error type. Every message is written for the person at the terminal: it names the
//! file, tensor, character or setting at fault and, where there is one, the fix.

use std::path::PathBuf;

use crate::display::{describe_char, quote_path};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {err}", quote_path(path))]
    Io { path: PathBuf, err: std::io::Error },
    #[error("model {} is not a valid safetensors file ({reason}); it may be truncated or corrupt", quote_path(path))]
    NotSafetensors { path: PathBuf, reason: String },
    #[error("model {}: {reason}", quote_path(path))]
    BadCheckpoint { path: PathBuf, reason: String },
    #[error("vocabulary: {0}")]
    Vocab(String),
    #[error("the character {} at position {position} is not in the model's vocabulary", describe_char(*ch))]
    UnknownChar { ch: char, position: usize },
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Step(#[from] tempest_step::StepError),
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
