//! The lists of marks (`'`) and bookmarks (`B`), and keeping them per recording
//! across runs: restored for the same events, never for other ones.

use std::path::{Path, PathBuf};

use crossterm::event::KeyCode;
use rewind::recording::OpenOptions;
use rewind::tui::app::{Overlay, PlaceKind};
use rewind::tui::msg::DiffMode;
use rewind::tui::testing::Harness;

use super::tui_screens::{open, status};

fn list_kind(h: &Harness) -> Option<PlaceKind> {
    match &h.app.overlay {
        Overlay::Places(p) => Some(p.kind),
        _ => None,
    }
}

/// The popup's line for position `pos` (its text between the borders).
fn list_line(h: &Harness, pos: u64) -> Option<String> {
    h.screen()
        .lines()
        .filter_map(|l| {
            let (a, b) = (l.find('│')?, l.rfind('│')?);
            (b > a).then(|| l[a + '│'.len_utf8()..b].trim().to_string())
        })
        .find(|l| l.trim_start_matches(['*', ' ']).starts_with(&format!("{pos} ")))
}

#[test]
fn marks_and_bookmarks_are_listed_jumped_to_and_deleted() {
    let mut h = open();
    h.submit(":641");
    h.keys("m");
    h.submit(":652");
    h.keys("m");
    assert_eq!(h.app.marks.mark, Some(652));
    h.submit(":100");
    h.keys("b");
    h.submit(":718");
    h.keys("b");
    h.submit(":900");
    // `'` lists both marks, the diff's one flagged and selected.
    h.keys("'");
    assert_eq!(list_kind(&h), Some(PlaceKind::Marks));
    let s = h.screen();
    assert!(s.contains("Marks (2): Enter go · d delete · Esc close"), "{s}");
    let l641 = list_line(&h, 641).unwrap_or_else(|| panic!("no line for 641:\n{s}"));
    assert!(
        l641.contains("11-20 10:2") && l641.contains("agent/sess-0004") && l641.contains("ToolResult"),
        "{l641}"
    );
    let l652 = list_line(&h, 652).unwrap_or_default();
    assert!(
        l652.starts_with('*') && l652.contains("MemoryUpdated") && l652.contains("the diff's mark"),
        "{l652}"
    );
    // Enter on the other mark goes there and closes the list; the diff's mark stays.
    h.keys("k");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.cursor, 641);
    assert_eq!(h.app.overlay, Overlay::None);
    assert_eq!(h.app.marks.mark, Some(652));
    // Deleting the diff's mark: no mark, the diff falls back to the event's.
    h.keys("'");
    h.keys("Gd");
    assert_eq!(h.app.marks.mark, None);
    assert_eq!(h.app.diff.mode, DiffMode::Event);
    assert!(h.screen().contains("Marks (1)"));
    assert!(list_line(&h, 652).is_none());
    h.key(KeyCode::Esc);
    assert_eq!(h.app.overlay, Overlay::None);
    // Bookmarks: the one at or after the cursor is selected.
    h.submit(":700");
    h.keys("B");
    assert_eq!(list_kind(&h), Some(PlaceKind::Bookmarks));
    let s = h.screen();
    assert!(s.contains("Bookmarks (2)"), "{s}");
    assert!(list_line(&h, 718).is_some_and(|l| l.contains("agent/")), "{s}");
    h.keys("d");
    assert_eq!(h.app.marks.bookmarks.iter().copied().collect::<Vec<_>>(), [100]);
    assert!(status(&h).contains("bookmark 718 deleted"));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.cursor, 100);
    // An empty list says how to fill it; q closes it without quitting.
    h.keys("'d");
    let s = h.screen();
    assert!(s.contains("Marks (0)") && s.contains("no marks: m sets one"), "{s}");
    h.keys("q");
    assert!(!h.quit && h.app.overlay == Overlay::None);
}

/// A recording of `n` events over three streams; `salt` changes their data.
fn write_events(path: &Path, n: u64, salt: &str) {
    let mut text = String::new();
    for i in 1..=n {
        text.push_str(&format!(
            "{{\"id\":\"e{i}\",\"stream\":\"s/{}\",\"seq\":{},\"type\":\"Step\",\"time\":\"2026-11-20T10:00:{:02}Z\",\"data\":{{\"n\":{i},\"salt\":\"{salt}\"}}}}\n",
            i % 3,
            i / 3 + 1,
            i % 60
        ));
    }
    if let Err(e) = std::fs::write(path, text) {
        panic!("write {}: {e}", path.display());
    }
}

fn open_keeping(input: &Path, dir: &Path) -> Harness {
    let opts = OpenOptions {
        inputs: vec![input.to_path_buf()],
        cache: Some(dir.join("cache.db")),
        ..OpenOptions::default()
    };
    let marks: PathBuf = dir.join("data").join("marks.json");
    match Harness::open_keeping_marks(&opts, 120, 40, false, Some(marks)) {
        Ok(h) => h,
        Err(e) => panic!("open: {e:#}"),
    }
}

#[test]
fn marks_come_back_for_the_same_events_and_never_for_other_ones() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = dir.path().join("events.jsonl");
    write_events(&input, 40, "first");

    let mut h = open_keeping(&input, dir.path());
    assert!(h.app.marks.all.is_empty() && h.app.marks.bookmarks.is_empty());
    h.submit(":5");
    h.keys("m");
    h.submit(":12");
    h.keys("m");
    h.submit(":20");
    h.keys("b");
    h.submit(":30");
    h.keys("b");
    h.keys("q");
    assert!(h.quit);
    drop(h);

    // Reopened: the same marks, the same mark for the diff, listed with their events.
    let mut h = open_keeping(&input, dir.path());
    assert_eq!(h.app.marks.mark, Some(12));
    assert_eq!(h.app.marks.all.iter().copied().collect::<Vec<_>>(), [5, 12]);
    assert_eq!(h.app.marks.bookmarks.iter().copied().collect::<Vec<_>>(), [20, 30]);
    assert!(
        status(&h).contains("kept from the last run: 2 marks and 2 bookmarks"),
        "{}",
        status(&h)
    );
    h.keys("'");
    assert!(
        list_line(&h, 5).is_some_and(|l| l.contains("s/2") && l.contains("Step")),
        "{}",
        h.screen()
    );
    h.keys("gd");
    h.key(KeyCode::Esc);
    h.keys("d");
    assert_eq!(h.app.diff.mode, DiffMode::Mark);
    assert!(h.screen().contains("mark 12 → cursor"), "{}", h.screen());
    drop(h);
    // The deletion was kept too.
    let h = open_keeping(&input, dir.path());
    assert_eq!(h.app.marks.all.iter().copied().collect::<Vec<_>>(), [12]);
    drop(h);

    // Other content under the same name (the same number of events): nothing comes back.
    write_events(&input, 40, "other");
    let h = open_keeping(&input, dir.path());
    assert_eq!(h.app.marks.mark, None);
    assert!(h.app.marks.all.is_empty() && h.app.marks.bookmarks.is_empty());
    assert!(!status(&h).contains("kept from the last run"));
}
