//! Following the inputs while they are written: new events arrive; at the end the
//! cursor stays at the end (`tail -f`), elsewhere it stays put and the header
//! counts what arrived; a watched node that changes raises a status line.

use super::App;
use crate::tui::msg::{Grew, Request};

/// The follow state the header shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Live {
    /// The recording was opened with `--follow`.
    pub available: bool,
    /// Reading on (`L` pauses and resumes).
    pub on: bool,
    /// Events that arrived while the cursor was not at the end.
    pub new: u64,
    /// A read was asked for and has not been answered.
    asked: bool,
    /// The reader appended while a read was asked for: ask again after its answer.
    again: bool,
}

impl Live {
    /// A read failed (the error is shown): the next wake asks again.
    pub fn end_read(&mut self) {
        self.asked = false;
    }

    pub fn following() -> Live {
        Live {
            available: true,
            on: true,
            ..Live::default()
        }
    }
}

impl App {
    /// The inputs may have changed: ask the worker to read on (one read at a time).
    pub(super) fn on_wake(&mut self) {
        if self.live.asked {
            self.live.again = true;
        }
        if !self.live.on || self.live.asked || !self.open.ready {
            return;
        }
        self.live.again = false;
        self.live.asked = true;
        let watch = self.state.watch.as_ref().map(|w| (w.pointer.clone(), w.stream.clone()));
        self.send(Request::Refresh { watch });
    }

    pub(super) fn toggle_follow(&mut self) {
        if !self.live.available {
            self.info_msg("not following: open with --follow to read the inputs as they grow");
            return;
        }
        self.live.on = !self.live.on;
        if self.live.on {
            self.info_msg("following the inputs");
            self.on_wake();
        } else {
            self.info_msg("following paused (L resumes)");
        }
    }

    pub(super) fn on_grew(&mut self, g: Grew) {
        self.live.asked = false;
        if self.live.again {
            self.on_wake();
        }
        let at_end = self.cursor == self.info.len;
        let added = g.len.saturating_sub(self.info.len);
        if added > 0 {
            self.info.len = g.len;
            self.info.streams = g.streams;
            self.info.time_range = g.time_range;
            self.info.stream_names = g.stream_names;
            self.info.type_names = g.type_names;
        }
        self.open.failures.extend(g.failures);
        self.open.drift.extend(g.drift);
        if let Some(note) = g.notes.first() {
            let more = g.notes.len() - 1;
            let text = if more > 0 {
                format!("{note} (+{more} more)")
            } else {
                note.clone()
            };
            self.error_msg(text);
        }
        if added > 0 {
            if at_end {
                self.live.new = 0;
                self.set_cursor(g.len);
            } else {
                self.live.new += added;
            }
            // The list's window and the scrub bar take in the new events.
            self.request_rows(self.cursor);
            self.request_density();
        }
        if let (Some(w), Some(&first)) = (&self.state.watch, g.watch_changes.first()) {
            let n = g.watch_changes.len();
            let text = match n {
                1 => format!("watch {}: changed at {first}", w.display()),
                _ => format!("watch {}: changed at {first} and {} more after it", w.display(), n - 1),
            };
            self.info_msg(text);
        }
    }

    /// Reaching the end takes in what arrived.
    pub(super) fn seen_end(&mut self) {
        if self.cursor == self.info.len {
            self.live.new = 0;
        }
    }
}
