//! `rewind state`: the state at a point, as JSON or as pointer lines.

use std::io::{self, Write};

use anyhow::{Context, Result};

use serde_json::Value;

use super::args::{Common, StateArgs, StateFormat};
use super::render;
use super::{checkpoints, edits, open, out};
use crate::json::{pointer, write};
use crate::sanitize::clean;

pub(super) fn run(common: &Common, args: StateArgs) -> Result<i32> {
    let hypothesis = edits::hypothesis(&args.edits)?;
    let (mut rec, _) = open(common, &args.input.inputs)?;
    let rec = &mut rec;
    let (at, stream, path, compact) = (
        args.at.as_str(),
        args.stream.as_deref(),
        args.path.as_deref(),
        args.compact,
    );
    let pos = rec.point(at)?;
    checkpoints(rec)?;
    if let Some(h) = hypothesis {
        let fork = rec.fork(&h)?;
        let mut o = out();
        if args.format == StateFormat::Text {
            let state = fork.state_at(pos, stream)?;
            let mut prefix = path.unwrap_or("").to_string();
            write_leaves(&mut o, &mut prefix, select(&state, path, pos)?)?;
        } else if stream.is_none() && path.is_none() {
            o.write_all(&fork.world_json_at(pos, compact)?)?;
            o.write_all(b"\n")?;
        } else {
            let state = fork.state_at(pos, stream)?;
            emit_json(&mut o, select(&state, path, pos)?, compact)?;
            o.write_all(b"\n")?;
        }
        o.flush()?;
        return Ok(0);
    }
    let mut o = out();
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
    o.flush()?;
    Ok(0)
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
