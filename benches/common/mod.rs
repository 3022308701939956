//! Shared by the benches: the recording generator (realistic AI-agent events),
//! the rules that give them meaning, and the measurements they report (import
//! through the library or the real binary, full replay, `state --at` and `diff`).
// Each bench uses its own subset of these helpers.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rewind::recording::{OpenOptions, Recording};

/// Streams in a generated recording.
pub const STREAMS: u64 = 1000;

/// xorshift: deterministic data without a dependency.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// `words` words of agent-ish text.
    pub fn text(&mut self, words: usize) -> String {
        text(words, |n| self.below(n))
    }
}

/// The vocabulary of generated text: English, a few accented and CJK words and an
/// emoji, so payloads exercise UTF-8.
pub const WORDS: &[&str] = &[
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

/// `words` words from [`WORDS`], separated by spaces; `below(n)` picks in `0..n`.
pub fn text(words: usize, mut below: impl FnMut(u64) -> u64) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[below(WORDS.len() as u64) as usize]);
    }
    s
}

/// The rules of a generated recording: replace, replace with a `{field}`
/// placeholder, merge (glob), RFC 6902 patch from a field, merge, ignore.
pub const RULES: &str = r#"{"rules": [
  {"type": "MessageAdded", "op": "replace", "path": "/last_message"},
  {"type": "ToolCalled", "op": "replace", "path": "/tools/{tool}"},
  {"type": "Memory*", "op": "merge", "path": "/memory"},
  {"type": "ParamsPatched", "op": "patch", "from": "/ops", "path": "/params"},
  {"type": "TokensUsed", "op": "merge", "path": "/usage"},
  {"type": "Heartbeat", "op": "ignore"}
]}"#;

/// Write `n` events over `streams` sessions of an agent fleet as JSONL.
pub fn generate(path: &Path, n: u64, streams: u64) -> std::io::Result<()> {
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

/// target/bench-data, created if needed.
pub fn bench_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    fs::create_dir_all(&dir).expect("bench dir");
    dir
}

/// The rules file next to the recordings. Rewritten only when it differs, and
/// then as a new file: it may be a hard link shared with other worktrees.
pub fn rules_file() -> PathBuf {
    let rules = bench_dir().join("rules.json");
    if fs::read_to_string(&rules).ok().as_deref() != Some(RULES) {
        let _ = fs::remove_file(&rules);
        fs::write(&rules, RULES).expect("rules");
    }
    rules
}

/// The `n`-event recording, generated once and reused. Never modified in place
/// (other worktrees may share it through a hard link).
pub fn recording(n: u64) -> PathBuf {
    let data = bench_dir().join(format!("agents-{n}.jsonl"));
    if !data.exists() {
        eprintln!("generating {} ...", data.display());
        let tmp = data.with_extension("jsonl.part");
        generate(&tmp, n, STREAMS).expect("generate");
        fs::rename(&tmp, &data).expect("rename recording");
    }
    data
}

pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

/// p50 and p99 of latencies.
pub fn p50_p99(mut v: Vec<f64>) -> (f64, f64) {
    (percentile(&mut v, 0.5), percentile(&mut v, 0.99))
}

fn rss_kib(stderr: &str) -> Option<f64> {
    let line = stderr.lines().find(|l| l.contains("peak RSS"))?;
    let kb = line.rsplit("peak RSS ").next()?.trim().trim_end_matches("kB").trim();
    kb.parse::<f64>().ok()
}

/// Remove a SQLite file with its WAL and shared-memory files.
pub fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Bytes of a SQLite file plus its WAL.
pub fn db_size(path: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|s| fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum()
}

pub fn rewind_bin() -> &'static str {
    env!("CARGO_BIN_EXE_rewind")
}

/// One `rewind import` into a fresh cache through the real binary: seconds and
/// peak RSS (KiB, as the binary reports it with `-v`).
pub fn import_once(rules: &Path, data: &Path, cache: &Path) -> (f64, Option<f64>) {
    import_bin(Some(rules), data, cache)
}

/// [`import_once`] with or without a rules file.
pub fn import_bin(rules: Option<&Path>, data: &Path, cache: &Path) -> (f64, Option<f64>) {
    import_with(Path::new(rewind_bin()), rules, data, cache)
}

/// [`import_bin`] through a `rewind` binary you give (an A/B of two builds).
pub fn import_with(bin: &Path, rules: Option<&Path>, data: &Path, cache: &Path) -> (f64, Option<f64>) {
    remove_db(cache);
    let mut cmd = Command::new(bin);
    cmd.args(["import", "-q", "-v"]);
    if let Some(rules) = rules {
        cmd.arg("--rules").arg(rules);
    }
    let t = Instant::now();
    let out = cmd.arg(data).arg("-o").arg(cache).output().expect("run rewind");
    let secs = t.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (secs, rss_kib(&String::from_utf8_lossy(&out.stderr)))
}

/// One import of `input` into a fresh cache through the library: seconds and the
/// number of events the recording holds. The cache is left for the caller.
pub fn import_lib(input: &Path, cache: &Path) -> (f64, u64) {
    remove_db(cache);
    let opts = OpenOptions {
        inputs: vec![input.to_path_buf()],
        cache: Some(cache.to_path_buf()),
        ..Default::default()
    };
    let t = Instant::now();
    let (rec, _) = Recording::open(&opts, &mut |_| {}).expect("import");
    (t.elapsed().as_secs_f64(), rec.len())
}

pub fn open_options(cache: &Path) -> OpenOptions {
    OpenOptions {
        inputs: vec![cache.to_path_buf()],
        ..Default::default()
    }
}

/// Full replay of a built cache in process: checkpoints dropped, then rebuilt
/// from scratch (seconds).
pub fn replay_once(cache: &Path) -> f64 {
    let (mut rec, _) = Recording::open(&open_options(cache), &mut |_| {}).expect("open");
    rec.cache.forget_checkpoints().expect("reset");
    let t = Instant::now();
    rec.ensure_checkpoints(&mut |_| {}).expect("replay");
    t.elapsed().as_secs_f64()
}

/// Latencies (ms) of what `rewind state --at P` does in process at `count`
/// random points: rebuild the world and write it out as pretty JSON.
pub fn state_world_ms(rec: &Recording, rng: &mut Rng, count: usize) -> Vec<f64> {
    let n = rec.len();
    (0..count)
        .map(|_| {
            let p = 1 + rng.below(n);
            let t = Instant::now();
            let json = rec.world_json_at(p, false).expect("state");
            std::hint::black_box(json);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

/// Latencies (ms) of one stream's state at random points, in process.
pub fn state_stream_ms(rec: &Recording, rng: &mut Rng, count: usize) -> Vec<f64> {
    let n = rec.len();
    (0..count)
        .map(|_| {
            let p = 1 + rng.below(n);
            let s = format!("agent/sess-{:04}", rng.below(STREAMS));
            let t = Instant::now();
            let _ = rec.state_at(p, Some(&s)).expect("state");
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

/// Latencies (ms) of `rewind state --compact --at P` as a process.
pub fn state_cli_ms(cache: &Path, n: u64, rng: &mut Rng, count: usize) -> Vec<f64> {
    (0..count)
        .map(|_| {
            let p = 1 + rng.below(n);
            let t = Instant::now();
            let out = Command::new(rewind_bin())
                .args(["state", "--compact", "--at", &p.to_string()])
                .arg(cache)
                .output()
                .expect("run");
            assert!(out.status.success());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

/// Latencies (ms) of the world diff between two random points, in process.
pub fn diff_ms(rec: &Recording, rng: &mut Rng, count: usize) -> Vec<f64> {
    let n = rec.len();
    (0..count)
        .map(|_| {
            let a = 1 + rng.below(n);
            let b = 1 + rng.below(n);
            let t = Instant::now();
            let _ = rec.diff(a.min(b), a.max(b), None, None).expect("diff");
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}
