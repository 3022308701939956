//! Object-store inputs (`s3://`, `az://`, `abfss://`, `gs://`): a URL is listed
//! and its objects are mirrored into a folder under rewind's cache directory,
//! which the readers then open like any local file or folder (docs/remote.md).
//!
//! Messages name the URL, not the mirror: [`shown`] maps a mirror path back.

mod credentials;
mod mirror;
mod progress;
mod range;
mod url;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, Result};

pub use mirror::Fetched;
pub use range::RangeReader;
pub use url::Remote;

/// True when `input` is an object-store URL rather than a path.
pub fn is_remote(input: &Path) -> bool {
    input.to_str().is_some_and(|s| url::Scheme::of(s).is_some())
}

/// Mirror paths and the URL each stands for, longest mirror first.
fn mappings() -> &'static Mutex<Vec<(String, String)>> {
    static MAP: OnceLock<Mutex<Vec<(String, String)>>> = OnceLock::new();
    MAP.get_or_init(|| Mutex::new(Vec::new()))
}

fn register(mirror: &Path, url: &str) {
    let mut map = mappings().lock().unwrap_or_else(|e| e.into_inner());
    let mut add = |m: String| {
        if !map.iter().any(|(k, _)| *k == m) {
            map.push((m, url.trim_end_matches('/').to_string()));
        }
    };
    add(mirror.display().to_string());
    if let Ok(c) = std::fs::canonicalize(mirror) {
        add(c.display().to_string());
    }
    map.sort_by_key(|m| std::cmp::Reverse(m.0.len()));
}

/// `text` with every mirror path replaced by the URL it mirrors, so that input
/// names, `file:line` positions and errors name `s3://bucket/key`.
pub fn shown(text: &str) -> Cow<'_, str> {
    let map = mappings().lock().unwrap_or_else(|e| e.into_inner());
    if map.is_empty() || !map.iter().any(|(m, _)| text.contains(m.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for (m, u) in map.iter() {
        if out.contains(m.as_str()) {
            out = out.replace(m.as_str(), u);
        }
    }
    Cow::Owned(out)
}

/// Every input with its object-store URLs replaced by their mirrors under
/// `root`, fetched first (only what changed); local paths pass through. A
/// failure (no credentials, the network) stops before anything is imported.
pub fn resolve(inputs: &[PathBuf], root: &Path, show: bool) -> Result<(Vec<PathBuf>, Vec<Fetched>)> {
    if !inputs.iter().any(|p| is_remote(p)) {
        return Ok((inputs.to_vec(), Vec::new()));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("object store: start the I/O runtime")?;
    let mut paths = Vec::with_capacity(inputs.len());
    let mut fetched = Vec::new();
    for p in inputs {
        let Some(text) = p.to_str().filter(|_| is_remote(p)) else {
            paths.push(p.clone());
            continue;
        };
        let remote = Remote::parse(text)?;
        let store = credentials::store(&remote)?;
        let done = rt
            .block_on(mirror::sync(&*store, &remote, root, show))
            .map_err(|e| credentials::explain(&remote, e))?;
        register(&done.path, &remote.shown_root());
        paths.push(done.path.clone());
        fetched.push(done);
    }
    Ok((paths, fetched))
}
