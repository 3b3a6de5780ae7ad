//! The engine thread: owns the model (libtorch tensors are not `Sync`), steps every pane as one
//! batch at the requested pace, and talks to the app only through channels.
//!
//! - Paused (or before the first `Reset`) it blocks in `recv`, using no CPU.
//! - Before every step it drains the request queue, so a burst of `Settings` collapses into the
//!   newest one and keys never wait behind generation.
//! - At r chars/s it waits with `recv_timeout` until the next step's deadline, so a request is
//!   handled the moment it arrives rather than after a sleep.
//! - Characters are sent in batches at most [`FLUSH_EVERY`] apart, over a bounded channel: a slow
//!   UI makes the engine wait instead of letting the queue (and memory) grow.
//! - A panic inside libtorch or the engine becomes `Reply::Error`; the engine then waits for a
//!   new `Reset` instead of taking the thread (and the app) down.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::session::Session;
use super::{Drawn, Reply, Request, StepBatch};
use tempest_core::model::{CharRnn, SharedWeights, Vocab};

/// Name of the engine thread (the explorer's panic hook recognises it by this).
pub const THREAD_NAME: &str = "tempest-engine";
/// Longest a drawn character waits in the engine before it is sent: under one frame at 60 fps.
pub const FLUSH_EVERY: Duration = Duration::from_millis(12);
/// Replies in flight before the engine blocks. At one batch per [`FLUSH_EVERY`] this is about
/// 200 ms of output: enough to ride out a slow frame, small enough that pausing feels instant.
pub const REPLY_QUEUE: usize = 16;

/// Starts the engine thread. It exits when the returned `Sender` is dropped (or the `Receiver`,
/// at its next reply). `history_chars` is how far back (at least) a `Branch` can reach.
pub fn spawn(
    model: CharRnn,
    vocab: Vocab,
    history_chars: usize,
) -> std::io::Result<(Sender<Request>, Receiver<Reply>, JoinHandle<()>)> {
    let (req_tx, req_rx) = mpsc::channel();
    let (rep_tx, rep_rx) = mpsc::sync_channel(REPLY_QUEUE);
    let handle = thread::Builder::new().name(THREAD_NAME.into()).spawn(move || {
        // The weights are laid out for stepping once; every session shares them.
        let weights = match catch_unwind(AssertUnwindSafe(|| model.step_weights())) {
            Ok(s) => s,
            Err(p) => {
                let _ = rep_tx.send(Reply::Error(format!("the engine could not start: {}", panic_text(&*p))));
                return;
            }
        };
        drop(model);
        let mut worker = Worker::new(weights, vocab, history_chars, rep_tx);
        loop {
            match catch_unwind(AssertUnwindSafe(|| worker.run(&req_rx))) {
                Ok(_stopped) => return,
                Err(p) => {
                    // The session may be half-updated: drop it and wait for a Reset.
                    worker.session = None;
                    worker.pace = Pace::Paused;
                    worker.pending.clear();
                    let msg =
                        format!("the engine failed and stopped generating: {}; reset to start again", panic_text(&*p));
                    if worker.replies.send(Reply::Error(msg)).is_err() {
                        return;
                    }
                }
            }
        }
    })?;
    Ok((req_tx, rep_rx, handle))
}

fn panic_text(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Pace {
    Paused,
    Every(Duration),
    Max,
}

/// The app has gone (its end of a channel was dropped): the thread should end.
struct Stopped;

type Flow = Result<(), Stopped>;

struct Worker {
    weights: SharedWeights,
    vocab: Vocab,
    history_chars: usize,
    replies: SyncSender<Reply>,
    session: Option<Session>,
    generation: u64,
    pace: Pace,
    next_step: Instant,
    /// Steps drawn but not yet sent, and when the oldest was drawn.
    pending: Vec<Vec<Drawn>>,
    pending_logits: Vec<Vec<f32>>,
    oldest: Instant,
}

impl Worker {
    fn new(weights: SharedWeights, vocab: Vocab, history_chars: usize, replies: SyncSender<Reply>) -> Self {
        let now = Instant::now();
        Worker {
            weights,
            vocab,
            history_chars,
            replies,
            session: None,
            generation: 0,
            pace: Pace::Paused,
            next_step: now,
            pending: Vec::new(),
            pending_logits: Vec::new(),
            oldest: now,
        }
    }

    fn run(&mut self, rx: &Receiver<Request>) -> Flow {
        loop {
            loop {
                match rx.try_recv() {
                    Ok(r) => self.handle(r)?,
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return Err(Stopped),
                }
            }
            let now = Instant::now();
            let due = match (self.pace, &self.session) {
                (_, None) | (Pace::Paused, _) => None,
                (Pace::Max, _) => Some(now),
                (Pace::Every(_), _) => Some(self.next_step),
            };
            match due {
                Some(t) if t <= now => {
                    self.step()?;
                    if self.oldest.elapsed() >= FLUSH_EVERY {
                        self.flush()?;
                    }
                }
                Some(t) => {
                    // Send what is waiting if it would otherwise wait past its flush deadline.
                    if !self.pending.is_empty() && t >= self.oldest + FLUSH_EVERY {
                        self.flush()?;
                    }
                    match rx.recv_timeout(t - now) {
                        Ok(r) => self.handle(r)?,
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return Err(Stopped),
                    }
                }
                None => {
                    self.flush()?;
                    match rx.recv() {
                        Ok(r) => self.handle(r)?,
                        Err(_) => return Err(Stopped),
                    }
                }
            }
        }
    }

    fn send(&self, reply: Reply) -> Flow {
        self.replies.send(reply).map_err(|_| Stopped)
    }

    fn error(&self, msg: impl Into<String>) -> Flow {
        self.send(Reply::Error(msg.into()))
    }

    fn flush(&mut self) -> Flow {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = StepBatch {
            generation: self.generation,
            steps: std::mem::take(&mut self.pending),
            last_logits: std::mem::take(&mut self.pending_logits),
        };
        self.send(Reply::Stepped(batch))
    }

    fn step(&mut self) -> Flow {
        let Some(session) = self.session.as_mut() else { return Ok(()) };
        match session.step() {
            Ok((chars, logits)) => {
                if self.pending.is_empty() {
                    self.oldest = Instant::now();
                }
                self.pending.push(chars);
                self.pending_logits = logits;
            }
            Err(e) => {
                // Stop rather than repeat the same error at every step.
                self.pace = Pace::Paused;
                self.error(format!("generation stopped: {e}"))?;
            }
        }
        if let Pace::Every(d) = self.pace {
            let now = Instant::now();
            // Never catch up with a burst after a stall: just carry on from now.
            self.next_step = (self.next_step + d).max(now);
        }
        Ok(())
    }

    fn handle(&mut self, req: Request) -> Flow {
        match req {
            Request::Reset { generation, prime, panes, seed, coupled } => {
                self.flush()?;
                self.generation = generation;
                let made =
                    Session::new(&self.weights, self.vocab.clone(), prime, panes, seed, coupled, self.history_chars);
                match made {
                    Ok(s) => {
                        self.session = Some(s);
                        self.next_step = Instant::now();
                    }
                    Err(e) => {
                        self.session = None;
                        self.error(format!("could not start generating: {e}"))?;
                    }
                }
            }
            Request::Settings { pane, settings } => {
                if let Some(s) = self.session.as_mut() {
                    if let Err(e) = s.set_settings(pane, settings) {
                        self.error(e.to_string())?;
                    }
                }
            }
            Request::Coupled(on) => {
                if let Some(s) = self.session.as_mut() {
                    s.set_coupled(on);
                }
            }
            Request::Run { chars_per_sec } => {
                let was = self.pace;
                self.pace = match chars_per_sec {
                    None => Pace::Max,
                    Some(r) if r.is_finite() && r > 0.0 => Pace::Every(Duration::from_secs_f64(1.0 / r as f64)),
                    Some(r) => {
                        self.error(format!("speed must be a positive number of characters per second, got {r}"))?;
                        was
                    }
                };
                let now = Instant::now();
                match self.pace {
                    // Resuming: the first character comes at once.
                    Pace::Every(_) if was == Pace::Paused => self.next_step = now,
                    // Speeding up: do not wait out the old, longer interval.
                    Pace::Every(d) => self.next_step = self.next_step.min(now + d),
                    _ => {}
                }
            }
            Request::Pause => {
                self.pace = Pace::Paused;
                self.flush()?;
            }
            Request::Step => {
                self.step()?;
                self.flush()?;
            }
            Request::Branch { generation, pane, pos, id } => {
                self.flush()?;
                // Adopted even on failure: the app has moved to it and drops older batches.
                self.generation = generation;
                let Some(s) = self.session.as_mut() else {
                    return self.error("nothing to branch: generation has not started");
                };
                match s.branch(pane, pos, id) {
                    Ok((drawn, logits)) => self.send(Reply::Branched { generation, pane, pos, drawn, logits })?,
                    Err(e) => self.error(e.to_string())?,
                }
            }
            Request::AddPane { generation, settings } => {
                self.flush()?;
                self.generation = generation;
                let Some(s) = self.session.as_mut() else {
                    return self.error("cannot add a pane before generation has started");
                };
                if let Err(e) = s.add_pane(settings) {
                    self.error(e.to_string())?;
                }
            }
            Request::RemovePane { generation, pane } => {
                self.flush()?;
                self.generation = generation;
                let Some(s) = self.session.as_mut() else {
                    return self.error("cannot remove a pane before generation has started");
                };
                if let Err(e) = s.remove_pane(pane) {
                    self.error(e.to_string())?;
                }
            }
            Request::Sync(n) => {
                self.flush()?;
                self.send(Reply::Synced(n))?;
            }
        }
        Ok(())
    }
}
