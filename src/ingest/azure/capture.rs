//! Event Hubs Capture (formats.md §7): Avro container files, one file or a tree
//! `{Namespace}/{EventHub}/{PartitionId}/{Y}/{M}/{D}/{h}/{m}/{s}.avro` read as one
//! input. Each file is decoded with its own writer schema; records are ordered by
//! enqueued time, then (partition, SequenceNumber).

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use apache_avro::types::Value as Avro;
use apache_avro::{Reader, Schema};
use serde_json::{Map, Value};

use super::cloudevents::{self, dollar_bytes};
use super::json_input::walk;
use super::merge_meta;
use super::us_time::parse_en_us;
use crate::ingest::mapping::{self, Mapper, TopLevel};
use crate::ingest::{order, BadRecord, Item, Order, Source, SourceConfig};
use crate::model::{Kind, Record, SourceFile};

/// The largest Avro block we allocate (a Capture block holds one batch of events).
const MAX_BLOCK: usize = 64 * 1024 * 1024;

/// Counts bytes read from the file, so errors can name the offset of the block.
struct Counting {
    file: File,
    count: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Where a file sits in the capture tree.
struct Place {
    path: PathBuf,
    file: Arc<SourceFile>,
    /// `<EventHub>/<PartitionId>`, or the file's stem outside a capture tree.
    partition: String,
}

struct Open {
    reader: Reader<'static, Counting>,
    count: Arc<AtomicU64>,
    place: usize,
    /// Offset where the block of the record just read starts.
    block: u64,
    records: u64,
}

pub struct Capture {
    places: Vec<Place>,
    next_place: usize,
    cur: Option<Open>,
    mapper: Mapper,
    total: Arc<AtomicU64>,
    done: u64,
    index: u64,
    partitions: usize,
}

/// The `.avro` files of a folder, recursively, in path order.
pub fn avro_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, &mut out, &|name| name.to_ascii_lowercase().ends_with(".avro"))?;
    Ok(out)
}

/// `<EventHub>/<PartitionId>` from `.../{EventHub}/{PartitionId}/{Y}/{M}/{D}/{h}/{m}/{s}.avro`.
fn partition_of(path: &Path) -> String {
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let n = comps.len();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if n >= 8 {
        let dated = comps[n - 6..n - 1]
            .iter()
            .all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()));
        if dated {
            let partition = &comps[n - 7];
            return match n.checked_sub(8).and_then(|i| comps.get(i)) {
                Some(hub) if !hub.is_empty() && hub != "/" => format!("{hub}/{partition}"),
                _ => partition.clone(),
            };
        }
    }
    stem
}

impl Capture {
    pub fn open(path: &Path, cfg: SourceConfig) -> Result<Capture> {
        apache_avro::util::max_allocation_bytes(MAX_BLOCK);
        let meta = std::fs::metadata(path).with_context(|| path.display().to_string())?;
        let files = if meta.is_dir() {
            avro_files(path)?
        } else {
            vec![path.to_path_buf()]
        };
        let places: Vec<Place> = files
            .into_iter()
            .map(|p| Place {
                file: Arc::new(SourceFile {
                    path: p.display().to_string(),
                    offsets: true,
                }),
                partition: partition_of(&p),
                path: p,
            })
            .collect();
        let partitions = places
            .iter()
            .map(|p| p.partition.as_str())
            .collect::<BTreeSet<_>>()
            .len();
        Ok(Capture {
            places,
            next_place: 0,
            cur: None,
            mapper: cfg.mapper,
            total: Arc::new(AtomicU64::new(0)),
            done: 0,
            index: 0,
            partitions,
        })
    }

    fn bad(&self, place: usize, offset: u64, reason: String) -> BadRecord {
        BadRecord {
            file: self.places.get(place).map(|p| p.file.path.clone()).unwrap_or_default(),
            loc: offset,
            offset: true,
            reason,
        }
    }

    /// Open the next non-empty file; a file that is not a Capture file is a bad record.
    fn open_next(&mut self) -> Result<Option<Result<(), BadRecord>>> {
        if let Some(cur) = self.cur.take() {
            self.done += cur.count.load(Ordering::Relaxed);
        }
        let Some(place) = self.places.get(self.next_place) else {
            return Ok(None);
        };
        let at = self.next_place;
        self.next_place += 1;
        let file = File::open(&place.path).with_context(|| place.file.path.clone())?;
        let len = file.metadata().with_context(|| place.file.path.clone())?.len();
        if len == 0 {
            // Capture writes empty files for windows without events.
            return Ok(Some(Ok(())));
        }
        let count = Arc::new(AtomicU64::new(0));
        let reader = match Reader::new(Counting {
            file,
            count: count.clone(),
        }) {
            Ok(r) => r,
            Err(e) => {
                self.done += count.load(Ordering::Relaxed);
                return Ok(Some(Err(self.bad(at, 0, format!("not a readable Avro file: {e}")))));
            }
        };
        if let Err(why) = check_schema(reader.writer_schema()) {
            self.done += count.load(Ordering::Relaxed);
            return Ok(Some(Err(self.bad(at, 0, why))));
        }
        let block = count.load(Ordering::Relaxed);
        self.cur = Some(Open {
            reader,
            count,
            place: at,
            block,
            records: 0,
        });
        Ok(Some(Ok(())))
    }

    fn record(&mut self, value: Avro, place: usize, loc: u64) -> Result<Record, String> {
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
        let partition = self.places.get(place).map(|p| p.partition.clone()).unwrap_or_default();
        let index = self.index;
        self.index += 1;

        let (mut rec, own_stream) = self.body(body.as_deref(), loc, index)?;
        if !own_stream {
            rec.stream = partition.clone();
            rec.seq = Some(seq);
        }
        if rec.id.is_none() {
            rec.id = Some(format!("{partition}/{seq}"));
        }
        let mut meta = Map::new();
        if let Some(t) = rec.time.filter(|t| *t != time) {
            meta.insert("eventTime".to_string(), Value::String(crate::time::format_micros(t)));
        }
        meta.insert("partition".to_string(), Value::String(partition.clone()));
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
        rec.okey = Some(order::tuple(&[partition.as_bytes(), &order::int(seq)]));
        rec.loc = loc;
        rec.file = self.places.get(place).map(|p| p.file.clone());
        Ok(rec)
    }

    /// The body as a record: a CloudEvent (§6), a JSON event (model.md §1), or
    /// opaque data. Returns whether the body named its own stream.
    fn body(&self, body: Option<&[u8]>, loc: u64, index: u64) -> Result<(Record, bool), String> {
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
            let f = &self.mapper.fields;
            let own_stream = f.stream.is_some() || mapping::STREAM.iter().any(|n| top.get(n).is_some());
            let own_id = f.id.is_some() || mapping::ID.iter().any(|n| top.get(n).is_some());
            drop(top);
            let mut rec = self.mapper.map_event(bytes, loc, index)?;
            if !own_id {
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
}

/// A Capture file's schema is a record with at least `SequenceNumber`,
/// `EnqueuedTimeUtc` and `Body`; field order and value types may vary.
fn check_schema(schema: &Schema) -> Result<(), String> {
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
        Avro::Bytes(b) | Avro::Fixed(_, b) => serde_json::from_str(&dollar_bytes(&b)).unwrap_or(Value::Null),
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

impl Source for Capture {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            let Some(cur) = self.cur.as_mut() else {
                match self.open_next()? {
                    None => return Ok(None),
                    Some(Ok(())) => continue,
                    Some(Err(bad)) => return Ok(Some(Item::Bad(bad))),
                }
            };
            let before = cur.count.load(Ordering::Relaxed);
            let next = cur.reader.next();
            let after = cur.count.load(Ordering::Relaxed);
            if after != before {
                // The reader reads a whole block at a time: this record's block starts here.
                cur.block = before;
            }
            self.total.store(self.done + after, Ordering::Relaxed);
            let (place, block, records) = (cur.place, cur.block, cur.records);
            match next {
                None => {
                    self.open_next_after_end()?;
                    continue;
                }
                Some(Err(e)) => {
                    // The reader stops at its first error; what was read before stays.
                    self.open_next_after_end()?;
                    let reason =
                        format!("truncated or corrupt Avro block ({records} records of this file read before it): {e}");
                    return Ok(Some(Item::Bad(self.bad(place, block, reason))));
                }
                Some(Ok(value)) => {
                    if let Some(c) = self.cur.as_mut() {
                        c.records += 1;
                    }
                    return Ok(Some(match self.record(value, place, block) {
                        Ok(rec) => Item::Record(rec),
                        Err(reason) => Item::Bad(self.bad(place, block, reason)),
                    }));
                }
            }
        }
    }

    fn format_name(&self) -> String {
        let files = self.places.len();
        let s = |n: usize| if n == 1 { "" } else { "s" };
        format!(
            "eventhubs-capture ({files} avro file{}, {} partition{})",
            s(files),
            self.partitions,
            s(self.partitions)
        )
    }

    fn is_snapshot(&self) -> bool {
        false
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.total.clone()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}

impl Capture {
    /// Close the current file; the next call opens the following one.
    fn open_next_after_end(&mut self) -> Result<()> {
        if let Some(cur) = self.cur.take() {
            self.done += cur.count.load(Ordering::Relaxed);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_comes_from_the_capture_tree() {
        assert_eq!(
            partition_of(Path::new("/x/ns/hub1/0/2026/11/20/10/05/03.avro")),
            "hub1/0"
        );
        assert_eq!(partition_of(Path::new("samples/EHC.avro")), "EHC");
    }
}
