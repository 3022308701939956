//! What each reply from the worker does to the model. A reply is used only
//! when it answers the newest request of its kind.

use serde_json::Value;

use super::{App, Effect, Window};
use crate::json::write::to_string_compact;
use crate::sanitize::truncate;
use crate::tui::layout;
use crate::tui::msg::{DensityReply, Response, Row, RowsReply, SearchReply, StateReply, WatchReply};

impl App {
    pub(super) fn on_reply(&mut self, r: Response) {
        match r {
            Response::Opened(_) => {}
            Response::Grew(g) => self.on_grew(*g),
            Response::Read => self.on_wake(),
            Response::Loading(l) => self.open.progress = Some(l),
            Response::Ready { failures, drift } => {
                self.open.ready = true;
                self.open.progress = None;
                self.open.failures = failures.into_iter().collect();
                self.open.drift = drift.into_iter().collect();
            }
            Response::Rows(r) => self.on_rows(r),
            Response::State(s) => self.on_state(s),
            Response::DiffPart(part) => {
                if let Some(s) = self.state.reply.as_mut().filter(|s| s.id == part.id) {
                    s.diff.extend(*part);
                }
            }
            Response::Density(d) => self.on_density(d),
            Response::Search(s) => self.on_search(s),
            Response::Goto(r) => self.on_goto(r),
            Response::Watch(w) => self.on_watch(w),
            Response::Described(rows) => self.marks.described.extend(rows.into_iter().map(|r| (r.pos, r))),
            Response::Error(e) => {
                self.live.end_read();
                self.pending.goto = false;
                self.pending.watch = false;
                self.pending.search = None;
                self.error_msg(e);
            }
            Response::Fatal(e) => {
                self.fatal = Some(e);
                self.fx.push(Effect::Quit);
            }
        }
    }

    fn on_state(&mut self, s: Box<StateReply>) {
        // Replies come in request order; an older one still beats showing nothing.
        if s.stream != self.state.stream {
            return;
        }
        self.state.tree.set_value(s.value.clone(), &s.changed);
        let h = layout::inner(self.areas().tree).height as usize;
        self.state.tree.scroll_into_view(h);
        if self.state.reply.as_ref().is_none_or(|old| old.pos != s.pos) {
            self.detail.scroll.reset();
        }
        self.state.reply = Some(s);
        self.refresh_transcript();
        if let Some(at) = self.pending.edit {
            if at != self.cursor {
                self.pending.edit = None;
            } else if self.loaded_event().is_some() {
                self.pending.edit = None;
                self.edit_data();
            }
        }
    }

    fn on_rows(&mut self, r: RowsReply) {
        let Some(req) = self.pending.rows.filter(|p| p.id == r.id) else {
            return;
        };
        self.pending.rows = None;
        let mut rows = r.rows;
        if r.at_start {
            rows.insert(
                0,
                Row {
                    pos: 0,
                    time: None,
                    stream: String::new(),
                    ty: String::new(),
                    snapshot: false,
                    fork: false,
                    failed: false,
                    summary: String::new(),
                },
            );
        }
        self.events.window = Window {
            rows,
            at_start: r.at_start,
            at_end: r.at_end,
            filter: self.events.filter.clone(),
            loaded: true,
        };
        if let (Some(target), Some(pending)) = (r.cursor, req.seek) {
            self.set_cursor(target);
            if pending != 0 {
                self.step(pending);
            }
        }
    }

    fn on_density(&mut self, d: DensityReply) {
        if d.filter == self.events.filter && d.width == self.areas().timeline.width {
            self.timeline.density = Some(d);
        }
    }

    fn on_search(&mut self, s: SearchReply) {
        let Some(req) = self.pending.search.filter(|p| p.id == s.id) else {
            return;
        };
        self.pending.search = None;
        let Some(cur) = &mut self.events.search else { return };
        cur.hits = s.hits;
        cur.capped = s.capped;
        self.recompute_hit_cols();
        if req.jump {
            self.search_jump(true, true);
        }
    }

    fn on_goto(&mut self, r: Result<u64, String>) {
        self.pending.goto = false;
        match r {
            Ok(pos) => {
                self.set_cursor(pos);
                self.info_msg(format!("at {pos}"));
            }
            Err(e) => self.error_msg(e),
        }
    }

    fn on_watch(&mut self, w: WatchReply) {
        self.pending.watch = false;
        let dir = if w.forward { "next" } else { "previous" };
        match w.found {
            Some((pos, old, new)) => {
                self.set_cursor(pos);
                let show = |v: &Option<Value>| match v {
                    Some(v) => truncate(&to_string_compact(v), 60).into_owned(),
                    None => "(absent)".to_string(),
                };
                self.info_msg(format!(
                    "{} changed at {pos}: {} → {}",
                    w.pointer,
                    show(&old),
                    show(&new)
                ));
            }
            None => self.info_msg(format!("no {dir} change of {}", w.pointer)),
        }
    }
}
