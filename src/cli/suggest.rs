//! A mistyped command: `rewind lgo` reads as an input named `lgo`, so a first
//! input that does not exist and is spelled like a command gets a suggestion.

use std::path::Path;

use anyhow::{bail, Result};
use clap::CommandFactory;

use super::args::Cli;

/// Fails when the first input is missing and reads as a misspelt command.
pub(super) fn check_inputs<P: AsRef<Path>>(inputs: &[P]) -> Result<()> {
    let Some(first) = inputs.first().map(AsRef::as_ref) else {
        return Ok(());
    };
    // Anything path-like (a folder part, an extension) is meant as a file.
    let Some(word) = first.to_str().filter(|w| !w.contains(['/', '\\', '.'])) else {
        return Ok(());
    };
    if first.exists() {
        return Ok(());
    }
    if let Some(command) = closest_command(word) {
        bail!(
            "{word}: no such file or folder, and not a command; did you mean `rewind {command}`? (see `rewind --help`)"
        );
    }
    Ok(())
}

/// The subcommand nearest to `word` if it is near enough to be a typo: one
/// edit for short words, two for longer ones, or a prefix of three letters or more.
pub(super) fn closest_command(word: &str) -> Option<String> {
    let word = word.to_ascii_lowercase();
    let cli = Cli::command();
    let mut best: Option<(usize, String)> = None;
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        let d = if word.len() >= 3 && name.starts_with(&word) {
            0
        } else {
            distance(&word, name)
        };
        let limit = if name.len() <= 4 { 1 } else { 2 };
        if d <= limit && best.as_ref().is_none_or(|(b, _)| d < *b) {
            best = Some((d, name.to_string()));
        }
    }
    best.map(|(_, name)| name)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and
/// adjacent transpositions (`lgo` → `log` is one edit).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_map_to_commands() {
        assert_eq!(closest_command("lgo").as_deref(), Some("log"));
        assert_eq!(closest_command("stat").as_deref(), Some("state"));
        assert_eq!(closest_command("hist").as_deref(), Some("history"));
        assert_eq!(closest_command("verfiy").as_deref(), Some("verify"));
        assert_eq!(closest_command("compre").as_deref(), Some("compare"));
        assert_eq!(closest_command("agents"), None);
        assert_eq!(closest_command("backup"), None);
    }
}
