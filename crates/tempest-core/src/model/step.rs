//! One-character-at-a-time generation for a batch of independent streams.
//!
//! A generation step multiplies ~3.2 M weights (12.6 MB for the bundled model) by a handful of
//! vectors, one per stream: it is bound by reading the weights from memory, not by arithmetic (one
//! core of the reference machine streams ~26 GB/s, i.e. ~0.48 ms per step). libtorch's fused
//! `lstm`/`gru` ops cost ~10x that for one step (oneDNN set-up and weight reorders), and
//! hand-written `addmm` cells add per-op dispatch, allocation, MKL's packing for small GEMMs (batch
//! 3 cost 1.4x batch 1) and OpenMP hand-offs on top. So the step is plain Rust over weights laid
//! out once, up front:
//! - layer 0's input projection is folded into a `[vocab, gates]` table (`embed @ W_ihᵀ + b`), so
//!   a step starts with a row copy instead of a matmul;
//! - for LSTM and RNN, deeper layers' input and hidden projections are one pass over
//!   `[W_ih | W_hh]` (PyTorch's row layout, rows padded to 16 floats) against `[x ; h]`. The hidden
//!   states of all layers sit side by side in one row per stream, so `[h_{l-1} ; h_l]` is simply a
//!   slice of it and nothing is copied between layers;
//! - every weight row is read once per step whatever the batch: the kernel ([`matvec`]) keeps a
//!   block of rows × all streams in registers (AVX-512 or AVX2+FMA when the CPU has them, chosen
//!   at run time; portable code otherwise), so three panes cost little more than one;
//! - the gate nonlinearities are fused into one pass per layer, with a vectorisable `exp`
//!   ([`crate::fastmath`]);
//! - on two or more cores a helper thread takes half of every layer's units and half of the
//!   logits, doubling the memory bandwidth a step gets (0.49 → 0.24 ms at batch 1, 0.58 → 0.27 ms
//!   at batch 3 on the reference machine). The split is by output rows, so results are bit for bit
//!   those of one thread; if the helper is not running when a half is posted (asleep, or its core
//!   is busy) the stepper's own thread does that half too, so two threads are never slower;
//! - nothing is allocated per step; the logits are written straight into the caller's buffer.
//!
//! `tests/step_matches_sequence.rs` proves this agrees with libtorch's sequence forward, and
//! `tests/checkpoint_without_tch.rs` with an independent f64 reference.

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tch::{Device, Kind, Tensor};

use super::{CellKind, CharRnn};
use crate::error::Result;
use crate::fastmath::{sigmoid, tanh};

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
    /// `[batch, hidden]`: the current layer's new hidden state. It is copied into `h` once both
    /// halves of the layer are done, since the other half's GEMM still reads the old one.
    h_new: Vec<f32>,
    /// The second thread of a step, if it has one (see [`Stepper::set_threads`]).
    helper: Option<Helper>,
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
                layers.push(Layer {
                    w: Matrix::from_parts(&[w_ih, w_hh]),
                    w_ih: None,
                    b: to_vec(&both),
                    b_ih: Vec::new(),
                });
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
        let mut s = Stepper {
            w,
            batch: 0,
            h: Aligned::default(),
            c: Vec::new(),
            gates: Vec::new(),
            gates_in: Vec::new(),
            h_new: Vec::new(),
            helper: None,
        };
        s.resize(batch);
        s.set_threads(s.default_threads());
        s
    }

    /// Two threads when the machine has two cores and the model is big enough for the split to
    /// pay (a step is bound by memory bandwidth, which one core cannot use up); one otherwise.
    /// `TEMPEST_STEP_THREADS=1|2` overrides it.
    fn default_threads(&self) -> usize {
        if let Some(n) = std::env::var("TEMPEST_STEP_THREADS").ok().and_then(|v| v.parse::<usize>().ok()) {
            return n.clamp(1, 2);
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let weights: usize =
            self.w.layers.iter().map(|l| l.w.rows * l.w.k + l.w_ih.as_ref().map_or(0, |m| m.rows * m.k)).sum();
        if cores >= 2 && weights >= 1 << 18 {
            2
        } else {
            1
        }
    }

    /// Runs each step on `threads` threads (1 or 2): with 2, a helper thread computes half of
    /// every layer's units and half of the logits. The results are bit-for-bit the same either
    /// way. The helper spins briefly between steps and otherwise sleeps, so an idle stepper costs
    /// nothing.
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
        self.h_new = vec![0.0; batch * self.w.hidden];
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
        self.advance(ids)?;
        self.logits(logits);
        Ok(())
    }

    /// Feeds `ids` to every stream, one after another, and writes the logits that follow the
    /// last one. The same numbers as calling [`Stepper::step`] for each id (bit for bit), but the
    /// output layer runs once instead of per character. Every `chunk` ids `go_on(done)` is asked
    /// whether to carry on; when it says no, the streams stay part-way through (the caller resets
    /// them) and `Ok(false)` is returned.
    pub fn feed(
        &mut self,
        ids: &[u32],
        logits: &mut Vec<f32>,
        chunk: usize,
        go_on: &mut dyn FnMut(usize) -> bool,
    ) -> Result<bool> {
        let batch_ids = |id: u32| vec![id; self.batch];
        let mut row = batch_ids(0);
        for (k, part) in ids.chunks(chunk.max(1)).enumerate() {
            if k > 0 && !go_on(k * chunk.max(1)) {
                return Ok(false);
            }
            for &id in part {
                row.fill(id);
                self.advance(&row)?;
            }
        }
        self.logits(logits);
        Ok(true)
    }

    /// Advances every stream's recurrent state by one id each, without the output layer.
    fn advance(&mut self, ids: &[u32]) -> Result<()> {
        assert_eq!(ids.len(), self.batch, "one id per stream");
        // A counted handle, so the buffers below can be borrowed mutably alongside.
        let weights = Arc::clone(&self.w);
        let w = &*weights;
        if let Some(&bad) = ids.iter().find(|&&i| i as usize >= w.vocab) {
            return Err(crate::error::Error::Invalid(format!(
                "character id {bad} is outside the vocabulary of {}",
                w.vocab
            )));
        }
        let batch = self.batch;
        let parts = self.threads();
        let (hid, hp, n) = (w.hidden, w.hp, w.layers.len());
        let bufs = self.bufs(&mut []);
        for l in 0..n {
            let job = |part: usize| {
                let (u0, u1) = split(hid, part, parts);
                // SAFETY: `bufs` points at this stepper's buffers, sized by `resize` for `batch`;
                // the parts write disjoint units (see `layer_part`).
                unsafe { dispatch_layer(w, l, batch, ids, &bufs, u0, u1) }
            };
            run_parts(self.helper.as_ref(), &job);
            let (h, h_new) = (self.h.as_mut_slice(), &self.h_new);
            for row in 0..batch {
                h[row * n * hp + l * hp..][..hid].copy_from_slice(&h_new[row * hid..(row + 1) * hid]);
            }
        }
        Ok(())
    }

    /// The next-character logits of every stream from its current state, `batch × vocab`.
    fn logits(&mut self, logits: &mut Vec<f32>) {
        let weights = Arc::clone(&self.w);
        let (w, batch, parts) = (&*weights, self.batch, self.threads());
        logits.resize(batch * w.vocab, 0.0);
        let bufs = self.bufs(logits);
        let job = |part: usize| {
            let (r0, r1) = split(w.vocab, part, parts);
            // SAFETY: as in `advance`; the parts write disjoint rows of the logits.
            unsafe { dispatch_head(w, batch, &bufs, r0, r1) }
        };
        run_parts(self.helper.as_ref(), &job);
    }

    fn bufs(&mut self, out: &mut [f32]) -> Bufs {
        Bufs {
            h: Buf::of(self.h.as_mut_slice()),
            c: Buf::of(&mut self.c),
            g: Buf::of(&mut self.gates),
            gi: Buf::of(&mut self.gates_in),
            h_new: Buf::of(&mut self.h_new),
            out: Buf::of(out),
        }
    }
}

/// `[0, n)` in `parts` pieces (1 or 2), the first ending on a multiple of 4 (the kernel's row
/// block).
fn split(n: usize, part: usize, parts: usize) -> (usize, usize) {
    if parts == 1 {
        return (0, n);
    }
    let mid = (n / 2).div_ceil(4) * 4;
    let mid = mid.min(n);
    if part == 0 {
        (0, mid)
    } else {
        (mid, n)
    }
}

/// A raw view of one of the stepper's buffers, so two threads can write disjoint parts of it.
#[derive(Clone, Copy)]
struct Buf {
    ptr: *mut f32,
    len: usize,
}

impl Buf {
    fn of(v: &mut [f32]) -> Buf {
        Buf { ptr: v.as_mut_ptr(), len: v.len() }
    }

    /// # Safety
    /// `at..at + len` is inside the buffer and no one writes it meanwhile.
    unsafe fn get(&self, at: usize, len: usize) -> &[f32] {
        assert!(at + len <= self.len, "read inside the buffer");
        std::slice::from_raw_parts(self.ptr.add(at), len)
    }

    /// # Safety
    /// `at..at + len` is inside the buffer and no one else reads or writes it meanwhile.
    #[allow(clippy::mut_from_ref)]
    unsafe fn get_mut(&self, at: usize, len: usize) -> &mut [f32] {
        assert!(at + len <= self.len, "write inside the buffer");
        std::slice::from_raw_parts_mut(self.ptr.add(at), len)
    }
}

/// The buffers of one step.
struct Bufs {
    /// `[batch, layers * hp]`, only read during a layer.
    h: Buf,
    c: Buf,
    g: Buf,
    gi: Buf,
    h_new: Buf,
    out: Buf,
}

// SAFETY: the two threads of a step only touch disjoint parts of the buffers (see `layer_part`
// and `head_part`), and the step waits for the helper before it uses them again.
unsafe impl Sync for Bufs {}

/// Which kernel the CPU can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isa {
    #[cfg(all(target_arch = "x86_64", tempest_avx512))]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Portable,
}

impl Isa {
    fn detect() -> Isa {
        // TEMPEST_KERNEL=portable|avx2 forces a narrower kernel (tests and benchmarks use it).
        let forced = std::env::var("TEMPEST_KERNEL").unwrap_or_default();
        // The AVX-512 kernel needs Rust 1.89 (build.rs sets `tempest_avx512` when it is there).
        #[cfg(all(target_arch = "x86_64", tempest_avx512))]
        if forced != "portable" && forced != "avx2" && is_x86_feature_detected!("avx512f") {
            return Isa::Avx512;
        }
        #[cfg(target_arch = "x86_64")]
        if forced != "portable" && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Isa::Avx2;
        }
        let _ = forced;
        Isa::Portable
    }
}

/// The name of the kernel this machine's steppers use (for benchmark reports).
pub fn kernel_name() -> &'static str {
    match Isa::detect() {
        #[cfg(all(target_arch = "x86_64", tempest_avx512))]
        Isa::Avx512 => "avx512",
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => "avx2+fma",
        Isa::Portable => "portable",
    }
}

// The per-part work is compiled three times: the elementwise code is auto-vectorised for each
// target, and `matvec` picks the matching kernel.
#[cfg(all(target_arch = "x86_64", tempest_avx512))]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn layer_avx512(w: &Weights, l: usize, batch: usize, ids: &[u32], b: &Bufs, u0: usize, u1: usize) {
    layer_part(w, l, batch, ids, b, u0, u1)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn layer_avx2(w: &Weights, l: usize, batch: usize, ids: &[u32], b: &Bufs, u0: usize, u1: usize) {
    layer_part(w, l, batch, ids, b, u0, u1)
}

/// # Safety
/// As [`layer_part`].
#[allow(clippy::too_many_arguments)]
unsafe fn dispatch_layer(w: &Weights, l: usize, batch: usize, ids: &[u32], b: &Bufs, u0: usize, u1: usize) {
    match w.isa {
        #[cfg(all(target_arch = "x86_64", tempest_avx512))]
        Isa::Avx512 => layer_avx512(w, l, batch, ids, b, u0, u1),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => layer_avx2(w, l, batch, ids, b, u0, u1),
        Isa::Portable => layer_part(w, l, batch, ids, b, u0, u1),
    }
}

#[cfg(all(target_arch = "x86_64", tempest_avx512))]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
unsafe fn head_avx512(w: &Weights, batch: usize, b: &Bufs, r0: usize, r1: usize) {
    head_part(w, batch, b, r0, r1)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn head_avx2(w: &Weights, batch: usize, b: &Bufs, r0: usize, r1: usize) {
    head_part(w, batch, b, r0, r1)
}

/// # Safety
/// As [`head_part`].
unsafe fn dispatch_head(w: &Weights, batch: usize, b: &Bufs, r0: usize, r1: usize) {
    match w.isa {
        #[cfg(all(target_arch = "x86_64", tempest_avx512))]
        Isa::Avx512 => head_avx512(w, batch, b, r0, r1),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => head_avx2(w, batch, b, r0, r1),
        Isa::Portable => head_part(w, batch, b, r0, r1),
    }
}

/// Layer `l` for hidden units `u0..u1` of every stream: their gate rows' pre-activations (bias or
/// table row, plus the GEMMs), then the cell, writing the new hidden state of those units into
/// `h_new` (and, for LSTM, their cell state in place).
///
/// # Safety
/// The buffers are sized for `batch` streams; nothing writes `h` meanwhile, and any concurrent
/// call works on units disjoint from `u0..u1`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn layer_part(w: &Weights, l: usize, batch: usize, ids: &[u32], b: &Bufs, u0: usize, u1: usize) {
    let (hid, hp, gates) = (w.hidden, w.hp, w.gates);
    let n = w.layers.len();
    let hr = n * hp;
    let layer = &w.layers[l];
    let len = u1 - u0;
    if len == 0 {
        return;
    }
    let gru = w.cell == CellKind::Gru;
    let blocks = gates / hid;
    // Pre-activations start from the bias (or, for layer 0, the character's table row).
    for (row, &id) in ids.iter().enumerate().take(batch) {
        for k in 0..blocks {
            let at = k * hid + u0;
            let g = b.g.get_mut(row * gates + at, len);
            if l == 0 {
                let t = &w.table0[id as usize * gates + at..][..len];
                if gru {
                    b.gi.get_mut(row * gates + at, len).copy_from_slice(t);
                    g.copy_from_slice(&layer.b[at..at + len]);
                } else {
                    g.copy_from_slice(t);
                }
            } else {
                g.copy_from_slice(&layer.b[at..at + len]);
                if layer.w_ih.is_some() {
                    b.gi.get_mut(row * gates + at, len).copy_from_slice(&layer.b_ih[at..at + len]);
                }
            }
        }
    }
    // The hidden (and, for LSTM/RNN layers > 0, input) projection, reading [h_{l-1} ; h_l].
    let h = b.h.get(0, batch * hr);
    let x_at = if l == 0 || layer.w_ih.is_some() { l * hp } else { (l - 1) * hp };
    for k in 0..blocks {
        let r0 = k * hid + u0;
        matvec(w.isa, &layer.w, r0, r0 + len, &h[x_at..], hr, batch, b.g, gates);
        if let Some(wi) = &layer.w_ih {
            matvec(w.isa, wi, r0, r0 + len, &h[(l - 1) * hp..], hr, batch, b.gi, gates);
        }
    }
    for row in 0..batch {
        let h_new = b.h_new.get_mut(row * hid + u0, len);
        let gate = |k: usize| b.g.get(row * gates + k * hid + u0, len);
        match w.cell {
            CellKind::Lstm => {
                let c = b.c.get_mut(row * n * hid + l * hid + u0, len);
                lstm_cell([gate(0), gate(1), gate(2), gate(3)], c, h_new);
            }
            CellKind::Rnn => {
                for (hv, &z) in h_new.iter_mut().zip(gate(0)) {
                    *hv = tanh(z);
                }
            }
            CellKind::Gru => {
                let gi = |k: usize| b.gi.get(row * gates + k * hid + u0, len);
                let h_old = &h[row * hr + l * hp + u0..][..len];
                gru_cell([gi(0), gi(1), gi(2)], [gate(0), gate(1), gate(2)], h_old, h_new);
            }
        }
    }
}

/// Logit rows `r0..r1` of every stream.
///
/// # Safety
/// As [`layer_part`], for rows of the logits.
#[inline(always)]
unsafe fn head_part(w: &Weights, batch: usize, b: &Bufs, r0: usize, r1: usize) {
    let (hp, vocab) = (w.hp, w.vocab);
    let n = w.layers.len();
    let hr = n * hp;
    if r1 == r0 {
        return;
    }
    for row in 0..batch {
        b.out.get_mut(row * vocab + r0, r1 - r0).copy_from_slice(&w.head_b[r0..r1]);
    }
    let h = b.h.get(0, batch * hr);
    matvec(w.isa, &w.head, r0, r1, &h[(n - 1) * hp..], hr, batch, b.out, vocab);
}

/// Runs `job(0)` here and, with a helper, `job(1)` on it at the same time; returns when both are
/// done. A panic in either part is re-raised here, after both have finished.
fn run_parts(helper: Option<&Helper>, job: &(dyn Fn(usize) + Sync)) {
    let Some(helper) = helper else {
        return job(0);
    };
    let other = || job(1);
    let other: &(dyn Fn() + Sync) = &other;
    // SAFETY: the helper calls the job only before it marks this epoch done, and this function
    // does not return (or unwind) before that, so the borrow outlives every use.
    let other: *const (dyn Fn() + Sync + 'static) = unsafe { std::mem::transmute(other as *const (dyn Fn() + Sync)) };
    let sh = &helper.shared;
    // SAFETY: the helper reads the slot only after seeing the epoch below, and it is idle now.
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
        return;
    }
    let mut spins = 0u32;
    while sh.done.load(Ordering::Acquire) != epoch {
        if spins < 1 << 14 {
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
}

/// The second thread of a stepper.
struct Helper {
    shared: Arc<HelperShared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct HelperShared {
    /// Jobs posted; the last one claimed (by the helper, or taken back by the stepper's thread);
    /// the last one the helper finished.
    epoch: AtomicU64,
    claimed: AtomicU64,
    done: AtomicU64,
    job: UnsafeCell<Option<*const (dyn Fn() + Sync)>>,
    sleeping: AtomicBool,
    quit: AtomicBool,
    failed: AtomicBool,
}

// SAFETY: `job` is written only while the helper is idle (before `epoch` is bumped) and read only
// by the helper after it sees the new epoch; the rest are atomics.
unsafe impl Sync for HelperShared {}
unsafe impl Send for HelperShared {}

/// How long the helper spins for the next job before it sleeps: longer than the gap between two
/// steps at full speed (sampling three panes), far shorter than any human-visible pause.
const HELPER_SPIN: Duration = Duration::from_micros(300);

impl Helper {
    fn spawn() -> Option<Helper> {
        let shared = Arc::new(HelperShared {
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

fn helper_loop(sh: &HelperShared) {
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
            if spins % 64 == 0 && idle_since.elapsed() > HELPER_SPIN {
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
        // SAFETY: posted before the epoch was bumped; alive until `done` reaches it, since the
        // stepper's thread waits for that once we have claimed it.
        let job = unsafe { (*sh.job.get()).expect("a job is posted with its epoch") };
        if catch_unwind(AssertUnwindSafe(|| unsafe { (*job)() })).is_err() {
            sh.failed.store(true, Ordering::Release);
        }
        sh.done.store(epoch, Ordering::Release);
    }
}

/// `c' = σ(f) c + σ(i) tanh(g)`, `h' = σ(o) tanh(c')`, gates in PyTorch order i, f, g, o.
#[inline(always)]
fn lstm_cell(gates: [&[f32]; 4], c: &mut [f32], h: &mut [f32]) {
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
fn gru_cell(gi: [&[f32]; 3], gh: [&[f32]; 3], h_old: &[f32], h: &mut [f32]) {
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
/// Nothing else reads or writes those elements of `out` meanwhile.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn matvec(
    isa: Isa,
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
        let os = out.ptr.add(b0 * out_stride + r0);
        match isa {
            // SAFETY: the CPU has the features (see `Isa::detect`); the asserts above bound every
            // access the kernels make.
            #[cfg(all(target_arch = "x86_64", tempest_avx512))]
            Isa::Avx512 => x86::matvec_avx512(w, rows, m.k, xs, x_stride, nb, os, out_stride),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => x86::matvec_avx2(w, rows, m.k, xs, x_stride, nb, os, out_stride),
            Isa::Portable => matvec_portable(w, rows, m.k, xs, x_stride, nb, os, out_stride),
        }
        b0 += nb;
    }
}

/// # Safety
/// `out` holds `nb` rows of `rows` floats, `os` apart.
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
            *out.add(b * os + r) += acc.iter().sum::<f32>();
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    #[cfg(tempest_avx512)]
    /// Rows `r0..r0 + R` × streams `0..NB`, with AVX-512: per 16 columns, R weight loads feed
    /// R·NB fused multiply-adds.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn block512<const R: usize, const NB: usize>(
        w: *const f32,
        k: usize,
        x: *const f32,
        xs: usize,
        out: *mut f32,
        os: usize,
    ) {
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

    /// As `block512`, with 8-wide AVX2 registers (16 of them: R·NB accumulators + NB inputs + 1).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block256<const R: usize, const NB: usize>(
        w: *const f32,
        k: usize,
        x: *const f32,
        xs: usize,
        out: *mut f32,
        os: usize,
    ) {
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

    #[cfg(tempest_avx512)]
    /// # Safety
    /// The CPU has AVX-512F; `w` holds `rows × k` floats, `x` holds `nb` rows of `k` floats
    /// `xs` apart and `out` `nb` rows of `rows` floats `os` apart; `nb <= 4`.
    #[target_feature(enable = "avx512f")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn matvec_avx512(
        w: &[f32],
        rows: usize,
        k: usize,
        x: &[f32],
        xs: usize,
        nb: usize,
        out: *mut f32,
        os: usize,
    ) {
        rows!(block512, 4, w.as_ptr(), rows, k, x.as_ptr(), xs, nb, out, os)
    }

    /// # Safety
    /// As `matvec_avx512`, with AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn matvec_avx2(
        w: &[f32],
        rows: usize,
        k: usize,
        x: &[f32],
        xs: usize,
        nb: usize,
        out: *mut f32,
        os: usize,
    ) {
        rows!(block256, 2, w.as_ptr(), rows, k, x.as_ptr(), xs, nb, out, os)
    }
}
