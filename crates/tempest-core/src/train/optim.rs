//! AdamW and the learning-rate schedule, written out so that their whole state (moments and step)
//! can be saved in the resume checkpoint; libtorch's optimizers do not expose it through tch.

use tch::Tensor;

/// AdamW (Adam with decoupled weight decay), with its state in plain tensors so a resume checkpoint
/// can hold it.
pub struct AdamW {
    /// Decay of the first-moment (mean) estimate, 0.9.
    pub beta1: f64,
    /// Decay of the second-moment (uncentred variance) estimate, 0.999.
    pub beta2: f64,
    /// Added to the root of the second moment so a step never divides by zero, 1e-8.
    pub eps: f64,
    /// Decay per unit of learning rate, applied to weight matrices only.
    pub weight_decay: f64,
    /// Steps taken, for bias correction.
    pub t: i64,
    /// The model's tensors with their moments, in `state_dict` order.
    pub params: Vec<Param>,
}

/// One optimised tensor and its moments.
pub struct Param {
    /// The tensor's `state_dict` name.
    pub name: String,
    /// The tensor itself, shared with the model.
    pub value: Tensor,
    /// Running mean of its gradient.
    pub m: Tensor,
    /// Running mean of its squared gradient.
    pub v: Tensor,
    /// Decay only applies to matrices: decaying biases and embeddings does not regularise usefully.
    pub decay: bool,
}

impl AdamW {
    /// An optimiser for `named` tensors with zero moments; decay applies to 2-D weights other than the
    /// embedding.
    pub fn new(named: Vec<(String, Tensor)>, weight_decay: f64) -> Self {
        let params = named
            .into_iter()
            .map(|(name, value)| {
                let decay = value.dim() == 2 && name != "embed.weight";
                Param { m: value.zeros_like(), v: value.zeros_like(), name, value, decay }
            })
            .collect();
        AdamW { beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay, t: 0, params }
    }

    /// Clears every gradient before the next backward pass.
    pub fn zero_grad(&mut self) {
        for p in &mut self.params {
            let mut g = p.value.grad();
            if g.defined() {
                let _ = g.zero_();
            }
        }
    }

    /// Scales gradients so their global L2 norm is at most `max_norm`; returns the norm before.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> f64 {
        let _guard = tch::no_grad_guard();
        let norms: Vec<Tensor> = self
            .params
            .iter()
            .map(|p| p.value.grad())
            .filter(|g| g.defined())
            .map(|g| g.square().sum(tch::Kind::Float))
            .collect();
        if norms.is_empty() {
            return 0.0;
        }
        let total = Tensor::stack(&norms, 0).sum(tch::Kind::Float).sqrt().double_value(&[]);
        if max_norm > 0.0 && total > max_norm {
            let scale = max_norm / (total + 1e-6);
            for p in &self.params {
                let mut g = p.value.grad();
                if g.defined() {
                    let _ = g.g_mul_scalar_(scale);
                }
            }
        }
        total
    }

    /// One update at learning rate `lr`, bias-corrected for the steps taken.
    pub fn step(&mut self, lr: f64) {
        let _guard = tch::no_grad_guard();
        self.t += 1;
        let bc1 = 1.0 - self.beta1.powi(self.t as i32);
        let bc2 = 1.0 - self.beta2.powi(self.t as i32);
        for p in &mut self.params {
            let g = p.value.grad();
            if !g.defined() {
                continue;
            }
            if p.decay && self.weight_decay > 0.0 {
                let _ = p.value.g_mul_scalar_(1.0 - lr * self.weight_decay);
            }
            let _ = p.m.g_mul_scalar_(self.beta1);
            let _ = p.m.g_add_(&(&g * (1.0 - self.beta1)));
            let _ = p.v.g_mul_scalar_(self.beta2);
            let _ = p.v.g_add_(&(g.square() * (1.0 - self.beta2)));
            let denom = (&p.v / bc2).sqrt() + self.eps;
            let update = (&p.m / &denom) * (lr / bc1);
            let _ = p.value.g_sub_(&update);
        }
    }
}

/// Linear warm-up to `peak`, then cosine decay to `peak * floor` at `total` steps.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Schedule {
    /// Learning rate at the end of warm-up.
    pub peak: f64,
    /// Steps of linear warm-up.
    pub warmup: u64,
    /// Step at which the decay reaches the floor.
    pub total: u64,
    /// Final learning rate as a fraction of `peak`, in [0, 1].
    pub floor: f64,
}

impl Schedule {
    /// The learning rate of step `step` (counting from 0).
    pub fn lr(&self, step: u64) -> f64 {
        if step < self.warmup {
            return self.peak * (step + 1) as f64 / self.warmup as f64;
        }
        let span = self.total.saturating_sub(self.warmup).max(1) as f64;
        let progress = ((step - self.warmup) as f64 / span).min(1.0);
        let cos = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
        self.peak * (self.floor + (1.0 - self.floor) * cos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_warms_up_then_decays_to_floor() {
        let s = Schedule { peak: 1e-3, warmup: 10, total: 110, floor: 0.1 };
        assert!((s.lr(0) - 1e-4).abs() < 1e-12);
        assert!((s.lr(9) - 1e-3).abs() < 1e-12);
        assert!((s.lr(10) - 1e-3).abs() < 1e-12);
        assert!((s.lr(60) - 0.55e-3).abs() < 1e-9);
        assert!((s.lr(110) - 1e-4).abs() < 1e-12);
        assert!(s.lr(30) > s.lr(31));
    }

    #[test]
    fn adamw_minimises_a_quadratic() {
        let x = Tensor::from_slice(&[3.0f32, -2.0]).set_requires_grad(true);
        let mut opt = AdamW::new(vec![("x".into(), x.shallow_clone())], 0.0);
        for _ in 0..500 {
            opt.zero_grad();
            x.square().sum(tch::Kind::Float).backward();
            opt.step(0.05);
        }
        let v = Vec::<f32>::try_from(&x).unwrap();
        assert!(v.iter().all(|a| a.abs() < 1e-2), "{v:?}");
    }
}
