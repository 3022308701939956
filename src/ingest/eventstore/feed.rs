//! HTTP API feed pages (`application/vnd.eventstore.atom+json`, docs/formats.md §2).
//!
//! A page is small (20 entries by default), so each page is read whole; its
//! entries come newest first and are yielded oldest first. The input is time
//! ordered with the event number as tie-break, and every event carries its
//! `eventId` as dedupe key, so several overlapping pages of one stream (in one
//! file or several) import as that stream once, in order.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use super::{json_or_string, number};
use crate::ingest::decompress::{self, Compression};
use crate::ingest::framing::Framer;
use crate::ingest::{order, BadRecord, Item, Order, Source};
use crate::model::{Kind, Record};
use crate::time;

pub struct FeedSource {
    framer: Framer<Box<dyn BufRead + Send>>,
    comp: Compression,
    count: Arc<AtomicU64>,
    file: String,
    /// Items of the current page, oldest last (popped from the end).
    page: Vec<Item>,
}

impl FeedSource {
    pub fn open(path: &Path) -> Result<FeedSource> {
        let file = path.display().to_string();
        let (reader, comp, count) = decompress::open(path).with_context(|| file.clone())?;
        let framer = Framer::new(reader, None).with_context(|| file.clone())?;
        Ok(FeedSource {
            framer,
            comp,
            count,
            file,
            page: Vec::new(),
        })
    }

    fn bad(&self, line: u64, reason: String) -> Item {
        Item::Bad(BadRecord {
            file: self.file.clone(),
            loc: line,
            offset: false,
            reason,
        })
    }
}

impl Source for FeedSource {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(item) = self.page.pop() {
                return Ok(Some(item));
            }
            let frame = match self.framer.next_frame() {
                Ok(None) => return Ok(None),
                Ok(Some(Ok(f))) => f,
                Ok(Some(Err(bad))) => return Ok(Some(self.bad(bad.line, bad.reason))),
                Err(e) => return Err(anyhow::Error::new(e).context(format!("{}: read failed", self.file))),
            };
            let page: Value = match serde_json::from_slice(&frame.bytes) {
                Ok(v) => v,
                Err(e) => {
                    return Ok(Some(
                        self.bad(frame.line, crate::ingest::mapping::describe_json_error(&e)),
                    ))
                }
            };
            let Some(entries) = page.get("entries").and_then(Value::as_array) else {
                return Ok(Some(
                    self.bad(frame.line, "not a feed page: no \"entries\" array".into()),
                ));
            };
            let mut records: Vec<Result<Record, String>> =
                entries.iter().map(|e| entry_record(e, frame.line)).collect();
            resolve_links(&mut records);
            // Newest first on the page: push in page order, pop oldest first.
            self.page = records
                .into_iter()
                .filter_map(|r| match r {
                    Ok(r) if r.ty == LINK => None,
                    Ok(r) => Some(Item::Record(r)),
                    Err(reason) => Some(self.bad(frame.line, reason)),
                })
                .collect();
        }
    }

    fn format_name(&self) -> String {
        format!("eventstore-feed{}", self.comp.suffix())
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.count.clone()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}

/// The event type of a link event; its data is the target's `N@stream`.
const LINK: &str = "$>";

/// Replace each link by the event it points to when that event is on the page;
/// links whose target is not there stay links and are left out.
fn resolve_links(records: &mut [Result<Record, String>]) {
    let by_title: HashMap<String, usize> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.as_ref().ok().filter(|r| r.ty != LINK).map(|r| (title(r), i)))
        .collect();
    for i in 0..records.len() {
        let target = match &records[i] {
            Ok(r) if r.ty == LINK => link_target(&r.data),
            _ => None,
        };
        let Some(j) = target.and_then(|t| by_title.get(&t)).copied() else {
            continue;
        };
        if let Ok(target) = &records[j] {
            let mut resolved = target.clone();
            if let Ok(link) = &records[i] {
                resolved.okey = link.okey.clone();
            }
            records[i] = Ok(resolved);
        }
    }
}

fn title(r: &Record) -> String {
    format!("{}@{}", r.seq.unwrap_or(-1), r.stream)
}

/// The `N@stream` a link's data names (the data is a JSON string or bare text).
fn link_target(data: &str) -> Option<String> {
    let text = serde_json::from_str::<String>(data).unwrap_or_else(|_| data.to_string());
    let (n, stream) = text.split_once('@')?;
    let n: i64 = n.trim().parse().ok()?;
    Some(format!("{n}@{stream}"))
}

/// One entry of a page: the embedded fields when present (`embed=body|rich|tryharder`),
/// else what the title (`N@stream`) and summary (event type) give.
fn entry_record(e: &Value, line: u64) -> Result<Record, String> {
    let o = e.as_object().ok_or("feed entry is not an object")?;
    let title = o.get("title").and_then(Value::as_str);
    let (title_n, title_stream) = match title.and_then(|t| t.split_once('@')) {
        Some((n, s)) => (n.parse::<i64>().ok(), Some(s)),
        None => (None, None),
    };
    let stream = o
        .get("streamId")
        .and_then(Value::as_str)
        .or(title_stream)
        .ok_or("feed entry has neither streamId nor a title N@stream")?
        .to_string();
    let seq = o.get("eventNumber").and_then(number).or(title_n);
    let ty = o
        .get("eventType")
        .or_else(|| o.get("summary"))
        .and_then(Value::as_str)
        .ok_or("feed entry has neither eventType nor summary")?
        .to_string();
    let id = match o.get("eventId").and_then(Value::as_str) {
        Some(id) => id.to_string(),
        None => format!("{}@{stream}", seq.map_or("?".to_string(), |n| n.to_string())),
    };
    let time = match o.get("updated").and_then(Value::as_str) {
        Some(t) => Some(
            time::parse_rfc3339(t)
                .ok_or_else(|| format!("updated: not an RFC 3339 time: {}", crate::sanitize::quote(t)))?,
        ),
        None => None,
    };
    let is_json = o.get("isJson").and_then(Value::as_bool).unwrap_or(true);
    let mut meta = Map::new();
    let data = match o.get("data") {
        Some(d) if ty == LINK => d.to_string(),
        Some(d) => json_or_string(d, is_json),
        None => {
            meta.insert("dataEmbedded".into(), Value::Bool(false));
            "{}".to_string()
        }
    };
    if let Some(m) = o.get("metaData").or_else(|| o.get("metadata")) {
        let text = json_or_string(m, true);
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            meta.insert("metadata".into(), v);
        }
    }
    let pos_stream = o.get("positionStreamId").and_then(Value::as_str);
    let pos_number = o.get("positionEventNumber").and_then(number);
    if pos_stream.is_some_and(|s| s != stream) {
        // Read through a link (a projection stream): keep where it was read.
        meta.insert(
            "positionStreamId".into(),
            pos_stream.map(Value::from).unwrap_or(Value::Null),
        );
        meta.insert(
            "positionEventNumber".into(),
            pos_number.map(Value::from).unwrap_or(Value::Null),
        );
    }
    let okey = pos_number.or(seq).map(order::int);
    Ok(Record {
        dedupe: Some(format!("eventstore:{id}")),
        stream,
        seq,
        id: Some(id),
        ty,
        time,
        kind: Kind::Event,
        data,
        meta: (!meta.is_empty()).then(|| Value::Object(meta).to_string()),
        loc: line,
        okey,
        ..Record::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_targets() {
        assert_eq!(link_target(r#""3@agent-1""#), Some("3@agent-1".into()));
        assert_eq!(link_target("3@agent-1"), Some("3@agent-1".into()));
        assert_eq!(link_target(r#""x@agent-1""#), None);
    }
}
