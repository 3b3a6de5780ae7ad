//! The character vocabulary: the exact characters a model knows, in id order.

use std::collections::HashMap;

use crate::display::describe_char;
use crate::error::{Error, Result};

/// What to do with a character of input text that the model has never seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownPolicy {
    /// Refuse the text, naming the character and where it is.
    #[default]
    Error,
    /// Drop unknown characters silently.
    Skip,
}

impl UnknownPolicy {
    /// Every policy with its name on the command line and in config files.
    pub const NAMES: [(&'static str, UnknownPolicy); 2] =
        [("error", UnknownPolicy::Error), ("skip", UnknownPolicy::Skip)];
}

/// The characters a model knows, in id order: id `i` is the model's input row and output logit `i`.
/// Characters are distinct, so encoding is unambiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocab {
    chars: Vec<char>,
    ids: HashMap<char, u32>,
}

impl Vocab {
    /// Builds a vocabulary from characters given in id order. Duplicates are an error because the
    /// id of a repeated character would be ambiguous.
    pub fn new(chars: Vec<char>) -> Result<Self> {
        if chars.is_empty() {
            return Err(Error::Vocab("the vocabulary is empty".into()));
        }
        let mut ids = HashMap::with_capacity(chars.len());
        for (i, &c) in chars.iter().enumerate() {
            if let Some(first) = ids.insert(c, i as u32) {
                return Err(Error::Vocab(format!(
                    "character {} appears twice (ids {first} and {i})",
                    describe_char(c)
                )));
            }
        }
        Ok(Vocab { chars, ids })
    }

    /// The vocabulary of a corpus: every distinct character, sorted by code point.
    pub fn from_text(text: &str) -> Result<Self> {
        let mut chars: Vec<char> = text.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        Self::new(chars)
    }

    /// Characters in the vocabulary (at least one).
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Always false for a built vocabulary; here because `len` is.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The characters in id order.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// The id of `c`, or `None` when the model has never seen it.
    pub fn id(&self, c: char) -> Option<u32> {
        self.ids.get(&c).copied()
    }

    /// The character with id `id`; panics when `id` is outside the vocabulary (ids come from it).
    pub fn char(&self, id: u32) -> char {
        self.chars[id as usize]
    }

    /// Encodes text, applying `policy` to characters outside the vocabulary. Positions in errors are
    /// 1-based character (not byte) positions, which is what a user counting along the text expects.
    pub fn encode(&self, text: &str, policy: UnknownPolicy) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(text.len());
        for (pos, c) in text.chars().enumerate() {
            match (self.id(c), policy) {
                (Some(id), _) => out.push(id),
                (None, UnknownPolicy::Skip) => {}
                (None, UnknownPolicy::Error) => return Err(Error::UnknownChar { ch: c, position: pos + 1 }),
            }
        }
        Ok(out)
    }

    /// The characters of `ids`, as text.
    pub fn decode(&self, ids: &[u32]) -> String {
        ids.iter().map(|&id| self.char(id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_text_is_sorted_and_distinct() {
        let v = Vocab::from_text("hello, world\n").unwrap();
        assert_eq!(v.chars(), &['\n', ' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
        assert_eq!(v.decode(&v.encode("world", UnknownPolicy::Error).unwrap()), "world");
    }

    #[test]
    fn unknown_char_names_char_and_position() {
        let v = Vocab::from_text("abc").unwrap();
        let err = v.encode("abéc", UnknownPolicy::Error).unwrap_err().to_string();
        assert!(err.contains("'é'"), "{err}");
        assert!(err.contains("position 3"), "{err}");
        assert_eq!(v.encode("abéc", UnknownPolicy::Skip).unwrap(), vec![0, 1, 2]);
    }

    #[test]
    fn duplicates_are_rejected() {
        let err = Vocab::new(vec!['a', 'b', 'a']).unwrap_err().to_string();
        assert!(err.contains("appears twice"), "{err}");
    }
}
