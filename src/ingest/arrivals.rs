//! A folder that receives files while it is followed (a synced Firehose prefix, a
//! Capture tree, a drop folder of JSON Lines parts): which files arrived since it
//! was last looked at. Writers put files in place whole by renaming them, so a
//! file is read once, when it appears under its final name.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;

use super::folder::{list, Listing, Member};

/// Whether a file is still being written by its writer's convention: a hidden
/// name, a temporary suffix, or a folder such as Spark's `_temporary`. It is read
/// once renamed.
pub fn in_progress(rel: &Path) -> bool {
    rel.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        let lower = name.to_ascii_lowercase();
        name.starts_with('.')
            || name == "_temporary"
            || [".tmp", ".part", ".partial", ".crdownload", ".inprogress", "~"]
                .iter()
                .any(|s| lower.ends_with(s))
    })
}

/// What a look at a followed folder found.
#[derive(Debug, Default)]
pub struct Arrivals {
    /// The files to read now (and the sidecars to list as ignored).
    pub listing: Listing,
    /// Files read before whose size changed since: reported, not read again.
    pub changed: Vec<String>,
}

/// The files below `root` not in `seen` (relative path → size when read), which
/// `seen` then holds. Empty files and files still in progress wait.
pub fn arrivals(root: &Path, seen: &mut BTreeMap<String, u64>) -> Result<Arrivals> {
    let all = list(root, false)?;
    let mut out = Arrivals::default();
    let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_string_lossy().into_owned();
    for m in all.members {
        let Member::File(path) = m else { continue };
        let r = rel(&path);
        if in_progress(Path::new(&r)) {
            continue;
        }
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        match seen.get(&r) {
            None => {
                seen.insert(r, size);
                out.listing.members.push(Member::File(path));
            }
            Some(&was) if was != size => {
                seen.insert(r.clone(), size);
                out.changed.push(r);
            }
            Some(_) => {}
        }
    }
    for (path, why) in all.ignored {
        let r = rel(&path);
        // A hidden or empty file may yet become a file to read: only sidecars are settled.
        if in_progress(Path::new(&r)) || why == "empty file" || seen.contains_key(&r) {
            continue;
        }
        seen.insert(r, 0);
        out.listing.ignored.push((path, why));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_in_progress_wait_for_their_final_name() {
        for p in [
            ".part-0.jsonl",
            "x/_temporary/0/part-0.json",
            "a.jsonl.tmp",
            "b.json~",
            "c.PART",
        ] {
            assert!(in_progress(Path::new(p)), "{p}");
        }
        for p in [
            "part-00000.json",
            "2026/12/03/stream-1-2026-12-03-10-00-00-abc",
            "0/1.avro",
        ] {
            assert!(!in_progress(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn a_file_is_read_once_when_it_arrives() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut seen = BTreeMap::new();
        std::fs::write(dir.path().join("a.jsonl"), "{}\n").expect("write");
        std::fs::write(dir.path().join(".b.jsonl"), "{}\n").expect("write");
        std::fs::write(dir.path().join("c.jsonl"), "").expect("write");
        let first = arrivals(dir.path(), &mut seen).expect("look");
        assert_eq!(first.listing.members.len(), 1);
        std::fs::rename(dir.path().join(".b.jsonl"), dir.path().join("b.jsonl")).expect("rename");
        std::fs::write(dir.path().join("c.jsonl"), "{}\n").expect("write");
        std::fs::write(dir.path().join("a.jsonl"), "{}\n{}\n").expect("write");
        let second = arrivals(dir.path(), &mut seen).expect("look");
        let names: Vec<_> = second
            .listing
            .members
            .iter()
            .map(|m| m.path().file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["b.jsonl", "c.jsonl"]);
        assert_eq!(second.changed, ["a.jsonl"]);
        assert!(arrivals(dir.path(), &mut seen)
            .expect("look")
            .listing
            .members
            .is_empty());
    }
}
