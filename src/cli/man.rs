//! `rewind man`: the manual page, rendered as roff from the argument definitions.

use std::io::{self, Write};

use anyhow::Result;
use clap::CommandFactory;

use super::args::Cli;

pub(super) fn run() -> Result<i32> {
    let page = render()?;
    let mut o = io::stdout().lock();
    o.write_all(&page)?;
    o.flush()?;
    Ok(0)
}

/// rewind(1): the top-level page, then one section per command (synopsis,
/// options, points, exit codes, examples), so that one page documents the whole CLI.
pub fn render() -> Result<Vec<u8>> {
    let mut cli = Cli::command();
    cli.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(cli.clone()).render(&mut page)?;
    for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name();
        writeln!(page, ".SH \"REWIND {}\"", name.to_uppercase())?;
        if let Some(about) = sub.get_about() {
            writeln!(page, "{}", roff_text(&about.to_string()))?;
        }
        let man = clap_mangen::Man::new(sub.clone());
        let mut sections = Vec::new();
        man.render_synopsis_section(&mut sections)?;
        man.render_options_section(&mut sections)?;
        // Within a command's section, its parts are subsections.
        let sections = String::from_utf8_lossy(&sections).replace("\n.SH ", "\n.SS ");
        let sections = sections
            .strip_prefix(".SH ")
            .map_or(sections.clone(), |rest| format!(".SS {rest}"));
        page.extend_from_slice(sections.as_bytes());
        if let Some(after) = sub.get_after_help() {
            writeln!(page, ".PP\n.nf\n{}\n.fi", roff_text(&after.to_string()))?;
        }
    }
    Ok(page)
}

/// Escape text for roff: backslashes, and a leading `.` or `'` that would read as a request.
fn roff_text(s: &str) -> String {
    s.replace('\\', "\\e")
        .lines()
        .map(|l| {
            if l.starts_with(['.', '\'']) {
                format!("\\&{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
