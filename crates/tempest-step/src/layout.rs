//! The weights, laid out once for stepping: aligned, row-padded matrices and layer 0's input
//! projection folded into a per-character table.

use std::fmt;
use std::sync::OnceLock;

/// Floats per SIMD block: rows and state segments are padded to a multiple of this.
pub(crate) const LANES: usize = 16;

pub(crate) fn pad(n: usize) -> usize {
    n.div_ceil(LANES) * LANES
}

/// The recurrent cell, with PyTorch's gate order and equations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// LSTM, gates i, f, g, o.
    Lstm,
    /// GRU, gates r, z, n.
    Gru,
    /// Elman RNN with tanh.
    Rnn,
}

impl Cell {
    /// Gate blocks stacked in the weight matrices.
    pub fn gates(self) -> usize {
        match self {
            Cell::Lstm => 4,
            Cell::Gru => 3,
            Cell::Rnn => 1,
        }
    }
}

/// One recurrent layer's weights as PyTorch stores them (row-major).
#[derive(Debug, Clone, Default)]
pub struct PlainLayer {
    /// `[gates * hidden, input]`, `input` being the embedding size for layer 0 and `hidden` above.
    pub w_ih: Vec<f32>,
    /// `[gates * hidden, hidden]`.
    pub w_hh: Vec<f32>,
    /// `[gates * hidden]`.
    pub b_ih: Vec<f32>,
    /// `[gates * hidden]`.
    pub b_hh: Vec<f32>,
}

/// A char-RNN's weights as plain row-major `f32`s, named and shaped as a PyTorch `state_dict` of
/// `Embedding -> LSTM/GRU/RNN -> Linear`. Needs no libtorch.
#[derive(Debug, Clone)]
pub struct PlainWeights {
    /// The recurrent cell.
    pub cell: Cell,
    /// Hidden units per layer.
    pub hidden: usize,
    /// Embedding width.
    pub embed_dim: usize,
    /// Characters in the vocabulary.
    pub vocab: usize,
    /// `[vocab, embed_dim]`.
    pub embed: Vec<f32>,
    /// One per layer, bottom first (at least one).
    pub layers: Vec<PlainLayer>,
    /// `[vocab, hidden]`.
    pub head_w: Vec<f32>,
    /// `[vocab]`.
    pub head_b: Vec<f32>,
}

/// A [`PlainWeights`] whose shapes do not agree with its sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError(pub String);

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ShapeError {}

/// A float buffer aligned to 64 bytes (one cache line, one AVX-512 register).
#[derive(Clone, Default)]
pub(crate) struct Aligned {
    blocks: Vec<Block>,
    len: usize,
}

#[derive(Clone, Copy, Default)]
#[repr(C, align(64))]
struct Block([f32; LANES]);

impl Aligned {
    pub(crate) fn zeros(len: usize) -> Self {
        Aligned { blocks: vec![Block::default(); len.div_ceil(LANES)], len }
    }

    pub(crate) fn as_slice(&self) -> &[f32] {
        // SAFETY: `Block` is `repr(C)` over `[f32; LANES]`, so the blocks are `len` (or more)
        // contiguous, initialised floats.
        unsafe { std::slice::from_raw_parts(self.blocks.as_ptr().cast::<f32>(), self.len) }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [f32] {
        // SAFETY: as in `as_slice`, and the borrow is unique.
        unsafe { std::slice::from_raw_parts_mut(self.blocks.as_mut_ptr().cast::<f32>(), self.len) }
    }
}

/// A weight matrix for the kernel: `rows` rows of `k` floats (`k` a multiple of [`LANES`]),
/// zero-padded where the logical row is shorter.
pub(crate) struct Matrix {
    pub(crate) data: Aligned,
    pub(crate) rows: usize,
    pub(crate) k: usize,
}

impl Matrix {
    /// Lays out `parts` (each `rows × cols`, row-major) side by side: row `r` is
    /// `[parts[0][r], pad, parts[1][r], pad, ...]`, each part padded to a multiple of [`LANES`].
    fn from_parts(rows: usize, parts: &[(&[f32], usize)]) -> Self {
        let k: usize = parts.iter().map(|&(_, c)| pad(c)).sum();
        let mut data = Aligned::zeros(rows * k);
        let out = data.as_mut_slice();
        let mut at = 0;
        for &(v, c) in parts {
            for r in 0..rows {
                out[r * k + at..r * k + at + c].copy_from_slice(&v[r * c..(r + 1) * c]);
            }
            at += pad(c);
        }
        Matrix { data, rows, k }
    }

    /// The left and right halves of a matrix laid out from two equally wide parts.
    fn halves(&self) -> (Matrix, Matrix) {
        let half = self.k / 2;
        let (mut a, mut b) = (Aligned::zeros(self.rows * half), Aligned::zeros(self.rows * half));
        let src = self.data.as_slice();
        for r in 0..self.rows {
            let row = &src[r * self.k..(r + 1) * self.k];
            a.as_mut_slice()[r * half..(r + 1) * half].copy_from_slice(&row[..half]);
            b.as_mut_slice()[r * half..(r + 1) * half].copy_from_slice(&row[half..]);
        }
        (Matrix { data: a, rows: self.rows, k: half }, Matrix { data: b, rows: self.rows, k: half })
    }

    /// Floats the kernel streams through per step.
    pub(crate) fn size(&self) -> usize {
        self.rows * self.k
    }
}

/// Per-layer weights arranged for one step.
pub(crate) struct Layer {
    /// The GEMM on the hidden state: for LSTM/RNN layers > 0 `[W_ih | W_hh]` acting on
    /// `[h_{l-1} ; h_l]`; otherwise `W_hh` acting on `h_l`.
    pub(crate) w: Matrix,
    /// GRU layers > 0: `W_ih` acting on `h_{l-1}` (GRU keeps input and hidden apart).
    pub(crate) w_ih: Option<Matrix>,
    /// Added to `w`'s product (LSTM/RNN layers > 0: both biases summed; GRU: the hidden bias,
    /// which the candidate gate scales by `r`). Layer 0 of LSTM/RNN: empty (it is in the table).
    pub(crate) b: Vec<f32>,
    /// GRU layers > 0: the input bias.
    pub(crate) b_ih: Vec<f32>,
}

/// Everything a step reads and never writes, laid out once. Share it between steppers with an
/// `Arc` (see [`crate::Stepper::new`]): it holds the model's whole weight set.
pub struct StepWeights {
    pub(crate) cell: Cell,
    pub(crate) hidden: usize,
    /// `hidden` padded: the stride of one layer's segment in a state row.
    pub(crate) hp: usize,
    pub(crate) vocab: usize,
    pub(crate) gates: usize,
    /// `[vocab, gates]`: layer 0's input projection of each character, plus its bias (both biases
    /// for LSTM/RNN, the input bias for GRU).
    pub(crate) table0: Vec<f32>,
    pub(crate) layers: Vec<Layer>,
    pub(crate) head: Matrix,
    pub(crate) head_b: Vec<f32>,
    /// For LSTM/RNN layers > 0, `[W_ih | W_hh]` split back into `W_ih` and `W_hh`: a sequence feed
    /// multiplies them separately (all timesteps' inputs at once, then the recurrence). Built on
    /// the first sequence feed, so steppers that never feed one pay no memory for it.
    pub(crate) split: OnceLock<Vec<Option<(Matrix, Matrix)>>>,
}

fn check(what: &str, v: &[f32], want: usize) -> Result<(), ShapeError> {
    if v.len() == want {
        Ok(())
    } else {
        Err(ShapeError(format!("{what} has {} floats, expected {want}", v.len())))
    }
}

impl StepWeights {
    /// Lays out `w` for stepping, after checking every shape.
    pub fn new(w: &PlainWeights) -> Result<StepWeights, ShapeError> {
        let (hid, vocab, e) = (w.hidden, w.vocab, w.embed_dim);
        if hid == 0 || vocab == 0 || e == 0 || w.layers.is_empty() {
            return Err(ShapeError("a model needs at least one layer, one hidden unit, one character".into()));
        }
        let gates = w.cell.gates() * hid;
        check("embed", &w.embed, vocab * e)?;
        check("head weight", &w.head_w, vocab * hid)?;
        check("head bias", &w.head_b, vocab)?;
        for (l, layer) in w.layers.iter().enumerate() {
            let input = if l == 0 { e } else { hid };
            check(&format!("layer {l} w_ih"), &layer.w_ih, gates * input)?;
            check(&format!("layer {l} w_hh"), &layer.w_hh, gates * hid)?;
            check(&format!("layer {l} b_ih"), &layer.b_ih, gates)?;
            check(&format!("layer {l} b_hh"), &layer.b_hh, gates)?;
        }
        let gru = w.cell == Cell::Gru;
        let mut layers = Vec::new();
        let mut table0 = Vec::new();
        for (l, p) in w.layers.iter().enumerate() {
            let both: Vec<f32> = p.b_ih.iter().zip(&p.b_hh).map(|(a, b)| a + b).collect();
            if l == 0 {
                let b0 = if gru { &p.b_ih } else { &both };
                table0 = project_table(&w.embed, vocab, e, &p.w_ih, gates, b0);
                let b = if gru { p.b_hh.clone() } else { Vec::new() };
                layers.push(Layer { w: Matrix::from_parts(gates, &[(&p.w_hh, hid)]), w_ih: None, b, b_ih: Vec::new() });
            } else if gru {
                layers.push(Layer {
                    w: Matrix::from_parts(gates, &[(&p.w_hh, hid)]),
                    w_ih: Some(Matrix::from_parts(gates, &[(&p.w_ih, hid)])),
                    b: p.b_hh.clone(),
                    b_ih: p.b_ih.clone(),
                });
            } else {
                layers.push(Layer {
                    w: Matrix::from_parts(gates, &[(&p.w_ih, hid), (&p.w_hh, hid)]),
                    w_ih: None,
                    b: both,
                    b_ih: Vec::new(),
                });
            }
        }
        Ok(StepWeights {
            cell: w.cell,
            hidden: hid,
            hp: pad(hid),
            vocab,
            gates,
            table0,
            layers,
            head: Matrix::from_parts(vocab, &[(&w.head_w, hid)]),
            head_b: w.head_b.clone(),
            split: OnceLock::new(),
        })
    }

    /// The recurrent cell.
    pub fn cell(&self) -> Cell {
        self.cell
    }

    /// Characters in the vocabulary (logits per stream).
    pub fn vocab(&self) -> usize {
        self.vocab
    }

    /// Hidden units per layer.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// Recurrent layers.
    pub fn layers(&self) -> usize {
        self.layers.len()
    }

    /// Per layer, `W_ih` and `W_hh` apart where the step keeps them fused (see `split`).
    pub(crate) fn split_layers(&self) -> &[Option<(Matrix, Matrix)>] {
        self.split.get_or_init(|| {
            self.layers.iter().map(|l| (l.w_ih.is_none() && l.w.k == 2 * self.hp).then(|| l.w.halves())).collect()
        })
    }

    /// Floats of recurrent weights a step streams through (the work the two threads share).
    pub(crate) fn recurrent_size(&self) -> usize {
        self.layers.iter().map(|l| l.w.size() + l.w_ih.as_ref().map_or(0, Matrix::size)).sum()
    }
}

/// `embed @ w_ihᵀ + b`, `[vocab, gates]`, summed in f64 so the table is as exact as f32 allows.
fn project_table(embed: &[f32], vocab: usize, e: usize, w_ih: &[f32], gates: usize, b: &[f32]) -> Vec<f32> {
    let mut out = vec![0f32; vocab * gates];
    for (c, row) in out.chunks_exact_mut(gates).enumerate() {
        let x = &embed[c * e..(c + 1) * e];
        for (g, o) in row.iter_mut().enumerate() {
            let w = &w_ih[g * e..(g + 1) * e];
            let dot: f64 = w.iter().zip(x).map(|(&a, &b)| a as f64 * b as f64).sum();
            *o = (dot + b[g] as f64) as f32;
        }
    }
    out
}
