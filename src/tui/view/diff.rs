//! The diff pane: the change list of docs/model.md §7, or a unified text diff.
//!
//! A diff between distant moments can hold a great many changes, and it arrives in
//! parts: only the lines on screen are built, and the title always names what is
//! being computed until its answer is complete.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{fit, pane, wrap_words};
use crate::json::diff::ChangeOp;
use crate::sanitize::clean;
use crate::tui::app::{App, Pane};
use crate::tui::layout::inner;
use crate::tui::msg::{DiffMode, DiffReply, LineKind, StateReq, ValueText};
use crate::tui::theme::Theme;
use crate::tui::unified;

/// A value shown in the change list wraps onto at most this many lines.
const VALUE_LINES: usize = 6;

pub fn draw(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let focused = app.focus == Pane::Diff;
    f.render_widget(pane(theme, area, title(app, theme, area.width as usize), focused), area);
    let body = inner(area);
    let h = body.height as usize;
    let w = body.width as usize;
    let scroll = app.diff.scroll.fit(count(app, w), h);
    let mut shown = lines(app, theme, w, scroll, h);
    if stale(app) {
        // An answer to an older request: kept in view, greyed, while the new one is computed.
        for line in &mut shown {
            for span in &mut line.spans {
                span.style = theme.dim();
            }
        }
    }
    f.render_widget(Paragraph::new(shown), body);
}

/// Does the shown answer belong to an older request than the newest?
fn stale(app: &App) -> bool {
    match (&app.pending.state, &app.state.reply) {
        (Some(req), Some(s)) => req.id != s.id,
        (Some(_), None) => true,
        _ => false,
    }
}

/// What the newest request's diff will be called once it is answered.
fn expected_title(req: &StateReq) -> String {
    match req.diff {
        DiffMode::Event if req.pos == 0 => "start".to_string(),
        DiffMode::Event => format!("{} → {}", req.pos - 1, req.pos),
        DiffMode::Mark => match req.mark {
            Some(m) => format!("mark {m} → cursor {}", req.pos),
            None => DiffMode::Mark.name().to_string(),
        },
        DiffMode::WhatIf => format!("recorded → hypothetical @{}", req.pos),
    }
}

fn title<'a>(app: &App, theme: &Theme, width: usize) -> Vec<Span<'a>> {
    let focused = app.focus == Pane::Diff;
    let mut title = vec![Span::styled(" Diff (3) ", theme.title(focused))];
    let mode = if app.diff.unified {
        "unified (u: list)"
    } else {
        "list (u: unified)"
    };
    let (name, counts) = match (&app.pending.state, &app.state.reply) {
        (Some(req), _) if stale(app) => {
            title.push(Span::styled(format!(" {} ", app.spinner()), theme.info()));
            (format!("computing {}…", expected_title(req)), format!(" {mode} "))
        }
        (_, Some(s)) => {
            // What must not be cut goes first; the free text gets the room left.
            if s.hypothetical {
                title.push(Span::styled(" HYPOTHETICAL ", theme.hypothetical()));
            }
            let d = &s.diff;
            let n = d.changes.len();
            let mut counts = if d.complete() {
                format!(" {n} change{} · {mode} ", plural(n))
            } else {
                title.push(Span::styled(format!(" {} ", app.spinner()), theme.info()));
                format!(
                    " {n} change{} so far, {}/{} streams compared · {mode} ",
                    plural(n),
                    d.progress.0,
                    d.progress.1
                )
            };
            // The column drawn: scrolling stops at the longest line.
            let col = app.diff.hscroll.min(app.diff.hmax.get().unwrap_or(usize::MAX));
            if app.diff.unified && col > 0 {
                counts.push_str(&format!("col {} ", col + 1));
            }
            (clean(&d.title).into_owned(), counts)
        }
        _ => return title,
    };
    // The compared moments come before the counts, which are cut first.
    let used: usize = title.iter().map(Span::width).sum::<usize>();
    let room = width.saturating_sub(used + 3);
    if room >= 6 {
        title.push(Span::styled(format!(" {} ", fit(&name, room)), theme.bold()));
    }
    // The counts in the room left (the corner takes one cell, the closing space
    // may go), cut visibly: a bare `1` reads as a count.
    let used: usize = title.iter().map(Span::width).sum::<usize>();
    let room = width.saturating_sub(used + 2);
    if counts.trim().chars().count() <= room {
        title.push(Span::raw(counts));
    } else if room >= 6 {
        title.push(Span::raw(format!(" {} ", fit(counts.trim(), room))));
    }
    title
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What the pane body holds for a pane `w` cells wide.
enum Body<'a> {
    /// One line of explanation.
    Note(String),
    /// The unified view of this diff, of one stream's state if named.
    Unified(&'a DiffReply, Option<&'a str>),
    List(&'a DiffReply),
}

fn body(app: &App) -> Body<'_> {
    let Some(s) = &app.state.reply else {
        return Body::Note("computing…".to_string());
    };
    let d = &s.diff;
    if let Some(note) = &d.note {
        return Body::Note(clean(note).into_owned());
    }
    if d.changes.is_empty() {
        let why = if !d.complete() {
            "computing…"
        } else if s.failure.is_some() {
            "no change: the event's rule failed, so it left the state as it was"
        } else {
            "no change"
        };
        return Body::Note(why.to_string());
    }
    if app.diff.unified {
        return Body::Unified(d, s.stream.as_deref());
    }
    Body::List(d)
}

/// Room for a value's text in a pane `w` cells wide.
fn room(w: usize) -> usize {
    w.saturating_sub(6).max(8)
}

/// Lines a value takes when wrapped to `room` cells (a character takes one or two):
/// counted without wrapping when the answer is plain, as it is for most values.
fn value_lines(v: &Option<ValueText>, room: usize) -> usize {
    let Some(t) = v else { return 0 };
    if t.chars * 2 <= room {
        1
    } else if t.chars > VALUE_LINES * room {
        VALUE_LINES
    } else {
        wrap_words(&t.text, room).len().clamp(1, VALUE_LINES)
    }
}

/// Lines one change takes: its path, then its old and new values.
fn change_lines(op: ChangeOp, text: Option<&(Option<ValueText>, Option<ValueText>)>, room: usize) -> usize {
    let Some((old, new)) = text else { return 1 };
    let old = if op != ChangeOp::Add { value_lines(old, room) } else { 0 };
    let new = if op != ChangeOp::Remove {
        value_lines(new, room)
    } else {
        0
    };
    1 + old + new
}

/// Lines of the pane body for a pane `w` cells wide (drives scrolling).
fn count(app: &App, w: usize) -> usize {
    match body(app) {
        Body::Note(text) => wrap_words(&text, w).len(),
        // One more line says what is still coming.
        Body::Unified(d, stream) => unified::line_count(d, stream) + usize::from(!d.complete()),
        Body::List(d) => {
            let room = room(w);
            d.changes
                .iter()
                .enumerate()
                .map(|(i, c)| change_lines(c.op, d.texts.get(i), room))
                .sum()
        }
    }
}

/// The body's lines `from..from + h` for a pane `w` cells wide: only these are built.
pub fn lines(app: &App, theme: &Theme, w: usize, from: usize, h: usize) -> Vec<Line<'static>> {
    match body(app) {
        Body::Note(text) => wrap_words(&text, w)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.dim())))
            .collect(),
        Body::Unified(d, stream) => unified_lines(app, d, stream, theme, w, from, h),
        Body::List(d) => list_lines(d, theme, w, from, h),
    }
}

/// The unified view's lines `from..from + h`, scrolled sideways (never further
/// than the longest of them needs), and a last line while streams are compared.
fn unified_lines(
    app: &App,
    d: &DiffReply,
    stream: Option<&str>,
    theme: &Theme,
    w: usize,
    from: usize,
    h: usize,
) -> Vec<Line<'static>> {
    let window = unified::window(d, stream, from, h);
    let longest = window.iter().map(|(_, t)| t.chars().count()).max().unwrap_or(0);
    let max = longest.saturating_sub(w);
    app.diff.hmax.set(Some(max));
    let hs = app.diff.hscroll.min(max);
    let mut out: Vec<Line<'static>> = window
        .into_iter()
        .map(|(kind, text)| {
            let st = match kind {
                LineKind::Header => theme.bold(),
                LineKind::Hunk => theme.stream(),
                LineKind::Add => theme.added(),
                LineKind::Remove => theme.removed(),
            };
            // Long lines scroll sideways (←/→) rather than wrap, so columns stay aligned.
            let shown: String = text.chars().skip(hs).collect();
            let shown = if hs > 0 && !shown.is_empty() {
                format!("…{}", shown.chars().skip(1).collect::<String>())
            } else {
                shown
            };
            Line::from(Span::styled(fit(&shown, w), st))
        })
        .collect();
    if !d.complete() && out.len() < h {
        let (done, all) = d.progress;
        out.push(Line::from(Span::styled(
            fit(
                &format!(
                    "{} {done}/{all} streams compared: the text of the others is still coming",
                    app.spinner()
                ),
                w,
            ),
            theme.info(),
        )));
    }
    out
}

fn list_lines(d: &DiffReply, theme: &Theme, w: usize, from: usize, h: usize) -> Vec<Line<'static>> {
    let room = room(w);
    let mut out = Vec::new();
    // Skip whole changes above the window, then build until it is full.
    let mut at = 0usize;
    for (i, c) in d.changes.iter().enumerate() {
        let text = d.texts.get(i);
        let n = change_lines(c.op, text, room);
        if at + n <= from {
            at += n;
            continue;
        }
        let mut lines = Vec::with_capacity(n);
        let path = if c.path.is_empty() {
            "(root)".to_string()
        } else {
            clean(&c.path).into_owned()
        };
        let (sign, st) = match c.op {
            ChangeOp::Add => ("+", theme.added()),
            ChangeOp::Remove => ("-", theme.removed()),
            ChangeOp::Replace => ("~", theme.inside()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{sign} "), st),
            Span::styled(path, theme.key()),
        ]));
        if let Some((old, new)) = text {
            if c.op != ChangeOp::Add {
                value(old, "-", theme.removed(), room, &mut lines);
            }
            if c.op != ChangeOp::Remove {
                value(new, "+", theme.added(), room, &mut lines);
            }
        }
        // The first change shown may start above the window.
        let skip = from.saturating_sub(at);
        out.extend(lines.into_iter().skip(skip));
        at += n;
        if out.len() >= h {
            break;
        }
    }
    out.truncate(h);
    out
}

fn value(v: &Option<ValueText>, sign: &str, st: Style, room: usize, out: &mut Vec<Line<'static>>) {
    let Some(v) = v else { return };
    for (i, chunk) in wrap(&v.text, room).into_iter().enumerate() {
        let lead = if i == 0 {
            format!("    {sign} ")
        } else {
            "      ".to_string()
        };
        out.push(Line::from(vec![Span::styled(lead, st), Span::styled(chunk, st)]));
    }
}

/// Wrap `s` at word boundaries into lines of `w` cells, at most `VALUE_LINES` of them.
fn wrap(s: &str, w: usize) -> Vec<String> {
    let mut out = wrap_words(s, w);
    if out.len() > VALUE_LINES {
        out.truncate(VALUE_LINES);
        if let Some(last) = out.last_mut() {
            last.pop();
            last.push('…');
        }
    }
    out
}
