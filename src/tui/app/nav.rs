//! Moving the cursor: steps, pages, jumps and seeks, and keeping the loaded
//! window of list rows around it. Unfiltered moves are arithmetic; filtered
//! ones use the loaded rows, or ask the worker when they run off the window.

use super::{App, Pane, RowsInFlight};
use crate::tui::layout;
use crate::tui::msg::{Request, Row};

/// What the list pane shows on one line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Line<'a> {
    Event(&'a Row),
    /// The cursor sits on an event the filter hides (or rows are still loading).
    Cursor(u64),
}

impl App {
    pub fn list_height(&self) -> usize {
        layout::inner(self.areas().list).height.max(1) as usize
    }

    /// How many rows to load on each side of the cursor.
    fn margin(&self) -> usize {
        (self.list_height() * 3).max(60)
    }

    pub(crate) fn request_rows(&mut self, anchor: u64) {
        let id = self.id();
        let m = self.margin();
        self.pending.rows = Some(RowsInFlight { id, anchor, seek: None });
        self.send(Request::Rows {
            id,
            anchor,
            before: m,
            after: m,
            filter: self.events.filter.clone(),
        });
    }

    /// Does the loaded window show the cursor with a page to spare on each side?
    fn window_covers(&self, pos: u64) -> bool {
        let w = &self.events.window;
        if !w.loaded || w.filter != self.events.filter {
            return false;
        }
        let h = self.list_height();
        let (Some(first), Some(last)) = (w.rows.first(), w.rows.last()) else {
            return w.at_start && w.at_end;
        };
        let before = w.rows.iter().filter(|r| r.pos < pos).count();
        let after = w.rows.iter().filter(|r| r.pos > pos).count();
        let start_ok = w.at_start || (first.pos < pos && before >= h);
        let end_ok = w.at_end || (last.pos > pos && after >= h);
        start_ok && end_ok
    }

    /// Fetch rows around the cursor unless loaded or on their way.
    pub(crate) fn ensure_window(&mut self) {
        if self.window_covers(self.cursor) {
            return;
        }
        if let Some(req) = self.pending.rows {
            // One request in flight near here is enough; the worker keeps the newest.
            if req.anchor.abs_diff(self.cursor) < self.list_height() as u64 {
                return;
            }
        }
        self.request_rows(self.cursor);
    }

    /// Put the cursor at `pos` and ask for what it shows.
    pub(crate) fn set_cursor(&mut self, pos: u64) {
        let pos = pos.min(self.info.len);
        let moved = pos != self.cursor;
        self.cursor = pos;
        if moved && self.message.as_ref().is_some_and(|m| m.0 == super::Level::Info) {
            // Notes speak of where they were said ("at 652"); moving makes them stale.
            self.message = None;
        }
        self.ensure_window();
        if moved || self.state.reply.is_none() {
            self.request_state();
        }
    }

    /// Move `delta` events (matching events when filtered).
    pub(crate) fn step(&mut self, delta: i64) {
        if delta == 0 {
            return;
        }
        if self.events.filter.is_none() {
            let to = (self.cursor as i128 + delta as i128).clamp(0, self.info.len as i128) as u64;
            self.set_cursor(to);
            return;
        }
        if let Some(pending) = self.pending.rows.as_mut().and_then(|r| r.seek.as_mut()) {
            *pending += delta;
            return;
        }
        match self.step_in_window(delta) {
            Some(to) => self.set_cursor(to),
            None => {
                let id = self.id();
                let m = self.margin();
                self.pending.rows = Some(RowsInFlight {
                    id,
                    anchor: self.cursor,
                    seek: Some(0),
                });
                self.send(Request::Seek {
                    id,
                    from: self.cursor,
                    delta,
                    before: m,
                    after: m,
                    filter: self.events.filter.clone(),
                });
            }
        }
    }

    /// The target of a filtered step if the loaded rows decide it.
    fn step_in_window(&self, delta: i64) -> Option<u64> {
        let w = &self.events.window;
        if !w.loaded || w.filter != self.events.filter {
            return None;
        }
        let rows = &w.rows;
        if rows.is_empty() {
            return (w.at_start && w.at_end).then_some(self.cursor);
        }
        let n = rows.len() as i64;
        let target = match rows.iter().position(|r| r.pos == self.cursor) {
            Some(i) => i as i64 + delta,
            None if delta > 0 => rows.iter().position(|r| r.pos > self.cursor).map_or(n, |i| i as i64) + delta - 1,
            None => rows.iter().rposition(|r| r.pos < self.cursor).map_or(-1, |i| i as i64) + delta + 1,
        };
        if target < 0 {
            return w.at_start.then(|| rows[0].pos);
        }
        if target >= n {
            return w.at_end.then(|| rows[rows.len() - 1].pos);
        }
        Some(rows[target as usize].pos)
    }

    pub(crate) fn page(&mut self, dir: i64) {
        let h = self.list_height().saturating_sub(1).max(1) as i64;
        self.step(dir * h);
    }

    /// Jump by a tenth of the recording (positions, filter or not).
    pub(crate) fn jump_tenth(&mut self, dir: i64) {
        let tenth = (self.info.len / 10).max(1) as i64;
        let to = (self.cursor as i128 + (dir * tenth) as i128).clamp(0, self.info.len as i128) as u64;
        self.set_cursor(to);
    }

    /// Lines for a list pane of `height`, and which of them is the cursor's.
    pub fn list_lines(&self, height: usize) -> (Vec<Line<'_>>, Option<usize>) {
        let w = &self.events.window;
        let mut lines: Vec<Line<'_>> = Vec::with_capacity(w.rows.len() + 1);
        let mut cur = None;
        let usable = w.loaded && w.filter == self.events.filter;
        let inside = usable
            && (w.at_start || w.rows.first().is_some_and(|r| r.pos <= self.cursor))
            && (w.at_end || w.rows.last().is_some_and(|r| r.pos >= self.cursor));
        if !inside {
            return (vec![Line::Cursor(self.cursor)], Some(0));
        }
        for r in &w.rows {
            if cur.is_none() && r.pos > self.cursor {
                cur = Some(lines.len());
                lines.push(Line::Cursor(self.cursor));
            }
            if r.pos == self.cursor {
                cur = Some(lines.len());
            }
            lines.push(Line::Event(r));
        }
        if cur.is_none() {
            cur = Some(lines.len());
            lines.push(Line::Cursor(self.cursor));
        }
        let c = cur.unwrap_or(0);
        let h = height.max(1);
        let mut first = c.saturating_sub(h / 2);
        if first + h > lines.len() {
            first = lines.len().saturating_sub(h);
        }
        let end = (first + h).min(lines.len());
        let shown = lines[first..end].to_vec();
        (shown, Some(c - first))
    }

    /// A click on list line `i` (0 = the first shown).
    pub(crate) fn click_list(&mut self, i: usize) {
        let h = self.list_height();
        let (lines, _) = self.list_lines(h);
        if let Some(Line::Event(r)) = lines.get(i) {
            let pos = r.pos;
            self.focus = Pane::Events;
            self.set_cursor(pos);
        }
    }
}
