//! `rewind import`: import inputs into a cache and print a summary.

use std::io::Write;

use anyhow::Result;

use super::args::{Common, ImportArgs};
use super::{open_quietly, out};
use crate::json::write;
use crate::recording::{OpenReport, Recording};

pub(super) fn run(common: &Common, args: ImportArgs) -> Result<i32> {
    let mut common = common.clone();
    if args.output.is_some() {
        common.cache = args.output;
    }
    let (rec, report) = open_quietly(&common, &args.input.inputs)?;
    if args.json {
        let mut o = out();
        write::write_pretty(&mut o, &super::ledger::json(&rec, &report)?)?;
        o.write_all(b"\n")?;
        o.flush()?;
    } else if !common.quiet {
        print_summary(&rec, &report)?;
    }
    Ok(0)
}

pub(super) fn print_summary(rec: &Recording, report: &OpenReport) -> Result<()> {
    let mut o = out();
    o.write_all(super::ledger::summary_text(rec, report)?.as_bytes())?;
    o.flush()?;
    Ok(())
}
