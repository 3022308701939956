//! Searching events: start a search, step through its hits.

use super::{App, EventSearch, SearchInFlight};
use crate::tui::msg::Request;

impl App {
    /// Search from the `/` prompt: go to the first hit at or after the cursor.
    pub(super) fn start_search(&mut self, text: String) {
        self.run_search(text, true);
    }

    /// The same search under a new filter: the hits change, the cursor stays.
    pub(super) fn rerun_search(&mut self, text: String) {
        self.run_search(text, false);
    }

    fn run_search(&mut self, text: String, jump: bool) {
        if text.is_empty() {
            self.events.search = None;
            self.pending.search = None;
            self.recompute_hit_cols();
            return;
        }
        let id = self.id();
        self.events.search = Some(EventSearch {
            text: text.clone(),
            ..EventSearch::default()
        });
        self.pending.search = Some(SearchInFlight { id, jump });
        self.send(Request::Search {
            id,
            text,
            filter: self.events.filter.clone(),
        });
    }

    /// Go to the next (or previous) hit; `first` = right after a search finished.
    pub(super) fn search_jump(&mut self, forward: bool, first: bool) {
        self.hit_jump(forward, first, 1);
    }

    /// Go `n` hits forward (or back), wrapping around the ends.
    pub(super) fn search_jump_n(&mut self, forward: bool, n: usize) {
        self.hit_jump(forward, false, n);
    }

    fn hit_jump(&mut self, forward: bool, first: bool, n: usize) {
        let Some(s) = &self.events.search else {
            self.info_msg("no search: press / to search");
            return;
        };
        if self.pending.search.is_some() {
            return;
        }
        if s.hits.is_empty() {
            let t = s.text.clone();
            self.info_msg(format!("no event matches {t}"));
            return;
        }
        let hits = &s.hits;
        let len = hits.len();
        let c = self.cursor;
        let steps = (n.max(1) - 1) % len;
        let (index, wrapped) = if forward {
            let from = if first { c } else { c + 1 };
            let at = hits.partition_point(|&h| h < from) + steps;
            (at % len, at >= len)
        } else {
            let before = hits.partition_point(|&h| h < c) as isize - 1 - steps as isize;
            (before.rem_euclid(len as isize) as usize, before < 0)
        };
        let target = hits[index];
        let more = if s.capped { "+" } else { "" };
        let wrap = if wrapped { " (wrapped)" } else { "" };
        let text = s.text.clone();
        self.set_cursor(target);
        self.info_msg(format!(
            "{text}: hit {}/{len}{more}{wrap} (n/N next/previous)",
            index + 1
        ));
    }
}
