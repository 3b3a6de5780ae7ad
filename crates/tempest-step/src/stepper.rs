//! The [`Stepper`]: a batch of streams' recurrent state over shared weights, one character per
//! stream per step.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use crate::dispatch::{dispatch_head, dispatch_layer};
use crate::kernels::{split, Buf, Bufs, Kernel};
use crate::layout::{Aligned, Cell, StepWeights};
use crate::pool::{run_parts, Helper, Sharing};
use crate::sequence::{self, SeqState};

/// The recurrent state of one stream, copied out of the batch (for snapshots and branching).
#[derive(Debug, Clone, PartialEq)]
pub struct RowState {
    /// Hidden state per layer, `hidden` floats each.
    pub h: Vec<Vec<f32>>,
    /// LSTM cell state per layer (empty for other cells).
    pub c: Vec<Vec<f32>>,
}

/// What a step or a setting was refused for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// A character id at or above the vocabulary size.
    IdOutOfVocab {
        /// The id given.
        id: u32,
        /// The vocabulary size.
        vocab: usize,
    },
    /// A kernel this build or CPU cannot run.
    KernelUnavailable(Kernel),
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::IdOutOfVocab { id, vocab } => {
                write!(f, "character id {id} is outside the vocabulary of {vocab}")
            }
            StepError::KernelUnavailable(k) => write!(f, "the {k} kernel is not available on this machine"),
        }
    }
}

impl std::error::Error for StepError {}

/// Refuses the first id at or above `vocab`: the check every step and sequence feed makes before
/// any work, so a refused call leaves every stream as it was.
pub fn check_ids(ids: &[u32], vocab: usize) -> Result<(), StepError> {
    match ids.iter().find(|&&i| i as usize >= vocab) {
        Some(&bad) => Err(StepError::IdOutOfVocab { id: bad, vocab }),
        None => Ok(()),
    }
}

/// Generates for `batch` independent streams, one character each per step, over weights shared
/// (through an `Arc`) with any number of other steppers.
pub struct Stepper {
    w: Arc<StepWeights>,
    kernel: Kernel,
    /// The kernel the last step's parts actually ran ([`Kernel::code`], 0 before any step).
    ran: AtomicU8,
    batch: usize,
    /// `[batch, layers * hp]`: each stream's hidden states, layer after layer, each padded to `hp`
    /// (the padding stays zero).
    h: Aligned,
    /// `[batch, layers * hidden]`: LSTM cell states (empty for other cells).
    c: Vec<f32>,
    /// `[batch, gates]` scratch for the current layer's pre-activations.
    gates: Vec<f32>,
    /// `[batch, gates]` scratch: GRU's input-side pre-activations.
    gates_in: Vec<f32>,
    /// `[batch, hidden]`: the current layer's new hidden state. It is copied into `h` once both
    /// halves of the layer are done, since the other half's GEMM still reads the old one.
    h_new: Vec<f32>,
    /// The second thread of a step, if it has one (see [`Stepper::set_threads`]).
    helper: Option<Helper>,
    /// Whether steps still go to the helper: on a machine busy enough to keep taking its core away,
    /// they run alone for a while (rounds of [`STEP_ROUND`] steps).
    sharing: Sharing,
    /// Steps taken, to count rounds.
    steps: u64,
}

/// Steps in one round of the helper's punctuality check (see `pool::Sharing`): at full speed a few
/// milliseconds, so a busy spell is noticed quickly.
const STEP_ROUND: u64 = 64;

impl Stepper {
    /// A stepper for `batch` streams at zero state, on the widest kernel the CPU has and on
    /// [`Stepper::default_threads`] threads.
    pub fn new(w: Arc<StepWeights>, batch: usize) -> Self {
        let mut s = Stepper::single(w, batch);
        s.set_threads(s.default_threads());
        s
    }

    /// As [`Stepper::new`], on one thread (never starts a helper).
    pub fn single(w: Arc<StepWeights>, batch: usize) -> Self {
        let mut s = Stepper {
            w,
            kernel: Kernel::best(),
            ran: AtomicU8::new(0),
            batch: 0,
            h: Aligned::default(),
            c: Vec::new(),
            gates: Vec::new(),
            gates_in: Vec::new(),
            h_new: Vec::new(),
            helper: None,
            sharing: Sharing::default(),
            steps: 0,
        };
        s.resize(batch);
        s
    }

    /// The weights, to share with another stepper.
    pub fn weights(&self) -> &Arc<StepWeights> {
        &self.w
    }

    /// Two when the machine has two cores and the model is big enough for the split to pay (a step
    /// is bound by memory bandwidth, which one core cannot use up); one otherwise.
    pub fn default_threads(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores >= 2 && self.w.recurrent_size() >= 1 << 18 {
            2
        } else {
            1
        }
    }

    /// Runs each step on `threads` threads (1, or 2 and more meaning 2): with 2, a helper thread
    /// computes half of every layer's units and half of the logits. The results are bit-for-bit
    /// the same either way. The helper spins briefly between steps and otherwise sleeps, so an
    /// idle stepper costs nothing; it ends when the stepper is dropped or set back to one thread.
    /// When the machine is so busy that the helper keeps losing its core, steps run on this thread
    /// alone for a few rounds before the helper is tried again.
    pub fn set_threads(&mut self, threads: usize) {
        match (threads >= 2, self.helper.is_some()) {
            (true, false) => self.helper = Helper::spawn(),
            (false, true) => self.helper = None,
            _ => {}
        }
    }

    /// Threads a step runs on.
    pub fn threads(&self) -> usize {
        if self.helper.is_some() {
            2
        } else {
            1
        }
    }

    /// Chooses the matrix-vector kernel; refused if this build or CPU cannot run it.
    pub fn set_kernel(&mut self, kernel: Kernel) -> Result<(), StepError> {
        if !kernel.is_available() {
            return Err(StepError::KernelUnavailable(kernel));
        }
        self.kernel = kernel;
        Ok(())
    }

    /// The kernel chosen for the next step.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// The kernel the last step actually ran, as reported by the code that ran it (`None` before
    /// the first step).
    pub fn last_kernel(&self) -> Option<Kernel> {
        Kernel::from_code(self.ran.load(Ordering::Relaxed))
    }

    /// A stepper for `batch` fresh streams that shares this one's weights (no copy), with the same
    /// kernel and on one thread (so forks never add threads): for replaying one stream's text
    /// without advancing the others.
    pub fn fork(&self, batch: usize) -> Stepper {
        let mut s = Stepper::single(Arc::clone(&self.w), batch);
        s.kernel = self.kernel;
        s
    }

    /// Streams stepped together.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Logits per stream.
    pub fn vocab(&self) -> usize {
        self.w.vocab
    }

    fn h_row_len(&self) -> usize {
        self.w.layers.len() * self.w.hp
    }

    fn c_row_len(&self) -> usize {
        if self.w.cell == Cell::Lstm {
            self.w.layers.len() * self.w.hidden
        } else {
            0
        }
    }

    /// Changes the number of streams: existing rows keep their state, new rows start at zero.
    pub fn resize(&mut self, batch: usize) {
        let (hr, cr) = (self.h_row_len(), self.c_row_len());
        let keep = self.batch.min(batch);
        let mut h = Aligned::zeros(batch * hr);
        h.as_mut_slice()[..keep * hr].copy_from_slice(&self.h.as_slice()[..keep * hr]);
        self.h = h;
        self.c.resize(batch * cr, 0.0);
        if batch > keep {
            self.c[keep * cr..].fill(0.0);
        }
        self.gates = vec![0.0; batch * self.w.gates];
        self.gates_in = if self.w.cell == Cell::Gru { vec![0.0; batch * self.w.gates] } else { Vec::new() };
        self.h_new = vec![0.0; batch * self.w.hidden];
        self.batch = batch;
    }

    /// Sets one stream's state back to zero.
    pub fn reset_row(&mut self, row: usize) {
        let (hr, cr) = (self.h_row_len(), self.c_row_len());
        self.h.as_mut_slice()[row * hr..(row + 1) * hr].fill(0.0);
        self.c[row * cr..(row + 1) * cr].fill(0.0);
    }

    /// A copy of one stream's state.
    pub fn row_state(&self, row: usize) -> RowState {
        let (hid, hp) = (self.w.hidden, self.w.hp);
        let n = self.w.layers.len();
        let h = &self.h.as_slice()[row * n * hp..(row + 1) * n * hp];
        let c = &self.c[row * self.c_row_len()..(row + 1) * self.c_row_len()];
        RowState {
            h: (0..n).map(|l| h[l * hp..l * hp + hid].to_vec()).collect(),
            c: c.chunks(hid.max(1)).map(<[f32]>::to_vec).collect(),
        }
    }

    /// Puts one stream in `state` (as [`Stepper::row_state`] returned it).
    pub fn set_row_state(&mut self, row: usize, state: &RowState) {
        let (hid, hp) = (self.w.hidden, self.w.hp);
        let n = self.w.layers.len();
        assert_eq!(state.h.len(), n, "one hidden state per layer");
        let h = &mut self.h.as_mut_slice()[row * n * hp..(row + 1) * n * hp];
        for (l, v) in state.h.iter().enumerate() {
            h[l * hp..l * hp + hid].copy_from_slice(v);
        }
        let cr = self.c_row_len();
        let c = &mut self.c[row * cr..(row + 1) * cr];
        for (l, v) in state.c.iter().enumerate() {
            c[l * hid..(l + 1) * hid].copy_from_slice(v);
        }
    }

    /// Feeds one character per stream and writes the next-character logits, `batch × vocab`
    /// row-major, into `logits`.
    pub fn step(&mut self, ids: &[u32], logits: &mut Vec<f32>) -> Result<(), StepError> {
        assert_eq!(ids.len(), self.batch, "one id per stream");
        let w = &*self.w;
        check_ids(ids, w.vocab)?;
        let (batch, kernel) = (self.batch, self.kernel);
        logits.resize(batch * w.vocab, 0.0);
        if self.steps.is_multiple_of(STEP_ROUND) {
            self.sharing.next_round();
        }
        self.steps += 1;
        let helper = self.sharing.helper(self.helper.as_ref());
        let parts = if helper.is_some() { 2 } else { 1 };
        let (hid, hp, n) = (w.hidden, w.hp, w.layers.len());
        // From here to the end of the step every access to these buffers goes through `bufs`
        // (see `Buf`): re-borrowing `self.h` below would invalidate the views the parts hold.
        let bufs = Bufs {
            h: Buf::of(self.h.as_mut_slice()),
            c: Buf::of(&mut self.c),
            g: Buf::of(&mut self.gates),
            gi: Buf::of(&mut self.gates_in),
            h_new: Buf::of(&mut self.h_new),
            out: Buf::of(logits),
        };
        let ran = &self.ran;
        for l in 0..n {
            let job = |part: usize| {
                let (u0, u1) = split(hid, part, parts);
                // SAFETY: `bufs` views this stepper's buffers, sized by `resize` for `batch` and
                // not otherwise touched during the step; the ids were checked above; `kernel`
                // was checked by `set_kernel`; nothing writes `h` during the layer and the parts
                // take disjoint units.
                let k = unsafe { dispatch_layer(kernel, w, l, batch, ids, &bufs, u0, u1) };
                if part == 0 {
                    ran.store(k.code(), Ordering::Relaxed);
                }
            };
            self.sharing.record(run_parts(helper, &job));
            // Both parts are done: this thread is the only one touching the buffers.
            for row in 0..batch {
                // SAFETY: no other view of these elements is alive, and `h_new` and `h` are
                // distinct buffers.
                let (dst, src) =
                    unsafe { (bufs.h.get_mut(row * n * hp + l * hp, hid), bufs.h_new.get(row * hid, hid)) };
                dst.copy_from_slice(src);
            }
        }
        let job = |part: usize| {
            let (r0, r1) = split(w.vocab, part, parts);
            // SAFETY: as above; the parts write disjoint rows of the logits.
            unsafe { dispatch_head(kernel, w, batch, &bufs, r0, r1) };
        };
        self.sharing.record(run_parts(helper, &job));
        Ok(())
    }

    /// Feeds stream `row` a whole sequence, as [`Stepper::step`] would one character at a time
    /// (with the other streams left where they are), and writes the logits after its last
    /// character into `logits` (`vocab` floats). Much faster for a long prime: each layer
    /// projects the inputs of a chunk of timesteps as one batched product and then runs only its
    /// recurrence step by step, and the output head runs once, at the end. The numbers are those
    /// of stepping up to the order of float sums.
    ///
    /// Between chunks of [`SEQ_CHUNK`](crate::SEQ_CHUNK) characters it asks `go_on(characters
    /// fed so far)` whether to carry on; if not it returns `Ok(false)` and the stream's state is
    /// as it was before the call. Runs on the stepper's threads (see [`Stepper::set_threads`]),
    /// with the same results on one or two. An empty `ids` changes nothing (and leaves `logits`
    /// alone).
    pub fn feed_sequence(
        &mut self,
        row: usize,
        ids: &[u32],
        logits: &mut Vec<f32>,
        go_on: &mut dyn FnMut(usize) -> bool,
    ) -> Result<bool, StepError> {
        assert!(row < self.batch, "a stream of this stepper");
        let w = &*self.w;
        check_ids(ids, w.vocab)?;
        let (hid, hp, n) = (w.hidden, w.hp, w.layers.len());
        let start = self.row_state(row);
        let mut state = SeqState {
            h: start
                .h
                .iter()
                .map(|v| {
                    let mut a = Aligned::zeros(hp);
                    a.as_mut_slice()[..hid].copy_from_slice(v);
                    a
                })
                .collect(),
            c: if w.cell == Cell::Lstm { start.c } else { vec![Vec::new(); n] },
        };
        // SAFETY: `self.kernel` passed `set_kernel`'s check (or is `Kernel::best()`).
        if !unsafe { sequence::feed(self.kernel, self.helper.as_ref(), w, &mut state, ids, logits, go_on) } {
            return Ok(false);
        }
        let done = RowState {
            h: state.h.iter().map(|a| a.as_slice()[..hid].to_vec()).collect(),
            c: if w.cell == Cell::Lstm { state.c } else { Vec::new() },
        };
        self.set_row_state(row, &done);
        Ok(true)
    }
}
