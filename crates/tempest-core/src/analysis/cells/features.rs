//! The built-in features of text that `tempest cells` looks for units to track.
//!
//! Every feature is a value per character, describing the text *after* that character has been
//! read (which is what a recurrent state can know): the opening quote is inside the quotes, the
//! closing one is not; a `(` is at depth 1.

use serde::Serialize;

/// A yes/no feature is scored by AUC, a numeric one by correlation (see [`super::score`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureKind {
    /// Holds or does not at each character (inside quotes, start of a word).
    Binary,
    /// A number at each character (bracket depth, position in the line).
    Numeric,
}

/// One feature: its name (as `--json` and the explorer show it) and what it measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Feature {
    /// Short identifier, as `--json`, the plot and the explorer show it.
    pub name: &'static str,
    /// One line saying what is measured, for the report.
    pub description: &'static str,
    /// Yes/no or numeric, which decides how units are scored against it.
    pub kind: FeatureKind,
}

/// Every built-in feature, in the order they are reported.
pub const FEATURES: [Feature; 10] = [
    Feature {
        name: "in_double_quotes",
        description: "inside \"double quotes\" (from the opening quote to just before the closing one)",
        kind: FeatureKind::Binary,
    },
    Feature {
        name: "in_single_quotes",
        description: "inside 'single quotes' (an apostrophe between two letters does not count; reset at a newline)",
        kind: FeatureKind::Binary,
    },
    Feature {
        name: "line_position",
        description: "how far through its line the character is: column / line length, 0 to 1",
        kind: FeatureKind::Numeric,
    },
    Feature {
        name: "since_newline",
        description: "characters since the last newline (the column, from 0)",
        kind: FeatureKind::Numeric,
    },
    Feature { name: "paren_depth", description: "depth inside ( )", kind: FeatureKind::Numeric },
    Feature { name: "bracket_depth", description: "depth inside [ ]", kind: FeatureKind::Numeric },
    Feature { name: "brace_depth", description: "depth inside { }", kind: FeatureKind::Numeric },
    Feature {
        name: "word_start",
        description: "the first character of a word (a letter or digit after a non-word character)",
        kind: FeatureKind::Binary,
    },
    Feature {
        name: "speaker_line",
        description: "in a line that is an all-caps speaker name, like \"KING HENRY.\" or \"PANDARUS:\"",
        kind: FeatureKind::Binary,
    },
    Feature {
        name: "indent",
        description: "the current line's indentation (leading spaces, a tab counting 4)",
        kind: FeatureKind::Numeric,
    },
];

/// The feature called `name`.
pub fn feature(name: &str) -> Option<&'static Feature> {
    FEATURES.iter().find(|f| f.name == name)
}

/// One value per character for every feature in [`FEATURES`] (same order): 0/1 for yes/no
/// features.
pub fn compute(text: &[char]) -> Vec<Vec<f32>> {
    let n = text.len();
    let mut out: Vec<Vec<f32>> = FEATURES.iter().map(|_| Vec::with_capacity(n)).collect();
    let lines = line_facts(text);
    let (mut dq, mut sq) = (false, false);
    let mut depth = [0i64; 3];
    let mut col = 0usize;
    let mut line = 0usize;
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    for (i, &c) in text.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| text[j]);
        let next = text.get(i + 1).copied();
        match c {
            '"' => dq = !dq,
            // "don't", "o'er": an apostrophe inside a word is not a quote.
            '\'' if !(prev.is_some_and(char::is_alphabetic) && next.is_some_and(char::is_alphabetic)) => sq = !sq,
            '(' => depth[0] += 1,
            ')' => depth[0] = (depth[0] - 1).max(0),
            '[' => depth[1] += 1,
            ']' => depth[1] = (depth[1] - 1).max(0),
            '{' => depth[2] += 1,
            '}' => depth[2] = (depth[2] - 1).max(0),
            _ => {}
        }
        // The closing quote is read as "out": the toggle above already happened.
        let word_start = is_word(c) && !prev.is_some_and(is_word);
        let facts = lines[line];
        let values = [
            dq as u8 as f32,
            sq as u8 as f32,
            if facts.len == 0 { 0.0 } else { col as f32 / facts.len as f32 },
            col as f32,
            depth[0] as f32,
            depth[1] as f32,
            depth[2] as f32,
            word_start as u8 as f32,
            facts.speaker as u8 as f32,
            facts.indent as f32,
        ];
        for (o, v) in out.iter_mut().zip(values) {
            o.push(v);
        }
        if c == '\n' {
            sq = false;
            col = 0;
            line += 1;
        } else {
            col += 1;
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
struct LineFacts {
    /// Characters in the line, its newline included.
    len: usize,
    speaker: bool,
    indent: usize,
}

fn line_facts(text: &[char]) -> Vec<LineFacts> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=text.len() {
        if i == text.len() || text[i] == '\n' {
            let end = (i + 1).min(text.len());
            if i < text.len() || start < text.len() {
                let line = &text[start..end];
                out.push(LineFacts { len: line.len(), speaker: is_speaker(line), indent: indent(line) });
            }
            start = i + 1;
        }
    }
    if out.is_empty() {
        out.push(LineFacts { len: 0, speaker: false, indent: 0 });
    }
    out
}

/// "KING HENRY.", "PANDARUS:", "FIRST CITIZEN." — at least two capital letters, no lower-case
/// letter, nothing but letters, spaces and `'`, `-`, `&`, `,` before an optional final `.` or `:`.
fn is_speaker(line: &[char]) -> bool {
    let body: Vec<char> = line.iter().copied().filter(|&c| c != '\n' && c != '\r').collect();
    let body = match body.last() {
        Some('.') | Some(':') => &body[..body.len() - 1],
        _ => &body[..],
    };
    let caps = body.iter().filter(|c| c.is_uppercase()).count();
    caps >= 2 && body.iter().all(|&c| c.is_uppercase() || matches!(c, ' ' | '\'' | '-' | '&' | ','))
}

fn indent(line: &[char]) -> usize {
    line.iter().take_while(|&&c| c == ' ' || c == '\t').map(|&c| if c == '\t' { 4 } else { 1 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str, name: &str) -> Vec<f32> {
        let chars: Vec<char> = text.chars().collect();
        let i = FEATURES.iter().position(|f| f.name == name).unwrap();
        compute(&chars).swap_remove(i)
    }

    #[test]
    fn quotes_hold_from_the_opening_quote_to_before_the_closing_one() {
        assert_eq!(values("a\"bc\"d", "in_double_quotes"), vec![0., 1., 1., 1., 0., 0.]);
        // The apostrophe of "don't" is not a quote; 'x' is.
        assert_eq!(values("don't 'x'", "in_single_quotes"), vec![0., 0., 0., 0., 0., 0., 1., 1., 0.]);
        // An unclosed single quote ends with its line.
        assert_eq!(values("'a\nb", "in_single_quotes"), vec![1., 1., 1., 0.]);
    }

    #[test]
    fn depths_count_brackets_and_never_go_negative() {
        assert_eq!(values("f(a(b))c)", "paren_depth"), vec![0., 1., 1., 2., 2., 1., 0., 0., 0.]);
        assert_eq!(values("{[x]}", "brace_depth"), vec![1., 1., 1., 1., 0.]);
        assert_eq!(values("{[x]}", "bracket_depth"), vec![0., 1., 1., 0., 0.]);
    }

    #[test]
    fn line_position_runs_from_zero_to_near_one_and_since_newline_counts() {
        assert_eq!(values("abc\nde\n", "since_newline"), vec![0., 1., 2., 3., 0., 1., 2.]);
        assert_eq!(values("abc\n", "line_position"), vec![0., 0.25, 0.5, 0.75]);
    }

    #[test]
    fn word_starts_and_speaker_lines_and_indents() {
        assert_eq!(values("an ox_1", "word_start"), vec![1., 0., 0., 1., 0., 0., 0.]);
        assert_eq!(values("KING HENRY.\nHi\n", "speaker_line"), [vec![1.; 12], vec![0.; 3]].concat());
        assert_eq!(values("I.\n", "speaker_line"), vec![0.; 3]);
        assert_eq!(values("  x\n\ty\n", "indent"), vec![2., 2., 2., 2., 4., 4., 4.]);
    }
}
