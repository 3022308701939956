//! `rewind history`: every event that changed the value at a path.

use std::io::Write;

use anyhow::{Context, Result};
use serde_json::json;

use super::args::{Common, HistoryArgs};
use super::render::{self, Style};
use super::{checkpoints, open, out};
use crate::json::write;
use crate::sanitize::clean;
use crate::time;

pub(super) fn run(common: &Common, args: HistoryArgs, style: &Style) -> Result<i32> {
    let (mut rec, _) = open(common, &args.input.inputs, args.input.format.as_deref())?;
    let rec = &mut rec;
    let (path, stream, from, to, as_json) = (
        args.path.as_str(),
        args.stream.as_deref(),
        args.from.as_deref(),
        args.to.as_deref(),
        args.json,
    );
    let from = from.map(|p| rec.point(p)).transpose()?.unwrap_or(0);
    let to = to.map(|p| rec.point(p)).transpose()?.unwrap_or(rec.len());
    checkpoints(rec)?;
    let entries = rec.history(path, stream, from, to)?;
    let mut o = out();
    for h in entries {
        let ev = rec.event(h.pos)?.with_context(|| format!("event {} vanished", h.pos))?;
        if as_json {
            let v = json!({
                "pos": h.pos, "time": ev.time.map(time::format_micros), "stream": ev.stream, "type": ev.ty, "id": ev.id,
                "op": match (&h.old, &h.new) { (None, _) => "add", (_, None) => "remove", _ => "replace" },
                "old": h.old, "new": h.new,
            });
            write::write_compact(&mut o, &v)?;
            o.write_all(b"\n")?;
        } else {
            let head = format!(
                "{:>7}  {}  {}  {}  ",
                h.pos,
                render::format_time(ev.time),
                clean(&ev.stream),
                clean(&ev.ty)
            );
            let change = format!(
                "{} -> {}",
                render::opt_compact(h.old.as_ref()),
                render::opt_compact(h.new.as_ref())
            );
            writeln!(o, "{head}{}", style.fit(&change, head.chars().count()))?;
        }
    }
    o.flush()?;
    Ok(0)
}
