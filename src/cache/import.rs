//! Bulk loading. Everything one `open` changes happens in one transaction, so a
//! failed or interrupted import leaves the cache exactly as it was.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rusqlite::{params, OptionalExtension, Transaction};

use super::ledger::{self, Entry, EntryKind, Tally};
use super::sort::{self, Row, Sorter};
use super::{schema, Cache};
use crate::ingest::filter::Filter;
use crate::ingest::{BadRecord, Item, Order, Source};
use crate::json::depth::too_deep;
use crate::model::{Kind, SourceFile};
use std::sync::Arc;

mod append;
pub use append::{Appended, TailState};

/// What the cache remembers about an input, to tell whether it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct InputKey {
    /// Canonical path.
    pub path: String,
    pub size: i64,
    pub mtime_ns: i64,
    pub fingerprint: String,
    pub forced: Option<String>,
    pub mapping_hash: String,
}

/// An input as stored in the cache, with what its import found.
#[derive(Debug, Clone)]
pub struct StoredInput {
    pub id: i64,
    pub ord: i64,
    pub key: InputKey,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub format: String,
    pub snapshot: bool,
    pub events: u64,
    pub snapshots: u64,
    pub skipped: u64,
    /// The first few bad records, as `file:line: why`.
    pub skipped_sample: Vec<String>,
    pub seconds: f64,
    /// The input's rows are stored in the order read and must be sorted by time
    /// when inputs merge. Only caches of older rewinds hold such inputs: this one
    /// stores a time-ordered input (`ingest::Order::Time`) already sorted.
    pub by_time: bool,
    /// Records a merge found to repeat an event of another file (or, for a
    /// family's key, any earlier event).
    pub duplicates: u64,
    /// What identities the input's events carry: 0 none; 1 their own ids, from one
    /// file; 2 a family's keys or own ids from several files (a merge must look
    /// for duplicates even when the cache holds this input alone).
    pub idents: i64,
}

/// How many bad records an import keeps word for word.
pub const SAMPLE: usize = 10;
const BATCH: usize = 2048;

#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub records: u64,
    pub bytes: u64,
}

pub struct Importer<'c> {
    tx: Transaction<'c>,
    streams: HashMap<String, i64>,
    types: HashMap<String, i64>,
    changed: bool,
    /// Time range and order seen by the insert loop (min, max, last, sorted), and
    /// how many inputs it covered: saves a scan when the cache holds one input.
    times: (Option<i64>, Option<i64>, i64, bool),
    imports: usize,
    /// Where sort runs spill: the cache's folder.
    dir: PathBuf,
    /// Appends to inputs that grew, streams they added, and the last position
    /// before them; other changes (an import, a removal, a new order) make this
    /// open more than appends.
    appends: usize,
    new_streams: usize,
    end_before: i64,
    reshaped: bool,
    /// The next import may hold no record yet: a followed input being written.
    pub growing: bool,
    /// The import filter: records it leaves out are counted as filtered.
    pub filter: Filter,
    /// Records the filter left out of the input being read.
    sliced: u64,
}

impl Cache {
    /// Start the one write transaction of an open.
    pub fn begin_import(&mut self) -> Result<Importer<'_>> {
        let conn = &self.conn;
        let tx = super::wait_for_write(&self.path, || {
            Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
        })?;
        let streams = load_names(&tx, "SELECT name, id FROM streams")?;
        let end_before: i64 = tx.query_row("SELECT coalesce(max(pos), 0) FROM events", [], |r| r.get(0))?;
        let types = load_names(&tx, "SELECT name, id FROM types")?;
        Ok(Importer {
            tx,
            streams,
            types,
            changed: false,
            times: (None, None, i64::MIN, true),
            imports: 0,
            appends: 0,
            new_streams: 0,
            end_before,
            reshaped: false,
            growing: false,
            filter: Filter::default(),
            sliced: 0,
            dir: match self.path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            },
        })
    }

    pub fn stored_inputs(&self) -> Result<Vec<StoredInput>> {
        stored_inputs(&self.conn)
    }
}

fn load_names(tx: &Transaction, sql: &str) -> Result<HashMap<String, i64>> {
    let mut st = tx.prepare(sql)?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn stored_inputs(conn: &rusqlite::Connection) -> Result<Vec<StoredInput>> {
    let mut st = conn.prepare(
        "SELECT id, ord, path, size, mtime_ns, fingerprint, forced, mapping_hash, format, snapshot, events, snapshots, skipped, skipped_sample, seconds, by_time, duplicates, idents FROM inputs ORDER BY ord",
    )?;
    let rows = st.query_map([], |r| {
        let sample: String = r.get(13)?;
        Ok(StoredInput {
            id: r.get(0)?,
            ord: r.get(1)?,
            key: InputKey {
                path: r.get(2)?,
                size: r.get(3)?,
                mtime_ns: r.get(4)?,
                fingerprint: r.get(5)?,
                forced: r.get(6)?,
                mapping_hash: r.get(7)?,
            },
            outcome: Outcome {
                format: r.get(8)?,
                snapshot: r.get::<_, i64>(9)? != 0,
                events: r.get::<_, i64>(10)? as u64,
                snapshots: r.get::<_, i64>(11)? as u64,
                skipped: r.get::<_, i64>(12)? as u64,
                skipped_sample: serde_json::from_str(&sample).unwrap_or_default(),
                seconds: r.get(14)?,
                by_time: r.get::<_, i64>(15)? != 0,
                duplicates: r.get::<_, i64>(16)? as u64,
                idents: r.get(17)?,
            },
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

impl Importer<'_> {
    pub fn changed(&self) -> bool {
        self.changed
    }

    /// Forget an input and its events.
    pub fn remove_input(&mut self, id: i64) -> Result<()> {
        self.tx.execute("DELETE FROM events WHERE input = ?1", params![id])?;
        self.tx.execute("DELETE FROM files WHERE input = ?1", params![id])?;
        self.tx.execute("DELETE FROM dups WHERE input = ?1", params![id])?;
        self.tx.execute("DELETE FROM ledger WHERE input = ?1", params![id])?;
        self.tx
            .execute("DELETE FROM ledger_files WHERE input = ?1", params![id])?;
        self.tx.execute("DELETE FROM inputs WHERE id = ?1", params![id])?;
        self.changed = true;
        self.reshaped = true;
        Ok(())
    }

    pub fn set_order(&mut self, id: i64, ord: i64) -> Result<()> {
        let old: Option<i64> = self
            .tx
            .query_row("SELECT ord FROM inputs WHERE id = ?1", params![id], |r| r.get(0))
            .optional()?;
        if old != Some(ord) {
            self.tx
                .execute("UPDATE inputs SET ord = ?1 WHERE id = ?2", params![ord, id])?;
            self.changed = true;
            self.reshaped = true;
        }
        Ok(())
    }

    /// Read `source` to the end and store its records. A parse thread decodes while
    /// this thread inserts. With `strict`, the first bad record is an error.
    pub fn import(
        &mut self,
        key: &InputKey,
        ord: i64,
        display: &str,
        source: Box<dyn Source>,
        strict: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Outcome> {
        let started = Instant::now();
        self.changed = true;
        self.reshaped = true;
        self.imports += 1;
        self.sliced = 0;
        let empty: bool = self
            .tx
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM events)", [], |r| r.get(0))?;
        if empty {
            // First load: indexes are cheaper to build once than to maintain per row.
            self.tx.execute_batch(schema::DROP_INDEXES)?;
        }
        self.tx.execute(
            "INSERT INTO inputs(ord, path, size, mtime_ns, fingerprint, format, forced, mapping_hash, snapshot, events, snapshots, skipped, skipped_sample, seconds) VALUES (?1, ?2, ?3, ?4, ?5, '', ?6, ?7, 0, 0, 0, 0, '[]', 0)",
            params![ord, key.path, key.size, key.mtime_ns, key.fingerprint, key.forced, key.mapping_hash],
        )?;
        let input_id = self.tx.last_insert_rowid();
        self.tx.execute(
            "INSERT INTO files(input, path, offsets) VALUES (?1, ?2, 0)",
            params![input_id, display],
        )?;
        let file_id = self.tx.last_insert_rowid();
        let base: i64 = self
            .tx
            .query_row("SELECT coalesce(max(pos), 0) FROM events", [], |r| r.get(0))?;

        let bytes = source.bytes_read();
        let (send, recv) = sync_channel::<Result<Vec<Item>>>(4);
        let by_time = source.order() == Order::Time;
        // A time-ordered input is stored already sorted (see `insert_batches`), so
        // it merges like any other: `by_time` stays false.
        let mut outcome = Outcome::default();
        let mut tally = Tally::new(display);
        let result: Result<Box<dyn Source>> = std::thread::scope(|scope| {
            let parser = std::thread::Builder::new()
                .name("import-decode".into())
                .spawn_scoped(scope, move || {
                    let mut source = source;
                    loop {
                        let mut batch = Vec::with_capacity(BATCH);
                        let mut end = false;
                        while batch.len() < BATCH {
                            match source.next_item() {
                                Ok(Some(item)) => batch.push(refuse_too_deep(item, display)),
                                Ok(None) => {
                                    end = true;
                                    break;
                                }
                                Err(e) => {
                                    let _ = send.send(Err(e));
                                    return source;
                                }
                            }
                        }
                        if !batch.is_empty() && send.send(Ok(batch)).is_err() {
                            return source;
                        }
                        if end {
                            return source;
                        }
                    }
                })?;
            let inserted = self.insert_batches(
                &recv,
                input_id,
                file_id,
                (base, 0),
                by_time,
                strict,
                &mut outcome,
                &mut tally,
                &bytes,
                progress,
            );
            // Dropping the receiver unblocks the parser if we stopped early.
            drop(recv);
            let source = parser
                .join()
                .map_err(|_| anyhow::anyhow!("{display}: the decoder thread panicked"))?;
            inserted.map(|()| source)
        });
        let source = result?;
        outcome.format = source.format_name();
        let totals = tally.totals();
        // Records none of which could be used (a binary file, another format), or
        // an empty file: an error, not an empty timeline. A container that holds
        // no records (an empty page, `[]`) is an input with no events.
        let sliced = std::mem::take(&mut self.sliced);
        let empty_file = !std::mem::take(&mut self.growing)
            && totals.read == 0
            && totals.ignored == 0
            && std::fs::metadata(display).is_ok_and(|m| m.is_file() && m.len() == 0);
        // An input the import filter leaves empty is an input with no events in the slice.
        if (totals.read > 0 && totals.imported == 0 && sliced == 0) || (empty_file && totals.pruned == 0) {
            bail!("{display}: {}", nothing_read(self, input_id, &outcome, &totals)?);
        }
        ledger::store_tally(&self.tx, input_id, &tally)?;
        outcome.snapshot = source.is_snapshot();
        outcome.seconds = started.elapsed().as_secs_f64();
        self.tx.execute(
            "UPDATE inputs SET format = ?1, snapshot = ?2, events = ?3, snapshots = ?4, skipped = ?5, skipped_sample = ?6, seconds = ?7, by_time = ?8, duplicates = ?9, idents = ?10, end_pos = ?11 WHERE id = ?12",
            params![
                outcome.format,
                outcome.snapshot as i64,
                outcome.events as i64,
                outcome.snapshots as i64,
                outcome.skipped as i64,
                serde_json::to_string(&outcome.skipped_sample)?,
                outcome.seconds,
                outcome.by_time as i64,
                outcome.duplicates as i64,
                outcome.idents,
                base + (outcome.events + outcome.snapshots) as i64,
                input_id
            ],
        )?;
        Ok(outcome)
    }

    /// Store the decoded batches of one input: positions after `base`, record
    /// indexes in the input from `idx0` (an append continues an input's indexes).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_batches(
        &mut self,
        recv: &std::sync::mpsc::Receiver<Result<Vec<Item>>>,
        input_id: i64,
        file_id: i64,
        (base, idx0): (i64, i64),
        by_time: bool,
        strict: bool,
        outcome: &mut Outcome,
        tally: &mut Tally,
        bytes: &std::sync::atomic::AtomicU64,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<()> {
        let mut idx: i64 = 0;
        let mut st = self.tx.prepare_cached(INSERT_EVENT)?;
        let mut add_file = self
            .tx
            .prepare_cached("INSERT INTO files(input, path, offsets) VALUES (?1, ?2, ?3)")?;
        // Files of a folder input (id, tally slot), by identity of the source's Arc
        // (one lookup per change of file, not per record).
        let mut files: HashMap<SourceFile, (i64, usize)> = HashMap::new();
        let mut last_file: Option<(Arc<SourceFile>, (i64, usize))> = None;
        // The file of the first record with an id of its own, to tell whether own
        // ids come from more than one file.
        let mut own_id_file: Option<i64> = None;
        let mut records = 0u64;
        // A time-ordered input goes straight into `events` while it comes sorted
        // (the common case); from its first record out of order on, it goes
        // through an external sort and into `events` once, sorted, at the end.
        let times_before = self.times;
        let mut carried: (i64, Option<Vec<u8>>) = (i64::MIN, None);
        let mut last: Option<(i64, Option<Vec<u8>>)> = None;
        let mut sorter: Option<Sorter> = None;
        let mut read = 0u64;
        let filter = self.filter.clone();
        let filtering = !filter.is_none();
        // A warning follows its record: it goes where the record went.
        let mut last_sliced = false;
        for batch in recv.iter() {
            for item in batch? {
                records += 1;
                let r = match shown_item(item) {
                    Item::Record(r) if filtering && !filter.matches(&r) => {
                        // Records of the input itself count in its own slot (0).
                        let slot = match &r.file {
                            None => 0,
                            Some(f) => match &last_file {
                                Some((last, (_, slot))) if Arc::ptr_eq(last, f) => *slot,
                                _ => tally.slot(&f.path),
                            },
                        };
                        tally.files[slot].counts.read += 1;
                        tally.files[slot].counts.filtered += 1;
                        self.sliced += 1;
                        last_sliced = true;
                        continue;
                    }
                    Item::Warn(_) if last_sliced => {
                        records -= 1;
                        continue;
                    }
                    Item::Record(r) => {
                        last_sliced = false;
                        r
                    }
                    Item::Bad(bad) => {
                        if strict {
                            bail!("{bad}");
                        }
                        note_bad(outcome, &bad);
                        let slot = tally.slot(&bad.file);
                        tally.files[slot].counts.read += 1;
                        tally.files[slot].counts.skipped += 1;
                        ledger::add_entry(&self.tx, input_id, &Entry::from_bad(EntryKind::Skip, &bad))?;
                        continue;
                    }
                    Item::Filtered(bad) => {
                        let slot = tally.slot(&bad.file);
                        tally.files[slot].counts.read += 1;
                        tally.files[slot].counts.filtered += 1;
                        ledger::add_entry(&self.tx, input_id, &Entry::from_bad(EntryKind::Filtered, &bad))?;
                        continue;
                    }
                    Item::Warn(bad) => {
                        // About the event just stored: counted there, listed here.
                        records -= 1;
                        let slot = tally.slot(&bad.file);
                        tally.files[slot].counts.warnings += 1;
                        ledger::add_entry(&self.tx, input_id, &Entry::from_bad(EntryKind::Warn, &bad))?;
                        continue;
                    }
                    Item::Ignored(bad) => {
                        records -= 1;
                        let slot = tally.slot(&bad.file);
                        tally.files[slot].counts.ignored += 1;
                        ledger::add_entry(&self.tx, input_id, &Entry::from_bad(EntryKind::Ignored, &bad))?;
                        continue;
                    }
                    Item::Pruned(bad) => {
                        records -= 1;
                        let slot = tally.slot(&bad.file);
                        tally.files[slot].counts.pruned += 1;
                        ledger::add_entry(&self.tx, input_id, &Entry::from_bad(EntryKind::Pruned, &bad))?;
                        continue;
                    }
                };
                let (file, slot) = match &r.file {
                    None => (file_id, 0),
                    Some(f) => match &last_file {
                        Some((last, id)) if Arc::ptr_eq(last, f) => *id,
                        _ => {
                            let id = match files.get(f.as_ref()) {
                                Some(id) => *id,
                                None => {
                                    let name = crate::ingest::remote::shown(&f.path);
                                    add_file.execute(params![input_id, name, f.offsets as i64])?;
                                    let id = (self.tx.last_insert_rowid(), tally.slot(&name));
                                    files.insert(f.as_ref().clone(), id);
                                    id
                                }
                            };
                            last_file = Some((f.clone(), id));
                            id
                        }
                    },
                };
                let counts = &mut tally.files[slot].counts;
                counts.read += 1;
                counts.imported += 1;
                match r.dedupe.as_deref() {
                    None => {}
                    Some("") => {
                        let first = *own_id_file.get_or_insert(file);
                        outcome.idents = outcome.idents.max(if first == file { 1 } else { 2 });
                    }
                    Some(_) => outcome.idents = 2,
                }
                if r.kind == Kind::Snapshot {
                    outcome.snapshots += 1;
                } else {
                    outcome.events += 1;
                }
                let mut row = Row {
                    n: read,
                    stream: intern(&self.tx, &mut self.streams, "streams", &r.stream)?,
                    seq: r.seq,
                    id: r.id.unwrap_or_default(),
                    ty: intern(&self.tx, &mut self.types, "types", &r.ty)?,
                    time: r.time,
                    kind: r.kind.code(),
                    data: r.data,
                    meta: r.meta,
                    file,
                    loc: r.loc as i64,
                    okey: r.okey,
                    ikey: r.dedupe,
                    ..Row::default()
                };
                read += 1;
                if by_time {
                    // An untimed record keeps its place right after the record before it.
                    if let Some(t) = row.time {
                        carried.0 = t;
                        carried.1.clone_from(&row.okey);
                    }
                    row.stime = carried.0;
                    row.sokey.clone_from(&carried.1);
                    let out_of_order = last
                        .as_ref()
                        .is_some_and(|(t, k)| (row.stime, row.sokey.as_deref()) < (*t, k.as_deref()));
                    if sorter.is_none() && out_of_order {
                        let mut s = Sorter::new(&self.dir, sort::CHUNK);
                        unload(&self.tx, base, &mut s).context("sorting by time")?;
                        // The rows come back in their final order at the end.
                        (self.times.2, self.times.3) = (times_before.2, times_before.3);
                        idx = 0;
                        sorter = Some(s);
                    }
                    if let Some(s) = sorter.as_mut() {
                        s.push(row).context("sorting by time")?;
                        continue;
                    }
                    match last.as_mut() {
                        Some(l) => {
                            l.0 = row.stime;
                            l.1.clone_from(&row.sokey);
                        }
                        None => last = Some((row.stime, row.sokey.clone())),
                    }
                }
                insert_row(&mut st, input_id, base + idx + 1, idx0 + idx, &row)?;
                note_time(&mut self.times, row.time);
                idx += 1;
            }
            progress(Progress {
                records,
                bytes: bytes.load(std::sync::atomic::Ordering::Relaxed),
            });
        }
        if let Some(s) = sorter {
            let mut merged = s.finish().context("sorting by time")?;
            while let Some(row) = merged.next_row().context("sorting by time")? {
                insert_row(&mut st, input_id, base + idx + 1, idx0 + idx, &row)?;
                note_time(&mut self.times, row.time);
                idx += 1;
            }
        }
        Ok(())
    }

    /// Give every event its merged position (docs/model.md §2) and build indexes. Only
    /// needed when the cache holds more than one input or a snapshot file.
    pub fn finish(self, merge: bool) -> Result<()> {
        if self.appends > 0 && !self.reshaped {
            return self.finish_appends();
        }
        if merge {
            super::renumber::renumber(&self.tx).context("renumbering events")?;
        }
        if self.changed {
            let inputs: i64 = self.tx.query_row("SELECT count(*) FROM inputs", [], |r| r.get(0))?;
            if !merge && self.imports == 1 && inputs == 1 {
                let (min, max, _, sorted) = self.times;
                Cache::put_time_stats(&self.tx, min, max, sorted)?;
            } else {
                Cache::store_time_stats(&self.tx).context("time stats")?;
            }
        }
        self.tx.execute_batch(schema::INDEXES).context("indexes")?;
        if self.changed {
            Cache::store_counts(&self.tx).context("counts")?;
            self.tx
                .execute_batch("DELETE FROM cp_states; DELETE FROM failures; DELETE FROM drift;")?;
            self.tx.execute(
                "UPDATE info SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'",
                [],
            )?;
        }
        self.tx.commit()?;
        Ok(())
    }

    /// The inputs as stored, read under the write lock (another process may have
    /// imported since the caller last looked).
    pub fn stored_inputs(&self) -> Result<Vec<StoredInput>> {
        stored_inputs(&self.tx)
    }

    /// The rules text stored with the cache, read under the write lock.
    pub fn stored_rules(&self) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_row("SELECT value FROM info WHERE key = 'rules'", [], |r| r.get(0))
            .optional()?)
    }

    /// Store the import filter the inputs were read under, as people read it
    /// (empty: none).
    pub fn store_slice(&self, described: &str) -> Result<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO info(key, value) VALUES ('slice', ?1)",
            [described],
        )?;
        Ok(())
    }

    /// Store the rules text the import was made under.
    pub fn store_rules(&self, text: &str) -> Result<()> {
        self.tx
            .execute("INSERT OR REPLACE INTO info(key, value) VALUES ('rules', ?1)", [text])?;
        Ok(())
    }
}

/// A bad record naming a mirrored object-store file by its URL.
fn shown_item(item: Item) -> Item {
    fn map(mut b: BadRecord) -> BadRecord {
        if let std::borrow::Cow::Owned(f) = crate::ingest::remote::shown(&b.file) {
            b.file = f;
        }
        b
    }
    match item {
        Item::Record(_) => item,
        Item::Bad(b) => Item::Bad(map(b)),
        Item::Warn(b) => Item::Warn(map(b)),
        Item::Filtered(b) => Item::Filtered(map(b)),
        Item::Ignored(b) => Item::Ignored(map(b)),
        Item::Pruned(b) => Item::Pruned(map(b)),
    }
}

/// A record nested deeper than replay can parse becomes a reported skip, whatever
/// decoder produced it (see `json::depth`).
fn refuse_too_deep(item: Item, display: &str) -> Item {
    let Item::Record(r) = item else {
        return item;
    };
    let why = too_deep("data", &r.data).or_else(|| r.meta.as_deref().and_then(|m| too_deep("meta", m)));
    match why {
        None => Item::Record(r),
        Some(reason) => Item::Bad(BadRecord {
            file: r.file.as_ref().map_or_else(|| display.to_string(), |f| f.path.clone()),
            loc: r.loc,
            offset: r.file.as_ref().is_some_and(|f| f.offsets),
            reason,
        }),
    }
}

const INSERT_EVENT: &str = "INSERT INTO events(pos, input, idx, stream, seq, id, type, time, kind, data, meta, file, loc, okey, idh, ikey) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

fn insert_row(st: &mut rusqlite::CachedStatement, input: i64, pos: i64, idx: i64, row: &Row) -> Result<()> {
    st.execute(params![
        pos,
        input,
        idx,
        row.stream,
        row.seq,
        row.id,
        row.ty,
        row.time,
        row.kind,
        row.data,
        row.meta,
        row.file,
        row.loc,
        row.okey,
        super::read::id_hash(&row.id),
        row.ikey
    ])?;
    Ok(())
}

/// Time range and order seen by the insert loop (see `Importer::times`).
fn note_time(times: &mut (Option<i64>, Option<i64>, i64, bool), time: Option<i64>) {
    if let Some(t) = time {
        let (min, max, last, sorted) = times;
        *min = Some(min.map_or(t, |m| m.min(t)));
        *max = Some(max.map_or(t, |m| m.max(t)));
        *sorted &= *last <= t;
        *last = t;
    }
}

/// Move the rows of the input being imported (positions after `base`, all in the
/// order read) out of `events` into `sorter`.
fn unload(tx: &Transaction, base: i64, sorter: &mut Sorter) -> Result<()> {
    {
        let mut st = tx.prepare(
            "SELECT stream, seq, id, type, time, kind, data, meta, file, loc, okey, ikey FROM events WHERE pos > ?1 ORDER BY pos",
        )?;
        let mut rows = st.query(params![base])?;
        let mut carried: (i64, Option<Vec<u8>>) = (i64::MIN, None);
        let mut n = 0u64;
        while let Some(r) = rows.next()? {
            let time: Option<i64> = r.get(4)?;
            let okey: Option<Vec<u8>> = r.get(10)?;
            if let Some(t) = time {
                carried = (t, okey.clone());
            }
            sorter.push(Row {
                stime: carried.0,
                sokey: carried.1.clone(),
                n,
                stream: r.get(0)?,
                seq: r.get(1)?,
                id: r.get(2)?,
                ty: r.get(3)?,
                time,
                kind: r.get(5)?,
                data: r.get(6)?,
                meta: r.get(7)?,
                file: r.get(8)?,
                loc: r.get(9)?,
                okey,
                ikey: r.get(11)?,
            })?;
            n += 1;
        }
    }
    tx.execute("DELETE FROM events WHERE pos > ?1", params![base])?;
    Ok(())
}

/// Why an input gave no event, for the error that refuses it.
fn nothing_read(imp: &Importer, input: i64, outcome: &Outcome, c: &ledger::Counts) -> Result<String> {
    let first = |kind: EntryKind| -> Result<Option<String>> {
        Ok(imp
            .tx
            .query_row(
                "SELECT file, loc, offset, reason FROM ledger WHERE input = ?1 AND kind = ?2 ORDER BY id LIMIT 1",
                params![input, kind.code()],
                |r| {
                    Ok(Entry {
                        kind,
                        file: r.get(0)?,
                        loc: r.get::<_, i64>(1)? as u64,
                        offset: r.get::<_, i64>(2)? != 0,
                        reason: r.get(3)?,
                    }
                    .to_string())
                },
            )
            .optional()?)
    };
    let plural = |n: u64, what: &str| {
        if n == 1 {
            format!("1 {what}")
        } else {
            format!("{n} {what}s")
        }
    };
    let format = if outcome.format.is_empty() {
        String::new()
    } else {
        format!(" as {}", outcome.format)
    };
    Ok(if c.read == 0 {
        "no events: the file is empty".to_string()
    } else if c.filtered > 0 && c.skipped == 0 {
        format!(
            "no events: all {} read{format} were filtered out (first: {})",
            plural(c.read, "record"),
            first(EntryKind::Filtered)?.unwrap_or_default()
        )
    } else {
        format!(
            "no events: none of the {} read{format} could be used ({} skipped, {} filtered; first: {}); is it in a format rewind reads? (--input-format forces one)",
            plural(c.read, "record"),
            c.skipped,
            c.filtered,
            first(EntryKind::Skip)?.or(first(EntryKind::Filtered)?).unwrap_or_default()
        )
    })
}

fn note_bad(outcome: &mut Outcome, bad: &BadRecord) {
    outcome.skipped += 1;
    if outcome.skipped_sample.len() < SAMPLE {
        outcome.skipped_sample.push(bad.to_string());
    }
}

fn intern(tx: &Transaction, map: &mut HashMap<String, i64>, table: &str, name: &str) -> Result<i64> {
    if let Some(id) = map.get(name) {
        return Ok(*id);
    }
    let sql = format!("INSERT INTO {table}(name) VALUES (?1)");
    tx.prepare_cached(&sql)?.execute(params![name])?;
    let id = tx.last_insert_rowid();
    map.insert(name.to_string(), id);
    Ok(id)
}
