//! The char-RNN: `Embedding -> stacked LSTM/GRU/RNN -> Linear`, with PyTorch-compatible names.
//!
//! Training runs whole sequences through libtorch's fused RNN ops; generation uses [`Stepper`],
//! which steps one character at a time: with the hand-written kernel of the `tempest-step` crate
//! over weights laid out once, and with libtorch's GEMM for batches from the measured crossover
//! ([`WIDE_BATCH`], if there is one). [`CharRnn::step_weights`] builds the weights both share.

pub mod checkpoint;
pub mod metadata;
pub mod parse;
mod plain;
pub mod spec;
mod stepper;
mod torch_step;
pub mod vocab;

use tch::{nn, Device, Kind, Tensor};

pub use checkpoint::Checkpoint;
pub use metadata::{Metadata, TrainingFacts};
pub use spec::{CellKind, ModelSpec};
pub use stepper::{PathChoice, SharedWeights, StepPath, Stepper, WIDE_BATCH};
pub use tempest_step::{Kernel, PlainWeights, RowState, StepError, StepWeights};
pub use torch_step::TorchWeights;
pub use vocab::{UnknownPolicy, Vocab};

/// Recurrent state for a whole batch, shaped as PyTorch's: `[layers, batch, hidden]`, with the
/// LSTM cell state as a second tensor.
#[derive(Debug)]
pub struct SeqState {
    /// Hidden state of every layer, `[layers, batch, hidden]`.
    pub h: Tensor,
    /// The LSTM cell state, same shape as `h`; `None` for GRU and RNN.
    pub c: Option<Tensor>,
}

impl SeqState {
    /// The same values cut from the autograd graph, so truncated backpropagation through time stops at
    /// the sequence boundary.
    pub fn detach(&self) -> SeqState {
        SeqState { h: self.h.detach(), c: self.c.as_ref().map(Tensor::detach) }
    }
}

/// The char-RNN in libtorch: the form that trains and that checkpoints load into. Generation runs on
/// its weights copied into a [`Stepper`].
pub struct CharRnn {
    spec: ModelSpec,
    vs: nn::VarStore,
    embed: Tensor,
    /// Flat in libtorch's order: per layer `w_ih, w_hh, b_ih, b_hh`.
    rnn: Vec<Tensor>,
    head_w: Tensor,
    head_b: Tensor,
}

impl CharRnn {
    /// A freshly initialised model, with PyTorch's default initialisation so a model made here
    /// trains like one made there.
    pub fn new(spec: ModelSpec, device: Device) -> Self {
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let embed = (&root / "embed").var("weight", &[spec.vocab, spec.embed], nn::Init::Randn { mean: 0., stdev: 1. });
        let bound = 1.0 / (spec.hidden as f64).sqrt();
        let uniform = nn::Init::Uniform { lo: -bound, up: bound };
        let rnn_path = &root / "rnn";
        let mut rnn = Vec::new();
        let g = spec.cell.gates() * spec.hidden;
        for l in 0..spec.layers {
            let input = if l == 0 { spec.embed } else { spec.hidden };
            rnn.push(rnn_path.var(&format!("weight_ih_l{l}"), &[g, input], uniform));
            rnn.push(rnn_path.var(&format!("weight_hh_l{l}"), &[g, spec.hidden], uniform));
            rnn.push(rnn_path.var(&format!("bias_ih_l{l}"), &[g], uniform));
            rnn.push(rnn_path.var(&format!("bias_hh_l{l}"), &[g], uniform));
        }
        let head = &root / "head";
        let head_w = head.var("weight", &[spec.vocab, spec.hidden], uniform);
        let head_b = head.var("bias", &[spec.vocab], uniform);
        CharRnn { spec, vs, embed, rnn, head_w, head_b }
    }

    /// The shape the model was built with.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// Where the weights live (CPU, or a GPU when training asked for one).
    pub fn device(&self) -> Device {
        self.vs.device()
    }

    /// The weights as libtorch variables, for the optimiser.
    pub fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }

    /// The weights, writable: loading a checkpoint or a resume copies into them.
    pub fn var_store_mut(&mut self) -> &mut nn::VarStore {
        &mut self.vs
    }

    /// Named tensors in `state_dict` order.
    pub fn named_tensors(&self) -> Vec<(String, Tensor)> {
        let vars = self.vs.variables();
        self.spec
            .tensor_shapes()
            .into_iter()
            .map(|(name, _)| {
                let t = vars[&name].shallow_clone();
                (name, t)
            })
            .collect()
    }

    /// The all-zero state a sequence starts from, for `batch` streams.
    pub fn zero_state(&self, batch: i64) -> SeqState {
        let shape = [self.spec.layers, batch, self.spec.hidden];
        let opts = (Kind::Float, self.device());
        SeqState {
            h: Tensor::zeros(shape, opts),
            c: (self.spec.cell == CellKind::Lstm).then(|| Tensor::zeros(shape, opts)),
        }
    }

    /// Runs `ids` (`[batch, seq]`, int64) through the model and returns logits `[batch, seq, vocab]`
    /// and the final state. `train` turns dropout on.
    pub fn forward(&self, ids: &Tensor, state: &SeqState, train: bool) -> (Tensor, SeqState) {
        let x = Tensor::embedding(&self.embed, ids, -1, false, false);
        let (p, layers) = (self.spec.dropout, self.spec.layers);
        let (out, next) = match self.spec.cell {
            CellKind::Lstm => {
                let c = state.c.as_ref().expect("an LSTM state has a cell tensor");
                let (out, h, c) =
                    x.lstm(&[&state.h, c], &self.rnn.iter().collect::<Vec<_>>(), true, layers, p, train, false, true);
                (out, SeqState { h, c: Some(c) })
            }
            CellKind::Gru => {
                let (out, h) = x.gru(&state.h, &self.rnn, true, layers, p, train, false, true);
                (out, SeqState { h, c: None })
            }
            CellKind::Rnn => {
                let (out, h) = x.rnn_tanh(&state.h, &self.rnn, true, layers, p, train, false, true);
                (out, SeqState { h, c: None })
            }
        };
        let out = out.dropout(p, train);
        (out.matmul(&self.head_w.tr()) + &self.head_b, next)
    }

    /// A generator for `batch` independent streams, with its own copy of the weights laid out for
    /// stepping. To run several, build [`CharRnn::step_weights`] once and share it.
    pub fn stepper(&self, batch: usize) -> Stepper {
        Stepper::new(&self.step_weights(), batch)
    }

    pub(crate) fn parts(&self) -> (&Tensor, &[Tensor], &Tensor, &Tensor) {
        (&self.embed, &self.rnn, &self.head_w, &self.head_b)
    }
}
