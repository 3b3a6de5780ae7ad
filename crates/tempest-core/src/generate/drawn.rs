//! [`Drawn`]: one generated character and what it was drawn from, the one type `tempest sample`,
//! the explorer's worker, its history and its exports all use.

use crate::model::Vocab;
use crate::sampling::{entropy_bits, rank_of, top_n_with};

/// One character drawn for one stream, with the facts about the distribution it came from that
/// every consumer needs (nothing that would have to be recomputed from logits later).
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
    /// 1 = most likely under the distribution sampled (ties go to the lower id).
    pub rank: u32,
    /// Entropy of the distribution sampled, in bits.
    pub entropy_bits: f32,
    /// The temperature it was drawn at.
    pub temperature: f32,
    /// The top of the distribution sampled, most likely first: `(id, p at T, p at 1)`. As many
    /// entries as the generator was asked for (see [`super::Generator::with_top_n`]).
    pub top: Vec<(u32, f32, f32)>,
}

impl Drawn {
    /// Describes `id` as drawn from `probs` (the distribution sampled, at `temperature`), beside
    /// `probs1` (the model's own distribution), keeping the `top_n` most likely characters.
    pub fn new(vocab: &Vocab, id: u32, probs: &[f32], probs1: &[f32], temperature: f32, top_n: usize) -> Drawn {
        let mut top = Vec::with_capacity(top_n.min(probs.len()));
        top_n_with(probs, top_n, &mut top, |t: &(u32, f32, f32)| t.1, |i, p| (i, p, probs1[i as usize]));
        Drawn {
            id,
            ch: vocab.char(id),
            p: probs[id as usize],
            p1: probs1[id as usize],
            rank: rank_of(probs, id as usize) as u32,
            entropy_bits: entropy_bits(probs),
            temperature,
            top,
        }
    }
}
