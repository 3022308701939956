//! The change-walk through the library: `history` collects every change of a
//! value, `changes` stops when its visitor says so, and `nearest_change` finds
//! the same changes a watchpoint jumps to.

use std::ops::ControlFlow;

use rewind::recording::{OpenOptions, Recording};

use crate::common::{root, MAIN};

const GOAL: &str = "/agent~1sess-0004/memory/goal";

fn open(dir: &tempfile::TempDir) -> Recording {
    let opts = OpenOptions {
        inputs: MAIN.iter().map(|p| root().join(p)).collect(),
        cache: Some(dir.path().join("changes.db")),
        rules: Some(root().join("fixtures/rules.json")),
        ..Default::default()
    };
    let (mut rec, _) = Recording::open(&opts, &mut |_| {}).expect("open");
    rec.ensure_checkpoints(&mut |_| {}).expect("checkpoints");
    rec
}

#[test]
fn history_changes_and_nearest_change_agree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rec = open(&dir);
    let len = rec.len();

    let all: Vec<u64> = rec
        .history(GOAL, None, 0, len)
        .expect("history")
        .iter()
        .map(|e| e.pos)
        .collect();
    assert_eq!(all, vec![630, 652]);

    let mut seen = Vec::new();
    rec.changes(GOAL, None, 0, len, &mut |e| {
        seen.push(e);
        ControlFlow::Break(())
    })
    .expect("changes");
    assert_eq!(seen.len(), 1, "the walk stops at the first Break");
    assert_eq!(seen[0], rec.history(GOAL, None, 0, len).expect("history")[0]);
    assert_eq!(seen[0].old, None);

    let near = |from: u64, forward: bool| {
        rec.nearest_change(GOAL, None, from, forward)
            .expect("nearest")
            .map(|f| f.0)
    };
    assert_eq!(near(0, true), Some(630));
    assert_eq!(near(630, true), Some(652));
    assert_eq!(near(652, true), None);
    assert_eq!(near(len, false), Some(652));
    assert_eq!(near(652, false), Some(630));
    assert_eq!(near(630, false), None);

    // The same value named inside its stream.
    let inside = rec
        .nearest_change("/memory/goal", Some("agent/sess-0004"), 0, true)
        .expect("nearest")
        .map(|f| f.0);
    assert_eq!(inside, Some(630));

    let err = rec.nearest_change("", None, 0, true).expect_err("the whole world");
    assert!(err.to_string().contains("pick a node inside a stream"), "{err}");

    // The whole world: every event that changed some stream, in order.
    let world = rec.history("", None, 625, 660).expect("world history");
    assert!(!world.is_empty());
    assert!(world.windows(2).all(|w| w[0].pos < w[1].pos));
    assert!(world.iter().any(|e| e.pos == 652));
}
