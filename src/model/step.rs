//! One-character-at-a-time generation for a batch of independent streams.
//!
//! A generation step multiplies ~3.2 M weights by a handful of vectors (one per stream): it is
//! bound by reading the weights, not by arithmetic. libtorch's fused `lstm`/`gru` ops cost ~10x
//! the arithmetic for one step (oneDNN set-up and weight reorders), and even hand-written `addmm`
//! cells spend most of a step in per-op dispatch and allocation, in MKL packing the weights again
//! for every small GEMM (so batch 3 costs twice batch 1), and in OpenMP hand-offs. So the step is
//! plain Rust over weights laid out once, up front:
//! - layer 0's input projection is folded into a `[vocab, gates]` table (`embed @ W_ihᵀ + b`), so
//!   a step starts with a row copy instead of a matmul;
//! - for LSTM and RNN, deeper layers' input and hidden projections are one pass over
//!   `[W_ih | W_hh]` (PyTorch's row layout, rows padded to 16 floats) against `[x ; h]`. The hidden
//!   states of all layers sit side by side in one row per stream, so `[h_{l-1} ; h_l]` is simply a
//!   slice of it and nothing is copied between layers;
//! - every weight row is read once per step whatever the batch: the kernel ([`matvec`]) keeps a
//!   block of rows × all streams in registers (AVX-512 or AVX2+FMA when the CPU has them, chosen
//!   at run time; portable code otherwise), so three panes cost little more than one;
//! - the gate nonlinearities are fused into one pass per layer, with a vectorisable `exp`;
//! - nothing is allocated per step; the logits are written straight into the caller's buffer.
//!
//! `tests/step_matches_sequence.rs` proves this agrees with libtorch's sequence forward, and
//! `tests/checkpoint_without_tch.rs` with an independent f64 reference.

use std::sync::Arc;

use tch::{Device, Kind, Tensor};

use super::{CellKind, CharRnn};
use crate::error::Result;

/// Floats per SIMD block: rows and state segments are padded to a multiple of this.
const LANES: usize = 16;

fn pad(n: usize) -> usize {
    n.div_ceil(LANES) * LANES
}

/// A float buffer aligned to 64 bytes (one cache line, one AVX-512 register).
#[derive(Clone, Default)]
struct Aligned {
    blocks: Vec<Block>,
    len: usize,
}

#[derive(Clone, Copy, Default)]
#[repr(C, align(64))]
struct Block([f32; LANES]);

impl Aligned {
    fn zeros(len: usize) -> Self {
        Aligned { blocks: vec![Block::default(); len.div_ceil(LANES)], len }
    }

    fn as_slice(&self) -> &[f32] {
        // SAFETY: `Block` is `repr(C)` over `[f32; LANES]`, so the blocks are `len` (or more)
        // contiguous, initialised floats.
        unsafe { std::slice::from_raw_parts(self.blocks.as_ptr().cast::<f32>(), self.len) }
    }

    fn as_mut_slice(&mut self) -> &mut [f32] {
        // SAFETY: as in `as_slice`, and the borrow is unique.
        unsafe { std::slice::from_raw_parts_mut(self.blocks.as_mut_ptr().cast::<f32>(), self.len) }
    }
}

/// A weight matrix for the kernel: `rows` rows of `k` floats (`k` a multiple of [`LANES`]),
/// zero-padded where the logical row is shorter.
struct Matrix {
    data: Aligned,
    rows: usize,
    k: usize,
}

impl Matrix {
    /// Lays out `parts` side by side: row `r` is `[parts[0][r], pad, parts[1][r], pad, ...]`, each
    /// part padded to a multiple of [`LANES`]. Every part is `[rows, cols]`.
    fn from_parts(parts: &[&Tensor]) -> Self {
        let rows = parts[0].size()[0] as usize;
        let cols: Vec<usize> = parts.iter().map(|p| p.size()[1] as usize).collect();
        let k: usize = cols.iter().map(|&c| pad(c)).sum();
        let mut data = Aligned::zeros(rows * k);
        let out = data.as_mut_slice();
        let mut at = 0;
        for (p, &c) in parts.iter().zip(&cols) {
            let v = to_vec(p);
            for r in 0..rows {
                out[r * k + at..r * k + at + c].copy_from_slice(&v[r * c..(r + 1) * c]);
            }
            at += pad(c);
        }
        Matrix { data, rows, k }
    }
}

fn to_vec(t: &Tensor) -> Vec<f32> {
    let t = t.detach().to_device(Device::Cpu).to_kind(Kind::Float).contiguous();
    let n = t.numel();
    let mut v = vec![0f32; n];
    t.copy_data(&mut v, n);
    v
}

/// Per-layer weights arranged for one step.
struct Layer {
    /// The GEMM on the hidden state: for LSTM/RNN layers > 0 `[W_ih | W_hh]` acting on
    /// `[h_{l-1} ; h_l]`; otherwise `W_hh` acting on `h_l`.
    w: Matrix,
    /// GRU layers > 0: `W_ih` acting on `h_{l-1}` (GRU keeps input and hidden apart).
    w_ih: Option<Matrix>,
    /// Added to `w`'s product (LSTM/RNN layers > 0: both biases summed; GRU: the hidden bias,
    /// which the candidate gate scales by `r`). Layer 0 of LSTM/RNN: empty (it is in the table).
    b: Vec<f32>,
    /// GRU layers > 0: the input bias.
    b_ih: Vec<f32>,
}

/// Everything a step reads and never writes; shared (not copied) by forks.
struct Weights {
    cell: CellKind,
    hidden: usize,
    /// `hidden` padded: the stride of one layer's segment in a state row.
    hp: usize,
    vocab: usize,
    gates: usize,
    /// `[vocab, gates]`: layer 0's input projection of each character, plus its bias (both biases
    /// for LSTM/RNN, the input bias for GRU).
    table0: Vec<f32>,
    layers: Vec<Layer>,
    head: Matrix,
    head_b: Vec<f32>,
    isa: Isa,
}

/// The recurrent state of one stream, copied out of the batch (for snapshots and branching).
#[derive(Debug, Clone, PartialEq)]
pub struct RowState {
    pub h: Vec<Vec<f32>>,
    pub c: Vec<Vec<f32>>,
}

pub struct Stepper {
    w: Arc<Weights>,
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
}

impl Stepper {
    pub(super) fn new(model: &CharRnn, batch: usize) -> Self {
        let _guard = tch::no_grad_guard();
        let spec = *model.spec();
        let (embed, rnn, head_w, head_b) = model.parts();
        let gru = spec.cell == CellKind::Gru;
        let mut layers = Vec::new();
        let mut table0 = Vec::new();
        for l in 0..spec.layers as usize {
            let (w_ih, w_hh, b_ih, b_hh) = (&rnn[4 * l], &rnn[4 * l + 1], &rnn[4 * l + 2], &rnn[4 * l + 3]);
            let both = b_ih + b_hh;
            if l == 0 {
                let b0 = if gru { b_ih } else { &both };
                table0 = to_vec(&(embed.matmul(&w_ih.tr()) + b0));
                let b = if gru { to_vec(b_hh) } else { Vec::new() };
                layers.push(Layer { w: Matrix::from_parts(&[w_hh]), w_ih: None, b, b_ih: Vec::new() });
            } else if gru {
                layers.push(Layer {
                    w: Matrix::from_parts(&[w_hh]),
                    w_ih: Some(Matrix::from_parts(&[w_ih])),
                    b: to_vec(b_hh),
                    b_ih: to_vec(b_ih),
                });
            } else {
                layers.push(Layer { w: Matrix::from_parts(&[w_ih, w_hh]), w_ih: None, b: to_vec(&both), b_ih: Vec::new() });
            }
        }
        let hidden = spec.hidden as usize;
        let w = Weights {
            cell: spec.cell,
            hidden,
            hp: pad(hidden),
            vocab: spec.vocab as usize,
            gates: spec.cell.gates() as usize * hidden,
            table0,
            layers,
            head: Matrix::from_parts(&[head_w]),
            head_b: to_vec(head_b),
            isa: Isa::detect(),
        };
        Stepper::with_weights(Arc::new(w), batch)
    }

    fn with_weights(w: Arc<Weights>, batch: usize) -> Self {
        let mut s = Stepper { w, batch: 0, h: Aligned::default(), c: Vec::new(), gates: Vec::new(), gates_in: Vec::new() };
        s.resize(batch);
        s
    }

    /// A stepper for `batch` fresh streams that shares this one's weights (no copy): for replaying
    /// one stream's text without advancing the others.
    pub fn fork(&self, batch: usize) -> Stepper {
        Stepper::with_weights(Arc::clone(&self.w), batch)
    }

    pub fn batch(&self) -> usize {
        self.batch
    }

    pub fn vocab(&self) -> usize {
        self.w.vocab
    }

    fn h_row_len(&self) -> usize {
        self.w.layers.len() * self.w.hp
    }

    fn c_row_len(&self) -> usize {
        if self.w.cell == CellKind::Lstm {
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
        self.gates_in = if self.w.cell == CellKind::Gru { vec![0.0; batch * self.w.gates] } else { Vec::new() };
        self.batch = batch;
    }

    pub fn reset_row(&mut self, row: usize) {
        let (hr, cr) = (self.h_row_len(), self.c_row_len());
        self.h.as_mut_slice()[row * hr..(row + 1) * hr].fill(0.0);
        self.c[row * cr..(row + 1) * cr].fill(0.0);
    }

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
    pub fn step(&mut self, ids: &[u32], logits: &mut Vec<f32>) -> Result<()> {
        assert_eq!(ids.len(), self.batch, "one id per stream");
        let w = &*self.w;
        if let Some(&bad) = ids.iter().find(|&&i| i as usize >= w.vocab) {
            return Err(crate::error::Error::Invalid(format!("character id {bad} is outside the vocabulary of {}", w.vocab)));
        }
        logits.resize(self.batch * w.vocab, 0.0);
        match w.isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Isa::detect` chose these only if the CPU has the features.
            Isa::Avx512 => unsafe { step_avx512(w, self.batch, ids, &mut self.h, &mut self.c, &mut self.gates, &mut self.gates_in, logits) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Isa::Avx2 => unsafe { step_avx2(w, self.batch, ids, &mut self.h, &mut self.c, &mut self.gates, &mut self.gates_in, logits) },
            Isa::Portable => step_impl(w, self.batch, ids, &mut self.h, &mut self.c, &mut self.gates, &mut self.gates_in, logits),
        }
        Ok(())
    }
}

/// Which kernel the CPU can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isa {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Portable,
}

impl Isa {
    fn detect() -> Isa {
        // TEMPEST_KERNEL=portable|avx2 forces a narrower kernel (tests and benchmarks use it).
        let forced = std::env::var("TEMPEST_KERNEL").unwrap_or_default();
        #[cfg(target_arch = "x86_64")]
        {
            if forced != "portable" && forced != "avx2" && is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if forced != "portable" && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Isa::Avx2;
            }
        }
        let _ = forced;
        Isa::Portable
    }
}

/// The name of the kernel this machine's steppers use (for benchmark reports).
pub fn kernel_name() -> &'static str {
    match Isa::detect() {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => "avx512",
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => "avx2+fma",
        Isa::Portable => "portable",
    }
}

// The whole step is compiled three times: the elementwise code is auto-vectorised for each target,
// and `matvec` picks the matching kernel.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn step_avx512(w: &Weights, b: usize, ids: &[u32], h: &mut Aligned, c: &mut [f32], g: &mut [f32], gi: &mut [f32], out: &mut [f32]) {
    step_impl(w, b, ids, h, c, g, gi, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn step_avx2(w: &Weights, b: usize, ids: &[u32], h: &mut Aligned, c: &mut [f32], g: &mut [f32], gi: &mut [f32], out: &mut [f32]) {
    step_impl(w, b, ids, h, c, g, gi, out)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn step_impl(w: &Weights, batch: usize, ids: &[u32], h: &mut Aligned, c: &mut [f32], g: &mut [f32], gi: &mut [f32], out: &mut [f32]) {
    let (hid, hp, gates) = (w.hidden, w.hp, w.gates);
    let n = w.layers.len();
    let hr = n * hp;
    let h = h.as_mut_slice();
    for (l, layer) in w.layers.iter().enumerate() {
        // Pre-activations start from the bias (or, for layer 0, the character's table row).
        for (row, gr) in g.chunks_exact_mut(gates).enumerate() {
            if l == 0 {
                let t = &w.table0[ids[row] as usize * gates..][..gates];
                if w.cell == CellKind::Gru {
                    gi[row * gates..(row + 1) * gates].copy_from_slice(t);
                    gr.copy_from_slice(&layer.b);
                } else {
                    gr.copy_from_slice(t);
                }
            } else {
                gr.copy_from_slice(&layer.b);
                if layer.w_ih.is_some() {
                    gi[row * gates..(row + 1) * gates].copy_from_slice(&layer.b_ih);
                }
            }
        }
        // The hidden (and, for LSTM/RNN layers > 0, input) projection, reading [h_{l-1} ; h_l].
        let x_at = if l == 0 || layer.w_ih.is_some() { l * hp } else { (l - 1) * hp };
        matvec(w.isa, &layer.w, &h[x_at..], hr, batch, g, gates);
        if let Some(wi) = &layer.w_ih {
            matvec(w.isa, wi, &h[(l - 1) * hp..], hr, batch, gi, gates);
        }
        for row in 0..batch {
            let hrow = &mut h[row * hr + l * hp..][..hid];
            let gr = &g[row * gates..(row + 1) * gates];
            match w.cell {
                CellKind::Lstm => {
                    let cr = &mut c[row * n * hid + l * hid..][..hid];
                    lstm_cell(gr, cr, hrow);
                }
                CellKind::Rnn => {
                    for (hv, &z) in hrow.iter_mut().zip(gr) {
                        *hv = tanh(z);
                    }
                }
                CellKind::Gru => gru_cell(&gi[row * gates..(row + 1) * gates], gr, hrow),
            }
        }
    }
    let vocab = w.vocab;
    for row in out.chunks_exact_mut(vocab) {
        row.copy_from_slice(&w.head_b);
    }
    matvec(w.isa, &w.head, &h[(n - 1) * hp..], hr, batch, out, vocab);
}

/// `c' = σ(f) c + σ(i) tanh(g)`, `h' = σ(o) tanh(c')`, gates in PyTorch order i, f, g, o.
#[inline(always)]
fn lstm_cell(gates: &[f32], c: &mut [f32], h: &mut [f32]) {
    let hid = h.len();
    let (i, rest) = gates.split_at(hid);
    let (f, rest) = rest.split_at(hid);
    let (gg, o) = rest.split_at(hid);
    for j in 0..hid {
        let cj = sigmoid(f[j]) * c[j] + sigmoid(i[j]) * tanh(gg[j]);
        c[j] = cj;
        h[j] = sigmoid(o[j]) * tanh(cj);
    }
}

/// PyTorch's GRU: `r = σ(i_r + h_r)`, `z = σ(i_z + h_z)`, `n = tanh(i_n + r h_n)`,
/// `h' = n + z (h - n)`, where `h_*` include the hidden bias.
#[inline(always)]
fn gru_cell(gi: &[f32], gh: &[f32], h: &mut [f32]) {
    let hid = h.len();
    for j in 0..hid {
        let r = sigmoid(gi[j] + gh[j]);
        let z = sigmoid(gi[hid + j] + gh[hid + j]);
        let n = tanh(gi[2 * hid + j] + r * gh[2 * hid + j]);
        h[j] = n + z * (h[j] - n);
    }
}

/// `e^x` for f32, branch-free so loops over it vectorise: Cephes' range reduction and polynomial
/// (relative error ~2e-7 over the clamped range; beyond it the result saturates, which sigmoid and
/// tanh do anyway).
#[inline(always)]
fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    // x = n ln2 + r, |r| <= ln2 / 2
    let n = (x * std::f32::consts::LOG2_E + 0.5).floor();
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5.000_000_1e-1;
    let y = p * r * r + r + 1.0;
    // Scale by 2^n through the exponent bits.
    y * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[inline(always)]
fn tanh(x: f32) -> f32 {
    // tanh x = sign(x) (1 - e) / (1 + e) with e = e^{-2|x|} ∈ (0, 1]: no overflow, absolute error
    // ~1e-7.
    let e = exp(-2.0 * x.abs());
    ((1.0 - e) / (1.0 + e)).copysign(x)
}

/// `out[b * out_stride + r] += Σ_j m[r, j] · x[b * x_stride + j]` for every row `r` of `m` and
/// every stream `b < batch`: each weight row is read once for all streams.
#[inline(always)]
fn matvec(isa: Isa, m: &Matrix, x: &[f32], x_stride: usize, batch: usize, out: &mut [f32], out_stride: usize) {
    assert!(batch == 0 || x.len() >= (batch - 1) * x_stride + m.k, "input rows are long enough");
    assert!(batch == 0 || out.len() >= (batch - 1) * out_stride + m.rows, "output rows are long enough");
    assert_eq!(m.k % LANES, 0);
    let w = m.data.as_slice();
    // Streams in groups of up to four: more would not fit the registers.
    let mut b0 = 0;
    while b0 < batch {
        let nb = (batch - b0).min(4);
        let (xs, os) = (&x[b0 * x_stride..], &mut out[b0 * out_stride..]);
        match isa {
            // SAFETY: the CPU has the features (see `Isa::detect`); the asserts above bound every
            // access the kernels make.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { x86::matvec_avx512(w, m.rows, m.k, xs, x_stride, nb, os, out_stride) },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { x86::matvec_avx2(w, m.rows, m.k, xs, x_stride, nb, os, out_stride) },
            Isa::Portable => matvec_portable(w, m.rows, m.k, xs, x_stride, nb, os, out_stride),
        }
        b0 += nb;
    }
}

#[allow(clippy::too_many_arguments)]
fn matvec_portable(w: &[f32], rows: usize, k: usize, x: &[f32], xs: usize, nb: usize, out: &mut [f32], os: usize) {
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
            out[b * os + r] += acc.iter().sum::<f32>();
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// Rows `r0..r0 + R` × streams `0..NB`, with AVX-512: per 16 columns, R weight loads feed
    /// R·NB fused multiply-adds.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn block512<const R: usize, const NB: usize>(w: *const f32, k: usize, x: *const f32, xs: usize, out: *mut f32, os: usize) {
        let mut acc = [[_mm512_setzero_ps(); NB]; R];
        let mut j = 0;
        while j < k {
            let mut xv = [_mm512_setzero_ps(); NB];
            for (b, v) in xv.iter_mut().enumerate() {
                *v = _mm512_loadu_ps(x.add(b * xs + j));
            }
            for (r, a) in acc.iter_mut().enumerate() {
                let wv = _mm512_loadu_ps(w.add(r * k + j));
                for b in 0..NB {
                    a[b] = _mm512_fmadd_ps(wv, xv[b], a[b]);
                }
            }
            j += 16;
        }
        for (r, a) in acc.iter().enumerate() {
            for (b, v) in a.iter().enumerate() {
                *out.add(b * os + r) += _mm512_reduce_add_ps(*v);
            }
        }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn hsum256(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_movehdup_ps(s));
        _mm_cvtss_f32(s)
    }

    /// As [`block512`] with 8-wide AVX2 registers (16 of them: R·NB accumulators + NB inputs + 1).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block256<const R: usize, const NB: usize>(w: *const f32, k: usize, x: *const f32, xs: usize, out: *mut f32, os: usize) {
        let mut acc = [[_mm256_setzero_ps(); NB]; R];
        let mut j = 0;
        while j < k {
            let mut xv = [_mm256_setzero_ps(); NB];
            for (b, v) in xv.iter_mut().enumerate() {
                *v = _mm256_loadu_ps(x.add(b * xs + j));
            }
            for (r, a) in acc.iter_mut().enumerate() {
                let wv = _mm256_loadu_ps(w.add(r * k + j));
                for b in 0..NB {
                    a[b] = _mm256_fmadd_ps(wv, xv[b], a[b]);
                }
            }
            j += 8;
        }
        for (r, a) in acc.iter().enumerate() {
            for (b, v) in a.iter().enumerate() {
                *out.add(b * os + r) += hsum256(*v);
            }
        }
    }

    macro_rules! rows {
        ($block:ident, $r:literal, $w:expr, $rows:expr, $k:expr, $x:expr, $xs:expr, $nb:expr, $out:expr, $os:expr) => {{
            let (w, rows, k, x, xs, out, os) = ($w, $rows, $k, $x, $xs, $out, $os);
            let mut r = 0;
            while r + $r <= rows {
                match $nb {
                    1 => $block::<$r, 1>(w.add(r * k), k, x, xs, out.add(r), os),
                    2 => $block::<$r, 2>(w.add(r * k), k, x, xs, out.add(r), os),
                    3 => $block::<$r, 3>(w.add(r * k), k, x, xs, out.add(r), os),
                    _ => $block::<$r, 4>(w.add(r * k), k, x, xs, out.add(r), os),
                }
                r += $r;
            }
            while r < rows {
                match $nb {
                    1 => $block::<1, 1>(w.add(r * k), k, x, xs, out.add(r), os),
                    2 => $block::<1, 2>(w.add(r * k), k, x, xs, out.add(r), os),
                    3 => $block::<1, 3>(w.add(r * k), k, x, xs, out.add(r), os),
                    _ => $block::<1, 4>(w.add(r * k), k, x, xs, out.add(r), os),
                }
                r += 1;
            }
        }};
    }

    /// # Safety
    /// The CPU has AVX-512F; `w` holds `rows × k` floats, `x` holds `nb` rows of `k` floats
    /// `xs` apart and `out` `nb` rows of `rows` floats `os` apart; `nb <= 4`.
    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn matvec_avx512(w: &[f32], rows: usize, k: usize, x: &[f32], xs: usize, nb: usize, out: &mut [f32], os: usize) {
        rows!(block512, 4, w.as_ptr(), rows, k, x.as_ptr(), xs, nb, out.as_mut_ptr(), os)
    }

    /// # Safety
    /// As [`matvec_avx512`], with AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn matvec_avx2(w: &[f32], rows: usize, k: usize, x: &[f32], xs: usize, nb: usize, out: &mut [f32], os: usize) {
        rows!(block256, 2, w.as_ptr(), rows, k, x.as_ptr(), xs, nb, out.as_mut_ptr(), os)
    }
}
