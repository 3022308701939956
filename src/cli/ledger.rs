//! The ledger as the CLI shows it: the import summary (counts per input, the
//! first skips, warnings, conflicts and ignored files, then counts per file),
//! `import --json`, and the warning every other command prints on stderr when
//! the recording it reads is missing records.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use serde_json::{json, Value};

use crate::cache::ledger::{Counts, Entry, EntryKind, InputLedger};
use crate::recording::{OpenReport, Recording, Status};
use crate::sanitize::clean;
use crate::time;

/// How many entries of each kind the summary shows word for word.
const SHOWN: usize = 10;

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The ledger of input `i` of the report, when the cache holds it.
fn ledger_of(report: &OpenReport, i: usize) -> Option<&InputLedger> {
    report.ledgers.get(i)
}

/// `714 events, 3 skipped, ...` for one input.
fn counts_text(c: &Counts, events: u64, snapshots: u64) -> String {
    let mut parts = Vec::new();
    if events > 0 || snapshots == 0 {
        parts.push(plural(events, "event", "events"));
    }
    if snapshots > 0 {
        parts.push(plural(snapshots, "snapshot", "snapshots"));
    }
    if c.skipped > 0 {
        parts.push(format!("{} skipped", c.skipped));
    }
    if c.duplicates > 0 {
        parts.push(plural(c.duplicates, "duplicate skipped", "duplicates skipped"));
    }
    if c.filtered > 0 {
        parts.push(format!("{} filtered", c.filtered));
    }
    if c.warnings > 0 {
        parts.push(plural(c.warnings, "warning", "warnings"));
    }
    if c.ignored > 0 {
        parts.push(plural(c.ignored, "file ignored", "files ignored"));
    }
    if c.pruned > 0 {
        parts.push(plural(c.pruned, "file not read (filter)", "files not read (filter)"));
    }
    if c.conflicts > 0 {
        parts.push(plural(c.conflicts, "id conflict", "id conflicts"));
    }
    parts.join(", ")
}

/// A section listing the first entries of a kind, then the rest counted per file.
fn section(s: &mut String, title: String, entries: &[Entry], total: u64, per_file: &[(String, u64)]) {
    if total == 0 {
        return;
    }
    let _ = writeln!(s, "{title}:");
    for e in entries.iter().take(SHOWN) {
        let _ = writeln!(s, "  {}", clean(&e.to_string()));
    }
    let shown = entries.len().min(SHOWN) as u64;
    if shown < total {
        // Counts per file of what the list above leaves out.
        let mut rest: Vec<(String, u64)> = per_file.to_vec();
        for e in entries.iter().take(SHOWN) {
            if let Some(r) = rest.iter_mut().find(|r| r.0 == e.file) {
                r.1 = r.1.saturating_sub(1);
            }
        }
        let files: Vec<String> = rest
            .iter()
            .filter(|r| r.1 > 0)
            .map(|(f, n)| format!("{} {n}", clean(f)))
            .collect();
        let _ = writeln!(
            s,
            "  ... and {} more: {} (`rewind import --json` lists them all)",
            total - shown,
            files.join(", ")
        );
    }
}

/// The text `import` prints (also `rewind INPUT...` without a terminal).
pub fn summary_text(rec: &Recording, report: &OpenReport) -> Result<String> {
    let mut s = String::new();
    let mut totals = Counts::default();
    for (i, input) in report.inputs.iter().enumerate() {
        let o = &input.outcome;
        let l = ledger_of(report, i);
        let c = l.map(|l| l.totals.clone()).unwrap_or_default();
        // A ledger's duplicates are events stored and then left out by a merge.
        let events = match l {
            Some(l) if l.recorded => o.events.saturating_sub(c.duplicates),
            _ => o.events,
        };
        let status = match input.status {
            Status::Imported => format!("imported in {:.2}s", o.seconds),
            Status::Appended => format!("read on in {:.2}s", o.seconds),
            Status::Cached => "cached".to_string(),
        };
        let _ = writeln!(
            s,
            "{}: {}, {}, {}",
            clean(&input.display),
            clean(&o.format),
            counts_text(&c, events, o.snapshots),
            status
        );
        totals.add(&c);
    }
    let per_file = |pick: fn(&Counts) -> u64| -> Vec<(String, u64)> {
        report
            .ledgers
            .iter()
            .flat_map(|l| l.files.iter())
            .map(|f| (f.file.clone(), pick(&f.counts)))
            .filter(|f| f.1 > 0)
            .collect()
    };
    let first = |kind: EntryKind| rec.cache.ledger_entries(None, &[kind], SHOWN);
    let skips = first(EntryKind::Skip)?;
    if skips.is_empty() && totals.skipped > 0 {
        // Inputs imported by a rewind without a ledger kept a sample of their skips.
        let sample: Vec<&String> = report.inputs.iter().flat_map(|i| &i.outcome.skipped_sample).collect();
        let _ = writeln!(s, "skipped {}:", plural(totals.skipped, "bad record", "bad records"));
        for line in sample.iter().take(SHOWN) {
            let _ = writeln!(s, "  {}", clean(line));
        }
        let shown = sample.len().min(SHOWN) as u64;
        if shown < totals.skipped {
            let _ = writeln!(s, "  ... and {} more", totals.skipped - shown);
        }
    } else {
        section(
            &mut s,
            format!("skipped {}", plural(totals.skipped, "bad record", "bad records")),
            &skips,
            totals.skipped,
            &per_file(|c| c.skipped),
        );
    }
    section(
        &mut s,
        format!(
            "{} (kept in the timeline, marked)",
            plural(totals.warnings, "warning", "warnings")
        ),
        &first(EntryKind::Warn)?,
        totals.warnings,
        &per_file(|c| c.warnings),
    );
    section(
        &mut s,
        format!(
            "{} (same id, other content; both kept)",
            plural(totals.conflicts, "id conflict", "id conflicts")
        ),
        &first(EntryKind::Conflict)?,
        totals.conflicts,
        &per_file(|c| c.conflicts),
    );
    // Records the source itself left out are listed; the import filter's are counted.
    let listed = rec.cache.ledger_counts(EntryKind::Filtered)?;
    let listed_total: u64 = listed.iter().map(|f| f.1).sum();
    section(
        &mut s,
        format!("{} left out on purpose", plural(listed_total, "record", "records")),
        &first(EntryKind::Filtered)?,
        listed_total,
        &listed,
    );
    section(
        &mut s,
        format!(
            "{} not read: outside the import filter's time window",
            plural(totals.pruned, "file", "files")
        ),
        &first(EntryKind::Pruned)?,
        totals.pruned,
        &per_file(|c| c.pruned),
    );
    if let Some(slice) = &report.slice {
        let _ = writeln!(
            s,
            "slice ({}): {} filtered out",
            clean(slice),
            plural(totals.filtered.saturating_sub(listed_total), "record", "records")
        );
    }
    section(
        &mut s,
        format!("{} holding no records", plural(totals.ignored, "file", "files")),
        &first(EntryKind::Ignored)?,
        totals.ignored,
        &per_file(|c| c.ignored),
    );
    let range = match report.time_range {
        (Some(a), Some(b)) => format!(", {} .. {}", time::format_micros(a), time::format_micros(b)),
        _ => String::new(),
    };
    let _ = writeln!(
        s,
        "{}, {}, {}{range}\ncache {} ({:.2}s)",
        plural(report.events, "event", "events"),
        plural(report.streams, "stream", "streams"),
        plural(report.snapshots, "snapshot", "snapshots"),
        clean(&report.cache.display().to_string()),
        report.seconds
    );
    Ok(s)
}

fn counts_json(c: &Counts) -> Value {
    json!({
        "read": c.read,
        "imported": c.imported,
        "duplicates": c.duplicates,
        "filtered": c.filtered,
        "skipped": c.skipped,
        "warnings": c.warnings,
        "ignored": c.ignored,
        "conflicts": c.conflicts,
        "pruned": c.pruned,
    })
}

fn entry_json(e: &Entry) -> Value {
    json!({
        "kind": e.kind,
        "at": e.place(),
        "file": e.file,
        if e.offset { "offset" } else { "line" }: e.loc,
        "reason": e.reason,
    })
}

/// `import --json`: every input's ledger with every entry.
pub fn json(rec: &Recording, report: &OpenReport) -> Result<Value> {
    let mut inputs = Vec::new();
    for (i, input) in report.inputs.iter().enumerate() {
        let o = &input.outcome;
        let mut v = json!({
            "input": input.display,
            "format": o.format,
            "status": match input.status { Status::Imported => "imported", Status::Appended => "appended", Status::Cached => "cached" },
            "seconds": o.seconds,
        });
        if let Some(l) = ledger_of(report, i) {
            let entries: Vec<Value> = rec
                .cache
                .ledger_entries(Some(l.id), &[], usize::MAX)?
                .iter()
                .map(entry_json)
                .collect();
            let files: Vec<Value> = l
                .files
                .iter()
                .map(|f| {
                    let mut c = counts_json(&f.counts);
                    c["file"] = json!(f.file);
                    c
                })
                .collect();
            let obj = v.as_object_mut().expect("an object");
            if let Value::Object(c) = counts_json(&l.totals) {
                obj.extend(c);
            }
            obj.insert("end".into(), json!(l.end));
            obj.insert("recorded".into(), json!(l.recorded));
            obj.insert("files".into(), Value::Array(files));
            obj.insert("entries".into(), Value::Array(entries));
        }
        inputs.push(v);
    }
    Ok(json!({
        "inputs": inputs,
        "events": report.events,
        "streams": report.streams,
        "snapshots": report.snapshots,
        "time": {
            "first": report.time_range.0.map(time::format_micros),
            "last": report.time_range.1.map(time::format_micros),
        },
        "cache": report.cache.display().to_string(),
        "slice": report.slice,
        "fetched": report.fetched.iter().map(|f| json!({
            "url": f.url,
            "objects": f.objects,
            "fetched": f.fetched,
            "cached": f.cached,
            "skipped": f.skipped,
            "bytes": f.bytes,
            "size": f.size,
        })).collect::<Vec<_>>(),
    }))
}

/// The stderr lines a command that reads the recording prints when it is
/// missing records (skipped), or holds events kept with a problem or id
/// conflicts; empty when the ledger is clean.
/// An input as shown: a connection URL without its password.
fn shown(p: &std::path::Path) -> String {
    let t = p.display().to_string();
    if crate::ingest::ai::langgraph_pg::is_url(&t) {
        crate::ingest::ai::langgraph_pg::redact(&t)
    } else {
        t
    }
}

pub fn warnings(rec: &Recording, report: &OpenReport, inputs: &[PathBuf]) -> Result<Vec<String>> {
    let mut totals = Counts::default();
    for l in &report.ledgers {
        totals.add(&l.totals);
    }
    let again = {
        let args: Vec<String> = inputs
            .iter()
            .map(|p| {
                let t = shown(p);
                if t.chars().any(|c| c.is_whitespace() || "'\"$`\\".contains(c)) {
                    format!("'{}'", t.replace('\'', r"'\''"))
                } else {
                    t
                }
            })
            .collect();
        format!("`rewind import {}`", args.join(" "))
    };
    let mut out = Vec::new();
    if let Some(slice) = &report.slice {
        let filtered: u64 = totals
            .filtered
            .saturating_sub(rec.cache.ledger_counts(EntryKind::Filtered)?.iter().map(|f| f.1).sum());
        let pruned = match totals.pruned {
            0 => String::new(),
            n => format!(", {} not read", plural(n, "file", "files")),
        };
        out.push(
            clean(&format!(
                "the timeline is a slice ({slice}): {} filtered out{pruned}",
                plural(filtered, "record", "records")
            ))
            .into_owned(),
        );
    }
    let mut line = |kind: EntryKind, n: u64, what: String| -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        let first = rec.cache.ledger_entries(None, &[kind], 1)?;
        let at = match first.first() {
            Some(e) if n == 1 => format!(" in {}", e.place()),
            Some(e) => format!(" (first {})", e.place()),
            None => String::new(),
        };
        out.push(clean(&format!("{what}{at}; {again} lists them")).into_owned());
        Ok(())
    };
    line(
        EntryKind::Skip,
        totals.skipped,
        plural(totals.skipped, "record skipped", "records skipped"),
    )?;
    line(
        EntryKind::Warn,
        totals.warnings,
        plural(
            totals.warnings,
            "event kept with a problem",
            "events kept with a problem",
        ),
    )?;
    line(
        EntryKind::Conflict,
        totals.conflicts,
        plural(
            totals.conflicts,
            "id conflict (same id, other content)",
            "id conflicts (same id, other content)",
        ),
    )?;
    Ok(out)
}
