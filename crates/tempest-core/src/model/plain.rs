//! The model's tensors as plain `f32`s, for the stepper (which does not use libtorch).

use std::sync::Arc;

use tch::{Device, Kind, Tensor};

use super::{CellKind, CharRnn};
use tempest_step::{Cell, PlainLayer, PlainWeights, StepWeights};

fn to_vec(t: &Tensor) -> Vec<f32> {
    let t = t.detach().to_device(Device::Cpu).to_kind(Kind::Float).contiguous();
    let n = t.numel();
    let mut v = vec![0f32; n];
    t.copy_data(&mut v, n);
    v
}

impl CharRnn {
    /// A copy of the weights as plain row-major `f32`s.
    pub fn plain_weights(&self) -> PlainWeights {
        let _guard = tch::no_grad_guard();
        let spec = *self.spec();
        let (embed, rnn, head_w, head_b) = self.parts();
        PlainWeights {
            cell: match spec.cell {
                CellKind::Lstm => Cell::Lstm,
                CellKind::Gru => Cell::Gru,
                CellKind::Rnn => Cell::Rnn,
            },
            hidden: spec.hidden as usize,
            embed_dim: spec.embed as usize,
            vocab: spec.vocab as usize,
            embed: to_vec(embed),
            layers: rnn
                .chunks(4)
                .map(|l| PlainLayer {
                    w_ih: to_vec(&l[0]),
                    w_hh: to_vec(&l[1]),
                    b_ih: to_vec(&l[2]),
                    b_hh: to_vec(&l[3]),
                })
                .collect(),
            head_w: to_vec(head_w),
            head_b: to_vec(head_b),
        }
    }

    /// The weights for both step paths, to share between steppers (see [`super::Stepper::new`]).
    pub fn step_weights(&self) -> super::SharedWeights {
        super::SharedWeights::new(self)
    }

    /// The weights laid out for the plain-Rust kernel, to share (through the `Arc`) between
    /// `tempest_step::Stepper`s.
    pub fn kernel_weights(&self) -> Arc<StepWeights> {
        // The tensors' shapes follow the spec by construction, so the layout cannot refuse them.
        Arc::new(StepWeights::new(&self.plain_weights()).expect("a CharRnn's tensors match its spec"))
    }
}
