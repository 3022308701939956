//! EventStoreDB / KurrentDB inputs (docs/formats.md §2): database folders written by a
//! test chunk writer that follows the server's layout, real HTTP feed pages from the
//! EventStore repository (tests/data/eventstore), and client dumps.

use crate::common;
mod scenario;
pub mod writer;

use std::fs;
use std::path::Path;

use common::{Env, Run};
use rewind::ingest::eventstore::chunk::{self, LogRecord};
use serde_json::{json, Value};
use writer::{guid, Prepare};

fn log(env: &Env, args: &[&str]) -> (Run, Vec<Value>) {
    let mut a = vec!["log"];
    a.extend_from_slice(args);
    a.push("--json");
    let r = env.run(&a);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let lines = r.json_lines();
    (r, lines)
}

fn import(env: &Env, args: &[&str]) -> Run {
    let mut a = vec!["import"];
    a.extend_from_slice(args);
    env.run(&a)
}

fn shape(events: &[Value]) -> Vec<(String, Option<i64>, String, String)> {
    events
        .iter()
        .map(|e| {
            (
                e["stream"].as_str().expect("stream").to_string(),
                e["seq"].as_i64(),
                e["type"].as_str().expect("type").to_string(),
                e["kind"].as_str().expect("kind").to_string(),
            )
        })
        .collect()
}

fn expected(list: &[(&str, Option<i64>, &str, &str)]) -> Vec<(String, Option<i64>, String, String)> {
    list.iter()
        .map(|(s, n, t, k)| (s.to_string(), *n, t.to_string(), k.to_string()))
        .collect()
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn the_worked_example_prepare_is_111_bytes_with_flags_0x0127() {
    let id = guid("fbf4a1a1-b4a3-4dfe-a01f-ec52c34e16e4");
    let record = writer::prepare_bytes(
        &Prepare::single("newstream", 0, "event-type", br#"{"a":"1"} "#, id, writer::ticks(0)),
        0,
    );
    assert_eq!(record.len(), 111);
    assert_eq!(writer::framed(&record).len(), 119);
    assert_eq!(u16::from_le_bytes([record[10], record[11]]), 0x0127);
    let Ok(LogRecord::Prepare(prep)) = chunk::parse_record(&record) else {
        panic!("not a prepare")
    };
    assert_eq!(
        (prep.stream, prep.event_type, prep.data.len()),
        ("newstream", "event-type", 10)
    );
    assert_eq!(
        (prep.flags, prep.expected_version, prep.metadata.len()),
        (0x0127, -1, 0)
    );
    assert_eq!(
        rewind::ingest::eventstore::guid::format_guid(&prep.event_id),
        "fbf4a1a1-b4a3-4dfe-a01f-ec52c34e16e4"
    );
}

#[test]
fn the_writer_md5_matches_rfc_1321() {
    let hex = |d: [u8; 16]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    for (input, want) in [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a",
        ),
    ] {
        let mut m = writer::Md5::new();
        // Uneven pieces exercise the buffering.
        for piece in input.as_bytes().chunks(7) {
            m.update(piece);
        }
        assert_eq!(hex(m.finish()), want, "{input}");
    }
}

#[test]
fn the_chunk_layout_is_the_servers() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    let c0 = fs::read(built.dir.join("chunk-000000.000000")).expect("chunk 0");
    // Completed: header + data + footer, the footer's MD5 covering all before it.
    let footer = &c0[c0.len() - 128..];
    assert_eq!(footer[0], 3, "completed, 12-byte map");
    let physical = i32::from_le_bytes(footer[1..5].try_into().expect("4")) as usize;
    assert_eq!(c0.len(), 128 + physical + 128);
    let mut md5 = writer::Md5::new();
    md5.update(&c0[..c0.len() - 16]);
    assert_eq!(md5.finish(), c0[c0.len() - 16..]);
    assert_eq!(&c0[..2], &[2, 3]);
    assert_eq!(c0[34], 4);
    // Active: pre-allocated to the aligned full size, zero after writer.chk.
    let c2 = fs::read(built.dir.join("chunk-000002.000000")).expect("chunk 2");
    assert_eq!(c2.len(), 8192);
    let w = i64::from_le_bytes(
        fs::read(built.dir.join("writer.chk")).expect("chk")[..8]
            .try_into()
            .expect("8"),
    );
    let used = (w - 2 * i64::from(scenario::CHUNK_SIZE)) as usize;
    assert!(used > 0 && c2[128 + used..].iter().all(|b| *b == 0));
    assert!(!built.dir.join("chunk-000003.000000").exists());
}

#[test]
fn a_database_folder_imports_in_all_order() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    let r = import(&env, &[p(&built.dir)]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("eventstore-db, 14 events"), "{}", r.stdout);
    assert!(!r.stdout.contains("skipped"), "{}", r.stdout);
    let (_, events) = log(&env, &[p(&built.dir)]);
    assert_eq!(shape(&events), expected(scenario::EXPECTED));

    let first = &events[0];
    assert_eq!(first["time"], "2026-03-02T09:00:01.000000Z");
    assert_eq!(
        first["data"],
        json!({"name":"planner","model":"gpt-4o","tools":["search","code"]})
    );
    assert!(
        first["source"]
            .as_str()
            .expect("source")
            .ends_with("db/chunk-000000.000000@203"),
        "{}",
        first["source"]
    );
    let ranker = &events[1];
    assert_eq!(ranker["id"], "6a3a2f0e-8c1b-4d2a-9f3e-0b1c2d3e4f50");
    assert_eq!(
        ranker["meta"]["metadata"],
        json!({"$correlationId":"req-7","source":"registry-api"})
    );
    // $all position: an implicit write commits at its own position.
    assert_eq!(ranker["meta"]["commitPosition"], ranker["meta"]["preparePosition"]);
    // The transaction's events carry the commit's position, after their prepares.
    let epoch1 = &events[5];
    let (c, pp) = (
        epoch1["meta"]["commitPosition"].as_i64().expect("commit"),
        epoch1["meta"]["preparePosition"].as_i64().expect("prepare"),
    );
    assert!(c > pp && c > events[4]["meta"]["commitPosition"].as_i64().expect("c"));
    assert_eq!(epoch1["data"], json!({"epoch":1,"loss":0.42}));
    // Not JSON: base64 bytes.
    assert_eq!(events[7]["data"], json!({"$bytes": "AAFwcm9tcHT/"}));
    // Later chunks, offsets in their own files.
    assert!(events[12]["source"]
        .as_str()
        .expect("s")
        .contains("chunk-000002.000000@"));

    let st = env.run(&["state", p(&built.dir)]);
    let state = st.json();
    assert!(
        state.get("agent-scratch").is_none(),
        "hard delete removes the stream: {state}"
    );
    assert_eq!(state["model-ranker"]["stage"], "production");
    assert_eq!(state["training-run-42"]["loss"], 0.31);
}

#[test]
fn system_streams_are_kept_only_when_asked() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    let (_, events) = log(&env, &[p(&built.dir), "--system-streams"]);
    assert_eq!(events.len(), scenario::EXPECTED.len() + scenario::SYSTEM.len());
    for (stream, seq, ty) in scenario::SYSTEM {
        assert!(
            events
                .iter()
                .any(|e| e["stream"] == *stream && e["seq"] == *seq && e["type"] == *ty),
            "{stream} missing"
        );
    }
    let link = events.iter().find(|e| e["type"] == "$>").expect("link");
    assert_eq!(link["data"], json!({"$bytes": "MEBhZ2VudC1wbGFubmVy"})); // "0@agent-planner"
}

#[test]
fn the_highest_chunk_version_wins_a_scavenged_chunk_is_read_by_its_footer() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    // Scavenge chunk 0: the deleted stream's event goes, its tombstone stays.
    let scratch_id = writer::guid_n(0xa1, 12);
    let kept: Vec<(i64, Vec<u8>)> = built
        .records
        .iter()
        .filter(|(c, _, bytes)| *c == 0 && !bytes.windows(16).any(|w| w == scratch_id))
        .map(|(_, pos, bytes)| (*pos, bytes.clone()))
        .collect();
    let logical = built
        .records
        .iter()
        .filter(|(c, _, _)| *c == 0)
        .map(|(_, _, b)| b.len() as i64 + 8)
        .sum();
    writer::write_scavenged(&built.dir, scenario::CHUNK_SIZE, 0, &kept, logical);
    let (_, events) = log(&env, &[p(&built.dir)]);
    let want: Vec<_> = scenario::EXPECTED
        .iter()
        .filter(|e| e.2 != "ScratchWritten")
        .copied()
        .collect();
    assert_eq!(shape(&events), expected(&want));
    assert!(events[0]["source"]
        .as_str()
        .expect("s")
        .contains("chunk-000000.000001@"));
}

#[test]
fn v0_records_with_commits_are_numbered_by_the_commit() {
    let env = Env::new();
    let dir = env.path("old");
    let mut db = writer::Db::new(&dir, 4096);
    // A v0 write: prepare without IsCommitted, then a v0 commit record.
    let old = |n: u64, off: i32| Prepare {
        version: 0,
        flags: writer::DATA | writer::TX_BEGIN | writer::TX_END | writer::IS_JSON,
        transaction_offset: off,
        expected_version: 4,
        ..Prepare::single(
            "agent-legacy",
            0,
            "Migrated",
            br#"{"from":"v0"}"#,
            writer::guid_n(1, n),
            writer::ticks(0),
        )
    };
    let at = db.prepare(&old(1, 0));
    db.prepare(&Prepare {
        transaction_position: at,
        ..old(2, 1)
    });
    db.append(|pos| writer::commit_bytes(0, pos, at, 5, writer::ticks(1)));
    let dir = db.finish_active();
    let (_, events) = log(&env, &[p(&dir)]);
    assert_eq!(
        shape(&events),
        expected(&[
            ("agent-legacy", Some(5), "Migrated", "event"),
            ("agent-legacy", Some(6), "Migrated", "event")
        ])
    );
    assert_eq!(events[0]["time"], "1970-01-01T00:00:00.000000Z");
}

#[test]
fn the_active_chunk_ends_at_writer_chk() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    // Move writer.chk back before the last record: that record is not committed to the log yet.
    let last = built.records.last().expect("records").1;
    built_writer_chk(&built.dir, last);
    let (_, events) = log(&env, &[p(&built.dir)]);
    assert_eq!(
        shape(&events),
        expected(&scenario::EXPECTED[..scenario::EXPECTED.len() - 1])
    );
}

fn built_writer_chk(dir: &Path, pos: i64) {
    fs::write(dir.join("writer.chk"), pos.to_le_bytes()).expect("writer.chk");
}

/// Import a damaged folder: exit 0, the damage reported as `file@offset: why`,
/// the events before it kept; `--strict` makes it an error.
fn damaged(env: &Env, dir: &Path, needle: &str, events_before: usize) {
    let r = import(env, &[p(dir)]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(needle), "missing {needle:?} in\n{}", r.stdout);
    let (_, events) = log(env, &[p(dir)]);
    assert_eq!(
        shape(&events)[..events_before],
        expected(&scenario::EXPECTED[..events_before])[..],
        "events before the damage are kept"
    );
    let strict = env.run(&["import", p(dir), "--strict", "--cache", p(&env.path("strict.db"))]);
    assert_eq!(strict.code, 2, "{}\n{}", strict.stdout, strict.stderr);
}

fn record_offset(built: &scenario::Built, index: usize) -> (i32, u64) {
    let (c, pos, _) = &built.records[index];
    (
        *c,
        (*pos - i64::from(*c) * i64::from(scenario::CHUNK_SIZE)) as u64 + 128,
    )
}

#[test]
fn a_length_prefix_that_disagrees_with_its_suffix_is_reported() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    // The 6th record (agent-planner ToolCalled #1) of chunk 0.
    let (c, off) = record_offset(&built, 5);
    assert_eq!(c, 0);
    let len = built.records[5].2.len() as u64;
    let chunk0 = built.dir.join("chunk-000000.000000");
    writer::poke(&chunk0, off + 4 + len, &9999i32.to_le_bytes());
    damaged(
        &env,
        &built.dir,
        &format!("chunk-000000.000000@{off}: length prefix {len} disagrees with its suffix 9999"),
        3,
    );
    let (_, events) = log(&env, &[p(&built.dir)]);
    // Reading resumes at the next chunk.
    assert!(events.iter().any(|e| e["type"] == "ModelPromoted"));
}

#[test]
fn a_torn_record_at_the_end_of_the_active_chunk_is_reported() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    // writer.chk says the last record is complete, but its bytes stop half way
    // (a copy taken while the node was writing): the zero tail follows.
    let (c, off) = record_offset(&built, built.records.len() - 1);
    assert_eq!(c, 2);
    let chunk2 = built.dir.join("chunk-000002.000000");
    writer::poke(&chunk2, off + 20, &[0u8; 40]);
    writer::poke(&chunk2, off, &(-7i32).to_le_bytes());
    damaged(
        &env,
        &built.dir,
        &format!("chunk-000002.000000@{off}: bad record length -7"),
        13,
    );

    // writer.chk ends inside the last record: the record is torn.
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    let (_, pos, bytes) = built.records.last().expect("records");
    built_writer_chk(&built.dir, pos + 20);
    damaged(
        &env,
        &built.dir,
        &format!(
            "chunk-000002.000000@{off}: torn record: length prefix says {} bytes but the chunk's data ends 16 bytes later",
            bytes.len()
        ),
        13,
    );
}

#[test]
fn a_record_cut_by_the_end_of_a_truncated_file_is_reported() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    let (_, off) = record_offset(&built, built.records.len() - 1);
    let chunk2 = built.dir.join("chunk-000002.000000");
    let f = fs::OpenOptions::new().write(true).open(&chunk2).expect("open");
    f.set_len(off + 30).expect("truncate");
    damaged(&env, &built.dir, "chunk-000002.000000@", 13);
    let r = import(&env, &[p(&built.dir)]);
    assert!(r.stdout.contains("truncated chunk"), "{}", r.stdout);
}

#[test]
fn a_truncated_completed_chunk_keeps_its_whole_records() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    // Chunk 1 loses its footer and the end of its last record.
    let chunk1 = built.dir.join("chunk-000001.000000");
    let len = fs::metadata(&chunk1).expect("meta").len();
    let f = fs::OpenOptions::new().write(true).open(&chunk1).expect("open");
    f.set_len(len - 128 - 50).expect("truncate");
    let r = import(&env, &[p(&built.dir)]);
    assert!(r.stdout.contains("truncated chunk"), "{}", r.stdout);
    damaged(&env, &built.dir, "chunk-000001.000000@", 11);
    let (_, events) = log(&env, &[p(&built.dir)]);
    // ModelPromoted (whole) is kept, CheckpointSaved (cut) is not, chunk 2 still reads.
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().expect("t")).collect();
    assert!(
        types.contains(&"ModelPromoted") && !types.contains(&"CheckpointSaved"),
        "{types:?}"
    );
    assert!(types.contains(&"ModelEvaluated"), "{types:?}");
}

#[test]
fn a_missing_writer_chk_reads_the_active_chunk_to_its_zero_tail() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    fs::remove_file(built.dir.join("writer.chk")).expect("rm");
    damaged(
        &env,
        &built.dir,
        "writer.chk@0: writer.chk is missing",
        scenario::EXPECTED.len(),
    );
    let (_, events) = log(&env, &[p(&built.dir)]);
    assert_eq!(shape(&events), expected(scenario::EXPECTED));
}

#[test]
fn a_chunk_that_claims_a_size_it_lacks_is_reported() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    // The footer of chunk 0 claims more data than the file holds.
    let chunk0 = built.dir.join("chunk-000000.000000");
    let len = fs::metadata(&chunk0).expect("meta").len();
    writer::poke(&chunk0, len - 128 + 1, &100_000i32.to_le_bytes());
    damaged(
        &env,
        &built.dir,
        "chunk-000000.000000@",
        scenario::EXPECTED.len() - 4, // everything in chunk 0 is still whole
    );
    let r = import(&env, &[p(&built.dir)]);
    assert!(
        r.stdout
            .contains("truncated chunk: its footer claims 100000 bytes of data"),
        "{}",
        r.stdout
    );

    // writer.chk beyond the active chunk's file.
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    let chunk2 = built.dir.join("chunk-000002.000000");
    let f = fs::OpenOptions::new().write(true).open(&chunk2).expect("open");
    let (_, off) = record_offset(&built, built.records.len() - 1);
    f.set_len(off).expect("truncate");
    damaged(
        &env,
        &built.dir,
        "truncated chunk: writer.chk puts the end of data at byte",
        13,
    );
}

#[test]
fn one_chunk_file_reads_alone_and_completed_chunks_need_no_writer_chk() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    fs::remove_file(built.dir.join("writer.chk")).expect("rm");
    let chunk1 = built.dir.join("chunk-000001.000000");
    let r = import(&env, &[p(&chunk1)]);
    assert!(r.stdout.contains("eventstore-db, 2 events"), "{}", r.stdout);
    assert!(
        !r.stdout.contains("skipped"),
        "a completed chunk does not need writer.chk: {}",
        r.stdout
    );
    let (_, events) = log(&env, &[p(&chunk1)]);
    assert_eq!(shape(&events), expected(&scenario::EXPECTED[10..12]));
}

#[test]
fn encrypted_chunks_are_refused_with_a_clear_message() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    writer::poke(&built.dir.join("chunk-000001.000000"), 35, &[1]);
    let r = import(&env, &[p(&built.dir)]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("chunk-000001.000000: encrypted chunk (transform type 1)"),
        "{}",
        r.stderr
    );
}

#[test]
fn garbage_never_panics() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    let chunk0 = built.dir.join("chunk-000000.000000");
    let orig = fs::read(&chunk0).expect("read");
    // Flip bytes across the data section; every import must end with a report, not a crash.
    for (i, at) in (128..orig.len() - 128).step_by(97).enumerate() {
        let mut bytes = orig.clone();
        bytes[at] ^= 0x5a;
        fs::write(&chunk0, &bytes).expect("write");
        let r = env.run(&["import", p(&built.dir), "--cache", p(&env.path(&format!("g{i}.db")))]);
        assert!(r.code == 0 || r.code == 2, "{at}: {}\n{}", r.stdout, r.stderr);
        assert!(!r.stderr.contains("panicked"), "{at}: {}", r.stderr);
    }
}

#[test]
fn folders_are_detected_by_their_chunks() {
    let env = Env::new();
    let built = scenario::build(&env.path("db"));
    let r = import(&env, &[p(&built.dir)]);
    assert!(r.stdout.contains("eventstore-db"), "{}", r.stdout);
    let empty = env.path("empty");
    fs::create_dir_all(&empty).expect("mkdir");
    let r = import(&env, &[p(&empty), "--input-format", "eventstore-db"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no chunk-NNNNNN.MMMMMM files"), "{}", r.stderr);
}

// ---- HTTP feed pages ----

const DATA: &str = "tests/data/eventstore";

#[test]
fn a_real_feed_page_imports_its_entries_oldest_first() {
    let env = Env::new();
    let (_, events) = log(&env, &[&format!("{DATA}/request-paging-events.response.json")]);
    assert_eq!(events.len(), 20);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().expect("seq")).collect();
    assert_eq!(seqs, (7..=26).collect::<Vec<_>>());
    assert!(events
        .iter()
        .all(|e| e["stream"] == "alphabet" && e["type"] == "event-type"));
    assert_eq!(events[19]["time"], "2018-08-21T09:53:46.869815Z");
    assert_eq!(events[0]["id"], "7@alphabet");
    let r = import(&env, &[&format!("{DATA}/read-stream.response.json")]);
    assert!(r.stdout.contains("eventstore-feed, 1 event"), "{}", r.stdout);
    // A persistent subscription's page has the same entries.
    let (_, events) = log(
        &env,
        &[&format!("{DATA}/persistent-subscription-read-stream.response.json")],
    );
    assert_eq!(
        shape(&events),
        expected(&[("newstream", Some(1), "SomeEvent", "event")])
    );
    assert_eq!(events[0]["time"], "2015-12-02T09:17:48.556545Z");
}

#[test]
fn several_pages_of_one_stream_import_as_one_stream_without_duplicates() {
    let env = Env::new();
    let newer = format!("{DATA}/request-paging-events.response.json");
    let older = format!("{DATA}/request-last-link.response.json");
    let r = import(&env, &[&newer, &older]);
    assert!(
        r.stdout.contains("13 duplicates") || r.stdout.contains("duplicate"),
        "{}",
        r.stdout
    );
    let (_, events) = log(&env, &[&newer, &older]);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().expect("seq")).collect();
    assert_eq!(seqs, (0..=26).collect::<Vec<_>>());
}

#[test]
fn pages_saved_newest_first_in_one_file_come_out_in_stream_order() {
    let env = Env::new();
    let page = |name: &str| -> Value {
        serde_json::from_slice(&fs::read(format!("{DATA}/{name}")).expect("page")).expect("json")
    };
    let pages = [
        page("request-paging-events.response.json"),
        page("request-last-link.response.json"),
    ];
    let text: String = pages.iter().map(|p| format!("{p}\n")).collect();
    let f = env.write("pages.jsonl", text);
    let r = import(&env, &[p(&f)]);
    assert!(r.stdout.contains("eventstore-feed"), "{}", r.stdout);
    let (_, events) = log(&env, &[p(&f)]);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().expect("seq")).collect();
    assert_eq!(seqs, (0..=26).collect::<Vec<_>>());
}

#[test]
fn embedded_bodies_links_and_seven_digit_times() {
    let env = Env::new();
    let page = json!({
        "title": "Event stream '$ce-agent'", "id": "http://127.0.0.1:2113/streams/%24ce-agent",
        "updated": "2026-03-02T09:00:03.1234567Z", "streamId": "$ce-agent", "author": {"name": "EventStore"},
        "headOfStream": true, "links": [],
        "entries": [
            {"eventId": "00000000-0000-4000-8000-000000000003", "eventType": "$>", "eventNumber": 2,
             "data": "9@agent-gone", "streamId": "$ce-agent", "isJson": false, "positionEventNumber": 2,
             "positionStreamId": "$ce-agent", "title": "2@$ce-agent", "updated": "2026-03-02T09:00:03.1234567Z",
             "summary": "$>"},
            {"eventId": "00000000-0000-4000-8000-000000000002", "eventType": "$>", "eventNumber": 1,
             "data": "0@agent-coder", "streamId": "$ce-agent", "isJson": false, "positionEventNumber": 1,
             "positionStreamId": "$ce-agent", "title": "1@$ce-agent", "updated": "2026-03-02T09:00:02.0000001Z",
             "summary": "$>"},
            {"eventId": "00000000-0000-4000-8000-000000000001", "eventType": "AgentRegistered", "eventNumber": 0,
             "data": "{\n  \"name\": \"coder\"\n}", "metaData": "{\"$correlationId\":\"r1\"}",
             "streamId": "agent-coder", "isJson": true, "positionEventNumber": 0,
             "positionStreamId": "$ce-agent", "title": "0@agent-coder",
             "updated": "2026-03-02T09:00:01.1234567Z", "summary": "AgentRegistered"}
        ]
    });
    let f = env.write("page.json", serde_json::to_vec_pretty(&page).expect("json"));
    let r = import(&env, &[p(&f)]);
    assert!(r.stdout.contains("eventstore-feed, 1 event"), "{}", r.stdout);
    let (_, events) = log(&env, &[p(&f)]);
    assert_eq!(
        events.len(),
        1,
        "the link to 0@agent-coder resolves to it, the dangling one is left out"
    );
    let e = &events[0];
    assert_eq!(
        (e["stream"].as_str(), e["seq"].as_i64()),
        (Some("agent-coder"), Some(0))
    );
    assert_eq!(e["data"], json!({"name": "coder"}));
    assert_eq!(e["time"], "2026-03-02T09:00:01.123456Z");
    assert_eq!(e["meta"]["metadata"], json!({"$correlationId": "r1"}));
}

#[test]
fn a_broken_page_is_a_reported_skip() {
    let env = Env::new();
    // Documentation artefacts make this body invalid JSON.
    let r = import(
        &env,
        &[
            &format!("{DATA}/read-stream-rich.response-body.txt"),
            "--input-format",
            "eventstore",
        ],
    );
    // Its one record is unreadable: no event at all is an error naming the skip.
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("no events: none of the 1 record read"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("read-stream-rich.response-body.txt:1: invalid JSON"),
        "{}",
        r.stderr
    );
}

// ---- client dumps ----

#[test]
fn client_dumps_map_dotnet_and_grpc_names_and_times() {
    let env = Env::new();
    let lines = [
        json!({"eventStreamId": "agent-planner", "eventNumber": 0, "eventId": "1b2c3d4e-0000-4000-8000-000000000001",
               "eventType": "AgentRegistered", "data": "{\"name\":\"planner\"}", "metadata": "{\"u\":1}",
               "created": "2026-03-02T09:00:01.1234567Z", "commitPosition": 1200, "preparePosition": 1200, "isJson": true}),
        json!({"stream_identifier": {"stream_name": "YWdlbnQtcGxhbm5lcg=="}, "stream_revision": "1",
               "id": {"string": "1b2c3d4e-0000-4000-8000-000000000002"},
               "metadata": {"type": "ToolCalled", "created": "17724420020000000", "content-type": "application/json"},
               "data": {"tool": "search"}, "position": {"commit_position": "1500", "prepare_position": "1500"}}),
        json!({"streamId": "agent-planner", "eventNumber": 2, "eventId": "1b2c3d4e-0000-4000-8000-000000000003",
               "eventType": "Blob", "data": "not json", "isJson": false, "created": "/Date(1772442003000)/",
               "commitPosition": "18446744073709551000", "preparePosition": "1900"}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let f = env.write("dump.jsonl", text);
    let r = import(&env, &[p(&f)]);
    assert!(r.stdout.contains("eventstore-dump, 3 events"), "{}", r.stdout);
    let (_, events) = log(&env, &[p(&f)]);
    assert_eq!(
        shape(&events),
        expected(&[
            ("agent-planner", Some(0), "AgentRegistered", "event"),
            ("agent-planner", Some(1), "ToolCalled", "event"),
            ("agent-planner", Some(2), "Blob", "event"),
        ])
    );
    assert_eq!(events[0]["data"], json!({"name": "planner"}));
    assert_eq!(events[0]["time"], "2026-03-02T09:00:01.123456Z");
    assert_eq!(events[0]["meta"]["metadata"], json!({"u": 1}));
    assert_eq!(events[1]["id"], "1b2c3d4e-0000-4000-8000-000000000002");
    assert_eq!(events[1]["time"], "2026-03-02T09:00:02.000000Z");
    assert_eq!(events[1]["meta"]["rawTime"], "17724420020000000");
    assert_eq!(events[2]["data"], "not json");
    assert_eq!(events[2]["time"], "2026-03-02T09:00:03.000000Z");
    assert_eq!(events[2]["meta"]["commitPosition"], "18446744073709551000");
}

#[test]
fn generic_event_logs_are_not_claimed() {
    let env = Env::new();
    let f = env.write(
        "plain.jsonl",
        "{\"stream\":\"s\",\"type\":\"T\",\"data\":{}}\n{\"streamId\":\"s\",\"eventType\":\"T\",\"data\":{}}\n",
    );
    let r = import(&env, &[p(&f)]);
    assert!(r.stdout.contains("jsonl, 2 events"), "{}", r.stdout);
}
