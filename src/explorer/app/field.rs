//! A text being edited: the characters and a cursor between them, with the movements and edits a
//! user expects from any text box. Positions count characters (not bytes), so the cursor can
//! never land inside a multi-byte character.

/// The text of an open editor and where the cursor stands in it (0 = before the first
/// character, `len` = after the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    chars: Vec<char>,
    cursor: usize,
    /// The text is a prefilled value the user has not touched yet: the first character typed
    /// replaces it (as a selected value in a dialog would be), while moving the cursor keeps it.
    pub fresh: bool,
}

impl Field {
    /// `text` with the cursor at its end.
    pub fn new(text: &str) -> Field {
        let chars: Vec<char> = text.chars().collect();
        Field { cursor: chars.len(), chars, fresh: false }
    }

    /// As [`Field::new`], but typing replaces the whole text.
    pub fn prefilled(text: &str) -> Field {
        Field { fresh: true, ..Field::new(text) }
    }

    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// Inserts `s` at the cursor and moves the cursor past it.
    pub fn insert(&mut self, s: &str) {
        if std::mem::take(&mut self.fresh) {
            self.clear();
        }
        let added: Vec<char> = s.chars().collect();
        let n = added.len();
        self.chars.splice(self.cursor..self.cursor, added);
        self.cursor += n;
    }

    pub fn insert_char(&mut self, c: char) {
        let mut tmp = [0u8; 4];
        self.insert(c.encode_utf8(&mut tmp));
    }

    pub fn clear(&mut self) {
        self.chars.clear();
        self.cursor = 0;
        self.fresh = false;
    }

    pub fn backspace(&mut self) {
        self.fresh = false;
        if self.cursor > 0 {
            self.cursor -= 1;
            self.chars.remove(self.cursor);
        }
    }

    pub fn delete(&mut self) {
        self.fresh = false;
        if self.cursor < self.chars.len() {
            self.chars.remove(self.cursor);
        }
    }

    /// Deletes back to the start of the word before the cursor (Ctrl-W in a shell).
    pub fn delete_word_back(&mut self) {
        let to = self.word_start();
        self.fresh = false;
        self.chars.drain(to..self.cursor);
        self.cursor = to;
    }

    /// Deletes from the cursor to the end of its line (Ctrl-K).
    pub fn delete_to_line_end(&mut self) {
        let end = self.line_end(self.cursor);
        self.fresh = false;
        // At the end of a line, Ctrl-K joins the next one, as in Emacs and readline.
        let end = if end == self.cursor { (end + 1).min(self.chars.len()) } else { end };
        self.chars.drain(self.cursor..end);
    }

    /// Keeps only the characters `keep` accepts; the cursor stays after the same kept characters.
    pub fn retain(&mut self, keep: impl Fn(char) -> bool) {
        let before = self.chars[..self.cursor].iter().filter(|&&c| keep(c)).count();
        self.chars.retain(|&c| keep(c));
        self.cursor = before;
        self.fresh = false;
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.chars.len());
    }

    pub fn word_left(&mut self) {
        self.cursor = self.word_start();
    }

    pub fn word_right(&mut self) {
        let n = self.chars.len();
        let mut i = self.cursor;
        while i < n && !self.chars[i].is_alphanumeric() {
            i += 1;
        }
        while i < n && self.chars[i].is_alphanumeric() {
            i += 1;
        }
        self.cursor = i;
    }

    /// Start of the line the cursor is on.
    pub fn home(&mut self) {
        self.cursor = self.line_start(self.cursor);
    }

    /// End of the line the cursor is on (before its newline).
    pub fn end(&mut self) {
        self.cursor = self.line_end(self.cursor);
    }

    pub fn text_start(&mut self) {
        self.cursor = 0;
    }

    pub fn text_end(&mut self) {
        self.cursor = self.chars.len();
    }

    /// The same column on the line above, or the line's end if it is shorter; from the first line,
    /// the start of the text.
    pub fn up(&mut self) {
        let start = self.line_start(self.cursor);
        if start == 0 {
            return self.cursor = 0;
        }
        let col = self.cursor - start;
        let above = self.line_start(start - 1);
        self.cursor = (above + col).min(start - 1);
    }

    /// The same column on the line below, or its end; from the last line, the end of the text.
    pub fn down(&mut self) {
        let end = self.line_end(self.cursor);
        if end == self.chars.len() {
            return self.cursor = end;
        }
        let col = self.cursor - self.line_start(self.cursor);
        let below = end + 1;
        self.cursor = (below + col).min(self.line_end(below));
    }

    fn line_start(&self, at: usize) -> usize {
        self.chars[..at].iter().rposition(|&c| c == '\n').map_or(0, |i| i + 1)
    }

    fn line_end(&self, at: usize) -> usize {
        self.chars[at..].iter().position(|&c| c == '\n').map_or(self.chars.len(), |i| at + i)
    }

    fn word_start(&self) -> usize {
        let mut i = self.cursor;
        while i > 0 && !self.chars[i - 1].is_alphanumeric() {
            i -= 1;
        }
        while i > 0 && self.chars[i - 1].is_alphanumeric() {
            i -= 1;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(f: &Field) -> String {
        let mut s: String = f.chars[..f.cursor].iter().collect();
        s.push('|');
        s.extend(&f.chars[f.cursor..]);
        s
    }

    #[test]
    fn moves_by_character_word_and_line() {
        let mut f = Field::new("ab cd\nefgh\nx");
        assert_eq!(at(&f), "ab cd\nefgh\nx|");
        f.up();
        assert_eq!(at(&f), "ab cd\ne|fgh\nx");
        f.up();
        assert_eq!(at(&f), "a|b cd\nefgh\nx");
        f.up();
        assert_eq!(at(&f), "|ab cd\nefgh\nx");
        f.end();
        assert_eq!(at(&f), "ab cd|\nefgh\nx");
        f.down();
        assert_eq!(at(&f), "ab cd\nefgh|\nx", "a shorter line clamps the column");
        f.down();
        assert_eq!(at(&f), "ab cd\nefgh\nx|");
        f.home();
        f.left();
        f.left();
        assert_eq!(at(&f), "ab cd\nefg|h\nx");
        f.word_left();
        assert_eq!(at(&f), "ab cd\n|efgh\nx");
        f.word_left();
        assert_eq!(at(&f), "ab |cd\nefgh\nx");
        f.word_right();
        assert_eq!(at(&f), "ab cd|\nefgh\nx");
        f.text_start();
        f.right();
        assert_eq!(at(&f), "a|b cd\nefgh\nx");
    }

    #[test]
    fn edits_at_the_cursor() {
        let mut f = Field::new("naïve café");
        f.word_left();
        f.insert("au ");
        assert_eq!(at(&f), "naïve au |café");
        f.backspace();
        f.delete();
        assert_eq!(at(&f), "naïve au|afé");
        f.delete_word_back();
        assert_eq!(at(&f), "naïve |afé");
        f.insert("line\nbreak ");
        assert_eq!(at(&f), "naïve line\nbreak |afé");
        f.up();
        f.delete_to_line_end();
        assert_eq!(at(&f), "naïve |\nbreak afé");
        f.delete_to_line_end();
        assert_eq!(at(&f), "naïve |break afé", "at a line's end, ctrl-k joins the next");
        f.retain(|c| c.is_ascii());
        assert_eq!(at(&f), "nave |break af");
    }

    #[test]
    fn a_prefilled_value_is_replaced_by_typing_but_not_by_moving() {
        let mut f = Field::prefilled("1234");
        f.left();
        assert!(f.fresh);
        f.insert_char('9');
        assert_eq!(at(&f), "9|");
        let mut f = Field::prefilled("1234");
        f.backspace();
        assert_eq!(at(&f), "123|", "editing keys edit the value");
        f.insert_char('5');
        assert_eq!(at(&f), "1235|");
    }
}
