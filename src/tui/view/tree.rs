//! The state tree pane: only the rows that fit are drawn.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{count, fit, pane};
use crate::sanitize::clean;
use crate::tui::app::{App, Pane};
use crate::tui::layout::inner;
use crate::tui::theme::Theme;
use crate::tui::tree::{Label, Mark, Shape};

pub fn draw(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let focused = app.focus == Pane::Tree;
    let scope = match &app.state.stream {
        Some(s) => format!("stream {}", clean(s)),
        None => "world".to_string(),
    };
    let shown_pos = app.state.reply.as_ref().map(|s| s.pos);
    let mut title = vec![Span::styled(" State (2) ", theme.title(focused))];
    title.push(Span::styled(
        format!(
            " {scope} @{} ",
            shown_pos.map(|p| p.to_string()).unwrap_or_else(|| "…".into())
        ),
        theme.bold(),
    ));
    if app.state.reply.as_ref().is_some_and(|s| s.hypothetical) {
        title.push(Span::styled(" HYPOTHETICAL ", theme.hypothetical()));
    }
    if app.state_pending() {
        title.push(Span::styled(
            format!(" {} computing @{} ", app.spinner(), app.cursor),
            theme.info(),
        ));
    }
    if let Some((at, n, re)) = app.state.tree.search_status() {
        let shown = if n == 0 { 0 } else { at + 1 };
        title.push(Span::styled(format!(" /{}: {shown}/{n} ", clean(&re)), theme.info()));
    }
    f.render_widget(pane(theme, area, title, focused), area);
    let body = inner(area);
    if !app.state.tree.loaded() {
        let text = if app.open.ready {
            format!("{} computing the state…", app.spinner())
        } else {
            format!("{} building checkpoints…", app.spinner())
        };
        f.render_widget(Paragraph::new(Span::styled(text, theme.dim())), body);
        return;
    }
    let w = body.width as usize;
    let rows = app.state.tree.rows();
    let sel = app.state.tree.selected_index();
    let root_label = match &app.state.stream {
        Some(s) => clean(s).into_owned(),
        None => "world".to_string(),
    };
    let mut out = Vec::new();
    for (i, r) in rows
        .iter()
        .enumerate()
        .skip(app.state.tree.scroll)
        .take(body.height as usize)
    {
        let mark = app.state.tree.mark(&r.pointer);
        let hit = app.state.tree.is_hit(&r.pointer);
        let lead = if i == sel { "▶" } else { " " };
        let mut spans = vec![Span::raw(format!("{lead}{}", "  ".repeat(r.depth)))];
        let fold = match (r.shape, r.open) {
            (Shape::Scalar, _) => "  ",
            (_, true) => "▾ ",
            (_, false) => "▸ ",
        };
        spans.push(Span::styled(fold, theme.dim()));
        let label = match &r.label {
            Label::Root => root_label.clone(),
            Label::Key(k) => format!("{k}:"),
            Label::Index(i) => format!("{i}:"),
        };
        let label_style = match mark {
            Mark::Added | Mark::Replaced => theme.changed(),
            Mark::Inside => theme.inside(),
            Mark::None if hit => theme.hit(),
            Mark::None => theme.key(),
        };
        spans.push(Span::styled(label, label_style));
        spans.push(Span::raw(" "));
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let room = w.saturating_sub(used + 2);
        let (text, style) = match r.shape {
            Shape::Object(n) if r.open => (format!("{{ {}", count(n, "key")), theme.dim()),
            Shape::Array(n) if r.open => (format!("[ {}", count(n, "item")), theme.dim()),
            Shape::Object(n) => (format!("{{…}} {}", count(n, "key")), theme.dim()),
            Shape::Array(n) => (format!("[…] {}", count(n, "item")), theme.dim()),
            Shape::Scalar => {
                let st = if r.preview.starts_with('"') {
                    theme.string()
                } else if r.preview.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                    theme.number()
                } else {
                    theme.ty()
                };
                (r.preview.clone(), st)
            }
        };
        let style = match mark {
            Mark::Added | Mark::Replaced => theme.changed(),
            _ if hit && r.shape == Shape::Scalar => theme.hit(),
            _ => style,
        };
        spans.push(Span::styled(fit(&text, room), style));
        match mark {
            Mark::Added => spans.push(Span::styled(" +", theme.added())),
            Mark::Replaced => spans.push(Span::styled(" ~", theme.inside())),
            Mark::Inside => spans.push(Span::styled(" ●", theme.inside())),
            Mark::None => {}
        }
        let mut line = Line::from(spans);
        if i == sel {
            // Pad so the selection bar spans the pane.
            let used = line.width();
            if used < w {
                line.push_span(Span::raw(" ".repeat(w - used)));
            }
            line = line.style(theme.selected(focused));
        }
        out.push(line);
    }
    if rows.len() <= 1 && rows.first().is_some_and(|r| r.shape == Shape::Object(0)) {
        out.push(Line::from(Span::styled(
            "  (empty: no stream has state yet — step forward with j)",
            theme.dim(),
        )));
    }
    f.render_widget(Paragraph::new(out), body);
}
