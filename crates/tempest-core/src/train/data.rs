//! The corpus: read and checked, encoded, split into train and held-out parts, and batched.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::model::{UnknownPolicy, Vocab};

/// A training text, encoded and split: the first part to train on, the last part held out.
pub struct Corpus {
    /// The corpus's file name, recorded in the model's training facts.
    pub name: String,
    /// Every distinct character of the text (or the resumed model's vocabulary).
    pub vocab: Vocab,
    /// The ids trained on: the text before the held-out part.
    pub train: Vec<u32>,
    /// The held-out ids: the last `val_frac` of the text.
    pub val: Vec<u32>,
    /// Characters in the whole text.
    pub chars: u64,
    /// FNV-1a over the file's bytes: lets `--resume` notice a corpus that changed underneath it.
    pub fingerprint: u64,
}

/// FNV-1a (64-bit) of `bytes`: cheap, stable across builds, and enough to notice a changed file.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

impl Corpus {
    /// Reads a UTF-8 corpus. The *last* `val_frac` of it is held out, as char-rnn and nanoGPT do, so
    /// validation measures text the model has never seen rather than a shuffled sample of it.
    /// `vocab` is given when resuming, so ids stay those the model was built with.
    pub fn load(path: &Path, val_frac: f64, seq_len: usize, vocab: Option<Vocab>) -> Result<Self> {
        let bytes = crate::files::read_regular(path, crate::files::MAX_CORPUS_BYTES, "corpus")?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            Error::Invalid(format!(
                "corpus {} is not UTF-8: invalid byte 0x{:02X} at byte offset {}",
                crate::files::quote_path(path),
                bytes[e.valid_up_to()],
                e.valid_up_to()
            ))
        })?;
        if text.is_empty() {
            return Err(Error::Invalid(format!("corpus {} is empty", crate::files::quote_path(path))));
        }
        let vocab = match vocab {
            Some(v) => v,
            None => Vocab::from_text(text)?,
        };
        let ids = vocab.encode(text, UnknownPolicy::Error).map_err(|e| {
            Error::Invalid(format!("corpus {}: {e} (it changed since training began?)", crate::files::quote_path(path)))
        })?;
        let n = ids.len();
        let n_val = ((n as f64) * val_frac).round() as usize;
        let n_train = n - n_val;
        if n_train < seq_len + 1 {
            return Err(Error::Invalid(format!(
                "corpus {} has {n_train} training characters; at least seq_len + 1 = {} are needed",
                crate::files::quote_path(path),
                seq_len + 1
            )));
        }
        if val_frac > 0.0 && n_val < 2 {
            return Err(Error::Invalid(format!(
                "corpus {}: the held-out {:.0}% is only {n_val} characters; use a larger corpus or --val-frac 0",
                crate::files::quote_path(path),
                val_frac * 100.0
            )));
        }
        let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(Corpus {
            name,
            vocab,
            val: ids[n_train..].to_vec(),
            train: ids[..n_train].to_vec(),
            chars: n as u64,
            fingerprint: fingerprint(&bytes),
        })
    }
}

/// `batch` windows of `seq_len + 1` characters at random offsets, as (inputs, targets), each
/// `batch * seq_len` long, row-major.
pub fn random_windows(ids: &[u32], batch: usize, seq_len: usize, rng: &mut ChaCha8Rng) -> (Vec<i64>, Vec<i64>) {
    let mut x = Vec::with_capacity(batch * seq_len);
    let mut y = Vec::with_capacity(batch * seq_len);
    let span = ids.len() - seq_len;
    for _ in 0..batch {
        let start = rng.random_range(0..span);
        let w = &ids[start..start + seq_len + 1];
        x.extend(w[..seq_len].iter().map(|&i| i as i64));
        y.extend(w[1..].iter().map(|&i| i as i64));
    }
    (x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    #[test]
    fn non_utf8_names_the_byte_offset() {
        let f = write(b"hello \xff world");
        let err = Corpus::load(f.path(), 0.1, 2, None).err().unwrap().to_string();
        assert!(err.contains("byte offset 6"), "{err}");
        assert!(err.contains("0xFF"), "{err}");
    }

    #[test]
    fn empty_and_short_corpora_are_refused() {
        let err = Corpus::load(write(b"").path(), 0.1, 4, None).err().unwrap().to_string();
        assert!(err.contains("is empty"), "{err}");
        let err = Corpus::load(write(b"abcd").path(), 0.0, 4, None).err().unwrap().to_string();
        assert!(err.contains("at least seq_len + 1 = 5"), "{err}");
    }

    #[test]
    fn holds_out_the_last_fraction() {
        let f = write(b"aaaaaaaaab");
        let c = Corpus::load(f.path(), 0.2, 3, None).unwrap();
        assert_eq!(c.train.len(), 8);
        assert_eq!(c.vocab.decode(&c.val), "ab");
    }
}
