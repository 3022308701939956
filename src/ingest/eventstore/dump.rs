//! Client dumps: JSON lines written from the gRPC / .NET clients' recorded events
//! (docs/formats.md §2). Field names come in the .NET (`eventStreamId`, `eventNumber`),
//! HTTP (`streamId`) and gRPC (`stream_identifier`, `stream_revision`, a
//! `metadata` map holding `type` and `created`) spellings. The input is time
//! ordered (`created`), ties broken by the `$all` position (commit, prepare) when
//! the dump has one, else by event number; `eventId` is the dedupe key, so
//! overlapping dumps (or a dump and feed pages) import each event once.

use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use super::guid::unix_ticks_to_micros;
use super::{json_or_string, number};
use crate::ingest::decompress::{self, Compression};
use crate::ingest::framing::{Framer, Framing};
use crate::ingest::{order, BadRecord, Item, Order, Source};
use crate::model::{Kind, Record};
use crate::time;

pub const STREAM: &[&str] = &[
    "streamId",
    "eventStreamId",
    "stream_identifier",
    "streamIdentifier",
    "stream",
];
pub const NUMBER: &[&str] = &["eventNumber", "stream_revision", "streamRevision", "revision"];
const ID: &[&str] = &["eventId", "id"];
const TYPE: &[&str] = &["eventType", "type"];
const CREATED: &[&str] = &["created", "createdEpoch", "timestamp"];
const COMMIT: &[&str] = &["commitPosition", "commit_position"];
const PREPARE: &[&str] = &["preparePosition", "prepare_position"];

pub struct DumpSource {
    framer: Framer<Box<dyn BufRead + Send>>,
    comp: Compression,
    count: Arc<AtomicU64>,
    file: String,
}

impl DumpSource {
    pub fn open(path: &Path) -> Result<DumpSource> {
        let file = path.display().to_string();
        let (reader, comp, count) = decompress::open(path).with_context(|| file.clone())?;
        let framer = Framer::new(reader, None).with_context(|| file.clone())?;
        Ok(DumpSource {
            framer,
            comp,
            count,
            file,
        })
    }
}

impl Source for DumpSource {
    fn next_item(&mut self) -> Result<Option<Item>> {
        let frame = match self.framer.next_frame() {
            Ok(None) => return Ok(None),
            Ok(Some(f)) => f,
            Err(e) => return Err(anyhow::Error::new(e).context(format!("{}: read failed", self.file))),
        };
        let (line, result) = match frame {
            Ok(f) => (
                f.line,
                serde_json::from_slice::<Value>(&f.bytes)
                    .map_err(|e| crate::ingest::mapping::describe_json_error(&e))
                    .and_then(|v| dump_record(&v, f.line)),
            ),
            Err(bad) => (bad.line, Err(bad.reason)),
        };
        Ok(Some(match result {
            Ok(r) => Item::Record(r),
            Err(reason) => Item::Bad(BadRecord {
                file: self.file.clone(),
                loc: line,
                offset: false,
                reason,
            }),
        }))
    }

    fn format_name(&self) -> String {
        let framing = if self.framer.mode() == Framing::Array {
            "-array"
        } else {
            ""
        };
        format!("eventstore-dump{framing}{}", self.comp.suffix())
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.count.clone()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}

fn first<'a>(o: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| o.get(*n))
}

/// A string, or the gRPC JSON wrappers `{"stream_name": <base64>}` / `{"string": <uuid>}`.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => {
            if let Some(s) = o.get("string").and_then(Value::as_str) {
                return Some(s.to_string());
            }
            let b64 = o.get("stream_name").or_else(|| o.get("streamName"))?.as_str()?;
            super::base64_decode(b64).and_then(|b| String::from_utf8(b).ok())
        }
        _ => None,
    }
}

/// `created`: RFC 3339, a .NET `DateTime` (`/Date(ms)/`, or ISO 8601 without zone,
/// which .NET writes for UTC kinds), or 100-ns ticks since the Unix epoch.
/// Returns µs and whether the raw value must be kept (not RFC 3339).
pub fn created_micros(v: &Value) -> Option<(i64, bool)> {
    match v {
        Value::Number(n) => Some((unix_ticks_to_micros(n.as_i64()?), true)),
        Value::String(s) => {
            let s = s.trim();
            if let Some(us) = time::parse_rfc3339(s) {
                return Some((us, false));
            }
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                return Some((unix_ticks_to_micros(s.parse().ok()?), true));
            }
            if let Some(inner) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
                // Milliseconds, optionally followed by a +hhmm offset that does not move the instant.
                let end = inner.get(1..)?.find(['+', '-']).map_or(inner.len(), |i| i + 1);
                let ms: i64 = inner.get(..end)?.parse().ok()?;
                return Some((ms.checked_mul(1000)?, true));
            }
            if s.len() >= 19 && s.as_bytes().get(10) == Some(&b'T') {
                return time::parse_rfc3339(&format!("{s}Z")).map(|us| (us, true));
            }
            None
        }
        _ => None,
    }
}

fn dump_record(v: &Value, line: u64) -> Result<Record, String> {
    let o = v.as_object().ok_or("expected a JSON object")?;
    // gRPC recorded events keep type and created in a string map.
    let sys = o
        .get("metadata")
        .and_then(Value::as_object)
        .filter(|m| m.contains_key("type") && (m.contains_key("created") || m.contains_key("content-type")));
    let stream = first(o, STREAM)
        .and_then(text)
        .ok_or("no stream (streamId, eventStreamId or stream_identifier)")?;
    let seq = match first(o, NUMBER) {
        Some(n) => Some(number(n).ok_or_else(|| format!("eventNumber: expected an integer, found {n}"))?),
        None => None,
    };
    let ty = first(o, TYPE)
        .or_else(|| sys.and_then(|m| m.get("type")))
        .and_then(text)
        .ok_or("no event type (eventType or type)")?;
    let id = first(o, ID).and_then(text);
    let mut meta = Map::new();
    let created = first(o, CREATED).or_else(|| sys.and_then(|m| m.get("created")));
    let time = match created {
        Some(c) => {
            let (us, keep) = created_micros(c).ok_or_else(|| format!("created: not a time: {c}"))?;
            if keep {
                meta.insert("rawTime".into(), c.clone());
            }
            Some(us)
        }
        None => None,
    };
    let content_json = sys
        .and_then(|m| m.get("content-type"))
        .and_then(Value::as_str)
        .is_none_or(|c| c == "application/json");
    let is_json = o.get("isJson").and_then(Value::as_bool).unwrap_or(content_json);
    let data = match o.get("data") {
        Some(d) => json_or_string(d, is_json),
        None => "{}".to_string(),
    };
    let user_meta = match sys {
        Some(_) => o.get("custom_metadata").or_else(|| o.get("customMetadata")),
        None => o.get("metadata").or_else(|| o.get("metaData")),
    };
    if let Some(m) = user_meta {
        let text = json_or_string(m, true);
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            meta.insert("metadata".into(), v);
        }
    }
    let position = o.get("position").and_then(Value::as_object);
    let pos = |names: &[&str]| {
        first(o, names)
            .or_else(|| position.and_then(|p| first(p, names)))
            .cloned()
    };
    let (commit, prepare) = (pos(COMMIT), pos(PREPARE));
    let digits = |v: &Option<Value>| match v {
        Some(Value::Number(n)) => order::decimal(&n.to_string()),
        Some(Value::String(s)) => order::decimal(s),
        _ => None,
    };
    let okey = match (digits(&commit), digits(&prepare)) {
        (Some(c), Some(p)) => Some(order::tuple(&[&c, &p])),
        (Some(c), None) => Some(order::tuple(&[&c])),
        _ => seq.map(order::int),
    };
    for (k, v) in [("commitPosition", commit), ("preparePosition", prepare)] {
        if let Some(v) = v {
            meta.insert(k.into(), v);
        }
    }
    Ok(Record {
        dedupe: id.as_ref().map(|id| format!("eventstore:{id}")),
        id: Some(id.unwrap_or_else(|| format!("{}@{stream}", seq.map_or("?".to_string(), |n| n.to_string())))),
        stream,
        seq,
        ty,
        time,
        kind: Kind::Event,
        data,
        meta: (!meta.is_empty()).then(|| Value::Object(meta).to_string()),
        loc: line,
        okey,
        ..Record::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn created_forms() {
        let rfc = time::parse_rfc3339("2017-12-15T12:19:32.021776Z");
        assert_eq!(created_micros(&json!("2017-12-15T12:19:32.0217761Z")).map(|x| x.0), rfc);
        assert_eq!(created_micros(&json!("2017-12-15T12:19:32.0217761")).map(|x| x.0), rfc);
        assert_eq!(created_micros(&json!("15133403720217761")).map(|x| x.0), rfc);
        assert_eq!(created_micros(&json!(15133403720217761i64)).map(|x| x.0), rfc);
        assert_eq!(
            created_micros(&json!("/Date(1513340372021+0000)/")),
            Some((1_513_340_372_021_000, true))
        );
        assert_eq!(created_micros(&json!("/Date(-5)/")), Some((-5000, true)));
        assert_eq!(created_micros(&json!("yesterday")), None);
        assert_eq!(created_micros(&json!("/Date()/")), None);
    }
}
