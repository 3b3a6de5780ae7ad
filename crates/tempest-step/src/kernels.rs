//! The work of one step, per part: a layer's pre-activations, its cell, and the logits, over raw
//! views of the stepper's buffers so two threads can each take a share of the rows. The portable
//! matrix-vector kernel is here; the x86 ones are in `x86.rs`.

use std::fmt;

use crate::fastmath::{sigmoid, tanh};
use crate::layout::{Cell, Matrix, StepWeights, LANES};

/// A matrix-vector kernel the stepper can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// AVX-512F, 16 floats per register.
    Avx512,
    /// AVX2 with FMA, 8 floats per register.
    Avx2,
    /// Plain Rust that the compiler vectorises for the build target: runs anywhere, and under Miri.
    Portable,
}

impl Kernel {
    /// Every kernel, widest first.
    pub const ALL: [Kernel; 3] = [Kernel::Avx512, Kernel::Avx2, Kernel::Portable];

    /// Whether this build has the kernel and this CPU can run it. Under Miri only the portable
    /// kernel is available (Miri does not model CPU feature detection).
    pub fn is_available(self) -> bool {
        match self {
            Kernel::Portable => true,
            #[cfg(all(target_arch = "x86_64", tempest_avx512, not(miri)))]
            Kernel::Avx512 => is_x86_feature_detected!("avx512f"),
            #[cfg(all(target_arch = "x86_64", not(miri)))]
            Kernel::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The widest kernel available: what a new stepper runs.
    pub fn best() -> Kernel {
        Kernel::ALL.into_iter().find(|k| k.is_available()).unwrap_or(Kernel::Portable)
    }

    /// The kernels available here, widest first.
    pub fn available() -> Vec<Kernel> {
        Kernel::ALL.into_iter().filter(|k| k.is_available()).collect()
    }

    /// A short name for reports: `avx512`, `avx2+fma` or `portable`.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Avx512 => "avx512",
            Kernel::Avx2 => "avx2+fma",
            Kernel::Portable => "portable",
        }
    }

    pub(crate) fn code(self) -> u8 {
        self as u8 + 1
    }

    pub(crate) fn from_code(c: u8) -> Option<Kernel> {
        Kernel::ALL.into_iter().find(|k| k.code() == c)
    }
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `[0, n)` in `parts` pieces (1 or 2), the first ending on a multiple of 4 (the kernel's row
/// block).
pub(crate) fn split(n: usize, part: usize, parts: usize) -> (usize, usize) {
    if parts == 1 {
        return (0, n);
    }
    let mid = ((n / 2).div_ceil(4) * 4).min(n);
    if part == 0 {
        (0, mid)
    } else {
        (mid, n)
    }
}

/// A raw view of one of the stepper's buffers, so two threads can write disjoint parts of it.
///
/// All views of a step are made once, before the step's first part runs, and every access until
/// the step ends (including the copy-back between layers) goes through them: touching the owning
/// buffer meanwhile would invalidate them under Rust's aliasing rules.
#[derive(Clone, Copy)]
pub(crate) struct Buf {
    ptr: *mut f32,
    len: usize,
}

impl Buf {
    pub(crate) fn of(v: &mut [f32]) -> Buf {
        Buf { ptr: v.as_mut_ptr(), len: v.len() }
    }

    /// # Safety
    /// The buffer outlives the returned slice, and no one writes `at..at + len` meanwhile.
    pub(crate) unsafe fn get(&self, at: usize, len: usize) -> &[f32] {
        assert!(at + len <= self.len, "read inside the buffer");
        // SAFETY: in bounds (asserted); the caller rules out writers.
        unsafe { std::slice::from_raw_parts(self.ptr.add(at), len) }
    }

    /// # Safety
    /// The buffer outlives the returned slice, and no one else reads or writes `at..at + len`
    /// meanwhile.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn get_mut(&self, at: usize, len: usize) -> &mut [f32] {
        assert!(at + len <= self.len, "write inside the buffer");
        // SAFETY: in bounds (asserted); the caller rules out any other access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(at), len) }
    }
}

/// The buffers of one step.
pub(crate) struct Bufs {
    /// `[batch, layers * hp]`, only read during a layer.
    pub(crate) h: Buf,
    pub(crate) c: Buf,
    pub(crate) g: Buf,
    pub(crate) gi: Buf,
    pub(crate) h_new: Buf,
    pub(crate) out: Buf,
}

// SAFETY: the two threads of a step only touch disjoint parts of the buffers (see `layer_part`
// and `head_part`), and the step waits for the helper before it uses them again.
unsafe impl Sync for Bufs {}

/// Layer `l` for hidden units `u0..u1` of every stream: their gate rows' pre-activations (bias or
/// table row, plus the GEMMs), then the cell, writing the new hidden state of those units into
/// `h_new` (and, for LSTM, their cell state in place). Returns `kernel`.
///
/// # Safety
/// The buffers are sized for `batch` streams and outlive the call; `ids` are below the vocabulary;
/// `kernel` is available; nothing writes `h` meanwhile, and any concurrent call works on units
/// disjoint from `u0..u1`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn layer_part(
    kernel: Kernel,
    w: &StepWeights,
    l: usize,
    batch: usize,
    ids: &[u32],
    b: &Bufs,
    u0: usize,
    u1: usize,
) -> Kernel {
    let (hid, hp, gates) = (w.hidden, w.hp, w.gates);
    let n = w.layers.len();
    let hr = n * hp;
    let layer = &w.layers[l];
    let len = u1 - u0;
    if len == 0 {
        return kernel;
    }
    let gru = w.cell == Cell::Gru;
    let blocks = gates / hid;
    // Pre-activations start from the bias (or, for layer 0, the character's table row). Every
    // view below covers only this part's units of one stream's gates.
    for (row, &id) in ids.iter().enumerate().take(batch) {
        for k in 0..blocks {
            let at = row * gates + k * hid + u0;
            let bias_at = k * hid + u0;
            // SAFETY: this part's units; no other view of them is alive.
            let g = unsafe { b.g.get_mut(at, len) };
            if l == 0 {
                let t = &w.table0[id as usize * gates + bias_at..][..len];
                if gru {
                    // SAFETY: as `g`, in the input-side gates.
                    unsafe { b.gi.get_mut(at, len) }.copy_from_slice(t);
                    g.copy_from_slice(&layer.b[bias_at..bias_at + len]);
                } else {
                    g.copy_from_slice(t);
                }
            } else {
                g.copy_from_slice(&layer.b[bias_at..bias_at + len]);
                if layer.w_ih.is_some() {
                    // SAFETY: as `g`, in the input-side gates.
                    unsafe { b.gi.get_mut(at, len) }.copy_from_slice(&layer.b_ih[bias_at..bias_at + len]);
                }
            }
        }
    }
    // The hidden (and, for LSTM/RNN layers > 0, input) projection, reading [h_{l-1} ; h_l].
    // SAFETY: no one writes `h` during a layer (the caller's contract).
    let h = unsafe { b.h.get(0, batch * hr) };
    let x_at = if l == 0 || layer.w_ih.is_some() { l * hp } else { (l - 1) * hp };
    for k in 0..blocks {
        let r0 = k * hid + u0;
        // SAFETY: rows `r0..r0 + len` of every stream's gates are this part's, and no view of
        // them is alive.
        unsafe { matvec(kernel, &layer.w, r0, r0 + len, &h[x_at..], hr, batch, b.g, gates) };
        if let Some(wi) = &layer.w_ih {
            // SAFETY: as above, in the input-side gates.
            unsafe { matvec(kernel, wi, r0, r0 + len, &h[(l - 1) * hp..], hr, batch, b.gi, gates) };
        }
    }
    for row in 0..batch {
        // SAFETY: this part's units of `h_new`, `g`, `gi` and `c`: disjoint from the other part's,
        // and only read (`g`, `gi`) or only written through one view (`h_new`, `c`).
        let h_new = unsafe { b.h_new.get_mut(row * hid + u0, len) };
        let gate = |k: usize| unsafe { b.g.get(row * gates + k * hid + u0, len) };
        match w.cell {
            Cell::Lstm => {
                // SAFETY: as `h_new`.
                let c = unsafe { b.c.get_mut(row * n * hid + l * hid + u0, len) };
                lstm_cell([gate(0), gate(1), gate(2), gate(3)], c, h_new);
            }
            Cell::Rnn => {
                for (hv, &z) in h_new.iter_mut().zip(gate(0)) {
                    *hv = tanh(z);
                }
            }
            Cell::Gru => {
                // SAFETY: as `gate`.
                let gi = |k: usize| unsafe { b.gi.get(row * gates + k * hid + u0, len) };
                let h_old = &h[row * hr + l * hp + u0..][..len];
                gru_cell([gi(0), gi(1), gi(2)], [gate(0), gate(1), gate(2)], h_old, h_new);
            }
        }
    }
    kernel
}

/// Logit rows `r0..r1` of every stream. Returns `kernel`.
///
/// # Safety
/// As [`layer_part`], for rows of the logits.
#[inline(always)]
pub(crate) unsafe fn head_part(
    kernel: Kernel,
    w: &StepWeights,
    batch: usize,
    b: &Bufs,
    r0: usize,
    r1: usize,
) -> Kernel {
    let (hp, vocab) = (w.hp, w.vocab);
    let n = w.layers.len();
    let hr = n * hp;
    if r1 == r0 {
        return kernel;
    }
    for row in 0..batch {
        // SAFETY: this part's logit rows; no other view of them is alive.
        unsafe { b.out.get_mut(row * vocab + r0, r1 - r0) }.copy_from_slice(&w.head_b[r0..r1]);
    }
    // SAFETY: no one writes `h` while the logits are computed.
    let h = unsafe { b.h.get(0, batch * hr) };
    // SAFETY: this part's logit rows, with no view of them alive.
    unsafe { matvec(kernel, &w.head, r0, r1, &h[(n - 1) * hp..], hr, batch, b.out, vocab) };
    kernel
}

/// `c' = σ(f) c + σ(i) tanh(g)`, `h' = σ(o) tanh(c')`, gates in PyTorch order i, f, g, o.
#[inline(always)]
pub(crate) fn lstm_cell(gates: [&[f32]; 4], c: &mut [f32], h: &mut [f32]) {
    let [i, f, g, o] = gates;
    let n = h.len();
    let (i, f, g, o, c) = (&i[..n], &f[..n], &g[..n], &o[..n], &mut c[..n]);
    for j in 0..n {
        let cj = sigmoid(f[j]) * c[j] + sigmoid(i[j]) * tanh(g[j]);
        c[j] = cj;
        h[j] = sigmoid(o[j]) * tanh(cj);
    }
}

/// PyTorch's GRU: `r = σ(i_r + h_r)`, `z = σ(i_z + h_z)`, `n = tanh(i_n + r h_n)`,
/// `h' = n + z (h - n)`, where `h_*` include the hidden bias.
#[inline(always)]
pub(crate) fn gru_cell(gi: [&[f32]; 3], gh: [&[f32]; 3], h_old: &[f32], h: &mut [f32]) {
    let n = h.len();
    let h_old = &h_old[..n];
    for j in 0..n {
        let r = sigmoid(gi[0][j] + gh[0][j]);
        let z = sigmoid(gi[1][j] + gh[1][j]);
        let c = tanh(gi[2][j] + r * gh[2][j]);
        h[j] = c + z * (h_old[j] - c);
    }
}

/// `out[b * out_stride + r] += Σ_j m[r, j] · x[b * x_stride + j]` for rows `r0 <= r < r1` of `m`
/// and every stream `b < batch`: each weight row is read once for all streams.
///
/// # Safety
/// `kernel` is available; `out` outlives the call and nothing else reads or writes those
/// elements of it meanwhile (bounds are checked here).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn matvec(
    kernel: Kernel,
    m: &Matrix,
    r0: usize,
    r1: usize,
    x: &[f32],
    x_stride: usize,
    batch: usize,
    out: Buf,
    out_stride: usize,
) {
    assert!(r0 <= r1 && r1 <= m.rows, "rows inside the matrix");
    assert!(batch == 0 || x.len() >= (batch - 1) * x_stride + m.k, "input rows are long enough");
    assert!(batch == 0 || out.len >= (batch - 1) * out_stride + r1, "output rows are long enough");
    assert_eq!(m.k % LANES, 0);
    let rows = r1 - r0;
    let w = &m.data.as_slice()[r0 * m.k..r1 * m.k];
    // Streams in groups of up to four: more would not fit the registers.
    let mut b0 = 0;
    while b0 < batch {
        let nb = (batch - b0).min(4);
        let xs = &x[b0 * x_stride..];
        // SAFETY: in bounds by the asserts above.
        let os = unsafe { out.ptr.add(b0 * out_stride + r0) };
        match kernel {
            #[cfg(all(target_arch = "x86_64", tempest_avx512))]
            // SAFETY: the CPU has the features (the caller's contract); the asserts above bound
            // every access the kernel makes, and the caller owns those outputs.
            Kernel::Avx512 => unsafe { crate::x86::matvec_avx512(w, rows, m.k, xs, x_stride, nb, os, out_stride) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Kernel::Avx2 => unsafe { crate::x86::matvec_avx2(w, rows, m.k, xs, x_stride, nb, os, out_stride) },
            // SAFETY: as above.
            _ => unsafe { matvec_portable(w, rows, m.k, xs, x_stride, nb, os, out_stride) },
        }
        b0 += nb;
    }
}

/// # Safety
/// `out` holds `nb` rows of `rows` floats, `os` apart, that no one else touches meanwhile; `w`
/// holds `rows × k` floats and `x` `nb` rows of `k` floats `xs` apart.
#[allow(clippy::too_many_arguments)]
unsafe fn matvec_portable(w: &[f32], rows: usize, k: usize, x: &[f32], xs: usize, nb: usize, out: *mut f32, os: usize) {
    for r in 0..rows {
        let wr = &w[r * k..(r + 1) * k];
        for b in 0..nb {
            let xr = &x[b * xs..b * xs + k];
            let mut acc = [0f32; 8];
            for (wc, xc) in wr.chunks_exact(8).zip(xr.chunks_exact(8)) {
                for l in 0..8 {
                    acc[l] += wc[l] * xc[l];
                }
            }
            // SAFETY: inside the caller's output rows.
            unsafe { *out.add(b * os + r) += acc.iter().sum::<f32>() };
        }
    }
}
