//! Every reducer op of docs/model.md §4, through the CLI, on small recordings.

use crate::common;

use common::Env;
use serde_json::{json, Value};

fn run(env: &Env, rules: &str, events: &[Value]) -> (Value, Vec<Value>) {
    let input = env.write(
        "e.jsonl",
        events.iter().map(|e| e.to_string() + "\n").collect::<String>(),
    );
    let r = env.write("rules.json", rules);
    let state = env.run(&["state".as_ref(), input.as_os_str(), "--rules".as_ref(), r.as_os_str()]);
    assert_eq!(state.code, 0, "{}", state.stderr);
    let log = env.run(&["log".as_ref(), input.as_os_str(), "--json".as_ref()]);
    (state.json(), log.json_lines())
}

fn ev(stream: &str, ty: &str, data: Value) -> Value {
    json!({"stream": stream, "type": ty, "data": data})
}

fn errors(log: &[Value]) -> Vec<(u64, String)> {
    log.iter()
        .filter(|l| !l["error"].is_null())
        .map(|l| {
            (
                l["pos"].as_u64().expect("pos"),
                l["error"].as_str().expect("e").to_string(),
            )
        })
        .collect()
}

#[test]
fn default_is_a_merge_patch_at_the_root() {
    let env = Env::new();
    let (s, log) = run(
        &env,
        r#"{"rules": []}"#,
        &[
            ev("s", "A", json!({"a": 1, "b": {"c": 2}})),
            ev("s", "B", json!({"b": {"c": null, "d": 3}, "a": null})),
        ],
    );
    assert_eq!(s, json!({"s": {"b": {"d": 3}}}));
    assert!(errors(&log).is_empty());
}

#[test]
fn merge_replace_append_with_paths_placeholders_and_globs() {
    let env = Env::new();
    let rules = r#"{"rules": [
        {"type": "Mem*", "op": "merge", "path": "/memory"},
        {"type": "Set", "op": "replace", "path": "/models/{model_id}/stage", "from": "/stage"},
        {"type": "Msg", "op": "append", "path": "/messages"},
        {"type": "Whole", "op": "replace"}
    ]}"#;
    let (s, log) = run(
        &env,
        rules,
        &[
            ev("a", "MemoryUpdated", json!({"goal": "x", "notes/2026~draft": "n"})),
            ev("a", "MemoryCleared", json!({"goal": null})),
            ev("a", "Set", json!({"model_id": "org/m:1", "stage": "prod"})),
            ev("a", "Set", json!({"model_id": 7, "stage": "canary"})),
            ev("a", "Msg", json!({"role": "user"})),
            ev("a", "Msg", json!({"role": "assistant"})),
            ev("b", "Whole", json!([1, 2])),
        ],
    );
    assert_eq!(
        s,
        json!({
            "a": {"memory": {"notes/2026~draft": "n"}, "models": {"org/m:1": {"stage": "prod"}, "7": {"stage": "canary"}}, "messages": [{"role": "user"}, {"role": "assistant"}]},
            "b": [1, 2]
        })
    );
    assert!(errors(&log).is_empty());
}

#[test]
fn patch_is_rfc6902_and_a_failing_test_leaves_the_state_unchanged() {
    let env = Env::new();
    let rules = r#"{"rules": [{"type": "P", "op": "patch", "path": "/params", "from": "/ops"}]}"#;
    let (s, log) = run(
        &env,
        rules,
        &[
            ev(
                "s",
                "P",
                json!({"ops": [{"op": "add", "path": "/t", "value": 0.4}, {"op": "add", "path": "/list", "value": [1, 2]}]}),
            ),
            ev(
                "s",
                "P",
                json!({"ops": [{"op": "replace", "path": "/t", "value": 9}, {"op": "test", "path": "/t", "value": 0.2}]}),
            ),
            ev(
                "s",
                "P",
                json!({"ops": [{"op": "move", "from": "/list", "path": "/moved"}, {"op": "copy", "from": "/t", "path": "/t2"}, {"op": "remove", "path": "/moved/0"}, {"op": "test", "path": "/t", "value": 0.40}]}),
            ),
        ],
    );
    assert_eq!(s, json!({"s": {"params": {"t": 0.4, "moved": [2], "t2": 0.4}}}));
    let errs = errors(&log);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, 2);
    assert!(errs[0].1.contains("test"), "{}", errs[0].1);
}

#[test]
fn remove_snapshot_and_ignore() {
    let env = Env::new();
    let rules = r#"{"rules": [
        {"type": "Forget", "op": "remove", "path": "/a/{k}"},
        {"type": "Gone", "op": "remove"},
        {"type": "Snap", "op": "snapshot", "from": "/state"},
        {"type": "Beat", "op": "ignore"}
    ]}"#;
    let (s, log) = run(
        &env,
        rules,
        &[
            ev("x", "Init", json!({"a": {"k1": 1, "k2": 2}})),
            ev("x", "Forget", json!({"k": "k1"})),
            ev("x", "Forget", json!({"k": "nope"})),
            ev("x", "Beat", json!({"a": "ignored"})),
            ev("y", "Init", json!({"v": 1})),
            ev("y", "Gone", json!({})),
            ev("z", "Snap", json!({"state": {"restored": true}})),
        ],
    );
    assert_eq!(s, json!({"x": {"a": {"k2": 2}}, "z": {"restored": true}}));
    assert!(errors(&log).is_empty(), "removing a missing node is not an error");
}

#[test]
fn errors_of_an_event_leave_its_stream_unchanged() {
    let env = Env::new();
    let rules = r#"{"rules": [
        {"type": "Push", "op": "append", "path": "/list"},
        {"type": "At", "op": "replace", "path": "/arr/5"},
        {"type": "Deep", "op": "replace", "path": "/list/x"},
        {"type": "Key", "op": "replace", "path": "/by/{missing}"},
        {"type": "From", "op": "merge", "from": "/nope"}
    ]}"#;
    let (s, log) = run(
        &env,
        rules,
        &[
            ev("s", "Init", json!({"list": "not an array", "arr": [0]})),
            ev("s", "Push", json!(1)),
            ev("s", "At", json!(1)),
            ev("s", "Deep", json!(1)),
            ev("s", "Key", json!({"v": 1})),
            ev("s", "From", json!({"v": 1})),
        ],
    );
    assert_eq!(s, json!({"s": {"list": "not an array", "arr": [0]}}));
    let errs = errors(&log);
    assert_eq!(errs.iter().map(|e| e.0).collect::<Vec<_>>(), vec![2, 3, 4, 5, 6]);
    assert!(errs[0].1.contains("not an array"), "{}", errs[0].1);
    assert!(errs[1].1.contains("array index \"5\" does not exist"), "{}", errs[1].1);
    assert!(errs[3].1.contains("{missing}"), "{}", errs[3].1);
    assert!(errs[4].1.contains("from /nope"), "{}", errs[4].1);
}

#[test]
fn snapshot_records_replace_state_without_a_rule() {
    let env = Env::new();
    let input = env.write("e.jsonl", "{\"stream\":\"s\",\"type\":\"A\",\"data\":{\"a\":1}}\n");
    let snap = env.write(
        "s.jsonl",
        "{\"stream\":\"s\",\"state\":{\"b\":2}}\n{\"stream\":\"t\",\"state\":null}\n",
    );
    let st = env.run(&["state".as_ref(), input.as_os_str(), snap.as_os_str()]).json();
    assert_eq!(
        st,
        json!({"s": {"b": 2, "a": 1}, "t": null}),
        "the snapshot sits before s's first event"
    );
}
