//! Import filters (`--since`, `--until`, `--stream`, `--type`) on every input
//! family, through the binary: the slice holds exactly the events of the whole
//! recording that match, the ledger still balances with the rest counted as
//! filtered, the filter is part of the cache key, and files whose place in time
//! is outside the window are never opened.

use std::fs;

use crate::aws::copy_dir;
use crate::common::{root, Env, Run};
use serde_json::Value;

/// One family's fixture, a filter on it, and which of its events the filter keeps.
struct Case {
    name: &'static str,
    inputs: &'static [&'static str],
    /// Options every command of the case takes (format, rules).
    extra: &'static [&'static str],
    /// The filter as `log` spells it (`--import-stream`/`--import-type`); `import`
    /// gets it as `--stream`/`--type`.
    filter: &'static [&'static str],
    keep: fn(&Value) -> bool,
    /// Files the filter leaves unread (Capture and Firehose names).
    pruned: u64,
}

fn time(e: &Value) -> &str {
    e["time"].as_str().unwrap_or("")
}

fn stream(e: &Value) -> &str {
    e["stream"].as_str().unwrap_or("")
}

fn ty(e: &Value) -> &str {
    e["type"].as_str().unwrap_or("")
}

const CASES: &[Case] = &[
    Case {
        name: "generic JSONL, JSON, zstd and snapshots",
        inputs: &[
            "fixtures/agents.jsonl",
            "fixtures/registry.json",
            "fixtures/training.jsonl.zst",
            "fixtures/snapshots.jsonl.gz",
        ],
        extra: &["--rules", "fixtures/rules.json"],
        filter: &[
            "--since",
            "2026-11-20T10:00:00Z",
            "--until",
            "2026-11-20T10:30:00Z",
            "--import-stream",
            "agent/*",
        ],
        keep: |e| {
            time(e) >= "2026-11-20T10:00:00.000000Z"
                && time(e) <= "2026-11-20T10:30:00.000000Z"
                && stream(e).starts_with("agent/")
        },
        pruned: 0,
    },
    Case {
        name: "EventStoreDB database (chunks)",
        inputs: &["fixtures/eventstore/agents-db"],
        extra: &[],
        filter: &["--until", "2026-03-02T09:00:10Z"],
        keep: |e| time(e) <= "2026-03-02T09:00:10.000000Z",
        pruned: 0,
    },
    Case {
        name: "EventStoreDB database, a chunk wholly before --since",
        inputs: &["fixtures/eventstore/agents-db"],
        extra: &[],
        filter: &["--since", "2026-03-02T09:00:18.5Z"],
        keep: |e| time(e) >= "2026-03-02T09:00:18.500000Z",
        // Chunk 1 starts at 09:00:18: chunk 0 is not read.
        pruned: 1,
    },
    Case {
        name: "EventStoreDB feed pages",
        inputs: &[
            "tests/data/eventstore/read-stream.response.json",
            "tests/data/eventstore/request-paging-events.response.json",
        ],
        extra: &[],
        filter: &["--since", "2018-08-21T09:53:46.869780Z"],
        keep: |e| time(e) >= "2018-08-21T09:53:46.869780Z",
        pruned: 0,
    },
    Case {
        name: "DynamoDB export",
        inputs: &["fixtures/aws/agent-state"],
        extra: &[],
        filter: &[
            "--import-stream",
            "AgentState/pk=agent/planner-01",
            "--import-stream",
            "*critic*",
        ],
        keep: |e| stream(e) == "AgentState/pk=agent/planner-01" || stream(e).contains("critic"),
        pruned: 0,
    },
    Case {
        name: "DynamoDB Streams",
        inputs: &["fixtures/aws/registry-stream.json"],
        extra: &[],
        filter: &["--import-type", "MODIFY"],
        keep: |e| ty(e) == "MODIFY",
        pruned: 0,
    },
    Case {
        name: "Kinesis get-records pages",
        inputs: &["fixtures/aws/kinesis/page-1.json", "fixtures/aws/kinesis/page-2.json"],
        extra: &[],
        filter: &["--since", "2026-11-20T09:14:05Z"],
        keep: |e| time(e) >= "2026-11-20T09:14:05.000000Z",
        pruned: 0,
    },
    Case {
        name: "Firehose prefix",
        inputs: &["fixtures/aws/firehose"],
        extra: &[],
        filter: &["--import-stream", "session/s-4[2]", "--until", "2026-11-20T09:15:01Z"],
        keep: |e| stream(e) == "session/s-42" && time(e) <= "2026-11-20T09:15:01.000000Z",
        pruned: 0,
    },
    Case {
        name: "Cosmos DB change feed",
        inputs: &["fixtures/azure/cosmos/events-changefeed.json"],
        extra: &[],
        filter: &["--until", "2026-11-20T09:00:30Z"],
        keep: |e| time(e) <= "2026-11-20T09:00:30.000000Z",
        pruned: 0,
    },
    Case {
        name: "Event Grid deliveries and dead letters",
        inputs: &["fixtures/azure/eventgrid"],
        extra: &[],
        filter: &["--import-stream", "models/*"],
        keep: |e| stream(e).starts_with("models/"),
        pruned: 0,
    },
    Case {
        name: "CloudEvents",
        inputs: &["fixtures/azure/cloudevents"],
        extra: &[],
        filter: &["--import-type", "ai.agent.*ed"],
        keep: |e| ty(e).starts_with("ai.agent.") && ty(e).ends_with("ed"),
        pruned: 0,
    },
    Case {
        name: "Event Hubs Capture",
        inputs: &["fixtures/azure/capture"],
        extra: &[],
        filter: &["--since", "2026-11-20T09:11:00Z"],
        keep: |e| time(e) >= "2026-11-20T09:11:00.000000Z",
        // Both partitions' 09:10 files end where their 09:11 files begin.
        pruned: 2,
    },
    Case {
        name: "LangGraph SQLite checkpointer",
        inputs: &["fixtures/ai/langgraph.sqlite"],
        extra: &[],
        filter: &["--import-stream", "thread-1*"],
        keep: |e| stream(e).starts_with("thread-1"),
        pruned: 0,
    },
    Case {
        name: "OpenAI Agents SDK sessions",
        inputs: &["fixtures/ai/agents.sqlite"],
        extra: &[],
        filter: &["--import-stream", "support-8"],
        keep: |e| stream(e) == "support-8",
        pruned: 0,
    },
    Case {
        name: "OTel GenAI spans",
        inputs: &["fixtures/ai/otel-genai.jsonl"],
        extra: &[],
        filter: &["--import-type", "chat", "--import-type", "embed*"],
        keep: |e| ty(e) == "chat" || ty(e).starts_with("embed"),
        pruned: 0,
    },
    Case {
        name: "Parquet, Hive date/hour partitions",
        inputs: &["fixtures/lake/agents-hive"],
        extra: &["--rules", "fixtures/rules.json"],
        filter: &[
            "--since",
            "2026-11-20T10:00:00Z",
            "--import-stream",
            "agent/sess-000[12]",
        ],
        keep: |e| time(e) >= "2026-11-20T10:00:00.000000Z" && stream(e) != "agent/sess-0003",
        pruned: 1,
    },
    Case {
        name: "Parquet row groups (time statistics)",
        inputs: &["fixtures/lake/registry.zstd.parquet"],
        extra: &["--rules", "fixtures/rules.json"],
        filter: &["--since", "2026-11-15", "--until", "2026-11-20T12:00:00Z"],
        keep: |e| time(e) >= "2026-11-15T00:00:00.000000Z" && time(e) <= "2026-11-20T12:00:00.000000Z",
        pruned: 3,
    },
];

fn run(env: &Env, cmd: &str, case: &Case, filter: &[&str], rest: &[&str]) -> Run {
    let mut args = vec![cmd];
    args.extend_from_slice(case.inputs);
    args.extend_from_slice(case.extra);
    args.extend_from_slice(filter);
    args.extend_from_slice(rest);
    let r = env.run(&args);
    assert_eq!(r.code, 0, "{}: rewind {}\n{}", case.name, args.join(" "), r.stderr);
    r
}

/// What identifies an event across recordings (positions differ in a slice).
fn ident(e: &Value) -> (String, String, String, String, String) {
    (
        stream(e).to_string(),
        e["seq"].to_string(),
        ty(e).to_string(),
        time(e).to_string(),
        e["data"].to_string(),
    )
}

/// `import`'s spelling of a filter given as `log` spells it.
fn import_spelling<'a>(filter: &[&'a str]) -> Vec<&'a str> {
    filter
        .iter()
        .map(|a| match *a {
            "--import-stream" => "--stream",
            "--import-type" => "--type",
            other => other,
        })
        .collect()
}

fn counts(v: &Value, what: &str) -> u64 {
    v[what].as_u64().unwrap_or_else(|| panic!("no {what} in {v}"))
}

fn balances(v: &Value) -> bool {
    counts(v, "read") == counts(v, "imported") + counts(v, "duplicates") + counts(v, "filtered") + counts(v, "skipped")
}

#[test]
fn every_family_imports_the_slice_it_is_asked_for() {
    for case in CASES {
        let env = Env::new();
        let whole = run(&env, "log", case, &[], &["--format", "json"]).json_lines();
        let expected: Vec<_> = whole.iter().filter(|e| (case.keep)(e)).map(ident).collect();
        assert!(
            !expected.is_empty() && expected.len() < whole.len(),
            "{}: the filter must keep some events and leave some out ({} of {})",
            case.name,
            expected.len(),
            whole.len()
        );

        let imported = run(&env, "import", case, &import_spelling(case.filter), &["--json"]).json();
        let mut filtered = 0;
        let mut pruned = 0;
        for input in imported["inputs"].as_array().expect("inputs") {
            assert!(balances(input), "{}: {input}", case.name);
            for f in input["files"].as_array().expect("files") {
                assert!(balances(f), "{}: {f}", case.name);
            }
            filtered += counts(input, "filtered");
            pruned += counts(input, "pruned");
        }
        assert!(
            filtered > 0 || pruned > 0,
            "{}: nothing filtered: {imported}",
            case.name
        );
        assert_eq!(pruned, case.pruned, "{}: files not read: {imported}", case.name);
        assert_eq!(
            imported["events"].as_u64(),
            Some(expected.len() as u64),
            "{}",
            case.name
        );
        assert!(imported["slice"].is_string(), "{}: {imported}", case.name);

        let sliced = run(&env, "log", case, case.filter, &["--format", "json"]);
        let got: Vec<_> = sliced.json_lines().iter().map(ident).collect();
        assert_eq!(got, expected, "{}", case.name);
        assert!(
            sliced.stderr.contains("the timeline is a slice (") && sliced.stderr.contains(" filtered out"),
            "{}: no slice notice: {}",
            case.name,
            sliced.stderr
        );
        // The text summary says so too.
        let summary = run(&env, "import", case, &import_spelling(case.filter), &[]);
        assert!(summary.stdout.contains("slice ("), "{}: {}", case.name, summary.stdout);
    }
}

#[test]
fn a_slice_and_the_whole_never_share_a_cache() {
    let env = Env::new();
    let cache_line = |r: &Run| {
        r.stdout
            .lines()
            .find(|l| l.starts_with("cache "))
            .map(|l| l.split(' ').nth(1).unwrap_or("").to_string())
            .expect("cache line")
    };
    let whole = env.run(&["import", "fixtures/agents.jsonl"]);
    let slice = env.run(&["import", "fixtures/agents.jsonl", "--stream", "agent/sess-0004"]);
    let other = env.run(&["import", "fixtures/agents.jsonl", "--stream", "agent/sess-0005"]);
    assert_eq!((whole.code, slice.code, other.code), (0, 0, 0), "{}", slice.stderr);
    assert_ne!(cache_line(&whole), cache_line(&slice));
    assert_ne!(cache_line(&slice), cache_line(&other));
    assert!(slice.stdout.contains("imported in"), "{}", slice.stdout);
    // The whole is still cached whole, and the slice as a slice.
    let again = env.run(&["import", "fixtures/agents.jsonl"]);
    assert!(again.stdout.contains("714 events, cached"), "{}", again.stdout);
    let again = env.run(&["import", "fixtures/agents.jsonl", "--stream", "agent/sess-0004"]);
    assert!(again.stdout.contains(", cached"), "{}", again.stdout);

    // One cache file named with --cache: a change of filter imports again, both ways.
    let db = env.path("one.db");
    let db = db.to_str().expect("utf-8");
    let a = env.run(&["import", "fixtures/agents.jsonl", "--cache", db]);
    let b = env.run(&["import", "fixtures/agents.jsonl", "--cache", db, "--type", "Memory*"]);
    let c = env.run(&["import", "fixtures/agents.jsonl", "--cache", db]);
    assert!(a.stdout.contains("714 events, imported"), "{}", a.stdout);
    assert!(b.stdout.contains("filtered, imported"), "{}", b.stdout);
    assert!(c.stdout.contains("714 events, imported"), "{}", c.stdout);
    // The cache of a slice says it is one when opened on its own.
    let sliced_db = env.path("slice.db");
    let sliced_db = sliced_db.to_str().expect("utf-8");
    let s = env.run(&[
        "import",
        "fixtures/agents.jsonl",
        "-o",
        sliced_db,
        "--until",
        "2026-11-20T10:00:00Z",
    ]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    let log = env.run(&["log", sliced_db, "--limit", "1"]);
    assert!(
        log.stderr
            .contains("the timeline is a slice (until 2026-11-20T10:00:00"),
        "{}",
        log.stderr
    );
    // Filters apply to inputs, not to a cache.
    let refused = env.run(&["log", sliced_db, "--since", "2026-11-20"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("is a cache"), "{}", refused.stderr);
}

#[test]
fn capture_files_outside_the_window_are_never_opened() {
    let env = Env::new();
    let tree = env.path("capture");
    copy_dir(&root().join("fixtures/azure/capture"), &tree);
    let hub = tree.join("ai-events-ns/agent-telemetry");
    // Garbage named before and after the window: read, each would be a skip.
    for (dir, name) in [("0/2026/11/20/08/00", "00.avro"), ("1/2026/11/20/10/00", "00.avro")] {
        fs::create_dir_all(hub.join(dir)).expect("mkdir");
        fs::write(hub.join(dir).join(name), "not avro at all").expect("write");
    }
    let tree = tree.to_str().expect("utf-8");
    let whole = env.run(&["import", tree, "--json"]);
    assert_eq!(whole.json()["inputs"][0]["skipped"], 2, "{}", whole.stdout);

    let sliced = env.run(&[
        "import",
        tree,
        "--since",
        "2026-11-20T09:10:00Z",
        "--until",
        "2026-11-20T09:30:00Z",
        "--json",
    ]);
    assert_eq!(sliced.code, 0, "{}", sliced.stderr);
    let v = sliced.json();
    let input = &v["inputs"][0];
    assert_eq!(
        (input["skipped"].as_u64(), input["pruned"].as_u64()),
        (Some(0), Some(2)),
        "{v}"
    );
    assert_eq!(v["events"], 6);
    let listed: Vec<&str> = input["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["kind"] == "pruned")
        .filter_map(|e| e["file"].as_str())
        .collect();
    assert!(
        listed.len() == 2 && listed.iter().all(|f| f.ends_with("/00/00.avro")),
        "{listed:?}"
    );
    let text = env.run(&[
        "import",
        tree,
        "--since",
        "2026-11-20T09:10:00Z",
        "--until",
        "2026-11-20T09:30:00Z",
    ]);
    assert!(
        text.stdout.contains("2 files not read (filter)") && text.stdout.contains("not read: its window"),
        "{}",
        text.stdout
    );
}

#[test]
fn firehose_objects_named_long_before_the_window_are_never_opened() {
    let env = Env::new();
    let prefix = env.path("firehose");
    copy_dir(&root().join("fixtures/aws/firehose"), &prefix);
    let early = prefix.join("2026/11/20/06");
    fs::create_dir_all(&early).expect("mkdir");
    fs::write(
        early.join("agent-events-1-2026-11-20-06-00-00-0a9b8c7d-6e5f-4a3b-2c1d-000000000000"),
        "{ not json",
    )
    .expect("write");
    let prefix = prefix.to_str().expect("utf-8");
    let v = env
        .run(&["import", prefix, "--since", "2026-11-20T09:00:00Z", "--json"])
        .json();
    let input = &v["inputs"][0];
    assert_eq!(
        (input["skipped"].as_u64(), input["pruned"].as_u64()),
        (Some(0), Some(1)),
        "{v}"
    );
    assert_eq!(v["events"], 6);
}

#[test]
fn bad_filters_exit_2_naming_the_option_and_the_forms() {
    let env = Env::new();
    for (args, says) in [
        (
            vec!["log", "fixtures/agents.jsonl", "--since", "yesterdayish"],
            "--since \"yesterdayish\": not a time",
        ),
        (
            vec!["import", "fixtures/agents.jsonl", "--until", "-2y"],
            "--until \"-2y\": not a time",
        ),
        (
            vec![
                "state",
                "fixtures/agents.jsonl",
                "--since",
                "2026-11-21",
                "--until",
                "2026-11-20",
            ],
            "is after --until",
        ),
        (
            vec!["import", "fixtures/agents.jsonl", "--stream", "agent/[sess"],
            "bad pattern",
        ),
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        if says.contains("not a time") {
            assert!(
                r.stderr.contains("RFC 3339") && r.stderr.contains("-2h"),
                "{}",
                r.stderr
            );
        }
    }
}

#[test]
fn relative_times_and_dates_are_accepted_everywhere() {
    let env = Env::new();
    // Every fixture event is in the past: `--until now` keeps all, `--since -1h` none.
    let all = env
        .run(&["import", "fixtures/agents.jsonl", "--until", "now", "--json"])
        .json();
    assert_eq!(all["events"], 714);
    let none = env.run(&["log", "fixtures/agents.jsonl", "--since", "-1h"]);
    assert_eq!((none.code, none.stdout.as_str()), (0, ""), "{}", none.stderr);
    assert!(none.stderr.contains("714 records filtered out"), "{}", none.stderr);
    // A date is midnight UTC; the state of a slice is the replay of the slice.
    let st = env.run(&[
        "state",
        "fixtures/agents.jsonl",
        "--rules",
        "fixtures/rules.json",
        "--since",
        "2026-11-20",
        "--import-stream",
        "agent/sess-0004",
        "--stream",
        "agent/sess-0004",
        "--path",
        "/memory/goal",
    ]);
    assert_eq!(st.code, 0, "{}", st.stderr);
    assert!(st.stdout.contains("Export the complete customer list"), "{}", st.stdout);
}
