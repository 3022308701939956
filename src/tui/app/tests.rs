//! The model without a terminal or a recording: feed messages, check the state
//! and the effects.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use serde_json::json;

use super::actions::parse_filter;
use super::nav::Line;
use super::*;
use crate::tui::msg::{DiffReply, FilterSpec, Request, Response, Row, RowsReply, StateReply};

fn info(len: u64) -> Info {
    Info {
        inputs: vec![("a.jsonl".into(), "jsonl".into(), len, 0)],
        len,
        streams: 2,
        snapshots: 0,
        time_range: (None, None),
        stream_names: vec![String::new(), "s/a".into(), "s/b".into()],
        type_names: vec![String::new(), "Created".into(), "Updated".into()],
    }
}

fn app(len: u64) -> (App, Vec<Effect>) {
    App::new(info(len), 120, 40, false)
}

fn press(a: &mut App, code: KeyCode) -> Vec<Effect> {
    press_mod(a, code, KeyModifiers::NONE)
}

fn press_mod(a: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    a.update(Msg::Key(KeyEvent {
        code,
        modifiers,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }))
}

fn typed(a: &mut App, s: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in s.chars() {
        fx.extend(press(a, KeyCode::Char(c)));
    }
    fx
}

fn requests(fx: &[Effect]) -> Vec<&Request> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send(r) => Some(r),
            _ => None,
        })
        .collect()
}

fn row(pos: u64, stream: &str) -> Row {
    Row {
        pos,
        time: None,
        stream: stream.into(),
        ty: "Updated".into(),
        snapshot: false,
        failed: false,
        summary: "{}".into(),
    }
}

/// Answer the newest rows request with `rows`.
fn give_rows(a: &mut App, rows: Vec<Row>, at_start: bool, at_end: bool, cursor: Option<u64>) -> Vec<Effect> {
    let (id, anchor) = a.window_req.unwrap_or((0, 0));
    a.update(Msg::Reply(Response::Rows(RowsReply {
        id,
        anchor,
        cursor,
        rows,
        at_start,
        at_end,
    })))
}

fn state(id: u64, pos: u64) -> Response {
    Response::State(Box::new(StateReply {
        id,
        pos,
        stream: None,
        value: json!({"s/a": {"n": pos}}).into(),
        changed: Vec::new(),
        hypothetical: false,
        event: None,
        failure: None,
        drift: None,
        diff: DiffReply {
            mode: DiffMode::Event,
            title: String::new(),
            changes: Vec::new(),
            texts: Vec::new(),
            unified: None,
            note: None,
            progress: (1, 1),
        },
    }))
}

#[test]
fn opening_asks_for_rows_state_and_density_at_the_end() {
    let (a, fx) = app(100);
    assert_eq!(a.cursor, 100);
    let kinds: Vec<usize> = requests(&fx).iter().map(|r| r.kind()).collect();
    assert_eq!(kinds, [0, 3, 4]);
    assert!(a.busy());
}

#[test]
fn unfiltered_steps_are_arithmetic_and_clamped() {
    let (mut a, _) = app(100);
    let fx = press(&mut a, KeyCode::Char('k'));
    assert_eq!(a.cursor, 99);
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::State(s) if s.pos == 99)));
    press(&mut a, KeyCode::Char('j'));
    press(&mut a, KeyCode::Char('j'));
    assert_eq!(a.cursor, 100);
    press(&mut a, KeyCode::Char('g'));
    assert_eq!(a.cursor, 0);
    press(&mut a, KeyCode::Char('h'));
    assert_eq!(a.cursor, 0);
    press(&mut a, KeyCode::Char(']'));
    assert_eq!(a.cursor, 10);
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('['));
    assert_eq!(a.cursor, 90);
    press(&mut a, KeyCode::PageUp);
    assert!(a.cursor < 90);
}

#[test]
fn only_the_newest_state_counts_as_done() {
    let (mut a, _) = app(100);
    let first = a.state_req.as_ref().map(|r| r.id).unwrap_or(0);
    press(&mut a, KeyCode::Char('k'));
    let newest = a.state_req.as_ref().map(|r| r.id).unwrap_or(0);
    a.update(Msg::Reply(state(first, 100)));
    // The older answer is shown, but the work is not done.
    assert!(a.state_pending());
    assert_eq!(a.state.as_ref().map(|s| s.pos), Some(100));
    a.update(Msg::Reply(state(newest, 99)));
    assert!(!a.state_pending());
    assert_eq!(a.tree.to_value(), json!({"s/a": {"n": 99}}));
}

#[test]
fn filtered_steps_use_loaded_rows_then_seek() {
    let (mut a, _) = app(100);
    a.apply_filter(Some(FilterSpec {
        label: "s/a".into(),
        streams: Some(vec![1]),
        types: None,
    }));
    let _ = a.update(Msg::Tick);
    // Matching events at 10, 20, ..., 100; the window holds them all.
    let rows: Vec<Row> = (1..=10).map(|i| row(i * 10, "s/a")).collect();
    give_rows(&mut a, rows, true, true, None);
    press(&mut a, KeyCode::Char('k'));
    assert_eq!(a.cursor, 90);
    press(&mut a, KeyCode::Char('g'));
    assert_eq!(a.cursor, 0);
    press(&mut a, KeyCode::Char('j'));
    assert_eq!(a.cursor, 10);
    // From a position the filter hides, a step goes to the neighbouring match.
    a.set_cursor(55);
    press(&mut a, KeyCode::Char('j'));
    assert_eq!(a.cursor, 60);

    // A window that does not reach the end: stepping past it asks the worker.
    let rows: Vec<Row> = (1..=3).map(|i| row(i * 10, "s/a")).collect();
    a.set_cursor(30);
    a.window_req = Some((999, 30));
    give_rows(&mut a, rows, true, false, None);
    let fx = press(&mut a, KeyCode::Char('j'));
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::Seek { from: 30, delta: 1, .. })));
    assert_eq!(a.cursor, 30);
    // Steps made meanwhile add up and are applied when the seek lands.
    press(&mut a, KeyCode::Char('j'));
    let rows: Vec<Row> = (3..=9).map(|i| row(i * 10, "s/a")).collect();
    give_rows(&mut a, rows, false, true, Some(40));
    assert_eq!(a.cursor, 50);
    assert!(a.seek.is_none());
}

#[test]
fn the_list_shows_a_hidden_cursor_between_rows() {
    let (mut a, _) = app(100);
    a.filter = Some(FilterSpec::default());
    a.window_req = Some((7, 50));
    give_rows(&mut a, vec![row(40, "s/a"), row(60, "s/a")], true, true, None);
    a.cursor = 50;
    let (lines, cur) = a.list_lines(10);
    assert_eq!(cur, Some(2));
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[2], Line::Cursor(50));
    assert!(matches!(lines[0], Line::Event(r) if r.pos == 0));
}

#[test]
fn goto_prompt_edits_and_submits() {
    let (mut a, _) = app(100);
    press(&mut a, KeyCode::Char(':'));
    assert_eq!(a.scope(), crate::tui::keys::Scope::Prompt);
    typed(&mut a, "end-3x");
    press(&mut a, KeyCode::Backspace);
    let fx = press(&mut a, KeyCode::Enter);
    assert_eq!(a.overlay, Overlay::None);
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::Goto { text } if text == "end-3")));
    a.update(Msg::Reply(Response::Goto(Ok(97))));
    assert_eq!(a.cursor, 97);
    a.update(Msg::Reply(Response::Goto(Err(
        "point \"x\" names nothing\u{1b}[2J".into()
    ))));
    let msg = a.message.clone().map(|m| m.1).unwrap_or_default();
    assert!(msg.contains("names nothing") && !msg.contains('\u{1b}'), "{msg}");
}

#[test]
fn prompt_keys_are_text_and_escape_cancels() {
    let (mut a, _) = app(100);
    press(&mut a, KeyCode::Char('/'));
    let fx = typed(&mut a, "q?jG");
    assert!(fx.is_empty());
    assert_eq!(
        a.overlay,
        Overlay::Prompt(Prompt {
            kind: PromptKind::Search,
            input: "q?jG".into()
        })
    );
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.overlay, Overlay::None);
    assert!(a.search.is_none());
}

#[test]
fn help_opens_scrolls_and_closes_without_quitting() {
    let (mut a, _) = app(100);
    press(&mut a, KeyCode::Char('?'));
    assert_eq!(a.overlay, Overlay::Help { scroll: 0 });
    press(&mut a, KeyCode::Char('j'));
    assert_eq!(a.overlay, Overlay::Help { scroll: 1 });
    let fx = press(&mut a, KeyCode::Char('q'));
    assert!(!fx.contains(&Effect::Quit));
    assert_eq!(a.overlay, Overlay::None);
    let fx = press_mod(&mut a, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(fx.contains(&Effect::Quit));
}

#[test]
fn mark_switches_the_diff_and_clears() {
    let (mut a, _) = app(100);
    press(&mut a, KeyCode::Char('k'));
    let fx = press(&mut a, KeyCode::Char('m'));
    assert_eq!(a.mark, Some(99));
    assert_eq!(a.diff_mode, DiffMode::Mark);
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::State(s) if s.mark == Some(99) && s.diff == DiffMode::Mark)));
    press(&mut a, KeyCode::Char('g'));
    press(&mut a, KeyCode::Char('\''));
    assert_eq!(a.cursor, 99);
    press(&mut a, KeyCode::Char('m'));
    assert_eq!(a.mark, None);
    assert_eq!(a.diff_mode, DiffMode::Event);
}

#[test]
fn bookmarks_and_skips_toggle() {
    let (mut a, _) = app(100);
    typed(&mut a, "b[b");
    assert_eq!(a.bookmarks.iter().copied().collect::<Vec<_>>(), [90, 100]);
    press(&mut a, KeyCode::Char('}'));
    assert_eq!(a.cursor, 100);
    press(&mut a, KeyCode::Char('{'));
    assert_eq!(a.cursor, 90);
    let fx = press(&mut a, KeyCode::Char('x'));
    assert_eq!(a.diff_mode, DiffMode::WhatIf);
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::State(s) if s.skips == [90])));
    press(&mut a, KeyCode::Char('x'));
    assert!(a.skips.is_empty());
    assert_eq!(a.diff_mode, DiffMode::Event);
}

#[test]
fn watch_needs_a_node_inside_a_stream() {
    let (mut a, _) = app(100);
    let fx = press(&mut a, KeyCode::Char('<'));
    assert!(requests(&fx).is_empty());
    a.update(Msg::Reply(state(0, 100)));
    a.tree.reveal("/s~1a/n");
    press(&mut a, KeyCode::Tab);
    assert_eq!(a.focus, Pane::Tree);
    let fx = press(&mut a, KeyCode::Char('<'));
    assert!(requests(&fx).iter().any(|r| matches!(
        r,
        Request::Watch { pointer, stream: None, from: 100, forward: false } if pointer == "/s~1a/n"
    )));
    assert_eq!(a.watch.as_ref().map(Watch::display).as_deref(), Some("/s~1a/n"));
    a.update(Msg::Reply(Response::Watch(crate::tui::msg::WatchReply {
        pointer: "/s~1a/n".into(),
        forward: false,
        found: Some((42, Some(json!(1)), Some(json!(2)))),
    })));
    assert_eq!(a.cursor, 42);
}

#[test]
fn copy_sends_osc52_text() {
    let (mut a, _) = app(100);
    a.update(Msg::Reply(state(0, 100)));
    a.tree.reveal("/s~1a/n");
    a.focus = Pane::Tree;
    let fx = press(&mut a, KeyCode::Char('y'));
    assert_eq!(fx, [Effect::Copy("/s~1a/n".into())]);
    let fx = press(&mut a, KeyCode::Char('Y'));
    assert_eq!(fx, [Effect::Copy("100".into())]);
}

#[test]
fn filters_parse_streams_types_and_globs() {
    let streams = ["".to_string(), "agent/sess-0004".into(), "model/ranker".into()];
    let types = ["".to_string(), "MemoryUpdated".into(), "ToolResult".into()];
    let p = |t: &str| parse_filter(t, &streams, &types);
    assert_eq!(p(""), Ok(None));
    let f = p("sess-0004").ok().flatten();
    assert_eq!(f.as_ref().and_then(|f| f.streams.clone()), Some(vec![1]));
    let f = p("model/*").ok().flatten();
    assert_eq!(f.and_then(|f| f.streams), Some(vec![2]));
    let f = p("type:Memory*").ok().flatten();
    assert_eq!(f.and_then(|f| f.types), Some(vec![1]));
    // A word that names no stream falls back to types.
    let f = p("ToolResult").ok().flatten();
    assert_eq!(f.and_then(|f| f.types), Some(vec![2]));
    assert!(p("nothing-here").is_err());
    assert!(p("stream:ToolResult").is_err());
}

#[test]
fn resize_refetches_density_for_the_new_width() {
    let (mut a, _) = app(100);
    let fx = a.update(Msg::Resize(80, 24));
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::Density { width: 80, .. })));
    assert_eq!(a.size, Rect::new(0, 0, 80, 24));
}
