//! The sampler chain: from a model's logits to the next character.
//!
//! Applied in this order (the order is part of the contract, and the README states it):
//! 1. **repetition penalty** on the raw logits: every distinct character among the last
//!    `repeat_window` characters has its logit `z` replaced by `z / penalty` when `z > 0` and by
//!    `z * penalty` otherwise (the CTRL rule, so the penalty always lowers the character);
//! 2. **temperature**: `softmax(z / T)` in log space; `T = 0` is argmax;
//! 3. **top-k**: keep the `k` most likely characters, renormalised;
//! 4. **top-p** (nucleus): of what top-k kept, keep the smallest most-likely set whose
//!    (renormalised) mass reaches `p`;
//! 5. **min-p**: of what top-p kept, drop characters less likely than `min_p` times the most
//!    likely one;
//! 6. renormalise, and draw by inverse CDF from one uniform number `u`.
//!
//! "Most likely" is always the order by logit, ties by id (see [`order`]): tempering never
//! changes it, even where tempered probabilities round to 0.
//!
//! Drawing from a given `u` (rather than from an RNG inside) is what makes *coupled* sampling
//! possible: panes that share `u` differ only by their settings.

pub mod distribution;
pub mod order;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::limits;

pub use distribution::{entropy_bits, rank_of, softmax_t, top_n, top_n_into, top_n_with};
pub use order::{order_by_logit, rank_by_logit, top_by_logit};

/// One stream's sampler chain, applied to the logits in the order the module documents. The
/// defaults change nothing: plain sampling at temperature 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SamplerSettings {
    /// Softmax temperature; 0 is argmax.
    pub temperature: f32,
    /// Keep only the k most likely characters; 0 turns it off.
    pub top_k: usize,
    /// Nucleus mass in (0, 1]; 1 turns it off.
    pub top_p: f32,
    /// Relative floor in [0, 1); 0 turns it off.
    pub min_p: f32,
    /// ≥ 1; 1 turns it off.
    pub repeat_penalty: f32,
    /// How many recent characters the repetition penalty looks at.
    pub repeat_window: usize,
}

impl Default for SamplerSettings {
    fn default() -> Self {
        SamplerSettings { temperature: 1.0, top_k: 0, top_p: 1.0, min_p: 0.0, repeat_penalty: 1.0, repeat_window: 64 }
    }
}

/// Top-p counts a nucleus as reaching `p` when its mass is within this of `p`: f32 probabilities
/// summed in f64 land a hair either side of an exact boundary (four characters at 0.25 and
/// top-p 0.5), and the cut should not depend on which.
pub const TOP_P_SLACK: f64 = 1e-6;

impl SamplerSettings {
    /// The default chain at temperature `t` (0 to 100; 0 is argmax).
    pub fn with_temperature(t: f32) -> Self {
        SamplerSettings { temperature: t, ..Default::default() }
    }

    /// Checks every setting against [`crate::limits`], naming the first one out of range and its
    /// allowed range.
    pub fn validate(&self) -> Result<(), String> {
        limits::TEMPERATURE.check("temperature", self.temperature)?;
        limits::TOP_P.check("top_p", self.top_p)?;
        limits::MIN_P.check("min_p", self.min_p)?;
        limits::REPEAT_PENALTY.check("repeat_penalty", self.repeat_penalty)?;
        limits::REPEAT_WINDOW.check("repeat_window", self.repeat_window)
    }

    /// The non-default settings, for titles and logs: e.g. `top-k 40 · top-p 0.90`.
    pub fn describe_extras(&self) -> String {
        let mut parts = Vec::new();
        if self.top_k > 0 {
            parts.push(format!("top-k {}", self.top_k));
        }
        if self.top_p < 1.0 {
            parts.push(format!("top-p {:.2}", self.top_p));
        }
        if self.min_p > 0.0 {
            parts.push(format!("min-p {:.2}", self.min_p));
        }
        if self.repeat_penalty > 1.0 {
            parts.push(format!("rep {:.2}/{}", self.repeat_penalty, self.repeat_window));
        }
        parts.join(" · ")
    }

    /// `T 0.20`, followed by any other active setting: how a stream is named to a person.
    pub fn label(&self) -> String {
        let extras = self.describe_extras();
        if extras.is_empty() {
            format!("T {:.2}", self.temperature)
        } else {
            format!("T {:.2} · {extras}", self.temperature)
        }
    }

    /// True when the chain leaves the model's distribution as it is (T = 1, nothing else on).
    pub fn is_model_distribution(&self) -> bool {
        self.temperature == 1.0
            && self.top_k == 0
            && self.top_p >= 1.0
            && self.min_p <= 0.0
            && (self.repeat_penalty <= 1.0 || self.repeat_window == 0)
    }

    /// The logits the chain tempers: the model's, with the repetition penalty applied (written to
    /// `scratch` only when the penalty is on). Ranks and orders are taken under these.
    pub fn penalised<'a>(&self, logits: &'a [f32], recent: &[u32], scratch: &'a mut Vec<f32>) -> &'a [f32] {
        if !(self.repeat_penalty > 1.0 && self.repeat_window > 0 && !recent.is_empty()) {
            return logits;
        }
        scratch.clear();
        scratch.extend_from_slice(logits);
        let tail = &recent[recent.len().saturating_sub(self.repeat_window)..];
        let mut seen = vec![false; logits.len()];
        for &id in tail {
            let i = id as usize;
            if i < seen.len() && !seen[i] {
                seen[i] = true;
                let v = scratch[i];
                scratch[i] = if v > 0.0 { v / self.repeat_penalty } else { v * self.repeat_penalty };
            }
        }
        scratch
    }

    /// Runs steps 1–6 of the chain, writing the distribution to draw from into `out`.
    /// `recent` is the stream's text so far as ids (only its tail is read).
    pub fn distribution(&self, logits: &[f32], recent: &[u32], scratch: &mut Vec<f32>, out: &mut Vec<f32>) {
        self.distribution_from(logits, recent, scratch, out);
    }

    /// As [`SamplerSettings::distribution`], returning the logits it tempered (those characters
    /// are ranked by: see [`SamplerSettings::penalised`]).
    pub fn distribution_from<'a>(
        &self,
        logits: &'a [f32],
        recent: &[u32],
        scratch: &'a mut Vec<f32>,
        out: &mut Vec<f32>,
    ) -> &'a [f32] {
        let z = self.penalised(logits, recent, scratch);
        softmax_t(z, self.temperature, out);
        self.truncate(z, out);
        z
    }

    /// The whole chain laid open, for showing what each step did: the tempered distribution
    /// before any cut, the one sampled, the order, and how many characters the cuts kept.
    pub fn view(&self, logits: &[f32], recent: &[u32]) -> ChainView {
        let mut scratch = Vec::new();
        let z = self.penalised(logits, recent, &mut scratch).to_vec();
        let mut tempered = Vec::new();
        softmax_t(&z, self.temperature, &mut tempered);
        let mut probs = tempered.clone();
        let kept = self.truncate(&z, &mut probs);
        let mut order = Vec::new();
        order_by_logit(&z, &mut order);
        let kept_mass = order[..kept].iter().map(|&id| tempered[id as usize] as f64).sum::<f64>() as f32;
        ChainView { z, tempered, probs, order, kept, kept_mass }
    }

    /// Steps 3–6 on the tempered distribution `p` (from the logits `z`), each cut applied to what
    /// the previous one left, renormalised — the order the README documents, as in Hugging Face's
    /// logits warpers and llama.cpp's sampler chain. Returns how many characters are kept: always
    /// the first ones in the order by logit.
    fn truncate(&self, z: &[f32], p: &mut [f32]) -> usize {
        let n = p.len();
        let k_on = self.top_k > 0 && self.top_k < n;
        let p_on = self.top_p < 1.0;
        let m_on = self.min_p > 0.0;
        if !(k_on || p_on || m_on) || n == 0 {
            return n;
        }
        let cmp = |a: &u32, b: &u32| order::cmp_by_logit(z, *a, *b);
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut keep = n;
        if k_on {
            order.select_nth_unstable_by(self.top_k - 1, cmp);
            keep = self.top_k;
        }
        order[..keep].sort_unstable_by(cmp);
        if p_on {
            // The nucleus is measured on what top-k left, renormalised.
            let mass: f64 = order[..keep].iter().map(|&id| p[id as usize] as f64).sum();
            let mut cum = 0.0f64;
            for (i, &id) in order[..keep].iter().enumerate() {
                cum += p[id as usize] as f64 / mass;
                if cum >= self.top_p as f64 - TOP_P_SLACK {
                    keep = i + 1;
                    break;
                }
            }
        }
        if m_on {
            // Renormalising scales every kept p alike, so the floor relative to the most likely
            // is the same before and after it.
            let floor = p[order[0] as usize] * self.min_p;
            keep = order[..keep].iter().take_while(|&&id| p[id as usize] >= floor).count().max(1);
        }
        for &id in &order[keep..] {
            p[id as usize] = 0.0;
        }
        let s: f64 = order[..keep].iter().map(|&id| p[id as usize] as f64).sum();
        if s > 0.0 {
            let inv = (1.0 / s) as f32;
            for v in p.iter_mut() {
                *v *= inv;
            }
        }
        keep
    }
}

/// The sampler chain applied to one set of logits, with its intermediate steps (see
/// [`SamplerSettings::view`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ChainView {
    /// The logits tempered: the model's, after the repetition penalty.
    pub z: Vec<f32>,
    /// After temperature, before any cut.
    pub tempered: Vec<f32>,
    /// The distribution sampled: cut and renormalised.
    pub probs: Vec<f32>,
    /// Every id, most likely first (by `z`, ties by id).
    pub order: Vec<u32>,
    /// The first `kept` ids of `order` survive the cuts; the rest were cut.
    pub kept: usize,
    /// Tempered mass of the kept characters (1 when nothing is cut).
    pub kept_mass: f32,
}

impl ChainView {
    /// Rank (1 = most likely) of every id, indexed by id.
    pub fn ranks(&self) -> Vec<u32> {
        let mut r = vec![0u32; self.order.len()];
        for (i, &id) in self.order.iter().enumerate() {
            r[id as usize] = i as u32 + 1;
        }
        r
    }
}

/// Inverse-CDF draw: the first id whose cumulative probability exceeds `u ∈ [0, 1)`.
/// Ids with probability 0 are never returned.
pub fn draw(probs: &[f32], u: f64) -> u32 {
    let total: f64 = probs.iter().map(|&p| p as f64).sum();
    let target = u.clamp(0.0, 1.0) * total;
    let mut cum = 0.0f64;
    let mut last = 0;
    for (i, &p) in probs.iter().enumerate() {
        if p <= 0.0 {
            continue;
        }
        cum += p as f64;
        last = i;
        if cum > target {
            return i as u32;
        }
    }
    last as u32
}

/// The source of uniform numbers for a set of streams.
///
/// Each stream draws from its own ChaCha8 stream of the seed, so adding a pane does not change what
/// the others draw. Coupled, every stream gets the same number each step.
pub struct Uniforms {
    seed: u64,
    /// Each stream's id (which ChaCha stream it draws from) and generator.
    rngs: Vec<(u64, ChaCha8Rng)>,
    /// The id the next added stream gets. Ids are never reused, so a stream added after a removal
    /// cannot replay the sequence of one that exists or existed.
    next_id: u64,
    shared: ChaCha8Rng,
}

impl Uniforms {
    /// `streams` streams with ids `0..streams`, so the same seed gives the same numbers.
    pub fn new(seed: u64, streams: usize) -> Self {
        let mut u = Uniforms { seed, rngs: Vec::new(), next_id: 0, shared: Self::rng(seed, u64::MAX) };
        u.resize(streams);
        u
    }

    fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        r.set_stream(stream);
        r
    }

    /// The seed every stream's sequence is derived from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Adds streams with fresh ids at the end, or drops streams from the end.
    pub fn resize(&mut self, streams: usize) {
        while self.rngs.len() < streams {
            let id = self.next_id;
            self.next_id += 1;
            self.rngs.push((id, Self::rng(self.seed, id)));
        }
        self.rngs.truncate(streams);
    }

    /// Drops stream `i`; later streams move down and keep their sequences.
    pub fn remove(&mut self, i: usize) {
        self.rngs.remove(i);
    }

    /// Restarts stream `i` from the beginning of its own sequence.
    pub fn reset_stream(&mut self, i: usize) {
        let id = self.rngs[i].0;
        self.rngs[i].1 = Self::rng(self.seed, id);
    }

    /// One uniform number per stream for the next step.
    pub fn next(&mut self, coupled: bool, out: &mut Vec<f64>) {
        out.clear();
        if coupled {
            let u = self.shared.random::<f64>();
            out.resize(self.rngs.len(), u);
        } else {
            out.extend(self.rngs.iter_mut().map(|(_, r)| r.random::<f64>()));
        }
    }
}

mod window;

pub use window::{penalty_window, push_to_window};

#[cfg(test)]
mod tests;

/// Checks that a model's logits are all finite. Weights that are finite but huge load fine and
/// then overflow float32 at run time; sampling from infinite or NaN logits would draw the same
/// character forever. Every path that steps a model (`sample`, `score`, the explorer) calls this on
/// each step's logits and stops with the error it returns.
///
/// `logits` holds `rows` rows of the vocabulary's size, row-major.
pub fn check_finite_logits(logits: &[f32], vocab: usize) -> crate::Result<()> {
    match logits.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(crate::Error::Invalid(format!(
            "the model produced a non-finite logit ({}) for character id {} of stream {}: its weights overflow \
             float32 arithmetic, so it cannot be sampled from",
            logits[i],
            i % vocab.max(1),
            i / vocab.max(1)
        ))),
    }
}
