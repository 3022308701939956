//! An AI agent system's history written as an EventStoreDB database folder: agents,
//! a model registry and a training run, over three 4 KiB chunks (two completed,
//! one active). It covers an explicit transaction committed after other writes,
//! a non-JSON event, a hard-deleted stream, system streams, a link event, an
//! epoch record and a transaction that never commits. Used by the tests and by
//! `cargo run --example make_esdb_fixture` (fixtures/eventstore/agents-db).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use super::writer::{self, guid, guid_n, ticks, Db, Prepare};

pub const CHUNK_SIZE: i32 = 4096;
/// 2026-03-02T09:00:00Z in Unix µs.
pub const T0: i64 = 1_772_442_000_000_000;

/// The events the folder holds, in `$all` order: (stream, seq, type, kind).
pub const EXPECTED: &[(&str, Option<i64>, &str, &str)] = &[
    ("agent-planner", Some(0), "AgentRegistered", "event"),
    ("model-ranker", Some(0), "ModelRegistered", "event"),
    ("training-run-42", Some(0), "RunStarted", "event"),
    ("agent-planner", Some(1), "ToolCalled", "event"),
    ("agent-planner", Some(2), "ToolCalled", "event"),
    // The transaction's events come at their commit, after agent-planner #2.
    ("training-run-42", Some(1), "EpochCompleted", "event"),
    ("training-run-42", Some(2), "EpochCompleted", "event"),
    ("agent-planner", Some(3), "PromptCached", "event"),
    ("agent-scratch", Some(0), "ScratchWritten", "event"),
    ("agent-scratch", None, "$streamDeleted", "delete"),
    ("model-ranker", Some(1), "ModelPromoted", "event"),
    ("training-run-42", Some(3), "CheckpointSaved", "event"),
    ("agent-planner", Some(4), "TaskCompleted", "event"),
    ("model-ranker", Some(2), "ModelEvaluated", "event"),
];

/// `$` streams the folder also holds (kept with `--system-streams`).
pub const SYSTEM: &[(&str, i64, &str)] = &[("$$agent-planner", 0, "$metadata"), ("$ce-agent", 0, "$>")];

pub struct Built {
    pub dir: PathBuf,
    /// Every record: (chunk number, log position, bytes).
    pub records: Vec<(i32, i64, Vec<u8>)>,
}

fn at(n: i64) -> i64 {
    ticks(T0 + n * 1_000_000)
}

/// Write the folder into `dir`.
pub fn build(dir: &Path) -> Built {
    let mut db = Db::new(dir, CHUNK_SIZE);
    db.kept = Some(Vec::new());
    let mut t = 0;
    let mut next = || {
        t += 1;
        at(t)
    };
    db.append(|pos| writer::epoch_bytes(pos, at(0)));
    let single = |db: &mut Db, stream: &str, n: i64, ty: &str, data: &str, id: u64, tk: i64| {
        db.prepare(&Prepare::single(stream, n, ty, data.as_bytes(), guid_n(0xa1, id), tk))
    };
    single(
        &mut db,
        "agent-planner",
        0,
        "AgentRegistered",
        r#"{"name":"planner","model":"gpt-4o","tools":["search","code"]}"#,
        1,
        next(),
    );
    db.prepare(&Prepare {
        metadata: br#"{"$correlationId":"req-7","source":"registry-api"}"#,
        ..Prepare::single(
            "model-ranker",
            0,
            "ModelRegistered",
            br#"{"name":"ranker","version":"1.0.0","stage":"staging"}"#,
            guid("6a3a2f0e-8c1b-4d2a-9f3e-0b1c2d3e4f50"),
            next(),
        )
    });
    single(
        &mut db,
        "$$agent-planner",
        0,
        "$metadata",
        r#"{"$maxCount":1000}"#,
        3,
        next(),
    );
    single(
        &mut db,
        "training-run-42",
        0,
        "RunStarted",
        r#"{"model":"ranker","dataset":"clicks-2026-02","epochs":2}"#,
        4,
        next(),
    );
    single(
        &mut db,
        "agent-planner",
        1,
        "ToolCalled",
        r#"{"tool":"search","query":"eval sets"}"#,
        5,
        next(),
    );
    // Explicit transaction on training-run-42: begin, two data prepares, an
    // unrelated write in between, end, then the commit that numbers them.
    let tx_prepare = |flags: u16, offset: i32, ty: &'static str, data: &'static [u8], id: u64, tk: i64| Prepare {
        version: 1,
        flags,
        transaction_position: 0,
        transaction_offset: offset,
        expected_version: 0,
        stream: "training-run-42",
        event_id: guid_n(0xa1, id),
        correlation_id: guid_n(0xc0, 99),
        ticks: tk,
        event_type: ty,
        data,
        metadata: b"",
    };
    let begin = db.prepare(&tx_prepare(writer::TX_BEGIN, -1, "", b"", 6, next()));
    let tx = |p: Prepare<'static>| Prepare {
        transaction_position: begin,
        ..p
    };
    let json_data = writer::DATA | writer::IS_JSON;
    db.prepare(&tx(tx_prepare(
        json_data,
        0,
        "EpochCompleted",
        br#"{"epoch":1,"loss":0.42}"#,
        7,
        next(),
    )));
    single(
        &mut db,
        "agent-planner",
        2,
        "ToolCalled",
        r#"{"tool":"code","lines":40}"#,
        8,
        next(),
    );
    db.prepare(&tx(tx_prepare(
        json_data,
        1,
        "EpochCompleted",
        br#"{"epoch":2,"loss":0.31}"#,
        9,
        next(),
    )));
    db.prepare(&tx(tx_prepare(writer::TX_END, -1, "", b"", 10, next())));
    db.commit(begin, 1, next());
    // A binary (non-JSON) event.
    db.prepare(&Prepare {
        flags: writer::DATA | writer::TX_BEGIN | writer::TX_END | writer::IS_COMMITTED,
        ..Prepare::single(
            "agent-planner",
            3,
            "PromptCached",
            b"\x00\x01prompt\xff",
            guid_n(0xa1, 11),
            next(),
        )
    });
    single(
        &mut db,
        "agent-scratch",
        0,
        "ScratchWritten",
        r#"{"note":"tmp"}"#,
        12,
        next(),
    );
    // Hard delete: a tombstone with the deleted-stream expected version.
    db.prepare(&Prepare {
        flags: writer::STREAM_DELETE | writer::TX_BEGIN | writer::TX_END | writer::IS_COMMITTED,
        expected_version: i64::MAX - 1,
        event_type: "$streamDeleted",
        data: b"",
        ..Prepare::single("agent-scratch", 0, "$streamDeleted", b"", guid_n(0xa1, 13), next())
    });
    single(&mut db, "$ce-agent", 0, "$>", "0@agent-planner", 14, next());
    // A transaction that never commits: its prepare is not an event.
    let orphan = db.prepare(&tx_prepare(writer::TX_BEGIN, -1, "", b"", 15, next()));
    db.prepare(&Prepare {
        transaction_position: orphan,
        ..tx_prepare(json_data, 0, "EpochCompleted", br#"{"epoch":3}"#, 16, next())
    });
    // Larger payloads (per-set evaluation results) spill into chunks 1 and 2.
    let promoted = format!(r#"{{"stage":"production","evals":{}}}"#, evals(0, 44));
    single(&mut db, "model-ranker", 1, "ModelPromoted", &promoted, 17, next());
    let ckpt = format!(r#"{{"path":"s3://ckpt/run-42/epoch-2","evals":{}}}"#, evals(1, 44));
    single(&mut db, "training-run-42", 3, "CheckpointSaved", &ckpt, 18, next());
    let done = format!(r#"{{"task":"rank eval sets","evals":{}}}"#, evals(2, 44));
    single(&mut db, "agent-planner", 4, "TaskCompleted", &done, 19, next());
    single(
        &mut db,
        "model-ranker",
        2,
        "ModelEvaluated",
        r#"{"metric":"ndcg@10","value":0.71}"#,
        20,
        next(),
    );
    let records = db.kept.take().unwrap_or_default();
    let dir = db.finish_active();
    Built { dir, records }
}

/// `n` evaluation results as a JSON array (about 50 bytes each).
fn evals(seed: u64, n: u64) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            let v = 600 + (i * 37 + seed * 11) % 300;
            format!(r#"{{"set":"eval-{i:02}","ndcg10":0.{v},"n":{}}}"#, 200 + i * 13)
        })
        .collect();
    format!("[{}]", items.join(","))
}
