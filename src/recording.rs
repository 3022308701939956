//! A recording: the cache built from a list of inputs under a set of rules. Front
//! ends open one, then ask it for events, states, diffs and histories.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use rusqlite::OptionalExtension;
use serde_json::Value;

use crate::cache::import::{InputKey, Outcome, Progress, StoredInput};
use crate::cache::{is_sqlite_file, Cache, Catalog};
use crate::hash::{fnv1a, fnv1a_parts};
use crate::ingest::mapping::Mapper;
use crate::ingest::{open_source, Format, RecordsMode, SourceConfig};
use crate::json::{diff, eq::json_eq, pointer};
use crate::model::Event;
use crate::points::{Point, PointError};
use crate::replay::{Replayer, World};
use crate::rules::Rules;
use crate::time;

#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub inputs: Vec<PathBuf>,
    pub cache: Option<PathBuf>,
    pub format: Option<Format>,
    pub rules: Option<PathBuf>,
    pub strict: bool,
    /// `--records events|states` (docs/formats.md §0).
    pub records: RecordsMode,
    /// `--key a,b`: key attributes of state items.
    pub key: Vec<String>,
    /// `--system-streams`: keep EventStoreDB `$` streams.
    pub system_streams: bool,
}

impl OpenOptions {
    /// The options that change how an input maps to events, as stored with it: an
    /// input imported under other options is imported again.
    fn input_options(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(f) = self.format {
            parts.push(f.name().to_string());
        }
        match self.records {
            RecordsMode::Auto => {}
            RecordsMode::Events => parts.push("records=events".into()),
            RecordsMode::States => parts.push("records=states".into()),
        }
        if !self.key.is_empty() {
            parts.push(format!("key={}", self.key.join(",")));
        }
        if self.system_streams {
            parts.push("system-streams".into());
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Imported,
    Cached,
}

#[derive(Debug, Clone)]
pub struct InputReport {
    pub display: String,
    pub status: Status,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub struct OpenReport {
    pub cache: PathBuf,
    pub inputs: Vec<InputReport>,
    pub events: u64,
    pub streams: u64,
    pub snapshots: u64,
    pub time_range: (Option<i64>, Option<i64>),
    pub seconds: f64,
}

/// Progress of an open, for front ends that show it.
#[derive(Debug, Clone)]
pub enum OpenProgress {
    Importing {
        input: String,
        progress: Progress,
        size: u64,
    },
    Checkpoints {
        pos: u64,
        len: u64,
    },
}

pub struct Recording {
    pub cache: Cache,
    pub cat: Catalog,
    pub rules: Rules,
}

/// Where the cache of these inputs lives when `--cache` is not given.
pub fn default_cache_path(inputs: &[PathBuf]) -> Result<PathBuf> {
    let dir = match std::env::var_os("REWIND_CACHE_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => dirs::cache_dir()
            .map(|d| d.join("rewind"))
            .ok_or_else(|| anyhow!("no cache directory: set REWIND_CACHE_DIR or pass --cache FILE"))?,
    };
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for p in inputs {
        let c = fs::canonicalize(p).with_context(|| p.display().to_string())?;
        parts.push(c.to_string_lossy().into_owned().into_bytes());
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
    Ok(dir.join(format!("{stem}-{:016x}.db", fnv1a_parts(&refs))))
}

/// Size, mtime and a hash of the first and last blocks: enough to tell that a
/// big export is unchanged without reading it. A folder's key covers every file
/// in it (path, size, mtime).
fn input_key(path: &Path, options: Option<String>, mapping_hash: u64) -> Result<InputKey> {
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
        (
            size as i64,
            mtime_of(&meta),
            format!("{:016x}{:016x}", fnv1a(&head), fnv1a(&tail)),
        )
    };
    Ok(InputKey {
        path: canonical.to_string_lossy().into_owned(),
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

/// The private file a first import of `cache` builds in process `pid`.
fn build_path(cache: &Path, pid: u32) -> PathBuf {
    cache.with_extension(format!("importing-{pid}"))
}

/// Delete a build file and the journals SQLite may have left beside it.
fn remove_build(tmp: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = fs::remove_file(format!("{}{suffix}", tmp.display()));
    }
}

/// Delete the build files of first imports of `cache` that were killed: their
/// process is gone. A live process's file is left alone.
fn remove_stale_builds(cache: &Path) {
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
fn publish(tmp: &Path, cache: &Path) -> Result<bool> {
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

impl Recording {
    /// Open (and import what changed) per `opts`.
    pub fn open(opts: &OpenOptions, progress: &mut dyn FnMut(OpenProgress)) -> Result<(Recording, OpenReport)> {
        let started = Instant::now();
        if opts.inputs.is_empty() {
            bail!("no input given");
        }
        let cache_inputs: Vec<&PathBuf> = opts
            .inputs
            .iter()
            .filter(|p| p.is_file() && is_sqlite_file(p))
            .collect();
        if !cache_inputs.is_empty() {
            if opts.inputs.len() > 1 {
                bail!(
                    "a cache file ({}) can't be combined with other inputs",
                    cache_inputs[0].display()
                );
            }
            return Recording::open_cache(&opts.inputs[0], opts, started);
        }
        for p in &opts.inputs {
            if !p.exists() {
                bail!("{}: no such file or folder", p.display());
            }
        }
        let cache_path = match &opts.cache {
            Some(c) => c.clone(),
            None => default_cache_path(&opts.inputs)?,
        };
        let (cache, rules, reports) = if cache_path.exists() {
            let mut cache = Cache::open(&cache_path, true)?;
            let rules = load_rules(&cache, opts.rules.as_deref())?;
            let reports = sync_inputs(&mut cache, opts, &rules, progress)?;
            (cache, rules, reports)
        } else {
            // A first import builds the cache in a private file and publishes it
            // whole: no journal costs, and nobody ever sees half a cache.
            remove_stale_builds(&cache_path);
            let tmp = build_path(&cache_path, std::process::id());
            let rules = match &opts.rules {
                Some(p) => Rules::load(p)?,
                None => Rules::default(),
            };
            let built = Cache::create_bulk(&tmp).and_then(|mut cache| {
                let reports = sync_inputs(&mut cache, opts, &rules, progress).context("import")?;
                cache.seal().context("seal")?;
                Ok(reports)
            });
            let published = built.and_then(|reports| publish(&tmp, &cache_path).map(|won| (reports, won)));
            remove_build(&tmp);
            match published? {
                (reports, true) => (Cache::open(&cache_path, false)?, rules, reports),
                // Another rewind published the same cache first: use that one
                // (bringing it in line with these inputs if they differ).
                (_, false) => {
                    let mut cache = Cache::open(&cache_path, true)?;
                    let reports = sync_inputs(&mut cache, opts, &rules, progress)?;
                    (cache, rules, reports)
                }
            }
        };
        if opts.strict {
            // A cached input with skipped records is as bad under --strict as a new one.
            if let Some(first) = reports.iter().find_map(|r| r.outcome.skipped_sample.first()) {
                bail!("{first} (--strict)");
            }
        }
        Recording::finish_open(cache, rules, cache_path, reports, started)
    }

    fn finish_open(
        cache: Cache,
        rules: Rules,
        path: PathBuf,
        inputs: Vec<InputReport>,
        started: Instant,
    ) -> Result<(Recording, OpenReport)> {
        let cat = cache.catalog()?;
        let report = OpenReport {
            cache: path,
            inputs,
            events: cat.len,
            streams: cache.stream_count()?,
            snapshots: cache.snapshot_count()?,
            time_range: cache.time_range()?,
            seconds: started.elapsed().as_secs_f64(),
        };
        Ok((Recording { cache, cat, rules }, report))
    }

    /// Open an existing cache file given as the input.
    fn open_cache(path: &Path, opts: &OpenOptions, started: Instant) -> Result<(Recording, OpenReport)> {
        let cache = Cache::open(path, false)?;
        let rules = load_rules(&cache, opts.rules.as_deref())?;
        if opts.rules.is_some() && cache.info("rules")?.as_deref() != Some(rules.text.as_str()) {
            // New reducer rules only need new checkpoints; a new field mapping would
            // need the inputs, which a cache file does not carry.
            let mapping = format!("{:016x}", rules.mapping_hash());
            if cache.stored_inputs()?.iter().any(|s| s.key.mapping_hash != mapping) {
                bail!("the rules' field mapping differs from the one this cache was imported with; re-import the inputs with these rules instead");
            }
            cache.set_info("rules", &rules.text)?;
        }
        let inputs = cache
            .stored_inputs()?
            .into_iter()
            .map(|s| InputReport {
                display: s.key.path.clone(),
                status: Status::Cached,
                outcome: s.outcome,
            })
            .collect();
        Recording::finish_open(cache, rules, path.to_path_buf(), inputs, started)
    }

    pub fn len(&self) -> u64 {
        self.cat.len
    }

    pub fn is_empty(&self) -> bool {
        self.cat.len == 0
    }

    pub fn replayer(&self) -> Replayer<'_> {
        Replayer::new(&self.cache, &self.cat, &self.rules)
    }

    /// Build checkpoints (and failure/drift records) if the stored ones are stale.
    /// If another rewind imported into the cache since it was opened, the
    /// catalog is read again first, so this recording shows the newest import.
    pub fn ensure_checkpoints(&mut self, progress: &mut dyn FnMut(OpenProgress)) -> Result<()> {
        let mut attempts = 0;
        loop {
            if self.cache.generation()? != self.cat.generation {
                self.cat = self.cache.catalog()?;
            }
            let r = self.replayer();
            if r.checkpoints_ready()? {
                return Ok(());
            }
            let len = self.cat.len;
            match r.build_checkpoints(&mut |pos| progress(OpenProgress::Checkpoints { pos, len })) {
                Err(e) if e.is::<crate::cache::StaleCatalog>() && attempts < 5 => attempts += 1,
                other => return other,
            }
        }
    }

    /// For a command that reads and exits: build checkpoints, then hold one read
    /// snapshot for the rest of the connection's life, so an import another
    /// rewind commits meanwhile (which may renumber every event) cannot mix into
    /// what this command prints. Not for the TUI, which must see new imports.
    pub fn pin_snapshot(&mut self, progress: &mut dyn FnMut(OpenProgress)) -> Result<()> {
        for _ in 0..5 {
            self.ensure_checkpoints(progress)?;
            self.cache.conn.execute_batch("BEGIN")?;
            // The first read inside the transaction fixes the snapshot.
            if self.cache.generation()? == self.cat.generation && self.replayer().checkpoints_ready()? {
                return Ok(());
            }
            self.cache.conn.execute_batch("ROLLBACK")?;
        }
        // Imports keep landing: read without a pinned snapshot.
        Ok(())
    }

    /// What the recording holds, for "names nothing" errors.
    pub fn describe_range(&self) -> String {
        let mut s = format!("the recording holds positions 0..{}", self.cat.len);
        if let Ok((Some(a), Some(b))) = self.cache.time_range() {
            s.push_str(&format!(
                " and times {} .. {}",
                time::format_micros(a),
                time::format_micros(b)
            ));
        }
        s
    }

    /// Turn a point into a position, or say what was asked and what there is.
    pub fn resolve(&self, point: &Point, text: &str) -> Result<u64> {
        let nothing = |why: String| -> anyhow::Error {
            PointError(format!(
                "point {text:?} names nothing: {why}; {}",
                self.describe_range()
            ))
            .into()
        };
        let len = self.cat.len;
        match point {
            Point::Pos(n) if *n <= len => Ok(*n),
            Point::Pos(n) => Err(nothing(format!("position {n} is past the end"))),
            Point::End => Ok(len),
            Point::EndMinus(n) if *n <= len => Ok(len - n),
            Point::EndMinus(n) => Err(nothing(format!("there are only {len} events, not {n}"))),
            Point::Id(id) => self
                .cache
                .pos_of_id(id)?
                .ok_or_else(|| nothing(format!("no event has id {id:?}"))),
            Point::StreamSeq(stream, seq) => {
                let sid = self
                    .cat
                    .stream_id(stream)
                    .ok_or_else(|| nothing(format!("no stream named {stream:?}")))?;
                self.cache
                    .pos_of_seq(sid, *seq)?
                    .ok_or_else(|| nothing(format!("stream {stream:?} has no event with seq {seq}")))
            }
            Point::Time(t) => self
                .cache
                .pos_at_time(*t)?
                .ok_or_else(|| nothing(format!("no event has a time at or before {}", time::format_micros(*t)))),
        }
    }

    /// Parse and resolve a point given as text.
    pub fn point(&self, text: &str) -> Result<u64> {
        let p = crate::points::parse(text)?;
        self.resolve(&p, text)
    }

    pub fn stream_id(&self, name: &str) -> Result<i64> {
        self.cat.stream_id(name).ok_or_else(|| {
            let mut known: Vec<&str> = self.cat.streams.iter().skip(1).map(String::as_str).take(8).collect();
            if self.cat.streams.len() > 9 {
                known.push("...");
            }
            anyhow!("no stream named {name:?} (streams: {})", known.join(", "))
        })
    }

    pub fn world_at(&self, pos: u64) -> Result<World> {
        self.replayer().world_at(pos)
    }

    /// The world at `pos` as JSON, pretty or compact (what `state` prints).
    pub fn world_json_at(&self, pos: u64, compact: bool) -> Result<Vec<u8>> {
        self.replayer().world_json_at(pos, compact)
    }

    /// The state at `pos`: the world, or one stream's (`null` when it has none).
    pub fn state_at(&self, pos: u64, stream: Option<&str>) -> Result<Value> {
        match stream {
            None => Ok(self.world_at(pos)?.to_value(&self.cat)),
            Some(s) => {
                let sid = self.stream_id(s)?;
                Ok(self.replayer().stream_at(sid, pos)?.unwrap_or(Value::Null))
            }
        }
    }

    pub fn event(&self, pos: u64) -> Result<Option<Event>> {
        self.cache.event(&self.cat, pos)
    }

    /// Diff between two points, optionally narrowed to a stream and a path.
    pub fn diff(&self, from: u64, to: u64, stream: Option<&str>, path: Option<&str>) -> Result<Vec<diff::Change>> {
        if stream.is_none() && path.is_none() {
            let (a, b) = (self.world_at(from)?, self.world_at(to)?);
            return Ok(crate::replay::diff_worlds(&a, &b, &self.cat));
        }
        let a = self.state_at(from, stream)?;
        let b = self.state_at(to, stream)?;
        diff_selected(&a, &b, path)
    }

    /// Every event in `(from, to]` that changed the value at `path` (a pointer into
    /// the world, or into `stream`'s state).
    pub fn history(&self, path: &str, stream: Option<&str>, from: u64, to: u64) -> Result<Vec<HistoryEntry>> {
        let tokens = pointer::parse(path)?;
        let (sid, rest): (Option<i64>, &[String]) = match stream {
            Some(s) => (Some(self.stream_id(s)?), &tokens[..]),
            None => match tokens.split_first() {
                Some((first, rest)) => (Some(self.stream_id(first)?), rest),
                None => (None, &tokens[..]),
            },
        };
        let mut out = Vec::new();
        match sid {
            Some(sid) => {
                self.replayer().walk_stream(sid, from, to, &mut |pos, before, after| {
                    let old = before.and_then(|v| pointer::get(v, rest));
                    let new = after.and_then(|v| pointer::get(v, rest));
                    if !opt_eq(old, new) {
                        out.push(HistoryEntry {
                            pos,
                            old: old.cloned(),
                            new: new.cloned(),
                        });
                    }
                    Ok(())
                })?;
            }
            None => {
                // The whole world: every event that changed any stream.
                let r = self.replayer();
                let mut world = r.world_at(from)?;
                let mut prev = world.to_value(&self.cat);
                self.cache.scan(from, to, None, &mut |ev| {
                    let before = world.get(ev.stream).cloned();
                    r.step(&mut world, &ev)?;
                    if !opt_eq(before.as_ref(), world.get(ev.stream)) {
                        let next = world.to_value(&self.cat);
                        out.push(HistoryEntry {
                            pos: ev.pos,
                            old: Some(prev.clone()),
                            new: Some(next.clone()),
                        });
                        prev = next;
                    }
                    Ok(())
                })?;
            }
        }
        Ok(out)
    }
}

/// Does the cache need a write to hold `keys` (in this order) under these rules?
fn needs_write(
    stored: &[StoredInput],
    stored_rules: Option<&str>,
    keys: &[InputKey],
    opts: &OpenOptions,
    rules: &Rules,
) -> bool {
    stored.len() != keys.len()
        || stored
            .iter()
            .zip(keys)
            .enumerate()
            .any(|(i, (s, k))| s.key != *k || s.ord != i as i64)
        || (opts.rules.is_some() && stored_rules != Some(rules.text.as_str()))
}

fn cached_reports(stored: &[StoredInput], opts: &OpenOptions) -> Vec<InputReport> {
    stored
        .iter()
        .zip(&opts.inputs)
        .map(|(s, p)| InputReport {
            display: p.display().to_string(),
            status: Status::Cached,
            outcome: s.outcome.clone(),
        })
        .collect()
}

/// Bring the cache's inputs in line with `opts.inputs`: import new and changed
/// inputs, drop ones no longer named, store the rules; one transaction.
fn sync_inputs(
    cache: &mut Cache,
    opts: &OpenOptions,
    rules: &Rules,
    progress: &mut dyn FnMut(OpenProgress),
) -> Result<Vec<InputReport>> {
    let mapping_hash = rules.mapping_hash();

    let mut keys = Vec::new();
    for p in &opts.inputs {
        keys.push(input_key(p, opts.input_options(), mapping_hash)?);
    }
    let stored = cache.stored_inputs()?;
    let stored_rules = cache.info("rules")?;
    let mut reports = Vec::new();
    if !needs_write(&stored, stored_rules.as_deref(), &keys, opts, rules) {
        return Ok(cached_reports(&stored, opts));
    }
    let mut imp = cache.begin_import()?;
    // Another rewind may have imported the same inputs while this one waited
    // for the write lock: decide again on what the cache holds now.
    let stored = imp.stored_inputs()?;
    let stored_rules: Option<String> = imp
        .tx()
        .query_row("SELECT value FROM info WHERE key = 'rules'", [], |r| r.get(0))
        .optional()?;
    if !needs_write(&stored, stored_rules.as_deref(), &keys, opts, rules) {
        return Ok(cached_reports(&stored, opts));
    }
    for s in &stored {
        if !keys.contains(&s.key) {
            imp.remove_input(s.id)?;
        }
    }
    let mut needs_merge = false;
    for (i, (key, path)) in keys.iter().zip(&opts.inputs).enumerate() {
        let display = path.display().to_string();
        if let Some(s) = stored.iter().find(|s| s.key == *key) {
            imp.set_order(s.id, i as i64)?;
            needs_merge |= s.outcome.snapshot || s.outcome.by_time;
            reports.push(InputReport {
                display,
                status: Status::Cached,
                outcome: s.outcome.clone(),
            });
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let cfg = SourceConfig {
            mapper: Mapper {
                fields: rules.fields.clone(),
                input_name: name,
            },
            records: opts.records,
            key: opts.key.clone(),
            system_streams: opts.system_streams,
        };
        let source = open_source(path, opts.format, cfg)?;
        let size = key.size as u64;
        let outcome = imp.import(key, i as i64, &display, source, opts.strict, &mut |p| {
            progress(OpenProgress::Importing {
                input: display.clone(),
                progress: p,
                size,
            })
        })?;
        needs_merge |= outcome.snapshot || outcome.by_time;
        reports.push(InputReport {
            display,
            status: Status::Imported,
            outcome,
        });
    }
    if opts.rules.is_some() {
        imp.tx().execute(
            "INSERT OR REPLACE INTO info(key, value) VALUES ('rules', ?1)",
            [&rules.text],
        )?;
    }
    let merge = keys.len() > 1 || needs_merge;
    imp.finish(merge)?;
    Ok(reports)
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub pos: u64,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

fn opt_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => json_eq(a, b),
        _ => false,
    }
}

/// Narrow two states to `path` and diff them; an absent node is absent, not null.
pub fn diff_selected(a: &Value, b: &Value, path: Option<&str>) -> Result<Vec<diff::Change>> {
    match path {
        None => Ok(diff::diff(a, b)),
        Some(p) => {
            let tokens = pointer::parse(p)?;
            let mut changes = Vec::new();
            match (pointer::get(a, &tokens), pointer::get(b, &tokens)) {
                (Some(x), Some(y)) => diff::diff_at(x, y, p, &mut changes),
                (x, y) => {
                    for mut c in diff::diff_opt(x, y) {
                        c.path = format!("{p}{}", c.path);
                        changes.push(c);
                    }
                }
            }
            Ok(changes)
        }
    }
}

fn load_rules(cache: &Cache, given: Option<&Path>) -> Result<Rules> {
    match given {
        Some(p) => Rules::load(p),
        None => match cache.info("rules")? {
            Some(text) => {
                Rules::parse(&text).map_err(|e| anyhow!("rules stored in cache {}: {e}", cache.path.display()))
            }
            None => Ok(Rules::default()),
        },
    }
}
