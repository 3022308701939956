//! One DynamoDB Streams record (docs/formats.md §3) → a record: INSERT/MODIFY → image of
//! `NewImage`, REMOVE → delete, no `NewImage` (KEYS_ONLY, OLD_IMAGE views) → an
//! event with data `{}`, which stays in the timeline and merges nothing into the
//! item's state. Also reads Kinesis Data Streams for DynamoDB records (`tableName`,
//! `ApproximateCreationDateTime` in ms or µs).

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{attr, epoch_micros, item, Unit};
use crate::ingest::{mapping, order, SourceConfig};
use crate::model::{Kind, Record};

#[derive(Deserialize)]
struct StreamRecord<'a> {
    #[serde(rename = "eventID")]
    event_id: Option<String>,
    #[serde(rename = "eventName")]
    event_name: Option<String>,
    #[serde(rename = "eventSourceARN")]
    arn: Option<String>,
    #[serde(rename = "awsRegion")]
    region: Option<String>,
    #[serde(rename = "tableName")]
    table_name: Option<String>,
    #[serde(rename = "userIdentity")]
    user_identity: Option<Value>,
    #[serde(borrow)]
    dynamodb: Option<Dynamodb<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Dynamodb<'a> {
    approximate_creation_date_time: Option<Value>,
    approximate_creation_date_time_precision: Option<String>,
    #[serde(borrow)]
    keys: Option<&'a RawValue>,
    #[serde(borrow)]
    new_image: Option<&'a RawValue>,
    #[serde(borrow)]
    old_image: Option<&'a RawValue>,
    sequence_number: Option<String>,
    size_bytes: Option<Value>,
    stream_view_type: Option<String>,
}

/// Is this JSON object a DynamoDB stream record (`eventName` + `dynamodb`)?
pub fn looks_like(v: &Value) -> bool {
    v.get("eventName").is_some_and(Value::is_string) && v.get("dynamodb").is_some_and(Value::is_object)
}

/// Map one stream record. `table` names the table when the record's ARN and
/// `tableName` do not. The okey orders by `SequenceNumber` as an integer.
pub fn to_record(text: &str, cfg: &SourceConfig, table: &str, index: u64) -> Result<Record, String> {
    let r: StreamRecord = serde_json::from_str(text).map_err(|e| mapping::describe_json_error(&e))?;
    let d = r.dynamodb.ok_or("stream record has no \"dynamodb\" member")?;
    let name = r.event_name.as_deref().ok_or("stream record has no eventName")?;
    let table = r
        .table_name
        .as_deref()
        .or_else(|| r.arn.as_deref().and_then(item::table_from_arn))
        .unwrap_or(table);
    let keys = match d.keys {
        Some(k) => item::keys_of(k.get(), cfg)?,
        None => return Err("stream record has no dynamodb.Keys".into()),
    };
    let stream = item::stream_name(table, &keys);

    // Streams give epoch seconds; Kinesis for DynamoDB gives ms, or µs when it says so.
    let unit = match (
        r.table_name.is_some(),
        d.approximate_creation_date_time_precision.as_deref(),
    ) {
        (_, Some("MICROSECOND")) => Unit::Micros,
        (true, _) | (_, Some("MILLISECOND")) => Unit::Millis,
        _ => Unit::Seconds,
    };
    let time = match &d.approximate_creation_date_time {
        Some(v) => {
            Some(epoch_micros(v, unit).ok_or_else(|| format!("ApproximateCreationDateTime: not an epoch time: {v}"))?)
        }
        None => None,
    };

    let new = d
        .new_image
        .map(|r| attr::convert_item(r.get()))
        .transpose()
        .map_err(|e| format!("NewImage: {e}"))?;
    let old = d
        .old_image
        .map(|r| attr::item_to_json(r.get()))
        .transpose()
        .map_err(|e| format!("OldImage: {e}"))?;

    let ttl = r.user_identity.as_ref().is_some_and(|u| {
        u.get("principalId").and_then(Value::as_str) == Some("dynamodb.amazonaws.com")
            && u.get("type").and_then(Value::as_str).is_none_or(|t| t == "Service")
    });
    let mut meta = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            meta.insert(k.to_string(), v);
        }
    };
    put("eventName", Some(Value::from(name)));
    put("eventSourceARN", r.arn.clone().map(Value::from));
    put("awsRegion", r.region.map(Value::from));
    put("SequenceNumber", d.sequence_number.clone().map(Value::from));
    put("StreamViewType", d.stream_view_type.map(Value::from));
    put("SizeBytes", d.size_bytes);
    put("ApproximateCreationDateTime", d.approximate_creation_date_time);
    put(
        "Keys",
        Some(Value::Object(keys.iter().cloned().collect::<Map<String, Value>>())),
    );
    if let Some(o) = &old {
        put("OldImage", Some(serde_json::from_str(o).map_err(|e| e.to_string())?));
    }
    put("userIdentity", r.user_identity);
    if ttl && name == "REMOVE" {
        put("ttlDelete", Some(Value::Bool(true)));
    }

    let mut rec = match (name, new) {
        ("INSERT", Some(conv)) if item::is_event(&conv, cfg) => {
            // An event table: the new item is the event (docs/formats.md §3).
            let mut e = item::event_record(&conv, cfg, index, time)?;
            e.meta = Some(merge_meta(e.meta.as_deref(), "dynamodb", Value::Object(meta))?);
            e.dedupe = own_id(&e, cfg, index);
            e.okey = d.sequence_number.as_deref().and_then(order::decimal);
            return Ok(e);
        }
        ("INSERT" | "MODIFY", Some(conv)) => Record {
            kind: Kind::Image,
            data: conv.json,
            ..Record::default()
        },
        ("INSERT" | "MODIFY", None) => Record {
            kind: Kind::Event,
            data: "{}".into(),
            ..Record::default()
        },
        ("REMOVE", _) => Record {
            kind: Kind::Delete,
            data: old.unwrap_or_else(|| "null".into()),
            ..Record::default()
        },
        (other, _) => {
            return Err(format!(
                "unknown eventName {} (expected INSERT, MODIFY or REMOVE)",
                crate::sanitize::quote(other)
            ))
        }
    };
    rec.stream = stream;
    rec.ty = name.to_string();
    rec.time = time;
    rec.id = Some(
        r.event_id
            .clone()
            .unwrap_or_else(|| mapping::generated_id(&cfg.mapper.input_name, index)),
    );
    rec.dedupe = r.event_id;
    rec.meta = Some(Value::Object(meta).to_string());
    rec.okey = d.sequence_number.as_deref().and_then(order::decimal);
    Ok(rec)
}

/// The record's id when the payload gave one (not generated from its place).
pub fn own_id(r: &Record, cfg: &SourceConfig, index: u64) -> Option<String> {
    r.id.clone()
        .filter(|id| *id != mapping::generated_id(&cfg.mapper.input_name, index))
}

/// Add `key: value` to a record's meta (an object; other meta is kept under "meta").
pub fn merge_meta(meta: Option<&str>, key: &str, value: Value) -> Result<String, String> {
    let mut m = match meta {
        Some(text) => match serde_json::from_str::<Value>(text).map_err(|e| e.to_string())? {
            Value::Object(o) => o,
            other => {
                let mut o = Map::new();
                o.insert("meta".to_string(), other);
                o
            }
        },
        None => Map::new(),
    };
    m.insert(key.to_string(), value);
    Ok(Value::Object(m).to_string())
}

/// A meta object of the given members, leaving out nulls.
pub fn meta_of(members: &[(&str, Value)]) -> String {
    let m: Map<String, Value> = members
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    Value::Object(m).to_string()
}
