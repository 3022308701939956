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
        let c = self.cursor;
        let (target, wrapped) = if forward {
            let from = if first { c } else { c + 1 };
            match hits.iter().find(|&&h| h >= from) {
                Some(&h) => (h, false),
                None => (hits[0], true),
            }
        } else {
            match hits.iter().rev().find(|&&h| h < c) {
                Some(&h) => (h, false),
                None => (hits[hits.len() - 1], true),
            }
        };
        let n = hits.len();
        let i = hits.partition_point(|&h| h < target) + 1;
        let more = if s.capped { "+" } else { "" };
        let wrap = if wrapped { " (wrapped)" } else { "" };
        let text = s.text.clone();
        self.set_cursor(target);
        self.info_msg(format!("{text}: hit {i}/{n}{more}{wrap} (n/N next/previous)"));
    }
}
