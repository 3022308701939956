//! Any folder without a known export layout: every regular file below it, in path
//! order, each detected on its own and read by its own decoder, as one input.
//!
//! Files that hold no records by design (hidden files and folders, `_SUCCESS`,
//! `*.crc`, `_committed_*` / `_started_*` markers, empty files) are listed as
//! [`Item::Ignored`]; a file that cannot be opened or read, or that is in no format
//! rewind reads, is reported as [`Item::Bad`] and the folder goes on with the next
//! file. The union is time-ordered ([`Order::Time`]): the cache sorts it by time,
//! then by each family's order key (Kinesis shard and sequence number, EventStoreDB
//! event number, ...), then in the order read (path, then place in the file) — the
//! same order each file's records get when opened alone, merged across files.

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use super::mapping::Mapper;
use super::{BadRecord, Format, Item, Order, Source, SourceConfig};
use crate::model::SourceFile;

/// Why a file of a folder holds no records by design, if it is such a file.
pub fn ignored_reason(name: &str, len: u64) -> Option<&'static str> {
    if name.starts_with('.') {
        Some("hidden file, not read")
    } else if name == "_SUCCESS" {
        Some("job marker (_SUCCESS), not read")
    } else if name.starts_with("_committed_") || name.starts_with("_started_") {
        Some("commit marker, not read")
    } else if name.to_ascii_lowercase().ends_with(".crc") {
        Some("checksum sidecar (.crc), not read")
    } else if len == 0 {
        Some("empty file")
    } else {
        None
    }
}

/// One part of a folder read as a union.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// A file, detected on its own.
    File(PathBuf),
    /// A sub-folder that is an export layout as a whole (a Firehose prefix, a Capture
    /// tree, a DynamoDB export, an EventStoreDB database), read by its family.
    Layout(PathBuf, Format),
}

impl Member {
    pub fn path(&self) -> &Path {
        match self {
            Member::File(p) | Member::Layout(p, _) => p,
        }
    }
}

/// What the walk of a folder finds.
#[derive(Debug, Default)]
pub struct Listing {
    /// Files and layout sub-folders to read, in path order.
    pub members: Vec<Member>,
    /// Files and folders left out, with why.
    pub ignored: Vec<(PathBuf, &'static str)>,
}

/// Whether every file below `dir` that may hold records passes `part_of`: the test
/// of a family's [`super::Family::covers`] (files held out by design don't count).
pub fn all_files(dir: &Path, part_of: impl Fn(&Path) -> bool) -> bool {
    list(dir, false).is_ok_and(|l| l.members.iter().all(|m| part_of(m.path())))
}

/// Walk `root`: regular files (symlinks to files followed, symlinks to folders not,
/// as the cache key does), sorted by path. With `layouts`, a sub-folder that a family
/// reads as a whole ([`super::detect_layout`]) is one member instead of its files.
pub fn list(root: &Path, layouts: bool) -> Result<Listing> {
    let mut out = Listing::default();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).with_context(|| dir.display().to_string())?;
        for entry in entries {
            let entry = entry.with_context(|| dir.display().to_string())?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let ty = entry.file_type().with_context(|| path.display().to_string())?;
            if ty.is_dir() {
                if name.starts_with('.') {
                    out.ignored.push((path, "hidden folder, not read"));
                } else if let Some(format) = layouts.then(|| super::detect_layout(&path).ok().flatten()).flatten() {
                    out.members.push(Member::Layout(path, format));
                } else {
                    stack.push(path);
                }
                continue;
            }
            match fs::metadata(&path) {
                Ok(m) if m.is_file() => match ignored_reason(&name, m.len()) {
                    Some(why) => out.ignored.push((path, why)),
                    None => out.members.push(Member::File(path)),
                },
                Ok(m) if m.is_dir() => out.ignored.push((path, "symbolic link to a folder, not followed")),
                Ok(_) => out.ignored.push((path, "not a regular file")),
                Err(_) => out.ignored.push((path, "broken symbolic link")),
            }
        }
    }
    out.members.sort_by(|a, b| a.path().cmp(b.path()));
    out.ignored.sort();
    Ok(out)
}

/// The file being read.
struct Current {
    source: Box<dyn Source>,
    /// A layout sub-folder rather than a file.
    layout: bool,
    file: Arc<SourceFile>,
    bytes: Arc<AtomicU64>,
    records: u64,
}

pub struct Union {
    pending: VecDeque<Item>,
    members: Vec<Member>,
    next: usize,
    cur: Option<Current>,
    forced: Option<Format>,
    cfg: SourceConfig,
    /// Bytes of the files already read, and the total shown for progress.
    done: u64,
    total: Arc<AtomicU64>,
    /// Files read per format, for the summary.
    formats: BTreeMap<String, usize>,
    snapshot_files: usize,
}

impl Union {
    /// `forced`: a generic format (`--input-format jsonl|json|snapshot`) given for every file.
    pub fn open(root: &Path, forced: Option<Format>, cfg: SourceConfig) -> Result<Union> {
        // A format forced for every file reads every file with it.
        let listing = list(root, forced.is_none())?;
        if listing.members.is_empty() && listing.ignored.is_empty() {
            bail!("{}: the folder is empty", root.display());
        }
        Ok(Union::of(listing, forced, cfg))
    }

    /// The union of the parts `listing` names (a followed folder's files, or the
    /// ones that appeared since it was last read).
    pub fn of(listing: Listing, forced: Option<Format>, cfg: SourceConfig) -> Union {
        let pending = ignored_items(listing.ignored);
        Union {
            pending,
            members: listing.members,
            next: 0,
            cur: None,
            forced,
            cfg,
            done: 0,
            total: Arc::new(AtomicU64::new(0)),
            formats: BTreeMap::new(),
            snapshot_files: 0,
        }
    }

    /// The configuration of one file: the folder's, with the file's own name for the
    /// ids made up for records without one (each file counts its records from 0).
    fn file_cfg(&self, path: &Path) -> SourceConfig {
        SourceConfig {
            mapper: Mapper {
                fields: self.cfg.mapper.fields.clone(),
                input_name: format!("{}/{}", self.cfg.mapper.input_name, path.display()),
            },
            records: self.cfg.records,
            key: self.cfg.key.clone(),
            system_streams: self.cfg.system_streams,
            filter: self.cfg.filter.clone(),
        }
    }

    /// Open the next file; a file that cannot be opened is reported.
    fn open_next(&mut self) -> Option<Item> {
        let member = self.members.get(self.next)?.clone();
        self.next += 1;
        let path = member.path().to_path_buf();
        let shown = path.display().to_string();
        let bad = |reason: String| {
            Item::Bad(BadRecord {
                file: shown.clone(),
                loc: 0,
                offset: true,
                reason,
            })
        };
        let opened = match member {
            Member::File(_) => super::open_file(&path, self.forced, self.file_cfg(&path)),
            Member::Layout(_, format) => super::open_source(&path, Some(format), self.file_cfg(&path)).map(Ok),
        };
        match opened {
            Ok(Ok(source)) => {
                let bytes = source.bytes_read();
                self.cur = Some(Current {
                    source,
                    layout: matches!(member, Member::Layout(..)),
                    file: Arc::new(SourceFile {
                        path: shown,
                        offsets: false,
                    }),
                    bytes,
                    records: 0,
                });
                None
            }
            Ok(Err(why)) => Some(bad(why)),
            Err(e) => Some(bad(format!("cannot open: {e:#}"))),
        }
    }

    fn close(&mut self) {
        if let Some(cur) = self.cur.take() {
            self.done += cur.bytes.load(Ordering::Relaxed);
            self.total.store(self.done, Ordering::Relaxed);
            let kind = match cur.layout {
                true => format!("{} folder", cur.source.format_name()),
                false => cur.source.format_name(),
            };
            *self.formats.entry(kind).or_default() += 1;
            self.snapshot_files += usize::from(cur.source.is_snapshot());
        }
    }
}

impl Source for Union {
    fn next_item(&mut self) -> Result<Option<Item>> {
        if let Some(item) = self.pending.pop_front() {
            return Ok(Some(item));
        }
        loop {
            let Some(cur) = self.cur.as_mut() else {
                if self.next >= self.members.len() {
                    return Ok(None);
                }
                match self.open_next() {
                    Some(item) => return Ok(Some(item)),
                    None => continue,
                }
            };
            let next = cur.source.next_item();
            self.total
                .store(self.done + cur.bytes.load(Ordering::Relaxed), Ordering::Relaxed);
            match next {
                Ok(Some(Item::Record(mut r))) => {
                    cur.records += 1;
                    if r.file.is_none() {
                        r.file = Some(cur.file.clone());
                    }
                    return Ok(Some(Item::Record(r)));
                }
                Ok(Some(item)) => return Ok(Some(item)),
                Ok(None) => self.close(),
                Err(e) => {
                    // The file stops here; what it gave before stays, the folder goes on.
                    let item = Item::Bad(BadRecord {
                        file: cur.file.path.clone(),
                        loc: cur.bytes.load(Ordering::Relaxed),
                        offset: true,
                        reason: format!("read failed after {} records: {e:#}", cur.records),
                    });
                    self.close();
                    return Ok(Some(item));
                }
            }
        }
    }

    fn format_name(&self) -> String {
        let parts: usize = self.formats.values().sum();
        let folders: usize = self
            .formats
            .iter()
            .filter(|(f, _)| f.ends_with(" folder"))
            .map(|(_, n)| n)
            .sum();
        let kinds: Vec<String> = self.formats.iter().map(|(f, n)| format!("{n} {f}")).collect();
        let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
        let what = match folders {
            0 => plural(parts, "file"),
            _ => format!(
                "{} and {}",
                plural(parts - folders, "file"),
                plural(folders, "export folder")
            ),
        };
        format!("folder of {what}: {}", kinds.join(", "))
    }

    fn is_snapshot(&self) -> bool {
        let files: usize = self.formats.values().sum();
        files > 0 && self.snapshot_files == files
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.total.clone()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}

/// A listing's ignored files as the ledger's `Ignored` entries.
pub fn ignored_items<C: FromIterator<Item>>(ignored: Vec<(PathBuf, &'static str)>) -> C {
    ignored
        .into_iter()
        .map(|(p, why)| {
            Item::Ignored(BadRecord {
                file: p.display().to_string(),
                loc: 0,
                offset: true,
                reason: why.to_string(),
            })
        })
        .collect()
}
