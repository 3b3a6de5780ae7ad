//! `tempest score --color`: the text with each character styled by its GLTR rank bucket, for a
//! terminal. Colours as the explorer's defaults (green, yellow, red, magenta from most to least
//! expected); under NO_COLOR, dim / plain / bold / bold underlined as the explorer does.

use std::io::{self, Write};

use tempest_core::display::escape_controls;

/// When `--color` styles its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum When {
    /// Only when standard output is a terminal (colours unless NO_COLOR is set).
    Auto,
    /// Always, with colours, even into a pipe or file.
    Always,
    /// Never: the plain text and the legend.
    Never,
}

/// SGR parameters of the four buckets, most expected first.
const COLOURS: [&str; 4] = ["32", "33", "31", "35"];
const NO_COLOUR: [&str; 4] = ["2", "", "1", "1;4"];

pub struct Painter {
    styles: Option<[&'static str; 4]>,
}

impl Painter {
    /// `styled`: write escape sequences at all; `colour`: colours rather than bold and dim.
    pub fn new(styled: bool, colour: bool) -> Painter {
        Painter { styles: styled.then_some(if colour { COLOURS } else { NO_COLOUR }) }
    }

    /// One scored character in its bucket's style. Newlines and tabs stay as they are (unstyled,
    /// so a background never runs to the end of a line); other control characters are shown
    /// escaped, so a text cannot drive the terminal.
    pub fn paint(&self, w: &mut impl Write, c: char, bucket: usize) -> io::Result<()> {
        match self.styles {
            Some(s) if !matches!(c, '\n' | '\t') && !s[bucket].is_empty() => {
                write!(w, "\x1b[{}m{}\x1b[0m", s[bucket], shown(c))
            }
            _ => write!(w, "{}", shown(c)),
        }
    }

    /// A character that was not scored (unknown to the model, skipped).
    pub fn plain(&self, w: &mut impl Write, c: char) -> io::Result<()> {
        write!(w, "{}", shown(c))
    }

    /// `colour = rank under the model:  top-1 54.2%   top-3 …`, each label in its style.
    pub fn legend(&self, w: &mut impl Write, labels: &[String; 4], counts: &[u64; 4], chars: u64) -> io::Result<()> {
        write!(w, "colour = rank under the model:")?;
        for (b, (label, &n)) in labels.iter().zip(counts).enumerate() {
            let text = format!(" {label} {:.1}% ", 100.0 * n as f64 / chars.max(1) as f64);
            match self.styles {
                Some(s) if !s[b].is_empty() => write!(w, " \x1b[{}m{text}\x1b[0m", s[b])?,
                _ => write!(w, " {text}")?,
            }
        }
        writeln!(w)
    }
}

fn shown(c: char) -> String {
    match c {
        '\n' | '\t' => c.to_string(),
        c if c.is_control() => escape_controls(&c.to_string()),
        c => c.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn painted(p: &Painter, c: char, bucket: usize) -> String {
        let mut out = Vec::new();
        p.paint(&mut out, c, bucket).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn buckets_get_their_styles_and_control_characters_are_escaped() {
        let colour = Painter::new(true, true);
        assert_eq!(painted(&colour, 'a', 0), "\x1b[32ma\x1b[0m");
        assert_eq!(painted(&colour, 'a', 3), "\x1b[35ma\x1b[0m");
        assert_eq!(painted(&colour, '\n', 3), "\n");
        assert!(!painted(&colour, '\x1b', 2).contains("\x1b[31m\x1b"), "a raw escape never reaches the terminal");
        let mono = Painter::new(true, false);
        assert_eq!(painted(&mono, 'a', 1), "a");
        assert_eq!(painted(&mono, 'a', 3), "\x1b[1;4ma\x1b[0m");
        assert_eq!(painted(&Painter::new(false, false), 'a', 3), "a");
    }
}
