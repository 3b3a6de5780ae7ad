//! The engine thread: builds the stepper from the model (whose libtorch tensors are not `Sync`,
//! hence built on this thread) and drops the model, then steps every pane as one batch at the
//! requested pace, talking to the app only through channels.
//!
//! - Paused (or before the first `Reset`) it blocks in `recv`, using no CPU.
//! - Before every step it drains the request queue, so a burst of `Settings` collapses into the
//!   newest one and keys never wait behind generation.
//! - At r chars/s it waits with `recv_timeout` until the next step's deadline, so a request is
//!   handled the moment it arrives rather than after a sleep.
//! - Characters are sent in batches at most [`FLUSH_EVERY`] apart (sooner once a batch holds
//!   [`BATCH_BYTES`]), straight into the caller's bounded channel (the explorer's one event queue):
//!   a slow UI makes the engine wait instead of letting the queue (and memory) grow. The wait is
//!   counted in bytes too (see `budget.rs`), so a model of any speed holds the same memory.
//! - A panic inside libtorch or the engine becomes `Reply::Error`; the engine then waits for a
//!   new `Reset` instead of taking the thread (and the app) down.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::budget::{drawn_bytes, Budget, BATCH_BYTES, STALL_POLL};
use super::interrupt::Interrupt;
use super::session::Session;
use super::{Drawn, Reply, Request, StepBatch};
use std::sync::Arc;
use tempest_core::model::{CharRnn, SharedWeights, Vocab};

/// Name of the engine thread (the explorer's panic hook recognises it by this).
pub const THREAD_NAME: &str = "tempest-engine";
/// Longest a drawn character waits in the engine before it is sent: under one frame at 60 fps.
pub const FLUSH_EVERY: Duration = Duration::from_millis(12);
/// Where the engine's replies go: straight into the caller's channel (the explorer's one event
/// queue), each wrapped by `From<Reply>`. The channel is bounded, so a slow UI makes the engine
/// wait instead of letting the queue (and memory) grow.
type ReplySink = Box<dyn Fn(Reply) -> Flow + Send>;

/// Sends [`Reply::Ended`] when the engine thread ends, however it ends (even by a panic that
/// escaped), so the receiver learns of it without a second channel to watch.
struct EndNotice(ReplySink);

impl Drop for EndNotice {
    fn drop(&mut self) {
        let _ = (self.0)(Reply::Ended);
    }
}

/// Starts the engine thread, which sends its replies into `replies` (as `T::from(reply)`), and
/// [`Reply::Ended`] last. It exits when the returned `Sender` is dropped, or at its next reply
/// once the receiver of `replies` is gone. `history_chars` is how far back (at least) a `Branch`
/// can reach.
pub fn spawn<T>(
    model: CharRnn,
    vocab: Vocab,
    history_chars: usize,
    replies: SyncSender<T>,
) -> std::io::Result<(Sender<Request>, JoinHandle<()>)>
where
    T: From<Reply> + Send + 'static,
{
    let (req_tx, req_rx) = mpsc::channel();
    let sink = |tx: SyncSender<T>| -> ReplySink { Box::new(move |r| tx.send(T::from(r)).map_err(|_| Stopped)) };
    let end = EndNotice(sink(replies.clone()));
    let send = sink(replies);
    let handle = thread::Builder::new().name(THREAD_NAME.into()).spawn(move || {
        let _end = end;
        // The weights are laid out for stepping once; every session shares them.
        let weights = match catch_unwind(AssertUnwindSafe(|| model.step_weights())) {
            Ok(s) => s,
            Err(p) => {
                let _ = send(Reply::Error(format!("the engine could not start: {}", panic_text(&*p))));
                return;
            }
        };
        drop(model);
        let mut worker = Worker::new(weights, vocab, history_chars, send);
        loop {
            match catch_unwind(AssertUnwindSafe(|| worker.run(&req_rx))) {
                Ok(_stopped) => return,
                Err(p) => {
                    // The session may be half-updated: drop it and wait for a Reset.
                    worker.session = None;
                    worker.pace = Pace::Paused;
                    worker.pending.clear();
                    worker.pending_bytes = 0;
                    let msg =
                        format!("the engine failed and stopped generating: {}; reset to start again", panic_text(&*p));
                    if worker.send(Reply::Error(msg)).is_err() {
                        return;
                    }
                }
            }
        }
    })?;
    Ok((req_tx, handle))
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
    replies: ReplySink,
    session: Option<Session>,
    generation: u64,
    pace: Pace,
    next_step: Instant,
    /// Steps drawn but not yet sent, and when the oldest was drawn.
    pending: Vec<Vec<Drawn>>,
    pending_logits: Vec<Vec<f32>>,
    pending_bytes: usize,
    oldest: Instant,
    /// Bytes sent and not yet taken by the app.
    budget: Arc<Budget>,
    /// Requests that arrived while a prime was being fed, handled (in order) before any new one.
    deferred: VecDeque<Request>,
}

impl Worker {
    fn new(weights: SharedWeights, vocab: Vocab, history_chars: usize, replies: ReplySink) -> Self {
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
            pending_bytes: 0,
            oldest: now,
            budget: Budget::new(),
            deferred: VecDeque::new(),
        }
    }

    fn run(&mut self, rx: &Receiver<Request>) -> Flow {
        loop {
            loop {
                // Requests set aside while a prime was fed come before anything newer.
                if let Some(r) = self.deferred.pop_front() {
                    self.handle(r, rx)?;
                    continue;
                }
                match rx.try_recv() {
                    Ok(r) => self.handle(r, rx)?,
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
                // The app is behind: send what is drawn, and draw nothing more until it catches up.
                Some(_) if self.budget.exhausted() => {
                    self.flush()?;
                    match rx.recv_timeout(STALL_POLL) {
                        Ok(r) => self.handle(r, rx)?,
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return Err(Stopped),
                    }
                }
                Some(t) if t <= now => {
                    self.step()?;
                    if self.oldest.elapsed() >= FLUSH_EVERY || self.pending_bytes >= BATCH_BYTES {
                        self.flush()?;
                    }
                }
                Some(t) => {
                    // Send what is waiting if it would otherwise wait past its flush deadline.
                    if !self.pending.is_empty() && t >= self.oldest + FLUSH_EVERY {
                        self.flush()?;
                    }
                    match rx.recv_timeout(t - now) {
                        Ok(r) => self.handle(r, rx)?,
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return Err(Stopped),
                    }
                }
                None => {
                    self.flush()?;
                    match rx.recv() {
                        Ok(r) => self.handle(r, rx)?,
                        Err(_) => return Err(Stopped),
                    }
                }
            }
        }
    }

    fn send(&self, reply: Reply) -> Flow {
        (self.replies)(reply)
    }

    fn error(&self, msg: impl Into<String>) -> Flow {
        self.send(Reply::Error(msg.into()))
    }

    fn flush(&mut self) -> Flow {
        if self.pending.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.pending_bytes);
        let batch = StepBatch {
            generation: self.generation,
            steps: std::mem::take(&mut self.pending),
            last_logits: std::mem::take(&mut self.pending_logits),
            credit: self.budget.take(bytes),
        };
        self.send(Reply::Stepped(batch))?;
        self.send_probe_rows()
    }

    fn send_probe_rows(&mut self) -> Flow {
        match self.session.as_mut().and_then(Session::take_probe_rows) {
            Some(p) => self.send(Reply::Activations { id: p.id, pane: p.pane, start: p.start, rows: p.rows }),
            None => Ok(()),
        }
    }

    fn step(&mut self) -> Flow {
        let Some(session) = self.session.as_mut() else { return Ok(()) };
        match session.step() {
            Ok((chars, logits)) => {
                if self.pending.is_empty() {
                    self.oldest = Instant::now();
                }
                self.pending_bytes += chars.iter().map(drawn_bytes).sum::<usize>();
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

    fn handle(&mut self, req: Request, rx: &Receiver<Request>) -> Flow {
        match req {
            Request::Reset { generation, prime, panes, seed, coupled } => {
                self.flush()?;
                self.generation = generation;
                self.session = None;
                let total = prime.len();
                let replies = &self.replies;
                // Between chunks of the prime: a newer Reset makes this prime moot.
                let mut chunks = Interrupt::new(
                    rx,
                    &mut self.deferred,
                    |r| matches!(r, Request::Reset { .. }),
                    |done| {
                        let _ = replies(Reply::Priming { generation, done, total });
                    },
                );
                let made = Session::start(
                    &self.weights,
                    self.vocab.clone(),
                    prime,
                    panes,
                    seed,
                    coupled,
                    self.history_chars,
                    &mut |done| chunks.go_on(done),
                );
                if chunks.gone {
                    return Err(Stopped);
                }
                match made {
                    Ok(Some(s)) => {
                        self.session = Some(s);
                        self.next_step = Instant::now();
                    }
                    // Superseded by a newer Reset, which is waiting in `deferred`.
                    Ok(None) => {}
                    Err(e) => {
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
                    Ok((drawn, logits)) => {
                        self.send(Reply::Branched { generation, pane, pos, drawn, logits })?;
                        self.send_probe_rows()?;
                    }
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
            Request::Probe { id, pane, window } => {
                self.flush()?;
                let Some(s) = self.session.as_mut() else {
                    return if pane.is_some() {
                        self.error("nothing to show yet: generation has not started")
                    } else {
                        Ok(())
                    };
                };
                match s.set_probe(id, pane, window) {
                    Ok(Some(p)) => self.send(Reply::Activations { id, pane: p.pane, start: p.start, rows: p.rows })?,
                    Ok(None) => {}
                    Err(e) => self.error(e.to_string())?,
                }
            }
            Request::Model(m) => {
                // What is drawn but unsent belongs to the old model's panes: the app drops it anyway.
                self.pending.clear();
                self.pending_logits.clear();
                self.session = None;
                self.pace = Pace::Paused;
                self.weights = m.weights;
                self.vocab = m.vocab;
            }
            Request::Sync(n) => {
                self.flush()?;
                self.send(Reply::Synced(n))?;
            }
            Request::Score { id, context, text } => {
                // What is drawn so far goes out first, so the panes do not wait behind the score.
                self.flush()?;
                let total = text.len();
                let replies = &self.replies;
                // As for a long prime; a newer Score makes this one moot.
                let mut chunks = Interrupt::new(
                    rx,
                    &mut self.deferred,
                    |r| matches!(r, Request::Score { .. }),
                    |done| {
                        let _ = replies(Reply::Scoring { id, done, total });
                    },
                );
                let made =
                    super::scoring::score(&self.weights, &self.vocab, &context, &text, &mut |done| chunks.go_on(done));
                if chunks.gone {
                    return Err(Stopped);
                }
                match made {
                    Ok(Some((drawn, next_logits))) => self.send(Reply::Scored { id, drawn, next_logits })?,
                    Ok(None) => {}
                    Err(e) => self.error(format!("could not score the text: {e}"))?,
                }
            }
        }
        Ok(())
    }
}
