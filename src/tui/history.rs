//! Prompt history, kept across runs in one small file: one JSON object per
//! line, `{"kind":"search","text":"refund"}`, appended as prompts are run.
//! It lives at `$REWIND_DATA_DIR/history.jsonl`, else the user's data dir
//! (`~/.local/share/rewind/history.jsonl` on Linux). Losing it loses nothing
//! else, so read and write failures are ignored.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Entries kept per prompt; older ones drop off when the file is rewritten.
pub const KEEP: usize = 200;

/// Which prompt an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Goto,
    Search,
    Find,
    Filter,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    kind: Kind,
    text: String,
}

/// Earlier inputs of each prompt, oldest first, without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    entries: HashMap<Kind, Vec<String>>,
}

impl History {
    pub fn entries(&self, kind: Kind) -> &[String] {
        self.entries.get(&kind).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Remember `text` as the newest entry (moved to the end if already there).
    pub fn push(&mut self, kind: Kind, text: &str) {
        let list = self.entries.entry(kind).or_default();
        list.retain(|t| t != text);
        list.push(text.to_string());
        if list.len() > KEEP {
            list.drain(..list.len() - KEEP);
        }
    }
}

/// Where the history is kept, if there is a data directory.
pub fn default_path() -> Option<PathBuf> {
    let dir = match std::env::var_os("REWIND_DATA_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => dirs::data_dir()?.join("rewind"),
    };
    Some(dir.join("history.jsonl"))
}

/// Read the history; a missing or damaged file gives what could be read.
/// A file grown well past what is kept is rewritten compact.
pub fn load(path: &Path) -> History {
    let mut h = History::default();
    let Ok(text) = fs::read_to_string(path) else {
        return h;
    };
    let mut lines = 0;
    for line in text.lines() {
        lines += 1;
        if let Ok(e) = serde_json::from_str::<Entry>(line) {
            h.push(e.kind, &e.text);
        }
    }
    if lines > 4 * KEEP {
        rewrite(path, &h);
    }
    h
}

/// Add one entry at the end of the file.
pub fn append(path: &Path, kind: Kind, text: &str) {
    let Ok(line) = serde_json::to_string(&Entry {
        kind,
        text: text.to_string(),
    }) else {
        return;
    };
    if let Some(dir) = path.parent() {
        let _ = fs::create_dir_all(dir);
    }
    if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(f, "{line}");
    }
}

fn rewrite(path: &Path, h: &History) {
    let mut out = String::new();
    for kind in [Kind::Goto, Kind::Search, Kind::Find, Kind::Filter] {
        for text in h.entries(kind) {
            if let Ok(line) = serde_json::to_string(&Entry {
                kind,
                text: text.clone(),
            }) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    let tmp = path.with_extension("jsonl.tmp");
    if fs::write(&tmp, out).is_ok() {
        let _ = fs::rename(&tmp, path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_a_restart_newest_last_without_repeats() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("sub").join("history.jsonl");
        assert_eq!(load(&path), History::default());
        append(&path, Kind::Search, "refund");
        append(&path, Kind::Search, "TokensUsed");
        append(&path, Kind::Goto, "500000");
        append(&path, Kind::Search, "refund");
        fs::write(
            &path,
            fs::read_to_string(&path).unwrap_or_default() + "not json\n{\"kind\":\"x\"}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let h = load(&path);
        assert_eq!(h.entries(Kind::Search), ["TokensUsed", "refund"]);
        assert_eq!(h.entries(Kind::Goto), ["500000"]);
        assert!(h.entries(Kind::Filter).is_empty());
    }

    #[test]
    fn a_long_file_is_rewritten_to_what_is_kept() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("history.jsonl");
        for i in 0..(4 * KEEP + 10) {
            append(&path, Kind::Goto, &i.to_string());
        }
        let h = load(&path);
        assert_eq!(h.entries(Kind::Goto).len(), KEEP);
        let lines = fs::read_to_string(&path).unwrap_or_default().lines().count();
        assert_eq!(lines, KEEP);
        assert_eq!(load(&path), h);
    }
}
