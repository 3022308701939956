//! The diff pane: the change list of docs/model.md §7, or a unified text diff.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::{fit, scrolled_pane, wrap_words};
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
    if app.state_pending() {
        title.push(Span::styled(format!(" {} ", app.spinner()), theme.info()));
    }
    if let Some(s) = &app.state.reply {
        // What must not be cut goes first; the free text gets the room left.
        if s.hypothetical {
            title.push(Span::styled(" HYPOTHETICAL ", theme.hypothetical()));
        }
        let n = s.diff.changes.len();
        let mode = if app.diff.unified {
            "unified (u: list)"
        } else {
            "list (u: unified)"
        };
        let changes = format!(" {n} change{}", if n == 1 { "" } else { "s" });
        let mut counts = format!("{changes} · {mode} ");
        if app.diff.unified && app.diff.hscroll > 0 {
            counts.push_str(&format!("col {} ", app.diff.hscroll + 1));
        }
        // HYPOTHETICAL and the compared moments come first; the counts are cut before them.
        let used: usize = title.iter().map(Span::width).sum::<usize>();
        let room = (area.width as usize).saturating_sub(used + 3);
        if room >= 6 {
            title.push(Span::styled(
                format!(" {} ", fit(&clean(&s.diff.title), room)),
                theme.bold(),
            ));
        }
        title.push(Span::raw(counts));
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
            // Long lines scroll sideways (←/→) rather than wrap, so columns stay aligned.
            let shown: String = text.chars().skip(app.diff.hscroll).collect();
            let shown = if app.diff.hscroll > 0 && !shown.is_empty() {
                format!("…{}", shown.chars().skip(1).collect::<String>())
            } else {
                shown
            };
            out.push(Line::from(Span::styled(fit(&shown, w), st)));
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
