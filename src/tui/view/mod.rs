//! Drawing only: every function here reads the model and writes a frame. No I/O,
//! no replay. Text from event data arrives sanitized (rows, tree, JSON writer)
//! or is passed through `clean` here.

pub mod detail;
pub mod diff;
mod footer;
mod header;
pub mod help;
pub mod ledger;
mod list;
mod places;
mod timeline;
mod transcript;
mod tree;

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Scroll};
use super::msg::Loading;
use super::theme::Theme;
use crate::sanitize::clean;

pub fn draw(app: &App, f: &mut Frame) {
    let theme = Theme { color: app.color };
    let a = app.areas();
    header::draw(app, &theme, f, a.header);
    timeline::draw(app, &theme, f, a.timeline);
    list::draw(app, &theme, f, a.list);
    tree::draw(app, &theme, f, a.tree);
    match app.lower {
        super::app::Pane::Detail => detail::draw(app, &theme, f, a.lower),
        _ if app.transcript.is_some() => transcript::draw(app, &theme, f, a.lower),
        _ => diff::draw(app, &theme, f, a.lower),
    }
    footer::draw_status(app, &theme, f, a.status);
    footer::draw_footer(app, &theme, f, a.footer);
    match app.overlay {
        super::app::Overlay::Help => help::draw(app, &theme, f),
        super::app::Overlay::Ledger => ledger::draw(app, &theme, f),
        super::app::Overlay::Places(p) => places::draw(app, p, &theme, f),
        _ => {}
    }
}

/// A pane's frame: a title on the top border, a left border unless at the edge.
fn pane<'a>(theme: &Theme, area: Rect, title: Vec<Span<'a>>, focused: bool) -> Block<'a> {
    let borders = if area.x > 0 {
        Borders::TOP | Borders::LEFT
    } else {
        Borders::TOP
    };
    Block::new()
        .borders(borders)
        .border_style(theme.border(focused))
        .title(Line::from(title))
}

/// The screen while the recording opens: import, then checkpoints.
/// A bordered pane whose body is `lines(width)` scrolled by `scroll` (clamped so
/// the last page stays full). Shared by the detail and diff panes.
fn scrolled_pane<'a>(
    f: &mut Frame,
    theme: &Theme,
    area: Rect,
    title: Vec<Span<'a>>,
    focused: bool,
    scroll: &Scroll,
    lines: impl FnOnce(usize) -> Vec<Line<'static>>,
) {
    f.render_widget(pane(theme, area, title, focused), area);
    let body = super::layout::inner(area);
    let all = lines(body.width as usize);
    let scroll = scroll.fit(all.len(), body.height as usize);
    let h = body.height as usize;
    let shown: Vec<Line> = all.into_iter().skip(scroll).take(h).collect();
    f.render_widget(Paragraph::new(shown), body);
}

pub fn draw_loading(what: &str, loading: Option<&Loading>, tick: u64, color: bool, f: &mut Frame) {
    let theme = Theme { color };
    let area = f.area();
    f.render_widget(Clear, area);
    let spin = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"][(tick % 10) as usize];
    let mut lines = vec![
        Line::from(Span::styled("rewind", theme.title(false))),
        Line::from(""),
        Line::from(format!("{spin} opening {}", clean(what))),
    ];
    match loading {
        Some(Loading::Importing {
            input,
            records,
            bytes,
            size,
            seconds,
        }) => {
            let pct = 100.0 * *bytes as f64 / (*size).max(1) as f64;
            let rate = *bytes as f64 / 1e6 / seconds.max(0.001);
            lines.push(Line::from(format!(
                "importing {}: {records} records, {pct:.0}% ({rate:.1} MB/s)",
                clean(input)
            )));
        }
        Some(Loading::Replaying { pos, len }) => {
            lines.push(Line::from(format!("replaying to build checkpoints: {pos}/{len}")));
        }
        None => {}
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("q or Ctrl-C: cancel", theme.dim())));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// `1 key`, `2 keys`.
fn count(n: usize, noun: &str) -> String {
    crate::plural::count(n as u64, noun, &format!("{noun}s"))
}

/// Break `s` into lines of at most `w` cells, after a space or a comma where
/// it can (JSON has few spaces), else mid-word. Every character is kept, so
/// the lines joined give `s` back. Never returns no lines.
fn wrap_words(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    // Byte offset in `line` just after the last break opportunity, and the cells before it.
    let mut brk: Option<(usize, usize)> = None;
    for c in s.chars() {
        let cw = width(c.encode_utf8(&mut [0u8; 4]));
        if used + cw > w && used > 0 {
            match brk {
                Some((at, cells)) if at < line.len() => {
                    let rest = line.split_off(at);
                    out.push(std::mem::replace(&mut line, rest));
                    used -= cells;
                }
                _ => {
                    out.push(std::mem::take(&mut line));
                    used = 0;
                }
            }
            brk = None;
        }
        line.push(c);
        used += cw;
        if c == ' ' || c == ',' {
            brk = Some((line.len(), used));
        }
    }
    out.push(line);
    out
}

/// Width of a string in terminal cells.
fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// Cut to `w` cells, marking the cut with `…`.
fn fit(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = width(c.encode_utf8(&mut [0u8; 4]));
        if used + cw + 1 > w {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::wrap_words;

    #[test]
    fn wraps_after_spaces_and_commas_and_keeps_every_character() {
        let s = r#"{"to":"audit@acme.com","subject":"Compliance audit export","n":3}"#;
        let lines = wrap_words(s, 24);
        assert_eq!(lines.concat(), s);
        assert!(lines.iter().all(|l| l.chars().count() <= 24), "{lines:?}");
        assert_eq!(lines[0], r#"{"to":"audit@acme.com","#);
        assert_eq!(wrap_words("aaaaaaaaaa", 4), ["aaaa", "aaaa", "aa"]);
        assert_eq!(wrap_words("", 4), [""]);
        assert_eq!(wrap_words("one two three", 8), ["one two ", "three"]);
    }
}
