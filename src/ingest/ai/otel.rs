//! OpenTelemetry spans in OTLP/JSON (docs/formats.md §10): the collector's file
//! exporter (one `{"resourceSpans": …}` export request a line), one OTLP JSON
//! document, or an array of them. One event per span, at its start: stream
//! `gen_ai.conversation.id` (else the trace id), type `gen_ai.operation.name`
//! (else the span name), data the attributes as plain JSON with the span's
//! name, kind, status, duration and events; resource and scope in `meta`.

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::{json, Map, Value};

use crate::ingest::decompress::{self, Compression};
use crate::ingest::framing::{Framer, MAX_RECORD};
use crate::ingest::{order, BadRecord, Item, Order, Source};
use crate::model::Record;

/// A conversation's state: its messages, tool calls and token usage
/// (`replay::genai`).
pub const RULES: &str = r#"{"rules": [{"type": "*", "op": "genai"}]}"#;

/// Attributes whose string value is JSON (the GenAI conventions' structured
/// attributes): parsed, so the state holds objects, not text.
const JSON_ATTRIBUTES: &[&str] = &[
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.definitions",
];
const JSON_PREFIXES: &[&str] = &["gen_ai.tool.call.", "tool.call."];

const KINDS: &[&str] = &["unspecified", "internal", "server", "client", "producer", "consumer"];
const STATUS: &[&str] = &["unset", "ok", "error"];

/// An OTLP/JSON traces export request.
pub fn is_export(v: &Value) -> bool {
    v.get("resourceSpans").is_some_and(Value::is_array)
}

pub struct OtelJson {
    framer: Framer<Box<dyn BufRead + Send>>,
    comp: Compression,
    count: Arc<AtomicU64>,
    file: String,
    queue: VecDeque<Item>,
    /// Spans yielded so far: the tie-break after the start time.
    index: i64,
}

impl OtelJson {
    pub fn open(path: &Path) -> Result<OtelJson> {
        let (reader, comp, count) = decompress::open(path).with_context(|| format!("{}", path.display()))?;
        OtelJson::new(reader, comp, count, path.display().to_string())
    }

    /// The spans of content already decompressed (`comp` names what it was).
    pub fn new(
        reader: Box<dyn BufRead + Send>,
        comp: Compression,
        count: Arc<AtomicU64>,
        file: String,
    ) -> Result<OtelJson> {
        let framer = Framer::new(reader, None).with_context(|| file.clone())?;
        Ok(OtelJson {
            framer,
            comp,
            count,
            file,
            queue: VecDeque::new(),
            index: 0,
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

    /// Every span of one export request, in the order written.
    fn request(&mut self, line: u64, bytes: &[u8]) {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let item = self.bad(line, format!("invalid UTF-8 at byte {}", e.valid_up_to()));
                return self.queue.push_back(item);
            }
        };
        if let Some(why) = crate::json::depth::too_deep("the export request", text) {
            let item = self.bad(line, why);
            return self.queue.push_back(item);
        }
        let req: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let item = self.bad(line, format!("invalid JSON: {e}"));
                return self.queue.push_back(item);
            }
        };
        let Some(resource_spans) = req.get("resourceSpans").and_then(Value::as_array) else {
            let item = self.bad(
                line,
                "not an OTLP traces export request (no resourceSpans array)".into(),
            );
            return self.queue.push_back(item);
        };
        for rs in resource_spans {
            let resource = attributes(rs.pointer("/resource/attributes"));
            let scope_spans = rs.get("scopeSpans").and_then(Value::as_array);
            for ss in scope_spans.into_iter().flatten() {
                let scope = ss.get("scope").map(|s| {
                    json!({
                        "name": s.get("name").cloned().unwrap_or(Value::Null),
                        "version": s.get("version").cloned().unwrap_or(Value::Null),
                        "attributes": attributes(s.get("attributes")),
                    })
                });
                for span in ss.get("spans").and_then(Value::as_array).into_iter().flatten() {
                    let item = self.span(line, span, &resource, scope.as_ref());
                    self.queue.push_back(item);
                }
            }
        }
    }

    fn span(&mut self, line: u64, span: &Value, resource: &Value, scope: Option<&Value>) -> Item {
        let s = |k: &str| span.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let (trace, span_id, name) = (s("traceId"), s("spanId"), s("name"));
        if trace.is_empty() || span_id.is_empty() {
            return self.bad(
                line,
                format!("span {} without a traceId or spanId", crate::sanitize::quote(&name)),
            );
        }
        let Some(start) = nanos(span.get("startTimeUnixNano")) else {
            return self.bad(line, format!("span {span_id}: no startTimeUnixNano"));
        };
        let end = nanos(span.get("endTimeUnixNano"));
        let mut data = match attributes(span.get("attributes")) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        for (k, v) in data.iter_mut() {
            if JSON_ATTRIBUTES.contains(&k.as_str()) || JSON_PREFIXES.iter().any(|p| k.starts_with(p)) {
                if let Value::String(text) = v {
                    if crate::json::depth::too_deep("", text).is_none() {
                        if let Ok(parsed) = serde_json::from_str::<Value>(text) {
                            *v = parsed;
                        }
                    }
                }
            }
        }
        let stream = match data.get("gen_ai.conversation.id") {
            Some(Value::String(c)) if !c.is_empty() => c.clone(),
            _ => trace.clone(),
        };
        let ty = match data.get("gen_ai.operation.name") {
            Some(Value::String(op)) if !op.is_empty() => op.clone(),
            _ => name.clone(),
        };
        let kind = span.get("kind").and_then(Value::as_u64).unwrap_or(0);
        let status = span.get("status");
        let code = status.and_then(|s| s.get("code")).and_then(Value::as_u64).unwrap_or(0);
        let mut st = Map::new();
        st.insert(
            "code".into(),
            json!(STATUS.get(code as usize).copied().unwrap_or("unknown")),
        );
        if let Some(m) = status.and_then(|s| s.get("message")).filter(|m| m.as_str() != Some("")) {
            st.insert("message".into(), m.clone());
        }
        data.insert("name".into(), json!(name));
        data.insert(
            "kind".into(),
            json!(KINDS.get(kind as usize).copied().unwrap_or("unknown")),
        );
        data.insert("status".into(), Value::Object(st));
        // A span that ends before it starts (clock skew, a broken exporter)
        // has no duration rather than a wrapped one.
        if let Some(d) = end.and_then(|end| end.checked_sub(start)) {
            data.insert("duration_ms".into(), json!(d as f64 / 1e6));
        }
        let events: Vec<Value> = span
            .get("events")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|e| {
                json!({
                    "name": e.get("name").cloned().unwrap_or(Value::Null),
                    "time": nanos(e.get("timeUnixNano")).map(|n| crate::time::format_micros((n / 1000) as i64)),
                    "attributes": attributes(e.get("attributes")),
                })
            })
            .collect();
        if !events.is_empty() {
            data.insert("events".into(), Value::Array(events));
        }
        let mut meta = Map::new();
        meta.insert("trace_id".into(), json!(trace));
        meta.insert("span_id".into(), json!(span_id));
        if let Some(p) = span.get("parentSpanId").filter(|p| p.as_str() != Some("")) {
            meta.insert("parent_span_id".into(), p.clone());
        }
        meta.insert("resource".into(), resource.clone());
        if let Some(scope) = scope {
            meta.insert("scope".into(), scope.clone());
        }
        let data = Value::Object(data).to_string();
        if data.len() > MAX_RECORD {
            return self.bad(
                line,
                format!("span {span_id}: over the {} MiB a record may have", MAX_RECORD >> 20),
            );
        }
        self.index += 1;
        Item::Record(Record {
            stream,
            seq: None,
            id: Some(span_id),
            ty,
            time: i64::try_from(start / 1000).ok(),
            data,
            meta: Some(Value::Object(meta).to_string()),
            loc: line,
            okey: Some(order::tuple(&[
                &order::int(i64::try_from(start).unwrap_or(i64::MAX)),
                &order::int(self.index),
            ])),
            ..Record::default()
        })
    }
}

/// A `*UnixNano` field: a decimal string (OTLP/JSON's 64-bit integers) or a number.
fn nanos(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// A list of `{"key", "value": AnyValue}` as one object of plain values.
fn attributes(list: Option<&Value>) -> Value {
    let mut out = Map::new();
    for kv in list.and_then(Value::as_array).into_iter().flatten() {
        if let Some(k) = kv.get("key").and_then(Value::as_str) {
            out.insert(k.to_string(), any_value(kv.get("value")));
        }
    }
    Value::Object(out)
}

/// An OTLP `AnyValue` unwrapped: 64-bit integers (strings in OTLP/JSON) become
/// numbers, arrays and key-value lists plain arrays and objects.
pub fn any_value(v: Option<&Value>) -> Value {
    let Some(Value::Object(m)) = v else {
        return Value::Null;
    };
    let Some((k, inner)) = m.iter().next() else {
        return Value::Null;
    };
    match (k.as_str(), inner) {
        ("intValue", Value::String(s)) => s.parse::<i64>().map(Value::from).unwrap_or_else(|_| inner.clone()),
        ("doubleValue", Value::String(s)) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| inner.clone(), Value::Number),
        ("arrayValue", a) => Value::Array(
            a.get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|x| any_value(Some(x)))
                .collect(),
        ),
        ("kvlistValue", kv) => attributes(kv.get("values")),
        (_, other) => other.clone(),
    }
}

impl Source for OtelJson {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Ok(Some(item));
            }
            let frame = match self.framer.next_frame() {
                Ok(None) => return Ok(None),
                Ok(Some(f)) => f,
                Err(e) => return Err(anyhow::Error::new(e).context(format!("{}: read failed", self.file))),
            };
            match frame {
                Ok(f) => self.request(f.line, &f.bytes),
                Err(bad) => return Ok(Some(self.bad(bad.line, bad.reason))),
            }
        }
    }

    fn format_name(&self) -> String {
        format!("otel-json{}", self.comp.suffix())
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.count.clone()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_values_unwrap() {
        let v = json!({"arrayValue": {"values": [{"intValue": "9007199254740993"}, {"boolValue": true},
            {"kvlistValue": {"values": [{"key": "a", "value": {"doubleValue": 0.5}}]}}, {}]}});
        assert_eq!(
            any_value(Some(&v)),
            json!([9007199254740993_i64, true, {"a": 0.5}, null])
        );
    }
}
