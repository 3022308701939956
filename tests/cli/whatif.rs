//! Hypotheses on the fixtures: `--skip`, `--set-data`, `--insert` and `--whatif`
//! on state, diff, log, history and verify; bad edits are errors that change nothing.

use crate::common;

use common::Env;
use serde_json::{json, Value};

const GOAL: &str = "/agent~1sess-0004/memory/goal";
const ORIGINAL_GOAL: &str =
    "Resolve the duplicate charge on order A-20931 for customer cus_Q8ZkT2: verify both captures and refund the second one";

fn goal_at(env: &Env, at: &str, edits: &[&str]) -> Value {
    let mut rest = vec!["--at", at, "--path", GOAL, "--compact"];
    rest.extend_from_slice(edits);
    let r = env.main("state", &rest);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()
}

#[test]
fn skipping_the_injected_memory_update_keeps_the_goal_until_the_snapshot() {
    let env = Env::new();
    // Reality: event 652 rewrote the goal.
    assert_ne!(goal_at(&env, "674", &[]), json!(ORIGINAL_GOAL));
    assert_eq!(goal_at(&env, "674", &["--skip", "652"]), json!(ORIGINAL_GOAL));
    // Before the edit, the hypothesis is reality.
    assert_eq!(goal_at(&env, "651", &["--skip", "652"]), goal_at(&env, "651", &[]));
    // The nightly snapshot at 675 stores the real state, so it brings the goal back,
    // and verify under the hypothesis names that snapshot as drifted.
    assert_eq!(goal_at(&env, "end", &["--skip", "652"]), goal_at(&env, "end", &[]));
    let v = env.main("verify", &["--skip", "652", "--format", "json"]);
    assert_eq!(v.code, 1, "{}", v.stderr);
    let drift = v.json()["drift"].clone();
    assert!(
        drift
            .as_array()
            .expect("drift")
            .iter()
            .any(|d| d["at"] == "675" && d["paths"] == json!(["/memory/goal"])),
        "{drift}"
    );
    assert_eq!(v.json()["whatif"], json!({"edits": [{"skip": 652}]}));
    // Reality's verify does not have that drift.
    let real = env.main("verify", &["--format", "json"]);
    assert!(!real.json()["drift"]
        .as_array()
        .expect("drift")
        .iter()
        .any(|d| d["pos"] == 675));
}

#[test]
fn diff_under_a_hypothesis_and_its_exit_codes() {
    let env = Env::new();
    let r = env.main("diff", &["--from", "651", "--to", "652", "--skip", "652"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    let r = env.main(
        "diff",
        &[
            "--from",
            "651",
            "--to",
            "652",
            "--set-data",
            r#"652={"patch":{"goal":"stay on task"}}"#,
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["changes"][0]["new"], json!("stay on task"), "{v}");
    assert_eq!(v["whatif"]["edits"][0]["set_data"]["at"], json!(652));
}

#[test]
fn log_shows_inserted_events_as_n_plus_k_and_leaves_skipped_ones_out_of_json() {
    let env = Env::new();
    let note = r#"652={"stream":"agent/sess-0004","type":"Note","data":{"note":"first"}}"#;
    let second =
        r#"652={"stream":"review/new","type":"Note","data":{"note":"second"},"id":"n2","time":"2026-11-20T10:24:14Z"}"#;
    let edits = [
        "--from", "650", "--to", "653", "--skip", "652", "--insert", note, "--insert", second,
    ];
    let text = env.main("log", &edits);
    assert_eq!(text.code, 0, "{}", text.stderr);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", text.stdout);
    assert!(
        lines[1].trim_start().starts_with("652 ") && lines[1].contains("[skipped]"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].trim_start().starts_with("652+1 ") && lines[2].contains("[inserted]"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].trim_start().starts_with("652+2 ") && lines[3].contains("review/new"),
        "{}",
        lines[3]
    );
    let mut json_args = edits.to_vec();
    json_args.push("--json");
    let j = env.main("log", &json_args).json_lines();
    let at: Vec<&str> = j.iter().map(|e| e["at"].as_str().expect("at")).collect();
    assert_eq!(at, ["651", "652+1", "652+2", "653"]);
    assert_eq!(j[1]["whatif"], "inserted");
    assert_eq!(j[1]["id"], "whatif:652+1");
    // Default time: the event it follows; its own when given.
    assert_eq!(j[1]["time"], "2026-11-20T10:24:13.870535Z");
    assert_eq!(j[2]["time"], "2026-11-20T10:24:14.000000Z");
    json_args.push("--show-skipped");
    let all = env.main("log", &json_args).json_lines();
    assert_eq!(all.len(), 5);
    assert_eq!(all[1]["whatif"], "skipped");
    // The filters see inserted streams too.
    let only = env.main("log", &["--stream", "review/*", "--insert", second]);
    assert_eq!(only.stdout.lines().count(), 1, "{}", only.stdout);
    // The inserted stream has a state.
    assert_eq!(
        goal_at(&env, "652", &["--insert", second]).clone(),
        goal_at(&env, "652", &[]),
    );
    let s = env.main(
        "state",
        &["--at", "652", "--stream", "review/new", "--insert", second, "--compact"],
    );
    assert_eq!(s.stdout.trim(), r#"{"note":"second"}"#, "{}", s.stderr);
    let before = env.main(
        "state",
        &["--at", "651", "--stream", "review/new", "--insert", second, "--compact"],
    );
    assert_eq!(before.stdout.trim(), "null", "{}", before.stderr);
}

#[test]
fn history_under_an_edit_and_a_whatif_file_give_the_same_answer_as_the_flags() {
    let env = Env::new();
    let flags = ["--set-data", r#"652={"patch":{"goal":"stay on task"}}"#, "--json"];
    let h = env.main("history", &[&["--path", GOAL][..], &flags].concat());
    assert_eq!(h.code, 0, "{}", h.stderr);
    let entries = h.json_lines();
    let at: Vec<&str> = entries.iter().map(|e| e["at"].as_str().expect("at")).collect();
    assert_eq!(at, ["630", "652", "675"], "{}", h.stdout);
    assert_eq!(entries[1]["whatif"], "edited");
    assert_eq!(entries[1]["new"], "stay on task");
    let file = env.write(
        "w.json",
        r#"{"edits": [{"set_data": {"at": 652, "data": {"patch": {"goal": "stay on task"}}}}]}"#,
    );
    let f = env.main(
        "history",
        &["--path", GOAL, "--json", "--whatif", file.to_str().expect("utf8")],
    );
    assert_eq!(f.stdout, h.stdout);
}

#[test]
fn bad_edits_are_errors_that_change_nothing() {
    let env = Env::new();
    // The first read builds the checkpoints; after it, reads leave the cache as it is.
    assert_eq!(env.main("state", &[]).code, 0);
    let cache_dir = env.path("cache");
    let snapshot = || -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(&cache_dir)
            .expect("cache dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "db"))
            .map(|p| (p.clone(), std::fs::read(&p).expect("read")))
            .collect();
        files.sort();
        files
    };
    let before = snapshot();
    let missing = env.path("missing.json");
    let bad_file = env.write("bad.json", r#"{"edits": [{"skip": 1}, {"skip": "9..3"}]}"#);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--skip", "5000"], "position 5000 is past the end"),
        (vec!["--set-data", "1194={}"], "position 1194 is past the end"),
        (
            vec!["--insert", r#"1194={"stream":"s","type":"t","data":1}"#],
            "past the end",
        ),
        (vec!["--set-data", "5={oops"], "--set-data 5: invalid JSON"),
        (vec!["--insert", r#"5={"type":"t","data":1}"#], r#"needs a "stream""#),
        (vec!["--skip", "0"], "position 0 is before the first event"),
        (vec!["--whatif", missing.to_str().expect("utf8")], "no such file"),
        (vec!["--whatif", bad_file.to_str().expect("utf8")], "edit 2"),
    ];
    for cmd in ["state", "diff", "log", "history", "verify"] {
        for (edit, why) in &cases {
            let mut rest: Vec<&str> = match cmd {
                "diff" => vec!["--from", "1", "--to", "2"],
                "history" => vec!["--path", GOAL],
                _ => vec![],
            };
            rest.extend_from_slice(edit);
            let r = env.main(cmd, &rest);
            assert_eq!(r.code, 2, "{cmd} {edit:?}: {}", r.stdout);
            assert!(r.stderr.contains(why), "{cmd} {edit:?}: {}", r.stderr);
            assert!(r.stdout.is_empty(), "{cmd} {edit:?}: {}", r.stdout);
        }
    }
    assert!(before == snapshot(), "a bad edit changed the cache");
    assert_eq!(env.main("state", &["--skip", "652"]).code, 0);
    assert!(before == snapshot(), "a hypothesis changed the cache");
}
