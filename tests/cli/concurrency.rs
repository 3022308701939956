//! Two rewind processes on one cache: importing the same inputs at once (first
//! import and incremental), and reading while another imports. Nothing may fail
//! (least of all with "database is locked"), each input is held exactly once,
//! and a reader sees the cache before or after an import, never in between.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use rusqlite::Connection;

fn write_input(path: &Path, prefix: &str, n: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create input"));
    for i in 0..n {
        writeln!(
            f,
            r#"{{"id":"{prefix}-{i}","stream":"{prefix}/agent-{}","seq":{},"type":"StepCompleted","time":"2026-11-20T10:{:02}:{:02}.{:06}Z","data":{{"step":{i}}}}}"#,
            i % 50,
            i / 50 + 1,
            (i / 60_000) % 60,
            (i / 1000) % 60,
            i % 1000
        )
        .expect("write input");
    }
}

fn rewind(args: &[&std::ffi::OsStr]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rewind"));
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

fn import(cache: &Path, inputs: &[&PathBuf]) -> Child {
    let mut args: Vec<&std::ffi::OsStr> = vec!["import".as_ref()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend(["--cache".as_ref(), cache.as_os_str(), "--quiet".as_ref()]);
    rewind(&args).spawn().expect("spawn rewind")
}

fn ok(out: Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("locked"), "{what}: {stderr}");
    assert!(out.status.success(), "{what} failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Events per input file name, checking every input is held once and whole.
fn held(cache: &Path) -> Vec<(String, i64)> {
    let conn = Connection::open(cache).expect("open cache");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(check, "ok");
    let mut st = conn
        .prepare("SELECT i.path, i.events, (SELECT count(*) FROM events e WHERE e.input = i.id) FROM inputs i ORDER BY i.ord")
        .expect("inputs");
    let rows = st
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        })
        .expect("query");
    let mut out = Vec::new();
    for row in rows {
        let (path, recorded, stored) = row.expect("row");
        assert_eq!(recorded, stored, "{path}");
        out.push((
            Path::new(&path)
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned(),
            stored,
        ));
    }
    let total: i64 = conn
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .expect("count");
    assert_eq!(total, out.iter().map(|x| x.1).sum::<i64>());
    out
}

fn setup() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    write_input(&a, "a", 20_000);
    write_input(&b, "b", 10_000);
    let cache = dir.path().join("c.db");
    (dir, a, b, cache)
}

#[test]
fn two_first_imports_race_to_one_cache() {
    let (dir, a, b, cache) = setup();
    for round in 0..4 {
        let _ = std::fs::remove_file(&cache);
        let one = import(&cache, &[&a, &b]);
        let two = import(&cache, &[&a, &b]);
        ok(one.wait_with_output().expect("wait"), "first importer");
        ok(two.wait_with_output().expect("wait"), "second importer");
        assert_eq!(
            held(&cache),
            vec![("a.jsonl".into(), 20_000), ("b.jsonl".into(), 10_000)],
            "round {round}"
        );
        let stray: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".importing-"))
            .collect();
        assert!(stray.is_empty(), "build files left: {stray:?}");
    }
}

#[test]
fn two_incremental_imports_add_an_input_once() {
    let (_dir, a, b, cache) = setup();
    ok(import(&cache, &[&a]).wait_with_output().expect("wait"), "seed import");
    let one = import(&cache, &[&a, &b]);
    let two = import(&cache, &[&a, &b]);
    ok(one.wait_with_output().expect("wait"), "first importer");
    ok(two.wait_with_output().expect("wait"), "second importer");
    assert_eq!(
        held(&cache),
        vec![("a.jsonl".into(), 20_000), ("b.jsonl".into(), 10_000)]
    );
}

/// Readers of the cache file run again and again while an input is added: each
/// sees all of the old cache or all of the new one, and builds checkpoints for
/// what it sees (a write, racing the import's).
#[test]
fn reads_during_an_import_see_one_whole_cache() {
    let (_dir, a, b, cache) = setup();
    ok(import(&cache, &[&a]).wait_with_output().expect("wait"), "seed import");
    let mut importer = import(&cache, &[&a, &b]);
    let mut reads = 0;
    let mut saw = std::collections::BTreeSet::new();
    loop {
        let done = importer.try_wait().expect("wait").is_some();
        let log = ok(
            rewind(&["log".as_ref(), cache.as_os_str(), "--json".as_ref()])
                .output()
                .expect("log"),
            "log",
        );
        let lines = log.lines().count();
        assert!(lines == 20_000 || lines == 30_000, "log printed {lines} events");
        // Every position once, in order: no mix of two numberings.
        let last = log.lines().last().expect("last line");
        assert!(last.contains(&format!("\"pos\":{lines}")), "last line {last}");
        let state = ok(
            rewind(&[
                "state".as_ref(),
                cache.as_os_str(),
                "--stream".as_ref(),
                "a/agent-7".as_ref(),
            ])
            .output()
            .expect("state"),
            "state",
        );
        assert!(state.contains("\"step\""), "state: {state}");
        saw.insert(lines);
        reads += 1;
        if done {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    ok(importer.wait_with_output().expect("wait"), "importer");
    assert_eq!(
        held(&cache),
        vec![("a.jsonl".into(), 20_000), ("b.jsonl".into(), 10_000)]
    );
    eprintln!("concurrency: {reads} reads saw event counts {saw:?}");
}
