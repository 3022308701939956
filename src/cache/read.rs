//! Reads of events, positions, times and counts.

use std::ops::ControlFlow;

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
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
        self.scan_rows(from, to, stream, keep, &mut |ev| f(ev).map(ControlFlow::Continue))
    }

    /// [`Cache::scan`] that stops early when `f` returns `Break`.
    pub fn scan_until(
        &self,
        from: u64,
        to: u64,
        stream: Option<i64>,
        f: &mut dyn FnMut(RawEvent<'_>) -> Result<ControlFlow<()>>,
    ) -> Result<()> {
        self.scan_rows(from, to, stream, &|_, _, _| true, f)
    }

    fn scan_rows(
        &self,
        from: u64,
        to: u64,
        stream: Option<i64>,
        keep: &dyn Fn(i64, i64, Kind) -> bool,
        f: &mut dyn FnMut(RawEvent<'_>) -> Result<ControlFlow<()>>,
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
            if f(RawEvent {
                pos,
                stream,
                ty,
                kind,
                data,
            })?
            .is_break()
            {
                break;
            }
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
        sql.push_str(&filter_sql(filter));
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
        sql.push_str(&filter_sql(filter));
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

/// ` AND stream IN (..) AND type IN (..)` for a filter; ids are integers, so
/// inlining them is safe.
pub(super) fn filter_sql(filter: &Filter) -> String {
    let mut s = String::new();
    if let Some(st) = &filter.streams {
        s.push_str(&format!(" AND stream IN ({})", join_ids(st)));
    }
    if let Some(t) = &filter.types {
        s.push_str(&format!(" AND type IN ({})", join_ids(t)));
    }
    s
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
