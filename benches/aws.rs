//! `cargo bench --bench aws`: import of a DynamoDB full export (default 1M event
//! items in 10 gzip data files, DynamoDB JSON) against the same events as generic
//! JSONL, through the library with a fresh cache each run. Prints medians and
//! events/s; the target is an export rate of at least 80% of the JSONL rate. The two
//! imports alternate run by run.
//! REWIND_BENCH_EVENTS changes the size, REWIND_BENCH_RUNS the number of runs.

mod common;

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use flate2::write::GzEncoder;

// The `rewind` binary runs on mimalloc (src/main.rs); measure the same.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Deterministic pseudo-random choices: a hash of the event number and a counter.
struct Pick {
    i: u64,
    n: u64,
}

impl Pick {
    fn below(&mut self, n: u64) -> u64 {
        self.n += 1;
        rewind::hash::fnv1a_parts(&[&self.i.to_le_bytes(), &self.n.to_le_bytes()]) % n
    }
    fn next(&mut self) -> u64 {
        self.below(u64::MAX)
    }
}

/// One event, in both shapes: (JSONL line, DynamoDB JSON item line).
fn event(i: u64, seqs: &mut [u64]) -> (String, String) {
    let rng = &mut Pick { i, n: 0 };
    let s = rng.below(seqs.len() as u64) as usize;
    seqs[s] += 1;
    let seq = seqs[s];
    let t = 1_795_000_000_000_000i64 + i as i64 * 1_000 + rng.below(900) as i64;
    let (secs, micros) = (t / 1_000_000, t % 1_000_000);
    let time = format!(
        "2026-11-{:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        1 + (secs / 86_400) % 28,
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    );
    let words = 30 + rng.below(25) as usize;
    let content = common::text(words, |n| rng.below(n));
    let role = if rng.below(2) == 0 { "user" } else { "assistant" };
    let tokens = rng.below(800);
    let model = 1 + rng.below(4);
    let id = format!("{:016x}{:016x}", rng.next(), i);
    let mut jsonl = String::with_capacity(512);
    let _ = write!(
        jsonl,
        r#"{{"id":"{id}","stream":"agent/sess-{s:04}","seq":{seq},"type":"MessageAdded","time":"{time}","data":{{"role":"{role}","content":"{content}","tokens":{tokens},"model":"support-llm-v{model}"}}}}"#
    );
    let mut item = String::with_capacity(640);
    let _ = write!(
        item,
        r#"{{"Item":{{"id":{{"S":"{id}"}},"stream":{{"S":"agent/sess-{s:04}"}},"seq":{{"N":"{seq}"}},"type":{{"S":"MessageAdded"}},"time":{{"S":"{time}"}},"data":{{"M":{{"role":{{"S":"{role}"}},"content":{{"S":"{content}"}},"tokens":{{"N":"{tokens}"}},"model":{{"S":"support-llm-v{model}"}}}}}}}}}}"#
    );
    (jsonl, item)
}

fn generate(jsonl: &Path, export: &Path, n: u64) -> std::io::Result<()> {
    const FILES: u64 = 10;
    let id = "01795000000000-bench000";
    let dir = export.join("AWSDynamoDB").join(id);
    fs::create_dir_all(dir.join("data"))?;
    let mut plain = BufWriter::with_capacity(1 << 20, File::create(jsonl)?);
    let mut seqs = vec![0u64; 1000];
    let mut manifest = String::new();
    let per_file = n.div_ceil(FILES);
    for f in 0..FILES {
        let name = format!("bench{f:04}.json.gz");
        let mut gz = GzEncoder::new(
            BufWriter::with_capacity(1 << 20, File::create(dir.join("data").join(&name))?),
            flate2::Compression::default(),
        );
        let from = f * per_file;
        let to = ((f + 1) * per_file).min(n);
        for i in from..to {
            let (line, item) = event(i, &mut seqs);
            plain.write_all(line.as_bytes())?;
            plain.write_all(b"\n")?;
            gz.write_all(item.as_bytes())?;
            gz.write_all(b"\n")?;
        }
        gz.finish()?.flush()?;
        let _ = writeln!(
            manifest,
            r#"{{"itemCount":{},"md5Checksum":"","etag":"","dataFileS3Key":"AWSDynamoDB/{id}/data/{name}"}}"#,
            to.saturating_sub(from)
        );
    }
    plain.flush()?;
    fs::write(dir.join("manifest-files.json"), manifest)?;
    fs::write(
        dir.join("manifest-summary.json"),
        format!(
            r#"{{"version":"2020-06-30","exportArn":"arn:aws:dynamodb:us-east-1:123456789012:table/AgentEvents/export/{id}","tableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/AgentEvents","exportTime":"2026-11-30T00:00:00.000Z","manifestFilesS3Key":"AWSDynamoDB/{id}/manifest-files.json","itemCount":{n},"outputFormat":"DYNAMODB_JSON"}}"#
        ),
    )?;
    Ok(())
}

/// Seconds to import `input` into a fresh cache, checking the event count.
fn time_import(input: &Path, cache: &Path, n: u64) -> f64 {
    let (secs, events) = common::import_lib(input, cache);
    assert_eq!(events, n, "events imported from {}", input.display());
    secs
}

fn main() {
    let n = common::env_num("REWIND_BENCH_EVENTS", 1_000_000);
    let runs = common::env_num("REWIND_BENCH_RUNS", 3).max(1) as usize;
    let dir = common::bench_dir();
    let jsonl = dir.join(format!("aws-events-{n}.jsonl"));
    let export = dir.join(format!("aws-export-{n}"));
    if !jsonl.exists() || !export.join("AWSDynamoDB").exists() {
        let _ = fs::remove_dir_all(&export);
        let t = Instant::now();
        generate(&jsonl, &export, n).expect("generate");
        println!("generated {n} events in {:.1}s", t.elapsed().as_secs_f64());
    }
    // The two imports alternate, so a change of load on a shared machine falls on both.
    let (mut jsonls, mut exports) = (Vec::new(), Vec::new());
    let cache = dir.join("aws-bench.db");
    for _ in 0..runs {
        jsonls.push(time_import(&jsonl, &cache, n));
        exports.push(time_import(&export, &cache, n));
    }
    common::remove_db(&cache);
    // Each run's pair ran back to back: the median of their ratios is the least
    // swayed by a machine whose speed changes over the bench.
    let mut ratios: Vec<f64> = jsonls.iter().zip(&exports).map(|(j, e)| j / e).collect();
    let paired = common::median(&mut ratios);
    let (tj, te) = (common::median(&mut jsonls), common::median(&mut exports));
    let (rj, re) = (n as f64 / tj, n as f64 / te);
    println!("generic JSONL:            median {tj:.2}s = {rj:.0} events/s ({runs} runs)");
    println!("DynamoDB export (gzip):   median {te:.2}s = {re:.0} events/s ({runs} runs)");
    println!(
        "export / JSONL rate:      {:.0}% of the medians, {:.0}% median of the paired runs (target >= 80%)",
        100.0 * re / rj,
        100.0 * paired
    );
}
