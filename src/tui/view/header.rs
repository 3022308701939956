//! The header: what is open, and where the cursor is.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::fit;
use crate::sanitize::clean;
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// `2026-11-20 10:24:13.870535Z`: times are UTC, and say so.
pub fn long_time(us: i64) -> String {
    crate::time::format_micros(us).replacen('T', " ", 1)
}

/// `11-20 10:24:13Z`, for list rows.
pub fn short_time(us: i64) -> String {
    let t = long_time(us);
    t.get(5..19).map(|s| format!("{s}Z")).unwrap_or(t)
}

/// Cells a list row's time takes.
pub const SHORT_TIME: usize = 15;

pub fn draw(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let w = area.width as usize;
    let info = &app.info;
    let names: Vec<String> = info
        .inputs
        .iter()
        .map(|(path, format, _, _)| {
            let name = std::path::Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.clone());
            format!("{} ({})", clean(&name), clean(format))
        })
        .collect();
    let range = match info.time_range {
        (Some(a), Some(b)) => format!(" · {} → {}", short_day(a), short_day(b)),
        _ => String::new(),
    };
    let counts = format!(
        "{} events · {} streams · {} snapshots{range}",
        info.len, info.streams, info.snapshots
    );
    let line1 = Line::from(vec![
        Span::styled(" rewind ", theme.title(true)),
        Span::raw(" "),
        Span::styled(counts.clone(), theme.bold()),
        Span::raw("  "),
        Span::styled(
            fit(&names.join("  "), w.saturating_sub(counts.chars().count() + 11)),
            theme.dim(),
        ),
    ]);

    let mut spans = vec![Span::styled(format!(" @{}/{} ", app.cursor, info.len), theme.pos())];
    // Second, so a narrow terminal cannot cut it off: the recording lacks records.
    if info.ledger.needs_notice() {
        spans.push(Span::raw(" "));
        let style = if info.ledger.skipped > 0 {
            theme.error()
        } else {
            theme.warn()
        };
        spans.push(Span::styled(format!(" {} · ! lists ", info.ledger.badge()), style));
    }
    // First, so a narrow terminal cannot cut it off.
    let edits = &app.marks.whatif.edits;
    if !edits.is_empty() {
        let list: Vec<String> = edits.iter().take(3).map(|e| e.describe()).collect();
        let more = if edits.len() > 3 { ", …" } else { "" };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(
                " HYPOTHETICAL: {} edit{}: {}{more} ",
                edits.len(),
                if edits.len() == 1 { "" } else { "s" },
                list.join(", ")
            ),
            theme.hypothetical(),
        ));
    }
    if app.cursor == 0 {
        spans.push(Span::styled(" start: before the first event", theme.dim()));
    } else if let Some(r) = app.cursor_row() {
        if let Some(t) = r.time {
            spans.push(Span::raw(format!(" {} ", long_time(t))));
        }
        spans.push(Span::styled(format!(" {} ", clean(&r.stream)), theme.stream()));
        spans.push(Span::styled(format!(" {} ", clean(&r.ty)), theme.ty()));
        if r.failed {
            spans.push(Span::styled(" FAILED ", theme.error()));
        }
        if r.snapshot {
            spans.push(Span::styled(" snapshot ", theme.warn()));
        }
    } else if let Some((s, t)) = app.cursor_event_names() {
        spans.push(Span::styled(format!(" {} ", clean(&s)), theme.stream()));
        spans.push(Span::styled(format!(" {} ", clean(&t)), theme.ty()));
    }
    if let Some(m) = app.marks.mark {
        spans.push(Span::styled(format!(" mark {m} "), theme.mark()));
    }
    // Filter chips, each with the key that drops it.
    if let Some(flt) = &app.events.filter {
        for (key, chip) in [("F", &flt.streams), ("T", &flt.types)] {
            if let Some(c) = chip {
                spans.push(Span::raw(" "));
                spans.push(Span::styled(format!("[{key}] {}", clean(&c.label)), theme.warn()));
            }
        }
    }
    if let Some(s) = &app.events.search {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!("[/] {}", clean(&s.text)), theme.info()));
    }
    if let Some(wt) = &app.state.watch {
        spans.push(Span::styled(
            format!(" watch {} ", clean(&wt.display())),
            theme.inside(),
        ));
    }
    if app.busy() {
        spans.push(Span::styled(format!(" {}", app.spinner()), theme.info()));
    }
    let lines = vec![line1, Line::from(spans)];
    f.render_widget(Paragraph::new(lines), area);
}

/// `2026-11-20 10:24Z`
fn short_day(us: i64) -> String {
    let t = long_time(us);
    t.get(..16).map(|s| format!("{s}Z")).unwrap_or(t)
}
