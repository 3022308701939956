//! Hostile input through the real binary: each case gets a clear error or a
//! reported skip, in bounded memory and time, and never a panic. The files are
//! generated in a temp dir at test time. The table in the README lists these.

mod common;

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
        run.stdout.contains(&format!("{events} events")),
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
