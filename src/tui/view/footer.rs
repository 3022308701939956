//! The status line (prompt, message, progress) and the footer of keys, which
//! comes from the key table for the focused pane.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{fit, width};
use crate::sanitize::clean;
use crate::tui::app::{App, Level, Overlay, Prompt};
use crate::tui::keys;
use crate::tui::msg::Loading;
use crate::tui::theme::Theme;

/// A prompt's label and input, sanitized, with the cursor kept in view: a
/// block at the end, or the character under it reversed.
fn prompt_line(p: &Prompt, theme: &Theme, w: usize) -> Line<'static> {
    let label = p.kind.label();
    let (before, after) = p.line.split();
    let before = clean(before).into_owned();
    let after = clean(after).into_owned();
    let room = w.saturating_sub(width(label) + 1);
    let before = if width(&before) > room {
        let keep = room.saturating_sub(1);
        let skip = before.chars().count().saturating_sub(keep);
        format!("…{}", before.chars().skip(skip).collect::<String>())
    } else {
        before
    };
    let mut spans = vec![Span::styled(label, theme.bold()), Span::raw(before.clone())];
    let mut rest = after.chars();
    match rest.next() {
        None => spans.push(Span::styled("█", theme.dim())),
        Some(c) => {
            spans.push(Span::styled(c.to_string(), theme.reversed()));
            let left = room.saturating_sub(width(&before) + 1);
            spans.push(Span::raw(fit(rest.as_str(), left)));
        }
    }
    Line::from(spans)
}

pub fn draw_status(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let w = area.width as usize;
    let line = if let Overlay::Prompt(p) = &app.overlay {
        prompt_line(p, theme, w)
    } else if let Some((level, text)) = &app.message {
        let st = match level {
            Level::Info => theme.info(),
            Level::Error => theme.error(),
        };
        Line::from(Span::styled(fit(text, w), st))
    } else if let Some(l) = &app.open.progress {
        let text = match l {
            Loading::Replaying { pos, len } => {
                format!("{} replaying to build checkpoints: {pos}/{len}", app.spinner())
            }
            Loading::Importing { input, records, .. } => {
                format!(
                    "{} importing {}: {records} records",
                    app.spinner(),
                    crate::sanitize::clean(input)
                )
            }
        };
        Line::from(Span::styled(fit(&text, w), theme.info()))
    } else {
        Line::from(Span::styled(
            fit(
                "Find when a value changed: Tab to the state tree, select the node, press < or >. ? for all keys.",
                w,
            ),
            theme.dim(),
        ))
    };
    f.render_widget(Paragraph::new(line), area);
}

pub fn draw_footer(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let mut spans = Vec::new();
    // A pending count comes first: the next key takes it (Esc drops it).
    if let Some(n) = app.count {
        spans.push(Span::styled(format!(" {n}… "), theme.footer_key()));
        spans.push(Span::raw(" "));
    }
    let w = (area.width as usize).saturating_sub(spans.iter().map(|s| width(&s.content)).sum());
    let entries = keys::footer(app.scope());
    // Too narrow: drop rank 2 entries from the right, then rank 1.
    let cost = |e: &(String, &str, u8)| width(&e.0) + width(e.1) + 3;
    let mut keep: Vec<bool> = vec![true; entries.len()];
    let mut total: usize = entries.iter().map(cost).sum();
    for rank in [2u8, 1] {
        for i in (0..entries.len()).rev() {
            if total <= w {
                break;
            }
            if keep[i] && entries[i].2 == rank {
                keep[i] = false;
                total -= cost(&entries[i]);
            }
        }
    }
    for (e, k) in entries.iter().zip(keep) {
        if !k {
            continue;
        }
        spans.push(Span::styled(format!(" {} ", e.0), theme.footer_key()));
        spans.push(Span::raw(format!("{} ", e.1)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
