//! `cargo bench --bench azure`: an Event Hubs Capture tree of 1M events (4
//! partitions, deflate like Capture writes, JSON event bodies of ~250 bytes)
//! against the same bodies as generic JSONL, both imported through the library
//! into a fresh cache. Prints medians over REWIND_BENCH_RUNS runs (default 3) and
//! the ratio; the two imports alternate run by run. REWIND_BENCH_EVENTS changes the size. The JSONL lines are the events
//! the capture import makes (time = enqueued time, the same meta), so both
//! imports store the same events.

mod common;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use apache_avro::types::{Record, Value};
use apache_avro::{Codec, Schema, Writer};

// The `rewind` binary runs on mimalloc (src/main.rs); measure the same.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SCHEMA: &str = r#"{"type":"record","name":"EventData","namespace":"Microsoft.ServiceBus.Messaging","fields":[
  {"name":"SequenceNumber","type":"long"},
  {"name":"Offset","type":"string"},
  {"name":"EnqueuedTimeUtc","type":"string"},
  {"name":"SystemProperties","type":{"type":"map","values":["long","double","string","bytes"]}},
  {"name":"Properties","type":{"type":"map","values":["long","double","string","bytes","null"]}},
  {"name":"Body","type":["null","bytes"]}]}"#;

const PARTITIONS: u64 = 4;
const PER_FILE: u64 = 25_000;
const TYPES: &[&str] = &[
    "MessageAdded",
    "ToolCalled",
    "TokensUsed",
    "MemoryUpdated",
    "RunCompleted",
];

/// Event `i`: the JSON body (also the JSONL line) and its enqueued second.
fn body(i: u64) -> (String, u64) {
    let second = 1_763_629_200 + i / 50;
    let body = format!(
        r#"{{"stream":"agents/a-{}","type":"{}","id":"ev-{i}","data":{{"turn":{},"text":"user asked about order status and shipping policy {i}","tokens":{{"prompt":{},"completion":{}}},"tool":"orders.lookup"}}}}"#,
        i % 1000,
        TYPES[(i % TYPES.len() as u64) as usize],
        i / 1000,
        100 + i % 700,
        10 + i % 90
    );
    (body, second)
}

/// en-US `M/D/YYYY h:mm:ss AM|PM` of an epoch second.
fn en_us(secs: u64) -> String {
    let t = chrono::DateTime::from_timestamp(secs as i64, 0).expect("time");
    t.format("%-m/%-d/%Y %-I:%M:%S %p").to_string()
}

fn generate(dir: &Path, jsonl: &Path, n: u64) {
    let schema = Schema::parse_str(SCHEMA).expect("schema");
    let mut lines = BufWriter::new(File::create(jsonl).expect("jsonl"));
    let mut writers: Vec<Option<Writer<BufWriter<File>>>> = (0..PARTITIONS).map(|_| None).collect();
    let mut seqs = vec![0i64; PARTITIONS as usize];
    for i in 0..n {
        let (body, second) = body(i);
        let p = (i % PARTITIONS) as usize;
        let seq = seqs[p];
        // The JSONL line is the same event as the import makes of the capture record:
        // the enqueued time as its time and the same meta.
        let time = chrono::DateTime::from_timestamp(second as i64, 0).expect("time");
        writeln!(
            lines,
            r#"{{"time":"{}","meta":{{"partition":"hub/{p}","sequenceNumber":{seq},"offset":"{}","enqueuedTimeUtc":"{}","properties":{{"source":"agent-runtime"}}}},{}"#,
            time.to_rfc3339(),
            seq * 400,
            en_us(second),
            &body[1..]
        )
        .expect("write");
        seqs[p] += 1;
        if (seq as u64).is_multiple_of(PER_FILE) {
            if let Some(w) = writers[p].take() {
                w.into_inner().expect("flush").flush().expect("flush");
            }
            let t = chrono::DateTime::from_timestamp(second as i64, 0).expect("time");
            let path = dir.join(format!("bench-ns/hub/{p}/{}.avro", t.format("%Y/%m/%d/%H/%M/%S")));
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            let file = BufWriter::new(File::create(&path).expect("avro"));
            writers[p] = Some(Writer::with_codec(&schema, file, Codec::Deflate(Default::default())));
        }
        let mut r = Record::new(&schema).expect("record");
        r.put("SequenceNumber", seq);
        r.put("Offset", (seq * 400).to_string());
        r.put("EnqueuedTimeUtc", en_us(second));
        r.put("SystemProperties", Value::Map(Default::default()));
        let mut props = std::collections::HashMap::new();
        props.insert(
            "source".to_string(),
            Value::Union(2, Box::new(Value::String("agent-runtime".into()))),
        );
        r.put("Properties", Value::Map(props));
        r.put("Body", Value::Union(1, Box::new(Value::Bytes(body.into_bytes()))));
        writers[p].as_mut().expect("writer").append(r).expect("append");
    }
    for w in writers.into_iter().flatten() {
        w.into_inner().expect("flush").flush().expect("flush");
    }
    lines.flush().expect("flush");
}

/// Seconds to import `input` into a fresh cache, checking it holds `n` events.
fn import(input: &Path, cache: &Path, n: u64) -> f64 {
    let (secs, events) = common::import_lib(input, cache);
    assert_eq!(events, n, "{}", input.display());
    secs
}

fn main() {
    let n = common::env_num("REWIND_BENCH_EVENTS", 1_000_000);
    let runs = common::env_num("REWIND_BENCH_RUNS", 3) as usize;
    let dir = common::bench_dir().join(format!("azure-{n}"));
    let tree = dir.join("capture");
    let jsonl = dir.join("same-events.jsonl");
    if !jsonl.exists() {
        eprintln!("generating {} ...", dir.display());
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&tree).expect("bench dir");
        generate(&tree, &jsonl.with_extension("tmp"), n);
        fs::rename(jsonl.with_extension("tmp"), &jsonl).expect("rename");
    }
    println!(
        "{n} events; capture tree {} ({PARTITIONS} partitions, deflate); jsonl {}",
        tree.display(),
        jsonl.display()
    );
    let cache = dir.join("bench.db");
    // The two imports alternate, so a change of load on a shared machine falls on both.
    let (mut captures, mut generics) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        captures.push(import(&tree, &cache, n));
        generics.push(import(&jsonl, &cache, n));
    }
    common::remove_db(&cache);
    let (capture, generic) = (common::median(&mut captures), common::median(&mut generics));
    println!(
        "eventhubs-capture: median {capture:.2}s = {:.0} events/s",
        n as f64 / capture
    );
    println!(
        "generic jsonl:     median {generic:.2}s = {:.0} events/s",
        n as f64 / generic
    );
    println!(
        "capture / jsonl rate: {:.0}% (target >= 70%; a shared machine skews both, the ratio of one run is the number)",
        100.0 * generic / capture
    );
}
