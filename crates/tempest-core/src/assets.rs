//! The bundled models. They are compiled into the binary so `tempest` runs with no arguments from
//! anywhere, including after `cargo install`, and can be picked by name (`--model shakespeare`).
//!
//! Each comes with a short excerpt of the text it was validated on (the start of its held-out
//! split), so `tempest cells` has something to measure without the full corpus.

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::model::Checkpoint;

/// A model compiled into the binary.
#[derive(Debug)]
pub struct BundledModel {
    /// What `--model` calls it.
    pub name: &'static str,
    /// The file it was built from, under `assets/`.
    pub file: &'static str,
    /// One line for help texts and listings.
    pub about: &'static str,
    bytes: &'static [u8],
    /// The first ~20,000 characters of the held-out text (the last 10% of the corpus), from a
    /// paragraph break on.
    pub heldout: &'static str,
}

/// Every bundled model; the first is the default.
pub static BUNDLED: &[BundledModel] = &[
    BundledModel {
        name: "shakespeare",
        file: "shakespeare.safetensors",
        about: "2×512 LSTM on the complete works of Shakespeare",
        bytes: include_bytes!("../../../assets/shakespeare.safetensors"),
        heldout: include_str!("../../../assets/shakespeare.heldout.txt"),
    },
    BundledModel {
        name: "rust",
        file: "rust.safetensors",
        about: "2×512 LSTM on the sources of 25 Rust crates",
        bytes: include_bytes!("../../../assets/rust.safetensors"),
        heldout: include_str!("../../../assets/rust.heldout.txt"),
    },
];

/// The file name of the default bundled model.
pub const BUNDLED_NAME: &str = "shakespeare.safetensors";

/// The bundled model called `name`.
pub fn bundled(name: &str) -> Option<&'static BundledModel> {
    BUNDLED.iter().find(|m| m.name == name)
}

/// The names of the bundled models, for messages: `shakespeare, rust`.
pub fn bundled_names() -> String {
    BUNDLED.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
}

/// Where a model comes from: a bundled one by name, or a file.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSource {
    /// A model built into the binary, by its name.
    Bundled(&'static str),
    /// A model file on disk.
    File(PathBuf),
}

impl ModelSource {
    /// What the user typed after `--model`: a bundled model's name, or else a path. (A file that
    /// happens to have a bundled model's name is reached as `./name`.)
    pub fn parse(s: &str) -> ModelSource {
        match bundled(s) {
            Some(m) => ModelSource::Bundled(m.name),
            None => ModelSource::File(PathBuf::from(s)),
        }
    }

    /// The default bundled model.
    pub fn default_bundled() -> ModelSource {
        ModelSource::Bundled(BUNDLED[0].name)
    }

    /// The bundled model this names, or `None` for a file.
    pub fn bundled(&self) -> Option<&'static BundledModel> {
        match self {
            ModelSource::Bundled(n) => bundled(n),
            ModelSource::File(_) => None,
        }
    }

    /// How to refer to it in messages and status lines: the name, or the file's path.
    pub fn label(&self) -> String {
        match self {
            ModelSource::Bundled(n) => n.to_string(),
            ModelSource::File(p) => p.display().to_string(),
        }
    }

    /// Reads and checks the model, on the CPU (generation and analysis run there).
    pub fn load(&self) -> Result<Checkpoint> {
        match self {
            ModelSource::File(p) => Checkpoint::load(p, tch::Device::Cpu),
            ModelSource::Bundled(n) => {
                let m = bundled(n).unwrap_or(&BUNDLED[0]);
                Checkpoint::from_bytes(&PathBuf::from(format!("<bundled {}>", m.file)), m.bytes, tch::Device::Cpu)
            }
        }
    }
}

/// Loads what `--model` named: a bundled model by its name (`rust`), else the file at `path`; the
/// default bundled model when `None`. Every command goes through here, so a name works everywhere.
pub fn load_model(path: Option<&Path>) -> Result<Checkpoint> {
    match path {
        Some(p) => match p.to_str() {
            Some(s) => ModelSource::parse(s).load(),
            None => ModelSource::File(p.to_owned()).load(),
        },
        None => ModelSource::default_bundled().load(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_model_loads_by_name_through_load_model() {
        for m in BUNDLED {
            let ck = load_model(Some(Path::new(m.name))).unwrap();
            let want = ModelSource::Bundled(m.name).load().unwrap();
            assert_eq!(ck.vocab, want.vocab, "{}", m.name);
        }
        assert!(load_model(Some(Path::new("./rust"))).is_err(), "a path is read as a file");
    }

    #[test]
    fn names_pick_bundled_models_and_anything_else_is_a_file() {
        assert_eq!(ModelSource::parse("shakespeare"), ModelSource::Bundled("shakespeare"));
        assert_eq!(ModelSource::parse("./shakespeare"), ModelSource::File("./shakespeare".into()));
        assert_eq!(ModelSource::parse("m.safetensors"), ModelSource::File("m.safetensors".into()));
        for m in BUNDLED {
            let ck = ModelSource::parse(m.name).load().unwrap();
            // The excerpt is text the model can read.
            assert!(ck.vocab.encode(m.heldout, crate::model::UnknownPolicy::Error).is_ok(), "{}", m.name);
            assert!(m.heldout.chars().count() > 10_000, "{}", m.name);
        }
    }
}
