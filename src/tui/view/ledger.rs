//! The `!` list: the import's ledger, per input, then every skip, warning and id
//! conflict (up to the first thousand).

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::sanitize::clean;
use crate::tui::app::App;
use crate::tui::theme::Theme;

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let theme = Theme { color: app.color };
    let l = &app.info.ledger;
    let mut out: Vec<Line<'static>> = Vec::new();
    out.push(Line::from(Span::styled("Inputs", theme.title(false))));
    for i in &l.inputs {
        out.push(Line::from(format!("  {}", clean(i))));
    }
    out.push(Line::from(""));
    if l.entries.is_empty() {
        out.push(Line::from("Every record read is in the timeline, once."));
    } else {
        out.push(Line::from(Span::styled(
            "Skipped records (not in the timeline), events kept with a problem, id conflicts",
            theme.title(false),
        )));
        for e in &l.entries {
            let style = if e.starts_with("skipped") {
                theme.error()
            } else {
                theme.warn()
            };
            out.push(Line::from(Span::styled(format!("  {}", clean(e)), style)));
        }
        if l.more > 0 {
            out.push(Line::from(format!(
                "  ... and {} more: `rewind import --json` lists them all",
                l.more
            )));
        }
    }
    out
}

pub fn draw(app: &App, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    let w = area.width.saturating_sub(4).min(140);
    let h = area.height.saturating_sub(2);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + 1,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    let all = lines(app);
    let inner_h = h.saturating_sub(2) as usize;
    let scroll = app.help.fit(all.len(), inner_h);
    let more = if scroll + inner_h < all.len() {
        " j/↓ more "
    } else {
        ""
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Line::from(Span::styled(
            format!(" Ledger: {} (Esc or ! closes) ", app.info.ledger.badge()),
            theme.title(true),
        )))
        .title_bottom(Line::from(Span::styled(more, theme.dim())));
    let shown: Vec<Line> = all.into_iter().skip(scroll).collect();
    f.render_widget(Paragraph::new(shown).block(block), r);
}
