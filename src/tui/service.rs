//! The worker's brain: answers [`Request`]s from a [`Recording`] it owns. No
//! threads here, so tests drive it directly; `worker.rs` runs it off the UI thread.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use anyhow::Result;
use serde_json::Value;

use super::msg::{
    ChangeText, DensityReply, DiffMode, DiffPart, DiffReply, FilterSpec, Info, LedgerInfo, Request, Response, Row,
    RowsReply, SearchReply, StateReply, StateReq, StateValue, ValueText, WatchReply, VALUE_TEXT_CHARS,
};
use crate::cache::ledger::EntryKind;
use crate::hypothesis::Hypothesis;
use crate::json::diff::{self, Change};
use crate::json::{pointer, write};
use crate::model::{Event, Kind};
use crate::plural::count;
use crate::recording::{OpenReport, Recording};
use crate::replay::World;

/// Replaying forward from the cached world beats a checkpoint for this many events.
const STEP_LIMIT: u64 = 2048;
/// Stepping back rebuilds each stream touched on the way from its checkpoint; past
/// this many, one whole (threaded) rebuild is cheaper.
const BACK_STREAMS: usize = 64;
/// Search keeps at most this many hits.
const SEARCH_CAP: usize = 2_000_000;
/// Characters of data shown in a list row.
const SUMMARY_BYTES: usize = 240;

/// Each stream's state by stream id, shared with the replies that show it.
type Shared = Vec<Option<Arc<Value>>>;

pub struct Service {
    pub rec: Recording,
    failures: HashMap<u64, String>,
    drift: HashMap<u64, Vec<String>>,
    /// The recorded world at a position, so stepping forward replays one event.
    world: Option<(u64, Shared)>,
    /// Where one stream's state is stepped (a world whose other slots stay empty).
    scratch: World,
    /// Stream ids in name order: the order of the world's members.
    by_name: Vec<i64>,
    /// The view at the mark, keyed by everything it depends on.
    mark: Option<(u64, Option<String>, Hypothesis, StateValue)>,
    /// See [`Service::worlds_built`].
    worlds_built: u64,
    /// How to read the inputs again while following them (`None`: not followed).
    pub follow: Option<crate::recording::OpenOptions>,
    /// Reads the followed inputs on its own thread; without it, a refresh reads
    /// them here.
    pub reader: Option<super::reader::Reader>,
}

/// States a hypothesis changes: `(stream name, state)` by stream id.
type Overrides = HashMap<i64, (String, Option<Arc<Value>>)>;

/// How many ledger entries the TUI's `!` list holds.
const LEDGER_LINES: usize = 1000;

/// The ledger as the header badge and the `!` list show it.
fn ledger_info(rec: &Recording, report: &OpenReport) -> LedgerInfo {
    let mut l = LedgerInfo::default();
    for (i, input) in report.ledgers.iter().enumerate() {
        let c = &input.totals;
        l.skipped += c.skipped;
        l.warnings += c.warnings;
        l.conflicts += c.conflicts;
        let name = report.inputs.get(i).map_or(input.path.as_str(), |r| r.display.as_str());
        l.inputs.push(format!(
            "{name}: {}, read {} = {} imported + {} + {} filtered + {} skipped; {}, {}, {}",
            input.format,
            c.read,
            c.imported,
            count(c.duplicates, "duplicate", "duplicates"),
            c.filtered,
            c.skipped,
            count(c.warnings, "warning", "warnings"),
            count(c.ignored, "file ignored", "files ignored"),
            count(c.conflicts, "id conflict", "id conflicts")
        ));
    }
    let kinds = [EntryKind::Skip, EntryKind::Warn, EntryKind::Conflict];
    if let Ok(entries) = rec.cache.ledger_entries(None, &kinds, LEDGER_LINES) {
        let word = |k: EntryKind| match k {
            EntryKind::Skip => "skipped",
            EntryKind::Warn => "warning",
            _ => "conflict",
        };
        l.entries = entries.iter().map(|e| format!("{:<8} {e}", word(e.kind))).collect();
    }
    l.more = (l.skipped + l.warnings + l.conflicts).saturating_sub(l.entries.len() as u64);
    l
}

/// Header facts from an open report and the catalog.
pub fn info(rec: &Recording, report: &OpenReport) -> Info {
    // Inputs that hold copies of one history (backups, rotated logs that overlap):
    // each one's end is a bookmark. Unrelated inputs merged by time are not marked.
    let overlap = report.ledgers.iter().any(|l| l.totals.duplicates > 0);
    let input_ends = if report.ledgers.len() > 1 && overlap {
        report
            .ledgers
            .iter()
            .zip(&report.inputs)
            .filter(|(l, _)| l.end > 0)
            .map(|(l, i)| {
                let name = std::path::Path::new(&i.display)
                    .file_name()
                    .map_or_else(|| i.display.clone(), |n| n.to_string_lossy().into_owned());
                (l.end, name)
            })
            .collect()
    } else {
        Vec::new()
    };
    Info {
        identity: identity(rec, report.events),
        ledger: ledger_info(rec, report),
        input_ends,
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
        slice: report.slice.clone(),
    }
}

/// What names this recording's events across runs (see [`Info::identity`]): the
/// cache's key of every input, in order, and the event count.
fn identity(rec: &Recording, events: u64) -> String {
    let Ok(inputs) = rec.cache.stored_inputs() else {
        return String::new();
    };
    if inputs.is_empty() {
        return String::new();
    }
    let mut parts: Vec<String> = vec![events.to_string()];
    for i in &inputs {
        let k = &i.key;
        parts.push(format!(
            "{}\0{}\0{}\0{}\0{}\0{}",
            k.path,
            k.size,
            k.mtime_ns,
            k.fingerprint,
            k.forced.as_deref().unwrap_or(""),
            k.mapping_hash
        ));
    }
    let refs: Vec<&[u8]> = parts.iter().map(String::as_bytes).collect();
    format!("{:016x}", crate::hash::fnv1a_parts(&refs))
}

impl Service {
    pub fn new(rec: Recording) -> Service {
        let mut by_name: Vec<i64> = (1..rec.cat.streams.len() as i64).collect();
        by_name.sort_by(|a, b| crate::natural::cmp(rec.cat.stream_name(*a), rec.cat.stream_name(*b)));
        Service {
            rec,
            failures: HashMap::new(),
            drift: HashMap::new(),
            world: None,
            scratch: World::default(),
            by_name,
            mark: None,
            worlds_built: 0,
            follow: None,
            reader: None,
        }
    }

    /// Read what the followed inputs gained (always answered: the UI asks once at a time).
    fn refresh(&mut self, watch: Option<&(String, Option<String>)>) -> Result<super::msg::Grew> {
        let from = self.rec.len();
        let Some(opts) = self.follow.clone() else {
            return Ok(self.grew(from, Vec::new(), Vec::new(), Vec::new(), Vec::new()));
        };
        let reports = match &self.reader {
            Some(reader) => {
                reader.wake();
                let finished = reader.finished();
                if finished.is_empty() {
                    return Ok(self.grew(from, Vec::new(), Vec::new(), Vec::new(), Vec::new()));
                }
                let mut reports = Vec::new();
                for r in finished {
                    reports.extend(r.map_err(anyhow::Error::msg)?);
                }
                // The catalog again; the reader has extended the checkpoints.
                self.rec.ensure_checkpoints(&mut |_| {})?;
                reports
            }
            None => self.rec.read_more(&opts)?,
        };
        let mut notes: Vec<String> = reports.iter().flat_map(|r| r.notes.iter().cloned()).collect();
        for r in &reports {
            notes.extend(r.outcome.skipped_sample.iter().map(|b| format!("record skipped: {b}")));
        }
        let len = self.rec.len();
        if len <= from {
            return Ok(self.grew(from, Vec::new(), Vec::new(), Vec::new(), notes));
        }
        let failures: Vec<u64> = self
            .rec
            .cache
            .failures()?
            .into_iter()
            .filter(|(p, _)| *p > from)
            .map(|(p, e)| {
                self.failures.insert(p, e);
                p
            })
            .collect();
        let drift: Vec<u64> = self
            .rec
            .cache
            .drift()?
            .into_iter()
            .filter(|(p, _, _)| *p > from)
            .map(|(p, _, paths)| {
                self.drift.insert(p, paths);
                p
            })
            .collect();
        if self.by_name.len() + 1 != self.rec.cat.streams.len() {
            let cat = &self.rec.cat;
            let mut by_name: Vec<i64> = (1..cat.streams.len() as i64).collect();
            by_name.sort_by(|a, b| crate::natural::cmp(cat.stream_name(*a), cat.stream_name(*b)));
            self.by_name = by_name;
        }
        let watch_changes = match watch {
            Some((pointer, stream)) if len > from => self
                .rec
                .history(pointer, stream.as_deref(), from, len)
                .map(|h| h.into_iter().map(|e| e.pos).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Ok(self.grew(from, failures, drift, watch_changes, notes))
    }

    fn grew(
        &self,
        from: u64,
        failures: Vec<u64>,
        drift: Vec<u64>,
        watch_changes: Vec<u64>,
        notes: Vec<String>,
    ) -> super::msg::Grew {
        let grew = self.rec.len() > from;
        let names = |v: &Vec<String>| if grew { v.clone() } else { Vec::new() };
        super::msg::Grew {
            from,
            len: self.rec.len(),
            streams: self.rec.cache.stream_count().unwrap_or_default(),
            time_range: self.rec.cache.time_range().unwrap_or_default(),
            stream_names: names(&self.rec.cat.streams),
            type_names: names(&self.rec.cat.types),
            failures,
            drift,
            watch_changes,
            notes,
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
        self.handle_until(req, out, &mut || false);
    }

    /// Like [`Service::handle`]; long work (a diff, stream by stream) stops early
    /// when `interrupted` says a request that supersedes this one is waiting.
    pub fn handle_until(&mut self, req: Request, out: &mut dyn FnMut(Response), interrupted: &mut dyn FnMut() -> bool) {
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
            Request::State(req) => match self.state(&req, out, interrupted) {
                Ok(()) => return,
                Err(e) => Err(e),
            },
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
            Request::Describe { positions } => positions
                .iter()
                .filter(|&&p| p > 0)
                .map(|&p| self.rec.event(p))
                .collect::<Result<Vec<_>>>()
                .map(|evs| Response::Described(evs.iter().flatten().map(|e| self.row(e)).collect())),
            Request::Refresh { watch } => self.refresh(watch.as_ref()).map(|g| Response::Grew(Box::new(g))),
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
            fork: e.meta.as_ref().and_then(|m| m.get("fork")) == Some(&Value::Bool(true)),
            summary: summary(&e.data, SUMMARY_BYTES),
        }
    }

    /// The recorded world at `pos`, stepping from the cached one when close: forward
    /// by replaying the events between, back by rebuilding only the streams those
    /// events touched (each from its checkpoint). A step replaces the state of the
    /// stream it touches (a copy only while a reply still shows the old one) and
    /// shares all others.
    fn world_at(&mut self, pos: u64) -> Result<&Shared> {
        let cached = self.world.as_ref().map(|(p, _)| *p);
        let done = match cached {
            Some(p) if p <= pos && pos - p <= STEP_LIMIT => {
                self.step_forward(p, pos)?;
                true
            }
            Some(p) if p > pos && p - pos <= STEP_LIMIT => self.step_back(p, pos)?,
            _ => false,
        };
        if !done {
            let states = self
                .rec
                .world_at(pos)?
                .states
                .into_iter()
                .map(|s| s.map(Arc::new))
                .collect();
            self.worlds_built += 1;
            if let Some(old) = self.world.replace((pos, states)) {
                crate::aside::drop_aside(old);
            }
        }
        match &self.world {
            Some((_, w)) => Ok(w),
            None => anyhow::bail!("world cache lost"),
        }
    }

    /// Replay the events in `(from, to]` onto the cached world at `from`.
    fn step_forward(&mut self, from: u64, to: u64) -> Result<()> {
        let Some((p, w)) = &mut self.world else {
            return Ok(());
        };
        let r = self.rec.replayer();
        let scratch = &mut self.scratch;
        self.rec.cache.scan(from, to, None, &mut |ev| {
            let i = ev.stream.max(0) as usize;
            if i >= w.len() {
                w.resize(i + 1, None);
            }
            *scratch.slot(ev.stream) = w[i].take().map(|a| Arc::try_unwrap(a).unwrap_or_else(|a| (*a).clone()));
            let stepped = r.step(scratch, &ev);
            w[i] = scratch.slot(ev.stream).take().map(Arc::new);
            stepped?;
            Ok(())
        })?;
        *p = to;
        Ok(())
    }

    /// Take the cached world at `from` back to `to`: the streams the events in
    /// `(to, from]` touched are rebuilt at `to`, every other state stays. `false`
    /// (nothing changed) when they are so many that a whole rebuild is cheaper.
    fn step_back(&mut self, from: u64, to: u64) -> Result<bool> {
        let touched = std::cell::RefCell::new(std::collections::BTreeSet::new());
        self.rec.cache.scan_kept(
            to,
            from,
            None,
            &|sid, _, _| {
                touched.borrow_mut().insert(sid);
                false
            },
            &mut |_| Ok(()),
        )?;
        let touched = touched.into_inner();
        if touched.len() > BACK_STREAMS {
            return Ok(false);
        }
        let r = self.rec.replayer();
        let mut states = Vec::with_capacity(touched.len());
        for &sid in &touched {
            states.push((sid.max(0) as usize, r.stream_at(sid, to)?.map(Arc::new)));
        }
        let Some((p, w)) = &mut self.world else {
            return Ok(false);
        };
        for (i, state) in states {
            if i >= w.len() {
                w.resize(i + 1, None);
            }
            w[i] = state;
        }
        *p = to;
        Ok(true)
    }

    /// Whole worlds rebuilt from checkpoints so far: a jump, never a step either way.
    pub fn worlds_built(&self) -> u64 {
        self.worlds_built
    }

    /// The streams `h` changes at `pos`, with their states there: `(name, state)`
    /// by stream id (ids past the catalog are streams only inserted events name).
    fn overrides(&self, h: &Hypothesis, pos: u64) -> Result<Overrides> {
        let mut out = Overrides::new();
        if !h.touches_up_to(pos) {
            return Ok(out);
        }
        let fork = self.rec.fork(h)?;
        for sid in fork.touched().collect::<Vec<_>>() {
            if fork.changes_stream_at(sid, pos) {
                let state = fork.stream_at(sid, pos)?.map(Arc::new);
                out.insert(sid, (fork.cat.stream_name(sid).to_string(), state));
            }
        }
        Ok(out)
    }

    /// One stream's state at `pos` under `h`.
    fn stream_state(&mut self, sid: i64, pos: u64, h: &Hypothesis) -> Result<Option<Arc<Value>>> {
        match self.overrides(h, pos)?.remove(&sid) {
            Some((_, state)) => Ok(state),
            None => Ok(self.world_at(pos)?.get(sid as usize).cloned().flatten()),
        }
    }

    /// What the state pane shows at `pos` under `h`: the world or one stream.
    /// The world's states are shared with the world cache, not copied.
    fn view_value(&mut self, pos: u64, stream: Option<&str>, h: &Hypothesis) -> Result<StateValue> {
        let overrides = self.overrides(h, pos)?;
        if let Some(name) = stream {
            let only_hypothetical = overrides.iter().find(|(_, (n, _))| n == name).map(|(sid, _)| *sid);
            let sid = match (self.rec.cat.stream_id(name), only_hypothetical) {
                (Some(sid), _) | (None, Some(sid)) => sid,
                (None, None) => self.rec.stream_id(name)?,
            };
            let v = match overrides.get(&sid) {
                Some((_, state)) => state.clone(),
                None => self.world_at(pos)?.get(sid as usize).cloned().flatten(),
            };
            return Ok(StateValue::One(v.unwrap_or_else(|| Arc::new(Value::Null))));
        }
        self.world_at(pos)?;
        let Some((_, world)) = &self.world else {
            anyhow::bail!("world cache lost");
        };
        let cat = &self.rec.cat;
        let mut entries: Vec<(String, Arc<Value>)> = self
            .by_name
            .iter()
            .filter_map(|&sid| {
                let v = match overrides.get(&sid) {
                    Some((_, o)) => o.as_ref(),
                    None => world.get(sid as usize).and_then(Option::as_ref),
                };
                v.map(|v| (cat.stream_name(sid).to_string(), Arc::clone(v)))
            })
            .collect();
        let before = entries.len();
        for (sid, (name, state)) in &overrides {
            if *sid >= cat.streams.len() as i64 {
                if let Some(v) = state {
                    entries.push((name.clone(), Arc::clone(v)));
                }
            }
        }
        if entries.len() > before {
            entries.sort_by(|a, b| crate::natural::cmp(&a.0, &b.0));
        }
        Ok(StateValue::World(Arc::new(entries)))
    }

    /// Answer a state request: the reply for the state pane first, then, for a diff
    /// against the mark or the recorded state, that diff in parts, stream by stream,
    /// until done or `interrupted` says a newer request is waiting.
    fn state(
        &mut self,
        req: &StateReq,
        out: &mut dyn FnMut(Response),
        interrupted: &mut dyn FnMut() -> bool,
    ) -> Result<()> {
        let pos = req.pos.min(self.rec.len());
        let event = if pos > 0 { self.rec.event(pos)? } else { None };
        let h = &req.whatif;
        let hypothetical = h.touches_up_to(pos);
        // The event as the hypothesis has it: its data replaced by an edit.
        let event = event.map(|mut ev| {
            if let Some(d) = h.data_at(ev.pos) {
                ev.data = d.clone();
            }
            ev
        });
        // Before and after the current event, for its stream only: that is all it touches.
        let mut before_after = None;
        if let Some(ev) = &event {
            let sid = self.rec.stream_id(&ev.stream)?;
            let before = self.stream_state(sid, pos - 1, h)?;
            let after = self.stream_state(sid, pos, h)?;
            before_after = Some((ev.stream.clone(), before, after));
        }
        let value = self.view_value(pos, req.stream.as_deref(), h)?;
        let event_changes = |prefix: bool| match &before_after {
            Some((s, b, a)) => {
                let c = diff::diff_opt(b.as_deref(), a.as_deref());
                if prefix {
                    prefixed(c, &pointer::escape(s))
                } else {
                    c
                }
            }
            None => Vec::new(),
        };
        let changed = match (&before_after, &req.stream) {
            (Some(_), None) => event_changes(true),
            (Some((s, _, _)), Some(view)) if s == view => event_changes(false),
            _ => Vec::new(),
        };
        // Where the diff's two sides come from, when it is computed after the reply.
        let mut later = None;
        let diff = match req.diff {
            DiffMode::Event => {
                let title = match &event {
                    Some(ev) => format!("{} → {}  {}", pos - 1, pos, crate::sanitize::clean(&ev.stream)),
                    None => "start".to_string(),
                };
                let note = event
                    .is_none()
                    .then(|| "at the start: no event yet (press j to step)".to_string());
                let changes = event_changes(req.stream.is_none());
                DiffReply {
                    mode: DiffMode::Event,
                    title,
                    texts: changes.iter().map(change_text).collect(),
                    changes,
                    sides: (format!("@{}", pos.saturating_sub(1)), format!("@{pos}")),
                    note,
                    progress: (1, 1),
                }
            }
            DiffMode::Mark => match req.mark {
                None => empty_diff(
                    DiffMode::Mark,
                    "no mark yet: press m to set one here, move, and compare",
                ),
                Some(mark) => {
                    later = Some(Side::Mark(mark));
                    pending_diff(
                        DiffMode::Mark,
                        format!("mark {mark} → cursor {pos}"),
                        (format!("@{mark}"), format!("@{pos}")),
                    )
                }
            },
            DiffMode::WhatIf => {
                if !hypothetical {
                    empty_diff(
                        DiffMode::WhatIf,
                        "no what-if edit at or before the cursor: x skips an event, e edits its data, i inserts one",
                    )
                } else {
                    later = Some(Side::Recorded);
                    pending_diff(
                        DiffMode::WhatIf,
                        format!("recorded → hypothetical @{pos}"),
                        ("recorded".to_string(), "hypothetical".to_string()),
                    )
                }
            }
        };
        out(Response::State(Box::new(StateReply {
            id: req.id,
            pos,
            stream: req.stream.clone(),
            value: value.clone(),
            changed,
            hypothetical,
            failure: self.failures.get(&pos).cloned(),
            drift: self.drift.get(&pos).cloned(),
            event,
            diff,
        })));
        let Some(side) = later else { return Ok(()) };
        if interrupted() {
            return Ok(());
        }
        let old = match side {
            Side::Mark(mark) => self.mark_value(mark, req.stream.as_deref(), h)?,
            Side::Recorded => self.view_value(pos, req.stream.as_deref(), &Hypothesis::default())?,
        };
        stream_diff(req.id, &old, &value, out, interrupted);
        Ok(())
    }

    /// The view at the mark; computed without disturbing the cursor's world cache.
    fn mark_value(&mut self, mark: u64, stream: Option<&str>, h: &Hypothesis) -> Result<StateValue> {
        if let Some((m, s, k, v)) = &self.mark {
            if *m == mark && s.as_deref() == stream && k == h {
                return Ok(v.clone());
            }
        }
        // The cursor's world is kept (its states are shared, so this copies no state);
        // when it is at the mark, the two views share every state and compare at once.
        let saved = self.world.clone();
        let v = self.view_value(mark, stream, h);
        if let Some(w) = std::mem::replace(&mut self.world, saved) {
            crate::aside::drop_aside(w);
        }
        let v = v?;
        self.mark = Some((mark, stream.map(str::to_string), h.clone(), v.clone()));
        Ok(v)
    }
}

/// The state a diff compares the cursor's with.
enum Side {
    Mark(u64),
    Recorded,
}

/// The first changes are sent once this many are ready (a screenful and more),
/// then every [`PART_MS`] of work: the first screen shows as soon as it is known.
const PART_CHANGES: usize = 256;
const PART_MS: u128 = 50;

/// Compare two views stream by stream (in natural name order), sending the changes as
/// [`Response::DiffPart`]s of request `id`. Streams whose state is shared by both
/// sides are equal without a look. Between streams, `interrupted` may stop the
/// work: a newer request makes it moot.
fn stream_diff(
    id: u64,
    old: &StateValue,
    new: &StateValue,
    out: &mut dyn FnMut(Response),
    interrupted: &mut dyn FnMut() -> bool,
) {
    let pairs = pair_streams(old, new);
    let total = pairs.len();
    let mut part = DiffPart {
        id,
        changes: Vec::new(),
        texts: Vec::new(),
        progress: (0, total),
    };
    let mut since = std::time::Instant::now();
    let mut sent = false;
    for (i, (name, a, b)) in pairs.iter().enumerate() {
        let shared = matches!((a, b), (Some(a), Some(b)) if Arc::ptr_eq(a, b));
        let (a, b) = (a.map(|v| &**v), b.map(|v| &**v));
        if !shared {
            let first = part.changes.len();
            let prefix = name.map(|n| format!("/{}", pointer::escape(n))).unwrap_or_default();
            match (a, b) {
                (Some(a), Some(b)) => diff::diff_at(a, b, &prefix, &mut part.changes),
                (Some(a), None) => part.changes.push(Change {
                    op: diff::ChangeOp::Remove,
                    path: prefix,
                    old: Some(a.clone()),
                    new: None,
                }),
                (None, Some(b)) => part.changes.push(Change {
                    op: diff::ChangeOp::Add,
                    path: prefix,
                    old: None,
                    new: Some(b.clone()),
                }),
                (None, None) => {}
            }
            part.texts.extend(part.changes[first..].iter().map(change_text));
        }
        part.progress = (i + 1, total);
        let last = i + 1 == total;
        let first_screen = !sent && part.changes.len() >= PART_CHANGES;
        if last || first_screen || since.elapsed().as_millis() >= PART_MS {
            let next = DiffPart {
                id,
                changes: Vec::new(),
                texts: Vec::new(),
                progress: part.progress,
            };
            out(Response::DiffPart(Box::new(std::mem::replace(&mut part, next))));
            since = std::time::Instant::now();
            sent = true;
        }
        if !last && interrupted() {
            return;
        }
    }
    if total == 0 {
        out(Response::DiffPart(Box::new(part)));
    }
}

/// The streams of two views side by side, by name (`None` names the one state of
/// a one-stream view).
type Pair<'a> = (Option<&'a str>, Option<&'a Arc<Value>>, Option<&'a Arc<Value>>);

fn pair_streams<'a>(old: &'a StateValue, new: &'a StateValue) -> Vec<Pair<'a>> {
    match (old, new) {
        (StateValue::World(a), StateValue::World(b)) => {
            let (mut i, mut j) = (0, 0);
            let mut out = Vec::with_capacity(a.len().max(b.len()));
            while i < a.len() || j < b.len() {
                let order = match (a.get(i), b.get(j)) {
                    (Some((ka, _)), Some((kb, _))) => crate::natural::cmp(ka, kb),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    _ => std::cmp::Ordering::Greater,
                };
                match order {
                    std::cmp::Ordering::Less => {
                        out.push((Some(a[i].0.as_str()), Some(&a[i].1), None));
                        i += 1;
                    }
                    std::cmp::Ordering::Greater => {
                        out.push((Some(b[j].0.as_str()), None, Some(&b[j].1)));
                        j += 1;
                    }
                    std::cmp::Ordering::Equal => {
                        out.push((Some(a[i].0.as_str()), Some(&a[i].1), Some(&b[j].1)));
                        i += 1;
                        j += 1;
                    }
                }
            }
            out
        }
        (StateValue::One(a), StateValue::One(b)) => vec![(None, Some(a), Some(b))],
        // Different scopes never meet (the mark is kept per scope).
        _ => Vec::new(),
    }
}

/// What the change list draws for a change.
fn change_text(c: &Change) -> ChangeText {
    let text = |v: &Option<Value>| {
        v.as_ref().map(|v| {
            let text = summary(v, VALUE_TEXT_CHARS);
            ValueText {
                chars: text.chars().count(),
                lines: super::unified::pretty_lines(v),
                text,
            }
        })
    };
    (text(&c.old), text(&c.new))
}

fn pending_diff(mode: DiffMode, title: String, sides: (String, String)) -> DiffReply {
    DiffReply {
        mode,
        title,
        changes: Vec::new(),
        texts: Vec::new(),
        sides,
        note: None,
        progress: (0, 1),
    }
}

fn empty_diff(mode: DiffMode, note: &str) -> DiffReply {
    DiffReply {
        mode,
        title: mode.name().to_string(),
        changes: Vec::new(),
        texts: Vec::new(),
        sides: (String::new(), String::new()),
        note: Some(note.to_string()),
        progress: (1, 1),
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
}
