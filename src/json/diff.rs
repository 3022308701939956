//! Structural diff of two JSON states (docs/model.md §7).
//!
//! A diff is a list of `{op, path, old, new}` changes whose paths point at the deepest node
//! that differs. The order is deterministic and chosen so that [`to_patch`] yields an RFC 6902
//! patch that, applied operation by operation, turns the old state into the new one:
//!
//! * objects: old's keys in old's order (a missing key is a `remove`, a present one recurses),
//!   then new's keys that old lacks, in new's order (`add`);
//! * arrays: the common prefix index by index (recurse), then either the extra new elements
//!   as `add` in ascending index order, or the surplus old elements as `remove` in
//!   *descending* index order, so earlier removals never shift the indices of later ones;
//! * anything else (type change, different scalars by [`json_eq`]) is one `replace`.
//!
//! Numbers equal by value (`1` and `1.0`) are not a change.

use serde_json::{json, Map, Value};

use super::eq::json_eq;
use super::pointer;

/// What happened at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeOp {
    Add,
    Remove,
    Replace,
}

/// One change. `add` has no `old`, `remove` has no `new`.
///
/// Serialized with `old` and `new` always present, as `null` when absent: the derived
/// `Serialize` writes `None` as `null` and never skips the key, which is the stable shape
/// `diff --format json` promises. (A present JSON `null` also prints as `null`; `op` tells
/// the two apart.)
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    pub op: ChangeOp,
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// All changes that turn `old` into `new`, with paths relative to the document root.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    diff_at(old, new, "", &mut out);
    out
}

/// Like [`diff`], but either side may be absent (a stream with no state yet, or deleted):
/// absent → present is an `add` at `""`, present → absent a `remove` at `""`.
pub fn diff_opt(old: Option<&Value>, new: Option<&Value>) -> Vec<Change> {
    match (old, new) {
        (None, None) => Vec::new(),
        (None, Some(n)) => vec![Change {
            op: ChangeOp::Add,
            path: String::new(),
            old: None,
            new: Some(n.clone()),
        }],
        (Some(o), None) => vec![Change {
            op: ChangeOp::Remove,
            path: String::new(),
            old: Some(o.clone()),
            new: None,
        }],
        (Some(o), Some(n)) => diff(o, n),
    }
}

/// Appends the changes from `old` to `new` to `out`, every path prefixed with `base_path`
/// (an already-escaped JSON Pointer such as `/my~1stream`), so one stream's diff can be
/// placed inside the world state.
///
/// Recursion depth equals the nesting depth of the inputs (see `eq::json_eq`).
pub fn diff_at(old: &Value, new: &Value, base_path: &str, out: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => diff_objects(o, n, base_path, out),
        (Value::Array(o), Value::Array(n)) => diff_arrays(o, n, base_path, out),
        // Same-typed containers are handled above; everything else is a leaf comparison.
        _ => {
            if !json_eq(old, new) {
                out.push(Change {
                    op: ChangeOp::Replace,
                    path: base_path.to_owned(),
                    old: Some(old.clone()),
                    new: Some(new.clone()),
                });
            }
        }
    }
}

fn diff_objects(o: &Map<String, Value>, n: &Map<String, Value>, base: &str, out: &mut Vec<Change>) {
    for (key, old_value) in o {
        let path = child(base, key);
        match n.get(key) {
            Some(new_value) => diff_at(old_value, new_value, &path, out),
            None => out.push(Change {
                op: ChangeOp::Remove,
                path,
                old: Some(old_value.clone()),
                new: None,
            }),
        }
    }
    for (key, new_value) in n {
        if !o.contains_key(key) {
            out.push(Change {
                op: ChangeOp::Add,
                path: child(base, key),
                old: None,
                new: Some(new_value.clone()),
            });
        }
    }
}

fn diff_arrays(o: &[Value], n: &[Value], base: &str, out: &mut Vec<Change>) {
    for (i, (old_value, new_value)) in o.iter().zip(n).enumerate() {
        diff_at(old_value, new_value, &child(base, &i.to_string()), out);
    }
    // At most one of these loops runs. Adds ascend: each lands at the current end.
    for (i, new_value) in n.iter().enumerate().skip(o.len()) {
        out.push(Change {
            op: ChangeOp::Add,
            path: child(base, &i.to_string()),
            old: None,
            new: Some(new_value.clone()),
        });
    }
    // Removes descend: removing the last element first keeps the other indices valid.
    for (i, old_value) in o.iter().enumerate().skip(n.len()).rev() {
        out.push(Change {
            op: ChangeOp::Remove,
            path: child(base, &i.to_string()),
            old: Some(old_value.clone()),
            new: None,
        });
    }
}

/// `base` extended by one escaped token.
/// `base` extended by one member name, escaped as a JSON Pointer token.
pub fn child(base: &str, token: &str) -> String {
    let mut path = String::with_capacity(base.len() + token.len() + 1);
    path.push_str(base);
    path.push('/');
    path.push_str(&pointer::escape(token));
    path
}

/// The RFC 6902 form of a change list: `add {path, value}`, `remove {path}`,
/// `replace {path, value}`, in the same order.
///
/// A hand-built `add`/`replace` without `new` gets `"value": null` rather than a malformed
/// operation. A `remove` at `""` (from [`diff_opt`]) is emitted as is; RFC 6902 cannot
/// express "no document", so `apply_patch` will reject it.
pub fn to_patch(changes: &[Change]) -> Value {
    let ops = changes
        .iter()
        .map(|c| match c.op {
            ChangeOp::Add => json!({
                "op": "add",
                "path": c.path,
                "value": c.new.clone().unwrap_or(Value::Null),
            }),
            ChangeOp::Remove => json!({"op": "remove", "path": c.path}),
            ChangeOp::Replace => json!({
                "op": "replace",
                "path": c.path,
                "value": c.new.clone().unwrap_or(Value::Null),
            }),
        })
        .collect();
    Value::Array(ops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::patch::apply_patch;

    fn v(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or(Value::Null)
    }

    fn ch(op: ChangeOp, path: &str, old: Option<Value>, new: Option<Value>) -> Change {
        Change {
            op,
            path: path.to_owned(),
            old,
            new,
        }
    }

    fn roundtrip(a: &Value, b: &Value) {
        let mut doc = a.clone();
        let patch = to_patch(&diff(a, b));
        assert_eq!(apply_patch(&mut doc, &patch), Ok(()), "patch {patch}");
        assert!(json_eq(&doc, b), "{a} + {patch} gave {doc}, wanted {b}");
    }

    #[test]
    fn equal_values_have_no_changes() {
        for text in ["null", "1", "\"x\"", "[1,[2]]", r#"{"a":{"b":[1,2]}}"#] {
            assert!(diff(&v(text), &v(text)).is_empty());
        }
        // Same value, different spelling or key order.
        assert!(diff(&v("[1, 2.50]"), &v("[1.0, 25e-1]")).is_empty());
        assert!(diff(&v(r#"{"a":1,"b":2}"#), &v(r#"{"b":2,"a":1}"#)).is_empty());
    }

    #[test]
    fn nested_objects_point_at_deepest_node() {
        let a = json!({"gone": 1, "s": {"x": 1, "y": {"z": true}}, "same": [1]});
        let b = json!({"s": {"x": 2, "y": {"z": true, "w": null}}, "same": [1], "new": "n"});
        assert_eq!(
            diff(&a, &b),
            vec![
                ch(ChangeOp::Remove, "/gone", Some(json!(1)), None),
                ch(ChangeOp::Replace, "/s/x", Some(json!(1)), Some(json!(2))),
                ch(ChangeOp::Add, "/s/y/w", None, Some(json!(null))),
                ch(ChangeOp::Add, "/new", None, Some(json!("n"))),
            ]
        );
        roundtrip(&a, &b);
    }

    #[test]
    fn arrays_by_index() {
        let a = json!([1, {"k": 1}, 3, 4, 5]);
        let b = json!([1, {"k": 2}]);
        assert_eq!(
            diff(&a, &b),
            vec![
                ch(ChangeOp::Replace, "/1/k", Some(json!(1)), Some(json!(2))),
                ch(ChangeOp::Remove, "/4", Some(json!(5)), None),
                ch(ChangeOp::Remove, "/3", Some(json!(4)), None),
                ch(ChangeOp::Remove, "/2", Some(json!(3)), None),
            ]
        );
        roundtrip(&a, &b);
        assert_eq!(
            diff(&json!([0]), &json!([9, 1, 2])),
            vec![
                ch(ChangeOp::Replace, "/0", Some(json!(0)), Some(json!(9))),
                ch(ChangeOp::Add, "/1", None, Some(json!(1))),
                ch(ChangeOp::Add, "/2", None, Some(json!(2))),
            ]
        );
        roundtrip(&json!([0]), &json!([9, 1, 2]));
        roundtrip(&json!([1, 2, 3]), &json!([]));
    }

    #[test]
    fn type_changes_are_one_replace() {
        for (a, b) in [
            (json!({"a": 1}), json!([1])),
            (json!([1]), json!("1")),
            (json!(1), json!("1")),
            (json!(null), json!(false)),
            (json!({}), json!(null)),
        ] {
            assert_eq!(
                diff(&a, &b),
                vec![ch(ChangeOp::Replace, "", Some(a.clone()), Some(b.clone()))]
            );
            roundtrip(&a, &b);
        }
    }

    #[test]
    fn paths_are_escaped() {
        let a = json!({"a/b": {"~": 1}, "": 0});
        let b = json!({"a/b": {"~": 2}, "": 1});
        let paths: Vec<String> = diff(&a, &b).into_iter().map(|c| c.path).collect();
        assert_eq!(paths, ["/a~1b/~0", "/"]);
        roundtrip(&a, &b);
    }

    #[test]
    fn diff_at_prefixes_base_path() {
        let mut out = Vec::new();
        diff_at(&json!({"n": 1}), &json!({"n": 2}), "/s~1x", &mut out);
        diff_at(&json!(1), &json!(2), "/other", &mut out);
        assert_eq!(
            out.iter().map(|c| c.path.as_str()).collect::<Vec<_>>(),
            ["/s~1x/n", "/other"]
        );
        let mut world = json!({"s/x": {"n": 1}, "other": 1});
        assert_eq!(apply_patch(&mut world, &to_patch(&out)), Ok(()));
        assert_eq!(world, json!({"s/x": {"n": 2}, "other": 2}));
    }

    #[test]
    fn diff_opt_absent_sides() {
        assert!(diff_opt(None, None).is_empty());
        assert_eq!(
            diff_opt(None, Some(&json!({"a": 1}))),
            vec![ch(ChangeOp::Add, "", None, Some(json!({"a": 1})))]
        );
        assert_eq!(
            diff_opt(Some(&json!(null)), None),
            vec![ch(ChangeOp::Remove, "", Some(json!(null)), None)]
        );
        assert_eq!(
            diff_opt(Some(&json!([1])), Some(&json!([2]))),
            diff(&json!([1]), &json!([2]))
        );
    }

    #[test]
    fn serialized_shape() {
        let changes = vec![
            ch(ChangeOp::Add, "/a", None, Some(json!(1))),
            ch(ChangeOp::Remove, "/b", Some(json!([2])), None),
            ch(ChangeOp::Replace, "/c", Some(json!("x")), Some(json!(null))),
        ];
        let got = serde_json::to_value(&changes).unwrap_or_default();
        assert_eq!(
            got,
            json!([
                {"op": "add", "path": "/a", "old": null, "new": 1},
                {"op": "remove", "path": "/b", "old": [2], "new": null},
                {"op": "replace", "path": "/c", "old": "x", "new": null},
            ])
        );
        assert_eq!(
            to_patch(&changes),
            json!([
                {"op": "add", "path": "/a", "value": 1},
                {"op": "remove", "path": "/b"},
                {"op": "replace", "path": "/c", "value": null},
            ])
        );
    }
}
