//! AWS inputs through the real binary: DynamoDB exports (full + incremental),
//! DynamoDB Streams, Kinesis (incl. KPL and Kinesis for DynamoDB), Firehose
//! transformation events and S3 prefixes; the real samples in tests/data/aws; bad
//! input of each shape.

use crate::common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use common::{root, Env, Run};
use serde_json::{json, Value};

const AGENT_STATE: &str = "fixtures/aws/agent-state";
const FULL: &str = "fixtures/aws/agent-state/AWSDynamoDB/01763629200000-a1b2c3d4";
const INC1: &str = "fixtures/aws/agent-state/AWSDynamoDB/01763632800000-b2c3d4e5";
const INC2: &str = "fixtures/aws/agent-state/AWSDynamoDB/01763636400000-c3d4e5f6";
const SAMPLES: &str = "tests/data/aws/samples";

fn run(env: &Env, args: &[&str]) -> Run {
    env.run(args)
}

fn ok(env: &Env, args: &[&str]) -> Run {
    let r = run(env, args);
    assert_eq!(r.code, 0, "{args:?}\nstdout: {}\nstderr: {}", r.stdout, r.stderr);
    r
}

/// The import of `input` fails (exit 2) with `needle` in its error, and no panic.
fn import_fails(env: &Env, input: &Path, needle: &str) {
    let r = run(env, &["import", input.to_str().expect("utf8")]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains(needle), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

fn log(env: &Env, inputs: &[&str]) -> Vec<Value> {
    let mut args = vec!["log"];
    args.extend_from_slice(inputs);
    args.push("--json");
    ok(env, &args).json_lines()
}

fn state(env: &Env, inputs: &[&str], at: &str) -> Value {
    let mut args = vec!["state"];
    args.extend_from_slice(inputs);
    args.extend_from_slice(&["--at", at]);
    ok(env, &args).json()
}

fn field<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events.iter().map(|e| &e[name]).collect()
}

/// The streams that have state, sorted.
fn streams(state: &Value) -> Vec<String> {
    let mut s: Vec<String> = state.as_object().expect("object").keys().cloned().collect();
    s.sort();
    s
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read_dir") {
        let p = e.expect("entry").path();
        let dest = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            fs::copy(&p, &dest).expect("copy");
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

fn b64(bytes: &[u8]) -> String {
    rewind::ingest::aws::attr::encode_base64(bytes)
}

// ---- DynamoDB exports ----

#[test]
fn full_export_and_incrementals_in_one_folder_give_the_state_at_each_export_time() {
    let env = Env::new();
    let imp = ok(&env, &["import", AGENT_STATE]);
    assert!(
        imp.stdout.contains("dynamodb-export (1 full, 2 incremental), 9 events"),
        "{}",
        imp.stdout
    );
    assert!(!imp.stdout.contains("skipped"), "{}", imp.stdout);

    // The full export: three agents, exact big numbers, sorted sets, base64 binary.
    let t0 = state(&env, &[AGENT_STATE], "2026-11-20T09:00:00Z");
    assert_eq!(
        streams(&t0),
        [
            "AgentState/pk=agent/planner-01",
            "AgentState/pk=agent/retriever-01",
            "AgentState/pk=agent/summarizer-01"
        ]
    );
    let planner = &t0["AgentState/pk=agent/planner-01"];
    assert_eq!(planner["tokens_used"].to_string(), "98765432109876543210987");
    assert_eq!(planner["tools"], json!(["refund", "search"]));
    assert_eq!(planner["eval_scores"].to_string(), "[0.875,0.91]");
    assert_eq!(planner["checkpoint"], json!("Pj8DJxlXwVKVr7VU"));
    assert_eq!(planner["last_error"], Value::Null);
    assert_eq!(planner["plan"], json!(["observe", "think", 3, {"act": "tool"}]));
    let out = ok(
        &env,
        &["state", AGENT_STATE, "--at", "2026-11-20T09:00:00Z", "--compact"],
    );
    assert!(
        out.stdout.contains("\"tokens_used\":98765432109876543210987"),
        "{}",
        out.stdout
    );

    // After the first incremental export: planner stepped, critic inserted, retriever deleted.
    let t1 = state(&env, &[AGENT_STATE], "2026-11-20T10:00:00Z");
    assert_eq!(
        streams(&t1),
        [
            "AgentState/pk=agent/critic-01",
            "AgentState/pk=agent/planner-01",
            "AgentState/pk=agent/summarizer-01"
        ]
    );
    assert_eq!(t1["AgentState/pk=agent/planner-01"]["step"], json!(7));
    assert_eq!(
        t1["AgentState/pk=agent/planner-01"]["tokens_used"].to_string(),
        "98765432109876543211187"
    );

    // After the second: planner done, critic scored (NS sorted as numbers), summarizer deleted.
    let t2 = state(&env, &[AGENT_STATE], "2026-11-20T11:00:00Z");
    assert_eq!(
        streams(&t2),
        ["AgentState/pk=agent/critic-01", "AgentState/pk=agent/planner-01"]
    );
    assert_eq!(t2["AgentState/pk=agent/planner-01"]["status"], json!("done"));
    assert_eq!(t2["AgentState/pk=agent/planner-01"]["enabled"], json!(false));
    assert_eq!(
        // Sorted by value: 1E+1 (10) is the largest.
        t2["AgentState/pk=agent/critic-01"]["eval_scores"]
            .to_string()
            .to_lowercase(),
        "[0.5,0.75,1e+1]"
    );

    let events = log(&env, &[AGENT_STATE]);
    assert_eq!(
        field(&events, "kind"),
        ["image", "image", "image", "image", "image", "delete", "image", "image", "delete"]
    );
    assert_eq!(
        field(&events, "type"),
        ["export", "export", "export", "MODIFY", "INSERT", "REMOVE", "MODIFY", "MODIFY", "REMOVE"]
    );
    assert_eq!(events[4]["time"], json!("2026-11-20T09:20:00.000001Z"));
    assert!(
        events[0]["source"]
            .as_str()
            .expect("source")
            .ends_with("data/a1b2c3d40000example.json.gz:1"),
        "{}",
        events[0]["source"]
    );
    assert_eq!(events[5]["meta"]["WriteTimestampMicros"], json!(1795167910000000i64));
}

#[test]
fn full_export_and_incrementals_as_separate_inputs_merge_by_time() {
    let env = Env::new();
    // Given out of order: the merge by time puts each change after the snapshot.
    let inputs = [INC2, FULL, INC1];
    let imp = ok(&env, &["import", INC2, FULL, INC1]);
    assert!(
        imp.stdout.contains("dynamodb-export (full), 3 events"),
        "{}",
        imp.stdout
    );
    assert!(
        imp.stdout.contains("dynamodb-export (incremental), 3 events"),
        "{}",
        imp.stdout
    );
    let together = Env::new();
    for at in ["2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z", "end"] {
        assert_eq!(
            state(&env, &inputs, at),
            state(&together, &[AGENT_STATE], at),
            "at {at}"
        );
    }
}

#[test]
fn an_export_is_found_from_its_folder_a_parent_or_its_manifest() {
    let env = Env::new();
    // Copied elsewhere, under a prefix of the user's own (the `aws s3 sync` target).
    let dest = env.path("backup/2026-11");
    copy_dir(&root().join(AGENT_STATE), &dest);
    let expected = state(&Env::new(), &[AGENT_STATE], "end");
    let id_dir = dest.join("AWSDynamoDB/01763629200000-a1b2c3d4");
    let summary = id_dir.join("manifest-summary.json");
    for input in [env.path("backup"), dest.clone(), dest.join("AWSDynamoDB")] {
        let s = state(&env, &[input.to_str().expect("utf8")], "end");
        assert_eq!(s, expected, "{}", input.display());
    }
    for input in [id_dir, summary] {
        let imp = ok(&env, &["import", input.to_str().expect("utf8")]);
        assert!(
            imp.stdout.contains("dynamodb-export (full), 3 events"),
            "{}",
            imp.stdout
        );
    }
}

#[test]
fn one_data_file_of_an_export_reads_on_its_own() {
    let env = Env::new();
    // In its export folder: the manifests still name the table and the time.
    let f = format!("{FULL}/data/a1b2c3d40000example.json.gz");
    let imp = ok(&env, &["import", &f]);
    assert!(
        imp.stdout.contains("dynamodb-export (full), 2 events"),
        "{}",
        imp.stdout
    );
    let events = log(&env, &[&f]);
    assert_eq!(
        field(&events, "stream"),
        ["AgentState/pk=agent/planner-01", "AgentState/pk=agent/retriever-01"]
    );
    assert_eq!(events[0]["time"], json!("2026-11-20T09:00:00.000000Z"));
    // Alone: the table is named after its folder; an incremental file keeps its times.
    let dir = env.path("agents/data");
    fs::create_dir_all(&dir).expect("mkdir");
    let inc = dir.join("inc.json.gz");
    fs::copy(root().join(INC1).join("data/b2c3d4e50000example.json.gz"), &inc).expect("copy");
    let inc = inc.to_str().expect("utf8");
    let imp = ok(&env, &["import", inc]);
    assert!(
        imp.stdout.contains("dynamodb-export (incremental), 2 events"),
        "{}",
        imp.stdout
    );
    let events = log(&env, &[inc]);
    assert_eq!(
        field(&events, "stream"),
        ["agents/pk=agent/planner-01", "agents/pk=agent/critic-01"]
    );
    assert_eq!(events[0]["time"], json!("2026-11-20T09:12:30.250000Z"));
}

#[test]
fn the_doc_sample_export_imports_and_reports_its_item_count_mismatch() {
    let env = Env::new();
    let imp = ok(&env, &["import", "tests/data/aws/export-docs"]);
    assert!(
        imp.stdout.contains("dynamodb-export (full), 1 event, 2 skipped"),
        "{}",
        imp.stdout
    );
    assert!(
        imp.stdout
            .contains("manifest-files.json:1: itemCount mismatch: the manifest says data file"),
        "{}",
        imp.stdout
    );
    assert!(
        imp.stdout.contains(
            "manifest-summary.json:1: itemCount mismatch: the manifest says the export holds 8 items, 1 were read"
        ),
        "{}",
        imp.stdout
    );
    let s = state(&env, &["tests/data/aws/export-docs"], "end");
    assert_eq!(
        s,
        json!({"ProductCatalog/Id=103": {
            "Authors": ["Author1", "Author2"], "Dimensions": "8.5 x 11.0 x 1.5",
            "ISBN": "333-3333333333", "Id": 103, "InPublication": false, "PageCount": 600,
            "Price": 2000, "ProductCategory": "Book", "Title": "Book 103 Title"}})
    );
    let events = log(&env, &["tests/data/aws/export-docs"]);
    assert_eq!(events[0]["time"], json!("2020-11-04T07:28:34.028000Z"));
    // --strict turns the reported mismatch into an error.
    let strict = run(&env, &["import", "tests/data/aws/export-docs", "--strict"]);
    assert_eq!(strict.code, 2, "{}", strict.stdout);
}

/// A minimal export folder written by a test.
fn write_export(dir: &Path, lines: &[&str], item_count: u64, files_manifest: Option<&str>) -> PathBuf {
    let id = dir.join("AWSDynamoDB/01700000000000-abcdef12");
    fs::create_dir_all(id.join("data")).expect("mkdir");
    fs::write(
        id.join("manifest-summary.json"),
        json!({"exportArn": "arn:aws:dynamodb:us-east-1:1:table/Runs/export/01700000000000-abcdef12",
               "tableArn": "arn:aws:dynamodb:us-east-1:1:table/Runs", "exportTime": "2026-01-01T00:00:00Z",
               "manifestFilesS3Key": "AWSDynamoDB/01700000000000-abcdef12/manifest-files.json",
               "itemCount": item_count, "outputFormat": "DYNAMODB_JSON"})
        .to_string(),
    )
    .expect("write");
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    fs::write(id.join("data/part-0.json.gz"), gzip(body.as_bytes())).expect("write");
    let manifest = files_manifest.map(str::to_string).unwrap_or_else(|| {
        json!({"itemCount": lines.len(), "dataFileS3Key": "AWSDynamoDB/01700000000000-abcdef12/data/part-0.json.gz"})
            .to_string()
    });
    fs::write(id.join("manifest-files.json"), manifest + "\n").expect("write");
    id
}

#[test]
fn export_items_that_are_events_become_events_of_their_stream() {
    let env = Env::new();
    let dir = env.path("events");
    write_export(
        &dir,
        &[
            r#"{"Item":{"id":{"S":"e2"},"stream":{"S":"run/7"},"type":{"S":"EpochDone"},"time":{"S":"2026-01-01T00:00:02Z"},"data":{"M":{"loss":{"N":"0.25"}}}}}"#,
            r#"{"Item":{"id":{"S":"e1"},"stream":{"S":"run/7"},"type":{"S":"RunStarted"},"time":{"S":"2026-01-01T00:00:01Z"},"data":{"M":{"lr":{"N":"0.0003"}}}}}"#,
        ],
        2,
        None,
    );
    let d = dir.to_str().expect("utf8");
    let events = log(&env, &[d]);
    // Export data comes in hash order; the timeline is in time order.
    assert_eq!(field(&events, "id"), ["e1", "e2"]);
    assert_eq!(field(&events, "kind"), ["event", "event"]);
    assert_eq!(state(&env, &[d], "end"), json!({"run/7": {"lr": 0.0003, "loss": 0.25}}));
    // --records states reads the same items as states of their key.
    let s = ok(
        &env,
        &[
            "state",
            d,
            "--records",
            "states",
            "--cache",
            env.path("c2.db").to_str().expect("utf8"),
        ],
    );
    assert_eq!(streams(&s.json()), ["Runs/id=e1", "Runs/id=e2"]);
}

#[test]
fn bad_export_items_are_reported_with_file_and_line() {
    let env = Env::new();
    let dir = env.path("bad");
    write_export(
        &dir,
        &[
            r#"{"Item":{"pk":{"S":"a"},"x":{"Q":"1"}}}"#,
            r#"{"Item":{"pk":{"S":"b"},"blob":{"B":"not*base64"}}}"#,
            r#"{"Item":{"pk":{"S":"c"},"n":{"N":"12.5.1"}}}"#,
            r#"{"Item":{"name":{"S":"no key"}}}"#,
            r#"{"Item":{"pk":{"S":"d"}"#,
            r#"{"Item":{"pk":{"S":"e"},"ok":{"BOOL":true}}}"#,
        ],
        6,
        None,
    );
    let imp = ok(&env, &["import", dir.to_str().expect("utf8")]);
    let out = &imp.stdout;
    assert!(out.contains("1 event, 5 skipped"), "{out}");
    assert!(
        out.contains("part-0.json.gz:1: attribute \"x\": unknown attribute type tag \"Q\""),
        "{out}"
    );
    assert!(
        out.contains("part-0.json.gz:2: attribute \"blob\": B: invalid base64"),
        "{out}"
    );
    assert!(
        out.contains("part-0.json.gz:3: attribute \"n\": N: not a number"),
        "{out}"
    );
    assert!(
        out.contains("part-0.json.gz:4: no key attribute (tried pk, PK, id, Id)"),
        "{out}"
    );
    assert!(out.contains("part-0.json.gz:5: "), "{out}");
}

#[test]
fn a_missing_data_file_is_reported_at_its_manifest_line() {
    let env = Env::new();
    let dir = env.path("missing");
    let manifest = [
        json!({"itemCount": 1, "dataFileS3Key": "AWSDynamoDB/01700000000000-abcdef12/data/part-0.json.gz"}).to_string(),
        json!({"itemCount": 4, "dataFileS3Key": "AWSDynamoDB/01700000000000-abcdef12/data/gone.json.gz"}).to_string(),
    ]
    .join("\n");
    write_export(&dir, &[r#"{"Item":{"pk":{"S":"a"}}}"#], 5, Some(&manifest));
    let imp = ok(&env, &["import", dir.to_str().expect("utf8")]);
    assert!(
        imp.stdout.contains(
            "manifest-files.json:2: data file AWSDynamoDB/01700000000000-abcdef12/data/gone.json.gz is missing from the export folder"
        ),
        "{}",
        imp.stdout
    );
    assert!(
        imp.stdout.contains("the export holds 5 items, 1 were read"),
        "{}",
        imp.stdout
    );
}

#[test]
fn an_ion_export_is_refused_with_a_reason() {
    let env = Env::new();
    let dir = env.path("ion");
    let id = write_export(&dir, &[r#"{"Item":{"pk":{"S":"a"}}}"#], 1, None);
    let summary = id.join("manifest-summary.json");
    let text = fs::read_to_string(&summary)
        .expect("read")
        .replace("DYNAMODB_JSON", "ION");
    fs::write(&summary, text).expect("write");
    import_fails(&env, &dir, "outputFormat \"ION\": only DYNAMODB_JSON exports are read");
}

#[test]
fn a_broken_gzip_data_file_stops_the_import_with_its_name() {
    let env = Env::new();
    let dir = env.path("broken");
    let id = write_export(&dir, &[r#"{"Item":{"pk":{"S":"a"}}}"#; 50], 50, None);
    let data = id.join("data/part-0.json.gz");
    let bytes = fs::read(&data).expect("read");
    fs::write(&data, &bytes[..bytes.len() / 2]).expect("write");
    import_fails(&env, &dir, "part-0.json.gz: read failed");
}

// ---- DynamoDB Streams ----

#[test]
fn stream_samples_import_with_their_streams_kinds_and_times() {
    let env = Env::new();
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        (
            "aws-lambda-go/dynamodb-event.json",
            "dynamodb-stream (lambda event), 2 events",
            &["Example-Table/key=binary,val=data"; 2],
            &["image", "image"],
        ),
        (
            "aws-lambda-go/dynamodb-time-window-event.json",
            "dynamodb-stream (lambda event), 3 events",
            // Its ARN is the placeholder "stream-ARN": the table is named after the file.
            &["dynamodb-time-window-event/Id=101"; 3],
            &["image", "image", "delete"],
        ),
        (
            "aws-cli/dynamodbstreams-get-records.output.json",
            "dynamodb-stream (get-records), 3 events",
            &[
                "dynamodbstreams-get-records/Artist=No One You Know,SongTitle=Call Me Today",
                "dynamodbstreams-get-records/Artist=Acme Band,SongTitle=Happy Day",
                "dynamodbstreams-get-records/Artist=Acme Band,SongTitle=Happy Day",
            ],
            &["image", "image", "image"],
        ),
        (
            "powertools-lambda-python/dynamoStreamEvent.json",
            "dynamodb-stream (lambda event), 2 events",
            &["dynamoStreamEvent/Id=101"; 2],
            &["image", "image"],
        ),
        (
            "aws-sam-cli/DynamoDBUpdate.json",
            "dynamodb-stream (lambda event), 3 events",
            &["{{{table}}}/Id=101"; 3],
            &["image", "image", "delete"],
        ),
    ];
    for (file, summary, want_streams, kinds) in cases {
        let path = format!("{SAMPLES}/{file}");
        let imp = ok(&env, &["import", &path]);
        assert!(imp.stdout.contains(summary), "{file}: {}", imp.stdout);
        let events = log(&env, &[&path]);
        assert_eq!(field(&events, "stream"), *want_streams, "{file}");
        assert_eq!(field(&events, "kind"), *kinds, "{file}");
    }
    // Times are epoch seconds, integer or with ".0".
    let events = log(
        &env,
        &[&format!("{SAMPLES}/aws-cli/dynamodbstreams-get-records.output.json")],
    );
    assert_eq!(
        field(&events, "time"),
        [
            "2019-10-23T16:43:48.000000Z",
            "2019-10-23T16:43:49.000000Z",
            "2019-10-23T16:55:34.000000Z"
        ]
    );
    assert_eq!(events[2]["meta"]["OldImage"]["AlbumTitle"], json!("Songs About Life"));
    // The second powertools record has no time at all: it keeps its place.
    let events = log(
        &env,
        &[&format!("{SAMPLES}/powertools-lambda-python/dynamoStreamEvent.json")],
    );
    assert_eq!(events[1]["time"], Value::Null);
}

#[test]
fn null_padded_attribute_values_read_like_plain_ones() {
    let env = Env::new();
    let plain = log(&env, &[&format!("{SAMPLES}/aws-lambda-go/dynamodb-event.json")]);
    let padded = log(
        &env,
        &[&format!(
            "{SAMPLES}/aws-lambda-go/dynamodb-event.pr110-null-padded.json"
        )],
    );
    assert_eq!(plain[0]["data"], padded[0]["data"]);
    assert_eq!(plain[0]["stream"], padded[0]["stream"]);
    // Every type of the second record, incl. an empty string set and sorted sets.
    let d = &plain[1]["data"];
    assert_eq!(d["EmptyStringSet"], json!([]));
    assert_eq!(d["NumberSet"].to_string(), "[567.8,1234]");
    assert_eq!(d["StringSet"], json!(["Giraffe", "Zebra"]));
    assert_eq!(d["Map"], json!({"Name": "Joe", "Age": 35}));
    assert_eq!(d["List"].to_string(), "[\"Cookies\",\"Coffee\",3.14159]");
    assert_eq!(d["Null"], Value::Null);
    assert_eq!(d["Binary"], json!("AAEqQQ=="));
}

#[test]
fn stream_records_cover_insert_modify_keys_only_and_ttl_deletes() {
    let env = Env::new();
    let f = "fixtures/aws/registry-stream.json";
    let events = log(&env, &[f]);
    assert_eq!(field(&events, "kind"), ["image", "image", "event", "delete"]);
    assert_eq!(field(&events, "type"), ["INSERT", "MODIFY", "MODIFY", "REMOVE"]);
    assert_eq!(events[2]["data"], json!({}));
    assert_eq!(events[2]["meta"]["StreamViewType"], json!("KEYS_ONLY"));
    assert_eq!(events[2]["time"], json!("2026-11-20T10:03:20.500000Z"));
    assert_eq!(events[3]["meta"]["ttlDelete"], json!(true));
    assert_eq!(events[0]["meta"]["ttlDelete"], Value::Null);
    // The KEYS_ONLY record stays in the timeline without changing the state.
    assert_eq!(state(&env, &[f], "2"), state(&env, &[f], "3"));
    let end = state(&env, &[f], "end");
    assert_eq!(streams(&end), ["ModelRegistry/model_id=support-llm,version=3"]);
    assert_eq!(
        end["ModelRegistry/model_id=support-llm,version=3"]["stage"],
        json!("production")
    );
}

#[test]
fn stream_json_lines_order_by_sequence_number_as_an_integer() {
    let env = Env::new();
    let rec = |seq: &str, name: &str, n: u32| {
        json!({"eventID": format!("ev-{seq}"), "eventName": name, "eventSourceARN": "arn:aws:dynamodb:us-east-1:1:table/Jobs/stream/x",
               "dynamodb": {"ApproximateCreationDateTime": 1795165200, "SequenceNumber": seq,
                            "Keys": {"job": {"S": "j1"}}, "NewImage": {"job": {"S": "j1"}, "n": {"N": n.to_string()}}}})
        .to_string()
    };
    // Same second; as strings "10" < "9", as integers 9 < 10 < 100000000000000000000000.
    let lines = [
        rec("100000000000000000000000", "MODIFY", 3),
        rec("10", "MODIFY", 2),
        rec("9", "INSERT", 1),
    ]
    .join("\n");
    let p = env.write("jobs.jsonl", lines);
    let p = p.to_str().expect("utf8");
    let imp = ok(&env, &["import", p]);
    assert!(
        imp.stdout.contains("dynamodb-stream (json lines), 3 events"),
        "{}",
        imp.stdout
    );
    let events = log(&env, &[p]);
    assert_eq!(field(&events, "id"), ["ev-9", "ev-10", "ev-100000000000000000000000"]);
    assert_eq!(state(&env, &[p], "end"), json!({"Jobs/job=j1": {"job": "j1", "n": 3}}));
}

#[test]
fn kinesis_for_dynamodb_records_saved_as_lines_read_as_stream_records() {
    let env = Env::new();
    let rec = |precision: Option<&str>, t: i64, n: u32| {
        let mut d = json!({"ApproximateCreationDateTime": t, "Keys": {"pk": {"S": "run/1"}},
                           "NewImage": {"pk": {"S": "run/1"}, "epoch": {"N": n.to_string()}}, "SizeBytes": 40});
        if let Some(p) = precision {
            d["ApproximateCreationDateTimePrecision"] = json!(p);
        }
        json!({"awsRegion": "us-east-1", "eventID": format!("k-{n}"), "eventName": "MODIFY", "userIdentity": null,
               "recordFormat": "application/json", "tableName": "TrainingRuns", "dynamodb": d, "eventSource": "aws:dynamodb"})
        .to_string()
    };
    let p = env.write(
        "ddb-kinesis.jsonl",
        [
            rec(None, 1795165200123, 1),
            rec(Some("MICROSECOND"), 1795165200123456, 2),
        ]
        .join("\n"),
    );
    let p = p.to_str().expect("utf8");
    let imp = ok(&env, &["import", p]);
    assert!(
        imp.stdout.contains("dynamodb-stream (json lines), 2 events"),
        "{}",
        imp.stdout
    );
    let events = log(&env, &[p]);
    assert_eq!(field(&events, "stream"), ["TrainingRuns/pk=run/1"; 2]);
    assert_eq!(
        field(&events, "time"),
        ["2026-11-20T09:00:00.123000Z", "2026-11-20T09:00:00.123456Z"]
    );
    assert_eq!(
        state(&env, &[p], "end"),
        json!({"TrainingRuns/pk=run/1": {"pk": "run/1", "epoch": 2}})
    );
}

#[test]
fn a_truncated_lambda_event_is_a_reported_skip() {
    let env = Env::new();
    let f = format!("{SAMPLES}/aws-lambda-go/dynamodb-event-malformed.2.json");
    // Its one record is unreadable: no event at all is an error naming the skip.
    import_fails(
        &env,
        Path::new(&f),
        "dynamodb-event-malformed.2.json: no events: none of the 1 record read as dynamodb-stream could be used (1 skipped",
    );
    import_fails(&env, Path::new(&f), "dynamodb-event-malformed.2.json:1: truncated");
}

// ---- Kinesis ----

#[test]
fn kinesis_pages_dedupe_split_kpl_and_read_dynamodb_records() {
    let env = Env::new();
    let p1 = "fixtures/aws/kinesis/page-1.json";
    let p2 = "fixtures/aws/kinesis/page-2.json";
    let imp = ok(&env, &["import", p1, p2]);
    assert!(
        imp.stdout.contains("page-1.json: kinesis (get-records), 3 events"),
        "{}",
        imp.stdout
    );
    assert!(
        imp.stdout
            .contains("page-2.json: kinesis (get-records), 4 events, 1 duplicate skipped"),
        "{}",
        imp.stdout
    );
    let events = log(&env, &[p1, p2]);
    assert_eq!(
        field(&events, "id"),
        [
            "0d0b2c1e-5b8a-4b1b-9d51-6a3c9e2f7a10",
            "e-0001",
            "e-0002",
            "e-0003",
            "e-0005",
            "e-0004",
            "e-0006"
        ]
    );
    // Kinesis for DynamoDB: a stream record inside Kinesis, ms time.
    assert_eq!(events[0]["kind"], json!("image"));
    assert_eq!(events[0]["stream"], json!("AgentState/pk=agent/planner-01"));
    assert_eq!(events[0]["time"], json!("2026-11-20T09:03:30.123000Z"));
    // KPL user records: their own partition keys, subsequence numbers in meta.
    assert_eq!(events[5]["meta"]["kinesis"]["subsequenceNumber"], json!(0));
    assert_eq!(events[5]["meta"]["kinesis"]["partitionKey"], json!("session/s-42"));
    assert_eq!(
        events[5]["meta"]["kinesis"]["approximateArrivalTimestamp"],
        json!("2026-11-20T09:15:02.800+00:00")
    );
    assert_eq!(
        events[1]["meta"]["kinesis"]["approximateArrivalTimestamp"].to_string(),
        "1795166043.32"
    );
    assert_eq!(
        events[1]["meta"]["kinesis"]["sequenceNumber"],
        json!("49656819214460386712345678900000000000000000000000000000")
    );
    let s = state(&env, &[p1, p2], "end");
    assert_eq!(s["session/s-41"]["content"], json!("Approved on 11/19."));
    assert_eq!(
        s["session/s-42"],
        json!({"agent": "critic-01", "user": "u-3", "role": "user", "content": "Grade run 88"})
    );
}

#[test]
fn kinesis_samples_import_with_their_streams_and_times() {
    let env = Env::new();
    let cases: &[(&str, &str, usize)] = &[
        (
            "aws-lambda-go/kinesis-event.json",
            "kinesis (lambda event), 2 events",
            1,
        ),
        (
            "aws-lambda-go/kinesis-time-window-event.json",
            "kinesis (lambda event), 1 event",
            1,
        ),
        (
            "aws-lambda-go/kinesis-firehose-event.json",
            "kinesis (firehose transformation event), 2 events",
            2,
        ),
        (
            "powertools-lambda-python/kinesisStreamEvent.json",
            "kinesis (lambda event), 2 events",
            1,
        ),
        (
            "powertools-lambda-python/kinesisStreamEventOneRecord.json",
            "kinesis (lambda event), 1 event",
            1,
        ),
        (
            "powertools-lambda-python/kinesisStreamCloudWatchLogsEvent.json",
            "kinesis (lambda event), 2 events",
            2,
        ),
        (
            "powertools-lambda-python/kinesisFirehoseKinesisEvent.json",
            "kinesis (firehose transformation event), 2 events",
            2,
        ),
        (
            "powertools-lambda-python/kinesisFirehosePutEvent.json",
            "kinesis (firehose transformation event), 2 events",
            1,
        ),
        (
            "powertools-lambda-python/kinesisFirehoseSQSEvent.json",
            "kinesis (firehose transformation event), 1 event",
            1,
        ),
        (
            "aws-cli/kinesis-get-records.output.json",
            "kinesis (get-records), 0 events",
            0,
        ),
    ];
    for (file, summary, n_streams) in cases {
        let path = format!("{SAMPLES}/{file}");
        let imp = ok(&env, &["import", &path]);
        assert!(imp.stdout.contains(summary), "{file}: {}", imp.stdout);
        assert!(
            imp.stdout.contains(&common::count(*n_streams as u64, "stream")),
            "{file}: {}",
            imp.stdout
        );
    }
    let events = log(&env, &[&format!("{SAMPLES}/aws-lambda-go/kinesis-event.json")]);
    assert_eq!(events[0]["stream"], json!("s1"));
    assert_eq!(events[0]["time"], json!("2016-12-02T01:18:43.477000Z"));
    assert_eq!(events[0]["data"], json!({"$bytes": "SGVsbG8gV29ybGQ="}));
    assert_eq!(
        events[0]["id"],
        json!("shardId-000000000000:49568167373333333333333333333333333333333333333333333333")
    );
    // Firehose: integer ms arrival time, string or integer subsequence numbers.
    let events = log(&env, &[&format!("{SAMPLES}/aws-lambda-go/kinesis-firehose-event.json")]);
    assert_eq!(events[0]["time"], json!("2017-10-05T15:33:44.302000Z"));
    assert_eq!(events[0]["meta"]["kinesis"]["subsequenceNumber"], json!(123456));
    // CloudWatch Logs subscription data is gzip inside base64: read as its JSON.
    let events = log(
        &env,
        &[&format!(
            "{SAMPLES}/powertools-lambda-python/kinesisStreamCloudWatchLogsEvent.json"
        )],
    );
    assert_eq!(events[0]["data"]["messageType"], json!("DATA_MESSAGE"));
    // An SQS message through Firehose: the record mapping finds its body.
    let events = log(
        &env,
        &[&format!(
            "{SAMPLES}/powertools-lambda-python/kinesisFirehoseSQSEvent.json"
        )],
    );
    assert_eq!(events[0]["data"], json!("Test message."));
}

#[test]
fn a_lambda_event_larger_than_the_detection_peek_is_still_detected() {
    let env = Env::new();
    let records: Vec<Value> = (0..400)
        .map(|i| {
            let body = json!({"id": format!("m-{i}"), "stream": "agent/a1", "type": "Note",
                              "data": {"text": "x".repeat(300)}});
            json!({"kinesis": {"partitionKey": "a1", "sequenceNumber": (1000 + i).to_string(),
                               "data": b64(body.to_string().as_bytes()), "approximateArrivalTimestamp": 1795165200.25},
                   "eventID": format!("shardId-000000000003:{}", 1000 + i), "eventSource": "aws:kinesis"})
        })
        .collect();
    let p = env.write(
        "big.json",
        serde_json::to_string_pretty(&json!({"Records": records})).expect("json"),
    );
    assert!(fs::metadata(&p).expect("meta").len() > 64 * 1024);
    let imp = ok(&env, &["import", p.to_str().expect("utf8")]);
    assert!(
        imp.stdout.contains("kinesis (lambda event), 400 events"),
        "{}",
        imp.stdout
    );
}

#[test]
fn kinesis_placeholders_and_damaged_payloads_stay_kept_raw() {
    let env = Env::new();
    // The SAM CLI samples carry placeholder data: the events stay, payload kept raw.
    let log_of = |path: &str| -> Vec<Value> {
        let out = ok(&env, &["log", "--json", path]);
        out.stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    };
    let kept = |e: &Value, why: &str| {
        e["data"]["$undecodable"].is_string() && e["data"]["$error"].as_str().is_some_and(|s| s.contains(why))
    };
    let events = log_of(&format!("{SAMPLES}/aws-sam-cli/Kinesis.json"));
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(kept(&events[0], "data: invalid base64"), "{events:?}");
    let events = log_of(&format!("{SAMPLES}/aws-sam-cli/KinesisFirehoseStreamsAsSource.json"));
    let line6 = events
        .iter()
        .find(|e| e["source"].as_str().is_some_and(|s| s.ends_with(":6")))
        .expect("the record at line 6 stays");
    assert!(kept(line6, "data: invalid base64"), "{line6}");
    // A KPL aggregate whose MD5 trailer does not match.
    let mut agg = rewind::ingest::aws::kpl::aggregate(&["k"], &[(0, br#"{"type":"T","data":{}}"#)]);
    let last = agg.len() - 1;
    agg[last] ^= 0xff;
    let page = json!({"Records": [
        {"SequenceNumber": "1", "ApproximateArrivalTimestamp": 1795165200.5, "Data": b64(&agg), "PartitionKey": "k"},
        {"SequenceNumber": "2", "ApproximateArrivalTimestamp": 1795165201, "Data": b64(br#"{"type":"T","data":{"a":1}}"#), "PartitionKey": "k"}
    ], "MillisBehindLatest": 0});
    let p = env.write("agg.json", serde_json::to_string_pretty(&page).expect("json"));
    let events = log_of(p.to_str().expect("utf8"));
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(kept(&events[0], "KPL aggregate"), "{}", events[0]);
    assert!(kept(&events[0], "MD5 trailer does not match"), "{}", events[0]);
    assert_eq!(events[0]["stream"], "k");
    assert_eq!(events[0]["source"], format!("{}:3", p.display()));
}

#[test]
fn kinesis_records_as_json_lines_are_detected_and_forced_formats_work() {
    let env = Env::new();
    let rec = |seq: u32, body: &str| {
        json!({"SequenceNumber": seq.to_string(), "ApproximateArrivalTimestamp": "2026-11-20T09:00:00.250+01:00",
               "Data": b64(body.as_bytes()), "PartitionKey": "pk-1"})
        .to_string()
    };
    let p = env.write(
        "recs.jsonl",
        [rec(1, r#"{"type":"A","data":{"x":1}}"#), rec(2, "plain text")].join("\n"),
    );
    let p = p.to_str().expect("utf8");
    let imp = ok(&env, &["import", p]);
    assert!(imp.stdout.contains("kinesis (json lines), 2 events"), "{}", imp.stdout);
    let events = log(&env, &[p]);
    assert_eq!(field(&events, "stream"), ["pk-1", "pk-1"]);
    assert_eq!(events[0]["time"], json!("2026-11-20T08:00:00.250000Z"));
    assert_eq!(events[1]["data"], json!({"$bytes": b64(b"plain text")}));
    // A generic JSONL of events is not claimed by the AWS decoders...
    let g = env.write("events.jsonl", r#"{"stream":"s","type":"T","data":{"a":1}}"#);
    let imp = ok(&env, &["import", g.to_str().expect("utf8")]);
    assert!(imp.stdout.contains(": jsonl, 1 event"), "{}", imp.stdout);
    // ...and --input-format names the decoder when detection cannot.
    let forced = run(
        &env,
        &[
            "import",
            g.to_str().expect("utf8"),
            "--input-format",
            "kinesis",
            "--cache",
            env.path("f.db").to_str().expect("utf8"),
        ],
    );
    // The record is no Kinesis record: nothing to import is an error.
    assert_eq!(forced.code, 2, "{}", forced.stderr);
    assert!(forced.stderr.contains("(1 skipped, 0 filtered"), "{}", forced.stderr);
}

// ---- Firehose S3 prefixes ----

#[test]
fn a_firehose_prefix_reads_gzip_members_and_concatenated_records_in_object_order() {
    let env = Env::new();
    let f = "fixtures/aws/firehose";
    let imp = ok(&env, &["import", f]);
    assert!(imp.stdout.contains("firehose, 6 events"), "{}", imp.stdout);
    let events = log(&env, &[f]);
    assert_eq!(
        field(&events, "id"),
        ["e-0001", "e-0002", "e-0003", "e-0004", "e-0005", "e-0006"]
    );
    assert!(
        events[3]["source"].as_str().expect("source").contains("09-15-00"),
        "{}",
        events[3]["source"]
    );
    assert!(
        events[4]["source"].as_str().expect("source").contains("09-16-00"),
        "{}",
        events[4]["source"]
    );
    // The same events as the Kinesis pages give the same sessions.
    let kin = state(
        &Env::new(),
        &["fixtures/aws/kinesis/page-1.json", "fixtures/aws/kinesis/page-2.json"],
        "end",
    );
    let fh = state(&env, &[f], "end");
    assert_eq!(fh["session/s-41"], kin["session/s-41"]);
    assert_eq!(fh["session/s-42"], kin["session/s-42"]);
}

#[test]
fn a_broken_firehose_object_stops_with_its_name() {
    let env = Env::new();
    let dir = env.path("fh/2026/01/01/00");
    fs::create_dir_all(&dir).expect("mkdir");
    let good = gzip(br#"{"stream":"s","type":"T","data":{"a":1}}{"stream":"s","type":"T","data":{"a":2}}"#);
    fs::write(dir.join("ds-1-2026-01-01-00-00-00-aaaa-bbbb.gz"), &good).expect("write");
    let mut broken = gzip(&br#"{"stream":"s","type":"T","data":{"b":1}}"#.repeat(200));
    broken.truncate(broken.len() / 2);
    fs::write(dir.join("ds-1-2026-01-01-00-05-00-cccc-dddd.gz"), &broken).expect("write");
    import_fails(
        &env,
        &env.path("fh"),
        "ds-1-2026-01-01-00-05-00-cccc-dddd.gz: read failed",
    );
}

#[test]
fn format_firehose_reads_objects_named_otherwise() {
    let env = Env::new();
    let dir = env.path("dump");
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(
        dir.join("part-b"),
        r#"{"stream":"s","type":"T","data":{"b":2}}{"stream":"s","type":"T","data":{"c":3}}"#,
    )
    .expect("write");
    fs::write(dir.join("part-a"), gzip(br#"{"stream":"s","type":"T","data":{"a":1}}"#)).expect("write");
    let d = dir.to_str().expect("utf8");
    let imp = ok(&env, &["import", d, "--input-format", "firehose"]);
    assert!(imp.stdout.contains("firehose, 3 events"), "{}", imp.stdout);
    assert_eq!(
        state(&env, &[d, "--input-format", "firehose"], "end"),
        json!({"s": {"a": 1, "b": 2, "c": 3}})
    );
    let one = dir.join("part-b");
    let imp = ok(
        &env,
        &["import", one.to_str().expect("utf8"), "--input-format", "firehose"],
    );
    assert!(imp.stdout.contains("firehose, 2 events"), "{}", imp.stdout);
}

// ---- Never a panic ----

#[test]
fn truncated_and_damaged_inputs_never_panic() {
    use rewind::ingest::{open_source, Item, RecordsMode, SourceConfig};
    let cfg = || SourceConfig {
        mapper: rewind::ingest::mapping::Mapper {
            fields: Default::default(),
            input_name: "t".into(),
        },
        records: RecordsMode::Auto,
        key: Vec::new(),
        system_streams: false,
        filter: Default::default(),
    };
    let env = Env::new();
    let mut files: Vec<PathBuf> = [
        "fixtures/aws/registry-stream.json",
        "fixtures/aws/kinesis/page-2.json",
        "tests/data/aws/samples/aws-lambda-go/dynamodb-event.pr110-null-padded.json",
        "tests/data/aws/samples/aws-lambda-go/kinesis-firehose-event.json",
    ]
    .iter()
    .map(|p| root().join(p))
    .collect();
    files.push(root().join(FULL).join("data/a1b2c3d40000example.json.gz"));
    for (i, f) in files.iter().enumerate() {
        let bytes = fs::read(f).expect("read");
        for cut in (0..bytes.len()).step_by((bytes.len() / 40).max(1)) {
            let mut damaged = bytes[..cut].to_vec();
            if let Some(b) = damaged.get_mut(cut / 2) {
                *b ^= 0x5a;
            }
            for data in [&bytes[..cut], &damaged[..]] {
                let p = env.write(&format!("in-{i}.json"), data);
                for format in [
                    None,
                    Some(rewind::ingest::Format::Kinesis),
                    Some(rewind::ingest::Format::DynamodbStream),
                ] {
                    let Ok(mut src) = open_source(&p, format, cfg()) else {
                        continue;
                    };
                    let mut n = 0;
                    while let Ok(Some(item)) = src.next_item() {
                        n += 1;
                        if let Item::Record(r) = item {
                            assert!(serde_json::from_str::<Value>(&r.data).is_ok(), "{}", r.data);
                        }
                        assert!(n < 10_000);
                    }
                }
            }
        }
    }
}
