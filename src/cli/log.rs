//! `rewind log`: list events.

use std::io::Write;

use anyhow::{Context, Result};

use super::args::{Common, LogArgs, TextJson};
use super::render::{self, Style};
use super::{checkpoints, open, out};
use crate::cache::read::Filter;
use crate::json::write;

pub(super) fn run(common: &Common, args: LogArgs, style: &Style) -> Result<i32> {
    let as_json = args.output() == TextJson::Json;
    let (mut rec, _) = open(common, &args.input.inputs)?;
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
    let filter = Filter {
        streams: stream.map(|s| matching_ids(&rec.cat.streams, &s)).transpose()?,
        types: ty.map(|t| matching_ids(&rec.cat.types, &t)).transpose()?,
    };
    checkpoints(rec)?;
    let mut o = out();
    let mut remaining = limit.unwrap_or(usize::MAX);
    let mut cursor = from;
    while remaining > 0 {
        let page = rec.cache.events(&rec.cat, cursor, to, &filter, remaining.min(1000))?;
        let Some(last) = page.last() else { break };
        cursor = last.pos;
        for ev in &page {
            let failure = rec.cache.failure(ev.pos)?;
            if as_json {
                write::write_compact(&mut o, &render::event_json(ev, failure.as_deref()))?;
                o.write_all(b"\n")?;
            } else {
                writeln!(o, "{}", render::event_line(ev, failure.as_deref(), style))?;
            }
        }
        remaining = remaining.saturating_sub(page.len());
    }
    o.flush()?;
    Ok(0)
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
