//! Parquet inputs (docs/formats.md §12) through the binary, on datasets written by
//! pyarrow, Spark and DuckDB (fixtures/lake/generate.py): each replays to the state
//! of the JSON fixture it was written from; column types map as documented; bad
//! cells are accounted; `export --format parquet` reads back as it was.

use serde_json::Value;

use crate::common::{Env, Run};

fn ok(env: &Env, args: &[&str]) -> Run {
    let r = env.run(args);
    assert_eq!(r.code, 0, "rewind {}\n{}", args.join(" "), r.stderr);
    r
}

fn state(env: &Env, input: &str, rest: &[&str]) -> Value {
    let mut args = vec!["state", input, "--rules", "fixtures/rules.json"];
    args.extend_from_slice(rest);
    ok(env, &args).json()
}

#[test]
fn lake_datasets_replay_to_the_state_of_their_json_originals() {
    let env = Env::new();
    for dataset in ["fixtures/lake/agents-hive", "fixtures/lake/agents-spark"] {
        for s in ["agent/sess-0001", "agent/sess-0002", "agent/sess-0003"] {
            let got = state(&env, dataset, &["--stream", s]);
            assert!(got.is_object(), "{dataset} {s}: {got}");
            assert_eq!(
                got,
                state(&env, "fixtures/agents.jsonl", &["--stream", s]),
                "{dataset} {s}"
            );
        }
    }
    let registry = state(&env, "fixtures/registry.json", &[]);
    assert_eq!(state(&env, "fixtures/lake/registry.zstd.parquet", &[]), registry);
    assert_eq!(state(&env, "fixtures/lake/registry.duckdb.parquet", &[]), registry);
    // No data column: the body's members are columns, and they are the data.
    assert_eq!(
        state(&env, "fixtures/lake/training.gzip.parquet", &[]),
        state(&env, "fixtures/training.jsonl.zst", &[])
    );
}

#[test]
fn spark_output_lists_its_sidecars_and_reads_its_parts() {
    let env = Env::new();
    let r = ok(&env, &["import", "fixtures/lake/agents-spark", "--json"]).json();
    assert_eq!(r["events"], 205, "{r}");
    let input = &r["inputs"][0];
    assert_eq!(input["skipped"], 0, "{input}");
    assert!(
        input["format"].as_str().unwrap_or("").starts_with("parquet folder"),
        "{input}"
    );
    assert_eq!(input["ignored"], 3, "_SUCCESS and the .crc sidecars: {input}");
    let files = input["files"].to_string();
    assert!(
        files.contains("/_SUCCESS\"") && files.contains(".snappy.parquet.crc"),
        "{files}"
    );
}

#[test]
fn column_types_map_to_json_exactly() {
    let env = Env::new();
    let log = ok(&env, &["log", "fixtures/lake/types", "--json"]).json_lines();
    let by_type = |t: &str| {
        log.iter()
            .find(|e| e["type"] == t)
            .unwrap_or_else(|| panic!("no {t} in {log:?}"))
            .clone()
    };
    let charged = by_type("Charged");
    // Nanoseconds in Asia/Tokyo → UTC microseconds; decimals keep their digits and scale.
    assert_eq!(charged["time"], "2026-11-20T09:00:00.123456Z");
    let data = serde_json::to_string(&charged["data"]).expect("json");
    assert!(
        data.starts_with(r#"{"amount":12.3450,"at":"2026-11-20T09:00:00.250000Z","day":"2026-11-20""#),
        "{data}"
    );
    assert!(data.contains(r#""attrs":{"retries":2,"risk":7}"#), "{data}");
    assert!(data.contains(r#""blob":{"$bytes":"/wByYXc="}"#), "{data}");
    assert!(data.contains(r#""big":18446744073709551615"#), "{data}");
    let refunded = by_type("Refunded");
    assert_eq!(refunded["data"]["ratio"], "NaN");
    assert!(
        refunded["data"].get("note").is_none(),
        "a null struct field is absent: {refunded}"
    );
    assert_eq!(
        serde_json::to_string(&refunded["data"]["amount"]).expect("json"),
        "-0.0005"
    );
    assert_eq!(by_type("Counted")["data"], serde_json::json!({"hits": 3, "misses": 1}));
    assert_eq!(by_type("Sampled")["data"], serde_json::json!([1.5, 2.25]));
    let placed = by_type("Placed");
    assert_eq!(placed["time"], "2026-11-20T09:05:00.000001Z");
    assert_eq!(
        serde_json::to_string(&placed["data"]).expect("json"),
        r#"{"total":1234567890123456.78,"customer":"c-9","status":"new"}"#
    );
}

#[test]
fn projection_and_rules_fields_pick_the_columns() {
    let env = Env::new();
    let rules = env.write(
        "rules.json",
        r#"{"fields": {"stream": "/session", "time": "/at", "data": "/payload"}}"#,
    );
    let rules = rules.to_str().expect("utf-8 path");
    let log = ok(
        &env,
        &[
            "log",
            "fixtures/lake/bad/no-stream-or-time.parquet",
            "--rules",
            rules,
            "--json",
        ],
    )
    .json_lines();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0]["stream"].as_str(), log[0]["time"].as_str()),
        (Some("s-1"), Some("2026-11-20T09:00:00.000000Z"))
    );
}

#[test]
fn a_file_without_stream_or_time_columns_names_its_columns() {
    let env = Env::new();
    let r = env.run(&["import", "fixtures/lake/bad/no-stream-or-time.parquet"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("fixtures/lake/bad/no-stream-or-time.parquet"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("its columns: session, at, payload"), "{}", r.stderr);
}

#[test]
fn bad_cells_are_accounted_row_by_row() {
    let env = Env::new();
    let r = ok(&env, &["import", "fixtures/lake/bad/cells.parquet", "--json"]).json();
    let input = &r["inputs"][0];
    assert_eq!(
        (
            input["read"].as_u64(),
            input["imported"].as_u64(),
            input["skipped"].as_u64()
        ),
        (Some(3), Some(2), Some(1)),
        "{input}"
    );
    let ledger = ok(
        &env,
        &[
            "import",
            "fixtures/lake/bad/cells.parquet",
            "-o",
            env.path("c.db").to_str().expect("utf-8"),
        ],
    )
    .stdout;
    assert!(
        ledger.contains("fixtures/lake/bad/cells.parquet:3: time: not an RFC 3339 time"),
        "{ledger}"
    );
    assert!(
        ledger.contains("fixtures/lake/bad/cells.parquet:2: data is not JSON"),
        "{ledger}"
    );
    let log = ok(&env, &["log", "fixtures/lake/bad/cells.parquet", "--json"]).json_lines();
    assert_eq!(log[1]["data"]["$undecodable"], "not json {", "{:?}", log[1]);
}

#[test]
fn export_as_parquet_reads_back_the_same_events() {
    let env = Env::new();
    let out = env.path("slice.parquet");
    let out = out.to_str().expect("utf-8 path");
    let inputs = [
        "fixtures/agents.jsonl",
        "fixtures/registry.json",
        "fixtures/snapshots.jsonl.gz",
    ];
    let mut args = vec!["export"];
    args.extend_from_slice(&inputs);
    args.extend_from_slice(&["--rules", "fixtures/rules.json", "-o", out]);
    let r = ok(&env, &args);
    assert!(r.stderr.contains("events"), "{}", r.stderr);
    assert_eq!(&std::fs::read(out).expect("written")[..4], b"PAR1");

    let strip = |mut lines: Vec<Value>| {
        for e in &mut lines {
            e.as_object_mut().expect("object").remove("source");
        }
        lines
    };
    let mut args = vec!["log"];
    args.extend_from_slice(&inputs);
    args.extend_from_slice(&["--rules", "fixtures/rules.json", "--json"]);
    let original = strip(ok(&env, &args).json_lines());
    let back = strip(ok(&env, &["log", out, "--rules", "fixtures/rules.json", "--json"]).json_lines());
    assert_eq!(back.len(), original.len());
    assert_eq!(back, original);

    let r = env.run(&["export", "fixtures/agents.jsonl", "--format", "parquet", "-o", "-"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("Parquet is written to a file"), "{}", r.stderr);
}
