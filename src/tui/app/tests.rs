//! The model without a terminal or a recording: feed messages, check the state
//! and the effects.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
use serde_json::json;

use super::filter::parse_filter;
use super::nav::Line;
use super::*;
use crate::hypothesis::Edit;
use crate::tui::msg::{Chip, DiffMode, DiffReply, FilterSpec, Info, Request, Response, Row, RowsReply, StateReply};

fn info(len: u64) -> Info {
    Info {
        inputs: vec![("a.jsonl".into(), "jsonl".into(), len, 0)],
        len,
        streams: 2,
        snapshots: 0,
        time_range: (None, None),
        stream_names: vec![String::new(), "s/a".into(), "s/b".into()],
        type_names: vec![String::new(), "Created".into(), "Updated".into()],
        ..Info::default()
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
        fork: false,
        failed: false,
        summary: "{}".into(),
    }
}

/// Answer the newest rows request with `rows`.
fn give_rows(a: &mut App, rows: Vec<Row>, at_start: bool, at_end: bool, cursor: Option<u64>) -> Vec<Effect> {
    let (id, anchor) = a.pending.rows.map_or((0, 0), |r| (r.id, r.anchor));
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
            sides: (String::new(), String::new()),
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
    let first = a.pending.state.as_ref().map(|r| r.id).unwrap_or(0);
    press(&mut a, KeyCode::Char('k'));
    let newest = a.pending.state.as_ref().map(|r| r.id).unwrap_or(0);
    a.update(Msg::Reply(state(first, 100)));
    // The older answer is shown, but the work is not done.
    assert!(a.state_pending());
    assert_eq!(a.state.reply.as_ref().map(|s| s.pos), Some(100));
    a.update(Msg::Reply(state(newest, 99)));
    assert!(!a.state_pending());
    assert_eq!(a.state.tree.to_value(), json!({"s/a": {"n": 99}}));
}

#[test]
fn filtered_steps_use_loaded_rows_then_seek() {
    let (mut a, _) = app(100);
    a.apply_filter(Some(FilterSpec {
        streams: Some(Chip {
            label: "s/a".into(),
            ids: vec![1],
        }),
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
    a.pending.rows = Some(RowsInFlight {
        id: 999,
        anchor: 30,
        seek: None,
    });
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
    assert!(!a.pending.seeking());
}

#[test]
fn the_list_shows_a_hidden_cursor_between_rows() {
    let (mut a, _) = app(100);
    a.events.filter = Some(FilterSpec::default());
    a.pending.rows = Some(RowsInFlight {
        id: 7,
        anchor: 50,
        seek: None,
    });
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
    assert!(matches!(&a.overlay, Overlay::Prompt(p) if p.kind == PromptKind::Search && p.line.text() == "q?jG"));
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.overlay, Overlay::None);
    assert!(a.events.search.is_none());
}

#[test]
fn help_opens_scrolls_and_closes_without_quitting() {
    let (mut a, _) = app(100);
    press(&mut a, KeyCode::Char('?'));
    assert_eq!((&a.overlay, a.help.offset()), (&Overlay::Help, 0));
    press(&mut a, KeyCode::Char('j'));
    assert_eq!((&a.overlay, a.help.offset()), (&Overlay::Help, 1));
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
    assert_eq!(a.marks.mark, Some(99));
    assert_eq!(a.diff.mode, DiffMode::Mark);
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::State(s) if s.mark == Some(99) && s.diff == DiffMode::Mark)));
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::SaveMarks(s) if s.mark == Some(99))));
    press(&mut a, KeyCode::Char('g'));
    // `'` lists the marks with the diff's one selected; Enter goes there.
    press(&mut a, KeyCode::Char('\''));
    assert_eq!(a.places().map(|p| (p.kind, p.selected)), Some((PlaceKind::Marks, 0)));
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.cursor, 99);
    press(&mut a, KeyCode::Char('m'));
    assert_eq!(a.marks.mark, None);
    assert_eq!(a.diff.mode, DiffMode::Event);
}

#[test]
fn bookmarks_and_skips_toggle() {
    let (mut a, _) = app(100);
    typed(&mut a, "b[b");
    assert_eq!(a.marks.bookmarks.iter().copied().collect::<Vec<_>>(), [90, 100]);
    press(&mut a, KeyCode::Char('}'));
    assert_eq!(a.cursor, 100);
    press(&mut a, KeyCode::Char('{'));
    assert_eq!(a.cursor, 90);
    let fx = press(&mut a, KeyCode::Char('x'));
    assert_eq!(a.diff.mode, DiffMode::WhatIf);
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::State(s) if s.whatif.edits == [Edit::Skip { from: 90, to: 90 }])));
    press(&mut a, KeyCode::Char('x'));
    assert!(a.marks.whatif.is_empty());
    assert_eq!(a.diff.mode, DiffMode::Event);
}

#[test]
fn watch_needs_a_node_inside_a_stream() {
    let (mut a, _) = app(100);
    let fx = press(&mut a, KeyCode::Char('<'));
    assert!(requests(&fx).is_empty());
    a.update(Msg::Reply(state(0, 100)));
    a.state.tree.reveal("/s~1a/n");
    press(&mut a, KeyCode::Tab);
    assert_eq!(a.focus, Pane::Tree);
    let fx = press(&mut a, KeyCode::Char('<'));
    assert!(requests(&fx).iter().any(|r| matches!(
        r,
        Request::Watch { pointer, stream: None, from: 100, forward: false } if pointer == "/s~1a/n"
    )));
    assert_eq!(a.state.watch.as_ref().map(Watch::display).as_deref(), Some("/s~1a/n"));
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
    a.state.tree.reveal("/s~1a/n");
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
    assert_eq!(f.as_ref().and_then(|f| f.streams.clone()).map(|c| c.ids), Some(vec![1]));
    let f = p("model/*").ok().flatten();
    assert_eq!(f.and_then(|f| f.streams).map(|c| c.ids), Some(vec![2]));
    let f = p("type:Memory*").ok().flatten();
    assert_eq!(f.and_then(|f| f.types).map(|c| c.ids), Some(vec![1]));
    // A word that names no stream falls back to types.
    let f = p("ToolResult").ok().flatten();
    assert_eq!(f.and_then(|f| f.types).map(|c| c.ids), Some(vec![2]));
    assert!(p("nothing-here").is_err());
    assert!(p("stream:ToolResult").is_err());
    // Words combine: streams add up, and the stream and type chips both apply.
    let f = p("sess model/* type:Tool*").ok().flatten().unwrap_or_default();
    assert_eq!(
        f.streams.map(|c| (c.label, c.ids)),
        Some(("sess model/*".into(), vec![1, 2]))
    );
    assert_eq!(f.types.map(|c| c.ids), Some(vec![2]));
}

fn ids(a: &App) -> (Option<Vec<i64>>, Option<Vec<i64>>) {
    let f = a.events.filter.clone().unwrap_or_default();
    (f.streams.map(|c| c.ids), f.types.map(|c| c.ids))
}

#[test]
fn stream_type_and_search_filters_combine_and_drop_one_at_a_time() {
    let (mut a, _) = app(100);
    a.set_cursor(50);
    give_rows(
        &mut a,
        vec![row(49, "s/a"), row(50, "s/b"), row(51, "s/a")],
        false,
        false,
        None,
    );
    press(&mut a, KeyCode::Char('F'));
    assert_eq!(ids(&a), (Some(vec![2]), None));
    let fx = press(&mut a, KeyCode::Char('T'));
    assert_eq!(ids(&a), (Some(vec![2]), Some(vec![2])));
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::Rows { filter: Some(f), .. }
        if f.to_cache().streams == Some(vec![2]) && f.to_cache().types == Some(vec![2]))));
    // A search runs inside both chips.
    press(&mut a, KeyCode::Char('/'));
    typed(&mut a, "refund");
    let fx = press(&mut a, KeyCode::Enter);
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::Search { filter: Some(f), .. }
        if f.to_cache().streams == Some(vec![2]) && f.to_cache().types == Some(vec![2]))));
    // F drops the stream chip alone; the type chip and the search stay.
    let fx = press(&mut a, KeyCode::Char('F'));
    assert_eq!(ids(&a), (None, Some(vec![2])));
    assert!(a.events.search.is_some());
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::Search { filter: Some(f), .. }
        if f.to_cache().streams.is_none() && f.to_cache().types == Some(vec![2]))));
    // The f prompt replaces the chip it names and keeps the other.
    press(&mut a, KeyCode::Char('f'));
    typed(&mut a, "s/a");
    press(&mut a, KeyCode::Enter);
    assert_eq!(ids(&a), (Some(vec![1]), Some(vec![2])));
    press(&mut a, KeyCode::Char('T'));
    assert_eq!(ids(&a), (Some(vec![1]), None));
    // An empty search drops the search; an empty filter drops every chip.
    press(&mut a, KeyCode::Char('/'));
    press(&mut a, KeyCode::Enter);
    assert!(a.events.search.is_none());
    press(&mut a, KeyCode::Char('f'));
    press(&mut a, KeyCode::Enter);
    assert!(a.events.filter.is_none());
}

#[test]
fn a_new_filter_keeps_the_cursor_on_a_matching_event() {
    let (mut a, _) = app(1000);
    press(&mut a, KeyCode::Char('/'));
    typed(&mut a, "Updated");
    press(&mut a, KeyCode::Enter);
    let id = a.pending.search.map(|s| s.id).unwrap_or(0);
    a.update(Msg::Reply(Response::Search(crate::tui::msg::SearchReply {
        id,
        text: "Updated".into(),
        hits: vec![500, 505, 900],
        capped: false,
    })));
    assert_eq!(a.cursor, 500);
    a.set_cursor(502);
    give_rows(
        &mut a,
        vec![row(501, "s/a"), row(502, "s/b"), row(503, "s/b")],
        false,
        false,
        None,
    );
    press(&mut a, KeyCode::Char('F'));
    let id = a.pending.search.map(|s| s.id).unwrap_or(0);
    a.update(Msg::Reply(Response::Search(crate::tui::msg::SearchReply {
        id,
        text: "Updated".into(),
        hits: vec![505, 900],
        capped: false,
    })));
    assert_eq!(a.cursor, 502);
    press(&mut a, KeyCode::Char('n'));
    assert_eq!(a.cursor, 505);
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

fn prompt_text(a: &App) -> Option<String> {
    match &a.overlay {
        Overlay::Prompt(p) => {
            let (before, after) = p.line.split();
            Some(format!("{before}|{after}"))
        }
        _ => None,
    }
}

#[test]
fn prompts_start_empty_and_recall_history() {
    let (mut a, _) = app(100);
    press(&mut a, KeyCode::Char('/'));
    typed(&mut a, "refund");
    let fx = press(&mut a, KeyCode::Enter);
    assert!(fx.contains(&Effect::Remember(history::Kind::Search, "refund".into())));
    press(&mut a, KeyCode::Char('/'));
    assert_eq!(prompt_text(&a).as_deref(), Some("|"));
    typed(&mut a, "TokensUsed");
    let fx = press(&mut a, KeyCode::Enter);
    assert!(requests(&fx)
        .iter()
        .any(|r| matches!(r, Request::Search { text, .. } if text == "TokensUsed")));
    // Up walks back through this prompt's history; Down returns to the draft.
    press(&mut a, KeyCode::Char('/'));
    typed(&mut a, "dra");
    press(&mut a, KeyCode::Up);
    assert_eq!(prompt_text(&a).as_deref(), Some("TokensUsed|"));
    press(&mut a, KeyCode::Up);
    assert_eq!(prompt_text(&a).as_deref(), Some("refund|"));
    press(&mut a, KeyCode::Up);
    assert_eq!(prompt_text(&a).as_deref(), Some("refund|"));
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Down);
    assert_eq!(prompt_text(&a).as_deref(), Some("dra|"));
    press(&mut a, KeyCode::Esc);
    // Each prompt has its own history; the goto prompt has none yet.
    press(&mut a, KeyCode::Char(':'));
    press(&mut a, KeyCode::Up);
    assert_eq!(prompt_text(&a).as_deref(), Some("|"));
    press(&mut a, KeyCode::Esc);
    // The tree's find starts empty too.
    a.focus = Pane::Tree;
    press(&mut a, KeyCode::Char('/'));
    typed(&mut a, "goal");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('/'));
    assert_eq!(prompt_text(&a).as_deref(), Some("|"));
    press(&mut a, KeyCode::Up);
    assert_eq!(prompt_text(&a).as_deref(), Some("goal|"));
}

#[test]
fn prompts_edit_with_readline_keys() {
    let (mut a, _) = app(100);
    let ctrl = |a: &mut App, c: char| press_mod(a, KeyCode::Char(c), KeyModifiers::CONTROL);
    let alt = |a: &mut App, c: char| press_mod(a, KeyCode::Char(c), KeyModifiers::ALT);
    press(&mut a, KeyCode::Char('f'));
    typed(&mut a, "type:Tool agent");
    ctrl(&mut a, 'w');
    assert_eq!(prompt_text(&a).as_deref(), Some("type:Tool |"));
    alt(&mut a, 'b');
    assert_eq!(prompt_text(&a).as_deref(), Some("type:|Tool "));
    alt(&mut a, 'f');
    assert_eq!(prompt_text(&a).as_deref(), Some("type:Tool| "));
    ctrl(&mut a, 'a');
    assert_eq!(prompt_text(&a).as_deref(), Some("|type:Tool "));
    press(&mut a, KeyCode::Right);
    press(&mut a, KeyCode::Right);
    press(&mut a, KeyCode::Left);
    assert_eq!(prompt_text(&a).as_deref(), Some("t|ype:Tool "));
    typed(&mut a, "X");
    assert_eq!(prompt_text(&a).as_deref(), Some("tX|ype:Tool "));
    ctrl(&mut a, 'e');
    assert_eq!(prompt_text(&a).as_deref(), Some("tXype:Tool |"));
    press(&mut a, KeyCode::Left);
    ctrl(&mut a, 'u');
    assert_eq!(prompt_text(&a).as_deref(), Some("| "));
    // Alt and Ctrl chords never type their letter.
    alt(&mut a, 'x');
    ctrl(&mut a, 'x');
    assert_eq!(prompt_text(&a).as_deref(), Some("| "));
}

#[test]
fn the_tree_root_keeps_the_active_watch() {
    let (mut a, _) = app(100);
    a.update(Msg::Reply(state(0, 100)));
    a.state.tree.reveal("/s~1a/n");
    a.focus = Pane::Tree;
    press(&mut a, KeyCode::Char('w'));
    press(&mut a, KeyCode::Char('g'));
    assert_eq!(a.state.tree.selected_pointer(), "");
    let fx = press(&mut a, KeyCode::Char('>'));
    assert!(requests(&fx).iter().any(|r| matches!(
        r,
        Request::Watch { pointer, forward: true, .. } if pointer == "/s~1a/n"
    )));
}

#[test]
fn notes_about_a_position_clear_when_the_cursor_moves() {
    let (mut a, _) = app(100);
    a.update(Msg::Reply(Response::Goto(Ok(97))));
    assert_eq!(a.message.as_ref().map(|m| m.1.as_str()), Some("at 97"));
    press(&mut a, KeyCode::Char('j'));
    assert_eq!(a.message, None);
    // Errors stay until the next message or Esc.
    a.update(Msg::Reply(Response::Error("no such point".into())));
    press(&mut a, KeyCode::Char('k'));
    assert!(a.message.is_some());
}

#[test]
fn escape_closes_the_event_detail_and_zoom_gives_one_pane_the_body() {
    let (mut a, _) = app(100);
    press(&mut a, KeyCode::Enter);
    assert_eq!((a.focus, a.lower), (Pane::Detail, Pane::Detail));
    press(&mut a, KeyCode::Esc);
    assert_eq!((a.focus, a.lower), (Pane::Events, Pane::Diff));
    let before = a.areas();
    press(&mut a, KeyCode::Char('z'));
    let z = a.areas();
    assert_eq!(z.list, before.list.union(before.tree).union(before.lower));
    assert_eq!((z.tree.height, z.lower.height), (0, 0));
    press(&mut a, KeyCode::Tab);
    assert_eq!(a.areas().tree, z.list);
    press(&mut a, KeyCode::Char('+'));
    assert_eq!(a.areas(), before);
}

#[test]
fn the_list_copies_the_event_id_and_json() {
    let (mut a, _) = app(100);
    let Response::State(mut s) = state(a.pending.state.as_ref().map_or(0, |r| r.id), 100) else {
        unreachable!()
    };
    s.event = Some(crate::model::Event {
        pos: 100,
        stream: "s/a".into(),
        seq: Some(3),
        id: "evt-100".into(),
        ty: "Updated".into(),
        time: Some(0),
        kind: crate::model::Kind::Event,
        data: json!({"n": 1}),
        meta: None,
        source: "a.jsonl:100".into(),
    });
    a.update(Msg::Reply(Response::State(s)));
    let fx = press(&mut a, KeyCode::Char('y'));
    assert_eq!(fx, [Effect::Copy("evt-100".into())]);
    let fx = press(&mut a, KeyCode::Char('Y'));
    let Some(Effect::Copy(text)) = fx.first() else {
        panic!("{fx:?}")
    };
    let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    assert_eq!(v["id"], "evt-100");
    assert_eq!(v["data"], json!({"n": 1}));
    assert_eq!(v["time"], "1970-01-01T00:00:00.000000Z");
}

#[test]
fn a_streams_tree_copies_the_full_history_path() {
    let (mut a, _) = app(100);
    a.state.stream = Some("s/a".into());
    let Response::State(mut s) = state(0, 100) else {
        unreachable!()
    };
    s.stream = Some("s/a".into());
    s.value = json!({"n": 1}).into();
    a.update(Msg::Reply(Response::State(s)));
    a.state.tree.reveal("/n");
    a.focus = Pane::Tree;
    let fx = press(&mut a, KeyCode::Char('y'));
    assert_eq!(fx, [Effect::Copy("/s~1a/n".into())]);
}

#[test]
fn the_unified_diff_scrolls_sideways() {
    let (mut a, _) = app(100);
    a.focus = Pane::Diff;
    press(&mut a, KeyCode::Char('l'));
    assert_eq!(a.diff.hscroll, 0);
    press(&mut a, KeyCode::Char('u'));
    press(&mut a, KeyCode::Right);
    press(&mut a, KeyCode::Char('l'));
    assert_eq!(a.diff.hscroll, 16);
    press(&mut a, KeyCode::Char('h'));
    press(&mut a, KeyCode::Left);
    press(&mut a, KeyCode::Left);
    assert_eq!(a.diff.hscroll, 0);
}
