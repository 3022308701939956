//! Apply one event to its stream's state (docs/model.md §4). Pure: no I/O.
//!
//! Every op either succeeds or leaves the state exactly as it was: errors are
//! found while walking the path, before anything is created or changed.

use serde_json::{Map, Value};

use crate::json::{merge::merge_patch_owned, patch::apply_patch, pointer};
use crate::model::Kind;
use crate::rules::{Op, Rule, Rules};

/// An event's data: borrowed (copied into the state where the rule puts it) or
/// owned (moved there: replay parses each event once and never needs it again).
pub enum Data<'a> {
    Ref(&'a Value),
    Own(Value),
}

impl Data<'_> {
    fn get(&self) -> &Value {
        match self {
            Data::Ref(v) => v,
            Data::Own(v) => v,
        }
    }

    /// The node at `from` (the whole data when `None`), moved out when owned.
    fn take(self, from: Option<&[String]>) -> Option<Value> {
        match (self, from) {
            (Data::Ref(v), None) => Some(v.clone()),
            (Data::Ref(v), Some(p)) => pointer::get(v, p).cloned(),
            (Data::Own(v), None) => Some(v),
            (Data::Own(mut v), Some(p)) => pointer::get_mut(&mut v, p).map(std::mem::take),
        }
    }
}

/// What an event is, for the reducer.
pub struct Applied<'a> {
    pub kind: Kind,
    pub ty: &'a str,
    pub data: Data<'a>,
}

/// Apply `ev` to `state` (`None` = the stream has no state). On error the state is
/// unchanged and the error says why.
pub fn apply(state: &mut Option<Value>, ev: Applied<'_>, rule: Option<&Rule>) -> Result<(), String> {
    match ev.kind {
        Kind::Image | Kind::Snapshot => {
            *state = ev.data.take(None);
            Ok(())
        }
        Kind::Delete => {
            *state = None;
            Ok(())
        }
        Kind::Note => Ok(()),
        Kind::Event => match rule {
            None => {
                if let Some(value) = ev.data.take(None) {
                    merge_into(state, &[], value);
                }
                Ok(())
            }
            Some(rule) => apply_rule(state, rule, ev.data),
        },
    }
}

/// Convenience for callers that hold a `Rules` rather than a resolved rule.
pub fn apply_with(state: &mut Option<Value>, ev: Applied<'_>, rules: &Rules) -> Result<(), String> {
    let rule = if ev.kind == Kind::Event {
        rules.rule_for(ev.ty)
    } else {
        None
    };
    apply(state, ev, rule)
}

fn apply_rule(state: &mut Option<Value>, rule: &Rule, data: Data<'_>) -> Result<(), String> {
    match rule.op {
        Op::Ignore => return Ok(()),
        Op::GenAi => return super::genai::apply(state, data.get()),
        _ => {}
    }
    let from = rule.from.as_deref();
    if let Some(from) = from {
        if pointer::get(data.get(), from).is_none() {
            return Err(format!(
                "from {}: not found in the event data",
                pointer::to_pointer(from)
            ));
        }
    }
    let path = rule.path.resolve(data.get())?;
    let value = data.take(from).ok_or(INTERNAL)?;
    match rule.op {
        Op::Ignore | Op::GenAi => Ok(()),
        Op::Snapshot => {
            *state = Some(value);
            Ok(())
        }
        Op::Merge => {
            check_path(state.as_ref(), &path)?;
            merge_into(state, &path, value);
            Ok(())
        }
        Op::Replace => replace_at(state, &path, value),
        Op::Append => {
            match lookup(state.as_ref(), &path) {
                Some(Value::Array(_)) | None => {}
                Some(other) => {
                    return Err(format!(
                        "append: the node at {} is {}, not an array",
                        display_path(&path),
                        type_name(other)
                    ))
                }
            }
            if path.is_empty() {
                match state {
                    Some(Value::Array(a)) => a.push(value),
                    _ => *state = Some(Value::Array(vec![value])),
                }
                return Ok(());
            }
            check_path(state.as_ref(), &path)?;
            let (parent, last) = parent_mut(state, &path).ok_or(INTERNAL)?;
            match child_mut(parent, last) {
                Some(Value::Array(a)) => a.push(value),
                _ => set_child(parent, last, Value::Array(vec![value])),
            }
            Ok(())
        }
        Op::Remove => {
            if path.is_empty() {
                *state = None;
                return Ok(());
            }
            // Removing what does not exist changes nothing and is not an error.
            let Some(root) = state.as_mut() else { return Ok(()) };
            let (head, last) = path.split_at(path.len() - 1);
            if let Some(parent) = pointer::get_mut(root, head) {
                match parent {
                    Value::Object(m) => {
                        m.shift_remove(&last[0]);
                    }
                    Value::Array(a) => {
                        if let Some(i) = pointer::array_index(&last[0], a.len()) {
                            a.remove(i);
                        }
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        Op::Patch => {
            let mut doc = lookup(state.as_ref(), &path)
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new()));
            if !path.is_empty() {
                check_path(state.as_ref(), &path)?;
            }
            apply_patch(&mut doc, &value).map_err(|e| e.to_string())?;
            if path.is_empty() {
                *state = Some(doc);
            } else {
                let (parent, last) = parent_mut(state, &path).ok_or(INTERNAL)?;
                set_child(parent, last, doc);
            }
            Ok(())
        }
    }
}

/// The `replace` op: `value` at `path`, parents created where missing.
pub(crate) fn replace_at(state: &mut Option<Value>, path: &[String], value: Value) -> Result<(), String> {
    if path.is_empty() {
        *state = Some(value);
        return Ok(());
    }
    check_path(state.as_ref(), path)?;
    let (parent, last) = parent_mut(state, path).ok_or(INTERNAL)?;
    set_child(parent, last, value);
    Ok(())
}

/// RFC 7386 merge of `value` at `path`; a missing target (or state) counts as `{}`.
fn merge_into(state: &mut Option<Value>, path: &[String], value: Value) {
    if path.is_empty() {
        let target = state.get_or_insert_with(|| Value::Object(Map::new()));
        merge_patch_owned(target, value);
        return;
    }
    let Some((parent, last)) = parent_mut(state, path) else {
        return;
    };
    let target = match child_mut(parent, last) {
        Some(t) => t,
        None => {
            set_child(parent, last, Value::Object(Map::new()));
            match child_mut(parent, last) {
                Some(t) => t,
                None => return,
            }
        }
    };
    merge_patch_owned(target, value);
}

/// Walk `path` without changing anything and report why a write there would fail:
/// a scalar in the way, or an array index that does not exist.
fn check_path(state: Option<&Value>, path: &[String]) -> Result<(), String> {
    let Some(mut node) = state else { return Ok(()) };
    for (i, tok) in path.iter().enumerate() {
        match node {
            Value::Object(m) => match m.get(tok) {
                Some(next) => node = next,
                None => return Ok(()),
            },
            Value::Array(a) => match pointer::array_index(tok, a.len()) {
                Some(idx) => node = &a[idx],
                None => {
                    return Err(format!(
                        "array index {} does not exist at {} (length {})",
                        crate::sanitize::quote(tok),
                        display_path(&path[..i]),
                        a.len()
                    ))
                }
            },
            other => {
                return Err(format!(
                    "{} is {}, so {} cannot be reached",
                    display_path(&path[..i]),
                    type_name(other),
                    display_path(path)
                ))
            }
        }
    }
    Ok(())
}

/// The parent container of `path` (objects created where missing) and the last
/// segment. `None` only if `check_path` was skipped or disagreed.
fn parent_mut<'a, 'p>(state: &'a mut Option<Value>, path: &'p [String]) -> Option<(&'a mut Value, &'p str)> {
    let (head, last) = path.split_last().map(|(l, h)| (h, l))?;
    let mut node = state.get_or_insert_with(|| Value::Object(Map::new()));
    for tok in head {
        node = match node {
            Value::Object(m) => m.entry(tok.clone()).or_insert_with(|| Value::Object(Map::new())),
            Value::Array(a) => {
                let i = pointer::array_index(tok, a.len())?;
                a.get_mut(i)?
            }
            _ => return None,
        };
    }
    Some((node, last.as_str()))
}

const INTERNAL: &str = "internal error: path changed while applying";

fn child_mut<'a>(parent: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    match parent {
        Value::Object(m) => m.get_mut(key),
        Value::Array(a) => {
            let len = a.len();
            pointer::array_index(key, len).map(move |i| &mut a[i])
        }
        _ => None,
    }
}

fn set_child(parent: &mut Value, key: &str, value: Value) {
    match parent {
        Value::Object(m) => {
            m.insert(key.to_string(), value);
        }
        Value::Array(a) => {
            if let Some(i) = pointer::array_index(key, a.len()) {
                a[i] = value;
            }
        }
        _ => {}
    }
}

fn lookup<'a>(state: Option<&'a Value>, path: &[String]) -> Option<&'a Value> {
    state.and_then(|s| pointer::get(s, path))
}

fn display_path(path: &[String]) -> String {
    if path.is_empty() {
        "the root".to_string()
    } else {
        pointer::to_pointer(path)
    }
}

pub use crate::json::patch::type_name;
