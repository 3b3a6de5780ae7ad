//! The rules a run's output files must pass before the first step, so that training never
//! destroys a file and never fails at step 100 for a reason that was known at step 0.
//!
//! A run writes three files into one folder: `MODEL.safetensors`, `MODEL.resume.safetensors` and
//! `MODEL.loss.jsonl`. Each must be absent or a regular file (never a device, folder or link), none
//! may be the corpus, and an existing one must be tempest's own: a fresh run replaces a model only
//! when told to (`--force`), and never replaces a file tempest did not write.

use std::path::Path;

use super::{sibling, TrainConfig};
use crate::error::{Error, Result};
use crate::files::{self, quote_path};
use crate::model::checkpoint::METADATA_KEY;

/// Bytes of a file read to decide whether it is tempest's own: a safetensors header fits (the
/// format caps headers at 100 MB, but ours are a few KB), and so do a log's first lines.
const SNIFF_BYTES: u64 = 1 << 20;

/// How the run treats files already at its output paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// A fresh run: any existing output is refused.
    Refuse,
    /// A fresh run with `--force`: existing tempest files are replaced; others are still refused.
    Replace,
    /// A resumed run: the files are its own and are continued.
    Continue,
}

/// The three files a run writes, beside `out`.
pub fn output_paths(out: &Path) -> [std::path::PathBuf; 3] {
    [out.to_path_buf(), sibling(out, "resume.safetensors"), sibling(out, "loss.jsonl")]
}

/// Checks (and, when missing, creates) the output folder and checks each output path. Nothing is
/// written besides the folder.
pub fn prepare(config: &TrainConfig, existing: Existing) -> Result<()> {
    let refuse = |m: String| Err(Error::Invalid(m));
    let out = &config.out;
    if out.file_name().is_none() || out.as_os_str().to_string_lossy().ends_with('/') {
        return refuse(format!("--out {} must name a file, not a folder", quote_path(out)));
    }
    let dir = files::folder_of(out);
    if std::fs::symlink_metadata(dir).is_err() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Invalid(format!("cannot create the output folder {}: {e}", quote_path(dir))))?;
    }
    files::check_writable_dir(dir)?;
    let [model, resume, log] = output_paths(out);
    for path in [&model, &resume, &log] {
        check_one(path, &config.corpus, existing, &resume)?;
    }
    Ok(())
}

fn check_one(path: &Path, corpus: &Path, existing: Existing, resume: &Path) -> Result<()> {
    let refuse = |m: String| Err(Error::Invalid(m));
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let shown = quote_path(path);
    if meta.file_type().is_symlink() {
        return refuse(format!(
            "{shown} is a symbolic link; tempest does not write through links: give the real file's path"
        ));
    }
    if !meta.is_file() {
        return refuse(format!(
            "{shown} is {}; --out must be a regular file's path, or a new one",
            files::kind_of(&meta)
        ));
    }
    if files::same_file(path, corpus) {
        return refuse(format!("{shown} is the corpus; training would overwrite its own input"));
    }
    let kind = sniff(path);
    let ours = match kind {
        Kind::Model | Kind::Resume | Kind::Log => true,
        Kind::Foreign => false,
    };
    if !ours {
        return refuse(format!(
            "{shown} exists and is not a file tempest wrote; refusing to overwrite it (choose another --out)"
        ));
    }
    if existing == Existing::Refuse {
        let hint = match kind {
            Kind::Log => "the loss log of an earlier run".to_string(),
            _ => format!("a tempest {}", if kind == Kind::Resume { "resume checkpoint" } else { "model" }),
        };
        return refuse(format!(
            "{shown} already holds {hint}; pass --force to replace it, or --resume {} to continue that run",
            quote_path(resume)
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Model,
    Resume,
    Log,
    Foreign,
}

/// What an existing file is, from its first bytes: a safetensors file whose metadata has tempest's
/// key, a loss log (empty, or JSON lines with a step), or something else.
fn sniff(path: &Path) -> Kind {
    use std::io::Read;
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(SNIFF_BYTES).read_to_end(&mut head));
    if read.is_err() {
        return Kind::Foreign;
    }
    if head.is_empty() {
        return Kind::Log;
    }
    if head.len() >= 8 {
        let n = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
        if let Some(json) = usize::try_from(n).ok().and_then(|n| head.get(8..8usize.checked_add(n)?)) {
            if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(json) {
                let meta = map.get("__metadata__").and_then(|m| m.as_object());
                return match meta {
                    Some(m) if m.contains_key("tempest-run") => Kind::Resume,
                    Some(m) if m.contains_key(METADATA_KEY) => Kind::Model,
                    _ => Kind::Foreign,
                };
            }
        }
    }
    let text = String::from_utf8_lossy(&head);
    // The last line may be cut by the sniff limit; the first must be a whole record.
    match text.lines().find(|l| !l.is_empty()).map(serde_json::from_str::<serde_json::Value>) {
        Some(Ok(v)) if v.get("step").is_some_and(|s| s.is_u64()) => Kind::Log,
        _ => Kind::Foreign,
    }
}
