//! The performance suite: `scripts/bench.sh` (= `cargo bench --bench suite`).
//!
//! For each recording size (1M events by default; `--full` adds 10M, ~4.6 GB of
//! JSONL; `--events N` picks one size; `--tui-only` measures only the TUI) it
//! generates a realistic recording once
//! (AI-agent payloads of 300–500 bytes, 1000 streams, a rules file with six ops)
//! and measures, medians over REWIND_BENCH_RUNS runs (default 3):
//! - import through the `rewind` binary into a fresh cache: events/s, MB/s, peak RSS;
//! - cache size on disk per event and against the JSONL;
//! - full replay (checkpoints rebuilt from scratch);
//! - `state --at` and `diff` latency at random points (p50/p99);
//! - `whatif` with an edit in the middle against a world state at the end;
//! - the TUI, through the library on a TestBackend: time to the first complete
//!   frame on the built cache, and step latency (key press to the frame that
//!   shows the new cursor's state) at random places and over consecutive steps;
//!   and, with the worker on its own thread as in the TUI, the time from the key
//!   that moves the cursor far from the mark to the frame with the diff's first
//!   screen (`g m G`, and marks and cursors at random points);
//! - the baselines a user would otherwise script, on the same JSONL in the same
//!   run: Python json+sqlite3 and the sqlite3 CLI importing it, and jq reducing it
//!   to the final state (benches/baselines/). Each is skipped with a message when
//!   its tool is missing; REWIND_BENCH_BASELINES=0 skips them all.
//!
//! Before timing jq, the suite checks that jq's final state equals
//! `rewind state` on a small recording, so the ratio compares the same answer.
//! The output ends with a markdown table: value, target, met/short per row.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{db_size, env_num, median, p50_p99, Rng};
use crossterm::event::KeyCode;
use rewind::hypothesis::{Edit, Hypothesis};
use rewind::json::diff::ChangeOp;
use rewind::recording::Recording;
use rewind::tui::testing::{buffer_text, Harness, Live};

// The `rewind` binary runs on mimalloc (src/main.rs); measure the same.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The TUI is measured at this terminal size.
const TUI_SIZE: (u16, u16) = (160, 48);
/// Events in the recording that checks jq against `rewind state`.
const CHECK_EVENTS: u64 = 20_000;

fn baselines_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/baselines")
}

/// One table row: what, the measured value, the target, and whether it holds.
struct Row {
    what: String,
    value: String,
    target: String,
    met: Option<bool>,
}

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

impl Table {
    fn add(&mut self, what: impl Into<String>, value: impl Into<String>, target: impl Into<String>, met: Option<bool>) {
        let row = Row {
            what: what.into(),
            value: value.into(),
            target: target.into(),
            met,
        };
        // Progress as it is measured: the table comes at the end.
        println!("  {}: {} (target {})", row.what, row.value, row.target);
        self.rows.push(row);
    }

    fn info(&mut self, what: impl Into<String>, value: impl Into<String>) {
        self.add(what, value, "—", None);
    }

    fn print(&self, title: &str) {
        println!("\n### {title}\n");
        println!("| measure | median | target | |");
        println!("|---|---|---|---|");
        for r in &self.rows {
            let status = match r.met {
                Some(true) => "met",
                Some(false) => "**short**",
                None => "",
            };
            println!("| {} | {} | {} | {} |", r.what, r.value, r.target, status);
        }
    }
}

/// Which of the baseline tools run here.
struct Tools {
    python: bool,
    sqlite3: bool,
    jq: bool,
}

fn tool_works(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn find_tools() -> Tools {
    let enabled = !matches!(std::env::var("REWIND_BENCH_BASELINES").as_deref(), Ok("0"));
    let check = |cmd: &str, arg: &str| {
        let ok = enabled && tool_works(cmd, arg);
        if enabled && !ok {
            println!("baseline skipped: `{cmd}` not found or not working (install it to compare)");
        }
        ok
    };
    if !enabled {
        println!("baselines skipped: REWIND_BENCH_BASELINES=0");
    }
    Tools {
        python: check("python3", "--version"),
        sqlite3: check("sqlite3", "-version"),
        jq: check("jq", "--version"),
    }
}

/// Run a command, fail the bench loudly if it fails; its stdout and seconds.
fn run(cmd: &mut Command, what: &str) -> (String, f64) {
    let t = Instant::now();
    let out = cmd
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let secs = t.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8_lossy(&out.stdout).into_owned(), secs)
}

/// JSON text normalized by jq (sorted keys, numbers as jq prints them).
fn jq_normalize(json: &str, dir: &Path, name: &str) -> String {
    let file = dir.join(name);
    fs::write(&file, json).expect("write for jq");
    let (out, _) = run(Command::new("jq").args(["-S", "-c", "."]).arg(&file), "jq -S");
    let _ = fs::remove_file(&file);
    out
}

/// `rewind state --compact` of a cache: output and seconds.
fn rewind_state(cache: &Path) -> (String, f64) {
    run(
        Command::new(common::rewind_bin())
            .args(["state", "--compact"])
            .arg(cache),
        "rewind state",
    )
}

/// jq's final state of a JSONL file: output and seconds.
fn jq_state(data: &Path) -> (String, f64) {
    run(
        Command::new("jq")
            .args(["-n", "-c", "-f"])
            .arg(baselines_dir().join("state.jq"))
            .arg(data),
        "jq state",
    )
}

/// The jq baseline must compute what `rewind state` computes, or its ratio means nothing.
fn check_jq_agrees(rules: &Path) {
    let dir = common::bench_dir();
    let data = common::recording(CHECK_EVENTS);
    let cache = dir.join("suite-check.db");
    common::import_once(rules, &data, &cache);
    let (ours, _) = rewind_state(&cache);
    let (theirs, _) = jq_state(&data);
    common::remove_db(&cache);
    let (ours, theirs) = (
        jq_normalize(&ours, &dir, "suite-ours.json"),
        jq_normalize(&theirs, &dir, "suite-jq.json"),
    );
    assert!(ours.len() > 1000, "rewind state printed almost nothing");
    assert_eq!(
        ours,
        theirs,
        "benches/baselines/state.jq disagrees with `rewind state` on {}: fix the jq program",
        data.display()
    );
    println!(
        "checked: jq's final state equals `rewind state` on {CHECK_EVENTS} events ({} bytes of state)",
        ours.len()
    );
}

fn fmt_rate(events_per_s: f64) -> String {
    if events_per_s >= 1e6 {
        format!("{:.2}M events/s", events_per_s / 1e6)
    } else {
        format!("{:.0}k events/s", events_per_s / 1e3)
    }
}

fn short_n(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// Our import and end-to-end numbers that the baselines are compared with.
struct Ours {
    import_s: f64,
    e2e_state_s: f64,
    built_state_s: f64,
}

fn measure_engine(n: u64, runs: usize, rules: &Path, data: &Path, cache: &Path, t: &mut Table) -> Ours {
    let bytes = fs::metadata(data).expect("data").len() as f64;
    let big = n >= 5_000_000;

    // Import into a fresh cache, then the first `rewind state` on it: what a user
    // who has only the JSONL runs to get the final state.
    let (mut imp, mut rss, mut e2e, mut built) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut imported_size = 0;
    for _ in 0..runs {
        let (secs, r) = common::import_once(rules, data, cache);
        imported_size = db_size(cache);
        let (_, first) = rewind_state(cache);
        let (_, again) = rewind_state(cache);
        imp.push(secs);
        rss.extend(r);
        e2e.push(secs + first);
        built.push(again);
    }
    let import_s = median(&mut imp);
    let rate = n as f64 / import_s;
    t.add(
        "import (rewind import, fresh cache)",
        format!("{} ({import_s:.2} s)", fmt_rate(rate)),
        "≥ 300k events/s",
        Some(rate >= 300e3),
    );
    t.info("import throughput", format!("{:.1} MB/s", bytes / 1e6 / import_s));
    if rss.is_empty() {
        t.info("import peak RSS", "not reported");
    } else {
        let mib = median(&mut rss) / 1024.0;
        t.add(
            "import peak RSS",
            format!("{mib:.1} MiB"),
            "≤ 64 MiB",
            Some(mib <= 64.0),
        );
    }
    t.info(
        "cache on disk after import",
        format!(
            "{:.0} B/event ({:.2}× the JSONL)",
            imported_size as f64 / n as f64,
            imported_size as f64 / bytes
        ),
    );

    let mut replay: Vec<f64> = (0..runs).map(|_| common::replay_once(cache)).collect();
    let r = median(&mut replay);
    let rate = n as f64 / r;
    t.add(
        "full replay (checkpoints rebuilt)",
        format!("{} ({r:.2} s)", fmt_rate(rate)),
        "≥ 450k events/s",
        Some(rate >= 450e3),
    );
    let size = db_size(cache) as f64;
    t.add(
        "cache on disk with checkpoints",
        format!("{:.0} B/event ({:.2}× the JSONL)", size / n as f64, size / bytes),
        "≤ 1.3× the JSONL",
        Some(size / bytes <= 1.3),
    );

    let (rec, _) = Recording::open(&common::open_options(cache), &mut |_| {}).expect("open");
    let mut rng = Rng(42);
    let (state_target, diff_target) = if big { (40.0, 80.0) } else { (20.0, 50.0) };
    let (p50, p99) = p50_p99(common::state_world_ms(&rec, &mut rng, 100));
    t.add(
        "state --at random point (world, in process) p50 / p99",
        format!("{p50:.1} / {p99:.1} ms"),
        format!("p99 ≤ {state_target:.0} ms"),
        Some(p99 <= state_target),
    );
    let (p50, p99) = p50_p99(common::state_stream_ms(&rec, &mut rng, 100));
    t.info(
        "state --at random point --stream (in process) p50 / p99",
        format!("{p50:.2} / {p99:.2} ms"),
    );
    let (p50, p99) = p50_p99(common::state_cli_ms(cache, n, &mut rng, 20));
    t.info(
        "rewind state --at random point (CLI process) p50 / p99",
        format!("{p50:.0} / {p99:.0} ms"),
    );
    let (p50, p99) = p50_p99(common::diff_ms(&rec, &mut rng, 50));
    t.add(
        "diff between random points (world, in process) p50 / p99",
        format!("{p50:.1} / {p99:.1} ms"),
        format!("p99 ≤ {diff_target:.0} ms"),
        Some(p99 <= diff_target),
    );
    measure_whatif(&rec, t);
    Ours {
        import_s,
        e2e_state_s: median(&mut e2e),
        built_state_s: median(&mut built),
    }
}

/// The answer of `rewind whatif --skip N/2` (reality → hypothesis at the end, with
/// each changed stream's first divergence), in process, against the world state at
/// the same point (what `rewind state` computes): samples interleaved, medians.
fn measure_whatif(rec: &Recording, t: &mut Table) {
    let n = rec.len();
    let h = Hypothesis {
        edits: vec![Edit::Skip { from: n / 2, to: n / 2 }],
    };
    let (mut world, mut whatif) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        let start = Instant::now();
        std::hint::black_box(rec.world_json_at(n, false).expect("state"));
        world.push(start.elapsed().as_secs_f64() * 1e3);
        let start = Instant::now();
        let fork = rec.fork(&h).expect("fork");
        let changes = fork.diff_reality(n, None, None).expect("whatif diff");
        let divergences = fork.divergences(n).expect("divergences");
        std::hint::black_box((changes, divergences));
        whatif.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let (w, s) = (median(&mut whatif), median(&mut world));
    t.add(
        "whatif: an edit in the middle (skip N/2, answer at end) vs a world state at end (in process)",
        format!("{w:.1} ms vs {s:.1} ms ({:.2}×)", w / s),
        "≤ 3× a world state",
        Some(w <= 3.0 * s),
    );
}

/// Draw the current screen; true when the list, state and timeline panes show
/// the cursor's data.
fn frame_ready(h: &Harness) -> bool {
    let screen = buffer_text(&h.buffer());
    let app = &h.app;
    let state_here = app.state.reply.as_ref().is_some_and(|s| s.pos == app.cursor);
    let row = app.cursor_row().map(|r| r.stream.clone());
    app.events.window.loaded
        && state_here
        && app.timeline.density.is_some()
        && row.is_some_and(|s| screen.contains(&s))
        && screen.contains("agent/sess-")
}

/// Time from opening the built cache to the first complete frame (ms).
fn first_frame_ms(cache: &Path) -> f64 {
    let t = Instant::now();
    let h = Harness::open(&common::open_options(cache), TUI_SIZE.0, TUI_SIZE.1, false).expect("open TUI");
    assert!(frame_ready(&h), "the first frame shows no data");
    t.elapsed().as_secs_f64() * 1e3
}

/// One key press to the frame that shows the new cursor's state (ms).
fn step_ms(h: &mut Harness) -> f64 {
    let t = Instant::now();
    h.key(KeyCode::Char('j'));
    let ready = frame_ready(h);
    let ms = t.elapsed().as_secs_f64() * 1e3;
    assert!(ready, "step: the frame does not show the cursor's state");
    ms
}

/// Go to a point through the `:` prompt (ms to the frame that shows it).
fn goto_ms(h: &mut Harness, pos: u64) -> f64 {
    let t = Instant::now();
    h.key(KeyCode::Char(':'));
    h.submit(&pos.to_string());
    let ready = frame_ready(h) && h.app.cursor == pos;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    assert!(ready, "goto {pos}: the frame does not show it");
    ms
}

/// The frame shows the diff of mark `mark` → cursor `to`: its title (not
/// "computing") and its first changes, or that there are none.
fn diff_shown(app: &rewind::tui::app::App, screen: &str, mark: u64, to: u64) -> bool {
    let Some(s) = app.state.reply.as_ref() else {
        return false;
    };
    let answered = app.pending.state.as_ref().is_some_and(|r| r.id == s.id) && s.pos == to;
    let title = format!("mark {mark} → cursor {to} ");
    let first = s.diff.changes.first().map(|c| {
        let sign = match c.op {
            ChangeOp::Add => "+",
            ChangeOp::Remove => "-",
            ChangeOp::Replace => "~",
        };
        format!("{sign} /")
    });
    let body = match first {
        Some(line) => screen.contains(&line),
        None => s.diff.complete() && screen.contains("no change"),
    };
    answered && screen.contains(&title) && !screen.contains("computing mark") && body
}

/// Key presses to the frame with the diff's first screen (ms): with a mark at
/// `mark`, the cursor moves to `to` by `keys` (or `:to` when `None`).
fn far_diff_ms(live: &mut Live, mark: u64, to: u64, keys: Option<&str>) -> f64 {
    let wait = Duration::from_secs(120);
    let goto = |live: &mut Live, pos: u64| {
        live.keys(&format!(":{pos}")).expect("keys");
        live.key(KeyCode::Enter).expect("enter");
    };
    goto(live, mark);
    live.until(wait, |app, _| app.cursor == mark && !app.busy())
        .expect("at the mark");
    if live.app.marks.mark != Some(mark) {
        live.keys("m").expect("m");
    }
    live.until(wait, |app, s| diff_shown(app, s, mark, mark) && !app.busy())
        .expect("mark set");
    let t = Instant::now();
    match keys {
        Some(k) => live.keys(k).expect("keys"),
        None => goto(live, to),
    }
    live.until(wait, |app, s| diff_shown(app, s, mark, to))
        .expect("far diff");
    let ms = t.elapsed().as_secs_f64() * 1e3;
    // Let the rest of the diff arrive before the next measure.
    live.until(wait, |app, _| !app.busy()).expect("diff done");
    ms
}

fn measure_far_diff(n: u64, cache: &Path, t: &mut Table) {
    let mut live = Live::open(&common::open_options(cache), TUI_SIZE.0, TUI_SIZE.1).expect("open TUI");
    live.until(Duration::from_secs(120), |app, _| app.open.ready && !app.busy())
        .expect("first frame");
    let ends = far_diff_ms(&mut live, 0, n, Some("G"));
    let mut rng = Rng(11);
    let mut pairs = vec![ends];
    for _ in 0..20 {
        let (a, b) = (rng.below(n + 1), rng.below(n + 1));
        pairs.push(far_diff_ms(&mut live, a, b, None));
    }
    let worst = pairs.iter().copied().fold(0.0, f64::max);
    let (p50, _) = p50_p99(pairs);
    t.add(
        "TUI diff's first screen: mark at start, G (g m G)",
        format!("{ends:.0} ms"),
        "≤ 500 ms",
        Some(ends <= 500.0),
    );
    t.add(
        "TUI diff's first screen: mark and cursor at 20 random points (m, :N) p50 / max",
        format!("{p50:.0} / {worst:.0} ms"),
        "≤ 500 ms",
        Some(worst <= 500.0),
    );
}

fn measure_tui(n: u64, runs: usize, cache: &Path, t: &mut Table) {
    // The OS page cache is warm from the runs before; a cold start also pays the disk.
    let mut first: Vec<f64> = (0..runs).map(|_| first_frame_ms(cache)).collect();
    let ms = median(&mut first);
    t.add(
        "TUI first frame on the built cache",
        format!("{ms:.0} ms"),
        "≤ 300 ms (10M)",
        Some(ms <= 300.0),
    );
    let mut h = Harness::open(&common::open_options(cache), TUI_SIZE.0, TUI_SIZE.1, false).expect("open TUI");
    let mut rng = Rng(7);
    let (mut jumps, mut random_steps) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        let p = 1 + rng.below(n - 1);
        jumps.push(goto_ms(&mut h, p));
        random_steps.push(step_ms(&mut h));
    }
    goto_ms(&mut h, 1 + rng.below(n / 2));
    let consecutive: Vec<f64> = (0..200).map(|_| step_ms(&mut h)).collect();
    for (what, v) in [
        ("TUI step (j) at 200 random places", random_steps),
        ("TUI 200 consecutive steps (j)", consecutive),
    ] {
        let (p50, p99) = p50_p99(v);
        t.add(
            format!("{what} p50 / p99"),
            format!("{p50:.1} / {p99:.1} ms"),
            "p99 ≤ 16 ms",
            Some(p99 <= 16.0),
        );
    }
    let (p50, p99) = p50_p99(jumps);
    t.info(
        "TUI go to a random point (:N) p50 / p99",
        format!("{p50:.1} / {p99:.1} ms"),
    );
    measure_far_diff(n, cache, t);
}

fn ratio_row(t: &mut Table, what: &str, ours: f64, theirs: &mut [f64], target: f64) {
    let theirs = median(theirs);
    let ratio = theirs / ours;
    t.add(
        what,
        format!("{ratio:.1}× ({theirs:.1} s vs {ours:.2} s)"),
        format!("≥ {target}×"),
        Some(ratio >= target),
    );
}

fn measure_baselines(n: u64, runs: usize, data: &Path, ours: &Ours, tools: &Tools, t: &mut Table) {
    let dir = common::bench_dir();
    let db = dir.join("suite-baseline.db");
    let count = |out: &str, who: &str| {
        assert_eq!(out.trim(), n.to_string(), "{who} imported a different number of rows");
    };
    if tools.python {
        let mut v = Vec::new();
        for _ in 0..runs {
            common::remove_db(&db);
            let (out, secs) = run(
                Command::new("python3")
                    .arg(baselines_dir().join("import.py"))
                    .arg(data)
                    .arg(&db),
                "python3 import.py",
            );
            count(&out, "import.py");
            v.push(secs);
        }
        ratio_row(t, "import vs Python json+sqlite3", ours.import_s, &mut v, 4.0);
    }
    if tools.sqlite3 {
        let mut v = Vec::new();
        for _ in 0..runs {
            common::remove_db(&db);
            let (out, secs) = run(
                Command::new("sh")
                    .arg(baselines_dir().join("sqlite3-import.sh"))
                    .arg(data)
                    .arg(&db),
                "sqlite3-import.sh",
            );
            count(&out, "sqlite3-import.sh");
            v.push(secs);
        }
        ratio_row(t, "import vs sqlite3 CLI", ours.import_s, &mut v, 2.5);
    }
    common::remove_db(&db);
    if tools.jq {
        let mut v: Vec<f64> = (0..runs).map(|_| jq_state(data).1).collect();
        ratio_row(
            t,
            "final state vs jq: rewind import + state (end to end)",
            ours.e2e_state_s,
            &mut v.clone(),
            20.0,
        );
        ratio_row(
            t,
            "final state vs jq: rewind state on the built cache",
            ours.built_state_s,
            &mut v,
            20.0,
        );
    }
}

struct Args {
    sizes: Vec<u64>,
    /// Only the TUI rows (for profiling them); the cache is built if missing.
    tui_only: bool,
}

fn parse_args() -> Args {
    // `cargo bench` also passes --bench; flags not listed here are ignored.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let events = args
        .iter()
        .position(|a| a == "--events")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<u64>().ok());
    let one = events.unwrap_or_else(|| env_num("REWIND_BENCH_EVENTS", 1_000_000));
    let sizes = if has("--full") {
        vec![1_000_000, 10_000_000]
    } else {
        vec![one]
    };
    Args {
        sizes,
        tui_only: has("--tui-only"),
    }
}

fn main() {
    let args = parse_args();
    // A busy machine slows every row: the table says how busy it was.
    let start_load = load_average();
    let runs = env_num("REWIND_BENCH_RUNS", 3).max(1) as usize;
    let rules = common::rules_file();
    let tools = find_tools();
    if tools.jq && !args.tui_only {
        check_jq_agrees(&rules);
    }
    let mut tables = Vec::new();
    for &n in &args.sizes {
        let data = common::recording(n);
        let bytes = fs::metadata(&data).expect("data").len();
        // The 10M baselines take many minutes each (jq alone ~15): one run unless asked.
        let baseline_runs = env_num(
            "REWIND_BENCH_BASELINE_RUNS",
            if n >= 5_000_000 { 1 } else { runs as u64 },
        )
        .max(1) as usize;
        let title = format!(
            "{} events, {:.0} MB JSONL, {} streams; medians of {runs} runs (baselines: {baseline_runs})",
            short_n(n),
            bytes as f64 / 1e6,
            common::STREAMS
        );
        println!("\n{title}: {}", data.display());
        let cache = common::bench_dir().join(format!("suite-{n}.db"));
        let mut t = Table::default();
        if args.tui_only {
            if !cache.exists() {
                common::import_once(&rules, &data, &cache);
                common::replay_once(&cache);
            }
            measure_tui(n, runs, &cache, &mut t);
        } else {
            let ours = measure_engine(n, runs, &rules, &data, &cache, &mut t);
            measure_tui(n, runs, &cache, &mut t);
            measure_baselines(n, baseline_runs, &data, &ours, &tools, &mut t);
        }
        tables.push((title, t));
    }
    println!(
        "\n## rewind performance suite (machine: {} cores; load average {} at the start, {} at the end)",
        cores(),
        start_load,
        load_average()
    );
    for (title, t) in &tables {
        t.print(title);
    }
}

/// The 1-minute load average (Linux), or "unknown".
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
