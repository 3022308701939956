//! `rewind compare`: diff two recordings and name their first divergence.

use std::io::Write;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use super::args::{Common, CompareArgs, DiffFormat};
use super::diff::{point_info, print_changes};
use super::render::{self, Style};
use super::{checkpoints, finish, open, out};
use crate::cache::read::Filter;
use crate::json::eq::json_eq;
use crate::json::write;
use crate::model::Event;
use crate::recording::{diff_selected, Recording};
use crate::replay::apply::Data;

/// The first position where the two recordings' events (type, stream, data)
/// differ, or, under different rules, where their states do.
/// Where two recordings first differ, with the event of each there (if any).
type Divergence = (u64, Option<Event>, Option<Event>);

fn divergence(base: &Recording, cand: &Recording) -> Result<Option<Divergence>> {
    let same_rules = base.rules.hash() == cand.rules.hash();
    let n = base.len().max(cand.len());
    let rb = base.replayer();
    let rc = cand.replayer();
    let mut wb = crate::replay::World::default();
    let mut wc = crate::replay::World::default();
    let mut pos = 0u64;
    const PAGE: usize = 2000;
    while pos < n {
        let eb = base.cache.events(&base.cat, pos, n, &Filter::default(), PAGE)?;
        let ec = cand.cache.events(&cand.cat, pos, n, &Filter::default(), PAGE)?;
        let len = eb.len().max(ec.len());
        for i in 0..len {
            let p = pos + i as u64 + 1;
            let (b, c) = (eb.get(i), ec.get(i));
            let differs = match (b, c) {
                (Some(b), Some(c)) => {
                    b.ty != c.ty || b.stream != c.stream || b.kind != c.kind || !json_eq(&b.data, &c.data)
                }
                _ => true,
            };
            if differs {
                return Ok(Some((p, b.cloned(), c.cloned())));
            }
            if !same_rules {
                if let (Some(b), Some(c)) = (b, c) {
                    let sb = base.cat.stream_id(&b.stream).unwrap_or(0);
                    let sc = cand.cat.stream_id(&c.stream).unwrap_or(0);
                    rb.step_value(
                        &mut wb,
                        sb,
                        base.cat.types.iter().position(|t| *t == b.ty).unwrap_or(0) as i64,
                        b.kind,
                        Data::Ref(&b.data),
                    );
                    rc.step_value(
                        &mut wc,
                        sc,
                        cand.cat.types.iter().position(|t| *t == c.ty).unwrap_or(0) as i64,
                        c.kind,
                        Data::Ref(&c.data),
                    );
                    let equal = match (wb.get(sb), wc.get(sc)) {
                        (None, None) => true,
                        (Some(x), Some(y)) => json_eq(x, y),
                        _ => false,
                    };
                    if !equal {
                        return Ok(Some((p, Some(b.clone()), Some(c.clone()))));
                    }
                }
            }
        }
        if len == 0 {
            break;
        }
        pos += len as u64;
    }
    Ok(None)
}

pub(super) fn run(common: &Common, args: CompareArgs, style: &Style) -> Result<i32> {
    // Each recording gets its own cache; --cache would make them share one.
    if common.cache.is_some() {
        bail!("compare keeps one cache per recording: pass cache files as BASELINE/CANDIDATE instead of --cache");
    }
    let (mut base, _) = open(common, std::slice::from_ref(&args.baseline))?;
    let (mut cand, _) = open(common, std::slice::from_ref(&args.candidate))?;
    let (base, cand) = (&mut base, &mut cand);
    let pb = args
        .at_baseline
        .or_else(|| args.at.clone())
        .unwrap_or_else(|| "end".into());
    let pc = args.at_candidate.or(args.at).unwrap_or_else(|| "end".into());
    let view = &args.view;
    let a = base.point(&pb)?;
    let b = cand.point(&pc)?;
    checkpoints(base)?;
    checkpoints(cand)?;
    let sa = base.state_at(a, view.stream.as_deref()).context("baseline")?;
    let sb = cand.state_at(b, view.stream.as_deref()).context("candidate")?;
    let changes = diff_selected(&sa, &sb, view.path.as_deref())?;
    let div = divergence(base, cand)?;
    let (base, cand) = (&*base, &*cand);
    let written = (|| -> Result<()> {
        let mut o = out();
        match view.output {
            DiffFormat::Json => {
                let divergence = match &div {
                    Some((p, eb, ec)) => json!({
                        "pos": p,
                        "baseline": eb.as_ref().map(|e| render::event_json(e, None)),
                        "candidate": ec.as_ref().map(|e| render::event_json(e, None)),
                    }),
                    None => Value::Null,
                };
                let v = json!({"from": point_info(base, a)?, "to": point_info(cand, b)?, "changes": changes, "divergence": divergence});
                write::write_pretty(&mut o, &v)?;
                o.write_all(b"\n")?;
            }
            DiffFormat::Patch => print_changes(&mut o, &changes, &sa, &sb, view, style, ("baseline", "candidate"))?,
            _ => {
                match &div {
                    Some((p, eb, ec)) => {
                        writeln!(o, "first divergence at position {p}:")?;
                        for (label, ev) in [("baseline ", eb), ("candidate", ec)] {
                            match ev {
                                Some(e) => {
                                    writeln!(o, "  {label} {}", render::event_line(e, None, style).trim_start())?
                                }
                                None => writeln!(o, "  {label} (no event: the recording ends at {})", p - 1)?,
                            }
                        }
                    }
                    None => writeln!(o, "the recordings agree event for event")?,
                }
                print_changes(&mut o, &changes, &sa, &sb, view, style, ("baseline", "candidate"))?;
            }
        }
        o.flush()?;
        Ok(())
    })();
    finish(if changes.is_empty() && div.is_none() { 0 } else { 1 }, written)
}
