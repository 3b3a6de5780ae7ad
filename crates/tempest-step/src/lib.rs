//! tempest's stepper: one character at a time for a batch of independent char-RNN streams, in
//! plain Rust over weights laid out once.
//!
//! A generation step multiplies every recurrent and output weight by a handful of vectors, one per
//! stream: at small batches it is bound by reading the weights from memory, not by arithmetic.
//! libtorch's fused `lstm`/`gru` ops and hand-written `addmm` cells pay set-up, dispatch and
//! packing costs per step that dwarf that (figures in `docs/perf-results.md`). So:
//! - layer 0's input projection is folded into a `[vocab, gates]` table (`embed @ W_ihᵀ + b`), so
//!   a step starts with a row copy instead of a matmul (`layout.rs`);
//! - for LSTM and RNN, deeper layers' input and hidden projections are one pass over
//!   `[W_ih | W_hh]` (rows padded to 16 floats) against `[x ; h]`. The hidden states of all layers
//!   sit side by side in one row per stream, so `[h_{l-1} ; h_l]` is simply a slice of it;
//! - every weight row is read once per step whatever the batch: the kernel keeps a block of rows ×
//!   up to four streams in registers (AVX-512 or AVX2+FMA when the CPU has them, `x86.rs`; portable
//!   code otherwise, `kernels.rs`), chosen with [`Stepper::set_kernel`];
//! - the gate nonlinearities are fused into one pass per layer, with a vectorisable `exp`
//!   ([`fastmath`]);
//! - on two or more cores a helper thread takes half of every layer's units and half of the
//!   logits (`pool.rs`), doubling the memory bandwidth a step gets. The split is by output rows, so
//!   results are bit for bit those of one thread; if the helper is not running when a half is
//!   posted, the stepper's own thread does that half too, and when it keeps losing its core (a busy
//!   machine) steps and sequence feeds go on alone for a while (`pool::Sharing`), so two threads
//!   are not slower than one;
//! - nothing is allocated per step; the logits are written straight into the caller's buffer.
//!
//! The crate has no dependencies, so Miri can run all of it, kernels and helper thread included:
//! `cargo +nightly miri test -p tempest-step` (see the README).

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod dispatch;
pub mod fastmath;
mod kernels;
mod layout;
mod pool;
mod sequence;
mod stepper;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use kernels::Kernel;
pub use layout::{Cell, PlainLayer, PlainWeights, ShapeError, StepWeights};
pub use sequence::SEQ_CHUNK;
pub use stepper::{check_ids, RowState, StepError, Stepper};

#[cfg(test)]
mod sequence_tests;
#[cfg(test)]
mod tests;
