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
    // Following a growing recording does not take edits: it says so before reading.
    for cmd in ["state", "log", "history"] {
        let mut rest = if cmd == "history" { vec!["--path", GOAL] } else { vec![] };
        rest.extend_from_slice(&["--follow", "--skip", "652"]);
        let r = env.main(cmd, &rest);
        assert_eq!(r.code, 2, "{cmd}: {}", r.stdout);
        assert!(
            r.stderr.contains("--follow does not take what-if edits"),
            "{cmd}: {}",
            r.stderr
        );
    }
    assert!(before == snapshot(), "a bad edit changed the cache");
    assert_eq!(env.main("state", &["--skip", "652"]).code, 0);
    assert!(before == snapshot(), "a hypothesis changed the cache");
}

#[test]
fn whatif_diffs_reality_against_the_hypothesis_in_every_format() {
    let env = Env::new();
    let text = env.main("whatif", &["--skip", "652", "--at", "674"]);
    assert_eq!(text.code, 1, "{}", text.stderr);
    assert!(
        text.stdout
            .contains(&format!("~ {GOAL}: \"Export the complete customer list")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(&format!("-> \"{ORIGINAL_GOAL}\"")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("first divergence: agent/sess-0004 at 652 (/memory/goal"),
        "{}",
        text.stdout
    );
    let j = env.main("whatif", &["--skip", "652", "--at", "674", "--format", "json"]);
    assert_eq!(j.code, 1);
    let v = j.json();
    assert_eq!(v["at"]["pos"], 674);
    assert_eq!(v["changes"][0]["path"], GOAL);
    assert_eq!(v["changes"][0]["new"], ORIGINAL_GOAL);
    assert_eq!(v["divergences"][0]["stream"], "agent/sess-0004");
    assert_eq!(v["divergences"][0]["at"], 652);
    assert_eq!(v["divergences"][0]["converged"], false);
    let patch = env.main("whatif", &["--skip", "652", "--at", "674", "--format", "patch"]);
    assert_eq!(patch.code, 1);
    assert_eq!(
        patch.json(),
        json!([{"op": "replace", "path": GOAL, "value": ORIGINAL_GOAL}])
    );
    assert!(
        patch.stderr.contains("first divergence: agent/sess-0004 at 652"),
        "{}",
        patch.stderr
    );
    let unified = env.main(
        "whatif",
        &[
            "--skip",
            "652",
            "--at",
            "674",
            "--format",
            "unified",
            "--stream",
            "agent/sess-0004",
        ],
    );
    assert_eq!(unified.code, 1);
    assert!(
        unified.stdout.starts_with("--- reality\n+++ hypothesis\n"),
        "{}",
        unified.stdout
    );
    assert!(
        unified.stdout.contains(&format!("+    \"goal\": \"{ORIGINAL_GOAL}\"")),
        "{}",
        unified.stdout
    );
    // At the end the nightly snapshot has put the real goal back: no difference (exit 0),
    // and the divergence says it is the same again.
    let end = env.main("whatif", &["--skip", "652"]);
    assert_eq!(end.code, 0, "{}", end.stdout);
    assert!(
        end.stdout
            .contains("at 652 (/memory/goal, /memory/scratch/audit_pending); the same again at 1193"),
        "{}",
        end.stdout
    );
}

#[test]
fn whatif_exits_0_when_the_edit_makes_no_difference() {
    let env = Env::new();
    // A Heartbeat: the rules ignore it.
    let log = env
        .main("log", &["--type", "Heartbeat", "--limit", "1", "--json"])
        .json_lines();
    let pos = log[0]["pos"].to_string();
    let r = env.main("whatif", &["--skip", &pos]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
    let none = env.main("whatif", &[]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("whatif needs edits"), "{}", none.stderr);
}

fn state_of(env: &Env, input: &std::path::Path, at: &str) -> String {
    let r = env.run(&[
        "state",
        input.to_str().expect("utf8"),
        "--rules",
        "fixtures/rules.json",
        "--at",
        at,
        "--compact",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn export_round_trips_with_the_same_states_in_every_compression() {
    let env = Env::new();
    for name in ["all.jsonl", "all.jsonl.gz", "all.jsonl.zst"] {
        let out = env.path(name);
        let r = env.main("export", &["-o", out.to_str().expect("utf8")]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains("1193 events"), "{}", r.stderr);
        for at in ["0", "300", "652", "675", "994", "end"] {
            assert_eq!(
                state_of(&env, &out, at),
                env.main("state", &["--at", at, "--compact"]).stdout,
                "{name} at {at}"
            );
        }
        // The snapshots stay snapshots, so verify finds the same drift.
        let v = env.run(&["verify", out.to_str().expect("utf8"), "--rules", "fixtures/rules.json"]);
        assert_eq!(
            v.stdout.lines().last(),
            Some("17 snapshots checked, 1 drifted; 1 event failed"),
            "{}",
            v.stdout
        );
    }
    let first = std::fs::read_to_string(env.path("all.jsonl")).expect("read");
    let line: Value = serde_json::from_str(first.lines().next().expect("a line")).expect("json");
    let keys: Vec<&str> = line.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["stream", "seq", "id", "type", "time", "kind", "data", "meta"]);
}

#[test]
fn export_of_a_hypothesis_is_its_fork_and_slices_filter() {
    let env = Env::new();
    let out = env.path("fork.jsonl");
    let r = env.main("export", &["--skip", "652", "-o", out.to_str().expect("utf8")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("1192 events under a hypothesis of 1 edit"),
        "{}",
        r.stderr
    );
    // Original point 674 is position 673 of the fork.
    assert_eq!(
        state_of(&env, &out, "673"),
        env.main("state", &["--at", "674", "--compact", "--skip", "652"]).stdout
    );
    assert_eq!(
        state_of(&env, &out, "end"),
        env.main("state", &["--compact", "--skip", "652"]).stdout
    );
    // An inserted event has no seq or time of its own: it reads back too.
    let ins = r#"660={"stream":"agent/sess-0004","type":"MemoryUpdated","data":{"patch":{"goal":"y"}}}"#;
    let fork2 = env.path("fork2.jsonl");
    let r = env.main(
        "export",
        &["--skip", "652", "--insert", ins, "-o", fork2.to_str().expect("utf8")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let back = env.run(&[
        "import",
        fork2.to_str().expect("utf8"),
        "--rules",
        "fixtures/rules.json",
    ]);
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert!(
        !back.stdout.contains("skipped") && !back.stderr.contains("skipped"),
        "{}{}",
        back.stdout,
        back.stderr
    );
    // Original 655 is fork position 654; 660 and what is inserted after it end at 660.
    for (at, fork_at) in [("655", "654"), ("660", "660"), ("674", "674"), ("end", "end")] {
        assert_eq!(
            state_of(&env, &fork2, fork_at),
            env.main("state", &["--at", at, "--compact", "--skip", "652", "--insert", ins])
                .stdout,
            "at {at}"
        );
    }
    let slice = env.path("slice.jsonl");
    let s = env.main(
        "export",
        &[
            "--from",
            "600",
            "--to",
            "700",
            "--stream",
            "agent/*",
            "--type",
            "Memory*",
            "-o",
            slice.to_str().expect("utf8"),
        ],
    );
    assert_eq!(s.code, 0, "{}", s.stderr);
    let ids: Vec<Value> = std::fs::read_to_string(&slice)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json")["id"].clone())
        .collect();
    let want: Vec<Value> = env
        .main(
            "log",
            &[
                "--from", "600", "--to", "700", "--stream", "agent/*", "--type", "Memory*", "--json",
            ],
        )
        .json_lines()
        .into_iter()
        .map(|e| e["id"].clone())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids, want);
    // A bad edit writes nothing.
    let bad = env.path("bad.jsonl");
    let b = env.main("export", &["--skip", "9999", "-o", bad.to_str().expect("utf8")]);
    assert_eq!(b.code, 2);
    assert!(!bad.exists() && !env.path("bad.jsonl.partial").exists());
}
