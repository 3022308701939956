//! The `?` help: every binding of the key table, grouped by where it works.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::{width, wrap_words};
use crate::tui::app::App;
use crate::tui::keys::{self, BINDINGS, HELP_ORDER};
use crate::tui::theme::Theme;

const INTRO: &[&str] = &[
    "The cursor is a moment: a position (0 = before the first event). The state",
    "pane shows the state after the event at the cursor, nodes it changed lit.",
    "The diff pane compares before/after that event, or the mark with the cursor.",
    "",
    "When did this value change? Tab to the state tree, select the node (l or",
    "Enter unfolds), press < for the previous event that changed it, > for the",
    "next. Press m first to set a mark there; the diff then shows mark → cursor.",
    "",
    "Mouse: click or drag the timeline to seek; click events and tree nodes.",
];

/// Keys take this many cells, then the text.
const KEYS_W: usize = 20;

/// The help for a box `w` cells wide: long lines wrap at words, binding text
/// continuing under itself.
fn lines(color: bool, w: usize) -> Vec<Line<'static>> {
    let theme = Theme { color };
    let mut out: Vec<Line<'static>> = Vec::new();
    for l in INTRO {
        out.extend(wrap_words(l, w).into_iter().map(Line::from));
    }
    for scope in HELP_ORDER {
        out.push(Line::from(""));
        out.push(Line::from(Span::styled(scope.title(), theme.title(false))));
        for b in BINDINGS.iter().filter(|b| b.scope == scope) {
            let keys = format!("  {:<18}", keys::keys_label(b));
            let pad = width(&keys).max(KEYS_W);
            for (i, piece) in wrap_words(b.help, w.saturating_sub(pad)).into_iter().enumerate() {
                let lead = if i == 0 {
                    Span::styled(keys.clone(), theme.key())
                } else {
                    Span::raw(" ".repeat(pad))
                };
                out.push(Line::from(vec![lead, Span::raw(piece)]));
            }
        }
    }
    out
}

pub fn draw(app: &App, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    let w = area.width.saturating_sub(4).min(104);
    let h = area.height.saturating_sub(2);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + 1,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    let all = lines(app.color, w.saturating_sub(2) as usize);
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
            " Help: all keys (Esc or ? closes) ",
            theme.title(true),
        )))
        .title_bottom(Line::from(Span::styled(more, theme.dim())));
    let shown: Vec<Line> = all.into_iter().skip(scroll).collect();
    f.render_widget(Paragraph::new(shown).block(block), r);
}
