//! The wide-batch step path, on libtorch's GEMM (MKL on x86). At hundreds of streams a step is
//! bound by arithmetic, which a blocked GEMM does better than the plain-Rust kernel; at a few
//! streams it is bound by reading the weights, where the kernel wins (`docs/perf-results.md` has
//! the crossover, [`super::WIDE_BATCH`]).
//!
//! For LSTMs (the bundled models) a step does less work than libtorch's `lstm_cell`, which
//! PyTorch's `nn.LSTMCell` runs: the first layer's input projection is a row gather from a table made
//! once (embedding × `W_ih` + both biases, `vocab × 4·hidden`) instead of a GEMM; each later layer is
//! one GEMM over `[x | h]` against the stacked weights instead of two GEMMs and an add; and the gate
//! maths runs in place on the GEMM's output. GRU and plain RNN models use libtorch's fused cells.

use tch::{Device, Kind, Tensor};

use super::{CellKind, CharRnn, RowState};

/// Per-cell-kind weights, arranged for the step.
enum Cells {
    Lstm {
        /// `vocab × 4·hidden`: layer 0's input gates for each character, biases included.
        table0: Tensor,
        /// `hidden × 4·hidden`: layer 0's recurrent weights, transposed for `addmm`.
        w_hh0_t: Tensor,
        /// Per later layer: `[W_ih | W_hh]` transposed (`(in + hidden) × 4·hidden`) and the summed bias.
        stacked: Vec<(Tensor, Tensor)>,
    },
    /// GRU or plain RNN: the embedding, and per layer `w_ih, w_hh, b_ih, b_hh` for the fused cells.
    Fused { gru: bool, embed: Tensor, layers: Vec<[Tensor; 4]> },
}

impl Cells {
    fn shallow_clone(&self) -> Self {
        match self {
            Cells::Lstm { table0, w_hh0_t, stacked } => Cells::Lstm {
                table0: table0.shallow_clone(),
                w_hh0_t: w_hh0_t.shallow_clone(),
                stacked: stacked.iter().map(|(w, b)| (w.shallow_clone(), b.shallow_clone())).collect(),
            },
            Cells::Fused { gru, embed, layers } => Cells::Fused {
                gru: *gru,
                embed: embed.shallow_clone(),
                layers: layers.iter().map(|l| l.each_ref().map(Tensor::shallow_clone)).collect(),
            },
        }
    }
}

/// The model's tensors for stepping through libtorch: a copy taken when it is made (as the kernel's
/// layout is), shared (not copied again) by every stepper made from it.
pub struct TorchWeights {
    hidden: i64,
    layers: usize,
    lstm: bool,
    vocab: usize,
    cells: Cells,
    head_w_t: Tensor,
    head_b: Tensor,
}

impl Clone for TorchWeights {
    fn clone(&self) -> Self {
        TorchWeights {
            hidden: self.hidden,
            layers: self.layers,
            lstm: self.lstm,
            vocab: self.vocab,
            cells: self.cells.shallow_clone(),
            head_w_t: self.head_w_t.shallow_clone(),
            head_b: self.head_b.shallow_clone(),
        }
    }
}

impl TorchWeights {
    pub(crate) fn new(model: &CharRnn) -> Self {
        let _guard = tch::no_grad_guard();
        let spec = *model.spec();
        let (embed, rnn, head_w, head_b) = model.parts();
        // A copy, so training the model afterwards changes neither path's weights.
        let cpu = |t: &Tensor| t.detach().to_device(Device::Cpu).to_kind(Kind::Float).copy().contiguous();
        let embed = cpu(embed);
        let layers: Vec<[Tensor; 4]> =
            rnn.chunks(4).map(|l| [cpu(&l[0]), cpu(&l[1]), cpu(&l[2]), cpu(&l[3])]).collect();
        let n = layers.len();
        let cells = match spec.cell {
            CellKind::Lstm => {
                let [w_ih0, w_hh0, b_ih0, b_hh0] = &layers[0];
                Cells::Lstm {
                    table0: (embed.matmul(&w_ih0.tr()) + b_ih0 + b_hh0).contiguous(),
                    w_hh0_t: w_hh0.tr().contiguous(),
                    stacked: layers[1..]
                        .iter()
                        .map(|[w_ih, w_hh, b_ih, b_hh]| (Tensor::cat(&[w_ih, w_hh], 1).tr().contiguous(), b_ih + b_hh))
                        .collect(),
                }
            }
            CellKind::Gru | CellKind::Rnn => Cells::Fused { gru: spec.cell == CellKind::Gru, embed, layers },
        };
        TorchWeights {
            hidden: spec.hidden,
            layers: n,
            lstm: spec.cell == CellKind::Lstm,
            vocab: spec.vocab as usize,
            cells,
            // Transposed once, so the head is one `addmm` on a contiguous matrix.
            head_w_t: cpu(head_w).tr().contiguous(),
            head_b: cpu(head_b),
        }
    }
}

/// A batch of streams' state as tensors, stepped by libtorch.
pub(crate) struct TorchStep {
    w: TorchWeights,
    batch: usize,
    /// Per layer `[batch, hidden]`.
    h: Vec<Tensor>,
    /// Per layer `[batch, hidden]` (LSTM only).
    c: Vec<Tensor>,
    ids: Vec<i64>,
}

impl TorchStep {
    pub(crate) fn new(w: TorchWeights, batch: usize) -> Self {
        let mut s = TorchStep { w, batch: 0, h: Vec::new(), c: Vec::new(), ids: Vec::new() };
        s.resize(batch);
        s
    }

    /// Existing rows keep their state, new rows start at zero.
    pub(crate) fn resize(&mut self, batch: usize) {
        let keep = self.batch.min(batch) as i64;
        let hidden = self.w.hidden;
        let fit = |old: Option<&Tensor>| {
            let z = Tensor::zeros([batch as i64, hidden], (Kind::Float, Device::Cpu));
            if let Some(t) = old.filter(|_| keep > 0) {
                z.narrow(0, 0, keep).copy_(&t.narrow(0, 0, keep));
            }
            z
        };
        let layers = self.w.layers;
        self.h = (0..layers).map(|l| fit(self.h.get(l))).collect();
        self.c = if self.w.lstm { (0..layers).map(|l| fit(self.c.get(l))).collect() } else { Vec::new() };
        self.batch = batch;
    }

    pub(crate) fn reset_row(&mut self, row: usize) {
        for t in self.h.iter_mut().chain(self.c.iter_mut()) {
            let _ = t.get(row as i64).zero_();
        }
    }

    pub(crate) fn row_state(&self, row: usize) -> RowState {
        let take = |t: &Tensor| Vec::<f32>::try_from(t.get(row as i64)).expect("a float row");
        RowState { h: self.h.iter().map(take).collect(), c: self.c.iter().map(take).collect() }
    }

    pub(crate) fn set_row_state(&mut self, row: usize, state: &RowState) {
        assert_eq!(state.h.len(), self.h.len(), "one hidden state per layer");
        for (t, v) in self.h.iter_mut().zip(&state.h).chain(self.c.iter_mut().zip(&state.c)) {
            t.get(row as i64).copy_(&Tensor::from_slice(v));
        }
    }

    /// One step; `ids` were checked against the vocabulary by the caller.
    pub(crate) fn step(&mut self, ids: &[u32], logits: &mut Vec<f32>) {
        let _guard = tch::no_grad_guard();
        self.ids.clear();
        self.ids.extend(ids.iter().map(|&i| i as i64));
        let ids = Tensor::from_slice(&self.ids);
        let x = match &self.w.cells {
            Cells::Lstm { table0, w_hh0_t, stacked } => {
                lstm_layers(table0, w_hh0_t, stacked, &ids, &mut self.h, &mut self.c)
            }
            Cells::Fused { gru, embed, layers } => fused_layers(*gru, embed, layers, &ids, &mut self.h),
        };
        let out = self.w.head_b.addmm(&x, &self.w.head_w_t);
        let n = self.batch * self.w.vocab;
        logits.resize(n, 0.0);
        out.copy_data(logits, n);
    }
}

/// The LSTM layers as the module notes describe; returns the last layer's output.
fn lstm_layers(
    table0: &Tensor,
    w_hh0_t: &Tensor,
    stacked: &[(Tensor, Tensor)],
    ids: &Tensor,
    h: &mut [Tensor],
    c: &mut [Tensor],
) -> Tensor {
    let mut x = Tensor::new();
    for l in 0..h.len() {
        let gates = if l == 0 {
            let mut g = table0.index_select(0, ids);
            let _ = g.addmm_(&h[0], w_hh0_t);
            g
        } else {
            let (w, b) = &stacked[l - 1];
            b.addmm(&Tensor::cat(&[&x, &h[l]], 1), w)
        };
        let mut g = gates.chunk(4, 1);
        let _ = g[0].sigmoid_();
        let _ = g[1].sigmoid_();
        let _ = g[2].tanh_();
        let _ = g[3].sigmoid_();
        // c = f·c + i·g, then h = o·tanh(c).
        let _ = c[l].g_mul_(&g[1]);
        let _ = c[l].addcmul_(&g[0], &g[2]);
        let mut out = c[l].tanh();
        let _ = out.g_mul_(&g[3]);
        x = out.shallow_clone();
        h[l] = out;
    }
    x
}

/// libtorch's fused GRU or tanh-RNN cells, one per layer; returns the last layer's output.
fn fused_layers(gru: bool, embed: &Tensor, layers: &[[Tensor; 4]], ids: &Tensor, h: &mut [Tensor]) -> Tensor {
    let mut x = embed.index_select(0, ids);
    for (l, [w_ih, w_hh, b_ih, b_hh]) in layers.iter().enumerate() {
        let out = if gru {
            x.gru_cell(&h[l], w_ih, w_hh, Some(b_ih), Some(b_hh))
        } else {
            x.rnn_tanh_cell(&h[l], w_ih, w_hh, Some(b_ih), Some(b_hh))
        };
        x = out.shallow_clone();
        h[l] = out;
    }
    x
}
