//! Event Grid schema events (docs/formats.md §6): deliveries (JSON arrays), JSON Lines,
//! dead-letter blobs. Keys match case-insensitively; stream = subject, type =
//! eventType; topic, versions and dead-letter fields go to meta.

use serde_json::{Map, Value};

use crate::ingest::mapping::TopLevel;
use crate::model::{Kind, Record};
use crate::time;

/// Does this JSON value look like an Event Grid event? `dataVersion` or
/// `metadataVersion` sets it apart from a generic record that happens to have an
/// `eventType` and a `subject`.
pub fn looks_like(v: &Value) -> bool {
    let Some(o) = v.as_object() else { return false };
    let has = |name: &str| o.keys().any(|k| k.eq_ignore_ascii_case(name));
    has("id")
        && has("eventType")
        && has("eventTime")
        && (has("dataVersion") || has("metadataVersion"))
        && !has("specversion")
}

/// Map one Event Grid event; also says whether it came from a dead-letter blob
/// (its `deadLetterReason` and delivery outcome go to meta like any other member).
pub fn map(bytes: &[u8], loc: u64) -> Result<(Record, bool), String> {
    let top = TopLevel::parse(bytes)?;
    let mut id = None;
    let mut subject = None;
    let mut topic = None;
    let mut ty = None;
    let mut event_time = None;
    let mut data = None;
    let mut meta = Map::new();
    for (k, v) in &top.0 {
        let lower = k.to_ascii_lowercase();
        match lower.as_str() {
            "id" => id = Some(text(v.get(), k)?),
            "subject" => subject = Some(text(v.get(), k)?),
            "eventtype" => ty = Some(text(v.get(), k)?),
            "eventtime" => event_time = Some(text(v.get(), k)?),
            "data" => data = Some(v.get().to_string()),
            _ => {
                let value: Value = serde_json::from_str(v.get()).map_err(|e| format!("{k}: {e}"))?;
                if lower == "topic" {
                    topic = value.as_str().map(str::to_string);
                }
                meta.insert(k.to_string(), value);
            }
        }
    }
    let id = id.ok_or("Event Grid event without \"id\"")?;
    let ty = ty.ok_or("Event Grid event without \"eventType\"")?;
    let raw_time = event_time.ok_or("Event Grid event without \"eventTime\"")?;
    let time = time::parse_rfc3339(&raw_time).ok_or_else(|| format!("eventTime: not an RFC 3339 time: {raw_time}"))?;
    let stream = subject.or(topic).unwrap_or_else(|| "default".to_string());
    let dead = meta.keys().any(|k| k.eq_ignore_ascii_case("deadLetterReason"));
    let rec = Record {
        stream,
        id: Some(id.clone()),
        ty,
        time: Some(time),
        kind: Kind::Event,
        data: data.unwrap_or_else(|| "null".to_string()),
        meta: (!meta.is_empty()).then(|| Value::Object(meta).to_string()),
        loc,
        dedupe: Some(format!("eventgrid\u{0}{id}")),
        ..Record::default()
    };
    Ok((rec, dead))
}

/// A string member, or a number written as text.
pub fn text(raw: &str, name: &str) -> Result<String, String> {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::String(s)) => Ok(s),
        Ok(Value::Number(n)) => Ok(n.to_string()),
        Ok(other) => Err(format!(
            "{name}: expected a string, found {}",
            crate::replay::apply::type_name(&other)
        )),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_case_insensitively_and_seven_digit_fractions_parse() {
        let rec = map(
            br#"{"ID":"e1","Subject":"agents/a1","EventType":"AgentStarted","EventTime":"2026-11-20T10:00:00.1234567Z","Data":{"x":1},"DataVersion":"1.0","Topic":"/t"}"#,
            3,
        )
        .expect("maps")
        .0;
        assert_eq!(rec.stream, "agents/a1");
        assert_eq!(rec.ty, "AgentStarted");
        assert_eq!(rec.time.map(|t| t % 1_000_000), Some(123_456));
        assert_eq!(rec.data, r#"{"x":1}"#);
        assert_eq!(rec.meta.as_deref(), Some(r#"{"DataVersion":"1.0","Topic":"/t"}"#));
        assert_eq!(rec.dedupe.as_deref(), Some("eventgrid\u{0}e1"));
    }

    #[test]
    fn missing_required_members_are_reported() {
        let err = map(br#"{"id":"e1","eventTime":"2026-11-20T10:00:00Z"}"#, 1).expect_err("no type");
        assert!(err.contains("eventType"), "{err}");
        let err = map(br#"{"id":"e1","eventType":"X","eventTime":"soon"}"#, 1).expect_err("bad time");
        assert!(err.contains("RFC 3339"), "{err}");
    }
}
