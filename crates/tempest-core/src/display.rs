//! How characters and numbers are shown to a person: in messages, on the terminal, in the explorer.
//!
//! Anything printed from a file (a model's vocabulary or metadata, a prime, a path) goes through
//! these helpers, so a crafted file cannot move the cursor, retitle the terminal or change colours.

use std::path::Path;

/// A visible stand-in for a character that would otherwise show as nothing, move the cursor or
/// talk to the terminal. Space, newline and tab get the symbols people know from editors; every
/// other C0 control and DEL gets its Unicode Control Picture (U+2400 + code, so form feed is `␌`);
/// C1 controls (U+0080–U+009F), which have no picture, show as `¤`.
pub fn glyph(c: char) -> char {
    match c {
        ' ' => '␣',
        '\n' => '↵',
        '\t' => '⇥',
        '\u{7f}' => '␡',
        c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('¤'),
        c if c.is_control() => '¤',
        c => c,
    }
}

/// A character as a user can read it in a message: quoted, with invisible ones spelled out.
pub fn describe_char(c: char) -> String {
    match c {
        '\n' => "'\\n' (newline)".into(),
        '\t' => "'\\t' (tab)".into(),
        '\r' => "'\\r' (carriage return)".into(),
        ' ' => "' ' (space)".into(),
        c if c.is_control() => format!("U+{:04X} (control)", c as u32),
        c => format!("'{c}' (U+{:04X})", c as u32),
    }
}

/// `s` with every control character replaced by its [`glyph`], safe to print on a terminal.
pub fn escape_controls(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { glyph(c) } else { c }).collect()
}

/// At most `max` characters of `s`, safe to print, with a marked cut: error messages quote user
/// input, and a 1 MB value or a 100 KB path must not flood the terminal.
pub fn excerpt(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return escape_controls(s);
    }
    let head: String = s.chars().take(max).collect();
    format!("{}… ({} characters in all)", escape_controls(&head), thousands(n as u64))
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Characters of a path quoted in a message; longer ones are cut, marked and counted.
const PATH_QUOTE: usize = 160;

/// A path as quoted in a message: control characters escaped, and at most a short, marked excerpt.
pub fn quote_path(path: &Path) -> String {
    excerpt(&path.to_string_lossy(), PATH_QUOTE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_character_has_a_visible_glyph() {
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            let g = glyph(c);
            assert!(!g.is_control() && g != '\u{fffd}', "U+{:04X} shows as {g:?}", c as u32);
        }
        assert_eq!(glyph('\u{c}'), '␌');
        assert_eq!(glyph('\r'), '␍');
        assert_eq!(glyph('a'), 'a');
    }

    #[test]
    fn escapes_terminal_sequences() {
        let s = escape_controls("\u{1b}]0;pwned\u{7}\u{1b}[31mred");
        assert!(!s.chars().any(char::is_control), "{s:?}");
        assert!(s.contains("pwned"));
    }

    #[test]
    fn excerpts_are_short_and_marked() {
        let long = "x".repeat(100_000);
        let e = excerpt(&long, 40);
        assert!(e.chars().count() < 80, "{e}");
        assert!(e.contains("100,000 characters"), "{e}");
        assert_eq!(excerpt("short", 40), "short");
    }

    #[test]
    fn formats_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
