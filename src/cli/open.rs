//! `rewind open` and `rewind INPUT...`: the TUI on a terminal, else the import summary.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use anyhow::Result;

use super::args::Common;
use super::render::Style;
use super::{open_options, open_quietly};
use crate::ingest::Format;

pub(super) fn run(common: &Common, inputs: Vec<PathBuf>, style: &Style) -> Result<i32> {
    if io::stdout().is_terminal() && io::stdin().is_terminal() {
        // The TUI opens (and imports, showing progress) on its own worker thread.
        let format = match common.input_format.as_deref() {
            Some(f) => Some(Format::parse(f)?),
            None => None,
        };
        let open = open_options(common, inputs, format);
        return crate::tui::run(crate::tui::Config {
            open,
            color: style.color,
        });
    }
    let (rec, report) = open_quietly(common, &inputs)?;
    // The TUI is its own front end; without a terminal, print what import prints.
    if !common.quiet {
        super::import::print_summary(&rec, &report)?;
    }
    Ok(0)
}
