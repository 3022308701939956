//! The lists of marks (`'`) and bookmarks (`B`), and keeping both across runs:
//! every change is handed to the runner to save, and a saved set is restored
//! when the same recording (same identity) opens again.

use super::{App, Effect, Overlay, PlaceKind, Places};
use crate::tui::msg::Request;
use crate::tui::saved_marks::Saved;

impl App {
    /// The positions a list shows, in order.
    pub fn place_positions(&self, kind: PlaceKind) -> Vec<u64> {
        match kind {
            PlaceKind::Marks => self.marks.all.iter().copied().collect(),
            PlaceKind::Bookmarks => self.marks.bookmarks.iter().copied().collect(),
        }
    }

    /// The list open now, if one is.
    pub fn places(&self) -> Option<Places> {
        match self.overlay {
            Overlay::Places(p) => Some(p),
            _ => None,
        }
    }

    pub(super) fn open_places(&mut self, kind: PlaceKind) {
        let positions = self.place_positions(kind);
        self.help.top();
        // Start on the mark the diff uses, or the first bookmark at or after the cursor.
        let selected = match kind {
            PlaceKind::Marks => self.marks.mark.and_then(|m| positions.iter().position(|&p| p == m)),
            PlaceKind::Bookmarks => positions.iter().position(|&p| p >= self.cursor),
        }
        .unwrap_or(positions.len().saturating_sub(1));
        self.overlay = Overlay::Places(Places { kind, selected });
        // Both lists' unknowns: the worker answers only the newest request of a kind.
        let unknown: Vec<u64> = self
            .marks
            .all
            .union(&self.marks.bookmarks)
            .copied()
            .filter(|p| *p > 0 && !self.marks.described.contains_key(p))
            .collect();
        if !unknown.is_empty() {
            self.send(Request::Describe { positions: unknown });
        }
    }

    pub(super) fn place_move(&mut self, d: isize) {
        let Some(p) = self.places() else { return };
        let n = self.place_positions(p.kind).len();
        let to = (p.selected as isize)
            .saturating_add(d)
            .clamp(0, n.saturating_sub(1) as isize);
        self.overlay = Overlay::Places(Places {
            selected: to as usize,
            ..p
        });
    }

    fn place_selected(&self) -> Option<(Places, u64)> {
        let p = self.places()?;
        let pos = *self.place_positions(p.kind).get(p.selected)?;
        Some((p, pos))
    }

    pub(super) fn place_jump(&mut self) {
        let Some((p, pos)) = self.place_selected() else {
            return;
        };
        self.overlay = Overlay::None;
        match p.kind {
            PlaceKind::Marks => self.set_cursor(pos),
            PlaceKind::Bookmarks => self.goto_bookmark(pos),
        }
    }

    pub(super) fn place_delete(&mut self) {
        let Some((p, pos)) = self.place_selected() else {
            return;
        };
        match p.kind {
            PlaceKind::Marks => {
                self.marks.all.remove(&pos);
                if self.marks.mark == Some(pos) {
                    self.clear_mark();
                }
                self.info_msg(format!("mark {pos} deleted"));
            }
            PlaceKind::Bookmarks => {
                self.marks.bookmarks.remove(&pos);
                self.info_msg(format!("bookmark {pos} deleted"));
            }
        }
        self.place_move(0);
        self.save_marks();
    }

    /// What is kept of this recording's marks.
    pub fn saved_marks(&self) -> Saved {
        Saved {
            mark: self.marks.mark,
            marks: self.marks.all.iter().copied().collect(),
            bookmarks: self.marks.bookmarks.iter().copied().collect(),
        }
    }

    pub(super) fn save_marks(&mut self) {
        let saved = self.saved_marks();
        self.fx.push(Effect::SaveMarks(saved));
    }

    /// Bring back the marks kept for this recording; positions it lacks are dropped.
    pub fn restore_marks(&mut self, saved: Saved) {
        let len = self.info.len;
        let ok = |p: &u64| *p <= len;
        self.marks.all.extend(saved.marks.iter().copied().filter(ok));
        self.marks.mark = saved.mark.filter(ok);
        if let Some(m) = self.marks.mark {
            self.marks.all.insert(m);
        }
        self.marks.bookmarks.extend(saved.bookmarks.iter().copied().filter(ok));
        let (m, b) = (self.marks.all.len(), saved.bookmarks.len());
        if (m > 0 || b > 0) && self.message.is_none() {
            let plural = |n: usize, one: &str| {
                if n == 1 {
                    format!("1 {one}")
                } else {
                    format!("{n} {one}s")
                }
            };
            self.info_msg(format!(
                "kept from the last run: {} and {} (' and B list them)",
                plural(m, "mark"),
                plural(b, "bookmark")
            ));
        }
    }
}
