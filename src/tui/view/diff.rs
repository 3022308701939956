//! The diff pane: the change list of docs/model.md §7, or a unified text diff.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::scrolled_pane;
use crate::json::diff::ChangeOp;
use crate::json::write;
use crate::sanitize::clean;
use crate::tui::app::{App, Pane};
use crate::tui::msg::LineKind;
use crate::tui::theme::Theme;

/// A value shown in the change list wraps onto at most this many lines.
const VALUE_LINES: usize = 6;

pub fn draw(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let focused = app.focus == Pane::Diff;
    let mut title = vec![Span::styled(" Diff (3) ", theme.title(focused))];
    if let Some(s) = &app.state.reply {
        let n = s.diff.changes.len();
        title.push(Span::styled(format!(" {} ", clean(&s.diff.title)), theme.bold()));
        title.push(Span::raw(format!(
            " {n} change{} · {} ",
            if n == 1 { "" } else { "s" },
            if app.diff.unified {
                "unified (u: list)"
            } else {
                "list (u: unified)"
            }
        )));
        if s.hypothetical {
            title.push(Span::styled(" HYPOTHETICAL ", theme.hypothetical()));
        }
    }
    if app.state_pending() {
        title.push(Span::styled(format!(" {} ", app.spinner()), theme.info()));
    }
    scrolled_pane(f, theme, area, title, focused, &app.diff.scroll, |w| {
        lines(app, theme, w)
    });
}

/// Lines of the diff for a pane `w` cells wide (the count drives scrolling).
fn lines(app: &App, theme: &Theme, w: usize) -> Vec<Line<'static>> {
    let Some(s) = &app.state.reply else {
        return vec![Line::from(Span::styled("computing…", theme.dim()))];
    };
    let d = &s.diff;
    let mut out = Vec::new();
    if app.pending.state.as_ref().is_some_and(|r| r.diff != d.mode) {
        out.push(Line::from(Span::styled(
            format!("{} switching to {}…", app.spinner(), app.diff.mode.name()),
            theme.dim(),
        )));
    }
    if let Some(note) = &d.note {
        out.push(Line::from(Span::styled(clean(note).into_owned(), theme.dim())));
        return out;
    }
    if d.changes.is_empty() {
        let why = if s.failure.is_some() {
            "no change: the event's rule failed, so it left the state as it was"
        } else {
            "no change"
        };
        out.push(Line::from(Span::styled(why, theme.dim())));
        return out;
    }
    if app.diff.unified {
        for (kind, text) in &d.unified {
            let st = match kind {
                LineKind::Header => theme.bold(),
                LineKind::Hunk => theme.stream(),
                LineKind::Context => theme.plain(),
                LineKind::Add => theme.added(),
                LineKind::Remove => theme.removed(),
            };
            out.push(Line::from(Span::styled(text.clone(), st)));
        }
        return out;
    }
    let room = w.saturating_sub(6).max(8);
    for c in &d.changes {
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
        out.push(Line::from(vec![
            Span::styled(format!("{sign} "), st),
            Span::styled(path, theme.key()),
        ]));
        let mut value = |v: &Option<serde_json::Value>, sign: &str, st| {
            if let Some(v) = v {
                for (i, chunk) in wrap(&write::to_string_compact(v), room).into_iter().enumerate() {
                    let lead = if i == 0 {
                        format!("    {sign} ")
                    } else {
                        "      ".to_string()
                    };
                    out.push(Line::from(vec![Span::styled(lead, st), Span::styled(chunk, st)]));
                }
            }
        };
        if c.op != ChangeOp::Add {
            value(&c.old, "-", theme.removed());
        }
        if c.op != ChangeOp::Remove {
            value(&c.new, "+", theme.added());
        }
    }
    out
}

/// Cut `s` into pieces of `w` characters, at most `VALUE_LINES` of them.
fn wrap(s: &str, w: usize) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out: Vec<String> = chars.chunks(w.max(1)).map(|c| c.iter().collect()).collect();
    if out.len() > VALUE_LINES {
        out.truncate(VALUE_LINES);
        if let Some(last) = out.last_mut() {
            last.pop();
            last.push('…');
        }
    }
    out
}
