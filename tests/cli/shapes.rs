//! Every shape a user saves opens with every event, once, in order, and the same
//! end state: the recording of fixtures/recording.py written by the services' own
//! serializers (fixtures/aws/generate.py, fixtures/azure/generate.py) in every
//! family and shape, checked against its plain JSON Lines form through the CLI
//! (`rewind log --json`, `rewind state`).

use std::io::Write;
use std::path::Path;

use crate::common::{self, Env, Run};
use crate::eventstore::writer;
use rewind::ingest::mapping::Mapper;
use rewind::ingest::{open_source, Item, SourceConfig};
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
    same_as_baseline_but(env, input, false);
}

/// `no_time`: the shape stamps its own time (Event Hubs Capture: the enqueued second).
fn same_as_baseline_but(env: &Env, input: &str, no_time: bool) {
    let strip = |mut events: Vec<Value>| {
        if no_time {
            for e in &mut events {
                e[3] = Value::Null;
            }
        }
        events
    };
    let want = strip(log(env, BASELINE));
    assert_eq!(want.len(), EVENTS);
    let got = strip(log(env, input));
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

#[test]
fn every_azure_shape_gives_the_same_recording() {
    let env = Env::new();
    same_as_baseline(&env, "fixtures/azure/shapes/cloudevents.jsonl");
    same_as_baseline(&env, "fixtures/azure/shapes/cloudevents-batches");
    same_as_baseline_but(&env, "fixtures/azure/shapes/capture", true);
}

/// The baseline's events: (id, stream, seq, type, time µs, data).
fn baseline_events() -> Vec<(String, String, i64, String, i64, Value)> {
    baseline_lines()
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json");
            let s = |k: &str| v[k].as_str().expect("text").to_string();
            let time = rewind::time::parse_rfc3339(&s("time")).expect("time");
            (
                s("id"),
                s("stream"),
                v["seq"].as_i64().expect("seq"),
                s("type"),
                time,
                v["data"].clone(),
            )
        })
        .collect()
}

/// The recording as an EventStoreDB database folder, written by the test chunk writer
/// (small chunks, so it spans several), and as a folder of saved HTTP feed pages
/// (`embed=body`, newest entry first, two pages for the longest stream).
#[test]
fn eventstore_database_and_feed_pages_give_the_same_recording() {
    let env = Env::new();
    let dir = env.path("esdb");
    let mut db = writer::Db::new(&dir, 1024);
    for (id, stream, seq, ty, time, data) in baseline_events() {
        let data = data.to_string();
        db.prepare(&writer::Prepare::single(
            &stream,
            seq - 1,
            &ty,
            data.as_bytes(),
            writer::guid(&id),
            writer::ticks(time),
        ));
    }
    let dir = db.finish_active();
    assert!(std::fs::read_dir(&dir).expect("dir").count() > 3, "several chunks");
    same_as_baseline(&env, dir.to_str().expect("utf-8"));

    let pages = env.path("feed");
    std::fs::create_dir(&pages).expect("mkdir");
    let events = baseline_events();
    for stream in ["agent/s-1", "agent/s-2", "agent/s-3"] {
        let mine: Vec<_> = events.iter().filter(|e| e.1 == stream).collect();
        let url = format!("http://127.0.0.1:2113/streams/{}", stream.replace('/', "%2F"));
        for (page, chunk) in mine.chunks(3).enumerate() {
            let entries: Vec<Value> = chunk
                .iter()
                .rev()
                .map(|(id, stream, seq, ty, time, data)| {
                    let n = seq - 1;
                    json!({
                        "eventId": id, "eventType": ty, "eventNumber": n, "data": data.to_string(),
                        "streamId": stream, "isJson": true, "isMetaData": false, "isLinkMetaData": false,
                        "positionEventNumber": n, "positionStreamId": stream,
                        "title": format!("{n}@{stream}"), "id": format!("{url}/{n}"),
                        "updated": rewind::time::format_micros(*time), "author": {"name": "EventStore"},
                        "summary": ty, "links": [{"uri": format!("{url}/{n}"), "relation": "edit"}]
                    })
                })
                .collect();
            let feed = json!({
                "title": format!("Event stream '{stream}'"), "id": url, "updated": entries[0]["updated"],
                "streamId": stream, "author": {"name": "EventStore"}, "headOfStream": page == 0,
                "selfUrl": url, "eTag": format!("{};-2060438500", chunk.len()), "links": [], "entries": entries
            });
            let name = format!("{}-page-{:02}.json", stream.replace('/', "-"), page + 1);
            std::fs::write(pages.join(name), serde_json::to_string_pretty(&feed).expect("json")).expect("write");
        }
    }
    same_as_baseline(&env, pages.to_str().expect("utf-8"));
}

/// Every item a source yields for `path`.
fn items(path: &str) -> Vec<Item> {
    let cfg = SourceConfig {
        mapper: Mapper {
            fields: Default::default(),
            input_name: "t".into(),
        },
        records: Default::default(),
        key: Vec::new(),
        system_streams: false,
        filter: Default::default(),
    };
    let mut source = open_source(&common::root().join(path), None, cfg).expect("open");
    let mut out = Vec::new();
    while let Some(item) = source.next_item().expect("read") {
        out.push(item);
    }
    out
}

/// Records and, for each, the warning that follows it.
fn records_and_warnings(items: &[Item]) -> Vec<(Value, Option<String>)> {
    let mut out: Vec<(Value, Option<String>)> = Vec::new();
    for item in items {
        match item {
            Item::Record(r) => out.push((serde_json::from_str(&r.data).expect("data"), None)),
            Item::Warn(w) => {
                let last = out.last_mut().expect("a warning follows its record");
                assert!(last.1.is_none(), "one warning per record");
                last.1 = Some(w.to_string());
            }
            Item::Bad(b) => panic!("nothing is skipped here: {b}"),
            _ => {}
        }
    }
    out
}

#[test]
fn undecodable_payloads_stay_in_the_timeline_with_a_warning() {
    for path in [
        "fixtures/azure/shapes/undecodable/cloudevents.jsonl",
        "fixtures/azure/shapes/undecodable/capture",
    ] {
        let got = records_and_warnings(&items(path));
        assert_eq!(got.len(), 3, "{path}");
        for (data, warning) in &got[..2] {
            assert!(
                data["$undecodable"].is_string() && data["$error"].is_string(),
                "{path}: {data}"
            );
            let w = warning
                .as_deref()
                .unwrap_or_else(|| panic!("{path}: no warning for {data}"));
            assert!(w.contains(data["$error"].as_str().unwrap_or("?")), "{w}");
        }
        assert_eq!(got[2].0["goal"], "reset password");
        assert!(got[2].1.is_none());
    }
    // Through the CLI: the events are there, raw payload and reason in their data.
    let env = Env::new();
    let rows = env
        .run(&["log", "--json", "fixtures/azure/shapes/undecodable/cloudevents.jsonl"])
        .json_lines();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["data"]["$undecodable"], "not base64 at all!");
    assert_eq!(rows[1]["data"]["$undecodable"], "role=user; text=Where is my refund?");
}

/// The JSON batch example of the CloudEvents JSON format spec (§4.3): the first
/// event's `data_base64` is a placeholder, not base64. Both events import.
#[test]
fn the_cloudevents_spec_batch_example_imports_both_events() {
    let env = Env::new();
    let batch = r#"[
  {
      "specversion" : "1.0",
      "type" : "com.example.someevent",
      "source" : "/mycontext/4",
      "id" : "B234-1234-1234",
      "time" : "2018-04-05T17:31:00Z",
      "comexampleextension1" : "value",
      "comexampleothervalue" : 5,
      "datacontenttype" : "application/vnd.apache.thrift.binary",
      "data_base64" : "... base64 encoded string ..."
  },
  {
      "specversion" : "1.0",
      "type" : "com.example.someotherevent",
      "source" : "/mycontext/9",
      "id" : "C234-1234-1234",
      "time" : "2018-04-05T17:31:05Z",
      "comexampleextension1" : "value",
      "comexampleothervalue" : 5,
      "datacontenttype" : "application/json",
      "data" : {
          "appinfoA" : "abc",
          "appinfoB" : 123,
          "appinfoC" : true
      }
  }
]"#;
    let path = env.write("batch.json", batch);
    let rows = env.run(&["log", "--json", path.to_str().expect("utf-8")]).json_lines();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "B234-1234-1234");
    assert_eq!(rows[0]["data"]["$undecodable"], "... base64 encoded string ...");
    assert_eq!(rows[1]["data"]["appinfoB"], 123);
}

/// A Kinesis record whose `Data` is not base64, or a KPL aggregate that is cut,
/// keeps its place (partition key, sequence number) with the payload kept raw.
#[test]
fn a_kinesis_payload_that_does_not_decode_stays_in_its_place() {
    let env = Env::new();
    let mut page: Value = common::read_json("fixtures/aws/shapes/kinesis-pages/shard-000000000000-page-01.json");
    page["Records"][1]["Data"] = json!("%%% not base64 %%%");
    // The KPL magic, a protobuf and an MD5 trailer that does not match it.
    page["Records"][2]["Data"] = json!("84mawgoDYWJjAAECAwQFBgcICQoLDA0ODw==");
    let path = env.write("page.json", serde_json::to_string_pretty(&page).expect("json"));
    let shown = path.to_str().expect("utf-8");
    let rows = env.run(&["log", "--json", shown]).json_lines();
    let n = page["Records"].as_array().map_or(0, Vec::len);
    assert_eq!(rows.len(), n);
    assert_eq!(rows[1]["stream"], "agent/s-1");
    assert_eq!(rows[1]["data"]["$undecodable"], "%%% not base64 %%%");
    assert_eq!(
        rows[1]["meta"]["kinesis"]["sequenceNumber"],
        page["Records"][1]["SequenceNumber"]
    );
    assert!(
        rows[2]["data"]["$error"]
            .as_str()
            .is_some_and(|e| e.starts_with("KPL aggregate")),
        "{}",
        rows[2]
    );
    let warnings = items(shown).iter().filter(|i| matches!(i, Item::Warn(_))).count();
    assert_eq!(warnings, 2);
}

/// EventStoreDB records left out on purpose are counted as filtered, not dropped
/// without a word: system streams without `--system-streams`, and the prepare of a
/// transaction that never commits.
#[test]
fn eventstore_records_left_out_on_purpose_are_filtered_items() {
    let all = items("fixtures/eventstore/agents-db");
    let filtered: Vec<String> = all
        .iter()
        .filter_map(|i| match i {
            Item::Filtered(f) => Some(f.reason.clone()),
            _ => None,
        })
        .collect();
    assert!(
        filtered.iter().any(|r| r.contains("\"$$agent-planner\"")),
        "{filtered:?}"
    );
    assert!(filtered.iter().any(|r| r.contains("\"$ce-agent\"")), "{filtered:?}");
    assert!(filtered.iter().any(|r| r.contains("never committed")), "{filtered:?}");
    assert!(!all.iter().any(|i| matches!(i, Item::Bad(_))));
}

/// A folder's sidecars and markers are listed as ignored items, not read.
#[test]
fn a_folder_yields_its_sidecars_as_ignored_items() {
    let ignored: Vec<String> = items("fixtures/aws/shapes/spark")
        .iter()
        .filter_map(|i| match i {
            Item::Ignored(f) => Some(f.file.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ignored.len(), 6, "{ignored:?}");
    assert!(ignored.iter().any(|f| f.ends_with("/_SUCCESS")));
    assert!(ignored.iter().filter(|f| f.ends_with(".crc")).count() == 3);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A known layout with a file of another kind inside is read as the union of its
/// parts: the layout's own files all import, and the stray file is read on its own
/// (a JSON file is events) or reported (text in no format rewind reads), never
/// passed over unseen.
#[test]
fn a_layout_with_a_stray_file_reads_every_file() {
    let env = Env::new();
    for (fixture, dir_in) in [
        ("fixtures/aws/shapes/firehose-prefix", "2026/11/20/10"),
        ("fixtures/azure/shapes/capture", "ai-events-ns/agent-events/0"),
    ] {
        let dir = env.path(fixture.rsplit('/').next().expect("name"));
        copy_dir(&common::root().join(fixture), &dir);
        let inner = dir.join(dir_in);
        std::fs::write(
            inner.join("notes.json"),
            "{\"stream\": \"notes\", \"type\": \"Note\", \"data\": {}}\n",
        )
        .expect("write");
        std::fs::write(inner.join("manifest.txt"), "s3://bucket/prefix/object-1.gz\n").expect("write");
        let all = items(dir.to_str().expect("utf-8"));
        let records: Vec<_> = all
            .iter()
            .filter_map(|i| match i {
                Item::Record(r) => Some(r),
                _ => None,
            })
            .collect();
        assert_eq!(
            records.len(),
            EVENTS + 1,
            "{fixture}: every object and the stray JSON file"
        );
        let bad: Vec<&str> = all
            .iter()
            .filter_map(|i| match i {
                Item::Bad(f) => Some(f.file.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(bad.len(), 1, "{fixture}: {bad:?}");
        assert!(bad[0].ends_with("manifest.txt"), "{bad:?}");
        assert!(!all.iter().any(|i| matches!(i, Item::Ignored(_))), "{fixture}");
    }
}

/// A folder holding several saved shapes, layouts among them, reads all of them:
/// each layout sub-folder by its family, every other file on its own. The shapes
/// hold the same events, so the recording is the events once and the rest duplicates.
#[test]
fn a_folder_of_every_shape_reads_each_of_them() {
    let env = Env::new();
    for (root, shapes) in [("fixtures/aws/shapes", 8), ("fixtures/azure/shapes", 3)] {
        let j = env.run(&[
            "import",
            "--json",
            root,
            "--cache",
            &env.path("all.db").display().to_string(),
        ]);
        assert_eq!(j.code, 0, "{}", j.stderr);
        let j = j.json();
        let input = &j["inputs"][0];
        assert_eq!(input["skipped"], 0, "{root}: {input}");
        let format = input["format"].as_str().unwrap_or_default();
        assert!(format.contains("export folder"), "{root}: {format}");
        if root.contains("aws") {
            assert_eq!(input["read"], shapes * EVENTS, "{root}: {input}");
            assert_eq!(input["imported"], EVENTS, "{root}: {input}");
            assert_eq!(input["duplicates"], (shapes - 1) * EVENTS, "{root}: {input}");
            assert!(format.contains("firehose folder"), "{format}");
        } else {
            assert!(format.contains("eventhubs-capture ("), "{format}");
            assert!(format.contains("cloudevents"), "{format}");
        }
        let sum = ["imported", "duplicates", "filtered", "skipped"]
            .iter()
            .map(|k| input[k].as_u64().unwrap_or(0))
            .sum::<u64>();
        assert_eq!(input["read"].as_u64(), Some(sum), "{root}: {input}");
        std::fs::remove_file(env.path("all.db")).ok();
    }
}
