//! `rewind import`: import inputs into a cache and print a summary.

use std::io::Write;

use anyhow::Result;

use super::args::{Common, ImportArgs};
use super::render::count;
use super::{open, out};
use crate::recording::{OpenReport, Status};
use crate::sanitize::clean;
use crate::time;

pub(super) fn run(common: &Common, args: ImportArgs) -> Result<i32> {
    let mut common = common.clone();
    if args.output.is_some() {
        common.cache = args.output;
    }
    let (_, report) = open(&common, &args.input.inputs)?;
    if !common.quiet {
        print_summary(&report)?;
    }
    Ok(0)
}

pub fn summary_text(report: &OpenReport) -> String {
    let mut s = String::new();
    let mut skipped_lines = Vec::new();
    let mut skipped_total = 0;
    for i in &report.inputs {
        let o = &i.outcome;
        let mut counts = Vec::new();
        if o.events > 0 || o.snapshots == 0 {
            counts.push(count(o.events, "event"));
        }
        if o.snapshots > 0 {
            counts.push(count(o.snapshots, "snapshot"));
        }
        if o.skipped > 0 {
            counts.push(format!("{} skipped", o.skipped));
        }
        if o.duplicates > 0 {
            counts.push(format!("{} skipped", count(o.duplicates, "duplicate")));
        }
        let status = match i.status {
            Status::Imported => format!("imported in {:.2}s", o.seconds),
            Status::Cached => "cached".to_string(),
        };
        s.push_str(&format!(
            "{}: {}, {}, {}\n",
            clean(&i.display),
            o.format,
            counts.join(", "),
            status
        ));
        skipped_total += o.skipped;
        skipped_lines.extend(o.skipped_sample.iter().cloned());
    }
    if skipped_total > 0 {
        s.push_str(&format!("skipped {}:\n", count(skipped_total, "bad record")));
        for l in &skipped_lines {
            s.push_str(&format!("  {}\n", clean(l)));
        }
        if (skipped_lines.len() as u64) < skipped_total {
            s.push_str(&format!(
                "  ... and {} more\n",
                skipped_total - skipped_lines.len() as u64
            ));
        }
    }
    let range = match report.time_range {
        (Some(a), Some(b)) => format!(", {} .. {}", time::format_micros(a), time::format_micros(b)),
        _ => String::new(),
    };
    s.push_str(&format!(
        "{}, {}, {}{range}\ncache {} ({:.2}s)\n",
        count(report.events, "event"),
        count(report.streams, "stream"),
        count(report.snapshots, "snapshot"),
        clean(&report.cache.display().to_string()),
        report.seconds
    ));
    s
}

pub(super) fn print_summary(report: &OpenReport) -> Result<()> {
    let mut o = out();
    o.write_all(summary_text(report).as_bytes())?;
    o.flush()?;
    Ok(())
}
