//! A prepare record of a chunk as a normalized [`Record`] (docs/formats.md §2, docs/model.md §1).

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::value::RawValue;

use super::chunk::{flags, Prepare};
use super::guid::{dotnet_ticks_to_micros, format_guid};
use crate::model::{Kind, Record, SourceFile};

/// Where a prepare sits: its file and offset, and its `$all` position.
pub struct Placed<'a> {
    pub file: &'a Arc<SourceFile>,
    pub offset: u64,
    pub commit_position: i64,
    /// The event number, `None` for a stream delete (its number is a marker, not a place).
    pub event_number: Option<i64>,
}

pub fn prepare_record(p: &Prepare, at: Placed) -> Record {
    let delete = p.has(flags::STREAM_DELETE);
    let redacted = p.has(flags::IS_REDACTED);
    let json = p.has(flags::IS_JSON);
    let data = if redacted {
        "{}".to_string()
    } else {
        payload(p.data, json)
    };
    let mut meta = String::with_capacity(96 + p.metadata.len());
    // Writing to a String cannot fail.
    let _ = write!(
        meta,
        r#"{{"commitPosition":{},"preparePosition":{},"correlationId":"{}""#,
        at.commit_position,
        p.log_position,
        format_guid(&p.correlation_id)
    );
    if !p.metadata.is_empty() {
        meta.push_str(r#","metadata":"#);
        meta.push_str(&payload(p.metadata, json));
    }
    if redacted {
        meta.push_str(r#","redacted":true"#);
    }
    meta.push('}');
    let id = format_guid(&p.event_id);
    Record {
        stream: p.stream.to_string(),
        seq: if delete { None } else { at.event_number },
        // The key feed pages and client dumps use too: one event, whichever shape holds it.
        dedupe: Some(format!("eventstore:{id}")),
        id: Some(id),
        ty: p.event_type.to_string(),
        time: dotnet_ticks_to_micros(p.timestamp),
        kind: if delete { Kind::Delete } else { Kind::Event },
        data,
        meta: Some(meta),
        loc: at.offset,
        file: Some(at.file.clone()),
        ..Record::default()
    }
}

/// JSON text when the bytes are JSON (and flagged so), else `{"$bytes": "<base64>"}`.
/// An empty payload is an empty object: no fields.
pub fn payload(bytes: &[u8], json: bool) -> String {
    if bytes.is_empty() {
        return "{}".to_string();
    }
    if json {
        if let Ok(text) = std::str::from_utf8(bytes) {
            if serde_json::from_str::<&RawValue>(text).is_ok() {
                return text.to_string();
            }
        }
    }
    format!(r#"{{"$bytes":"{}"}}"#, super::base64_encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads() {
        assert_eq!(payload(br#"{"a":1}"#, true), r#"{"a":1}"#);
        assert_eq!(payload(br#"{"a":1}"#, false), r#"{"$bytes":"eyJhIjoxfQ=="}"#);
        assert_eq!(payload(b"{\"a\":", true), r#"{"$bytes":"eyJhIjo="}"#);
        assert_eq!(payload(b"\xff", true), r#"{"$bytes":"/w=="}"#);
        assert_eq!(payload(b"", true), "{}");
    }
}
