//! Crash-safe publishing of a first import: the cache is built in a private
//! file and linked into place whole, so nobody ever sees half a cache.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The private file a first import of `cache` builds in process `pid`.
pub(super) fn build_path(cache: &Path, pid: u32) -> PathBuf {
    cache.with_extension(format!("importing-{pid}"))
}

/// Delete a build file and the journals SQLite may have left beside it.
pub(super) fn remove_build(tmp: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = fs::remove_file(format!("{}{suffix}", tmp.display()));
    }
}

/// Delete the build files of first imports of `cache` that were killed: their
/// process is gone. A live process's file is left alone.
pub(super) fn remove_stale_builds(cache: &Path) {
    let (Some(dir), Some(stem)) = (cache.parent(), cache.file_stem()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.importing-", stem.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let digits = rest.split('-').next().unwrap_or_default();
        let Ok(pid) = digits.parse::<u32>() else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` runs. Without /proc (not Linux) this can't be told
/// cheaply, so every process counts as alive and nothing is deleted.
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// Put the sealed build `tmp` in place as `cache` unless another process did
/// first (`Ok(false)`). Renaming over a cache another process has open would
/// leave that process writing a WAL that belongs to the new file, so the link
/// is made without replacing.
pub(super) fn publish(tmp: &Path, cache: &Path) -> Result<bool> {
    let done = match fs::hard_link(tmp, cache) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        // A file system without hard links: rename, checking first (a small window).
        Err(_) if !cache.exists() => {
            fs::rename(tmp, cache).with_context(|| format!("cache {}", cache.display()))?;
            true
        }
        Err(_) => false,
    };
    if done {
        // Make the new directory entry durable too.
        if let Some(dir) = cache.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = fs::File::open(dir).and_then(|d| d.sync_all());
        }
    }
    Ok(done)
}
