//! Laying out a pane's text: word wrap with a visible glyph for each newline, done only for the
//! tail of the text that can be on screen.
//!
//! The catch with laying out only a tail is stability: where a row breaks depends on where its
//! logical line began, so the layout always starts at a line start (just after a newline). If none
//! is near (a loop without newlines can run for thousands of characters), it starts at a position
//! aligned to [`ALIGN`], so rows reflow once every `ALIGN` characters instead of on every frame.

use tempest_core::display::glyph;
use unicode_width::UnicodeWidthChar;

/// How far back to look for the start of the line holding the first visible character.
pub const LOOKBACK: usize = 8192;
/// Granularity of the fallback start inside a very long line.
pub const ALIGN: u64 = 1024;

/// Characters `start..end` of the text form one row. A row may hold a trailing space beyond the
/// width (a wrapped space hangs at the end of its row and is not drawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub start: usize,
    pub end: usize,
}

/// What a character looks like in a pane, and how many cells it takes: newlines and tabs get
/// glyphs, every other control character its documented stand-in ([`glyph`]: form feed is `␌`),
/// and lone combining marks a dotted circle, so the grid never shifts.
pub fn display(c: char) -> (char, usize) {
    match c {
        '\n' => ('↵', 1),
        '\t' => ('⇥', 1),
        c if c.is_control() => (glyph(c), 1),
        c => match c.width() {
            Some(0) | None => ('◌', 1),
            Some(w) => (c, w.min(2)),
        },
    }
}

/// Where to begin laying out so that index `need` (and everything after it) gets the same rows on
/// every frame. `origin` is the absolute position of index 0, so the fallback alignment does not
/// move when old characters drop off the front. `last_newline` is the index of the text's newest
/// newline, if known: when it lies before `need`, no scanning is needed.
pub fn layout_start(need: usize, origin: u64, last_newline: Option<usize>, ch: impl Fn(usize) -> char) -> usize {
    let floor = need.saturating_sub(LOOKBACK);
    let found = match last_newline {
        Some(k) if k < need => (k >= floor).then_some(k),
        _ => (floor..need).rev().find(|&k| ch(k) == '\n'),
    };
    if let Some(k) = found {
        return k + 1;
    }
    if floor == 0 {
        return 0;
    }
    let abs = origin + need as u64;
    let aligned = abs - abs % ALIGN;
    (aligned.saturating_sub(origin) as usize).max(floor)
}

/// Word-wraps characters `start..end` into rows at most `width` cells wide, appending to `rows`.
/// Breaks after a space when it can, else inside the word; a newline ends its row after its glyph.
/// The last row is always pushed, even if empty: that is where the next character will appear.
pub fn wrap(width: usize, start: usize, end: usize, ch: impl Fn(usize) -> char, rows: &mut Vec<Row>) {
    let width = width.max(1);
    let mut row_start = start;
    let mut col = 0;
    // Index just after the last space in the current row, and the column there.
    let mut brk: Option<(usize, usize)> = None;
    for i in start..end {
        let c = ch(i);
        let (_, w) = display(c);
        if col + w > width && col > 0 {
            if c == ' ' {
                // Let the space hang at the end of the row instead of starting the next one.
                rows.push(Row { start: row_start, end: i + 1 });
                (row_start, col, brk) = (i + 1, 0, None);
                continue;
            }
            match brk.take() {
                Some((b, bcol)) if b > row_start => {
                    rows.push(Row { start: row_start, end: b });
                    row_start = b;
                    col -= bcol;
                }
                _ => {
                    rows.push(Row { start: row_start, end: i });
                    (row_start, col) = (i, 0);
                }
            }
            if col + w > width && col > 0 {
                rows.push(Row { start: row_start, end: i });
                (row_start, col) = (i, 0);
            }
        }
        col += w;
        if c == '\n' {
            rows.push(Row { start: row_start, end: i + 1 });
            (row_start, col, brk) = (i + 1, 0, None);
        } else if c == ' ' {
            brk = Some((i + 1, col));
        }
    }
    rows.push(Row { start: row_start, end });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, width: usize) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let mut rows = Vec::new();
        wrap(width, 0, chars.len(), |i| chars[i], &mut rows);
        rows.iter().map(|r| chars[r.start..r.end].iter().collect()).collect()
    }

    #[test]
    fn wraps_at_spaces_and_keeps_newlines_visible() {
        assert_eq!(lines("and so the sea, and so", 10), ["and so the ", "sea, and ", "so"]);
        assert_eq!(lines("KING:\nWhy", 10), ["KING:\n", "Why"]);
        assert_eq!(lines("ab\n", 10), ["ab\n", ""]);
    }

    #[test]
    fn long_words_break_inside() {
        assert_eq!(lines("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(lines("ab cdefghij", 4), ["ab ", "cdef", "ghij"]);
    }

    #[test]
    fn a_wrapped_space_hangs_and_a_newline_at_the_edge_moves_down() {
        assert_eq!(lines("abcd efgh", 4), ["abcd ", "efgh"]);
        assert_eq!(lines("abcd\nef", 4), ["abcd", "\n", "ef"]);
    }

    #[test]
    fn every_control_character_is_drawn_as_a_visible_glyph() {
        assert_eq!(display('\u{c}'), ('␌', 1), "form feed");
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            let (g, w) = display(c);
            assert!(w == 1 && g != '\u{fffd}' && !g.is_control(), "U+{:04X} is drawn as {g:?}", c as u32);
        }
    }

    #[test]
    fn wide_characters_take_two_cells() {
        assert_eq!(lines("日本語です", 4), ["日本", "語で", "す"]);
        // Nothing panics or loops at width 1, even with a character wider than the row.
        assert_eq!(lines("日a", 1), ["日", "a"]);
    }

    #[test]
    fn layout_starts_at_a_line_start_or_an_aligned_position() {
        let text: Vec<char> = "ab\ncdefg".chars().collect();
        assert_eq!(layout_start(6, 0, None, |i| text[i]), 3);
        assert_eq!(layout_start(6, 0, Some(2), |_| unreachable!("no scan needed")), 3);
        assert_eq!(layout_start(2, 0, None, |i| text[i]), 0);
        // A line far longer than the lookback: the start only moves in steps of ALIGN.
        let n = LOOKBACK + 3000;
        let a = layout_start(n, 0, None, |_| 'x');
        let b = layout_start(n + 1, 0, None, |_| 'x');
        assert_eq!(layout_start(n, 0, Some(5), |_| unreachable!("no scan needed")), a);
        assert_eq!(a, b);
        assert_eq!(a as u64 % ALIGN, 0);
        assert!(a <= n);
    }
}
