//! Marks and bookmarks kept across runs, per recording, in one small file beside
//! the prompt history: `marks.json` in `$REWIND_DATA_DIR`, else the user's data
//! dir. Each recording's entry is keyed by its identity (see `Info::identity`):
//! the cache's key of each input and the event count, so a recording whose
//! events changed finds nothing and no mark lands on another event. Losing the
//! file loses nothing else, so read and write failures are ignored.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Recordings kept; the least recently changed drop off.
pub const KEEP: usize = 200;

/// One recording's marks and bookmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The mark the diff compares with.
    #[serde(default)]
    pub mark: Option<u64>,
    /// Every mark set (the one above among them), by position.
    #[serde(default)]
    pub marks: Vec<u64>,
    #[serde(default)]
    pub bookmarks: Vec<u64>,
}

impl Saved {
    pub fn is_empty(&self) -> bool {
        self.mark.is_none() && self.marks.is_empty() && self.bookmarks.is_empty()
    }
}

#[derive(Serialize, Deserialize, Default)]
struct Entry {
    /// Seconds since the epoch of the last change, to drop the oldest.
    #[serde(default)]
    changed: u64,
    #[serde(flatten)]
    saved: Saved,
}

#[derive(Serialize, Deserialize, Default)]
struct File {
    #[serde(default)]
    recordings: BTreeMap<String, Entry>,
}

/// Where marks are kept, if there is a data directory.
pub fn default_path() -> Option<PathBuf> {
    super::history::default_path().map(|p| p.with_file_name("marks.json"))
}

fn read(path: &Path) -> File {
    fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// The marks kept for the recording `identity`; none for an unknown identity.
pub fn load(path: &Path, identity: &str) -> Saved {
    if identity.is_empty() {
        return Saved::default();
    }
    read(path)
        .recordings
        .remove(identity)
        .map(|e| e.saved)
        .unwrap_or_default()
}

/// Keep `saved` as the marks of `identity` (none left: forget the recording).
pub fn save(path: &Path, identity: &str, saved: &Saved) {
    if identity.is_empty() {
        return;
    }
    let mut file = read(path);
    if saved.is_empty() {
        if file.recordings.remove(identity).is_none() {
            return;
        }
    } else {
        let changed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        file.recordings.insert(
            identity.to_string(),
            Entry {
                changed,
                saved: saved.clone(),
            },
        );
    }
    if file.recordings.len() > KEEP {
        let mut by_age: Vec<(u64, String)> = file.recordings.iter().map(|(k, e)| (e.changed, k.clone())).collect();
        by_age.sort();
        for (_, k) in by_age.into_iter().take(file.recordings.len() - KEEP) {
            if k != identity {
                file.recordings.remove(&k);
            }
        }
    }
    let Ok(text) = serde_json::to_string_pretty(&file) else {
        return;
    };
    if let Some(dir) = path.parent() {
        let _ = fs::create_dir_all(dir);
    }
    // Written aside and renamed, so a crash leaves the old file or the new one.
    let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
    if fs::write(&tmp, text).is_ok() && fs::rename(&tmp, path).is_err() {
        let _ = fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(mark: Option<u64>, bookmarks: &[u64]) -> Saved {
        Saved {
            mark,
            marks: mark.into_iter().collect(),
            bookmarks: bookmarks.to_vec(),
        }
    }

    #[test]
    fn each_recording_keeps_its_own_and_an_unknown_one_gets_none() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("sub").join("marks.json");
        assert_eq!(load(&path, "a"), Saved::default());
        save(&path, "a", &saved(Some(3), &[1, 9]));
        save(&path, "b", &saved(None, &[5]));
        save(&path, "", &saved(None, &[7]));
        assert_eq!(load(&path, "a"), saved(Some(3), &[1, 9]));
        assert_eq!(load(&path, "b"), saved(None, &[5]));
        assert_eq!(load(&path, ""), Saved::default());
        save(&path, "a", &Saved::default());
        assert_eq!(load(&path, "a"), Saved::default());
        assert_eq!(load(&path, "b"), saved(None, &[5]));
        fs::write(&path, "not json").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(load(&path, "b"), Saved::default());
        save(&path, "c", &saved(Some(1), &[]));
        assert_eq!(load(&path, "c"), saved(Some(1), &[]));
    }

    #[test]
    fn the_oldest_recordings_drop_off() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("marks.json");
        for i in 0..KEEP + 3 {
            save(&path, &format!("r{i}"), &saved(Some(i as u64), &[]));
        }
        assert_eq!(read(&path).recordings.len(), KEEP);
        assert_eq!(
            load(&path, &format!("r{}", KEEP + 2)),
            saved(Some(KEEP as u64 + 2), &[])
        );
    }
}
