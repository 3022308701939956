//! One Event Hubs Capture `EventData` Avro record as a [`Record`] (formats.md §7):
//! the body mapped as a CloudEvent, a JSON event, text or bytes; Properties and
//! the Capture fields in meta.

use apache_avro::types::Value as Avro;
use apache_avro::Schema;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::{Map, Value};

use super::cloudevents::{self, dollar_bytes};
use super::merge_meta;
use super::us_time::parse_en_us;
use crate::ingest::mapping::{self, Mapper, TopLevel};
use crate::model::{Kind, Record};

/// A Capture file's schema is a record with at least `SequenceNumber`,
/// `EnqueuedTimeUtc` and `Body`; field order and value types may vary.
pub fn check_schema(schema: &Schema) -> Result<(), String> {
    let Schema::Record(r) = schema else {
        return Err("not an Event Hubs Capture file: the writer schema is not a record".to_string());
    };
    for need in ["SequenceNumber", "EnqueuedTimeUtc", "Body"] {
        if !r.lookup.contains_key(need) {
            return Err(format!(
                "not an Event Hubs Capture file: the writer schema {} has no {need} field",
                r.name.name
            ));
        }
    }
    Ok(())
}

/// Map one decoded record of partition `partition` (`<EventHub>/<PartitionId>`).
pub fn map(mapper: &Mapper, value: Avro, partition: &str, loc: u64, index: u64) -> Result<Record, String> {
    let Avro::Record(fields) = value else {
        return Err("an Avro value that is not an EventData record".to_string());
    };
    let mut seq = None;
    let mut offset = None;
    let mut enqueued = None;
    let mut system = Value::Null;
    let mut props = Value::Null;
    let mut body = None;
    for (name, v) in fields {
        match (name.as_str(), plain(v)) {
            ("SequenceNumber", Avro::Long(n)) => seq = Some(n),
            ("SequenceNumber", Avro::Int(n)) => seq = Some(i64::from(n)),
            ("Offset", v) => offset = Some(to_json(v)),
            ("EnqueuedTimeUtc", Avro::String(s)) => enqueued = Some(s),
            ("SystemProperties", v) => system = to_json(v),
            ("Properties", v) => props = to_json(v),
            ("Body", Avro::Bytes(b)) => body = Some(b),
            ("Body", Avro::Null) => body = None,
            ("Body", other) => return Err(format!("Body is not bytes: {}", kind_name(&other))),
            _ => {}
        }
    }
    let seq = seq.ok_or("EventData without a SequenceNumber")?;
    let enqueued = enqueued.ok_or("EventData without EnqueuedTimeUtc")?;
    let time = parse_en_us(&enqueued).ok_or_else(|| format!("EnqueuedTimeUtc: not a time: {enqueued:?}"))?;

    let (mut rec, own_stream) = map_body(mapper, body.as_deref(), loc, index)?;
    if !own_stream {
        rec.stream = partition.to_string();
        rec.seq = Some(seq);
    }
    if rec.id.is_none() {
        rec.id = Some(format!("{partition}/{seq}"));
    }
    let mut meta = Map::new();
    if let Some(t) = rec.time.filter(|t| *t != time) {
        meta.insert("eventTime".to_string(), Value::String(crate::time::format_micros(t)));
    }
    meta.insert("partition".to_string(), Value::String(partition.to_string()));
    meta.insert("sequenceNumber".to_string(), Value::from(seq));
    if let Some(o) = offset {
        meta.insert("offset".to_string(), o);
    }
    meta.insert("enqueuedTimeUtc".to_string(), Value::String(enqueued));
    if props.as_object().is_some_and(|o| !o.is_empty()) {
        meta.insert("properties".to_string(), props);
    }
    if system.as_object().is_some_and(|o| !o.is_empty()) {
        meta.insert("systemProperties".to_string(), system);
    }
    rec.meta = merge_meta(rec.meta.as_deref(), meta)?;
    rec.time = Some(time);
    rec.loc = loc;
    Ok(rec)
}

/// The body as a record: a CloudEvent (§6), a JSON event (model.md §1), or
/// opaque data. Also says whether the body named its own stream.
fn map_body(mapper: &Mapper, body: Option<&[u8]>, loc: u64, index: u64) -> Result<(Record, bool), String> {
    let opaque = |data: String| Record {
        ty: "EventData".to_string(),
        kind: Kind::Event,
        data,
        ..Record::default()
    };
    let Some(bytes) = body else {
        return Ok((opaque("null".to_string()), false));
    };
    if let Ok(top) = TopLevel::parse(bytes) {
        if cloudevents::top_looks_like(&top) {
            return Ok((cloudevents::map_top(&top, loc)?, true));
        }
        let f = &mapper.fields;
        let own_stream = f.stream.is_some() || mapping::STREAM.iter().any(|n| top.get(n).is_some());
        let own_id = f.id.is_some() || mapping::ID.iter().any(|n| top.get(n).is_some());
        drop(top);
        let mut rec = mapper.map_event(bytes, loc, index)?;
        if !own_id {
            // The capture id `<partition>/<seq>` is stabler than a generated one.
            rec.id = None;
        }
        return Ok((rec, own_stream));
    }
    let data = match std::str::from_utf8(bytes) {
        // JSON that is not an object (a number, an array) is kept as it is.
        Ok(text) => match serde_json::from_str::<&serde_json::value::RawValue>(text) {
            Ok(raw) => raw.get().to_string(),
            Err(_) => Value::String(text.to_string()).to_string(),
        },
        Err(_) => dollar_bytes(bytes),
    };
    Ok((opaque(data), false))
}

/// The value inside a union.
fn plain(v: Avro) -> Avro {
    match v {
        Avro::Union(_, inner) => plain(*inner),
        other => other,
    }
}

fn kind_name(v: &Avro) -> &'static str {
    match v {
        Avro::Null => "null",
        Avro::Boolean(_) => "boolean",
        Avro::Int(_) | Avro::Long(_) => "integer",
        Avro::Float(_) | Avro::Double(_) => "number",
        Avro::String(_) => "string",
        Avro::Map(_) | Avro::Record(_) => "map",
        Avro::Array(_) => "array",
        _ => "another Avro type",
    }
}

/// Avro values of Properties / SystemProperties as JSON (map keys sorted, so the
/// text does not depend on hash order; bytes as `{"$bytes": base64}`).
fn to_json(v: Avro) -> Value {
    match v {
        Avro::Null => Value::Null,
        Avro::Boolean(b) => Value::Bool(b),
        Avro::Int(n) => Value::from(n),
        Avro::Long(n) => Value::from(n),
        Avro::Float(f) => serde_json::Number::from_f64(f64::from(f)).map_or(Value::Null, Value::Number),
        Avro::Double(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Avro::String(s) | Avro::Enum(_, s) => Value::String(s),
        Avro::Bytes(b) | Avro::Fixed(_, b) => {
            let mut o = Map::new();
            o.insert("$bytes".to_string(), Value::String(BASE64.encode(b)));
            Value::Object(o)
        }
        Avro::Union(_, inner) => to_json(*inner),
        Avro::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Avro::Map(m) => {
            let mut entries: Vec<(String, Avro)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
        Avro::Record(fields) => Value::Object(fields.into_iter().map(|(k, v)| (k, to_json(v))).collect()),
        other => Value::String(format!("{other:?}")),
    }
}
