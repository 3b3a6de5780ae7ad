//! The engine's side of a scored pane: the text read through a one-stream stepper that shares the
//! panes' weights, in chunks, so the engine can look at its queue in between.

use super::Drawn;
use tempest_core::model::{SharedWeights, Stepper, Vocab};
use tempest_core::score::Scorer;

/// Characters scored between two looks at the request queue: a few milliseconds of work.
pub const CHUNK: usize = 64;

/// Scores `text` after `context`. `go_on(done)` is asked between chunks whether to carry on;
/// `Ok(None)` means it said no.
pub fn score(
    weights: &SharedWeights,
    vocab: &Vocab,
    context: &[u32],
    text: &[u32],
    go_on: &mut dyn FnMut(usize) -> bool,
) -> tempest_core::Result<Option<(Vec<Drawn>, Vec<f32>)>> {
    let mut scorer = Scorer::new(Stepper::new(weights, 1), vocab.clone(), context)?;
    let mut drawn = Vec::with_capacity(text.len());
    for (k, part) in text.chunks(CHUNK).enumerate() {
        if k > 0 && !go_on(k * CHUNK) {
            return Ok(None);
        }
        for &id in part {
            drawn.push(scorer.next(id)?);
        }
    }
    let next = scorer.next_logits()?.to_vec();
    Ok(Some((drawn, next)))
}
