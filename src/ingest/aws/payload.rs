//! A Kinesis or Firehose payload → a record (docs/formats.md §4, docs/model.md §1): JSON is
//! mapped by the field mapping, a Kinesis-for-DynamoDB record as a stream record
//! (§3); gzip (CloudWatch Logs subscriptions) is undone first; anything else stays
//! in the timeline as `{"$bytes": "<base64>"}`, and a JSON payload that does not map
//! as `{"$undecodable", "$error"}` with a warning.

use std::io::Read;

use flate2::read::MultiGzDecoder;

use super::{attr, stream_rec};
use crate::ingest::framing::MAX_RECORD;
use crate::ingest::mapping::{self, TopLevel};
use crate::ingest::{undecodable, SourceConfig};
use crate::model::Record;

/// Where the payload came from, for the fields it does not carry itself.
pub struct Origin<'a> {
    /// The stream when the payload names none (the Kinesis partition key).
    pub partition_key: Option<&'a str>,
    /// The table of a DynamoDB record that names none.
    pub table: &'a str,
}

/// Map one payload. A JSON payload the mapping rejects is kept raw, with a warning.
pub fn map(bytes: &[u8], cfg: &SourceConfig, index: u64, origin: &Origin) -> Result<Record, String> {
    let unzipped;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        match gunzip(bytes) {
            Some(b) => {
                unzipped = b;
                &unzipped[..]
            }
            None => bytes,
        }
    } else {
        bytes
    };
    let mut rec = match TopLevel::parse(bytes) {
        Ok(top) if top.get("eventName").is_some() && top.get("dynamodb").is_some() => {
            let mapped = std::str::from_utf8(bytes)
                .map_err(|e| e.to_string())
                .and_then(|text| stream_rec::to_record(text, cfg, origin.table, index));
            match mapped {
                Ok(r) => return Ok(r),
                Err(why) => undecodable(bytes, format!("DynamoDB record in the payload: {why}"), cfg, index),
            }
        }
        Ok(_) => match cfg.mapper.map_event(bytes, 0, index) {
            Ok(r) => r,
            Err(why) => undecodable(bytes, format!("payload: {why}"), cfg, index),
        },
        Err(_) => {
            let data = match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
                Ok(_) => String::from_utf8_lossy(bytes).trim().to_string(),
                Err(_) => {
                    let mut d = String::from("{\"$bytes\":");
                    attr::write_str(&mut d, &attr::encode_base64(bytes));
                    d.push('}');
                    d
                }
            };
            Record {
                stream: "default".into(),
                ty: "event".into(),
                id: Some(mapping::generated_id(&cfg.mapper.input_name, index)),
                data,
                ..Record::default()
            }
        }
    };
    if rec.stream == "default" {
        if let Some(pk) = origin.partition_key {
            rec.stream = pk.to_string();
        }
    }
    Ok(rec)
}

/// A record whose payload is kept raw (`{"$undecodable", "$error"}`) with a warning:
/// its envelope (sequence number, shard, partition key) still places it.
pub fn undecodable(raw: &[u8], why: String, cfg: &SourceConfig, index: u64) -> Record {
    Record {
        stream: "default".into(),
        ty: "event".into(),
        id: Some(mapping::generated_id(&cfg.mapper.input_name, index)),
        data: undecodable::data(raw, &why),
        warning: Some(format!("payload kept undecoded: {why}")),
        ..Record::default()
    }
}

/// Undo gzip, bounded like any record; `None` when it is not valid gzip.
fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes)
        .take(MAX_RECORD as u64 + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() <= MAX_RECORD).then_some(out)
}
