//! Counts typed before a key, as in vim, less and jless: `5j` steps five events,
//! `10G` goes to position 10, `3n` to the third hit on. A key that takes no
//! count runs once.

use super::{App, Overlay, Pane};
use crate::tui::keys::Action;
use crate::tui::layout;

/// Counts stop growing here: past any recording's length, and no overflow.
const MAX_COUNT: u64 = 999_999_999_999;

impl App {
    /// A digit of a count; `0` starts none (it only continues one).
    pub(super) fn count_digit(&mut self, c: char) {
        let Some(d) = c.to_digit(10) else { return };
        if d == 0 && self.count.is_none() {
            return;
        }
        let n = self.count.unwrap_or(0).saturating_mul(10).saturating_add(u64::from(d));
        self.count = Some(n.min(MAX_COUNT));
    }

    /// Run `action` with count `n` (at least 1).
    pub(super) fn perform_counted(&mut self, action: Action, n: u64) {
        use Action as A;
        let n = n.max(1);
        let signed = i64::try_from(n).unwrap_or(i64::MAX);
        let lines = isize::try_from(n).unwrap_or(isize::MAX / 2).min(isize::MAX / 4);
        match action {
            A::StepFwd => self.step(signed),
            A::StepBack => self.step(-signed),
            A::PageFwd => self.page(signed),
            A::PageBack => self.page(-signed),
            // `10G`, `10g`: position 10, as `10G` is line 10 in vim and less.
            A::Start | A::End => self.set_cursor(n),
            A::JumpFwd => self.jump_tenth(signed),
            A::JumpBack => self.jump_tenth(-signed),
            A::SearchNext => self.search_jump_n(true, n as usize),
            A::SearchPrev => self.search_jump_n(false, n as usize),
            A::NextBookmark => self.bookmark_jump_n(true, n as usize),
            A::PrevBookmark => self.bookmark_jump_n(false, n as usize),
            A::TreeDown => self.tree_do(|t| t.move_by(lines)),
            A::TreeUp => self.tree_do(|t| t.move_by(-lines)),
            A::TreePageDown => self.tree_do_page(lines),
            A::TreePageUp => self.tree_do_page(-lines),
            // `5G` in the tree: the fifth row, in a text pane: the fifth line.
            A::TreeTop | A::TreeBottom => self.tree_do(|t| {
                t.top();
                t.move_by(lines - 1);
            }),
            A::TreeSearchNext => self.tree_hit(lines),
            A::TreeSearchPrev => self.tree_hit(-lines),
            A::ScrollDown | A::ScrollUp | A::ScrollPageDown | A::ScrollPageUp | A::ScrollTop | A::ScrollBottom
                if self.overlay == Overlay::None =>
            {
                self.scroll_counted(action, lines)
            }
            A::ScrollLeft => self.scroll_sideways(-lines),
            A::ScrollRight => self.scroll_sideways(lines),
            _ => self.perform(action),
        }
    }

    fn tree_do_page(&mut self, pages: isize) {
        let h = layout::inner(self.areas().tree).height.max(1) as isize;
        self.tree_do(|t| t.move_by(pages.saturating_mul(h)));
    }

    /// The diff's or the detail's scroll moved by a count.
    fn scroll_counted(&mut self, action: Action, n: isize) {
        use Action as A;
        let page = layout::inner(self.areas().lower).height.saturating_sub(1).max(1) as isize;
        let s = match self.focus {
            Pane::Detail => &mut self.detail.scroll,
            _ => &mut self.diff.scroll,
        };
        match action {
            A::ScrollDown => s.by(n),
            A::ScrollUp => s.by(-n),
            A::ScrollPageDown => s.by(n.saturating_mul(page)),
            A::ScrollPageUp => s.by(-n.saturating_mul(page)),
            _ => {
                s.top();
                s.by(n - 1);
            }
        }
    }
}
