//! The real binary in a real terminal (tmux): open the fixture, step, seek,
//! quit, and the terminal is back to normal. Skipped when tmux is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        match Command::new("tmux").arg("-L").arg(&self.socket).args(args).output() {
            Ok(o) => o,
            Err(e) => panic!("tmux {args:?}: {e}"),
        }
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn display(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "e2e", format]).stdout;
        String::from_utf8_lossy(&out).trim().to_string()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Wait until the pane shows `text`.
    fn wait_for(&self, text: &str) -> String {
        self.wait_for_within(text, 60)
    }

    /// Wait until the pane no longer shows `text`. A key sent right after Esc can
    /// reach the TUI in the same read and be taken as Alt+key, so tests wait for
    /// Esc to take effect before the next key.
    fn wait_gone(&self, text: &str) {
        let started = Instant::now();
        loop {
            let screen = self.capture();
            if !screen.contains(text) {
                return;
            }
            if started.elapsed() > Duration::from_secs(60) {
                panic!("timed out waiting for {text:?} to go; the pane shows:\n{screen}");
            }
            sleep(Duration::from_millis(50));
        }
    }

    fn wait_for_within(&self, text: &str, seconds: u64) -> String {
        let started = Instant::now();
        loop {
            let screen = self.capture();
            if screen.contains(text) {
                return screen;
            }
            if started.elapsed() > Duration::from_secs(seconds) {
                panic!("timed out waiting for {text:?}; the pane shows:\n{screen}");
            }
            sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // kill-server leaves the socket file behind; remove it too.
        let socket = self.display("#{socket_path}");
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
        if !socket.is_empty() {
            let _ = std::fs::remove_file(socket);
        }
    }
}

fn tmux_available() -> bool {
    let works = |cmd: &str, arg: &str| Command::new(cmd).arg(arg).output().is_ok_and(|o| o.status.success());
    works("tmux", "-V") && works("pkill", "-V")
}

fn start(cache: &Path, tag: &str) -> Tmux {
    let tmux = Tmux {
        socket: format!("rewind-e2e-{}-{tag}", std::process::id()),
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let shell = format!(
        "env -u NO_COLOR PS1='e2e$ ' REWIND_CACHE_DIR='{0}' REWIND_DATA_DIR='{0}' TERM=xterm-256color sh",
        cache.display()
    );
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "40",
        "-c",
        root,
        &shell,
    ]);
    assert!(
        out.status.success(),
        "tmux new-session: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    tmux.wait_for("e2e$");
    tmux
}

fn command(extra: &str) -> String {
    format!(
        "{} fixtures/agents.jsonl fixtures/registry.json fixtures/training.jsonl.zst fixtures/snapshots.jsonl.gz --rules fixtures/rules.json{extra}; echo EXIT=$?",
        env!("CARGO_BIN_EXE_rewind")
    )
}

fn assert_restored(tmux: &Tmux, screen: &str) {
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "0",
        "still in the alternate screen:\n{screen}"
    );
    assert_eq!(tmux.display("#{mouse_any_flag}"), "0", "mouse reporting left on");
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "cursor left hidden");
    assert!(!screen.contains("Events (1)"), "TUI left on screen:\n{screen}");
    // The shell reads lines again: a typed command runs.
    tmux.send(&["echo typed-$((6*7))", "Enter"]);
    tmux.wait_for("typed-42");
}

#[test]
fn open_step_seek_quit_in_a_real_terminal() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux) — the TUI end-to-end test needs it");
        return;
    }
    let cache = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let tmux = start(cache.path(), "main");
    tmux.send(&[&command(""), "Enter"]);
    tmux.wait_for("@1193/1193");
    // The first frames draw while the list loads: wait for the whole screen.
    let s = tmux.wait_for("? help");
    assert!(s.contains("Events (1)") && s.contains("@1193/1193"), "{s}");
    assert_eq!(tmux.display("#{alternate_on}"), "1");
    tmux.send(&["k"]);
    tmux.wait_for("@1192/1193");
    tmux.send(&[":652", "Enter"]);
    // The finished title names the stream; the body is drawn after it.
    tmux.wait_for("651 → 652  agent/sess-0004");
    let s = tmux.wait_for("/agent~1sess-0004/memory/goal");
    assert!(
        s.contains("@652/1193") && s.contains("/agent~1sess-0004/memory/goal"),
        "{s}"
    );
    // Digits are a count, shown in the footer until a key takes it.
    tmux.send(&["1", "2"]);
    tmux.wait_for(" 12… ");
    tmux.send(&["k"]);
    tmux.wait_for("@640/1193");
    // Alt+digit reaches the TUI through tmux (ESC then the digit) and picks a pane.
    tmux.send(&["M-2"]);
    let s = tmux.wait_for("h/l fold");
    assert!(!s.contains(" 2… ") && s.contains("@640/1193"), "{s}");
    tmux.send(&["M-1"]);
    tmux.wait_for("j/k step");
    tmux.send(&[":652", "Enter"]);
    tmux.wait_for("@652/1193");
    tmux.send(&["m"]);
    tmux.wait_for("mark set at 652");
    tmux.send(&["?"]);
    tmux.wait_for("When did this value change?");
    tmux.send(&["Escape"]);
    tmux.wait_gone("When did this value change?");
    tmux.send(&["/refund", "Enter"]);
    tmux.wait_for("refund: hit");
    tmux.send(&["q"]);
    let s = tmux.wait_for("EXIT=0");
    assert_restored(&tmux, &s);
    // The cache is closed cleanly: SQLite's write-ahead files are gone.
    let left: Vec<String> = std::fs::read_dir(cache.path())
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        !left.iter().any(|n| n.ends_with("-wal") || n.ends_with("-shm")),
        "{left:?}"
    );

    // Ctrl-C quits too, and the cached recording opens at once.
    tmux.send(&["clear", "Enter"]);
    tmux.send(&[&command(" --color never"), "Enter"]);
    tmux.wait_for("@1193/1193");
    // The search prompt starts empty and recalls the last run's search.
    tmux.send(&["/"]);
    tmux.wait_for("search events: █");
    tmux.send(&["Up"]);
    tmux.wait_for("search events: refund█");
    tmux.send(&["Escape"]);
    tmux.wait_gone("search events:");
    // The mark set in the last run is back.
    tmux.send(&["'"]);
    tmux.wait_for("Marks (1)");
    tmux.wait_for("MemoryUpdated         the diff's mark");
    tmux.send(&["Escape"]);
    tmux.wait_gone("Marks (1)");
    tmux.send(&["C-c"]);
    let s = tmux.wait_for("EXIT=0");
    assert_restored(&tmux, &s);
}

#[test]
fn an_error_restores_the_terminal_and_exits_2() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux) — the TUI end-to-end test needs it");
        return;
    }
    let cache = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let tmux = start(cache.path(), "err");
    let missing: PathBuf = cache.path().join("missing.jsonl");
    tmux.send(&[
        &format!("{} '{}'; echo EXIT=$?", env!("CARGO_BIN_EXE_rewind"), missing.display()),
        "Enter",
    ]);
    let s = tmux.wait_for("EXIT=2");
    assert!(s.contains("no such file"), "{s}");
    assert_restored(&tmux, &s);
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux) — the TUI end-to-end test needs it");
        return;
    }
    let cache = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let tmux = start(cache.path(), "sig");
    let shell = tmux.display("#{pane_pid}");
    for (signal, code) in [("TERM", 143), ("HUP", 129)] {
        tmux.send(&["clear", "Enter"]);
        tmux.send(&[&command(""), "Enter"]);
        tmux.wait_for("@1193/1193");
        let out = Command::new("pkill")
            .args([&format!("-{signal}"), "-P", &shell, "rewind"])
            .output()
            .expect("pkill");
        assert!(out.status.success(), "no rewind process under the pane's shell");
        let s = tmux.wait_for(&format!("EXIT={code}"));
        assert_restored(&tmux, &s);
    }
}

/// A recording of `n` events over `streams` agent sessions whose states grow to
/// about 40 keys each: large enough that a diff between its ends is real work.
fn generate(path: &Path, n: usize, streams: usize) {
    use std::io::Write;
    let file = std::fs::File::create(path).expect("create recording");
    let mut w = std::io::BufWriter::new(file);
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const WORDS: [&str; 8] = [
        "refund", "order", "customer", "ticket", "escalate", "verify", "charge", "policy",
    ];
    for i in 0..n {
        let s = next() as usize % streams;
        let words: Vec<&str> = (0..8).map(|_| WORDS[next() as usize % WORDS.len()]).collect();
        writeln!(
            w,
            r#"{{"stream":"agent/sess-{s:04}","type":"Noted","time":"2026-11-20T10:{:02}:{:02}.{:06}Z","data":{{"turn":{i},"log":{{"e{}":"{}"}}}}}}"#,
            (i / 60_000) % 60,
            (i / 1000) % 60,
            i % 1000 * 1000,
            next() % 40,
            words.join(" ")
        )
        .expect("write recording");
    }
    w.flush().expect("flush recording");
}

/// The cursor the header shows (`@N/LEN`), if any.
fn header_cursor(screen: &str, len: usize) -> Option<usize> {
    let end = screen.find(&format!("/{len} "))?;
    let start = screen[..end].rfind('@')?;
    screen[start + 1..end].parse().ok()
}

/// After a key moved the cursor to `to`, wait for the diff against mark 0 to show
/// its first screen, checking every screen on the way: a screen whose header shows
/// the cursor at `to` names that cursor in the diff's title (computing or done).
/// Returns how long the first screen took.
fn first_diff_screen(tmux: &Tmux, len: usize, to: usize, bound: Duration) -> Duration {
    let started = Instant::now();
    let mut stale_before = false;
    loop {
        let screen = tmux.capture();
        let title = screen
            .lines()
            .find(|l| l.contains("Diff (3)"))
            .unwrap_or_default()
            .to_string();
        let names_it =
            title.contains(&format!("mark 0 → cursor {to}…")) || title.contains(&format!("mark 0 → cursor {to} "));
        if header_cursor(&screen, len) == Some(to) && !names_it {
            // One capture may catch a frame half drawn; a stale title stays.
            assert!(!stale_before, "the diff title is stale at cursor {to}:\n{screen}");
            stale_before = true;
        } else {
            stale_before = false;
        }
        let done = title.contains(&format!("mark 0 → cursor {to} ")) && !title.contains("computing");
        if done && screen.contains("+ /agent~1sess-") {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < bound,
            "no diff after {bound:?} at cursor {to}; the pane shows:\n{screen}"
        );
        sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_far_diff_shows_its_first_screen_soon_and_names_what_it_computes() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux) — the TUI end-to-end test needs it");
        return;
    }
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    const N: usize = 100_000;
    let input = dir.path().join("fleet.jsonl");
    generate(&input, N, 250);
    let tmux = start(dir.path(), "far");
    tmux.send(&[
        &format!("{} '{}'; echo EXIT=$?", env!("CARGO_BIN_EXE_rewind"), input.display()),
        "Enter",
    ]);
    // The import and the checkpoints of a debug build on a busy machine take a while.
    tmux.wait_for_within(&format!("@{N}/{N} "), 300);
    tmux.send(&["g"]);
    tmux.wait_for(&format!("@0/{N} "));
    tmux.send(&["m"]);
    tmux.wait_for("mark 0 → cursor 0 ");
    // Generous bounds: a debug build, and CI machines are shared.
    let bound = Duration::from_secs(20);
    tmux.send(&["G"]);
    let far = first_diff_screen(&tmux, N, N, bound);
    tmux.send(&["k"]);
    let back = first_diff_screen(&tmux, N, N - 1, bound);
    eprintln!("first diff screen: mark 0 → {N} in {far:?}, → {} in {back:?}", N - 1);
    // The unified view of the same far diff: its first screen, with a header per
    // stream and the new values, comes from the change list already shown.
    let started = Instant::now();
    // u in the diff pane (elsewhere it undoes a what-if edit).
    tmux.send(&["M-3"]);
    tmux.send(&["u"]);
    let s = tmux.wait_for_within(&format!("+++ @{}  agent/sess-", N - 1), 20);
    assert!(s.contains("--- @0  agent/sess-"), "{s}");
    eprintln!("unified first screen in {:?}", started.elapsed());
    tmux.send(&["q"]);
    let s = tmux.wait_for("EXIT=0");
    assert_restored(&tmux, &s);
}

/// The what-if flow with a scripted `$VISUAL`: `e` hands the terminal to the
/// editor (invalid JSON comes back with the parser's message), the hypothesis
/// shows against reality, `W` writes the file, and its command line reproduces it.
#[test]
fn what_if_edit_in_the_editor_and_write_the_hypothesis() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed (apt-get install tmux) — the TUI end-to-end test needs it");
        return;
    }
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let d = dir.path().display().to_string();
    // First save: JSON cut short. Once reopened with rewind's note: a goal that
    // does not leak the customer list. It also notes whether it had the terminal.
    let script = format!(
        r#"#!/bin/sh
[ -t 0 ] && [ -t 1 ] && echo tty > '{d}/tty.txt'
if grep -q '^// rewind: invalid JSON' "$1"; then
  cp "$1" '{d}/reopened.txt'
  printf '%s' '{{"patch": {{"goal": "Resolve the refund for order 1182"}}}}' > "$1"
else
  printf '%s' '{{"patch": {{"goal": "Resolve' > "$1"
fi
"#
    );
    if let Err(e) = std::fs::write(dir.path().join("editor.sh"), script) {
        panic!("editor script: {e}");
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let inputs = [
        "agents.jsonl",
        "registry.json",
        "training.jsonl.zst",
        "snapshots.jsonl.gz",
    ]
    .map(|f| format!("'{root}/fixtures/{f}'"))
    .join(" ");
    let bin = env!("CARGO_BIN_EXE_rewind");
    let tmux = start(dir.path(), "whatif");
    // The hypothesis file is written in the current directory: the temp dir.
    tmux.send(&[
        &format!("cd '{d}' && VISUAL=\"sh '{d}/editor.sh'\" {bin} {inputs} --rules '{root}/fixtures/rules.json'; echo EXIT=$?"),
        "Enter",
    ]);
    tmux.wait_for("? help");
    tmux.send(&[":652", "Enter"]);
    tmux.wait_for("@652/1193");
    tmux.send(&["e"]);
    let s = tmux.wait_for("HYPOTHETICAL: 1 edit: new data for 652");
    assert_eq!(tmux.display("#{alternate_on}"), "1", "the TUI is back:\n{s}");
    tmux.wait_for("recorded → hypothetical @652");
    // The title is drawn before the body.
    tmux.wait_for("+ \"Resolve the refund for order 1182\"");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    assert_eq!(read("tty.txt"), "tty\n", "the editor ran on the terminal");
    assert!(
        read("reopened.txt").contains("EOF while parsing"),
        "{}",
        read("reopened.txt")
    );
    tmux.send(&["W"]);
    tmux.wait_for("wrote rewind-whatif.json; reproduce (copied): rewind whatif");
    tmux.send(&["q"]);
    let s = tmux.wait_for("EXIT=0");
    assert_restored(&tmux, &s);

    // The written hypothesis, run headless: the goal differs from reality at 652.
    tmux.send(&["clear", "Enter"]);
    tmux.send(&[
        &format!("{bin} whatif {inputs} --whatif rewind-whatif.json --at 652 --stream agent/sess-0004 --path /memory/goal; echo EXIT=$?"),
        "Enter",
    ]);
    // Exit 1: the hypothesis differs from reality there.
    let s = tmux.wait_for_within("EXIT=1", 30);
    assert!(s.contains("Resolve the refund for order 1182"), "{s}");
}

#[test]
fn the_tui_follows_a_pipe_and_a_growing_file() {
    if !tmux_available() {
        eprintln!("skipped: tmux or pkill missing");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("live.jsonl");
    let line = |n: u32, goal: &str| {
        format!("{{\"stream\":\"agent-{n}\",\"type\":\"set\",\"data\":{{\"goal\":\"{goal}\"}}}}\n")
    };
    std::fs::write(&log, line(1, "plan")).expect("write");
    let tmux = start(dir.path(), "follow");
    tmux.send(&[
        &format!(
            "{} --follow '{}'; echo EXIT=$?",
            env!("CARGO_BIN_EXE_rewind"),
            log.display()
        ),
        "Enter",
    ]);
    tmux.wait_for("@1/1   LIVE");
    let append = |text: &str| {
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).expect("open");
        std::io::Write::write_all(&mut f, text.as_bytes()).expect("append");
    };
    append(&line(2, "refund-the-customer"));
    tmux.wait_for_within("@2/2   LIVE", 20);
    tmux.wait_for_within("refund-the-customer", 20);
    tmux.send(&["k"]);
    tmux.wait_for("@1/2");
    append(&(line(3, "a") + &line(3, "b")));
    tmux.wait_for_within("LIVE +2 new", 20);
    tmux.send(&["q"]);
    tmux.wait_for("EXIT=0");

    // A pipe: events come on standard input, keys from the terminal.
    tmux.send(&["clear", "Enter"]);
    let feed = dir.path().join("feed.sh");
    std::fs::write(
        &feed,
        format!(
            "printf '%s\\n' '{}'; sleep 2; printf '%s\\n' '{}'; sleep 4\n",
            line(7, "first").trim(),
            line(7, "second").trim()
        ),
    )
    .expect("write");
    tmux.send(&[
        &format!(
            "sh '{}' | {} --follow -; echo EXIT=$?",
            feed.display(),
            env!("CARGO_BIN_EXE_rewind")
        ),
        "Enter",
    ]);
    tmux.wait_for_within("@1/1   LIVE", 30);
    tmux.wait_for_within("@2/2   LIVE", 30);
    tmux.wait_for_within("second", 30);
    tmux.send(&["q"]);
    tmux.wait_for("EXIT=0");
}
