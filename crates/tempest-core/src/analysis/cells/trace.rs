//! Running a model over a text and keeping every unit's activation at every character, plus how
//! often each gate saturates.
//!
//! This is an analysis pass, not generation: it uses libtorch, one layer at a time over the whole
//! text, so the input projections are one large matmul per layer and only the recurrent product
//! is done step by step. Long texts are cut into chunks run side by side as a batch; each chunk
//! but the first starts [`TraceOptions::warmup`] characters early so its state has settled by the
//! time its own characters come (the state after a few hundred characters has forgotten where it
//! started). Gate values are not kept, only counted, so memory is `chars × units × 4` bytes.

use tch::{Kind, Tensor};

use super::units::{Quantity, UnitLayout, UnitRef};
use crate::error::{Error, Result};
use crate::model::{CellKind, CharRnn};

/// Gates below this are left-saturated, above [`SATURATED_HIGH`] right-saturated (the thresholds
/// of Karpathy, Johnson & Fei-Fei 2015).
pub const SATURATED_LOW: f64 = 0.1;
/// Gates above this are right-saturated (see [`SATURATED_LOW`]).
pub const SATURATED_HIGH: f64 = 0.9;

/// How a long text is split for tracing: more streams is faster, at the cost of a state that starts
/// from zero `warmup` characters before each chunk instead of running through the whole text.
#[derive(Debug, Clone, Copy)]
pub struct TraceOptions {
    /// Chunks run side by side (1 = one exact pass from a zero state).
    pub streams: usize,
    /// Characters each chunk after the first is fed before its own, to settle its state.
    pub warmup: usize,
}

impl TraceOptions {
    /// One exact pass for short texts; chunks of at least 2,048 characters (up to 32) otherwise.
    pub fn for_len(n: usize) -> Self {
        TraceOptions { streams: (n / 2048).clamp(1, 32), warmup: 256 }
    }
}

/// One gate's saturation in one layer: the fraction of (unit, character) pairs below
/// [`SATURATED_LOW`] and above [`SATURATED_HIGH`], overall and per unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GateSaturation {
    /// `input`, `forget` or `output` (LSTM); `reset` or `update` (GRU).
    pub gate: &'static str,
    /// Fraction of (unit, character) pairs below [`SATURATED_LOW`], in [0, 1].
    pub left: f64,
    /// Fraction of (unit, character) pairs above [`SATURATED_HIGH`], in [0, 1].
    pub right: f64,
    /// Per unit (by index within the layer), the fraction of characters where it is left-saturated.
    pub unit_left: Vec<f32>,
    /// Per unit, the fraction of characters where it is right-saturated.
    pub unit_right: Vec<f32>,
}

/// Every unit's activation after every character of a text.
pub struct Trace {
    /// The model's units and their order in a flat row.
    pub layout: UnitLayout,
    /// Characters traced.
    pub len: usize,
    /// Unit-major: unit `i`'s values are `data[i * len .. (i + 1) * len]`.
    data: Vec<f32>,
    /// Per layer, per sigmoid gate (none for a plain RNN).
    pub saturation: Vec<Vec<GateSaturation>>,
}

impl Trace {
    /// Unit `u`'s activation after each character, or `None` if the model has no such unit.
    pub fn unit(&self, u: UnitRef) -> Option<&[f32]> {
        let i = self.layout.flat(u)?;
        Some(&self.data[i * self.len..(i + 1) * self.len])
    }

    /// The values of the unit at flat index `i`.
    pub fn flat(&self, i: usize) -> &[f32] {
        &self.data[i * self.len..(i + 1) * self.len]
    }

    /// Runs `model` over `ids` from a zero state.
    pub fn run(model: &CharRnn, ids: &[u32], opts: TraceOptions) -> Result<Trace> {
        let _guard = tch::no_grad_guard();
        let spec = *model.spec();
        let layout = UnitLayout::of(&spec);
        let n = ids.len();
        if n == 0 {
            return Err(Error::Invalid("there is no text to run the model over".into()));
        }
        if let Some(&bad) = ids.iter().find(|&&i| i as i64 >= spec.vocab) {
            return Err(Error::Invalid(format!("character id {bad} is outside the vocabulary of {}", spec.vocab)));
        }
        let streams = opts.streams.clamp(1, n);
        let chunk = n.div_ceil(streams);
        let streams = n.div_ceil(chunk);
        // Stream b feeds ids[from_b .. to_b] and keeps the outputs from own_b on.
        let spans: Vec<(usize, usize, usize)> = (0..streams)
            .map(|b| {
                let own = b * chunk;
                (own.saturating_sub(opts.warmup), own, ((b + 1) * chunk).min(n))
            })
            .collect();
        let steps = spans.iter().map(|&(from, _, to)| to - from).max().unwrap_or(0);
        let mut padded = vec![0i64; streams * steps];
        let mut valid = vec![0f32; streams * steps];
        for (b, &(from, own, to)) in spans.iter().enumerate() {
            for (k, t) in (from..to).enumerate() {
                padded[b * steps + k] = ids[t] as i64;
                valid[b * steps + k] = (t >= own) as u8 as f32;
            }
        }
        let (b64, s64) = (streams as i64, steps as i64);
        let x_ids = Tensor::from_slice(&padded).reshape([b64, s64]);
        let valid = Tensor::from_slice(&valid).reshape([b64, s64]);
        let (embed, rnn, _, _) = model.parts();
        let mut x = Tensor::embedding(embed, &x_ids, -1, false, false).to_kind(Kind::Float);

        let hid = layout.hidden;
        let mut data = vec![0f32; layout.len() * n];
        let mut saturation = Vec::new();
        for l in 0..layout.layers {
            let w = |k: usize| rnn[4 * l + k].to_kind(Kind::Float);
            let (w_ih, w_hh, b_ih, b_hh) = (w(0), w(1), w(2), w(3));
            let run = run_layer(spec.cell, &x, &valid, &w_ih, &w_hh, &b_ih, &b_hh, hid as i64);
            for (q, t) in [(Quantity::H, Some(&run.h)), (Quantity::C, run.c.as_ref())] {
                let Some(t) = t else { continue };
                let flat = to_vec(t); // [B, T, H]
                for u in 0..hid {
                    let Some(i) = layout.flat(UnitRef { quantity: q, layer: l, index: u }) else { continue };
                    let dst = &mut data[i * n..(i + 1) * n];
                    for (b, &(from, own, to)) in spans.iter().enumerate() {
                        for tt in own..to {
                            dst[tt] = flat[(b * steps + (tt - from)) * hid + u];
                        }
                    }
                }
            }
            saturation.push(run.saturation(n as f64));
            x = run.h;
        }
        Ok(Trace { layout, len: n, data, saturation })
    }
}

struct LayerRun {
    h: Tensor,
    c: Option<Tensor>,
    /// Per gate: its name and the counts `[hidden]` below and above the thresholds.
    counts: Vec<(&'static str, Tensor, Tensor)>,
}

impl LayerRun {
    fn saturation(&self, chars: f64) -> Vec<GateSaturation> {
        self.counts
            .iter()
            .map(|(gate, lo, hi)| {
                let (lo, hi) = (to_vec(lo), to_vec(hi));
                let per = |v: &[f32]| v.iter().map(|&x| (x as f64 / chars) as f32).collect::<Vec<f32>>();
                let units = lo.len() as f64 * chars;
                GateSaturation {
                    gate,
                    left: lo.iter().map(|&x| x as f64).sum::<f64>() / units,
                    right: hi.iter().map(|&x| x as f64).sum::<f64>() / units,
                    unit_left: per(&lo),
                    unit_right: per(&hi),
                }
            })
            .collect()
    }
}

/// One layer over the whole batch of sequences `x` `[B, T, in]`, with PyTorch's equations.
#[allow(clippy::too_many_arguments)]
fn run_layer(
    cell: CellKind,
    x: &Tensor,
    valid: &Tensor,
    w_ih: &Tensor,
    w_hh: &Tensor,
    b_ih: &Tensor,
    b_hh: &Tensor,
    hid: i64,
) -> LayerRun {
    let (b, steps) = (x.size()[0], x.size()[1]);
    let opts = (Kind::Float, x.device());
    // GRU keeps the hidden bias apart: its candidate gate scales it by r.
    let xp = match cell {
        CellKind::Gru => x.matmul(&w_ih.tr()) + b_ih,
        _ => x.matmul(&w_ih.tr()) + b_ih + b_hh,
    };
    let mut h = Tensor::zeros([b, hid], opts);
    let mut c = Tensor::zeros([b, hid], opts);
    let mut hs = Vec::with_capacity(steps as usize);
    let mut cs = Vec::new();
    let names: &[&'static str] = match cell {
        CellKind::Lstm => &["input", "forget", "output"],
        CellKind::Gru => &["reset", "update"],
        CellKind::Rnn => &[],
    };
    let mut counts: Vec<(&'static str, Tensor, Tensor)> =
        names.iter().map(|&g| (g, Tensor::zeros([hid], opts), Tensor::zeros([hid], opts))).collect();
    let mut count = |k: usize, gate: &Tensor, m: &Tensor| {
        let lo = (gate.lt(SATURATED_LOW).to_kind(Kind::Float) * m).sum_dim_intlist(0, false, Kind::Float);
        let hi = (gate.gt(SATURATED_HIGH).to_kind(Kind::Float) * m).sum_dim_intlist(0, false, Kind::Float);
        counts[k].1 += lo;
        counts[k].2 += hi;
    };
    for t in 0..steps {
        let xt = xp.select(1, t);
        let m = valid.select(1, t).unsqueeze(1);
        match cell {
            CellKind::Lstm => {
                let g = xt + h.matmul(&w_hh.tr());
                let parts = g.chunk(4, 1);
                let (i, f, gg, o) = (parts[0].sigmoid(), parts[1].sigmoid(), parts[2].tanh(), parts[3].sigmoid());
                c = &f * &c + &i * gg;
                h = &o * c.tanh();
                count(0, &i, &m);
                count(1, &f, &m);
                count(2, &o, &m);
                cs.push(c.shallow_clone());
            }
            CellKind::Gru => {
                let hp = h.matmul(&w_hh.tr()) + b_hh;
                let (xs, hps) = (xt.chunk(3, 1), hp.chunk(3, 1));
                let r = (&xs[0] + &hps[0]).sigmoid();
                let z = (&xs[1] + &hps[1]).sigmoid();
                let nn = (&xs[2] + &r * &hps[2]).tanh();
                h = (1.0 - &z) * nn + &z * &h;
                count(0, &r, &m);
                count(1, &z, &m);
            }
            CellKind::Rnn => {
                h = (xt + h.matmul(&w_hh.tr())).tanh();
            }
        }
        hs.push(h.shallow_clone());
    }
    LayerRun { h: Tensor::stack(&hs, 1), c: (!cs.is_empty()).then(|| Tensor::stack(&cs, 1)), counts }
}

fn to_vec(t: &Tensor) -> Vec<f32> {
    let t = t.to_kind(Kind::Float).contiguous().flatten(0, -1);
    let n = t.numel();
    let mut v = vec![0f32; n];
    t.copy_data(&mut v, n);
    v
}
