//! RFC 7386 JSON Merge Patch.
//!
//! This is the reducer's default rule (docs/model.md §4), so it follows the RFC's pseudocode
//! exactly. Key order matters to us because states are printed in stored order: an existing
//! key is updated where it is, a new key is appended, and a deleted key is removed with
//! `shift_remove` (plain `remove` is `swap_remove` under `preserve_order` and would move the
//! last key into the hole).

use serde_json::{Map, Value};

/// Applies `patch` to `target` in place, following RFC 7386 §2:
///
/// ```text
/// define MergePatch(Target, Patch):
///   if Patch is an Object:
///     if Target is not an Object:
///       Target = {}
///     for each Name/Value pair in Patch:
///       if Value is null:
///         if Name exists in Target:
///           remove the Name/Value pair from Target
///       else:
///         Target[Name] = MergePatch(Target[Name], Value)
///     return Target
///   else:
///     return Patch
/// ```
///
/// Recursion depth is bounded by the nesting depth of `patch`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    merge_patch_owned(target, patch.clone());
}

/// [`merge_patch`] taking the patch by value: its members move into the target
/// instead of being copied (replay owns each event's data once it is parsed).
pub fn merge_patch_owned(target: &mut Value, patch: Value) {
    let Value::Object(patch_map) = patch else {
        // A non-object patch replaces the target wholesale, arrays included (RFC 7386 cannot
        // patch inside arrays).
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target_map) = target else {
        // Unreachable: the target was made an object just above.
        return;
    };
    for (name, value) in patch_map {
        if value.is_null() {
            target_map.shift_remove(&name);
        } else if let Some(existing) = target_map.get_mut(&name) {
            // Recurse in place so the key keeps its position.
            merge_patch_owned(existing, value);
        } else {
            // `Target[Name]` is undefined here; merging onto Null gives the RFC's result
            // (an object patch starts from `{}` and drops its nulls, anything else is moved).
            let mut fresh = Value::Null;
            merge_patch_owned(&mut fresh, value);
            target_map.insert(name, fresh);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merged(mut target: Value, patch: Value) -> Value {
        merge_patch(&mut target, &patch);
        target
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn rfc_examples() {
        assert_eq!(
            merged(
                json!({"a": "b", "c": {"d": "e", "f": "g"}}),
                json!({"a": "z", "c": {"f": null}})
            ),
            json!({"a": "z", "c": {"d": "e"}})
        );
        assert_eq!(merged(json!({"a": "foo"}), json!(null)), json!(null));
        assert_eq!(merged(json!([1, 2]), json!({"a": "b", "c": null})), json!({"a": "b"}));
        assert_eq!(
            merged(json!({}), json!({"a": {"bb": {"ccc": null}}})),
            json!({"a": {"bb": {}}})
        );
        assert_eq!(merged(json!({"a": [{"b": "c"}]}), json!({"a": [1]})), json!({"a": [1]}));
    }

    #[test]
    fn key_order_is_kept() {
        let out = merged(
            json!({"a": 1, "b": 2, "c": 3, "d": 4}),
            json!({"a": null, "c": 30, "e": 5}),
        );
        // "b" must stay before "c" and "d"; swap_remove would have moved "d" to the front.
        assert_eq!(keys(&out), ["b", "c", "d", "e"]);
        assert_eq!(out, json!({"b": 2, "c": 30, "d": 4, "e": 5}));
    }

    #[test]
    fn deleting_missing_key_and_null_inside_arrays() {
        assert_eq!(merged(json!({"a": 1}), json!({"zz": null})), json!({"a": 1}));
        // Nulls inside arrays are values, not deletions.
        assert_eq!(merged(json!({}), json!({"c": [null]})), json!({"c": [null]}));
    }

    #[test]
    fn scalar_targets_become_objects() {
        assert_eq!(merged(json!("hi"), json!({"a": "b", "c": null})), json!({"a": "b"}));
        assert_eq!(merged(json!(true), json!({"x": {"y": null}})), json!({"x": {}}));
    }
}
