//! LangGraph's SqliteSaver database (docs/formats.md §8): each checkpoint is a
//! state image of its thread (and namespace), its pending writes are notes right
//! after it, and a checkpoint that does not continue its parent's line starts a
//! branch stream `thread@checkpoint_id`.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection};
use serde_json::{json, Map, Value};

use super::{blob, store};
use crate::ingest::{order, Item, Order, Source};
use crate::model::{Kind, Record};

/// Checkpoints read per query: the read keeps its place by key, so memory stays
/// bounded however large the database is.
const BATCH: i64 = 64;

pub const CHECKPOINT_COLUMNS: &[&str] = &[
    "thread_id",
    "checkpoint_ns",
    "checkpoint_id",
    "parent_checkpoint_id",
    "type",
    "checkpoint",
    "metadata",
];
pub const WRITE_COLUMNS: &[&str] = &[
    "thread_id",
    "checkpoint_ns",
    "checkpoint_id",
    "task_id",
    "idx",
    "channel",
    "type",
    "value",
];

pub fn is_store(conn: &Connection) -> bool {
    store::has_table(conn, "checkpoints", CHECKPOINT_COLUMNS) && store::has_table(conn, "writes", WRITE_COLUMNS)
}

pub struct LangGraphSqlite {
    conn: Connection,
    file: String,
    has_task_path: bool,
    /// The key of the last checkpoint read: (thread_id, checkpoint_ns, checkpoint_id).
    after: Option<(String, String, String)>,
    done: bool,
    orphans_read: bool,
    map: Mapping,
}

/// Checkpoint and write rows → records, whichever database they come from.
#[derive(Default)]
pub struct Mapping {
    pub queue: VecDeque<Item>,
    lines: Lines,
    /// Records yielded, as their `loc` (1-based).
    index: u64,
    pub count: Arc<AtomicU64>,
}

/// Which stream each checkpoint of one (thread, namespace) went to.
#[derive(Default)]
struct Lines {
    key: (String, String),
    stream_of: HashMap<String, String>,
    /// The newest checkpoint of each stream.
    tip: HashMap<String, String>,
}

impl Lines {
    /// The stream of a checkpoint and whether it starts a branch (a fork).
    fn place(&mut self, thread: &str, ns: &str, id: &str, parent: Option<&str>) -> (String, bool) {
        if self.key.0 != thread || self.key.1 != ns {
            *self = Lines {
                key: (thread.to_string(), ns.to_string()),
                ..Lines::default()
            };
        }
        let base = stream_name(thread, ns);
        let continued = match parent {
            Some(p) => match self.stream_of.get(p) {
                // The parent is the newest of its line: this continues it.
                Some(s) if self.tip.get(s).map(String::as_str) == Some(p) => Some(s.clone()),
                Some(_) => None,
                // A parent pruned from the table: the line goes on.
                None => Some(base.clone()),
            },
            // A thread's first checkpoint; a second root starts a branch.
            None => (!self.tip.contains_key(&base)).then(|| base.clone()),
        };
        let (stream, fork) = match continued {
            Some(s) => (s, false),
            None => (format!("{base}@{id}"), true),
        };
        self.stream_of.insert(id.to_string(), stream.clone());
        self.tip.insert(stream.clone(), id.to_string());
        (stream, fork)
    }
}

/// `thread_id` for the root namespace, `thread_id/checkpoint_ns` for a subgraph's.
pub fn stream_name(thread: &str, ns: &str) -> String {
    if ns.is_empty() {
        thread.to_string()
    } else {
        format!("{thread}/{ns}")
    }
}

impl LangGraphSqlite {
    pub fn open(path: &Path) -> Result<LangGraphSqlite> {
        let conn = store::open_read_only(path)?;
        if !is_store(&conn) {
            bail!(
                "{}: not a LangGraph SqliteSaver database (tables checkpoints and writes with their columns)",
                path.display()
            );
        }
        let has_task_path = store::columns(&conn, "writes")?.iter().any(|c| c == "task_path");
        // One read transaction: every query sees the database as of its first read,
        // even while the application keeps writing.
        conn.execute_batch("BEGIN DEFERRED")
            .with_context(|| format!("{}: begin read", path.display()))?;
        Ok(LangGraphSqlite {
            conn,
            file: path.display().to_string(),
            has_task_path,
            after: None,
            done: false,
            orphans_read: false,
            map: Mapping::default(),
        })
    }

    fn read_batch(&mut self) -> Result<()> {
        let (t, n, c) = self.after.clone().unwrap_or_default();
        let first = self.after.is_none();
        let mut stmt = self.conn.prepare_cached(
            "SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type,
                    length(checkpoint), CASE WHEN length(checkpoint) <= ?5 THEN checkpoint END, metadata
             FROM checkpoints
             WHERE ?4 OR (thread_id, checkpoint_ns, checkpoint_id) > (?1, ?2, ?3)
             ORDER BY thread_id, checkpoint_ns, checkpoint_id LIMIT ?6",
        )?;
        let rows: Vec<CheckpointRow> = stmt
            .query_map(params![t, n, c, first, blob::MAX_BLOB as i64, BATCH], |r| {
                Ok(CheckpointRow {
                    thread: r.get(0)?,
                    ns: r.get(1)?,
                    id: r.get(2)?,
                    parent: r.get(3)?,
                    decoded: blob::decode(
                        r.get::<_, Option<String>>(4)?.as_deref(),
                        r.get::<_, Option<Vec<u8>>>(6)?.as_deref(),
                        r.get::<_, Option<i64>>(5)?.unwrap_or(0),
                    ),
                    size: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
                    metadata: blob::column_bytes(r.get_ref(7)?),
                })
            })?
            .collect::<rusqlite::Result<_>>()
            .with_context(|| format!("{}: read checkpoints", self.file))?;
        drop(stmt);
        if rows.len() < BATCH as usize {
            self.done = true;
        }
        for row in rows {
            self.after = Some((row.thread.clone(), row.ns.clone(), row.id.clone()));
            let (thread, ns, id) = (row.thread.clone(), row.ns.clone(), row.id.clone());
            let (stream, time) = self.map.checkpoint(row);
            self.writes(&thread, &ns, &id, &stream, time)?;
        }
        Ok(())
    }

    fn writes(&mut self, thread: &str, ns: &str, id: &str, stream: &str, time: Option<i64>) -> Result<()> {
        let path_col = if self.has_task_path { "task_path" } else { "''" };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT task_id, {path_col}, idx, channel, type, length(value),
                    CASE WHEN length(value) <= ?4 THEN value END
             FROM writes WHERE thread_id = ?1 AND checkpoint_ns = ?2 AND checkpoint_id = ?3
             ORDER BY task_id, idx"
        ))?;
        let rows: Vec<WriteRow> = stmt
            .query_map(params![thread, ns, id, blob::MAX_BLOB as i64], WriteRow::from_row)?
            .collect::<rusqlite::Result<_>>()
            .with_context(|| format!("{}: read writes", self.file))?;
        drop(stmt);
        for w in rows {
            self.map.write(w, thread, ns, id, stream.to_string(), time, None);
        }
        Ok(())
    }

    /// Writes whose checkpoint is not in the table: kept, at the end, with a report.
    fn read_orphans(&mut self) -> Result<()> {
        let path_col = if self.has_task_path { "w.task_path" } else { "''" };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT w.task_id, {path_col}, w.idx, w.channel, w.type, length(w.value),
                    CASE WHEN length(w.value) <= ?1 THEN w.value END,
                    w.thread_id, w.checkpoint_ns, w.checkpoint_id
             FROM writes w WHERE NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.thread_id = w.thread_id
                 AND c.checkpoint_ns = w.checkpoint_ns AND c.checkpoint_id = w.checkpoint_id)
             ORDER BY w.thread_id, w.checkpoint_ns, w.checkpoint_id, w.task_id, w.idx"
        ))?;
        let rows: Vec<(WriteRow, String, String, String)> = stmt
            .query_map(params![blob::MAX_BLOB as i64], |r| {
                Ok((WriteRow::from_row(r)?, r.get(7)?, r.get(8)?, r.get(9)?))
            })?
            .collect::<rusqlite::Result<_>>()
            .with_context(|| format!("{}: read writes", self.file))?;
        drop(stmt);
        for (w, thread, ns, cid) in rows {
            let stream = stream_name(&thread, &ns);
            let why = format!("a pending write of checkpoint {cid}, which is not in the checkpoints table");
            self.map
                .write(w, &thread, &ns, &cid, stream, uuid6_micros(&cid), Some(why));
        }
        Ok(())
    }
}

impl Mapping {
    fn next_loc(&mut self) -> u64 {
        self.index += 1;
        self.index
    }

    /// The record of one checkpoint, queued; returns its stream and time, for
    /// its writes.
    pub fn checkpoint(&mut self, row: CheckpointRow) -> (String, Option<i64>) {
        let (stream, fork) = self.lines.place(&row.thread, &row.ns, &row.id, row.parent.as_deref());
        let what = format!("checkpoint {} of thread {}", row.id, stream_name(&row.thread, &row.ns));
        let decoded = row.decoded;
        self.count.fetch_add(row.size.max(0) as u64, Ordering::Relaxed);
        let mut warning = decoded.problem.map(|p| format!("{what}: {p}"));
        let (data, time, versions, seen) = match decoded.value {
            Ok(Value::Object(mut cp)) => {
                let time = cp
                    .get("ts")
                    .and_then(Value::as_str)
                    .and_then(crate::time::parse_rfc3339)
                    .or_else(|| uuid6_micros(&row.id));
                let values = match cp.remove("channel_values") {
                    Some(Value::Object(m)) => user_channels(m),
                    _ => Value::Object(Map::new()),
                };
                (values, time, cp.remove("channel_versions"), cp.remove("versions_seen"))
            }
            Ok(other) => {
                warning.get_or_insert_with(|| format!("{what}: not a checkpoint object"));
                (other, uuid6_micros(&row.id), None, None)
            }
            Err(undecodable) => (undecodable, uuid6_micros(&row.id), None, None),
        };
        let metadata = match row.metadata.as_deref() {
            None => Value::Null,
            Some(bytes) => match serde_json::from_slice::<Value>(bytes) {
                Ok(v) => v,
                Err(_) => match super::msgpack::to_json(bytes) {
                    Ok(v) => v,
                    Err(e) => {
                        warning.get_or_insert_with(|| format!("{what}: metadata: {e}"));
                        Value::Null
                    }
                },
            },
        };
        let mut meta = Map::new();
        meta.insert("thread_id".into(), json!(row.thread));
        meta.insert("checkpoint_ns".into(), json!(row.ns));
        meta.insert("checkpoint_id".into(), json!(row.id));
        meta.insert("parent_checkpoint_id".into(), json!(row.parent));
        if fork {
            meta.insert("fork".into(), json!(true));
        }
        meta.insert("metadata".into(), metadata.clone());
        if let Some(v) = versions {
            meta.insert("channel_versions".into(), v);
        }
        if let Some(v) = seen {
            meta.insert("versions_seen".into(), v);
        }
        let loc = self.next_loc();
        self.queue.push_back(Item::Record(Record {
            stream: stream.clone(),
            seq: None,
            id: Some(row.id.clone()),
            ty: "checkpoint".into(),
            time,
            kind: Kind::Image,
            data: data.to_string(),
            meta: Some(Value::Object(meta).to_string()),
            loc,
            okey: Some(order::tuple(&[row.id.as_bytes(), b""])),
            warning,
            ..Record::default()
        }));
        (stream, time)
    }

    /// The record of one pending write, queued; `orphan` says why it is out
    /// of place (its checkpoint is not in the table).
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &mut self,
        w: WriteRow,
        thread: &str,
        ns: &str,
        checkpoint_id: &str,
        stream: String,
        time: Option<i64>,
        orphan: Option<String>,
    ) {
        let loc = self.next_loc();
        let decoded = blob::decode(w.ty.as_deref(), w.blob.as_deref(), w.size);
        self.count.fetch_add(w.size.max(0) as u64, Ordering::Relaxed);
        let warning = decoded.problem.map(|p| {
            format!(
                "write {}/{} to {} of checkpoint {checkpoint_id} (thread {}): {p}",
                w.task_id,
                w.idx,
                w.channel,
                stream_name(thread, ns)
            )
        });
        let data = decoded.value.unwrap_or_else(|undecodable| undecodable);
        let mut meta = Map::new();
        meta.insert("checkpoint_id".into(), json!(checkpoint_id));
        meta.insert("task_id".into(), json!(w.task_id));
        if !w.task_path.is_empty() {
            meta.insert("task_path".into(), json!(w.task_path));
        }
        // A pull task's path is `~__pregel_pull, <node>`.
        if let Some(node) = w.task_path.strip_prefix("~__pregel_pull, ") {
            meta.insert("node".into(), json!(node));
        }
        meta.insert("idx".into(), json!(w.idx));
        let idx = order::int(w.idx);
        self.queue.push_back(Item::Record(Record {
            stream,
            seq: None,
            id: Some(format!("{checkpoint_id}/{}/{}", w.task_id, w.idx)),
            ty: w.channel,
            time,
            kind: Kind::Note,
            data: data.to_string(),
            meta: Some(Value::Object(meta).to_string()),
            loc,
            okey: Some(order::tuple(&[
                checkpoint_id.as_bytes(),
                b"w",
                w.task_id.as_bytes(),
                &idx,
            ])),
            warning: match (warning, orphan) {
                (Some(w), Some(o)) => Some(format!("{w}; {o}")),
                (w, o) => w.or(o),
            },
            ..Record::default()
        }));
    }
}

/// `channel_values` without LangGraph's internal channels (`__start__`,
/// `branch:to:node`, …): what `get_state` calls the values.
fn user_channels(m: Map<String, Value>) -> Value {
    Value::Object(
        m.into_iter()
            .filter(|(k, _)| !k.starts_with("__") && !k.contains(':'))
            .collect(),
    )
}

/// The time inside a version 6 UUID (LangGraph's checkpoint ids): 100 ns ticks
/// since 1582-10-15, for checkpoints whose `ts` cannot be read.
pub fn uuid6_micros(id: &str) -> Option<i64> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || hex.as_bytes()[12] != b'6' {
        return None;
    }
    let high = u64::from_str_radix(&hex[..8], 16).ok()?;
    let mid = u64::from_str_radix(&hex[8..12], 16).ok()?;
    let low = u64::from_str_radix(&hex[13..16], 16).ok()?;
    let ticks = (high << 28) | (mid << 12) | low;
    const GREGORIAN_TO_UNIX_TICKS: u64 = 0x01b2_1dd2_1381_4000;
    let unix_ticks = ticks.checked_sub(GREGORIAN_TO_UNIX_TICKS)?;
    i64::try_from(unix_ticks / 10).ok()
}

pub struct CheckpointRow {
    pub thread: String,
    pub ns: String,
    pub id: String,
    pub parent: Option<String>,
    /// The checkpoint object (`ts`, `channel_values`, `channel_versions`, …).
    pub decoded: blob::Decoded,
    /// Bytes read for it, for progress.
    pub size: i64,
    /// JSON text, or msgpack.
    pub metadata: Option<Vec<u8>>,
}

pub struct WriteRow {
    pub task_id: String,
    pub task_path: String,
    pub idx: i64,
    pub channel: String,
    pub ty: Option<String>,
    pub size: i64,
    pub blob: Option<Vec<u8>>,
}

impl WriteRow {
    fn from_row(r: &rusqlite::Row) -> rusqlite::Result<WriteRow> {
        Ok(WriteRow {
            task_id: r.get(0)?,
            task_path: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            idx: r.get(2)?,
            channel: r.get(3)?,
            ty: r.get(4)?,
            size: r.get::<_, Option<i64>>(5)?.unwrap_or(0),
            blob: blob::column_bytes(r.get_ref(6)?),
        })
    }
}

impl Source for LangGraphSqlite {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(item) = self.map.queue.pop_front() {
                return Ok(Some(item));
            }
            if !self.done {
                self.read_batch()?;
                continue;
            }
            if !self.orphans_read {
                self.orphans_read = true;
                self.read_orphans()?;
                continue;
            }
            return Ok(None);
        }
    }

    fn format_name(&self) -> String {
        "langgraph-sqlite".into()
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.map.count.clone()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid6_time() {
        // 1f1ee999-d5aa-62d2-…: written 2026-12-02T21:44:56Z.
        let t = uuid6_micros("1f1ee999-d5aa-62d2-bfff-1dd933206309").expect("uuid6");
        assert_eq!(crate::time::format_micros(t)[..19], *"2026-12-02T21:44:56");
        assert_eq!(uuid6_micros("not-a-uuid"), None);
    }

    #[test]
    fn forks_start_branches() {
        let mut l = Lines::default();
        assert_eq!(l.place("t", "", "a", None), ("t".into(), false));
        assert_eq!(l.place("t", "", "b", Some("a")), ("t".into(), false));
        assert_eq!(l.place("t", "", "c", Some("b")), ("t".into(), false));
        assert_eq!(l.place("t", "", "d", Some("b")), ("t@d".into(), true));
        assert_eq!(l.place("t", "", "e", Some("d")), ("t@d".into(), false));
        assert_eq!(l.place("t", "", "f", Some("c")), ("t".into(), false));
        assert_eq!(l.place("t", "ns:1", "g", None), ("t/ns:1".into(), false));
    }
}
