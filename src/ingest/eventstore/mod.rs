//! EventStoreDB / KurrentDB (docs/formats.md §2): HTTP feed pages and client dumps
//! (`eventstore`), and the database folder of a node or backup (`eventstore-db`).

pub mod chunk;
pub mod db;
pub mod dump;
pub mod event;
pub mod feed;
pub mod guid;

use std::path::Path;

use anyhow::Result;
use serde_json::Value;

use crate::ingest::{Family, Format, Peek, Source, SourceConfig};

pub struct EventStore;

pub static FAMILY: EventStore = EventStore;

impl Family for EventStore {
    fn detect(&self, peek: &Peek) -> Option<Format> {
        if peek.is_dir {
            return db::has_chunks(peek.path).then_some(Format::EventstoreDb);
        }
        // One chunk file: its name and its header's file type byte.
        let named = peek.path.file_name().and_then(|n| n.to_str()).and_then(db::chunk_name);
        if named.is_some() && peek.head.first() == Some(&chunk::CHUNK_FILE_TYPE) {
            return Some(Format::EventstoreDb);
        }
        let o = peek.first.as_ref()?.as_object()?;
        if is_feed_page(o) || is_dump_record(o) {
            return Some(Format::Eventstore);
        }
        None
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Eventstore, Format::EventstoreDb]
    }

    fn open(&self, path: &Path, format: Format, cfg: SourceConfig) -> Result<Box<dyn Source>> {
        if format == Format::EventstoreDb || path.is_dir() {
            // A folder, or one chunk file of one.
            return Ok(Box::new(db::DbSource::open(path, cfg.system_streams, &cfg.filter)?));
        }
        match first_value(path).as_ref().and_then(Value::as_object) {
            Some(o) if !is_feed_page(o) => Ok(Box::new(dump::DumpSource::open(path)?)),
            _ => Ok(Box::new(feed::FeedSource::open(path)?)),
        }
    }
}

/// The first JSON value of a file (the first element of one array); `None` when
/// it does not start with one (the decoder then reports the damage).
fn first_value(path: &Path) -> Option<Value> {
    let (reader, _, _) = crate::ingest::decompress::open(path).ok()?;
    let mut framer = crate::ingest::framing::Framer::new(reader, None).ok()?;
    match framer.next_frame() {
        Ok(Some(Ok(frame))) => serde_json::from_slice(&frame.bytes).ok(),
        _ => None,
    }
}

/// An Atom feed page: `entries` plus the feed's own members.
fn is_feed_page(o: &serde_json::Map<String, Value>) -> bool {
    o.get("entries").is_some_and(Value::is_array)
        && ["headOfStream", "selfUrl", "eTag", "links", "author"]
            .iter()
            .any(|k| o.contains_key(*k))
}

/// A recorded event as the clients write it: names no generic event log uses
/// (`$all` positions, gRPC revision names, .NET `eventStreamId`), or the HTTP /
/// .NET trio of stream id, event number and event id together.
fn is_dump_record(o: &serde_json::Map<String, Value>) -> bool {
    let has = |k: &str| o.contains_key(k);
    [
        "commitPosition",
        "preparePosition",
        "stream_identifier",
        "stream_revision",
        "eventStreamId",
    ]
    .iter()
    .any(|k| has(k))
        || (has("streamId") && has("eventNumber") && has("eventId") && has("eventType"))
}

/// A payload that is an object or array as is, or a JSON string holding JSON
/// (the HTTP API and clients often carry the event JSON as a string). Text that
/// is not JSON, or is flagged as not JSON, stays a JSON string.
pub fn json_or_string(v: &Value, is_json: bool) -> String {
    match v {
        Value::String(s) if is_json => match serde_json::from_str::<Value>(s) {
            Ok(inner @ (Value::Object(_) | Value::Array(_))) => inner.to_string(),
            _ => v.to_string(),
        },
        Value::Null => "{}".to_string(),
        other => other.to_string(),
    }
}

/// An integer given as a JSON number or a decimal string (gRPC writes u64 as strings).
pub fn number(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard padded base64, for `{"$bytes": ...}` payloads.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for group in data.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= group.len() {
                B64[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// Standard base64 (protobuf JSON bytes), padding optional.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payload_strings() {
        assert_eq!(json_or_string(&json!("{\"a\":1}"), true), r#"{"a":1}"#);
        assert_eq!(json_or_string(&json!("{\"a\":1}"), false), r#""{\"a\":1}""#);
        assert_eq!(json_or_string(&json!("hello"), true), r#""hello""#);
        assert_eq!(json_or_string(&json!({"a": 1}), true), r#"{"a":1}"#);
    }

    #[test]
    fn base64() {
        assert_eq!(base64_decode("bmV3c3RyZWFt").as_deref(), Some(&b"newstream"[..]));
        assert_eq!(base64_decode("YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64_decode("*"), None);
        for s in ["", "a", "ab", "abc", "abcd"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).as_deref(),
                Some(s.as_bytes())
            );
        }
        assert_eq!(base64_encode(b"ab"), "YWI=");
    }
}
