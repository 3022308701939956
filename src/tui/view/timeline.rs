//! The scrub bar: density per column, then markers (cursor, mark, bookmarks,
//! search hits, failed events, drifted snapshots), then the axis.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::hypothesis::Edit;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::timeline::{column, glyph};

pub fn draw(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let w = area.width;
    let len = app.info.len;
    let col = |p: u64| column(p, len, w) as usize;
    let cur = col(app.cursor);

    // Row 1: density, the cursor's column inverted.
    let mut bars: Vec<Span> = Vec::with_capacity(w as usize);
    let levels = app
        .timeline
        .density
        .as_ref()
        .map(|d| d.levels.as_slice())
        .unwrap_or(&[]);
    for c in 0..w as usize {
        let lv = levels.get(c).copied().unwrap_or(0.0);
        let g = if levels.is_empty() { '·' } else { glyph(lv) };
        let style = if c == cur {
            theme.selected(true)
        } else {
            theme.density()
        };
        bars.push(Span::styled(g.to_string(), style));
    }

    // Row 2: markers; later ones win a shared column.
    let mut marks: Vec<(char, Style)> = vec![(' ', theme.plain()); w as usize];
    for (c, hit) in app.timeline.hit_cols.iter().enumerate() {
        if *hit {
            if let Some(m) = marks.get_mut(c) {
                *m = ('•', theme.info());
            }
        }
    }
    let mut put = |p: u64, ch: char, st: Style| {
        if let Some(m) = marks.get_mut(col(p)) {
            *m = (ch, st);
        }
    };
    for &p in &app.open.failures {
        put(p, '✗', theme.error());
    }
    for &p in &app.open.drift {
        put(p, '!', theme.warn());
    }
    for &p in &app.marks.bookmarks {
        put(p, 'b', theme.bookmark());
    }
    for e in &app.marks.whatif.edits {
        match e {
            Edit::Skip { from, to } => {
                put(*from, 'x', theme.hypothetical());
                put(*to, 'x', theme.hypothetical());
            }
            Edit::SetData { at, .. } => put(*at, '~', theme.hypothetical()),
            Edit::Insert { after, .. } => put(*after, '+', theme.hypothetical()),
        }
    }
    if let Some(m) = app.marks.mark {
        put(m, 'M', theme.mark());
    }
    put(app.cursor, '▲', theme.pos());
    let marker_line = Line::from(
        marks
            .into_iter()
            .map(|(c, s)| Span::styled(c.to_string(), s))
            .collect::<Vec<_>>(),
    );

    let label = app
        .timeline
        .density
        .as_ref()
        .map(|d| d.label.as_str())
        .unwrap_or("loading density…");
    let axis = {
        let left = "0".to_string();
        let right = len.to_string();
        let mid = format!(
            " timeline: position · density = {label} · click/drag to seek · ✗ failed ! drift • hit M mark b bookmark "
        );
        let inner = (w as usize).saturating_sub(left.len() + right.len());
        let mid = super::fit(&mid, inner);
        let pad = inner.saturating_sub(super::width(&mid));
        let lpad = pad / 2;
        format!("{left}{}{mid}{}{right}", "─".repeat(lpad), "─".repeat(pad - lpad))
    };
    let mut lines = vec![Line::from(bars), marker_line];
    if area.height >= 3 {
        lines.push(Line::from(Span::styled(axis, theme.dim())));
    }
    f.render_widget(Paragraph::new(lines), area);
}
