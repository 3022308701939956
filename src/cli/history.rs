//! `rewind history`: every event that changed the value at a path.

use std::io::Write;

use anyhow::{bail, Context, Result};
use serde_json::json;

use super::args::{Common, HistoryArgs, TextJson};
use super::render::{self, Style};
use super::{checkpoints, follow, open, out};
use crate::json::{pointer, write};
use crate::recording::Recording;
use crate::sanitize::clean;
use crate::time;

pub(super) fn run(common: &Common, args: HistoryArgs, style: &Style) -> Result<i32> {
    let (mut rec, mut follow) = if args.follow {
        let (rec, f) = follow::open_follow(common, &args.input.inputs)?;
        (rec, Some(f))
    } else {
        (open(common, &args.input.inputs)?.0, None)
    };
    let rec = &mut rec;
    let (path, stream, from, to, as_json) = (
        args.path.as_str(),
        args.stream.as_deref(),
        args.from.as_deref(),
        args.to.as_deref(),
        args.output() == TextJson::Json,
    );
    if stream.is_none() && follow.is_none() {
        check_stream_token(rec, path)?;
    }
    let from = from.map(|p| rec.point(p)).transpose()?.unwrap_or(0);
    let to = to.map(|p| rec.point(p)).transpose()?.unwrap_or(rec.len());
    checkpoints(rec)?;
    let mut o = out();
    print_changes(rec, &mut o, (path, stream), (from, to), as_json, style)?;
    o.flush()?;
    if let Some(f) = follow.as_mut() {
        while let Some(before) = f.next(rec)? {
            print_changes(rec, &mut o, (path, stream), (before, rec.len()), as_json, style)?;
            o.flush()?;
        }
    }
    Ok(0)
}

/// Print the changes of the value at `path` after `from` up to `to`.
fn print_changes(
    rec: &mut Recording,
    o: &mut impl Write,
    (path, stream): (&str, Option<&str>),
    (from, to): (u64, u64),
    as_json: bool,
    style: &Style,
) -> Result<()> {
    let entries = match rec.history(path, stream, from, to) {
        Ok(e) => e,
        // While following, a stream that has not appeared yet has no history so far.
        Err(_) if stream.is_some_and(|s| rec.cat.stream_id(s).is_none()) => Vec::new(),
        Err(e) => return Err(e),
    };
    for h in entries {
        let ev = rec.event(h.pos)?.with_context(|| format!("event {} vanished", h.pos))?;
        if as_json {
            let v = json!({
                "pos": h.pos, "time": ev.time.map(time::format_micros), "stream": ev.stream, "type": ev.ty, "id": ev.id,
                "op": match (&h.old, &h.new) { (None, _) => "add", (_, None) => "remove", _ => "replace" },
                "old": h.old, "new": h.new,
            });
            write::write_compact(&mut *o, &v)?;
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
    Ok(())
}

/// The first token of a world path names a stream. A stream name with a `/`
/// must be written with `~1` (JSON Pointer); when the path spells it with
/// plain slashes, say so with the path written the right way.
fn check_stream_token(rec: &Recording, path: &str) -> Result<()> {
    let tokens = pointer::parse(path)?;
    let Some(first) = tokens.first() else {
        return Ok(());
    };
    if rec.cat.stream_id(first).is_some() {
        return Ok(());
    }
    for k in (2..=tokens.len()).rev() {
        let name = tokens[..k].join("/");
        if rec.cat.stream_id(&name).is_some() {
            let fixed = pointer::to_pointer(&[name.as_str()]) + &pointer::to_pointer(&tokens[k..]);
            bail!(
                "--path {}: no stream named {}; a `/` inside a stream name is written `~1`: --path {} (or --stream {} --path {})",
                clean(path),
                clean(first),
                clean(&fixed),
                clean(&name),
                clean(&pointer::to_pointer(&tokens[k..])),
            );
        }
    }
    Ok(())
}
