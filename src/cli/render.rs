//! Text rendering for the CLI: colours, event lines, diff lines. Every string
//! from event data goes through `sanitize` or the terminal-safe JSON writer.

use std::io::IsTerminal;

use serde_json::Value;

use super::args::ColorChoice;
use crate::json::diff::{Change, ChangeOp};
use crate::json::write;
use crate::model::{Event, Kind};
use crate::recording::{ForkEvent, Mark};
use crate::sanitize::{clean, truncate};
use crate::time;

/// How stdout is to be written.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Terminal width when stdout is a TTY; values are cut to it.
    pub width: Option<usize>,
}

impl Style {
    pub fn detect(choice: ColorChoice) -> Style {
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        let width = if tty {
            crossterm::terminal::size()
                .ok()
                .map(|(w, _)| w as usize)
                .filter(|w| *w > 20)
        } else {
            None
        };
        Style { color, width }
    }

    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Cut to the terminal width (minus `used` columns) on a TTY.
    pub fn fit(&self, text: &str, used: usize) -> String {
        match self.width {
            Some(w) => truncate(text, w.saturating_sub(used).max(10)).into_owned(),
            None => text.to_string(),
        }
    }
}

/// `1 event`, `2 events`: a count with its noun, plural unless it is one.
pub fn count<N: Into<u64>>(n: N, noun: &str) -> String {
    let n: u64 = n.into();
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

pub fn compact(v: &Value) -> String {
    write::to_string_compact(v)
}

pub fn opt_compact(v: Option<&Value>) -> String {
    v.map(compact).unwrap_or_else(|| "(absent)".to_string())
}

/// `+ /path: new`, `- /path: old`, `~ /path: old -> new`.
pub fn change_line(c: &Change, style: &Style) -> String {
    let path = clean(&c.path).into_owned();
    let path = if path.is_empty() { "(root)".to_string() } else { path };
    match c.op {
        ChangeOp::Add => {
            let head = format!("+ {path}: ");
            let v = style.fit(&opt_compact(c.new.as_ref()), head.chars().count());
            style.paint("32", &format!("{head}{v}"))
        }
        ChangeOp::Remove => {
            let head = format!("- {path}: ");
            let v = style.fit(&opt_compact(c.old.as_ref()), head.chars().count());
            style.paint("31", &format!("{head}{v}"))
        }
        ChangeOp::Replace => {
            let head = format!("~ {path}: ");
            let used = head.chars().count();
            let room = style.width.map(|w| w.saturating_sub(used + 4) / 2);
            let cut = |s: String| match room {
                Some(r) => truncate(&s, r.max(10)).into_owned(),
                None => s,
            };
            let old = cut(opt_compact(c.old.as_ref()));
            let new = cut(opt_compact(c.new.as_ref()));
            style.paint("33", &format!("{head}{old} -> {new}"))
        }
    }
}

pub fn format_time(t: Option<i64>) -> String {
    match t {
        Some(t) => time::format_micros(t),
        None => "-".to_string(),
    }
}

fn kind_mark(kind: Kind) -> &'static str {
    match kind {
        Kind::Event => " ",
        Kind::Image => "I",
        Kind::Delete => "D",
        Kind::Snapshot => "S",
        Kind::Note => "N",
    }
}

/// `pos  time  stream  type  data…` with marks for kind and failure.
pub fn event_line(ev: &Event, failure: Option<&str>, style: &Style) -> String {
    let mark = if failure.is_some() { "!" } else { kind_mark(ev.kind) };
    let head = format!(
        "{:>7} {} {}  {}  {}  ",
        ev.pos,
        mark,
        format_time(ev.time),
        clean(&ev.stream),
        clean(&ev.ty)
    );
    let used = head.chars().count();
    let data = compact(&ev.data);
    let body = match style.width {
        Some(_) => style.fit(&data, used),
        None => truncate(&data, 160).into_owned(),
    };
    let mut line = format!("{head}{body}");
    if let Some(f) = failure {
        line = style.paint("31", &format!("{line}\n          failed: {}", clean(f)));
    }
    line
}

/// An event of a hypothetical recording: its place (`652`, `652+1`) and, when
/// the hypothesis changed it, `[inserted]`, `[edited]` or `[skipped]` after its type.
pub fn fork_event_line(fe: &ForkEvent, failure: Option<&str>, style: &Style) -> String {
    let ev = &fe.event;
    let mark = if failure.is_some() { "!" } else { kind_mark(ev.kind) };
    let tag = match fe.mark {
        Mark::Original => String::new(),
        m => format!("[{}]  ", m.as_str()),
    };
    let head = format!(
        "{:>7} {} {}  {}  {}  {tag}",
        fe.place.to_string(),
        mark,
        format_time(ev.time),
        clean(&ev.stream),
        clean(&ev.ty)
    );
    let used = head.chars().count();
    let data = compact(&ev.data);
    let body = match style.width {
        Some(_) => style.fit(&data, used),
        None => truncate(&data, 160).into_owned(),
    };
    let mut line = format!("{head}{body}");
    match fe.mark {
        Mark::Skipped => line = style.paint("9;2", &line),
        Mark::Inserted | Mark::Edited => line = style.paint("35", &line),
        Mark::Original => {}
    }
    if let Some(f) = failure {
        line = style.paint("31", &format!("{line}\n          failed: {}", clean(f)));
    }
    line
}

/// `log --json` of a hypothetical event: the event's fields, `at` (its place
/// as text) and `whatif` (`original`, `edited`, `inserted` or `skipped`).
pub fn fork_event_json(fe: &ForkEvent, failure: Option<&str>) -> Value {
    let mut v = fe.event.to_json(failure);
    v["at"] = Value::String(fe.place.to_string());
    v["whatif"] = Value::String(fe.mark.as_str().into());
    v
}

/// The event as `log --json` prints it.
pub fn event_json(ev: &Event, failure: Option<&str>) -> Value {
    ev.to_json(failure)
}
