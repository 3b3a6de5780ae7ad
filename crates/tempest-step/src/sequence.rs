//! Feeding one stream a whole sequence (a prime) layer by layer instead of step by step.
//!
//! Stepping a sequence reads every weight once per character: the input and recurrent matrices
//! of every layer and the output head, which together do not stay in cache. Here, per chunk of
//! [`SEQ_CHUNK`] characters, each layer in turn takes the input projections of all the chunk's
//! timesteps as one batched product (each weight row read once per four timesteps), then runs
//! only its recurrence sequentially, with its `W_hh` hot in cache; the head runs once, for the
//! last position. The results are those of stepping, up to the order of float sums.

use crate::fastmath::tanh;
use crate::kernels::{gru_cell, lstm_cell, matvec, Buf, Kernel};
use crate::layout::{Aligned, Cell, Matrix, StepWeights};

/// Characters fed through all layers between two progress reports: small enough that
/// abandoning a prime is quick, large enough that each layer's weights are reused across many
/// timesteps.
pub const SEQ_CHUNK: usize = 256;

/// `out[t * out_stride + r] = Σ_j m[r, j] · x[t * x_stride + j]` added in place, for every row
/// of `m` and `batch` inputs.
///
/// # Safety
/// `kernel` is available on this CPU (see [`Kernel::is_available`]).
unsafe fn product(
    kernel: Kernel,
    m: &Matrix,
    x: &[f32],
    x_stride: usize,
    batch: usize,
    out: &mut [f32],
    out_stride: usize,
) {
    let buf = Buf::of(out);
    // SAFETY: `out` is borrowed exclusively for the whole call, so nothing else touches what
    // `buf` views; `matvec` checks every bound; the caller vouches for `kernel`.
    unsafe { matvec(kernel, m, 0, m.rows, x, x_stride, batch, buf, out_stride) };
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
/// `ids` is not empty.
///
/// # Safety
/// `kernel` is available on this CPU.
pub(crate) unsafe fn feed(
    kernel: Kernel,
    w: &StepWeights,
    state: &mut SeqState,
    ids: &[u32],
    logits: &mut Vec<f32>,
    go_on: &mut dyn FnMut(usize) -> bool,
) -> bool {
    let (hid, hp, gates) = (w.hidden, w.hp, w.gates);
    let split = w.split_layers();
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
        for (l, layer) in w.layers.iter().enumerate() {
            // The input side of every timestep at once: for LSTM/RNN it carries both biases,
            // for GRU the input bias (the hidden one goes with the recurrence, scaled by r).
            if l == 0 {
                for (row, &id) in pre.chunks_exact_mut(gates).zip(part) {
                    row.copy_from_slice(&w.table0[id as usize * gates..][..gates]);
                }
            } else {
                let (m, bias) = match (&layer.w_ih, &split[l]) {
                    (Some(wi), _) => (wi, &layer.b_ih),
                    (None, Some((wi, _))) => (wi, &layer.b),
                    (None, None) => unreachable!("layers above the first keep W_ih apart or fused"),
                };
                for row in pre.chunks_exact_mut(gates) {
                    row.copy_from_slice(bias);
                }
                // SAFETY: the caller vouches for `kernel`.
                unsafe { product(kernel, m, xs.as_slice(), hp, t_n, pre, gates) };
            }
            let w_hh = match &split[l] {
                Some((_, wh)) => wh,
                None => &layer.w,
            };
            let h = state.h[l].as_mut_slice();
            for (t, p) in pre.chunks_exact(gates).enumerate() {
                match w.cell {
                    Cell::Gru => g.copy_from_slice(&layer.b),
                    _ => g.copy_from_slice(p),
                }
                // SAFETY: the caller vouches for `kernel`.
                unsafe { product(kernel, w_hh, h, hp, 1, &mut g, gates) };
                let gate = |k: usize| &g[k * hid..(k + 1) * hid];
                match w.cell {
                    Cell::Lstm => lstm_cell([gate(0), gate(1), gate(2), gate(3)], &mut state.c[l], &mut h_new),
                    Cell::Rnn => {
                        for (hv, &z) in h_new.iter_mut().zip(gate(0)) {
                            *hv = tanh(z);
                        }
                    }
                    Cell::Gru => {
                        let gi = |k: usize| &p[k * hid..(k + 1) * hid];
                        gru_cell([gi(0), gi(1), gi(2)], [gate(0), gate(1), gate(2)], &h[..hid], &mut h_new);
                    }
                }
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
        unsafe { product(kernel, &w.head, top, hp, 1, logits, w.vocab) };
    }
    true
}
