//! Entry points for the coverage-guided fuzz targets in `fuzz/` into decoders the
//! public API does not reach without a file. Thin on purpose: each function feeds
//! one decoder and drops its output; no logic lives here. Not a stable API.

use crate::ingest::aws::{kinesis, payload, stream_rec};
use crate::ingest::azure::avro_ocf::{datum, OcfReader};
use crate::ingest::azure::event_data;
use crate::ingest::mapping::Mapper;
use crate::ingest::SourceConfig;

/// An Avro object container file: header (writer schema parsed by apache-avro),
/// blocks, every record decoded to JSON by the writer schema.
pub fn avro_ocf(bytes: &[u8]) {
    let Ok(mut r) = OcfReader::open(bytes) else { return };
    while let Ok(Some(_)) = r.next(|schema, b| {
        let mut out = String::new();
        datum::json(schema, b, &mut out).map(|()| out)
    }) {}
}

/// An Event Hubs Capture file: every `EventData` record decoded and mapped.
pub fn capture(bytes: &[u8], mapper: &Mapper) {
    let Ok(mut r) = OcfReader::open(bytes) else { return };
    if event_data::check_schema(&r.schema).is_err() {
        return;
    }
    let name = event_data::PartitionName::new("0".to_string());
    let mut scratch = event_data::Scratch::default();
    let mut index = 0;
    while let Ok(Some(_)) = r.next(|schema, b| event_data::decode(mapper, schema, b, &name, (0, index), &mut scratch)) {
        index += 1;
    }
}

/// One Kinesis record (any saved shape, KPL aggregates included).
pub fn kinesis_record(text: &str, cfg: &SourceConfig) {
    let _ = kinesis::map(text, cfg, "fuzz", &mut 0);
}

/// One DynamoDB Streams record.
pub fn stream_record(text: &str, cfg: &SourceConfig) {
    let _ = stream_rec::to_record(text, cfg, "fuzz", 0);
}

/// One decoded payload (Kinesis data, Firehose record): gzip, JSON or bytes.
pub fn payload(bytes: &[u8], cfg: &SourceConfig) {
    let origin = payload::Origin {
        partition_key: Some("pk"),
        table: "fuzz",
    };
    let _ = payload::map(bytes, cfg, 0, &origin);
}

/// One LangGraph serialized value: the first byte picks the `type` column
/// (even: `msgpack`, odd: `json`), the rest is the blob.
pub fn langgraph_value(bytes: &[u8]) {
    let Some((&first, blob)) = bytes.split_first() else {
        return;
    };
    let ty = if first % 2 == 0 { "msgpack" } else { "json" };
    let _ = crate::ingest::ai::blob::decode(Some(ty), Some(blob), blob.len() as i64);
}

/// OTLP/JSON span files (export request lines, one document, an array), every
/// span to the end.
pub fn otel_spans(bytes: &[u8]) {
    use crate::ingest::Source;
    let reader: Box<dyn std::io::BufRead + Send> = Box::new(std::io::Cursor::new(bytes.to_vec()));
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let comp = crate::ingest::decompress::Compression::None;
    if let Ok(mut src) = crate::ingest::ai::otel::OtelJson::new(reader, comp, count, "fuzz".into()) {
        while let Ok(Some(item)) = src.next_item() {
            std::hint::black_box(item);
        }
    }
}

/// One Agents SDK `message_data` value: the item and its event type.
pub fn agents_item(bytes: &[u8]) {
    let _ = crate::ingest::ai::agents::item(bytes);
}
