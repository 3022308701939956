//! Questions the TUI asks that the CLI does not: moving by matching events,
//! timeline density and text search, as `impl Recording` blocks next to their
//! only user. The SQL behind them is in `cache::find`.

use anyhow::Result;

use crate::cache::read::Filter;
use crate::recording::Recording;

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
        self.cache.stream_of(pos)
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
        let found = if delta > 0 {
            self.cache.matching_after(from, n, filter)?
        } else {
            self.cache.matching_before(from, n, filter)?
        };
        Ok(match found.last() {
            None if delta > 0 => from,
            None => 0,
            Some(_) if delta < 0 && (found.len() as u64) < n => 0,
            Some(p) => *p,
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
                let rate = match (self.cache.time_of(a + 1)?, self.cache.time_of(b)?) {
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
        let counts = self.cache.matching_per_column(w, len, filter)?;
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
        let ids = |names: &[String]| -> Vec<i64> {
            names
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(_, n)| matches(n))
                .map(|(i, _)| i as i64)
                .collect()
        };
        let streams = ids(&self.cat.streams);
        let types = ids(&self.cat.types);
        let mut hits = self
            .cache
            .search(text, sensitive, &streams, &types, filter, cap.saturating_add(1))?;
        let capped = hits.len() > cap;
        hits.truncate(cap);
        Ok((hits, capped))
    }
}
