//! The event list around the cursor (only the loaded window, never all events).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::header::{short_time, SHORT_TIME};
use super::{fit, pane, width};
use crate::sanitize::clean;
use crate::tui::app::nav::Line as ListLine;
use crate::tui::app::{App, Pane};
use crate::tui::layout::inner;
use crate::tui::msg::Row;
use crate::tui::theme::Theme;

pub fn draw(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let focused = app.focus == Pane::Events;
    let mut title = vec![Span::styled(" Events (1) ", theme.title(focused))];
    let status = app.events.search.as_ref().map(|s| {
        if app.pending.search.is_some() {
            format!(" /{} searching {} ", clean(&s.text), app.spinner())
        } else {
            let more = if s.capped { "+" } else { "" };
            let hits = super::count(s.hits.len(), "hit");
            format!(" /{}: {hits}{more} ", clean(&s.text))
        }
    });
    if let Some(flt) = &app.events.filter {
        // The filter's label gives way to the search's hit count (the header's
        // chips name the filter too).
        let room =
            (area.width as usize).saturating_sub(width(" Events (1) ") + status.as_deref().map_or(0, width) + 11);
        if room >= 6 {
            let label = fit(&clean(&flt.label()), room);
            title.push(Span::styled(format!(" filter {label} "), theme.warn()));
        }
    }
    if let Some(status) = status {
        title.push(Span::styled(
            fit(&status, (area.width as usize).saturating_sub(14)),
            theme.info(),
        ));
    }
    let block = pane(theme, area, title, focused);
    let body = inner(area);
    f.render_widget(block, area);
    let h = body.height as usize;
    let (lines, cur) = app.list_lines(h);
    let w = body.width as usize;
    let pos_w = app.info.len.to_string().len().max(1);
    // Stream and type columns fit what is shown, up to a cap, so the data gets the rest.
    let (cap_s, cap_t) = if w >= 100 { (32, 28) } else { (16, 15) };
    let widest = |f: fn(&Row) -> &str, cap: usize| {
        let rows = lines.iter().filter_map(|l| match l {
            ListLine::Event(r) if r.pos > 0 => Some(width(&clean(f(r)))),
            _ => None,
        });
        rows.max().unwrap_or(0).clamp(6, cap)
    };
    let sw = widest(|r| &r.stream, cap_s);
    let tw = widest(|r| &r.ty, cap_t);
    let search_hits = app.events.search.as_ref().map(|s| s.hits.as_slice()).unwrap_or(&[]);
    let mut out = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let is_cur = cur == Some(i);
        let line = match l {
            ListLine::Cursor(p) => {
                let text = if !app.events.window.loaded || app.pending.rows.is_some() {
                    format!("  {} loading events around {p}…", app.spinner())
                } else {
                    format!("  ▶ @{p}: not shown by the filter")
                };
                Line::from(Span::styled(fit(&text, w), theme.selected(focused)))
            }
            ListLine::Event(r) if r.pos == 0 => {
                let st = if is_cur { theme.selected(focused) } else { theme.dim() };
                Line::from(Span::styled(
                    fit("  ── start (position 0: before the first event) ──", w),
                    st,
                ))
            }
            ListLine::Event(r) => row_line(app, theme, r, pos_w, sw, tw, w, is_cur, focused, search_hits),
        };
        out.push(line);
    }
    f.render_widget(Paragraph::new(out), body);
}

#[allow(clippy::too_many_arguments)]
fn row_line<'a>(
    app: &App,
    theme: &Theme,
    r: &'a Row,
    pos_w: usize,
    sw: usize,
    tw: usize,
    w: usize,
    is_cur: bool,
    focused: bool,
    hits: &[u64],
) -> Line<'a> {
    let whatif = &app.marks.whatif;
    let skipped = whatif.is_skipped(r.pos);
    let flag = if skipped {
        ('x', theme.hypothetical())
    } else if whatif.data_at(r.pos).is_some() {
        ('~', theme.hypothetical())
    } else if !whatif.inserted_after(r.pos).is_empty() {
        ('+', theme.hypothetical())
    } else if r.failed {
        ('✗', theme.error())
    } else if app.open.drift.contains(&r.pos) {
        ('!', theme.warn())
    } else if r.snapshot {
        ('◆', theme.warn())
    } else if r.fork {
        ('⑂', theme.info())
    } else if app.marks.mark == Some(r.pos) {
        ('M', theme.mark())
    } else if app.marks.bookmarks.contains(&r.pos) {
        ('b', theme.bookmark())
    } else if hits.binary_search(&r.pos).is_ok() {
        ('•', theme.info())
    } else if is_cur {
        ('▶', theme.pos())
    } else {
        (' ', theme.plain())
    };
    let time = r.time.map(short_time).unwrap_or_else(|| "-".repeat(SHORT_TIME));
    let stream = fit(&clean(&r.stream), sw);
    let ty = fit(&clean(&r.ty), tw);
    let used = 2 + pos_w + 1 + SHORT_TIME + 1 + sw + 1 + tw + 1;
    let summary = fit(&r.summary, w.saturating_sub(used));
    // The cursor's row is one plain bar, so nothing on it fights the highlight.
    let st = |s| if is_cur { theme.plain() } else { s };
    let spans = vec![
        Span::styled(
            format!("{} ", flag.0),
            if is_cur && flag.0 == '▶' {
                theme.plain()
            } else {
                flag.1
            },
        ),
        Span::styled(format!("{:>pos_w$} ", r.pos), st(theme.pos())),
        Span::styled(format!("{time} "), st(theme.dim())),
        Span::styled(format!("{stream:<sw$} "), st(theme.stream())),
        Span::styled(
            format!("{ty:<tw$} "),
            st(if r.failed { theme.error() } else { theme.ty() }),
        ),
        Span::raw(summary),
    ];
    let mut line = Line::from(spans);
    if skipped {
        // Struck through: the hypothesis leaves this event out.
        line = line.patch_style(ratatui::style::Modifier::CROSSED_OUT);
    }
    if is_cur {
        let used = line.width();
        if used < w {
            line.push_span(Span::raw(" ".repeat(w - used)));
        }
        line = line.style(theme.selected(focused));
    }
    line
}
