//! The [`Stepper`] generation uses: the plain-Rust kernel (`tempest-step`) for the few streams of
//! the explorer and `tempest sample`, libtorch's GEMM for wide batches such as a sweep's hundreds
//! of streams where that is faster, chosen by batch size ([`WIDE_BATCH`]) unless the caller pins
//! a path. The explorer's panes and `tempest sweep` both build their `Generator` on it, so both
//! take the path their batch size calls for.

use std::sync::Arc;

use super::torch_step::{TorchStep, TorchWeights};
use super::{CharRnn, Kernel, RowState, StepWeights};
use crate::error::Result;

/// The batch size from which [`PathChoice::Auto`] steps through libtorch, or `None` where the
/// kernel is faster at every batch size measured (1 to 512). Chosen from `cargo bench --bench
/// generation -- --only wide` on the bundled model (2-layer LSTM, hidden 512) on the 2-core
/// development machine; the figures and the load they were taken under are in
/// `docs/perf-results.md`.
pub const WIDE_BATCH: Option<usize> = None;

/// Which code a step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepPath {
    /// The plain-Rust kernel over weights laid out once (see `tempest_step`).
    Kernel,
    /// libtorch's GEMM (see `torch_step`).
    Torch,
}

/// How a [`Stepper`] picks its [`StepPath`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathChoice {
    /// By batch size at the measured crossover: `From(n)` with [`WIDE_BATCH`], or always the
    /// kernel when there is none.
    #[default]
    Auto,
    /// [`StepPath::Torch`] from this many streams, [`StepPath::Kernel`] below.
    From(usize),
    /// Always this path.
    Fixed(StepPath),
}

impl PathChoice {
    /// The path a batch of `batch` streams takes.
    pub fn for_batch(self, batch: usize) -> StepPath {
        match self {
            PathChoice::Auto => match WIDE_BATCH {
                Some(n) => PathChoice::From(n).for_batch(batch),
                None => StepPath::Kernel,
            },
            PathChoice::From(n) if batch >= n => StepPath::Torch,
            PathChoice::From(_) => StepPath::Kernel,
            PathChoice::Fixed(p) => p,
        }
    }
}

/// A model's weights ready for both step paths, shared by every stepper made from them: the
/// kernel's layout behind an `Arc`, libtorch's tensors as shallow clones of one storage.
#[derive(Clone)]
pub struct SharedWeights {
    kernel: Arc<StepWeights>,
    torch: TorchWeights,
}

impl SharedWeights {
    /// Lays the model's weights out for stepping.
    pub fn new(model: &CharRnn) -> Self {
        SharedWeights { kernel: model.kernel_weights(), torch: TorchWeights::new(model) }
    }

    /// The kernel's layout (for a `tempest_step::Stepper` of one's own).
    pub fn kernel(&self) -> &Arc<StepWeights> {
        &self.kernel
    }
}

/// Generates for `batch` independent streams, one character each per step.
pub struct Stepper {
    w: SharedWeights,
    choice: PathChoice,
    /// Holds the state while the path is [`StepPath::Kernel`]; kept (at batch 0) otherwise for
    /// its kernel and thread settings.
    kernel: tempest_step::Stepper,
    /// Holds the state while the path is [`StepPath::Torch`].
    torch: Option<TorchStep>,
    batch: usize,
}

impl Stepper {
    /// A stepper for `batch` streams at zero state, choosing its path by batch size.
    pub fn new(w: &SharedWeights, batch: usize) -> Self {
        Stepper::with_kernel_stepper(w.clone(), tempest_step::Stepper::new(Arc::clone(&w.kernel), 0), batch)
    }

    fn with_kernel_stepper(w: SharedWeights, kernel: tempest_step::Stepper, batch: usize) -> Self {
        let mut s = Stepper { w, choice: PathChoice::Auto, kernel, torch: None, batch: 0 };
        s.resize(batch);
        s
    }

    /// The path the next step takes.
    pub fn path(&self) -> StepPath {
        if self.torch.is_some() {
            StepPath::Torch
        } else {
            StepPath::Kernel
        }
    }

    /// Pins the path (or lets the batch size choose it again); the streams keep their state.
    pub fn set_path(&mut self, choice: PathChoice) {
        self.choice = choice;
        self.resize(self.batch);
    }

    /// Runs the kernel path's steps on `threads` threads (1 or 2; see
    /// [`tempest_step::Stepper::set_threads`]). The libtorch path uses libtorch's own thread pool.
    pub fn set_threads(&mut self, threads: usize) {
        self.kernel.set_threads(threads);
    }

    /// Threads a kernel-path step runs on.
    pub fn threads(&self) -> usize {
        self.kernel.threads()
    }

    /// Chooses the kernel-path matrix-vector kernel; refused if this machine cannot run it.
    pub fn set_kernel(&mut self, kernel: Kernel) -> Result<()> {
        Ok(self.kernel.set_kernel(kernel)?)
    }

    /// The kernel the kernel path uses.
    pub fn kernel(&self) -> Kernel {
        self.kernel.kernel()
    }

    /// The kernel the last kernel-path step actually ran (`None` before any).
    pub fn last_kernel(&self) -> Option<Kernel> {
        self.kernel.last_kernel()
    }

    /// A stepper for `batch` fresh streams on the same weights (no copy), with the same kernel and
    /// path choice, on one thread (so forks never add threads): for replaying one stream's text
    /// without advancing the others.
    pub fn fork(&self, batch: usize) -> Stepper {
        let mut k = tempest_step::Stepper::single(Arc::clone(&self.w.kernel), 0);
        k.set_kernel(self.kernel.kernel()).expect("the kernel already runs here");
        let mut s = Stepper::with_kernel_stepper(self.w.clone(), k, 0);
        s.choice = self.choice;
        s.resize(batch);
        s
    }

    /// Streams stepped together.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Logits per stream.
    pub fn vocab(&self) -> usize {
        self.w.kernel.vocab()
    }

    /// Changes the number of streams: existing rows keep their state, new rows start at zero. The
    /// path follows the new size (under [`PathChoice::Auto`]).
    pub fn resize(&mut self, batch: usize) {
        let want = self.choice.for_batch(batch);
        let keep = self.batch.min(batch);
        match (self.path(), want) {
            (StepPath::Kernel, StepPath::Kernel) => self.kernel.resize(batch),
            (StepPath::Torch, StepPath::Torch) => self.torch.as_mut().expect("torch path").resize(batch),
            (StepPath::Kernel, StepPath::Torch) => {
                let mut t = TorchStep::new(self.w.torch.clone(), batch);
                for row in 0..keep {
                    t.set_row_state(row, &self.kernel.row_state(row));
                }
                self.kernel.resize(0);
                self.torch = Some(t);
            }
            (StepPath::Torch, StepPath::Kernel) => {
                let t = self.torch.take().expect("torch path");
                self.kernel.resize(batch);
                for row in 0..keep {
                    self.kernel.set_row_state(row, &t.row_state(row));
                }
            }
        }
        self.batch = batch;
    }

    /// Sets one stream's state back to zero.
    pub fn reset_row(&mut self, row: usize) {
        match self.torch.as_mut() {
            Some(t) => t.reset_row(row),
            None => self.kernel.reset_row(row),
        }
    }

    /// A copy of one stream's state.
    pub fn row_state(&self, row: usize) -> RowState {
        match self.torch.as_ref() {
            Some(t) => t.row_state(row),
            None => self.kernel.row_state(row),
        }
    }

    /// Puts one stream in `state`.
    pub fn set_row_state(&mut self, row: usize, state: &RowState) {
        match self.torch.as_mut() {
            Some(t) => t.set_row_state(row, state),
            None => self.kernel.set_row_state(row, state),
        }
    }

    /// Feeds one character per stream and writes the next-character logits, `batch × vocab`
    /// row-major, into `logits`.
    pub fn step(&mut self, ids: &[u32], logits: &mut Vec<f32>) -> Result<()> {
        match self.torch.as_mut() {
            None => Ok(self.kernel.step(ids, logits)?),
            Some(t) => {
                assert_eq!(ids.len(), self.batch, "one id per stream");
                tempest_step::check_ids(ids, self.w.kernel.vocab())?;
                t.step(ids, logits);
                Ok(())
            }
        }
    }

    /// Feeds stream `row` a whole sequence and writes the logits after its last character into
    /// `logits` (`vocab` floats), asking `go_on(characters fed)` between chunks; `Ok(false)`
    /// (the stream as it was) if it said no. See [`tempest_step::Stepper::feed_sequence`]: layer
    /// by layer, much faster than stepping a long prime. It always runs on the kernel path (on
    /// the libtorch path the stream's state goes through a one-stream kernel stepper).
    pub fn feed_sequence(
        &mut self,
        row: usize,
        ids: &[u32],
        logits: &mut Vec<f32>,
        go_on: &mut dyn FnMut(usize) -> bool,
    ) -> Result<bool> {
        match self.torch.as_mut() {
            None => Ok(self.kernel.feed_sequence(row, ids, logits, go_on)?),
            Some(t) => {
                let mut one = self.kernel.fork(1);
                one.set_row_state(0, &t.row_state(row));
                let fed = one.feed_sequence(0, ids, logits, go_on)?;
                if fed {
                    t.set_row_state(row, &one.row_state(0));
                }
                Ok(fed)
            }
        }
    }
}
