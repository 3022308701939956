//! The query API: points, states, events and diffs of a recording.

use anyhow::{anyhow, Result};
use serde_json::Value;

use super::Recording;
use crate::json::{diff, pointer};
use crate::model::Event;
use crate::points::{Point, PointError};
use crate::replay::{Replayer, World};
use crate::sanitize::quote;
use crate::time;

impl Recording {
    pub fn len(&self) -> u64 {
        self.cat.len
    }

    pub fn is_empty(&self) -> bool {
        self.cat.len == 0
    }

    pub fn replayer(&self) -> Replayer<'_> {
        Replayer::new(&self.cache, &self.cat, &self.rules)
    }

    /// What the recording holds, for "names nothing" errors.
    pub fn describe_range(&self) -> String {
        let mut s = format!("the recording holds positions 0..{}", self.cat.len);
        if let Ok((Some(a), Some(b))) = self.cache.time_range() {
            s.push_str(&format!(
                " and times {} .. {}",
                time::format_micros(a),
                time::format_micros(b)
            ));
        }
        s
    }

    /// Turn a point into a position, or say what was asked and what there is.
    pub fn resolve(&self, point: &Point, text: &str) -> Result<u64> {
        let nothing = |why: String| -> anyhow::Error {
            PointError(format!(
                "point {} names nothing: {why}; {}",
                quote(text),
                self.describe_range()
            ))
            .into()
        };
        let len = self.cat.len;
        match point {
            Point::Pos(n) if *n <= len => Ok(*n),
            Point::Pos(n) => Err(nothing(format!("position {n} is past the end"))),
            Point::End => Ok(len),
            Point::EndMinus(n) if *n <= len => Ok(len - n),
            Point::EndMinus(n) => Err(nothing(format!("there are only {len} events, not {n}"))),
            Point::Id(id) => self
                .cache
                .pos_of_id(id)?
                .ok_or_else(|| nothing(format!("no event has id {}", quote(id)))),
            Point::StreamSeq(stream, seq) => {
                let sid = self
                    .cat
                    .stream_id(stream)
                    .ok_or_else(|| nothing(format!("no stream named {}", quote(stream))))?;
                self.cache
                    .pos_of_seq(sid, *seq)?
                    .ok_or_else(|| nothing(format!("stream {} has no event with seq {seq}", quote(stream))))
            }
            Point::Time(t) => self
                .cache
                .pos_at_time(*t)?
                .ok_or_else(|| nothing(format!("no event has a time at or before {}", time::format_micros(*t)))),
        }
    }

    /// Parse and resolve a point given as text.
    pub fn point(&self, text: &str) -> Result<u64> {
        let p = crate::points::parse(text)?;
        self.resolve(&p, text)
    }

    /// A point as the TUI's `:` takes it: any point, or a bare date
    /// (`2026-11-20`, midnight UTC). A moment before the first event is the
    /// start, position 0: nothing had happened yet.
    pub fn goto(&self, text: &str) -> Result<u64> {
        let p = match time::parse_date(text.trim()) {
            Some(t) => Point::Time(t),
            None => crate::points::parse(text)?,
        };
        match p {
            Point::Time(t) => Ok(self.cache.pos_at_time(t)?.unwrap_or(0)),
            p => self.resolve(&p, text),
        }
    }

    pub fn stream_id(&self, name: &str) -> Result<i64> {
        self.cat.stream_id(name).ok_or_else(|| {
            let mut known: Vec<&str> = self.cat.streams.iter().skip(1).map(String::as_str).collect();
            known.sort_unstable_by(|a, b| crate::natural::cmp(a, b));
            known.truncate(8);
            if self.cat.streams.len() > 9 {
                known.push("...");
            }
            anyhow!("no stream named {} (streams: {})", quote(name), known.join(", "))
        })
    }

    pub fn world_at(&self, pos: u64) -> Result<World> {
        self.replayer().world_at(pos)
    }

    /// The world at `pos` as JSON, pretty or compact (what `state` prints).
    pub fn world_json_at(&self, pos: u64, compact: bool) -> Result<Vec<u8>> {
        self.replayer().world_json_at(pos, compact)
    }

    /// The state at `pos`: the world, or one stream's (`null` when it has none).
    pub fn state_at(&self, pos: u64, stream: Option<&str>) -> Result<Value> {
        match stream {
            None => Ok(self.world_at(pos)?.to_value(&self.cat)),
            Some(s) => {
                let sid = self.stream_id(s)?;
                Ok(self.replayer().stream_at(sid, pos)?.unwrap_or(Value::Null))
            }
        }
    }

    pub fn event(&self, pos: u64) -> Result<Option<Event>> {
        self.cache.event(&self.cat, pos)
    }

    /// Diff between two points, optionally narrowed to a stream and a path.
    pub fn diff(&self, from: u64, to: u64, stream: Option<&str>, path: Option<&str>) -> Result<Vec<diff::Change>> {
        if stream.is_none() && path.is_none() {
            let (a, b) = (self.world_at(from)?, self.world_at(to)?);
            return Ok(crate::replay::diff_worlds(&a, &b, &self.cat));
        }
        let a = self.state_at(from, stream)?;
        let b = self.state_at(to, stream)?;
        diff_selected(&a, &b, path)
    }
}

/// Narrow two states to `path` and diff them; an absent node is absent, not null.
pub fn diff_selected(a: &Value, b: &Value, path: Option<&str>) -> Result<Vec<diff::Change>> {
    match path {
        None => Ok(diff::diff(a, b)),
        Some(p) => {
            let tokens = pointer::parse(p)?;
            let mut changes = Vec::new();
            match (pointer::get(a, &tokens), pointer::get(b, &tokens)) {
                (Some(x), Some(y)) => diff::diff_at(x, y, p, &mut changes),
                (x, y) => {
                    for mut c in diff::diff_opt(x, y) {
                        c.path = format!("{p}{}", c.path);
                        changes.push(c);
                    }
                }
            }
            Ok(changes)
        }
    }
}
