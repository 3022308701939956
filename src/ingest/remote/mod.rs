//! Object-store inputs (`s3://`, `az://`, `abfss://`, `gs://`): a URL is listed
//! and its objects are mirrored into a folder under rewind's cache directory,
//! which the readers then open like any local file or folder (docs/remote.md).
//! Parquet objects a filtered import reads in part are mirrored sparse: only the
//! byte ranges the reader will read are fetched.
//!
//! Messages name the URL, not the mirror: [`shown`] maps a mirror path back.

mod credentials;
mod mirror;
mod progress;
mod range;
mod record;
mod spans;
mod sparse;
mod url;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, Result};

pub use mirror::Fetched;
pub use range::RangeReader;
pub use spans::Spans;
pub use sparse::{coverage, watch};
pub use url::Remote;

use crate::ingest::filter::Filter;
use crate::ingest::Format;
use crate::rules::FieldOverrides;

/// What the import after the fetch will read: what decides which parts of a
/// Parquet object it needs. The default reads everything.
#[derive(Clone, Default)]
pub struct Wanted {
    pub filter: Filter,
    /// The rules' field mapping the import will use.
    pub fields: FieldOverrides,
    /// `--format`, when given.
    pub format: Option<Format>,
}

impl Wanted {
    /// Whether Parquet objects may be fetched in part: a filter that can rule
    /// out row groups, and the objects read as Parquet.
    fn sparse(&self) -> bool {
        !self.filter.is_none() && matches!(self.format, None | Some(Format::Parquet))
    }
}

/// True when `input` is an object-store URL rather than a path.
pub fn is_remote(input: &Path) -> bool {
    input.to_str().is_some_and(|s| url::Scheme::of(s).is_some())
}

/// The mirror path each input will have under `root` (local paths as they
/// are), without fetching anything.
pub fn mirror_paths(inputs: &[PathBuf], root: &Path) -> Result<Vec<PathBuf>> {
    inputs
        .iter()
        .map(|p| match p.to_str().filter(|_| is_remote(p)) {
            Some(text) => Ok(mirror::path_of(&Remote::parse(text)?, root)),
            None => Ok(p.clone()),
        })
        .collect()
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
/// `root`, fetched first (only what changed, and of Parquet objects only what
/// `wanted` reads); local paths pass through. A failure (no credentials, the
/// network) stops before anything is imported.
pub fn resolve(inputs: &[PathBuf], root: &Path, wanted: &Wanted, show: bool) -> Result<(Vec<PathBuf>, Vec<Fetched>)> {
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
            .block_on(mirror::sync(&*store, &remote, root, wanted, show))
            .map_err(|e| credentials::explain(&remote, e))?;
        register(&done.path, &remote.shown_root());
        paths.push(done.path.clone());
        fetched.push(done);
    }
    watch(root);
    Ok((paths, fetched))
}
