//! One-character-at-a-time generation for a batch of independent streams.
//!
//! libtorch's fused `lstm`/`gru` ops are built for long sequences; called for a single step on CPU
//! they go through oneDNN set-up and weight reorders that cost ~10x the arithmetic. Here each cell is
//! written out with `addmm` on weights laid out once, up front, for the step:
//! - layer 0's input projection is folded into a `[vocab, gates]` table (`embed @ W_ih0ᵀ + b`), so
//!   a step starts with a row gather instead of a matmul;
//! - for LSTM and RNN the input and hidden projections of deeper layers are one GEMM on `[x, h]`.
//!
//! `tests/step_matches_sequence.rs` proves this agrees with the sequence forward.

use tch::{Kind, Tensor};

use super::{CellKind, CharRnn};
use crate::error::Result;

/// Per-layer weights arranged for one step.
struct Layer {
    /// LSTM/RNN, layers > 0: `[in + hidden, gates]`, acting on `[x, h]`.
    w_cat: Option<Tensor>,
    /// Input projection `[in, gates]` (GRU layers > 0 only; GRU keeps input and hidden apart).
    w_ih: Option<Tensor>,
    /// Hidden projection `[hidden, gates]`.
    w_hh: Tensor,
    /// Bias added to the GEMM that uses it (both biases summed, except for GRU: input bias).
    b: Tensor,
    /// GRU hidden bias, kept apart because the candidate gate scales it by `r`.
    b_hh: Option<Tensor>,
}

/// The recurrent state of one stream, copied out of the batch (for snapshots and branching).
#[derive(Debug, Clone, PartialEq)]
pub struct RowState {
    pub h: Vec<Vec<f32>>,
    pub c: Vec<Vec<f32>>,
}

pub struct Stepper {
    cell: CellKind,
    hidden: i64,
    vocab: i64,
    batch: usize,
    table0: Tensor,
    layers: Vec<Layer>,
    head_wt: Tensor,
    head_b: Tensor,
    h: Vec<Tensor>,
    c: Vec<Tensor>,
}

fn t_contig(w: &Tensor) -> Tensor {
    w.tr().contiguous()
}

impl Stepper {
    pub(super) fn new(model: &CharRnn, batch: usize) -> Self {
        let _guard = tch::no_grad_guard();
        let spec = *model.spec();
        let (embed, rnn, head_w, head_b) = model.parts();
        let gru = spec.cell == CellKind::Gru;
        let mut layers = Vec::new();
        let mut table0 = None;
        for l in 0..spec.layers as usize {
            let (w_ih, w_hh, b_ih, b_hh) = (&rnn[4 * l], &rnn[4 * l + 1], &rnn[4 * l + 2], &rnn[4 * l + 3]);
            let b = if gru { b_ih.copy() } else { b_ih + b_hh };
            let mut layer = Layer {
                w_cat: None,
                w_ih: None,
                w_hh: t_contig(w_hh),
                b: b.copy(),
                b_hh: gru.then(|| b_hh.copy()),
            };
            if l == 0 {
                table0 = Some(embed.matmul(&w_ih.tr()) + &b);
            } else if gru {
                layer.w_ih = Some(t_contig(w_ih));
            } else {
                layer.w_cat = Some(Tensor::cat(&[w_ih, w_hh], 1).tr().contiguous());
            }
            layers.push(layer);
        }
        let mut s = Stepper {
            cell: spec.cell,
            hidden: spec.hidden,
            vocab: spec.vocab,
            batch: 0,
            table0: table0.expect("a model has at least one layer"),
            layers,
            head_wt: t_contig(head_w),
            head_b: head_b.detach().copy(),
            h: Vec::new(),
            c: Vec::new(),
        };
        s.resize(batch);
        s
    }

    /// A stepper for `batch` fresh streams that shares this one's weights (no copy): for replaying
    /// one stream's text without advancing the others.
    pub fn fork(&self, batch: usize) -> Stepper {
        let layers = self
            .layers
            .iter()
            .map(|l| Layer {
                w_cat: l.w_cat.as_ref().map(Tensor::shallow_clone),
                w_ih: l.w_ih.as_ref().map(Tensor::shallow_clone),
                w_hh: l.w_hh.shallow_clone(),
                b: l.b.shallow_clone(),
                b_hh: l.b_hh.as_ref().map(Tensor::shallow_clone),
            })
            .collect();
        let mut s = Stepper {
            cell: self.cell,
            hidden: self.hidden,
            vocab: self.vocab,
            batch: 0,
            table0: self.table0.shallow_clone(),
            layers,
            head_wt: self.head_wt.shallow_clone(),
            head_b: self.head_b.shallow_clone(),
            h: Vec::new(),
            c: Vec::new(),
        };
        s.resize(batch);
        s
    }

    pub fn batch(&self) -> usize {
        self.batch
    }

    pub fn vocab(&self) -> usize {
        self.vocab as usize
    }

    /// Changes the number of streams: existing rows keep their state, new rows start at zero.
    pub fn resize(&mut self, batch: usize) {
        let opts = (Kind::Float, self.table0.device());
        let grow = |t: Option<&Tensor>| -> Tensor {
            let fresh = Tensor::zeros([batch as i64, self.hidden], opts);
            if let Some(old) = t {
                let keep = self.batch.min(batch) as i64;
                if keep > 0 {
                    fresh.narrow(0, 0, keep).copy_(&old.narrow(0, 0, keep));
                }
            }
            fresh
        };
        let n = self.layers.len();
        self.h = (0..n).map(|l| grow(self.h.get(l))).collect();
        self.c = if self.cell == CellKind::Lstm { (0..n).map(|l| grow(self.c.get(l))).collect() } else { Vec::new() };
        self.batch = batch;
    }

    pub fn reset_row(&mut self, row: usize) {
        for t in self.h.iter_mut().chain(self.c.iter_mut()) {
            let _ = t.get(row as i64).zero_();
        }
    }

    pub fn row_state(&self, row: usize) -> RowState {
        let read = |ts: &[Tensor]| ts.iter().map(|t| Vec::<f32>::try_from(t.get(row as i64)).unwrap_or_default()).collect();
        RowState { h: read(&self.h), c: read(&self.c) }
    }

    pub fn set_row_state(&mut self, row: usize, state: &RowState) {
        for (t, v) in self.h.iter_mut().zip(&state.h).chain(self.c.iter_mut().zip(&state.c)) {
            t.get(row as i64).copy_(&Tensor::from_slice(v));
        }
    }

    /// Feeds one character per stream and writes the next-character logits, `batch × vocab`
    /// row-major, into `logits`.
    pub fn step(&mut self, ids: &[u32], logits: &mut Vec<f32>) -> Result<()> {
        assert_eq!(ids.len(), self.batch, "one id per stream");
        let _guard = tch::no_grad_guard();
        let idx: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
        let idx = Tensor::from_slice(&idx).to_device(self.table0.device());
        let mut x = self.table0.f_index_select(0, &idx)?;
        let hsz = self.hidden;
        for (l, layer) in self.layers.iter().enumerate() {
            let h = &self.h[l];
            let new_h = match self.cell {
                CellKind::Lstm | CellKind::Rnn => {
                    let gates = match &layer.w_cat {
                        None => x.addmm(h, &layer.w_hh),
                        Some(w) => layer.b.addmm(&Tensor::cat(&[&x, h], 1), w),
                    };
                    if self.cell == CellKind::Rnn {
                        gates.tanh()
                    } else {
                        let ch = gates.chunk(4, 1);
                        let (i, f, g, o) = (ch[0].sigmoid(), ch[1].sigmoid(), ch[2].tanh(), ch[3].sigmoid());
                        let c = f * &self.c[l] + i * g;
                        let h = o * c.tanh();
                        self.c[l] = c;
                        h
                    }
                }
                CellKind::Gru => {
                    let gi = match &layer.w_ih {
                        None => x,
                        Some(w) => layer.b.addmm(&x, w),
                    };
                    let b_hh = layer.b_hh.as_ref().expect("GRU layers keep the hidden bias");
                    let gh = b_hh.addmm(h, &layer.w_hh);
                    let (gi, gh) = (gi.chunk(3, 1), gh.chunk(3, 1));
                    let r = (&gi[0] + &gh[0]).sigmoid();
                    let z = (&gi[1] + &gh[1]).sigmoid();
                    let n = (&gi[2] + r * &gh[2]).tanh();
                    &n + z * (h - &n)
                }
            };
            debug_assert_eq!(new_h.size()[1], hsz);
            x = new_h.shallow_clone();
            self.h[l] = new_h;
        }
        let out = self.head_b.addmm(&x, &self.head_wt);
        let n = self.batch * self.vocab as usize;
        logits.resize(n, 0.0);
        out.to_device(tch::Device::Cpu).f_copy_data(logits, n)?;
        Ok(())
    }
}
