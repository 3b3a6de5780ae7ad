//! `tempest train` survives being killed: real child processes are SIGKILLed or sent SIGINT halfway
//! through a run, then resumed from `MODEL.resume.safetensors`.
//!
//! - a kill loses at most one checkpoint interval, and the resumed run's loss log has exactly one
//!   line per logged step;
//! - a killed-and-resumed run ends with the same tensors, bit for bit, as an uninterrupted run with
//!   the same seed (dropout on, resumed across an evaluation);
//! - Ctrl-C saves a checkpoint at the current step, names the resume command and exits 130.
//!
//! Nothing here sleeps to pass: each test waits (polling, bounded by a generous timeout) for the
//! condition it needs, such as "the log shows step 20", before acting.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

mod common;
use common::corpus_text;

/// Bound on every wait. Runs take seconds; this only turns a hang into a failure.
const TIMEOUT: Duration = Duration::from_secs(300);

struct Run {
    dir: tempfile::TempDir,
    /// Folder of the run's files, relative to `dir`.
    out_dir: &'static str,
}

impl Run {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("c.txt"), corpus_text(20_000)).unwrap();
        Run { dir, out_dir: "" }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn model(&self) -> PathBuf {
        self.path(self.out_dir).join("m.safetensors")
    }

    fn resume_file(&self) -> PathBuf {
        self.path(self.out_dir).join("m.resume.safetensors")
    }

    fn log(&self) -> PathBuf {
        self.path(self.out_dir).join("m.loss.jsonl")
    }

    /// Starts a fresh run: a small 2-layer LSTM with dropout (so the per-step reseeding of
    /// libtorch's generator matters), one thread.
    fn spawn(&self, steps: u64, eval_every: u64, checkpoint_every: u64) -> Child {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tempest"));
        cmd.arg("train").arg("--corpus").arg(self.path("c.txt")).arg("--out").arg(self.model());
        cmd.args(["--layers", "2", "--hidden", "64", "--embed", "16", "--dropout", "0.2"]);
        cmd.args(["--seq-len", "32", "--batch", "16", "--warmup", "20", "--seed", "7", "--threads", "1"]);
        cmd.args(["--steps", &steps.to_string(), "--eval-every", &eval_every.to_string()]);
        cmd.args(["--checkpoint-every", &checkpoint_every.to_string()]);
        piped(cmd)
    }

    fn spawn_resume(&self) -> Child {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tempest"));
        cmd.args(["train", "--threads", "1", "--resume"]).arg(self.resume_file());
        piped(cmd)
    }

    /// Steps of the complete lines of the loss log (a line being written may be torn).
    fn logged_steps(&self) -> Vec<u64> {
        let text = std::fs::read_to_string(self.log()).unwrap_or_default();
        let complete = match text.rfind('\n') {
            Some(i) => &text[..=i],
            None => "",
        };
        complete
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}"));
                v["step"].as_u64().unwrap_or_else(|| panic!("no step in {l}"))
            })
            .collect()
    }

    fn last_logged(&self) -> u64 {
        self.logged_steps().last().copied().unwrap_or(0)
    }

    /// The run state stored in the resume checkpoint (`tempest-run` metadata).
    fn run_meta(&self) -> serde_json::Value {
        let bytes = std::fs::read(self.resume_file()).unwrap();
        let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        let json = header.metadata().as_ref().and_then(|m| m.get("tempest-run")).expect("tempest-run metadata").clone();
        serde_json::from_str(&json).unwrap()
    }

    fn checkpoint_step(&self) -> u64 {
        self.run_meta()["state"]["step"].as_u64().expect("state.step")
    }

    /// What must be identical between an uninterrupted run and a resumed one.
    fn snapshot(&self) -> Snapshot {
        let log = std::fs::read_to_string(self.log()).unwrap();
        let log = log
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v.as_object_mut().unwrap().remove("elapsed");
                v.to_string()
            })
            .collect();
        Snapshot { model: tensors(&self.model()), resume: tensors(&self.resume_file()), log }
    }
}

fn piped(mut cmd: Command) -> Child {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Every tensor's dtype, shape and raw bytes, by name.
type Tensors = BTreeMap<String, (String, Vec<usize>, Vec<u8>)>;

fn tensors(path: &Path) -> Tensors {
    let bytes = std::fs::read(path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    st.tensors()
        .into_iter()
        .map(|(name, v)| (name, (format!("{:?}", v.dtype()), v.shape().to_vec(), v.data().to_vec())))
        .collect()
}

#[derive(PartialEq)]
struct Snapshot {
    /// `m.safetensors`: the best model.
    model: Tensors,
    /// `m.resume.safetensors` at the end: last weights and AdamW moments.
    resume: Tensors,
    /// The loss log without wall-clock fields.
    log: Vec<String>,
}

impl Snapshot {
    #[track_caller]
    fn assert_same(&self, other: &Snapshot, what: &str) {
        for (label, a, b) in [("model", &self.model, &other.model), ("resume checkpoint", &self.resume, &other.resume)]
        {
            assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{what}: {label} tensor names");
            let differ: Vec<String> = a
                .iter()
                .filter(|(k, v)| b[*k] != **v)
                .map(|(k, (_, _, x))| {
                    let y = &b[k].2;
                    let n = x.chunks_exact(4).zip(y.chunks_exact(4)).filter(|(p, q)| p != q).count();
                    format!("{k} ({n} of {} floats differ)", x.len() / 4)
                })
                .collect();
            assert!(differ.is_empty(), "{what}: {label} tensors differ from the uninterrupted run: {differ:?}");
        }
        assert_eq!(self.log, other.log, "{what}: loss log differs from the uninterrupted run");
    }
}

/// Polls `cond` every few milliseconds until it holds. Fails if the child exits first or the
/// timeout passes.
#[track_caller]
fn wait_until(child: &mut Child, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    loop {
        if cond() {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let out = collect(child, status);
            panic!(
                "the run exited ({:?}) before {what}; it must be made slower for this test\nstdout:\n{}\nstderr:\n{}",
                out.status.code(),
                text(&out.stdout),
                text(&out.stderr)
            );
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits (bounded) for the child to exit and returns its output.
#[track_caller]
fn finish(mut child: Child) -> Output {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return collect(&mut child, status);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("timed out waiting for the run to finish");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn collect(child: &mut Child, status: std::process::ExitStatus) -> Output {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    if let Some(mut pipe) = child.stdout.take() {
        pipe.read_to_end(&mut stdout).unwrap();
    }
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_end(&mut stderr).unwrap();
    }
    Output { status, stdout, stderr }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn assert_exit(out: &Output, code: i32) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stdout:\n{}\nstderr:\n{stderr}", text(&out.stdout));
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Sends SIGINT, as Ctrl-C in a terminal does.
fn interrupt(child: &Child) {
    let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success();
    assert!(ok, "kill -INT failed");
}

/// Settings shared by the determinism tests and their reference run. Checkpoints are rarer than
/// log lines (every 10 steps), so a kill usually leaves log lines past the checkpoint, which the
/// resumed run must drop and write again: comparing logs checks that truncation too.
const DET_STEPS: u64 = 200;
const DET_EVAL: u64 = 50;
const DET_CKPT: u64 = 25;

/// The uninterrupted run that resumed runs must reproduce; computed once for all tests.
fn reference() -> &'static Snapshot {
    static REF: OnceLock<Snapshot> = OnceLock::new();
    REF.get_or_init(|| {
        let run = Run::new();
        let out = finish(run.spawn(DET_STEPS, DET_EVAL, DET_CKPT));
        assert_exit(&out, 0);
        run.snapshot()
    })
}

#[test]
fn sigkill_loses_at_most_one_interval_and_resume_completes_with_a_clean_log() {
    let run = Run::new();
    let mut child = run.spawn(400, 100, 5);
    wait_until(&mut child, "a checkpoint exists and step 20 is logged", || {
        run.resume_file().is_file() && run.last_logged() >= 20
    });
    child.kill().unwrap(); // SIGKILL: no chance to save anything
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "killed by a signal");

    // The log is written before the checkpoint at each step, so the run got at least this far.
    let killed_at = run.last_logged();
    assert!((20..400).contains(&killed_at), "killed at step {killed_at}");
    let saved = run.checkpoint_step();
    assert!(saved + 5 >= killed_at, "checkpoint at step {saved}, but the run had reached {killed_at}");
    assert!(saved < killed_at + 10 && saved.is_multiple_of(5), "checkpoint at step {saved}, log at {killed_at}");
    // The checkpoint is whole despite the kill (atomic writes): every tensor reads.
    assert!(tensors(&run.resume_file()).keys().any(|k| k.starts_with("optim.m.")));

    let out = finish(run.spawn_resume());
    assert_exit(&out, 0);
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&format!("resuming at step {saved} of 400 steps")), "{stdout}");
    assert!(stdout.contains("done: 400 steps"), "{stdout}");
    assert_eq!(run.checkpoint_step(), 400);
    let facts =
        tempest_core::model::Checkpoint::load(&run.model(), tch::Device::Cpu).unwrap().metadata.training.unwrap();
    assert_eq!(facts.steps % 100, 0, "the model is saved at evaluations");
    assert!(facts.val_loss.is_some());

    // Exactly one line per logged step: the lines of steps after the checkpoint, logged before the
    // kill, were dropped and written again once, not twice.
    let expected: Vec<u64> = (1..=40).map(|i| i * 10).collect();
    assert_eq!(run.logged_steps(), expected);
    // No half-written line either (all lines parsed above; the file ends with a newline).
    assert!(std::fs::read_to_string(run.log()).unwrap().ends_with('\n'));
}

#[test]
fn killed_and_resumed_run_matches_an_uninterrupted_one_bit_for_bit() {
    let run = Run::new();
    let mut child = run.spawn(DET_STEPS, DET_EVAL, DET_CKPT);
    // Past the first evaluation (step 50) and somewhere between checkpoints.
    wait_until(&mut child, "step 70 is logged", || run.last_logged() >= 70);
    child.kill().unwrap();
    child.wait().unwrap();
    let saved = run.checkpoint_step();
    assert!((50..DET_STEPS).contains(&saved) && saved.is_multiple_of(DET_CKPT), "checkpoint at step {saved}");
    let redone = run.last_logged().saturating_sub(saved);
    eprintln!("killed with the log {redone} steps past the checkpoint at step {saved}");

    let out = finish(run.spawn_resume());
    assert_exit(&out, 0);
    run.snapshot().assert_same(reference(), &format!("killed, resumed from step {saved}"));
}

#[test]
fn ctrl_c_saves_a_checkpoint_names_the_resume_command_and_exits_130() {
    let run = Run::new();
    let mut child = run.spawn(DET_STEPS, DET_EVAL, DET_CKPT);
    wait_until(&mut child, "step 20 is logged", || run.last_logged() >= 20);
    interrupt(&child);
    let out = finish(child);
    assert_exit(&out, 130);

    let stderr = text(&out.stderr);
    let resume = run.resume_file();
    let line = stderr.lines().find(|l| l.starts_with("interrupted at step ")).unwrap_or_else(|| panic!("{stderr}"));
    let step: u64 = line["interrupted at step ".len()..].split(';').next().unwrap().parse().unwrap();
    assert!(line.ends_with(&format!("Resume with: tempest train --resume {}", resume.display())), "{line}");
    assert!((20..DET_STEPS).contains(&step), "{line}");
    // The checkpoint is of the very step the run stopped at, not the last periodic one.
    assert_eq!(run.checkpoint_step(), step);
    assert!(!stderr.contains("error"), "{stderr}");

    let out = finish(run.spawn_resume());
    assert_exit(&out, 0);
    assert!(text(&out.stdout).contains(&format!("resuming at step {step} of {DET_STEPS} steps")));
    assert_eq!(run.checkpoint_step(), DET_STEPS);
    run.snapshot().assert_same(reference(), &format!("interrupted at step {step} and resumed"));
}

#[test]
fn resuming_from_another_folder_continues_the_run_in_its_own_folder() {
    // Started with paths relative to its folder, as users do.
    let run = Run { out_dir: "runs", ..Run::new() };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tempest"));
    cmd.current_dir(run.dir.path()).args(["train", "--corpus", "c.txt", "--out", "runs/m.safetensors"]);
    cmd.args([
        "--layers",
        "2",
        "--hidden",
        "64",
        "--embed",
        "16",
        "--seq-len",
        "32",
        "--batch",
        "16",
        "--threads",
        "1",
    ]);
    cmd.args(["--steps", "200", "--eval-every", "50", "--checkpoint-every", "5"]);
    let mut child = piped(cmd);
    wait_until(&mut child, "a checkpoint at step 20", || run.resume_file().is_file() && run.checkpoint_step() >= 20);
    child.kill().unwrap();
    child.wait().unwrap();
    let saved = run.checkpoint_step();

    let elsewhere = tempfile::tempdir().unwrap();
    let resume_here = |extra: &[&std::ffi::OsStr]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tempest"));
        cmd.current_dir(elsewhere.path()).args(["train", "--threads", "1", "--resume"]).arg(run.resume_file());
        finish(piped({
            cmd.args(extra);
            cmd
        }))
    };
    // The stored corpus path is relative to the first folder: from here it is not found, and the
    // message says what to do.
    let out = resume_here(&[]);
    assert_exit(&out, 1);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("c.txt") && stderr.contains("pass --corpus"), "{stderr}");
    assert_eq!(run.checkpoint_step(), saved, "a refused resume changes nothing");

    // Given the corpus, the run continues with its files where they are, not under this folder.
    let out = resume_here(&["--corpus".as_ref(), run.path("c.txt").as_os_str()]);
    assert_exit(&out, 0);
    let stray: Vec<_> = std::fs::read_dir(elsewhere.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(stray.is_empty(), "files written under the folder resumed from: {stray:?}");
    assert_eq!(run.checkpoint_step(), 200);
    assert_eq!(run.logged_steps(), (1..=20).map(|i| i * 10).collect::<Vec<u64>>());
    let facts =
        tempest_core::model::Checkpoint::load(&run.model(), tch::Device::Cpu).unwrap().metadata.training.unwrap();
    assert!(facts.steps >= 100, "the model was not updated by the resumed run: step {}", facts.steps);
}

#[test]
fn a_reader_closing_stdout_does_not_stop_the_run() {
    // `tempest train | head -1`, or `| tee log` and Ctrl-C (which kills tee too): the run must go
    // on, not panic on its next line of output before saving its checkpoint.
    let run = Run::new();
    let mut child = run.spawn(60, 20, 20);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("training for 60 steps"), "{first}");
    drop(stdout); // the evaluation at step 20 is printed after this
    let out = finish(child);
    assert_exit(&out, 0);
    assert_eq!(run.checkpoint_step(), 60);
    assert_eq!(run.logged_steps(), [10, 20, 30, 40, 50, 60]);
}
