//! One Event Hubs Capture `EventData` Avro record as a [`Record`] (formats.md §7):
//! the body mapped as a CloudEvent, a JSON event, text or bytes; Properties and
//! the Capture fields in meta.

use apache_avro::Schema;
use serde_json::{Map, Value};

use super::avro_ocf::datum;
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

/// Decode one `EventData` record at the start of `b` by the writer schema (any
/// field order, extra fields skipped) and map it. The outer error means the bytes
/// could not be decoded (the rest of the block is lost); the inner one that the
/// record decoded but does not map (a bad record).
pub fn decode(
    mapper: &Mapper,
    schema: &Schema,
    b: &mut &[u8],
    partition: &str,
    loc: u64,
    index: u64,
) -> Result<Result<Record, String>, String> {
    let Schema::Record(r) = schema else {
        return Err("the writer schema is not a record".to_string());
    };
    let mut seq = None;
    let mut offset = None;
    let mut enqueued = None;
    let mut props = String::new();
    let mut system = String::new();
    let mut body = None;
    let mut skipped = String::new();
    for f in &r.fields {
        match f.name.as_str() {
            "SequenceNumber" => {
                seq = match datum::branch(&f.schema, b)? {
                    Schema::Long | Schema::Int => Some(datum::long(b)?),
                    Schema::Null => None,
                    other => return Err(format!("SequenceNumber of type {other:?}")),
                }
            }
            "EnqueuedTimeUtc" => {
                enqueued = match datum::branch(&f.schema, b)? {
                    Schema::String => Some(datum::string(b)?),
                    Schema::Null => None,
                    other => return Err(format!("EnqueuedTimeUtc of type {other:?}")),
                }
            }
            "Body" => {
                body = match datum::branch(&f.schema, b)? {
                    Schema::Bytes => Some(datum::bytes(b)?),
                    Schema::Null => None,
                    other => return Err(format!("Body of type {other:?}")),
                }
            }
            "Offset" => {
                let mut o = String::new();
                datum::json(&f.schema, b, &mut o)?;
                offset = Some(o);
            }
            "Properties" => datum::json(&f.schema, b, &mut props)?,
            "SystemProperties" => datum::json(&f.schema, b, &mut system)?,
            _ => {
                skipped.clear();
                datum::json(&f.schema, b, &mut skipped)?;
            }
        }
    }
    let fields = Fields {
        seq,
        offset,
        enqueued,
        props,
        system,
        body,
    };
    Ok(map(mapper, fields, partition, loc, index))
}

/// The decoded fields of one record, borrowing from its block.
struct Fields<'a> {
    seq: Option<i64>,
    /// As JSON text.
    offset: Option<String>,
    enqueued: Option<&'a str>,
    /// Properties and SystemProperties as JSON text.
    props: String,
    system: String,
    body: Option<&'a [u8]>,
}

fn map(mapper: &Mapper, f: Fields, partition: &str, loc: u64, index: u64) -> Result<Record, String> {
    let seq = f.seq.ok_or("EventData without a SequenceNumber")?;
    let enqueued = f.enqueued.ok_or("EventData without EnqueuedTimeUtc")?;
    let (offset, props, system, body) = (f.offset, f.props.as_str(), f.system.as_str(), f.body);
    let time = parse_en_us(enqueued).ok_or_else(|| format!("EnqueuedTimeUtc: not a time: {enqueued:?}"))?;

    let (mut rec, own_stream) = map_body(mapper, body, loc, index)?;
    if !own_stream {
        rec.stream = partition.to_string();
        rec.seq = Some(seq);
    }
    if rec.id.is_none() {
        rec.id = Some(format!("{partition}/{seq}"));
    }
    // Meta is written as text: this runs for every event of a large capture.
    let mut meta = String::with_capacity(160);
    let mut member = |name: &str, value: &str| {
        meta.push(if meta.is_empty() { '{' } else { ',' });
        meta.push('"');
        meta.push_str(name);
        meta.push_str("\":");
        meta.push_str(value);
    };
    if let Some(t) = rec.time.filter(|t| *t != time) {
        member("eventTime", &json_str(&crate::time::format_micros(t)));
    }
    member("partition", &json_str(partition));
    member("sequenceNumber", &seq.to_string());
    if let Some(o) = &offset {
        member("offset", o);
    }
    member("enqueuedTimeUtc", &json_str(enqueued));
    // Empty maps and absent fields are left out.
    if !matches!(props, "" | "{}" | "null") {
        member("properties", props);
    }
    if !matches!(system, "" | "{}" | "null") {
        member("systemProperties", system);
    }
    meta.push('}');
    rec.meta = match rec.meta.take() {
        None => Some(meta),
        Some(body_meta) => {
            let extra: Map<String, Value> = serde_json::from_str(&meta).map_err(|e| e.to_string())?;
            merge_meta(Some(&body_meta), extra)?
        }
    };
    rec.time = Some(time);
    rec.loc = loc;
    Ok(rec)
}

fn json_str(s: &str) -> String {
    Value::String(s.to_string()).to_string()
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
    if contains(bytes, b"\"specversion\"") {
        if let Ok(top) = TopLevel::parse(bytes) {
            if cloudevents::top_looks_like(&top) {
                return Ok((cloudevents::map_top(&top, loc)?, true));
            }
        }
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        let mapped = mapper.map_event(bytes, loc, index);
        if let Err(why) = &mapped {
            if TopLevel::parse(bytes).is_ok() {
                // A JSON object that does not map (a bad time, say) is a bad record.
                return Err(why.clone());
            }
        }
        if let Ok(mut rec) = mapped {
            // Did the body name its stream and id, or did the mapper fall back? Parse
            // again only when a fallback value shows up.
            let fallback_stream = rec.stream == "default";
            let generated = mapping::generated_id(&mapper.input_name, index);
            let fallback_id = rec.id.as_deref() == Some(generated.as_str());
            let (mut own_stream, mut own_id) = (true, true);
            if fallback_stream || fallback_id {
                let top = TopLevel::parse(bytes)?;
                let f = &mapper.fields;
                own_stream = f.stream.is_some() || mapping::STREAM.iter().any(|n| top.get(n).is_some());
                own_id = f.id.is_some() || mapping::ID.iter().any(|n| top.get(n).is_some());
            }
            if !own_id {
                // The capture id `<partition>/<seq>` is stabler than a generated one.
                rec.id = None;
            }
            return Ok((rec, own_stream));
        }
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

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}
