//! A world in which the values put in place by `replace` rules may stay JSON
//! text until something reads them. Most are replaced again before anything
//! does (the last message, the latest result of a tool), so a replay that keeps
//! them as text neither builds their trees nor frees them, and a checkpoint
//! writes the text as it is instead of serializing a tree.
//!
//! The tree holds a `null` where a value is kept as text. An event that reads or
//! writes at or above such a place turns that value into a tree first, so every
//! rule sees exactly the state a plain replay would build.

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

use super::apply::{replace_at, Data};
use super::pipeline::RawPayload;
use super::{Reducer, Step, World};
use crate::json::pointer;
use crate::json::write::{write_str, write_value};
use crate::model::Kind;
use crate::rules::Op;

/// A value kept as text at `path` of its stream's state.
struct Pending {
    path: Vec<String>,
    text: String,
}

/// Where an event reads or writes in its stream's state.
enum Touch {
    /// Nowhere (ignored, or it fails before touching anything).
    Nothing,
    /// The subtree at this path, and the objects above it.
    Path(Vec<String>),
    /// The whole state is replaced.
    Whole,
}

#[derive(Default)]
pub struct LazyWorld {
    world: World,
    /// By stream id; entries never lie one inside another.
    pending: Vec<Vec<Pending>>,
}

impl From<World> for LazyWorld {
    fn from(world: World) -> Self {
        LazyWorld {
            world,
            pending: Vec::new(),
        }
    }
}

/// Whether one path lies at or inside the other.
fn overlaps(a: &[String], b: &[String]) -> bool {
    a.iter().zip(b).all(|(x, y)| x == y)
}

fn parse(text: &str) -> Result<Value> {
    serde_json::from_str(text).context("stored event data is not JSON")
}

impl LazyWorld {
    /// Apply a `replace` event whose payload was kept as text.
    pub fn replace_raw(&mut self, sid: i64, raw: RawPayload) -> Result<Step> {
        let path = match raw.path {
            Ok(p) => p,
            Err(e) => return Ok(Step::Failed(e)),
        };
        // A value kept as text above `path` must be a tree to be walked into.
        self.materialize(sid, |p| p.len() < path.len() && path.starts_with(p))?;
        let state = self.world.slot(sid);
        // Keys of objects name the place for good; an array index above it may shift,
        // so a value going there is parsed and placed now.
        let head = path.split_last().map_or(&[][..], |(_, head)| head);
        if !path.is_empty() && !under_objects(state.as_ref(), head) {
            return Ok(match replace_at(state, &path, parse(&raw.text)?) {
                Ok(()) => Step::Applied,
                Err(e) => Step::Failed(e),
            });
        }
        if let Err(e) = replace_at(state, &path, Value::Null) {
            return Ok(Step::Failed(e));
        }
        let i = sid as usize;
        if self.pending.len() <= i {
            self.pending.resize_with(i + 1, Vec::new);
        }
        let list = &mut self.pending[i];
        list.retain(|p| !p.path.starts_with(&path));
        list.push(Pending { path, text: raw.text });
        Ok(Step::Applied)
    }

    /// Apply any other event, after turning the values kept as text where it
    /// reads or writes into trees.
    pub fn step(&mut self, reducer: &Reducer, sid: i64, ty: i64, kind: Kind, data: Value) -> Result<Step> {
        let has_pending = self.pending.get(sid as usize).is_some_and(|l| !l.is_empty());
        let touch = if has_pending {
            touches(reducer, kind, ty, &data)
        } else {
            Touch::Nothing
        };
        match &touch {
            Touch::Path(q) => self.materialize(sid, |p| overlaps(p, q))?,
            Touch::Nothing | Touch::Whole => {}
        }
        let step = reducer.step_value(&mut self.world, sid, ty, kind, Data::Own(data));
        if matches!((&touch, &step), (Touch::Whole, Step::Applied)) {
            self.pending[sid as usize].clear();
        }
        Ok(step)
    }

    /// The state of stream `sid` as a tree.
    pub fn state(&mut self, sid: i64) -> Result<Option<&Value>> {
        self.materialize(sid, |_| true)?;
        Ok(self.world.get(sid))
    }

    /// Set stream `sid`'s state, which has no values kept as text yet.
    pub fn set_state(&mut self, sid: i64, state: Value) {
        debug_assert!(self.pending.get(sid as usize).is_none_or(Vec::is_empty));
        *self.world.slot(sid) = Some(state);
    }

    /// Take stream `sid`'s state out of the world, as a tree.
    pub fn take_state(&mut self, sid: i64) -> Result<Option<Value>> {
        self.materialize(sid, |_| true)?;
        Ok(self.world.slot(sid).take())
    }

    /// Whether stream `sid` has a state.
    pub fn has_state(&self, sid: i64) -> bool {
        self.world.get(sid).is_some()
    }

    /// The state of stream `sid` as compact JSON, values kept as text written as
    /// they are; `false` when the stream has no state.
    pub fn write_state(&self, sid: i64, out: &mut Vec<u8>) -> Result<bool> {
        let Some(state) = self.world.get(sid) else {
            return Ok(false);
        };
        let pending: Vec<&Pending> = self
            .pending
            .get(sid as usize)
            .map_or(Vec::new(), |l| l.iter().collect());
        write(state, 0, &pending, out)?;
        Ok(true)
    }

    /// Every value kept as text made a tree: the world a plain replay builds.
    pub fn into_world(mut self) -> Result<World> {
        for sid in 0..self.pending.len() {
            self.materialize(sid as i64, |_| true)?;
        }
        Ok(self.world)
    }

    fn materialize(&mut self, sid: i64, pick: impl Fn(&[String]) -> bool) -> Result<()> {
        let Some(list) = self.pending.get_mut(sid as usize) else {
            return Ok(());
        };
        if !list.iter().any(|p| pick(&p.path)) {
            return Ok(());
        }
        let state = self.world.slot(sid);
        let mut kept = Vec::with_capacity(list.len());
        for p in list.drain(..) {
            if !pick(&p.path) {
                kept.push(p);
                continue;
            }
            let value = parse(&p.text)?;
            if p.path.is_empty() {
                *state = Some(value);
                continue;
            }
            let slot = state
                .as_mut()
                .and_then(|s| pointer::get_mut(s, &p.path))
                .ok_or_else(|| anyhow!("internal error: a value kept as text lost its place"))?;
            *slot = value;
        }
        *list = kept;
        Ok(())
    }
}

/// Whether every node down `head` (the root included) is an object, or missing and
/// so made an object by the replace.
fn under_objects(state: Option<&Value>, head: &[String]) -> bool {
    let mut node = state;
    for tok in head {
        node = match node {
            None => return true,
            Some(Value::Object(m)) => m.get(tok),
            Some(_) => return false,
        };
    }
    matches!(node, None | Some(Value::Object(_)))
}

fn touches(reducer: &Reducer, kind: Kind, ty: i64, data: &Value) -> Touch {
    match kind {
        Kind::Image | Kind::Snapshot | Kind::Delete => Touch::Whole,
        Kind::Note => Touch::Nothing,
        Kind::Event => match reducer.rule(ty) {
            // No rule: a merge at the root.
            None => Touch::Path(Vec::new()),
            Some(rule) => match rule.op {
                Op::Ignore => Touch::Nothing,
                Op::Snapshot => Touch::Whole,
                // A path that does not resolve fails the event before it touches anything.
                _ => rule.path.resolve(data).map_or(Touch::Nothing, Touch::Path),
            },
        },
    }
}

/// `v` (at depth `depth` of its state) as compact JSON, with the values of
/// `pending` (all under `v`'s path) written as their text. (Terminal-safe escapes
/// included: the same value, and the direct writer is the fastest one we have.)
fn write(v: &Value, depth: usize, pending: &[&Pending], out: &mut Vec<u8>) -> Result<()> {
    if pending.is_empty() {
        write_value(out, v, false);
        return Ok(());
    }
    if let Some(p) = pending.iter().find(|p| p.path.len() == depth) {
        out.extend_from_slice(p.text.as_bytes());
        return Ok(());
    }
    let Value::Object(map) = v else {
        return Err(anyhow!("internal error: a value kept as text under a non-object"));
    };
    out.push(b'{');
    for (i, (k, child)) in map.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, k);
        out.push(b':');
        let under: Vec<&Pending> = pending.iter().copied().filter(|p| p.path[depth] == *k).collect();
        write(child, depth + 1, &under, out)?;
    }
    out.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Catalog;
    use crate::replay::pipeline::{resolve_raw, ReadAs};
    use crate::rules::Rules;
    use proptest::prelude::*;
    use serde_json::json;

    const RULES: &str = r#"{"rules": [
      {"type": "Root", "op": "replace"},
      {"type": "SetA", "op": "replace", "path": "/a"},
      {"type": "SetK", "op": "replace", "path": "/a/{k}"},
      {"type": "SetDeep", "op": "replace", "path": "/a/{k}/deep"},
      {"type": "SetIdx", "op": "replace", "path": "/list/0"},
      {"type": "SetFrom", "op": "replace", "path": "/a/{k}", "from": "/v"},
      {"type": "Add", "op": "append", "path": "/list"},
      {"type": "MergeK", "op": "merge", "path": "/a/{k}"},
      {"type": "PatchA", "op": "patch", "path": "/a", "from": "/ops"},
      {"type": "Drop", "op": "remove", "path": "/a/{k}"},
      {"type": "Snap", "op": "snapshot"},
      {"type": "Noise", "op": "ignore"}
    ]}"#;
    const TYPES: &[&str] = &[
        "Root", "SetA", "SetK", "SetDeep", "SetIdx", "SetFrom", "Add", "MergeK", "PatchA", "Drop", "Snap", "Noise",
        "Other",
    ];

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(json!(null)),
            (-3i32..3).prop_map(|n| json!(n)),
            "[a-b]{0,2}".prop_map(|s| json!(s)),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(vec!["x", "y", "deep"]), inner), 0..3)
                    .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
            ]
        })
    }

    /// (stream, kind, type id, data)
    fn event() -> impl Strategy<Value = (i64, Kind, i64, Value)> {
        let kind = prop_oneof![8 => Just(Kind::Event), 1 => Just(Kind::Image), 1 => Just(Kind::Delete)];
        let key = prop::sample::select(vec![json!("x"), json!("y"), json!(1), json!(null)]);
        (1i64..3, kind, 0..TYPES.len() as i64, key, value(), any::<bool>()).prop_map(|(sid, kind, ty, k, v, keyed)| {
            let data = match TYPES[ty as usize] {
                "PatchA" => json!({"ops": [{"op": "add", "path": "/x", "value": v}]}),
                "Root" | "SetA" | "Add" | "Snap" if !keyed => v,
                _ if keyed => json!({"k": k, "v": v, "deep": 1}),
                _ => json!({"v": v}),
            };
            (sid, kind, ty, data)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

        /// Replaying with values kept as text gives the plain replay's outcome
        /// for every event, its state (byte for byte) after every event, and its
        /// world at the end.
        #[test]
        fn lazy_replay_is_plain_replay(events in prop::collection::vec(event(), 0..40)) {
            let cat = Catalog {
                streams: vec![String::new(), "s1".into(), "s2".into()],
                types: TYPES.iter().map(|t| t.to_string()).collect(),
                ..Catalog::default()
            };
            let rules = Rules::parse(RULES).expect("rules");
            let reducer = Reducer::new(&cat, &rules);
            let plan = reducer.read_plan();
            let (mut plain, mut lazy) = (World::default(), LazyWorld::default());
            for (sid, kind, ty, data) in events {
                let want = reducer.step_value(&mut plain, sid, ty, kind, Data::Own(data.clone()));
                let raw = match (kind, plan[ty as usize]) {
                    (Kind::Event, ReadAs::Raw(path)) => resolve_raw(path, &data.to_string())
                        .map(|path| RawPayload { path, text: data.to_string() }),
                    _ => None,
                };
                let got = match raw {
                    Some(raw) => lazy.replace_raw(sid, raw),
                    None => lazy.step(&reducer, sid, ty, kind, data),
                }
                .expect("lazy step");
                match (&want, &got) {
                    (Step::Applied, Step::Applied) => {}
                    (Step::Failed(a), Step::Failed(b)) => prop_assert_eq!(a, b),
                    _ => prop_assert!(false, "outcomes differ"),
                }
                for s in 1..3 {
                    let mut out = Vec::new();
                    let has = lazy.write_state(s, &mut out).expect("write");
                    let want = plain.get(s).map(|v| serde_json::to_string(v).expect("json"));
                    prop_assert_eq!(has.then(|| String::from_utf8(out).expect("utf-8")), want);
                }
            }
            let lazy = lazy.into_world().expect("world");
            for s in 0..3 {
                prop_assert_eq!(lazy.get(s), plain.get(s));
            }
        }
    }

    #[test]
    fn text_under_arrays_and_at_the_root_is_placed() {
        let cat = Catalog {
            streams: vec![String::new(), "s".into()],
            types: TYPES.iter().map(|t| t.to_string()).collect(),
            ..Catalog::default()
        };
        let rules = Rules::parse(RULES).expect("rules");
        let reducer = Reducer::new(&cat, &rules);
        let mut w = LazyWorld::default();
        let raw = |path: &[&str], text: &str| RawPayload {
            path: Ok(path.iter().map(|s| s.to_string()).collect()),
            text: text.into(),
        };
        w.step(&reducer, 1, 6, Kind::Event, json!(1)).expect("append");
        assert!(matches!(
            w.replace_raw(1, raw(&["list", "0"], "{\"a\": 2}")),
            Ok(Step::Applied)
        ));
        assert!(matches!(w.replace_raw(1, raw(&["a"], "[1, {}]")), Ok(Step::Applied)));
        let mut out = Vec::new();
        w.write_state(1, &mut out).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            r#"{"list":[{"a":2}],"a":[1, {}]}"#
        );
        // Text put inside an array element: written (and later read) in its place.
        assert!(matches!(
            w.replace_raw(1, raw(&["a", "1", "deep"], "7")),
            Ok(Step::Applied)
        ));
        let mut out = Vec::new();
        w.write_state(1, &mut out).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            r#"{"list":[{"a":2}],"a":[1,{"deep":7}]}"#
        );
        assert!(matches!(w.replace_raw(1, raw(&[], "\"all\"")), Ok(Step::Applied)));
        assert_eq!(w.into_world().expect("world").get(1), Some(&json!("all")));
    }
}
