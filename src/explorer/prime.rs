//! Which prime the explorer starts from. A prime written for one model often does not fit another
//! (the built-in `KING HENRY:` has a `K` that a model trained on lower-case text never saw), so
//! a configured prime that does not fit gives way to the model's own default prime (stored by
//! `tempest train`), and `--unknown skip` drops what the model does not know. Only a prime given
//! with `--prime` is held to the letter, since the user typed it for this model.

use tempest_core::display::{describe_char, excerpt};
use tempest_core::model::{UnknownPolicy, Vocab};

/// The prime to start from, and what to tell the user about how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub text: String,
    pub note: Option<String>,
}

/// `configured` is the prime from the config layers; `explicit` says it came from `--prime`.
/// `model_prime` is the model's own default prime, if it has one.
pub fn choose(
    configured: &str,
    explicit: bool,
    unknown: UnknownPolicy,
    vocab: &Vocab,
    model_prime: Option<&str>,
) -> Result<Chosen, String> {
    let unknown_chars: Vec<char> = {
        let mut seen = Vec::new();
        for c in configured.chars().filter(|&c| vocab.id(c).is_none()) {
            if !seen.contains(&c) {
                seen.push(c);
            }
        }
        seen
    };
    if unknown_chars.is_empty() {
        return Ok(Chosen { text: configured.to_string(), note: None });
    }
    let named = name_all(&unknown_chars);
    let kept: String = configured.chars().filter(|&c| vocab.id(c).is_some()).collect();
    if unknown == UnknownPolicy::Skip && !kept.is_empty() {
        return Ok(Chosen { text: kept, note: Some(format!("prime: skipped {named}, not in the model's vocabulary")) });
    }
    if explicit && unknown == UnknownPolicy::Error {
        return Err(format!(
            "--prime has {named}, not in the model's vocabulary; pass --unknown skip to drop them, \
             or leave out --prime to use the model's own prime"
        ));
    }
    let fits = |p: &&str| !p.is_empty() && p.chars().all(|c| vocab.id(c).is_some());
    if let Some(own) = model_prime.filter(fits) {
        return Ok(Chosen {
            text: own.to_string(),
            note: Some(format!(
                "the configured prime has {named}, unknown to this model: starting from the model's own prime {}",
                quote(own)
            )),
        });
    }
    if !kept.is_empty() {
        return Ok(Chosen {
            text: kept,
            note: Some(format!(
                "prime: skipped {named}, not in the model's vocabulary (the model has no prime of its own)"
            )),
        });
    }
    // Nothing of the configured prime is left: start from a newline, as `sample` does by default,
    // or from the model's first character if it has no newline.
    let start = if vocab.id('\n').is_some() { '\n' } else { vocab.char(0) };
    Ok(Chosen {
        text: start.to_string(),
        note: Some(format!(
            "none of the configured prime is in the model's vocabulary: starting from {}",
            describe_char(start)
        )),
    })
}

fn quote(s: &str) -> String {
    format!("\"{}\"", excerpt(s, 40))
}

/// `'é'`, `'é' and 'ï'`, `3 characters ('é', 'ï', '日')`, at most eight named.
fn name_all(chars: &[char]) -> String {
    let one =
        |c: char| if c.is_control() || c.is_whitespace() { format!("U+{:04X}", c as u32) } else { format!("'{c}'") };
    match chars {
        [c] => one(*c),
        _ => {
            let mut named: Vec<String> = chars.iter().take(8).map(|&c| one(c)).collect();
            if chars.len() > 8 {
                named.push(format!("{} more", chars.len() - 8));
            }
            format!("{} characters ({})", chars.len(), named.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower() -> Vocab {
        Vocab::from_text("abcdefghijklmnopqrstuvwxyz :,.\n").unwrap()
    }

    #[test]
    fn a_prime_that_fits_is_kept() {
        let c = choose("king henry:\n", false, UnknownPolicy::Error, &lower(), Some("the end")).unwrap();
        assert_eq!(c, Chosen { text: "king henry:\n".into(), note: None });
    }

    #[test]
    fn a_configured_prime_that_does_not_fit_gives_way_to_the_models_own() {
        let c = choose("KING HENRY:\n", false, UnknownPolicy::Error, &lower(), Some("the winter of\n")).unwrap();
        assert_eq!(c.text, "the winter of\n");
        let note = c.note.unwrap();
        assert!(note.contains("'K'") && note.contains("model's own prime"), "{note}");
    }

    #[test]
    fn unknown_skip_drops_what_the_model_does_not_know() {
        let c = choose("KING henry:\n", true, UnknownPolicy::Skip, &lower(), Some("own")).unwrap();
        assert_eq!(c.text, " henry:\n");
        assert!(c.note.unwrap().contains("skipped 4 characters ('K', 'I', 'N', 'G')"));
    }

    #[test]
    fn an_explicit_prime_is_refused_with_the_way_out() {
        let e = choose("KING", true, UnknownPolicy::Error, &lower(), Some("own")).unwrap_err();
        assert!(e.contains("--unknown skip") && e.contains("'K'"), "{e}");
    }

    #[test]
    fn without_a_prime_of_its_own_the_known_part_or_a_newline_is_used() {
        let c = choose("KING henry", false, UnknownPolicy::Error, &lower(), None).unwrap();
        assert_eq!(c.text, " henry");
        let c = choose("KING", false, UnknownPolicy::Error, &lower(), Some("ÉÉ")).unwrap();
        assert_eq!(c.text, "\n", "a stored prime that does not fit is not used either");
    }
}
