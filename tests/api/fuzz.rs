//! A bounded-time mutation fuzzer on stable Rust (cargo-fuzz needs nightly and
//! libFuzzer; this needs neither). Seeds are the committed fixtures and test
//! samples; each round mutates one (bit flips, interesting bytes, cut, repeat,
//! splice with another seed) and feeds it to a decoder's public entry point:
//!
//! - `framing`: `ingest::framing::Framer` in each framing mode;
//! - `mapping`: `Mapper::map_event` / `map_snapshot` (field mapping, times, seqs);
//! - `rules`, `points`: rules files and point expressions;
//! - `esdb-records`: EventStoreDB chunk headers, footers and log records;
//! - `avro`, `capture`: Avro container files, Event Hubs Capture records;
//! - `langgraph-value`: LangGraph's msgpack (extension types) and JSON values;
//! - `otel-spans`: OpenTelemetry spans in OTLP/JSON;
//! - `agents-item`: OpenAI Agents SDK session items;
//! - `inputs`: whole files through `ingest::open_source` (detection, gzip/zstd,
//!   every registered family), drained to the end.
//!
//! The coverage-guided targets are in `fuzz/` (`scripts/fuzz.sh`, nightly);
//! what they find is kept in `tests/data/fuzz/<target>-<what>.bin` and replayed
//! by `fuzz_findings_stay_fixed` on stable.
//!
//! A panic is a failure: the input is saved under `target/fuzz-crashes/` and
//! should become a regression test. An input that takes over 5 s is reported
//! the same way. Time per target: `REWIND_FUZZ_SECS` (default 1, so the normal
//! test run stays short); `REWIND_FUZZ_SEED` replays a run (default: a fixed
//! seed, so `cargo test` is reproducible). For a real session:
//! `REWIND_FUZZ_SEED=random REWIND_FUZZ_SECS=60 cargo test --release --test api fuzz:: -- --nocapture`.

use crate::common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::Rng;
use rewind::ingest::eventstore::chunk;
use rewind::ingest::framing::{Framer, Framing};
use rewind::ingest::mapping::Mapper;
use rewind::ingest::{open_source, Item, SourceConfig};
use rewind::rules::Rules;

/// An input slower than this (twice) is a finding.
const SLOW: Duration = Duration::from_secs(5);

const INTERESTING: &[&[u8]] = &[
    b"\0",
    b"\xff",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b"\n",
    b",",
    b":",
    b"-1",
    b"1e999999",
    b"99999999999999999999999",
    b"\\u0000",
    b"\\ud800",
    b"\xc3\x28",
    b"\xef\xbb\xbf",
    b"null",
    b"\x7f\xff\xff\xff",
    b"\x80\x00\x00\x00",
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], input: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let len = input.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                let what = INTERESTING[rng.below(INTERESTING.len())];
                input.splice(i..i, what.iter().copied());
            }
            3 if len > 1 => {
                // Cut a range out (or truncate).
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64.min(len - a))).min(len);
                input.drain(a..b);
            }
            4 if len > 1 => {
                // Repeat a range (deep nesting, long lines).
                let a = rng.below(len);
                let b = (a + 1 + rng.below(16.min(len - a))).min(len);
                let piece = input[a..b].to_vec();
                for _ in 0..1 + rng.below(200) {
                    input.splice(a..a, piece.iter().copied());
                }
            }
            5 => {
                // Splice with another seed.
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let a = rng.below(other.len());
                    let b = (a + rng.below(512)).min(other.len());
                    let at = rng.below(len + 1);
                    input.splice(at..at, other[a..b].iter().copied());
                }
            }
            _ if len > 8 => {
                // Overwrite 4 or 8 bytes with a boundary integer (lengths, counts).
                let i = rng.below(len - 8);
                let v: [u8; 8] = match rng.below(4) {
                    0 => i64::MAX.to_le_bytes(),
                    1 => (-1i64).to_le_bytes(),
                    2 => (i32::MAX as i64).to_le_bytes(),
                    _ => (rng.next() as i64).to_le_bytes(),
                };
                let n = if rng.below(2) == 0 { 4 } else { 8 };
                input[i..i + n].copy_from_slice(&v[..n]);
            }
            _ => {}
        }
    }
    input.truncate(1 << 20);
}

fn seeds_under(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            seeds_under(&p, out);
        } else if let Ok(b) = std::fs::read(&p) {
            if !b.is_empty() && b.len() <= 64 * 1024 {
                out.push((p, b));
            }
        }
    }
}

fn seeds() -> Vec<(PathBuf, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    seeds_under(&root.join("fixtures"), &mut out);
    seeds_under(&root.join("tests/data"), &mut out);
    // The big fixture's first lines, as a JSONL seed of its own.
    if let Ok(text) = std::fs::read_to_string(root.join("fixtures/agents.jsonl")) {
        let head: String = text.lines().take(20).map(|l| format!("{l}\n")).collect();
        out.push((root.join("agents-head.jsonl"), head.into_bytes()));
    }
    // LangGraph's msgpack blobs (the fixture database is too big to be a seed whole),
    // behind the byte that makes `langgraph_value` read them as msgpack.
    if let Ok(conn) = rusqlite::Connection::open_with_flags(
        root.join("fixtures/ai/langgraph.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    ) {
        if let Ok(mut stmt) = conn.prepare("SELECT checkpoint FROM checkpoints") {
            let blobs = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0));
            for (i, b) in blobs.into_iter().flatten().flatten().enumerate() {
                let mut seed = vec![0u8];
                seed.extend(b);
                out.push((root.join(format!("langgraph-checkpoint-{i}.msgpack")), seed));
            }
        }
    }
    out
}

fn mapper() -> Mapper {
    Mapper {
        fields: Rules::default().fields,
        input_name: "fuzz".into(),
    }
}

fn target_framing(b: &[u8]) {
    for mode in [
        None,
        Some(Framing::Lines),
        Some(Framing::Array),
        Some(Framing::Concatenated),
    ] {
        let Ok(mut f) = Framer::new(b, mode) else { continue };
        let mut n = 0;
        while let Ok(Some(_)) = f.next_frame() {
            n += 1;
            assert!(n <= b.len() + 1, "the framer does not advance");
        }
    }
}

fn target_mapping(b: &[u8]) {
    let m = mapper();
    let _ = m.map_event(b, 1, 0);
    let _ = m.map_snapshot(b, 1, 0);
}

fn target_rules(b: &[u8]) {
    let _ = Rules::parse(&String::from_utf8_lossy(b));
}

fn target_points(b: &[u8]) {
    let text = String::from_utf8_lossy(b);
    for line in text.lines().take(50) {
        let _ = rewind::points::parse(line);
    }
}

fn target_esdb(b: &[u8]) {
    if let Some(h) = b.get(..chunk::HEADER_SIZE as usize) {
        let h: [u8; chunk::HEADER_SIZE as usize] = h.try_into().expect("header size");
        let _ = chunk::ChunkHeader::parse(&h);
    }
    if let Some(f) = b.get(b.len().saturating_sub(chunk::FOOTER_SIZE as usize)..) {
        if let Ok(f) = <[u8; chunk::FOOTER_SIZE as usize]>::try_from(f) {
            let _ = chunk::ChunkFooter::parse(&f);
        }
    }
    // Every offset as the start of a record body.
    for start in (0..b.len()).step_by(7) {
        let _ = chunk::parse_record(&b[start..]);
    }
}

/// The whole pipeline on a file named like its seed (so name-based detection runs).
fn target_inputs(dir: &Path, name: &str, b: &[u8]) {
    let path = dir.join(name);
    if std::fs::write(&path, b).is_ok() {
        drain(&path);
    }
}

/// Read a whole input (file or folder) to its end.
fn drain(path: &Path) {
    let cfg = SourceConfig {
        mapper: mapper(),
        records: Default::default(),
        key: Vec::new(),
        system_streams: false,
        filter: Default::default(),
    };
    if let Ok(mut src) = open_source(path, None, cfg) {
        let mut n = 0u64;
        while let Ok(Some(item)) = src.next_item() {
            if let Item::Record(r) = item {
                std::hint::black_box(r);
            }
            n += 1;
            if n > 200_000 {
                break;
            }
        }
        let _ = src.format_name();
    }
}

/// The input being run: its target, bytes and start.
type Current = std::sync::Arc<std::sync::Mutex<Option<(String, Vec<u8>, Instant)>>>;

/// An input that never returns (a loop, memory growing without end) would hang
/// the suite with no word of which input did it: a thread watches, and one that
/// runs past `HUNG` is saved and the process stopped with its path.
fn watchdog(crashes: PathBuf) -> Current {
    const HUNG: Duration = Duration::from_secs(60);
    let current: Current = Default::default();
    let watched = current.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(1));
        let guard = watched.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((name, input, started)) = guard.as_ref() {
            if started.elapsed() > HUNG {
                let _ = std::fs::create_dir_all(&crashes);
                let file = crashes.join(format!("{name}-{:016x}.bin", rewind::hash::fnv1a(input)));
                let _ = std::fs::write(&file, input);
                eprintln!("fuzz: {name}: an input ran over {HUNG:?}: {}", file.display());
                std::process::exit(101);
            }
        }
    });
    current
}

#[test]
fn fuzz_decoders_for_a_bounded_time() {
    let secs: f64 = std::env::var("REWIND_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    eprintln!("fuzz: {secs} s per target");
    // A fixed seed unless one is asked for (`REWIND_FUZZ_SEED=N`, or `random`), so
    // the suite is reproducible; exploratory runs pick their own seeds.
    // (`random` is not a number, so `from_env` seeds from the clock.)
    let mut rng = match std::env::var("REWIND_FUZZ_SEED") {
        Err(_) => Rng(0x5eed_f022),
        Ok(_) => Rng::from_env("REWIND_FUZZ_SEED"),
    };
    let seeds = seeds();
    assert!(!seeds.is_empty(), "no seeds");
    let bytes: Vec<Vec<u8>> = seeds.iter().map(|s| s.1.clone()).collect();
    let work = tempfile::tempdir().expect("tempdir");
    let crashes = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-crashes");
    let mut found = Vec::new();

    type Target<'a> = (&'a str, Box<dyn Fn(&Path, &[u8]) + 'a>);
    let targets: Vec<Target> = vec![
        ("framing", Box::new(|_, b| target_framing(b))),
        ("mapping", Box::new(|_, b| target_mapping(b))),
        ("rules", Box::new(|_, b| target_rules(b))),
        ("points", Box::new(|_, b| target_points(b))),
        ("esdb-records", Box::new(|_, b| target_esdb(b))),
        ("avro", Box::new(|_, b| rewind::fuzzing::avro_ocf(b))),
        ("capture", Box::new(|_, b| rewind::fuzzing::capture(b, &mapper()))),
        ("langgraph-value", Box::new(|_, b| rewind::fuzzing::langgraph_value(b))),
        ("otel-spans", Box::new(|_, b| rewind::fuzzing::otel_spans(b))),
        ("agents-item", Box::new(|_, b| rewind::fuzzing::agents_item(b))),
    ];
    // Panics are collected, not printed one by one.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let current = watchdog(crashes.clone());
    let mut run = |name: &str, input: &[u8], f: &dyn Fn()| {
        let started = Instant::now();
        *current.lock().unwrap_or_else(|e| e.into_inner()) = Some((name.to_string(), input.to_vec(), started));
        let panicked = catch_unwind(AssertUnwindSafe(f)).is_err();
        *current.lock().unwrap_or_else(|e| e.into_inner()) = None;
        // Wall time on a shared machine: a slow input counts only if it is slow
        // again on a second run.
        let slow = !panicked && started.elapsed() > SLOW && {
            let again = Instant::now();
            let _ = catch_unwind(AssertUnwindSafe(f));
            again.elapsed() > SLOW
        };
        if panicked || slow {
            std::fs::create_dir_all(&crashes).expect("mkdir");
            let file = crashes.join(format!("{name}-{:016x}.bin", rewind::hash::fnv1a(input)));
            std::fs::write(&file, input).expect("save crash");
            found.push(format!(
                "{name}: {} ({})",
                file.display(),
                if panicked { "panic" } else { "slow" }
            ));
        }
    };
    for (name, target) in &targets {
        let (deadline, mut execs) = (Instant::now() + Duration::from_secs_f64(secs), 0u64);
        while Instant::now() < deadline {
            let mut input = bytes[rng.below(bytes.len())].clone();
            mutate(&mut rng, &bytes, &mut input);
            run(name, &input, &|| target(work.path(), &input));
            execs += 1;
        }
        eprintln!("fuzz: {name}: {execs} inputs");
    }
    // Whole inputs: named like the seed, so detection by name and magic runs.
    let (deadline, mut execs) = (Instant::now() + Duration::from_secs_f64(secs), 0u64);
    while Instant::now() < deadline {
        let (path, seed) = &seeds[rng.below(seeds.len())];
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut input = seed.clone();
        mutate(&mut rng, &bytes, &mut input);
        run("inputs", &input, &|| target_inputs(work.path(), &name, &input));
        execs += 1;
    }
    eprintln!("fuzz: inputs: {execs} inputs");
    std::panic::set_hook(hook);
    assert!(found.is_empty(), "fuzzing found:\n{}", found.join("\n"));
}

/// Inputs the fuzzers found, named `<target>-<what>.bin` after the cargo-fuzz
/// target (its first byte, where that target uses it, still picks the decoder):
/// each must run to its end quickly and without a panic.
#[test]
fn fuzz_findings_stay_fixed() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let work = tempfile::tempdir().expect("tempdir");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/fuzz")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no findings kept");
    for path in files {
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        let b = std::fs::read(&path).expect("read finding");
        let started = Instant::now();
        let target = name.split('-').next().unwrap_or_default();
        match target {
            "framing" => target_framing(&b),
            "mapping" => target_mapping(&b),
            "rules" => target_rules(&b),
            "points" => target_points(&b),
            "avro_ocf" => rewind::fuzzing::avro_ocf(&b),
            "langgraph_value" => rewind::fuzzing::langgraph_value(&b),
            "otel_spans" => rewind::fuzzing::otel_spans(&b),
            "agents_item" => rewind::fuzzing::agents_item(&b),
            "capture" => {
                rewind::fuzzing::capture(&b, &mapper());
                target_inputs(work.path(), "05.avro", &b);
            }
            "esdb_chunk" => {
                target_esdb(&b);
                let db = work.path().join("db");
                std::fs::create_dir_all(&db).expect("mkdir");
                std::fs::write(db.join("chunk-000000.000000"), &b).expect("write");
                drain(&db);
            }
            "inputs" | "aws_envelopes" | "azure_envelopes" | "esdb_feed" => {
                target_inputs(work.path(), &name, b.get(1..).unwrap_or_default())
            }
            other => panic!("{name}: no replay for target {other:?}"),
        }
        let took = started.elapsed();
        assert!(took < SLOW, "{name} took {took:?}");
        eprintln!("fuzz finding {name}: clean in {took:?}");
    }
}
