//! `cargo bench --bench engine`: generates a realistic recording (default 1M
//! AI-agent events, ~1000 streams, 300–500-byte payloads) and measures import
//! rate and peak RSS, full replay, `state --at` and `diff` latency. Medians over
//! repeated runs. Set REWIND_BENCH_EVENTS to change the size, REWIND_BENCH_RUNS
//! for the number of import runs.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rewind::recording::{OpenOptions, Recording};
use rewind::replay::WorldView;

// The `rewind` binary runs on mimalloc (src/main.rs); measure the same.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// xorshift: deterministic data without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn word(&mut self) -> &'static str {
        const W: &[&str] = &[
            "the",
            "model",
            "retrieval",
            "context",
            "customer",
            "invoice",
            "refund",
            "policy",
            "search",
            "summary",
            "answer",
            "ticket",
            "latency",
            "embedding",
            "vector",
            "index",
            "tool",
            "result",
            "plan",
            "step",
            "user",
            "asked",
            "about",
            "order",
            "status",
            "shipping",
            "délai",
            "配送",
            "🚚",
            "eval",
        ];
        W[self.below(W.len() as u64) as usize]
    }
    fn text(&mut self, words: usize) -> String {
        let mut s = String::new();
        for i in 0..words {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(self.word());
        }
        s
    }
}

const RULES: &str = r#"{"rules": [
  {"type": "MessageAdded", "op": "replace", "path": "/last_message"},
  {"type": "ToolCalled", "op": "replace", "path": "/tools/{tool}"},
  {"type": "Memory*", "op": "merge", "path": "/memory"},
  {"type": "ParamsPatched", "op": "patch", "from": "/ops", "path": "/params"},
  {"type": "TokensUsed", "op": "merge", "path": "/usage"},
  {"type": "Heartbeat", "op": "ignore"}
]}"#;

fn generate(path: &Path, n: u64, streams: u64) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut seqs = vec![0u64; streams as usize];
    let base: i64 = 1_795_000_000_000_000; // 2026-11 in µs
    let mut line = String::with_capacity(1024);
    for i in 0..n {
        let s = rng.below(streams);
        seqs[s as usize] += 1;
        let seq = seqs[s as usize];
        let t = base + (i as i64) * 1_000 + rng.below(900) as i64;
        let secs = t / 1_000_000;
        let micros = t % 1_000_000;
        let (hh, mm, ss) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        let day = 1 + (secs / 86_400) % 28;
        line.clear();
        let _ = write!(
            line,
            r#"{{"id":"{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}","stream":"agent/sess-{s:04}","seq":{seq},"time":"2026-11-{day:02}T{hh:02}:{mm:02}:{ss:02}.{micros:06}Z","#,
            rng.next() as u32,
            rng.below(65536),
            rng.below(4096),
            rng.below(4096),
            rng.next() & 0xffff_ffff_ffff
        );
        let kind = rng.below(100);
        let data = match kind {
            0..=39 => format!(
                r#""type":"MessageAdded","data":{{"role":"{}","content":"{}","tokens":{},"model":"support-llm-v{}"}}"#,
                if rng.below(2) == 0 { "user" } else { "assistant" },
                {
                    let words = 30 + rng.below(25) as usize;
                    rng.text(words)
                },
                rng.below(800),
                1 + rng.below(4)
            ),
            40..=59 => format!(
                r#""type":"ToolCalled","data":{{"tool":"{}","call_id":"call_{:x}","args":{{"query":"{}","top_k":{}}},"latency_ms":{}}}"#,
                ["search", "lookup_order", "refund", "kb_fetch", "calculator"][rng.below(5) as usize],
                rng.next(),
                rng.text(12),
                rng.below(20),
                rng.below(2000)
            ),
            60..=74 => format!(
                r#""type":"MemoryUpdated","data":{{"goal":"{}","facts":{{"k{}":"{}"}},"scratch":{}}}"#,
                rng.text(8),
                rng.below(12),
                rng.text(10),
                if rng.below(4) == 0 {
                    "null".to_string()
                } else {
                    format!("\"{}\"", rng.text(6))
                }
            ),
            75..=84 => format!(
                r#""type":"ParamsPatched","data":{{"ops":[{{"op":"add","path":"/temperature","value":0.{}}},{{"op":"add","path":"/top_p","value":0.{}}}],"reason":"{}"}}"#,
                rng.below(10),
                5 + rng.below(5),
                rng.text(20)
            ),
            85..=94 => format!(
                r#""type":"TokensUsed","data":{{"prompt":{},"completion":{},"cost_usd":0.{:04},"note":"{}"}}"#,
                rng.below(4000),
                rng.below(1000),
                rng.below(10000),
                rng.text(28)
            ),
            _ => format!(
                r#""type":"Heartbeat","data":{{"uptime_s":{},"host":"worker-{}","note":"{}"}}"#,
                rng.below(100000),
                rng.below(64),
                rng.text(30)
            ),
        };
        line.push_str(&data);
        line.push_str(r#","meta":{"producer":"agent-runtime/2.3.1"}}"#);
        line.push('\n');
        w.write_all(line.as_bytes())?;
    }
    w.flush()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn rss_kib(stderr: &str) -> Option<f64> {
    let line = stderr.lines().find(|l| l.contains("peak RSS"))?;
    let kb = line.rsplit("peak RSS ").next()?.trim().trim_end_matches("kB").trim();
    kb.parse::<f64>().ok()
}

fn main() {
    let n: u64 = std::env::var("REWIND_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::var("REWIND_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let bin = env!("CARGO_BIN_EXE_rewind");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    fs::create_dir_all(&dir).expect("bench dir");
    let data = dir.join(format!("agents-{n}.jsonl"));
    let rules = dir.join("rules.json");
    fs::write(&rules, RULES).expect("rules");
    if !data.exists() {
        eprintln!("generating {} ...", data.display());
        generate(&data, n, 1000).expect("generate");
    }
    let bytes = fs::metadata(&data).expect("data").len() as f64;
    println!(
        "recording: {n} events, {:.1} MB, 1000 streams ({})",
        bytes / 1e6,
        data.display()
    );

    // Import: a fresh cache each run, through the real binary.
    let cache = dir.join("bench.db");
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..runs {
        for suffix in ["", "-wal", "-shm"] {
            let _ = fs::remove_file(format!("{}{suffix}", cache.display()));
        }
        let t = Instant::now();
        let out = Command::new(bin)
            .args(["import", "-q", "-v", "--rules"])
            .arg(&rules)
            .arg(&data)
            .arg("-o")
            .arg(&cache)
            .output()
            .expect("run rewind");
        let secs = t.elapsed().as_secs_f64();
        assert!(
            out.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        times.push(secs);
        if let Some(r) = rss_kib(&String::from_utf8_lossy(&out.stderr)) {
            rss.push(r);
        }
    }
    let t = median(&mut times);
    println!(
        "import: median {:.2}s = {:.0} events/s, {:.1} MB/s; peak RSS median {:.1} MiB",
        t,
        n as f64 / t,
        bytes / 1e6 / t,
        median(&mut rss) / 1024.0
    );
    let db_size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| fs::metadata(format!("{}{s}", cache.display())).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "cache size: {:.1} MB before checkpoints ({:.2}x the JSONL)",
        db_size as f64 / 1e6,
        db_size as f64 / bytes
    );

    // Full replay: build checkpoints from scratch, in process.
    let opts = OpenOptions {
        inputs: vec![cache.clone()],
        ..Default::default()
    };
    let mut replay = Vec::new();
    for _ in 0..runs {
        let (mut rec, _) = Recording::open(&opts, &mut |_| {}).expect("open");
        rec.cache
            .conn
            .execute("DELETE FROM info WHERE key = 'checkpoints'", [])
            .expect("reset");
        let t = Instant::now();
        rec.ensure_checkpoints(&mut |_| {}).expect("replay");
        replay.push(t.elapsed().as_secs_f64());
    }
    let r = median(&mut replay);
    println!(
        "full replay (with checkpoint writes): median {:.2}s = {:.0} events/s",
        r,
        n as f64 / r
    );
    let db_size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| fs::metadata(format!("{}{s}", cache.display())).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "cache size with checkpoints: {:.1} MB ({:.2}x the JSONL)",
        db_size as f64 / 1e6,
        db_size as f64 / bytes
    );

    // state --at random points: in process (engine latency) and through the CLI.
    let (rec, _) = Recording::open(&opts, &mut |_| {}).expect("open");
    let mut rng = Rng(42);
    let mut lat = Vec::new();
    for _ in 0..100 {
        let p = 1 + rng.below(n);
        let t = Instant::now();
        // What `rewind state --at P` does: replay, then write the world out.
        let world = rec.world_at(p).expect("state");
        let mut out = Vec::with_capacity(4 << 20);
        rewind::json::write::write_pretty(
            &mut out,
            &WorldView {
                world: &world,
                cat: &rec.cat,
            },
        )
        .expect("write");
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "state --at random (world, in process): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut lat.clone(), 0.5),
        percentile(&mut lat, 0.99)
    );
    let mut lat = Vec::new();
    for _ in 0..100 {
        let p = 1 + rng.below(n);
        let s = format!("agent/sess-{:04}", rng.below(1000));
        let t = Instant::now();
        let _ = rec.state_at(p, Some(&s)).expect("state");
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "state --at random --stream (in process): p50 {:.2} ms, p99 {:.2} ms",
        percentile(&mut lat.clone(), 0.5),
        percentile(&mut lat, 0.99)
    );
    let mut lat = Vec::new();
    for _ in 0..30 {
        let p = 1 + rng.below(n);
        let t = Instant::now();
        let out = Command::new(bin)
            .args(["state", "--compact", "--at", &p.to_string()])
            .arg(&cache)
            .output()
            .expect("run");
        assert!(out.status.success());
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "rewind state --at random (CLI process, world): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut lat.clone(), 0.5),
        percentile(&mut lat, 0.99)
    );
    let mut lat = Vec::new();
    for _ in 0..50 {
        let a = 1 + rng.below(n);
        let b = 1 + rng.below(n);
        let t = Instant::now();
        let _ = rec.diff(a.min(b), a.max(b), None, None).expect("diff");
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "diff random points (world, in process): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut lat.clone(), 0.5),
        percentile(&mut lat, 0.99)
    );
}
