//! AWS inputs (docs/formats.md §3, §4): DynamoDB Export to S3 folders (full and
//! incremental), DynamoDB Streams records, Kinesis Data Streams records (incl.
//! KPL aggregation and Kinesis for DynamoDB), Firehose transformation events and
//! Firehose S3 prefixes.

pub mod attr;
mod envelope;
mod export;
mod files;
mod firehose;
mod item;
#[doc(hidden)] // for src/fuzzing.rs
pub mod kinesis;
pub mod kpl;
#[doc(hidden)]
pub mod payload;
#[doc(hidden)]
pub mod stream_rec;

use std::path::Path;

use anyhow::Result;
use serde_json::Value;

use super::{Family, Format, Peek, Source, SourceConfig};

pub struct Aws;

pub static AWS: Aws = Aws;

impl Family for Aws {
    fn detect(&self, peek: &Peek) -> Option<Format> {
        if peek.is_dir {
            if !export::find_exports(peek.path).is_empty() {
                return Some(Format::DynamodbExport);
            }
            if firehose::is_prefix(peek.path) {
                return Some(Format::Firehose);
            }
            return None;
        }
        match &peek.first {
            Some(v) => detect_value(v),
            // The first value is larger than the peek (a big Lambda event or page).
            None => detect_head(&peek.head),
        }
    }

    fn covers(&self, dir: &Path, format: Format) -> bool {
        match format {
            // Other files beside the objects are someone else's: read the union.
            Format::Firehose => crate::ingest::folder::all_files(dir, firehose::is_object),
            _ => true,
        }
    }

    fn formats(&self) -> &'static [Format] {
        &[
            Format::DynamodbExport,
            Format::DynamodbStream,
            Format::Kinesis,
            Format::Firehose,
        ]
    }

    fn open(&self, path: &Path, format: Format, cfg: SourceConfig) -> Result<Box<dyn Source>> {
        Ok(match format {
            Format::DynamodbExport => Box::new(export::ExportSource::open(path, cfg)?),
            Format::DynamodbStream => Box::new(envelope::EnvelopeSource::open(path, envelope::Family::Stream, cfg)?),
            Format::Kinesis => Box::new(envelope::EnvelopeSource::open(path, envelope::Family::Kinesis, cfg)?),
            Format::Firehose => Box::new(firehose::FirehoseSource::open(path, cfg)?),
            other => anyhow::bail!("the AWS decoders do not read {}", other.name()),
        })
    }
}

/// The format of a JSON input from its first value: an envelope
/// (`{"Records": [...]}`, `{"records": [...]}`) or one record of a JSON-lines file.
fn detect_value(v: &Value) -> Option<Format> {
    if v.get("exportArn").is_some() && v.get("manifestFilesS3Key").is_some() {
        return Some(Format::DynamodbExport);
    }
    // One data file of an export: `{"Item": …}` lines (full) or `{"Metadata", "Keys", …}` (incremental).
    if v.get("Item").is_some_and(attr::looks_like_item)
        || (v
            .get("Metadata")
            .is_some_and(|m| m.get("WriteTimestampMicros").is_some())
            && v.get("Keys").is_some_and(attr::looks_like_item))
    {
        return Some(Format::DynamodbExport);
    }
    if let Some(records) = v.get("Records").and_then(Value::as_array) {
        return match records.first() {
            Some(r) => detect_record(r),
            // An empty page: Kinesis says how far behind it is, DynamoDB Streams does not.
            None if v.get("MillisBehindLatest").is_some() => Some(Format::Kinesis),
            None if v.get("NextShardIterator").is_some() => Some(Format::DynamodbStream),
            None => None,
        };
    }
    if let Some(records) = v.get("records").and_then(Value::as_array) {
        let firehose = v.get("invocationId").is_some() || v.get("deliveryStreamArn").is_some();
        let shaped = records
            .first()
            .is_some_and(|r| r.get("recordId").is_some() && r.get("data").is_some());
        return (firehose && (shaped || records.is_empty())).then_some(Format::Kinesis);
    }
    detect_record(v)
}

fn detect_record(r: &Value) -> Option<Format> {
    // Kinesis Data Streams for DynamoDB records saved one per line read as stream records.
    if stream_rec::looks_like(r) {
        return Some(Format::DynamodbStream);
    }
    if r.get("kinesis").is_some_and(|k| k.get("data").is_some()) {
        return Some(Format::Kinesis);
    }
    let has = |k: &str| r.get(k).is_some();
    if has("SequenceNumber") && has("Data") && has("PartitionKey") {
        return Some(Format::Kinesis);
    }
    None
}

/// Detection when the first value does not fit the peek: look at the text.
fn detect_head(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start();
    if !t.starts_with('{') {
        return None;
    }
    let has = |s: &str| t.contains(s);
    if has("\"Records\"") {
        if has("\"kinesis\"") && has("\"sequenceNumber\"") {
            return Some(Format::Kinesis);
        }
        if has("\"dynamodb\"") && has("\"eventName\"") {
            return Some(Format::DynamodbStream);
        }
        if has("\"SequenceNumber\"") && has("\"PartitionKey\"") && has("\"Data\"") {
            return Some(Format::Kinesis);
        }
    }
    if has("\"records\"") && has("\"recordId\"") && has("\"invocationId\"") {
        return Some(Format::Kinesis);
    }
    None
}

/// The unit of an epoch number.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Unit {
    Seconds,
    Millis,
    Micros,
}

/// An epoch time in `unit` (a JSON number or numeric string, fractions allowed),
/// or an RFC 3339 string, as UTC µs. Decimal digits are converted exactly.
pub fn epoch_micros(v: &Value, unit: Unit) -> Option<i64> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => match crate::time::parse_rfc3339(s) {
            Some(us) => return Some(us),
            None => s.trim().to_string(),
        },
        _ => return None,
    };
    let scale: u32 = match unit {
        Unit::Seconds => 6,
        Unit::Millis => 3,
        Unit::Micros => 0,
    };
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text.as_str()),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        // Exponent forms: rare, accept through f64.
        let f: f64 = text.parse().ok()?;
        let us = f * 10f64.powi(scale as i32);
        return (us.is_finite() && us.abs() < 9.0e18).then_some(us.round() as i64);
    }
    let mut us: i128 = int.parse::<i128>().ok()?.checked_mul(10i128.pow(scale))?;
    let digits = frac.get(..(scale as usize).min(frac.len())).unwrap_or("");
    if !digits.is_empty() {
        let pad = scale - digits.len() as u32;
        us += digits.parse::<i128>().ok()? * 10i128.pow(pad);
    }
    if neg {
        us = -us;
    }
    i64::try_from(us).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_values_convert_exactly() {
        let n = |s: &str| serde_json::from_str::<Value>(s).expect("json");
        assert_eq!(
            epoch_micros(&n("1480641523.477"), Unit::Seconds),
            Some(1_480_641_523_477_000)
        );
        assert_eq!(
            epoch_micros(&n("1693997155.0"), Unit::Seconds),
            Some(1_693_997_155_000_000)
        );
        assert_eq!(
            epoch_micros(&n("1507217624302"), Unit::Millis),
            Some(1_507_217_624_302_000)
        );
        assert_eq!(
            epoch_micros(&n("1680109764123456"), Unit::Micros),
            Some(1_680_109_764_123_456)
        );
        assert_eq!(
            epoch_micros(&n("\"2026-11-23T10:00:00.5+01:00\""), Unit::Seconds),
            crate::time::parse_rfc3339("2026-11-23T09:00:00.5Z")
        );
        assert_eq!(
            epoch_micros(&n("\"1480641523\""), Unit::Seconds),
            Some(1_480_641_523_000_000)
        );
        assert_eq!(epoch_micros(&n("\"soon\""), Unit::Seconds), None);
        assert_eq!(epoch_micros(&n("1e400"), Unit::Seconds), None);
    }
}
