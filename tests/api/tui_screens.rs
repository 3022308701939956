//! Whole screens of the TUI on ratatui's TestBackend, driven through the real
//! app and service over the fixture recording (no terminal, no threads).

use std::path::PathBuf;
use std::sync::OnceLock;

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use rewind::recording::{OpenOptions, Recording};
use rewind::tui::app::{Effect, Pane};
use rewind::tui::keys::BINDINGS;
use rewind::tui::msg::DiffMode;
use rewind::tui::testing::Harness;

/// The fixture recording, imported once per test binary into a temp cache.
fn cache() -> &'static PathBuf {
    static CACHE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &CACHE
        .get_or_init(|| {
            let dir = match tempfile::tempdir() {
                Ok(d) => d,
                Err(e) => panic!("tempdir: {e}"),
            };
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
            let path = dir.path().join("fixture.db");
            let opts = OpenOptions {
                inputs: [
                    "agents.jsonl",
                    "registry.json",
                    "training.jsonl.zst",
                    "snapshots.jsonl.gz",
                ]
                .iter()
                .map(|f| root.join(f))
                .collect(),
                cache: Some(path.clone()),
                rules: Some(root.join("rules.json")),
                ..OpenOptions::default()
            };
            match Recording::open(&opts, &mut |_| {}) {
                Ok((mut rec, _)) => {
                    if let Err(e) = rec.ensure_checkpoints(&mut |_| {}) {
                        panic!("checkpoints: {e:#}");
                    }
                }
                Err(e) => panic!("import: {e:#}"),
            }
            (dir, path)
        })
        .1
}

pub(crate) fn open_sized(w: u16, h: u16) -> Harness {
    let opts = OpenOptions {
        inputs: vec![cache().clone()],
        ..OpenOptions::default()
    };
    match Harness::open(&opts, w, h, false) {
        Ok(h) => h,
        Err(e) => panic!("open: {e:#}"),
    }
}

pub(crate) fn open() -> Harness {
    open_sized(120, 40)
}

/// Compare a whole screen with its stored snapshot (tests/tui_snapshots).
macro_rules! screen {
    ($name:expr, $h:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("../tui_snapshots");
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!($name, $h.screen()));
    }};
}

pub(crate) fn status(h: &Harness) -> String {
    h.app.message.as_ref().map(|m| m.1.clone()).unwrap_or_default()
}

/// The screen's second header line: where the cursor is.
fn where_line(h: &Harness) -> String {
    h.screen().lines().nth(1).unwrap_or_default().to_string()
}

/// Tree rows as text, for assertions on folding and selection.
fn tree_line(h: &Harness, ptr: &str) -> Option<String> {
    h.app
        .state
        .tree
        .rows()
        .iter()
        .find(|r| r.pointer == ptr)
        .map(|r| r.preview.clone())
}

/// From the state tree's root, select /agent~1sess-0004/memory/goal by keys.
fn select_goal(h: &mut Harness) {
    h.key(KeyCode::Tab);
    assert_eq!(h.app.focus, Pane::Tree);
    h.keys("gjjjj"); // the fourth stream
    h.keys("l"); // unfold it
    h.keys("ljjjjjj"); // first child, then down to memory
    h.keys("ll"); // unfold memory, first child: goal
    assert_eq!(h.app.state.tree.selected_pointer(), "/agent~1sess-0004/memory/goal");
}

#[test]
fn step_forward_and_back() {
    let mut h = open();
    assert_eq!(h.app.cursor, 1193);
    h.submit(":650");
    h.keys("jj");
    assert_eq!(h.app.cursor, 652);
    let s = h.screen();
    assert!(where_line(&h).contains("@652/1193"), "{s}");
    assert!(
        s.contains("▶  652 11-20 10:24:13Z agent/sess-0004  MemoryUpdated"),
        "{s}"
    );
    assert!(s.contains("651 → 652  agent/sess-0004"), "{s}");
    assert!(s.contains("~ /agent~1sess-0004/memory/goal"), "{s}");
    screen!("step", h);
    h.keys("k");
    h.key(KeyCode::Up);
    h.key(KeyCode::Left);
    assert_eq!(h.app.cursor, 649);
    h.key(KeyCode::Right);
    h.key(KeyCode::Down);
    h.keys("l");
    assert_eq!(h.app.cursor, 652);
    h.key(KeyCode::PageDown);
    assert!(h.app.cursor > 652);
    h.key(KeyCode::PageUp);
    assert_eq!(h.app.cursor, 652);
    h.keys("g");
    assert_eq!(h.app.cursor, 0);
    assert!(h.screen().contains("start (position 0: before the first event)"));
    h.keys("]]");
    assert_eq!(h.app.cursor, 238);
    h.keys("G[");
    assert_eq!(h.app.cursor, 1074);
}

#[test]
fn seek_with_every_kind_of_point() {
    let mut h = open();
    for (point, pos) in [
        ("652", 652),
        ("start", 0),
        ("end-1", 1192),
        ("agent/sess-0004@19", 652),
        ("id:ea358cc7-2439-46ca-9d2a-64d42b90434e", 652),
        ("2026-11-20T10:24:14Z", 652),
        ("end", 1193),
    ] {
        h.keys(":");
        h.submit(point);
        assert_eq!(h.app.cursor, pos, "{point}");
    }
    // A bare date is midnight UTC; a time before the first event is the start.
    h.keys(":");
    h.submit("2026-11-20T00:00:00Z");
    let midnight = h.app.cursor;
    assert!(midnight > 0 && midnight < 1193, "{midnight}");
    h.keys(":");
    h.submit("2026-11-20");
    assert_eq!(h.app.cursor, midnight);
    h.keys(":");
    h.submit("2001-01-01");
    assert_eq!(h.app.cursor, 0);
    h.keys(":");
    h.submit("end");
    h.keys(":");
    h.submit("agent/sess-0004@999");
    assert_eq!(h.app.cursor, 1193);
    let s = status(&h);
    assert!(s.contains("names nothing") && s.contains("0..1193"), "{s}");
    h.keys(":");
    h.submit("641");
    screen!("seek", h);
}

#[test]
fn filter_to_a_stream_keeps_the_world_state() {
    let mut h = open();
    h.submit(":652");
    h.keys("F");
    let s = h.screen();
    assert!(s.contains("filter agent/sess-0004"), "{s}");
    // Every listed event is the stream's; the state is still the world's.
    for line in s.lines().skip(6).take(30) {
        if line.contains("11-20") {
            assert!(line.contains("agent/sess-0004"), "{line}");
        }
    }
    assert!(s.contains("State (2)  world @652"), "{s}");
    h.keys("j");
    assert_eq!(h.app.cursor, 653);
    h.keys("jjjjjj"); // 658 is a heartbeat of the stream; 662 is training's
    assert_eq!(h.app.cursor, 659);
    screen!("filter", h);
    // Stepping back from the first event of the stream reaches the start.
    h.submit(":630");
    h.keys("k");
    assert_eq!(h.app.cursor, 0);
    h.keys("F"); // no event at 0: message
    h.keys("G");
    // Filter by type through the prompt, then clear it.
    h.keys("f");
    h.key_mod(KeyCode::Char('u'), KeyModifiers::CONTROL); // ignored in a prompt
    for _ in 0..20 {
        h.key(KeyCode::Backspace);
    }
    h.submit("type:ParamsPatched");
    h.keys("k");
    let s = h.screen();
    assert!(s.contains("ParamsPatched"), "{s}");
    let pos = h.app.cursor;
    h.keys("k");
    assert!(h.app.cursor < pos);
    h.keys("f");
    for _ in 0..30 {
        h.key(KeyCode::Backspace);
    }
    h.submit("");
    assert!(h.app.events.filter.is_none());
}

#[test]
fn failed_and_snapshot_events_are_marked() {
    let mut h = open();
    h.submit(":718");
    let s = h.screen();
    assert!(s.contains("✗  718"), "{s}");
    assert!(where_line(&h).contains("FAILED"));
    h.key_mod(KeyCode::Char('4'), KeyModifiers::ALT);
    let s = h.screen();
    assert!(s.contains("FAILED") && s.contains("test"), "{s}");
    h.submit(":994");
    let s = h.screen();
    assert!(s.contains("!  994"), "{s}");
    assert!(s.contains("DRIFT") && s.contains("/canary/percent"), "{s}");
}

#[test]
fn mark_then_diff_against_it() {
    let mut h = open();
    h.submit(":641");
    h.keys("m");
    assert_eq!(h.app.marks.mark, Some(641));
    h.submit(":652");
    let d = h.app.state.reply.as_ref().map(|s| s.diff.clone());
    let Some(d) = d else { panic!("no state") };
    assert_eq!(d.mode, DiffMode::Mark);
    assert_eq!(d.title, "mark 641 → cursor 652");
    let paths: Vec<&str> = d.changes.iter().map(|c| c.path.as_str()).collect();
    assert!(paths.contains(&"/agent~1sess-0004/memory/goal"), "{paths:?}");
    let s = h.screen();
    assert!(s.contains("mark 641"), "{s}");
    screen!("mark_diff", h);
    h.key_mod(KeyCode::Char('3'), KeyModifiers::ALT); // u in the diff pane; elsewhere it undoes a what-if edit
    h.keys("u");
    let s = h.screen();
    assert!(s.contains("--- @641") && s.contains("+++ @652"), "{s}");
    // Cycle the diff modes: what-if without edits explains itself.
    h.keys("d");
    assert!(h.screen().contains("x skips an event"));
    h.keys("d");
    assert_eq!(h.app.diff.mode, DiffMode::Event);
}

#[test]
fn watchpoint_finds_who_changed_the_goal() {
    let mut h = open();
    select_goal(&mut h);
    h.keys("<");
    assert_eq!(h.app.cursor, 652);
    let s = status(&h);
    assert!(s.contains("/agent~1sess-0004/memory/goal changed at 652"), "{s}");
    assert!(s.contains("\"Export the complete"), "{s}");
    // The tree kept its folding and selection, and lights the changed node.
    assert_eq!(h.app.state.tree.selected_pointer(), "/agent~1sess-0004/memory/goal");
    let sc = h.screen();
    assert!(sc.contains("goal: \"Export the complete customer list"), "{sc}");
    assert!(sc.contains(" ~"), "{sc}");
    screen!("watchpoint", h);
    h.keys("<");
    assert_eq!(h.app.cursor, 630);
    h.keys("<");
    assert_eq!(h.app.cursor, 630);
    assert!(status(&h).contains("no previous change"));
    h.keys(">");
    assert_eq!(h.app.cursor, 652);
    // The watch works from the events pane too; nothing changes it later.
    h.key_mod(KeyCode::Char('1'), KeyModifiers::ALT);
    h.keys("g>");
    assert_eq!(h.app.cursor, 630);
    assert_eq!(h.app.focus, Pane::Events);
    h.keys(">>");
    assert_eq!(h.app.cursor, 652);
    assert!(status(&h).contains("no next change"), "{}", status(&h));
}

#[test]
fn done_when_flow_with_footer_and_help_only() {
    // A new user: reads the footer, opens help, finds the goal's change with the
    // watchpoint, marks an earlier moment, diffs, quits.
    let mut h = open();
    let s = h.screen();
    assert!(
        s.contains("? help") && s.contains("Tab pane") && s.contains("</> changed it"),
        "{s}"
    );
    h.keys("?");
    let s = h.screen();
    assert!(s.contains("When did this value change?"), "{s}");
    screen!("help", h);
    h.key(KeyCode::Esc);
    select_goal(&mut h);
    h.keys("<");
    assert_eq!(h.app.cursor, 652);
    // An earlier moment: the injected tool result, then back to the change.
    h.keys(":");
    h.submit("641");
    h.keys("m>");
    assert_eq!(h.app.cursor, 652);
    let s = h.screen();
    assert!(s.contains("mark 641 → cursor 652"), "{s}");
    assert!(s.contains("/agent~1sess-0004/memory/goal"), "{s}");
    h.keys("q");
    assert!(h.quit);
}

#[test]
fn help_lists_every_binding() {
    let mut h = open_sized(120, 200);
    h.keys("?");
    let s = h.screen();
    for b in BINDINGS {
        assert!(s.contains(b.help), "help lacks {:?}", b.help);
    }
    h.keys("q");
    assert!(!h.quit);
}

#[test]
fn narrow_terminal_80x24() {
    let mut h = open_sized(80, 24);
    h.submit(":652");
    let s = h.screen();
    assert!(s.lines().all(|l| l.chars().count() <= 80));
    assert!(s.contains("? help") && s.contains("q quit"), "{s}");
    screen!("narrow_80x24", h);
    // Resizing keeps everything in place.
    h.resize(120, 40);
    assert_eq!(h.app.cursor, 652);
    h.resize(80, 24);
    assert_eq!(h.screen(), s);
    // Tiny and empty terminals draw without panicking.
    for (w, ht) in [(20, 6), (1, 1), (0, 0), (200, 3)] {
        h.resize(w, ht);
        let _ = h.screen();
    }
}

#[test]
fn at_80_columns_the_header_keeps_the_range_the_chips_and_the_notes() {
    let mut h = open_sized(80, 24);
    h.submit(":652");
    h.keys("m");
    h.keys("FT");
    h.submit("/goal");
    let s = h.screen();
    let mut lines = s.lines();
    let (first, second) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    // The range's days whole rather than a cut end time.
    assert!(first.contains("2026-10-01 → 2026-11-21"), "{s}");
    // The time, stream and type (on the cursor's row below) give way, so the
    // mark and every chip stay.
    for part in ["mark 652", "[F] agent/sess-0004", "[T] type:MemoryUpdated", "[/] goal"] {
        assert!(second.contains(part), "{part} missing:\n{s}");
    }
    assert!(s.contains("/goal: 1 hit "), "{s}");
    // Given the room, the header has them all.
    h.resize(160, 40);
    let s = h.screen();
    let second = s.lines().nth(1).unwrap_or("");
    for part in [
        "2026-11-20 10:24:13.870535Z  agent/sess-0004  MemoryUpdated",
        "[/] goal",
    ] {
        assert!(second.contains(part), "{part} missing:\n{s}");
    }
    h.resize(80, 24);
    // A note in the diff pane wraps instead of running off its edge.
    h.keys("md");
    assert_eq!(h.app.diff.mode, DiffMode::Mark);
    let s = h.screen();
    assert!(s.contains("no mark yet: press m to set one"), "{s}");
    assert!(s.contains("move, and compare"), "{s}");
}

#[test]
fn at_80_columns_a_long_filter_leaves_room_for_the_hit_count() {
    let mut h = open_sized(80, 24);
    h.submit("fagent/sess-0004 agent/sess-0009 model/* training/* type:Memory*");
    h.submit("/goal");
    let s = h.screen();
    let title = match s.lines().find(|l| l.contains("Events (1)")) {
        Some(l) => l.to_string(),
        None => panic!("no events pane:\n{s}"),
    };
    assert!(title.contains(" filter agent/sess-0004"), "{title}");
    assert!(title.contains("…"), "{title}");
    let hits = match h.app.events.search.as_ref().map_or(0, |s| s.hits.len()) {
        1 => "1 hit".to_string(),
        n => format!("{n} hits"),
    };
    assert!(title.contains(&format!("/goal: {hits} ")), "{title}");
    // The header's chips share the line, each keeping the key that drops it.
    let second = s.lines().nth(1).unwrap_or("");
    for part in ["[F] agent/sess-0004", "…", "[T] type:", "[/] goal"] {
        assert!(second.contains(part), "{part} missing:\n{s}");
    }
}

#[test]
fn what_if_skipping_the_memory_write() {
    let mut h = open();
    h.submit(":652");
    h.keys("x");
    let s = h.screen();
    assert!(s.contains("HYPOTHETICAL"), "{s}");
    let v = h.app.state.tree.to_value();
    assert_eq!(
        v["agent/sess-0004"]["memory"]["goal"]
            .as_str()
            .map(|g| g.starts_with("Resolve")),
        Some(true)
    );
    // Later moments are recomputed without it too (until the session's snapshot
    // at 675 fixes the recorded state again); the recording is untouched.
    h.submit(":660");
    let v = h.app.state.tree.to_value();
    assert_eq!(
        v["agent/sess-0004"]["memory"]["goal"]
            .as_str()
            .map(|g| g.starts_with("Resolve")),
        Some(true)
    );
    h.keys("X");
    assert!(!h.screen().contains("HYPOTHETICAL"));
    let v = h.app.state.tree.to_value();
    assert_eq!(
        v["agent/sess-0004"]["memory"]["goal"]
            .as_str()
            .map(|g| g.starts_with("Export")),
        Some(true)
    );
}

#[test]
fn search_events_and_the_tree() {
    let mut h = open();
    h.keys("g/");
    h.submit("export_customers");
    // The session's tool list, the injected page asking for it, the call.
    assert_eq!(h.app.cursor, 630);
    h.keys("n");
    assert_eq!(h.app.cursor, 641);
    h.keys("n");
    assert_eq!(h.app.cursor, 654);
    let n = h.app.events.search.as_ref().map(|s| s.hits.len()).unwrap_or(0);
    assert!(n >= 2, "{n}");
    h.keys("n");
    assert!(h.app.cursor > 654);
    h.keys("N");
    assert_eq!(h.app.cursor, 654);
    h.keys("gN");
    assert!(status(&h).contains("wrapped"), "{}", status(&h));
    assert!(h.screen().contains("•"));
    // In the tree: regex, smart case.
    h.key_mod(KeyCode::Char('2'), KeyModifiers::ALT);
    h.keys("/");
    h.submit("audit-team@");
    assert_eq!(h.app.focus, Pane::Tree);
    assert!(h.app.state.tree.selected_pointer().starts_with("/agent~1sess-0004/"));
    h.keys("y");
    assert_eq!(
        h.copied.last().map(String::as_str),
        Some(h.app.state.tree.selected_pointer())
    );
    h.keys("Y");
    assert!(h.copied.last().is_some_and(|v| v.contains("audit-team@")));
}

#[test]
fn state_of_one_stream_and_back() {
    let mut h = open();
    h.submit(":652");
    h.keys("s");
    let s = h.screen();
    assert!(s.contains("State (2)  stream agent/sess-0004 @652"), "{s}");
    assert_eq!(tree_line(&h, "/memory/goal"), None); // folded
    h.keys("s");
    assert!(h.screen().contains("State (2)  world @652"));
}

#[test]
fn escape_sequences_in_data_are_shown_escaped() {
    // Tall, so the detail pane shows the captured terminal output.
    let mut h = open_sized(120, 120);
    h.submit(":360");
    h.key_mod(KeyCode::Char('4'), KeyModifiers::ALT);
    let buf = h.buffer();
    for cell in buf.content() {
        assert!(!cell.symbol().chars().any(|c| c.is_control()), "{:?}", cell.symbol());
    }
    let s = h.screen();
    assert!(s.contains("\\u001b"), "{s}");
}

#[test]
fn mouse_seeks_on_the_timeline_and_selects_rows() {
    let mut h = open();
    let click = |col, row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: col,
        row,
        modifiers: KeyModifiers::NONE,
    };
    h.mouse(click(60, 2));
    assert_eq!(h.app.cursor, rewind::tui::timeline::position(60, 1193, 120));
    let before = h.app.cursor;
    h.mouse(MouseEvent {
        kind: MouseEventKind::Drag(MouseButton::Left),
        ..click(0, 3)
    });
    assert_eq!(h.app.cursor, 0);
    h.mouse(click(30, 8)); // a list row
    assert!(h.app.cursor > 0 && h.app.cursor < before);
    h.mouse(click(80, 8)); // the tree
    assert_eq!(h.app.focus, Pane::Tree);
}

#[test]
fn bookmarks_jump_and_quit_keys() {
    let mut h = open();
    h.submit(":100");
    h.keys("b");
    h.submit(":200");
    h.keys("b{");
    assert_eq!(h.app.cursor, 100);
    h.keys("}");
    assert_eq!(h.app.cursor, 200);
    h.key_mod(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(h.quit);
    let mut h = open();
    h.keys(":");
    h.key_mod(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(h.quit);
    let _ = Effect::Quit;
}

#[test]
fn help_wraps_at_80_columns_and_pages_with_ctrl_d() {
    let mut h = open_sized(80, 24);
    h.keys("?");
    let mut seen = String::new();
    let mut last = String::new();
    loop {
        let s = h.screen();
        if s == last {
            break;
        }
        // The box's inside, one line per row, borders dropped.
        for line in s.lines().skip(2).take(20) {
            seen.push_str(line.trim_matches(|c: char| c == '│' || c.is_whitespace()));
            seen.push(' ');
        }
        last = s;
        h.key(KeyCode::Char('j'));
    }
    let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let seen = flat(&seen);
    for b in BINDINGS {
        assert!(seen.contains(&flat(b.help)), "help at 80 columns lacks {:?}", b.help);
    }
    h.keys("g");
    h.key_mod(KeyCode::Char('d'), KeyModifiers::CONTROL);
    let paged = h.app.help.offset();
    assert!(paged > 10, "{paged}");
    h.key_mod(KeyCode::Char('u'), KeyModifiers::CONTROL);
    assert_eq!(h.app.help.offset(), 0);
}

#[test]
fn prompts_start_empty_in_the_list_and_the_tree() {
    let mut h = open();
    h.keys("/");
    h.submit("refund");
    h.keys("/");
    h.submit("TokensUsed");
    assert_eq!(
        h.app.events.search.as_ref().map(|s| s.text.as_str()),
        Some("TokensUsed")
    );
    h.key_mod(KeyCode::Char('2'), KeyModifiers::ALT);
    h.keys("/");
    h.submit("goal");
    h.keys("/");
    h.submit("facts");
    let find = h.app.state.tree.search_status().map(|s| s.2).unwrap_or_default();
    assert!(find.contains("facts") && !find.contains("goal"), "{find}");
    use rewind::tui::history::Kind;
    assert_eq!(
        h.remembered,
        [
            (Kind::Search, "refund".to_string()),
            (Kind::Search, "TokensUsed".into()),
            (Kind::Find, "goal".into()),
            (Kind::Find, "facts".into())
        ]
    );
}

/// The diff shown at the cursor (the state reply with its parts).
fn shown_diff(h: &Harness) -> rewind::tui::msg::DiffReply {
    match h.app.state.reply.as_ref() {
        Some(s) => s.diff.clone(),
        None => panic!("no state shown"),
    }
}

/// The line of the screen that holds the diff pane's title.
fn diff_title(screen: &str) -> String {
    match screen.lines().find(|l| l.contains("Diff (3)")) {
        Some(l) => l.to_string(),
        None => panic!("no diff pane:\n{screen}"),
    }
}

#[test]
fn a_far_diff_names_what_it_computes_until_it_is_there() {
    let mut h = open();
    h.keys("gm");
    assert!(diff_title(&h.screen()).contains("mark 0 → cursor 0 "));
    // While the answer is in flight the title names the new pair, never the old one.
    h.key_in_flight(KeyCode::Char('G'));
    let title = diff_title(&h.screen());
    assert!(title.contains("computing mark 0 → cursor 1193…"), "{title}");
    h.settle();
    let s = h.screen();
    let title = diff_title(&s);
    // Every stream with a state is new since the start: one change each, in stream order.
    let streams = world_entries(&h).len();
    assert!(
        title.contains(&format!("mark 0 → cursor 1193  {streams} changes")),
        "{title}"
    );
    assert!(!title.contains("computing"), "{title}");
    let d = shown_diff(&h);
    assert!(d.complete());
    let paths: Vec<&str> = d.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths.first(), Some(&"/agent~1sess-0001"), "{paths:?}");
    assert!(s.contains("+ /agent~1sess-0001"), "{s}");
    let mut sorted = paths.clone();
    sorted.sort_by(|a, b| rewind::natural::cmp(a, b));
    assert_eq!(paths, sorted);
    h.key_in_flight(KeyCode::Char('k'));
    let title = diff_title(&h.screen());
    assert!(title.contains("computing mark 0 → cursor 1192…"), "{title}");
    h.settle();
    let streams = world_entries(&h).len();
    let title = diff_title(&h.screen());
    assert!(
        title.contains(&format!("mark 0 → cursor 1192  {streams} changes")),
        "{title}"
    );
}

#[test]
fn the_diff_in_parts_is_the_recordings_diff_and_a_newer_request_stops_it() {
    use rewind::tui::msg::{Request, Response, StateReq};
    let mut h = open();
    let req = |id| {
        Request::State(StateReq {
            id,
            pos: 900,
            stream: None,
            whatif: Default::default(),
            mark: Some(300),
            diff: DiffMode::Mark,
        })
    };
    let mut replies = Vec::new();
    h.service.handle(req(1000), &mut |r| replies.push(r));
    let Some(Response::State(first)) = replies.first() else {
        panic!("the state reply comes first: {:?}", replies.first())
    };
    let mut d = first.diff.clone();
    assert!(!d.complete());
    for r in replies.iter().skip(1) {
        match r {
            Response::DiffPart(p) => d.extend((**p).clone()),
            other => panic!("not a diff part: {other:?}"),
        }
    }
    assert!(d.complete());
    assert_eq!(d.texts.len(), d.changes.len());
    let mut got: Vec<String> = d.changes.iter().map(|c| format!("{c:?}")).collect();
    let mut want: Vec<String> = match h.service.rec.diff(300, 900, None, None) {
        Ok(c) => c.iter().map(|c| format!("{c:?}")).collect(),
        Err(e) => panic!("{e:#}"),
    };
    got.sort();
    want.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want);

    // A newer request arriving after the second stream stops the work there.
    let mut replies = Vec::new();
    let mut checks = 0;
    h.service.handle_until(req(1001), &mut |r| replies.push(r), &mut || {
        checks += 1;
        checks > 2
    });
    assert!(matches!(replies.first(), Some(Response::State(_))));
    for r in &replies[1..] {
        if let Response::DiffPart(p) = r {
            assert!(p.progress.0 < p.progress.1, "finished despite the newer request");
        }
    }
    assert_eq!(checks, 3);
}

#[test]
fn the_unified_view_is_built_from_the_change_list() {
    let mut h = open();
    h.submit(":641");
    h.keys("m");
    h.submit(":652");
    h.key_mod(KeyCode::Char('3'), KeyModifiers::ALT); // u in the diff pane; elsewhere it undoes a what-if edit
    h.keys("u");
    let s = h.screen();
    assert!(s.contains("--- @641  agent/sess-0004"), "{s}");
    assert!(s.contains("+++ @652  agent/sess-0004"), "{s}");
    assert!(s.contains("@@ /memory/goal @@"), "{s}");
    assert!(s.contains("+\"Export"), "{s}");
    // The event's own diff too, in a one-stream view: paths inside the stream.
    h.keys("dd");
    assert_eq!(h.app.diff.mode, DiffMode::Event);
    h.keys("s");
    let s = h.screen();
    assert!(
        s.contains("--- @651  agent/sess-0004") && s.contains("@@ /memory"),
        "{s}"
    );
}

#[test]
fn the_unified_view_scrolls_sideways_to_its_longest_line_and_no_further() {
    let mut h = open_sized(80, 24);
    h.submit(":641");
    h.keys("m");
    h.submit(":652");
    h.key_mod(KeyCode::Char('3'), KeyModifiers::ALT);
    assert_eq!(h.app.focus, Pane::Diff);
    h.keys("u");
    let start = h.screen();
    assert!(start.contains("+++ @652  agent/sess-0004"), "{start}");
    // No room for the counts: none of them, rather than a bare `1` that reads as one.
    let title = diff_title(&start);
    assert!(title.contains("mark 641 → cursor 652 ─"), "{title}");
    // Far more presses than any line needs: the view stops where the longest
    // line on screen ends at the pane's edge.
    for _ in 0..200 {
        h.keys("l");
    }
    let right = h.screen();
    assert_ne!(right, start);
    // The end of the longest line (the old goal, a long sentence) meets the right edge.
    assert!(
        right
            .lines()
            .any(|l| l.ends_with("customer\"") && l.chars().count() == 80),
        "{right}"
    );
    h.keys("l");
    assert_eq!(h.screen(), right, "scrolled past the longest line");
    // One step back shows more of the lines at once: no dead presses to undo.
    h.keys("h");
    assert_ne!(h.screen(), right);
    for _ in 0..200 {
        h.keys("h");
    }
    assert_eq!(h.screen(), start);
}

#[test]
fn the_change_list_scrolls_to_its_last_change() {
    let mut h = open_sized(100, 30);
    h.keys("gmG");
    h.key_mod(KeyCode::Char('3'), KeyModifiers::ALT);
    let d = shown_diff(&h);
    let last = d.changes.last().map(|c| c.path.clone()).unwrap_or_default();
    assert!(!h.screen().contains(&format!("+ {last}")));
    h.keys("G");
    let s = h.screen();
    assert!(s.contains(&format!("+ {last}")), "{s}");
    h.keys("g");
    assert!(h.screen().contains("+ /agent~1sess-0001"));
}

/// The world's entries as the state pane holds them.
fn world_entries(h: &Harness) -> std::sync::Arc<Vec<(String, std::sync::Arc<serde_json::Value>)>> {
    match h.app.state.reply.as_ref().map(|s| &s.value) {
        Some(rewind::tui::msg::StateValue::World(e)) => e.clone(),
        other => panic!("not a world: {other:?}"),
    }
}

#[test]
fn stepping_back_rebuilds_no_world_and_shows_the_recorded_state() {
    let mut h = open();
    h.submit(":700");
    let built = h.service.worlds_built();
    assert!(built >= 1, "a jump builds the world");
    let check = |h: &Harness, pos: u64| {
        let shown = match h.app.state.reply.as_ref() {
            Some(s) if s.pos == pos => s.value.to_value(),
            other => panic!("not at {pos}: {:?}", other.map(|s| s.pos)),
        };
        match h.service.rec.state_at(pos, None) {
            Ok(want) => assert_eq!(shown, want, "state at {pos}"),
            Err(e) => panic!("{e:#}"),
        }
        let title = diff_title(&h.screen());
        assert!(title.contains(&format!("{} → {pos} ", pos - 1)), "{title}");
    };
    // One event back, several one at a time, a count, and back and forth.
    h.keys("k");
    check(&h, 699);
    h.keys("kkk");
    check(&h, 696);
    h.keys("40k");
    check(&h, 656);
    h.keys("jjk");
    check(&h, 657);
    assert_eq!(h.service.worlds_built(), built, "a step back rebuilt the whole world");
    // Far back, over every stream of the recording, still the recorded state.
    h.submit(":10");
    check(&h, 10);
}

#[test]
fn a_step_replaces_one_streams_state_and_shares_the_others() {
    let mut h = open();
    h.submit(":651");
    let before = world_entries(&h);
    h.keys("j");
    assert_eq!(h.app.state.reply.as_ref().map(|s| s.pos), Some(652));
    let after = world_entries(&h);
    let names = |e: &[(String, _)]| e.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(names(&before), names(&after));
    for ((name, a), (_, b)) in before.iter().zip(after.iter()) {
        if name == "agent/sess-0004" {
            assert!(!std::sync::Arc::ptr_eq(a, b));
            assert_ne!(a["memory"]["goal"], b["memory"]["goal"]);
        } else {
            assert!(std::sync::Arc::ptr_eq(a, b), "{name} was copied");
        }
    }
    // The tree shows the stepped state.
    let goal = h.app.state.tree.to_value()["agent/sess-0004"]["memory"]["goal"].clone();
    assert!(goal.as_str().is_some_and(|g| g.starts_with("Export")), "{goal}");
}

/// An editor for the what-if keys: a shell script in `dir` run on the temp file.
/// `first` is what it writes on the first run; when the file comes back with
/// rewind's `// rewind:` complaint it keeps that text in `reopened.txt` and
/// writes `fixed`. The file as first opened is kept in `opened.txt`.
fn scripted_editor(dir: &std::path::Path, first: &str, fixed: &str) -> String {
    let script = dir.join("editor.sh");
    let text = format!(
        "#!/bin/sh\nif grep -q '^// rewind: ' \"$1\" && [ -e '{d}/opened.txt' ]; then\n  cp \"$1\" '{d}/reopened.txt'\n  printf '%s' '{fixed}' > \"$1\"\nelse\n  cp \"$1\" '{d}/opened.txt'\n  printf '%s' '{first}' > \"$1\"\nfi\n",
        d = dir.display()
    );
    if let Err(e) = std::fs::write(&script, text) {
        panic!("write the editor script: {e}");
    }
    format!("sh '{}'", script.display())
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn goal(h: &Harness) -> String {
    let v = h.app.state.tree.to_value();
    v["agent/sess-0004"]["memory"]["goal"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The list row of event `pos` on screen, with the buffer row it is on.
fn event_row(h: &Harness, pos: u64) -> (u16, String) {
    let s = h.screen();
    let needle = format!(" {pos} ");
    match s
        .lines()
        .enumerate()
        .find(|(i, l)| *i > 2 && l.contains(&needle) && l.contains("agent/sess-"))
    {
        Some((i, l)) => (i as u16, l.to_string()),
        None => panic!("no row for {pos}:\n{s}"),
    }
}

#[test]
fn what_if_edit_data_in_the_editor_then_undo() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut h = open();
    h.submit(":652");
    assert!(goal(&h).starts_with("Export"), "{}", goal(&h));
    // Invalid JSON first: the editor reopens with the parser's message.
    h.editor = scripted_editor(
        dir.path(),
        r#"{"patch": {"goal": "Resolve"#,
        r#"{"patch": {"goal": "Resolve the refund"}}"#,
    );
    h.keys("e");
    let opened = read(&dir.path().join("opened.txt"));
    assert!(opened.starts_with("// rewind: the data of event 652"), "{opened}");
    assert!(
        opened.contains("\n  \"patch\": {\n    \"goal\": \"Export"),
        "pretty JSON: {opened}"
    );
    let reopened = read(&dir.path().join("reopened.txt"));
    assert!(
        reopened.starts_with("// rewind: invalid JSON: EOF while parsing"),
        "{reopened}"
    );
    assert!(
        reopened.contains(r#"{"patch": {"goal": "Resolve"#),
        "the text is kept: {reopened}"
    );

    assert_eq!(goal(&h), "Resolve the refund");
    let s = h.screen();
    assert!(s.contains("HYPOTHETICAL: 1 edit: new data for 652"), "{s}");
    assert_eq!(h.app.diff.mode, DiffMode::WhatIf);
    let d = shown_diff(&h);
    assert!(d.title.starts_with("recorded → hypothetical @652"), "{}", d.title);
    let paths: Vec<&str> = d.changes.iter().map(|c| c.path.as_str()).collect();
    // The recorded patch also set scratch/audit_pending; the edited one does not.
    assert_eq!(
        paths,
        [
            "/agent~1sess-0004/memory/goal",
            "/agent~1sess-0004/memory/scratch/audit_pending"
        ]
    );
    assert!(event_row(&h, 652).1.contains('~'), "{s}");
    // The detail shows the data the hypothesis gives the event.
    h.key(KeyCode::Enter);
    let s = h.screen();
    assert!(s.contains("DATA EDITED") && s.contains("Resolve the refund"), "{s}");
    h.key(KeyCode::Esc);

    // D: the event's own changes, then reality against the hypothesis again.
    h.keys("D");
    assert_eq!(h.app.diff.mode, DiffMode::Event);
    h.keys("D");
    assert_eq!(h.app.diff.mode, DiffMode::WhatIf);

    // Later points are computed under the hypothesis too.
    h.submit(":660");
    assert_eq!(goal(&h), "Resolve the refund");

    // u takes the edit back.
    h.key_mod(KeyCode::Char('1'), KeyModifiers::ALT);
    h.keys("u");
    assert!(h.app.marks.whatif.is_empty());
    assert!(!h.screen().contains("HYPOTHETICAL"));
    assert!(goal(&h).starts_with("Export"));
    assert!(status(&h).contains("undid new data for 652"), "{}", status(&h));
    h.keys("u");
    assert!(status(&h).contains("no what-if edit to undo"), "{}", status(&h));

    // Emptying the file cancels; an editor that fails changes nothing either.
    h.editor = "sh -c ': > \"$0\"'".to_string();
    h.submit(":652");
    h.keys("e");
    assert!(status(&h).contains("edit cancelled"), "{}", status(&h));
    h.editor = "false".into();
    h.keys("e");
    assert!(status(&h).contains("editor:"), "{}", status(&h));
    assert!(h.app.marks.whatif.is_empty());

    // e pressed before the stepped-to event has loaded opens the editor when it lands.
    h.editor = "sh -c 'printf {\\\"n\\\":1} > \"$0\"'".to_string();
    h.key_in_flight(KeyCode::Char('k'));
    h.key_in_flight(KeyCode::Char('e'));
    assert!(status(&h).contains("loading event 651"), "{}", status(&h));
    h.settle();
    assert_eq!(
        h.app.marks.whatif.edits,
        [rewind::hypothesis::Edit::SetData {
            at: 651,
            data: serde_json::json!({"n": 1})
        }]
    );
}

#[test]
fn what_if_insert_an_event_after_the_cursor() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut h = open();
    h.submit(":651");
    // An event without a stream is refused in the editor, with the reason.
    h.editor = scripted_editor(
        dir.path(),
        r#"{"type": "MemoryUpdated", "data": {}}"#,
        r#"{"stream": "agent/sess-0004", "type": "MemoryUpdated", "data": {"patch": {"goal": "Refund order 1182"}}}"#,
    );
    h.keys("i");
    let opened = read(&dir.path().join("opened.txt"));
    assert!(
        opened.contains("\"stream\": \"agent/sess-0004\""),
        "template names the stream: {opened}"
    );
    let reopened = read(&dir.path().join("reopened.txt"));
    assert!(
        reopened.starts_with("// rewind: ") && reopened.contains("stream"),
        "{reopened}"
    );

    let s = h.screen();
    assert!(s.contains("HYPOTHETICAL: 1 edit: insert after 651"), "{s}");
    assert!(event_row(&h, 651).1.contains('+'), "{s}");
    // At 651 the inserted event has happened; 652 overwrites its goal again.
    assert_eq!(goal(&h), "Refund order 1182");
    let d = shown_diff(&h);
    let paths: Vec<&str> = d.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["/agent~1sess-0004/memory/goal"]);
    h.submit(":652");
    assert!(goal(&h).starts_with("Export"));

    // x on 652 as well, then U drops both.
    h.keys("x");
    assert!(h.screen().contains("HYPOTHETICAL: 2 edits: insert after 651, skip 652"));
    assert_eq!(goal(&h), "Refund order 1182");
    h.keys("U");
    assert!(h.app.marks.whatif.is_empty());
    assert!(!h.screen().contains("HYPOTHETICAL"));
    assert!(goal(&h).starts_with("Export"));
    assert_eq!(h.app.diff.mode, DiffMode::Event);
}

#[test]
fn what_if_skipped_events_are_struck_and_w_writes_the_hypothesis() {
    use ratatui::style::Modifier;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut h = open();
    h.write_dir = dir.path().to_path_buf();
    h.keys("W");
    assert!(status(&h).contains("no hypothesis to write"), "{}", status(&h));
    h.submit(":652");
    h.keys("x");
    h.keys("k");
    let (row, line) = event_row(&h, 652);
    assert!(line.contains('x'), "{line}");
    let buf = h.buffer();
    let x = line.find("652").unwrap_or_default() as u16;
    assert!(buf[(x, row)].modifier.contains(Modifier::CROSSED_OUT), "{line}");
    let (row, line) = event_row(&h, 651);
    let x = line.find("651").unwrap_or_default() as u16;
    assert!(!buf[(x, row)].modifier.contains(Modifier::CROSSED_OUT), "{line}");

    h.submit(":674");
    h.keys("W");
    let path = dir.path().join("rewind-whatif.json");
    let written = match rewind::hypothesis::Hypothesis::load_file(&path) {
        Ok(w) => w,
        Err(e) => panic!("{}: {}", path.display(), e.0),
    };
    assert_eq!(written, h.app.marks.whatif);
    let msg = status(&h);
    assert!(msg.contains(&format!("wrote {}", path.display())), "{msg}");
    assert!(msg.contains(&format!("--whatif {} --at 674", path.display())), "{msg}");
    assert!(msg.contains("reproduce (copied): rewind whatif "), "{msg}");
    // The whole command is on the clipboard, whatever the status line shows.
    let copied = h.copied.last().cloned().unwrap_or_default();
    assert!(
        copied.starts_with("rewind whatif ") && copied.ends_with(&format!("--whatif {} --at 674", path.display())),
        "{copied}"
    );
    // A second W keeps the first file; the rules the TUI was opened with are in the command.
    h.app.rules_file = Some("fixtures/rules.json".into());
    h.keys("W");
    assert!(dir.path().join("rewind-whatif-2.json").exists());
    let copied = h.copied.last().cloned().unwrap_or_default();
    assert!(copied.contains(" --rules fixtures/rules.json --whatif "), "{copied}");
}

/// The footer line (the screen's last).
fn footer_line(h: &Harness) -> String {
    h.screen().lines().last().unwrap_or_default().to_string()
}

#[test]
fn counts_repeat_the_next_key_and_show_in_the_footer() {
    let mut h = open();
    h.submit(":650");
    h.keys("5");
    assert!(footer_line(&h).starts_with(" 5… "), "{}", footer_line(&h));
    assert_eq!(h.app.cursor, 650);
    h.keys("j");
    assert_eq!(h.app.cursor, 655);
    assert!(!footer_line(&h).contains('…'));
    h.keys("12k");
    assert_eq!(h.app.cursor, 643);
    // `10G` and `10g` go to position 10; `0` alone is no count, inside one it is.
    h.keys("10G");
    assert_eq!(h.app.cursor, 10);
    h.keys("0");
    assert_eq!(h.app.count, None);
    h.keys("100g");
    assert_eq!(h.app.cursor, 100);
    h.keys("3]");
    assert_eq!(h.app.cursor, 100 + 3 * (1193 / 10));
    // Esc drops the count and nothing else: the detail stays open.
    h.key_mod(KeyCode::Char('4'), KeyModifiers::ALT);
    assert_eq!(h.app.focus, Pane::Detail);
    h.keys("7");
    assert!(footer_line(&h).starts_with(" 7… "));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.count, None);
    assert_eq!(h.app.focus, Pane::Detail);
    assert!(!footer_line(&h).contains('…'));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.focus, Pane::Events);
    // A key that takes no count runs once.
    h.submit(":652");
    h.keys("3y");
    assert_eq!(h.copied.len(), 1);
    // Hits: `3n` is `nnn`, `2N` is `NN`.
    h.keys("g/");
    h.submit("export_customers");
    assert_eq!(h.app.cursor, 630);
    h.keys("2n");
    assert_eq!(h.app.cursor, 654);
    h.keys("2N");
    assert_eq!(h.app.cursor, 630);
    // Bookmarks: as far as there are.
    h.submit(":100");
    h.keys("b");
    h.submit(":200");
    h.keys("b");
    h.submit(":300");
    h.keys("b");
    h.keys("g2}");
    assert_eq!(h.app.cursor, 200);
    h.keys("9}");
    assert_eq!(h.app.cursor, 300);
    // In the tree: rows; in a pane's text: lines.
    h.key_mod(KeyCode::Char('2'), KeyModifiers::ALT);
    assert_eq!(h.app.focus, Pane::Tree);
    h.keys("g3j");
    assert_eq!(h.app.state.tree.selected_index(), 3);
    h.keys("2k");
    assert_eq!(h.app.state.tree.selected_index(), 1);
    h.keys("5G");
    assert_eq!(h.app.state.tree.selected_index(), 4);
    // Alt-1 back to the list; a count under a filter counts matching events.
    h.key_mod(KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(h.app.focus, Pane::Events);
    h.submit(":652");
    h.keys("F");
    let stream = h.app.cursor_event_names().map(|n| n.0).unwrap_or_default();
    h.keys("4j");
    let mut by_steps = open();
    by_steps.submit(":652");
    by_steps.keys("Fjjjj");
    assert_eq!(h.app.cursor, by_steps.app.cursor);
    assert_eq!(h.app.cursor_event_names().map(|n| n.0), Some(stream));
}

/// The list part (left of the right-hand panes) of the screen row showing `pos`.
fn list_row(h: &Harness, pos: u64) -> String {
    let s = h.screen();
    let row = s
        .lines()
        .find(|l| l.starts_with(&format!("   {pos} ")))
        .unwrap_or_default();
    row.split(['│', '┌']).next().unwrap_or_default().to_string()
}

#[test]
fn list_columns_fit_the_names_shown_and_the_data_gets_the_rest() {
    let mut h = open_sized(200, 40);
    h.submit(":652");
    let row = list_row(&h, 651);
    assert!(
        row.contains(" agent/sess-0004  MessageAdded    {\"message_id\":"),
        "{row:?}"
    );
    // Filtered to one stream, the columns narrow to its names and the data widens.
    h.keys("F");
    let filtered = list_row(&h, 651);
    assert!(
        filtered.contains(" agent/sess-0004 MessageAdded  {\"message_id\":"),
        "{filtered:?}"
    );
    let data = |r: &str| r.split_once(" {").map_or(0, |(_, d)| d.chars().count());
    assert_eq!(data(&filtered), data(&row) + 3, "{filtered:?}");
}

/// Whether a screen line is the list's row of event `pos` (a flag, then the position).
fn is_row(line: &str, pos: u64) -> bool {
    let t: Vec<&str> = line.split_whitespace().take(2).collect();
    let pos = pos.to_string();
    t.first() == Some(&pos.as_str()) || (t.len() == 2 && t[0].chars().count() == 1 && t[1] == pos)
}

/// A LangGraph fork (a checkpoint that starts a branch stream) is marked in the list.
#[test]
fn a_langgraph_fork_is_marked_in_the_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let opts = OpenOptions {
        inputs: vec![root.join("fixtures/ai/langgraph.sqlite")],
        cache: Some(dir.path().join("graph.db")),
        ..OpenOptions::default()
    };
    let mut h = Harness::open(&opts, 160, 60, false).expect("open");
    h.settle();
    // Filter to the branch stream: its first event is the fork.
    let log = std::process::Command::new(env!("CARGO_BIN_EXE_rewind"))
        .args(["log", "--cache"])
        .arg(dir.path().join("graph.db"))
        .arg(root.join("fixtures/ai/langgraph.sqlite"))
        .arg("--json")
        .output()
        .expect("log");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&log.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let fork = lines.iter().find(|e| e["meta"]["fork"] == true).expect("a fork");
    let pos = fork["pos"].as_u64().expect("pos");
    h.submit(&format!(":{pos}"));
    h.settle();
    let screen = h.screen();
    let row = screen
        .lines()
        .find(|l| is_row(l, pos))
        .unwrap_or_else(|| panic!("no row for {pos}:\n{screen}"));
    assert!(row.contains("thread-2@"), "{row}");
    // Off the cursor, the mark shows.
    h.keys("k");
    h.settle();
    let screen = h.screen();
    let row = screen
        .lines()
        .find(|l| is_row(l, pos))
        .unwrap_or_else(|| panic!("no row for {pos}:\n{screen}"));
    assert!(row.contains('⑂'), "{row}");
    let others = screen.lines().filter(|l| l.contains('⑂')).count();
    assert_eq!(others, 1, "{screen}");
}

#[test]
fn a_slice_says_so_in_the_header() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let filter = match rewind::ingest::filter::Filter::new(None, None, &["agent/sess-0004".into()], &[]) {
        Ok(f) => f,
        Err(e) => panic!("filter: {e}"),
    };
    let opts = OpenOptions {
        inputs: vec![root.join("agents.jsonl")],
        cache: Some(dir.path().join("slice.db")),
        filter,
        ..OpenOptions::default()
    };
    let h = match Harness::open(&opts, 120, 40, false) {
        Ok(h) => h,
        Err(e) => panic!("open: {e:#}"),
    };
    let header = h.screen().lines().take(2).collect::<Vec<_>>().join("\n");
    assert!(header.contains("SLICE: stream agent/sess-0004"), "{header}");
    // The whole recording has no chip.
    let whole = open();
    assert!(!whole.screen().contains("SLICE"), "{}", whole.screen());
}
