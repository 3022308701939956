//! Azure inputs (docs/formats.md §5–§7): Cosmos DB documents and change feed, Event
//! Grid deliveries, CloudEvents, Event Hubs Capture Avro.

#[doc(hidden)] // for src/fuzzing.rs
pub mod avro_ocf;
pub mod capture;
pub mod cloudevents;
pub mod cosmos;
mod delivery;
#[doc(hidden)]
pub mod event_data;
pub mod eventgrid;
mod json_input;
pub mod us_time;

use std::path::Path;

use anyhow::Result;
use serde_json::{Map, Value};

use crate::ingest::{Family, Format, Peek, Source, SourceConfig};
use delivery::{Deliveries, Schema};

pub struct Azure;

/// Avro object container magic (docs/formats.md §0).
const AVRO_MAGIC: &[u8] = b"Obj\x01";

impl Family for Azure {
    fn detect(&self, peek: &Peek) -> Option<Format> {
        if peek.is_dir {
            return detect_folder(peek.path);
        }
        if peek.head.starts_with(AVRO_MAGIC) {
            return Some(Format::EventhubsCapture);
        }
        match peek.first.as_ref()? {
            // Deliveries or batches, one JSON array per line.
            Value::Array(items) => detect_value(items.first()?),
            v => detect_value(v),
        }
    }

    fn covers(&self, dir: &Path, format: Format) -> bool {
        crate::ingest::folder::all_files(dir, |p| match format {
            Format::EventhubsCapture => p
                .file_name()
                .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(".avro")),
            // A folder of deliveries is read as one schema: every file must be of it.
            _ => json_input::is_json_name(p) && first_value(p).as_ref().and_then(detect_value) == Some(format),
        })
    }

    fn formats(&self) -> &'static [Format] {
        &[
            Format::Cosmos,
            Format::Eventgrid,
            Format::Cloudevents,
            Format::EventhubsCapture,
        ]
    }

    fn open(&self, path: &Path, format: Format, cfg: SourceConfig) -> Result<Box<dyn Source>> {
        Ok(match format {
            Format::Cosmos => Box::new(cosmos::Cosmos::open(path, cfg)?),
            Format::Eventgrid => Box::new(Deliveries::open(path, Schema::EventGrid)?),
            Format::Cloudevents => Box::new(Deliveries::open(path, Schema::CloudEvents)?),
            _ => Box::new(capture::Capture::open(path, cfg)?),
        })
    }
}

fn detect_value(v: &Value) -> Option<Format> {
    if cloudevents::looks_like(v) {
        Some(Format::Cloudevents)
    } else if eventgrid::looks_like(v) {
        Some(Format::Eventgrid)
    } else if cosmos::shape_of(v).is_some() {
        Some(Format::Cosmos)
    } else {
        None
    }
}

/// A folder: a capture tree when it holds `.avro` files, else the format of its
/// first JSON file (a folder of Cosmos documents or of deliveries).
fn detect_folder(dir: &Path) -> Option<Format> {
    if !capture::avro_files(dir).ok()?.is_empty() {
        return Some(Format::EventhubsCapture);
    }
    let first = json_input::json_files(dir).ok()?.into_iter().next()?;
    detect_value(&first_value(&first)?)
}

/// The first JSON value of a file (the first element of a leading array).
fn first_value(path: &Path) -> Option<Value> {
    let head = crate::ingest::head_of(path).ok()?;
    let mut framer = crate::ingest::framing::Framer::new(std::io::Cursor::new(&head[..]), None).ok()?;
    let frame = framer.next_frame().ok()??.ok()?;
    match serde_json::from_slice::<Value>(&frame.bytes).ok()? {
        Value::Array(items) => items.into_iter().next(),
        v => Some(v),
    }
}

/// `meta` of a record plus `extra` members: an object meta gains them, any other
/// meta value is kept under `"meta"`.
pub(crate) fn merge_meta(meta: Option<&str>, extra: Map<String, Value>) -> Result<Option<String>, String> {
    if extra.is_empty() {
        return Ok(meta.map(str::to_string));
    }
    let mut out = match meta {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text).map_err(|e| format!("meta: {e}"))? {
            Value::Object(o) => o,
            other => {
                let mut o = Map::new();
                o.insert("meta".to_string(), other);
                o
            }
        },
    };
    out.extend(extra);
    Ok(Some(Value::Object(out).to_string()))
}
