//! Field mapping (docs/model.md §1): find stream, seq, id, type, time, data and meta in
//! a JSON record by the first name present, or by the rules file's pointers. The
//! record is split only at its top level; nested values stay raw text.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::json::pointer;
use crate::model::{Kind, Record};
use crate::rules::FieldOverrides;
use crate::time;

pub const STREAM: &[&str] = &[
    "stream",
    "streamId",
    "stream_id",
    "aggregateId",
    "aggregate_id",
    "subject",
    "partitionKey",
    "pk",
];
pub const SEQ: &[&str] = &["seq", "sequence", "version", "eventNumber", "event_number"];
pub const ID: &[&str] = &["id", "eventId", "event_id"];
pub const TYPE: &[&str] = &["type", "eventType", "event_type"];
pub const TIME: &[&str] = &["time", "timestamp", "ts", "eventTime", "created", "createdAt"];
pub const DATA: &[&str] = &["data", "payload", "body"];
pub const META: &[&str] = &["meta", "metadata", "metaData"];

/// A key that borrows from the input unless it had escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A top-level member's value as JSON text, already validated (by the parse that
/// split the record, or by the converter that wrote it).
#[derive(Clone, Copy, Debug)]
pub struct Raw<'a>(&'a str);

impl<'a> Raw<'a> {
    /// `text` must be one valid JSON value (the mapping trusts it).
    pub fn new(text: &'a str) -> Raw<'a> {
        Raw(text)
    }

    pub fn get(&self) -> &'a str {
        self.0
    }
}

/// The top-level members of a JSON object, in order, values unparsed.
pub struct TopLevel<'a>(pub Vec<(Cow<'a, str>, Raw<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for TopLevel<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TopLevel<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<TopLevel<'de>, M::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(8));
                while let Some(k) = m.next_key::<Key<'de>>()? {
                    let v: &'de RawValue = m.next_value()?;
                    out.push((k.0, Raw(v.get())));
                }
                Ok(TopLevel(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> TopLevel<'a> {
    /// Parse one record; the error text names what is wrong, for `file:line: why`.
    pub fn parse(bytes: &'a [u8]) -> Result<TopLevel<'a>, String> {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
        serde_json::from_str(text).map_err(|e| describe_json_error(&e))
    }

    pub fn get(&self, name: &str) -> Option<Raw<'a>> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }

    fn find(&self, names: &[&str]) -> Option<(usize, Raw<'a>)> {
        names
            .iter()
            .find_map(|n| self.0.iter().position(|(k, _)| k == n).map(|i| (i, self.0[i].1)))
    }
}

pub fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    // serde_json ends its message with "at line L column C", counted within the
    // record; the caller names the record's file and line, so only a column on
    // the record's first line is said as such. Column 0 means "before the first
    // character of the line", which says nothing: it is left out.
    let full = e.to_string();
    let msg = full.rsplit_once(" at line ").map(|(m, _)| m).unwrap_or(&full);
    let at = match (e.line(), e.column()) {
        (_, 0) => String::new(),
        (0 | 1, c) => format!(" at column {c}"),
        (l, c) => format!(" at line {l} column {c} of the record"),
    };
    match e.classify() {
        Category::Eof => "truncated record: the JSON ends early".to_string(),
        Category::Syntax => format!("invalid JSON{at}: {msg}"),
        Category::Data => format!("expected a JSON object: {msg}"),
        Category::Io => format!("read error: {msg}"),
    }
}

/// A located field: top-level index (to leave it out of implicit data) and value.
enum Found<'a> {
    Raw(Option<usize>, Raw<'a>),
    Owned(Value),
}

impl Found<'_> {
    fn value(&self) -> Result<Cow<'_, Value>, String> {
        match self {
            Found::Raw(_, r) => serde_json::from_str(r.get()).map(Cow::Owned).map_err(|e| e.to_string()),
            Found::Owned(v) => Ok(Cow::Borrowed(v)),
        }
    }
    fn raw_text(&self) -> Cow<'_, str> {
        match self {
            Found::Raw(_, r) => Cow::Borrowed(r.get()),
            Found::Owned(v) => Cow::Owned(v.to_string()),
        }
    }
    /// The text of a JSON string without escapes, borrowed as it is: the common
    /// case, which needs no value tree. (The raw value is already validated JSON,
    /// so a string without a backslash holds no escapes or control characters.)
    fn plain_str(&self) -> Option<&str> {
        match self {
            Found::Raw(_, r) => r
                .get()
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .filter(|t| !t.contains('\\')),
            Found::Owned(_) => None,
        }
    }
    fn index(&self) -> Option<usize> {
        match self {
            Found::Raw(i, _) => *i,
            Found::Owned(_) => None,
        }
    }
}

/// Maps records of one input. Holds the overrides and the input's name for ids.
pub struct Mapper {
    pub fields: FieldOverrides,
    /// Used to derive stable ids for records without one.
    pub input_name: String,
}

impl Mapper {
    fn locate<'a>(
        &self,
        top: &TopLevel<'a>,
        over: &Option<Vec<String>>,
        names: &[&str],
    ) -> Result<Option<Found<'a>>, String> {
        if let Some(tokens) = over {
            let Some((first, rest)) = tokens.split_first() else {
                return Ok(None);
            };
            let Some(raw) = top.get(first) else { return Ok(None) };
            if rest.is_empty() {
                let idx = top.0.iter().position(|(k, _)| k == first);
                return Ok(Some(Found::Raw(idx, raw)));
            }
            let v: Value = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
            return Ok(pointer::get(&v, rest).cloned().map(Found::Owned));
        }
        Ok(top.find(names).map(|(i, r)| Found::Raw(Some(i), r)))
    }

    /// Map one JSON event record. `index` is the record's 0-based place in the input.
    pub fn map_event(&self, bytes: &[u8], loc: u64, index: u64) -> Result<Record, String> {
        self.map_top(&TopLevel::parse(bytes)?, bytes.len(), loc, index)
    }

    /// [`Mapper::map_event`] for records read as written (JSON Lines, arrays): a record
    /// with an id of its own carries it as its identity across files and inputs
    /// (`dedupe` = `""`, see [`Record::dedupe`]); a generated id is no identity.
    pub fn map_event_identified(&self, bytes: &[u8], loc: u64, index: u64) -> Result<Record, String> {
        self.map_top_identified(&TopLevel::parse(bytes)?, bytes.len(), loc, index)
    }

    /// [`Mapper::map_event_identified`] of a record already split at its top level.
    pub fn map_top_identified(&self, top: &TopLevel, len: usize, loc: u64, index: u64) -> Result<Record, String> {
        let mut r = self.map_top(top, len, loc, index)?;
        if self.locate(top, &self.fields.id, ID)?.is_some() {
            r.dedupe = Some(String::new());
        }
        Ok(r)
    }

    /// Map an event record already split at its top level (`len`: its size, to
    /// size the implicit data).
    pub fn map_top(&self, top: &TopLevel, len: usize, loc: u64, index: u64) -> Result<Record, String> {
        let f = &self.fields;
        let mut used: Vec<usize> = Vec::with_capacity(8);
        let mut note = |found: &Option<Found>| {
            if let Some(i) = found.as_ref().and_then(Found::index) {
                used.push(i);
            }
        };

        let stream = self.locate(top, &f.stream, STREAM)?;
        note(&stream);
        let mut seq = self.locate(top, &f.seq, SEQ)?;
        if seq.is_none() && f.seq.is_none() {
            // `sk` counts as a sequence only when it is numeric.
            if let Some((i, raw)) = top.find(&["sk"]) {
                if parse_int(raw.get()).is_some() {
                    seq = Some(Found::Raw(Some(i), raw));
                }
            }
        }
        note(&seq);
        let id = self.locate(top, &f.id, ID)?;
        note(&id);
        let ty = self.locate(top, &f.ty, TYPE)?;
        note(&ty);
        let time_f = self.locate(top, &f.time, TIME)?;
        note(&time_f);
        let meta_f = self.locate(top, &f.meta, META)?;
        note(&meta_f);
        let data_f = self.locate(top, &f.data, DATA)?;

        let stream = match &stream {
            Some(s) => scalar_text(s, "stream")?,
            None => "default".to_string(),
        };
        let seq = match &seq {
            Some(s) => Some(int_field(s, "seq")?),
            None => None,
        };
        let id = match &id {
            Some(s) => scalar_text(s, "id")?,
            None => generated_id(&self.input_name, index),
        };
        let ty = match &ty {
            Some(s) => scalar_text(s, "type")?,
            None => "event".to_string(),
        };
        let mut meta = meta_f.as_ref().map(|m| m.raw_text().into_owned());
        let time = match &time_f {
            None => None,
            Some(t) => {
                let (us, raw) = time_field(t)?;
                if let Some(raw) = raw {
                    meta = Some(add_raw_time(meta.as_deref(), raw)?);
                }
                Some(us)
            }
        };
        let data = match &data_f {
            Some(d) => d.raw_text().into_owned(),
            None => {
                // No data member: the data is the record minus the mapped fields.
                let mut s = String::with_capacity(len);
                s.push('{');
                let mut first = true;
                for (i, (k, v)) in top.0.iter().enumerate() {
                    if used.contains(&i) {
                        continue;
                    }
                    if !first {
                        s.push(',');
                    }
                    first = false;
                    s.push_str(&serde_json::to_string(k.as_ref()).map_err(|e| e.to_string())?);
                    s.push(':');
                    s.push_str(v.get());
                }
                s.push('}');
                s
            }
        };
        // rewind's own normalized form (`rewind export`) says how each record
        // changes its stream's state; only beside an explicit data member, so a
        // `kind` that is part of a record's implicit data stays data.
        let kind = Kind::from_export_name(
            data_f
                .as_ref()
                .and(top.get("kind"))
                .and_then(|k| k.get().strip_prefix('"')?.strip_suffix('"')),
        );
        Ok(Record {
            stream,
            seq,
            id: Some(id),
            ty,
            time,
            kind,
            data,
            meta,
            loc,
            ..Record::default()
        })
    }

    /// Map one snapshot-file record `{"stream", "seq"?, "time"?, "state"}`.
    pub fn map_snapshot(&self, bytes: &[u8], loc: u64, index: u64) -> Result<Record, String> {
        let top = TopLevel::parse(bytes)?;
        let f = &self.fields;
        let state = top.get("state").ok_or("snapshot record has no \"state\"")?;
        let stream = match self.locate(&top, &f.stream, STREAM)? {
            Some(s) => scalar_text(&s, "stream")?,
            None => "default".to_string(),
        };
        let seq = match self.locate(&top, &f.seq, SEQ)? {
            Some(s) => Some(int_field(&s, "seq")?),
            None => None,
        };
        let time = match self.locate(&top, &f.time, TIME)? {
            Some(t) => Some(time_field(&t)?.0),
            None => None,
        };
        let id = match self.locate(&top, &f.id, ID)? {
            Some(s) => scalar_text(&s, "id")?,
            None => generated_id(&self.input_name, index),
        };
        let meta = self.locate(&top, &f.meta, META)?.map(|m| m.raw_text().into_owned());
        Ok(Record {
            stream,
            seq,
            id: Some(id),
            ty: "snapshot".to_string(),
            time,
            kind: Kind::Snapshot,
            data: state.get().to_string(),
            meta,
            loc,
            ..Record::default()
        })
    }
}

/// Does this record look like a snapshot-file record (docs/formats.md §1)?
pub fn looks_like_snapshot(bytes: &[u8]) -> bool {
    match TopLevel::parse(bytes) {
        Ok(top) => top.get("state").is_some() && top.find(TYPE).is_none(),
        Err(_) => false,
    }
}

/// A stable id for records without one: the input's file name and record index.
pub fn generated_id(input_name: &str, index: u64) -> String {
    format!(
        "{:016x}",
        crate::hash::fnv1a_parts(&[input_name.as_bytes(), &index.to_le_bytes()])
    )
}

fn scalar_text(f: &Found, what: &str) -> Result<String, String> {
    if let Some(s) = f.plain_str() {
        return Ok(s.to_string());
    }
    let v = f.value()?;
    match v.as_ref() {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!(
            "{what}: expected a string, found {}",
            crate::replay::apply::type_name(other)
        )),
    }
}

fn parse_int(raw: &str) -> Option<i64> {
    let t = raw.trim();
    let t = t.strip_prefix('"').and_then(|x| x.strip_suffix('"')).unwrap_or(t);
    t.parse::<i64>().ok()
}

fn int_field(f: &Found, what: &str) -> Result<i64, String> {
    if let Found::Raw(_, r) = f {
        // A plain JSON integer (validated JSON: no sign or leading-zero oddities).
        if let Ok(n) = r.get().parse::<i64>() {
            return Ok(n);
        }
    }
    let v = f.value()?;
    let parsed = match v.as_ref() {
        Value::Number(n) => n.as_i64().or_else(|| n.to_string().parse::<i64>().ok()),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| format!("{what}: expected an integer, found {}", short(&v.to_string())))
}

/// Returns µs and, when the value was not RFC 3339, the raw value to keep in meta.
fn time_field(f: &Found) -> Result<(i64, Option<Value>), String> {
    if let Some(us) = f.plain_str().and_then(time::parse_rfc3339) {
        return Ok((us, None));
    }
    let v = f.value()?;
    match v.as_ref() {
        Value::String(s) => match time::parse_rfc3339(s) {
            Some(us) => Ok((us, None)),
            None => match s.trim().parse::<f64>().ok().and_then(time::epoch_to_micros) {
                Some(us) => Ok((us, Some(v.as_ref().clone()))),
                None => Err(format!("time: not an RFC 3339 time or epoch number: {}", short(s))),
            },
        },
        Value::Number(n) => {
            let text = n.to_string();
            let us = match text.parse::<i128>() {
                Ok(i) => time::epoch_int_to_micros(i),
                Err(_) => text.parse::<f64>().ok().and_then(time::epoch_to_micros),
            };
            us.map(|us| (us, Some(v.as_ref().clone())))
                .ok_or_else(|| format!("time: epoch number out of range: {text}"))
        }
        other => Err(format!(
            "time: expected a string or number, found {}",
            crate::replay::apply::type_name(other)
        )),
    }
}

/// Keep the raw time value in meta (docs/formats.md §0) under `rawTime`.
fn add_raw_time(meta: Option<&str>, raw: Value) -> Result<String, String> {
    let mut m = match meta {
        Some(text) => match serde_json::from_str::<Value>(text).map_err(|e| e.to_string())? {
            Value::Object(o) => o,
            other => {
                let mut o = serde_json::Map::new();
                o.insert("meta".to_string(), other);
                o
            }
        },
        None => serde_json::Map::new(),
    };
    m.insert("rawTime".to_string(), raw);
    Ok(Value::Object(m).to_string())
}

fn short(s: &str) -> String {
    crate::sanitize::truncate(&crate::sanitize::clean(s), 60).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapper() -> Mapper {
        Mapper {
            fields: FieldOverrides::default(),
            input_name: "t.jsonl".into(),
        }
    }

    #[test]
    fn maps_first_name_present() {
        let r = mapper()
            .map_event(br#"{"aggregateId":"m/1","eventType":"Promoted","timestamp":1700000000000,"payload":{"stage":"prod"},"version":3,"eventId":"e1"}"#, 7, 0)
            .expect("map");
        assert_eq!(r.stream, "m/1");
        assert_eq!(r.ty, "Promoted");
        assert_eq!(r.seq, Some(3));
        assert_eq!(r.id.as_deref(), Some("e1"));
        assert_eq!(r.time, Some(1_700_000_000_000_000));
        assert_eq!(r.data, r#"{"stage":"prod"}"#);
        assert_eq!(r.meta.as_deref(), Some(r#"{"rawTime":1700000000000}"#));
        assert_eq!(r.loc, 7);
    }

    #[test]
    fn data_defaults_to_the_rest_of_the_record() {
        let r = mapper()
            .map_event(br#"{"stream":"s","type":"T","a":1,"b\"":{"c":[2]}}"#, 1, 0)
            .expect("map");
        assert_eq!(r.data, r#"{"a":1,"b\"":{"c":[2]}}"#);
        let r = mapper().map_event(br#"{"x":1}"#, 1, 5).expect("map");
        assert_eq!((r.stream.as_str(), r.ty.as_str()), ("default", "event"));
        assert_eq!(r.id, Some(generated_id("t.jsonl", 5)));
    }

    #[test]
    fn overrides_use_pointers() {
        let m = Mapper {
            fields: FieldOverrides {
                stream: Some(vec!["env".into(), "sid".into()]),
                time: Some(vec!["at".into()]),
                ..Default::default()
            },
            input_name: "x".into(),
        };
        let r = m
            .map_event(
                br#"{"env":{"sid":"s-1"},"at":"2026-01-01T00:00:00Z","type":"T","data":{}}"#,
                1,
                0,
            )
            .expect("map");
        assert_eq!(r.stream, "s-1");
        assert_eq!(r.time, crate::time::parse_rfc3339("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn wrong_types_are_errors() {
        let e = mapper()
            .map_event(br#"{"stream":{"a":1},"type":"T"}"#, 1, 0)
            .expect_err("stream");
        assert!(e.contains("stream: expected a string"), "{e}");
        let e = mapper().map_event(br#"{"seq":"x","type":"T"}"#, 1, 0).expect_err("seq");
        assert!(e.contains("seq: expected an integer"), "{e}");
        let e = mapper().map_event(br#"{"time":"yesterday"}"#, 1, 0).expect_err("time");
        assert!(e.contains("time:"), "{e}");
        let e = mapper().map_event(b"{\"a\":\"\xff\"}", 1, 0).expect_err("utf8");
        assert!(e.contains("invalid UTF-8"), "{e}");
        let e = mapper().map_event(br#"{"a":1"#, 1, 0).expect_err("eof");
        assert!(e.contains("truncated"), "{e}");
        let e = mapper().map_event(br#"[1]"#, 1, 0).expect_err("array");
        assert!(e.contains("object"), "{e}");
    }

    #[test]
    fn snapshot_records() {
        assert!(looks_like_snapshot(br#"{"stream":"s","seq":3,"state":{"a":1}}"#));
        assert!(!looks_like_snapshot(br#"{"stream":"s","type":"T","state":{"a":1}}"#));
        let r = mapper()
            .map_snapshot(br#"{"stream":"s","seq":3,"state":{"a":1}}"#, 2, 0)
            .expect("snap");
        assert_eq!(
            (r.kind, r.seq, r.data.as_str()),
            (Kind::Snapshot, Some(3), r#"{"a":1}"#)
        );
    }

    #[test]
    fn kind_beside_explicit_data_is_the_records_kind() {
        let kind = |text: &str| mapper().map_event(text.as_bytes(), 1, 0).expect("maps").kind;
        assert_eq!(
            kind(r#"{"stream":"s","type":"T","kind":"snapshot","data":{}}"#),
            Kind::Snapshot
        );
        assert_eq!(
            kind(r#"{"stream":"s","type":"T","kind":"image","data":{}}"#),
            Kind::Image
        );
        assert_eq!(
            kind(r#"{"stream":"s","type":"T","kind":"delete","data":null}"#),
            Kind::Delete
        );
        assert_eq!(
            kind(r#"{"stream":"s","type":"T","kind":"event","data":{}}"#),
            Kind::Event
        );
        // Without a data member, `kind` is part of the record's implicit data.
        let r = mapper()
            .map_event(br#"{"stream":"s","type":"T","kind":"snapshot"}"#, 1, 0)
            .expect("maps");
        assert_eq!((r.kind, r.data.as_str()), (Kind::Event, r#"{"kind":"snapshot"}"#));
    }
}
