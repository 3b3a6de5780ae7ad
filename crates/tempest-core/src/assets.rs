//! The bundled model. It is compiled into the binary so `tempest` runs with no arguments from
//! anywhere, including after `cargo install`.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::model::Checkpoint;

pub const BUNDLED_NAME: &str = "shakespeare.safetensors";
static BUNDLED: &[u8] = include_bytes!("../../../assets/shakespeare.safetensors");

/// Loads `path`, or the bundled model when `None`.
pub fn load_model(path: Option<&Path>) -> Result<Checkpoint> {
    match path {
        Some(p) => Checkpoint::load(p, tch::Device::Cpu),
        None => Checkpoint::from_bytes(&PathBuf::from(format!("<bundled {BUNDLED_NAME}>")), BUNDLED, tch::Device::Cpu),
    }
}
