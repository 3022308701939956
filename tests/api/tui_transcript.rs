//! The transcript view (`V`) on the AI fixtures: roles, contents and tool calls of
//! the shown state, the current event's messages marked ▶.

use std::path::PathBuf;

use crossterm::event::KeyCode;
use rewind::recording::OpenOptions;
use rewind::tui::testing::Harness;

fn open(file: &str, cache: &tempfile::TempDir) -> Harness {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/ai");
    let opts = OpenOptions {
        inputs: vec![root.join(file)],
        cache: Some(cache.path().join("c.db")),
        ..OpenOptions::default()
    };
    match Harness::open(&opts, 140, 60, false) {
        Ok(h) => h,
        Err(e) => panic!("open {file}: {e:#}"),
    }
}

/// The text under the ▶-marked role lines of the transcript pane (right of the
/// last `│` on a line): the messages the cursor's event added.
fn marked(screen: &str) -> Vec<String> {
    let pane: Vec<&str> = screen
        .lines()
        .map(|l| l.rsplit('│').next().unwrap_or("").trim_end())
        .collect();
    let mut out = Vec::new();
    for (i, l) in pane.iter().enumerate() {
        if l.starts_with("▶ ") && l.ends_with(':') {
            if let Some(next) = pane.get(i + 1) {
                out.push(next.trim().to_string());
            }
        }
    }
    out
}

#[test]
fn transcript_shows_langgraph_messages_and_marks_the_events_own() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut h = open("langgraph.sqlite", &dir);
    h.key(KeyCode::Char('V'));
    h.settle();
    let s = h.screen();
    assert!(s.contains("transcript:"), "{s}");
    assert!(s.contains("user:"), "{s}");
    assert!(s.contains("Duplicate charge on A-20931, please refund."), "{s}");
    assert!(s.contains(r#"→ lookup_order({"order_id":"A-20931"})"#), "{s}");
    assert!(s.contains("tool:"), "{s}");
    assert!(s.contains("assistant:"), "{s}");
    // The last checkpoint (on the fork) added the escalation, and only that.
    assert_eq!(marked(&s), ["Escalating to a human: refunds need approval."], "{s}");
    // Again: the diff is back.
    h.key(KeyCode::Char('V'));
    h.settle();
    assert!(!h.screen().contains("transcript:"));
}

#[test]
fn transcript_shows_agents_items_with_calls_and_outputs() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut h = open("agents.sqlite", &dir);
    h.key(KeyCode::Char('V'));
    h.settle();
    let s = h.screen();
    assert!(s.contains("Where is my refund for A-20931?"), "{s}");
    assert!(s.contains(r#"→ lookup_order({"order_id": "A-20931"})"#), "{s}");
    assert!(s.contains(r#"{"status": "refunded"}"#), "{s}");
    assert!(s.contains("It was refunded yesterday."), "{s}");
    assert!(s.contains("assistant:"), "{s}");
    assert_eq!(marked(&s), ["Done."], "{s}");
    // A step back: the event before added the user's message.
    h.key(KeyCode::Char('k'));
    h.settle();
    let s = h.screen();
    assert_eq!(marked(&s), ["Cancel my subscription."], "{s}");
}
