//! Work sharing between a stepper's thread and its one helper thread.
//!
//! The stepper's thread posts a job (a borrowed closure) and an epoch, runs part 0 itself, then
//! either finds that the helper has claimed part 1 and waits for it, or claims part 1 back and runs
//! it too. Claiming is one compare-exchange on `claimed`, so exactly one thread runs each part, and
//! a helper that is asleep or descheduled never makes a step wait.

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the helper spins for the next job before it sleeps: longer than the gap between two
/// steps at full speed (sampling three panes), far shorter than any human-visible pause.
const HELPER_SPIN: Duration = Duration::from_micros(300);

/// Spins while waiting for the helper to finish its part before yielding the core. Miri
/// interprets every spin, so it yields at once.
const WAIT_SPINS: u32 = if cfg!(miri) { 1 } else { 1 << 14 };

/// The second thread of a stepper.
pub(crate) struct Helper {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

type Job = *const (dyn Fn() + Sync + 'static);

struct Shared {
    /// Jobs posted; the last one claimed (by the helper, or taken back by the stepper's thread);
    /// the last one the helper finished.
    epoch: AtomicU64,
    claimed: AtomicU64,
    done: AtomicU64,
    job: UnsafeCell<Option<Job>>,
    sleeping: AtomicBool,
    quit: AtomicBool,
    failed: AtomicBool,
}

// SAFETY: `job` is written only by the stepper's thread while no job is outstanding (before
// `epoch` is bumped, after the previous one was finished or taken back), and read only by the
// helper after it has claimed the epoch that published it (Release on `epoch`, Acquire on the
// load); everything else is atomic. The pointee is `Sync`, so calling it from the helper is fine.
unsafe impl Sync for Shared {}
// SAFETY: as above; the raw pointer is only dereferenced under that protocol.
unsafe impl Send for Shared {}

impl Helper {
    /// Starts the helper thread, or returns `None` if the system refuses a thread.
    pub(crate) fn spawn() -> Option<Helper> {
        let shared = Arc::new(Shared {
            epoch: AtomicU64::new(0),
            claimed: AtomicU64::new(0),
            done: AtomicU64::new(0),
            job: UnsafeCell::new(None),
            sleeping: AtomicBool::new(false),
            quit: AtomicBool::new(false),
            failed: AtomicBool::new(false),
        });
        let sh = Arc::clone(&shared);
        // Named after the thread that owns the stepper, so e.g. the explorer's panic hook treats
        // it as the engine thread it works for.
        let name = std::thread::current().name().unwrap_or("tempest-step").to_string();
        let thread = std::thread::Builder::new().name(name).spawn(move || helper_loop(&sh)).ok()?;
        Some(Helper { shared, thread: Some(thread) })
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.shared.quit.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

/// How the second part of a [`run_parts`] went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Handoff {
    /// There is no helper: one part, run here.
    Solo,
    /// The helper ran its part, and this thread then waited this long for it.
    Shared(Duration),
    /// The helper had not picked its part up by the time this thread was done with its own (it
    /// was asleep or off its core), so this thread ran both.
    TakenBack,
}

impl Handoff {
    /// Whether the helper cost this thread time rather than saving it: it was off its core when
    /// its part was posted, or it stalled for a scheduler slice (`stall`) while running it.
    pub(crate) fn was_late(self, stall: Duration) -> bool {
        match self {
            Handoff::Solo => false,
            Handoff::Shared(waited) => waited >= stall,
            Handoff::TakenBack => true,
        }
    }
}

/// A hand-off that waited this long for the helper found it descheduled: a half of a step or of a
/// timestep takes tens of microseconds, a busy machine's scheduler hands a core back after
/// milliseconds.
const STALL: Duration = Duration::from_micros(200);

/// Late hand-offs (the helper off its core, see [`Handoff::was_late`]) in one round past which the
/// work goes on alone. On a machine that busy the two threads mostly take turns on one core, the
/// helper's spinning takes slices from the stepper's thread, and every stall costs more than the
/// split saves; left alone, the helper goes to sleep.
const LATE_PER_ROUND: usize = 8;

/// Whole rounds run alone after the helper was found late, before it is tried again.
const SOLO_ROUNDS: usize = 3;

/// Whether the next hand-offs go to the helper, by how punctual it has been (the policy above).
/// A round is whatever the caller counts in: a sequence feed's chunk, a run of steps.
#[derive(Debug, Default)]
pub(crate) struct Sharing {
    /// Late hand-offs in this round.
    late: usize,
    /// Round starts left before the helper is used again (0: in use).
    solo: usize,
    /// Whether the helper has picked up a hand-off since it last had time to fall asleep.
    awake: bool,
    /// When the last hand-off was recorded.
    last: Option<Instant>,
}

impl Sharing {
    /// `helper` for the next hand-off, unless the work is going on alone.
    pub(crate) fn helper<'h>(&self, helper: Option<&'h Helper>) -> Option<&'h Helper> {
        helper.filter(|_| self.solo == 0)
    }

    /// Notes how a hand-off went; too many late ones in a round and the work goes on alone from
    /// the next hand-off. Hand-offs taken back while the helper may still be waking do not count:
    /// after a pause longer than its spin it sleeps, and a sleeping helper (in a virtual machine,
    /// on an idle core) takes a while to wake.
    pub(crate) fn record(&mut self, handoff: Handoff) {
        self.record_at(handoff, Instant::now());
    }

    /// [`Sharing::record`] at a given time.
    pub(crate) fn record_at(&mut self, handoff: Handoff, now: Instant) {
        if self.last.is_some_and(|t| now.duration_since(t) > HELPER_SPIN) {
            self.awake = false;
        }
        self.last = Some(now);
        if let Handoff::Shared(_) = handoff {
            self.awake = true;
        }
        if self.awake && handoff.was_late(STALL) {
            self.late += 1;
            if self.late > LATE_PER_ROUND && self.solo == 0 {
                // The rest of this round, then `SOLO_ROUNDS` more.
                self.solo = SOLO_ROUNDS + 1;
                self.awake = false;
            }
        }
    }

    /// Called before every round.
    pub(crate) fn next_round(&mut self) {
        self.late = 0;
        self.solo = self.solo.saturating_sub(1);
    }
}

/// Runs `job(0)` here and, with a helper, `job(1)` on it at the same time; returns when both are
/// done, saying how the hand-off went. A panic in either part is re-raised here, after both have
/// finished.
pub(crate) fn run_parts(helper: Option<&Helper>, job: &(dyn Fn(usize) + Sync)) -> Handoff {
    let Some(helper) = helper else {
        job(0);
        return Handoff::Solo;
    };
    let other = || job(1);
    let other: &(dyn Fn() + Sync) = &other;
    // SAFETY: only the lifetime is erased. The helper calls the job only after claiming this
    // epoch and marks `done` when it returns; this function returns (or unwinds) only after it has
    // either claimed the epoch back itself or seen `done` reach it, so the borrow outlives every use.
    let other: Job = unsafe { std::mem::transmute::<*const (dyn Fn() + Sync + '_), Job>(other) };
    let sh = &*helper.shared;
    // SAFETY: no job is outstanding (the previous call waited for its own), so the helper does not
    // read the slot until it sees the epoch published below.
    unsafe { *sh.job.get() = Some(other) };
    let epoch = sh.epoch.fetch_add(1, Ordering::SeqCst) + 1;
    if sh.sleeping.load(Ordering::SeqCst) {
        if let Some(t) = &helper.thread {
            t.thread().unpark();
        }
    }
    let mine = catch_unwind(AssertUnwindSafe(|| job(0)));
    // If the helper has not picked the other half up yet (it is asleep, or another process has
    // its core), do it here rather than wait: two threads are then never slower than one.
    if sh.claimed.compare_exchange(epoch - 1, epoch, Ordering::AcqRel, Ordering::Acquire).is_ok() {
        let theirs = catch_unwind(AssertUnwindSafe(|| job(1)));
        if let Err(p) = mine.and(theirs) {
            resume_unwind(p);
        }
        return Handoff::TakenBack;
    }
    let waiting = Instant::now();
    let mut spins = 0u32;
    while sh.done.load(Ordering::Acquire) != epoch {
        if spins < WAIT_SPINS {
            spins += 1;
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
    if sh.failed.swap(false, Ordering::AcqRel) {
        panic!("the step's helper thread failed");
    }
    if let Err(p) = mine {
        resume_unwind(p);
    }
    Handoff::Shared(waiting.elapsed())
}

fn helper_loop(sh: &Shared) {
    let mut seen = 0u64;
    loop {
        let mut idle_since = Instant::now();
        let mut spins = 0u32;
        let epoch = loop {
            let e = sh.epoch.load(Ordering::Acquire);
            if e != seen {
                break e;
            }
            if sh.quit.load(Ordering::Acquire) {
                return;
            }
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(64) && idle_since.elapsed() > HELPER_SPIN {
                // Sleep; `run_parts` unparks after posting a job if it sees this flag, and the
                // re-check below closes the race with a job posted just before it was set.
                sh.sleeping.store(true, Ordering::SeqCst);
                if sh.epoch.load(Ordering::SeqCst) == seen && !sh.quit.load(Ordering::SeqCst) {
                    std::thread::park();
                }
                sh.sleeping.store(false, Ordering::SeqCst);
                idle_since = Instant::now();
            } else {
                std::hint::spin_loop();
            }
        };
        seen = epoch;
        // The stepper's thread may have taken the job back already; then it is not ours to run.
        if sh.claimed.compare_exchange(epoch - 1, epoch, Ordering::AcqRel, Ordering::Acquire).is_err() {
            continue;
        }
        // SAFETY: written before the epoch we claimed was published (and not again until we mark
        // it done, since the stepper's thread waits for `done` once we have claimed it).
        let job = unsafe { *sh.job.get() }.expect("a job is posted with its epoch");
        // SAFETY: the closure behind `job` lives until `done` reaches this epoch (see
        // `run_parts`), and it is `Sync`.
        if catch_unwind(AssertUnwindSafe(|| unsafe { (*job)() })).is_err() {
            sh.failed.store(true, Ordering::Release);
        }
        sh.done.store(epoch, Ordering::Release);
    }
}
