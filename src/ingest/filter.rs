//! Import filters (`--since`, `--until`, `--stream`, `--type`): which records enter the
//! cache. Sources ask the `*_may_match` methods to skip what cannot match before
//! decoding it (a file named by its hour, a chunk's time range, a row group's
//! statistics); the import applies [`Filter::matches`] to every record.

use std::fmt;

use globset::{Glob, GlobMatcher};

use crate::model::{Kind, Record};
use crate::time;

/// The accepted forms of `--since` and `--until`, for help and errors.
pub const TIME_FORMS: &str = "an RFC 3339 time (2026-11-20T09:00:00Z), a date (2026-11-20, midnight UTC), \
`now`, or now minus a duration (-30s, -15m, -2h, -7d, -1w)";

/// A pattern on stream names or event types: `*`, `?`, `[...]`, or an exact name.
#[derive(Clone)]
struct Pattern {
    text: String,
    glob: GlobMatcher,
}

impl Pattern {
    fn new(text: &str) -> Result<Pattern, String> {
        let glob = Glob::new(text)
            .map_err(|e| format!("bad pattern {}: {e}", crate::sanitize::quote(text)))?
            .compile_matcher();
        Ok(Pattern {
            text: text.to_string(),
            glob,
        })
    }

    fn is_match(&self, name: &str) -> bool {
        name == self.text || self.glob.is_match(name)
    }
}

/// Which records an import keeps. The default keeps every record.
#[derive(Clone, Default)]
pub struct Filter {
    /// Earliest time kept, UTC µs, inclusive.
    since: Option<i64>,
    /// Latest time kept, UTC µs, inclusive (like a time point: up to and including it).
    until: Option<i64>,
    /// Stream patterns; a record is kept when any matches (none: every stream).
    streams: Vec<Pattern>,
    /// Event type patterns; a record is kept when any matches (none: every type).
    types: Vec<Pattern>,
    /// `--since` and `--until` as typed: `-2h` names the same cache file on every
    /// run while its resolved time moves on.
    typed: (Option<String>, Option<String>),
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Filter({})", self.key())
    }
}

impl PartialEq for Filter {
    fn eq(&self, other: &Filter) -> bool {
        self.key() == other.key()
    }
}

impl Filter {
    /// A filter from resolved bounds (UTC µs, both inclusive) and patterns.
    pub fn new(since: Option<i64>, until: Option<i64>, streams: &[String], types: &[String]) -> Result<Filter, String> {
        if let (Some(s), Some(u)) = (since, until) {
            if s > u {
                return Err(format!(
                    "--since {} is after --until {}: the window is empty",
                    time::format_micros(s),
                    time::format_micros(u)
                ));
            }
        }
        let patterns = |list: &[String]| -> Result<Vec<Pattern>, String> {
            let mut v: Vec<Pattern> = Vec::new();
            for t in list {
                if !v.iter().any(|p| &p.text == t) {
                    v.push(Pattern::new(t)?);
                }
            }
            v.sort_by(|a, b| a.text.cmp(&b.text));
            Ok(v)
        };
        Ok(Filter {
            since,
            until,
            streams: patterns(streams)?,
            types: patterns(types)?,
            typed: (None, None),
        })
    }

    /// Remember the bounds as the user typed them, for [`Filter::name_key`].
    pub fn set_typed(&mut self, since: Option<&str>, until: Option<&str>) {
        self.typed = (since.map(str::to_string), until.map(str::to_string));
    }

    /// Like [`Filter::key`], with the bounds as typed: what names the cache file of a
    /// slice, so a relative window reuses its file (and imports again as it moves).
    pub fn name_key(&self) -> String {
        let mut f = self.clone();
        let typed = std::mem::take(&mut f.typed);
        if typed.0.is_some() {
            f.since = None;
        }
        if typed.1.is_some() {
            f.until = None;
        }
        let mut key = f.key();
        for (name, t) in [("since", typed.0), ("until", typed.1)] {
            if let Some(t) = t {
                key.push_str(&format!(" {name}:{t}"));
            }
        }
        key
    }

    /// True when the filter keeps every record.
    pub fn is_none(&self) -> bool {
        self.since.is_none() && self.until.is_none() && self.streams.is_empty() && self.types.is_empty()
    }

    pub fn since(&self) -> Option<i64> {
        self.since
    }

    pub fn until(&self) -> Option<i64> {
        self.until
    }

    /// Whether the filter looks at times at all.
    pub fn has_time(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Could a record timed between `lo` and `hi` (inclusive; `None`: unbounded) be
    /// kept? False only when the whole range lies outside the window.
    pub fn time_may_match(&self, lo_micros: Option<i64>, hi_micros: Option<i64>) -> bool {
        if let (Some(since), Some(hi)) = (self.since, hi_micros) {
            if hi < since {
                return false;
            }
        }
        if let (Some(until), Some(lo)) = (self.until, lo_micros) {
            if lo > until {
                return false;
            }
        }
        true
    }

    /// Could a record of this stream be kept?
    pub fn stream_may_match(&self, stream: &str) -> bool {
        self.streams.is_empty() || self.streams.iter().any(|p| p.is_match(stream))
    }

    /// Could an event of this type be kept? (Snapshots pass the type filter: see [`Filter::matches`].)
    pub fn type_may_match(&self, ty: &str) -> bool {
        self.types.is_empty() || self.types.iter().any(|p| p.is_match(ty))
    }

    /// Is this record in the slice? A record without a time is outside any time
    /// window. Snapshots are states, not typed events: `--type` keeps them, so a
    /// slice of some types still starts its streams from the snapshots inside it.
    pub fn matches(&self, r: &Record) -> bool {
        self.matches_parts(&r.stream, &r.ty, r.time, r.kind)
    }

    /// [`Filter::matches`] on a record's parts, for sources that can test them before
    /// building a record.
    pub fn matches_parts(&self, stream: &str, ty: &str, time: Option<i64>, kind: Kind) -> bool {
        if self.has_time() {
            match time {
                None => return false,
                Some(t) => {
                    if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t > u) {
                        return false;
                    }
                }
            }
        }
        self.stream_may_match(stream) && (kind == Kind::Snapshot || self.type_may_match(ty))
    }

    /// A stable text of the filter, part of each input's cache key; empty for none.
    pub fn key(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.since {
            parts.push(format!("since={s}"));
        }
        if let Some(u) = self.until {
            parts.push(format!("until={u}"));
        }
        for p in &self.streams {
            parts.push(format!("stream={}", p.text));
        }
        for p in &self.types {
            parts.push(format!("type={}", p.text));
        }
        parts.join(" ")
    }

    /// For people: `since 2026-11-20T09:00:00.000000Z, streams agent/*`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.since {
            parts.push(format!("since {}", time::format_micros(s)));
        }
        if let Some(u) = self.until {
            parts.push(format!("until {}", time::format_micros(u)));
        }
        let list = |ps: &[Pattern]| ps.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(" ");
        if !self.streams.is_empty() {
            let word = if self.streams.len() == 1 { "stream" } else { "streams" };
            parts.push(format!("{word} {}", list(&self.streams)));
        }
        if !self.types.is_empty() {
            let word = if self.types.len() == 1 { "type" } else { "types" };
            parts.push(format!("{word} {}", list(&self.types)));
        }
        parts.join(", ")
    }
}

/// Parse a `--since`/`--until` value against `now` (UTC µs): see [`TIME_FORMS`].
pub fn parse_time(option: &str, text: &str, now: i64) -> Result<i64, String> {
    let s = text.trim();
    if s == "now" {
        return Ok(now);
    }
    if let Some(t) = time::parse_rfc3339(s).or_else(|| time::parse_date(s)) {
        return Ok(t);
    }
    if let Some(rel) = s.strip_prefix('-') {
        let unit = rel.chars().last().unwrap_or(' ');
        let secs: i64 = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => 0,
        };
        let n = rel[..rel.len() - unit.len_utf8().min(rel.len())].parse::<i64>().ok();
        if let Some(n) = n.filter(|_| secs > 0) {
            if let Some(t) = n
                .checked_mul(secs)
                .and_then(|s| s.checked_mul(1_000_000))
                .and_then(|d| now.checked_sub(d))
            {
                return Ok(t);
            }
        }
    }
    Err(format!(
        "{option} {}: not a time (expected {TIME_FORMS})",
        crate::sanitize::quote(text)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_windows() {
        let now = 10 * 86_400_000_000;
        assert_eq!(parse_time("--since", "-2h", now), Ok(now - 7_200_000_000));
        assert_eq!(parse_time("--since", "now", now), Ok(now));
        assert_eq!(parse_time("--since", "1970-01-02", now), Ok(86_400_000_000));
        assert_eq!(parse_time("--since", "1970-01-01T00:00:01Z", now), Ok(1_000_000));
        for bad in ["yesterdayish", "-2", "-h", "2h", "-2y", "", "-", "-99999999999999999w"] {
            let e = parse_time("--since", bad, now).expect_err(bad);
            assert!(e.starts_with("--since ") && e.contains("-2h"), "{e}");
        }
        let f = Filter::new(Some(100), Some(200), &[], &[]).expect("filter");
        assert!(f.time_may_match(Some(50), Some(100)));
        assert!(!f.time_may_match(Some(50), Some(99)));
        assert!(!f.time_may_match(Some(201), None));
        assert!(f.time_may_match(None, None));
        assert!(Filter::new(Some(2), Some(1), &[], &[]).is_err());
    }

    #[test]
    fn patterns() {
        let f = Filter::new(
            None,
            None,
            &["agent/*".into(), "reg[io]stry".into()],
            &["Memory?pdated".into()],
        )
        .expect("filter");
        assert!(f.stream_may_match("agent/sess-1"));
        assert!(f.stream_may_match("registry"));
        assert!(!f.stream_may_match("training"));
        assert!(f.matches_parts("agent/x", "MemoryUpdated", None, Kind::Event));
        assert!(!f.matches_parts("agent/x", "ToolCalled", None, Kind::Event));
        assert!(f.matches_parts("agent/x", "snapshot", None, Kind::Snapshot));
        assert_eq!(f.describe(), "streams agent/* reg[io]stry, type Memory?pdated");
        assert!(Filter::default().is_none());
    }
}
