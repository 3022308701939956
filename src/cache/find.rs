//! Finding positions for a browser: the events a filter keeps around a
//! position, how many it keeps per column of a position axis, and text search.

use anyhow::Result;
use rusqlite::{params, params_from_iter, OptionalExtension};

use super::read::{filter_sql, Filter};
use super::Cache;

impl Cache {
    /// Stream id of the event at `pos`.
    pub fn stream_of(&self, pos: u64) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT stream FROM events WHERE pos = ?1")?
            .query_row(params![pos as i64], |r| r.get(0))
            .optional()?)
    }

    /// Time of the event at `pos` (`None`: no such event, or it has no time).
    pub fn time_of(&self, pos: u64) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT time FROM events WHERE pos = ?1")?
            .query_row(params![pos as i64], |r| r.get::<_, Option<i64>>(0))
            .optional()?
            .flatten())
    }

    /// Positions of the first `n` events after `from` that pass `filter`, in order.
    pub fn matching_after(&self, from: u64, n: u64, filter: &Filter) -> Result<Vec<u64>> {
        let sql = format!(
            "SELECT pos FROM events WHERE pos > ?1{} ORDER BY pos LIMIT ?2",
            filter_sql(filter)
        );
        self.positions(&sql, from, n)
    }

    /// Positions of the last `n` events before `from` that pass `filter`, nearest first.
    pub fn matching_before(&self, from: u64, n: u64, filter: &Filter) -> Result<Vec<u64>> {
        let sql = format!(
            "SELECT pos FROM events WHERE pos < ?1{} ORDER BY pos DESC LIMIT ?2",
            filter_sql(filter)
        );
        self.positions(&sql, from, n)
    }

    fn positions(&self, sql: &str, from: u64, n: u64) -> Result<Vec<u64>> {
        let mut st = self.conn.prepare_cached(sql)?;
        let found = st
            .query_map(params![from as i64, n.min(i64::MAX as u64) as i64], |r| {
                r.get::<_, i64>(0)
            })?
            .map(|r| r.map(|p| p as u64))
            .collect::<rusqlite::Result<_>>()?;
        Ok(found)
    }

    /// How many events pass `filter` in each of `width` columns that split
    /// positions 1..=`len` evenly.
    pub fn matching_per_column(&self, width: u64, len: u64, filter: &Filter) -> Result<Vec<u64>> {
        let sql = format!(
            "SELECT (pos - 1) * ?1 / ?2, count(*) FROM events WHERE 1{} GROUP BY 1",
            filter_sql(filter)
        );
        let mut counts = vec![0u64; width as usize];
        let mut st = self.conn.prepare(&sql)?;
        let mut rows = st.query(params![width as i64, len as i64])?;
        while let Some(r) = rows.next()? {
            let col: i64 = r.get(0)?;
            let n: i64 = r.get(1)?;
            if let Some(c) = counts.get_mut(col.max(0) as usize) {
                *c += n.max(0) as u64;
            }
        }
        Ok(counts)
    }

    /// Positions of events that pass `filter` and whose data contains `text`
    /// (ASCII case folded unless `case_sensitive`) or whose stream or type id is
    /// in `streams` / `types`; at most `limit`, in order.
    pub fn search(
        &self,
        text: &str,
        case_sensitive: bool,
        streams: &[i64],
        types: &[i64],
        filter: &Filter,
        limit: usize,
    ) -> Result<Vec<u64>> {
        let ids = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        // LIKE folds ASCII case only; instr is exact.
        let mut cond = if case_sensitive {
            "instr(data, ?1) > 0".to_string()
        } else {
            "data LIKE ?1 ESCAPE '\\'".to_string()
        };
        if !streams.is_empty() {
            cond.push_str(&format!(" OR stream IN ({})", ids(streams)));
        }
        if !types.is_empty() {
            cond.push_str(&format!(" OR type IN ({})", ids(types)));
        }
        let sql = format!(
            "SELECT pos FROM events WHERE ({cond}){} ORDER BY pos LIMIT ?2",
            filter_sql(filter)
        );
        let arg = if case_sensitive {
            text.to_string()
        } else {
            let mut p = String::from("%");
            for c in text.chars() {
                if matches!(c, '%' | '_' | '\\') {
                    p.push('\\');
                }
                p.push(c);
            }
            p.push('%');
            p
        };
        let mut st = self.conn.prepare(&sql)?;
        let limit = limit.min(i64::MAX as usize) as i64;
        let hits = st
            .query_map(
                params_from_iter([rusqlite::types::Value::Text(arg), limit.into()]),
                |r| r.get::<_, i64>(0),
            )?
            .map(|r| r.map(|p| p as u64))
            .collect::<rusqlite::Result<_>>()?;
        Ok(hits)
    }
}
