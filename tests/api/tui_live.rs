//! The TUI following a growing file (`--follow`), on a test backend: the worker's
//! answers are the real service's, the file is appended to between wake-ups.

use std::fs::OpenOptions as FileOptions;
use std::io::Write;
use std::path::Path;

use crossterm::event::{KeyCode, KeyModifiers};
use rewind::recording::OpenOptions;
use rewind::tui::app::Msg;
use rewind::tui::testing::Harness;

fn append(path: &Path, lines: &[String]) {
    let mut f = FileOptions::new().create(true).append(true).open(path).expect("open");
    for l in lines {
        writeln!(f, "{l}").expect("append");
    }
}

fn goal(n: usize, goal: &str) -> String {
    format!(r#"{{"stream":"agent-{n}","type":"set","data":{{"memory":{{"goal":"{goal}"}}}}}}"#)
}

fn header(h: &Harness) -> String {
    h.screen().lines().take(2).collect::<Vec<_>>().join("\n")
}

#[test]
fn new_events_keep_the_cursor_at_the_end_or_are_counted_in_the_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("agent.jsonl");
    append(&log, &[goal(1, "plan"), goal(2, "plan")]);
    let opts = OpenOptions {
        inputs: vec![log.clone()],
        cache: Some(dir.path().join("c.db")),
        follow: true,
        ..OpenOptions::default()
    };
    let mut h = Harness::open(&opts, 120, 30, false).expect("open");
    assert_eq!(h.app.cursor, 2);
    assert!(header(&h).contains(" LIVE "), "{}", header(&h));

    // At the end, the cursor follows the new events (tail -f), and the tree shows them.
    append(&log, &[goal(1, "refund")]);
    h.send(Msg::Wake);
    assert_eq!((h.app.cursor, h.app.info.len), (3, 3));
    assert!(h.screen().contains("refund"), "{}", h.screen());

    // Elsewhere the cursor stays put and the header counts what arrived; G takes it in.
    h.keys("k");
    assert_eq!(h.app.cursor, 2);
    append(&log, &[goal(3, "a"), goal(3, "b")]);
    h.send(Msg::Wake);
    assert_eq!((h.app.cursor, h.app.info.len), (2, 5));
    assert!(header(&h).contains("LIVE +2 new"), "{}", header(&h));
    assert!(
        h.screen().contains("agent-3"),
        "the new stream is in the list: {}",
        h.screen()
    );
    h.keys("G");
    assert_eq!(h.app.cursor, 5);
    assert!(!header(&h).contains("new"), "{}", header(&h));

    // L pauses: a wake reads nothing until it resumes.
    h.keys("L");
    append(&log, &[goal(1, "done")]);
    h.send(Msg::Wake);
    assert_eq!(h.app.info.len, 5);
    assert!(header(&h).contains("PAUSED"), "{}", header(&h));
    h.keys("L");
    assert_eq!((h.app.cursor, h.app.info.len), (6, 6));
}

#[test]
fn a_watched_node_that_changes_raises_a_status_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("agent.jsonl");
    append(&log, &[goal(1, "plan")]);
    let opts = OpenOptions {
        inputs: vec![log.clone()],
        cache: Some(dir.path().join("c.db")),
        follow: true,
        ..OpenOptions::default()
    };
    let mut h = Harness::open(&opts, 120, 30, false).expect("open");
    // Watch /agent-1/memory/goal: select it in the tree, then w; back to the list.
    h.key(KeyCode::Tab);
    h.keys("gjllll");
    assert_eq!(h.app.state.tree.selected_pointer(), "/agent-1/memory/goal");
    h.keys("w");
    assert!(h.app.state.watch.is_some(), "{}", h.screen());
    h.key_mod(KeyCode::Char('1'), KeyModifiers::ALT);
    append(&log, &[goal(2, "x"), goal(1, "refund")]);
    h.send(Msg::Wake);
    let screen = h.screen();
    assert!(screen.contains("changed at 3"), "{screen}");
}
