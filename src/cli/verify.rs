//! `rewind verify`: check snapshots against replay and list events whose rule failed.

use std::io::Write;

use anyhow::Result;
use serde_json::json;

use super::args::{Common, TextJson, VerifyArgs};
use super::render::{count, Style};
use super::{checkpoints, edits, finish, open, out};
use crate::json::write;
use crate::recording::Fork;
use crate::sanitize::clean;

pub(super) fn run(common: &Common, args: VerifyArgs, style: &Style) -> Result<i32> {
    let hypothesis = edits::hypothesis(&args.edits)?;
    let (mut rec, _) = open(common, &args.input.inputs)?;
    let rec = &mut rec;
    let as_json = args.output() == TextJson::Json;
    checkpoints(rec)?;
    if let Some(h) = hypothesis {
        return run_fork(&rec.fork(&h)?, as_json, style);
    }
    let drift = rec.cache.drift()?;
    let failures = rec.cache.failures()?;
    let snapshots = rec.cache.snapshot_count()?;
    let rec = &*rec;
    let written = (|| -> Result<()> {
        let mut o = out();
        if as_json {
            let mut d = Vec::new();
            for (pos, sid, paths) in &drift {
                let ev = rec.event(*pos)?;
                d.push(json!({"pos": pos, "stream": rec.cat.stream_name(*sid), "seq": ev.as_ref().and_then(|e| e.seq), "id": ev.as_ref().map(|e| e.id.clone()), "paths": paths}));
            }
            let mut f = Vec::new();
            for (pos, err) in &failures {
                let ev = rec.event(*pos)?;
                f.push(json!({"pos": pos, "stream": ev.as_ref().map(|e| e.stream.clone()), "type": ev.as_ref().map(|e| e.ty.clone()), "id": ev.as_ref().map(|e| e.id.clone()), "error": err}));
            }
            write::write_pretty(&mut o, &json!({"snapshots": snapshots, "drift": d, "failures": f}))?;
            o.write_all(b"\n")?;
        } else {
            for (pos, sid, paths) in &drift {
                let ev = rec.event(*pos)?;
                let seq = ev
                    .as_ref()
                    .and_then(|e| e.seq)
                    .map(|s| format!(" seq {s}"))
                    .unwrap_or_default();
                let shown: Vec<String> = paths.iter().take(10).map(|p| clean(p).into_owned()).collect();
                let more = if paths.len() > 10 {
                    format!(" and {} more", paths.len() - 10)
                } else {
                    String::new()
                };
                writeln!(
                    o,
                    "{}",
                    style.paint(
                        "33",
                        &format!(
                            "drift at {pos}: snapshot of {}{seq} differs from replay at {}{more}",
                            clean(rec.cat.stream_name(*sid)),
                            shown.join(", ")
                        )
                    )
                )?;
            }
            for (pos, err) in &failures {
                let ev = rec.event(*pos)?;
                let what = ev
                    .map(|e| format!("{} {}", clean(&e.stream), clean(&e.ty)))
                    .unwrap_or_default();
                writeln!(
                    o,
                    "{}",
                    style.paint("31", &format!("failed at {pos}: {what}: {}", clean(err)))
                )?;
            }
            writeln!(
                o,
                "{} checked, {} drifted; {} failed",
                count(snapshots, "snapshot"),
                drift.len(),
                count(failures.len() as u64, "event")
            )?;
        }
        o.flush()?;
        Ok(())
    })();
    finish(if drift.is_empty() && failures.is_empty() { 0 } else { 1 }, written)
}

/// `verify` under a hypothesis: places as `N` or `N+K`, streams replayed under it.
fn run_fork(fork: &Fork<'_>, as_json: bool, style: &Style) -> Result<i32> {
    let report = fork.verify()?;
    let written = (|| -> Result<()> {
        let mut o = out();
        let event = |place| -> Result<Option<crate::model::Event>> { Ok(fork.event(place)?.map(|fe| fe.event)) };
        if as_json {
            let mut d = Vec::new();
            for (place, sid, paths) in &report.drift {
                let ev = event(*place)?;
                d.push(json!({"pos": place.pos, "at": place.to_string(), "stream": fork.cat.stream_name(*sid), "seq": ev.as_ref().and_then(|e| e.seq), "id": ev.as_ref().map(|e| e.id.clone()), "paths": paths}));
            }
            let mut f = Vec::new();
            for (place, err) in &report.failures {
                let ev = event(*place)?;
                f.push(json!({"pos": place.pos, "at": place.to_string(), "stream": ev.as_ref().map(|e| e.stream.clone()), "type": ev.as_ref().map(|e| e.ty.clone()), "id": ev.as_ref().map(|e| e.id.clone()), "error": err}));
            }
            let v =
                json!({"snapshots": report.snapshots, "drift": d, "failures": f, "whatif": fork.hypothesis.to_json()});
            write::write_pretty(&mut o, &v)?;
            o.write_all(b"\n")?;
        } else {
            for (place, sid, paths) in &report.drift {
                let seq = event(*place)?
                    .and_then(|e| e.seq)
                    .map(|s| format!(" seq {s}"))
                    .unwrap_or_default();
                let shown: Vec<String> = paths.iter().take(10).map(|p| clean(p).into_owned()).collect();
                let more = if paths.len() > 10 {
                    format!(" and {} more", paths.len() - 10)
                } else {
                    String::new()
                };
                let line = format!(
                    "drift at {place}: snapshot of {}{seq} differs from replay at {}{more}",
                    clean(fork.cat.stream_name(*sid)),
                    shown.join(", ")
                );
                writeln!(o, "{}", style.paint("33", &line))?;
            }
            for (place, err) in &report.failures {
                let what = event(*place)?
                    .map(|e| format!("{} {}", clean(&e.stream), clean(&e.ty)))
                    .unwrap_or_default();
                writeln!(
                    o,
                    "{}",
                    style.paint("31", &format!("failed at {place}: {what}: {}", clean(err)))
                )?;
            }
            writeln!(
                o,
                "{} checked, {} drifted; {} failed (under a hypothesis of {})",
                count(report.snapshots, "snapshot"),
                report.drift.len(),
                count(report.failures.len() as u64, "event"),
                count(fork.hypothesis.edits.len() as u64, "edit")
            )?;
        }
        o.flush()?;
        Ok(())
    })();
    finish(
        if report.drift.is_empty() && report.failures.is_empty() {
            0
        } else {
            1
        },
        written,
    )
}
