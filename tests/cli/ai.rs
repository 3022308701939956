//! AI frameworks' stores (docs/formats.md §8): LangGraph's SqliteSaver database
//! written by LangGraph itself (fixtures/ai/generate.py), compared with what
//! LangGraph's own `get_state` returned for every checkpoint.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{self, Env};
use serde_json::Value;

const LANGGRAPH: &str = "fixtures/ai/langgraph.sqlite";

/// Event id → (stream, kind, type), from `log --json`.
fn streams_by_id(env: &Env, input: &str) -> HashMap<String, (String, String, String)> {
    let r = env.run(&["log", input, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json_lines()
        .into_iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().expect(k).to_string();
            (s("id"), (s("stream"), s("kind"), s("type")))
        })
        .collect()
}

/// A reducer channel LangGraph shows with its empty default before anything
/// wrote it; the database holds nothing for it (docs/formats.md §8).
fn empty_default(v: &Value) -> bool {
    v == &Value::Array(vec![]) || v == &Value::from(0) || v == &Value::String(String::new())
}

#[test]
fn langgraph_sqlite_states_equal_get_state() {
    let env = Env::new();
    let expected = common::read_json("fixtures/ai/langgraph-expected.json");
    let expected = expected.as_array().expect("array");
    assert_eq!(expected.len(), 24);
    let ids = streams_by_id(&env, LANGGRAPH);
    let mut defaults_only = 0;
    for cp in expected {
        let id = cp["checkpoint_id"].as_str().expect("fixture");
        let thread = cp["thread_id"].as_str().expect("fixture");
        let ns = cp["checkpoint_ns"].as_str().expect("fixture");
        let (stream, kind, ty) = ids.get(id).unwrap_or_else(|| panic!("checkpoint {id} not imported"));
        assert_eq!((kind.as_str(), ty.as_str()), ("image", "checkpoint"));
        let base = if ns.is_empty() {
            thread.to_string()
        } else {
            format!("{thread}/{ns}")
        };
        let forked = cp["metadata"]["source"] == "update" || stream.contains('@');
        if forked {
            assert!(stream.starts_with(&format!("{base}@")), "{stream}");
        } else {
            assert_eq!(stream, &base);
        }
        let r = env.run(&["state", LANGGRAPH, "--at", &format!("id:{id}"), "--stream", stream]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let got = r.json();
        let got = got.as_object().expect("object state");
        let want = cp["values"].as_object().expect("fixture");
        for (k, v) in want {
            match got.get(k) {
                Some(g) => assert_eq!(g, v, "checkpoint {id} channel {k}"),
                None => {
                    assert!(
                        empty_default(v),
                        "checkpoint {id}: channel {k} missing, LangGraph has {v}"
                    );
                    defaults_only += 1;
                }
            }
        }
        for k in got.keys() {
            assert!(want.contains_key(k), "checkpoint {id}: channel {k} is not in get_state");
        }
        // The pending writes follow their checkpoint, on its stream, as notes.
        let writes: Vec<&str> = cp["writes"]
            .as_array()
            .expect("fixture")
            .iter()
            .map(|w| w.as_str().expect("fixture"))
            .collect();
        let notes = ids
            .iter()
            .filter(|(wid, _)| wid.starts_with(&format!("{id}/")))
            .inspect(|(_, (s, k, _))| {
                assert_eq!(s, stream);
                assert_eq!(k, "note");
            })
            .count();
        assert_eq!(notes, writes.len(), "writes of {id}");
    }
    // Only the input checkpoints' never-written reducer channels differ.
    assert!(defaults_only > 0 && defaults_only < 40, "{defaults_only}");
    // The fork: one branch stream, its update checkpoint and the run after it.
    let branches: Vec<&String> = {
        let mut b: Vec<&String> = ids.values().map(|(s, _, _)| s).filter(|s| s.contains('@')).collect();
        b.sort();
        b.dedup();
        b
    };
    assert_eq!(branches.len(), 1, "{branches:?}");
    let update = expected
        .iter()
        .find(|c| c["metadata"]["source"] == "update")
        .expect("fixture");
    assert_eq!(
        branches[0],
        &format!("thread-2@{}", update["checkpoint_id"].as_str().expect("fixture"))
    );
    let r = env.run(&["log", LANGGRAPH, "--stream", branches[0], "--json"]);
    let branch = r.json_lines();
    assert_eq!(branch[0]["meta"]["fork"], true);
    assert_eq!(
        branch[0]["meta"]["parent_checkpoint_id"],
        update["parent_checkpoint_id"]
    );
    assert_eq!(branch[0]["meta"]["metadata"]["source"], "update");
}

fn copy_fixture(env: &Env) -> PathBuf {
    let db = env.path("graph.sqlite");
    fs::copy(common::root().join(LANGGRAPH), &db).expect("copy");
    db
}

fn exec(db: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.execute_batch(sql).expect("sql");
}

#[test]
fn langgraph_sqlite_reads_while_the_app_writes_in_wal_mode() {
    let env = Env::new();
    let db = copy_fixture(&env);
    let app = rusqlite::Connection::open(&db).expect("open");
    let mode: String = app
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .expect("fixture");
    assert_eq!(mode, "wal");
    // The app writes one more checkpoint and keeps the database open: the row is
    // in the -wal file only.
    app.execute_batch(
        "INSERT INTO checkpoints SELECT thread_id, checkpoint_ns, '1f1ee999-ffff-6fff-8006-000000000001',
                checkpoint_id, type, checkpoint, metadata
         FROM checkpoints WHERE thread_id = 'thread-1' AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1",
    )
    .expect("fixture");
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    assert!(fs::metadata(&wal).expect("fixture").len() > 0);
    let main_before = fs::read(&db).expect("fixture");
    let input = db.to_str().expect("fixture");
    let ids = streams_by_id(&env, input);
    assert_eq!(
        ids.get("1f1ee999-ffff-6fff-8006-000000000001").map(|s| s.0.as_str()),
        Some("thread-1")
    );
    // Read-only: the WAL was not checkpointed into the main file.
    assert_eq!(fs::read(&db).expect("fixture"), main_before);
    // A later commit of the app is seen on the next run (the -wal file is part of
    // the input's identity).
    app.execute_batch("DELETE FROM writes WHERE channel = 'steps'")
        .expect("fixture");
    let after = streams_by_id(&env, input);
    assert!(after.len() < ids.len(), "{} {}", after.len(), ids.len());
    drop(app);
}

#[test]
fn langgraph_sqlite_keeps_undecodable_checkpoints_with_a_report() {
    let env = Env::new();
    let db = copy_fixture(&env);
    exec(
        &db,
        "INSERT INTO checkpoints VALUES ('t-hostile', '', '1f1ee999-0000-6000-8000-000000000001', NULL, 'pickle', x'80049502', '{}');
         INSERT INTO checkpoints VALUES ('t-hostile', '', '1f1ee999-0000-6000-8000-000000000002',
             '1f1ee999-0000-6000-8000-000000000001', 'msgpack+aes', x'00112233', '{}');
         -- A map that announces 2^32-1 entries in a few bytes.
         INSERT INTO checkpoints VALUES ('t-hostile', '', '1f1ee999-0000-6000-8000-000000000003',
             '1f1ee999-0000-6000-8000-000000000002', 'msgpack', x'dfffffffffa161', '{}');
         -- A string that claims more bytes than the blob has.
         INSERT INTO writes VALUES ('t-hostile', '', '1f1ee999-0000-6000-8000-000000000003', 'task', '', 0, 'messages', 'msgpack', x'db7fffffff61');",
    );
    let r = env.run(&["log", db.to_str().expect("fixture"), "--stream", "t-hostile", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let events = r.json_lines();
    assert_eq!(events.len(), 4, "{}", r.stdout);
    assert_eq!(events[0]["data"]["$undecodable"], "pickle");
    assert_eq!(events[1]["data"]["$undecodable"], "msgpack+aes");
    assert_eq!(events[2]["data"]["$undecodable"], "msgpack");
    assert_eq!(events[3]["data"]["$undecodable"], "msgpack");
    let imported = env.run(&["import", db.to_str().expect("fixture")]);
    for line in [
        "rewind never unpickles",
        "encrypted blob (msgpack+aes",
        "items announced",
        "runs past the end",
    ] {
        assert!(imported.stdout.contains(line), "{line}: {}", imported.stdout);
    }
    assert!(imported.stdout.contains("4 warnings"), "{}", imported.stdout);
    assert!(r.stderr.contains("4 events kept with a problem"), "{}", r.stderr);
    // The state at the pickle checkpoint is that marker, not a guess.
    let s = env.run(&[
        "state",
        db.to_str().expect("fixture"),
        "--at",
        "id:1f1ee999-0000-6000-8000-000000000001",
        "--stream",
        "t-hostile",
    ]);
    assert_eq!(s.json()["$undecodable"], "pickle");
}

#[test]
fn langgraph_sqlite_does_not_load_huge_blobs() {
    let env = Env::new();
    let db = copy_fixture(&env);
    // 257 MiB of zeros: past the limit, so never read into memory.
    exec(
        &db,
        "INSERT INTO checkpoints VALUES ('t-huge', '', '1f1ee999-0000-6000-8000-000000000009', NULL, 'msgpack', zeroblob(257 * 1024 * 1024), '{}');",
    );
    let r = env.run(&[
        "log",
        db.to_str().expect("fixture"),
        "--stream",
        "t-huge",
        "--json",
        "-v",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let events = r.json_lines();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["$undecodable"], "msgpack");
    let imported = env.run(&["import", db.to_str().expect("fixture")]);
    assert!(
        imported.stdout.contains("269484032 bytes of msgpack, over the 256 MiB"),
        "{}",
        imported.stdout
    );
    let rss_kb: u64 = r
        .stderr
        .lines()
        .find_map(|l| l.split("peak RSS ").nth(1))
        .and_then(|s| s.trim().trim_end_matches(" kB").parse().ok())
        .expect("peak RSS");
    assert!(rss_kb < 200 * 1024, "peak RSS {rss_kb} kB");
}
