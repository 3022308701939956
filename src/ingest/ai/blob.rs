//! LangGraph's serialized values: the `type` column says how the bytes are
//! written (`msgpack`, `json`, `null`, `bytes`, `pickle`, `msgpack+aes`, …).

use base64::Engine;
use rusqlite::types::ValueRef;
use serde_json::{json, Value};

use super::msgpack;

/// A blob larger than this is not read: the record keeps its size and a report
/// (a state that large would not be useful to look at whole anyway).
pub const MAX_BLOB: u64 = 256 * 1024 * 1024;

pub struct Decoded {
    /// The plain JSON, or the `{"$undecodable", "$error"}` object kept instead.
    pub value: Result<Value, Value>,
    /// Why the value is kept undecoded, for the import's report.
    pub problem: Option<String>,
}

/// A BLOB or TEXT column as bytes.
pub fn column_bytes(v: ValueRef<'_>) -> Option<Vec<u8>> {
    match v {
        ValueRef::Blob(b) | ValueRef::Text(b) => Some(b.to_vec()),
        _ => None,
    }
}

fn undecodable(what: &str, why: String) -> Decoded {
    Decoded {
        value: Err(json!({ "$undecodable": what, "$error": why })),
        problem: Some(why),
    }
}

/// Decode one serialized value; `size` is the column's length (the bytes are
/// `None` when it is past [`MAX_BLOB`] or SQL NULL).
pub fn decode(ty: Option<&str>, bytes: Option<&[u8]>, size: i64) -> Decoded {
    let ty = ty.unwrap_or("null");
    if size as u64 > MAX_BLOB {
        return undecodable(
            ty,
            format!("{size} bytes of {ty}, over the {} MiB a value may have", MAX_BLOB >> 20),
        );
    }
    let bytes = bytes.unwrap_or_default();
    let ok = |v| Decoded {
        value: Ok(v),
        problem: None,
    };
    match ty {
        "null" | "empty" => ok(Value::Null),
        "msgpack" => match msgpack::to_json(bytes) {
            Ok(v) => ok(v),
            Err(e) => undecodable("msgpack", format!("msgpack: {e}")),
        },
        "json" => match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => ok(lc_objects(v)),
            Err(e) => undecodable("json", format!("json: {e}")),
        },
        "bytes" | "bytearray" => ok(Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))),
        "pickle" => undecodable(
            "pickle",
            format!(
                "a pickle blob of {} bytes, kept undecoded: rewind never unpickles",
                bytes.len()
            ),
        ),
        t if t.contains('+') => undecodable(
            t,
            format!(
                "an encrypted blob ({t}, {} bytes), kept undecoded: rewind has no key for it",
                bytes.len()
            ),
        ),
        t => undecodable(
            t,
            format!(
                "unknown serialization type {}, kept undecoded",
                crate::sanitize::quote(t)
            ),
        ),
    }
}

/// LangChain's JSON serialization of an object (`{"lc": 1, "type":
/// "constructor", "id": [...], "kwargs": {...}}`) as its fields, like the
/// msgpack form's model dump.
fn lc_objects(v: Value) -> Value {
    match v {
        Value::Object(mut m) => {
            let constructor = m.get("lc").is_some_and(|x| x == 1)
                && m.get("type").and_then(Value::as_str) == Some("constructor")
                && m.get("kwargs").is_some_and(Value::is_object);
            if constructor {
                if let Some(Value::Object(kw)) = m.remove("kwargs") {
                    return Value::Object(kw.into_iter().map(|(k, v)| (k, lc_objects(v))).collect());
                }
            }
            Value::Object(m.into_iter().map(|(k, v)| (k, lc_objects(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(lc_objects).collect()),
        other => other,
    }
}
