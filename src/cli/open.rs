//! `rewind open` and `rewind INPUT...`: the TUI on a terminal, else the import summary.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use anyhow::{bail, Result};

use super::args::Common;
use super::render::Style;
use super::{follow, open_options, open_quietly};
use crate::ingest::Format;

pub(super) fn run(common: &Common, inputs: Vec<PathBuf>, follow: bool, style: &Style) -> Result<i32> {
    // With `-`, standard input holds events and keys come from the terminal itself.
    let piped = inputs.iter().any(|p| p.as_os_str() == "-");
    if io::stdout().is_terminal() && (io::stdin().is_terminal() || piped) {
        // The TUI opens (and imports, showing progress) on its own worker thread.
        let format = match common.input_format.as_deref() {
            Some(f) => Some(Format::parse(f)?),
            None => None,
        };
        // The TUI's own watcher sees the spool grow: no one needs the pump's wake-ups.
        let wake = follow.then(|| std::sync::mpsc::channel().0);
        let (inputs, _stdin, cache) = follow::take_stdin(common, &inputs, wake)?;
        let mut open = open_options(common, inputs, format)?;
        open.cache = cache;
        open.follow = follow;
        return crate::tui::run(crate::tui::Config {
            open,
            color: style.color,
        });
    }
    if follow {
        bail!("--follow opens the TUI on a terminal; without one, use `rewind log --follow`");
    }
    let (rec, report) = open_quietly(common, &inputs)?;
    // The TUI is its own front end; without a terminal, print what import prints.
    if !common.quiet {
        super::import::print_summary(&rec, &report)?;
    }
    Ok(0)
}
