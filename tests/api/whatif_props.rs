//! The property of hypotheses: for random recordings and random edit lists, the
//! state under the hypothesis at every point equals a plain replay of the edited
//! event list, and the hypothesis lists exactly the edited events.

use proptest::prelude::*;
use rewind::hypothesis::{Edit, Hypothesis, NewEvent};
use rewind::json::{diff, eq::json_eq};
use rewind::model::Kind;
use rewind::recording::{Mark, OpenOptions, Recording};
use rewind::replay::{Spacing, World};
use serde_json::{json, Value};

const RULES: &str = r#"{"rules": [
  {"type": "Add", "op": "append", "path": "/items"},
  {"type": "Set", "op": "replace", "path": "/fields/{key}"},
  {"type": "Merge", "op": "merge", "path": "/m"},
  {"type": "Drop", "op": "remove", "path": "/fields/{key}"},
  {"type": "Snap", "op": "snapshot", "from": "/state"},
  {"type": "Reset", "op": "remove"},
  {"type": "Noise", "op": "ignore"}
]}"#;

fn event_strategy(streams: Vec<&'static str>) -> impl Strategy<Value = Value> + Clone {
    let stream = prop::sample::select(streams);
    let key = prop::sample::select(vec!["k", "x/y", "ü"]);
    let scalar = prop_oneof![
        Just(json!(null)),
        (0i32..5).prop_map(|n| json!(n)),
        "[a-c]{0,2}".prop_map(|s| json!(s))
    ];
    (stream, 0u8..9, key, scalar.clone(), scalar).prop_map(|(stream, op, key, v, w)| {
        let (ty, data) = match op {
            0 => ("Add", json!({"v": v})),
            1 => ("Set", json!({"key": key, "value": v})),
            2 => ("Merge", json!({key: v, "other": w})),
            3 => ("Drop", json!({"key": key})),
            4 => ("Snap", json!({"state": {"snap": v}})),
            5 => ("Reset", json!({})),
            6 => ("Noise", json!({"n": v})),
            7 => ("Other", json!({"o": v, "k": w})),
            _ => ("Set", json!({"value": v})), // missing {key}: fails
        };
        json!({"stream": stream, "type": ty, "data": data})
    })
}

/// An edit with positions as fractions of the recording's length.
#[derive(Debug, Clone)]
enum RawEdit {
    Skip(u64, u64),
    Set(u64, Value),
    Insert(u64, Value),
}

fn edit_strategy() -> impl Strategy<Value = RawEdit> {
    // Inserts may name a stream the recording does not have ("new").
    let ev = event_strategy(vec!["a", "b/c", "new"]);
    prop_oneof![
        (0u64..1000, 0u64..4).prop_map(|(a, w)| RawEdit::Skip(a, w)),
        (0u64..1000, ev.clone()).prop_map(|(a, e)| RawEdit::Set(a, e["data"].clone())),
        (0u64..1000, ev).prop_map(|(a, e)| RawEdit::Insert(a, e)),
    ]
}

fn resolve(raw: &[RawEdit], len: u64) -> Hypothesis {
    let at = |f: u64| 1 + f % len;
    let edits = raw
        .iter()
        .map(|e| match e {
            RawEdit::Skip(a, w) => Edit::Skip {
                from: at(*a),
                to: (at(*a) + w).min(len),
            },
            RawEdit::Set(a, data) => Edit::SetData {
                at: at(*a),
                data: data.clone(),
            },
            RawEdit::Insert(a, e) => Edit::Insert {
                after: a % (len + 1),
                event: NewEvent {
                    stream: e["stream"].as_str().expect("stream").into(),
                    ty: e["type"].as_str().expect("type").into(),
                    kind: Kind::Event,
                    data: e["data"].clone(),
                    time: None,
                    seq: None,
                    id: None,
                    meta: None,
                },
            },
        })
        .collect();
    Hypothesis { edits }
}

/// The edited event list, built by hand from the edits' plain meaning, and for
/// each original point the number of edited events up to it.
fn edited(events: &[Value], h: &Hypothesis) -> (Vec<Value>, Vec<usize>) {
    let len = events.len() as u64;
    let skipped = |p: u64| {
        h.edits
            .iter()
            .any(|e| matches!(e, Edit::Skip { from, to } if *from <= p && p <= *to))
    };
    let data_of = |p: u64| {
        h.edits.iter().rev().find_map(|e| match e {
            Edit::SetData { at, data } if *at == p => Some(data.clone()),
            _ => None,
        })
    };
    let inserts_after = |p: u64| -> Vec<Value> {
        h.edits
            .iter()
            .filter_map(|e| match e {
                Edit::Insert { after, event } if *after == p => {
                    Some(json!({"stream": event.stream, "type": event.ty, "data": event.data}))
                }
                _ => None,
            })
            .collect()
    };
    let mut out = inserts_after(0);
    let mut upto = vec![out.len()];
    for p in 1..=len {
        if !skipped(p) {
            let mut ev = events[p as usize - 1].clone();
            if let Some(d) = data_of(p) {
                ev["data"] = d;
            }
            out.push(ev);
        }
        out.extend(inserts_after(p));
        upto.push(out.len());
    }
    (out, upto)
}

fn open(dir: &std::path::Path, name: &str, events: &[Value]) -> Recording {
    let input = dir.join(format!("{name}.jsonl"));
    let rules = dir.join("rules.json");
    std::fs::write(&rules, RULES).expect("rules");
    std::fs::write(&input, events.iter().map(|e| e.to_string() + "\n").collect::<String>()).expect("write");
    let opts = OpenOptions {
        inputs: vec![input],
        cache: Some(dir.join(format!("{name}.db"))),
        rules: Some(rules),
        ..Default::default()
    };
    Recording::open(&opts, &mut |_| {}).expect("open").0
}

fn full_replay(rec: &Recording, upto: u64) -> Value {
    let r = rec.replayer();
    let mut world = World::default();
    rec.cache
        .scan(0, upto, None, &mut |ev| {
            r.step(&mut world, &ev)?;
            Ok(())
        })
        .expect("scan");
    world.to_value(&rec.cat)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn hypothesis_state_is_the_replay_of_the_edited_events(
        events in prop::collection::vec(event_strategy(vec!["a", "b/c", "d"]), 1..40),
        raw in prop::collection::vec(edit_strategy(), 1..6),
        min in 1u64..5,
    ) {
        let dir = tempfile::tempdir().expect("tmp");
        let rec = open(dir.path(), "orig", &events);
        rec.replayer().build_checkpoints_spaced(Spacing { min, max: min + 3 }, &mut |_| {}).expect("build");
        let h = resolve(&raw, rec.len());
        let (list, upto) = edited(&events, &h);
        let fork = rec.fork(&h).expect("bind");
        // The listing: the edited events, in order, skipped ones only when asked.
        let listed = fork.events(None, rec.len(), &Default::default(), false, usize::MAX).expect("events");
        let got: Vec<Value> = listed.iter().map(|e| json!({"stream": e.event.stream, "type": e.event.ty, "data": e.event.data})).collect();
        let want: Vec<Value> = list.iter().map(|e| json!({"stream": e["stream"], "type": e["type"], "data": e["data"]})).collect();
        prop_assert_eq!(got, want);
        let with_skipped = fork.events(None, rec.len(), &Default::default(), true, usize::MAX).expect("events");
        prop_assert_eq!(with_skipped.iter().filter(|e| e.mark != Mark::Skipped).count(), list.len());
        if list.is_empty() {
            return Ok(());
        }
        let other = open(dir.path(), "edited", &list);
        let mut first_diff: std::collections::BTreeMap<String, u64> = Default::default();
        for pos in 0..=rec.len() {
            // Reality → hypothesis: the plain diff of the two worlds.
            let real = rec.state_at(pos, None).expect("real");
            let hypo = fork.state_at(pos, None).expect("hypo");
            prop_assert_eq!(fork.diff_reality(pos, None, None).expect("diff"), diff::diff(&real, &hypo));
            for name in ["a", "b/c", "d", "new"] {
                if real.get(name) != hypo.get(name) {
                    first_diff.entry(name.to_string()).or_insert(pos);
                }
            }
            let want = full_replay(&other, upto[pos as usize] as u64);
            let got = fork.state_at(pos, None).expect("state");
            prop_assert!(json_eq(&got, &want), "world at {}: {} vs {} under {:?}", pos, got, want, h);
            let json: Value = serde_json::from_slice(&fork.world_json_at(pos, true).expect("json")).expect("parses");
            prop_assert!(json_eq(&json, &want), "state JSON at {}", pos);
            for name in ["a", "b/c", "d", "new"] {
                let s = fork.state_at(pos, Some(name));
                let w = want.get(name).cloned().unwrap_or(Value::Null);
                match s {
                    Ok(s) => prop_assert!(json_eq(&s, &w), "stream {} at {}: {} vs {}", name, pos, s, w),
                    // A stream neither recording nor hypothesis has.
                    Err(_) => prop_assert!(w.is_null()),
                }
            }
        }
        // The first divergence of each stream is the first point where it differs.
        let found: std::collections::BTreeMap<String, u64> = fork
            .divergences(rec.len())
            .expect("divergences")
            .into_iter()
            .map(|d| (d.stream, d.point))
            .collect();
        prop_assert_eq!(found, first_diff);
    }
}
