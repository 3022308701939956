//! One Kinesis record (docs/formats.md §4) in any of its saved shapes → records:
//! GetRecords output (`SequenceNumber`, `Data`, …), a Lambda Kinesis event record
//! (`kinesis.{sequenceNumber, data, …}`, `eventID` `shardId-…:<seq>`), a Firehose
//! transformation record (`recordId`, `data`, `kinesisRecordMetadata`). `Data` is
//! base64; KPL aggregates are split into their user records.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::payload::{self, Origin};
use super::{attr, epoch_micros, kpl, stream_rec, Unit};
use crate::ingest::{order, SourceConfig};
use crate::model::Record;

#[derive(Deserialize, Default)]
struct Shape {
    // GetRecords output.
    #[serde(rename = "SequenceNumber")]
    sequence_number: Option<String>,
    #[serde(rename = "ApproximateArrivalTimestamp")]
    arrival: Option<Value>,
    #[serde(rename = "Data")]
    data_upper: Option<String>,
    #[serde(rename = "PartitionKey")]
    partition_key: Option<String>,
    #[serde(rename = "ExplicitHashKey")]
    explicit_hash_key: Option<String>,
    // Lambda event record.
    kinesis: Option<Lambda>,
    #[serde(rename = "eventID")]
    event_id: Option<String>,
    #[serde(rename = "eventSourceARN")]
    event_source_arn: Option<String>,
    // Firehose transformation record.
    #[serde(rename = "recordId")]
    record_id: Option<String>,
    #[serde(rename = "approximateArrivalTimestamp")]
    arrival_ms: Option<Value>,
    data: Option<String>,
    #[serde(rename = "kinesisRecordMetadata")]
    metadata: Option<FirehoseMeta>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lambda {
    partition_key: Option<String>,
    sequence_number: Option<String>,
    data: Option<String>,
    approximate_arrival_timestamp: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FirehoseMeta {
    shard_id: Option<String>,
    partition_key: Option<String>,
    sequence_number: Option<String>,
    subsequence_number: Option<Value>,
}

/// The common fields of every shape.
struct Common {
    data: String,
    partition_key: Option<String>,
    seq: Option<String>,
    sub: Option<u64>,
    shard: Option<String>,
    arrival: Option<(i64, Value)>,
    record_id: Option<String>,
    source_arn: Option<String>,
    explicit_hash_key: Option<String>,
}

fn common(s: Shape) -> Result<Common, String> {
    let time = |v: Option<Value>, unit: Unit| -> Result<Option<(i64, Value)>, String> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(v) => epoch_micros(&v, unit)
                .map(|us| Some((us, v.clone())))
                .ok_or_else(|| format!("approximateArrivalTimestamp: not a time: {v}")),
        }
    };
    if let Some(k) = s.kinesis {
        let shard = s
            .event_id
            .as_deref()
            .and_then(|id| id.split_once(':'))
            .map(|(sh, _)| sh.to_string());
        return Ok(Common {
            data: k.data.ok_or("kinesis record has no data")?,
            partition_key: k.partition_key,
            seq: k.sequence_number,
            sub: None,
            shard,
            arrival: time(k.approximate_arrival_timestamp, Unit::Seconds)?,
            record_id: None,
            source_arn: s.event_source_arn,
            explicit_hash_key: None,
        });
    }
    if let Some(data) = s.data_upper {
        return Ok(Common {
            data,
            partition_key: s.partition_key,
            seq: s.sequence_number,
            sub: None,
            shard: None,
            arrival: time(s.arrival, Unit::Seconds)?,
            record_id: None,
            source_arn: None,
            explicit_hash_key: s.explicit_hash_key,
        });
    }
    if let Some(data) = s.data {
        let m = s.metadata;
        let sub = match m.as_ref().and_then(|m| m.subsequence_number.as_ref()) {
            // LGO writes it as a number, SAM as a string.
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(t)) => t.parse().ok(),
            _ => None,
        };
        return Ok(Common {
            data,
            partition_key: m.as_ref().and_then(|m| m.partition_key.clone()),
            seq: m.as_ref().and_then(|m| m.sequence_number.clone()),
            sub,
            shard: m.and_then(|m| m.shard_id),
            arrival: time(s.arrival_ms, Unit::Millis)?,
            record_id: s.record_id,
            source_arn: None,
            explicit_hash_key: None,
        });
    }
    Err("not a Kinesis record: no Data, kinesis.data or data".into())
}

/// Map one Kinesis record; `next_index` numbers the records for generated ids.
pub fn map(text: &str, cfg: &SourceConfig, table: &str, next_index: &mut u64) -> Result<Vec<Record>, String> {
    let shape: Shape = serde_json::from_str(text).map_err(|e| crate::ingest::mapping::describe_json_error(&e))?;
    let c = common(shape)?;
    let pk = c.partition_key.clone();
    let kept_raw = |raw: &[u8], why: String, next_index: &mut u64| -> Result<Vec<Record>, String> {
        let index = *next_index;
        *next_index += 1;
        let mut r = payload::undecodable(raw, why, cfg, index);
        if let Some(pk) = &pk {
            r.stream = pk.clone();
        }
        Ok(vec![place(r, &c, c.sub, pk.as_deref(), cfg, index)?])
    };
    let bytes = match attr::decode_base64(&c.data) {
        Ok(b) => b,
        Err(e) => return kept_raw(c.data.as_bytes(), format!("data: {e}"), next_index),
    };
    let mut out = Vec::new();
    if kpl::is_aggregated(&bytes) {
        let users = match kpl::split(&bytes) {
            Ok(users) => users,
            Err(why) => return kept_raw(&bytes, format!("KPL aggregate: {why}"), next_index),
        };
        for (i, user) in users.into_iter().enumerate() {
            let sub = i as u64;
            out.push(one(
                &user.data,
                &c,
                Some(sub),
                Some(&user.partition_key),
                cfg,
                table,
                next_index,
            )?);
        }
    } else {
        out.push(one(
            &bytes,
            &c,
            c.sub,
            c.partition_key.as_deref(),
            cfg,
            table,
            next_index,
        )?);
    }
    Ok(out)
}

fn one(
    bytes: &[u8],
    c: &Common,
    sub: Option<u64>,
    partition_key: Option<&str>,
    cfg: &SourceConfig,
    table: &str,
    next_index: &mut u64,
) -> Result<Record, String> {
    let index = *next_index;
    *next_index += 1;
    let r = payload::map(bytes, cfg, index, &Origin { partition_key, table })?;
    place(r, c, sub, partition_key, cfg, index)
}

/// Give a mapped payload its place from the envelope: id, dedupe key, arrival time,
/// `meta.kinesis` and the order key.
fn place(
    mut r: Record,
    c: &Common,
    sub: Option<u64>,
    partition_key: Option<&str>,
    cfg: &SourceConfig,
    index: u64,
) -> Result<Record, String> {
    let own = stream_rec::own_id(&r, cfg, index);
    // The record's place in its shard: the same record read twice has the same one.
    let place = c.seq.as_ref().map(|seq| {
        let mut p = format!("{}:{seq}", c.shard.as_deref().unwrap_or(""));
        if let Some(s) = sub {
            p.push_str(&format!(":{s}"));
        }
        p
    });
    if own.is_none() {
        if let Some(p) = place.as_ref().or(c.record_id.as_ref()) {
            r.id = Some(p.clone());
        }
    }
    if r.dedupe.is_none() {
        r.dedupe = own.or(place);
    }
    if r.time.is_none() {
        r.time = c.arrival.as_ref().map(|(us, _)| *us);
    }
    let mut k = Map::new();
    let mut put = |key: &str, v: Option<Value>| {
        if let Some(v) = v {
            k.insert(key.to_string(), v);
        }
    };
    put("partitionKey", partition_key.map(Value::from));
    put("sequenceNumber", c.seq.clone().map(Value::from));
    put("subsequenceNumber", sub.map(Value::from));
    put("shardId", c.shard.clone().map(Value::from));
    put(
        "approximateArrivalTimestamp",
        c.arrival.as_ref().map(|(_, v)| v.clone()),
    );
    put("eventSourceARN", c.source_arn.clone().map(Value::from));
    put("recordId", c.record_id.clone().map(Value::from));
    put("explicitHashKey", c.explicit_hash_key.clone().map(Value::from));
    r.meta = Some(stream_rec::merge_meta(r.meta.as_deref(), "kinesis", Value::Object(k))?);
    let seq_key = c.seq.as_deref().and_then(order::decimal).unwrap_or_default();
    r.okey = Some(order::tuple(&[
        c.shard.as_deref().unwrap_or("").as_bytes(),
        &seq_key,
        &order::int(sub.map_or(-1, |s| s as i64)),
    ]));
    Ok(r)
}
