//! A hypothesis: an ordered list of edits against a recording (docs/whatif.md).
//! Positions always refer to the original recording. Pure: parsing and the
//! `--whatif` file format; [`crate::recording::Fork`] applies one.

use std::fmt;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::model::Kind;
use crate::sanitize::quote;

/// One edit of a hypothesis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Leave out the events `from..=to`.
    Skip { from: u64, to: u64 },
    /// Event `at` carries `data` instead of its own.
    SetData { at: u64, data: Value },
    /// A new event right after event `after` (0: before the first).
    Insert { after: u64, event: NewEvent },
}

/// An event a hypothesis inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub stream: String,
    pub ty: String,
    pub kind: Kind,
    pub data: Value,
    /// UTC microseconds; `None`: the time of the event it follows.
    pub time: Option<i64>,
    pub seq: Option<i64>,
    /// `None`: `whatif:N+K`, its place in the hypothetical recording.
    pub id: Option<String>,
    pub meta: Option<Value>,
}

/// The edits, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hypothesis {
    pub edits: Vec<Edit>,
}

/// A bad edit: what was given and why it is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError(pub String);

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EditError {}

fn err<T>(msg: String) -> Result<T, EditError> {
    Err(EditError(msg))
}

impl Edit {
    /// The first original position whose point the edit can change.
    pub fn first_point(&self) -> u64 {
        match self {
            Edit::Skip { from, .. } => *from,
            Edit::SetData { at, .. } => *at,
            Edit::Insert { after, .. } => *after,
        }
    }

    /// A few words for messages: `skip 652`, `new data for 652`, `insert after 652`.
    pub fn describe(&self) -> String {
        match self {
            Edit::Skip { from, to } if from == to => format!("skip {from}"),
            Edit::Skip { from, to } => format!("skip {from}..{to}"),
            Edit::SetData { at, .. } => format!("new data for {at}"),
            Edit::Insert { after, .. } => format!("insert after {after}"),
        }
    }

    /// The edit as a command-line flag, for the command line that reproduces it.
    pub fn to_flag(&self) -> String {
        let compact = |v: &Value| crate::json::write::to_string_compact(v);
        match self {
            Edit::Skip { from, to } if from == to => format!("--skip {from}"),
            Edit::Skip { from, to } => format!("--skip {from}..{to}"),
            Edit::SetData { at, data } => format!("--set-data {at}={}", compact(data)),
            Edit::Insert { after, event } => format!("--insert {after}={}", compact(&event.to_json())),
        }
    }

    /// The edit as an element of the `--whatif` file's `edits`.
    pub fn to_json(&self) -> Value {
        match self {
            Edit::Skip { from, to } if from == to => json!({ "skip": from }),
            Edit::Skip { from, to } => json!({ "skip": format!("{from}..{to}") }),
            Edit::SetData { at, data } => json!({ "set_data": { "at": at, "data": data } }),
            Edit::Insert { after, event } => json!({ "insert": { "after": after, "event": event.to_json() } }),
        }
    }
}

impl NewEvent {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("stream".into(), Value::String(self.stream.clone()));
        m.insert("type".into(), Value::String(self.ty.clone()));
        if self.kind != Kind::Event {
            m.insert("kind".into(), Value::String(self.kind.as_str().into()));
        }
        m.insert("data".into(), self.data.clone());
        if let Some(t) = self.time {
            m.insert("time".into(), Value::String(crate::time::format_micros(t)));
        }
        if let Some(s) = self.seq {
            m.insert("seq".into(), s.into());
        }
        if let Some(id) = &self.id {
            m.insert("id".into(), Value::String(id.clone()));
        }
        if let Some(meta) = &self.meta {
            m.insert("meta".into(), meta.clone());
        }
        Value::Object(m)
    }

    /// Read an inserted event's object; `what` names it in errors.
    pub fn from_json(v: &Value, what: &str) -> Result<NewEvent, EditError> {
        let Value::Object(m) = v else {
            return err(format!(
                "{what}: an inserted event is a JSON object with \"stream\", \"type\" and \"data\""
            ));
        };
        const KNOWN: [&str; 8] = ["stream", "type", "kind", "data", "time", "seq", "id", "meta"];
        if let Some(k) = m.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return err(format!(
                "{what}: unknown field {} (an inserted event has {})",
                quote(k),
                KNOWN.join(", ")
            ));
        }
        let text = |name: &str| -> Result<Option<String>, EditError> {
            match m.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
                Some(_) => err(format!("{what}: \"{name}\" must be a non-empty string")),
            }
        };
        let Some(stream) = text("stream")? else {
            return err(format!("{what}: an inserted event needs a \"stream\""));
        };
        let Some(ty) = text("type")? else {
            return err(format!("{what}: an inserted event needs a \"type\""));
        };
        let kind = match text("kind")?.as_deref() {
            None | Some("event") => Kind::Event,
            Some("image") => Kind::Image,
            Some("delete") => Kind::Delete,
            Some("snapshot") => Kind::Snapshot,
            Some(k) => {
                return err(format!(
                    "{what}: \"kind\" {} is not event, image, delete or snapshot",
                    quote(k)
                ))
            }
        };
        let data = match m.get("data") {
            Some(d) => d.clone(),
            None if kind == Kind::Delete => Value::Null,
            None => return err(format!("{what}: an inserted event needs \"data\"")),
        };
        let time = match m.get("time") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => match crate::time::parse_rfc3339(s) {
                Some(t) => Some(t),
                None => return err(format!("{what}: \"time\" {} is not an RFC 3339 time", quote(s))),
            },
            Some(_) => return err(format!("{what}: \"time\" must be an RFC 3339 string")),
        };
        let seq = match m.get("seq") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_i64() {
                Some(s) => Some(s),
                None => return err(format!("{what}: \"seq\" must be a whole number")),
            },
        };
        Ok(NewEvent {
            stream,
            ty,
            kind,
            data,
            time,
            seq,
            id: text("id")?,
            meta: m.get("meta").filter(|v| !v.is_null()).cloned(),
        })
    }
}

/// A position: a whole number.
fn position(text: &str, what: &str) -> Result<u64, EditError> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return err(format!("{what}: {} is not a position (a whole number)", quote(text)));
    }
    t.parse()
        .or_else(|_| err(format!("{what}: position {} is too large", quote(text))))
}

/// `N` or `A..B` (both ends included).
fn range(text: &str, what: &str) -> Result<(u64, u64), EditError> {
    let (from, to) = match text.split_once("..") {
        Some((a, b)) => (position(a, what)?, position(b, what)?),
        None => {
            let n = position(text, what)?;
            (n, n)
        }
    };
    if from == 0 {
        return err(format!("{what}: position 0 is before the first event; events are 1.."));
    }
    if to < from {
        return err(format!("{what}: the range {} ends before it starts", quote(text)));
    }
    Ok((from, to))
}

/// JSON given inline or as `@FILE`.
fn json_arg(text: &str, what: &str) -> Result<Value, EditError> {
    match text.strip_prefix('@') {
        Some(path) => {
            let body = std::fs::read_to_string(path).map_err(|e| {
                EditError(format!(
                    "{what}: cannot read {}: {}",
                    quote(path),
                    crate::ioerr::describe(&e)
                ))
            })?;
            parse_json(&body, &format!("{what}: {}", quote(path)))
        }
        None => parse_json(text, what),
    }
}

fn parse_json(text: &str, what: &str) -> Result<Value, EditError> {
    serde_json::from_str(text).map_err(|e| EditError(format!("{what}: invalid JSON: {e}")))
}

/// `N=VALUE` of `--set-data` and `--insert`.
fn split_at_eq<'a>(text: &'a str, what: &str) -> Result<(&'a str, &'a str), EditError> {
    text.split_once('=')
        .ok_or_else(|| EditError(format!("{what}: expected N=JSON or N=@FILE, got {}", quote(text))))
}

impl Hypothesis {
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// `--skip N` or `--skip A..B`.
    pub fn parse_skip(text: &str) -> Result<Edit, EditError> {
        let (from, to) = range(text, &format!("--skip {}", quote(text)))?;
        Ok(Edit::Skip { from, to })
    }

    /// `--set-data N=JSON` or `N=@FILE`.
    pub fn parse_set_data(text: &str) -> Result<Edit, EditError> {
        let what = "--set-data";
        let (n, value) = split_at_eq(text, what)?;
        let at = position(n, what)?;
        if at == 0 {
            return err(format!("{what}: position 0 is before the first event; events are 1.."));
        }
        Ok(Edit::SetData {
            at,
            data: json_arg(value, &format!("{what} {at}"))?,
        })
    }

    /// `--insert N=JSON` or `N=@FILE`.
    pub fn parse_insert(text: &str) -> Result<Edit, EditError> {
        let what = "--insert";
        let (n, value) = split_at_eq(text, what)?;
        let after = position(n, what)?;
        let what = format!("{what} {after}");
        let event = NewEvent::from_json(&json_arg(value, &what)?, &what)?;
        Ok(Edit::Insert { after, event })
    }

    /// A `--whatif` file: `{"edits": [{"skip": N | "A..B"}, {"set_data": {"at", "data"}},
    /// {"insert": {"after", "event"}}]}`.
    pub fn parse_file(text: &str, name: &str) -> Result<Hypothesis, EditError> {
        let v: Value = serde_json::from_str(text).map_err(|e| EditError(format!("{name}: invalid JSON: {e}")))?;
        let Some(edits) = v.get("edits").and_then(Value::as_array) else {
            return err(format!("{name}: expected {{\"edits\": [...]}}"));
        };
        if let Some(k) = v.as_object().and_then(|m| m.keys().find(|k| k.as_str() != "edits")) {
            return err(format!(
                "{name}: unknown field {} (a --whatif file has \"edits\")",
                quote(k)
            ));
        }
        let mut out = Vec::with_capacity(edits.len());
        for (i, e) in edits.iter().enumerate() {
            let what = format!("{name}: edit {}", i + 1);
            out.push(Self::edit_from_json(e, &what)?);
        }
        Ok(Hypothesis { edits: out })
    }

    pub fn load_file(path: &Path) -> Result<Hypothesis, EditError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| EditError(format!("--whatif {}: {}", quote(&name), crate::ioerr::describe(&e))))?;
        Self::parse_file(&text, &name)
    }

    fn edit_from_json(e: &Value, what: &str) -> Result<Edit, EditError> {
        let Some(m) = e.as_object().filter(|m| m.len() == 1) else {
            return err(format!(
                "{what}: an edit is an object with one of \"skip\", \"set_data\", \"insert\""
            ));
        };
        let (key, body) = m.iter().next().expect("one member");
        let at = |name: &str| -> Result<u64, EditError> {
            match body.get(name) {
                Some(Value::Number(n)) => n
                    .as_u64()
                    .ok_or_else(|| EditError(format!("{what}: \"{name}\" must be a position (a whole number)"))),
                Some(Value::String(s)) => position(s, what),
                _ => err(format!("{what}: {key} needs \"{name}\" (a position)")),
            }
        };
        match key.as_str() {
            "skip" => {
                let text = match body {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.clone(),
                    _ => return err(format!("{what}: \"skip\" is a position N or a range \"A..B\"")),
                };
                let (from, to) = range(&text, what)?;
                Ok(Edit::Skip { from, to })
            }
            "set_data" => {
                let at = at("at")?;
                if at == 0 {
                    return err(format!("{what}: position 0 is before the first event; events are 1.."));
                }
                let data = body
                    .get("data")
                    .cloned()
                    .ok_or_else(|| EditError(format!("{what}: set_data needs \"data\"")))?;
                Ok(Edit::SetData { at, data })
            }
            "insert" => {
                let after = at("after")?;
                let event = body
                    .get("event")
                    .ok_or_else(|| EditError(format!("{what}: insert needs \"event\"")))?;
                Ok(Edit::Insert {
                    after,
                    event: NewEvent::from_json(event, what)?,
                })
            }
            other => err(format!(
                "{what}: unknown edit {} (one of \"skip\", \"set_data\", \"insert\")",
                quote(other)
            )),
        }
    }

    /// Does an edit leave event `pos` out?
    pub fn is_skipped(&self, pos: u64) -> bool {
        self.edits
            .iter()
            .any(|e| matches!(e, Edit::Skip { from, to } if *from <= pos && pos <= *to))
    }

    /// The data event `pos` carries instead of its own (the last such edit).
    pub fn data_at(&self, pos: u64) -> Option<&Value> {
        self.edits.iter().rev().find_map(|e| match e {
            Edit::SetData { at, data } if *at == pos => Some(data),
            _ => None,
        })
    }

    /// The events inserted right after event `pos`, in order.
    pub fn inserted_after(&self, pos: u64) -> Vec<&NewEvent> {
        self.edits
            .iter()
            .filter_map(|e| match e {
                Edit::Insert { after, event } if *after == pos => Some(event),
                _ => None,
            })
            .collect()
    }

    /// Skip event `pos`, or (when a skip of exactly it exists) restore it; true
    /// when it is skipped afterwards.
    pub fn toggle_skip(&mut self, pos: u64) -> bool {
        let own = |e: &Edit| matches!(e, Edit::Skip { from, to } if *from == pos && *to == pos);
        if self.edits.iter().any(own) {
            self.edits.retain(|e| !own(e));
            false
        } else {
            self.edits.push(Edit::Skip { from: pos, to: pos });
            true
        }
    }

    /// Does any edit change the state at point `pos` or before?
    pub fn touches_up_to(&self, pos: u64) -> bool {
        self.edits.iter().any(|e| e.first_point() <= pos)
    }

    /// The `--whatif` file's JSON.
    pub fn to_json(&self) -> Value {
        json!({ "edits": self.edits.iter().map(Edit::to_json).collect::<Vec<_>>() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        assert_eq!(Hypothesis::parse_skip("652"), Ok(Edit::Skip { from: 652, to: 652 }));
        assert_eq!(
            Hypothesis::parse_skip("700..710"),
            Ok(Edit::Skip { from: 700, to: 710 })
        );
        assert!(Hypothesis::parse_skip("710..700").is_err());
        assert!(Hypothesis::parse_skip("0").is_err());
        assert!(Hypothesis::parse_skip("x").is_err());
        assert_eq!(
            Hypothesis::parse_set_data(r#"5={"a":1}"#),
            Ok(Edit::SetData {
                at: 5,
                data: json!({"a": 1})
            })
        );
        let e = Hypothesis::parse_set_data("5={oops").expect_err("invalid JSON");
        assert!(e.0.contains("invalid JSON"), "{e}");
        let e = Hypothesis::parse_insert(r#"3={"type":"T","data":{}}"#).expect_err("no stream");
        assert!(e.0.contains("needs a \"stream\""), "{e}");
        let Ok(Edit::Insert { after: 0, event }) =
            Hypothesis::parse_insert(r#"0={"stream":"s","type":"T","data":1,"time":"2026-01-01T00:00:00Z","seq":4}"#)
        else {
            panic!("insert parses");
        };
        assert_eq!((event.stream.as_str(), event.seq), ("s", Some(4)));
    }

    #[test]
    fn file_round_trips() {
        let text = r#"{"edits": [{"skip": 652}, {"skip": "700..710"},
            {"set_data": {"at": 700, "data": {"x": [1]}}},
            {"insert": {"after": 652, "event": {"stream": "a", "type": "T", "data": {}, "id": "e1"}}}]}"#;
        let h = Hypothesis::parse_file(text, "h.json").expect("parses");
        assert_eq!(h.edits.len(), 4);
        let again = Hypothesis::parse_file(&h.to_json().to_string(), "again").expect("reparses");
        assert_eq!(again, h);
        for bad in [
            r#"{"edits": [{"skip": 1, "insert": {}}]}"#,
            r#"{"edits": [{"jump": 1}]}"#,
            r#"{"edit": []}"#,
            r#"{"edits": [{"insert": {"after": 1, "event": {"type": "T", "data": 1}}}]}"#,
        ] {
            assert!(Hypothesis::parse_file(bad, "bad.json").is_err(), "{bad}");
        }
    }
}
