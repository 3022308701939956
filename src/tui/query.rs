//! Questions the TUI asks that the CLI does not: lightweight position lookups,
//! timeline density, text search, the nearest change of a node, and replay with
//! events left out (what-if). They live here, next to their only user, as
//! `impl Recording` blocks, so the engine carries no TUI-only queries.

use anyhow::{anyhow, bail, Result};
use rusqlite::{params, params_from_iter, OptionalExtension};
use serde_json::Value;

use crate::cache::read::Filter;
use crate::json::{eq::json_eq, pointer};
use crate::recording::Recording;
use crate::replay::World;

/// A found change: position, old value, new value (absent = `None`).
pub type Found = (u64, Option<Value>, Option<Value>);

/// Stops a replay walk early; never shown to the user.
#[derive(Debug)]
struct StopWalk;

impl std::fmt::Display for StopWalk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("walk stopped")
    }
}

impl std::error::Error for StopWalk {}

fn opt_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => json_eq(a, b),
        _ => false,
    }
}

/// ` AND stream IN (..) AND type IN (..)` for a filter; ids are integers, so
/// inlining them is safe.
fn filter_sql(filter: &Filter) -> String {
    let ids = |v: &[i64]| {
        if v.is_empty() {
            "NULL".to_string()
        } else {
            v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        }
    };
    let mut s = String::new();
    if let Some(st) = &filter.streams {
        s.push_str(&format!(" AND stream IN ({})", ids(st)));
    }
    if let Some(t) = &filter.types {
        s.push_str(&format!(" AND type IN ({})", ids(t)));
    }
    s
}

fn is_unfiltered(filter: &Filter) -> bool {
    filter.streams.is_none() && filter.types.is_none()
}

/// Smart case: a pattern with an upper-case letter is matched case-sensitively.
pub fn smart_case_sensitive(text: &str) -> bool {
    text.chars().any(char::is_uppercase)
}

impl Recording {
    /// Stream id of the event at `pos`.
    pub fn stream_of(&self, pos: u64) -> Result<Option<i64>> {
        Ok(self
            .cache
            .conn
            .prepare_cached("SELECT stream FROM events WHERE pos = ?1")?
            .query_row(params![pos as i64], |r| r.get(0))
            .optional()?)
    }

    fn time_of(&self, pos: u64) -> Result<Option<i64>> {
        Ok(self
            .cache
            .conn
            .prepare_cached("SELECT time FROM events WHERE pos = ?1")?
            .query_row(params![pos as i64], |r| r.get::<_, Option<i64>>(0))
            .optional()?
            .flatten())
    }

    /// The position `delta` matching events away from `from`. Going back past the
    /// first match lands on 0 (before the first event), like the list's start row.
    pub fn seek_matching(&self, from: u64, delta: i64, filter: &Filter) -> Result<u64> {
        let len = self.len();
        if is_unfiltered(filter) {
            let target = (from as i128 + delta as i128).clamp(0, len as i128);
            return Ok(target as u64);
        }
        if delta == 0 {
            return Ok(from.min(len));
        }
        let n = delta.unsigned_abs();
        let sql = if delta > 0 {
            format!(
                "SELECT pos FROM events WHERE pos > ?1{} ORDER BY pos LIMIT ?2",
                filter_sql(filter)
            )
        } else {
            format!(
                "SELECT pos FROM events WHERE pos < ?1{} ORDER BY pos DESC LIMIT ?2",
                filter_sql(filter)
            )
        };
        let mut st = self.cache.conn.prepare_cached(&sql)?;
        let found: Vec<i64> = st
            .query_map(params![from as i64, n.min(i64::MAX as u64) as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(match found.last() {
            None if delta > 0 => from,
            None => 0,
            Some(_) if delta < 0 && (found.len() as u64) < n => 0,
            Some(p) => *p as u64,
        })
    }

    /// One level in 0..=1 per column of a position axis, and what it measures.
    /// Unfiltered, every column holds the same number of events, so the level is
    /// how fast they arrived (events per second of recorded time, log scale);
    /// filtered, it is how many of the column's events match.
    pub fn density(&self, width: u16, filter: &Filter) -> Result<(Vec<f32>, String)> {
        let w = u64::from(width.max(1));
        let len = self.len();
        if len == 0 {
            return Ok((vec![0.0; w as usize], "no events".into()));
        }
        let bounds = |i: u64| (i * len / w, (i + 1) * len / w);
        if is_unfiltered(filter) {
            let mut rates = Vec::with_capacity(w as usize);
            let mut timed = false;
            for i in 0..w {
                let (a, b) = bounds(i);
                if b <= a {
                    rates.push(None);
                    continue;
                }
                let rate = match (self.time_of(a + 1)?, self.time_of(b)?) {
                    (Some(t0), Some(t1)) => {
                        timed = true;
                        let secs = ((t1 - t0).max(1000)) as f64 / 1e6;
                        Some((b - a) as f64 / secs)
                    }
                    _ => None,
                };
                rates.push(rate);
            }
            if !timed {
                let levels = rates.iter().map(|r| if r.is_some() { 0.5 } else { 0.0 }).collect();
                return Ok((levels, "events (no times)".into()));
            }
            let max = rates.iter().flatten().fold(0f64, |m, r| m.max(r.ln_1p()));
            let levels = rates
                .iter()
                .map(|r| match r {
                    Some(r) if max > 0.0 => (r.ln_1p() / max).max(0.05) as f32,
                    Some(_) => 0.05,
                    None => 0.0,
                })
                .collect();
            return Ok((levels, "events/s".into()));
        }
        let sql = format!(
            "SELECT (pos - 1) * ?1 / ?2, count(*) FROM events WHERE 1{} GROUP BY 1",
            filter_sql(filter)
        );
        let mut counts = vec![0u64; w as usize];
        let mut st = self.cache.conn.prepare(&sql)?;
        let mut rows = st.query(params![w as i64, len as i64])?;
        while let Some(r) = rows.next()? {
            let col: i64 = r.get(0)?;
            let n: i64 = r.get(1)?;
            if let Some(c) = counts.get_mut(col.max(0) as usize) {
                *c += n.max(0) as u64;
            }
        }
        let max = counts.iter().copied().max().unwrap_or(0).max(1) as f32;
        let levels = counts
            .iter()
            .map(|&c| if c == 0 { 0.0 } else { (c as f32 / max).max(0.1) })
            .collect();
        Ok((levels, "matching events".into()))
    }

    /// Positions of events whose type, stream or data text contains `text`
    /// (smart case), at most `cap`; the flag says whether more exist.
    pub fn search_hits(&self, text: &str, filter: &Filter, cap: usize) -> Result<(Vec<u64>, bool)> {
        if text.is_empty() {
            return Ok((Vec::new(), false));
        }
        let sensitive = smart_case_sensitive(text);
        let lower = text.to_lowercase();
        let matches = |name: &str| {
            if sensitive {
                name.contains(text)
            } else {
                name.to_lowercase().contains(&lower)
            }
        };
        let ids = |names: &[String]| -> Vec<String> {
            names
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(_, n)| matches(n))
                .map(|(i, _)| i.to_string())
                .collect()
        };
        let streams = ids(&self.cat.streams);
        let types = ids(&self.cat.types);
        // LIKE folds ASCII case only; instr is exact.
        let mut cond = if sensitive {
            "instr(data, ?1) > 0".to_string()
        } else {
            "data LIKE ?1 ESCAPE '\\'".to_string()
        };
        if !streams.is_empty() {
            cond.push_str(&format!(" OR stream IN ({})", streams.join(",")));
        }
        if !types.is_empty() {
            cond.push_str(&format!(" OR type IN ({})", types.join(",")));
        }
        let sql = format!(
            "SELECT pos FROM events WHERE ({cond}){} ORDER BY pos LIMIT ?2",
            filter_sql(filter)
        );
        let arg = if sensitive {
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
        let mut st = self.cache.conn.prepare(&sql)?;
        let limit = cap.saturating_add(1).min(i64::MAX as usize) as i64;
        let mut hits: Vec<u64> = st
            .query_map(
                params_from_iter([rusqlite::types::Value::Text(arg), limit.into()]),
                |r| r.get::<_, i64>(0),
            )?
            .map(|r| r.map(|p| p as u64))
            .collect::<rusqlite::Result<_>>()?;
        let capped = hits.len() > cap;
        hits.truncate(cap);
        Ok((hits, capped))
    }

    /// Split a pointer into the stream it lives in and the path inside it.
    fn watch_target(&self, ptr: &str, stream: Option<&str>) -> Result<(i64, Vec<String>)> {
        let tokens = pointer::parse(ptr)?;
        match stream {
            Some(s) => Ok((self.stream_id(s)?, tokens)),
            None => match tokens.split_first() {
                Some((first, rest)) => Ok((self.stream_id(first)?, rest.to_vec())),
                None => bail!("the whole world changes with every event: pick a node inside a stream"),
            },
        }
    }

    /// The first event after `from` (forward) or the last before it (backward)
    /// that changed the node at `ptr`.
    pub fn nearest_change(&self, ptr: &str, stream: Option<&str>, from: u64, forward: bool) -> Result<Option<Found>> {
        let (sid, rest) = self.watch_target(ptr, stream)?;
        let len = self.len();
        if forward {
            return self.changes_in(sid, &rest, from.min(len), len, true);
        }
        // Replay only runs forward: look back in growing windows, keep the last change.
        let hi = from.saturating_sub(1).min(len);
        let mut width = 4096u64;
        let mut top = hi;
        loop {
            let lo = top.saturating_sub(width);
            if let Some(found) = self.changes_in(sid, &rest, lo, top, false)? {
                return Ok(Some(found));
            }
            if lo == 0 {
                return Ok(None);
            }
            top = lo;
            width = width.saturating_mul(4);
        }
    }

    /// Changes of `rest` in stream `sid` over `(from, to]`: the first one, or the last.
    fn changes_in(&self, sid: i64, rest: &[String], from: u64, to: u64, first: bool) -> Result<Option<Found>> {
        if to <= from {
            return Ok(None);
        }
        let mut found: Option<Found> = None;
        let walked = self.replayer().walk_stream(sid, from, to, &mut |pos, before, after| {
            let old = before.and_then(|v| pointer::get(v, rest));
            let new = after.and_then(|v| pointer::get(v, rest));
            if !opt_eq(old, new) {
                found = Some((pos, old.cloned(), new.cloned()));
                if first {
                    return Err(anyhow!(StopWalk));
                }
            }
            Ok(())
        });
        match walked {
            Ok(()) => Ok(found),
            Err(e) if e.downcast_ref::<StopWalk>().is_some() => Ok(found),
            Err(e) => Err(e),
        }
    }

    /// Stream `sid`'s state at `pos` had the events in `skips` (sorted, all of
    /// this stream) never happened. The recording is not changed.
    pub fn stream_without(&self, sid: i64, pos: u64, skips: &[u64]) -> Result<Option<Value>> {
        let Some(&first) = skips.iter().find(|&&p| p <= pos) else {
            return self.replayer().stream_at(sid, pos);
        };
        let start = first.saturating_sub(1);
        let r = self.replayer();
        let mut world = World::default();
        *world.slot(sid) = r.stream_at(sid, start)?;
        self.cache.scan(start, pos, Some(sid), &mut |ev| {
            if skips.binary_search(&ev.pos).is_err() {
                r.step(&mut world, &ev)?;
            }
            Ok(())
        })?;
        Ok(world.slot(sid).take())
    }
}
