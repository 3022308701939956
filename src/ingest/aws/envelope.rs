//! Files of DynamoDB Streams or Kinesis records as they are saved: a GetRecords
//! output or Lambda event (`{"Records": [...]}`), a Firehose transformation event
//! (`{"records": [...]}`), a JSON array, or JSON lines of single records. Each
//! top-level value is held while its records are mapped (the framer bounds it).

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{kinesis, stream_rec};
use crate::ingest::decompress::{self, Compression};
use crate::ingest::framing::{Framer, Framing};
use crate::ingest::mapping::describe_json_error;
use crate::ingest::{BadRecord, Item, Order, Source, SourceConfig};
use crate::model::Record;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Family {
    Stream,
    Kinesis,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "Records", borrow)]
    upper: Option<Vec<&'a RawValue>>,
    #[serde(rename = "records", borrow)]
    lower: Option<Vec<&'a RawValue>>,
    #[serde(rename = "invocationId")]
    invocation_id: Option<serde::de::IgnoredAny>,
    #[serde(rename = "MillisBehindLatest")]
    behind: Option<serde::de::IgnoredAny>,
    #[serde(rename = "NextShardIterator")]
    next: Option<serde::de::IgnoredAny>,
}

pub struct EnvelopeSource {
    family: Family,
    framer: Framer<Box<dyn BufRead + Send>>,
    comp: Compression,
    count: Arc<AtomicU64>,
    cfg: SourceConfig,
    file: String,
    /// The table of stream records whose ARN names none: the file's stem.
    table: String,
    shape: Option<&'static str>,
    pending: VecDeque<Item>,
    index: u64,
}

impl EnvelopeSource {
    pub fn open(path: &Path, family: Family, cfg: SourceConfig) -> Result<EnvelopeSource> {
        let file = path.display().to_string();
        let (reader, comp, count) = decompress::open(path).with_context(|| file.clone())?;
        let framer = Framer::new(reader, None).with_context(|| file.clone())?;
        let stem = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let table = stem.split('.').next().unwrap_or("table").to_string();
        Ok(EnvelopeSource {
            family,
            framer,
            comp,
            count,
            cfg,
            file,
            table,
            shape: None,
            pending: VecDeque::new(),
            index: 0,
        })
    }

    fn bad(&self, loc: u64, reason: String) -> Item {
        Item::Bad(BadRecord {
            file: self.file.clone(),
            loc,
            offset: false,
            reason,
        })
    }

    /// Map the records of one top-level value into `pending`.
    fn value(&mut self, bytes: &[u8], line: u64) {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let item = self.bad(line, format!("invalid UTF-8 at byte {}", e.valid_up_to()));
                self.pending.push_back(item);
                return;
            }
        };
        let env: Envelope = match serde_json::from_str(text) {
            Ok(e) => e,
            Err(e) => {
                let item = self.bad(line, describe_json_error(&e));
                self.pending.push_back(item);
                return;
            }
        };
        let (records, shape) = match (env.upper, env.lower) {
            (Some(r), _) if env.behind.is_some() || env.next.is_some() => (r, "get-records"),
            (Some(r), _) => (r, "lambda event"),
            (None, Some(r)) if env.invocation_id.is_some() => (r, "firehose transformation event"),
            _ => {
                let shape = match self.framer.mode() {
                    Framing::Array => "json array",
                    _ => "json lines",
                };
                self.shape.get_or_insert(shape);
                self.record(text, line);
                return;
            }
        };
        self.shape.get_or_insert(shape);
        // Each record's line: count the newlines between consecutive records.
        let base = text.as_ptr() as usize;
        let (mut at, mut rec_line) = (0usize, line);
        for raw in records {
            let start = (raw.get().as_ptr() as usize).saturating_sub(base).min(text.len());
            rec_line += text.as_bytes()[at.min(start)..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            at = start;
            self.record(raw.get(), rec_line);
        }
    }

    fn record(&mut self, text: &str, line: u64) {
        let mapped: Result<Vec<Record>, String> = match self.family {
            Family::Stream => {
                let index = self.index;
                self.index += 1;
                stream_rec::to_record(text, &self.cfg, &self.table, index).map(|r| vec![r])
            }
            Family::Kinesis => kinesis::map(text, &self.cfg, &self.table, &mut self.index),
        };
        match mapped {
            Ok(recs) => self.pending.extend(recs.into_iter().map(|mut r| {
                r.loc = line;
                Item::Record(r)
            })),
            Err(reason) => {
                let item = self.bad(line, reason);
                self.pending.push_back(item);
            }
        }
    }
}

impl Source for EnvelopeSource {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Ok(Some(item));
            }
            let frame = match self.framer.next_frame() {
                Ok(None) => return Ok(None),
                Ok(Some(f)) => f,
                Err(e) => return Err(anyhow::Error::new(e).context(format!("{}: read failed", self.file))),
            };
            match frame {
                Ok(f) => self.value(&f.bytes, f.line),
                Err(bad) => {
                    let item = self.bad(bad.line, bad.reason);
                    self.pending.push_back(item);
                }
            }
        }
    }

    fn format_name(&self) -> String {
        let base = match self.family {
            Family::Stream => "dynamodb-stream",
            Family::Kinesis => "kinesis",
        };
        let shape = self.shape.map(|s| format!(" ({s})")).unwrap_or_default();
        format!("{base}{}{shape}", self.comp.suffix())
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.count.clone()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}
