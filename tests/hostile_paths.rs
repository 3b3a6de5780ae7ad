//! A table of hostile paths given to `--out`, `--corpus`, `--model`, `--config` and stored in a
//! resume checkpoint: devices, pipes, folders, the corpus as output, symlinks, existing files
//! tempest did not write, and `..` in stored paths. Each row asserts a clear refusal (no panic, no
//! hang) and that no file outside the run's own folder changed.
//!
//! Every special file is created inside a temporary folder: the real `/dev/null` is never touched.
//! A device node needs `mknod` (root); without it that row is skipped with a printed reason.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{corpus_text, run, tempest, Run};

const TINY: &[&str] =
    &["--hidden", "16", "--embed", "4", "--layers", "1", "--seq-len", "8", "--batch", "4", "--threads", "1"];

/// The world outside the run's folder: files whose content must survive every row.
struct World {
    root: tempfile::TempDir,
}

impl World {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let w = World { root };
        std::fs::create_dir(w.run_dir()).unwrap();
        std::fs::create_dir(w.outside()).unwrap();
        std::fs::write(w.corpus(), corpus_text(3000)).unwrap();
        std::fs::write(w.outside().join("precious.txt"), "a file tempest must never change").unwrap();
        std::fs::write(w.outside().join("model.loss.jsonl"), "{\"step\": 1}\n").unwrap();
        w
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn run_dir(&self) -> PathBuf {
        self.path("run")
    }

    fn outside(&self) -> PathBuf {
        self.path("outside")
    }

    fn corpus(&self) -> PathBuf {
        self.path("outside/corpus.txt")
    }

    /// Kind, inode and content of every entry outside the run's folder.
    fn snapshot(&self) -> BTreeMap<PathBuf, (String, u64, Vec<u8>)> {
        self.snapshot_where(|p| !p.starts_with(self.run_dir()))
    }

    /// The same, of every entry anywhere (a refused command changes nothing at all).
    fn snapshot_all(&self) -> BTreeMap<PathBuf, (String, u64, Vec<u8>)> {
        self.snapshot_where(|_| true)
    }

    fn snapshot_where(&self, keep: impl Fn(&Path) -> bool) -> BTreeMap<PathBuf, (String, u64, Vec<u8>)> {
        let mut out = BTreeMap::new();
        for entry in walk(self.root.path()) {
            if !keep(&entry) {
                continue;
            }
            let meta = std::fs::symlink_metadata(&entry).unwrap();
            let kind = format!("{:?}", meta.file_type());
            let content = if meta.is_file() { std::fs::read(&entry).unwrap() } else { Vec::new() };
            out.insert(entry, (kind, meta.ino(), content));
        }
        out
    }

    fn train(&self, out: &Path, extra: &[&str]) -> Run {
        let mut cmd = tempest();
        cmd.timeout(Duration::from_secs(120));
        cmd.arg("train").arg("--corpus").arg(self.corpus()).arg("--out").arg(out).args(TINY).args(extra);
        run(&mut cmd)
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        all.push(p.clone());
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            all.extend(walk(&p));
        }
    }
    all
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo").arg(path).status().is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

/// A character device node (`/dev/null` is 1 3, `/dev/zero` 1 5), made in the test's own folder;
/// `None` when this process may not make device nodes.
fn mknod(path: &Path, major: u32, minor: u32) -> Option<()> {
    let status = std::process::Command::new("mknod")
        .arg(path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .stderr(std::process::Stdio::null())
        .status();
    status.is_ok_and(|s| s.success()).then_some(())
}

/// Runs `row` and checks it was refused with `words` on one line, and that nothing changed: not
/// outside the run's folder, and not inside it either (no stray loss log, no temporary file).
#[track_caller]
fn assert_row(world: &World, what: &str, words: &[&str], row: impl FnOnce() -> Run) {
    let before = world.snapshot_all();
    let result = row();
    eprintln!("row: {what}");
    result.assert_clean_failure(words);
    assert!(!result.stderr.trim_end().contains('\n'), "{what}: more than one line:\n{}", result.stderr);
    let after = world.snapshot_all();
    let added: Vec<_> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    assert!(added.is_empty(), "{what}: files appeared: {added:?}");
    for (path, b) in &before {
        assert_eq!(Some(b), after.get(path), "{what}: {} changed or vanished", path.display());
    }
}

#[test]
fn hostile_outputs_are_refused_before_training() {
    let w = World::new();
    let dev = w.outside().join("null");
    match mknod(&dev, 1, 3) {
        Some(()) => {
            assert_row(&w, "--out a device node", &["is a device", "regular file"], || w.train(&dev, &[]));
            assert!(std::fs::symlink_metadata(&dev).unwrap().file_type().is_char_device(), "the device survived");
            assert!(
                !w.outside().join("null.loss.jsonl").exists() && !w.outside().join("null.resume.safetensors").exists()
            );
        }
        None => eprintln!("skipped the device-node row: this process may not mknod (needs root)"),
    }
    let fifo = w.outside().join("pipe");
    mkfifo(&fifo);
    assert_row(&w, "--out a named pipe", &["is a named pipe"], || w.train(&fifo, &[]));
    assert_row(&w, "--out a folder", &["is a directory"], || w.train(&w.outside(), &[]));
    assert_row(&w, "--out a folder with a slash", &["must name a file"], || {
        w.train(Path::new(&format!("{}/", w.outside().display())), &[])
    });
    assert_row(&w, "--out the corpus", &["is the corpus"], || w.train(&w.corpus(), &[]));
    let link = w.outside().join("hardlink.txt");
    std::fs::hard_link(w.corpus(), &link).unwrap();
    assert_row(&w, "--out a hard link to the corpus", &["is the corpus"], || w.train(&link, &["--force"]));
    assert_row(&w, "--out an unrelated file, even with --force", &["not a file tempest wrote"], || {
        w.train(&w.outside().join("precious.txt"), &["--force"])
    });
    let sym = w.run_dir().join("m.safetensors");
    std::os::unix::fs::symlink(w.outside().join("precious.txt"), &sym).unwrap();
    assert_row(&w, "--out a symlink", &["symbolic link"], || w.train(&sym, &[]));
    std::fs::remove_file(&sym).unwrap();
    // The loss log beside --out is the corpus: the log would be appended to it.
    let corpus_as_log = w.outside().join("c.loss.jsonl");
    std::fs::copy(w.corpus(), &corpus_as_log).unwrap();
    assert_row(&w, "the corpus where the loss log goes", &["is the corpus"], || {
        let mut cmd = tempest();
        cmd.arg("train").arg("--corpus").arg(&corpus_as_log).arg("--out").arg(w.outside().join("c.safetensors"));
        run(cmd.args(TINY))
    });
    // A folder that cannot be created (its parent is a file).
    let under_file = w.outside().join("precious.txt").join("sub").join("m.safetensors");
    assert_row(&w, "--out under a file", &["cannot create the output folder"], || w.train(&under_file, &[]));
}

#[test]
fn an_existing_model_is_replaced_only_with_force() {
    let w = World::new();
    let out = w.run_dir().join("m.safetensors");
    w.train(&out, &["--steps", "2"]).assert_ok();
    let before = std::fs::read(&out).unwrap();
    let again = w.train(&out, &["--steps", "2", "--seed", "9"]);
    again.assert_clean_failure(&["already holds a tempest model", "--force", "--resume"]);
    assert_eq!(std::fs::read(&out).unwrap(), before, "refused, and the model is unchanged");
    w.train(&out, &["--steps", "2", "--seed", "9", "--force"]).assert_ok();
    assert_ne!(std::fs::read(&out).unwrap(), before, "--force replaced it");
}

#[test]
fn a_read_only_folder_is_refused_before_training() {
    let w = World::new();
    let ro = w.run_dir().join("ro");
    std::fs::create_dir(&ro).unwrap();
    // Root ignores permission bits, but not the immutable attribute.
    let immutable = std::process::Command::new("chattr").arg("+i").arg(&ro).status().is_ok_and(|s| s.success());
    if !immutable {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(ro.join("probe"), "x").is_ok() {
            std::fs::remove_file(ro.join("probe")).unwrap();
            eprintln!("skipped: cannot make a read-only folder here (root without chattr +i)");
            return;
        }
    }
    let before = w.snapshot_all();
    let result = w.train(&ro.join("m.safetensors"), &["--steps", "50"]);
    if immutable {
        let _ = std::process::Command::new("chattr").arg("-i").arg(&ro).status();
    }
    result.assert_clean_failure(&["cannot write in the folder"]);
    assert!(!result.stdout.contains("training for"), "refused before training started:\n{}", result.stdout);
    assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0, "nothing written in the read-only folder");
    assert_eq!(before, w.snapshot_all(), "no file changed, appeared or vanished anywhere");
}

#[test]
fn abandoned_temporary_files_are_cleaned_up() {
    let w = World::new();
    let out = w.run_dir().join("m.safetensors");
    // Left by a save that was killed: the process (pid 2^22 + 1 cannot exist) is gone.
    let dead = (1u32 << 22) + 1;
    let stale = w.run_dir().join(format!(".m.resume.safetensors.tmp-{dead}-x1y2z3"));
    let old_style = w.run_dir().join(format!(".m.safetensors.tmp-{dead}"));
    std::fs::write(&stale, "half a checkpoint").unwrap();
    std::fs::write(&old_style, "half a model").unwrap();
    w.train(&out, &["--steps", "2"]).assert_ok();
    assert!(!stale.exists() && !old_style.exists(), "abandoned temporary files are removed");
    let names: Vec<String> =
        std::fs::read_dir(w.run_dir()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
}

#[test]
fn hostile_inputs_are_refused_without_reading_them() {
    let w = World::new();
    let fifo = w.outside().join("pipe");
    mkfifo(&fifo);
    let dir = w.outside();
    let dev = w.outside().join("zero");
    let have_dev = mknod(&dev, 1, 5).is_some();
    let mut specials = vec![("a named pipe", fifo.clone()), ("a directory", dir.clone())];
    if have_dev {
        specials.push(("a device", dev.clone()));
    } else {
        eprintln!("skipped the device rows: this process may not mknod (needs root)");
    }
    // A symlink to a special file is refused like the file itself.
    let link_to_fifo = w.outside().join("link-to-pipe");
    std::os::unix::fs::symlink(&fifo, &link_to_fifo).unwrap();
    specials.push(("a named pipe", link_to_fifo));
    let out = w.run_dir().join("m.safetensors");
    for (kind, path) in &specials {
        assert_row(&w, &format!("--corpus {kind}"), &[kind, "not a regular file"], || {
            let mut cmd = tempest();
            cmd.timeout(Duration::from_secs(60));
            run(cmd.arg("train").arg("--corpus").arg(path).arg("--out").arg(&out).args(TINY))
        });
        assert_row(&w, &format!("info {kind}"), &[kind, "not a regular file"], || {
            let mut cmd = tempest();
            cmd.timeout(Duration::from_secs(60));
            run(cmd.arg("info").arg(path))
        });
        assert_row(&w, &format!("sample --model {kind}"), &[kind, "not a regular file"], || {
            let mut cmd = tempest();
            cmd.timeout(Duration::from_secs(60));
            run(cmd.args(["sample", "--length", "5", "--seed", "1", "--model"]).arg(path))
        });
        assert_row(&w, &format!("explore --config {kind}"), &[kind, "not a regular file"], || {
            let mut cmd = tempest();
            cmd.timeout(Duration::from_secs(60));
            run(cmd.args(["explore", "--duration", "1", "--config"]).arg(path))
        });
        assert_row(&w, &format!("explore --model {kind}"), &[kind, "not a regular file"], || {
            let mut cmd = tempest();
            cmd.timeout(Duration::from_secs(60));
            run(cmd.args(["explore", "--duration", "1", "--model"]).arg(path))
        });
    }
    // A long path is quoted as a short, marked excerpt.
    let long = w.outside().join("x".repeat(200)).join("y".repeat(200)).join("m.safetensors");
    let r = run(tempest().arg("info").arg(&long));
    r.assert_clean_failure(&["characters in all"]);
    assert!(r.stderr.len() < 400, "{}", r.stderr);
}

/// Rewrites the `tempest-run` metadata of a resume checkpoint with `edit`.
fn edit_run_meta(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let run = header["__metadata__"]["tempest-run"].as_str().unwrap().to_string();
    let mut run: serde_json::Value = serde_json::from_str(&run).unwrap();
    edit(&mut run);
    header["__metadata__"]["tempest-run"] = serde_json::Value::String(run.to_string());
    let mut h = serde_json::to_vec(&header).unwrap();
    while !h.len().is_multiple_of(8) {
        h.push(b' ');
    }
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend_from_slice(&bytes[8 + n..]);
    std::fs::write(path, out).unwrap();
}

#[test]
fn paths_stored_in_a_resume_checkpoint_stay_in_its_folder() {
    let w = World::new();
    let nested = w.run_dir().join("deep");
    std::fs::create_dir(&nested).unwrap();
    let out = nested.join("model.safetensors");
    w.train(&out, &["--steps", "20", "--eval-every", "10"]).assert_ok();
    let resume = nested.join("model.resume.safetensors");
    // Copy the finished run's resume checkpoint and make it unfinished again.
    for (what, stored) in [("`..`", ".."), ("`deep/..`", "deep/.."), ("`/`", "/")] {
        let copy = nested.join("edited.resume.safetensors");
        std::fs::copy(&resume, &copy).unwrap();
        edit_run_meta(&copy, |run| {
            run["config"]["out"] = stored.into();
            run["config"]["steps"] = 40.into();
        });
        assert_row(&w, &format!("stored out {what}"), &["does not end in a file name"], || {
            let mut cmd = tempest();
            cmd.timeout(Duration::from_secs(120));
            run(cmd.args(["train", "--threads", "1", "--resume"]).arg(&copy))
        });
    }
    // `../model` names a file: it is taken as the file of that name beside the checkpoint.
    let copy = nested.join("edited.resume.safetensors");
    std::fs::copy(&resume, &copy).unwrap();
    edit_run_meta(&copy, |run| {
        run["config"]["out"] = "../../outside/model.safetensors".into();
        run["config"]["steps"] = 30.into();
    });
    let before = w.snapshot();
    let mut cmd = tempest();
    cmd.timeout(Duration::from_secs(120));
    run(cmd.args(["train", "--threads", "1", "--resume"]).arg(&copy)).assert_ok();
    assert_eq!(before, w.snapshot(), "the parent's model.loss.jsonl and everything else outside is untouched");
    assert!(nested.join("model.loss.jsonl").exists());
}

#[test]
fn resume_metadata_is_checked_as_strictly_as_the_command_line() {
    let w = World::new();
    let out = w.run_dir().join("m.safetensors");
    w.train(&out, &["--steps", "10", "--eval-every", "5"]).assert_ok();
    let resume = w.run_dir().join("m.resume.safetensors");
    let u64_max = serde_json::Value::from(u64::MAX);
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("eval_every 0", Box::new(|r| r["config"]["eval_every"] = 0.into()), "--eval-every must be in"),
        (
            "checkpoint_every 0",
            Box::new(|r| r["config"]["checkpoint_every"] = 0.into()),
            "--checkpoint-every must be in",
        ),
        ("seq_len 0", Box::new(|r| r["config"]["seq_len"] = 0.into()), "--seq-len must be in"),
        ("seq_len max", Box::new(move |r| r["config"]["seq_len"] = u64_max.clone()), "--seq-len must be in"),
        (
            "batch x seq_len too big",
            Box::new(|r| {
                r["config"]["batch"] = 65536.into();
                r["config"]["seq_len"] = 10000.into();
            }),
            "per step",
        ),
        ("val_frac 2", Box::new(|r| r["config"]["val_frac"] = 2.0.into()), "--val-frac must be in"),
        ("val_frac -1", Box::new(|r| r["config"]["val_frac"] = (-1.0).into()), "--val-frac must be in"),
        ("lr -1", Box::new(|r| r["config"]["lr"] = (-1.0).into()), "--lr must be in"),
        ("adam_t -1", Box::new(|r| r["adam_t"] = (-1).into()), "adam_t must be in"),
        ("step past the end", Box::new(|r| r["state"]["step"] = 1000.into()), "is past the run's"),
        ("hidden changed", Box::new(|r| r["config"]["hidden"] = 32.into()), "does not have the shape"),
    ];
    for (what, edit, words) in cases {
        let copy = w.run_dir().join("edited.resume.safetensors");
        std::fs::copy(&resume, &copy).unwrap();
        edit_run_meta(&copy, |r| {
            r["config"]["steps"] = 20.into();
            edit(r)
        });
        assert_row(&w, what, &[words], || {
            let mut cmd = tempest();
            cmd.timeout(Duration::from_secs(120));
            run(cmd.args(["train", "--threads", "1", "--resume"]).arg(&copy))
        });
    }
}

/// Symlinks planted at every name a save's temporary file could take (today's random names cannot
/// be guessed, so at the old predictable `.NAME.tmp-PID` for the next thousand pids, and at an
/// abandoned-looking name that the clean-up looks at) all pointing at a file outside the run's
/// folder: training succeeds, and the file outside is untouched.
#[test]
fn symlinks_at_temporary_names_are_never_followed() {
    let w = World::new();
    let out = w.run_dir().join("m.safetensors");
    let target = w.outside().join("precious.txt");
    let me = std::process::id();
    let mut planted = Vec::new();
    for pid in me..me + 1000 {
        for name in ["m.safetensors", "m.resume.safetensors"] {
            planted.push(w.run_dir().join(format!(".{name}.tmp-{pid}")));
        }
    }
    // Looks abandoned (no such process): the clean-up must not remove or follow it.
    let dead = (1u32 << 22) + 7;
    planted.push(w.run_dir().join(format!(".m.safetensors.tmp-{dead}-a1b2c3")));
    planted.push(w.run_dir().join(format!(".m.loss.jsonl.tmp-{dead}")));
    for p in &planted {
        std::os::unix::fs::symlink(&target, p).unwrap();
    }
    let before = w.snapshot();
    w.train(&out, &["--steps", "20", "--eval-every", "10", "--checkpoint-every", "5"]).assert_ok();
    assert_eq!(before, w.snapshot(), "nothing outside the run's folder changed");
    assert!(std::fs::symlink_metadata(&out).unwrap().is_file(), "the model is a regular file");
    for p in &planted {
        let meta = std::fs::symlink_metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(meta.file_type().is_symlink(), "{} is still the planted link", p.display());
    }
}

/// Resuming reads the checkpoint in memory: nothing goes to the temporary folder (a full copy of
/// the model once did, and stayed there when the disk filled).
#[test]
fn resuming_writes_nothing_to_the_temporary_folder() {
    let w = World::new();
    let out = w.run_dir().join("m.safetensors");
    w.train(&out, &["--steps", "10", "--eval-every", "5"]).assert_ok();
    let tmp = w.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut cmd = tempest();
    cmd.timeout(Duration::from_secs(120)).env("TMPDIR", &tmp);
    let resume = w.run_dir().join("m.resume.safetensors");
    run(cmd.args(["train", "--threads", "1", "--steps", "20", "--resume"]).arg(&resume)).assert_ok();
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(left.is_empty(), "written to the temporary folder: {left:?}");
}
