//! A scrolled text pane's offset. Only drawing knows how many lines the text
//! wraps into, so the view clamps the offset while drawing and records the
//! largest useful one; the model's moves then clamp to what was on screen
//! (gitui's `VerticalScroll` works the same way).

use std::cell::Cell;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scroll {
    offset: Cell<usize>,
    /// The largest offset that still fills the pane, as of the last draw.
    max: Cell<Option<usize>>,
}

impl Scroll {
    pub fn offset(&self) -> usize {
        self.offset.get()
    }

    /// Move by `d` lines (negative: up), within what the last draw showed.
    pub fn by(&mut self, d: isize) {
        let max = self.max.get().unwrap_or(usize::MAX / 2);
        let to = (self.offset.get() as isize).saturating_add(d).clamp(0, max as isize);
        self.offset.set(to as usize);
    }

    pub fn top(&mut self) {
        self.offset.set(0);
    }

    /// The last page; the next draw settles the exact offset.
    pub fn bottom(&mut self) {
        self.offset.set(self.max.get().unwrap_or(usize::MAX / 2));
    }

    /// Back to the top for new text whose length the next draw learns.
    pub fn reset(&mut self) {
        self.offset.set(0);
        self.max.set(None);
    }

    /// Drawing `len` lines `height` at a time: the offset to show, clamped so
    /// the last page stays full.
    pub fn fit(&self, len: usize, height: usize) -> usize {
        let max = len.saturating_sub(height);
        self.max.set(Some(max));
        let at = self.offset.get().min(max);
        self.offset.set(at);
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_clamp_to_the_last_drawn_length() {
        let mut s = Scroll::default();
        s.by(3);
        assert_eq!(s.offset(), 3);
        assert_eq!(s.fit(10, 8), 2);
        s.by(5);
        assert_eq!(s.offset(), 2);
        s.by(-1);
        assert_eq!(s.offset(), 1);
        s.bottom();
        assert_eq!(s.offset(), 2);
        s.top();
        assert_eq!(s.offset(), 0);
        s.by(-4);
        assert_eq!(s.offset(), 0);
        s.reset();
        s.bottom();
        assert_eq!(s.fit(30, 10), 20);
    }
}
