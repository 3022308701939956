//! `cargo bench --bench eventstore`: one 256 MiB EventStoreDB chunk (a database
//! folder with a completed chunk and writer.chk) against the same events as generic
//! JSON Lines. Imports each through the library into a fresh cache
//! (`Recording::open`) and prints the median of REWIND_BENCH_RUNS runs (default 3)
//! in events/s, then one import of each through the binary for its peak RSS (the
//! chunk is streamed, so memory stays flat). Data is generated once under
//! target/bench-data/esdb/. REWIND_BENCH_CHUNK_MIB changes the chunk size.

mod common;
#[path = "../tests/cli/eventstore/writer.rs"]
mod writer;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use rewind::ingest::eventstore::guid::format_guid;
use writer::{guid_n, ticks, Db, Prepare};

// The `rewind` binary runs on mimalloc (src/main.rs); measure the same.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Write the folder and the JSONL of the same events; returns the event count.
fn generate(db_dir: &Path, jsonl: &Path, chunk_mib: i32) -> u64 {
    let chunk_size = chunk_mib * 1024 * 1024;
    let mut db = Db::new(db_dir, chunk_size);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(jsonl).expect("jsonl"));
    let mut rng = common::Rng(0x9e37_79b9_7f4a_7c15);
    let mut seqs = vec![0i64; 1000];
    let base: i64 = 1_795_000_000_000_000;
    let mut n = 0u64;
    // Stop one maximal record short of the chunk's end, then complete it.
    while db.pos + 4096 < i64::from(chunk_size) {
        let s = rng.below(1000) as usize;
        let stream = format!("agent-{s:04}");
        let seq = seqs[s];
        seqs[s] += 1;
        let us = base + n as i64 * 1000 + rng.below(900) as i64;
        let (ty, data) = match rng.below(3) {
            0 => (
                "MessageAdded",
                format!(
                    r#"{{"role":"assistant","content":"{}","tokens":{}}}"#,
                    rng.text(40),
                    rng.below(800)
                ),
            ),
            1 => (
                "ToolCalled",
                format!(
                    r#"{{"tool":"search","args":{{"query":"{}","top_k":{}}},"latency_ms":{}}}"#,
                    rng.text(14),
                    rng.below(20),
                    rng.below(2000)
                ),
            ),
            _ => (
                "TokensUsed",
                format!(
                    r#"{{"prompt":{},"completion":{},"note":"{}"}}"#,
                    rng.below(4000),
                    rng.below(1000),
                    rng.text(28)
                ),
            ),
        };
        let id = guid_n(0xbe, n);
        let p = Prepare::single(&stream, seq, ty, data.as_bytes(), id, ticks(us));
        let pos = db.prepare(&p);
        writeln!(
            out,
            r#"{{"stream":"{stream}","seq":{seq},"id":"{}","type":"{ty}","time":"{}","data":{data},"meta":{{"commitPosition":{pos},"preparePosition":{pos},"correlationId":"{}"}}}}"#,
            format_guid(&id),
            rewind::time::format_micros(us),
            format_guid(&p.correlation_id),
        )
        .expect("write");
        n += 1;
    }
    out.flush().expect("flush");
    db.finish_completed();
    n
}

/// Median seconds of importing `input` into a fresh cache through the library.
fn import_secs(input: &Path, cache: &Path, runs: usize) -> f64 {
    let mut times: Vec<f64> = (0..runs.max(1)).map(|_| common::import_lib(input, cache).0).collect();
    common::median(&mut times)
}

/// Peak RSS (MiB) of one import through the binary.
fn peak_rss(input: &Path, cache: &Path) -> Option<f64> {
    common::import_bin(None, input, cache).1.map(|kib| kib / 1024.0)
}

fn main() {
    let runs = common::env_num("REWIND_BENCH_RUNS", 3) as usize;
    let mib = common::env_num("REWIND_BENCH_CHUNK_MIB", 256) as i32;
    let dir = common::bench_dir().join("esdb");
    let db_dir = dir.join(format!("db-{mib}"));
    let jsonl = dir.join(format!("events-{mib}.jsonl"));
    let done = dir.join(format!("done-{mib}"));
    fs::create_dir_all(&dir).expect("bench dir");
    let n: u64 = match fs::read_to_string(&done).ok().and_then(|s| s.trim().parse().ok()) {
        Some(n) => n,
        None => {
            eprintln!("generating {} and {} ...", db_dir.display(), jsonl.display());
            let _ = fs::remove_dir_all(&db_dir);
            let n = generate(&db_dir, &jsonl, mib);
            fs::write(&done, n.to_string()).expect("marker");
            n
        }
    };
    let chunk_bytes = fs::metadata(db_dir.join("chunk-000000.000000")).expect("chunk").len() as f64;
    let jsonl_bytes = fs::metadata(&jsonl).expect("jsonl").len() as f64;
    println!(
        "{n} events: chunk {:.1} MiB, JSONL {:.1} MiB (shared machine: compare the ratio, not the absolute rates)",
        chunk_bytes / 1048576.0,
        jsonl_bytes / 1048576.0
    );
    let cache = dir.join("bench.db");
    let t_db = import_secs(&db_dir, &cache, runs);
    let t_jsonl = import_secs(&jsonl, &cache, runs);
    let (r_db, r_jsonl) = (n as f64 / t_db, n as f64 / t_jsonl);
    println!("eventstore-db: median {t_db:.2}s = {r_db:.0} events/s");
    println!("generic jsonl: median {t_jsonl:.2}s = {r_jsonl:.0} events/s");
    println!(
        "ratio: {:.0}% of the JSONL rate (target >= 80%)",
        100.0 * r_db / r_jsonl
    );
    if let (Some(a), Some(b)) = (peak_rss(&db_dir, &cache), peak_rss(&jsonl, &cache)) {
        println!("peak RSS: eventstore-db {a:.1} MiB, jsonl {b:.1} MiB");
    }
    common::remove_db(&cache);
}
