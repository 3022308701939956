//! `cargo bench --bench ab -- CACHE [RUNS] [replay|state]`: the engine's replay and world-state
//! timings on a cache you give, for comparing two builds on a machine whose speed
//! changes: build this bench at each commit (e.g. in a `git worktree`), copy the
//! binaries out of `target/release/deps/ab-*`, and run them alternately on two
//! copies of one cache. Prints each full replay (checkpoints dropped and rebuilt,
//! in process) and the world state at 100 random points written out as `rewind
//! state` does, p50 / p99, three times; `replay` or `state` runs only that part.
//! A build whose checkpoint format differs rebuilds the cache's checkpoints on
//! open, hence one copy per build.
//!
//! `cargo bench --bench ab -- import BIN_A BIN_B [RUNS]`: `rewind import` of the
//! generated recording (REWIND_BENCH_EVENTS, default 1M, with the suite's rules)
//! through two `rewind` binaries, alternating A and B run by run (default 5 pairs):
//! each build's median and the median of the paired B/A time ratios.

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
    if args.first().map(String::as_str) == Some("import") {
        return import_ab(&args[1..]);
    }
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

fn import_ab(args: &[String]) {
    let (Some(a), Some(b)) = (args.first(), args.get(1)) else {
        eprintln!("usage: cargo bench --bench ab -- import BIN_A BIN_B [RUNS]");
        std::process::exit(2);
    };
    let (a, b) = (PathBuf::from(a), PathBuf::from(b));
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let n = common::env_num("REWIND_BENCH_EVENTS", 1_000_000);
    let rules = common::rules_file();
    let data = common::recording(n);
    let cache = common::bench_dir().join("ab-import.db");
    let (mut ta, mut tb, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        let (sa, ra) = common::import_with(&a, Some(&rules), &data, &cache);
        let (sb, rb) = common::import_with(&b, Some(&rules), &data, &cache);
        let mib = |r: Option<f64>| r.map_or("?".to_string(), |k| format!("{:.1}", k / 1024.0));
        println!(
            "pair {}: A {sa:.2}s ({} MiB)  B {sb:.2}s ({} MiB)  B/A {:.3}",
            i + 1,
            mib(ra),
            mib(rb),
            sb / sa
        );
        ta.push(sa);
        tb.push(sb);
        ratio.push(sb / sa);
    }
    let (ma, mb) = (common::median(&mut ta), common::median(&mut tb));
    println!(
        "import of {n} events: A median {ma:.2}s = {:.0} events/s; B median {mb:.2}s = {:.0} events/s; \
         B/A of medians {:.3}, median of paired ratios {:.3}",
        n as f64 / ma,
        n as f64 / mb,
        mb / ma,
        common::median(&mut ratio)
    );
}
