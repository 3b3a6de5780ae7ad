//! The engine's error type. Every message is written for the person at the terminal: it names the
//! file, tensor, character or setting at fault and, where there is one, the fix.

use std::path::PathBuf;

use crate::display::{describe_char, quote_path};

/// What can go wrong in the engine, each variant carrying what its message needs to name the culprit.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {err}", quote_path(path))]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        err: std::io::Error,
    },
    /// A model file is not a safetensors container at all (wrong file, or cut short).
    #[error("model {} is not a valid safetensors file ({reason}); it may be truncated or corrupt", quote_path(path))]
    NotSafetensors {
        /// The model file.
        path: PathBuf,
        /// What the container parser objected to.
        reason: String,
    },
    /// A model file is safetensors but not a model this build can load: wrong metadata, a missing
    /// tensor, a shape or dtype that does not match.
    #[error("model {}: {reason}", quote_path(path))]
    BadCheckpoint {
        /// The model file.
        path: PathBuf,
        /// The first thing found wrong, by name.
        reason: String,
    },
    /// A vocabulary that cannot be used (empty, or a character listed twice).
    #[error("vocabulary: {0}")]
    Vocab(String),
    /// Input text holds a character the model has never seen, at a 1-based character position.
    #[error("the character {} at position {position} is not in the model's vocabulary", describe_char(*ch))]
    UnknownChar {
        /// The character.
        ch: char,
        /// Where it is, counting characters (not bytes) from 1.
        position: usize,
    },
    /// A setting or argument out of range; the message names it and the range.
    #[error("{0}")]
    Invalid(String),
    /// The stepper refused a step: an id beyond the vocabulary, or a kernel this CPU cannot run.
    #[error("{0}")]
    Step(#[from] tempest_step::StepError),
    /// libtorch failed; its message is passed on.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
}

/// The engine's result type, with [`Error`] unless another is named.
pub type Result<T, E = Error> = std::result::Result<T, E>;
