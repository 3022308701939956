//! LangGraph's PostgresSaver tables read through a connection URL, on a real
//! PostgreSQL server this module starts on 127.0.0.1 (initdb into a temporary
//! folder, `pg_ctl start`, stopped when the test ends), loaded with the dump
//! of the tables PostgresSaver wrote (fixtures/ai/langgraph-pg.sql).
//!
//! Needs the server binaries under /usr/lib/postgresql/*/bin (`.ci/run`
//! installs them); without them each test says "skipped: no postgres binaries".

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::common::{self, Env};

/// A throwaway server; stopped (and its folder removed) on drop.
struct Server {
    bin: PathBuf,
    data: tempfile::TempDir,
    port: u16,
    /// Run the server's programs as `postgres`: they refuse to run as root.
    as_postgres: bool,
}

fn binaries() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file() && b.join("pg_ctl").is_file())
        .collect();
    found.sort_by_key(|b| {
        b.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop()
}

impl Server {
    /// `None` (after saying so) when this machine has no PostgreSQL binaries.
    fn start() -> Option<Server> {
        let Some(bin) = binaries() else {
            eprintln!("skipped: no postgres binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)");
            return None;
        };
        let data = tempfile::tempdir().expect("tempdir");
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(data.path())
                .status()
                .expect("chown");
            assert!(ok.success(), "chown to postgres");
        }
        // A free port: bound, read, released; the server takes it right after.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let server = Server {
            bin,
            data,
            port,
            as_postgres,
        };
        let dir = server.data.path().join("db");
        server.run(
            "initdb",
            &[
                "-D".as_ref(),
                dir.as_os_str(),
                "-U".as_ref(),
                "rewind".as_ref(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--no-locale".as_ref(),
            ],
        );
        let opts = format!(
            "-p {port} -h 127.0.0.1 -k {} -c fsync=off",
            server.data.path().display()
        );
        let log = server.data.path().join("server.log");
        server.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                dir.as_os_str(),
                "-w".as_ref(),
                "-l".as_ref(),
                log.as_os_str(),
                "-o".as_ref(),
                opts.as_ref(),
                "start".as_ref(),
            ],
        );
        Some(server)
    }

    /// One of the server's programs, as the user that may run it.
    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        }
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) {
        let out = self
            .command(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success(),
            "{program}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn url(&self, db: &str) -> String {
        format!("postgres://rewind@127.0.0.1:{}/{db}", self.port)
    }

    fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(db), postgres::NoTls).expect("connect")
    }

    /// A new database holding the fixture's tables; its URL.
    fn database(&self, name: &str) -> String {
        self.client("postgres")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        let dump = std::fs::read_to_string(common::root().join("fixtures/ai/langgraph-pg.sql")).expect("fixture");
        self.client(name).batch_execute(&dump).expect("load the dump");
        self.url(name)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let dir = self.data.path().join("db");
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&dir)
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn exec(url: &str, sql: &str) {
    postgres::Client::connect(url, postgres::NoTls)
        .expect("connect")
        .batch_execute(sql)
        .expect("sql");
}

#[test]
fn postgres_states_equal_get_state() {
    let Some(server) = Server::start() else { return };
    let url = server.database("graph");
    let env = Env::new();
    crate::ai::states_equal_get_state(&env, &url, "fixtures/ai/langgraph-pg-expected.json");
    // `--pg URL` is the same input.
    let r = env.run(&["log", "--pg", &url, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json_lines().len(),
        env.run(&["log", &url, "--json"]).json_lines().len()
    );
    let imported = env.run(&["import", &url]);
    assert!(imported.stdout.contains("langgraph-postgres"), "{}", imported.stdout);
}

#[test]
fn postgres_is_read_again_when_it_changes_and_keeps_undecodable_blobs() {
    let Some(server) = Server::start() else { return };
    let url = server.database("graph");
    let env = Env::new();
    let before = env.run(&["log", &url, "--json"]).json_lines().len();
    // rewind changed nothing: the rows are as loaded.
    let count = |sql: &str| -> i64 {
        postgres::Client::connect(&url, postgres::NoTls)
            .expect("connect")
            .query_one(sql, &[])
            .expect("count")
            .get(0)
    };
    assert_eq!(count("SELECT count(*) FROM checkpoints"), 24);
    // The app writes on: a new thread's checkpoint appears on the next run, and
    // a checkpoint whose blob is a pickle is kept with a report, never unpickled.
    exec(
        &url,
        "INSERT INTO checkpoint_blobs VALUES ('t-new', '', 'messages', '1', 'pickle', '\\x80049502'::bytea);
         INSERT INTO checkpoints VALUES ('t-new', '', '1f1ee999-0000-6000-8000-000000000001', NULL, NULL,
             '{\"v\": 4, \"ts\": \"2026-12-03T08:00:00+00:00\", \"id\": \"1f1ee999-0000-6000-8000-000000000001\",
               \"channel_values\": {\"topic\": \"inline\"}, \"channel_versions\": {\"messages\": \"1\", \"topic\": \"1\"}}',
             '{\"source\": \"input\", \"step\": -1}');",
    );
    let after = env.run(&["log", &url, "--json"]);
    assert_eq!(after.json_lines().len(), before + 1);
    let s = env.run(&["state", &url, "--stream", "t-new"]);
    assert_eq!(s.json()["topic"], "inline");
    assert_eq!(s.json()["messages"]["$undecodable"], "pickle");
    assert!(after.stderr.contains("1 event kept with a problem"), "{}", after.stderr);
    // A password in the URL is never shown (trust authentication ignores it).
    let secret = url.replace("rewind@", "rewind:hunter2@");
    let imported = env.run(&["import", &secret]);
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    assert!(!imported.stdout.contains("hunter2"), "{}", imported.stdout);
    assert!(imported.stdout.contains("rewind:***@"), "{}", imported.stdout);
}

#[test]
fn postgres_without_the_tables_or_server_is_a_clear_error() {
    let Some(server) = Server::start() else { return };
    let env = Env::new();
    let r = env.run(&["log", &server.url("postgres")]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not a LangGraph PostgresSaver database"),
        "{}",
        r.stderr
    );
    let gone = format!("postgres://rewind@127.0.0.1:{}/postgres", free_port());
    let r = env.run(&["log", &gone]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("connect"), "{}", r.stderr);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

/// Streams of the records a fresh read of `url` yields from here on.
fn drain_streams(src: &mut dyn rewind::ingest::Source) -> Vec<String> {
    let mut streams = Vec::new();
    while let Some(item) = src.next_item().expect("read") {
        if let rewind::ingest::Item::Record(r) = item {
            streams.push(r.stream);
        }
    }
    streams
}

#[test]
fn postgres_import_reads_one_snapshot() {
    use rewind::ingest::ai::langgraph_pg::LangGraphPg;
    let Some(server) = Server::start() else { return };
    let url = server.database("graph");
    let mut src = LangGraphPg::open(&url).expect("open");
    assert!(rewind::ingest::Source::next_item(&mut src).expect("read").is_some());
    // Committed while the read is under way: a write of a checkpoint that does not
    // exist, which the read's last query (writes without a checkpoint) would find.
    exec(
        &url,
        "INSERT INTO checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
         VALUES ('t-late', '', 'gone', 'task', 0, 'messages', 'null', ''::bytea)",
    );
    assert!(!drain_streams(&mut src).iter().any(|s| s == "t-late"));
    // The next read sees it.
    let mut again = LangGraphPg::open(&url).expect("open");
    assert_eq!(drain_streams(&mut again).iter().filter(|s| *s == "t-late").count(), 1);
}
