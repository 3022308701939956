//! Property tests of the replay engine through the library API: for random event
//! histories, (1) state at B = state at A + the patch diff(A, B) gives; (2) state
//! rebuilt from checkpoints = state from a full replay, at every point.

use proptest::prelude::*;
use rewind::json::{diff, eq::json_eq, patch::apply_patch};
use rewind::recording::{OpenOptions, Recording};
use rewind::replay::{Spacing, World, WorldView};
use serde_json::{json, Value};

const RULES: &str = r#"{"rules": [
  {"type": "Add", "op": "append", "path": "/items"},
  {"type": "Set", "op": "replace", "path": "/fields/{key}"},
  {"type": "Merge", "op": "merge", "path": "/m"},
  {"type": "Patch", "op": "patch", "from": "/ops"},
  {"type": "Drop", "op": "remove", "path": "/fields/{key}"},
  {"type": "Snap", "op": "snapshot", "from": "/state"},
  {"type": "Reset", "op": "remove"},
  {"type": "Noise", "op": "ignore"}
]}"#;

fn event_strategy() -> impl Strategy<Value = Value> {
    let stream = prop::sample::select(vec!["a", "b/c", "d~e", "f"]);
    let key = prop::sample::select(vec!["k", "x/y", "z~0", "ü"]);
    let scalar = prop_oneof![
        Just(json!(null)),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-c]{0,3}".prop_map(|s| json!(s))
    ];
    (stream, 0u8..10, key, scalar.clone(), scalar).prop_map(|(stream, op, key, v, w)| {
        let (ty, data) = match op {
            0 => ("Add", json!({"v": v})),
            1 => ("Set", json!({"key": key, "value": v})),
            2 => ("Merge", json!({key: v, "other": w})),
            3 => (
                "Patch",
                json!({"ops": [{"op": "add", "path": "/p", "value": v}, {"op": "test", "path": "/p", "value": w}]}),
            ),
            4 => ("Drop", json!({"key": key})),
            5 => ("Snap", json!({"state": {"snap": v}})),
            6 => ("Reset", json!({})),
            7 => ("Noise", json!({"n": v})),
            8 => ("Other", json!({"o": v, "k": w})),
            _ => ("Set", json!({"value": v})), // missing {key}: fails
        };
        json!({"stream": stream, "type": ty, "data": data})
    })
}

fn open(events: &[Value]) -> (tempfile::TempDir, Recording) {
    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("e.jsonl");
    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, RULES).expect("rules");
    std::fs::write(&input, events.iter().map(|e| e.to_string() + "\n").collect::<String>()).expect("write");
    let opts = OpenOptions {
        inputs: vec![input],
        cache: Some(dir.path().join("c.db")),
        rules: Some(rules),
        ..Default::default()
    };
    let (rec, _) = Recording::open(&opts, &mut |_| {}).expect("open");
    (dir, rec)
}

/// The reference: replay every event from position 0, no checkpoints involved.
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
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn checkpoints_agree_with_full_replay(events in prop::collection::vec(event_strategy(), 1..60), min in 1u64..6) {
        let (_dir, rec) = open(&events);
        rec.replayer().build_checkpoints_spaced(Spacing { min, max: min + 3 }, &mut |_| {}).expect("build");
        for pos in 0..=rec.len() {
            let want = full_replay(&rec, pos);
            let got = rec.state_at(pos, None).expect("state");
            prop_assert!(json_eq(&got, &want), "world at {}: {} vs {}", pos, got, want);
            // What `state` prints: the same bytes as writing that world, both layouts.
            let world = rec.world_at(pos).expect("world");
            for compact in [false, true] {
                let json = rec.world_json_at(pos, compact).expect("json");
                let mut plain = Vec::new();
                WorldView { world: &world, cat: &rec.cat }.write(&mut plain, compact).expect("write");
                prop_assert_eq!(String::from_utf8_lossy(&json), String::from_utf8_lossy(&plain));
            }
            for (name, state) in want.as_object().expect("object") {
                prop_assert_eq!(&rec.state_at(pos, Some(name)).expect("stream"), state);
            }
        }
    }

    #[test]
    fn state_at_b_is_state_at_a_plus_the_diff_patch(events in prop::collection::vec(event_strategy(), 1..60), a in 0u64..60, b in 0u64..60) {
        let (_dir, rec) = open(&events);
        rec.replayer().build_checkpoints_spaced(Spacing { min: 4, max: 9 }, &mut |_| {}).expect("build");
        let (a, b) = (a.min(rec.len()), b.min(rec.len()));
        let mut sa = rec.state_at(a, None).expect("a");
        let sb = rec.state_at(b, None).expect("b");
        let changes = rec.diff(a, b, None, None).expect("diff");
        // The world diff (stream by stream, no copies) is the plain diff of the two states.
        prop_assert_eq!(&changes, &diff::diff(&sa, &sb));
        let patch = diff::to_patch(&changes);
        apply_patch(&mut sa, &patch).expect("the diff patch applies");
        prop_assert!(json_eq(&sa, &sb));
    }
}

proptest! {
    // Long histories take the threaded path (payloads parsed on a second thread,
    // checkpoints decoded on all cores): it must agree with the plain replay.
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    #[test]
    fn threaded_replay_agrees_with_full_replay(events in prop::collection::vec(event_strategy(), 3000..3500)) {
        let (_dir, rec) = open(&events);
        let len = rec.len();
        let points = [1, len / 3, len / 2, len - 1, len];
        // No checkpoints yet: every world is replayed from position 0.
        for &pos in &points {
            let want = full_replay(&rec, pos);
            let got = rec.world_at(pos).expect("world").to_value(&rec.cat);
            prop_assert!(json_eq(&got, &want), "world at {}", pos);
        }
        rec.replayer().build_checkpoints_spaced(Spacing { min: 40, max: 300 }, &mut |_| {}).expect("build");
        prop_assert!(rec.cache.checkpoint_rows().expect("cp") > 0);
        for &pos in &points {
            let want = full_replay(&rec, pos);
            let got = rec.world_at(pos).expect("world").to_value(&rec.cat);
            prop_assert!(json_eq(&got, &want), "world at {} from checkpoints", pos);
            let json = rec.world_json_at(pos, false).expect("json");
            prop_assert_eq!(String::from_utf8_lossy(&json), rewind::json::write::to_string_pretty(&want));
        }
    }
}
