//! The sparse mirror of a Parquet object: a local file of the object's full size
//! (holes cost no disk) holding only the byte ranges an import needs, fetched by
//! range. Which ranges those are comes from the reader's own plan
//! ([`crate::ingest::parquet::plan`]): the footer, then the row groups the import
//! filter cannot rule out, and of those only the columns the mapping reads; an
//! object whose Hive partition the filter rules out needs nothing. The object's
//! record says which ranges the file holds, so a later import fetches only what
//! it lacks, and the reader refuses to read what is not there ([`coverage`]).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use anyhow::{bail, Context, Result};
use futures_util::StreamExt;
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore};
use parquet::arrow::arrow_reader::ArrowReaderMetadata;

use super::progress::Bar;
use super::record::Record;
use super::spans::Spans;
use super::Wanted;
use crate::ingest::parquet::{guard, plan, prune};

/// Bytes read from the end of an object for its footer in one request: most
/// footers fit, so the metadata seldom takes a second one.
const FOOTER_GUESS: u64 = 64 * 1024;

/// Ranges closer than this are fetched as one: a request costs more than the
/// bytes between them (object_store coalesces at the same distance).
const GAP: u64 = 1024 * 1024;

/// What an object needs.
pub enum Want {
    /// Every byte.
    Whole,
    /// What reading it as Parquet under the import filter touches; `parts`: its
    /// Hive partitions, when it is read as a member of a Parquet folder.
    Parquet {
        parts: Option<Vec<(String, Option<String>)>>,
    },
}

/// An object and where its mirror lives.
pub struct Slot<'a> {
    pub m: &'a ObjectMeta,
    pub dest: &'a Path,
    pub record_file: &'a Path,
    pub tmp_dir: &'a Path,
}

/// What syncing one object did.
pub enum Outcome {
    Cached,
    Fetched(u64),
    /// The filter needs nothing of it.
    Skipped,
}

/// The mirror file being filled and what it holds.
struct Target<'a> {
    m: &'a ObjectMeta,
    path: PathBuf,
    file: File,
    have: Spans,
    fetched: u64,
}

impl Target<'_> {
    /// Fetch the parts of `want` the file lacks, nearby ones in one request each
    /// (bytes it already holds are not fetched again), and only from the object
    /// as listed (If-Match its ETag): a changed object fails the fetch rather
    /// than mixing two versions in one file.
    async fn fill(&mut self, store: &dyn ObjectStore, want: &Spans, bar: &mut (Bar, u64, u64)) -> Result<()> {
        let missing = want.coalesced(GAP).minus(&self.have);
        for r in missing.ranges() {
            let r = r.start..r.end.min(self.m.size);
            if r.is_empty() {
                continue;
            }
            let opts = GetOptions {
                range: Some(GetRange::Bounded(r.clone())),
                if_match: self.m.e_tag.clone(),
                ..GetOptions::default()
            };
            let mut stream = store.get_opts(&self.m.location, opts).await?.into_stream();
            self.file
                .seek(SeekFrom::Start(r.start))
                .with_context(|| self.path.display().to_string())?;
            let mut n = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                self.file
                    .write_all(&chunk)
                    .with_context(|| self.path.display().to_string())?;
                n += chunk.len() as u64;
                bar.2 += chunk.len() as u64;
                bar.0.update(self.m.location.as_ref(), bar.1, bar.2);
            }
            if n != r.end - r.start {
                bail!("{}: {n} bytes read of bytes {}..{}", self.m.location, r.start, r.end);
            }
            self.fetched += n;
            self.have.insert(r);
        }
        Ok(())
    }

    fn read_at(&mut self, r: Range<u64>) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; usize::try_from(r.end - r.start)?];
        self.file.seek(SeekFrom::Start(r.start))?;
        self.file.read_exact(&mut buf)?;
        Ok(buf)
    }
}

/// The row groups' byte ranges reading the object in `t` touches under
/// `wanted`, its magic number and footer fetched first (as needed). Empty when
/// its partition is ruled out, or it is no Parquet file the reader could plan.
async fn parquet_needs(
    store: &dyn ObjectStore,
    t: &mut Target<'_>,
    parts: &Option<Vec<(String, Option<String>)>>,
    wanted: &Wanted,
    bar: &mut (Bar, u64, u64),
) -> Result<Spans> {
    let size = t.m.size;
    if let Some(parts) = parts {
        if prune::file(&wanted.filter, parts, &wanted.fields).is_some() {
            return Ok(Spans::new());
        }
    }
    if size < 12 {
        return Ok(Spans::of(0..size));
    }
    // Detection reads the magic number; on its own, as the row groups may be far.
    t.fill(store, &Spans::of(0..4), bar).await?;
    let last = size - plan::TAIL..size;
    if !t.have.covers(&last) {
        t.fill(store, &Spans::of(size.saturating_sub(FOOTER_GUESS)..size), bar)
            .await?;
    }
    let tail = t.read_at(last)?;
    // Not a Parquet footer: the reader reports the file from what is there.
    let Some(footer) = plan::footer(size, &tail) else {
        return Ok(Spans::new());
    };
    t.fill(store, &Spans::of(footer), bar).await?;
    let loaded = guard::guarded(|| ArrowReaderMetadata::load(&t.file, Default::default()));
    let Ok(Ok(meta)) = loaded else {
        return Ok(Spans::new());
    };
    let parts = parts.clone().unwrap_or_default();
    // A schema the mapping cannot use fails the import once the footer is read.
    let Ok(p) = plan::plan(&meta, &parts, &wanted.fields, &wanted.filter) else {
        return Ok(Spans::new());
    };
    let projection = p.roles.projection.as_deref();
    Ok(Spans::from_ranges(
        p.groups
            .iter()
            .flat_map(|&g| plan::group_bytes(meta.metadata(), g, projection)),
    ))
}

/// Bring the mirror of `m` at `dest` (record at `record_file`) to hold what
/// `want` needs. `have`: what the mirror holds of this very object (same ETag,
/// last-modified and size), `None` when it holds nothing of it: then the object
/// is fetched into `tmp_dir` and renamed into place, so a failure leaves the
/// mirror as it was. An object already there gets its holes filled in place and
/// its record rewritten after: bytes a failure leaves in a hole stay unrecorded.
pub async fn sync(
    store: &dyn ObjectStore,
    slot: Slot<'_>,
    have: Option<Spans>,
    want: &Want,
    wanted: &Wanted,
    bar: &mut (Bar, u64, u64),
) -> Result<Outcome> {
    let Slot {
        m,
        dest,
        record_file,
        tmp_dir,
    } = slot;
    let fresh = have.is_none();
    let path = match fresh {
        true => tmp_dir.join(format!("sparse-{}", std::process::id())),
        false => dest.to_path_buf(),
    };
    let result = async {
        let file = match fresh {
            true => {
                let f = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&path)
                    .with_context(|| path.display().to_string())?;
                f.set_len(m.size).with_context(|| path.display().to_string())?;
                f
            }
            false => OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .with_context(|| path.display().to_string())?,
        };
        let mut t = Target {
            m,
            path: path.clone(),
            file,
            have: have.clone().unwrap_or_default(),
            fetched: 0,
        };
        let need = match want {
            Want::Whole => Spans::of(0..m.size),
            Want::Parquet { parts } => parquet_needs(store, &mut t, parts, wanted, bar).await?,
        };
        t.fill(store, &need, bar).await?;
        t.file.sync_all().with_context(|| path.display().to_string())?;
        Ok::<_, anyhow::Error>((t.have, t.fetched))
    }
    .await;
    let (now, fetched) = match result {
        Ok(done) => done,
        Err(e) => {
            if fresh {
                let _ = fs::remove_file(&path);
            }
            return Err(e);
        }
    };
    let mut present = now;
    if fresh {
        // The old record goes first: a mirror file without one is never trusted.
        let _ = fs::remove_file(record_file);
        if let Some(d) = dest.parent() {
            fs::create_dir_all(d).with_context(|| d.display().to_string())?;
        }
        fs::rename(&path, dest).with_context(|| dest.display().to_string())?;
    } else if let Some(r) = Record::read(record_file).filter(|r| r.stamp == super::record::stamp(m)) {
        // Another rewind may have filled other holes meanwhile.
        present.union(&r.present());
    }
    if fetched > 0 || fresh {
        super::mirror::write_atomic(tmp_dir, record_file, Record::new(m, present).text().as_bytes())?;
    }
    let skipped = matches!(want, Want::Parquet { parts: Some(parts) } if prune::file(&wanted.filter, parts, &wanted.fields).is_some());
    Ok(match (skipped, fetched) {
        (true, 0) => Outcome::Skipped,
        (_, 0) => Outcome::Cached,
        (_, n) => Outcome::Fetched(n),
    })
}

/// Mirror roots whose files readers check against their records.
fn roots() -> &'static Mutex<Vec<PathBuf>> {
    static ROOTS: OnceLock<Mutex<Vec<PathBuf>>> = OnceLock::new();
    ROOTS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Make readers check files under the mirror at `root` against their records.
pub fn watch(root: &Path) {
    let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut roots = roots().lock().unwrap_or_else(|e| e.into_inner());
    if !roots.contains(&root) {
        roots.push(root);
    }
}

/// What of the file at `path` may be read, when it is an object mirrored in
/// part: `None` for any other file (a whole object, a local file). A mirror file
/// without a valid record, or whose record does not match its size, holds
/// nothing that may be read.
pub fn coverage(path: &Path) -> Option<Spans> {
    let roots = roots().lock().unwrap_or_else(|e| e.into_inner()).clone();
    if roots.is_empty() {
        return None;
    }
    let path = fs::canonicalize(path).ok()?;
    let (root, rel) = roots
        .iter()
        .find_map(|r| path.strip_prefix(r.join("data")).ok().map(|rel| (r, rel)))?;
    let len = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    match Record::read(&root.join("meta").join(rel)) {
        Some(r) if r.size == len => r.present,
        _ => Some(Spans::new()),
    }
}
