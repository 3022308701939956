//! `cargo bench --bench ab -- CACHE [RUNS] [replay|state]`: the engine's replay and world-state
//! timings on a cache you give, for comparing two builds on a machine whose speed
//! changes: build this bench at each commit (e.g. in a `git worktree`), copy the
//! binaries out of `target/release/deps/ab-*`, and run them alternately on two
//! copies of one cache. Prints each full replay (checkpoints dropped and rebuilt,
//! in process) and the world state at 100 random points written out as `rewind
//! state` does, p50 / p99, three times; `replay` or `state` runs only that part.
//! A build whose checkpoint format differs rebuilds the cache's checkpoints on
//! open, hence one copy per build.

mod common;

use std::path::PathBuf;

use common::{p50_p99, Rng};
use rewind::recording::Recording;

// The `rewind` binary runs on mimalloc (src/main.rs); measure the same.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // `cargo bench` passes `--bench` first; the cache is the first other argument.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let Some(cache) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo bench --bench ab -- CACHE [RUNS] [replay|state]");
        std::process::exit(2);
    };
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(1);
    let only = args.get(2).map(String::as_str);
    for _ in 0..if only == Some("state") { 0 } else { runs } {
        let secs = common::replay_once(&cache);
        let (rec, _) = Recording::open(&common::open_options(&cache), &mut |_| {}).expect("open");
        println!("replay {secs:.3}s = {:.0} events/s", rec.len() as f64 / secs);
    }
    if only == Some("replay") {
        return;
    }
    let (rec, _) = Recording::open(&common::open_options(&cache), &mut |_| {}).expect("open");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3 {
        let (p50, p99) = p50_p99(common::state_world_ms(&rec, &mut rng, 100));
        println!("world state p50 {p50:.1} ms, p99 {p99:.1} ms");
    }
}
