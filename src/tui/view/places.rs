//! The `'` and `B` popups: marks or bookmarks, one a line, with the event each
//! sits on (position, time, stream, type) and a label.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::header::short_time;
use super::{fit, width};
use crate::sanitize::clean;
use crate::tui::app::{App, PlaceKind, Places};
use crate::tui::theme::Theme;

/// One line per place: `(text, label, is the diff's mark)`.
fn rows(app: &App, kind: PlaceKind, w: usize) -> Vec<(String, String, bool)> {
    let positions = app.place_positions(kind);
    let pos_w = app.info.len.to_string().len().max(3);
    let (sw, tw) = if w >= 100 { (24, 20) } else { (14, 12) };
    positions
        .iter()
        .map(|&p| {
            let is_mark = kind == PlaceKind::Marks && app.marks.mark == Some(p);
            let flag = if is_mark { '*' } else { ' ' };
            let event = if p == 0 {
                format!("{:<15}  {:<sw$}  {:<tw$}", "", "(the start)", "")
            } else {
                match app.marks.described.get(&p) {
                    Some(r) => format!(
                        "{:<15}  {:<sw$}  {:<tw$}",
                        r.time.map(short_time).unwrap_or_default(),
                        fit(&clean(&r.stream), sw),
                        fit(&clean(&r.ty), tw)
                    ),
                    None => format!("{:<15}  {:<sw$}  {:<tw$}", "…", "", ""),
                }
            };
            let ends: Vec<&str> = app
                .info
                .input_ends
                .iter()
                .filter(|(e, _)| *e == p)
                .map(|(_, n)| n.as_str())
                .collect();
            let label = if is_mark {
                "the diff's mark (mark → cursor)".to_string()
            } else if !ends.is_empty() {
                format!("end of {}", clean(&ends.join(", ")))
            } else {
                app.marks
                    .described
                    .get(&p)
                    .map(|r| r.summary.clone())
                    .unwrap_or_default()
            };
            (format!("{flag} {p:>pos_w$}  {event}  "), label, is_mark)
        })
        .collect()
}

pub fn draw(app: &App, places: Places, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    let w = area.width.saturating_sub(4).min(120);
    let all = rows(app, places.kind, w as usize);
    let h = (all.len().max(1) as u16 + 2).min(area.height.saturating_sub(2));
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + 1,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    let (name, empty) = match places.kind {
        PlaceKind::Marks => ("Marks", "no marks: m sets one at the cursor"),
        PlaceKind::Bookmarks => ("Bookmarks", "no bookmarks: b bookmarks the cursor"),
    };
    let inner_h = h.saturating_sub(2).max(1) as usize;
    let first = places
        .selected
        .saturating_sub(inner_h / 2)
        .min(all.len().saturating_sub(inner_h));
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Line::from(Span::styled(
            format!(" {name} ({}): Enter go · d delete · Esc close ", all.len()),
            theme.title(true),
        )));
    let inner_w = w.saturating_sub(2) as usize;
    let mut shown: Vec<Line> = Vec::new();
    if all.is_empty() {
        shown.push(Line::from(Span::styled(empty, theme.dim())));
    }
    for (i, (text, label, is_mark)) in all.into_iter().enumerate().skip(first).take(inner_h) {
        let text = fit(&text, inner_w);
        let label = fit(&label, inner_w.saturating_sub(width(&text)));
        let label_style = if is_mark { theme.info() } else { theme.dim() };
        let mut line = Line::from(vec![Span::raw(text), Span::styled(label, label_style)]);
        if i == places.selected {
            line = line.style(theme.reversed());
        }
        shown.push(line);
    }
    f.render_widget(Paragraph::new(shown).block(block), r);
}
