//! The mark, bookmarks and what-if skips: positions the user singled out.

use super::{App, Pane};
use crate::tui::msg::DiffMode;

impl App {
    /// `m`: the mark at the cursor, which the diff then compares with; again
    /// there: clear it. Earlier marks stay in the `'` list.
    pub(super) fn toggle_mark(&mut self) {
        if self.marks.mark == Some(self.cursor) {
            self.marks.all.remove(&self.cursor);
            self.clear_mark();
            self.info_msg("mark cleared");
        } else {
            self.marks.mark = Some(self.cursor);
            self.marks.all.insert(self.cursor);
            self.diff.mode = DiffMode::Mark;
            self.lower = Pane::Diff;
            self.info_msg(format!(
                "mark set at {}: move, and the diff shows mark → cursor (d: other diffs, ' lists marks)",
                self.cursor
            ));
            self.diff.scroll.reset();
            self.request_state();
        }
        self.save_marks();
    }

    /// No mark for the diff any more; its diff falls back to the event's.
    pub(super) fn clear_mark(&mut self) {
        self.marks.mark = None;
        if self.diff.mode == DiffMode::Mark {
            self.diff.mode = DiffMode::Event;
        }
        self.diff.scroll.reset();
        self.request_state();
    }

    pub(super) fn toggle_bookmark(&mut self) {
        if self.marks.bookmarks.remove(&self.cursor) {
            self.info_msg(format!("bookmark {} removed", self.cursor));
        } else {
            self.marks.bookmarks.insert(self.cursor);
            self.info_msg(format!(
                "bookmarked {} ({{ and }} jump between bookmarks, B lists them)",
                self.cursor
            ));
        }
        self.save_marks();
    }

    pub(super) fn bookmark_jump(&mut self, forward: bool) {
        self.bookmark_jump_n(forward, 1);
    }

    /// The `n`th bookmark after (or before) the cursor, or the farthest there is.
    pub(super) fn bookmark_jump_n(&mut self, forward: bool, n: usize) {
        let b = &self.marks.bookmarks;
        let skip = n.max(1) - 1;
        let found = if forward {
            let mut after = b.range(self.cursor + 1..);
            after.clone().nth(skip).or_else(|| after.next_back()).copied()
        } else {
            let mut before = b.range(..self.cursor).rev();
            before.clone().nth(skip).or_else(|| before.next_back()).copied()
        };
        match found {
            Some(p) => self.goto_bookmark(p),
            None if forward => self.info_msg("no bookmark after the cursor (b sets one)"),
            None => self.info_msg("no bookmark before the cursor (b sets one)"),
        }
    }

    /// Move to a bookmark, naming the input that ends there if one does.
    pub(super) fn goto_bookmark(&mut self, p: u64) {
        self.set_cursor(p);
        let ends: Vec<&str> = self
            .info
            .input_ends
            .iter()
            .filter(|(e, _)| *e == p)
            .map(|(_, n)| n.as_str())
            .collect();
        if !ends.is_empty() {
            self.info_msg(format!(
                "bookmark {p}: end of {} (m here, then another input's end: the diff shows what came between)",
                crate::sanitize::clean(&ends.join(", "))
            ));
        }
    }

    pub(super) fn toggle_skip(&mut self) {
        if self.cursor == 0 {
            self.info_msg("no event at the start to skip");
            return;
        }
        if self.marks.skips.remove(&self.cursor) {
            if self.marks.skips.is_empty() && self.diff.mode == DiffMode::WhatIf {
                self.diff.mode = DiffMode::Event;
            }
            self.info_msg(format!("event {} restored", self.cursor));
        } else {
            self.marks.skips.insert(self.cursor);
            self.diff.mode = DiffMode::WhatIf;
            self.lower = Pane::Diff;
            self.info_msg(format!(
                "what-if: event {} skipped; the state is HYPOTHETICAL (x restores it, X restores all)",
                self.cursor
            ));
        }
        self.request_state();
    }

    pub(super) fn clear_skips(&mut self) {
        if self.marks.skips.is_empty() {
            return;
        }
        self.marks.skips.clear();
        if self.diff.mode == DiffMode::WhatIf {
            self.diff.mode = DiffMode::Event;
        }
        self.info_msg("what-if cleared: the state is the recorded one again");
        self.request_state();
    }
}
