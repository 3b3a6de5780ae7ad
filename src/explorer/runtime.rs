//! The explorer's runtime: terminal, event loop, frame pacing and the effects `update` asks for.
//!
//! Everything that can fail for a reason the user can fix (config, model, prime, no terminal) is
//! checked before the terminal is touched, so such errors print plainly and exit 1. After that the
//! main loop owns the terminal; it waits on one channel (see `events.rs`), feeds what arrives
//! through the pure `app::update`, carries out the effects, and redraws when something changed, at
//! most once per frame.

mod events;
mod model_switch;
mod sweep_job;
mod terminal;

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, Sender, SyncSender};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;

use crate::explorer::app::{update, App, Effect, Event};
use crate::explorer::config::{Config, Overrides};
use crate::explorer::worker::{worker, Request};
use events::Incoming;
use tempest_core::jsonl::ModelInfo;
use tempest_core::model::UnknownPolicy;
use terminal::Tui;

/// At most ~60 redraws a second, however fast characters arrive. Input (keys, mouse, resize) is
/// drawn at once instead, so a key never waits for the next frame slot.
const FRAME: Duration = Duration::from_millis(16);

/// Set to `event-loop`, makes the explorer panic once its first frame is drawn (a test hook).
pub const TEST_PANIC_VAR: &str = "TEMPEST_TEST_PANIC";

/// What the command line asks of one explorer session.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// A config file laid over the built-in defaults and the user's own.
    pub config: Option<PathBuf>,
    /// Command-line settings, laid over every config layer.
    pub overrides: Overrides,
    /// Quit by itself after this long (for measurements without a person).
    pub quit_after: Option<Duration>,
    /// What to do with prime characters the model does not know (see `explorer::prime`).
    pub unknown: UnknownPolicy,
}

/// Opens the explorer and runs it until the user quits; returns the process exit code.
pub fn run(launch: Launch) -> anyhow::Result<i32> {
    let quit_after = launch.quit_after;
    let config = Config::load(launch.config.as_deref(), &launch.overrides).map_err(|e| anyhow::anyhow!(e))?;
    let ckpt = config.model.load().with_context(|| format!("cannot load the model {}", config.model.label()))?;
    let model_prime = ckpt.metadata.training.as_ref().and_then(|t| t.prime.as_deref());
    let explicit = launch.overrides.prime.is_some();
    let chosen = crate::explorer::prime::choose(&config.prime, explicit, launch.unknown, &ckpt.vocab, model_prime)
        .map_err(|e| anyhow::anyhow!(e))?;
    let mut config = config;
    config.prime = chosen.text;
    anyhow::ensure!(
        std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
        "the explorer needs a terminal (stdin and stdout); for text without one, try `tempest sample`"
    );
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut app = App::new(&config, ckpt.vocab.clone(), no_color);
    app.neurons.set_layout(tempest_core::analysis::cells::UnitLayout::of(ckpt.model.spec()));
    app.model_line = model_line(&config.model, &ckpt);
    app.model = Some(model_info(&config.model, &ckpt));
    app.model_name = config.model.bundled().map(|b| b.name);
    let loader = model_switch::Loader {
        config: launch.config.clone(),
        overrides: launch.overrides.clone(),
        unknown: launch.unknown,
    };
    if let Some(note) = chosen.note {
        app.set_status(note);
    }

    // The sweep screen's stepper, made before the engine takes the model; forks of it share its
    // weights.
    let sweep_stepper = ckpt.model.stepper(1);
    let reference = tempest_core::sweep::Reference::from_metadata(ckpt.metadata.reference.as_ref());
    let vocab = ckpt.vocab.clone();
    let (tx, rx) = mpsc::sync_channel::<Incoming>(events::QUEUE);
    let (engine, engine_thread) = worker::spawn(ckpt.model, ckpt.vocab, app.limits.history_chars, tx.clone())
        .context("cannot start the engine thread")?;
    events::spawn_signals(tx.clone()).context("cannot install the signal handlers")?;

    let mut jobs = sweep_job::SweepJobs::new(sweep_stepper, vocab, reference, tx.clone());
    let mut tui = Tui::enter().context("cannot set up the terminal")?;
    events::spawn_input(tx.clone()).context("cannot start the input thread")?;
    let mut effects = Effects { engine: &engine, jobs: &mut jobs, loader: &loader, tx };
    let outcome = main_loop(&mut tui, app, &mut effects, &rx, quit_after.map(|d| Instant::now() + d));
    drop(effects);
    jobs.stop();
    // Terminal first, so the shell is back even if shutting the engine down were slow.
    drop(tui);
    // Dropping the channels ends the engine: it sees its requests disconnected, or its replies
    // refused once the main queue is gone.
    drop(engine);
    drop(rx);
    let _ = engine_thread.join();
    outcome
}

/// What carrying out the app's effects needs: the engine, the sweep jobs, and (for a model switch)
/// how the session was configured and where the loader thread answers.
struct Effects<'a> {
    engine: &'a Sender<Request>,
    jobs: &'a mut sweep_job::SweepJobs,
    loader: &'a model_switch::Loader,
    tx: SyncSender<Incoming>,
}

fn main_loop(
    tui: &mut Tui,
    mut app: App,
    fx: &mut Effects,
    rx: &mpsc::Receiver<Incoming>,
    quit_at: Option<Instant>,
) -> anyhow::Result<i32> {
    let size = tui.terminal.size()?;
    if let Some(code) = handle(&mut app, Event::Resize(size.width, size.height), fx) {
        return Ok(code);
    }
    draw(tui, &app)?;
    // Hidden, for tests/explore_terminal_restore.rs: a panic inside the event loop, to check that
    // the terminal is given back even then.
    if std::env::var_os(TEST_PANIC_VAR).is_some_and(|v| v == "event-loop") {
        panic!("{TEST_PANIC_VAR}: a panic in the event loop, as asked");
    }
    let mut last_draw = Instant::now();
    for r in app.initial_requests() {
        let _ = fx.engine.send(r);
    }
    let mut dirty = false;
    // Input arrived since the last frame: draw without waiting for the frame interval.
    let mut urgent = false;
    loop {
        // Block until something arrives, or until the frame that shows pending changes is due.
        let frame_due = dirty.then_some(last_draw + FRAME);
        let wake = [frame_due, quit_at].into_iter().flatten().min();
        let first = match wake {
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
        };
        let mut next = match first {
            Ok(i) => Some(i),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => anyhow::bail!("the explorer lost its input"),
        };
        // Apply everything already queued, but never hold back a due frame for it.
        while let Some(incoming) = next.take() {
            match incoming {
                Incoming::App(ev) => {
                    urgent |= matches!(ev, Event::Key(_) | Event::Mouse(_) | Event::Resize(..));
                    if let Some(code) = handle(&mut app, ev, fx) {
                        return Ok(code);
                    }
                    dirty = true;
                }
                Incoming::ModelLoaded(loaded) => {
                    let switched = model_switch::hand_over(loaded, fx.engine, fx.jobs);
                    if let Some(code) = handle(&mut app, Event::ModelSwitched(switched), fx) {
                        return Ok(code);
                    }
                    dirty = true;
                }
                Incoming::InputFailed(msg) => anyhow::bail!(msg),
                Incoming::EngineGone => anyhow::bail!("the engine stopped unexpectedly"),
                Incoming::Signal(sig) => return Ok(128 + sig),
            }
            if !(urgent || (dirty && Instant::now() >= last_draw + FRAME)) {
                next = rx.try_recv().ok();
            }
        }
        if quit_at.is_some_and(|t| Instant::now() >= t) {
            return Ok(0);
        }
        if dirty && (urgent || Instant::now() >= last_draw + FRAME) {
            draw(tui, &app)?;
            last_draw = Instant::now();
            dirty = false;
            urgent = false;
        }
    }
}

/// "shakespeare · val 1.337": the model's name (or file name) and validation loss in nats/char.
fn model_line(source: &tempest_core::assets::ModelSource, ckpt: &tempest_core::model::Checkpoint) -> String {
    let name = match source {
        tempest_core::assets::ModelSource::Bundled(n) => n.to_string(),
        tempest_core::assets::ModelSource::File(p) => {
            p.file_name().map_or_else(|| p.display().to_string(), |f| f.to_string_lossy().into_owned())
        }
    };
    match ckpt.metadata.training.as_ref().and_then(|t| t.val_loss) {
        Some(v) => format!("{name} · val {v:.3}"),
        None => name,
    }
}

/// The model as an export's header names it.
fn model_info(source: &tempest_core::assets::ModelSource, ckpt: &tempest_core::model::Checkpoint) -> ModelInfo {
    let given = match source {
        tempest_core::assets::ModelSource::Bundled(n) => PathBuf::from(n),
        tempest_core::assets::ModelSource::File(p) => p.clone(),
    };
    ModelInfo::new(Some(&given), &ckpt.metadata)
}

fn draw(tui: &mut Tui, app: &App) -> anyhow::Result<()> {
    tui.terminal.draw(|f| crate::explorer::ui::draw(f, app)).context("cannot draw on the terminal")?;
    Ok(())
}

/// Runs one event through `update` and carries out its effects (an export feeds its outcome back
/// in). Returns the exit code when the app asks to quit.
fn handle(app: &mut App, event: Event, fx: &mut Effects) -> Option<i32> {
    let mut queue = VecDeque::from([event]);
    while let Some(ev) = queue.pop_front() {
        for effect in update(app, ev) {
            match effect {
                // A send fails only once the engine has gone, which `EngineGone` reports.
                Effect::Engine(r) => {
                    let _ = fx.engine.send(r);
                }
                Effect::Export { text, jsonl } => queue.push_back(Event::Exported(export(&text, &jsonl))),
                Effect::StartSweep { key, spec } => fx.jobs.start(key, *spec),
                // Loaded off this thread; the outcome arrives as `Incoming::ModelLoaded`.
                Effect::SwitchModel(name) => model_switch::spawn(name, fx.loader, fx.tx.clone()),
                Effect::ReadText { path } => {
                    // Bounded by the cap and refused unless a regular file, so this read is short.
                    let text = tempest_core::files::read_regular_text(
                        std::path::Path::new(&path),
                        tempest_core::files::MAX_SCORE_BYTES,
                        "text",
                    )
                    .map_err(|e| e.to_string());
                    queue.push_back(Event::TextRead { path, text });
                }
                Effect::Quit => return Some(0),
            }
        }
    }
    None
}

/// Writes `tempest-export-<UTC time>.txt` and `.jsonl` (e.g. `tempest-export-2026-11-29T15-04-05`:
/// readable, sortable, and valid on every file system) into the current directory, never over an
/// existing file. Returns the text file's path (the JSONL file sits beside it).
fn export(text: &str, jsonl: &str) -> Result<PathBuf, String> {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    let t = export_stamp(secs);
    for n in 0..100 {
        let stem = if n == 0 { format!("tempest-export-{t}") } else { format!("tempest-export-{t}-{n}") };
        let (txt, js) = (PathBuf::from(format!("{stem}.txt")), PathBuf::from(format!("{stem}.jsonl")));
        if txt.exists() || js.exists() {
            continue;
        }
        let write = |p: &PathBuf, body: &str| -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(p)?;
            f.write_all(body.as_bytes())?;
            f.sync_all()
        };
        write(&txt, text).map_err(|e| format!("{}: {e}", txt.display()))?;
        write(&js, jsonl).map_err(|e| format!("{}: {e}", js.display()))?;
        return Ok(txt);
    }
    Err("too many exports in one second".into())
}

/// `2026-11-29T15-04-05` for a Unix time (UTC): the civil date from the day count (Howard
/// Hinnant's algorithm), with `-` for `:` so the name is a valid file name everywhere.
fn export_stamp(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let rem = unix_secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}-{:02}-{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod export_name_tests {
    #[test]
    fn stamps_are_readable_utc_times() {
        assert_eq!(super::export_stamp(0), "1970-01-01T00-00-00");
        assert_eq!(super::export_stamp(1_795_964_645), "2026-11-29T15-04-05");
        assert_eq!(super::export_stamp(951_782_400), "2000-02-29T00-00-00");
    }
}
