//! RFC 6902 JSON Patch: `add`, `remove`, `replace`, `move`, `copy` and `test`, applied
//! atomically.
//!
//! The reducer's `patch` rule (docs/model.md §4) requires that a failing operation leaves the
//! stream's state unchanged, so [`apply_patch`] either applies every operation or none.

use serde_json::{Map, Value};

use super::eq::json_eq;
use super::pointer;
use crate::sanitize::quote;

/// A patch that could not be applied: which operation (0-based), its `op` name (`"?"` when the
/// operation has no usable `op`), and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("patch operation {index} ({op}): {reason}")]
pub struct PatchError {
    pub index: usize,
    pub op: String,
    pub reason: String,
}

/// Applies an RFC 6902 patch (a JSON array of operation objects) to `doc`.
///
/// On any error `doc` is left exactly as it was. Members an operation does not use are
/// ignored (RFC 6902 §4); a missing or mistyped member it does use is an error.
pub fn apply_patch(doc: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let Value::Array(ops) = patch else {
        // There is no operation to blame; index 0 is the closest honest answer.
        return Err(PatchError {
            index: 0,
            op: "?".to_owned(),
            reason: format!("a JSON Patch must be an array of operations, got {}", type_name(patch)),
        });
    };
    if ops.is_empty() {
        return Ok(());
    }
    // Apply to a copy and swap it in only when every operation succeeded. Operations are
    // applied one after another (later ones see the effect of earlier ones), so a failure at
    // operation N would otherwise leave N-1 of them applied. An undo log would save the copy
    // but must invert every op exactly (array shifts, overwritten members, key positions);
    // a clone is obviously correct and states are small next to the cost of a replay.
    let mut work = doc.clone();
    for (index, op) in ops.iter().enumerate() {
        apply_op(&mut work, op).map_err(|(op, reason)| PatchError { index, op, reason })?;
    }
    *doc = work;
    Ok(())
}

/// Failure of one operation: its `op` name and the reason.
type OpError = (String, String);

fn apply_op(doc: &mut Value, op: &Value) -> Result<(), OpError> {
    let Value::Object(obj) = op else {
        return Err((
            "?".to_owned(),
            format!("an operation must be a JSON object, got {}", type_name(op)),
        ));
    };
    let name = match obj.get("op") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err((
                "?".to_owned(),
                format!("member 'op' must be a string, got {}", type_name(other)),
            ))
        }
        None => return Err(("?".to_owned(), "missing member 'op'".to_owned())),
    };
    let fail = |reason: String| (name.to_owned(), reason);
    match name {
        "add" => {
            let (path_text, path) = pointer_member(obj, "path").map_err(fail)?;
            let value = value_member(obj).map_err(fail)?;
            add(doc, path_text, &path, value.clone()).map_err(fail)
        }
        "remove" => {
            let (path_text, path) = pointer_member(obj, "path").map_err(fail)?;
            remove(doc, path_text, &path).map(drop).map_err(fail)
        }
        "replace" => {
            let (path_text, path) = pointer_member(obj, "path").map_err(fail)?;
            let value = value_member(obj).map_err(fail)?;
            let target = pointer::get_mut(doc, &path)
                .ok_or_else(|| format!("path {} does not exist", quote(path_text)))
                .map_err(fail)?;
            // Overwrite in place: same result as the RFC's remove+add, but an object
            // member keeps its position.
            *target = value.clone();
            Ok(())
        }
        "move" => {
            let (path_text, path) = pointer_member(obj, "path").map_err(fail)?;
            let (from_text, from) = pointer_member(obj, "from").map_err(fail)?;
            move_value(doc, (from_text, &from), (path_text, &path)).map_err(fail)
        }
        "copy" => {
            let (path_text, path) = pointer_member(obj, "path").map_err(fail)?;
            let (from_text, from) = pointer_member(obj, "from").map_err(fail)?;
            let value = pointer::get(doc, &from)
                .cloned()
                .ok_or_else(|| format!("'from' location {} does not exist", quote(from_text)))
                .map_err(fail)?;
            add(doc, path_text, &path, value).map_err(fail)
        }
        "test" => {
            let (path_text, path) = pointer_member(obj, "path").map_err(fail)?;
            let value = value_member(obj).map_err(fail)?;
            let actual = pointer::get(doc, &path)
                .ok_or_else(|| format!("path {} does not exist", quote(path_text)))
                .map_err(fail)?;
            // RFC 6902 §4.6: numbers are equal by value, object member order is irrelevant.
            if json_eq(actual, value) {
                Ok(())
            } else {
                Err(fail(format!(
                    "test failed: value at {} is not equal to the expected value",
                    quote(path_text)
                )))
            }
        }
        other => Err(fail(format!("unknown op {}", quote(other)))),
    }
}

/// Reads a pointer member (`path` or `from`): it must be present and a string.
fn pointer_member<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<(&'a str, Vec<String>), String> {
    match obj.get(key) {
        Some(Value::String(text)) => match pointer::parse(text) {
            Ok(tokens) => Ok((text.as_str(), tokens)),
            Err(e) => Err(format!("member '{key}': {e}")),
        },
        Some(other) => Err(format!("member '{key}' must be a string, got {}", type_name(other))),
        None => Err(format!("missing member '{key}'")),
    }
}

/// Reads the `value` member; it must be present, but `null` is a valid value.
fn value_member(obj: &Map<String, Value>) -> Result<&Value, String> {
    obj.get("value").ok_or_else(|| "missing member 'value'".to_owned())
}

/// RFC 6902 §4.1 `add`: set an object member, insert into an array (shifting the rest), or
/// replace the whole document when the path is `""`.
fn add(doc: &mut Value, path_text: &str, path: &[String], value: Value) -> Result<(), String> {
    let Some((last, parent_path)) = path.split_last() else {
        *doc = value;
        return Ok(());
    };
    // Missing intermediate nodes are an error, never created (RFC 6902 §4.1, spec test 4.1).
    let parent = pointer::get_mut(doc, parent_path).ok_or_else(|| {
        format!(
            "parent {} of path {} does not exist",
            quote(&pointer::to_pointer(parent_path)),
            quote(path_text)
        )
    })?;
    match parent {
        Value::Object(map) => {
            // An existing member is overwritten where it stands; a new one is appended.
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(arr) => {
            if last == "-" {
                arr.push(value);
                return Ok(());
            }
            let index = pointer::parse_index(last)
                .ok_or_else(|| format!("{} in path {} is not an array index", quote(last), quote(path_text)))?;
            // `index == len` appends; anything beyond would leave a hole, which JSON lacks.
            // (This check is also what keeps Vec::insert from panicking.)
            if index > arr.len() {
                return Err(format!(
                    "index {index} in path {} is out of bounds (array length {})",
                    quote(path_text),
                    arr.len()
                ));
            }
            arr.insert(index, value);
            Ok(())
        }
        other => Err(format!(
            "cannot add to path {}: its parent is {}, not an object or array",
            quote(path_text),
            type_name(other)
        )),
    }
}

/// RFC 6902 §4.2 `remove`: returns the removed value.
///
/// Removing `""` is refused: a JSON Patch document always has a value, so there is nothing
/// to leave behind (the json-patch-tests suite has no case for it; this matches common
/// implementations).
fn remove(doc: &mut Value, path_text: &str, path: &[String]) -> Result<Value, String> {
    let Some((last, parent_path)) = path.split_last() else {
        return Err("cannot remove the whole document (path \"\")".to_owned());
    };
    let missing = || format!("path {} does not exist", quote(path_text));
    match pointer::get_mut(doc, parent_path).ok_or_else(missing)? {
        // shift_remove keeps the order of the remaining keys (plain remove would swap).
        Value::Object(map) => map.shift_remove(last.as_str()).ok_or_else(missing),
        Value::Array(arr) => {
            // array_index guarantees `index < len`, so Vec::remove cannot panic.
            let index = pointer::array_index(last, arr.len()).ok_or_else(missing)?;
            Ok(arr.remove(index))
        }
        _ => Err(missing()),
    }
}

/// RFC 6902 §4.4 `move`: remove at `from`, then add at `path` (evaluated after the removal,
/// which is what makes spec example A.7 work).
fn move_value(
    doc: &mut Value,
    (from_text, from): (&str, &[String]),
    (path_text, path): (&str, &[String]),
) -> Result<(), String> {
    if pointer::get(doc, from).is_none() {
        return Err(format!("'from' location {} does not exist", quote(from_text)));
    }
    if from == path {
        // Moving a value onto itself is a no-op (json-patch-tests: "Move to same location").
        return Ok(());
    }
    // Compare tokens, not text: "/a" is a prefix of "/ab" as text but not as a pointer.
    if path.starts_with(from) {
        return Err(format!(
            "cannot move {} into its own child {}",
            quote(from_text),
            quote(path_text)
        ));
    }
    let value = remove(doc, from_text, from)?;
    add(doc, path_text, path, value)
}

/// The JSON type of a value, for error messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn applied(mut doc: Value, patch: Value) -> Result<Value, PatchError> {
        apply_patch(&mut doc, &patch).map(|()| doc)
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// Asserts that the patch fails at `index` and leaves the document untouched.
    fn fails_at(doc: Value, patch: Value, index: usize) -> PatchError {
        let mut work = doc.clone();
        let err = match apply_patch(&mut work, &patch) {
            Ok(()) => panic!("patch {patch} should fail on {doc}"),
            Err(e) => e,
        };
        assert_eq!(err.index, index, "{err}");
        assert_eq!(work, doc, "document changed by a failing patch");
        assert_eq!(keys(&work), keys(&doc));
        err
    }

    #[test]
    fn all_six_ops() {
        let out = applied(
            json!({"a": 1, "b": [1, 2], "c": {"d": 4}}),
            json!([
                {"op": "add", "path": "/e", "value": 5},
                {"op": "remove", "path": "/a"},
                {"op": "replace", "path": "/b/0", "value": "one"},
                {"op": "move", "from": "/c/d", "path": "/b/-"},
                {"op": "copy", "from": "/b", "path": "/c/b"},
                {"op": "test", "path": "/c/b", "value": ["one", 2, 4.0]},
            ]),
        );
        assert_eq!(out, Ok(json!({"b": ["one", 2, 4], "c": {"b": ["one", 2, 4]}, "e": 5})));
    }

    #[test]
    fn atomic_on_failure() {
        let doc = json!({"a": 1, "b": 2, "c": [1, 2, 3]});
        let err = fails_at(
            doc,
            json!([
                {"op": "remove", "path": "/a"},
                {"op": "add", "path": "/c/0", "value": 0},
                {"op": "test", "path": "/b", "value": 3},
            ]),
            2,
        );
        assert_eq!(err.op, "test");
        assert!(err.to_string().starts_with("patch operation 2 (test): "));
    }

    #[test]
    fn remove_keeps_key_order() {
        let out = applied(
            json!({"a": 1, "b": 2, "c": 3, "d": 4}),
            json!([{"op": "remove", "path": "/a"}]),
        );
        let out = out.unwrap_or_default();
        assert_eq!(keys(&out), ["b", "c", "d"]);
        let out = applied(
            json!({"a": 1, "b": 2, "c": 3}),
            json!([{"op": "replace", "path": "/a", "value": 9}, {"op": "add", "path": "/b", "value": 8}]),
        )
        .unwrap_or_default();
        assert_eq!(keys(&out), ["a", "b", "c"]);
    }

    #[test]
    fn array_indices() {
        let doc = json!([1, 2]);
        let add = |path: &str| applied(doc.clone(), json!([{"op": "add", "path": path, "value": 9}]));
        assert_eq!(add("/-"), Ok(json!([1, 2, 9])));
        assert_eq!(add("/2"), Ok(json!([1, 2, 9])));
        assert_eq!(add("/0"), Ok(json!([9, 1, 2])));
        for bad in ["/3", "/01", "/-1", "/+1", "/1e0", "/x", "/99999999999999999999999"] {
            fails_at(doc.clone(), json!([{"op": "add", "path": bad, "value": 9}]), 0);
        }
        // "-" only means "append" for add; elsewhere it names nothing.
        fails_at(doc.clone(), json!([{"op": "remove", "path": "/-"}]), 0);
        fails_at(doc.clone(), json!([{"op": "replace", "path": "/-", "value": 0}]), 0);
        fails_at(doc.clone(), json!([{"op": "test", "path": "/-", "value": 2}]), 0);
        fails_at(doc, json!([{"op": "remove", "path": "/2"}]), 0);
        // On an object "-" is just a key.
        assert_eq!(
            applied(json!({}), json!([{"op": "add", "path": "/-", "value": 1}])),
            Ok(json!({"-": 1}))
        );
    }

    #[test]
    fn root_operations() {
        assert_eq!(
            applied(json!("foo"), json!([{"op": "replace", "path": "", "value": "bar"}])),
            Ok(json!("bar"))
        );
        assert_eq!(
            applied(json!({"a": 1}), json!([{"op": "add", "path": "", "value": [1]}])),
            Ok(json!([1]))
        );
        assert_eq!(
            applied(
                json!({"a": 1}),
                json!([{"op": "test", "path": "", "value": {"a": 1.0}}])
            ),
            Ok(json!({"a": 1}))
        );
        assert_eq!(
            applied(json!({"a": 1}), json!([{"op": "copy", "from": "", "path": "/b"}])),
            Ok(json!({"a": 1, "b": {"a": 1}}))
        );
        assert_eq!(
            applied(json!({"a": 1}), json!([{"op": "move", "from": "", "path": ""}])),
            Ok(json!({"a": 1}))
        );
        fails_at(json!({"a": 1}), json!([{"op": "remove", "path": ""}]), 0);
        fails_at(json!({"a": 1}), json!([{"op": "move", "from": "", "path": "/b"}]), 0);
    }

    #[test]
    fn move_rules() {
        let doc = json!({"a": {"b": 1}, "ab": 2});
        fails_at(doc.clone(), json!([{"op": "move", "from": "/a", "path": "/a/c"}]), 0);
        fails_at(doc.clone(), json!([{"op": "move", "from": "/a", "path": "/a/b/c"}]), 0);
        fails_at(doc.clone(), json!([{"op": "move", "from": "/zz", "path": "/zz"}]), 0);
        // A text prefix that is not a token prefix is fine.
        assert_eq!(
            applied(doc.clone(), json!([{"op": "move", "from": "/a", "path": "/ab"}])),
            Ok(json!({"ab": {"b": 1}}))
        );
        assert_eq!(
            applied(doc, json!([{"op": "move", "from": "/a/b", "path": "/a/b"}])),
            Ok(json!({"a": {"b": 1}, "ab": 2}))
        );
        // RFC 6902 A.7: the target index is evaluated after the removal.
        assert_eq!(
            applied(json!([1, 2, 3, 4]), json!([{"op": "move", "from": "/1", "path": "/3"}])),
            Ok(json!([1, 3, 4, 2]))
        );
    }

    #[test]
    fn test_op_semantics() {
        let doc = json!({"n": 1, "o": {"x": 1, "y": [1, 2]}});
        assert!(applied(doc.clone(), json!([{"op": "test", "path": "/n", "value": 1.0}])).is_ok());
        assert!(applied(
            doc.clone(),
            json!([{"op": "test", "path": "/o", "value": {"y": [1, 2], "x": 1e0}}])
        )
        .is_ok());
        fails_at(doc.clone(), json!([{"op": "test", "path": "/n", "value": "1"}]), 0);
        fails_at(
            doc.clone(),
            json!([{"op": "test", "path": "/missing", "value": null}]),
            0,
        );
        fails_at(doc, json!([{"op": "test", "path": "/n"}]), 0);
    }

    #[test]
    fn malformed_operations() {
        let doc = json!({"a": 1});
        let cases = [
            json!({"op": "add", "path": "/a"}),
            json!({"op": "add", "value": 1}),
            json!({"op": "add", "path": null, "value": 1}),
            json!({"op": "add", "path": 5, "value": 1}),
            json!({"op": "add", "path": "a", "value": 1}),
            json!({"op": "add", "path": "/~2", "value": 1}),
            json!({"op": "copy", "path": "/b"}),
            json!({"op": "copy", "path": "/b", "from": 1}),
            json!({"op": "move", "path": "/b"}),
            json!({"op": "replace", "path": "/a"}),
            json!({"op": "spam", "path": "/a", "value": 1}),
            json!({"op": 1, "path": "/a", "value": 1}),
            json!({"path": "/a", "value": 1}),
            json!(["op", "add"]),
            json!(null),
        ];
        for case in cases {
            let patch = json!([{"op": "add", "path": "/ok", "value": 0}, case]);
            fails_at(doc.clone(), patch, 1);
        }
        for not_a_patch in [json!({}), json!(null), json!("[]"), json!(1)] {
            fails_at(doc.clone(), not_a_patch, 0);
        }
        let err = fails_at(doc, json!([{"op": "spam", "path": "/a"}]), 0);
        assert_eq!(err.op, "spam");
    }

    #[test]
    fn add_requires_existing_parent() {
        let doc = json!({"q": {"bar": 2}, "s": "str"});
        fails_at(doc.clone(), json!([{"op": "add", "path": "/a/b", "value": 1}]), 0);
        fails_at(doc.clone(), json!([{"op": "add", "path": "/s/x", "value": 1}]), 0);
        fails_at(doc, json!([{"op": "replace", "path": "/q/baz", "value": 1}]), 0);
    }

    #[test]
    fn copy_is_deep() {
        let out = applied(
            json!({"a": {"b": [1]}}),
            json!([
                {"op": "copy", "from": "/a", "path": "/c"},
                {"op": "add", "path": "/c/b/-", "value": 2},
            ]),
        );
        assert_eq!(out, Ok(json!({"a": {"b": [1]}, "c": {"b": [1, 2]}})));
    }
}
