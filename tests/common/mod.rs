//! Helpers for driving the real `rewind` binary on the fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const MAIN: &[&str] = &[
    "fixtures/agents.jsonl",
    "fixtures/registry.json",
    "fixtures/training.jsonl.zst",
    "fixtures/snapshots.jsonl.gz",
];

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A private cache directory per test, so tests never share caches.
pub struct Env {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).expect("write");
        p
    }

    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Run {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_rewind"))
            .args(args)
            .current_dir(root())
            .env("REWIND_CACHE_DIR", self.dir.path().join("cache"))
            .env_remove("NO_COLOR")
            .output()
            .expect("run rewind");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `rewind <cmd> <main fixture inputs> --rules fixtures/rules.json <rest>`.
    pub fn main(&self, cmd: &str, rest: &[&str]) -> Run {
        let mut args: Vec<&str> = vec![cmd];
        args.extend_from_slice(MAIN);
        args.extend_from_slice(&["--rules", "fixtures/rules.json"]);
        args.extend_from_slice(rest);
        self.run(&args)
    }
}

pub fn read_json(path: impl AsRef<Path>) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join(path)).expect("read");
    serde_json::from_str(&text).expect("json")
}

/// xorshift64*: enough randomness for kill delays and mutations, seeded from
/// the environment variable `var` (printed, so a run can be replayed) or the clock.
pub struct Rng(pub u64);

impl Rng {
    pub fn from_env(var: &str) -> Rng {
        let seed = std::env::var(var).ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        }) | 1;
        eprintln!("{var}={seed}");
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `[0, n)`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// `1 event`, `2 events`: how rewind's summaries count.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n: u64 = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
