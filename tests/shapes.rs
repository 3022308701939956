//! Every shape a user saves opens with every event, once, in order, and the same
//! end state: the recording of fixtures/recording.py written by the services' own
//! serializers (fixtures/aws/generate.py, fixtures/azure/generate.py) in every
//! family and shape, checked against its plain JSON Lines form through the CLI
//! (`rewind log --json`, `rewind state`).

mod common;

use std::io::Write;
use std::path::Path;

use common::{Env, Run};
use serde_json::{json, Value};

/// The plain JSON Lines form of the recording.
const BASELINE: &str = "fixtures/aws/shapes/events.jsonl";
const EVENTS: usize = 15;

/// What must agree between shapes: id, stream, type, time and data of each event, in order.
fn events(run: &Run) -> Vec<Value> {
    assert_eq!(run.code, 0, "log failed: {}", run.stderr);
    run.json_lines()
        .into_iter()
        .map(|e| json!([e["id"], e["stream"], e["type"], e["time"], e["data"]]))
        .collect()
}

fn log(env: &Env, input: &str) -> Vec<Value> {
    events(&env.run(&["log", "--json", input]))
}

fn state(env: &Env, input: &str) -> Value {
    let run = env.run(&["state", input]);
    assert_eq!(run.code, 0, "state of {input} failed: {}", run.stderr);
    run.json()
}

fn seqs(env: &Env, input: &str) -> Vec<Value> {
    env.run(&["log", "--json", input])
        .json_lines()
        .into_iter()
        .map(|e| e["seq"].clone())
        .collect()
}

/// Check one shape against the baseline: same events in the same order, same end state.
fn same_as_baseline(env: &Env, input: &str) {
    let want = log(env, BASELINE);
    assert_eq!(want.len(), EVENTS);
    let got = log(env, input);
    assert_eq!(got.len(), EVENTS, "{input}: {} events of {EVENTS}", got.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "{input}: event {} differs", i + 1);
    }
    assert_eq!(state(env, input), state(env, BASELINE), "{input}: end state differs");
}

#[test]
fn every_aws_and_generic_shape_gives_the_same_recording() {
    let env = Env::new();
    for shape in [
        "events.jsonl.zst",
        "firehose-object",
        "firehose-object/agent-events-1-2026-11-20-10-00-00-3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9.gz",
        "firehose-prefix",
        "kinesis-pages",
        "ddbstream-pages",
        "jsonl-parts",
        "spark",
    ] {
        let input = format!("fixtures/aws/shapes/{shape}");
        same_as_baseline(&env, &input);
    }
    // Sequence numbers come through where the shape keeps them.
    let want = seqs(&env, BASELINE);
    for shape in [
        "kinesis-pages",
        "ddbstream-pages",
        "jsonl-parts",
        "spark",
        "firehose-prefix",
    ] {
        assert_eq!(seqs(&env, &format!("fixtures/aws/shapes/{shape}")), want, "{shape}");
    }
}

#[test]
fn a_folder_lists_the_files_it_does_not_read_and_names_each_record_s_file() {
    let env = Env::new();
    let rows = env.run(&["log", "--json", "fixtures/aws/shapes/spark"]).json_lines();
    let sources: Vec<&str> = rows.iter().filter_map(|r| r["source"].as_str()).collect();
    assert!(
        sources[0].starts_with("fixtures/aws/shapes/spark/part-00000-"),
        "{sources:?}"
    );
    assert!(sources
        .iter()
        .any(|s| s.contains("part-00001-") && s.contains(".json.gz:")));
    assert!(sources
        .iter()
        .any(|s| s.contains("part-00002-") && s.contains(".json.zst:")));
    // Sidecars and markers are never read as records.
    assert!(!sources
        .iter()
        .any(|s| s.contains("_SUCCESS") || s.contains(".crc") || s.contains("_committed_")));
}

fn gzip_member(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

fn baseline_lines() -> Vec<String> {
    std::fs::read_to_string(common::root().join(BASELINE))
        .expect("baseline")
        .lines()
        .map(str::to_string)
        .collect()
}

/// A first record longer than the 64 KiB detection sample, in each delimiting and
/// compression: every record imports, and the long one whole.
#[test]
fn a_first_record_longer_than_the_sample_is_detected_like_the_rest() {
    let env = Env::new();
    let mut lines = baseline_lines();
    let mut first: Value = serde_json::from_str(&lines[0]).expect("json");
    first["data"]["transcript"] = json!("turn ".repeat(30_000));
    lines[0] = first.to_string();
    assert!(lines[0].len() > 128 * 1024);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "long.jsonl",
            lines.iter().map(|l| format!("{l}\n")).collect::<String>().into_bytes(),
        ),
        ("long-concatenated.json", lines.concat().into_bytes()),
        (
            "long-members.json.gz",
            lines.iter().flat_map(|l| gzip_member(l.as_bytes())).collect(),
        ),
        (
            "long-frames.jsonl.zst",
            lines
                .iter()
                .flat_map(|l| zstd::encode_all(format!("{l}\n").as_bytes(), 3).expect("zstd"))
                .collect(),
        ),
    ];
    for (name, bytes) in cases {
        let path = env.write(name, bytes);
        let rows = env.run(&["log", "--json", path.to_str().expect("utf-8")]).json_lines();
        assert_eq!(rows.len(), EVENTS, "{name}");
        assert_eq!(
            rows[0]["data"]["transcript"].as_str().map(str::len),
            Some(150_000),
            "{name}"
        );
    }
}

/// A saved `get-records` page larger than the sample is still a Kinesis page.
#[test]
fn a_kinesis_page_longer_than_the_sample_is_detected_as_kinesis() {
    let env = Env::new();
    let page: Value = common::read_json("fixtures/aws/shapes/kinesis-pages/shard-000000000000-page-01.json");
    let mut big = page.clone();
    let records = big["Records"].as_array_mut().expect("records");
    let template = records[0].clone();
    // Pad with the same record redelivered: at-least-once, imported once.
    for _ in 0..600 {
        records.push(template.clone());
    }
    let text = serde_json::to_string_pretty(&big).expect("json");
    assert!(text.len() > 128 * 1024);
    let path = env.write("page.json", text);
    let rows = env.run(&["log", "--json", path.to_str().expect("utf-8")]).json_lines();
    assert_eq!(rows.len(), page["Records"].as_array().map_or(0, Vec::len));
    assert!(rows.iter().all(|r| r["meta"]["kinesis"].is_object()), "{:?}", rows[0]);
}

/// A file that fails inside a folder is reported, and the folder's other files import.
#[test]
fn a_bad_file_in_a_folder_is_reported_and_the_rest_imports() {
    let env = Env::new();
    let dir = env.path("mixed");
    std::fs::create_dir(&dir).expect("mkdir");
    let lines = baseline_lines();
    std::fs::write(dir.join("a.jsonl"), lines[..7].join("\n")).expect("write");
    std::fs::write(dir.join("b.jsonl"), lines[7..].join("\n")).expect("write");
    // Binary junk and a damaged gzip stream.
    std::fs::write(dir.join("c.bin"), [0u8, 159, 146, 150, 7, 7, 7]).expect("write");
    let gz = gzip_member(b"{\"id\":\"x\",\"type\":\"T\",\"data\":{}}\n{\"id\":\"y\",\"type\":\"T\",\"data\":{}}\n");
    std::fs::write(dir.join("d.jsonl.gz"), &gz[..gz.len() - 12]).expect("write");
    std::fs::write(dir.join("_SUCCESS"), "").expect("write");
    let shown = dir.to_str().expect("utf-8");
    let rows = env.run(&["log", "--json", shown]).json_lines();
    let ids: Vec<&str> = rows.iter().filter_map(|r| r["id"].as_str()).collect();
    assert!(ids.len() >= EVENTS, "{ids:?}");
    let want: Vec<Value> = log(&env, BASELINE).into_iter().map(|e| e[0].clone()).collect();
    assert_eq!(
        ids[..EVENTS].iter().map(|s| json!(s)).collect::<Vec<_>>(),
        want,
        "the two JSON Lines parts merge by time"
    );
    let import = env.run(&["import", shown]);
    assert!(
        import.stdout.contains("c.bin") || import.stderr.contains("c.bin"),
        "{} {}",
        import.stdout,
        import.stderr
    );
    assert!(import.stdout.contains("d.jsonl.gz") || import.stderr.contains("d.jsonl.gz"));
}

#[test]
fn a_folder_of_only_sidecars_and_an_empty_folder_are_not_an_empty_past() {
    let env = Env::new();
    let dir = env.path("empty");
    std::fs::create_dir(&dir).expect("mkdir");
    let run = env.run(&["log", dir.to_str().expect("utf-8")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("empty"), "{}", run.stderr);
    assert!(Path::new(&dir).exists());
}
