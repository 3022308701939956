//! One Event Hubs Capture `EventData` Avro record as a [`Record`] (docs/formats.md §7):
//! the body mapped as a CloudEvent, a JSON event, text or bytes; Properties and
//! the Capture fields in meta.

use apache_avro::schema::SchemaKind;
use apache_avro::Schema;
use serde_json::{Map, Value};

use super::avro_ocf::datum;
use super::cloudevents::{self, dollar_bytes};
use super::merge_meta;
use super::us_time::parse_en_us;
use crate::ingest::mapping::{self, Mapper, TopLevel};
use crate::ingest::undecodable;
use crate::model::{Kind, Record};
use crate::sanitize::quote;

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

/// Buffers reused from record to record: the JSON text of the fields that go to
/// meta as they are.
#[derive(Default)]
pub struct Scratch {
    offset: String,
    props: String,
    system: String,
    skipped: String,
}

/// The partition a record came from: its name (the stream of bodies that name
/// none) and that name as a JSON string, escaped once.
pub struct PartitionName {
    pub name: String,
    quoted: String,
}

impl PartitionName {
    pub fn new(name: String) -> PartitionName {
        let mut quoted = String::new();
        datum::json_string(&mut quoted, &name);
        PartitionName { name, quoted }
    }
}

/// Decode one `EventData` record at the start of `b` by the writer schema (any
/// field order, extra fields skipped) and map it. The outer error means the bytes
/// could not be decoded (the rest of the block is lost); the inner one that the
/// record decoded but does not map (a bad record).
pub fn decode(
    mapper: &Mapper,
    schema: &Schema,
    b: &mut &[u8],
    partition: &PartitionName,
    (loc, index): (u64, u64),
    scratch: &mut Scratch,
) -> Result<Result<Record, String>, String> {
    let Schema::Record(r) = schema else {
        return Err("the writer schema is not a record".to_string());
    };
    let mut seq = None;
    let mut has_offset = false;
    let mut enqueued = None;
    let mut body = None;
    scratch.props.clear();
    scratch.system.clear();
    for f in &r.fields {
        match f.name.as_str() {
            "SequenceNumber" => {
                seq = match datum::branch(&f.schema, b)? {
                    Schema::Long | Schema::Int => Some(datum::long(b)?),
                    Schema::Null => None,
                    other => return Err(format!("SequenceNumber of type {:?}", SchemaKind::from(other))),
                }
            }
            "EnqueuedTimeUtc" => {
                enqueued = match datum::branch(&f.schema, b)? {
                    Schema::String => Some(datum::string(b)?),
                    Schema::Null => None,
                    other => return Err(format!("EnqueuedTimeUtc of type {:?}", SchemaKind::from(other))),
                }
            }
            "Body" => {
                body = match datum::branch(&f.schema, b)? {
                    Schema::Bytes => Some(datum::bytes(b)?),
                    Schema::Null => None,
                    other => return Err(format!("Body of type {:?}", SchemaKind::from(other))),
                }
            }
            "Offset" => {
                scratch.offset.clear();
                datum::json(&f.schema, b, &mut scratch.offset)?;
                has_offset = true;
            }
            "Properties" => datum::json(&f.schema, b, &mut scratch.props)?,
            "SystemProperties" => datum::json(&f.schema, b, &mut scratch.system)?,
            _ => {
                scratch.skipped.clear();
                datum::json(&f.schema, b, &mut scratch.skipped)?;
            }
        }
    }
    let fields = Fields {
        seq,
        offset: has_offset.then_some(scratch.offset.as_str()),
        enqueued,
        props: &scratch.props,
        system: &scratch.system,
        body,
    };
    Ok(map(mapper, fields, partition, loc, index))
}

/// The decoded fields of one record, borrowing from its block and the scratch.
struct Fields<'a> {
    seq: Option<i64>,
    /// As JSON text.
    offset: Option<&'a str>,
    enqueued: Option<&'a str>,
    /// Properties and SystemProperties as JSON text.
    props: &'a str,
    system: &'a str,
    body: Option<&'a [u8]>,
}

fn map(mapper: &Mapper, f: Fields, partition: &PartitionName, loc: u64, index: u64) -> Result<Record, String> {
    use std::fmt::Write;
    let seq = f.seq.ok_or("EventData without a SequenceNumber")?;
    let enqueued = f.enqueued.ok_or("EventData without EnqueuedTimeUtc")?;
    let time = parse_en_us(enqueued).ok_or_else(|| format!("EnqueuedTimeUtc: not a time: {}", quote(enqueued)))?;

    let declared = || content_type(f.props).or_else(|| content_type(f.system));
    let (mut rec, own_stream) = map_body(mapper, f.body, loc, index, &declared)?;
    if !own_stream {
        rec.stream = partition.name.clone();
        rec.seq = Some(seq);
    }
    if rec.id.is_none() {
        rec.id = Some(format!("{}/{seq}", partition.name));
    }
    // Meta is written as text into one buffer sized for it: this runs for every
    // event of a large capture. Empty maps and absent fields are left out.
    let props = (!matches!(f.props, "" | "{}" | "null")).then_some(f.props);
    let system = (!matches!(f.system, "" | "{}" | "null")).then_some(f.system);
    let size = 100
        + partition.quoted.len()
        + enqueued.len()
        + f.offset.map_or(0, str::len)
        + props.map_or(0, str::len)
        + system.map_or(0, str::len);
    let mut meta = String::with_capacity(size);
    meta.push('{');
    if let Some(t) = rec.time.filter(|t| *t != time) {
        meta.push_str("\"eventTime\":");
        datum::json_string(&mut meta, &crate::time::format_micros(t));
        meta.push(',');
    }
    meta.push_str("\"partition\":");
    meta.push_str(&partition.quoted);
    let _ = write!(meta, ",\"sequenceNumber\":{seq}");
    if let Some(o) = f.offset {
        meta.push_str(",\"offset\":");
        meta.push_str(o);
    }
    meta.push_str(",\"enqueuedTimeUtc\":");
    datum::json_string(&mut meta, enqueued);
    if let Some(p) = props {
        meta.push_str(",\"properties\":");
        meta.push_str(p);
    }
    if let Some(s) = system {
        meta.push_str(",\"systemProperties\":");
        meta.push_str(s);
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

/// The `content-type` of a Properties or SystemProperties map given as JSON text.
fn content_type(map: &str) -> Option<String> {
    if !map.contains("ontent") {
        return None;
    }
    let v: Value = serde_json::from_str(map).ok()?;
    ["content-type", "ContentType", "contentType", "content_type"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

/// The body as a record: a CloudEvent (§6), a JSON event (docs/model.md §1), or
/// opaque data. Also says whether the body named its own stream. A body that does
/// not decode as what it says it is (a CloudEvent or JSON object the mapping
/// rejects, text under a JSON content type) is kept raw with a warning.
fn map_body(
    mapper: &Mapper,
    body: Option<&[u8]>,
    loc: u64,
    index: u64,
    declared: &dyn Fn() -> Option<String>,
) -> Result<(Record, bool), String> {
    let opaque = |data: String| Record {
        ty: "EventData".to_string(),
        kind: Kind::Event,
        data,
        ..Record::default()
    };
    let kept_raw = |bytes: &[u8], why: String| Record {
        warning: Some(format!("payload kept undecoded: {why}")),
        ..opaque(undecodable::data(bytes, &why))
    };
    let Some(bytes) = body else {
        return Ok((opaque("null".to_string()), false));
    };
    if contains(bytes, b"\"specversion\"") {
        if let Ok(top) = TopLevel::parse(bytes) {
            if cloudevents::top_looks_like(&top) {
                return Ok(match cloudevents::map_top(&top, loc) {
                    Ok(r) => (r, true),
                    Err(why) => (kept_raw(bytes, format!("CloudEvent body: {why}")), false),
                });
            }
        }
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        let mapped = mapper.map_event(bytes, loc, index);
        if let Err(why) = &mapped {
            if TopLevel::parse(bytes).is_ok() {
                // A JSON object that does not map (a bad time, say).
                return Ok((kept_raw(bytes, format!("body: {why}")), false));
            }
        }
        if let Ok(mut rec) = mapped {
            // Did the body name its stream and id, or did the mapper fall back? Parse
            // again only when a fallback value shows up.
            let fallback_stream = rec.stream == "default";
            // A generated id is 16 hex digits: only such an id is worth comparing.
            let fallback_id = rec
                .id
                .as_deref()
                .is_some_and(|id| id.len() == 16 && id == mapping::generated_id(&mapper.input_name, index).as_str());
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
    let json = serde_json::from_slice::<&serde_json::value::RawValue>(bytes);
    if let Err(e) = &json {
        if let Some(t) = declared().filter(|t| cloudevents::is_json_type(t)) {
            let why = format!("body: content type {} but the body is not JSON: {e}", quote(&t));
            return Ok((kept_raw(bytes, why), false));
        }
    }
    let data = match (json, std::str::from_utf8(bytes)) {
        // JSON that is not an object (a number, an array) is kept as it is.
        (Ok(raw), _) => raw.get().to_string(),
        (Err(_), Ok(text)) => Value::String(text.to_string()).to_string(),
        (Err(_), Err(_)) => dollar_bytes(bytes),
    };
    Ok((opaque(data), false))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}
