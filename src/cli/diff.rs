//! `rewind diff`: what changed between two points of one recording.

use std::io::Write;

use anyhow::Result;
use serde_json::{json, Value};

use super::args::{Common, DiffArgs, DiffFormat, DiffView};
use super::render::{self, Style};
use super::{checkpoints, edits, finish, open, out};
use crate::json::diff::{self, Change};
use crate::json::write;
use crate::recording::{diff_selected, Recording};
use crate::time;

pub(super) fn point_info(rec: &Recording, pos: u64) -> Result<Value> {
    if pos == 0 {
        return Ok(json!({"pos": 0, "time": null, "id": null}));
    }
    let ev = rec.event(pos)?;
    Ok(json!({
        "pos": pos,
        "time": ev.as_ref().and_then(|e| e.time).map(time::format_micros),
        "id": ev.as_ref().map(|e| e.id.clone()),
    }))
}

pub(super) fn run(common: &Common, args: DiffArgs, style: &Style) -> Result<i32> {
    let hypothesis = edits::hypothesis(&args.edits)?;
    let (mut rec, _) = open(common, &args.inputs)?;
    let rec = &mut rec;
    let (from, to, view) = (args.from.as_str(), args.to.as_str(), &args.view);
    let a = rec.point(from)?;
    let b = rec.point(to)?;
    checkpoints(rec)?;
    let fork = hypothesis.map(|h| rec.fork(&h)).transpose()?;
    let state_at = |p, s: Option<&str>| match &fork {
        Some(f) => f.state_at(p, s),
        None => rec.state_at(p, s),
    };
    // Only the unified view prints the states themselves; the others need the
    // changes alone, which the recording finds without copying whole worlds.
    let (sa, sb, changes) = if matches!(view.output, DiffFormat::Unified) {
        let sa = state_at(a, view.stream.as_deref())?;
        let sb = state_at(b, view.stream.as_deref())?;
        let changes = diff_selected(&sa, &sb, view.path.as_deref())?;
        (sa, sb, changes)
    } else {
        let changes = match &fork {
            Some(f) => f.diff(a, b, view.stream.as_deref(), view.path.as_deref())?,
            None => rec.diff(a, b, view.stream.as_deref(), view.path.as_deref())?,
        };
        (Value::Null, Value::Null, changes)
    };
    let hypothetical = fork.as_ref().map(|f| f.hypothesis.to_json());
    drop(fork);
    let rec = &*rec;
    let written = (|| -> Result<()> {
        let mut o = out();
        match view.output {
            DiffFormat::Json => {
                let mut v = json!({"from": point_info(rec, a)?, "to": point_info(rec, b)?, "changes": changes});
                if let Some(h) = &hypothetical {
                    v["whatif"] = h.clone();
                }
                write::write_pretty(&mut o, &v)?;
                o.write_all(b"\n")?;
            }
            _ => print_changes(&mut o, &changes, &sa, &sb, view, style, ("from", "to"))?,
        }
        o.flush()?;
        Ok(())
    })();
    finish(if changes.is_empty() { 0 } else { 1 }, written)
}

pub(super) fn print_changes(
    o: &mut impl Write,
    changes: &[Change],
    a: &Value,
    b: &Value,
    view: &DiffView,
    style: &Style,
    labels: (&str, &str),
) -> Result<()> {
    match view.output {
        DiffFormat::Text => {
            for c in changes {
                writeln!(o, "{}", render::change_line(c, style))?;
            }
        }
        DiffFormat::Patch => {
            write::write_pretty(&mut *o, &diff::to_patch(changes))?;
            o.write_all(b"\n")?;
        }
        DiffFormat::Unified => {
            let select = |v: &Value| -> Result<String> {
                let node = match &view.path {
                    None => Some(v),
                    Some(p) => crate::json::pointer::get(v, &crate::json::pointer::parse(p)?),
                };
                Ok(node.map(|n| write::to_string_pretty(n) + "\n").unwrap_or_default())
            };
            let (ta, tb) = (select(a)?, select(b)?);
            let d = similar::TextDiff::from_lines(&ta, &tb);
            let text = d
                .unified_diff()
                .context_radius(view.context)
                .header(labels.0, labels.1)
                .to_string();
            for line in text.lines() {
                let painted = match line.chars().next() {
                    Some('+') if !line.starts_with("+++") => style.paint("32", line),
                    Some('-') if !line.starts_with("---") => style.paint("31", line),
                    Some('@') => style.paint("36", line),
                    _ => line.to_string(),
                };
                writeln!(o, "{painted}")?;
            }
        }
        DiffFormat::Json => {}
    }
    Ok(())
}
