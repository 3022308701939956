//! The header: what is open, and where the cursor is.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{fit, width};
use crate::plural::count;
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
    let counts_of = |when: fn(i64) -> String| {
        let range = match info.time_range {
            (Some(a), Some(b)) => format!(" · {} → {}", when(a), when(b)),
            _ => String::new(),
        };
        format!(
            "{} · {} · {}{range}",
            count(info.len, "event", "events"),
            count(info.streams, "stream", "streams"),
            count(info.snapshots, "snapshot", "snapshots")
        )
    };
    // A narrow terminal gets the range's days only, rather than a cut end.
    let mut counts = counts_of(short_day);
    if counts.chars().count() + 9 > w {
        counts = counts_of(day);
    }
    let room = w.saturating_sub(counts.chars().count() + 11);
    let mut line1 = vec![
        Span::styled(" rewind ", theme.title(true)),
        Span::raw(" "),
        Span::styled(counts.clone(), theme.bold()),
    ];
    // The inputs' names, unless only a stub of them would fit.
    if room >= 12 {
        line1.push(Span::raw("  "));
        line1.push(Span::styled(fit(&names.join("  "), room), theme.dim()));
    }
    let line1 = Line::from(line1);

    let mut spans = vec![Span::styled(format!(" @{}/{} ", app.cursor, info.len), theme.pos())];
    if app.live.available {
        // Right after the position it counts: what arrived since the cursor left the end.
        let (text, style) = match (app.live.on, app.live.new) {
            (false, _) => (" PAUSED · L resumes ".to_string(), theme.warn()),
            (true, 0) => (" LIVE ".to_string(), theme.info()),
            (true, n) => (format!(" LIVE +{n} new · G "), theme.info()),
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(text, style));
    }
    // Where the cursor's time, stream and type are, so a narrow terminal can drop them.
    let (mut time_at, mut names_at) = (None, None);
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
    // The timeline is a part of the inputs: said before anything a narrow terminal cuts.
    if let Some(slice) = &info.slice {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!(" SLICE: {slice} "), theme.warn()));
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
            time_at = Some((spans.len(), t));
            spans.push(Span::raw(format!(" {} ", long_time(t))));
        }
        names_at = Some(spans.len());
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
    let mut chips = Vec::new();
    if let Some(flt) = &app.events.filter {
        for (key, chip) in [("F", &flt.streams), ("T", &flt.types)] {
            if let Some(c) = chip {
                chips.push((key, clean(&c.label).into_owned(), theme.warn()));
            }
        }
    }
    if let Some(s) = &app.events.search {
        chips.push(("/", clean(&s.text).into_owned(), theme.info()));
    }
    let chips_at = spans.len();
    for (key, label, style) in &chips {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!("[{key}] {label}"), *style));
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
    // On a narrow terminal the time gives way (to `11-20 10:24:13Z`, then to
    // nothing), then the type and the stream (the list's cursor row shows them),
    // so the mark, the filter chips and the search stay.
    let used = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let mut gives: Vec<(usize, Span)> = Vec::new();
    if let Some((i, t)) = time_at {
        gives.push((i, Span::raw(format!(" {} ", short_time(t)))));
        gives.push((i, Span::raw("")));
    }
    if let Some(i) = names_at {
        gives.push((i + 1, Span::raw("")));
        gives.push((i, Span::raw("")));
    }
    for (i, shorter) in gives {
        if used(&spans) <= w {
            break;
        }
        spans[i] = shorter;
    }
    // Then the chips share what is left, each cut with `…` but keeping its key.
    let over = used(&spans).saturating_sub(w);
    if over > 0 && !chips.is_empty() {
        let labels: usize = chips.iter().map(|(_, l, _)| width(l)).sum();
        let each = labels.saturating_sub(over) / chips.len();
        for (n, (key, label, style)) in chips.iter().enumerate() {
            spans[chips_at + 2 * n + 1] = Span::styled(format!("[{key}] {}", fit(label, each.max(1))), *style);
        }
    }
    let lines = vec![line1, Line::from(spans)];
    f.render_widget(Paragraph::new(lines), area);
}

/// `2026-11-20`
fn day(us: i64) -> String {
    let t = long_time(us);
    t.get(..10).map(str::to_string).unwrap_or(t)
}

/// `2026-11-20 10:24Z`
fn short_day(us: i64) -> String {
    let t = long_time(us);
    t.get(..16).map(|s| format!("{s}Z")).unwrap_or(t)
}
