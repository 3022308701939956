//! The database folder of a node (a file-level backup): chunk files and
//! `writer.chk`, read without a server (docs/formats.md §2).
//!
//! Chunks are streamed record by record through a reused buffer, so memory stays
//! flat whatever the chunk size. Events come out in `$all` order, (commit
//! position, prepare position): an implicit-transaction prepare (`IsCommitted`) at
//! once; the prepares of an explicit transaction, remembered by file offset only,
//! when their commit record is read (they are read again from disk then).
//!
//! Damage (a torn record, a length prefix that disagrees with its suffix, a
//! truncated chunk, a missing `writer.chk`, a chunk shorter than it claims) is a
//! reported skip naming file and offset: the events read before it are kept, and
//! reading resumes at the next chunk. `--strict` turns the report into an error.

use std::collections::{HashMap, VecDeque};
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use super::chunk::{self, flags, ChunkFooter, ChunkHeader, LogRecord, FOOTER_SIZE, HEADER_SIZE};
use super::event::{prepare_record, Placed};
use crate::ingest::{BadRecord, Item, Source};
use crate::model::SourceFile;

/// `chunk-NNNNNN.MMMMMM`: chunk start number and version.
pub fn chunk_name(name: &str) -> Option<(u32, u32)> {
    let rest = name.strip_prefix("chunk-")?;
    let (num, ver) = rest.split_once('.')?;
    let digits = |s: &str| s.len() >= 6 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(num) || !digits(ver) {
        return None;
    }
    Some((num.parse().ok()?, ver.parse().ok()?))
}

/// A file of a database folder is read only if it is a regular file inside the
/// folder: a symlink out of it (`../../etc/...`, another user's files) or to a
/// device or pipe (which could block or never end) is refused, with the reason.
fn inside_folder(dir: &Path, path: &Path) -> Result<(), String> {
    let link = path.symlink_metadata().map_err(|e| e.to_string())?;
    let target = if link.file_type().is_symlink() {
        let real = fs::canonicalize(path).map_err(|e| format!("symlink to nowhere ({e}): skipped"))?;
        let base = fs::canonicalize(dir).map_err(|e| e.to_string())?;
        if !real.starts_with(&base) {
            return Err(format!(
                "symlink out of the folder (to {}): not followed",
                real.display()
            ));
        }
        fs::metadata(&real).map_err(|e| e.to_string())?
    } else {
        link
    };
    if !target.is_file() {
        return Err("not a regular file: skipped".into());
    }
    Ok(())
}

pub fn has_chunks(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .any(|e| e.file_name().to_str().and_then(chunk_name).is_some())
        })
        .unwrap_or(false)
}

/// Well above the server's record limit (16 MiB by default): a damaged length
/// never makes the reader allocate more than this.
const MAX_RECORD: u64 = 64 * 1024 * 1024;

struct ChunkFile {
    path: PathBuf,
    file: Arc<SourceFile>,
    /// File name's chunk number and version; the header's last chunk number.
    number: u32,
    version: u32,
    end_number: i32,
    /// No completed footer: records end where `writer.chk` says.
    active: bool,
    /// Where reading starts: after the header, or where a followed read stopped.
    start: u64,
    /// Physical end of the records.
    data_end: u64,
    /// No footer and no `writer.chk` bound: records end at the first zero length.
    scan: bool,
}

/// A prepare of an explicit transaction waiting for its commit.
struct Pending {
    chunk: usize,
    offset: u64,
}

struct Reader {
    chunk: usize,
    r: BufReader<File>,
    pos: u64,
}

/// Where the reading of a followed database stopped: the chunk file and the
/// byte after the last record read (the header's end for a chunk not yet
/// created). `version` `None`: any version of that chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct DbResume {
    pub chunk: u32,
    pub version: Option<u32>,
    pub offset: u64,
}

/// A database read as it grows: from where the last read stopped, and where
/// this one stops, published when the source ends.
#[derive(Debug, Clone, Default)]
pub struct Follow {
    pub from: Option<DbResume>,
    pub end: Arc<std::sync::Mutex<Option<DbResume>>>,
}

pub struct DbSource {
    chunks: Vec<ChunkFile>,
    /// Set when following: prepares still waiting for their commit are read
    /// again next time rather than reported as never committed.
    follow: Option<Follow>,
    /// The last chunk read and where its reading stopped.
    stopped: Option<(usize, u64)>,
    next_chunk: usize,
    reader: Option<Reader>,
    pending: HashMap<i64, Vec<Pending>>,
    ready: VecDeque<Item>,
    system_streams: bool,
    count: Arc<AtomicU64>,
    /// Random-access handle for re-reading transaction prepares.
    reread: Option<(usize, File)>,
    buf: Vec<u8>,
}

impl DbSource {
    pub fn open(path: &Path, system_streams: bool) -> Result<DbSource> {
        Self::open_at(path, system_streams, None)
    }

    /// Open to read from where `follow.from` says (the start when `None`), up to
    /// `writer.chk`; the end is published in `follow.end` once read.
    pub fn open_at(path: &Path, system_streams: bool, follow: Option<Follow>) -> Result<DbSource> {
        let from = follow.as_ref().and_then(|f| f.from);
        let mut ready = VecDeque::new();
        let shown = path.display().to_string();
        let bad = |file: &str, loc: u64, reason: String| {
            Item::Bad(BadRecord {
                file: file.to_string(),
                loc,
                offset: true,
                reason,
            })
        };
        // Highest version of each chunk number; one chunk file given alone is read alone.
        let mut best: HashMap<u32, (u32, PathBuf)> = HashMap::new();
        let (dir, alone) = if path.is_dir() {
            for entry in fs::read_dir(path).with_context(|| shown.clone())? {
                let entry = entry.with_context(|| shown.clone())?;
                let name = entry.file_name();
                let Some((num, ver)) = name.to_str().and_then(chunk_name) else {
                    continue;
                };
                if let Err(why) = inside_folder(path, &entry.path()) {
                    ready.push_back(bad(&format!("{shown}/{}", name.to_string_lossy()), 0, why));
                    continue;
                }
                if best.get(&num).is_none_or(|(v, _)| ver > *v) {
                    best.insert(num, (ver, entry.path()));
                }
            }
            (path.to_path_buf(), false)
        } else {
            let name = path.file_name().and_then(|n| n.to_str()).and_then(chunk_name);
            let Some((num, ver)) = name else {
                bail!("{shown}: not a chunk-NNNNNN.MMMMMM file or a database folder");
            };
            best.insert(num, (ver, path.to_path_buf()));
            let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (parent, true)
        };
        if best.is_empty() {
            bail!("{shown}: no chunk-NNNNNN.MMMMMM files: not an EventStoreDB database folder");
        }
        let mut numbers: Vec<u32> = best.keys().copied().collect();
        numbers.sort_unstable();
        // Chunks wholly before where a followed read stopped were read then.
        if let Some(r) = from {
            numbers.retain(|&n| n >= r.chunk);
        }
        let shown = if alone { dir.display().to_string() } else { shown };

        // Needed only to bound an active chunk; its absence is reported there.
        let writer_path = dir.join("writer.chk");
        // Read no more than the position: a hostile writer.chk may be huge, a
        // device or a pipe, or point outside the folder.
        let refused = match writer_path.symlink_metadata() {
            Ok(_) => inside_folder(&dir, &writer_path).err(),
            Err(_) => None,
        };
        let read_writer = || -> io::Result<Vec<u8>> {
            let mut b = Vec::new();
            File::open(&writer_path)?.take(8).read_to_end(&mut b)?;
            Ok(b)
        };
        let writer_chk: Result<i64, String> = match refused.map_or_else(read_writer, |why| Err(io::Error::other(why))) {
            Err(e) if e.kind() == io::ErrorKind::Other => {
                Err(format!("writer.chk: {e}: the active chunk is read up to its zero tail"))
            }
            Ok(b) if b.len() >= 8 => {
                let mut a = [0; 8];
                a.copy_from_slice(&b[..8]);
                Ok(i64::from_le_bytes(a))
            }
            Ok(b) => Err(format!(
                "writer.chk holds {} bytes, not an 8-byte position: the active chunk is read up to its zero tail",
                b.len()
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err("writer.chk is missing: the active chunk is read up to its zero tail".to_string())
            }
            Err(e) => return Err(e).with_context(|| writer_path.display().to_string()),
        };

        let mut chunks: Vec<ChunkFile> = Vec::new();
        let mut next_number: i64 = if alone {
            numbers.first().map_or(0, |n| i64::from(*n))
        } else {
            from.map_or(0, |r| i64::from(r.chunk))
        };
        let last = numbers.last().copied();
        for num in numbers {
            let Some((version, path)) = best.remove(&num) else {
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let shown_file = format!("{shown}/{name}");
            if i64::from(num) < next_number {
                // Left over from before a scavenge merged it into an earlier chunk.
                continue;
            }
            let mut f = File::open(&path).with_context(|| shown_file.clone())?;
            let len = f.metadata().with_context(|| shown_file.clone())?.len();
            let mut hb = [0u8; HEADER_SIZE as usize];
            if len < HEADER_SIZE && follow.is_some() && Some(num) == last {
                // A running node is creating it: read once its header is written.
                continue;
            }
            if len < HEADER_SIZE {
                ready.push_back(bad(
                    &shown_file,
                    0,
                    format!("truncated chunk: {len} bytes, shorter than its 128-byte header"),
                ));
                continue;
            }
            f.read_exact(&mut hb).with_context(|| shown_file.clone())?;
            let header = match ChunkHeader::parse(&hb) {
                Ok(h) => h,
                Err(e) => {
                    ready.push_back(bad(&shown_file, 0, e));
                    continue;
                }
            };
            if header.transform != 0 {
                bail!(
                    "{shown_file}: encrypted chunk (transform type {}): rewind reads only unencrypted databases; \
                     export the events with a client instead",
                    header.transform
                );
            }
            if i64::from(header.start_number) != i64::from(num) {
                ready.push_back(bad(
                    &shown_file,
                    6,
                    format!(
                        "header says chunk {}, the file name says {num}: skipped",
                        header.start_number
                    ),
                ));
                continue;
            }
            if i64::from(header.start_number) > next_number {
                ready.push_back(bad(
                    &shown,
                    0,
                    format!(
                        "chunks {next_number}..{} are missing: their events are not in this backup",
                        header.start_number - 1
                    ),
                ));
            }
            next_number = i64::from(header.end_number) + 1;

            let footer = if len >= HEADER_SIZE + FOOTER_SIZE {
                let mut fb = [0u8; FOOTER_SIZE as usize];
                f.seek(SeekFrom::Start(len - FOOTER_SIZE))
                    .with_context(|| shown_file.clone())?;
                f.read_exact(&mut fb).with_context(|| shown_file.clone())?;
                ChunkFooter::parse(&fb).ok().filter(|ft| ft.completed)
            } else {
                None
            };
            let is_last = Some(num) == last;
            let active = footer.is_none();
            let (data_end, scan) = match footer {
                Some(ft) => {
                    let phys = u64::try_from(ft.physical_data_size).unwrap_or(u64::MAX);
                    let map = u64::try_from(ft.map_size).unwrap_or(u64::MAX);
                    let need = HEADER_SIZE
                        .saturating_add(phys)
                        .saturating_add(map)
                        .saturating_add(FOOTER_SIZE);
                    if need > len {
                        ready.push_back(bad(
                            &shown_file,
                            len - FOOTER_SIZE,
                            format!(
                                "truncated chunk: its footer claims {phys} bytes of data and a {map}-byte map but the file holds {len} bytes: reading records up to the damage"
                            ),
                        ));
                        (len, true)
                    } else {
                        (HEADER_SIZE + phys, false)
                    }
                }
                None if !is_last => {
                    ready.push_back(bad(
                        &shown_file,
                        len,
                        format!("truncated chunk: no footer in its {len} bytes though later chunks exist: reading records up to the damage"),
                    ));
                    (len, true)
                }
                None => match &writer_chk {
                    // A running node creates the next chunk before writer.chk
                    // reaches its start: nothing in it yet.
                    Ok(w) if follow.is_some() && *w <= header.start_position() => (HEADER_SIZE, false),
                    // A lying chunk size in the header moves the chunk's start past
                    // writer.chk, which would silently read it as empty.
                    Ok(w) if *w < header.start_position() => {
                        ready.push_back(bad(
                            &shown_file,
                            2,
                            format!(
                                "writer.chk puts the end of data at log position {w}, before this chunk's start {} \
                                 (its header claims chunks of {} bytes): reading records up to the zero tail",
                                header.start_position(),
                                header.chunk_size
                            ),
                        ));
                        (
                            len.min(HEADER_SIZE + u64::try_from(header.chunk_size).unwrap_or(0)),
                            true,
                        )
                    }
                    Ok(w) => {
                        let used = w
                            .saturating_sub(header.start_position())
                            .clamp(0, i64::from(header.chunk_size));
                        let end = HEADER_SIZE + u64::try_from(used).unwrap_or(0);
                        if end > len {
                            ready.push_back(bad(
                                &shown_file,
                                len,
                                format!("truncated chunk: writer.chk puts the end of data at byte {end} but the file holds {len} bytes"),
                            ));
                        }
                        (end.min(len), false)
                    }
                    Err(reason) => {
                        ready.push_back(bad(&writer_path.display().to_string(), 0, reason.clone()));
                        (
                            len.min(HEADER_SIZE + u64::try_from(header.chunk_size).unwrap_or(0)),
                            true,
                        )
                    }
                },
            };
            // The chunk a followed read stopped in goes on from there, unless it
            // was rewritten since (a scavenge): then it is read again whole and
            // what it still holds counts as duplicates.
            let start = match from {
                Some(r) if r.chunk == num && r.version.is_none_or(|v| v == version) => r.offset.max(HEADER_SIZE),
                _ => HEADER_SIZE,
            };
            chunks.push(ChunkFile {
                file: Arc::new(SourceFile {
                    path: shown_file,
                    offsets: true,
                }),
                path,
                number: num,
                version,
                end_number: header.end_number,
                active,
                start,
                data_end,
                scan,
            });
        }
        Ok(DbSource {
            chunks,
            follow,
            stopped: None,
            next_chunk: 0,
            reader: None,
            pending: HashMap::new(),
            ready,
            system_streams,
            count: Arc::new(AtomicU64::new(0)),
            reread: None,
            buf: Vec::new(),
        })
    }

    /// Where a followed read goes on: the first prepare still waiting for its
    /// commit, else the byte after the last record of an active chunk, else the
    /// start of the chunk after the last completed one.
    fn resume_point(&self) -> Option<DbResume> {
        let at = |chunk: usize, offset: u64| {
            self.chunks.get(chunk).map(|c| DbResume {
                chunk: c.number,
                version: Some(c.version),
                offset,
            })
        };
        if let Some(p) = self.pending.values().flatten().min_by_key(|p| (p.chunk, p.offset)) {
            return at(p.chunk, p.offset);
        }
        let Some((chunk, pos)) = self.stopped else {
            return self.follow.as_ref().and_then(|f| f.from);
        };
        let c = &self.chunks[chunk];
        if c.active {
            return at(chunk, pos);
        }
        Some(DbResume {
            chunk: u32::try_from(c.end_number).unwrap_or(c.number).saturating_add(1),
            version: None,
            offset: HEADER_SIZE,
        })
    }

    fn bad(&self, chunk: usize, offset: u64, reason: String) -> Item {
        Item::Bad(BadRecord {
            file: self.chunks.get(chunk).map(|c| c.file.path.clone()).unwrap_or_default(),
            loc: offset,
            offset: true,
            reason,
        })
    }

    /// Read the next framed record of the current chunk into `buf`; `None` at the
    /// chunk's end or at damage (reported in `ready`).
    fn next_frame(&mut self) -> Result<Option<(usize, u64)>> {
        let Some(rd) = self.reader.as_mut() else {
            return Ok(None);
        };
        let ch = &self.chunks[rd.chunk];
        let (chunk, pos, end) = (rd.chunk, rd.pos, ch.data_end);
        let scan = ch.scan;
        if pos >= end {
            return Ok(None);
        }
        if end - pos < 4 {
            let item = self.bad(
                chunk,
                pos,
                format!("torn record: {} bytes left where a length prefix starts", end - pos),
            );
            self.ready.push_back(item);
            return Ok(None);
        }
        let mut lb = [0u8; 4];
        if let Err(e) = rd.r.read_exact(&mut lb) {
            return self.damaged(chunk, pos, e, "length prefix");
        }
        let len = i32::from_le_bytes(lb);
        if len == 0 && scan {
            return Ok(None);
        }
        let Some(size) = u64::try_from(len).ok().filter(|&l| l > 0) else {
            let item = self.bad(
                chunk,
                pos,
                format!("bad record length {len}: the rest of this chunk is skipped"),
            );
            self.ready.push_back(item);
            return Ok(None);
        };
        if size > MAX_RECORD {
            let item = self.bad(
                chunk,
                pos,
                format!("bad record length {len}: larger than any record ({MAX_RECORD} bytes); the rest of this chunk is skipped"),
            );
            self.ready.push_back(item);
            return Ok(None);
        }
        if size + 8 > end - pos {
            let item = self.bad(
                chunk,
                pos,
                format!(
                    "torn record: length prefix says {size} bytes but the chunk's data ends {} bytes later",
                    end - pos - 4
                ),
            );
            self.ready.push_back(item);
            return Ok(None);
        }
        self.buf.resize(size as usize, 0);
        if let Err(e) = rd.r.read_exact(&mut self.buf) {
            return self.damaged(chunk, pos, e, "record");
        }
        if let Err(e) = rd.r.read_exact(&mut lb) {
            return self.damaged(chunk, pos, e, "length suffix");
        }
        let suffix = i32::from_le_bytes(lb);
        if suffix != len {
            let item = self.bad(
                chunk,
                pos,
                format!("length prefix {len} disagrees with its suffix {suffix}: the rest of this chunk is skipped"),
            );
            self.ready.push_back(item);
            return Ok(None);
        }
        rd.pos = pos + size + 8;
        self.count.fetch_add(size + 8, Ordering::Relaxed);
        Ok(Some((chunk, pos)))
    }

    fn damaged(&mut self, chunk: usize, pos: u64, e: io::Error, what: &str) -> Result<Option<(usize, u64)>> {
        if e.kind() != io::ErrorKind::UnexpectedEof {
            let file = self.chunks.get(chunk).map(|c| c.file.path.clone()).unwrap_or_default();
            return Err(e).with_context(|| format!("{file}@{pos}: read failed"));
        }
        let item = self.bad(
            chunk,
            pos,
            format!("truncated chunk: the file ends inside the {what} of this record"),
        );
        self.ready.push_back(item);
        Ok(None)
    }

    fn filtered(&self, chunk: usize, offset: u64, reason: String) -> Item {
        Item::Filtered(BadRecord {
            file: self.chunks.get(chunk).map(|c| c.file.path.clone()).unwrap_or_default(),
            loc: offset,
            offset: true,
            reason,
        })
    }

    /// Decode the record in `buf` found at `chunk`/`offset`.
    fn handle(&mut self, chunk: usize, offset: u64) {
        let rec = match chunk::parse_record(&self.buf) {
            Ok(r) => r,
            Err(e) => {
                let item = self.bad(chunk, offset, e);
                self.ready.push_back(item);
                return;
            }
        };
        match rec {
            LogRecord::System => {}
            LogRecord::Prepare(p) => {
                // Transaction bookkeeping without data or delete: not an event.
                if !p.has(flags::DATA | flags::STREAM_DELETE) {
                    return;
                }
                if !self.system_streams && p.stream.starts_with('$') {
                    let why = format!(
                        "system stream {}: left out without --system-streams",
                        crate::sanitize::quote(p.stream)
                    );
                    let item = self.filtered(chunk, offset, why);
                    self.ready.push_back(item);
                    return;
                }
                if p.has(flags::IS_COMMITTED) {
                    let number = p.expected_version.checked_add(1);
                    let r = prepare_record(
                        &p,
                        Placed {
                            file: &self.chunks[chunk].file,
                            offset,
                            commit_position: p.log_position,
                            event_number: number,
                        },
                    );
                    self.ready.push_back(Item::Record(r));
                } else {
                    self.pending
                        .entry(p.transaction_position)
                        .or_default()
                        .push(Pending { chunk, offset });
                }
            }
            LogRecord::Commit(c) => {
                let Some(prepares) = self.pending.remove(&c.transaction_position) else {
                    return;
                };
                for pd in prepares {
                    let item = self.committed(&pd, c.first_event_number, c.log_position);
                    self.ready.push_back(item);
                }
            }
        }
    }

    /// Read a transaction's prepare again and number it from its commit.
    fn committed(&mut self, pd: &Pending, first: i64, commit_position: i64) -> Item {
        let mut buf = Vec::new();
        if let Err(e) = self.read_at(pd.chunk, pd.offset, &mut buf) {
            return self.bad(pd.chunk, pd.offset, format!("re-reading a transaction's prepare: {e}"));
        }
        match chunk::parse_record(&buf) {
            Ok(LogRecord::Prepare(p)) => {
                let number = first.checked_add(i64::from(p.transaction_offset));
                Item::Record(prepare_record(
                    &p,
                    Placed {
                        file: &self.chunks[pd.chunk].file,
                        offset: pd.offset,
                        commit_position,
                        event_number: number,
                    },
                ))
            }
            Ok(_) => self.bad(pd.chunk, pd.offset, "the record changed while reading".to_string()),
            Err(e) => self.bad(pd.chunk, pd.offset, e),
        }
    }

    fn read_at(&mut self, chunk: usize, offset: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        if self.reread.as_ref().is_none_or(|(c, _)| *c != chunk) {
            let path = &self.chunks[chunk].path;
            self.reread = Some((chunk, File::open(path)?));
        }
        let Some((_, f)) = self.reread.as_mut() else {
            return Err(io::Error::other("no file"));
        };
        f.seek(SeekFrom::Start(offset))?;
        let mut lb = [0u8; 4];
        f.read_exact(&mut lb)?;
        let len = usize::try_from(i32::from_le_bytes(lb)).map_err(|_| io::Error::other("bad length"))?;
        buf.resize(len, 0);
        f.read_exact(buf)
    }
}

impl Source for DbSource {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Ok(Some(item));
            }
            if self.reader.is_none() {
                let Some(ch) = self.chunks.get(self.next_chunk) else {
                    if let Some(f) = &self.follow {
                        // Prepares still pending may commit later: read again next time.
                        let resume = self.resume_point();
                        *f.end.lock().unwrap_or_else(|e| e.into_inner()) = resume;
                        return Ok(None);
                    }
                    // Prepares still pending have no commit: not events, left out and counted.
                    if self.pending.is_empty() {
                        return Ok(None);
                    }
                    let mut left: Vec<Pending> = self.pending.drain().flat_map(|(_, p)| p).collect();
                    left.sort_by_key(|p| (p.chunk, p.offset));
                    for p in left {
                        let item = self.filtered(
                            p.chunk,
                            p.offset,
                            "a prepare of a transaction that never committed: not an event".to_string(),
                        );
                        self.ready.push_back(item);
                    }
                    continue;
                };
                let mut f = File::open(&ch.path).with_context(|| ch.file.path.clone())?;
                f.seek(SeekFrom::Start(ch.start))
                    .with_context(|| ch.file.path.clone())?;
                self.reader = Some(Reader {
                    chunk: self.next_chunk,
                    r: BufReader::with_capacity(1 << 20, f),
                    pos: ch.start,
                });
                self.next_chunk += 1;
                self.count.fetch_add(HEADER_SIZE, Ordering::Relaxed);
            }
            match self.next_frame()? {
                Some((chunk, offset)) => self.handle(chunk, offset),
                None => {
                    self.stopped = self.reader.as_ref().map(|r| (r.chunk, r.pos));
                    self.reader = None;
                }
            }
        }
    }

    fn format_name(&self) -> String {
        "eventstore-db".to_string()
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.count.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_names() {
        assert_eq!(chunk_name("chunk-000000.000000"), Some((0, 0)));
        assert_eq!(chunk_name("chunk-000012.000003"), Some((12, 3)));
        assert_eq!(chunk_name("chunk-000012.000003.tmp"), None);
        assert_eq!(chunk_name("chunk-12.3"), None);
        assert_eq!(chunk_name("writer.chk"), None);
    }
}
