//! Replay: the state at any point = the nearest checkpoint + a bounded replay
//! (docs/model.md §3–§5). Reads the cache, never writes it except to build checkpoints.

pub mod apply;
pub mod genai;
pub mod lazy;
pub mod pipeline;

use std::ops::ControlFlow;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use crate::cache::checkpoints::{decode_state, encode_state, stamp, CheckpointWriter};
use crate::cache::read::RawEvent;
use crate::cache::{Cache, Catalog, StaleCatalog};
use crate::json::{diff, eq::json_eq, pointer};
use crate::model::Kind;
use crate::rules::{Op, Rules};
use apply::{apply, Applied, Data};
use lazy::LazyWorld;
use pipeline::{Payload, ReadAs};

/// When a full replay stores a stream's state (a checkpoint of that stream): once
/// the stream's events since its last one outweigh twice the state it would store
/// (replaying them then never costs more than loading that state), and at least
/// `min` of them; and always after `max` of them. Each stream keeps its own
/// rhythm, so the events to replay for the world at any point are about the same
/// few per stream, instead of growing from none to a whole interval's worth
/// between world-wide checkpoints (which made the slowest points twice the
/// typical ones).
#[derive(Debug, Clone, Copy)]
pub struct Spacing {
    pub min: u64,
    pub max: u64,
}

impl Default for Spacing {
    fn default() -> Self {
        // `max` only bounds streams whose events are tiny next to their state: a
        // low one would rewrite a large state every `max` events.
        Spacing { min: 8, max: 32 * 1024 }
    }
}

/// The world state: stream id → state. Streams without state are `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct World {
    pub states: Vec<Option<Value>>,
}

impl World {
    pub fn get(&self, sid: i64) -> Option<&Value> {
        self.states.get(sid as usize).and_then(Option::as_ref)
    }

    pub fn slot(&mut self, sid: i64) -> &mut Option<Value> {
        let i = sid.max(0) as usize;
        if i >= self.states.len() {
            self.states.resize(i + 1, None);
        }
        &mut self.states[i]
    }

    /// `(stream name, id, state)` of every stream with a state, in natural name order: the
    /// order of every JSON form of the world, so each way of computing it prints
    /// the same bytes.
    pub fn by_name<'a>(&'a self, cat: &'a Catalog) -> Vec<(&'a str, i64, &'a Value)> {
        let mut entries: Vec<(&str, i64, &Value)> = self
            .states
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|v| (cat.stream_name(i as i64), i as i64, v)))
            .collect();
        entries.sort_unstable_by(|a, b| crate::natural::cmp(a.0, b.0));
        entries
    }

    /// The JSON form: an object of stream name → state (see [`World::by_name`]).
    pub fn to_value(&self, cat: &Catalog) -> Value {
        let mut m = Map::with_capacity(self.states.len());
        for (k, _, v) in self.by_name(cat) {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }
}

/// The diff between two worlds: the same changes as [`diff::diff`] between their
/// JSON forms ([`World::to_value`]), without copying either, and skipping streams
/// that are the same tree in both (shared checkpoint states are not walked).
pub fn diff_worlds(old: &World, new: &World, cat: &Catalog) -> Vec<diff::Change> {
    let mut out = Vec::new();
    // As for any object: the old members in order (changed or removed), then the new ones.
    for (name, sid, o) in old.by_name(cat) {
        let path = diff::child("", name);
        match new.get(sid) {
            Some(n) => diff::diff_at(o, n, &path, &mut out),
            None => out.push(diff::Change {
                op: diff::ChangeOp::Remove,
                path,
                old: Some(o.clone()),
                new: None,
            }),
        }
    }
    for (name, sid, n) in new.by_name(cat) {
        if old.get(sid).is_none() {
            out.push(diff::Change {
                op: diff::ChangeOp::Add,
                path: diff::child("", name),
                old: None,
                new: Some(n.clone()),
            });
        }
    }
    out
}

/// The world as JSON without copying it: an object of stream name → state,
/// streams sorted by name (the same bytes as [`World::to_value`]).
pub struct WorldView<'a> {
    pub world: &'a World,
    pub cat: &'a Catalog,
}

impl<'a> WorldView<'a> {
    /// `(stream name, state)` of every stream with a state, by name.
    fn entries(&self) -> Vec<(&'a str, &'a Value)> {
        self.world
            .by_name(self.cat)
            .into_iter()
            .map(|(k, _, v)| (k, v))
            .collect()
    }

    /// Write the world as terminal-safe JSON, the same bytes as
    /// [`crate::json::write::write_pretty`] (or `write_compact`) of this view. A large
    /// world is rendered in two halves on two threads, then joined: each half is
    /// the same object syntax, so dropping the inner brace pair gives the whole.
    pub fn write(&self, out: &mut dyn std::io::Write, compact: bool) -> std::io::Result<()> {
        let render = |part: &[(&str, &Value)]| -> std::io::Result<Vec<u8>> {
            let mut buf = Vec::with_capacity(part.len() * 4096);
            crate::json::write::write_members(&mut buf, part.iter().copied(), !compact);
            Ok(buf)
        };
        let entries = self.entries();
        if entries.len() < 64 {
            return out.write_all(&render(&entries)?);
        }
        let (a, b) = entries.split_at(entries.len() / 2);
        let (first, second) = std::thread::scope(|scope| {
            let first = scope.spawn(|| render(a));
            let second = render(b);
            (first.join(), second)
        });
        let first = first.map_err(|_| std::io::Error::other("JSON writer thread panicked"))??;
        let second = second?;
        // "{…}" + "{…}" → "{…,…}"; pretty: "{\n…\n}" + "{\n…\n}" → "{\n…,\n…\n}".
        let (close, join, open) = if compact {
            (1, &b","[..], 1)
        } else {
            (2, &b",\n"[..], 2)
        };
        out.write_all(&first[..first.len().saturating_sub(close)])?;
        out.write_all(join)?;
        out.write_all(second.get(open..).unwrap_or_default())
    }
}

/// Stream entries serialized as one JSON object.
struct Entries<'a, 'v>(&'a [(&'v str, &'v Value)]);

impl serde::Serialize for Entries<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl serde::Serialize for WorldView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        Entries(&self.entries()).serialize(s)
    }
}

/// Stream states to store, as JSON text: `(position, stream, state)`, `None`
/// for no state.
type StatesJson = Vec<(u64, i64, Option<Vec<u8>>)>;

/// The same states compressed, as stored.
type EncodedStates = Vec<(u64, i64, Option<Vec<u8>>)>;

/// States handed to the encoder thread at a time.
const STATES_BATCH: usize = 64;

fn encode_checkpoints(states: Receiver<StatesJson>, out: Sender<Result<EncodedStates>>) {
    for list in states {
        let encoded: Result<Vec<_>> = list
            .into_iter()
            .map(|(pos, sid, json)| match json {
                None => Ok((pos, sid, None)),
                Some(json) => encode_state(&json).map(|blob| (pos, sid, Some(blob))),
            })
            .collect();
        let failed = encoded.is_err();
        if out.send(encoded).is_err() || failed {
            return;
        }
    }
}

fn store_states(writer: &CheckpointWriter<'_>, states: EncodedStates) -> Result<()> {
    for (pos, sid, blob) in &states {
        writer.stream_state(*pos, *sid, blob.as_deref())?;
    }
    Ok(())
}

/// A full replay's bookkeeping for one stream since its last stored state.
#[derive(Clone, Copy, Default)]
struct Since {
    events: u64,
    bytes: usize,
    /// JSON size of the last stored state.
    size: usize,
}

/// Stream `sid`'s state as JSON for a checkpoint (`None`: no state), its
/// bookkeeping started over.
fn checkpoint_json(world: &LazyWorld, since: &mut Since, sid: i64) -> Result<Option<Vec<u8>>> {
    let json = if world.has_state(sid) {
        let mut buf = Vec::with_capacity(since.size + since.size / 4 + 64);
        world.write_state(sid, &mut buf)?;
        Some(buf)
    } else {
        None
    };
    *since = Since {
        size: json.as_ref().map_or(0, Vec::len),
        ..Since::default()
    };
    Ok(json)
}

/// How often a full replay reports its position.
const PROGRESS_EVERY: u64 = 16 * 1024;

/// Called with (position, state before, state after) for each replayed event.
pub type StepVisitor<'f> = dyn FnMut(u64, Option<&Value>, Option<&Value>) -> Result<ControlFlow<()>> + 'f;

/// Applies events to a world under one set of rules. Holds no connection, so
/// threads can share it.
pub struct Reducer<'a> {
    pub cat: &'a Catalog,
    pub rules: &'a Rules,
    /// Rule index per type id, resolved once.
    rule_of_type: Vec<Option<usize>>,
}

/// The outcome of applying one event.
pub enum Step {
    Applied,
    Failed(String),
}

impl<'a> Reducer<'a> {
    pub fn new(cat: &'a Catalog, rules: &'a Rules) -> Self {
        let rule_of_type = cat.types.iter().map(|t| rules.index_for(t)).collect();
        Reducer {
            cat,
            rules,
            rule_of_type,
        }
    }

    /// By type id, how to read the payloads of events of that type: not at all
    /// when the rules ignore them; kept as text when a `replace` rule moves them
    /// into the state whole (for a [`lazy::LazyWorld`]).
    pub fn read_plan(&self) -> Vec<ReadAs<'a>> {
        (0..self.rule_of_type.len())
            .map(|ty| match self.rule(ty as i64) {
                Some(r) if r.op == Op::Ignore => ReadAs::Skip,
                Some(r) if r.op == Op::Replace && r.from.is_none() => ReadAs::Raw(&r.path),
                _ => ReadAs::Parse,
            })
            .collect()
    }

    fn rule(&self, ty: i64) -> Option<&'a crate::rules::Rule> {
        let rules = self.rules;
        self.rule_of_type
            .get(ty as usize)
            .copied()
            .flatten()
            .and_then(|i| rules.rules.get(i))
    }

    pub fn step_value(&self, world: &mut World, stream: i64, ty: i64, kind: Kind, data: Data<'_>) -> Step {
        let rule = match kind {
            Kind::Event => self.rule(ty),
            _ => None,
        };
        let applied = Applied {
            kind,
            ty: self.cat.type_name(ty),
            data,
        };
        match apply(world.slot(stream), applied, rule) {
            Ok(()) => Step::Applied,
            Err(e) => Step::Failed(e),
        }
    }

    /// Apply an event read by a [`Reducer::read_plan`] plan to a lazy world.
    fn apply_parsed(&self, world: &mut LazyWorld, ev: pipeline::Parsed) -> Result<Step> {
        match ev.payload {
            Payload::Text(raw) => world.replace_raw(ev.stream, raw),
            Payload::Tree(data) => world.step(self, ev.stream, ev.ty, ev.kind, data),
        }
        .with_context(|| format!("event {}", ev.pos))
    }

    /// The value a snapshot event fixes, if `ev` is one (kind or `snapshot` rule).
    pub(crate) fn snapshot_value<'v>(&self, kind: Kind, ty: i64, data: &'v Value) -> Option<&'v Value> {
        match kind {
            Kind::Snapshot => Some(data),
            Kind::Event => {
                let rule = self.rule(ty)?;
                if rule.op != Op::Snapshot {
                    return None;
                }
                match &rule.from {
                    Some(from) => pointer::get(data, from),
                    None => Some(data),
                }
            }
            _ => None,
        }
    }

    /// Stream `sid`'s state at `pos` put into `world`, read through `cache`: its
    /// newest checkpoint at or before `pos`, then its events after that.
    pub(crate) fn stream_into(
        &self,
        cache: &Cache,
        world: &mut LazyWorld,
        sid: i64,
        pos: u64,
        plan: &[ReadAs],
    ) -> Result<()> {
        let (cp, blob) = cache.checkpoint_of(sid, pos)?;
        if let Some(blob) = blob {
            world.set_state(
                sid,
                decode_state(&blob).with_context(|| format!("checkpoint of stream {sid} at {cp}"))?,
            );
        }
        let keep = |_, ty, kind| !pipeline::unread(plan, kind, ty);
        cache.scan_kept(cp, pos, Some(sid), &keep, &mut |ev| {
            self.apply_parsed(world, pipeline::parsed(ev, plan)?)?;
            Ok(())
        })
    }

    /// Each stream of `share` at `pos`, rebuilt one after the other over
    /// `reader`'s own snapshot and handed to `f` with its state as a tree (streams
    /// without a state are skipped). Fails with [`StaleCatalog`] if that snapshot
    /// is not the one `want` stamps.
    fn each_stream(
        &self,
        reader: &Cache,
        want: &str,
        pos: u64,
        share: Share,
        f: &mut dyn FnMut(i64, Value) -> Result<()>,
    ) -> Result<()> {
        reader.begin_read()?;
        if reader.generation()? != self.cat.generation || reader.checkpoints_stamp()?.as_deref() != Some(want) {
            return Err(StaleCatalog.into());
        }
        let plan = self.read_plan();
        let mut world = LazyWorld::default();
        for sid in (1..self.cat.streams.len() as i64).filter(|&sid| share.has(sid)) {
            self.stream_into(reader, &mut world, sid, pos, &plan)?;
            if let Some(state) = world.take_state(sid)? {
                f(sid, state)?;
            }
        }
        Ok(())
    }
}

/// Run `f(index, item)` for each item on a thread of its own; the results in order.
fn on_threads<T: Send, R: Send>(items: Vec<T>, f: impl Fn(usize, T) -> Result<R> + Sync) -> Result<Vec<R>> {
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| scope.spawn(move || f(i, item)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| anyhow::anyhow!("world replay thread panicked"))?)
            .collect()
    })
}

/// Which streams one thread of a world load handles: ids `index` mod `of`.
#[derive(Clone, Copy)]
struct Share {
    index: usize,
    of: usize,
}

impl Share {
    fn has(self, sid: i64) -> bool {
        sid.rem_euclid(self.of as i64) as usize == self.index
    }
}

/// Replays events of one cache under one set of rules.
pub struct Replayer<'a> {
    pub cache: &'a Cache,
    pub cat: &'a Catalog,
    pub rules: &'a Rules,
    reducer: Reducer<'a>,
}

impl<'a> Replayer<'a> {
    pub fn new(cache: &'a Cache, cat: &'a Catalog, rules: &'a Rules) -> Self {
        Replayer {
            cache,
            cat,
            rules,
            reducer: Reducer::new(cat, rules),
        }
    }

    /// Apply one raw event to the world.
    pub fn step(&self, world: &mut World, ev: &RawEvent<'_>) -> Result<Step> {
        let data = pipeline::parse(ev)?;
        Ok(self.step_value(world, ev.stream, ev.ty, ev.kind, Data::Own(data)))
    }

    pub fn step_value(&self, world: &mut World, stream: i64, ty: i64, kind: Kind, data: Data<'_>) -> Step {
        self.reducer.step_value(world, stream, ty, kind, data)
    }

    /// Are the stored checkpoints valid for these events and rules?
    pub fn checkpoints_ready(&self) -> Result<bool> {
        let want = stamp(&self.cache.generation()?, self.rules.hash());
        Ok(self.cache.checkpoints_stamp()?.as_deref() == Some(want.as_str()))
    }

    /// Replay everything once, storing checkpoints, failed events and snapshot drift.
    /// `progress` gets the position reached.
    pub fn build_checkpoints(&self, progress: &mut dyn FnMut(u64)) -> Result<()> {
        self.build_checkpoints_spaced(Spacing::default(), progress)
    }

    pub fn build_checkpoints_spaced(&self, spacing: Spacing, progress: &mut dyn FnMut(u64)) -> Result<()> {
        self.checkpoints_from(0, spacing, progress)
    }

    /// Checkpoints that are current up to a position before the end (events were
    /// appended since): replay only the events after it.
    pub fn extend_checkpoints(&self, progress: &mut dyn FnMut(u64)) -> Result<bool> {
        match self.cache.checkpoints_to()? {
            Some(to) if to < self.cat.len => {
                self.checkpoints_from(to, Spacing::default(), progress)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn checkpoints_from(&self, from: u64, spacing: Spacing, progress: &mut dyn FnMut(u64)) -> Result<()> {
        let writer = self.cache.begin_checkpoints_from(&self.cat.generation, from)?;
        // States are compressed on a thread of their own: this thread is the one
        // every event waits for. It writes their JSON itself (cheaper than copying
        // the trees across).
        std::thread::scope(|scope| -> Result<()> {
            let (state_tx, state_rx) = sync_channel::<StatesJson>(4);
            let (blob_tx, blob_rx) = channel::<Result<EncodedStates>>();
            let encoder = std::thread::Builder::new()
                .name("checkpoint-lz4".into())
                .spawn_scoped(scope, move || encode_checkpoints(state_rx, blob_tx))?;
            let result = self.replay_for_checkpoints(from, spacing, &writer, &state_tx, &blob_rx, progress);
            drop(state_tx);
            let joined = encoder.join();
            result?;
            joined.map_err(|_| anyhow::anyhow!("checkpoint encoder thread panicked"))?;
            for encoded in blob_rx {
                store_states(&writer, encoded?)?;
            }
            Ok(())
        })?;
        writer.finish(&stamp(&self.cache.generation()?, self.rules.hash()))?;
        progress(self.cat.len);
        Ok(())
    }

    /// Replay the events after `from` (0: all of them), storing checkpoints,
    /// failures and drift. After 0, each stream starts from its state at `from`,
    /// loaded the first time one of its events comes.
    #[allow(clippy::too_many_arguments)]
    fn replay_for_checkpoints(
        &self,
        from: u64,
        spacing: Spacing,
        writer: &CheckpointWriter<'_>,
        state_tx: &SyncSender<StatesJson>,
        blob_rx: &Receiver<Result<EncodedStates>>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<()> {
        let mut world = LazyWorld::default();
        let mut since: Vec<Since> = vec![Since::default(); self.cat.streams.len()];
        let mut batch: StatesJson = Vec::with_capacity(STATES_BATCH);
        let mut report_at = from + PROGRESS_EVERY;
        let plan = self.reducer.read_plan();
        let mut seeded: std::collections::HashSet<i64> = std::collections::HashSet::new();
        pipeline::scan_parsed(self.cache, &self.cat.generation, from, self.cat.len, &plan, &mut |ev| {
            if from > 0 && seeded.insert(ev.stream) {
                self.reducer
                    .stream_into(self.cache, &mut world, ev.stream, from, &plan)?;
            }
            let snap = match &ev.payload {
                Payload::Tree(data) => self.reducer.snapshot_value(ev.kind, ev.ty, data),
                Payload::Text(_) => None,
            };
            if let Some(snap) = snap {
                // verify: compare what replay built with what the snapshot says.
                if let Some(before) = world.state(ev.stream)? {
                    if !json_eq(before, snap) {
                        let paths: Vec<String> = diff::diff(before, snap).into_iter().map(|c| c.path).collect();
                        writer.drift(ev.pos, ev.stream, &paths)?;
                    }
                }
            }
            let (pos, stream, bytes) = (ev.pos, ev.stream, ev.bytes);
            if let Step::Failed(e) = self.reducer.apply_parsed(&mut world, ev)? {
                writer.failure(pos, &e)?;
            }
            let i = stream.max(0) as usize;
            if i >= since.len() {
                since.resize(i + 1, Since::default());
            }
            let s = &mut since[i];
            s.events += 1;
            s.bytes += bytes;
            if s.events >= spacing.max || (s.events >= spacing.min && s.bytes >= 2 * s.size) {
                // Written now, while the state is still in the CPU cache.
                batch.push((pos, stream, checkpoint_json(&world, s, stream)?));
            }
            if batch.len() >= STATES_BATCH {
                state_tx
                    .send(std::mem::replace(&mut batch, Vec::with_capacity(STATES_BATCH)))
                    .map_err(|_| anyhow::anyhow!("checkpoint encoder stopped"))?;
            }
            if pos >= report_at {
                progress(pos);
                report_at = pos + PROGRESS_EVERY;
            }
            while let Ok(encoded) = blob_rx.try_recv() {
                store_states(writer, encoded?)?;
            }
            Ok(())
        })?;
        if !batch.is_empty() {
            state_tx
                .send(batch)
                .map_err(|_| anyhow::anyhow!("checkpoint encoder stopped"))?;
        }
        Ok(())
    }

    /// `f` run for each share of the streams on a thread of its own, each with a
    /// connection of its own; `None` when the world should be loaded over this
    /// connection instead: one core, or another rewind imported or rebuilt the
    /// checkpoints since this one pinned its snapshot.
    fn on_shares<R: Send>(&self, f: impl Fn(&Cache, &str, Share) -> Result<R> + Sync) -> Result<Option<Vec<R>>> {
        let shares = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
        if shares < 2 || self.cat.streams.len() <= 2 {
            return Ok(None);
        }
        let readers = (0..shares)
            .map(|_| self.cache.mapped_reader())
            .collect::<Result<Vec<_>>>()?;
        let want = stamp(&self.cat.generation, self.rules.hash());
        match on_threads(readers, |index, reader| f(&reader, &want, Share { index, of: shares })) {
            Ok(parts) => Ok(Some(parts)),
            Err(e) if e.is::<StaleCatalog>() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The whole world at `pos`. Streams are independent, so they are split over
    /// threads, each loading each of its streams' newest checkpoint before `pos`
    /// and replaying that stream's events after it.
    pub fn world_at(&self, pos: u64) -> Result<World> {
        // The reducer, not `self`: the threads cannot share this connection.
        let reducer = &self.reducer;
        let parts = self.on_shares(|reader, want, share| {
            let mut states = Vec::new();
            reducer.each_stream(reader, want, pos, share, &mut |sid, state| {
                states.push((sid, state));
                Ok(())
            })?;
            Ok(states)
        })?;
        let Some(parts) = parts else {
            return self.world_at_serial(pos);
        };
        let mut world = World {
            states: vec![None; self.cat.streams.len()],
        };
        for (sid, state) in parts.into_iter().flatten() {
            *world.slot(sid) = Some(state);
        }
        Ok(world)
    }

    /// The world at `pos` as JSON (the bytes [`WorldView::write`] gives for
    /// [`Replayer::world_at`]): what `rewind state` prints. Each thread writes a
    /// stream's JSON right after rebuilding it (while it is still in the CPU cache)
    /// and frees it (its memory serves the next stream: a fresh process would
    /// otherwise fault in and zero pages for the whole world); the pieces are then
    /// joined in stream-name order.
    pub fn world_json_at(&self, pos: u64, compact: bool) -> Result<Vec<u8>> {
        let reducer = &self.reducer;
        let parts = self.on_shares(|reader, want, share| {
            let (mut json, mut ranges) = (Vec::new(), Vec::new());
            reducer.each_stream(reader, want, pos, share, &mut |sid, state| {
                let start = json.len();
                crate::json::write::write_value_at(&mut json, &state, !compact, 1);
                ranges.push((sid, start..json.len()));
                Ok(())
            })?;
            Ok((json, ranges))
        })?;
        let Some(parts) = parts else {
            let world = self.world_at_serial(pos)?;
            let mut out = Vec::new();
            WorldView {
                world: &world,
                cat: self.cat,
            }
            .write(&mut out, compact)?;
            crate::aside::drop_aside(world);
            return Ok(out);
        };
        let mut pieces: Vec<(&str, &[u8])> = parts
            .iter()
            .flat_map(|(json, ranges)| {
                ranges
                    .iter()
                    .map(move |(sid, range)| (self.cat.stream_name(*sid), &json[range.clone()]))
            })
            .collect();
        pieces.sort_unstable_by(|a, b| crate::natural::cmp(a.0, b.0));
        let size: usize = pieces.iter().map(|(name, json)| name.len() + json.len() + 8).sum();
        let mut out = Vec::with_capacity(size + 4);
        crate::json::write::write_written_members(&mut out, pieces.into_iter(), !compact);
        Ok(out)
    }

    /// [`Replayer::world_at`] over this connection alone, stream by stream.
    fn world_at_serial(&self, pos: u64) -> Result<World> {
        let plan = self.reducer.read_plan();
        let mut world = LazyWorld::default();
        for sid in 1..self.cat.streams.len() as i64 {
            self.reducer.stream_into(self.cache, &mut world, sid, pos, &plan)?;
        }
        world.into_world()
    }

    /// One stream's state at `pos` (`None`: no state).
    pub fn stream_at(&self, sid: i64, pos: u64) -> Result<Option<Value>> {
        let plan = self.reducer.read_plan();
        let mut world = LazyWorld::default();
        self.reducer.stream_into(self.cache, &mut world, sid, pos, &plan)?;
        Ok(world.into_world()?.slot(sid).take())
    }

    /// Replay `sid`'s events in `(from, to]` starting from its state at `from`,
    /// calling `f(pos, before, after)` for each.
    pub fn walk_stream(&self, sid: i64, from: u64, to: u64, f: &mut StepVisitor<'_>) -> Result<()> {
        let mut world = World::default();
        *world.slot(sid) = self.stream_at(sid, from)?;
        self.cache.scan_until(from, to, Some(sid), &mut |ev| {
            let before = world.get(sid).cloned();
            self.step(&mut world, &ev)?;
            f(ev.pos, before.as_ref(), world.get(sid))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn world(n: usize) -> (World, Catalog) {
        let cat = Catalog {
            streams: (0..=n).map(|i| format!("agent/{:04}", (i * 7919) % 10007)).collect(),
            ..Catalog::default()
        };
        let states = (0..=n)
            .map(|i| match i {
                0 => None,
                _ if i % 5 == 0 => None,
                _ => {
                    Some(json!({"n": i, "tags": ["a", i.to_string()], "nested": {"\u{1b}]52;x": "\u{9b}31m", "e": {}}}))
                }
            })
            .collect();
        (World { states }, cat)
    }

    #[test]
    fn split_world_writing_is_the_plain_serialization() {
        for n in [0, 3, 63, 64, 65, 200, 1001] {
            let (w, cat) = world(n);
            let view = WorldView { world: &w, cat: &cat };
            for compact in [false, true] {
                let mut want = Vec::new();
                if compact {
                    crate::json::write::write_compact(&mut want, &view).expect("plain");
                } else {
                    crate::json::write::write_pretty(&mut want, &view).expect("plain");
                }
                let mut got = Vec::new();
                view.write(&mut got, compact).expect("split");
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(&want),
                    "n={n} compact={compact}"
                );
            }
        }
    }
}
