//! The wide-batch step path: libtorch's fused cells (`lstm_cell`, `gru_cell`, `rnn_tanh_cell`, each
//! one GEMM per weight matrix for the whole batch) and an `addmm` for the logits. At hundreds of
//! streams a step is bound by arithmetic, which MKL's blocked GEMM does better than the plain-Rust
//! kernel; at a few streams it is bound by reading the weights, where the kernel wins (see
//! `docs/perf-results.md` for the crossover).

use tch::{Device, Kind, Tensor};

use super::{CellKind, CharRnn, RowState};

/// The model's tensors for stepping through libtorch: shallow clones sharing the model's storage.
pub struct TorchWeights {
    cell: CellKind,
    hidden: i64,
    vocab: usize,
    embed: Tensor,
    /// Per layer: `w_ih, w_hh, b_ih, b_hh`.
    layers: Vec<[Tensor; 4]>,
    head_w_t: Tensor,
    head_b: Tensor,
}

impl Clone for TorchWeights {
    fn clone(&self) -> Self {
        TorchWeights {
            cell: self.cell,
            hidden: self.hidden,
            vocab: self.vocab,
            embed: self.embed.shallow_clone(),
            layers: self.layers.iter().map(|l| l.each_ref().map(Tensor::shallow_clone)).collect(),
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
        let cpu = |t: &Tensor| t.detach().to_device(Device::Cpu).to_kind(Kind::Float).contiguous();
        TorchWeights {
            cell: spec.cell,
            hidden: spec.hidden,
            vocab: spec.vocab as usize,
            embed: cpu(embed),
            layers: rnn.chunks(4).map(|l| [cpu(&l[0]), cpu(&l[1]), cpu(&l[2]), cpu(&l[3])]).collect(),
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

    fn zeros(&self, rows: usize) -> Tensor {
        Tensor::zeros([rows as i64, self.w.hidden], (Kind::Float, Device::Cpu))
    }

    /// Existing rows keep their state, new rows start at zero.
    pub(crate) fn resize(&mut self, batch: usize) {
        let keep = self.batch.min(batch) as i64;
        let lstm = self.w.cell == CellKind::Lstm;
        let fit = |t: Option<&Tensor>, s: &Self| {
            let z = s.zeros(batch);
            if let Some(t) = t {
                if keep > 0 {
                    z.narrow(0, 0, keep).copy_(&t.narrow(0, 0, keep));
                }
            }
            z
        };
        let layers = self.w.layers.len();
        self.h = (0..layers).map(|l| fit(self.h.get(l), self)).collect();
        self.c = if lstm { (0..layers).map(|l| fit(self.c.get(l), self)).collect() } else { Vec::new() };
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
        let mut x = self.w.embed.index_select(0, &Tensor::from_slice(&self.ids));
        for (l, [w_ih, w_hh, b_ih, b_hh]) in self.w.layers.iter().enumerate() {
            let h = match self.w.cell {
                CellKind::Lstm => {
                    let (h, c) = x.lstm_cell(&[&self.h[l], &self.c[l]], w_ih, w_hh, Some(b_ih), Some(b_hh));
                    self.c[l] = c;
                    h
                }
                CellKind::Gru => x.gru_cell(&self.h[l], w_ih, w_hh, Some(b_ih), Some(b_hh)),
                CellKind::Rnn => x.rnn_tanh_cell(&self.h[l], w_ih, w_hh, Some(b_ih), Some(b_hh)),
            };
            x = h.shallow_clone();
            self.h[l] = h;
        }
        let out = self.w.head_b.addmm(&x, &self.w.head_w_t);
        let n = self.batch * self.w.vocab;
        logits.resize(n, 0.0);
        out.copy_data(logits, n);
    }
}
