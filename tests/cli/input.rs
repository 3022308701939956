//! Import of generic inputs: framings, compression, field mapping, bad records,
//! --strict, cache reuse and cache trust.

use crate::common;

use std::io::Write;

use common::Env;
use serde_json::json;

const GOOD: &str = r#"{"id":"a1","stream":"s/1","seq":1,"type":"Created","time":"2026-11-20T10:00:00Z","data":{"name":"x","tags":["a"]}}
{"id":"a2","stream":"s/1","seq":2,"type":"Renamed","time":"2026-11-20T10:00:01Z","data":{"name":"y"}}
{"id":"a3","stream":"s/2","seq":1,"type":"Created","time":"2026-11-20T10:00:02Z","data":{"name":"z"}}
"#;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

#[test]
fn jsonl_array_and_concatenated_give_the_same_events() {
    let env = Env::new();
    let lines = env.write("a.jsonl", GOOD);
    let values: Vec<serde_json::Value> = GOOD.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    let array = env.write("b.data", serde_json::to_string_pretty(&values).expect("json"));
    let concat = env.write("c.data", GOOD.replace('\n', ""));
    let pretty_concat = env.write(
        "d.data",
        values
            .iter()
            .map(|v| serde_json::to_string_pretty(v).expect("json"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let expected = json!({"s/1": {"name": "y", "tags": ["a"]}, "s/2": {"name": "z"}});
    for (p, fmt) in [
        (&lines, "jsonl"),
        (&array, "json"),
        (&concat, "json-concatenated"),
        (&pretty_concat, "json-concatenated"),
    ] {
        let imp = env.run(&["import".as_ref(), p.as_os_str()]);
        assert_eq!(imp.code, 0, "{}", imp.stderr);
        assert!(
            imp.stdout.contains(&format!(": {fmt}, 3 events")),
            "{fmt}: {}",
            imp.stdout
        );
        let st = env.run(&["state".as_ref(), p.as_os_str()]);
        assert_eq!(st.json(), expected, "{fmt}");
    }
}

#[test]
fn gzip_and_zstd_are_found_by_magic_not_by_name() {
    let env = Env::new();
    let gz = env.write("events.data", gzip(GOOD.as_bytes()));
    let zst = env.write("events.bin", zstd::encode_all(GOOD.as_bytes(), 3).expect("zstd"));
    // Two gzip members back to back, as Firehose writes them.
    let mut multi = gzip(
        GOOD.lines()
            .take(2)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .as_bytes(),
    );
    multi.extend(gzip(
        GOOD.lines()
            .skip(2)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .as_bytes(),
    ));
    let multi = env.write("multi.gz", multi);
    for (p, fmt) in [(&gz, "jsonl+gzip"), (&zst, "jsonl+zstd"), (&multi, "jsonl+gzip")] {
        let imp = env.run(&["import".as_ref(), p.as_os_str()]);
        assert_eq!(imp.code, 0, "{}", imp.stderr);
        assert!(imp.stdout.contains(&format!(": {fmt}, 3 events")), "{}", imp.stdout);
    }
}

#[test]
fn broken_gzip_is_an_error_naming_the_file() {
    let env = Env::new();
    let mut bytes = gzip(GOOD.repeat(50).as_bytes());
    let n = bytes.len();
    bytes.truncate(n / 2);
    let p = env.write("torn.jsonl.gz", bytes);
    let r = env.run(&["import".as_ref(), p.as_os_str()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("torn.jsonl.gz"), "{}", r.stderr);
}

#[test]
fn bad_records_are_skipped_and_reported_with_file_and_line() {
    let env = Env::new();
    let mut content = Vec::new();
    content.extend_from_slice(GOOD.lines().next().expect("line").as_bytes());
    content.extend_from_slice(b"\n{\"stream\":\"s/1\",\"type\":\"Broken\",\"data\":{\"a\":1}\n"); // truncated
    content.extend_from_slice(b"not json at all\n");
    content.extend_from_slice(b"{\"stream\":{\"no\":1},\"type\":\"T\"}\n"); // wrong type
    content.extend_from_slice(b"{\"stream\":\"s/1\",\"type\":\"T\",\"data\":\"\xff\xfe\"}\n"); // invalid UTF-8
    content.extend_from_slice(b"{\"stream\":\"s/1\",\"type\":\"T\",\"time\":\"noon\"}\n"); // bad time
    content.extend_from_slice(b"{\"stream\":\"s/1\",\"type\":\"T\",\"seq\":\"x\"}\n"); // bad seq
    content.extend_from_slice(b"[1,2]\n"); // not an object
    content.extend_from_slice(GOOD.lines().nth(1).expect("line").as_bytes());
    content.push(b'\n');
    let p = env.write("bad.jsonl", &content);
    let r = env.run(&["import".as_ref(), p.as_os_str()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("2 events, 7 skipped"), "{}", r.stdout);
    for (line, why) in [
        (2, "truncated record"),
        (3, "invalid JSON at column"),
        (4, "stream: expected a string"),
        (5, "invalid UTF-8"),
        (6, "time: not an RFC 3339 time"),
        (7, "seq: expected an integer"),
        (8, "expected a JSON object"),
    ] {
        let needle = format!("bad.jsonl:{line}: {why}");
        assert!(r.stdout.contains(&needle), "missing {needle:?} in\n{}", r.stdout);
    }
    let st = env.run(&["state".as_ref(), p.as_os_str()]);
    assert_eq!(st.json(), json!({"s/1": {"name": "y", "tags": ["a"]}}));
}

#[test]
fn the_summary_shows_the_first_few_bad_records_and_counts_all() {
    let env = Env::new();
    let p = env.write("many.jsonl", "{oops\n".repeat(25) + GOOD);
    let r = env.run(&["import".as_ref(), p.as_os_str()]);
    assert!(r.stdout.contains("skipped 25 bad records"), "{}", r.stdout);
    assert!(r.stdout.contains("... and 15 more"), "{}", r.stdout);
}

#[test]
fn strict_makes_a_bad_record_an_error_and_leaves_the_cache_as_it_was() {
    let env = Env::new();
    let db = env.path("c.db");
    let p = env.write("e.jsonl", GOOD);
    let db_s = db.to_str().expect("utf8");
    assert_eq!(
        env.run(&["import".as_ref(), p.as_os_str(), "-o".as_ref(), db.as_os_str()])
            .code,
        0
    );
    let before = env.run(&["log", db_s, "--json"]).stdout;
    // The input changes and now holds a bad record.
    std::thread::sleep(std::time::Duration::from_millis(20));
    env.write(
        "e.jsonl",
        format!("{GOOD}{{\"stream\": broken\n{{\"id\":\"a9\",\"stream\":\"s/9\",\"type\":\"T\",\"data\":{{}}}}\n"),
    );
    let r = env.run(&[
        "import".as_ref(),
        p.as_os_str(),
        "-o".as_ref(),
        db.as_os_str(),
        "--strict".as_ref(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("e.jsonl:4: invalid JSON"), "{}", r.stderr);
    assert_eq!(
        env.run(&["log", db_s, "--json"]).stdout,
        before,
        "the cache is unchanged"
    );
    // Without --strict the same input imports, skipping the bad record.
    let ok = env.run(&["import".as_ref(), p.as_os_str(), "-o".as_ref(), db.as_os_str()]);
    assert!(ok.stdout.contains("4 events, 1 skipped, imported"), "{}", ok.stdout);
    // And --strict on the cached input still refuses it.
    let again = env.run(&[
        "import".as_ref(),
        p.as_os_str(),
        "-o".as_ref(),
        db.as_os_str(),
        "--strict".as_ref(),
    ]);
    assert_eq!(again.code, 2);
}

#[test]
fn a_changed_input_is_reimported_and_an_unchanged_one_is_not() {
    let env = Env::new();
    let p = env.write("e.jsonl", GOOD);
    assert!(env.run(&["import".as_ref(), p.as_os_str()]).stdout.contains("imported"));
    assert!(env.run(&["import".as_ref(), p.as_os_str()]).stdout.contains("cached"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    env.write("e.jsonl", GOOD.replace("\"name\":\"y\"", "\"name\":\"w\""));
    let r = env.run(&["import".as_ref(), p.as_os_str()]);
    assert!(r.stdout.contains("imported"), "{}", r.stdout);
    let st = env.run(&["state".as_ref(), p.as_os_str(), "--stream".as_ref(), "s/1".as_ref()]);
    assert_eq!(st.json()["name"], "w");
}

#[test]
fn field_names_and_overrides_map_records() {
    let env = Env::new();
    let p = env.write(
        "m.jsonl",
        concat!(
            r#"{"aggregateId":"agg-1","eventType":"Opened","timestamp":1763632800000,"payload":{"v":1},"eventId":"x1","version":1}"#, "\n",
            r#"{"session_id":"ignored","streamId":"agg-1","event_type":"Bumped","ts":"2026-11-20T10:00:01Z","body":{"v":2},"event_id":"x2"}"#, "\n",
            r#"{"pk":"agg-2","v":3}"#, "\n",
        ),
    );
    let log = env
        .run(&["log".as_ref(), p.as_os_str(), "--json".as_ref()])
        .json_lines();
    assert_eq!(log[0]["stream"], "agg-1");
    assert_eq!(log[0]["type"], "Opened");
    assert_eq!(log[0]["seq"], 1);
    assert_eq!(log[0]["time"], "2025-11-20T10:00:00.000000Z");
    assert_eq!(log[0]["meta"]["rawTime"], 1763632800000u64);
    assert_eq!(log[1]["id"], "x2");
    assert_eq!(log[1]["data"], json!({"v": 2}));
    assert_eq!(log[2]["stream"], "agg-2");
    assert_eq!(log[2]["type"], "event");
    assert_eq!(
        log[2]["data"],
        json!({"v": 3}),
        "no data field: the record minus mapped fields"
    );
    assert_eq!(log[2]["id"].as_str().map(str::len), Some(16), "a generated stable id");

    let rules = env.write(
        "r.json",
        r#"{"fields": {"stream": "/session_id", "time": "/ts"}, "rules": []}"#,
    );
    let log2 = env
        .run(&[
            "log".as_ref(),
            p.as_os_str(),
            "--json".as_ref(),
            "--rules".as_ref(),
            rules.as_os_str(),
        ])
        .json_lines();
    assert_eq!(log2[1]["stream"], "ignored");
    assert_eq!(log2[0]["stream"], "default");
}

#[test]
fn snapshot_files_are_placed_by_seq_then_time_then_first_event() {
    let env = Env::new();
    let ev = env.write("ev.jsonl", GOOD);
    let snaps = env.write(
        "snap.jsonl",
        concat!(
            r#"{"stream":"s/1","seq":1,"state":{"name":"from-snapshot"}}"#,
            "\n",
            r#"{"stream":"s/2","time":"2026-11-20T10:00:05Z","state":{"name":"late"}}"#,
            "\n",
            r#"{"stream":"s/3","state":{"fresh":true}}"#,
            "\n",
        ),
    );
    let r = env.run(&["import".as_ref(), ev.as_os_str(), snaps.as_os_str()]);
    assert!(r.stdout.contains("snap.jsonl: snapshot, 3 snapshots"), "{}", r.stdout);
    let log = env
        .run(&["log".as_ref(), ev.as_os_str(), snaps.as_os_str(), "--json".as_ref()])
        .json_lines();
    let order: Vec<(String, String)> = log
        .iter()
        .map(|l| {
            (
                l["stream"].as_str().expect("s").into(),
                l["kind"].as_str().expect("k").into(),
            )
        })
        .collect();
    let expect = [
        ("s/3", "snapshot"),
        ("s/1", "event"),
        ("s/1", "snapshot"),
        ("s/1", "event"),
        ("s/2", "event"),
        ("s/2", "snapshot"),
    ];
    assert_eq!(
        order,
        expect
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    let st = env.run(&["state".as_ref(), ev.as_os_str(), snaps.as_os_str()]).json();
    assert_eq!(
        st,
        json!({"s/1": {"name": "y"}, "s/2": {"name": "late"}, "s/3": {"fresh": true}})
    );
    let v = env.run(&["verify".as_ref(), ev.as_os_str(), snaps.as_os_str()]);
    assert_eq!(v.code, 1, "the s/1 snapshot drops tags and renames: drift");
    assert!(v.stdout.contains("drift at 3: snapshot of s/1 seq 1"), "{}", v.stdout);
}

#[test]
fn several_inputs_merge_by_time() {
    let env = Env::new();
    let a = env.write("a.jsonl", "{\"stream\":\"a\",\"type\":\"T\",\"time\":\"2026-01-01T00:00:01Z\",\"data\":{\"n\":1}}\n{\"stream\":\"a\",\"type\":\"T\",\"data\":{\"n\":2}}\n{\"stream\":\"a\",\"type\":\"T\",\"time\":\"2026-01-01T00:00:03Z\",\"data\":{\"n\":3}}\n");
    let b = env.write("b.jsonl", "{\"stream\":\"b\",\"type\":\"T\",\"time\":\"2026-01-01T00:00:01Z\",\"data\":{\"n\":1}}\n{\"stream\":\"b\",\"type\":\"T\",\"time\":\"2026-01-01T00:00:02Z\",\"data\":{\"n\":2}}\n");
    let log = env
        .run(&["log".as_ref(), a.as_os_str(), b.as_os_str(), "--json".as_ref()])
        .json_lines();
    let order: Vec<String> = log
        .iter()
        .map(|l| format!("{}{}", l["stream"].as_str().expect("s"), l["data"]["n"]))
        .collect();
    assert_eq!(order, ["a1", "a2", "b1", "b2", "a3"]);
}

/// A v3 cache (checkpoint states in a WITHOUT ROWID tree, a table of global
/// checkpoint positions) opened on its own is upgraded in place, v3 → v4 → v5 →
/// v6: its events are kept and its derived tables rebuilt.
#[test]
fn v3_cache_is_upgraded_in_place() {
    let env = Env::new();
    let p = env.write("e.jsonl", GOOD);
    let db = env.path("c.db");
    let before = env.run(&["state".as_ref(), p.as_os_str(), "--cache".as_ref(), db.as_os_str()]);
    assert_eq!(before.code, 0, "{}", before.stderr);
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute_batch(
            "DROP TABLE cp_states;
             CREATE TABLE cp_states(stream INTEGER NOT NULL, pos INTEGER NOT NULL, state BLOB, PRIMARY KEY(stream, pos)) WITHOUT ROWID;
             CREATE TABLE checkpoints(pos INTEGER PRIMARY KEY);
             PRAGMA user_version = 3;",
        )
        .expect("make it v3");
    }
    let after = env.run(&["state".as_ref(), db.as_os_str()]);
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert_eq!(after.stdout, before.stdout);
    let conn = rusqlite::Connection::open(&db).expect("open");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 6);
    // The new table: a rowid one; global checkpoint positions are gone.
    conn.prepare("SELECT id, stream, pos, state FROM cp_states")
        .expect("v5 cp_states");
    assert!(conn.prepare("SELECT pos FROM checkpoints").is_err());
}

#[test]
fn cache_trust_and_versions() {
    let env = Env::new();
    let p = env.write("e.jsonl", GOOD);
    let db = env.path("c.db");
    assert_eq!(
        env.run(&["import".as_ref(), p.as_os_str(), "-o".as_ref(), db.as_os_str()])
            .code,
        0
    );
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute_batch("PRAGMA user_version = 99;").expect("bump");
    }
    let r = env.run(&["state".as_ref(), db.as_os_str()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("newer rewind"), "{}", r.stderr);

    // An older cache opened on its own is refused, not emptied: its inputs are not at hand.
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute_batch("PRAGMA user_version = 1;").expect("age");
    }
    let r = env.run(&["state".as_ref(), db.as_os_str()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("older rewind"), "{}", r.stderr);
    let events: i64 = rusqlite::Connection::open(&db)
        .expect("open")
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .expect("events kept");
    assert!(events > 0);
    // Given its inputs, the same file is rebuilt.
    let r = env.run(&["state".as_ref(), p.as_os_str(), "--cache".as_ref(), db.as_os_str()]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let foreign = env.path("foreign.db");
    {
        let conn = rusqlite::Connection::open(&foreign).expect("open");
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .expect("foreign");
    }
    let r = env.run(&["state".as_ref(), foreign.as_os_str()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a rewind cache"), "{}", r.stderr);
    let r = env.run(&[
        "import".as_ref(),
        p.as_os_str(),
        "--cache".as_ref(),
        foreign.as_os_str(),
    ]);
    assert_eq!(r.code, 2);

    let junk = env.write("junk.db", "this is not sqlite");
    let r = env.run(&["import".as_ref(), p.as_os_str(), "--cache".as_ref(), junk.as_os_str()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a rewind cache"), "{}", r.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    assert_eq!(env.run(&["state", "no-such-file.jsonl"]).code, 2);
    assert_eq!(env.run(&["diff", "fixtures/agents.jsonl", "--from", "1"]).code, 2);
    assert_eq!(
        env.run(&["log", "fixtures/agents.jsonl", "--input-format", "avro"])
            .code,
        2
    );
    let bad_rules = env.write("r.json", r#"{"rules": [{"type": "X", "op": "explode"}]}"#);
    let r = env.run(&[
        "state".as_ref(),
        "fixtures/agents.jsonl".as_ref(),
        "--rules".as_ref(),
        bad_rules.as_os_str(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("rule 1 (X): unknown op \"explode\""), "{}", r.stderr);
    assert_eq!(env.run(&["--version"]).code, 0);
}

#[test]
fn changing_the_rules_rebuilds_checkpoints() {
    let env = Env::new();
    let p = env.write("e.jsonl", GOOD);
    let merge = env
        .run(&["state".as_ref(), p.as_os_str(), "--stream".as_ref(), "s/1".as_ref()])
        .json();
    assert_eq!(merge, json!({"name": "y", "tags": ["a"]}));
    let rules = env.write(
        "r.json",
        r#"{"rules": [{"type": "Renamed", "op": "replace", "path": "/renamed"}]}"#,
    );
    let replaced = env
        .run(&[
            "state".as_ref(),
            p.as_os_str(),
            "--stream".as_ref(),
            "s/1".as_ref(),
            "--rules".as_ref(),
            rules.as_os_str(),
        ])
        .json();
    assert_eq!(replaced, json!({"name": "x", "tags": ["a"], "renamed": {"name": "y"}}));
    // The rules are stored with the import and stay in force.
    let stored = env
        .run(&["state".as_ref(), p.as_os_str(), "--stream".as_ref(), "s/1".as_ref()])
        .json();
    assert_eq!(stored, replaced);
}
