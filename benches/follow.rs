//! `cargo bench --bench follow`: `rewind log --follow` on a growing file, through
//! the real binary. A writer (this process) appends to a file that already holds
//! the generated recording (REWIND_BENCH_EVENTS, default 100k events, with the
//! suite's rules); a reader reads the follower's stdout.
//!
//! - **latency**: one event every 20 ms, each carrying its write time; the time
//!   until its line is on the follower's stdout, p50 / p95 over
//!   REWIND_BENCH_SAMPLES (default 200) events;
//! - **sustained rate**: the writer appends REWIND_BENCH_RATE events/s (default
//!   50k) for 5 s in 10 ms batches; the follower's throughput, and how far behind
//!   the last event comes out after the writer stops.
//!
//! - **TUI under a writer**: the TUI (through the library, a worker thread and
//!   frames drawn on a TestBackend, as `benches/suite.rs` times it) follows the
//!   file while the writer appends at the same rate; a wake every 50 ms stands
//!   for the file watcher; steps (`k`, `j`) in the middle of the history from a
//!   key press to the frame that shows the new cursor's state, p50 / p99, and
//!   where the TUI's count stands when the writer stops. `REWIND_BENCH_TUI_ONLY=1`
//!   runs this part alone.
//!
//! Prints a markdown table.

mod common;

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn now_ns() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

fn start(bin: &str, rules: &Path, file: &Path, cache: &Path) -> (Child, Receiver<(Instant, String)>) {
    let mut child = Command::new(bin)
        .args(["log", "--follow", "--json", "--from", "end"])
        .arg(file)
        .arg("--rules")
        .arg(rules)
        .arg("--cache")
        .arg(cache)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rewind");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = channel();
    thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn event(i: u64, sent: u128) -> String {
    format!(
        "{{\"stream\":\"live-{}\",\"type\":\"TokensUsed\",\"time\":\"2026-12-03T10:00:00Z\",\"data\":{{\"i\":{i},\"sent\":{sent},\"note\":\"{}\"}}}}\n",
        i % 50,
        "x".repeat(300)
    )
}

fn sent_of(line: &str) -> Option<u128> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v["data"]["sent"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v["data"]["sent"].as_u64().map(u128::from))
}

/// Wait until the follower has opened the file and is waiting for more: an event
/// appended before its first read is part of that read and never printed, so
/// append one every 2 s until one comes out, then let the rest drain.
fn settle(rx: &Receiver<(Instant, String)>, file: &Path) {
    let mut f = OpenOptions::new().append(true).open(file).expect("open");
    let started = Instant::now();
    loop {
        f.write_all(event(0, now_ns()).as_bytes()).expect("write");
        if rx.recv_timeout(Duration::from_secs(2)).is_ok() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the follower never printed"
        );
    }
    while rx.recv_timeout(Duration::from_secs(1)).is_ok() {}
}

/// Append events 1..=`total` to `file` at `rate` events/s, in 10 ms batches.
fn append_at_rate(file: &Path, rate: u64, total: u64) {
    let per_batch = (rate / 100).max(1);
    let started = Instant::now();
    let mut written = 0u64;
    let mut f = OpenOptions::new().append(true).open(file).expect("open");
    while written < total {
        let mut batch = String::new();
        for _ in 0..per_batch.min(total - written) {
            written += 1;
            batch.push_str(&event(written, now_ns()));
        }
        f.write_all(batch.as_bytes()).expect("write");
        let due = started + Duration::from_micros(written * 1_000_000 / rate);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
    }
}

/// The data's `i` of a printed event.
fn index_of(line: &str) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v["data"]["i"].as_u64()
}

fn main() {
    let n = common::env_num("REWIND_BENCH_EVENTS", 100_000);
    let samples = common::env_num("REWIND_BENCH_SAMPLES", 200) as usize;
    let rate = common::env_num("REWIND_BENCH_RATE", 50_000);
    let rules = common::rules_file();
    let base = common::recording(n);
    let dir = common::bench_dir().join("follow");
    fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("growing.jsonl");
    let cache = dir.join("growing.db");
    let bin = common::rewind_bin();

    if std::env::var("REWIND_BENCH_TUI_ONLY").is_ok() {
        let (mut steps, shown, total, caught) = tui_under_writer(&base, &file, &cache, &rules, rate);
        let (s50, s99) = common::p50_p99(steps.clone());
        let smax = steps.iter_mut().fold(0f64, |m, v| m.max(*v));
        println!("TUI steps p50 {s50:.1} p99 {s99:.1} max {smax:.0}; {shown}/{total}; caught up {caught:.0} ms");
        return;
    }
    // Latency.
    fs::copy(&base, &file).expect("copy recording");
    common::remove_db(&cache);
    let (mut child, rx) = start(bin, &rules, &file, &cache);
    settle(&rx, &file);
    let mut f = OpenOptions::new().append(true).open(&file).expect("open");
    let mut lat = Vec::new();
    for i in 1..=samples as u64 {
        f.write_all(event(i, now_ns()).as_bytes()).expect("write");
        f.flush().expect("flush");
        loop {
            let (_, line) = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("event not shown in 30 s");
            if index_of(&line) == Some(i) {
                if let Some(sent) = sent_of(&line) {
                    lat.push((now_ns().saturating_sub(sent)) as f64 / 1e6);
                }
                break;
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let (p50, _) = common::p50_p99(lat.clone());
    let p95 = common::percentile(&mut lat, 0.95);

    // Sustained rate.
    fs::copy(&base, &file).expect("copy recording");
    common::remove_db(&cache);
    let (mut child, rx) = start(bin, &rules, &file, &cache);
    settle(&rx, &file);
    let total = rate * 5;
    let started = Instant::now();
    append_at_rate(&file, rate, total);
    let wrote_in = started.elapsed().as_secs_f64();
    let writer_done = Instant::now();
    let mut seen = 0u64;
    let mut last_at = writer_done;
    while seen < total {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok((at, line)) => {
                if index_of(&line).is_some_and(|i| i > 0) {
                    seen += 1;
                    last_at = at;
                }
            }
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let read_rate = seen as f64 / last_at.duration_since(started).as_secs_f64();
    let behind = last_at.saturating_duration_since(writer_done).as_secs_f64() * 1000.0;

    let tui = tui_under_writer(&base, &file, &cache, &rules, rate);

    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\nfollow bench: {n}-event recording, load average {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!("\n| row | value | target | |");
    println!("|---|---|---|---|");
    let met = |ok: bool| if ok { "met" } else { "**short**" };
    println!(
        "| appended event on stdout (log --follow), {samples} events | p50 {p50:.0} ms, p95 {p95:.0} ms | p50 ≤ 250 ms | {} |",
        met(p50 <= 250.0)
    );
    println!(
        "| writer at {rate} events/s for 5 s ({total} events in {wrote_in:.1} s) | follower {read_rate:.0} events/s, {seen} of {total} shown, last {behind:.0} ms after the writer stopped | keeps up | {} |",
        met(seen == total && read_rate >= rate as f64 * 0.95)
    );
    let (mut steps, shown, total, caught_up) = tui;
    let (s50, s99) = common::p50_p99(steps.clone());
    let smax = steps.iter_mut().fold(0f64, |m, v| m.max(*v));
    println!(
        "| TUI step while a writer appends {rate} events/s for 5 s ({} steps) | p50 {s50:.1} ms, p99 {s99:.1} ms, max {smax:.0} ms; {shown} of {total} events in the TUI when the writer stopped, all {caught_up:.0} ms later | step ≤ 16 ms | {} |",
        steps.len(),
        met(s99 <= 16.0)
    );
    common::remove_db(&cache);
    let _ = fs::remove_file(&file);
}

/// Step latencies (ms), events in the TUI when the writer stopped, events
/// written, and ms until the TUI had them all.
fn tui_under_writer(base: &Path, file: &Path, cache: &Path, rules: &Path, rate: u64) -> (Vec<f64>, u64, u64, f64) {
    use crossterm::event::KeyCode;
    use rewind::recording::OpenOptions as Open;
    use rewind::tui::app::Msg;
    use rewind::tui::testing::Live;

    fs::copy(base, file).expect("copy recording");
    common::remove_db(cache);
    let opts = Open {
        inputs: vec![file.to_path_buf()],
        cache: Some(cache.to_path_buf()),
        rules: Some(rules.to_path_buf()),
        follow: true,
        ..Default::default()
    };
    let mut live = Live::open(&opts, 160, 48).expect("open TUI");
    let state_shown = |app: &rewind::tui::app::App, _: &str| {
        app.events.window.loaded && app.state.reply.as_ref().is_some_and(|s| s.pos == app.cursor)
    };
    live.until(Duration::from_secs(600), state_shown).expect("first frame");
    let start_len = live.app.info.len;
    // Step in the middle of the history (at the end, the cursor rides on the
    // arriving events and each step is a jump over them).
    live.key(KeyCode::Char(':')).expect("key");
    live.keys(&(start_len / 2).to_string()).expect("keys");
    live.key(KeyCode::Enter).expect("key");
    let mid = start_len / 2;
    live.until(Duration::from_secs(60), move |app, s| {
        app.cursor == mid && state_shown(app, s)
    })
    .expect("goto the middle");
    let total = rate * 5;
    let writer = {
        let file = file.to_path_buf();
        thread::spawn(move || append_at_rate(&file, rate, total))
    };
    let mut steps = Vec::new();
    let mut last_wake = Instant::now();
    let mut up = true;
    while !writer.is_finished() {
        if last_wake.elapsed() >= Duration::from_millis(50) {
            live.send(Msg::Wake).expect("wake");
            last_wake = Instant::now();
        }
        let t = Instant::now();
        live.key(KeyCode::Char(if up { 'k' } else { 'j' })).expect("key");
        up = !up;
        live.until(Duration::from_secs(60), state_shown).expect("step");
        steps.push(t.elapsed().as_secs_f64() * 1e3);
        thread::sleep(Duration::from_millis(20));
    }
    writer.join().expect("writer");
    let stopped = Instant::now();
    let shown = live.app.info.len.saturating_sub(start_len);
    while live.app.info.len < start_len + total {
        live.send(Msg::Wake).expect("wake");
        live.until(Duration::from_millis(200), |_, _| false).ok();
        assert!(stopped.elapsed() < Duration::from_secs(120), "the TUI never caught up");
    }
    (steps, shown, total, stopped.elapsed().as_secs_f64() * 1e3)
}
