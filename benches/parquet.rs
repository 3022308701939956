//! `cargo bench --bench parquet`: import of a Parquet dataset (default 1M events, the
//! suite's agent fleet written by `rewind export --format parquet`: snappy, 128Ki-row
//! row groups, time order) against the same events as JSONL, and of a 1% time window
//! of it (`--since/--until`, which skips row groups by their statistics) against all
//! of it. Through the real binary with a fresh cache each run; the imports alternate
//! run by run. Targets: Parquet at least as fast as JSONL; the window at least 10x
//! faster than the whole.
//! REWIND_BENCH_EVENTS changes the size, REWIND_BENCH_RUNS the number of runs.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Seconds of one `rewind import` of `input` into a fresh cache, with `extra` options.
fn import(input: &Path, rules: &Path, cache: &Path, extra: &[&str]) -> f64 {
    common::remove_db(cache);
    let t = Instant::now();
    let out = Command::new(common::rewind_bin())
        .args(["import", "-q", "--rules"])
        .arg(rules)
        .arg(input)
        .args(extra)
        .arg("-o")
        .arg(cache)
        .output()
        .expect("run rewind");
    let secs = t.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    secs
}

fn main() {
    let n = common::env_num("REWIND_BENCH_EVENTS", 1_000_000);
    let runs = common::env_num("REWIND_BENCH_RUNS", 3).max(1) as usize;
    let jsonl = common::recording(n);
    let rules = common::rules_file();
    let dir = common::bench_dir();
    let parquet = dir.join(format!("agents-{n}.parquet"));
    let cache = dir.join("parquet-bench.db");
    if !parquet.exists() {
        let t = Instant::now();
        import(&jsonl, &rules, &cache, &[]);
        let tmp = dir.join(format!("agents-{n}.part.parquet"));
        let out = Command::new(common::rewind_bin())
            .arg("export")
            .arg(&cache)
            .arg("-q")
            .arg("-o")
            .arg(&tmp)
            .output()
            .expect("run rewind export");
        assert!(
            out.status.success(),
            "export failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::rename(&tmp, &parquet).expect("rename");
        println!("wrote {} in {:.1}s", parquet.display(), t.elapsed().as_secs_f64());
    }
    // Event i of the recording is at base + i ms (common::generate, which spells the
    // time with a day of month cycling every 28 days): the window is the 1% in the middle.
    let at = |i: u64| {
        let secs = 1_795_000_000 + i as i64 / 1_000;
        let (hh, mm, ss) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        format!("2026-11-{:02}T{hh:02}:{mm:02}:{ss:02}Z", 1 + (secs / 86_400) % 28)
    };
    let (since, until) = (at(n / 2), at(n / 2 + n / 100));
    let window = ["--since", since.as_str(), "--until", until.as_str()];
    let events = |extra: &[&str]| {
        let out = Command::new(common::rewind_bin())
            .args(["import", "--json", "--rules"])
            .arg(&rules)
            .arg(&parquet)
            .args(extra)
            .arg("-o")
            .arg(&cache)
            .output()
            .expect("run rewind");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("import --json");
        common::remove_db(&cache);
        v["events"].as_u64().unwrap_or(0)
    };
    let in_window = events(&window);
    assert!(
        in_window * 100 >= n * 9 / 10 && in_window * 100 <= n * 11 / 10,
        "the window holds {in_window} of {n} events"
    );

    let (mut tj, mut tp, mut tw) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        tj.push(import(&jsonl, &rules, &cache, &[]));
        tp.push(import(&parquet, &rules, &cache, &[]));
        tw.push(import(&parquet, &rules, &cache, &window));
    }
    common::remove_db(&cache);
    let mb = |p: &Path| std::fs::metadata(p).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    let (j, p, w) = (
        common::median(&mut tj),
        common::median(&mut tp),
        common::median(&mut tw),
    );
    println!(
        "JSONL ({:.0} MB):            median {j:.2}s = {:.0} events/s ({runs} runs)",
        mb(&jsonl),
        n as f64 / j
    );
    println!(
        "Parquet ({:.0} MB):          median {p:.2}s = {:.0} events/s",
        mb(&parquet),
        n as f64 / p
    );
    println!("Parquet, 1% time window:    median {w:.2}s ({since} .. {until}: {in_window} events)");
    println!("Parquet / JSONL rate:       {:.2}x (target >= 1)", j / p);
    println!("whole / window:             {:.1}x (target >= 10)", p / w);
}
