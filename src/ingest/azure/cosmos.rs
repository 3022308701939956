//! Azure Cosmos DB (docs/formats.md §5): document exports, latest-version change feed
//! pages, and the all-versions-and-deletes change feed. System properties go to
//! meta, never into state; event documents are events, other documents are
//! `image`s of `<container>/<partitionKey>/<id>`.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::Result;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::json_input::{Element, JsonInput, Next};
use super::merge_meta;
use crate::ingest::mapping::{self, Mapper, TopLevel};
use crate::ingest::{order, Item, Order, RecordsMode, Source, SourceConfig};
use crate::model::{Kind, Record};
use crate::time;

/// Cosmos DB system properties (docs/formats.md §5).
const SYSTEM: &[&str] = &["_rid", "_self", "_etag", "_attachments", "_ts", "_lsn"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Documents,
    /// Latest-version change feed: pages or documents with `_lsn`.
    LatestVersion,
    /// All versions and deletes: `{current, previous?, metadata}`.
    AllVersions,
}

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::Documents => "cosmos-documents",
            Shape::LatestVersion => "cosmos-changefeed",
            Shape::AllVersions => "cosmos-changefeed-all-versions",
        }
    }
}

/// The shape of one JSON value, when it is a Cosmos one. Generic event records
/// carry no `_rid`, no `Documents` page and no change-feed `metadata`.
pub fn shape_of(v: &Value) -> Option<Shape> {
    let o = v.as_object()?;
    if o.get("Documents").is_some_and(Value::is_array) {
        return Some(Shape::LatestVersion);
    }
    if let Some(m) = o.get("metadata").and_then(Value::as_object) {
        let op = m.contains_key("operationType") || m.contains_key("changeType");
        if (o.contains_key("current") || o.contains_key("previous")) && (m.contains_key("lsn") || op)
            || (m.contains_key("lsn") && m.contains_key("crts") && op)
        {
            return Some(Shape::AllVersions);
        }
    }
    if o.contains_key("lsn")
        && o.contains_key("crts")
        && (o.contains_key("operationType") || o.contains_key("changeType"))
    {
        return Some(Shape::AllVersions);
    }
    if o.contains_key("_rid") && (o.contains_key("_self") || o.contains_key("_etag") || o.contains_key("_ts")) {
        return Some(if o.contains_key("_lsn") {
            Shape::LatestVersion
        } else {
            Shape::Documents
        });
    }
    None
}

pub struct Cosmos {
    input: JsonInput,
    mapper: Mapper,
    records: RecordsMode,
    key: Vec<String>,
    /// `<container>`: the input's file stem or folder name.
    container: String,
    shape: Option<Shape>,
    /// Documents of a change-feed page not yet yielded, with the page's place.
    page: VecDeque<Element>,
    index: u64,
}

impl Cosmos {
    pub fn open(path: &Path, cfg: SourceConfig) -> Result<Cosmos> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let container = name.split('.').next().unwrap_or_default().to_string();
        Ok(Cosmos {
            input: JsonInput::open(path)?,
            mapper: cfg.mapper,
            records: cfg.records,
            key: cfg.key,
            container,
            shape: None,
            page: VecDeque::new(),
            index: 0,
        })
    }

    fn one(&mut self, el: &Element) -> Result<Option<Record>, String> {
        let top = TopLevel::parse(&el.bytes)?;
        if let Some(docs) = top.get("Documents") {
            self.shape.get_or_insert(Shape::LatestVersion);
            let docs: Vec<&RawValue> = serde_json::from_str(docs.get()).map_err(|e| format!("Documents: {e}"))?;
            for d in docs {
                self.page.push_back(Element {
                    bytes: d.get().as_bytes().to_vec(),
                    line: el.line,
                    file: el.file.clone(),
                });
            }
            return Ok(None);
        }
        let index = self.index;
        self.index += 1;
        // A change has `metadata` with its document(s), or alone for a delete; a
        // metadata-only change is the metadata itself.
        let with_images = top.get("current").is_some() || top.get("previous").is_some();
        let all_versions = top
            .get("metadata")
            .is_some_and(|m| with_images || m.get().contains("\"lsn\""))
            || (top.get("lsn").is_some() && top.get("crts").is_some());
        if all_versions {
            self.shape.get_or_insert(Shape::AllVersions);
            return self.change(&top, el.line, index).map(Some);
        }
        let shape = *self.shape.get_or_insert(if top.get("_lsn").is_some() {
            Shape::LatestVersion
        } else {
            Shape::Documents
        });
        let ty = if shape == Shape::Documents {
            "document"
        } else {
            "upsert"
        };
        self.document(&top, el.line, index, ty, None).map(Some)
    }

    /// One document (an export row or a latest-version change): an event when it
    /// has a type and a data field, else an image of its stream.
    fn document(
        &self,
        top: &TopLevel,
        loc: u64,
        index: u64,
        ty: &str,
        change: Option<(&Map<String, Value>, i64)>,
    ) -> Result<Record, String> {
        let mut system = Map::new();
        let mut body = String::with_capacity(256);
        body.push('{');
        for (k, v) in &top.0 {
            if SYSTEM.contains(&k.as_ref()) {
                system.insert(
                    k.to_string(),
                    serde_json::from_str(v.get()).map_err(|e| format!("{k}: {e}"))?,
                );
                continue;
            }
            if body.len() > 1 {
                body.push(',');
            }
            body.push_str(&serde_json::to_string(k.as_ref()).map_err(|e| e.to_string())?);
            body.push(':');
            body.push_str(v.get());
        }
        body.push('}');
        let ts = system.get("_ts").and_then(int_of);
        let lsn = system.get("_lsn").and_then(int_of);
        let is_event = match self.records {
            RecordsMode::Events => true,
            RecordsMode::States => false,
            RecordsMode::Auto => {
                mapping::TYPE.iter().any(|n| top.get(n).is_some()) && mapping::DATA.iter().any(|n| top.get(n).is_some())
            }
        };
        if let Some((meta, _)) = change {
            system.insert("changeFeed".to_string(), Value::Object(meta.clone()));
        }
        let (time, okey) = match change {
            Some((meta, crts)) => (
                time::epoch_int_to_micros(i128::from(crts)),
                order::int(meta.get("lsn").and_then(int_of).unwrap_or(0)),
            ),
            None => (
                ts.and_then(|t| time::epoch_int_to_micros(i128::from(t))),
                order::tuple(&[&order::int(ts.unwrap_or(0)), &order::int(lsn.unwrap_or(0))]),
            ),
        };
        if is_event {
            let mut rec = self.mapper.map_event(body.as_bytes(), loc, index)?;
            rec.time = rec.time.or(time);
            rec.meta = merge_meta(rec.meta.as_deref(), system)?;
            rec.okey = Some(okey);
            return Ok(rec);
        }
        let doc: Map<String, Value> = serde_json::from_str(&body).map_err(|e| e.to_string())?;
        let stream = self.stream(&doc, change.map(|c| c.0))?;
        Ok(Record {
            stream,
            id: Some(
                lsn.map(|l| format!("{}@{l}", doc_id(&doc)))
                    .unwrap_or_else(|| mapping::generated_id(&self.mapper.input_name, index)),
            ),
            ty: ty.to_string(),
            time,
            kind: Kind::Image,
            data: body,
            meta: merge_meta(None, system)?,
            loc,
            okey: Some(okey),
            // A document version (id and `_lsn`) is one change however many pages hold it.
            dedupe: lsn.map(|l| format!("cosmos\u{0}{}@{l}", doc_id(&doc))),
            ..Record::default()
        })
    }

    /// One all-versions-and-deletes change (or its older `changeType` form).
    fn change(&self, top: &TopLevel, loc: u64, index: u64) -> Result<Record, String> {
        let meta: Map<String, Value> = match top.get("metadata") {
            Some(m) => serde_json::from_str(m.get()).map_err(|e| format!("metadata: {e}"))?,
            // A metadata-only change: the change's metadata is the record.
            None => top_map(top),
        };
        let op = meta
            .get("operationType")
            .or_else(|| meta.get("changeType"))
            .and_then(Value::as_str)
            .ok_or("change feed record without metadata.operationType")?
            .to_ascii_lowercase();
        let crts = meta
            .get("crts")
            .and_then(int_of)
            .ok_or("change feed record without metadata.crts")?;
        let lsn = meta
            .get("lsn")
            .and_then(int_of)
            .ok_or("change feed record without metadata.lsn")?;
        let current = top.get("current").filter(|c| c.get() != "null");
        if op == "delete" {
            let prev: Map<String, Value> = match top.get("previous").filter(|p| p.get() != "null").or(current) {
                Some(p) => serde_json::from_str(p.get()).map_err(|e| format!("previous: {e}"))?,
                None => Map::new(),
            };
            let mut doc = prev.clone();
            if let Some(id) = meta.get("id") {
                doc.insert("id".to_string(), id.clone());
            }
            let doc: Map<String, Value> = doc.into_iter().filter(|(k, _)| !SYSTEM.contains(&k.as_str())).collect();
            if doc_id(&doc).is_empty() {
                return Err("change feed delete without an id (no previous image, no metadata.id)".to_string());
            }
            let stream = self.stream(&doc, Some(&meta))?;
            let mut m = Map::new();
            m.insert("changeFeed".to_string(), Value::Object(meta.clone()));
            return Ok(Record {
                stream,
                id: Some(format!("{}@{lsn}", doc_id(&doc))),
                ty: "delete".to_string(),
                time: time::epoch_int_to_micros(i128::from(crts)),
                kind: Kind::Delete,
                data: "null".to_string(),
                meta: merge_meta(None, m)?,
                loc,
                okey: Some(order::int(lsn)),
                dedupe: Some(format!("cosmos\u{0}{}@{lsn}\u{0}delete", doc_id(&doc))),
                ..Record::default()
            });
        }
        let Some(current) = current else {
            return Err(format!("change feed {op} without \"current\" (metadata only)"));
        };
        let doc = TopLevel::parse(current.get().as_bytes())?;
        let mut rec = self.document(&doc, loc, index, &op, Some((&meta, crts)))?;
        if rec.kind == Kind::Image {
            let id = format!("{}@{lsn}", doc_top_id(&doc));
            // With the operation: one `lsn` is one change, whatever else shares it.
            rec.dedupe = Some(format!("cosmos\u{0}{id}\u{0}{op}"));
            rec.id = Some(id);
        }
        Ok(rec)
    }

    /// `<container>/<partitionKey>/<id>`, `<container>/<id>`, or the `--key` values.
    fn stream(&self, doc: &Map<String, Value>, change: Option<&Map<String, Value>>) -> Result<String, String> {
        let mut parts = vec![self.container.clone()];
        if !self.key.is_empty() {
            for k in &self.key {
                let v = doc
                    .get(k)
                    .ok_or_else(|| format!("key attribute {} missing", crate::sanitize::quote(k)))?;
                parts.push(scalar(v));
            }
        } else {
            let pk = change
                .and_then(|m| m.get("partitionKey"))
                .or_else(|| doc.get("partitionKey"))
                .or_else(|| doc.get("pk"));
            if let Some(pk) = pk {
                parts.push(scalar(pk));
            }
            let id = doc_id(doc);
            if id.is_empty() {
                return Err("document without \"id\"".to_string());
            }
            parts.push(id);
        }
        parts.retain(|p| !p.is_empty());
        Ok(parts.join("/"))
    }
}

fn top_map(top: &TopLevel) -> Map<String, Value> {
    top.0
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), serde_json::from_str(v.get()).ok()?)))
        .collect()
}

fn doc_id(doc: &Map<String, Value>) -> String {
    doc.get("id").map(scalar).unwrap_or_default()
}

fn doc_top_id(top: &TopLevel) -> String {
    top.get("id")
        .and_then(|v| serde_json::from_str::<Value>(v.get()).ok())
        .map(|v| scalar(&v))
        .unwrap_or_default()
}

/// A partition key or id as path text: strings as they are, objects (hierarchical
/// keys) as their values joined by `/`.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => o.values().map(scalar).collect::<Vec<_>>().join("/"),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join("/"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.to_string().parse::<f64>().ok().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Source for Cosmos {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            let el = match self.page.pop_front() {
                Some(el) => el,
                None => match self.input.next()? {
                    None => return Ok(None),
                    Some(Next::Bad(bad)) => return Ok(Some(Item::Bad(bad))),
                    Some(Next::Value(el)) => el,
                },
            };
            match self.one(&el) {
                Ok(None) => continue,
                Ok(Some(mut rec)) => {
                    rec.file = el.file.clone();
                    return Ok(Some(Item::Record(rec)));
                }
                Err(reason) => return Ok(Some(Item::Bad(self.input.bad(&el, reason)))),
            }
        }
    }

    fn format_name(&self) -> String {
        let shape = self.shape.map_or("cosmos", Shape::name);
        format!("{shape} ({})", self.input.describe())
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.input.bytes_read()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}
