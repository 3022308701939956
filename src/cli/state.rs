//! `rewind state`: the state at a point as JSON.

use std::io::{self, Write};

use anyhow::{Context, Result};

use super::args::{Common, StateArgs};
use super::{checkpoints, open, out};
use crate::json::write;

pub(super) fn run(common: &Common, args: StateArgs) -> Result<i32> {
    let (mut rec, _) = open(common, &args.input.inputs, args.input.format.as_deref())?;
    let rec = &mut rec;
    let (at, stream, path, compact) = (
        args.at.as_str(),
        args.stream.as_deref(),
        args.path.as_deref(),
        args.compact,
    );
    let pos = rec.point(at)?;
    checkpoints(rec)?;
    let mut o = out();
    if stream.is_none() && path.is_none() {
        // The whole world is written by the threads that rebuild it, not copied first.
        o.write_all(&rec.world_json_at(pos, compact)?)?;
    } else {
        let state = rec.state_at(pos, stream)?;
        let selected = match path {
            None => &state,
            Some(p) => {
                let tokens = crate::json::pointer::parse(p)?;
                crate::json::pointer::get(&state, &tokens)
                    .with_context(|| format!("--path {p}: no such node at position {pos}"))?
            }
        };
        emit_json(&mut o, selected, compact)?;
    }
    o.write_all(b"\n")?;
    o.flush()?;
    Ok(0)
}

fn emit_json<T: serde::Serialize + ?Sized>(o: &mut impl Write, v: &T, compact: bool) -> io::Result<()> {
    if compact {
        write::write_compact(o, v)
    } else {
        write::write_pretty(o, v)
    }
}
