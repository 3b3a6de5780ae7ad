//! Feeding one stream a whole sequence (a prime) layer by layer instead of step by step.
//!
//! Stepping a sequence reads every weight once per character: the input and recurrent matrices
//! of every layer and the output head, which together do not stay in cache. Here, per chunk of
//! [`SEQ_CHUNK`] characters, each layer in turn takes the input projections of all the chunk's
//! timesteps as one batched product (each weight row read once per four timesteps), then runs
//! only its recurrence sequentially, with its `W_hh` hot in cache; the head runs once, for the
//! last position. The results are those of stepping, up to the order of float sums.
//!
//! With the stepper's helper thread, both halves of the work are split by output rows as a step's
//! are: the batched projection by gate rows, and each timestep of the recurrence by hidden units
//! (each thread computes its units' gate rows and cell). A timestep's split costs a hand-off of a
//! few hundred nanoseconds against tens of microseconds of matrix-vector work, and the results are
//! bit for bit those of one thread. That holds while the helper keeps its core: on a busy machine
//! a descheduled helper stalls a timestep for a scheduler slice, so once a chunk has had several
//! such stalls the feed carries on alone for a few chunks before trying the helper again
//! ([`Sharing`], with a chunk as its round).

use crate::fastmath::tanh;
use crate::kernels::{gru_cell, lstm_cell, matvec, split, Buf, Kernel};
use crate::layout::{Aligned, Cell, Matrix, StepWeights};
use crate::pool::{run_parts, Handoff, Helper, Sharing};

/// Characters fed through all layers between two progress reports: small enough that
/// abandoning a prime is quick, large enough that each layer's weights are reused across many
/// timesteps.
pub const SEQ_CHUNK: usize = 256;

/// `out[t * out_stride + r] += Σ_j m[r, j] · x[t * x_stride + j]` for every row of `m` and
/// `batch` inputs, the rows shared between this thread and `helper`.
///
/// # Safety
/// `kernel` is available on this CPU (see [`Kernel::is_available`]).
#[allow(clippy::too_many_arguments)]
unsafe fn product(
    kernel: Kernel,
    helper: Option<&Helper>,
    m: &Matrix,
    x: &[f32],
    x_stride: usize,
    batch: usize,
    out: &mut [f32],
    out_stride: usize,
) -> Handoff {
    let parts = if helper.is_some() { 2 } else { 1 };
    let out = OutRows(Buf::of(out));
    let job = |part: usize| {
        let (r0, r1) = split(m.rows, part, parts);
        // SAFETY: `out` is borrowed exclusively for the whole call and reached only through
        // this view; the parts write disjoint rows; `matvec` checks every bound; the caller
        // vouches for `kernel`.
        unsafe { matvec(kernel, m, r0, r1, x, x_stride, batch, out.buf(), out_stride) };
    };
    run_parts(helper, &job)
}

/// The output of a [`product`], shared by its parts.
struct OutRows(Buf);

impl OutRows {
    /// Through a method, so closures capture the `Sync` wrapper rather than the bare view.
    fn buf(&self) -> Buf {
        self.0
    }
}

// SAFETY: the parts of a product write disjoint rows of it (`split`), and `run_parts` returns only
// when both are done.
unsafe impl Sync for OutRows {}

/// The raw views of one timestep of the recurrence, so two threads can each take a share of the
/// hidden units.
struct StepViews {
    g: Buf,
    c: Buf,
    h_new: Buf,
}

// SAFETY: the parts of a timestep touch disjoint units of `g`, `c` and `h_new` (see
// `recurrence_part`), and `run_parts` returns only when both are done.
unsafe impl Sync for StepViews {}

/// Hidden units `u0..u1` of one timestep of layer `layer`: their gate rows (from `pre`, the
/// timestep's input side, and `W_hh · h`), then their cell, writing their new hidden state into
/// `v.h_new` (and, for LSTM, their cell state in place).
///
/// # Safety
/// `kernel` is available; the views are sized for one stream (`gates`, `hidden`, `hidden`
/// floats) and outlive the call; any concurrent call works on units disjoint from `u0..u1`.
#[allow(clippy::too_many_arguments)]
unsafe fn recurrence_part(
    kernel: Kernel,
    w: &StepWeights,
    layer_bias: &[f32],
    w_hh: &Matrix,
    pre: &[f32],
    h: &[f32],
    v: &StepViews,
    u0: usize,
    u1: usize,
) {
    let hid = w.hidden;
    let len = u1 - u0;
    if len == 0 {
        return;
    }
    let blocks = w.gates / hid;
    for k in 0..blocks {
        let at = k * hid + u0;
        // SAFETY: this part's units of gate block `k`; no other view of them is alive.
        let g = unsafe { v.g.get_mut(at, len) };
        // GRU adds the hidden bias inside the reset gate's product, so its recurrence starts
        // from that bias; the others start from the input side, which carries both biases.
        let from = if w.cell == Cell::Gru { layer_bias } else { pre };
        g.copy_from_slice(&from[at..at + len]);
    }
    for k in 0..blocks {
        let r0 = k * hid + u0;
        // SAFETY: rows `r0..r0 + len` of the gates are this part's, with no view of them alive;
        // the caller vouches for `kernel`.
        unsafe { matvec(kernel, w_hh, r0, r0 + len, h, w.hp, 1, v.g, w.gates) };
    }
    // SAFETY: this part's units of `g` (only read from here on), `h_new` and `c` (each written
    // through this one view).
    let gate = |k: usize| unsafe { v.g.get(k * hid + u0, len) };
    // SAFETY: as above.
    let h_new = unsafe { v.h_new.get_mut(u0, len) };
    match w.cell {
        // SAFETY: as above.
        Cell::Lstm => lstm_cell([gate(0), gate(1), gate(2), gate(3)], unsafe { v.c.get_mut(u0, len) }, h_new),
        Cell::Rnn => {
            for (hv, &z) in h_new.iter_mut().zip(gate(0)) {
                *hv = tanh(z);
            }
        }
        Cell::Gru => {
            let gi = |k: usize| &pre[k * hid + u0..][..len];
            gru_cell([gi(0), gi(1), gi(2)], [gate(0), gate(1), gate(2)], &h[u0..u1], h_new);
        }
    }
}

/// One stream's state during a sequence feed: per layer, `hp` floats of hidden state (padding
/// zero) and, for LSTM, `hidden` floats of cell state.
pub(crate) struct SeqState {
    pub(crate) h: Vec<Aligned>,
    pub(crate) c: Vec<Vec<f32>>,
}

/// Feeds `ids` (checked to be in the vocabulary) through `state`, asking `go_on(characters
/// fed)` before every chunk after the first; returns `false`, with `state` part-way, if it
/// said no. Writes the logits after the last character into `logits` (`vocab` floats) when
/// `ids` is not empty. With `helper`, every product and every timestep is shared with it.
///
/// # Safety
/// `kernel` is available on this CPU.
pub(crate) unsafe fn feed(
    kernel: Kernel,
    helper: Option<&Helper>,
    w: &StepWeights,
    state: &mut SeqState,
    ids: &[u32],
    logits: &mut Vec<f32>,
    go_on: &mut dyn FnMut(usize) -> bool,
) -> bool {
    let (hid, hp, gates) = (w.hidden, w.hp, w.gates);
    let split_w = w.split_layers();
    let mut sharing = Sharing::default();
    let chunk = ids.len().clamp(1, SEQ_CHUNK);
    // `xs`: row t holds the current layer's input at timestep t, then (overwritten in place,
    // once all inputs are projected) its output, the next layer's input.
    let mut xs = Aligned::zeros(chunk * hp);
    let mut pre = vec![0f32; chunk * gates];
    let mut g = vec![0f32; gates];
    let mut h_new = vec![0f32; hid];
    for (k, part) in ids.chunks(SEQ_CHUNK).enumerate() {
        if k > 0 && !go_on(k * SEQ_CHUNK) {
            return false;
        }
        let t_n = part.len();
        let pre = &mut pre[..t_n * gates];
        sharing.next_round();
        for (l, layer) in w.layers.iter().enumerate() {
            // The input side of every timestep at once: for LSTM/RNN it carries both biases,
            // for GRU the input bias (the hidden one goes with the recurrence, scaled by r).
            if l == 0 {
                for (row, &id) in pre.chunks_exact_mut(gates).zip(part) {
                    row.copy_from_slice(&w.table0[id as usize * gates..][..gates]);
                }
            } else {
                let (m, bias) = match (&layer.w_ih, &split_w[l]) {
                    (Some(wi), _) => (wi, &layer.b_ih),
                    (None, Some((wi, _))) => (wi, &layer.b),
                    (None, None) => unreachable!("layers above the first keep W_ih apart or fused"),
                };
                for row in pre.chunks_exact_mut(gates) {
                    row.copy_from_slice(bias);
                }
                // Not recorded: a hand-off this long is no measure of the helper's punctuality.
                // SAFETY: the caller vouches for `kernel`.
                let _ = unsafe { product(kernel, sharing.helper(helper), m, xs.as_slice(), hp, t_n, pre, gates) };
            }
            let w_hh = match &split_w[l] {
                Some((_, wh)) => wh,
                None => &layer.w,
            };
            let (h, c) = (state.h[l].as_mut_slice(), &mut state.c[l]);
            for (t, p) in pre.chunks_exact(gates).enumerate() {
                // Views for this timestep only: `h` is read by both parts and written below,
                // after both are done.
                let v = StepViews { g: Buf::of(&mut g), c: Buf::of(c), h_new: Buf::of(&mut h_new) };
                let h_read: &[f32] = h;
                let helper = sharing.helper(helper);
                let parts = if helper.is_some() { 2 } else { 1 };
                let job = |part: usize| {
                    let (u0, u1) = split(hid, part, parts);
                    // SAFETY: the views cover one stream's `g`, `c` and `h_new`, borrowed
                    // exclusively for this timestep; the parts take disjoint units; nothing
                    // writes `h` until both are done; the caller vouches for `kernel`.
                    unsafe { recurrence_part(kernel, w, &layer.b, w_hh, p, h_read, &v, u0, u1) };
                };
                sharing.record(run_parts(helper, &job));
                h[..hid].copy_from_slice(&h_new);
                xs.as_mut_slice()[t * hp..t * hp + hid].copy_from_slice(&h_new);
            }
        }
    }
    if !ids.is_empty() {
        logits.clear();
        logits.extend_from_slice(&w.head_b);
        let top = state.h[w.layers.len() - 1].as_slice();
        // SAFETY: the caller vouches for `kernel`.
        let _ = unsafe { product(kernel, sharing.helper(helper), &w.head, top, hp, 1, logits, w.vocab) };
    }
    true
}
