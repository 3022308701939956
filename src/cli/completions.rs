//! `rewind completions SHELL`: a completion script generated from the argument definitions.

use std::io::{self, Write};

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::{generate, shells};

use super::args::{Cli, CompletionsArgs, Shell};

pub(super) fn run(args: CompletionsArgs) -> Result<i32> {
    let mut cmd = Cli::command();
    // Generated into memory first: the generator panics on a write error,
    // and a closed pipe is not a reason to panic.
    let mut script = Vec::new();
    match args.shell {
        Shell::Bash => generate(shells::Bash, &mut cmd, "rewind", &mut script),
        Shell::Zsh => generate(shells::Zsh, &mut cmd, "rewind", &mut script),
        Shell::Fish => generate(shells::Fish, &mut cmd, "rewind", &mut script),
        Shell::Powershell => generate(shells::PowerShell, &mut cmd, "rewind", &mut script),
    }
    let mut o = io::stdout().lock();
    o.write_all(&script)?;
    o.flush()?;
    Ok(0)
}
