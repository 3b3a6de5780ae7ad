//! Reading and writing files without surprises: inputs must be regular files no larger than a
//! documented cap (checked before anything is allocated), and outputs are replaced atomically
//! through a temporary file created exclusively (`O_EXCL`, so a planted symlink is never followed)
//! in the target's own folder.
//!
//! Everything tempest reads from or writes to a path a user named goes through here, so the rules
//! hold in one place.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Largest model or resume checkpoint read: 2 GiB (a 2-layer, 4,096-wide LSTM with its AdamW
/// moments is about 1.6 GB; anything bigger is not a char-RNN this tool can step interactively).
pub const MAX_MODEL_BYTES: u64 = 2 << 30;
/// Largest training corpus read: 256 MiB. Training holds it as 4-byte ids, about 1 GB at the cap.
pub const MAX_CORPUS_BYTES: u64 = 256 << 20;
/// Largest text `tempest score` reads (a file or standard input), and the explorer's scored pane:
/// 16 MiB. Scoring steps the model once per character (about 4,000 characters a second for the
/// bundled model), so the cap is about an hour of work, and the per-character records it can
/// print stay within a few gigabytes.
pub const MAX_SCORE_BYTES: u64 = 16 << 20;
/// Largest explorer configuration file read: 1 MiB.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// Largest loss log rewritten when a run resumes: 256 MiB (one short line per ten steps).
pub const MAX_LOG_BYTES: u64 = 256 << 20;

// Quoting lives with the other display helpers, below `error`, so that errors can quote paths
// without `error` and `files` importing each other; callers keep finding it here too.
pub use crate::display::quote_path;

/// What kind of thing `meta` describes, in a user's words.
pub fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_fifo() {
        "a named pipe"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a regular file"
    }
}

fn io_error(path: &Path, err: std::io::Error) -> Error {
    Error::Io { path: path.into(), err }
}

/// Reads the whole of `path`, which must be a regular file (links to one are fine) of at most
/// `limit` bytes. `what` names the file in messages ("model", "corpus", …).
///
/// The size is checked from the open file's own metadata before the buffer is allocated, and the
/// read is bounded again in case the file grows meanwhile. A device, pipe or directory is refused
/// without reading: `/dev/zero` would otherwise fill memory.
pub fn read_regular(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    let refuse = |reason: String| Error::Invalid(format!("{what} {}: {reason}", quote_path(path)));
    // Checked before opening: opening a named pipe for reading would wait for a writer.
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(refuse(format!("is {}, not a regular file", kind_of(&meta))));
    }
    // O_NONBLOCK: should the path be swapped for a pipe after the check, open still returns.
    let file =
        OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(|e| io_error(path, e))?;
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(refuse(format!("is {}, not a regular file", kind_of(&meta))));
    }
    if meta.len() > limit {
        return Err(refuse(format!("is {} bytes; the limit is {} bytes", thousands(meta.len()), thousands(limit))));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| io_error(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(refuse(format!("grew past the limit of {} bytes while being read", thousands(limit))));
    }
    Ok(bytes)
}

/// [`read_regular`] for text: the bytes must be UTF-8.
pub fn read_regular_text(path: &Path, limit: u64, what: &str) -> Result<String> {
    let bytes = read_regular(path, limit, what)?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Invalid(format!(
            "{what} {} is not UTF-8 (invalid byte at offset {})",
            quote_path(path),
            e.utf8_error().valid_up_to()
        ))
    })
}

fn thousands(n: u64) -> String {
    crate::display::thousands(n)
}

/// The folder a file path lives in (`.` for a bare name).
pub fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// The prefix of temporary files written for `path`: `.NAME.tmp-PID-`. The process id lets a
/// later run tell an abandoned temporary file (its writer is gone) from one being written now.
fn temp_prefix(name: &str, pid: u32) -> String {
    format!(".{name}.tmp-{pid}-")
}

/// Refuses to replace anything at `path` that is not a regular file: a rename over a device node
/// (`/dev/null`), a directory or a symlink would destroy or redirect something that is not ours.
fn check_replaceable(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => {
            Err(std::io::Error::other(format!("is {}; tempest only replaces regular files", kind_of(&meta))))
        }
        _ => Ok(()),
    }
}

/// Replaces `path` with `bytes` atomically: a temporary file is created exclusively in the same
/// folder, written, synced, renamed over the target, and the folder is synced so the rename
/// survives a power cut. A crash at any moment leaves the old file or the new one, never a torn
/// one; a failure removes the temporary file. The target must be a regular file or absent.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    check_replaceable(path)?;
    let dir = folder_of(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // `tempfile` opens with O_CREAT | O_EXCL and a random suffix: a name cannot be predicted, and
    // a symlink planted at it makes the open fail instead of being followed.
    // A replaced file keeps its mode; a new one gets the usual 0666 less the umask (tempfile's own
    // default, 0600, would hide a model from the other users of a shared machine).
    let mode = std::fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o666);
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(&name, std::process::id()))
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // Checked again just before the rename, which would replace whatever is there by then.
    check_replaceable(path)?;
    tmp.persist(path).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

/// Appends one line to a log with a single `write(2)`, so a kill cannot tear it and a reader
/// tailing the log never sees half a line. The log is never reached through a symlink
/// (`O_NOFOLLOW`) and must be a regular file.
pub fn append_line(path: &Path, line: &str) -> Result<()> {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| io_error(path, e))?;
    let meta = f.metadata().map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(Error::Invalid(format!("log {}: is {}, not a regular file", quote_path(path), kind_of(&meta))));
    }
    f.write_all(format!("{line}\n").as_bytes()).map_err(|e| io_error(path, e))
}

/// Removes temporary files left in `dir` by saves of `names` that were interrupted (the process
/// was killed mid-write). Only files whose writer is no longer running are removed, so two runs
/// sharing a folder do not delete each other's work in progress. Returns the paths removed.
pub fn remove_abandoned_temps(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let Some(pid) = names.iter().find_map(|n| writer_pid(&file_name, n)) else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        // Only ever a regular file: a directory or link with a matching name is not ours.
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if is_file && std::fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

/// The writer's pid if `file_name` is a temporary file of `name`, in today's form
/// (`.NAME.tmp-PID-RANDOM`) or the older one (`.NAME.tmp-PID`).
fn writer_pid(file_name: &str, name: &str) -> Option<u32> {
    let rest = file_name.strip_prefix('.')?.strip_prefix(name)?.strip_prefix(".tmp-")?;
    let digits = rest.split('-').next()?;
    digits.parse().ok()
}

/// Whether `a` and `b` are the same file: the same device and inode (which also catches hard
/// links and different spellings of one path). `false` when either does not exist.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Checks that a new file can be created in `dir` now, by creating (and removing) an exclusive
/// temporary file there: permission bits alone do not tell (root ignores them; a read-only mount
/// or an immutable folder does not show in them).
pub fn check_writable_dir(dir: &Path) -> Result<()> {
    let meta = std::fs::metadata(dir).map_err(|e| io_error(dir, e))?;
    if !meta.is_dir() {
        return Err(Error::Invalid(format!("{} is {}, not a folder", quote_path(dir), kind_of(&meta))));
    }
    tempfile::Builder::new()
        .prefix(".tempest-write-check-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| Error::Invalid(format!("cannot write in the folder {}: {e}", quote_path(dir))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_pipes_and_folders_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let err = read_regular(&fifo, 10, "model").unwrap_err().to_string();
        assert!(err.contains("is a named pipe, not a regular file"), "{err}");
        let err = read_regular(dir.path(), 10, "corpus").unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
    }

    #[test]
    fn refuses_files_over_the_limit_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big");
        std::fs::write(&f, vec![b'a'; 101]).unwrap();
        let err = read_regular(&f, 100, "config").unwrap_err().to_string();
        assert!(err.contains("is 101 bytes; the limit is 100 bytes"), "{err}");
        assert_eq!(read_regular(&f, 101, "config").unwrap().len(), 101);
    }

    #[test]
    fn atomic_write_never_follows_or_replaces_a_non_file() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("out");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = atomic_write(&link, b"new").unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        let err = atomic_write(dir.path(), b"new").unwrap_err().to_string();
        assert!(err.contains("directory"), "{err}");

        let target = dir.path().join("m");
        atomic_write(&target, b"one").unwrap();
        // Under the same umask as any file the process creates, not tempfile's private 0600.
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&target), mode(&plain));
        std::fs::remove_file(&plain).unwrap();
        atomic_write(&target, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 3, "no temporary file left behind: {names:?}");
    }

    #[test]
    fn a_symlink_planted_at_the_old_temporary_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        // The name the first version used for its temporary file.
        let planted = dir.path().join(format!(".m.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        atomic_write(&dir.path().join("m"), b"model").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(std::fs::read_to_string(dir.path().join("m")).unwrap(), "model");
    }

    #[test]
    fn appending_refuses_a_symlinked_log() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let log = dir.path().join("m.loss.jsonl");
        std::os::unix::fs::symlink(&victim, &log).unwrap();
        assert!(append_line(&log, "{}").is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    }

    #[test]
    fn removes_only_abandoned_temporaries_of_our_files() {
        let dir = tempfile::tempdir().unwrap();
        // No process has pid 2^22 + 1 on Linux (pid_max is at most 2^22).
        let dead = (1u32 << 22) + 1;
        let live = std::process::id();
        for name in [
            format!(".m.safetensors.tmp-{dead}-abc"),
            format!(".m.safetensors.tmp-{dead}"),
            format!(".m.safetensors.tmp-{live}-abc"),
            format!(".other.tmp-{dead}-abc"),
            "m.safetensors".to_string(),
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let removed = remove_abandoned_temps(dir.path(), &["m.safetensors"]);
        assert_eq!(removed.len(), 2, "{removed:?}");
        let mut left: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        left.sort();
        assert_eq!(
            left,
            [format!(".m.safetensors.tmp-{live}-abc"), format!(".other.tmp-{dead}-abc"), "m.safetensors".into()]
        );
    }

    #[test]
    fn long_paths_are_quoted_as_excerpts() {
        let long = PathBuf::from("a/".repeat(50_000));
        let q = quote_path(&long);
        assert!(q.chars().count() < 220 && q.contains("characters in all"), "{q}");
    }
}
