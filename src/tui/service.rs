//! The worker's brain: answers [`Request`]s from a [`Recording`] it owns. No
//! threads here, so tests drive it directly; `worker.rs` runs it off the UI thread.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::sync::Arc;

use anyhow::Result;
use serde_json::{Map, Value};

use super::msg::{
    DensityReply, DiffMode, DiffReply, FilterSpec, Info, LineKind, Request, Response, Row, RowsReply, SearchReply,
    StateReply, StateReq, WatchReply,
};
use crate::json::diff::{self, Change};
use crate::json::{pointer, write};
use crate::model::{Event, Kind};
use crate::recording::{OpenReport, Recording};
use crate::replay::World;

/// Replaying forward from the cached world beats a checkpoint for this many events.
const STEP_LIMIT: u64 = 2048;
/// Search keeps at most this many hits.
const SEARCH_CAP: usize = 2_000_000;
/// A unified diff is cut after this many lines.
const UNIFIED_CAP: usize = 20_000;
/// Characters of data shown in a list row.
const SUMMARY_BYTES: usize = 240;

pub struct Service {
    pub rec: Recording,
    failures: HashMap<u64, String>,
    drift: HashMap<u64, Vec<String>>,
    /// The recorded world at a position, so stepping forward replays one event.
    world: Option<(u64, World)>,
    /// The view at the mark, keyed by everything it depends on.
    mark: Option<(u64, Option<String>, Vec<u64>, Value)>,
}

/// Header facts from an open report and the catalog.
pub fn info(rec: &Recording, report: &OpenReport) -> Info {
    Info {
        inputs: report
            .inputs
            .iter()
            .map(|i| {
                (
                    i.display.clone(),
                    i.outcome.format.clone(),
                    i.outcome.events,
                    i.outcome.snapshots,
                )
            })
            .collect(),
        len: report.events,
        streams: report.streams,
        snapshots: report.snapshots,
        time_range: report.time_range,
        stream_names: rec.cat.streams.clone(),
        type_names: rec.cat.types.clone(),
    }
}

impl Service {
    pub fn new(rec: Recording) -> Service {
        Service {
            rec,
            failures: HashMap::new(),
            drift: HashMap::new(),
            world: None,
            mark: None,
        }
    }

    /// Build checkpoints if needed (reporting progress) and load what they found.
    pub fn prepare(&mut self, out: &mut dyn FnMut(Response)) -> Result<()> {
        self.rec.ensure_checkpoints(&mut |p| {
            if let crate::recording::OpenProgress::Checkpoints { pos, len } = p {
                out(Response::Loading(super::msg::Loading::Replaying { pos, len }));
            }
        })?;
        self.failures = self.rec.cache.failures()?.into_iter().collect();
        self.drift = self
            .rec
            .cache
            .drift()?
            .into_iter()
            .map(|(pos, _, paths)| (pos, paths))
            .collect();
        let mut failures: Vec<u64> = self.failures.keys().copied().collect();
        failures.sort_unstable();
        let mut drift: Vec<u64> = self.drift.keys().copied().collect();
        drift.sort_unstable();
        out(Response::Ready { failures, drift });
        Ok(())
    }

    /// Answer one request; errors become a `Response::Error` for the status line.
    pub fn handle(&mut self, req: Request, out: &mut dyn FnMut(Response)) {
        let result = match req {
            Request::Rows {
                id,
                anchor,
                before,
                after,
                filter,
            } => self
                .rows(id, anchor, before, after, filter.as_ref(), None)
                .map(Response::Rows),
            Request::Seek {
                id,
                from,
                delta,
                before,
                after,
                filter,
            } => {
                let f = filter.as_ref().map(FilterSpec::to_cache).unwrap_or_default();
                self.rec
                    .seek_matching(from, delta, &f)
                    .and_then(|to| self.rows(id, to, before, after, filter.as_ref(), Some(to)))
                    .map(Response::Rows)
            }
            Request::State(req) => self.state(&req).map(|s| Response::State(Box::new(s))),
            Request::Density { width, filter } => {
                let f = filter.as_ref().map(FilterSpec::to_cache).unwrap_or_default();
                self.rec.density(width, &f).map(|(levels, label)| {
                    Response::Density(DensityReply {
                        width,
                        filter,
                        levels,
                        label,
                    })
                })
            }
            Request::Search { id, text, filter } => {
                let f = filter.as_ref().map(FilterSpec::to_cache).unwrap_or_default();
                self.rec
                    .search_hits(&text, &f, SEARCH_CAP)
                    .map(|(hits, capped)| Response::Search(SearchReply { id, text, hits, capped }))
            }
            Request::Goto { text } => Ok(Response::Goto(self.rec.goto(&text).map_err(|e| format!("{e:#}")))),
            Request::Watch {
                pointer,
                stream,
                from,
                forward,
            } => self
                .rec
                .nearest_change(&pointer, stream.as_deref(), from, forward)
                .map(|found| {
                    Response::Watch(WatchReply {
                        pointer,
                        forward,
                        found,
                    })
                }),
        };
        match result {
            Ok(r) => out(r),
            Err(e) => out(Response::Error(format!("{e:#}"))),
        }
    }

    fn rows(
        &self,
        id: u64,
        anchor: u64,
        before: usize,
        after: usize,
        filter: Option<&FilterSpec>,
        cursor: Option<u64>,
    ) -> Result<RowsReply> {
        let f = filter.map(FilterSpec::to_cache).unwrap_or_default();
        let (cache, cat) = (&self.rec.cache, &self.rec.cat);
        let mut back = cache.events_before(cat, anchor.saturating_add(1), &f, before)?;
        let at_start = back.len() < before;
        back.reverse();
        let fwd = cache.events(cat, anchor, self.rec.len(), &f, after)?;
        let at_end = fwd.len() < after;
        let rows = back.iter().chain(fwd.iter()).map(|e| self.row(e)).collect();
        Ok(RowsReply {
            id,
            anchor,
            cursor,
            rows,
            at_start,
            at_end,
        })
    }

    fn row(&self, e: &Event) -> Row {
        Row {
            pos: e.pos,
            time: e.time,
            stream: e.stream.clone(),
            ty: e.ty.clone(),
            snapshot: e.kind == Kind::Snapshot,
            failed: self.failures.contains_key(&e.pos),
            summary: summary(&e.data, SUMMARY_BYTES),
        }
    }

    /// The recorded world at `pos`, stepping forward from the cached one when close.
    fn world_at(&mut self, pos: u64) -> Result<&World> {
        let reuse = matches!(&self.world, Some((p, _)) if *p <= pos && pos - *p <= STEP_LIMIT);
        if reuse {
            if let Some((p, w)) = &mut self.world {
                let r = self.rec.replayer();
                self.rec.cache.scan(*p, pos, None, &mut |ev| {
                    r.step(w, &ev)?;
                    Ok(())
                })?;
                *p = pos;
            }
        } else {
            self.world = Some((pos, self.rec.world_at(pos)?));
        }
        match &self.world {
            Some((_, w)) => Ok(w),
            None => anyhow::bail!("world cache lost"),
        }
    }

    /// Skipped events grouped by stream, only those at or before `pos`.
    fn skips_by_stream(&self, skips: &[u64], pos: u64) -> Result<HashMap<i64, Vec<u64>>> {
        let mut by: HashMap<i64, Vec<u64>> = HashMap::new();
        for &p in skips.iter().filter(|&&p| p <= pos) {
            if let Some(sid) = self.rec.stream_of(p)? {
                by.entry(sid).or_default().push(p);
            }
        }
        for v in by.values_mut() {
            v.sort_unstable();
        }
        Ok(by)
    }

    /// One stream's state at `pos`, with `skips` left out.
    fn stream_state(&mut self, sid: i64, pos: u64, skips: &[u64]) -> Result<Option<Value>> {
        let by = self.skips_by_stream(skips, pos)?;
        match by.get(&sid) {
            Some(own) => self.rec.stream_without(sid, pos, own),
            None => Ok(self.world_at(pos)?.get(sid).cloned()),
        }
    }

    /// What the state pane shows at `pos`: the world or one stream, skips left out.
    fn view_value(&mut self, pos: u64, stream: Option<&str>, skips: &[u64]) -> Result<Value> {
        if let Some(name) = stream {
            let sid = self.rec.stream_id(name)?;
            return Ok(self.stream_state(sid, pos, skips)?.unwrap_or(Value::Null));
        }
        let by = self.skips_by_stream(skips, pos)?;
        let mut overrides: HashMap<i64, Option<Value>> = HashMap::new();
        for (sid, own) in &by {
            overrides.insert(*sid, self.rec.stream_without(*sid, pos, own)?);
        }
        self.world_at(pos)?;
        let Some((_, world)) = &self.world else {
            anyhow::bail!("world cache lost");
        };
        let cat = &self.rec.cat;
        let mut entries: Vec<(&str, &Value)> = Vec::new();
        let mut seen = HashSet::new();
        for (i, s) in world.states.iter().enumerate() {
            let sid = i as i64;
            seen.insert(sid);
            let v = match overrides.get(&sid) {
                Some(o) => o.as_ref(),
                None => s.as_ref(),
            };
            if let Some(v) = v {
                entries.push((cat.stream_name(sid), v));
            }
        }
        for (sid, v) in &overrides {
            if let (false, Some(v)) = (seen.contains(sid), v) {
                entries.push((cat.stream_name(*sid), v));
            }
        }
        entries.sort_by(|a, b| crate::natural::cmp(a.0, b.0));
        // Copying a thousand states is most of a step: two threads share it.
        let copy = |part: &[(&str, &Value)]| -> Vec<(String, Value)> {
            part.iter().map(|(k, v)| (k.to_string(), (*v).clone())).collect()
        };
        let (a, b) = entries.split_at(entries.len() / 2);
        let (a, b) = if entries.len() < 64 {
            (copy(a), copy(b))
        } else {
            std::thread::scope(|scope| {
                let first = scope.spawn(|| copy(a));
                let second = copy(b);
                (first.join().unwrap_or_else(|_| copy(a)), second)
            })
        };
        let mut m = Map::with_capacity(entries.len());
        m.extend(a.into_iter().chain(b));
        Ok(Value::Object(m))
    }

    fn state(&mut self, req: &StateReq) -> Result<StateReply> {
        let pos = req.pos.min(self.rec.len());
        let event = if pos > 0 { self.rec.event(pos)? } else { None };
        let skips = &req.skips;
        let hypothetical = skips.iter().any(|&p| p <= pos);
        // Before and after the current event, for its stream only: that is all it touches.
        let mut before_after = None;
        if let Some(ev) = &event {
            let sid = self.rec.stream_id(&ev.stream)?;
            let before = self.stream_state(sid, pos - 1, skips)?;
            let after = self.stream_state(sid, pos, skips)?;
            before_after = Some((ev.stream.clone(), before, after));
        }
        let value = self.view_value(pos, req.stream.as_deref(), skips)?;
        let changed = match (&before_after, &req.stream) {
            (Some((s, b, a)), None) => prefixed(diff::diff_opt(b.as_ref(), a.as_ref()), &pointer::escape(s)),
            (Some((s, b, a)), Some(view)) if s == view => diff::diff_opt(b.as_ref(), a.as_ref()),
            _ => Vec::new(),
        };
        let diff = match req.diff {
            DiffMode::Event => {
                let title = match &event {
                    Some(ev) => format!("{} → {}  {}", pos - 1, pos, crate::sanitize::clean(&ev.stream)),
                    None => "start".to_string(),
                };
                let unified = match &before_after {
                    Some((_, b, a)) => unified(b.as_ref(), a.as_ref(), &format!("@{}", pos - 1), &format!("@{pos}")),
                    None => Vec::new(),
                };
                let note = event
                    .is_none()
                    .then(|| "at the start: no event yet (press j to step)".to_string());
                DiffReply {
                    mode: DiffMode::Event,
                    title,
                    changes: before_after
                        .as_ref()
                        .map(|(s, b, a)| {
                            let c = diff::diff_opt(b.as_ref(), a.as_ref());
                            if req.stream.is_some() {
                                c
                            } else {
                                prefixed(c, &pointer::escape(s))
                            }
                        })
                        .unwrap_or_default(),
                    unified,
                    note,
                }
            }
            DiffMode::Mark => match req.mark {
                None => empty_diff(
                    DiffMode::Mark,
                    "no mark yet: press m to set one here, move, and compare",
                ),
                Some(mark) => {
                    let old = self.mark_value(mark, req.stream.as_deref(), skips)?;
                    DiffReply {
                        mode: DiffMode::Mark,
                        title: format!("mark {mark} → cursor {pos}"),
                        changes: diff::diff(&old, &value),
                        unified: unified(Some(&old), Some(&value), &format!("@{mark}"), &format!("@{pos}")),
                        note: None,
                    }
                }
            },
            DiffMode::WhatIf => {
                if !hypothetical {
                    empty_diff(
                        DiffMode::WhatIf,
                        "nothing skipped at or before the cursor: press x on an event to leave it out",
                    )
                } else {
                    let real = self.view_value(pos, req.stream.as_deref(), &[])?;
                    DiffReply {
                        mode: DiffMode::WhatIf,
                        title: format!("recorded → hypothetical @{pos}"),
                        changes: diff::diff(&real, &value),
                        unified: unified(Some(&real), Some(&value), "recorded", "hypothetical"),
                        note: None,
                    }
                }
            }
        };
        Ok(StateReply {
            id: req.id,
            pos,
            stream: req.stream.clone(),
            value: Arc::new(value),
            changed,
            hypothetical,
            failure: self.failures.get(&pos).cloned(),
            drift: self.drift.get(&pos).cloned(),
            event,
            diff,
        })
    }

    /// The view at the mark; computed without disturbing the cursor's world cache.
    fn mark_value(&mut self, mark: u64, stream: Option<&str>, skips: &[u64]) -> Result<Value> {
        if let Some((m, s, k, v)) = &self.mark {
            if *m == mark && s.as_deref() == stream && k == skips {
                return Ok(v.clone());
            }
        }
        let saved = self.world.take();
        let v = self.view_value(mark, stream, skips);
        self.world = saved;
        let v = v?;
        self.mark = Some((mark, stream.map(str::to_string), skips.to_vec(), v.clone()));
        Ok(v)
    }
}

fn empty_diff(mode: DiffMode, note: &str) -> DiffReply {
    DiffReply {
        mode,
        title: mode.name().to_string(),
        changes: Vec::new(),
        unified: Vec::new(),
        note: Some(note.to_string()),
    }
}

/// Put one stream's changes inside the world: `/path` → `/stream/path`.
fn prefixed(changes: Vec<Change>, escaped_stream: &str) -> Vec<Change> {
    changes
        .into_iter()
        .map(|mut c| {
            c.path = format!("/{escaped_stream}{}", c.path);
            c
        })
        .collect()
}

/// A unified text diff of two pretty-printed (terminal-safe) values.
fn unified(a: Option<&Value>, b: Option<&Value>, la: &str, lb: &str) -> Vec<(LineKind, String)> {
    let text = |v: Option<&Value>| v.map(|v| write::to_string_pretty(v) + "\n").unwrap_or_default();
    let (ta, tb) = (text(a), text(b));
    let d = similar::TextDiff::from_lines(&ta, &tb);
    let mut out = vec![
        (LineKind::Header, format!("--- {la}")),
        (LineKind::Header, format!("+++ {lb}")),
    ];
    let mut ud = d.unified_diff();
    ud.context_radius(3);
    for hunk in ud.iter_hunks() {
        out.push((LineKind::Hunk, hunk.header().to_string()));
        for ch in hunk.iter_changes() {
            let (kind, sign) = match ch.tag() {
                similar::ChangeTag::Delete => (LineKind::Remove, '-'),
                similar::ChangeTag::Insert => (LineKind::Add, '+'),
                similar::ChangeTag::Equal => (LineKind::Context, ' '),
            };
            out.push((kind, format!("{sign}{}", ch.value().trim_end_matches('\n'))));
            if out.len() >= UNIFIED_CAP {
                out.push((LineKind::Hunk, "… (cut)".to_string()));
                return out;
            }
        }
    }
    if out.len() == 2 {
        out.clear();
    }
    out
}

/// Accepts bytes up to a limit, then refuses: bounds the work of summarizing huge data.
struct Limited {
    buf: Vec<u8>,
    limit: usize,
}

impl Write for Limited {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.buf.len());
        if room == 0 {
            return Err(io::Error::other("summary full"));
        }
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Compact, terminal-safe JSON of `data`, cut after about `limit` bytes.
pub fn summary(data: &Value, limit: usize) -> String {
    let mut w = Limited {
        buf: Vec::new(),
        limit: limit + 1,
    };
    // Running out of room is the expected way this stops.
    let _ = write::write_compact(&mut w, data);
    let full = w.buf.len() <= limit;
    let text = match std::str::from_utf8(&w.buf) {
        Ok(s) => s.to_string(),
        Err(e) => String::from_utf8_lossy(&w.buf[..e.valid_up_to()]).into_owned(),
    };
    if full {
        text
    } else {
        let cut: String = text.chars().take(limit.saturating_sub(1)).collect();
        cut + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summary_is_bounded_and_safe() {
        let v = json!({"a": "x".repeat(1000), "esc": "\u{1b}[31m"});
        let s = summary(&v, 20);
        assert_eq!(s.chars().count(), 20);
        assert!(s.ends_with('…'));
        assert_eq!(summary(&json!({"esc": "\u{1b}"}), 100), r#"{"esc":"\u001b"}"#);
    }

    #[test]
    fn unified_marks_lines() {
        let u = unified(Some(&json!({"a": 1})), Some(&json!({"a": 2})), "x", "y");
        assert!(u.contains(&(LineKind::Remove, "-  \"a\": 1".to_string())));
        assert!(u.contains(&(LineKind::Add, "+  \"a\": 2".to_string())));
        assert!(unified(Some(&json!(1)), Some(&json!(1)), "x", "y").is_empty());
    }
}
