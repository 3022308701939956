//! `rewind state`: the state at a point, as JSON or as pointer lines.

use std::io::{self, Write};

use anyhow::{bail, Context, Result};

use serde_json::Value;

use super::args::{Common, StateArgs, StateFormat};
use super::render;
use super::{checkpoints, follow, open, out};
use crate::json::{pointer, write};
use crate::recording::Recording;
use crate::sanitize::clean;

pub(super) fn run(common: &Common, args: StateArgs) -> Result<i32> {
    let (mut rec, mut follow) = if args.follow {
        if args.at != "end" {
            bail!("--follow prints the state at the end as it grows: leave out --at");
        }
        let (rec, f) = follow::open_follow(common, &args.input.inputs)?;
        (rec, Some(f))
    } else {
        (open(common, &args.input.inputs)?.0, None)
    };
    let rec = &mut rec;
    let pos = rec.point(&args.at)?;
    checkpoints(rec)?;
    let mut o = out();
    let mut shown = render_state(rec, pos, &args)?;
    o.write_all(&shown)?;
    o.flush()?;
    if let Some(f) = follow.as_mut() {
        while f.next(rec)?.is_some() {
            // A path that does not exist yet (or no longer) is not an error while following.
            let now = render_state(rec, rec.len(), &args).unwrap_or_default();
            if now != shown && !now.is_empty() {
                o.write_all(&now)?;
                o.flush()?;
                shown = now;
            }
        }
    }
    Ok(0)
}

/// The state at `pos` as the command prints it.
fn render_state(rec: &mut Recording, pos: u64, args: &StateArgs) -> Result<Vec<u8>> {
    let (stream, path, compact) = (args.stream.as_deref(), args.path.as_deref(), args.compact);
    let mut o = Vec::new();
    if args.format == StateFormat::Text {
        let state = rec.state_at(pos, stream)?;
        let selected = select(&state, path, pos)?;
        let mut prefix = path.unwrap_or("").to_string();
        write_leaves(&mut o, &mut prefix, selected)?;
    } else if stream.is_none() && path.is_none() {
        // The whole world is written by the threads that rebuild it, not copied first.
        o.write_all(&rec.world_json_at(pos, compact)?)?;
        o.write_all(b"\n")?;
    } else {
        let state = rec.state_at(pos, stream)?;
        emit_json(&mut o, select(&state, path, pos)?, compact)?;
        o.write_all(b"\n")?;
    }
    Ok(o)
}

fn select<'a>(state: &'a Value, path: Option<&str>, pos: u64) -> Result<&'a Value> {
    match path {
        None => Ok(state),
        Some(p) => {
            let tokens = pointer::parse(p)?;
            pointer::get(state, &tokens).with_context(|| format!("--path {p}: no such node at position {pos}"))
        }
    }
}

/// One `POINTER = VALUE` line per leaf (empty objects and arrays are leaves),
/// in the state's own key order, so that `grep` finds a value with its full path.
fn write_leaves(o: &mut impl Write, prefix: &mut String, v: &Value) -> io::Result<()> {
    let children: Box<dyn Iterator<Item = (String, &Value)>> = match v {
        Value::Object(m) if !m.is_empty() => Box::new(m.iter().map(|(k, v)| (pointer::escape(k), v))),
        Value::Array(a) if !a.is_empty() => Box::new(a.iter().enumerate().map(|(i, v)| (i.to_string(), v))),
        _ => {
            let shown = if prefix.is_empty() { "/" } else { prefix.as_str() };
            return writeln!(o, "{} = {}", clean(shown), render::compact(v));
        }
    };
    for (token, child) in children {
        let len = prefix.len();
        prefix.push('/');
        prefix.push_str(&token);
        write_leaves(o, prefix, child)?;
        prefix.truncate(len);
    }
    Ok(())
}

fn emit_json<T: serde::Serialize + ?Sized>(o: &mut impl Write, v: &T, compact: bool) -> io::Result<()> {
    if compact {
        write::write_compact(o, v)
    } else {
        write::write_pretty(o, v)
    }
}
