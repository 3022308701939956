//! `rewind log`: list events.

use std::io::Write;

use anyhow::{Context, Result};

use super::args::{Common, LogArgs, TextJson};
use super::render::{self, Style};
use super::{checkpoints, follow, open, out};
use crate::cache::read::Filter;
use crate::json::write;
use crate::recording::Recording;

pub(super) fn run(common: &Common, args: LogArgs, style: &Style) -> Result<i32> {
    let as_json = args.output() == TextJson::Json;
    let (mut rec, mut follow) = if args.follow {
        let (rec, f) = follow::open_follow(common, &args.input.inputs)?;
        (rec, Some(f))
    } else {
        (open(common, &args.input.inputs)?.0, None)
    };
    let rec = &mut rec;
    let LogArgs {
        stream,
        ty,
        from,
        to,
        limit,
        ..
    } = args;
    let from = match from {
        Some(p) => rec.point(&p)?,
        None => 0,
    };
    let to = match to {
        Some(p) => rec.point(&p)?,
        None => rec.len(),
    };
    checkpoints(rec)?;
    let mut o = out();
    let mut remaining = limit.unwrap_or(usize::MAX);
    print_range(rec, &mut o, (from, to), (&stream, &ty), &mut remaining, as_json, style)?;
    o.flush()?;
    if let Some(f) = follow.as_mut() {
        while let Some(before) = f.next(rec)? {
            print_range(
                rec,
                &mut o,
                (before, rec.len()),
                (&stream, &ty),
                &mut remaining,
                as_json,
                style,
            )?;
            // Each new event is on stdout as soon as it is read.
            o.flush()?;
        }
    }
    Ok(0)
}

/// Print the events after `from` up to `to` that pass `--stream`/`--type`, at
/// most `remaining` of them.
fn print_range(
    rec: &mut Recording,
    o: &mut impl Write,
    (from, to): (u64, u64),
    (stream, ty): (&Option<String>, &Option<String>),
    remaining: &mut usize,
    as_json: bool,
    style: &Style,
) -> Result<()> {
    let filter = Filter {
        streams: stream.as_ref().map(|s| matching_ids(&rec.cat.streams, s)).transpose()?,
        types: ty.as_ref().map(|t| matching_ids(&rec.cat.types, t)).transpose()?,
    };
    let mut cursor = from;
    while *remaining > 0 {
        let page = rec
            .cache
            .events(&rec.cat, cursor, to, &filter, (*remaining).min(1000))?;
        let Some(last) = page.last() else { break };
        cursor = last.pos;
        for ev in &page {
            let failure = rec.cache.failure(ev.pos)?;
            if as_json {
                write::write_compact(&mut *o, &render::event_json(ev, failure.as_deref()))?;
                o.write_all(b"\n")?;
            } else {
                writeln!(o, "{}", render::event_line(ev, failure.as_deref(), style))?;
            }
        }
        *remaining = remaining.saturating_sub(page.len());
    }
    Ok(())
}

/// `--stream` and `--type` take exact names or globs.
fn matching_ids(names: &[String], pattern: &str) -> Result<Vec<i64>> {
    let glob = globset::Glob::new(pattern)
        .with_context(|| format!("bad pattern {}", crate::sanitize::quote(pattern)))?
        .compile_matcher();
    Ok(names
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, n)| n.as_str() == pattern || glob.is_match(n.as_str()))
        .map(|(i, _)| i as i64)
        .collect())
}
