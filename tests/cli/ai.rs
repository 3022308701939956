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
    states_equal_get_state(&Env::new(), LANGGRAPH, "fixtures/ai/langgraph-expected.json");
}

/// For every checkpoint of every thread of `input`, `rewind state --at
/// id:<checkpoint>` equals what LangGraph's `get_state` returned for it (in
/// `expected`, written by fixtures/ai/generate.py); forks are branch streams.
pub fn states_equal_get_state(env: &Env, input: &str, expected: &str) {
    let expected = common::read_json(expected);
    let expected = expected.as_array().expect("array");
    assert_eq!(expected.len(), 24);
    let ids = streams_by_id(env, input);
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
        let r = env.run(&["state", input, "--at", &format!("id:{id}"), "--stream", stream]);
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
    let r = env.run(&["log", input, "--stream", branches[0], "--json"]);
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
fn langgraph_sqlite_refuses_deep_extension_nesting() {
    let env = Env::new();
    let db = copy_fixture(&env);
    // 100 000 constructors each wrapping the next (ext 32, code 0: module, class, argument).
    const LEVELS: usize = 100_000;
    let mut v = Vec::with_capacity(LEVELS * 11 + 1);
    for k in 0..LEVELS {
        // The payload: the tuple's header and names, then every level inside it.
        let inner = 1 + 11 * (LEVELS - k - 1);
        v.push(0xc9);
        v.extend_from_slice(&((5 + inner) as u32).to_be_bytes());
        v.extend_from_slice(&[0, 0x93, 0xa1, b'm', 0xa1, b'C']);
    }
    v.push(0xc0);
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute(
        "INSERT INTO checkpoints VALUES ('t-deep', '', '1f1ee999-0000-6000-8000-000000000007', NULL, 'msgpack', ?1, '{}')",
        [v],
    )
    .expect("fixture");
    drop(conn);
    let input = db.to_str().expect("fixture");
    let r = env.run(&["log", input, "--stream", "t-deep", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json_lines()[0]["data"]["$undecodable"], "msgpack");
    let imported = env.run(&["import", input]);
    assert!(
        imported.stdout.contains("nested deeper than 128 levels"),
        "{}",
        imported.stdout
    );
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

const AGENTS: &str = "fixtures/ai/agents.sqlite";

#[test]
fn agents_sqlite_state_equals_get_items() {
    let env = Env::new();
    let expected = common::read_json("fixtures/ai/agents-expected.json");
    let expected = expected.as_object().expect("fixture");
    assert_eq!(expected.len(), 2);
    let r = env.run(&["log", AGENTS, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let events = r.json_lines();
    for (session, items) in expected {
        let items = items.as_array().expect("fixture");
        let s = env.run(&["state", AGENTS, "--stream", session]);
        assert_eq!(s.code, 0, "{}", s.stderr);
        assert_eq!(s.json(), serde_json::json!({ "items": items }), "{session}");
        // After each row, the items up to it: the session as it grew.
        let rows: Vec<&Value> = events.iter().filter(|e| e["stream"] == *session).collect();
        assert_eq!(rows.len(), items.len(), "{session}");
        for (i, row) in rows.iter().enumerate() {
            let id = row["id"].as_str().expect("id");
            let s = env.run(&["state", AGENTS, "--at", &format!("id:{id}"), "--stream", session]);
            assert_eq!(
                s.json(),
                serde_json::json!({ "items": &items[..=i] }),
                "{session} row {id}"
            );
        }
    }
    // The popped row (id 5) is gone; the others keep their row ids and types.
    let ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "6", "7", "8"]);
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().expect("type")).collect();
    assert_eq!(
        &types[..4],
        [
            "message.user",
            "function_call",
            "function_call_output",
            "message.assistant"
        ]
    );
    let imported = env.run(&["import", AGENTS]);
    assert!(imported.stdout.contains("agents-sqlite"), "{}", imported.stdout);
}

#[test]
fn agents_sqlite_rules_file_overrides_the_builtin_rule() {
    let env = Env::new();
    let rules = env.write(
        "rules.json",
        r#"{"rules": [{"type": "message.*", "op": "append", "path": "/said"}, {"type": "*", "op": "ignore"}]}"#,
    );
    let r = env.run(&[
        "state",
        AGENTS,
        "--stream",
        "support-8",
        "--rules",
        rules.to_str().expect("path"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json(),
        serde_json::json!({"said": [{"role": "user", "content": "Cancel my subscription."}, {"role": "assistant", "content": "Done."}]})
    );
}

#[test]
fn agents_sqlite_reports_rows_get_items_cannot_read() {
    let env = Env::new();
    let db = env.path("agents.sqlite");
    fs::copy(common::root().join(AGENTS), &db).expect("copy");
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch("INSERT INTO agent_sessions (session_id) VALUES ('support-9')")
        .expect("fixture");
    conn.execute(
        "INSERT INTO agent_messages (session_id, message_data) VALUES ('support-9', ?1), ('support-9', '{\"role\": \"user\", \"content\": \"ok\"}'),
            ('support-9', '{\"role\": \"user\", \"con'), ('support-9', zeroblob(65 * 1024 * 1024))",
        [deep],
    )
    .expect("fixture");
    drop(conn);
    let input = db.to_str().expect("path");
    let r = env.run(&["state", input, "--stream", "support-9"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json(),
        serde_json::json!({"items": [{"role": "user", "content": "ok"}]})
    );
    let imported = env.run(&["import", input]);
    for line in [
        "nests 5000 levels deep",
        "EOF while parsing",
        "68157440 bytes, over the 64 MiB limit",
    ] {
        assert!(imported.stdout.contains(line), "{line}: {}", imported.stdout);
    }
}

const OTEL: &str = "fixtures/ai/otel-genai.jsonl";

fn genai_messages() -> (Value, Value, Value, Value) {
    let user =
        serde_json::json!({"role": "user", "parts": [{"type": "text", "content": "Was A-20931 charged twice?"}]});
    let call = serde_json::json!({"role": "assistant", "parts": [{"type": "tool_call", "id": "call_9", "name": "lookup_order", "arguments": {"order_id": "A-20931"}}], "finish_reason": "tool_calls"});
    let tool = serde_json::json!({"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_9", "response": {"status": "charged twice"}}]});
    let answer = serde_json::json!({"role": "assistant", "parts": [{"type": "text", "content": "Yes; the second charge is refunded."}], "finish_reason": "stop"});
    (user, call, tool, answer)
}

#[test]
fn otel_genai_spans_are_events_and_conversations_are_states() {
    let env = Env::new();
    let r = env.run(&["log", OTEL, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let events = r.json_lines();
    // One event per span, in start order (the file has them in end order).
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().expect("type")).collect();
    assert_eq!(types, ["invoke_agent", "chat", "execute_tool", "chat", "embeddings"]);
    let (user, call, tool, answer) = genai_messages();
    let chat = &events[1];
    assert_eq!(chat["stream"], "conv-A20931");
    assert_eq!(chat["data"]["gen_ai.usage.input_tokens"], 120);
    assert_eq!(chat["data"]["gen_ai.request.temperature"], 0.2);
    assert_eq!(
        chat["data"]["gen_ai.response.finish_reasons"],
        serde_json::json!(["tool_calls"])
    );
    assert_eq!(chat["data"]["gen_ai.input.messages"], serde_json::json!([user]));
    assert_eq!(chat["data"]["gen_ai.output.messages"], serde_json::json!([call]));
    assert_eq!(chat["data"]["name"], "chat gpt-4o-mini");
    assert_eq!(chat["data"]["kind"], "client");
    assert_eq!(chat["data"]["status"], serde_json::json!({"code": "unset"}));
    assert!(chat["data"]["duration_ms"].as_f64().expect("duration") > 0.0);
    assert_eq!(chat["data"]["events"][0]["name"], "gen_ai.choice");
    assert_eq!(
        chat["data"]["events"][0]["attributes"],
        serde_json::json!({"index": 0, "finish_reason": "tool_calls"})
    );
    assert_eq!(chat["meta"]["resource"]["service.name"], "support-bot");
    assert_eq!(chat["meta"]["scope"]["name"], "support-bot.genai");
    assert_eq!(chat["meta"]["parent_span_id"], events[0]["meta"]["span_id"]);
    assert_eq!(chat["id"], chat["meta"]["span_id"]);
    let exec = &events[2];
    assert_eq!(
        exec["data"]["gen_ai.tool.call.arguments"],
        serde_json::json!({"order_id": "A-20931"})
    );
    assert_eq!(
        exec["data"]["gen_ai.tool.call.result"],
        serde_json::json!({"status": "charged twice"})
    );
    // A span without a conversation id: its stream is its trace id.
    let emb = &events[4];
    assert_eq!(emb["stream"], emb["meta"]["trace_id"]);
    assert_eq!(
        emb["data"]["status"],
        serde_json::json!({"code": "error", "message": "rate limited"})
    );
    // The conversation's state: its messages in order, its tool calls, summed usage.
    let s = env.run(&["state", OTEL, "--stream", "conv-A20931"]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    assert_eq!(
        s.json(),
        serde_json::json!({
            "messages": [user, call, tool, answer],
            "tool_calls": [{"id": "call_9", "name": "lookup_order", "type": "function",
                            "arguments": {"order_id": "A-20931"}, "result": {"status": "charged twice"}}],
            "usage": {"input_tokens": 284, "output_tokens": 29}
        })
    );
    // After the first chat: the question and the tool call, its usage only.
    let id = chat["id"].as_str().expect("id");
    let s = env.run(&["state", OTEL, "--at", &format!("id:{id}"), "--stream", "conv-A20931"]);
    assert_eq!(
        s.json(),
        serde_json::json!({"messages": [user, call], "tool_calls": [], "usage": {"input_tokens": 120, "output_tokens": 18}})
    );
    let stream = emb["stream"].as_str().expect("stream");
    let s = env.run(&["state", OTEL, "--stream", stream]);
    assert_eq!(
        s.json(),
        serde_json::json!({"messages": [], "tool_calls": [], "usage": {"input_tokens": 7}})
    );
}

#[test]
fn otel_genai_one_document_and_hostile_lines() {
    let env = Env::new();
    let text = fs::read_to_string(common::root().join(OTEL)).expect("fixture");
    // One OTLP JSON document, pretty-printed (as `otel-cli` or an SDK's JSON
    // exporter writes it): detected by its content.
    let first: Value = serde_json::from_str(text.lines().next().expect("fixture")).expect("fixture");
    let doc = env.write("trace.json", serde_json::to_string_pretty(&first).expect("json"));
    let r = env.run(&["log", doc.to_str().expect("path"), "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json_lines().len(), 1);
    assert_eq!(r.json_lines()[0]["type"], "chat");
    // Hostile lines: deep nesting, a span without ids, a 64-bit int past i64, a
    // broken line; the good spans still import.
    let deep = format!(
        "{{\"resourceSpans\": [{}1{}]}}",
        "{\"a\": [".repeat(3000),
        "]}".repeat(3000)
    );
    let no_ids = r#"{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "x", "startTimeUnixNano": "1"}]}]}]}"#;
    let huge = text
        .lines()
        .next()
        .expect("fixture")
        .replace("\"intValue\": \"120\"", "\"intValue\": \"99999999999999999999999\"");
    let hostile = format!("{huge}\n{deep}\n{no_ids}\n{{\"resourceSpans\": [\n");
    let f = env.write("spans.jsonl", hostile);
    let input = f.to_str().expect("path");
    let r = env.run(&["log", input, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let events = r.json_lines();
    assert_eq!(events.len(), 1);
    // Out of i64's range: kept as the text it was, not rounded.
    assert_eq!(
        events[0]["data"]["gen_ai.usage.input_tokens"],
        "99999999999999999999999"
    );
    let imported = env.run(&["import", input]);
    for line in [
        "spans.jsonl:2: the export request nests 6002 levels deep",
        "spans.jsonl:3: span \"x\" without a traceId or spanId",
        "spans.jsonl:4",
    ] {
        assert!(imported.stdout.contains(line), "{line}: {}", imported.stdout);
    }
}
