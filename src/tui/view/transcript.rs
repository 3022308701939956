//! The transcript pane: the chat messages of the shown state, in place of the diff.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{pane, wrap_words};
use crate::sanitize::clean;
use crate::tui::app::{App, Pane};
use crate::tui::layout::inner;
use crate::tui::theme::Theme;

pub fn draw(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let entries = app.transcript.as_deref().unwrap_or(&[]);
    let fresh = entries.iter().filter(|e| e.new).count();
    let title = vec![Span::styled(
        format!(" transcript: {} messages, {fresh} from this event ", entries.len()),
        theme.title(app.focus == Pane::Diff),
    )];
    let focused = app.focus == Pane::Diff;
    f.render_widget(pane(theme, area, title, focused), area);
    let body = inner(area);
    let (w, h) = (body.width as usize, body.height as usize);
    // Unscrolled, the view opens at the event's first message, so it is in sight.
    let mut first_new = None;
    let lines = {
        let mut lines = Vec::new();
        if entries.is_empty() {
            lines.push(Line::from(Span::styled("no chat messages in this state", theme.dim())));
        }
        for e in entries {
            if e.new && first_new.is_none() {
                first_new = Some(lines.len());
            }
            let style = if e.new { theme.changed() } else { theme.plain() };
            let mark = if e.new { "▶ " } else { "  " };
            lines.push(Line::from(vec![
                Span::styled(mark, style),
                Span::styled(format!("{}:", clean(&e.role)), theme.key().patch(style)),
            ]));
            for l in &e.lines {
                for part in wrap_words(&clean(l), w.saturating_sub(4)) {
                    lines.push(Line::from(Span::styled(format!("    {part}"), style)));
                }
            }
        }
        lines
    };
    let top = match app.diff.scroll.offset() {
        0 => first_new.unwrap_or(0).min(lines.len().saturating_sub(h)),
        _ => app.diff.scroll.fit(lines.len(), h),
    };
    let shown: Vec<Line> = lines.into_iter().skip(top).take(h).collect();
    f.render_widget(Paragraph::new(shown), body);
}
