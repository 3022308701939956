//! The event detail pane: envelope, data and meta of the event at the cursor.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::header::long_time;
use super::scrolled_pane;
use crate::json::write;
use crate::sanitize::clean;
use crate::tui::app::{App, Pane};
use crate::tui::theme::Theme;

pub fn draw(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let focused = app.focus == Pane::Detail;
    let mut title = vec![Span::styled(" Event (4) ", theme.title(focused))];
    if app.state_pending() {
        title.push(Span::styled(format!(" {} ", app.spinner()), theme.info()));
    }
    scrolled_pane(f, theme, area, title, focused, &app.detail.scroll, |w| {
        lines(app, theme, w)
    });
}

fn lines(app: &App, theme: &Theme, w: usize) -> Vec<Line<'static>> {
    let Some(s) = &app.state.reply else {
        return vec![Line::from(Span::styled("computing…", theme.dim()))];
    };
    let Some(ev) = &s.event else {
        return vec![Line::from(Span::styled(
            "position 0: before the first event (press j to step)",
            theme.dim(),
        ))];
    };
    let field =
        |k: &str, v: String, st| Line::from(vec![Span::styled(format!("{k:<7}"), theme.dim()), Span::styled(v, st)]);
    let mut out = vec![
        field("pos", ev.pos.to_string(), theme.pos()),
        field("stream", clean(&ev.stream).into_owned(), theme.stream()),
        field(
            "seq",
            ev.seq.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            theme.plain(),
        ),
        field("type", clean(&ev.ty).into_owned(), theme.ty()),
        field("kind", ev.kind.as_str().to_string(), theme.plain()),
        field("id", clean(&ev.id).into_owned(), theme.plain()),
        field(
            "time",
            ev.time.map(long_time).unwrap_or_else(|| "-".into()),
            theme.plain(),
        ),
        field("source", clean(&ev.source).into_owned(), theme.dim()),
    ];
    let whatif = &app.marks.whatif;
    if whatif.is_skipped(ev.pos) {
        out.push(Line::from(Span::styled(
            " SKIPPED (what-if): the state is computed as if this event never happened ",
            theme.hypothetical(),
        )));
    }
    if whatif.data_at(ev.pos).is_some() {
        out.push(Line::from(Span::styled(
            " DATA EDITED (what-if): the data below replaces the recorded data (u undoes) ",
            theme.hypothetical(),
        )));
    }
    for (k, ins) in whatif.inserted_after(ev.pos).iter().enumerate() {
        let text = format!(
            " INSERTED {}+{} (what-if): {} {} {}",
            ev.pos,
            k + 1,
            clean(&ins.stream),
            clean(&ins.ty),
            write::to_string_compact(&ins.data)
        );
        for piece in wrap_line(&text, w) {
            out.push(Line::from(Span::styled(piece, theme.hypothetical())));
        }
    }
    if let Some(e) = &s.failure {
        out.push(field("FAILED", clean(e).into_owned(), theme.error()));
    }
    if let Some(paths) = &s.drift {
        let shown: Vec<String> = paths.iter().take(5).map(|p| clean(p).into_owned()).collect();
        out.push(field(
            "DRIFT",
            format!("snapshot differs from replay at {}", shown.join(", ")),
            theme.warn(),
        ));
    }
    out.push(Line::from(Span::styled("data", theme.bold())));
    for l in write::to_string_pretty(&ev.data).lines() {
        for piece in wrap_line(l, w) {
            out.push(Line::from(piece));
        }
    }
    if let Some(meta) = &ev.meta {
        out.push(Line::from(Span::styled("meta", theme.bold())));
        for l in write::to_string_pretty(meta).lines() {
            for piece in wrap_line(l, w) {
                out.push(Line::from(Span::styled(piece, theme.dim())));
            }
        }
    }
    out
}

/// Indent a JSON line by two and wrap it at `w` cells, continuing under its indent.
fn wrap_line(l: &str, w: usize) -> Vec<String> {
    let indent = l.len() - l.trim_start().len() + 2;
    let room = w.saturating_sub(indent).max(10);
    let chars: Vec<char> = l.trim_start().chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars
        .chunks(room)
        .map(|c| format!("{}{}", " ".repeat(indent), c.iter().collect::<String>()))
        .collect()
}
