//! `rewind whatif`: reality → hypothesis at a point, and where each changed stream diverges.

use std::io::Write;

use anyhow::{bail, Result};
use serde_json::{json, Value};

use super::args::{Common, DiffFormat, WhatifArgs};
use super::diff::{point_info, print_changes};
use super::render::Style;
use super::{checkpoints, edits, finish, open, out};
use crate::json::write;
use crate::recording::Divergence;
use crate::sanitize::clean;

pub(super) fn run(common: &Common, args: WhatifArgs, style: &Style) -> Result<i32> {
    let Some(hypothesis) = edits::hypothesis(&args.edits)? else {
        bail!("whatif needs edits: --skip, --set-data, --insert or --whatif (see `rewind whatif --help`)");
    };
    let (mut rec, _) = open(common, &args.input.inputs)?;
    let rec = &mut rec;
    let at = rec.point(&args.at)?;
    checkpoints(rec)?;
    let fork = rec.fork(&hypothesis)?;
    let view = &args.view;
    let (stream, path) = (view.stream.as_deref(), view.path.as_deref());
    let (real, hypo) = if matches!(view.output, DiffFormat::Unified) {
        let real = match stream {
            Some(s) if rec.cat.stream_id(s).is_none() => Value::Null,
            _ => rec.state_at(at, stream)?,
        };
        (real, fork.state_at(at, stream)?)
    } else {
        (Value::Null, Value::Null)
    };
    let changes = fork.diff_reality(at, stream, path)?;
    let mut divergences = fork.divergences(at)?;
    if let Some(s) = stream {
        divergences.retain(|d| d.stream == s);
    }
    let converged: Vec<bool> = divergences.iter().map(|d| d.converged).collect();
    let written = (|| -> Result<()> {
        let mut o = out();
        match view.output {
            DiffFormat::Json => {
                let v = json!({
                    "at": point_info(rec, at)?,
                    "whatif": hypothesis.to_json(),
                    "changes": changes,
                    "divergences": divergences.iter().zip(&converged).map(|(d, c)| json!({"stream": d.stream, "at": d.point, "paths": d.paths, "converged": c})).collect::<Vec<_>>(),
                });
                write::write_pretty(&mut o, &v)?;
                o.write_all(b"\n")?;
            }
            DiffFormat::Patch => {
                // The patch stays a patch: the divergences go to stderr.
                print_changes(&mut o, &changes, &real, &hypo, view, style, ("reality", "hypothesis"))?;
                for (d, &c) in divergences.iter().zip(&converged) {
                    eprintln!("rewind: {}", divergence_line(d, c, at));
                }
            }
            _ => {
                print_changes(&mut o, &changes, &real, &hypo, view, style, ("reality", "hypothesis"))?;
                for (d, &c) in divergences.iter().zip(&converged) {
                    writeln!(o, "{}", style.paint("36", &divergence_line(d, c, at)))?;
                }
            }
        }
        o.flush()?;
        Ok(())
    })();
    finish(if changes.is_empty() { 0 } else { 1 }, written)
}

/// `first divergence: STREAM at N (paths…)`, and whether it is the same again at `at`.
fn divergence_line(d: &Divergence, converged: bool, at: u64) -> String {
    let paths: Vec<String> = d.paths.iter().map(|p| clean(p).into_owned()).collect();
    let again = if converged {
        format!("; the same again at {at}")
    } else {
        String::new()
    };
    format!(
        "first divergence: {} at {} ({}){again}",
        clean(&d.stream),
        d.point,
        if paths.is_empty() {
            "(root)".to_string()
        } else {
            paths.join(", ")
        }
    )
}
