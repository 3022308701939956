//! `cargo bench --bench engine`: generates a realistic recording (default 1M
//! AI-agent events, ~1000 streams, 300–500-byte payloads) and measures import
//! rate and peak RSS, full replay, `state --at` and `diff` latency. Medians over
//! repeated runs. Set REWIND_BENCH_EVENTS to change the size, REWIND_BENCH_RUNS
//! for the number of import runs. The full suite with baselines is
//! `cargo bench --bench suite` (scripts/bench.sh).

mod common;

use std::fs;

use common::{db_size, env_num, median, p50_p99, Rng};
use rewind::recording::Recording;

// The `rewind` binary runs on mimalloc (src/main.rs); measure the same.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n = env_num("REWIND_BENCH_EVENTS", 1_000_000);
    let runs = env_num("REWIND_BENCH_RUNS", 3).max(1) as usize;
    let rules = common::rules_file();
    let data = common::recording(n);
    let bytes = fs::metadata(&data).expect("data").len() as f64;
    println!(
        "recording: {n} events, {:.1} MB, {} streams ({})",
        bytes / 1e6,
        common::STREAMS,
        data.display()
    );

    // Import: a fresh cache each run, through the real binary.
    let cache = common::bench_dir().join("bench.db");
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..runs {
        let (secs, r) = common::import_once(&rules, &data, &cache);
        times.push(secs);
        rss.extend(r);
    }
    let t = median(&mut times);
    println!(
        "import: median {:.2}s = {:.0} events/s, {:.1} MB/s; peak RSS median {:.1} MiB",
        t,
        n as f64 / t,
        bytes / 1e6 / t,
        median(&mut rss) / 1024.0
    );
    let size = db_size(&cache) as f64;
    println!(
        "cache size: {:.1} MB before checkpoints ({:.2}x the JSONL)",
        size / 1e6,
        size / bytes
    );

    // Full replay: build checkpoints from scratch, in process.
    let mut replay: Vec<f64> = (0..runs).map(|_| common::replay_once(&cache)).collect();
    let r = median(&mut replay);
    println!(
        "full replay (with checkpoint writes): median {:.2}s = {:.0} events/s",
        r,
        n as f64 / r
    );
    let size = db_size(&cache) as f64;
    println!(
        "cache size with checkpoints: {:.1} MB ({:.2}x the JSONL)",
        size / 1e6,
        size / bytes
    );

    // state --at random points: in process (engine latency) and through the CLI.
    let (rec, _) = Recording::open(&common::open_options(&cache), &mut |_| {}).expect("open");
    let mut rng = Rng(42);
    let (p50, p99) = p50_p99(common::state_world_ms(&rec, &mut rng, 100));
    println!("state --at random (world, in process): p50 {p50:.1} ms, p99 {p99:.1} ms");
    let (p50, p99) = p50_p99(common::state_stream_ms(&rec, &mut rng, 100));
    println!("state --at random --stream (in process): p50 {p50:.2} ms, p99 {p99:.2} ms");
    let (p50, p99) = p50_p99(common::state_cli_ms(&cache, n, &mut rng, 30));
    println!("rewind state --at random (CLI process, world): p50 {p50:.1} ms, p99 {p99:.1} ms");
    let (p50, p99) = p50_p99(common::diff_ms(&rec, &mut rng, 50));
    println!("diff random points (world, in process): p50 {p50:.1} ms, p99 {p99:.1} ms");
}
