//! Reads, and the one rewrite of positions (docs/model.md §2).

use std::collections::HashMap;

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;

use super::{schema, Cache, Catalog};
use crate::model::{Event, Kind};

/// A raw event row, borrowed from SQLite during a scan.
pub struct RawEvent<'a> {
    pub pos: u64,
    pub stream: i64,
    pub ty: i64,
    pub kind: Kind,
    pub data: &'a str,
}

/// Which events a listing shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Stream ids to keep; `None` = all.
    pub streams: Option<Vec<i64>>,
    /// Type ids to keep; `None` = all.
    pub types: Option<Vec<i64>>,
}

impl Cache {
    /// Visit events with `from < pos <= to` in position order; stops at the first error.
    pub fn scan(
        &self,
        from: u64,
        to: u64,
        stream: Option<i64>,
        f: &mut dyn FnMut(RawEvent<'_>) -> Result<()>,
    ) -> Result<()> {
        self.scan_kept(from, to, stream, &|_, _, _| true, f)
    }

    /// [`Cache::scan`] of the events `keep(stream, type, kind)` accepts: the data
    /// of the others is never read (nor checked to be UTF-8).
    pub fn scan_kept(
        &self,
        from: u64,
        to: u64,
        stream: Option<i64>,
        keep: &dyn Fn(i64, i64, Kind) -> bool,
        f: &mut dyn FnMut(RawEvent<'_>) -> Result<()>,
    ) -> Result<()> {
        let (sql, args): (&str, Vec<i64>) = match stream {
            None => ("SELECT pos, stream, type, kind, data FROM events WHERE pos > ?1 AND pos <= ?2 ORDER BY pos", vec![from as i64, to as i64]),
            Some(s) => (
                "SELECT pos, stream, type, kind, data FROM events WHERE stream = ?3 AND pos > ?1 AND pos <= ?2 ORDER BY pos",
                vec![from as i64, to as i64, s],
            ),
        };
        let mut st = self.conn.prepare_cached(sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let kind = Kind::from_code(r.get(3)?).unwrap_or(Kind::Event);
            let (pos, stream, ty) = (r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?);
            if !keep(stream, ty, kind) {
                continue;
            }
            let data = r.get_ref(4)?.as_str().context("event data is not text")?;
            f(RawEvent {
                pos,
                stream,
                ty,
                kind,
                data,
            })?;
        }
        Ok(())
    }

    /// One event, fully decoded.
    pub fn event(&self, cat: &Catalog, pos: u64) -> Result<Option<Event>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {} FROM events WHERE pos = ?1", schema::EVENTS_COLUMNS))?;
        let mut rows = st.query(params![pos as i64])?;
        match rows.next()? {
            Some(r) => Ok(Some(decode(cat, r)?)),
            None => Ok(None),
        }
    }

    /// Up to `limit` events with `from < pos <= to` that pass `filter`, in order.
    pub fn events(&self, cat: &Catalog, from: u64, to: u64, filter: &Filter, limit: usize) -> Result<Vec<Event>> {
        let mut sql = format!(
            "SELECT {} FROM events WHERE pos > ?1 AND pos <= ?2",
            schema::EVENTS_COLUMNS
        );
        if let Some(s) = &filter.streams {
            sql.push_str(&format!(" AND stream IN ({})", join_ids(s)));
        }
        if let Some(t) = &filter.types {
            sql.push_str(&format!(" AND type IN ({})", join_ids(t)));
        }
        sql.push_str(" ORDER BY pos LIMIT ?3");
        let mut st = self.conn.prepare(&sql)?;
        let mut rows = st.query(params![from as i64, to as i64, limit.min(i64::MAX as usize) as i64])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(decode(cat, r)?);
        }
        Ok(out)
    }

    /// Events before `to` (exclusive), newest first: for paging backwards.
    pub fn events_before(&self, cat: &Catalog, to: u64, filter: &Filter, limit: usize) -> Result<Vec<Event>> {
        let mut sql = format!("SELECT {} FROM events WHERE pos < ?1", schema::EVENTS_COLUMNS);
        if let Some(s) = &filter.streams {
            sql.push_str(&format!(" AND stream IN ({})", join_ids(s)));
        }
        if let Some(t) = &filter.types {
            sql.push_str(&format!(" AND type IN ({})", join_ids(t)));
        }
        sql.push_str(" ORDER BY pos DESC LIMIT ?2");
        let mut st = self.conn.prepare(&sql)?;
        let mut rows = st.query(params![to as i64, limit as i64])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(decode(cat, r)?);
        }
        Ok(out)
    }

    pub fn pos_of_id(&self, id: &str) -> Result<Option<u64>> {
        let p: Option<i64> = self
            .conn
            .query_row(
                "SELECT min(pos) FROM events WHERE idh = ?1 AND id = ?2",
                params![id_hash(id), id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(p.map(|p| p as u64))
    }

    /// The event of `stream` with `seq`; a snapshot record with that seq only when
    /// no event has it.
    pub fn pos_of_seq(&self, stream: i64, seq: i64) -> Result<Option<u64>> {
        let p: Option<i64> = self
            .conn
            .query_row(
                "SELECT pos FROM events WHERE stream = ?1 AND seq = ?2 ORDER BY kind = 3, pos LIMIT 1",
                params![stream, seq],
                |r| r.get(0),
            )
            .optional()?;
        Ok(p.map(|p| p as u64))
    }

    /// The last position whose event has `time <= t`. Times are usually sorted (a
    /// merge orders inputs by time), and then this is a binary search over
    /// positions instead of a scan.
    pub fn pos_at_time(&self, t: i64) -> Result<Option<u64>> {
        if self.info("time_sorted")?.as_deref() != Some("1") {
            let p: Option<i64> =
                self.conn
                    .query_row("SELECT max(pos) FROM events WHERE time <= ?1", params![t], |r| r.get(0))?;
            return Ok(p.map(|p| p as u64));
        }
        // f(p) = time of the first timed event at or after p: non-decreasing.
        let mut st = self
            .conn
            .prepare_cached("SELECT time FROM events WHERE pos >= ?1 AND time IS NOT NULL ORDER BY pos LIMIT 1")?;
        let mut f = |p: i64| -> Result<Option<i64>> { Ok(st.query_row(params![p], |r| r.get(0)).optional()?) };
        let len: i64 = self
            .conn
            .query_row("SELECT coalesce(max(pos), 0) FROM events", [], |r| r.get(0))?;
        if len == 0 || f(1)?.is_none_or(|first| first > t) {
            return Ok(None);
        }
        let (mut lo, mut hi) = (1i64, len); // f(lo) <= t holds
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2;
            if f(mid)?.is_some_and(|x| x <= t) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        Ok(Some(lo as u64))
    }

    /// First and last event time, kept in `info` by the import.
    pub fn time_range(&self) -> Result<(Option<i64>, Option<i64>)> {
        let get = |k: &str| -> Result<Option<i64>> { Ok(self.info(k)?.and_then(|v| v.parse().ok())) };
        Ok((get("time_min")?, get("time_max")?))
    }

    /// Compute and store the time range and whether times are sorted by position.
    pub fn store_time_stats(conn: &Connection) -> Result<()> {
        let mut st = conn.prepare("SELECT time FROM events WHERE time IS NOT NULL ORDER BY pos")?;
        let mut rows = st.query([])?;
        let (mut min, mut max, mut last, mut sorted) = (None::<i64>, None::<i64>, i64::MIN, true);
        while let Some(r) = rows.next()? {
            let t: i64 = r.get(0)?;
            min = Some(min.map_or(t, |m| m.min(t)));
            max = Some(max.map_or(t, |m| m.max(t)));
            sorted &= last <= t;
            last = t;
        }
        Cache::put_time_stats(conn, min, max, sorted)
    }

    pub fn put_time_stats(conn: &Connection, min: Option<i64>, max: Option<i64>, sorted: bool) -> Result<()> {
        let put = |k: &str, v: Option<String>| -> Result<()> {
            match v {
                Some(v) => conn.execute("INSERT OR REPLACE INTO info(key, value) VALUES (?1, ?2)", params![k, v])?,
                None => conn.execute("DELETE FROM info WHERE key = ?1", params![k])?,
            };
            Ok(())
        };
        put("time_min", min.map(|v| v.to_string()))?;
        put("time_max", max.map(|v| v.to_string()))?;
        put("time_sorted", Some(if sorted { "1" } else { "0" }.to_string()))?;
        Ok(())
    }

    /// Ids of streams that have at least one event.
    /// Streams with at least one event; kept in `info` by the import (a count
    /// over the events table would read all of it on every open).
    pub fn stream_count(&self) -> Result<u64> {
        match self.info("stream_count")?.and_then(|v| v.parse().ok()) {
            Some(n) => Ok(n),
            None => count_streams(&self.conn),
        }
    }

    pub fn snapshot_count(&self) -> Result<u64> {
        match self.info("snapshot_count")?.and_then(|v| v.parse().ok()) {
            Some(n) => Ok(n),
            None => count_snapshots(&self.conn),
        }
    }

    /// Recompute the counts `stream_count` and `snapshot_count` read.
    pub fn store_counts(conn: &Connection) -> Result<()> {
        let streams = count_streams(conn)?;
        let snapshots = count_snapshots(conn)?;
        for (k, v) in [("stream_count", streams), ("snapshot_count", snapshots)] {
            conn.execute(
                "INSERT OR REPLACE INTO info(key, value) VALUES (?1, ?2)",
                params![k, v.to_string()],
            )?;
        }
        Ok(())
    }
}

fn count_streams(conn: &Connection) -> Result<u64> {
    // One index probe per stream, not a scan of the events.
    Ok(conn.query_row(
        "SELECT count(*) FROM streams s WHERE EXISTS (SELECT 1 FROM events e WHERE e.stream = s.id)",
        [],
        |r| r.get::<_, i64>(0),
    )? as u64)
}

fn count_snapshots(conn: &Connection) -> Result<u64> {
    Ok(
        conn.query_row("SELECT coalesce(sum(snapshots), 0) FROM inputs", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

/// The indexed hash of an event id.
pub fn id_hash(id: &str) -> i64 {
    crate::hash::fnv1a(id.as_bytes()) as i64
}

fn join_ids(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "NULL".to_string();
    }
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

fn decode(cat: &Catalog, r: &rusqlite::Row) -> Result<Event> {
    // columns: pos, input, idx, stream, seq, id, type, time, kind, data, meta, file, loc
    let data_text = r.get_ref(9)?.as_str()?;
    let data: Value = serde_json::from_str(data_text).context("stored event data is not JSON")?;
    let meta: Option<Value> = match r.get_ref(10)?.as_str_or_null()? {
        Some(m) => Some(serde_json::from_str(m).context("stored event meta is not JSON")?),
        None => None,
    };
    Ok(Event {
        pos: r.get::<_, i64>(0)? as u64,
        stream: cat.stream_name(r.get(3)?).to_string(),
        seq: r.get(4)?,
        id: r.get(5)?,
        ty: cat.type_name(r.get(6)?).to_string(),
        time: r.get(7)?,
        kind: Kind::from_code(r.get(8)?).unwrap_or(Kind::Event),
        data,
        meta,
        source: cat.source(r.get(11)?, r.get(12)?),
    })
}

struct Key {
    pos: i64,
    time: Option<i64>,
    stream: i64,
    seq: Option<i64>,
}

/// Merge the inputs by time, stably (docs/model.md §2), place snapshot-file records
/// after their stream's event with the same seq, else by time, else before the
/// stream's first event (docs/formats.md §1), and rewrite positions to 1..N.
pub fn renumber(tx: &Transaction) -> Result<()> {
    let inputs: Vec<(i64, bool, bool)> = {
        let mut st = tx.prepare("SELECT id, snapshot, by_time FROM inputs ORDER BY ord")?;
        let rows = st.query_map([], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? != 0, r.get::<_, i64>(2)? != 0))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut lists: Vec<Vec<Key>> = Vec::new();
    let mut snaps: Vec<Key> = Vec::new();
    for (id, snapshot, by_time) in &inputs {
        let keys = if *by_time {
            load_keys_by_time(tx, *id)?
        } else {
            load_keys(tx, *id)?
        };
        if *snapshot {
            snaps.extend(keys);
        } else {
            lists.push(keys);
        }
    }
    let merged = merge_by_time(&lists);
    let order = place_snapshots(&merged, &snaps);
    if order.iter().enumerate().all(|(i, k)| k.pos == i as i64 + 1) {
        return Ok(());
    }
    tx.execute_batch(
        // Keyed by the new position: the copy below walks it in order and looks rows
        // up by their old position, instead of sorting whole rows in temp files.
        "DROP TABLE IF EXISTS temp.remap; CREATE TEMP TABLE remap(new INTEGER PRIMARY KEY, old INTEGER NOT NULL);",
    )?;
    {
        let mut st = tx.prepare("INSERT INTO remap(old, new) VALUES (?1, ?2)")?;
        for (i, k) in order.iter().enumerate() {
            st.execute(params![k.pos, i as i64 + 1])?;
        }
    }
    tx.execute_batch(&schema::create_events("events_new"))?;
    tx.execute_batch(
        "INSERT INTO events_new SELECT r.new, e.input, e.idx, e.stream, e.seq, e.id, e.type, e.time, e.kind, e.data, e.meta, e.file, e.loc, e.okey, e.idh
         FROM remap r JOIN events e ON e.pos = r.old ORDER BY r.new;
         DROP TABLE events;
         ALTER TABLE events_new RENAME TO events;
         DROP TABLE temp.remap;",
    )?;
    Ok(())
}

fn load_keys(conn: &Connection, input: i64) -> Result<Vec<Key>> {
    let mut st = conn.prepare("SELECT pos, time, stream, seq FROM events WHERE input = ?1 ORDER BY idx")?;
    let rows = st.query_map(params![input], |r| {
        Ok(Key {
            pos: r.get(0)?,
            time: r.get(1)?,
            stream: r.get(2)?,
            seq: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The keys of a time-ordered input, sorted by (time, okey, idx); a record without
/// a time moves with the record before it. SQLite sorts (spilling to temp files),
/// so memory stays flat however big the input.
fn load_keys_by_time(conn: &Connection, input: i64) -> Result<Vec<Key>> {
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.tsort;
         CREATE TEMP TABLE tsort(stime INTEGER NOT NULL, sokey BLOB, idx INTEGER NOT NULL, pos INTEGER NOT NULL, time INTEGER, stream INTEGER NOT NULL, seq INTEGER);",
    )?;
    {
        let mut read =
            conn.prepare("SELECT pos, time, stream, seq, okey, idx FROM events WHERE input = ?1 ORDER BY idx")?;
        let mut write = conn.prepare("INSERT INTO tsort VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        let mut rows = read.query(params![input])?;
        // An untimed record takes the sort key of the last timed one before it; with
        // idx as the last tie-break it lands right after that record's group.
        let mut carried: (i64, Option<Vec<u8>>) = (i64::MIN, None);
        while let Some(r) = rows.next()? {
            let time: Option<i64> = r.get(1)?;
            if let Some(t) = time {
                carried = (t, r.get(4)?);
            }
            write.execute(params![
                carried.0,
                carried.1,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(0)?,
                time,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?
            ])?;
        }
    }
    let keys = {
        let mut st = conn.prepare("SELECT pos, time, stream, seq FROM tsort ORDER BY stime, sokey, idx")?;
        let rows = st.query_map([], |r| {
            Ok(Key {
                pos: r.get(0)?,
                time: r.get(1)?,
                stream: r.get(2)?,
                seq: r.get(3)?,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    conn.execute_batch("DROP TABLE temp.tsort;")?;
    Ok(keys)
}

/// k-way merge by time; ties go to the earlier input; an event without time
/// follows the previous event of its input directly.
fn merge_by_time(lists: &[Vec<Key>]) -> Vec<&Key> {
    let total = lists.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    let mut head = vec![0usize; lists.len()];
    let mut carried = vec![i64::MIN; lists.len()];
    while out.len() < total {
        let mut best: Option<(i64, usize)> = None;
        for (i, list) in lists.iter().enumerate() {
            if let Some(k) = list.get(head[i]) {
                let t = k.time.unwrap_or(carried[i]);
                if best.is_none_or(|(bt, _)| t < bt) {
                    best = Some((t, i));
                }
            }
        }
        let Some((t, i)) = best else { break };
        carried[i] = t;
        out.push(&lists[i][head[i]]);
        head[i] += 1;
        while let Some(k) = lists[i].get(head[i]) {
            if k.time.is_some() {
                break;
            }
            out.push(k);
            head[i] += 1;
        }
    }
    out
}

fn place_snapshots<'a>(merged: &[&'a Key], snaps: &'a [Key]) -> Vec<&'a Key> {
    if snaps.is_empty() {
        return merged.to_vec();
    }
    let mut by_seq: HashMap<(i64, i64), usize> = HashMap::new();
    let mut first: HashMap<i64, usize> = HashMap::new();
    for (i, k) in merged.iter().enumerate() {
        if let Some(s) = k.seq {
            by_seq.entry((k.stream, s)).or_insert(i);
        }
        first.entry(k.stream).or_insert(i);
    }
    // For "after the last event with time <= t": times sorted, with the running
    // maximum of positions.
    let mut timed: Vec<(i64, usize)> = merged
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.time.map(|t| (t, i)))
        .collect();
    timed.sort_unstable();
    let mut run_max = Vec::with_capacity(timed.len());
    let mut m = 0usize;
    for (_, i) in &timed {
        m = m.max(*i + 1);
        run_max.push(m);
    }
    // slot s = before merged[s]
    let mut placed: Vec<(usize, &Key)> = snaps
        .iter()
        .map(|k| {
            let slot = if let Some(i) = k.seq.and_then(|s| by_seq.get(&(k.stream, s))) {
                i + 1
            } else if let Some(t) = k.time {
                let n = timed.partition_point(|(tt, _)| *tt <= t);
                if n == 0 {
                    0
                } else {
                    run_max[n - 1]
                }
            } else {
                first.get(&k.stream).copied().unwrap_or(0)
            };
            (slot, k)
        })
        .collect();
    placed.sort_by_key(|(slot, _)| *slot);
    let mut out = Vec::with_capacity(merged.len() + snaps.len());
    let mut p = 0;
    for (i, k) in merged.iter().enumerate() {
        while p < placed.len() && placed[p].0 <= i {
            out.push(placed[p].1);
            p += 1;
        }
        out.push(*k);
    }
    out.extend(placed[p..].iter().map(|(_, k)| *k));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(pos: i64, time: Option<i64>, stream: i64, seq: Option<i64>) -> Key {
        Key { pos, time, stream, seq }
    }

    #[test]
    fn time_order_sorts_by_time_then_okey_and_carries_untimed_records() {
        let conn = Connection::open_in_memory().expect("db");
        conn.execute_batch(schema::TABLES).expect("tables");
        // (pos, time, okey): pos 2 has no time and stays with pos 1.
        let rows: [(i64, Option<i64>, Option<Vec<u8>>); 6] = [
            (1, Some(20), Some(vec![2])),
            (2, None, None),
            (3, Some(20), Some(vec![1])),
            (4, Some(10), None),
            (5, Some(10), None),
            (6, Some(20), Some(vec![1])),
        ];
        for (i, (pos, time, okey)) in rows.iter().enumerate() {
            conn.execute(
                "INSERT INTO events(pos, input, idx, stream, id, type, time, kind, data, file, loc, okey, idh) VALUES (?1, 7, ?2, 1, '', 1, ?3, 0, '{}', 1, 0, ?4, 0)",
                params![pos, i as i64, time, okey],
            )
            .expect("insert");
        }
        let order: Vec<i64> = load_keys_by_time(&conn, 7)
            .expect("sort")
            .iter()
            .map(|k| k.pos)
            .collect();
        assert_eq!(order, vec![4, 5, 3, 6, 1, 2]);
    }

    #[test]
    fn merge_is_stable_and_glues_timeless_events() {
        let a = vec![k(1, Some(10), 1, None), k(2, None, 1, None), k(3, Some(30), 1, None)];
        let b = vec![k(4, Some(10), 2, None), k(5, Some(20), 2, None)];
        let lists = [a, b];
        let m: Vec<i64> = merge_by_time(&lists).iter().map(|k| k.pos).collect();
        assert_eq!(m, vec![1, 2, 4, 5, 3]);
    }

    #[test]
    fn snapshots_by_seq_then_time_then_first_event() {
        let ev = [
            k(1, Some(10), 1, Some(1)),
            k(2, Some(20), 2, Some(1)),
            k(3, Some(30), 1, Some(2)),
        ];
        let merged: Vec<&Key> = ev.iter().collect();
        let snaps = [
            k(10, None, 1, Some(1)),
            k(11, Some(25), 9, None),
            k(12, None, 2, None),
            k(13, Some(5), 3, None),
        ];
        let out: Vec<i64> = place_snapshots(&merged, &snaps).iter().map(|k| k.pos).collect();
        assert_eq!(out, vec![13, 1, 10, 12, 2, 11, 3]);
    }
}
