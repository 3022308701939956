//! Object-store URLs (`s3://`, `az://`, `gs://`) read through local servers
//! the tests start on 127.0.0.1 (moto's `moto_server`, Azurite, and
//! fake-gcs-server in `gcs`; see `server`), loaded with committed fixtures,
//! and compared with the same fixtures read locally.
//!
//! `.ci/run` installs the servers (moto and fake-gcs-server in .ci/venv,
//! Azurite with npm) and puts .ci/venv/bin on PATH. Without them each test
//! fails saying so, unless REWIND_SKIP_OBJSTORE=1 is set (then it says
//! "skipped").

mod gcs;
mod server;

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use crate::common::{self, Run};
use server::Server;

mod ranged;

const FIXTURE: &str = "fixtures/aws/shapes/firehose-prefix";

/// A throwaway moto S3 server.
struct Moto(Server);

impl Moto {
    fn start() -> Option<Moto> {
        let install = "python3 -m venv .ci/venv && .ci/venv/bin/pip install 'moto[server]'";
        Server::start("moto_server", install, |port| {
            ["-H", "127.0.0.1", "-p", &port.to_string()]
                .map(OsString::from)
                .to_vec()
        })
        .map(Moto)
    }

    fn endpoint(&self) -> String {
        self.0.url()
    }

    /// Create `bucket` and put every file under `dir` at `prefix/<its path>`.
    fn upload(&self, bucket: &str, prefix: &str, dir: &Path) {
        let script = r#"
import os, sys, boto3
endpoint, bucket, prefix, root = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="test", aws_secret_access_key="test")
try:
    s3.create_bucket(Bucket=bucket)
except s3.exceptions.BucketAlreadyOwnedByYou:
    pass
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        key = prefix + "/" + os.path.relpath(p, root).replace(os.sep, "/")
        s3.upload_file(p, bucket, key)
"#;
        let out = Command::new(self.0.python())
            .args(["-c", script, &self.endpoint(), bucket, prefix])
            .arg(dir)
            .output()
            .expect("python3");
        assert!(out.status.success(), "upload: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// `rewind ARGS` with the cache under `cache`, no cloud credentials from the
/// caller's environment or home, and these settings.
fn rewind(cache: &Path, settings: &[(&str, String)], args: &[&str]) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rewind"));
    c.args(args).current_dir(common::root()).env("REWIND_CACHE_DIR", cache);
    for k in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
    ] {
        c.env_remove(k);
    }
    c.env("AWS_SHARED_CREDENTIALS_FILE", cache.join("no-such-credentials"));
    c.env("AWS_EC2_METADATA_DISABLED", "true");
    // Google's chain: no key, no gcloud login, and a metadata server that
    // refuses at once rather than one a cloud machine would answer.
    for k in [
        "GOOGLE_SERVICE_ACCOUNT",
        "GOOGLE_SERVICE_ACCOUNT_PATH",
        "GOOGLE_SERVICE_ACCOUNT_KEY",
        "SERVICE_ACCOUNT",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_BASE_URL",
        "NO_GCE_CHECK",
    ] {
        c.env_remove(k);
    }
    let nowhere = format!("127.0.0.1:{}", server::free_port());
    c.env("HOME", cache.join("home"))
        .env("CLOUDSDK_CONFIG", cache.join("gcloud"))
        .env("GCE_METADATA_HOST", &nowhere)
        .env("GCE_METADATA_IP", &nowhere);
    for (k, v) in settings {
        c.env(k, v);
    }
    let out = c.output().expect("run rewind");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn creds(server: &Moto) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", server.endpoint()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_REGION", "us-east-1".into()),
    ]
}

#[test]
fn s3_prefix_reads_like_the_local_folder_and_fetches_once() {
    let Some(server) = Moto::start() else { return };
    server.upload("lake", "firehose", &common::root().join(FIXTURE));
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let aws = creds(&server);

    let local = rewind(&cache, &[], &["log", FIXTURE, "--json"]);
    assert_eq!(local.code, 0, "{}", local.stderr);
    let remote = rewind(&cache, &aws, &["log", "s3://lake/firehose", "--json"]);
    assert_eq!(remote.code, 0, "{}", remote.stderr);
    assert!(!events(&local).is_empty());
    assert_eq!(events(&remote), events(&local));
    let objects = walk(&common::root().join(FIXTURE));
    assert!(
        remote
            .stderr
            .contains(&format!("s3://lake/firehose: {objects} objects, {objects} fetched")),
        "{}",
        remote.stderr
    );

    // Unchanged objects are not fetched again, and the cache is not rebuilt.
    let again = rewind(&cache, &aws, &["import", "s3://lake/firehose"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains(&format!("{objects} objects, 0 fetched (0 bytes), {objects} cached")),
        "{}",
        again.stderr
    );
    // The ledger names objects by URL, never by the mirror.
    let ledger = rewind(&cache, &aws, &["import", "s3://lake/firehose", "--json"]);
    assert!(ledger.stdout.contains("s3://lake/firehose/"), "{}", ledger.stdout);
    assert!(!ledger.stdout.contains("remote/data"), "{}", ledger.stdout);
}

/// The events of `log --json`, without where each was read: a path or a URL
/// differs, what the event says does not.
fn events(r: &Run) -> Vec<serde_json::Value> {
    r.json_lines()
        .into_iter()
        .map(|mut e| {
            if let Some(o) = e.as_object_mut() {
                o.retain(|k, _| k != "file" && k != "loc" && k != "source");
            }
            e
        })
        .collect()
}

/// Files under `dir`, counted as objects.
fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("fixture")
        .flatten()
        .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
        .sum()
}

#[test]
fn s3_without_credentials_names_the_chain_tried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = rewind(&dir.path().join("cache"), &[], &["log", "s3://lake/firehose"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no credentials for s3://lake"), "{}", r.stderr);
    for chain in ["env (AWS_ACCESS_KEY_ID", "profile", "IMDS"] {
        assert!(r.stderr.contains(chain), "{chain}: {}", r.stderr);
    }
}

#[test]
fn s3_server_gone_mid_import_leaves_the_cache_as_it_was() {
    let Some(server) = Moto::start() else { return };
    server.upload("lake", "firehose", &common::root().join(FIXTURE));
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let db = dir.path().join("lake.db");
    let db_arg = db.to_str().expect("utf-8 path");
    let aws = creds(&server);
    let first = rewind(&cache, &aws, &["import", "s3://lake/firehose", "--cache", db_arg]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let before = std::fs::read(&db).expect("cache");

    // A changed object must be fetched again; the server is gone by then.
    server.upload(
        "lake",
        "firehose/2026/extra",
        &common::root().join("fixtures/aws/shapes/firehose-object"),
    );
    drop(server);
    let r = rewind(&cache, &aws, &["import", "s3://lake/firehose", "--cache", db_arg]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("s3://lake/firehose"), "{}", r.stderr);
    assert_eq!(std::fs::read(&db).expect("cache"), before, "the cache changed");
    let tmp = cache.join("remote/tmp");
    assert_eq!(
        std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0),
        0,
        "half-written objects left"
    );
}

/// A throwaway Azurite Blob server, its data in a temporary folder.
struct Azurite {
    server: Server,
    _data: tempfile::TempDir,
}

impl Azurite {
    fn start() -> Option<Azurite> {
        let data = tempfile::tempdir().expect("tempdir");
        let server = Server::start("azurite-blob", "npm install -g azurite", |port| {
            let mut args: Vec<OsString> = [
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                &port.to_string(),
                "--silent",
                "--skipApiVersionCheck",
                "--location",
            ]
            .map(OsString::from)
            .to_vec();
            args.push(data.path().into());
            args
        })?;
        Some(Azurite { server, _data: data })
    }

    fn url(&self) -> String {
        self.server.url()
    }

    fn upload(&self, container: &str, prefix: &str, dir: &Path) {
        let out = Command::new("python3")
            .arg(common::root().join("tests/cli/objstore/azurite_upload.py"))
            .args([&self.url(), container, prefix])
            .arg(dir)
            .output()
            .expect("python3");
        assert!(out.status.success(), "upload: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn az_prefix_reads_like_the_local_folder_and_fetches_once() {
    let Some(server) = Azurite::start() else { return };
    server.upload("capture", "ns/hub", &common::root().join(FIXTURE));
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let azure = vec![
        ("AZURE_STORAGE_USE_EMULATOR", "true".to_string()),
        ("AZURITE_BLOB_STORAGE_URL", server.url()),
    ];
    let local = rewind(&cache, &[], &["log", FIXTURE, "--json"]);
    assert_eq!(local.code, 0, "{}", local.stderr);
    let remote = rewind(&cache, &azure, &["log", "az://capture/ns/hub", "--json"]);
    assert_eq!(remote.code, 0, "{}", remote.stderr);
    assert!(!events(&local).is_empty());
    assert_eq!(events(&remote), events(&local));
    let objects = walk(&common::root().join(FIXTURE));
    let again = rewind(&cache, &azure, &["import", "az://capture/ns/hub"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains(&format!(
            "az://capture/ns/hub: {objects} objects, 0 fetched (0 bytes), {objects} cached"
        )),
        "{}",
        again.stderr
    );
    assert!(again.stdout.contains("az://capture/ns/hub"), "{}", again.stdout);
}
