//! Azure inputs through the real binary: Cosmos DB documents and change feed,
//! Event Grid, CloudEvents and Event Hubs Capture, on the committed fixtures
//! (fixtures/azure) and real samples (tests/data/azure), plus bad input.

use crate::common;

use std::path::{Path, PathBuf};

use apache_avro::types::{Record as AvroRecord, Value as Avro};
use apache_avro::{Codec, Schema, Writer};
use common::{Env, Run};
use serde_json::{json, Value};

const DATA: &str = "tests/data/azure";

fn import(env: &Env, input: impl AsRef<Path>) -> Run {
    let r = env.run(&["import".as_ref(), input.as_ref().as_os_str()]);
    assert_eq!(r.code, 0, "import {}: {}", input.as_ref().display(), r.stderr);
    r
}

fn log(env: &Env, input: impl AsRef<Path>) -> Vec<Value> {
    let r = env.run(&["log".as_ref(), input.as_ref().as_os_str(), "--json".as_ref()]);
    assert_eq!(r.code, 0, "log: {}", r.stderr);
    r.json_lines()
}

fn state(env: &Env, input: impl AsRef<Path>, extra: &[&str]) -> Value {
    let mut args: Vec<&std::ffi::OsStr> = vec!["state".as_ref(), input.as_ref().as_os_str()];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    let r = env.run(&args);
    assert_eq!(r.code, 0, "state: {}", r.stderr);
    r.json()
}

/// The import of `input` fails (exit 2, no panic) with `needle` in its error:
/// an input that gives no event at all.
fn import_fails(env: &Env, input: impl AsRef<Path>, needle: &str) {
    let r = env.run(&["import".as_ref(), input.as_ref().as_os_str()]);
    assert_eq!(r.code, 2, "import {}: {}", input.as_ref().display(), r.stdout);
    assert!(r.stderr.contains(needle), "expected {needle:?} in:\n{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// The command's output contains `text`.
fn says(run: &Run, text: &str) {
    assert!(run.stdout.contains(text), "expected {text:?} in:\n{}", run.stdout);
}

fn field<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events.iter().map(|e| &e[name]).collect()
}

fn data(path: &str) -> PathBuf {
    common::root().join(DATA).join(path)
}

// ------------------------------------------------------------ Event Hubs Capture

#[test]
fn real_capture_file_gives_677_events_in_sequence_order() {
    let env = Env::new();
    let input = data("eventhubs-capture-avro/EHC.avro");
    let r = import(&env, &input);
    says(&r, "eventhubs-capture (1 avro file, 1 partition), 677 events");
    let events = log(&env, &input);
    assert_eq!(events.len(), 677);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().expect("seq")).collect();
    assert_eq!(seqs, (4141..=4817).collect::<Vec<_>>());
    let first = &events[0];
    assert_eq!(first["stream"], "EHC");
    assert_eq!(first["type"], "EventData");
    assert_eq!(first["time"], "2018-12-07T10:22:49.000000Z");
    assert_eq!(first["data"], "Message 1");
    assert_eq!(first["meta"]["enqueuedTimeUtc"], "12/7/2018 10:22:49 AM");
    assert_eq!(first["meta"]["offset"], "353424");
    assert!(first["meta"]["properties"]["GUID"].is_string(), "{first}");
    assert_eq!(events[676]["time"], "2018-12-07T10:24:11.000000Z");
    assert!(events
        .windows(2)
        .all(|w| w[0]["time"].as_str() <= w[1]["time"].as_str()));
}

#[test]
fn capture_tree_imports_as_one_input_with_partitions_merged_by_time() {
    let env = Env::new();
    let input = "fixtures/azure/capture";
    let r = import(&env, input);
    says(&r, "eventhubs-capture (5 avro files, 2 partitions), 6 events");
    let events = log(&env, input);
    let ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().expect("id")).collect();
    assert_eq!(
        ids,
        [
            "agent-telemetry/0/310",
            "agent-telemetry/1/88",
            "ce-900",
            "agent-telemetry/0/311",
            "agent-telemetry/0/312",
            "agent-telemetry/1/90"
        ]
    );
    // A JSON body is mapped by docs/model.md §1.
    assert_eq!(events[0]["stream"], "agents/support-bot");
    assert_eq!(events[0]["type"], "TokensUsed");
    assert_eq!(events[0]["data"], json!({"prompt": 812, "completion": 64}));
    // A CloudEvent body is read as a CloudEvent.
    assert_eq!(events[2]["stream"], "evals/support-llm@3");
    assert_eq!(events[2]["type"], "ai.eval.completed");
    assert_eq!(events[2]["meta"]["source"], "/ai-platform/evals");
    // Properties may hold null.
    assert_eq!(
        events[3]["meta"]["properties"],
        json!({"model": "support-llm@3", "region": null})
    );
    // Text and binary bodies stay in the partition's stream with its sequence number.
    assert_eq!(events[4]["stream"], "agent-telemetry/0");
    assert_eq!(events[4]["seq"], 312);
    assert_eq!(events[4]["data"], "heartbeat support-bot ok");
    assert_eq!(events[5]["data"], json!({"$bytes": "iVBORwD/"}));
    assert!(
        events[5]["source"]
            .as_str()
            .expect("source")
            .contains("/1/2026/11/20/09/11/00.avro@"),
        "{}",
        events[5]["source"]
    );
}

fn capture_schema(fields: &str) -> Schema {
    Schema::parse_str(&format!(
        r#"{{"type":"record","name":"EventData","namespace":"Microsoft.ServiceBus.Messaging","fields":[{fields}]}}"#
    ))
    .expect("schema")
}

const FIELDS: &str = r#"{"name":"Body","type":["null","bytes"]},
  {"name":"EnqueuedTimeUtc","type":"string"},
  {"name":"SequenceNumber","type":"long"},
  {"name":"Offset","type":"string"},
  {"name":"Properties","type":{"type":"map","values":["long","double","string","bytes","null"]}},
  {"name":"SystemProperties","type":{"type":"map","values":["long","double","string","bytes"]}}"#;

/// An Avro file with one block per batch (fields in another order than Capture's).
fn capture_file(schema: &Schema, codec: Codec, batches: &[std::ops::Range<i64>]) -> Vec<u8> {
    let mut w = Writer::with_codec(schema, Vec::new(), codec);
    for batch in batches {
        for seq in batch.clone() {
            let mut r = AvroRecord::new(schema).expect("record");
            r.put(
                "Body",
                Avro::Union(1, Box::new(Avro::Bytes(format!("{{\"n\":{seq}}}").into_bytes()))),
            );
            r.put("EnqueuedTimeUtc", format!("11/20/2026 1:00:{:02} PM", seq % 60));
            r.put("SequenceNumber", seq);
            r.put("Offset", (seq * 100).to_string());
            r.put("Properties", Avro::Map(Default::default()));
            r.put("SystemProperties", Avro::Map(Default::default()));
            w.append(r).expect("append");
        }
        w.flush().expect("flush");
    }
    w.into_inner().expect("bytes")
}

#[test]
fn deflate_files_any_field_order_and_empty_files_are_read() {
    let env = Env::new();
    let dir = env.path("ns/hub/3/2026/11/20/13/00");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let schema = capture_schema(FIELDS);
    let deflate = Codec::Deflate(Default::default());
    std::fs::write(dir.join("00.avro"), capture_file(&schema, deflate, &[0..5, 5..9])).expect("write");
    std::fs::write(dir.join("30.avro"), b"").expect("write");
    std::fs::write(dir.join("59.avro"), capture_file(&schema, Codec::Null, &[])).expect("write");
    let root = env.path("ns");
    let r = import(&env, &root);
    says(&r, "3 avro files, 1 partition), 9 events");
    let events = log(&env, &root);
    assert_eq!(field(&events, "stream")[0], "hub/3");
    assert_eq!(
        events.iter().map(|e| e["seq"].as_i64()).collect::<Vec<_>>(),
        (0..9).map(Some).collect::<Vec<_>>()
    );
    assert_eq!(events[4]["data"], json!({"n": 4}));
    assert_eq!(events[0]["time"], "2026-11-20T13:00:00.000000Z");
}

#[test]
fn truncated_avro_keeps_the_blocks_before_and_names_file_and_offset() {
    let env = Env::new();
    let schema = capture_schema(FIELDS);
    let bytes = capture_file(&schema, Codec::Null, &[0..3, 3..6]);
    let cut = env.write("cut.avro", &bytes[..bytes.len() - 10]);
    let r = import(&env, &cut);
    says(&r, "3 events, 1 skipped");
    says(&r, "cut.avro@");
    says(
        &r,
        "truncated block: the file ends before its sync marker (3 records of this file read before it)",
    );
    let events = log(&env, &cut);
    assert_eq!(field(&events, "seq"), [&json!(0), &json!(1), &json!(2)]);

    let strict = env.run(&["import".as_ref(), cut.as_os_str(), "--strict".as_ref()]);
    assert_eq!(strict.code, 2, "{}", strict.stdout);
    assert!(strict.stderr.contains("cut.avro@"), "{}", strict.stderr);

    // A broken sync marker after the second block: the first block stays.
    let mut broken = bytes.clone();
    let last = broken.len() - 1;
    broken[last] ^= 0xff;
    let sync = env.write("sync.avro", &broken);
    let r = import(&env, &sync);
    says(&r, "3 events, 1 skipped");
    says(&r, "corrupt block: wrong sync marker");

    // Cut inside the header: nothing to read, a clear reason, no panic.
    let head = env.write("head.avro", &bytes[..40]);
    import_fails(&env, &head, "unreadable Avro header: truncated");
}

#[test]
fn avro_without_a_body_field_is_reported_not_read() {
    let env = Env::new();
    let schema = Schema::parse_str(
        r#"{"type":"record","name":"Other","fields":[{"name":"SequenceNumber","type":"long"},{"name":"EnqueuedTimeUtc","type":"string"}]}"#,
    )
    .expect("schema");
    let mut w = Writer::new(&schema, Vec::new());
    let mut rec = AvroRecord::new(&schema).expect("record");
    rec.put("SequenceNumber", 1i64);
    rec.put("EnqueuedTimeUtc", "11/20/2026 1:00:00 PM");
    w.append(rec).expect("append");
    let p = env.write("nobody.avro", w.into_inner().expect("bytes"));
    import_fails(
        &env,
        &p,
        "nobody.avro@0: not an Event Hubs Capture file: the writer schema Other has no Body field",
    );
}

#[test]
fn a_schema_name_outside_the_avro_grammar_is_reported_not_a_panic() {
    // Found by tests/api/fuzz.rs: apache-avro panicked on this writer schema's name.
    let env = Env::new();
    import_fails(&env, data("fuzz/bad-schema-name.avro"), "is not a valid Avro name");
}

// ------------------------------------------------------------ Cosmos DB

#[test]
fn cosmos_event_documents_are_events_with_system_properties_in_meta() {
    let env = Env::new();
    let input = "fixtures/azure/cosmos/events.json";
    let r = import(&env, input);
    says(&r, "cosmos-documents (json), 8 events");
    let events = log(&env, input);
    let run101: Vec<&Value> = events.iter().filter(|e| e["stream"] == "agent-runs/run-101").collect();
    assert_eq!(run101.len(), 5);
    assert_eq!(field(&events, "type")[0], "RunStarted");
    assert_eq!(events[0]["kind"], "event");
    assert_eq!(events[0]["seq"], 1);
    assert_eq!(events[0]["time"], "2026-11-20T09:00:00.250000Z");
    assert_eq!(events[0]["data"]["agent"], "support-bot");
    assert!(events[0]["meta"]["_rid"].is_string() && events[0]["meta"]["_ts"].is_number());
    assert!(events.iter().all(|e| !e["data"].to_string().contains("_rid")));

    // The same documents forced to states: images of <container>/<id>, no system properties.
    let st = state(&env, input, &["--records", "states"]);
    let doc = &st["events/evt-0001"];
    assert_eq!(doc["eventType"], "RunStarted");
    assert!(doc.get("_etag").is_none() && doc.get("_ts").is_none(), "{doc}");
}

#[test]
fn cosmos_folder_of_state_documents_and_latest_version_pages() {
    let env = Env::new();
    let dir = env.path("models");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("a.json"),
        r#"[{"id":"m1","pk":"llm","stage":"staging","_rid":"r1","_self":"s","_etag":"\"1\"","_attachments":"attachments/","_ts":1763629200}]"#,
    )
    .expect("write");
    std::fs::write(
        dir.join("b.json"),
        r#"{"id":"m2","stage":"production","_rid":"r2","_etag":"\"2\"","_ts":1763629260}"#,
    )
    .expect("write");
    let r = import(&env, &dir);
    says(&r, "cosmos-documents");
    let st = state(&env, &dir, &[]);
    assert_eq!(
        st,
        json!({"models/llm/m1": {"id": "m1", "pk": "llm", "stage": "staging"}, "models/m2": {"id": "m2", "stage": "production"}})
    );
    let st = state(&env, &dir, &["--key", "stage"]);
    assert!(st.get("models/production").is_some(), "{st}");

    // A latest-version change feed page, documents out of LSN order.
    let page = env.write(
        "feed.json",
        r#"{"_rid":"x=","Documents":[
          {"id":"m1","stage":"production","_rid":"r1","_etag":"\"3\"","_ts":1763629300,"_lsn":12},
          {"id":"m1","stage":"staging","_rid":"r1","_etag":"\"2\"","_ts":1763629300,"_lsn":11}],"_count":2}"#,
    );
    let r = import(&env, &page);
    says(&r, "cosmos-changefeed (json");
    let events = log(&env, &page);
    assert_eq!(field(&events, "id"), [&json!("m1@11"), &json!("m1@12")]);
    assert_eq!(
        state(&env, &page, &[]),
        json!({"feed/m1": {"id": "m1", "stage": "production"}})
    );
}

#[test]
fn cosmos_all_versions_and_deletes_feed() {
    let env = Env::new();
    let input = "fixtures/azure/cosmos/models-changefeed.jsonl";
    let r = import(&env, input);
    says(&r, "cosmos-changefeed-all-versions (jsonl), 4 events");
    let events = log(&env, input);
    assert_eq!(field(&events, "type"), ["create", "create", "replace", "delete"]);
    assert_eq!(field(&events, "kind"), ["image", "image", "image", "delete"]);
    assert_eq!(events[3]["stream"], "models-changefeed/models/support-llm-canary");
    assert_eq!(events[2]["meta"]["changeFeed"]["previousImageLSN"], 101);
    assert_eq!(events[0]["time"], "2026-11-20T09:00:00.000000Z");
    assert_eq!(
        state(&env, input, &[]),
        json!({"models-changefeed/models/support-llm": {"id": "support-llm", "pk": "models", "version": 3, "stage": "production", "metrics": {"accuracy": 0.9}}})
    );
}

#[test]
fn cosmos_older_change_type_and_metadata_ids() {
    let env = Env::new();
    let p = env.write(
        "agents.jsonl",
        r#"{"current":{"id":"a1","pk":"bots","status":"idle","_ts":1763629200},"metadata":{"lsn":7,"crts":1763629200,"changeType":"Create"}}
{"current":{"id":"a1","pk":"bots","status":"busy","_ts":1763629260},"metadata":{"lsn":9,"crts":1763629260,"changeType":"Replace"}}
{"metadata":{"lsn":11,"crts":1763629300,"changeType":"Delete","id":"a1","partitionKey":{"pk":"bots"}}}
"#,
    );
    let r = import(&env, &p);
    says(&r, "cosmos-changefeed-all-versions (jsonl), 3 events");
    let events = log(&env, &p);
    assert_eq!(field(&events, "kind"), ["image", "image", "delete"]);
    assert!(events.iter().all(|e| e["stream"] == "agents/bots/a1"), "{events:?}");
    assert_eq!(state(&env, &p, &[]), json!({}));
}

#[test]
fn real_cosmos_change_feed_samples() {
    let env = Env::new();
    let input = data("cosmos-changefeed-avad/changefeed-items.jsonl");
    // Each change is there twice, with the same id, lsn, operation and document:
    // one event each (the identity of a change is its document id, lsn and operation).
    says(&import(&env, &input), "3 events, 3 duplicates skipped");
    let events = log(&env, &input);
    assert_eq!(field(&events, "kind"), ["image", "image", "delete"]);
    assert!(events
        .iter()
        .all(|e| e["stream"] == "changefeed-items/1946c04a-070b-48c0-8e36-517c8d2f92ed"));
    assert_eq!(events[1]["data"]["prop"], "Gates");
    assert_eq!(events[1]["meta"]["changeFeed"]["timeToLiveExpired"], true);
    assert!(events[0]["meta"]["_etag"].as_str().expect("etag").starts_with('"'));

    // The folder: metadata-only changes carry no document and are reported.
    let folder = data("cosmos-changefeed-avad");
    let r = import(&env, &folder);
    says(&r, "3 events, 2 skipped, 9 duplicates skipped");
    says(
        &r,
        "changefeed-metadata-only.replace.1.json:1: change feed replace without \"current\"",
    );
}

// ------------------------------------------------------------ Event Grid

#[test]
fn event_grid_deliveries_are_deduplicated_and_ordered_by_event_time() {
    let env = Env::new();
    let input = "fixtures/azure/eventgrid";
    let r = import(&env, input);
    says(
        &r,
        "eventgrid (json; 1 from dead-letter blobs), 7 events, 1 duplicate skipped",
    );
    let events = log(&env, input);
    let ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().expect("id")).collect();
    assert_eq!(
        ids,
        ["eg-001", "eg-002", "eg-003", "eg-004", "eg-005", "eg-006", "eg-007"]
    );
    assert_eq!(events[0]["stream"], "training/jobs/job-7");
    assert_eq!(events[0]["type"], "Training.JobStarted");
    assert_eq!(events[0]["meta"]["dataVersion"], "1.0");
    assert!(events[0]["meta"]["topic"]
        .as_str()
        .expect("topic")
        .ends_with("/topics/training"));
    let dead = &events[6];
    assert_eq!(dead["time"], "2026-11-20T09:07:00.120007Z");
    assert_eq!(dead["meta"]["deadLetterReason"], "MaxDeliveryAttemptsExceeded");
    assert_eq!(dead["meta"]["deliveryAttempts"], 30);
}

#[test]
fn event_grid_keys_match_case_insensitively() {
    let env = Env::new();
    let p = env.write(
        "eg.jsonl",
        r#"{"Id":"1","Subject":"jobs/7","EventType":"Started","EventTime":"2026-11-20T10:00:01.1234567Z","Data":{"a":1},"DataVersion":"1","MetadataVersion":"1"}
{"id":"2","subject":"jobs/7","eventType":"Done","eventTime":"2026-11-20T10:00:00.9999999Z","data":{"b":2},"dataVersion":"1"}
"#,
    );
    let r = import(&env, &p);
    says(&r, "eventgrid (jsonl), 2 events");
    let events = log(&env, &p);
    assert_eq!(field(&events, "id"), ["2", "1"]);
    assert_eq!(events[1]["time"], "2026-11-20T10:00:01.123456Z");
    assert_eq!(state(&env, &p, &[]), json!({"jobs/7": {"a": 1, "b": 2}}));
}

#[test]
fn real_event_grid_mocks() {
    let env = Env::new();
    let input = data("eventgrid-mocks/eg_storage_dict.json");
    let r = import(&env, &input);
    says(&r, "eventgrid (");
    let e = &log(&env, &input)[0];
    assert_eq!(e["type"], "Microsoft.Storage.BlobCreated");
    assert_eq!(e["time"], "2020-08-07T02:28:23.867525Z");
    assert!(e["stream"]
        .as_str()
        .expect("stream")
        .starts_with("/blobServices/default/containers/"));
    assert_eq!(e["data"]["api"], "PutBlockList");
    assert_eq!(e["meta"]["metadataVersion"], "1");
    let custom = data("eventgrid-mocks/eg_custom_dict.json");
    says(&import(&env, &custom), "eventgrid (");
}

// ------------------------------------------------------------ CloudEvents

#[test]
fn cloudevents_fixture_decodes_data_and_dedupes_by_source_and_id() {
    let env = Env::new();
    let input = "fixtures/azure/cloudevents";
    let r = import(&env, input);
    says(&r, "cloudevents (jsonl), 6 events, 1 duplicate skipped");
    let events = log(&env, input);
    let by_id = |id: &str| events.iter().find(|e| e["id"] == id).unwrap_or_else(|| panic!("{id}"));
    assert_eq!(by_id("ce-001")["stream"], "sessions/s-9");
    assert_eq!(
        by_id("ce-001")["meta"]["traceparent"],
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    );
    assert_eq!(by_id("ce-003")["data"], json!({"$bytes": "AAEC+vv8"}));
    assert_eq!(by_id("ce-004")["data"], json!({"turns": 4, "tokens": 912}));
    assert_eq!(by_id("ce-005")["stream"], "/ai-platform/agents/support-bot");
    assert_eq!(events.last().expect("events")["id"], "ce-006");
}

#[test]
fn real_cloudevents_spec_examples() {
    let env = Env::new();
    let input = data("cloudevents/spec-json-format");
    let r = import(&env, &input);
    // 01 and the first event of 07 carry the spec's placeholder data_base64: they stay,
    // their payload kept raw; 04 and 06 repeat the (source, id) of 03 and 05 with
    // other data: id conflicts, both kept.
    says(&r, "8 events, 2 warnings, 2 id conflicts");
    let events = log(&env, &input);
    let placeholders: Vec<&Value> = events
        .iter()
        .filter(|e| e["data"]["$undecodable"] == "... base64 encoded string ...")
        .collect();
    assert_eq!(placeholders.len(), 2, "{events:?}");
    assert!(placeholders.iter().all(|e| e["data"]["$error"]
        .as_str()
        .is_some_and(|s| s.starts_with("data_base64: invalid base64"))));
    let batch = log(&env, data("cloudevents/spec-json-format/07-batch-two-events.json"));
    assert_eq!(batch.len(), 2, "the spec's batch example: both events");
    let xml = events.iter().find(|e| e["id"] == "B234-1234-1234").expect("02");
    assert_eq!(xml["data"], "<much wow=\"xml\"/>");
    assert_eq!(xml["meta"]["comexampleothervalue"], 5);
    assert!(xml["meta"].get("unsetextension").is_none());
    let string = events.iter().find(|e| e["id"] == "D234-1234-1234").expect("05");
    assert_eq!(string["data"], "I'm just a string");

    // Alone, 04 and 06 import: a number as data, data_base64 holding JSON.
    let number = data("cloudevents/spec-json-format/04-json-number-data.json");
    import(&env, &number);
    assert_eq!(log(&env, &number)[0]["data"], json!(1.5));
    let b64 = data("cloudevents/spec-json-format/06-data_base64-no-datacontenttype.json");
    import(&env, &b64);
    assert_eq!(log(&env, &b64)[0]["data"], json!({"xyz": 123}));

    let azure = data("eventgrid-mocks/cloud_custom_base64_dict.json");
    let r = import(&env, &azure);
    says(&r, "cloudevents (");
    assert_eq!(log(&env, &azure)[0]["data"], json!({"$bytes": "Y2xvdWRldmVudA=="}));
}

#[test]
fn cloudevent_with_both_data_and_data_base64_is_skipped_and_bad_base64_kept_raw() {
    let env = Env::new();
    let p = env.write(
        "ce.jsonl",
        r#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{"a":1},"data_base64":"eyJhIjoxfQ=="}
{"specversion":"1.0","id":"2","source":"/s","type":"t","data_base64":"not base64!"}
{"specversion":"1.0","id":"3","source":"/s","type":"t","data":{"ok":true}}
"#,
    );
    let r = import(&env, &p);
    // Both members is no usable envelope: skipped. Bad base64 is a payload kept raw.
    says(&r, "2 events, 1 skipped");
    says(&r, "ce.jsonl:1: CloudEvent has both \"data\" and \"data_base64\"");
    let events = log(&env, &p);
    assert_eq!(events[0]["data"]["$undecodable"], "not base64!");
}

// ------------------------------------------------------------ Detection

#[test]
fn generic_event_records_are_not_claimed() {
    let env = Env::new();
    let generic = env.write(
        "generic.jsonl",
        r#"{"id":"1","stream":"s","type":"T","time":"2026-11-20T10:00:00Z","data":{"a":1}}
"#,
    );
    says(&import(&env, &generic), ": jsonl, 1 event");
    // Event Grid-like names without dataVersion/metadataVersion stay generic too.
    let lookalike = env.write(
        "look.jsonl",
        r#"{"id":"1","subject":"s","eventType":"T","eventTime":"2026-11-20T10:00:00Z","data":{"a":1}}
"#,
    );
    says(&import(&env, &lookalike), ": jsonl, 1 event");
    // --input-format forces the family.
    let r = env.run(&["import", look_path(&lookalike), "--input-format", "eventgrid"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    says(&r, "eventgrid (jsonl), 1 event");
}

fn look_path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
