//! What the engine does between chunks of a long job (feeding a long prime, scoring a text), so
//! the job neither hides the app's requests nor leaves the user without news: it sets aside what
//! arrives meanwhile (to be handled in order after the job), gives up when a newer request makes
//! the job moot or the app has gone, and reports progress once the job has run long enough to be
//! noticed.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use super::Request;

/// How often a long job (a prime, a scoring) reports its progress.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// One long job's view of the request channel; [`Interrupt::go_on`] is what the job asks between
/// chunks.
pub struct Interrupt<'a, S, P> {
    rx: &'a Receiver<Request>,
    deferred: &'a mut VecDeque<Request>,
    /// Whether a request makes this job moot.
    supersedes: S,
    /// Reports progress after `done` characters (a failed send is left for the next reply to find).
    progress: P,
    started: Instant,
    last_report: Instant,
    /// The app has gone (its end of the channel was dropped): the engine should stop.
    pub gone: bool,
}

impl<'a, S, P> Interrupt<'a, S, P>
where
    S: Fn(&Request) -> bool,
    P: FnMut(usize),
{
    pub fn new(rx: &'a Receiver<Request>, deferred: &'a mut VecDeque<Request>, supersedes: S, progress: P) -> Self {
        let now = Instant::now();
        Interrupt { rx, deferred, supersedes, progress, started: now, last_report: now, gone: false }
    }

    /// Between chunks, after `done` characters: whether to carry on.
    pub fn go_on(&mut self, done: usize) -> bool {
        loop {
            match self.rx.try_recv() {
                Ok(r) => {
                    let moot = (self.supersedes)(&r);
                    self.deferred.push_back(r);
                    if moot {
                        return false;
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.gone = true;
                    return false;
                }
            }
        }
        if self.started.elapsed() >= PROGRESS_EVERY && self.last_report.elapsed() >= PROGRESS_EVERY {
            self.last_report = Instant::now();
            (self.progress)(done);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn requests_that_arrive_meanwhile_are_kept_in_order_and_a_superseding_one_stops_the_job() {
        let (tx, rx) = mpsc::channel();
        let mut deferred = VecDeque::new();
        let mut i = Interrupt::new(&rx, &mut deferred, |r| matches!(r, Request::Pause), |_| {});
        assert!(i.go_on(10), "nothing arrived: carry on");
        tx.send(Request::Step).unwrap();
        tx.send(Request::Coupled(true)).unwrap();
        assert!(i.go_on(20), "nothing that makes the job moot");
        tx.send(Request::Pause).unwrap();
        tx.send(Request::Sync(1)).unwrap();
        assert!(!i.go_on(30), "a superseding request stops the job");
        assert!(!i.gone);
        drop(tx);
        assert!(!i.go_on(40) && i.gone, "the app has gone");
        // The superseding request is kept too (it is what runs next), and so is all that followed.
        assert_eq!(Vec::from(deferred), [Request::Step, Request::Coupled(true), Request::Pause, Request::Sync(1)]);
    }
}
