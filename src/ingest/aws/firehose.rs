//! Firehose S3 prefixes (docs/formats.md §4): objects under `YYYY/MM/dd/HH/` named
//! `<stream>-<n>-YYYY-MM-dd-HH-MM-SS-<uuid>[.gz]`, each holding JSON records
//! concatenated without a delimiter (or one per line), gzip possibly multi-member.
//! Objects are read in the order of the time in their names, records in byte order;
//! with `--input-format firehose`, a folder of objects named otherwise (or one object)
//! is read in path order.

use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};

use anyhow::{bail, Result};
use regex::Regex;

use super::files::{self, FileFrames, Next, Progress};
use super::payload::{self, Origin};
use super::stream_rec;
use crate::ingest::filter::Filter;
use crate::ingest::{BadRecord, Item, Source, SourceConfig};

/// `YYYY/MM/dd/HH` folders; a prefix is rarely deeper than this below the user's folder.
const MAX_DEPTH: usize = 6;
/// Bound on the entries detection looks at, so pointing at a huge folder stays quick.
const DETECT_ENTRIES: usize = 10_000;

fn object_name() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(.+)-\d+-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-[0-9A-Za-z-]+(\.[A-Za-z0-9.]+)?$")
            .unwrap_or_else(|_| unreachable!("the pattern is valid"))
    })
}

/// Does this folder hold Firehose objects (by their names)?
pub fn is_prefix(root: &Path) -> bool {
    let mut seen = 0;
    let mut found = false;
    visit(root, 0, &mut |p| {
        seen += 1;
        found |= is_object(p);
        !found && seen < DETECT_ENTRIES
    });
    found
}

pub fn is_object(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| object_name().is_match(n))
}

/// Visit regular files below `dir` (hidden ones skipped) until `f` returns false.
fn visit(dir: &Path, depth: usize, f: &mut dyn FnMut(&Path) -> bool) -> bool {
    let Ok(entries) = fs::read_dir(dir) else { return true };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            continue;
        }
        let go_on = if p.is_dir() {
            depth < MAX_DEPTH && visit(&p, depth + 1, f)
        } else {
            f(&p)
        };
        if !go_on {
            return false;
        }
    }
    true
}

/// Sort key of an object: the time in its name, then its name.
fn object_key(p: &Path) -> (String, String) {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let time = object_name()
        .captures(&name)
        .map(|c| {
            (2..=7)
                .filter_map(|i| c.get(i))
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join("")
        })
        .unwrap_or_default();
    (time, name)
}

/// How long after the time in an object's name its records may have arrived: the
/// buffer interval (at most 15 minutes) with room for clocks that disagree. A
/// record's own time is at or before its arrival.
const ARRIVAL_SLACK_MICROS: i64 = 3_600_000_000;

/// The UTC time in an object's name.
fn name_time(p: &Path) -> Option<i64> {
    let (time, _) = object_key(p);
    let t = chrono::NaiveDateTime::parse_from_str(&time, "%Y%m%d%H%M%S").ok()?;
    Some(t.and_utc().timestamp_micros())
}

/// Leave out the objects whose records all came before `--since`: their times are at
/// most an hour past the time in their names. `--until` prunes nothing: a record
/// may arrive any time after its own time.
fn prune(files: Vec<PathBuf>, filter: &Filter, pruned: &mut VecDeque<Item>) -> Vec<PathBuf> {
    if filter.since().is_none() {
        return files;
    }
    let mut kept = Vec::with_capacity(files.len());
    for f in files {
        let hi = name_time(&f).map(|t| t.saturating_add(ARRIVAL_SLACK_MICROS));
        if filter.time_may_match(None, hi) {
            kept.push(f);
            continue;
        }
        pruned.push_back(Item::Pruned(BadRecord {
            file: f.display().to_string(),
            loc: 0,
            offset: true,
            reason: format!(
                "not read: named {}, so its records are from {} (an hour later) or before, outside the import filter ({})",
                name_time(&f).map_or("?".into(), crate::time::format_micros),
                hi.map_or("?".into(), crate::time::format_micros),
                filter.describe()
            ),
        }));
    }
    kept
}

struct Reader {
    frames: FileFrames,
    delivery_stream: String,
}

pub struct FirehoseSource {
    pending: VecDeque<Item>,
    files: Vec<PathBuf>,
    next: usize,
    reader: Option<Reader>,
    cfg: SourceConfig,
    progress: Progress,
    index: u64,
}

impl FirehoseSource {
    pub fn open(root: &Path, cfg: SourceConfig) -> Result<FirehoseSource> {
        let (mut named, mut other) = (Vec::new(), Vec::new());
        if root.is_file() {
            // One object downloaded on its own.
            other.push(root.to_path_buf());
        }
        visit(root, 0, &mut |p| {
            if is_object(p) {
                named.push(p.to_path_buf());
            } else {
                other.push(p.to_path_buf());
            }
            true
        });
        // Forced with --input-format on objects named otherwise: every file, in path order.
        // Beside named objects, other files are listed as not read, never dropped unseen.
        let mut pending = VecDeque::new();
        let mut files = if named.is_empty() {
            other
        } else {
            for p in other {
                pending.push_back(Item::Ignored(BadRecord {
                    file: p.display().to_string(),
                    loc: 0,
                    offset: true,
                    reason: "not named as a Firehose object (<stream>-<n>-YYYY-MM-dd-HH-MM-SS-<id>): not read as part of the prefix".to_string(),
                }));
            }
            named
        };
        if files.is_empty() {
            bail!("{}: no files in this folder", root.display());
        }
        files.sort_by_cached_key(|p| object_key(p));
        let files = prune(files, &cfg.filter, &mut pending);
        Ok(FirehoseSource {
            pending,
            files,
            next: 0,
            reader: None,
            cfg,
            progress: Progress::new(),
            index: 0,
        })
    }

    fn open_next(&mut self) -> Result<bool> {
        let Some(path) = self.files.get(self.next) else {
            return Ok(false);
        };
        self.next += 1;
        let frames = FileFrames::open(path, None)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let delivery_stream = object_name()
            .captures(&name)
            .and_then(|c| c.get(1))
            .map_or_else(|| "firehose".to_string(), |m| m.as_str().to_string());
        self.reader = Some(Reader {
            frames,
            delivery_stream,
        });
        Ok(true)
    }
}

impl Source for FirehoseSource {
    fn next_item(&mut self) -> Result<Option<Item>> {
        if let Some(item) = self.pending.pop_front() {
            return Ok(Some(item));
        }
        loop {
            let Some(r) = self.reader.as_mut() else {
                if !self.open_next()? {
                    return Ok(None);
                }
                continue;
            };
            self.progress.update(&r.frames);
            let f = match r.frames.next()? {
                Next::Frame(f) => f,
                Next::Bad(bad) => return Ok(Some(Item::Bad(bad))),
                Next::End => {
                    self.progress.finish(&r.frames);
                    self.reader = None;
                    continue;
                }
            };
            let index = self.index;
            self.index += 1;
            let origin = Origin {
                partition_key: None,
                table: &r.delivery_stream,
            };
            let mapped = payload::map(&f.bytes, &self.cfg, index, &origin).map(|mut rec| {
                if rec.dedupe.is_none() {
                    rec.dedupe = stream_rec::own_id(&rec, &self.cfg, index);
                }
                rec
            });
            return Ok(Some(files::item(&r.frames.file, f.line, mapped)));
        }
    }

    fn format_name(&self) -> String {
        "firehose".to_string()
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.progress.total.clone()
    }
}
