//! Crash safety: the real binary is killed (SIGKILL) at random moments while it
//! imports, 100 times in a row. After every kill the cache must open, pass
//! SQLite's integrity check and hold each input whole or not at all; runs that
//! are not killed must finish the job, and a killed first import's private
//! build file must be cleaned up by the next run.
//!
//! `REWIND_CRASH_SEED=N` replays a run's kill delays (the seed is printed).

use crate::common;

use common::Rng;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

/// Events per generated input: sized so an import takes well under a second on
/// a loaded 2-core machine, which keeps 100 kills within about a minute.
const EVENTS_A: usize = 20_000;
const EVENTS_B: usize = 10_000;
const KILLS_FIRST: usize = 50;
const KILLS_INCREMENTAL: usize = 50;

/// A kill delay in `[0, max)`.
fn kill_delay(rng: &mut Rng, max: Duration) -> Duration {
    let micros = max.as_micros().max(1) as u64;
    Duration::from_micros(rng.next() % micros)
}

fn write_input(path: &Path, prefix: &str, n: usize) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create input"));
    for i in 0..n {
        writeln!(
            f,
            r#"{{"id":"{prefix}-{i}","stream":"{prefix}/agent-{}","seq":{},"type":"StepCompleted","time":"2026-11-20T09:{:02}:{:02}.{:06}Z","data":{{"step":{i},"tokens":{},"note":"tool call finished"}}}}"#,
            i % 200,
            i / 200 + 1,
            (i / 60_000) % 60,
            (i / 1000) % 60,
            i % 1000,
            i * 7 % 4096
        )
        .expect("write input");
    }
}

/// What a cache holds: events per input (by file name), after SQLite's own
/// integrity check; `None` when there is no cache file.
fn cache_contents(cache: &Path) -> Option<BTreeMap<String, u64>> {
    if !cache.exists() {
        return None;
    }
    // Read-write, as rewind opens it: a killed writer's WAL is rolled back here.
    let conn = Connection::open_with_flags(cache, OpenFlags::SQLITE_OPEN_READ_WRITE).expect("cache opens");
    conn.busy_timeout(Duration::from_secs(10)).expect("busy timeout");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(check, "ok", "cache {} is corrupt", cache.display());
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, rewind::cache::schema::VERSION, "cache has no schema");
    let mut st = conn
        .prepare("SELECT i.path, i.events, (SELECT count(*) FROM events e WHERE e.input = i.id) FROM inputs i")
        .expect("inputs");
    let rows = st
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        })
        .expect("inputs query");
    let mut out = BTreeMap::new();
    let mut sum = 0;
    for row in rows {
        let (path, recorded, stored) = row.expect("input row");
        assert_eq!(
            recorded, stored,
            "input {path}: recorded count differs from the events stored"
        );
        let name = Path::new(&path)
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        out.insert(name, stored as u64);
        sum += stored;
    }
    let total: i64 = conn
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .expect("count");
    assert_eq!(total, sum, "events that belong to no input");
    Some(out)
}

fn expect(pairs: &[(&str, usize)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(n, c)| (n.to_string(), *c as u64)).collect()
}

/// Build files of killed first imports still in `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".importing-"))
        .collect()
}

fn import_cmd(cache: &Path, inputs: &[&PathBuf]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rewind"));
    cmd.arg("import")
        .args(inputs)
        .arg("--cache")
        .arg(cache)
        .arg("--quiet")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Run to the end; how long it took.
fn run_to_end(cache: &Path, inputs: &[&PathBuf]) -> Duration {
    let started = Instant::now();
    let out = import_cmd(cache, inputs).output().expect("run rewind");
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

/// Start an import and SIGKILL it after `delay` (unless it ended first).
/// True when it was killed rather than finishing.
fn run_and_kill(cache: &Path, inputs: &[&PathBuf], delay: Duration) -> bool {
    let mut child = import_cmd(cache, inputs).spawn().expect("spawn rewind");
    let deadline = Instant::now() + delay;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "import failed on its own: {status}");
            return false;
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(2)));
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("reap");
    // It may have exited between the last poll and the kill.
    status.code().is_none()
}

/// The CLI opens the cache file on its own and reads it back.
fn cli_reads(cache: &Path, events: u64) {
    let out = Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args(["log", "--json", "--limit", "1", "--from"])
        .arg((events - 1).to_string())
        .arg(cache)
        .output()
        .expect("run rewind log");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "log failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("\"pos\":{events}")),
        "last event missing: {text}"
    );
}

#[test]
fn killed_imports_leave_the_previous_or_the_new_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    write_input(&a, "a", EVENTS_A);
    write_input(&b, "b", EVENTS_B);
    let caches = dir.path().join("caches");
    std::fs::create_dir_all(&caches).expect("mkdir");
    let cache = caches.join("c.db");
    let only_a = expect(&[("a.jsonl", EVENTS_A)]);
    let both = expect(&[("a.jsonl", EVENTS_A), ("b.jsonl", EVENTS_B)]);
    let mut rng = Rng::from_env("REWIND_CRASH_SEED");

    // Calibrate: how long a whole first and incremental import take here.
    let first = run_to_end(&cache, &[&a]);
    let template = caches.join("template.db");
    std::fs::copy(&cache, &template).expect("copy template");
    let incremental = run_to_end(&cache, &[&a, &b]);
    assert_eq!(cache_contents(&cache), Some(both.clone()));
    eprintln!("crash_safety: first import {first:?}, incremental {incremental:?}");

    let (mut killed, mut finished) = (0, 0);
    let started = Instant::now();

    // First imports: the cache is built in a private file and published whole.
    std::fs::remove_file(&cache).expect("rm cache");
    let mut i = 0;
    while killed < KILLS_FIRST {
        i += 1;
        let delay = kill_delay(&mut rng, first.mul_f64(1.1));
        let was_killed = run_and_kill(&cache, &[&a], delay);
        match cache_contents(&cache) {
            None => assert!(was_killed, "a finished first import left no cache"),
            Some(held) => {
                assert_eq!(held, only_a, "kill {i} after {delay:?}: half an import");
                if i % 10 == 0 {
                    cli_reads(&cache, EVENTS_A as u64);
                }
                std::fs::remove_file(&cache).expect("rm cache");
            }
        }
        let left = leftovers(&caches);
        if was_killed {
            killed += 1;
            assert!(
                left.len() <= 1,
                "kill {i}: earlier build files were not cleaned: {left:?}"
            );
        } else {
            finished += 1;
            assert!(
                left.is_empty(),
                "kill {i}: a finished import left build files: {left:?}"
            );
        }
    }
    // The next run finishes the job and cleans up after the killed ones.
    run_to_end(&cache, &[&a]);
    assert_eq!(cache_contents(&cache), Some(only_a.clone()));
    assert!(
        leftovers(&caches).is_empty(),
        "build files left: {:?}",
        leftovers(&caches)
    );

    // Incremental imports: a second input added to an existing cache, in WAL mode.
    std::fs::copy(&template, &cache).expect("reset cache");
    while killed < KILLS_FIRST + KILLS_INCREMENTAL {
        i += 1;
        let delay = kill_delay(&mut rng, incremental.mul_f64(1.1));
        let was_killed = run_and_kill(&cache, &[&a, &b], delay);
        let held = cache_contents(&cache).expect("the cache survives");
        if was_killed {
            killed += 1;
            assert!(
                held == only_a || held == both,
                "kill {i} after {delay:?}: cache holds {held:?}"
            );
        } else {
            finished += 1;
            assert_eq!(held, both, "a finished import is incomplete");
        }
        if i % 10 == 0 {
            let events = held.values().sum();
            cli_reads(&cache, events);
        }
        if held == both {
            // Start over from the one-input cache, so the next run imports again.
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", cache.display()));
            }
            std::fs::copy(&template, &cache).expect("reset cache");
        }
    }
    run_to_end(&cache, &[&a, &b]);
    assert_eq!(cache_contents(&cache), Some(both));
    eprintln!(
        "crash_safety: {killed} killed, {finished} finished on their own, {:?}",
        started.elapsed()
    );
}
