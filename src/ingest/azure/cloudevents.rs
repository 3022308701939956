//! CloudEvents 1.0 structured JSON (docs/formats.md §6): one event, a batch array, or
//! JSON Lines. stream = subject, else source; extensions go to meta; `data_base64`
//! is decoded (JSON when it parses, else `{"$bytes"}`; kept raw with a warning when
//! it is not base64 or not the JSON its content type says); the dedupe key is (source, id).

use base64::Engine;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::eventgrid::text;
use crate::ingest::mapping::{Raw, TopLevel};
use crate::ingest::undecodable;
use crate::model::{Kind, Record};
use crate::time;

/// A CloudEvent has `specversion`, `id`, `source` and `type`; generic records
/// never carry `specversion`.
pub fn looks_like(v: &Value) -> bool {
    let Some(o) = v.as_object() else { return false };
    o.contains_key("specversion") && o.contains_key("id") && o.contains_key("source") && o.contains_key("type")
}

/// Same test on an already split record.
pub fn top_looks_like(top: &TopLevel) -> bool {
    ["specversion", "id", "source", "type"]
        .iter()
        .all(|n| top.get(n).is_some())
}

pub fn map(bytes: &[u8], loc: u64) -> Result<Record, String> {
    map_top(&TopLevel::parse(bytes)?, loc)
}

pub fn map_top(top: &TopLevel, loc: u64) -> Result<Record, String> {
    let mut id = None;
    let mut source = None;
    let mut ty = None;
    let mut subject = None;
    let mut time_raw = None;
    let mut data: Option<Raw> = None;
    let mut data_base64 = None;
    let mut meta = Map::new();
    let mut warning = None;
    for (k, v) in &top.0 {
        // A null attribute is an unset one (JSON format §2.2).
        if v.get() == "null" && k != "data" {
            continue;
        }
        match k.as_ref() {
            "id" => id = Some(text(v.get(), k)?),
            "source" => source = Some(text(v.get(), k)?),
            "type" => ty = Some(text(v.get(), k)?),
            "subject" => subject = Some(text(v.get(), k)?),
            "time" => time_raw = Some(text(v.get(), k)?),
            "data" => data = Some(*v),
            "data_base64" => data_base64 = Some(text(v.get(), k)?),
            _ => {
                let value: Value = serde_json::from_str(v.get()).map_err(|e| format!("{k}: {e}"))?;
                meta.insert(k.to_string(), value);
            }
        }
    }
    if top.get("specversion").is_none() {
        return Err("CloudEvent without \"specversion\"".to_string());
    }
    let id = id.ok_or("CloudEvent without \"id\"")?;
    let source = source.ok_or("CloudEvent without \"source\"")?;
    let ty = ty.ok_or("CloudEvent without \"type\"")?;
    let time = match &time_raw {
        Some(t) => Some(time::parse_rfc3339(t).ok_or_else(|| format!("time: not an RFC 3339 time: {t}"))?),
        None => None,
    };
    let data = match (data, data_base64) {
        (Some(_), Some(_)) => return Err("CloudEvent has both \"data\" and \"data_base64\"".to_string()),
        // A JSON content type (or none) means the value is the data; any other
        // type's data is a string, kept as one: both are the raw JSON text.
        (Some(d), None) => d.get().to_string(),
        (None, Some(b64)) => match base64::engine::general_purpose::STANDARD.decode(b64.trim()) {
            Err(e) => keep_raw(
                b64.as_bytes(),
                format!("data_base64: invalid base64: {e}"),
                &mut warning,
            ),
            Ok(bytes) => {
                let declared = meta.get("datacontenttype").and_then(Value::as_str);
                match serde_json::from_slice::<&RawValue>(&bytes) {
                    Ok(raw) => raw.get().to_string(),
                    Err(e) if declared.is_some_and(is_json_type) => keep_raw(
                        &bytes,
                        format!(
                            "data_base64: content type {} but the data is not JSON: {e}",
                            crate::sanitize::quote(declared.unwrap_or(""))
                        ),
                        &mut warning,
                    ),
                    Err(_) => dollar_bytes(&bytes),
                }
            }
        },
        (None, None) => "null".to_string(),
    };
    meta.insert("source".to_string(), Value::String(source.clone()));
    let stream = subject.unwrap_or_else(|| source.clone());
    let dedupe = serde_json::to_string(&[&source, &id]).map_err(|e| e.to_string())?;
    Ok(Record {
        stream,
        id: Some(id),
        ty,
        time,
        kind: Kind::Event,
        data,
        meta: Some(Value::Object(meta).to_string()),
        loc,
        dedupe: Some(format!("cloudevents\u{0}{dedupe}")),
        warning,
        ..Record::default()
    })
}

/// An undecodable payload's data, kept raw, and the warning that reports it.
fn keep_raw(raw: &[u8], why: String, warning: &mut Option<String>) -> String {
    let data = undecodable::data(raw, &why);
    *warning = Some(format!("payload kept undecoded: {why}"));
    data
}

/// `application/json`, `text/json` and any `+json` type (parameters ignored).
pub fn is_json_type(content_type: &str) -> bool {
    let t = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    t == "application/json" || t == "text/json" || t.ends_with("+json")
}

pub fn dollar_bytes(bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("{{\"$bytes\":\"{b64}\"}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_base64_is_decoded_to_json_or_bytes() {
        let r = map(
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data_base64":"eyJhIjoxfQ=="}"#,
            1,
        )
        .expect("maps");
        assert_eq!(r.data, r#"{"a":1}"#);
        assert_eq!(r.stream, "/s");
        let r = map(
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data_base64":"Y2xvdWRldmVudA=="}"#,
            1,
        )
        .expect("maps");
        assert_eq!(r.data, r#"{"$bytes":"Y2xvdWRldmVudA=="}"#);
    }

    #[test]
    fn bad_payloads_are_reported() {
        let both = br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{},"data_base64":"e30="}"#;
        assert!(map(both, 1).expect_err("both").contains("both"));
        let bad = br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data_base64":"... base64 ..."}"#;
        let kept = map(bad, 1).expect("kept");
        assert!(kept.warning.as_deref().is_some_and(|w| w.contains("invalid base64")));
        let data: Value = serde_json::from_str(&kept.data).expect("json");
        assert_eq!(data["$undecodable"], "... base64 ...");
        let text = br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","datacontenttype":"application/cloudevents+json; charset=utf-8","data_base64":"bm90IGpzb24="}"#;
        let kept = map(text, 1).expect("kept");
        assert!(kept.warning.as_deref().is_some_and(|w| w.contains("not JSON")));
        assert_eq!(
            serde_json::from_str::<Value>(&kept.data).expect("json")["$undecodable"],
            "not json"
        );
        let no_source = br#"{"specversion":"1.0","id":"1","type":"t"}"#;
        assert!(map(no_source, 1).expect_err("source").contains("source"));
    }

    #[test]
    fn extensions_go_to_meta_and_subject_names_the_stream() {
        let r = map(
            br#"{"specversion":"1.0","id":"1","source":"/s","subject":"agents/a1","type":"t","comexampleext":"x","unset":null,"data":"<a/>","datacontenttype":"text/xml"}"#,
            1,
        )
        .expect("maps");
        assert_eq!(r.stream, "agents/a1");
        assert_eq!(r.data, r#""<a/>""#);
        let meta: Value = serde_json::from_str(r.meta.as_deref().expect("meta")).expect("json");
        assert_eq!(meta["comexampleext"], "x");
        assert_eq!(meta["specversion"], "1.0");
        assert!(meta.get("unset").is_none());
    }
}
