//! Where the cache of a list of inputs lives, and the key that tells an input
//! is unchanged since it was imported.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

use crate::cache::import::InputKey;
use crate::hash::{fnv1a, fnv1a_parts};
use crate::ingest::ai::langgraph_pg::{is_url, redact};

/// A connection URL given as an input.
fn url_of(p: &Path) -> Option<&str> {
    p.to_str().filter(|s| is_url(s))
}

/// An input as shown and stored: a connection URL without its password.
pub fn shown(p: &Path) -> String {
    match url_of(p) {
        Some(url) => redact(url),
        None => crate::ingest::remote::shown(&p.display().to_string()).into_owned(),
    }
}

/// rewind's cache directory: REWIND_CACHE_DIR, else the platform's.
pub fn cache_dir() -> Result<PathBuf> {
    match std::env::var_os("REWIND_CACHE_DIR") {
        Some(d) if !d.is_empty() => Ok(PathBuf::from(d)),
        _ => dirs::cache_dir()
            .map(|d| d.join("rewind"))
            .ok_or_else(|| anyhow!("no cache directory: set REWIND_CACHE_DIR or pass --cache FILE")),
    }
}

/// Where the cache of these inputs lives when `--cache` is not given.
pub fn default_cache_path(inputs: &[PathBuf]) -> Result<PathBuf> {
    sliced_cache_path(inputs, "")
}

/// Where the cache of a slice of these inputs lives: `slice` is the import filter's
/// [`name_key`](crate::ingest::filter::Filter::name_key), so a slice and the whole
/// (or another slice) never share a cache file.
pub(super) fn sliced_cache_path(inputs: &[PathBuf], slice: &str) -> Result<PathBuf> {
    let dir = cache_dir()?;
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for p in inputs {
        if let Some(url) = url_of(p) {
            parts.push(redact(url).into_bytes());
            continue;
        }
        let c = fs::canonicalize(p).with_context(|| p.display().to_string())?;
        parts.push(c.to_string_lossy().into_owned().into_bytes());
    }
    if !slice.is_empty() {
        parts.push(format!("slice {slice}").into_bytes());
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let stem = inputs
        .first()
        .and_then(|p| p.file_name())
        .map(|n| {
            n.to_string_lossy()
                .chars()
                .filter(|c| c.is_alphanumeric() || "-_.".contains(*c))
                .take(40)
                .collect::<String>()
        })
        .unwrap_or_else(|| "inputs".into());
    let sliced = if slice.is_empty() { "" } else { "-slice" };
    Ok(dir.join(format!("{stem}{sliced}-{:016x}.db", fnv1a_parts(&refs))))
}

/// Size, mtime and a hash of the first and last blocks: enough to tell that a
/// big export is unchanged without reading it. A folder's key covers every file
/// in it (path, size, mtime).
pub(super) fn input_key(path: &Path, options: Option<String>, mapping_hash: u64) -> Result<InputKey> {
    if let Some(url) = url_of(path) {
        // A database server: its tables' counts and newest ids say whether it changed.
        return Ok(InputKey {
            path: redact(url),
            size: 0,
            mtime_ns: 0,
            fingerprint: crate::ingest::ai::langgraph_pg::fingerprint(url)?,
            forced: options,
            mapping_hash: format!("{mapping_hash:016x}"),
        });
    }
    let canonical = fs::canonicalize(path).with_context(|| path.display().to_string())?;
    let meta = fs::metadata(&canonical).with_context(|| path.display().to_string())?;
    let (size, mtime_ns, fingerprint) = if meta.is_dir() {
        folder_fingerprint(&canonical).with_context(|| path.display().to_string())?
    } else {
        let size = meta.len();
        const BLOCK: u64 = 64 * 1024;
        let mut f = fs::File::open(&canonical).with_context(|| path.display().to_string())?;
        let mut head = Vec::new();
        (&mut f).take(BLOCK).read_to_end(&mut head)?;
        let mut tail = Vec::new();
        if size > BLOCK {
            f.seek(SeekFrom::Start(size.saturating_sub(BLOCK).max(BLOCK)))?;
            f.take(BLOCK).read_to_end(&mut tail)?;
        }
        let mut fingerprint = format!("{:016x}{:016x}", fnv1a(&head), fnv1a(&tail));
        // A SQLite database in WAL mode (another program's store) changes in its
        // `-wal` file first: the main file can stay as it was for a long time.
        let mut wal = canonical.clone().into_os_string();
        wal.push("-wal");
        if let Ok(w) = fs::metadata(&wal) {
            fingerprint.push_str(&format!("-wal{}:{}", w.len(), mtime_of(&w)));
        }
        (size as i64, mtime_of(&meta), fingerprint)
    };
    Ok(InputKey {
        // A mirrored object-store input is known by its URL.
        path: crate::ingest::remote::shown(&canonical.to_string_lossy()).into_owned(),
        size,
        mtime_ns,
        fingerprint,
        forced: options,
        mapping_hash: format!("{mapping_hash:016x}"),
    })
}

fn mtime_of(meta: &fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Total size, newest mtime and a hash of the (relative path, size, mtime) of
/// every file under `dir`; symlinked folders are not followed.
fn folder_fingerprint(dir: &Path) -> Result<(i64, i64, String)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).with_context(|| d.display().to_string())? {
            let entry = entry?;
            let ft = entry.file_type()?;
            if ft.is_dir() {
                stack.push(entry.path());
            } else if let Ok(meta) = fs::metadata(entry.path()) {
                if meta.is_file() {
                    let rel = entry.path().strip_prefix(dir).unwrap_or(&entry.path()).to_path_buf();
                    files.push((rel.to_string_lossy().into_owned(), meta.len() as i64, mtime_of(&meta)));
                }
            }
        }
    }
    files.sort();
    let mut listing = String::new();
    for (rel, size, mtime) in &files {
        listing.push_str(&format!("{rel}\0{size}\0{mtime}\n"));
    }
    let size = files.iter().map(|f| f.1).sum();
    let mtime = files.iter().map(|f| f.2).max().unwrap_or(0);
    Ok((
        size,
        mtime,
        format!("{:016x}{:08x}", fnv1a(listing.as_bytes()), files.len()),
    ))
}
