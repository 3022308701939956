//! The headless commands on the bundled fixture recording, checked against the
//! expected states an independent reducer wrote (fixtures/expected/).

use crate::common;

use common::{read_json, Env};
use serde_json::{json, Value};

#[test]
fn import_summarises_each_input_and_reuses_the_cache() {
    let env = Env::new();
    let r = env.main("import", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("fixtures/agents.jsonl: jsonl, 714 events, imported"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("fixtures/registry.json: json, 37 events, imported"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("fixtures/training.jsonl.zst: jsonl+zstd, 425 events, imported"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("fixtures/snapshots.jsonl.gz: snapshot+gzip, 17 snapshots, imported"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("1193 events, 15 streams, 17 snapshots"),
        "{}",
        r.stdout
    );
    let again = env.main("import", &[]);
    assert_eq!(again.code, 0);
    assert_eq!(again.stdout.matches(", cached").count(), 4, "{}", again.stdout);
    // Without a terminal, `rewind INPUT...` prints what import prints.
    let mut args = common::MAIN.to_vec();
    args.extend_from_slice(&["--rules", "fixtures/rules.json"]);
    let bare = env.run(&args);
    assert_eq!(bare.code, 0, "{}", bare.stderr);
    assert!(bare.stdout.contains("1193 events, 15 streams"), "{}", bare.stdout);
}

#[test]
fn import_to_an_explicit_cache_file_which_then_opens_as_an_input() {
    let env = Env::new();
    let db = env.path("shared.db");
    let mut args = vec!["import"];
    args.extend_from_slice(common::MAIN);
    args.extend_from_slice(&["--rules", "fixtures/rules.json", "-o", db.to_str().expect("utf8")]);
    assert_eq!(env.run(&args).code, 0);
    let r = env.run(&[
        "state",
        db.to_str().expect("utf8"),
        "--stream",
        "model/ranker",
        "--path",
        "/canary",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json(),
        read_json("fixtures/expected/final-state.json")["model/ranker"]["canary"]
    );
    let mixed = env.run(&["state", db.to_str().expect("utf8"), "fixtures/agents.jsonl"]);
    assert_eq!(mixed.code, 2);
    assert!(mixed.stderr.contains("can't be combined"), "{}", mixed.stderr);
}

#[test]
fn final_state_matches_the_independent_reducer() {
    let env = Env::new();
    let r = env.main("state", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json(), read_json("fixtures/expected/final-state.json"));
    assert!(r.stdout.starts_with("{\n  \""), "pretty with 2 spaces");
    let compact = env.main("state", &["--compact"]);
    assert_eq!(compact.stdout.lines().count(), 1);
    assert_eq!(compact.json(), r.json());
}

#[test]
fn states_at_points_match_the_independent_reducer() {
    let env = Env::new();
    let text = std::fs::read_to_string(common::root().join("fixtures/expected/points.jsonl")).expect("points");
    let mut checked = 0;
    for line in text.lines() {
        let p: Value = serde_json::from_str(line).expect("json");
        let at = p["at"].to_string();
        let stream = p["stream"].as_str().expect("stream");
        let r = env.main("state", &["--at", &at, "--stream", stream]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(r.json(), p["state"], "state of {stream} at {at}");
        checked += 1;
    }
    assert!(checked >= 30);
}

#[test]
fn agents_alone_match_their_expected_final_state() {
    let env = Env::new();
    let r = env.run(&["state", "fixtures/agents.jsonl", "--rules", "fixtures/rules.json"]);
    assert_eq!(r.json(), read_json("fixtures/expected/agents-only-final.json"));
}

#[test]
fn every_point_form_resolves() {
    let env = Env::new();
    let log = env.main("log", &["--json", "--from", "651", "--to", "652"]);
    let ev = &log.json_lines()[0];
    assert_eq!(ev["pos"], 652);
    assert_eq!(ev["stream"], "agent/sess-0004");
    assert_eq!(ev["type"], "MemoryUpdated");
    let id = format!("id:{}", ev["id"].as_str().expect("id"));
    let time = ev["time"].as_str().expect("time").to_string();
    let goal = |at: &str| {
        let r = env.main(
            "state",
            &["--at", at, "--stream", "agent/sess-0004", "--path", "/memory/goal"],
        );
        assert_eq!(r.code, 0, "{at}: {}", r.stderr);
        r.json()
    };
    let after = goal("652");
    assert!(after
        .as_str()
        .expect("goal")
        .starts_with("Export the complete customer list"));
    assert_eq!(goal(&id), after);
    assert_eq!(goal("agent/sess-0004@19"), after);
    assert_eq!(goal(&time), after);
    assert_eq!(goal("end-541"), after, "1193 - 541 = 652");
    let before = goal("651");
    assert!(before
        .as_str()
        .expect("goal")
        .starts_with("Resolve the duplicate charge"));
    assert_eq!(goal("agent/sess-0004@18"), before);
    let start = env.main("state", &["--at", "start"]);
    assert_eq!(start.json(), json!({}));
    assert_eq!(env.main("state", &["--at", "0"]).json(), json!({}));
    assert_eq!(
        env.main("state", &["--at", "end"]).json(),
        env.main("state", &["--at", "1193"]).json()
    );
}

#[test]
fn points_that_name_nothing_are_errors_that_say_what_exists() {
    let env = Env::new();
    for (p, why) in [
        ("1194", "past the end"),
        ("end-1194", "only 1193 events"),
        ("id:nope", "no event has id"),
        ("agent/sess-0004@999", "no event with seq 999"),
        ("nostream@1", "no stream named"),
        ("2001-01-01T00:00:00Z", "no event has a time at or before"),
        ("yesterday", "not a point"),
    ] {
        let r = env.main("state", &["--at", p]);
        assert_eq!(r.code, 2, "{p}");
        assert!(r.stdout.is_empty());
        assert!(r.stderr.starts_with("rewind: "), "{}", r.stderr);
        assert!(r.stderr.contains(why), "{p}: {}", r.stderr);
        if why != "not a point" {
            assert!(r.stderr.contains("positions 0..1193"), "{}", r.stderr);
        }
    }
}

#[test]
fn state_narrowing() {
    let env = Env::new();
    let missing = env.main("state", &["--at", "1", "--stream", "training/run-2026-11-20"]);
    assert_eq!(missing.code, 0);
    assert_eq!(missing.json(), Value::Null, "a stream with no state yet is null");
    let bad = env.main("state", &["--stream", "no/such"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no stream named \"no/such\""), "{}", bad.stderr);
    let path = env.main("state", &["--path", "/agent~1sess-0004/memory/goal"]);
    assert_eq!(
        path.json(),
        read_json("fixtures/expected/final-state.json")["agent/sess-0004"]["memory"]["goal"]
    );
    let nopath = env.main("state", &["--path", "/agent~1sess-0004/nope"]);
    assert_eq!(nopath.code, 2);
}

#[test]
fn log_lists_filters_and_marks() {
    let env = Env::new();
    let all = env.main("log", &["--json"]);
    assert_eq!(all.code, 0);
    let lines = all.json_lines();
    assert_eq!(lines.len(), 1193);
    for key in ["pos", "stream", "seq", "id", "type", "time", "kind", "data", "meta"] {
        assert!(lines[0].get(key).is_some(), "missing {key}");
    }
    assert!(lines.windows(2).all(|w| w[0]["pos"].as_u64() < w[1]["pos"].as_u64()));
    let failed: Vec<&Value> = lines.iter().filter(|l| !l["error"].is_null()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["pos"], 718);
    assert!(failed[0]["error"].as_str().expect("error").contains("test"));
    assert_eq!(lines.iter().filter(|l| l["kind"] == "snapshot").count(), 17);

    let s4 = env
        .main("log", &["--json", "--stream", "agent/sess-0004", "--type", "Memory*"])
        .json_lines();
    assert!(!s4.is_empty());
    assert!(s4
        .iter()
        .all(|l| l["stream"] == "agent/sess-0004" && l["type"] == "MemoryUpdated"));
    let models = env.main("log", &["--json", "--stream", "model/*"]).json_lines();
    assert!(models
        .iter()
        .all(|l| l["stream"].as_str().expect("s").starts_with("model/")));
    assert_eq!(models.iter().filter(|l| l["kind"] == "event").count(), 37);
    let window = env
        .main("log", &["--json", "--from", "10", "--to", "20", "--limit", "4"])
        .json_lines();
    let pos: Vec<u64> = window.iter().map(|l| l["pos"].as_u64().expect("pos")).collect();
    assert_eq!(pos, vec![11, 12, 13, 14]);

    let text = env.main("log", &["--from", "717", "--to", "718"]);
    assert!(text.stdout.contains(" ! "), "failed events are marked: {}", text.stdout);
    assert!(
        text.stdout.contains("failed: patch operation 1 (test)"),
        "{}",
        text.stdout
    );
}

#[test]
fn text_output_never_carries_terminal_escapes_from_event_data() {
    let env = Env::new();
    for args in [
        vec!["log"],
        vec!["log", "--json"],
        vec!["state"],
        vec!["diff", "--from", "0", "--to", "end"],
    ] {
        let r = env.main(args[0], &args[1..]);
        assert!(!r.stdout.contains('\u{1b}'), "{args:?} printed a raw ESC");
        assert!(!r.stdout.contains('\u{7}'), "{args:?} printed a raw BEL");
        assert!(
            !r.stdout.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)),
            "{args:?} printed a C1 control"
        );
    }
    let data = env.main("log", &["--json", "--stream", "agent/sess-0002"]);
    assert!(data.stdout.contains("\\u001b["), "escapes are kept, escaped");
}

#[test]
fn diff_formats_and_exit_codes() {
    let env = Env::new();
    let same = env.main("diff", &["--from", "100", "--to", "100"]);
    assert_eq!((same.code, same.stdout.as_str()), (0, ""));
    let text = env.main("diff", &["--from", "651", "--to", "652"]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout
            .contains("~ /agent~1sess-0004/memory/goal: \"Resolve the duplicate charge"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains(" -> \"Export the complete customer list"),
        "{}",
        text.stdout
    );

    let j = env.main("diff", &["--from", "651", "--to", "652", "--format", "json"]);
    assert_eq!(j.code, 1);
    let v = j.json();
    assert_eq!(v["from"]["pos"], 651);
    assert_eq!(v["to"]["pos"], 652);
    assert!(v["to"]["id"].is_string() && v["to"]["time"].is_string());
    let changes = v["changes"].as_array().expect("changes");
    assert!(changes
        .iter()
        .any(|c| c["op"] == "replace" && c["path"] == "/agent~1sess-0004/memory/goal"));
    for c in changes {
        for k in ["op", "path", "old", "new"] {
            assert!(c.get(k).is_some());
        }
    }
    let zero = env
        .main("diff", &["--from", "0", "--to", "3", "--format", "json"])
        .json();
    assert_eq!(zero["from"], json!({"pos": 0, "time": null, "id": null}));

    let narrowed = env
        .main(
            "diff",
            &[
                "--from",
                "600",
                "--to",
                "700",
                "--stream",
                "agent/sess-0004",
                "--path",
                "/memory",
                "--format",
                "json",
            ],
        )
        .json();
    assert!(narrowed["changes"]
        .as_array()
        .expect("c")
        .iter()
        .all(|c| c["path"].as_str().expect("p").starts_with("/memory")));

    let unified = env.main(
        "diff",
        &[
            "--from",
            "651",
            "--to",
            "652",
            "--stream",
            "agent/sess-0004",
            "--format",
            "unified",
            "--context",
            "1",
        ],
    );
    assert_eq!(unified.code, 1);
    assert!(unified.stdout.contains("--- from"), "{}", unified.stdout);
    assert!(
        unified.stdout.contains("-    \"goal\": \"Resolve"),
        "{}",
        unified.stdout
    );
    assert!(unified.stdout.contains("+    \"goal\": \"Export"), "{}", unified.stdout);
}

#[test]
fn diff_patch_turns_the_from_state_into_the_to_state() {
    let env = Env::new();
    for (a, b) in [
        ("0", "end"),
        ("300", "900"),
        ("900", "300"),
        ("993", "995"),
        ("end-10", "end"),
    ] {
        let patch = env.main("diff", &["--from", a, "--to", b, "--format", "patch"]).json();
        let mut from = env.main("state", &["--at", a]).json();
        let to = env.main("state", &["--at", b]).json();
        rewind::json::patch::apply_patch(&mut from, &patch).expect("patch applies");
        assert!(rewind::json::eq::json_eq(&from, &to), "{a} -> {b}");
    }
}

#[test]
fn history_names_every_change_of_a_value() {
    let env = Env::new();
    let h = env.main("history", &["--path", "/agent~1sess-0004/memory/goal", "--json"]);
    assert_eq!(h.code, 0, "{}", h.stderr);
    let lines = h.json_lines();
    assert!(lines.len() >= 2);
    let hijack = lines
        .iter()
        .find(|l| l["pos"] == 652)
        .expect("the incident is in the history");
    assert_eq!(hijack["type"], "MemoryUpdated");
    assert!(hijack["old"].as_str().expect("old").starts_with("Resolve"));
    assert!(hijack["new"].as_str().expect("new").starts_with("Export"));
    for l in &lines {
        for k in ["pos", "time", "stream", "type", "old", "new"] {
            assert!(l.get(k).is_some());
        }
    }
    let stream = env.main(
        "history",
        &["--stream", "agent/sess-0004", "--path", "/memory/goal", "--json"],
    );
    assert_eq!(stream.json_lines(), lines);
    let window = env.main(
        "history",
        &["--path", "/agent~1sess-0004/memory/goal", "--from", "652", "--json"],
    );
    assert!(window.json_lines().iter().all(|l| l["pos"].as_u64() > Some(652)));
    let text = env.main("history", &["--path", "/agent~1sess-0004/memory/goal"]);
    assert!(text.stdout.contains("    652  "), "{}", text.stdout);
    // The drifted snapshot changed the canary back: history shows it too.
    let canary = env
        .main("history", &["--path", "/model~1ranker/canary/percent", "--json"])
        .json_lines();
    assert!(
        canary
            .iter()
            .any(|l| l["pos"] == 994 && l["old"] == 25 && l["new"] == 10),
        "{canary:?}"
    );
}

#[test]
fn verify_reports_drift_and_failed_events() {
    let env = Env::new();
    let r = env.main("verify", &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("drift at 994: snapshot of model/ranker seq 9 differs from replay at /canary/percent"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("failed at 718: agent/sess-0005 ParamsPatched"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("17 snapshots checked, 1 drifted; 1 event failed"),
        "{}",
        r.stdout
    );
    let j = env.main("verify", &["--json"]).json();
    assert_eq!(j["drift"][0]["pos"], 994);
    assert_eq!(j["drift"][0]["paths"], json!(["/canary/percent"]));
    assert_eq!(j["failures"][0]["pos"], 718);
    let expected = read_json("fixtures/expected/failed.json");
    assert_eq!(expected.as_array().map(Vec::len), Some(1));

    let clean = env.run(&["verify", "fixtures/registry.json", "--rules", "fixtures/rules.json"]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
}

#[test]
fn compare_names_the_first_divergence() {
    let env = Env::new();
    let r = env.run(&[
        "compare",
        "fixtures/agents.jsonl",
        "fixtures/run2/agents.jsonl",
        "--rules",
        "fixtures/rules.json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("first divergence at position 397:"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("agent/sess-0006  ToolResult"));
    let j = env
        .run(&[
            "compare",
            "fixtures/agents.jsonl",
            "fixtures/run2/agents.jsonl",
            "--rules",
            "fixtures/rules.json",
            "--format",
            "json",
        ])
        .json();
    assert_eq!(j["divergence"]["pos"], 397);
    assert_eq!(j["divergence"]["baseline"]["stream"], "agent/sess-0006");
    assert_eq!(j["divergence"]["candidate"]["type"], "ToolResult");
    let streams: std::collections::BTreeSet<String> = j["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["path"].as_str().expect("p").split('/').nth(1).expect("s").to_string())
        .collect();
    assert_eq!(streams.into_iter().collect::<Vec<_>>(), vec!["agent~1sess-0006"]);
    // Before the divergence the two runs agree.
    let early = env.run(&[
        "compare",
        "fixtures/agents.jsonl",
        "fixtures/run2/agents.jsonl",
        "--rules",
        "fixtures/rules.json",
        "--at",
        "396",
        "--stream",
        "agent/sess-0006",
        "--format",
        "patch",
    ]);
    assert_eq!(early.json(), json!([]));
    let same = env.run(&[
        "compare",
        "fixtures/agents.jsonl",
        "fixtures/agents.jsonl",
        "--rules",
        "fixtures/rules.json",
    ]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    assert!(same.stdout.contains("agree event for event"));
    let sep = env
        .run(&[
            "compare",
            "fixtures/agents.jsonl",
            "fixtures/run2/agents.jsonl",
            "--at-baseline",
            "714",
            "--at-candidate",
            "655",
            "--format",
            "json",
            "--rules",
            "fixtures/rules.json",
        ])
        .json();
    assert_eq!(sep["from"]["pos"], 714);
    assert_eq!(sep["to"]["pos"], 655);
}

#[test]
fn colour_follows_the_flag() {
    let env = Env::new();
    let plain = env.main("diff", &["--from", "651", "--to", "652"]);
    assert!(!plain.stdout.contains('\u{1b}'), "not a TTY: no colour");
    let coloured = env.main("diff", &["--from", "651", "--to", "652", "--color", "always"]);
    assert!(coloured.stdout.contains("\u{1b}[33m~ "), "{}", coloured.stdout);
}
