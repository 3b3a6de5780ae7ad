//! A short sample from the model being trained, printed at checkpoints (as char-rnn does) so that
//! a user sees it learn: spelling first, then words, then the shape of the text.

use crate::error::Result;
use crate::generate::Generator;
use crate::model::{CharRnn, UnknownPolicy, Vocab};
use crate::sampling::SamplerSettings;

/// `length` characters generated at `temperature` after `prime` (characters the model does not
/// know are skipped; an empty prime starts from the first character of the vocabulary).
pub fn sample_text(
    model: &CharRnn,
    vocab: &Vocab,
    prime: &str,
    temperature: f32,
    length: usize,
    seed: u64,
) -> Result<String> {
    let _guard = tch::no_grad_guard();
    let mut ids = vocab.encode(prime, UnknownPolicy::Skip)?;
    if ids.is_empty() {
        ids.push(0);
    }
    let settings = vec![SamplerSettings::with_temperature(temperature)];
    let mut gen = Generator::new(model.stepper(1), vocab.clone(), settings, seed, false)?;
    gen.prime(&ids)?;
    let mut text = String::with_capacity(length);
    for _ in 0..length {
        text.push(gen.step()?[0].ch);
    }
    Ok(text)
}
