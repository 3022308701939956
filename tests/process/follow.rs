//! `--follow` end to end: this test is the writer (it appends, rotates, writes
//! to a pipe) and the real binary follows, its stdout read line by line.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{root, Env};

/// How long a new event may take to show before the test fails: far above the
/// 250 ms the follower aims at, so a loaded CI machine does not fail it.
const SHOWS_WITHIN: Duration = Duration::from_secs(10);

struct Follower {
    child: Child,
    lines: Receiver<String>,
}

impl Follower {
    fn start(env: &Env, args: &[&str], stdin: bool) -> Follower {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rewind"))
            .args(args)
            .current_dir(root())
            .env("REWIND_CACHE_DIR", env.path("cache"))
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rewind");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Follower { child, lines }
    }

    fn stdin(&mut self) -> ChildStdin {
        self.child.stdin.take().expect("stdin")
    }

    /// The next `n` lines it prints; fails if they do not come in time.
    fn expect(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + SHOWS_WITHIN;
        let mut got = Vec::new();
        while got.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => got.push(l),
                Err(_) => panic!("expected {n} lines, got {}: {got:?}", got.len()),
            }
        }
        got
    }

    /// Nothing more printed for a while.
    fn quiet(&self, wait: Duration) {
        if let Ok(l) = self.lines.recv_timeout(wait) {
            panic!("unexpected output: {l}");
        }
    }

    /// Ctrl-C: it ends with exit 0.
    fn interrupt(mut self) -> String {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().expect("kill");
        let status = wait_timeout(&mut self.child, SHOWS_WITHIN);
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut err).ok();
        }
        assert_eq!(status, Some(0), "exit after Ctrl-C; stderr: {err}");
        err
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_timeout(child: &mut Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(s)) = child.try_wait() {
            return s.code();
        }
        thread::sleep(Duration::from_millis(20));
    }
    None
}

fn append(path: &Path, text: &str) {
    let mut f = OpenOptions::new().create(true).append(true).open(path).expect("open");
    f.write_all(text.as_bytes()).expect("append");
    f.flush().expect("flush");
}

fn event(stream: &str, n: usize) -> String {
    format!("{{\"stream\":\"{stream}\",\"type\":\"set\",\"id\":\"{stream}-{n}\",\"data\":{{\"n\":{n}}}}}\n")
}

fn data_n(line: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(line).expect("json line");
    v["data"]["n"].as_u64().expect("data.n")
}

#[test]
fn log_follows_a_growing_file_through_split_records_and_a_rotation() {
    let env = Env::new();
    let log = env.path("agent.jsonl");
    append(&log, &(event("a", 1) + &event("a", 2)));
    let f = Follower::start(
        &env,
        &["log", "--follow", "--json", log.to_str().expect("utf-8")],
        false,
    );
    let first = f.expect(2);
    assert_eq!(first.iter().map(|l| data_n(l)).collect::<Vec<_>>(), [1, 2]);

    // A record written in two pieces is read once, when whole.
    let third = event("a", 3);
    let (head, rest) = third.split_at(20);
    append(&log, head);
    f.quiet(Duration::from_millis(1500));
    append(&log, rest);
    let got = f.expect(1);
    assert_eq!(data_n(&got[0]), 3);
    let v: serde_json::Value = serde_json::from_str(&got[0]).expect("json");
    assert!(v["source"].as_str().is_some_and(|s| s.ends_with(":3")), "{v}");

    // Rotation: the file is truncated and written anew; what was read stays.
    std::fs::write(&log, event("b", 4)).expect("rotate");
    let got = f.expect(1);
    assert_eq!(data_n(&got[0]), 4);
    append(&log, &event("b", 5));
    assert_eq!(data_n(&f.expect(1)[0]), 5);
    let err = f.interrupt();
    assert!(err.contains("truncated or replaced"), "{err}");

    // The cache holds every event once, and a later command reads it as it is.
    let all = env.run(&["log", "--json", log.to_str().expect("utf-8")]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let ns: Vec<u64> = all.stdout.lines().map(data_n).collect();
    assert_eq!(ns, [1, 2, 3, 4, 5]);
}

#[test]
fn a_follower_killed_mid_stream_resumes_without_doubling() {
    let env = Env::new();
    let log = env.path("stream.jsonl");
    append(&log, &event("s", 0));
    let total = 600;
    let writer = {
        let log = log.clone();
        thread::spawn(move || {
            for n in 1..total {
                append(&log, &event(&format!("s{}", n % 7), n));
                if n % 20 == 0 {
                    thread::sleep(Duration::from_millis(15));
                }
            }
        })
    };
    let args = ["log", "--follow", "--json", log.to_str().expect("utf-8")];
    let mut f = Follower::start(&env, &args, false);
    f.expect(30);
    // kill -9 while the writer is still appending.
    f.child.kill().expect("kill -9");
    f.child.wait().expect("reap");
    writer.join().expect("writer");
    let f = Follower::start(&env, &args, false);
    let lines = f.expect(total);
    let mut ns: Vec<u64> = lines.iter().map(|l| data_n(l)).collect();
    let positions: Vec<u64> = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json")["pos"]
                .as_u64()
                .expect("pos")
        })
        .collect();
    assert_eq!(positions, (1..=total as u64).collect::<Vec<_>>());
    ns.sort_unstable();
    assert_eq!(ns, (0..total as u64).collect::<Vec<_>>(), "every event once");
    f.quiet(Duration::from_millis(800));
    f.interrupt();
}

#[test]
fn log_follows_standard_input_until_the_pipe_closes() {
    let env = Env::new();
    let mut f = Follower::start(&env, &["log", "-", "--follow", "--json"], true);
    let mut input = f.stdin();
    let one = event("p", 1);
    let (head, rest) = one.split_at(17);
    input.write_all(head.as_bytes()).expect("write");
    input.flush().expect("flush");
    f.quiet(Duration::from_millis(1200));
    input.write_all(rest.as_bytes()).expect("write");
    input.flush().expect("flush");
    assert_eq!(data_n(&f.expect(1)[0]), 1);
    // The last line needs no newline once the pipe is closed.
    input.write_all(event("p", 2).trim_end().as_bytes()).expect("write");
    drop(input);
    assert_eq!(data_n(&f.expect(1)[0]), 2);
    assert_eq!(wait_timeout(&mut f.child, SHOWS_WITHIN), Some(0));
    // The spool and the cache of standard input are gone with the command.
    let left: Vec<_> = std::fs::read_dir(env.path("cache"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn history_and_state_follow_a_path_as_it_changes() {
    let env = Env::new();
    let log = env.path("goal.jsonl");
    let goal = |g: &str| format!("{{\"stream\":\"agent\",\"type\":\"set\",\"data\":{{\"goal\":\"{g}\"}}}}\n");
    append(&log, &goal("plan"));
    let path = log.to_str().expect("utf-8");
    let history = Follower::start(
        &env,
        &["history", "--follow", "--path", "/agent/goal", "--json", path],
        false,
    );
    let state = Follower::start(&env, &["state", "--follow", "--path", "/agent/goal", path], false);
    assert_eq!(state.expect(1), ["\"plan\""]);
    let h = history.expect(1);
    assert!(h[0].contains("\"new\":\"plan\""), "{h:?}");
    append(&log, &goal("plan"));
    append(&log, "{\"stream\":\"other\",\"type\":\"set\",\"data\":{\"x\":1}}\n");
    state.quiet(Duration::from_millis(1200));
    history.quiet(Duration::from_millis(10));
    append(&log, &goal("refund"));
    assert_eq!(state.expect(1), ["\"refund\""]);
    let h = history.expect(1);
    let v: serde_json::Value = serde_json::from_str(&h[0]).expect("json");
    assert_eq!(
        (v["pos"].as_u64(), v["old"].as_str(), v["new"].as_str()),
        (Some(4), Some("plan"), Some("refund"))
    );
    history.interrupt();
    state.interrupt();
}

#[test]
fn log_follows_a_folder_that_receives_files() {
    let env = Env::new();
    let dir = env.path("drop");
    std::fs::create_dir(&dir).expect("mkdir");
    append(&dir.join("part-0.jsonl"), &event("d", 1));
    let f = Follower::start(
        &env,
        &["log", "--follow", "--json", dir.to_str().expect("utf-8")],
        false,
    );
    assert_eq!(data_n(&f.expect(1)[0]), 1);
    // Written under a hidden name, then renamed into place: read once, when renamed.
    let hidden = dir.join(".part-1.jsonl");
    append(&hidden, &(event("d", 2) + &event("d", 3)));
    f.quiet(Duration::from_millis(1200));
    std::fs::rename(&hidden, dir.join("part-1.jsonl")).expect("rename");
    let got = f.expect(2);
    assert_eq!(got.iter().map(|l| data_n(l)).collect::<Vec<_>>(), [2, 3]);
    // In a sub-folder too; a job marker is no record.
    std::fs::create_dir(dir.join("2026")).expect("mkdir");
    append(&dir.join("2026").join("part-2.jsonl"), &event("d", 4));
    append(&dir.join("_SUCCESS"), "");
    assert_eq!(data_n(&f.expect(1)[0]), 4);
    f.quiet(Duration::from_millis(800));
    f.interrupt();
}

/// A running node's database folder: records go into the pre-allocated active
/// chunk and `writer.chk` moves after them; chunks complete and new ones start.
#[test]
fn log_follows_an_eventstore_database_up_to_writer_chk() {
    use crate::writer::{guid_n, ticks, Db, Prepare, DATA, IS_JSON, TX_BEGIN, TX_END};
    let env = Env::new();
    let dir = env.path("db");
    // Small chunks, so the follow crosses several chunk completions.
    let mut db = Db::new(&dir, 4096);
    let mut n = 0i64;
    let write = |db: &mut Db, n: &mut i64, count: i64| {
        for _ in 0..count {
            let data = format!("{{\"n\":{n}}}");
            let stream = format!("agent-{}", *n % 3);
            let p = Prepare::single(
                &stream,
                *n / 3,
                "set",
                data.as_bytes(),
                guid_n(7, *n as u64),
                ticks(1_764_000_000_000_000 + *n * 1000),
            );
            db.prepare(&p);
            *n += 1;
        }
    };
    write(&mut db, &mut n, 5);
    db.sync_live();
    let args = ["log", "--follow", "--json", dir.to_str().expect("utf-8")];
    let mut f = Follower::start(&env, &args, false);
    let first: Vec<u64> = f.expect(5).iter().map(|l| data_n(l)).collect();
    assert_eq!(first, [0, 1, 2, 3, 4]);
    // Written but writer.chk not moved: not an event yet.
    write(&mut db, &mut n, 2);
    db.flush_only();
    f.quiet(Duration::from_millis(700));
    db.sync_live();
    let next: Vec<u64> = f.expect(2).iter().map(|l| data_n(l)).collect();
    assert_eq!(next, [5, 6]);
    // Enough to complete the active chunk and fill the next ones.
    write(&mut db, &mut n, 80);
    db.sync_live();
    let more: Vec<u64> = f.expect(80).iter().map(|l| data_n(l)).collect();
    assert_eq!(more, (7..87).collect::<Vec<_>>());
    assert!(dir.join("chunk-000002.000000").exists(), "the writes crossed chunks");
    // An explicit transaction: its prepare is an event once its commit is written.
    let tx_data = format!("{{\"n\":{n}}}");
    let mut p = Prepare::single(
        "agent-tx",
        0,
        "set",
        tx_data.as_bytes(),
        guid_n(8, 1),
        ticks(1_764_000_100_000_000),
    );
    p.flags = DATA | TX_BEGIN | TX_END | IS_JSON;
    let at = db.prepare(&p);
    db.sync_live();
    f.quiet(Duration::from_millis(700));
    db.commit(at, 0, ticks(1_764_000_100_000_000));
    db.sync_live();
    assert_eq!(data_n(&f.expect(1)[0]), n as u64);
    n += 1;
    // kill -9, more writes, a restart: every event once.
    f.child.kill().expect("kill -9");
    f.child.wait().expect("reap");
    write(&mut db, &mut n, 10);
    db.sync_live();
    let f = Follower::start(&env, &args, false);
    let mut all: Vec<u64> = f.expect(98).iter().map(|l| data_n(l)).collect();
    all.sort_unstable();
    assert_eq!(all, (0..98).collect::<Vec<_>>(), "every event once");
    f.quiet(Duration::from_millis(700));
    let err = f.interrupt();
    assert!(!err.contains("skipped"), "{err}");
}

#[test]
fn an_export_read_as_a_whole_is_not_followed() {
    let env = Env::new();
    let r = env.run(&["log", "--follow", "fixtures/aws/agent-state"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("dynamodb-export folder can't be followed"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_followed_slice_keeps_only_what_matches_as_it_grows() {
    let env = Env::new();
    let log = env.path("agents.jsonl");
    append(&log, &(event("a", 1) + &event("b", 2)));
    let f = Follower::start(
        &env,
        &[
            "log",
            "--follow",
            "--json",
            "--import-stream",
            "a",
            log.to_str().expect("utf-8"),
        ],
        false,
    );
    assert_eq!(data_n(&f.expect(1)[0]), 1);
    append(&log, &(event("b", 3) + &event("a", 4) + &event("b", 5)));
    assert_eq!(data_n(&f.expect(1)[0]), 4);
    f.quiet(Duration::from_millis(800));
    let err = f.interrupt();
    assert!(err.contains("the timeline is a slice (stream a)"), "{err}");
    // The ledger counts what the slice left out, on both reads.
    let v = env
        .run(&["import", "--json", "--stream", "a", log.to_str().expect("utf-8")])
        .json();
    let input = &v["inputs"][0];
    assert_eq!(
        (input["read"].as_u64(), input["filtered"].as_u64()),
        (Some(5), Some(3)),
        "{v}"
    );
}
