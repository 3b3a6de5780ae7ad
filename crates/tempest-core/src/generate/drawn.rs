//! [`Drawn`]: one generated character and what it was drawn from, the one type `tempest sample`,
//! `tempest score`, the explorer's worker, its history and its exports all use.

use crate::model::Vocab;
use crate::sampling::{entropy_bits, rank_by_logit, softmax_t, top_by_logit, ChainView, SamplerSettings};

/// One character drawn for one stream, with what it was drawn from: the sampler settings and the
/// logits they tempered, from which the whole distribution can be given back exactly as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    /// The character's id in the vocabulary.
    pub id: u32,
    /// The character itself.
    pub ch: char,
    /// Probability under the distribution sampled (temperature and truncation applied).
    pub p: f32,
    /// Probability under the model's own distribution (T = 1, nothing else applied).
    pub p1: f32,
    /// 1 = most likely, in the order by logit (ties go to the lower id): the model's order, which
    /// no temperature changes.
    pub rank: u32,
    /// Entropy of the distribution sampled, in bits.
    pub entropy_bits: f32,
    /// The sampler settings it was drawn with.
    pub settings: SamplerSettings,
    /// The model's logits it was drawn from.
    pub logits: Vec<f32>,
    /// The logits after the repetition penalty, when it changed any (else empty: see
    /// [`Drawn::z`]).
    pub penalised: Vec<f32>,
}

impl Drawn {
    /// Describes `id` as drawn from `probs` (the distribution sampled with `settings` from the
    /// model's `logits`, which the repetition penalty turned into `z`), beside `probs1` (the
    /// model's own distribution).
    pub fn new(
        vocab: &Vocab,
        id: u32,
        probs: &[f32],
        probs1: &[f32],
        logits: &[f32],
        z: &[f32],
        settings: SamplerSettings,
    ) -> Drawn {
        Drawn {
            id,
            ch: vocab.char(id),
            p: probs[id as usize],
            p1: probs1[id as usize],
            rank: rank_by_logit(z, id as usize) as u32,
            entropy_bits: entropy_bits(probs),
            settings,
            logits: logits.to_vec(),
            penalised: if z == logits { Vec::new() } else { z.to_vec() },
        }
    }

    /// The logits the chain tempered (the model's, after any repetition penalty): what orders
    /// and ranks the characters.
    pub fn z(&self) -> &[f32] {
        if self.penalised.is_empty() {
            &self.logits
        } else {
            &self.penalised
        }
    }

    /// The temperature it was drawn at.
    pub fn temperature(&self) -> f32 {
        self.settings.temperature
    }

    /// The chain as it ran for this character (`z` already carries any repetition penalty, so
    /// none is applied again): its `probs[id]` is `p`, exactly.
    pub fn chain(&self) -> ChainView {
        self.settings.view(self.z(), &[])
    }

    /// The `n` most likely ids, most likely first.
    pub fn top_ids(&self, n: usize) -> Vec<u32> {
        let mut out = Vec::new();
        top_by_logit(self.z(), n, &mut out);
        out
    }

    /// The `n` most likely characters as `(id, p sampled, p at T = 1)`, most likely first.
    pub fn top(&self, n: usize) -> Vec<(u32, f32, f32)> {
        let chain = self.chain();
        let mut p1 = Vec::new();
        softmax_t(&self.logits, 1.0, &mut p1);
        self.top_ids(n).into_iter().map(|id| (id, chain.probs[id as usize], p1[id as usize])).collect()
    }
}
