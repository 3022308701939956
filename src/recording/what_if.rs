//! Replay under a hypothesis (docs/whatif.md): the recording itself is not changed.
//!
//! A [`Fork`] is a [`Hypothesis`] bound to a recording. Only the streams its
//! edits name are replayed, each from its state just before its first edit
//! (from a checkpoint, as any state); every other stream is the recording's own.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::ControlFlow;

use anyhow::{bail, Result};
use serde_json::Value;

use super::Recording;
use crate::cache::read::Filter;
use crate::cache::Catalog;
use crate::hypothesis::{Edit, EditError, Hypothesis, NewEvent};
use crate::json::{eq::json_eq, pointer};
use crate::model::{Event, Kind};
use crate::replay::apply::Data;
use crate::replay::{Reducer, Step, World};

impl Recording {
    /// Bind a hypothesis to this recording: check every edit's position, find
    /// the streams each touches. A bad edit is an [`EditError`].
    pub fn fork(&self, hypothesis: &Hypothesis) -> Result<Fork<'_>> {
        Fork::new(self, hypothesis)
    }
}

/// Called with (place, state before, state after) for each hypothetical event replayed.
pub type PlaceVisitor<'f> = dyn FnMut(Place, Option<&Value>, Option<&Value>) -> Result<ControlFlow<()>> + 'f;

/// A change of one value: where, the value before and after (`None`: absent).
pub type PlaceChange = (Place, Option<Value>, Option<Value>);

/// A place in a hypothetical recording: original position `pos`, or (with
/// `insert` = K > 0) the K-th event inserted after it, written `pos+K`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub pos: u64,
    pub insert: u32,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.insert {
            0 => write!(f, "{}", self.pos),
            k => write!(f, "{}+{k}", self.pos),
        }
    }
}

/// What a hypothesis did to an event of the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Original,
    Skipped,
    /// Its data replaced.
    Edited,
    Inserted,
}

impl Mark {
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Original => "original",
            Mark::Skipped => "skipped",
            Mark::Edited => "edited",
            Mark::Inserted => "inserted",
        }
    }
}

/// An event of the hypothetical recording, as listings show it.
#[derive(Debug, Clone)]
pub struct ForkEvent {
    pub place: Place,
    pub mark: Mark,
    pub event: Event,
}

/// An inserted event, resolved against the recording.
#[derive(Debug, Clone)]
pub struct Inserted {
    pub place: Place,
    pub stream: i64,
    pub ty: i64,
    pub event: NewEvent,
    /// The time it is given (its own, or the event it follows).
    pub time: Option<i64>,
    pub id: String,
}

/// Where replay of one touched stream starts.
#[derive(Debug, Clone, Copy)]
struct Start {
    /// The position whose original state replay starts from.
    load: u64,
    /// The first point the edits can change (`load`, or `load + 1` when no
    /// event is inserted after `load`).
    first: u64,
}

/// One step of a touched stream's hypothetical replay.
enum Item<'a> {
    Original {
        pos: u64,
        ty: i64,
        kind: Kind,
        data: Value,
        edit: Option<&'a Value>,
        skipped: bool,
    },
    Inserted(&'a Inserted),
}

impl Item<'_> {
    /// The original position whose point this step belongs to.
    fn point(&self) -> u64 {
        match self {
            Item::Original { pos, .. } => *pos,
            Item::Inserted(i) => i.place.pos,
        }
    }

    fn place(&self) -> Place {
        match self {
            Item::Original { pos, .. } => Place { pos: *pos, insert: 0 },
            Item::Inserted(i) => i.place,
        }
    }
}

/// The first point where a changed stream differs between reality and the hypothesis.
#[derive(Debug, Clone, PartialEq)]
pub struct Divergence {
    pub stream: String,
    pub point: u64,
    /// The first changed paths inside the stream's state there (at most 10).
    pub paths: Vec<String>,
    /// The stream is the same again at the point asked about (a later image or
    /// snapshot brought it back).
    pub converged: bool,
}

/// What `verify` finds under a hypothesis.
#[derive(Debug, Clone, Default)]
pub struct ForkVerify {
    pub drift: Vec<(Place, i64, Vec<String>)>,
    pub failures: Vec<(Place, String)>,
    pub snapshots: u64,
}

/// A hypothesis bound to a recording.
pub struct Fork<'r> {
    pub rec: &'r Recording,
    pub hypothesis: Hypothesis,
    /// The recording's catalog plus the streams and types only inserted events name.
    pub cat: Catalog,
    /// Skipped ranges, merged and sorted.
    skips: Vec<(u64, u64)>,
    /// Replaced data by position (the last edit of a position wins).
    sets: HashMap<u64, Value>,
    /// Inserted events by the position they follow, in the order given.
    inserts: BTreeMap<u64, Vec<Inserted>>,
    starts: BTreeMap<i64, Start>,
}

impl<'r> Fork<'r> {
    fn new(rec: &'r Recording, hypothesis: &Hypothesis) -> Result<Fork<'r>> {
        let len = rec.len();
        let mut cat = rec.cat.clone();
        let mut skips = Vec::new();
        let mut sets = HashMap::new();
        let mut inserts: BTreeMap<u64, Vec<Inserted>> = BTreeMap::new();
        let mut starts: BTreeMap<i64, Start> = BTreeMap::new();
        let touch = |starts: &mut BTreeMap<i64, Start>, sid: i64, load: u64, first: u64| {
            let s = starts.entry(sid).or_insert(Start { load, first });
            s.load = s.load.min(load);
            s.first = s.first.min(first);
        };
        for (i, edit) in hypothesis.edits.iter().enumerate() {
            let past = |n: u64| -> anyhow::Error {
                EditError(format!(
                    "edit {} ({}): position {n} is past the end; {}",
                    i + 1,
                    crate::sanitize::truncate(&edit.to_flag(), 80),
                    rec.describe_range()
                ))
                .into()
            };
            match edit {
                Edit::Skip { from, to } => {
                    if *from == 0 || to < from {
                        return Err(EditError(format!("edit {}: skip {from}..{to} names no event", i + 1)).into());
                    }
                    if *to > len {
                        return Err(past(*to));
                    }
                    for sid in streams_in(rec, from - 1, *to)? {
                        touch(&mut starts, sid, from - 1, *from);
                    }
                    skips.push((*from, *to));
                }
                Edit::SetData { at, data } => {
                    if *at == 0 {
                        return Err(EditError(format!("edit {}: set_data at 0 names no event", i + 1)).into());
                    }
                    if *at > len {
                        return Err(past(*at));
                    }
                    for sid in streams_in(rec, at - 1, *at)? {
                        touch(&mut starts, sid, at - 1, *at);
                    }
                    sets.insert(*at, data.clone());
                }
                Edit::Insert { after, event } => {
                    if *after > len {
                        return Err(past(*after));
                    }
                    let stream = id_of(&mut cat.streams, &event.stream);
                    let ty = id_of(&mut cat.types, &event.ty);
                    touch(&mut starts, stream, *after, *after);
                    let list = inserts.entry(*after).or_default();
                    let place = Place {
                        pos: *after,
                        insert: list.len() as u32 + 1,
                    };
                    let time = match event.time {
                        Some(t) => Some(t),
                        None if *after > 0 => rec.event(*after)?.and_then(|e| e.time),
                        None => None,
                    };
                    list.push(Inserted {
                        place,
                        stream,
                        ty,
                        time,
                        id: event.id.clone().unwrap_or_else(|| format!("whatif:{place}")),
                        event: event.clone(),
                    });
                }
            }
        }
        skips.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(skips.len());
        for (a, b) in skips {
            match merged.last_mut() {
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        Ok(Fork {
            rec,
            hypothesis: hypothesis.clone(),
            cat,
            skips: merged,
            sets,
            inserts,
            starts,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.hypothesis.is_empty()
    }

    pub fn is_skipped(&self, pos: u64) -> bool {
        let i = self.skips.partition_point(|&(_, b)| b < pos);
        self.skips.get(i).is_some_and(|&(a, _)| a <= pos)
    }

    /// The streams the edits touch, by id.
    pub fn touched(&self) -> impl Iterator<Item = i64> + '_ {
        self.starts.keys().copied()
    }

    /// The first point any edit can change (`None`: no edits).
    pub fn first_point(&self) -> Option<u64> {
        self.starts.values().map(|s| s.first).min()
    }

    fn reducer(&self) -> Reducer<'_> {
        Reducer::new(&self.cat, &self.rec.rules)
    }

    /// Visit the hypothetical steps of stream `sid` after point `from`
    /// (`with_from`: also the events inserted after `from`) up to point `to`.
    fn each_item(
        &self,
        sid: i64,
        from: u64,
        with_from: bool,
        to: u64,
        f: &mut dyn FnMut(Item<'_>) -> Result<ControlFlow<()>>,
    ) -> Result<()> {
        let lo = if with_from { from } else { from + 1 };
        let mut pending = self
            .inserts
            .range(lo..=to.max(lo))
            .filter(|(&a, _)| a <= to)
            .flat_map(|(_, list)| list.iter())
            .filter(|i| i.stream == sid)
            .peekable();
        let mut stopped = false;
        if sid < self.rec.cat.streams.len() as i64 {
            self.rec.cache.scan_until(from, to, Some(sid), &mut |ev| {
                while let Some(ins) = pending.next_if(|i| i.place.pos < ev.pos) {
                    if f(Item::Inserted(ins))?.is_break() {
                        stopped = true;
                        return Ok(ControlFlow::Break(()));
                    }
                }
                let item = Item::Original {
                    pos: ev.pos,
                    ty: ev.ty,
                    kind: ev.kind,
                    data: crate::replay::pipeline::parse(&ev)?,
                    edit: self.sets.get(&ev.pos),
                    skipped: self.is_skipped(ev.pos),
                };
                let flow = f(item)?;
                stopped = flow.is_break();
                Ok(flow)
            })?;
        }
        if stopped {
            return Ok(());
        }
        for ins in pending {
            if f(Item::Inserted(ins))?.is_break() {
                break;
            }
        }
        Ok(())
    }

    /// Apply one step to `world`; `None` when the hypothesis leaves it out.
    fn apply(&self, r: &Reducer<'_>, world: &mut World, sid: i64, item: &Item<'_>) -> Option<Step> {
        Some(match item {
            Item::Original { skipped: true, .. } => return None,
            Item::Original {
                ty, kind, data, edit, ..
            } => match edit {
                Some(d) => r.step_value(world, sid, *ty, *kind, Data::Ref(d)),
                None => r.step_value(world, sid, *ty, *kind, Data::Ref(data)),
            },
            Item::Inserted(ins) => r.step_value(world, sid, ins.ty, ins.event.kind, Data::Ref(&ins.event.data)),
        })
    }

    /// Does the hypothesis change stream `sid` at point `pos`? Then where to start.
    fn start_for(&self, sid: i64, pos: u64) -> Option<Start> {
        self.starts.get(&sid).copied().filter(|s| pos >= s.first)
    }

    /// Can the hypothesis make stream `sid`'s state at point `pos` differ from reality's?
    pub fn changes_stream_at(&self, sid: i64, pos: u64) -> bool {
        self.start_for(sid, pos).is_some()
    }

    /// One stream's state at point `pos` under the hypothesis (`None`: no state).
    pub fn stream_at(&self, sid: i64, pos: u64) -> Result<Option<Value>> {
        let Some(start) = self.start_for(sid, pos) else {
            if sid >= self.rec.cat.streams.len() as i64 {
                return Ok(None);
            }
            return self.rec.replayer().stream_at(sid, pos);
        };
        let r = self.reducer();
        let mut world = World::default();
        if sid < self.rec.cat.streams.len() as i64 {
            *world.slot(sid) = self.rec.replayer().stream_at(sid, start.load)?;
        }
        self.each_item(sid, start.load, true, pos, &mut |item| {
            self.apply(&r, &mut world, sid, &item);
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(world.slot(sid).take())
    }

    /// The world at point `pos` under the hypothesis (ids of [`Fork::cat`]).
    pub fn world_at(&self, pos: u64) -> Result<World> {
        let mut world = self.rec.world_at(pos)?;
        for (&sid, _) in self.starts.iter().filter(|(_, s)| pos >= s.first) {
            *world.slot(sid) = self.stream_at(sid, pos)?;
        }
        Ok(world)
    }

    /// The world at `pos` as JSON (what `state` prints).
    pub fn world_json_at(&self, pos: u64, compact: bool) -> Result<Vec<u8>> {
        if self.starts.values().all(|s| pos < s.first) {
            return self.rec.world_json_at(pos, compact);
        }
        let world = self.world_at(pos)?;
        let mut out = Vec::new();
        crate::replay::WorldView {
            world: &world,
            cat: &self.cat,
        }
        .write(&mut out, compact)?;
        Ok(out)
    }

    /// A stream's id in the hypothetical recording.
    pub fn stream_id(&self, name: &str) -> Result<i64> {
        match self.cat.stream_id(name) {
            Some(id) => Ok(id),
            None => self.rec.stream_id(name),
        }
    }

    /// The state at `pos`: the world, or one stream's (`null` when it has none).
    pub fn state_at(&self, pos: u64, stream: Option<&str>) -> Result<Value> {
        match stream {
            None => Ok(self.world_at(pos)?.to_value(&self.cat)),
            Some(s) => Ok(self.stream_at(self.stream_id(s)?, pos)?.unwrap_or(Value::Null)),
        }
    }

    /// Diff between two points of the hypothetical recording.
    pub fn diff(
        &self,
        from: u64,
        to: u64,
        stream: Option<&str>,
        path: Option<&str>,
    ) -> Result<Vec<crate::json::diff::Change>> {
        if stream.is_none() && path.is_none() {
            let (a, b) = (self.world_at(from)?, self.world_at(to)?);
            return Ok(crate::replay::diff_worlds(&a, &b, &self.cat));
        }
        super::diff_selected(&self.state_at(from, stream)?, &self.state_at(to, stream)?, path)
    }

    /// Reality → hypothesis at point `pos`: every change the hypothesis makes there.
    pub fn diff_reality(
        &self,
        pos: u64,
        stream: Option<&str>,
        path: Option<&str>,
    ) -> Result<Vec<crate::json::diff::Change>> {
        if stream.is_none() && path.is_none() {
            // Streams the edits leave alone are the same in both: only the touched
            // ones are rebuilt, and the world diff of those is the whole diff.
            let (mut real, mut hypo) = (World::default(), World::default());
            for (&sid, _) in self.starts.iter().filter(|(_, s)| pos >= s.first) {
                if sid < self.rec.cat.streams.len() as i64 {
                    *real.slot(sid) = self.rec.replayer().stream_at(sid, pos)?;
                }
                *hypo.slot(sid) = self.stream_at(sid, pos)?;
            }
            return Ok(crate::replay::diff_worlds(&real, &hypo, &self.cat));
        }
        let real = match stream {
            None => self.rec.state_at(pos, None)?,
            Some(s) => match self.rec.cat.stream_id(s) {
                Some(sid) => self.rec.replayer().stream_at(sid, pos)?.unwrap_or(Value::Null),
                None => Value::Null,
            },
        };
        super::diff_selected(&real, &self.state_at(pos, stream)?, path)
    }

    /// Per stream the hypothesis changes at some point up to `pos`, the first
    /// point where reality and the hypothesis differ (in stream-name order).
    pub fn divergences(&self, pos: u64) -> Result<Vec<Divergence>> {
        let r = self.reducer();
        let mut out = Vec::new();
        for (&sid, start) in self.starts.iter().filter(|(_, s)| pos >= s.first) {
            let mut real = World::default();
            if sid < self.rec.cat.streams.len() as i64 {
                *real.slot(sid) = self.rec.replayer().stream_at(sid, start.load)?;
            }
            let mut hypo = real.clone();
            let mut point = start.load;
            let mut found = None;
            let differ = |real: &World, hypo: &World| !opt_eq(real.get(sid), hypo.get(sid));
            self.each_item(sid, start.load, true, pos, &mut |item| {
                if item.point() != point {
                    if differ(&real, &hypo) {
                        found = Some(point);
                        return Ok(ControlFlow::Break(()));
                    }
                    point = item.point();
                }
                if let Item::Original { ty, kind, data, .. } = &item {
                    r.step_value(&mut real, sid, *ty, *kind, Data::Ref(data));
                }
                self.apply(&r, &mut hypo, sid, &item);
                Ok(ControlFlow::Continue(()))
            })?;
            if found.is_none() && differ(&real, &hypo) {
                found = Some(point);
            }
            if let Some(point) = found {
                // The states at that point, not where the walk stopped.
                let a = match sid < self.rec.cat.streams.len() as i64 {
                    true => self.rec.replayer().stream_at(sid, point)?,
                    false => None,
                };
                let b = self.stream_at(sid, point)?;
                let paths = crate::json::diff::diff_opt(a.as_ref(), b.as_ref())
                    .into_iter()
                    .take(10)
                    .map(|c| c.path)
                    .collect();
                let real_end = match sid < self.rec.cat.streams.len() as i64 {
                    true => self.rec.replayer().stream_at(sid, pos)?,
                    false => None,
                };
                let converged = opt_eq(real_end.as_ref(), self.stream_at(sid, pos)?.as_ref());
                out.push(Divergence {
                    stream: self.cat.stream_name(sid).to_string(),
                    point,
                    paths,
                    converged,
                });
            }
        }
        out.sort_by(|a, b| crate::natural::cmp(&a.stream, &b.stream));
        Ok(out)
    }

    /// The events of the hypothetical recording after point `from` (`None`:
    /// from the very start, events inserted after 0 included) up to point `to`
    /// that pass `filter` (ids of [`Fork::cat`]), at most `limit`; skipped
    /// events are listed (marked) when `skipped` is true.
    pub fn events(
        &self,
        from: Option<u64>,
        to: u64,
        filter: &Filter,
        skipped: bool,
        limit: usize,
    ) -> Result<Vec<ForkEvent>> {
        let mut out = Vec::new();
        if limit > 0 {
            self.each_event(from, to, filter, skipped, &mut |ev| {
                out.push(ev);
                Ok(if out.len() >= limit {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                })
            })?;
        }
        Ok(out)
    }

    /// [`Fork::events`] handed to `f` one by one, until it returns `Break`.
    pub fn each_event(
        &self,
        from: Option<u64>,
        to: u64,
        filter: &Filter,
        skipped: bool,
        f: &mut dyn FnMut(ForkEvent) -> Result<ControlFlow<()>>,
    ) -> Result<()> {
        let keep = |sid: i64, ty: i64| {
            filter.streams.as_ref().is_none_or(|s| s.contains(&sid))
                && filter.types.as_ref().is_none_or(|t| t.contains(&ty))
        };
        let (lo, start) = match from {
            None => (0, 0),
            Some(f) => (f + 1, f),
        };
        let mut pending = self
            .inserts
            .range(lo..=to.max(lo))
            .filter(|(&a, _)| a <= to)
            .flat_map(|(_, list)| list.iter())
            .filter(|i| keep(i.stream, i.ty))
            .peekable();
        let mut cursor = start;
        loop {
            let page = self.rec.cache.events(&self.cat, cursor, to, filter, 1000)?;
            let Some(last) = page.last() else { break };
            cursor = last.pos;
            for ev in page {
                while let Some(ins) = pending.next_if(|i| i.place.pos < ev.pos) {
                    if f(self.inserted_event(ins))?.is_break() {
                        return Ok(());
                    }
                }
                let mark = if self.is_skipped(ev.pos) {
                    Mark::Skipped
                } else if self.sets.contains_key(&ev.pos) {
                    Mark::Edited
                } else {
                    Mark::Original
                };
                if mark == Mark::Skipped && !skipped {
                    continue;
                }
                let mut event = ev;
                if let Some(d) = self.sets.get(&event.pos) {
                    event.data = d.clone();
                }
                let place = Place {
                    pos: event.pos,
                    insert: 0,
                };
                if f(ForkEvent { place, mark, event })?.is_break() {
                    return Ok(());
                }
            }
        }
        for ins in pending {
            if f(self.inserted_event(ins))?.is_break() {
                break;
            }
        }
        Ok(())
    }

    /// The event at `place` of the hypothetical recording (a skipped one marked so).
    pub fn event(&self, place: Place) -> Result<Option<ForkEvent>> {
        if place.insert > 0 {
            return Ok(self
                .inserts
                .get(&place.pos)
                .and_then(|l| l.get(place.insert as usize - 1))
                .map(|i| self.inserted_event(i)));
        }
        let Some(mut event) = self.rec.cache.event(&self.cat, place.pos)? else {
            return Ok(None);
        };
        let mark = if self.is_skipped(place.pos) {
            Mark::Skipped
        } else if let Some(d) = self.sets.get(&place.pos) {
            event.data = d.clone();
            Mark::Edited
        } else {
            Mark::Original
        };
        Ok(Some(ForkEvent { place, mark, event }))
    }

    fn inserted_event(&self, ins: &Inserted) -> ForkEvent {
        let e = &ins.event;
        ForkEvent {
            place: ins.place,
            mark: Mark::Inserted,
            event: Event {
                pos: ins.place.pos,
                stream: e.stream.clone(),
                seq: e.seq,
                id: ins.id.clone(),
                ty: e.ty.clone(),
                time: ins.time,
                kind: e.kind,
                data: e.data.clone(),
                meta: e.meta.clone(),
                source: "whatif".into(),
            },
        }
    }

    /// Replay stream `sid` after point `from` up to point `to`, calling `f` with
    /// each hypothetical event's place and the stream's state before and after.
    pub fn walk_stream(&self, sid: i64, from: u64, to: u64, f: &mut PlaceVisitor<'_>) -> Result<()> {
        let r = self.reducer();
        let mut world = World::default();
        *world.slot(sid) = self.stream_at(sid, from)?;
        self.each_item(sid, from, false, to, &mut |item| {
            let before = world.get(sid).cloned();
            if self.apply(&r, &mut world, sid, &item).is_none() {
                return Ok(ControlFlow::Continue(()));
            }
            f(item.place(), before.as_ref(), world.get(sid))
        })
    }

    /// Every event in `(from, to]` of the hypothetical recording that changed the
    /// value at `path` (a pointer into the world, or into `stream`'s state).
    pub fn history(&self, path: &str, stream: Option<&str>, from: u64, to: u64) -> Result<Vec<PlaceChange>> {
        let tokens = pointer::parse(path)?;
        let (sid, rest) = match stream {
            Some(s) => (self.stream_id(s)?, tokens),
            None => match tokens.split_first() {
                Some((first, rest)) => (self.stream_id(first)?, rest.to_vec()),
                None => bail!("under a hypothesis, history follows a node inside a stream: give --stream or a path that names one"),
            },
        };
        let mut out = Vec::new();
        self.walk_stream(sid, from, to, &mut |place, before, after| {
            let old = before.and_then(|v| pointer::get(v, &rest));
            let new = after.and_then(|v| pointer::get(v, &rest));
            if !opt_eq(old, new) {
                out.push((place, old.cloned(), new.cloned()));
            }
            Ok(ControlFlow::Continue(()))
        })?;
        Ok(out)
    }

    /// Snapshot drift and failed events of the hypothetical recording: the
    /// recording's own for streams the hypothesis leaves alone (and before its
    /// edits), replayed for the others.
    pub fn verify(&self) -> Result<ForkVerify> {
        let untouched = |pos: u64, sid: i64| self.starts.get(&sid).is_none_or(|s| pos <= s.load);
        let mut out = ForkVerify::default();
        let place = |pos| Place { pos, insert: 0 };
        for (pos, sid, paths) in self.rec.cache.drift()? {
            if untouched(pos, sid) {
                out.drift.push((place(pos), sid, paths));
            }
        }
        for (pos, err) in self.rec.cache.failures()? {
            let sid = streams_in(self.rec, pos - 1, pos)?.into_iter().next().unwrap_or(0);
            if untouched(pos, sid) {
                out.failures.push((place(pos), err));
            }
        }
        let mut snapshots = self.rec.cache.snapshot_count()?;
        let r = self.reducer();
        for (&sid, start) in &self.starts {
            let mut world = World::default();
            if sid < self.rec.cat.streams.len() as i64 {
                *world.slot(sid) = self.rec.replayer().stream_at(sid, start.load)?;
            }
            self.each_item(sid, start.load, true, self.rec.len(), &mut |item| {
                let (kind, ty, data) = match &item {
                    Item::Original {
                        skipped: true, kind, ..
                    } => {
                        if *kind == Kind::Snapshot {
                            snapshots -= 1;
                        }
                        return Ok(ControlFlow::Continue(()));
                    }
                    Item::Original {
                        kind, ty, data, edit, ..
                    } => (*kind, *ty, edit.unwrap_or(data)),
                    Item::Inserted(ins) => {
                        if ins.event.kind == Kind::Snapshot {
                            snapshots += 1;
                        }
                        (ins.event.kind, ins.ty, &ins.event.data)
                    }
                };
                if let (Some(snap), Some(before)) = (r.snapshot_value(kind, ty, data), world.get(sid)) {
                    if !json_eq(before, snap) {
                        let paths = crate::json::diff::diff(before, snap)
                            .into_iter()
                            .map(|c| c.path)
                            .collect();
                        out.drift.push((item.place(), sid, paths));
                    }
                }
                if let Some(Step::Failed(e)) = self.apply(&r, &mut world, sid, &item) {
                    out.failures.push((item.place(), e));
                }
                Ok(ControlFlow::Continue(()))
            })?;
        }
        out.drift.sort_by_key(|d| d.0);
        out.failures.sort_by_key(|f| f.0);
        out.snapshots = snapshots;
        Ok(out)
    }
}

fn opt_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => json_eq(a, b),
        _ => false,
    }
}

/// The id of `name` in `names`, added at the end when new.
fn id_of(names: &mut Vec<String>, name: &str) -> i64 {
    match names.iter().position(|n| n == name) {
        Some(i) if i > 0 => i as i64,
        _ => {
            names.push(name.to_string());
            names.len() as i64 - 1
        }
    }
}

/// The streams of the events in `(from, to]`; their data is never read.
fn streams_in(rec: &Recording, from: u64, to: u64) -> Result<BTreeSet<i64>> {
    let seen = RefCell::new(BTreeSet::new());
    let keep = |sid: i64, _, _| {
        seen.borrow_mut().insert(sid);
        false
    };
    rec.cache.scan_kept(from, to, None, &keep, &mut |_| Ok(()))?;
    Ok(seen.into_inner())
}
