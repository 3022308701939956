//! `rewind log`: list events.

use std::collections::HashMap;
use std::io::Write;
use std::ops::ControlFlow;

use anyhow::{Context, Result};

use super::args::{Common, LogArgs, TextJson};
use super::render::{self, Style};
use super::{checkpoints, edits, follow, open, out};
use crate::cache::read::Filter;
use crate::json::write;
use crate::recording::{Fork, Place, Recording};

pub(super) fn run(common: &Common, args: LogArgs, style: &Style) -> Result<i32> {
    let as_json = args.output() == TextJson::Json;
    let hypothesis = edits::hypothesis_unless_following(&args.edits, args.follow)?;
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
        show_skipped,
        ..
    } = args;
    let from = match from {
        Some(p) => Some(rec.point(&p)?),
        None => None,
    };
    let to = match to {
        Some(p) => rec.point(&p)?,
        None => rec.len(),
    };
    checkpoints(rec)?;
    if let Some(h) = hypothesis {
        let fork = rec.fork(&h)?;
        let filter = Filter {
            streams: stream.map(|s| matching_ids(&fork.cat.streams, &s)).transpose()?,
            types: ty.map(|t| matching_ids(&fork.cat.types, &t)).transpose()?,
        };
        // Text shows what the hypothesis leaves out, marked; JSON only when asked.
        let skipped = show_skipped || !as_json;
        return log_fork(&fork, from, to, &filter, skipped, limit, as_json, style);
    }
    let from = from.unwrap_or(0);
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

/// The log of a hypothetical recording: places as `N` or `N+K`, each event
/// marked with what the hypothesis did to it, failures as replay under it finds them.
#[allow(clippy::too_many_arguments)]
fn log_fork(
    fork: &Fork<'_>,
    from: Option<u64>,
    to: u64,
    filter: &Filter,
    skipped: bool,
    limit: Option<usize>,
    as_json: bool,
    style: &Style,
) -> Result<i32> {
    let failures: HashMap<Place, String> = fork.verify()?.failures.into_iter().collect();
    let mut o = out();
    let mut remaining = limit.unwrap_or(usize::MAX);
    if remaining > 0 {
        fork.each_event(from, to, filter, skipped, &mut |fe| {
            let failure = failures.get(&fe.place).map(String::as_str);
            if as_json {
                write::write_compact(&mut o, &render::fork_event_json(&fe, failure))?;
                o.write_all(b"\n")?;
            } else {
                writeln!(o, "{}", render::fork_event_line(&fe, failure, style))?;
            }
            remaining -= 1;
            Ok(if remaining == 0 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        })?;
    }
    o.flush()?;
    Ok(0)
}

/// `--stream` and `--type` take exact names or globs.
pub(super) fn matching_ids(names: &[String], pattern: &str) -> Result<Vec<i64>> {
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
