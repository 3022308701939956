//! The local mirror of a remote prefix: `root/data/<scheme>/<bucket>/<key>`,
//! with each object's record ([`super::record`]) in
//! `root/meta/<scheme>/<bucket>/<key>`. An object whose ETag, last-modified time
//! and size are unchanged is not fetched again; a fetched object is written to
//! `root/tmp` and renamed into place, so a failure leaves no half-written file in
//! the mirror. Parquet objects an import filter reads only in part are mirrored
//! sparse ([`super::sparse`]).

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use futures_util::StreamExt;
use object_store::path::Path as Key;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

use super::progress::Bar;
use super::record::{self, Record};
use super::sparse::{self, Outcome, Want};
use super::url::Remote;
use super::Wanted;
use crate::ingest::parquet::{hive, named_parquet};

/// What a sync of one URL did.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: String,
    /// The mirror the readers open: a folder for a prefix, a file for one object.
    pub path: PathBuf,
    pub objects: u64,
    pub fetched: u64,
    pub cached: u64,
    /// Objects the import filter needs nothing of, not fetched.
    pub skipped: u64,
    /// Bytes fetched.
    pub bytes: u64,
    /// Bytes of every object listed.
    pub size: u64,
}

impl Fetched {
    /// `s3://b/p: 3 objects, 1 fetched (2100 bytes), 2 cached`, and how many
    /// the import filter needed nothing of.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}: {} objects, {} fetched ({} bytes), {} cached",
            self.url, self.objects, self.fetched, self.bytes, self.cached
        );
        if self.skipped > 0 {
            s.push_str(&format!(", {} not needed by the filter", self.skipped));
        }
        s
    }
}

/// Segments of `key` under which it is mirrored; `None` for a key that can't be
/// a local path (empty, `.`, `..` segments).
fn relative(key: &str) -> Option<PathBuf> {
    let mut p = PathBuf::new();
    for part in key.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\0') {
            return None;
        }
        p.push(part);
    }
    Some(p)
}

pub(super) fn write_atomic(tmp_dir: &Path, dest: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = tmp_dir.join(format!("meta-{}", std::process::id()));
    fs::write(&tmp, bytes).with_context(|| tmp.display().to_string())?;
    if let Some(d) = dest.parent() {
        fs::create_dir_all(d).with_context(|| d.display().to_string())?;
    }
    fs::rename(&tmp, dest).with_context(|| dest.display().to_string())
}

/// Fetch `key` into `dest` through a temporary file, then record its stamp.
async fn fetch(
    store: &dyn ObjectStore,
    m: &ObjectMeta,
    dest: &Path,
    meta: &Path,
    tmp_dir: &Path,
    bar: &mut (Bar, u64, u64),
) -> Result<u64> {
    let tmp = tmp_dir.join(format!("object-{}", std::process::id()));
    let result = async {
        let mut file = fs::File::create(&tmp).with_context(|| tmp.display().to_string())?;
        let mut stream = store.get(&m.location).await?.into_stream();
        let mut n = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            file.write_all(&chunk).with_context(|| tmp.display().to_string())?;
            n += chunk.len() as u64;
            bar.2 += chunk.len() as u64;
            bar.0.update(m.location.as_ref(), bar.1, bar.2);
        }
        file.sync_all()?;
        if n != m.size {
            bail!("{}: {n} bytes read of {}", m.location, m.size);
        }
        // The old record goes first: a mirror file without one is never trusted.
        let _ = fs::remove_file(meta);
        if let Some(d) = dest.parent() {
            fs::create_dir_all(d).with_context(|| d.display().to_string())?;
        }
        fs::rename(&tmp, dest).with_context(|| dest.display().to_string())?;
        Ok(n)
    }
    .await;
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    let n = result?;
    write_atomic(tmp_dir, meta, record::stamp(m).as_bytes())?;
    Ok(n)
}

/// Remove files under `dir` that are not in `keep` (objects deleted remotely).
fn prune(dir: &Path, keep: &HashSet<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            prune(&p, keep);
            let _ = fs::remove_dir(&p);
        } else if !keep.contains(&p) {
            let _ = fs::remove_file(&p);
        }
    }
}

/// The mirror of `remote` under `root`: a folder for a prefix, a file for one object.
pub fn path_of(remote: &Remote, root: &Path) -> PathBuf {
    let data = root.join("data").join(remote.scheme.dir()).join(&remote.bucket);
    match relative(&remote.prefix) {
        Some(rel) => data.join(rel),
        None => data,
    }
}

/// Whether the objects under a prefix are read as one Parquet folder (Hive
/// partitions and all): every object the folder reader does not ignore is named
/// as Parquet. Otherwise each is read on its own, without partitions.
fn parquet_folder(listed: &[ObjectMeta], prefix: &str) -> bool {
    let mut members = listed.iter().filter(|m| {
        let key = m.location.as_ref();
        let rel = key.strip_prefix(prefix).unwrap_or(key).trim_start_matches('/');
        let mut parts: Vec<&str> = rel.split('/').collect();
        let name = parts.pop().unwrap_or("");
        !parts.iter().any(|p| p.starts_with('.')) && crate::ingest::folder::ignored_reason(name, m.size).is_none()
    });
    let mut any = false;
    let all = members.all(|m| {
        any = true;
        named_parquet(m.location.as_ref())
    });
    any && all
}

/// Bring the mirror of `remote` under `root` in line with the store: every
/// object whole, except Parquet objects `wanted` reads only in part.
pub async fn sync(
    store: &dyn ObjectStore,
    remote: &Remote,
    root: &Path,
    wanted: &Wanted,
    show: bool,
) -> Result<Fetched> {
    let base = PathBuf::from(remote.scheme.dir()).join(&remote.bucket);
    let data = root.join("data").join(&base);
    let meta = root.join("meta").join(&base);
    let tmp_dir = root.join("tmp");
    fs::create_dir_all(&tmp_dir).with_context(|| tmp_dir.display().to_string())?;

    let prefix = (!remote.prefix.is_empty()).then(|| Key::from(remote.prefix.as_str()));
    let mut listed: Vec<ObjectMeta> = Vec::new();
    let mut stream = store.list(prefix.as_ref());
    while let Some(m) = stream.next().await {
        listed.push(m?);
    }
    let single = match (&prefix, listed.is_empty()) {
        (Some(p), true) => match store.head(p).await {
            Ok(m) => {
                listed.push(m);
                true
            }
            Err(object_store::Error::NotFound { .. }) => bail!("{}: no such object or prefix", remote.url),
            Err(e) => return Err(e.into()),
        },
        (None, true) => bail!("{}: the bucket is empty", remote.url),
        _ => false,
    };
    listed.sort_by(|a, b| a.location.cmp(&b.location));

    let total: u64 = listed.iter().map(|m| m.size).sum();
    let mut bar = (Bar::new(show, listed.len() as u64, total), 0u64, 0u64);
    let mut out = Fetched {
        url: remote.url.clone(),
        path: path_of(remote, root),
        objects: 0,
        fetched: 0,
        cached: 0,
        skipped: 0,
        bytes: 0,
        size: total,
    };
    let folder = !single && parquet_folder(&listed, &remote.prefix);
    let mut keep = HashSet::new();
    for m in &listed {
        let Some(rel) = relative(m.location.as_ref()) else {
            continue;
        };
        let (dest, stamp_file) = (data.join(&rel), meta.join(&rel));
        out.objects += 1;
        bar.1 += 1;
        let want = match wanted.sparse() && named_parquet(m.location.as_ref()) {
            true => Want::Parquet {
                parts: folder.then(|| hive::partitions(&out.path, &dest)),
            },
            false => Want::Whole,
        };
        let on_disk = fs::metadata(&dest).is_ok_and(|d| d.is_file() && d.len() == m.size);
        let have = Record::read(&stamp_file)
            .filter(|r| on_disk && r.stamp == record::stamp(m))
            .map(|r| r.present);
        let outcome = match (&want, have) {
            (_, Some(None)) => Outcome::Cached,
            (Want::Whole, None) => Outcome::Fetched(fetch(store, m, &dest, &stamp_file, &tmp_dir, &mut bar).await?),
            (_, have) => {
                let have = have.map(|h| h.unwrap_or_default());
                let slot = sparse::Slot {
                    m,
                    dest: &dest,
                    record_file: &stamp_file,
                    tmp_dir: &tmp_dir,
                };
                sparse::sync(store, slot, have, &want, wanted, &mut bar).await?
            }
        };
        match outcome {
            Outcome::Cached => {
                out.cached += 1;
                bar.2 += m.size;
            }
            Outcome::Fetched(n) => {
                out.fetched += 1;
                out.bytes += n;
            }
            Outcome::Skipped => out.skipped += 1,
        }
        keep.insert(dest);
    }
    if !single && out.path.is_dir() {
        prune(&out.path, &keep);
    }
    if out.objects == 0 {
        bail!("{}: no object under it has a key rewind can mirror", remote.url);
    }
    Ok(out)
}
