//! Hostile input through the real binary: each case gets a clear error or a
//! reported skip, in bounded memory and time, and never a panic. The files are
//! generated in a temp dir at test time. The table in docs/reliability.md lists these.

use crate::common;

use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Env, Run};

const GOOD: &str = r#"{"stream":"agent/s1","type":"Step","data":{"ok":1}}"#;

fn import(env: &Env, input: &Path, extra: &[(&str, &str)]) -> (Run, Duration) {
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rewind"))
        .arg("import")
        .arg(input)
        .arg("-v")
        .env("REWIND_CACHE_DIR", env.path("cache"))
        .envs(extra.iter().copied())
        .output()
        .expect("run rewind");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    (run, started.elapsed())
}

/// Imports with exit 0, reporting `skips` skipped records whose reasons contain `why`.
fn imports_with_skips(env: &Env, input: &Path, events: usize, skips: usize, why: &str) -> Run {
    let (run, _) = import(env, input, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&common::count(events as u64, "event")),
        "expected {events} events:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{skips} skipped")),
        "expected {skips} skipped:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains(why), "expected {why:?}:\n{}", run.stdout);
    run
}

/// Peak RSS in bytes, from `-v`'s "peak RSS N kB".
fn peak_rss(run: &Run) -> u64 {
    let at = run.stderr.find("peak RSS ").expect("peak RSS printed") + "peak RSS ".len();
    let kb: u64 = run.stderr[at..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("kB");
    kb * 1024
}

/// Every view still works on the cache: no event poisons the recording.
fn views_work(env: &Env, input: &Path) {
    let input = input.to_str().expect("utf-8 path");
    for args in [
        vec!["log", input],
        vec!["state", input],
        vec!["history", input, "--path", "/agent~1s1"],
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    }
}

fn nested(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

#[test]
fn deeply_nested_json_is_skipped_and_replay_still_works() {
    let env = Env::new();
    // 100k levels in an event's data, 1M levels as a whole record, and 101
    // levels (one past the limit): skipped with a reason; the good records stay.
    let deep = format!(
        "{{\"stream\":\"agent/s1\",\"type\":\"Step\",\"data\":{}}}\n{}\n{GOOD}\n{{\"stream\":\"agent/s1\",\"type\":\"Step\",\"data\":{{\"meta\":{}}}}}\n{{\"stream\":\"agent/s1\",\"type\":\"Step\",\"data\":{}}}\n",
        nested(100_000),
        nested(1_000_000),
        nested(101),
        nested(99),
    );
    let input = env.write("deep.jsonl", deep);
    imports_with_skips(
        &env,
        &input,
        2,
        3,
        "deep.jsonl:1: data nests 100000 levels deep; the limit is 100",
    );
    views_work(&env, &input);

    // The same as one JSON array, where the framing has to find the elements.
    let array = format!(
        "[{GOOD},{{\"stream\":\"agent/s1\",\"data\":{}}},{GOOD}]",
        nested(100_000)
    );
    let input = env.write("deep.json", array);
    imports_with_skips(&env, &input, 2, 1, "deep.json:1: data nests 100000 levels deep");
    views_work(&env, &input);
}

#[test]
fn a_huge_single_line_is_skipped_in_bounded_memory() {
    let env = Env::new();
    // A sparse file: the 512 MiB line costs no disk, but rewind reads every byte.
    // 512 MiB (not 1 GiB) keeps the debug-build test to a few seconds; the peak
    // memory stays the same for 100 MiB, 256 MiB and 1 GiB lines (~220 MB).
    const LINE: u64 = 512 << 20;
    let path = env.path("long.jsonl");
    let mut f = fs::File::create(&path).expect("create");
    write!(f, "{GOOD}\n{{\"stream\":\"agent/s1\",\"data\":{{\"blob\":\"").expect("write");
    f.set_len(LINE).expect("sparse");
    f.seek(SeekFrom::Start(LINE)).expect("seek");
    write!(f, "\"}}}}\n{GOOD}\n").expect("write");
    drop(f);
    let run = imports_with_skips(&env, &path, 2, 1, "long.jsonl:2: record longer than the 64 MiB limit");
    let peak = peak_rss(&run);
    assert!(peak < LINE * 3 / 5, "peak RSS {peak} bytes: the line was buffered");
    eprintln!("hostile_input: 512 MiB line, peak RSS {} MB", peak >> 20);

    // A first line longer than the detection sample, broken (its string never
    // closes): still JSON Lines, so only that line is lost.
    let mut text = format!(
        "{{\"stream\":\"agent/s1\",\"data\":{{\"blob\":\"{}\n",
        "x".repeat(200_000)
    );
    text.push_str(&format!("{GOOD}\n{GOOD}\n"));
    let input = env.write("broken-long.jsonl", text);
    imports_with_skips(&env, &input, 2, 1, "broken-long.jsonl:1:");
}

#[test]
fn huge_numbers_are_kept_or_refused_clearly() {
    let env = Env::new();
    let digits = "9".repeat(100_000);
    let text = format!(
        "{{\"stream\":\"agent/s1\",\"type\":\"Step\",\"data\":{{\"big\":{digits},\"exp\":1e999999999,\"neg\":-0.{digits}}}}}\n\
         {{\"stream\":\"agent/s1\",\"seq\":1{zeros},\"data\":{{}}}}\n\
         {{\"stream\":\"agent/s1\",\"time\":1{zeros},\"data\":{{}}}}\n\
         {{\"stream\":\"agent/s1\",\"seq\":-1{zeros},\"data\":{{}}}}\n",
        zeros = "0".repeat(400)
    );
    let input = env.write("numbers.jsonl", text);
    let run = imports_with_skips(&env, &input, 1, 3, "seq: expected an integer");
    assert!(run.stdout.contains("time: epoch number out of range"), "{}", run.stdout);
    // Kept digit for digit (arbitrary precision), not rounded to infinity.
    let state = env.run(&["state", input.to_str().expect("path")]);
    assert_eq!(state.code, 0, "{}", state.stderr);
    assert!(state.stdout.contains(&digits), "the big number was not kept whole");
    assert!(
        state.stdout.contains("1e+999999999"),
        "{}",
        &state.stdout[..200.min(state.stdout.len())]
    );
}

#[test]
fn invalid_utf8_and_nul_bytes_are_reported_skips() {
    let env = Env::new();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"{\"stream\":\"agent/s1\xff\xfe\",\"data\":{}}\n");
    bytes.extend_from_slice(b"{\"stream\":\"agent/s1\",\"type\":\"T\x00\",\"data\":{}}\n");
    bytes.extend_from_slice(b"\x00\x00\x00\x00\n");
    bytes.extend_from_slice(GOOD.as_bytes());
    bytes.extend_from_slice(b"\n{\"stream\":\"agent/s1\",\"data\":{\"x\":\"\xc3\x28\"}}\n");
    bytes.extend_from_slice(b"{\"stream\":\"agent/s1\",\"data\":{\"nul\":\"\\u0000\"}}\n");
    let input = env.write("bytes.jsonl", bytes);
    let run = imports_with_skips(&env, &input, 2, 4, "bytes.jsonl:1: invalid UTF-8 at byte 19");
    assert!(run.stdout.contains("bytes.jsonl:2: invalid JSON"), "{}", run.stdout);
    assert!(run.stdout.contains("bytes.jsonl:5: invalid UTF-8"), "{}", run.stdout);
    views_work(&env, &input);
}

fn zstd_of(env: &Env, name: &str, content: &[u8], times: usize) -> PathBuf {
    let path = env.path(name);
    let mut enc = zstd::stream::Encoder::new(fs::File::create(&path).expect("create"), 3).expect("zstd");
    for _ in 0..times {
        enc.write_all(content).expect("write");
    }
    enc.finish().expect("finish");
    path
}

#[test]
fn decompression_bombs_stop_at_the_cap() {
    let env = Env::new();
    let cap = [("REWIND_MAX_DECOMPRESSED", "33554432")];

    // 1 GiB of zeros in a few KB of gzip and of zstd. With a 32 MiB cap (to keep
    // the test fast; the default is max(1 GiB, 250 x the file)), each stops there.
    let zeros = vec![0u8; 1 << 20];
    let gz = env.path("zeros.gz");
    let mut enc = flate2::write::GzEncoder::new(fs::File::create(&gz).expect("create"), flate2::Compression::fast());
    for _ in 0..64 {
        enc.write_all(&zeros).expect("write");
    }
    enc.finish().expect("finish");
    let zst = zstd_of(&env, "zeros.zst", &zeros, 1024);
    for (input, kind) in [(&gz, "gzip"), (&zst, "zstd")] {
        let (run, took) = import(&env, input, &cap);
        assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stderr
                .contains(&format!("{kind} content expands past 33554432 bytes")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("decompression bomb"), "{}", run.stderr);
        assert!(took < Duration::from_secs(20), "{kind} bomb took {took:?}");
    }

    // Valid records in a bomb: the import stops whole, leaving no cache behind.
    let line = format!("{GOOD}\n");
    let lines = zstd_of(&env, "lines.jsonl.zst", line.as_bytes(), 300_000);
    let (run, _) = import(&env, &lines, &[("REWIND_MAX_DECOMPRESSED", "8388608")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let cache_dir = env.path("cache");
    let left: Vec<_> = fs::read_dir(&cache_dir)
        .map(|rd| rd.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "a failed first import left {left:?}");

    // Under the default cap the same file (16 MB inside a few KB: far over 250x,
    // but under the 1 GiB floor) imports.
    let (run, _) = import(&env, &lines, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("300000 events"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn database_folder_tricks_are_refused() {
    use std::os::unix::fs::symlink;
    let env = Env::new();
    let src = common::root().join("fixtures/eventstore/agents-db");
    let db = env.path("db");
    let outside = env.path("outside");
    fs::create_dir_all(&db).expect("mkdir");
    fs::create_dir_all(&outside).expect("mkdir");
    for entry in fs::read_dir(&src).expect("fixture") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), db.join(entry.file_name())).expect("copy");
    }
    // The last chunk moves out of the folder and is linked back in; writer.chk
    // points at an endless device; a symlink loop and `..` links sit beside them.
    fs::rename(db.join("chunk-000002.000000"), outside.join("chunk-000002.000000")).expect("move");
    symlink("../outside/chunk-000002.000000", db.join("chunk-000002.000000")).expect("symlink");
    fs::remove_file(db.join("writer.chk")).expect("rm");
    symlink("/dev/zero", db.join("writer.chk")).expect("symlink");
    symlink(".", db.join("loop")).expect("symlink");
    symlink("..", db.join("up")).expect("symlink");

    let (run, took) = import(&env, &db, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("chunk-000002.000000@0: symlink out of the folder"),
        "{}",
        run.stdout
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    // Only the two chunks inside were read.
    let log = env.run(&["log", db.to_str().expect("path"), "--json"]);
    assert_eq!(log.code, 0, "{}", log.stderr);
    let n = log.stdout.lines().count();
    assert!(n > 0 && n < 14, "read {n} events: the linked chunk was followed");

    // A chunk that is a named pipe would block a reader forever: refused.
    fs::remove_file(db.join("chunk-000002.000000")).expect("rm");
    let made = std::process::Command::new("mkfifo")
        .arg(db.join("chunk-000002.000000"))
        .status();
    if made.map(|s| s.success()).unwrap_or(false) {
        let (run, took) = import(&env, &db, &[]);
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("not a regular file"), "{}", run.stdout);
        assert!(took < Duration::from_secs(20));
    }
}

// ---- Avro (Event Hubs Capture) files that lie about their sizes ----

/// A zig-zag varint: Avro's `long`.
fn zz(v: i64) -> Vec<u8> {
    let mut n = ((v << 1) ^ (v >> 63)) as u64;
    let mut out = Vec::new();
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out
}

fn avro_bytes(b: &[u8]) -> Vec<u8> {
    [zz(b.len() as i64), b.to_vec()].concat()
}

const SYNC: [u8; 16] = *b"0123456789abcdef";

/// Capture's required fields, and an extra array of nulls (items of zero bytes).
const CAPTURE_SCHEMA: &str = r#"{"type":"record","name":"EventData","namespace":"Microsoft.ServiceBus.Messaging","fields":[
  {"name":"SequenceNumber","type":"long"},{"name":"EnqueuedTimeUtc","type":"string"},
  {"name":"Body","type":["null","bytes"]},{"name":"Nulls","type":{"type":"array","items":"null"}}]}"#;

/// An Avro header whose schema value is `schema_len` long (the real length when `None`).
fn avro_header(schema: &str, schema_len: Option<i64>) -> Vec<u8> {
    let mut out = b"Obj\x01".to_vec();
    out.extend(zz(2));
    out.extend(avro_bytes(b"avro.schema"));
    out.extend(zz(schema_len.unwrap_or(schema.len() as i64)));
    out.extend_from_slice(schema.as_bytes());
    out.extend(avro_bytes(b"avro.codec"));
    out.extend(avro_bytes(b"null"));
    out.extend(zz(0));
    out.extend_from_slice(&SYNC);
    out
}

/// One record; `nulls` is the item count of its array of nulls (0: empty).
fn capture_record(seq: i64, nulls: i64) -> Vec<u8> {
    let mut r = zz(seq);
    r.extend(avro_bytes(b"11/20/2026 9:10:00 AM"));
    r.extend(zz(1));
    r.extend(avro_bytes(
        format!("{{\"stream\":\"agent/s1\",\"type\":\"Step\",\"data\":{{\"n\":{seq}}}}}").as_bytes(),
    ));
    if nulls != 0 {
        r.extend(zz(nulls));
    }
    r.extend(zz(0));
    r
}

/// A block claiming `count` records and `size` bytes (the real size when `None`).
fn avro_block(count: i64, body: &[u8], size: Option<i64>) -> Vec<u8> {
    [
        zz(count),
        zz(size.unwrap_or(body.len() as i64)),
        body.to_vec(),
        SYNC.to_vec(),
    ]
    .concat()
}

/// An import that exits 0 within 2 s with `events` events and the reason `why`
/// reported at the file's block.
fn avro_reported(env: &Env, name: &str, bytes: Vec<u8>, events: usize, why: &str) {
    let input = env.write(name, bytes);
    let (run, took) = import(env, &input, &[]);
    assert_eq!(run.code, 0, "{name}: {}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&common::count(events as u64, "event")),
        "{name}: {}",
        run.stdout
    );
    assert!(run.stdout.contains(why), "{name}: expected {why:?}:\n{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("{name}@")),
        "{name}: no offset:\n{}",
        run.stdout
    );
    assert!(took < Duration::from_secs(2), "{name} took {took:?}");
}

#[test]
fn avro_files_claiming_giant_blocks_are_reported_in_bounded_time() {
    let env = Env::new();
    let head = avro_header(CAPTURE_SCHEMA, None);
    let good = avro_block(1, &capture_record(1, 0), None);
    let file = |blocks: &[Vec<u8>]| [vec![head.clone()], blocks.to_vec()].concat().concat();

    // Sanity: the honest file imports.
    let input = env.write(
        "honest.avro",
        file(&[good.clone(), avro_block(1, &capture_record(2, 0), None)]),
    );
    let (run, _) = import(&env, &input, &[]);
    assert!(run.stdout.contains("2 events"), "{}\n{}", run.stdout, run.stderr);

    // An object count of 2^62 over one record's bytes: a record of zero bytes
    // would otherwise repeat forever.
    let records = [capture_record(2, 0), capture_record(3, 0)].concat();
    avro_reported(
        &env,
        "count.avro",
        file(&[good.clone(), avro_block(1 << 62, &records, None)]),
        1,
        &format!(
            "corrupt block: it claims 4611686018427387904 records but holds {} bytes",
            records.len()
        ),
    );
    // Block byte sizes: past the 64 MiB block limit, past the end of the file, negative.
    avro_reported(
        &env,
        "size.avro",
        file(&[good.clone(), avro_block(1, &capture_record(2, 0), Some(1 << 40))]),
        1,
        "invalid block size 1099511627776",
    );
    avro_reported(
        &env,
        "past-end.avro",
        file(&[good.clone(), avro_block(1, &capture_record(2, 0), Some(50_000_000))]),
        1,
        &format!(
            "truncated block: {} of its 50000000 bytes are in the file",
            capture_record(2, 0).len() + SYNC.len()
        ),
    );
    avro_reported(
        &env,
        "neg-size.avro",
        file(&[good.clone(), avro_block(1, &capture_record(2, 0), Some(-1))]),
        1,
        "invalid block size -1",
    );
    avro_reported(
        &env,
        "neg-count.avro",
        file(&[good.clone(), avro_block(-3, &capture_record(2, 0), None)]),
        1,
        "invalid block count -3",
    );
    // Lengths inside a record: a string of 2^62 bytes, a negative one.
    let mut giant = zz(2);
    giant.extend(zz(1 << 62));
    giant.extend_from_slice(b"11/20/2026");
    avro_reported(
        &env,
        "giant-string.avro",
        file(&[good.clone(), avro_block(1, &giant, None)]),
        1,
        "record ends inside a value (4611686018427387904 bytes wanted, 10 left)",
    );
    let mut negative = zz(2);
    negative.extend(zz(-5));
    avro_reported(
        &env,
        "neg-string.avro",
        file(&[good.clone(), avro_block(1, &negative, None)]),
        1,
        "negative length -5",
    );
    // An array of 2^62 nulls (items of zero bytes) inside a record.
    avro_reported(
        &env,
        "nulls.avro",
        file(&[good.clone(), avro_block(1, &capture_record(2, 1 << 62), None)]),
        1,
        "a block of 4611686018427387904 items of zero bytes each (more than 65536)",
    );
}

#[test]
fn avro_headers_claiming_gigantic_schemas_are_refused() {
    let env = Env::new();
    let block = avro_block(1, &capture_record(1, 0), None);
    for (name, claimed, why) in [
        (
            "huge-schema.avro",
            1i64 << 62,
            "invalid length 4611686018427387904 in the header",
        ),
        (
            "over-limit-schema.avro",
            70 << 20,
            "invalid length 73400320 in the header",
        ),
        ("neg-schema.avro", -9, "invalid length -9 in the header"),
        ("short-schema.avro", 60 << 20, "truncated header"),
    ] {
        let bytes = [avro_header(CAPTURE_SCHEMA, Some(claimed)), block.clone()].concat();
        let input = env.write(name, bytes);
        let (run, took) = import(&env, &input, &[]);
        assert!(
            run.stdout.contains(why) || run.stderr.contains(why),
            "{name}: expected {why:?}:\n{}\n{}",
            run.stdout,
            run.stderr
        );
        assert!(run.stdout.contains("unreadable Avro header") || run.stderr.contains("unreadable Avro header"));
        assert!(took < Duration::from_secs(2), "{name} took {took:?}");
        let peak = peak_rss(&run);
        assert!(peak < 200 << 20, "{name}: peak RSS {peak}");
    }
}

// ---- EventStoreDB chunks with lying lengths ----

const C0: &str = "chunk-000000.000000";

/// A copy of the fixture database whose `chunk` gets `bytes` written at `at`.
fn poked_db(env: &Env, name: &str, chunk: &str, at: u64, bytes: &[u8]) -> PathBuf {
    let db = env.path(name);
    fs::create_dir_all(&db).expect("mkdir");
    for entry in fs::read_dir(common::root().join("fixtures/eventstore/agents-db")).expect("fixture") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), db.join(entry.file_name())).expect("copy");
    }
    let mut f = fs::OpenOptions::new().write(true).open(db.join(chunk)).expect("open");
    f.seek(SeekFrom::Start(at)).expect("seek");
    f.write_all(bytes).expect("poke");
    db
}

/// Imports within 2 s with exit 0, reporting `why`; later chunks still read.
fn chunk_reported(env: &Env, db: &Path, why: &str) -> Run {
    let (run, took) = import(env, db, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(why), "expected {why:?}:\n{}", run.stdout);
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(peak_rss(&run) < 200 << 20, "peak RSS {}", peak_rss(&run));
    run
}

#[test]
fn eventstore_chunks_with_lying_lengths_are_reported() {
    let env = Env::new();
    let (clean, _) = import(&env, &common::root().join("fixtures/eventstore/agents-db"), &[]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    // The first record's length prefix (right after the 128-byte header): 2 GiB,
    // past any record; 1 MB, past the chunk.
    let db = poked_db(&env, "prefix-huge", C0, 128, &0x7fff_fff0i32.to_le_bytes());
    chunk_reported(
        &env,
        &db,
        "chunk-000000.000000@128: bad record length 2147483632: larger than any record",
    );
    let db = poked_db(&env, "prefix-past-chunk", C0, 128, &1_000_000i32.to_le_bytes());
    chunk_reported(
        &env,
        &db,
        "chunk-000000.000000@128: torn record: length prefix says 1000000 bytes",
    );
    // Headers claiming a 2 GiB chunk (the size field at byte 2): a completed
    // chunk is read by its footer's data size, the active one up to writer.chk
    // or its zero tail; nothing is allocated by the claimed size.
    let db = poked_db(&env, "header-huge", C0, 2, &i32::MAX.to_le_bytes());
    chunk_reported(&env, &db, "eventstore-db, 14 events, 3 filtered, imported");
    let db = poked_db(&env, "active-huge", "chunk-000002.000000", 2, &i32::MAX.to_le_bytes());
    let run = chunk_reported(
        &env,
        &db,
        "chunk-000002.000000@2: writer.chk puts the end of data at log position",
    );
    // Its records are read, not dropped without a word.
    assert!(run.stdout.contains("14 events, 1 skipped"), "{}", run.stdout);
    // A negative chunk size.
    let db = poked_db(&env, "header-negative", C0, 2, &(-1i32).to_le_bytes());
    chunk_reported(&env, &db, "chunk-000000.000000@0: bad chunk header: size -1");
}

// ---- AWS inputs with lying lengths and paths ----

/// A KPL aggregate around `body` (a protobuf) with a correct MD5 trailer, so the
/// lie is in the protobuf itself.
fn kpl_around(body: &[u8]) -> Vec<u8> {
    use md5::{Digest, Md5};
    let mut out = rewind::ingest::aws::kpl::MAGIC.to_vec();
    out.extend_from_slice(body);
    out.extend_from_slice(Md5::digest(body).as_slice());
    out
}

#[test]
fn kpl_aggregates_with_lying_protobuf_lengths_stay_kept_raw() {
    use base64::Engine;
    let env = Env::new();
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let record = |seq: u32, data: &[u8]| {
        serde_json::json!({"SequenceNumber": seq.to_string(), "ApproximateArrivalTimestamp": 1795165200,
                           "Data": b64(data), "PartitionKey": "k"})
    };
    // Field 1 (partition key table) claiming 5 bytes where 1 is left; claiming
    // 2^64-1 bytes; a record (field 3) whose inner data field overruns its record.
    let short = kpl_around(b"\x0a\x05k");
    let huge = kpl_around(b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01k");
    let inner = kpl_around(b"\x0a\x01k\x1a\x06\x08\x00\x1a\x7f{}");
    let page = serde_json::json!({"Records": [
        record(1, &short), record(2, &huge), record(3, &inner),
        record(4, br#"{"stream":"agent/s1","type":"Step","data":{}}"#),
    ], "MillisBehindLatest": 0});
    let input = env.write("kpl.json", serde_json::to_string_pretty(&page).expect("json"));
    let (run, took) = import(&env, &input, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // The envelopes are sound: each aggregate stays in the timeline, its payload kept raw.
    assert!(run.stdout.contains("4 events"), "{}", run.stdout);
    let log = env.run(&["log", "--json", input.to_str().expect("utf-8")]);
    let errors: Vec<String> = log
        .json_lines()
        .iter()
        .filter_map(|e| e["data"]["$error"].as_str().map(str::to_string))
        .collect();
    for (error, why) in errors.iter().zip([
        "protobuf field of 5 bytes runs past the end",
        "protobuf field of 18446744073709551615 bytes runs past the end",
        "protobuf field of 127 bytes runs past the end",
    ]) {
        assert!(error.contains(why), "expected {why:?}: {error}");
    }
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn export_manifests_naming_files_outside_the_folder_are_not_followed() {
    let env = Env::new();
    let id = env.path("exp/AWSDynamoDB/01700000000000-abcdef12");
    fs::create_dir_all(id.join("data")).expect("mkdir");
    fs::write(
        id.join("manifest-summary.json"),
        r#"{"tableArn":"arn:aws:dynamodb:us-east-1:1:table/Runs","exportTime":"2026-01-01T00:00:00Z","itemCount":3,"outputFormat":"DYNAMODB_JSON"}"#,
    )
    .expect("write");
    let item = |pk: &str| format!("{{\"Item\":{{\"pk\":{{\"S\":\"{pk}\"}}}}}}\n");
    let gz = |text: String| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).expect("gzip");
        e.finish().expect("gzip")
    };
    fs::write(id.join("data/in.json.gz"), gz(item("inside"))).expect("write");
    // A real data file outside the export folder, reachable through `..`.
    fs::write(env.path("outside.json.gz"), gz(item("outside"))).expect("write");
    let manifest = [
        "AWSDynamoDB/01700000000000-abcdef12/data/in.json.gz",
        "../../../outside.json.gz",
        "AWSDynamoDB/01700000000000-abcdef12/data/../../../../outside.json.gz",
        "/etc/passwd",
    ]
    .iter()
    .map(|k| format!("{{\"itemCount\":1,\"dataFileS3Key\":\"{k}\"}}\n"))
    .collect::<String>();
    fs::write(id.join("manifest-files.json"), manifest).expect("write");
    let (run, took) = import(&env, &env.path("exp"), &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for line in 2..=4 {
        assert!(
            run.stdout.contains(&format!("manifest-files.json:{line}: data file")),
            "line {line} not reported:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("is missing from the export folder"),
        "{}",
        run.stdout
    );
    let state = env.run(&["state", env.path("exp").to_str().expect("utf-8 path")]);
    assert_eq!(state.code, 0, "{}", state.stderr);
    assert!(state.stdout.contains("inside"), "{}", state.stdout);
    assert!(
        !state.stdout.contains("outside"),
        "a file outside the folder was read:\n{}",
        state.stdout
    );
    assert!(took < Duration::from_secs(2), "took {took:?}");
}
