//! The headless front end: commands of docs/cli.md over a [`Recording`].

pub mod args;
pub mod ledger;
pub mod render;

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde_json::{json, Value};

use crate::cache::read::Filter;
use crate::ingest::{Format, RecordsMode};
use crate::json::diff::{self, Change};
use crate::json::{eq::json_eq, write};
use crate::model::Event;
use crate::recording::{diff_selected, OpenOptions, OpenProgress, OpenReport, Recording};
use crate::replay::apply::Data;
use crate::sanitize::clean;
use crate::time;
use args::{Cli, Command, Common, DiffFormat, DiffView, RecordsArg};
use render::Style;

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let started = Instant::now();
    let verbose = cli.common.verbose;
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return 0;
            }
            eprintln!("rewind: {}", clean(&format!("{e:#}")));
            2
        }
    };
    if verbose {
        eprintln!(
            "rewind: {:.3}s, peak RSS {}",
            started.elapsed().as_secs_f64(),
            peak_rss().unwrap_or_else(|| "unknown".into())
        );
    }
    code
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Peak resident memory from /proc (Linux); used by `-v` and the benchmarks.
pub fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
}

fn run(cli: Cli) -> Result<i32> {
    let common = cli.common.clone();
    let style = Style::detect(common.color);
    match cli.command {
        None => {
            if cli.inputs.is_empty() {
                bail!("no input given (try `rewind --help`)");
            }
            open_or_summary(&common, cli.inputs, cli.format, &style)
        }
        Some(Command::Open(input)) => open_or_summary(&common, input.inputs, input.format, &style),
        Some(Command::Import { input, output, json }) => {
            let mut common = common;
            if output.is_some() {
                common.cache = output;
            }
            let (rec, report) = open_quietly(&common, &input.inputs, input.format.as_deref())?;
            if json {
                let mut o = out();
                write::write_pretty(&mut o, &ledger::json(&rec, &report)?)?;
                o.write_all(b"\n")?;
                o.flush()?;
            } else if !common.quiet {
                print_summary(&rec, &report)?;
            }
            Ok(0)
        }
        Some(Command::Log {
            input,
            stream,
            ty,
            from,
            to,
            limit,
            json,
        }) => {
            let (mut rec, _) = open(&common, &input.inputs, input.format.as_deref())?;
            cmd_log(&mut rec, stream, ty, from, to, limit, json, &style)
        }
        Some(Command::State {
            input,
            at,
            stream,
            path,
            compact,
        }) => {
            let (mut rec, _) = open(&common, &input.inputs, input.format.as_deref())?;
            cmd_state(&mut rec, &at, stream.as_deref(), path.as_deref(), compact)
        }
        Some(Command::Diff { inputs, from, to, view }) => {
            let (mut rec, _) = open(&common, &inputs, None)?;
            cmd_diff(&mut rec, &from, &to, &view, &style)
        }
        Some(Command::Compare {
            baseline,
            candidate,
            at,
            at_baseline,
            at_candidate,
            view,
        }) => {
            let mut c = common.clone();
            // Each recording gets its own cache; --cache would make them share one.
            if c.cache.is_some() {
                bail!(
                    "compare keeps one cache per recording: pass cache files as BASELINE/CANDIDATE instead of --cache"
                );
            }
            c.cache = None;
            let (mut base, _) = open(&c, std::slice::from_ref(&baseline), None)?;
            let (mut cand, _) = open(&c, std::slice::from_ref(&candidate), None)?;
            let pb = at_baseline.or_else(|| at.clone()).unwrap_or_else(|| "end".into());
            let pc = at_candidate.or(at).unwrap_or_else(|| "end".into());
            cmd_compare(&mut base, &mut cand, &pb, &pc, &view, &style)
        }
        Some(Command::History {
            input,
            path,
            stream,
            from,
            to,
            json,
        }) => {
            let (mut rec, _) = open(&common, &input.inputs, input.format.as_deref())?;
            cmd_history(
                &mut rec,
                &path,
                stream.as_deref(),
                from.as_deref(),
                to.as_deref(),
                json,
                &style,
            )
        }
        Some(Command::Verify { input, json }) => {
            let (mut rec, _) = open(&common, &input.inputs, input.format.as_deref())?;
            cmd_verify(&mut rec, json, &style)
        }
    }
}

fn open_options(common: &Common, inputs: Vec<PathBuf>, format: Option<Format>) -> OpenOptions {
    OpenOptions {
        inputs,
        cache: common.cache.clone(),
        format,
        rules: common.rules.clone(),
        strict: common.strict,
        records: match common.records {
            None => RecordsMode::Auto,
            Some(RecordsArg::Events) => RecordsMode::Events,
            Some(RecordsArg::States) => RecordsMode::States,
        },
        key: common.key.clone(),
        system_streams: common.system_streams,
    }
}

/// Open the recording for a command that reads it; say on stderr when records
/// are missing from it (or kept with a problem).
fn open(common: &Common, inputs: &[PathBuf], format: Option<&str>) -> Result<(Recording, OpenReport)> {
    let (rec, report) = open_quietly(common, inputs, format)?;
    for line in ledger::warnings(&rec, &report, inputs)? {
        eprintln!("rewind: warning: {line}");
    }
    Ok((rec, report))
}

/// Open the recording, showing progress on a terminal.
fn open_quietly(common: &Common, inputs: &[PathBuf], format: Option<&str>) -> Result<(Recording, OpenReport)> {
    let format = match format.or(common.input_format.as_deref()) {
        Some(f) => Some(Format::parse(f)?),
        None => None,
    };
    let opts = open_options(common, inputs.to_vec(), format);
    let show = !common.quiet && io::stderr().is_terminal();
    let mut last = Instant::now();
    let started = Instant::now();
    let mut progress = |p: OpenProgress| {
        if !show || last.elapsed().as_millis() < 200 {
            return;
        }
        last = Instant::now();
        let secs = started.elapsed().as_secs_f64().max(0.001);
        match p {
            OpenProgress::Importing { input, progress, size } => eprint!(
                "\r\x1b[Kimporting {}: {} records, {:.0}% ({:.1} MB/s)",
                clean(&input),
                progress.records,
                100.0 * progress.bytes as f64 / size.max(1) as f64,
                progress.bytes as f64 / 1e6 / secs
            ),
            OpenProgress::Checkpoints { pos, len } => eprint!("\r\x1b[Kreplaying: {pos}/{len}"),
        }
    };
    let result = Recording::open(&opts, &mut progress);
    if show && started.elapsed().as_millis() >= 200 {
        eprint!("\r\x1b[K");
    }
    result
}

/// Make sure derived data exists, then read one snapshot of the cache (see `Recording::pin_snapshot`).
fn checkpoints(rec: &mut Recording) -> Result<()> {
    let show = io::stderr().is_terminal();
    let mut last = Instant::now();
    let started = Instant::now();
    rec.pin_snapshot(&mut |p| {
        if let OpenProgress::Checkpoints { pos, len } = p {
            if show && last.elapsed().as_millis() >= 200 {
                last = Instant::now();
                eprint!("\r\x1b[Kreplaying to build checkpoints: {pos}/{len}");
            }
        }
    })?;
    if show && started.elapsed().as_millis() >= 200 {
        eprint!("\r\x1b[K");
    }
    Ok(())
}

fn open_or_summary(common: &Common, inputs: Vec<PathBuf>, format: Option<String>, style: &Style) -> Result<i32> {
    if io::stdout().is_terminal() && io::stdin().is_terminal() {
        // The TUI opens (and imports, showing progress) on its own worker thread.
        let format = match format.as_deref().or(common.input_format.as_deref()) {
            Some(f) => Some(Format::parse(f)?),
            None => None,
        };
        let open = open_options(common, inputs, format);
        return crate::tui::run(crate::tui::Config {
            open,
            color: style.color,
        });
    }
    let (rec, report) = open_quietly(common, &inputs, format.as_deref())?;
    // Without a terminal, print what import prints.
    if !common.quiet {
        print_summary(&rec, &report)?;
    }
    Ok(0)
}

fn out() -> BufWriter<io::StdoutLock<'static>> {
    BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

fn print_summary(rec: &Recording, report: &OpenReport) -> Result<()> {
    let mut o = out();
    o.write_all(ledger::summary_text(rec, report)?.as_bytes())?;
    o.flush()?;
    Ok(())
}

/// `--stream` and `--type` take exact names or globs.
fn matching_ids(names: &[String], pattern: &str) -> Result<Vec<i64>> {
    let glob = globset::Glob::new(pattern)
        .with_context(|| format!("bad pattern {pattern:?}"))?
        .compile_matcher();
    Ok(names
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, n)| n.as_str() == pattern || glob.is_match(n.as_str()))
        .map(|(i, _)| i as i64)
        .collect())
}

#[allow(clippy::too_many_arguments)]
fn cmd_log(
    rec: &mut Recording,
    stream: Option<String>,
    ty: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<usize>,
    as_json: bool,
    style: &Style,
) -> Result<i32> {
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

fn cmd_state(rec: &mut Recording, at: &str, stream: Option<&str>, path: Option<&str>, compact: bool) -> Result<i32> {
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

fn point_info(rec: &Recording, pos: u64) -> Result<Value> {
    if pos == 0 {
        return Ok(json!({"pos": 0, "time": null, "id": null}));
    }
    let ev = rec.event(pos)?;
    Ok(json!({
        "pos": pos,
        "time": ev.as_ref().and_then(|e| e.time).map(time::format_micros),
        "id": ev.as_ref().map(|e| e.id.clone()),
    }))
}

fn cmd_diff(rec: &mut Recording, from: &str, to: &str, view: &DiffView, style: &Style) -> Result<i32> {
    let a = rec.point(from)?;
    let b = rec.point(to)?;
    checkpoints(rec)?;
    // Only the unified view prints the states themselves; the others need the
    // changes alone, which the recording finds without copying whole worlds.
    let (sa, sb, changes) = if matches!(view.output, DiffFormat::Unified) {
        let sa = rec.state_at(a, view.stream.as_deref())?;
        let sb = rec.state_at(b, view.stream.as_deref())?;
        let changes = diff_selected(&sa, &sb, view.path.as_deref())?;
        (sa, sb, changes)
    } else {
        let changes = rec.diff(a, b, view.stream.as_deref(), view.path.as_deref())?;
        (Value::Null, Value::Null, changes)
    };
    let mut o = out();
    match view.output {
        DiffFormat::Json => {
            let v = json!({"from": point_info(rec, a)?, "to": point_info(rec, b)?, "changes": changes});
            write::write_pretty(&mut o, &v)?;
            o.write_all(b"\n")?;
        }
        _ => print_changes(&mut o, &changes, &sa, &sb, view, style, ("from", "to"))?,
    }
    o.flush()?;
    Ok(if changes.is_empty() { 0 } else { 1 })
}

fn print_changes(
    o: &mut impl Write,
    changes: &[Change],
    a: &Value,
    b: &Value,
    view: &DiffView,
    style: &Style,
    labels: (&str, &str),
) -> Result<()> {
    match view.output {
        DiffFormat::Text => {
            for c in changes {
                writeln!(o, "{}", render::change_line(c, style))?;
            }
        }
        DiffFormat::Patch => {
            write::write_pretty(&mut *o, &diff::to_patch(changes))?;
            o.write_all(b"\n")?;
        }
        DiffFormat::Unified => {
            let select = |v: &Value| -> Result<String> {
                let node = match &view.path {
                    None => Some(v),
                    Some(p) => crate::json::pointer::get(v, &crate::json::pointer::parse(p)?),
                };
                Ok(node.map(|n| write::to_string_pretty(n) + "\n").unwrap_or_default())
            };
            let (ta, tb) = (select(a)?, select(b)?);
            let d = similar::TextDiff::from_lines(&ta, &tb);
            let text = d
                .unified_diff()
                .context_radius(view.context)
                .header(labels.0, labels.1)
                .to_string();
            for line in text.lines() {
                let painted = match line.chars().next() {
                    Some('+') if !line.starts_with("+++") => style.paint("32", line),
                    Some('-') if !line.starts_with("---") => style.paint("31", line),
                    Some('@') => style.paint("36", line),
                    _ => line.to_string(),
                };
                writeln!(o, "{painted}")?;
            }
        }
        DiffFormat::Json => {}
    }
    Ok(())
}

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

fn cmd_compare(
    base: &mut Recording,
    cand: &mut Recording,
    pb: &str,
    pc: &str,
    view: &DiffView,
    style: &Style,
) -> Result<i32> {
    let a = base.point(pb)?;
    let b = cand.point(pc)?;
    checkpoints(base)?;
    checkpoints(cand)?;
    let sa = base.state_at(a, view.stream.as_deref()).context("baseline")?;
    let sb = cand.state_at(b, view.stream.as_deref()).context("candidate")?;
    let changes = diff_selected(&sa, &sb, view.path.as_deref())?;
    let div = divergence(base, cand)?;
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
                            Some(e) => writeln!(o, "  {label} {}", render::event_line(e, None, style).trim_start())?,
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
    Ok(if changes.is_empty() && div.is_none() { 0 } else { 1 })
}

fn cmd_history(
    rec: &mut Recording,
    path: &str,
    stream: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    as_json: bool,
    style: &Style,
) -> Result<i32> {
    let from = from.map(|p| rec.point(p)).transpose()?.unwrap_or(0);
    let to = to.map(|p| rec.point(p)).transpose()?.unwrap_or(rec.len());
    checkpoints(rec)?;
    let entries = rec.history(path, stream, from, to)?;
    let mut o = out();
    for h in entries {
        let ev = rec.event(h.pos)?.with_context(|| format!("event {} vanished", h.pos))?;
        if as_json {
            let v = json!({
                "pos": h.pos, "time": ev.time.map(time::format_micros), "stream": ev.stream, "type": ev.ty, "id": ev.id,
                "op": match (&h.old, &h.new) { (None, _) => "add", (_, None) => "remove", _ => "replace" },
                "old": h.old, "new": h.new,
            });
            write::write_compact(&mut o, &v)?;
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
    o.flush()?;
    Ok(0)
}

fn cmd_verify(rec: &mut Recording, as_json: bool, style: &Style) -> Result<i32> {
    checkpoints(rec)?;
    let drift = rec.cache.drift()?;
    let failures = rec.cache.failures()?;
    let snapshots = rec.cache.snapshot_count()?;
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
            "{} snapshots checked, {} drifted; {} events failed",
            snapshots,
            drift.len(),
            failures.len()
        )?;
    }
    o.flush()?;
    Ok(if drift.is_empty() && failures.is_empty() { 0 } else { 1 })
}
