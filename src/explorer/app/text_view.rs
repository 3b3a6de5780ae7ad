//! Which of a pane's characters are on screen, and in which cell: the one text layout that the
//! pane widget draws and that mouse clicks, the mouse wheel and the inspect cursor's line and page
//! moves read. A click therefore lands on exactly the character drawn under it.
//!
//! A pane either follows its newest text (the default) or is held at an anchor, the text index of
//! its top row's first character, after the wheel scrolled it or the inspect cursor moved above the
//! visible rows. Text indices count the prime's characters first, then every generated character,
//! so an anchor stays put while new text arrives below and old text drops off the front.

use ratatui::layout::Rect;

use super::wrap::{self, Row};
use super::{App, PaneState};

/// One pane's text as laid out in its inner area.
pub struct TextView<'a> {
    text: Text<'a>,
    pub area: Rect,
    /// The visible rows, top first (at most the area's height), indexing the pane's text.
    pub rows: Vec<Row>,
    /// The newest character is on screen: the pane follows its text.
    pub at_bottom: bool,
    /// The inspect cursor's index, when it is in this pane.
    pub cursor: Option<usize>,
}

/// The text a pane shows: the prime (while the whole history is still held), then the history.
struct Text<'a> {
    pane: &'a PaneState,
    prime: Vec<char>,
    /// The text index of index 0 (see the module docs).
    offset: u64,
}

impl<'a> Text<'a> {
    fn new(app: &'a App, index: usize) -> Text<'a> {
        let pane = &app.panes[index];
        let (prime, offset) = if pane.scored.is_some() {
            // A scored pane is its text alone: the newline it was read after shows nothing.
            (Vec::new(), pane.first_pos())
        } else if pane.is_complete() {
            (app.prime.chars().collect(), 0)
        } else {
            (Vec::new(), app.prime.chars().count() as u64 + pane.first_pos())
        };
        Text { pane, prime, offset }
    }

    fn len(&self) -> usize {
        self.prime.len() + self.pane.history().len()
    }

    fn ch(&self, i: usize) -> char {
        let plen = self.prime.len();
        if i < plen {
            self.prime[i]
        } else {
            self.pane.history()[i - plen].ch
        }
    }

    fn last_newline(&self) -> Option<usize> {
        let p = self.pane;
        match p.last_newline() {
            Some(n) if n >= p.first_pos() => Some(self.prime.len() + (n - p.first_pos()) as usize),
            _ => self.prime.iter().rposition(|&c| c == '\n'),
        }
    }

    fn index_of_pos(&self, pos: u64) -> Option<usize> {
        let p = self.pane;
        (pos >= p.first_pos() && pos < p.total()).then(|| self.prime.len() + (pos - p.first_pos()) as usize)
    }

    /// Rows from the start of the line holding `i` until `rows_after` rows past the one holding
    /// it (or the end of the text), and which of them holds `i`, and whether the text's end was
    /// reached. The start is chosen as the tail layout chooses it, so the rows are the same.
    fn around(&self, i: usize, width: usize, rows_after: usize) -> (Vec<Row>, usize, bool) {
        let end = self.len();
        let i = i.min(end);
        let ch = |k: usize| self.ch(k);
        let start = wrap::layout_start(i, self.pane.first_pos(), self.last_newline(), ch);
        // A row holds at most width + 1 characters (a hanging space), so this many reach far enough.
        let limit = end.min(i.saturating_add((width + 2) * (rows_after + 1)));
        let mut rows = Vec::new();
        wrap::wrap(width, start, limit, ch, &mut rows);
        let r = row_of(&rows, i);
        (rows, r, limit == end)
    }

    /// The last `h` rows, unless `cursor` is above them (then it sits a third of the way down).
    fn tail(&self, width: usize, h: usize, cursor: Option<usize>) -> Vec<Row> {
        let end = self.len();
        let need = end.saturating_sub((width + 1) * h).min(cursor.unwrap_or(usize::MAX));
        let start = wrap::layout_start(need, self.pane.first_pos(), self.last_newline(), |k| self.ch(k));
        let mut rows: Vec<Row> = Vec::with_capacity(h * 2);
        wrap::wrap(width, start, end, |k| self.ch(k), &mut rows);
        let first = visible_from(&rows, h, cursor);
        rows.drain(..first);
        rows.truncate(h);
        rows
    }
}

/// The row holding index `i` (the last one for the end of the text).
fn row_of(rows: &[Row], i: usize) -> usize {
    rows.partition_point(|r| r.end <= i).min(rows.len().saturating_sub(1))
}

/// The first row to show of a tail layout: the last `h` rows, unless the inspect cursor is above
/// them, in which case the cursor's row sits a third of the way down.
fn visible_from(rows: &[Row], h: usize, cursor: Option<usize>) -> usize {
    let bottom = rows.len().saturating_sub(h);
    let Some(c) = cursor else { return bottom };
    let row = row_of(rows, c);
    if row >= bottom {
        bottom
    } else {
        row.saturating_sub(h / 3)
    }
}

/// The inner area of a bordered pane: where its text goes.
pub fn text_area(pane: Rect) -> Rect {
    Rect { x: pane.x + 1, y: pane.y + 1, width: pane.width.saturating_sub(2), height: pane.height.saturating_sub(2) }
}

impl<'a> TextView<'a> {
    /// Pane `index` laid out in `area` (its inner area), as it is drawn.
    pub fn new(app: &'a App, index: usize, area: Rect) -> TextView<'a> {
        Self::build(app, index, area, true)
    }

    /// As drawn once the inspect cursor has left it: the cursor does not pull a following pane's
    /// view up. For moves that scroll first and then place the cursor in the new view.
    pub fn ignoring_cursor(app: &'a App, index: usize, area: Rect) -> TextView<'a> {
        Self::build(app, index, area, false)
    }

    fn build(app: &'a App, index: usize, area: Rect, with_cursor: bool) -> TextView<'a> {
        let text = Text::new(app, index);
        let cursor = app.inspect.filter(|c| with_cursor && c.pane == index).and_then(|c| text.index_of_pos(c.pos));
        let (w, h) = (area.width as usize, area.height as usize);
        let held = text.pane.view_anchor.map(|a| a.saturating_sub(text.offset).min(text.len() as u64) as usize);
        let anchored = held.and_then(|a| {
            let (mut rows, r, reached_end) = text.around(a, w.max(1), h);
            // Scrolled back down to the end: the tail layout shows it (with rows above if short).
            if reached_end && r + h >= rows.len() {
                return None;
            }
            rows.drain(..r);
            rows.truncate(h);
            Some(rows)
        });
        let at_bottom = anchored.is_none();
        let rows = match anchored {
            Some(rows) => rows,
            None if w == 0 || h == 0 => Vec::new(),
            None => text.tail(w, h, cursor),
        };
        TextView { text, area, rows, at_bottom, cursor }
    }

    /// Characters in the pane's text (prime included while shown).
    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Characters `0..prime_len()` are the prime.
    pub fn prime_len(&self) -> usize {
        self.text.prime.len()
    }

    pub fn ch(&self, i: usize) -> char {
        self.text.ch(i)
    }

    /// The generated position of index `i`, or `None` in the prime.
    pub fn pos_of(&self, i: usize) -> Option<u64> {
        let plen = self.prime_len();
        (i >= plen && i < self.len()).then(|| self.text.pane.first_pos() + (i - plen) as u64)
    }

    pub fn index_of_pos(&self, pos: u64) -> Option<usize> {
        self.text.index_of_pos(pos)
    }

    /// The drawn cells of row `y` of the view: (index, column, width), stopping at the right edge
    /// (a hanging space is not drawn).
    pub fn cells(&self, y: usize) -> Vec<(usize, usize, usize)> {
        let Some(row) = self.rows.get(y) else { return Vec::new() };
        let w = self.area.width as usize;
        let mut out = Vec::with_capacity(row.end - row.start);
        let mut x = 0;
        for i in row.start..row.end {
            let (_, cw) = wrap::display(self.ch(i));
            if x + cw > w {
                break;
            }
            out.push((i, x, cw));
            x += cw;
        }
        out
    }

    /// The character in view row `y` covering column `x`, or the row's last character when `x` is
    /// past its end (as a text editor places a click beyond the end of a line).
    pub fn at(&self, y: usize, x: usize) -> Option<usize> {
        let cells = self.cells(y);
        cells.iter().find(|&&(_, cx, cw)| x < cx + cw).or(cells.last()).map(|c| c.0)
    }

    /// The character drawn at screen cell (`column`, `row`), if the cell is in the text area.
    pub fn hit(&self, column: u16, row: u16) -> Option<usize> {
        let a = self.area;
        if column < a.x || column >= a.right() || row < a.y || row >= a.bottom() {
            return None;
        }
        self.at((row - a.y) as usize, (column - a.x) as usize)
    }

    /// The view row and column of index `i`, if it is on screen.
    pub fn place(&self, i: usize) -> Option<(usize, usize)> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, r)| (r.start..r.end).contains(&i))
            .find_map(|(y, _)| self.cells(y).iter().find(|c| c.0 == i).map(|c| (y, c.1)))
    }

    fn width(&self) -> usize {
        (self.area.width as usize).max(1)
    }

    /// The view scrolled by `delta` rows (negative: back through the text): the new anchor
    /// (`None`: following the newest text again) and how many rows it actually moved.
    pub fn scrolled(&self, delta: isize) -> (Option<u64>, usize) {
        let Some(top) = self.rows.first().map(|r| r.start) else { return (None, 0) };
        if delta >= 0 && self.at_bottom {
            return (None, 0);
        }
        self.text.scroll_from(top, self.width(), self.area.height as usize, delta)
    }

    /// The anchor that brings index `i` into view with the least scrolling: `Some(None)` to follow
    /// the newest text, `Some(Some(a))` to hold at `a`, `None` when it is already visible.
    pub fn reveal(&self, i: usize) -> Option<Option<u64>> {
        if self.place(i).is_some() {
            return None;
        }
        let (w, h) = (self.width(), self.area.height as usize);
        if self.rows.first().is_none_or(|r| i < r.start) {
            // Above the view: its row comes in at the top.
            return Some(Some(self.text.anchor_at_row_of(i, w)));
        }
        // Below: its row comes in at the bottom, or the view follows the end again.
        let (rows, r, reached_end) = self.text.around(i, w, h);
        if reached_end && r + h >= rows.len() {
            return Some(None);
        }
        Some(self.text.scroll_from(i, w, h, -(h.saturating_sub(1) as isize)).0)
    }
}

impl Text<'_> {
    /// The anchor that puts the row holding index `i` at the top.
    fn anchor_at_row_of(&self, i: usize, width: usize) -> u64 {
        let (rows, r, _) = self.around(i, width, 0);
        self.offset + rows.get(r).map_or(i, |row| row.start) as u64
    }

    /// Scrolls a view of `h` rows whose top row holds index `top` by `delta` rows: the new anchor
    /// (`None`: at the end, following) and the rows moved.
    fn scroll_from(&self, top: usize, w: usize, h: usize, delta: isize) -> (Option<u64>, usize) {
        if delta >= 0 {
            let n = delta as usize;
            let (rows, r, reached_end) = self.around(top, w, h + n);
            let bottom = rows.len().saturating_sub(h);
            if reached_end && r + n >= bottom {
                return (None, bottom.saturating_sub(r));
            }
            return (Some(self.offset + rows[r + n].start as u64), n);
        }
        let mut left = delta.unsigned_abs();
        let mut at = top;
        let mut moved = 0;
        loop {
            let (rows, r, _) = self.around(at, w, 0);
            if r >= left {
                return (Some(self.offset + rows[r - left].start as u64), moved + left);
            }
            let first = rows.first().map_or(0, |row| row.start);
            if first == 0 {
                return (Some(self.offset), moved + r);
            }
            // The row holding the character before this layout's first is the one just above it.
            moved += r + 1;
            left -= r + 1;
            at = first - 1;
            if left == 0 {
                return (Some(self.anchor_at_row_of(at, w)), moved);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explorer::app::testutil::*;

    fn app_with_text(text: &str) -> App {
        let mut app = app();
        for (k, c) in text.chars().enumerate() {
            let d = drawn(&app.vocab, c, 1.0, k as u64);
            app.panes[0].push(d);
        }
        app
    }

    fn shown(v: &TextView) -> Vec<String> {
        (0..v.rows.len()).map(|y| v.cells(y).iter().map(|c| wrap::display(v.ch(c.0)).0).collect()).collect()
    }

    #[test]
    fn the_tail_is_shown_and_a_click_finds_the_character_under_it() {
        let app = app_with_text("and so the sea, and so the sea");
        let v = TextView::new(&app, 0, Rect::new(1, 1, 10, 3));
        // The prime "KING HENRY:\n" is above; the last three rows show.
        assert_eq!(shown(&v), ["and so the", "sea, and ", "so the sea"], "a hanging space is not drawn");
        assert!(v.at_bottom);
        let i = v.hit(1 + 5, 1 + 1).unwrap();
        assert_eq!(v.ch(i), 'a');
        assert_eq!(v.pos_of(i), Some(16), "the 'a' of the second 'and'");
        // Past a row's end: its last character. Outside the area: nothing.
        assert_eq!(v.pos_of(v.hit(10, 2).unwrap()), Some(19));
        assert_eq!(v.hit(0, 1), None);
        assert_eq!(v.hit(5, 4), None);
    }

    #[test]
    fn scrolling_back_holds_the_view_and_down_to_the_end_follows_again() {
        let mut app = app_with_text("one\ntwo\nthree\nfour\nfive\nsix\n");
        let area = Rect::new(0, 0, 10, 2);
        let v = TextView::new(&app, 0, area);
        assert_eq!(shown(&v), ["six↵", ""]);
        let (anchor, moved) = v.scrolled(-3);
        assert_eq!(moved, 3);
        app.panes[0].view_anchor = anchor;
        let v = TextView::new(&app, 0, area);
        assert_eq!(shown(&v), ["three↵", "four↵"]);
        assert!(!v.at_bottom);
        // New text below does not move a held view.
        app.panes[0].push(drawn(&app.vocab, 'x', 1.0, 99));
        let v = TextView::new(&app, 0, area);
        assert_eq!(shown(&v), ["three↵", "four↵"]);
        // Back into the prime ("KING " / "HENRY:↵" at this width), and no further than its first row.
        let (anchor, moved) = v.scrolled(-100);
        assert_eq!((anchor, moved), (Some(0), 4));
        app.panes[0].view_anchor = anchor;
        assert_eq!(shown(&TextView::new(&app, 0, area)), ["KING ", "HENRY:↵"]);
        let (anchor, _) = TextView::new(&app, 0, area).scrolled(100);
        assert_eq!(anchor, None, "scrolled down to the end: following again");
    }

    #[test]
    fn reveal_scrolls_as_little_as_it_can() {
        let mut app = app_with_text("one\ntwo\nthree\nfour\nfive\nsix\n");
        let area = Rect::new(0, 0, 10, 2);
        let v = TextView::new(&app, 0, area);
        let two = v.index_of_pos(4).unwrap();
        assert_eq!(v.ch(two), 't');
        app.panes[0].view_anchor = v.reveal(two).unwrap();
        let v = TextView::new(&app, 0, area);
        assert_eq!(shown(&v), ["two↵", "three↵"], "a row above comes in at the top");
        let five = v.index_of_pos(19).unwrap();
        assert_eq!(v.ch(five), 'f');
        app.panes[0].view_anchor = v.reveal(five).unwrap();
        assert_eq!(shown(&TextView::new(&app, 0, area)), ["four↵", "five↵"], "a row below comes in at the bottom");
        let v = TextView::new(&app, 0, area);
        assert_eq!(v.reveal(five), None, "visible: nothing to do");
        assert_eq!(v.reveal(v.index_of_pos(24).unwrap()), Some(None), "the newest rows: follow again");
    }
}
