//! Points: how users name a moment (docs/model.md §6).

use std::fmt;

use crate::time;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Point {
    /// After the event at this position (0 = before the first).
    Pos(u64),
    End,
    EndMinus(u64),
    Id(String),
    /// After that stream's event with that seq.
    StreamSeq(String, i64),
    /// After the last event with `time <=` this (UTC µs).
    Time(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointError(pub String);

impl fmt::Display for PointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PointError {}

pub const GRAMMAR: &str = "N, start, end, end-N, id:EVENT_ID, STREAM@SEQ or an RFC 3339 time";

pub fn parse(text: &str) -> Result<Point, PointError> {
    let s = text.trim();
    if s == "start" {
        return Ok(Point::Pos(0));
    }
    if s == "end" {
        return Ok(Point::End);
    }
    if let Some(n) = s.strip_prefix("end-") {
        return n.parse::<u64>().map(Point::EndMinus).map_err(|_| {
            PointError(format!(
                "point {}: expected end-N with a whole number N",
                crate::sanitize::quote(text)
            ))
        });
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<u64>()
            .map(Point::Pos)
            .map_err(|_| PointError(format!("point {}: position too large", crate::sanitize::quote(text))));
    }
    if let Some(id) = s.strip_prefix("id:") {
        if id.is_empty() {
            return Err(PointError(format!(
                "point {}: id: needs an event id",
                crate::sanitize::quote(text)
            )));
        }
        return Ok(Point::Id(id.to_string()));
    }
    if let Some(t) = time::parse_rfc3339(s) {
        return Ok(Point::Time(t));
    }
    if let Some((stream, seq)) = s.rsplit_once('@') {
        if let Ok(seq) = seq.parse::<i64>() {
            if !stream.is_empty() {
                return Ok(Point::StreamSeq(stream.to_string(), seq));
            }
        }
    }
    Err(PointError(format!(
        "not a point: {} (expected {GRAMMAR})",
        crate::sanitize::quote(text)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        assert_eq!(parse("0"), Ok(Point::Pos(0)));
        assert_eq!(parse("start"), Ok(Point::Pos(0)));
        assert_eq!(parse("42"), Ok(Point::Pos(42)));
        assert_eq!(parse("end"), Ok(Point::End));
        assert_eq!(parse("end-3"), Ok(Point::EndMinus(3)));
        assert_eq!(parse("id:abc"), Ok(Point::Id("abc".into())));
        assert_eq!(parse("agent/s@1@7"), Ok(Point::StreamSeq("agent/s@1".into(), 7)));
        assert_eq!(parse("1970-01-01T00:00:01Z"), Ok(Point::Time(1_000_000)));
        assert!(parse("end-x").is_err());
        assert!(parse("soon").is_err());
        assert!(parse("s@").is_err());
    }
}
