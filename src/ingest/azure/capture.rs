//! Event Hubs Capture (docs/formats.md §7): Avro container files, one file or a tree
//! `{Namespace}/{EventHub}/{PartitionId}/{Y}/{M}/{D}/{h}/{m}/{s}.avro` read as one
//! input. Each file is decoded with its own writer schema. A partition's files
//! are read in time order (its records are in SequenceNumber order), and the
//! partitions are merged by enqueued time as they stream, one open file each, so
//! the import needs no sort.

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};

use super::avro_ocf::OcfReader;
use super::event_data::{self, PartitionName, Scratch};
use super::json_input::walk;
use crate::ingest::filter::Filter;
use crate::ingest::mapping::Mapper;
use crate::ingest::{BadRecord, Item, Source, SourceConfig};
use crate::model::{Record, SourceFile};

/// Counts the bytes read from the input, for progress.
struct Counting {
    file: File,
    total: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.total.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

struct Open {
    reader: OcfReader<BufReader<Counting>>,
    file: Arc<SourceFile>,
    records: u64,
}

/// The files of one partition, read one after the other.
struct Partition {
    /// `<EventHub>/<PartitionId>`, or the file's stem outside a capture tree.
    name: PartitionName,
    files: Vec<PathBuf>,
    next_file: usize,
    cur: Option<Open>,
    /// The next record of this partition, decoded, waiting for the merge.
    head: Option<Record>,
}

pub struct Capture {
    ignored: VecDeque<Item>,
    parts: Vec<Partition>,
    mapper: Mapper,
    scratch: Scratch,
    total: Arc<AtomicU64>,
    index: u64,
    files: usize,
}

/// The `.avro` files of a folder, recursively.
pub fn avro_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, &mut out, &|name| name.to_ascii_lowercase().ends_with(".avro"))?;
    Ok(out)
}

/// `<EventHub>/<PartitionId>` from `.../{EventHub}/{PartitionId}/{Y}/{M}/{D}/{h}/{m}/{s}.avro`.
fn partition_of(path: &Path) -> String {
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let n = comps.len();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if n >= 8 {
        let dated = comps[n - 6..n - 1].iter().all(|c| is_number(c));
        if dated {
            let partition = &comps[n - 7];
            return match n.checked_sub(8).and_then(|i| comps.get(i)) {
                Some(hub) if !hub.is_empty() && hub != "/" => format!("{hub}/{partition}"),
                _ => partition.clone(),
            };
        }
    }
    stem
}

/// The UTC time a capture file's name gives (`…/{Y}/{M}/{D}/{h}/{m}/{s}.avro`): the
/// start of the window it holds.
fn name_time(path: &Path) -> Option<i64> {
    let stem = path.file_stem()?.to_str()?;
    let mut parts: Vec<u32> = vec![stem.parse().ok().filter(|_| is_number(stem))?];
    for c in path.parent()?.components().rev().take(5) {
        let c = c.as_os_str().to_str()?;
        parts.push(c.parse().ok().filter(|_| is_number(c))?);
    }
    let [s, mi, h, d, mo, y] = parts[..] else { return None };
    let date = chrono::NaiveDate::from_ymd_opt(y as i32, mo, d)?;
    Some(date.and_hms_opt(h, mi, s)?.and_utc().timestamp_micros())
}

/// Leave out the files of one partition (in time order) that can hold no record in
/// the filter's window: a file's records were enqueued from the start of its window
/// (its name) and before the next file's window began.
fn prune(files: Vec<PathBuf>, filter: &Filter, pruned: &mut VecDeque<Item>) -> Vec<PathBuf> {
    if !filter.has_time() {
        return files;
    }
    let times: Vec<Option<i64>> = files.iter().map(|f| name_time(f)).collect();
    let mut kept = Vec::with_capacity(files.len());
    for (i, f) in files.into_iter().enumerate() {
        let lo = times[i];
        let hi = times.get(i + 1).copied().flatten().map(|next| next - 1);
        if filter.time_may_match(lo, hi) {
            kept.push(f);
        } else {
            pruned.push_back(Item::Pruned(BadRecord {
                file: f.display().to_string(),
                loc: 0,
                offset: true,
                reason: format!(
                    "not read: its window ({} .. {}) is outside the import filter ({})",
                    lo.map_or("?".into(), crate::time::format_micros),
                    hi.map_or("the next file".into(), |h| crate::time::format_micros(h + 1)),
                    filter.describe()
                ),
            }));
        }
    }
    kept
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Path order with numeric parts compared as numbers (`9/` before `10/`), which is
/// time order in a capture tree whether or not its parts are zero-padded.
fn time_key(path: &Path) -> Vec<(u8, u64, String)> {
    path.components()
        .map(|c| {
            let s = c.as_os_str().to_string_lossy();
            let stem = s.strip_suffix(".avro").unwrap_or(&s);
            match stem.parse::<u64>() {
                Ok(n) if is_number(stem) => (0, n, String::new()),
                _ => (1, 0, s.into_owned()),
            }
        })
        .collect()
}

impl Capture {
    pub fn open(path: &Path, cfg: SourceConfig) -> Result<Capture> {
        let meta = std::fs::metadata(path).with_context(|| path.display().to_string())?;
        let mut ignored = VecDeque::new();
        let files = if meta.is_dir() {
            // Other files of the tree are listed as not read, never dropped unseen.
            let mut other = Vec::new();
            walk(path, &mut other, &|name| !name.to_ascii_lowercase().ends_with(".avro"))?;
            for p in other {
                ignored.push_back(Item::Ignored(BadRecord {
                    file: p.display().to_string(),
                    loc: 0,
                    offset: true,
                    reason: "not an .avro file: not read as part of the Capture tree".to_string(),
                }));
            }
            avro_files(path)?
        } else {
            vec![path.to_path_buf()]
        };
        let count = files.len();
        let mut by_partition: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        for f in files {
            by_partition.entry(partition_of(&f)).or_default().push(f);
        }
        let parts = by_partition
            .into_iter()
            .map(|(name, mut files)| {
                files.sort_by_cached_key(|p| time_key(p));
                let files = prune(files, &cfg.filter, &mut ignored);
                Partition {
                    name: PartitionName::new(name),
                    files,
                    next_file: 0,
                    cur: None,
                    head: None,
                }
            })
            .collect();
        Ok(Capture {
            ignored,
            parts,
            mapper: cfg.mapper,
            scratch: Scratch::default(),
            total: Arc::new(AtomicU64::new(0)),
            index: 0,
            files: count,
        })
    }

    /// The next item of partition `p`: a record, a bad record, or `None` when its
    /// files are done.
    fn pull(&mut self, p: usize) -> Result<Option<Item>> {
        let Some(part) = self.parts.get_mut(p) else {
            return Ok(None);
        };
        loop {
            let Some(cur) = part.cur.as_mut() else {
                match part.open_next(&self.total)? {
                    None => return Ok(None),
                    Some(Ok(())) => continue,
                    Some(Err(bad)) => return Ok(Some(Item::Bad(bad))),
                }
            };
            let (mapper, name, index, scratch) = (&self.mapper, &part.name, self.index, &mut self.scratch);
            let next = cur.reader.next(|schema, b| {
                // The block's offset is the record's place (`file@offset`).
                event_data::decode(mapper, schema, b, name, (0, index), scratch)
            });
            let block = cur.reader.block_start;
            let file = cur.file.clone();
            let bad = |loc: u64, reason: String| BadRecord {
                file: file.path.clone(),
                loc,
                offset: true,
                reason,
            };
            match next {
                Ok(None) => part.cur = None,
                Err(e) => {
                    // Decoding stops at the first broken block; what was read before stays.
                    let reason = format!("{} ({} records of this file read before it)", e.reason, cur.records);
                    part.cur = None;
                    return Ok(Some(Item::Bad(bad(e.offset, reason))));
                }
                Ok(Some(mapped)) => {
                    cur.records += 1;
                    self.index += 1;
                    return Ok(Some(match mapped {
                        Ok(mut rec) => {
                            rec.loc = block;
                            rec.file = Some(file);
                            Item::Record(rec)
                        }
                        Err(reason) => Item::Bad(bad(block, reason)),
                    }));
                }
            }
        }
    }
}

impl Partition {
    /// Open the next non-empty file; a file that is not a Capture file is a bad record.
    fn open_next(&mut self, total: &Arc<AtomicU64>) -> Result<Option<Result<(), BadRecord>>> {
        let Some(path) = self.files.get(self.next_file) else {
            return Ok(None);
        };
        self.next_file += 1;
        let shown = path.display().to_string();
        let file = File::open(path).with_context(|| shown.clone())?;
        if file.metadata().with_context(|| shown.clone())?.len() == 0 {
            // Capture writes empty files for windows without events.
            return Ok(Some(Ok(())));
        }
        let bad = |loc: u64, reason: String| BadRecord {
            file: shown.clone(),
            loc,
            offset: true,
            reason,
        };
        let counting = Counting {
            file,
            total: total.clone(),
        };
        let reader = match OcfReader::open(BufReader::with_capacity(256 * 1024, counting)) {
            Ok(r) => r,
            Err(e) => return Ok(Some(Err(bad(e.offset, e.reason)))),
        };
        if let Err(why) = event_data::check_schema(&reader.schema) {
            return Ok(Some(Err(bad(0, why))));
        }
        self.cur = Some(Open {
            reader,
            file: Arc::new(SourceFile {
                path: shown,
                offsets: true,
            }),
            records: 0,
        });
        Ok(Some(Ok(())))
    }
}

impl Source for Capture {
    fn next_item(&mut self) -> Result<Option<Item>> {
        if let Some(item) = self.ignored.pop_front() {
            return Ok(Some(item));
        }
        // Every partition has its next record at hand; bad records go out at once.
        for p in 0..self.parts.len() {
            while self.parts[p].head.is_none() {
                match self.pull(p)? {
                    None => break,
                    Some(Item::Record(rec)) => self.parts[p].head = Some(rec),
                    Some(other) => return Ok(Some(other)),
                }
            }
        }
        // The earliest head; ties go to the first partition, whose order is stable.
        let next = self
            .parts
            .iter()
            .enumerate()
            .filter_map(|(i, part)| part.head.as_ref().map(|r| (r.time, i)))
            .min();
        Ok(next.and_then(|(_, i)| self.parts[i].head.take()).map(Item::Record))
    }

    fn format_name(&self) -> String {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        let parts = self.parts.len();
        format!(
            "eventhubs-capture ({} avro file{}, {parts} partition{})",
            self.files,
            s(self.files),
            s(parts)
        )
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.total.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_comes_from_the_capture_tree() {
        assert_eq!(
            partition_of(Path::new("/x/ns/hub1/0/2026/11/20/10/05/03.avro")),
            "hub1/0"
        );
        assert_eq!(partition_of(Path::new("samples/EHC.avro")), "EHC");
    }

    #[test]
    fn file_names_give_window_starts() {
        assert_eq!(name_time(Path::new("h/0/1970/1/2/0/0/5.avro")), Some(86_405_000_000));
        assert_eq!(name_time(Path::new("h/0/1970/13/2/0/0/5.avro")), None);
        assert_eq!(name_time(Path::new("samples/EHC.avro")), None);
    }

    #[test]
    fn files_sort_in_time_order_padded_or_not() {
        let mut files = vec![
            PathBuf::from("h/0/2026/11/20/10/0/5.avro"),
            PathBuf::from("h/0/2026/11/20/9/59/59.avro"),
            PathBuf::from("h/0/2026/11/20/10/0/10.avro"),
        ];
        files.sort_by_cached_key(|p| time_key(p));
        assert_eq!(
            files,
            [
                PathBuf::from("h/0/2026/11/20/9/59/59.avro"),
                PathBuf::from("h/0/2026/11/20/10/0/5.avro"),
                PathBuf::from("h/0/2026/11/20/10/0/10.avro"),
            ]
        );
    }
}
