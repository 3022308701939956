//! Editing JSON in the user's editor (`$VISUAL`, `$EDITOR`, else `vi`) for the
//! what-if keys, and writing a hypothesis as a `--whatif` file. Process and file
//! work only: the runner hands the terminal over around [`edit`].

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::app::EditJob;

/// The editor command: `$VISUAL`, then `$EDITOR`, then `vi`. It may carry
/// arguments (`code --wait`): the shell splits it.
pub fn command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// A new private file for the session, in the temporary directory.
fn temp_file() -> Result<(PathBuf, fs::File)> {
    let dir = std::env::temp_dir();
    for n in 0..1000u32 {
        let path = dir.join(format!("rewind-edit-{}-{n}.json", std::process::id()));
        match fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    }
    bail!("no free temporary file name in {}", dir.display())
}

/// The file without its `//` comment lines (no JSON line starts with `//`: a
/// string cannot hold a raw line break).
fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Run the editor on `job`'s text until it holds acceptable JSON: invalid JSON,
/// or JSON the job refuses, reopens with the reason as a comment at the top.
/// `editor` is a shell command the file's path is appended to ([`command`]).
/// `None`: the user emptied the file.
pub fn edit(job: &EditJob, editor: &str) -> Result<Option<Value>> {
    let (path, mut file) = temp_file()?;
    let result = (|| -> Result<Option<Value>> {
        file.write_all(job.text.as_bytes())?;
        drop(file);
        loop {
            let status = Command::new("sh")
                .arg("-c")
                .arg(format!("{editor} \"$1\""))
                .arg("rewind-editor")
                .arg(&path)
                .status()
                .with_context(|| format!("could not run the editor {}", crate::sanitize::quote(editor)))?;
            if !status.success() {
                bail!("the editor {} exited with {status}", crate::sanitize::quote(editor));
            }
            let text = fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let body = strip_comments(&text);
            if body.trim().is_empty() {
                return Ok(None);
            }
            let why = match serde_json::from_str::<Value>(&body) {
                Ok(v) => match job.check(&v) {
                    Ok(()) => return Ok(Some(v)),
                    Err(e) => e,
                },
                Err(e) => format!("invalid JSON: {e}"),
            };
            let again = format!(
                "// rewind: {}\n// Fix it and save, or empty the file to cancel.\n{body}\n",
                why.replace('\n', " ")
            );
            fs::write(&path, again).with_context(|| format!("cannot write {}", path.display()))?;
        }
    })();
    let _ = fs::remove_file(&path);
    result
}

/// Write a hypothesis's `--whatif` file in `dir` under the first free name of
/// `rewind-whatif.json`, `rewind-whatif-2.json`…; the path written.
pub fn write_whatif(dir: &Path, text: &str) -> Result<PathBuf> {
    for n in 1..10_000u32 {
        let name = match n {
            1 => "rewind-whatif.json".to_string(),
            n => format!("rewind-whatif-{n}.json"),
        };
        let path = dir.join(name);
        match fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                f.write_all(text.as_bytes())?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    }
    bail!("no free file name rewind-whatif-N.json in {}", dir.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_lines_that_start_with_slashes() {
        let text = "// a note\n  // another\n{\"a\": \"x // y\"}\n";
        assert_eq!(strip_comments(text), "{\"a\": \"x // y\"}");
    }
}
