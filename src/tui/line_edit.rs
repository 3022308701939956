//! A one-line text editor with readline's keys, for the prompts. The cursor
//! is a byte offset that always sits on a character boundary.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEdit {
    text: String,
    at: usize,
}

impl LineEdit {
    /// `text` with the cursor at its end.
    pub fn new(text: &str) -> LineEdit {
        LineEdit {
            text: text.to_string(),
            at: text.len(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text before and after the cursor.
    pub fn split(&self) -> (&str, &str) {
        self.text.split_at(self.at)
    }

    pub fn set(&mut self, text: &str) {
        *self = LineEdit::new(text);
    }

    pub fn insert(&mut self, c: char) {
        self.text.insert(self.at, c);
        self.at += c.len_utf8();
    }

    pub fn backspace(&mut self) {
        if let Some(c) = self.text[..self.at].chars().next_back() {
            self.at -= c.len_utf8();
            self.text.remove(self.at);
        }
    }

    pub fn delete(&mut self) {
        if self.at < self.text.len() {
            self.text.remove(self.at);
        }
    }

    pub fn left(&mut self) {
        if let Some(c) = self.text[..self.at].chars().next_back() {
            self.at -= c.len_utf8();
        }
    }

    pub fn right(&mut self) {
        if let Some(c) = self.text[self.at..].chars().next() {
            self.at += c.len_utf8();
        }
    }

    pub fn home(&mut self) {
        self.at = 0;
    }

    pub fn end(&mut self) {
        self.at = self.text.len();
    }

    /// Back to the start of this or the previous word (Alt-B; words are letters and digits).
    pub fn word_left(&mut self) {
        self.at = word_start(&self.text, self.at, |c| !c.is_alphanumeric());
    }

    /// On past the end of this or the next word (Alt-F).
    pub fn word_right(&mut self) {
        let rest = &self.text[self.at..];
        let skip = rest.find(char::is_alphanumeric).unwrap_or(rest.len());
        let word = rest[skip..]
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len() - skip);
        self.at += skip + word;
    }

    /// Delete from the start of the line to the cursor (Ctrl-U).
    pub fn kill_to_start(&mut self) {
        self.text.replace_range(..self.at, "");
        self.at = 0;
    }

    /// Delete the whitespace-separated word before the cursor (Ctrl-W).
    pub fn kill_word_back(&mut self) {
        let from = word_start(&self.text, self.at, char::is_whitespace);
        self.text.replace_range(from..self.at, "");
        self.at = from;
    }
}

/// Where the word ending at `at` starts: skip separators back, then the word.
fn word_start(text: &str, at: usize, is_sep: impl Fn(char) -> bool) -> usize {
    let before = &text[..at];
    let trimmed = before.trim_end_matches(&is_sep);
    match trimmed.char_indices().rev().find(|(_, c)| is_sep(*c)) {
        Some((i, c)) => i + c.len_utf8(),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(l: &LineEdit) -> String {
        let (a, b) = l.split();
        format!("{a}|{b}")
    }

    #[test]
    fn readline_keys_move_and_delete() {
        let mut l = LineEdit::new("type:Memory* agent-1");
        assert_eq!(at(&l), "type:Memory* agent-1|");
        l.word_left();
        assert_eq!(at(&l), "type:Memory* agent-|1");
        l.word_left();
        assert_eq!(at(&l), "type:Memory* |agent-1");
        l.word_left();
        assert_eq!(at(&l), "type:|Memory* agent-1");
        l.word_right();
        assert_eq!(at(&l), "type:Memory|* agent-1");
        l.word_right();
        assert_eq!(at(&l), "type:Memory* agent|-1");
        l.end();
        l.kill_word_back();
        assert_eq!(at(&l), "type:Memory* |");
        l.kill_word_back();
        assert_eq!(at(&l), "|");
        l.set("abc");
        l.left();
        l.kill_to_start();
        assert_eq!(at(&l), "|c");
        l.insert('é');
        l.insert('x');
        assert_eq!(at(&l), "éx|c");
        l.left();
        l.left();
        l.left();
        assert_eq!(at(&l), "|éxc");
        l.right();
        l.backspace();
        assert_eq!(at(&l), "|xc");
        l.delete();
        assert_eq!(at(&l), "|c");
        l.home();
        l.backspace();
        l.end();
        l.delete();
        l.right();
        assert_eq!(at(&l), "c|");
    }
}
