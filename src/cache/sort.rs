//! External sort of the rows of a time-ordered input (`ingest::Order::Time`),
//! so that they go into `events` once, already in their final order, instead of
//! being inserted in the order read and the table rewritten afterwards.
//!
//! Rows collect in memory up to a byte budget, are sorted, and spill as a sorted
//! run to one temporary file; the runs are merged at the end. Memory stays flat
//! however big the input: one chunk, plus one read buffer and one row per run.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs::{self, File};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// One event row as it goes into `events`, with its sort key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// Sort key: time (an untimed record carries the key of the last timed
    /// record read before it), okey, then the order read.
    pub stime: i64,
    pub sokey: Option<Vec<u8>>,
    pub n: u64,
    pub stream: i64,
    pub seq: Option<i64>,
    pub id: String,
    pub ty: i64,
    pub time: Option<i64>,
    pub kind: i64,
    pub data: String,
    pub meta: Option<String>,
    pub file: i64,
    pub loc: i64,
    pub okey: Option<Vec<u8>>,
    /// Identity key (see `Record::dedupe`).
    pub ikey: Option<String>,
}

impl Row {
    pub fn key(&self) -> (i64, Option<&[u8]>, u64) {
        (self.stime, self.sokey.as_deref(), self.n)
    }

    /// Bytes the row holds in memory (for the chunk budget).
    fn weight(&self) -> usize {
        std::mem::size_of::<Row>()
            + self.id.len()
            + self.data.len()
            + self.meta.as_ref().map_or(0, String::len)
            + self.okey.as_ref().map_or(0, Vec::len)
            + self.sokey.as_ref().map_or(0, Vec::len)
            + self.ikey.as_ref().map_or(0, String::len)
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.clear();
        out.extend_from_slice(&[0; 8]); // length, filled in below
        for v in [
            self.stime,
            self.n as i64,
            self.stream,
            self.ty,
            self.kind,
            self.file,
            self.loc,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [self.seq, self.time] {
            put_opt_bytes(out, v.map(i64::to_le_bytes).as_ref().map(|b| &b[..]));
        }
        put_bytes(out, self.id.as_bytes());
        put_bytes(out, self.data.as_bytes());
        put_opt_bytes(out, self.meta.as_deref().map(str::as_bytes));
        put_opt_bytes(out, self.okey.as_deref());
        put_opt_bytes(out, self.sokey.as_deref());
        put_opt_bytes(out, self.ikey.as_deref().map(str::as_bytes));
        let len = out.len() as u64;
        out[..8].copy_from_slice(&len.to_le_bytes());
    }

    /// Decode one row written by `encode` (without its length prefix).
    fn decode(b: &[u8]) -> Result<Row> {
        let mut c = Cursor { b, at: 0 };
        let mut ints = [0i64; 7];
        for v in &mut ints {
            *v = c.i64()?;
        }
        let [stime, n, stream, ty, kind, file, loc] = ints;
        let seq = c.opt_i64()?;
        let time = c.opt_i64()?;
        let id = c.string()?;
        let data = c.string()?;
        let meta = c.opt_bytes()?.map(|b| text(b.to_vec())).transpose()?;
        let okey = c.opt_bytes()?.map(<[u8]>::to_vec);
        let sokey = c.opt_bytes()?.map(<[u8]>::to_vec);
        let ikey = c.opt_bytes()?.map(|b| text(b.to_vec())).transpose()?;
        Ok(Row {
            stime,
            sokey,
            n: n as u64,
            stream,
            seq,
            id,
            ty,
            time,
            kind,
            data,
            meta,
            file,
            loc,
            okey,
            ikey,
        })
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
}

fn put_opt_bytes(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        None => out.push(0),
        Some(b) => {
            out.push(1);
            put_bytes(out, b);
        }
    }
}

fn text(b: Vec<u8>) -> Result<String> {
    String::from_utf8(b).context("sort run: invalid UTF-8")
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.b.len());
        let Some(end) = end else {
            bail!("sort run: truncated row")
        };
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn i64(&mut self) -> Result<i64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(i64::from_le_bytes(a))
    }
    fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = usize::try_from(self.i64()?).context("sort run: bad length")?;
        self.take(n)
    }
    fn opt_bytes(&mut self) -> Result<Option<&'a [u8]>> {
        match self.take(1)?[0] {
            0 => Ok(None),
            _ => self.bytes().map(Some),
        }
    }
    fn opt_i64(&mut self) -> Result<Option<i64>> {
        match self.take(1)?[0] {
            0 => Ok(None),
            _ => {
                let b = self.bytes()?;
                let a: [u8; 8] = b.try_into().context("sort run: bad integer")?;
                Ok(Some(i64::from_le_bytes(a)))
            }
        }
    }
    fn string(&mut self) -> Result<String> {
        text(self.bytes()?.to_vec())
    }
}

/// How many bytes of rows are sorted in memory before a run spills.
pub const CHUNK: usize = 16 << 20;
/// Read buffers of all runs together during the merge.
const MERGE_BUFFERS: usize = 16 << 20;

pub struct Sorter {
    dir: PathBuf,
    chunk: Vec<Row>,
    weight: usize,
    limit: usize,
    spill: Option<Spill>,
    /// (start, end) byte offsets of each run in the spill file.
    runs: Vec<(u64, u64)>,
}

/// The temporary file runs spill to; unlinked at once where the OS allows, so a
/// crash leaves nothing behind.
struct Spill {
    file: File,
    path: PathBuf,
    len: u64,
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn spill_file(dir: &Path) -> Result<Spill> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for attempt in 0..100u32 {
        let path = dir.join(format!(".rewind-sort-{}-{nanos}-{attempt}", std::process::id()));
        match fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => {
                // The open handle keeps the data (on Unix); Drop retries elsewhere.
                let _ = fs::remove_file(&path);
                return Ok(Spill { file, path, len: 0 });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("sort file in {}", dir.display())),
        }
    }
    bail!("sort file in {}: no free name", dir.display())
}

impl Sorter {
    /// Spill files go to `dir` (the cache's folder: it has room for the cache).
    pub fn new(dir: &Path, limit: usize) -> Sorter {
        Sorter {
            dir: dir.to_path_buf(),
            chunk: Vec::new(),
            weight: 0,
            limit,
            spill: None,
            runs: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Row) -> Result<()> {
        self.weight += row.weight();
        self.chunk.push(row);
        if self.weight >= self.limit {
            self.spill_chunk()?;
        }
        Ok(())
    }

    fn spill_chunk(&mut self) -> Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        self.chunk.sort_unstable_by(|a, b| a.key().cmp(&b.key()));
        if self.spill.is_none() {
            self.spill = Some(spill_file(&self.dir)?);
        }
        let Some(spill) = self.spill.as_mut() else {
            bail!("sort file missing")
        };
        let start = spill.len;
        spill.file.seek(SeekFrom::Start(start))?;
        let mut w = BufWriter::with_capacity(1 << 20, &spill.file);
        let mut buf = Vec::new();
        for row in self.chunk.drain(..) {
            row.encode(&mut buf);
            w.write_all(&buf)?;
            spill.len += buf.len() as u64;
        }
        w.flush().context("writing a sort run")?;
        self.runs.push((start, spill.len));
        self.weight = 0;
        Ok(())
    }

    /// The rows in key order.
    pub fn finish(mut self) -> Result<Merged> {
        if self.spill.is_none() {
            // Everything fit in memory: no file at all.
            self.chunk.sort_unstable_by(|a, b| b.key().cmp(&a.key()));
            return Ok(Merged(Inner::Memory(std::mem::take(&mut self.chunk))));
        }
        self.spill_chunk()?;
        let Some(spill) = self.spill.take() else {
            bail!("sort file missing")
        };
        let buffer = (MERGE_BUFFERS / self.runs.len().max(1)).clamp(16 << 10, 1 << 20);
        let mut runs: Vec<Run> = self
            .runs
            .iter()
            .map(|&(start, end)| Run {
                next: start,
                end,
                buf: Vec::new(),
                at: 0,
                size: buffer,
            })
            .collect();
        let mut heap = BinaryHeap::with_capacity(runs.len());
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some(row) = run.next_row(&spill.file)? {
                heap.push(Reverse(Head { row, run: i }));
            }
        }
        Ok(Merged(Inner::Runs { spill, runs, heap }))
    }
}

/// A run being read back: `buf[at..]` holds bytes not yet decoded; `next` is the
/// file offset after them.
struct Run {
    next: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
    size: usize,
}

impl Run {
    /// Make at least `n` undecoded bytes available; false at the run's end.
    fn fill(&mut self, file: &File, n: usize) -> Result<bool> {
        let have = self.buf.len() - self.at;
        if have >= n {
            return Ok(true);
        }
        let left = self.end - self.next;
        if (have as u64).saturating_add(left) < n as u64 {
            if have == 0 && left == 0 {
                return Ok(false);
            }
            bail!("sort run: truncated");
        }
        self.buf.drain(..self.at);
        self.at = 0;
        let want = (n.max(self.size) - have) as u64;
        let take = want.min(left) as usize;
        let old = self.buf.len();
        self.buf.resize(old + take, 0);
        let mut f = file;
        f.seek(SeekFrom::Start(self.next))?;
        f.read_exact(&mut self.buf[old..]).context("reading a sort run")?;
        self.next += take as u64;
        Ok(true)
    }

    fn next_row(&mut self, file: &File) -> Result<Option<Row>> {
        if !self.fill(file, 8)? {
            return Ok(None);
        }
        let mut len = [0u8; 8];
        len.copy_from_slice(&self.buf[self.at..self.at + 8]);
        let len = usize::try_from(u64::from_le_bytes(len)).context("sort run: bad length")?;
        if len < 8 || !self.fill(file, len)? {
            bail!("sort run: bad row length");
        }
        let row = Row::decode(&self.buf[self.at + 8..self.at + len])?;
        self.at += len;
        Ok(Some(row))
    }
}

struct Head {
    row: Row,
    run: usize,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        self.row.key().cmp(&other.row.key())
    }
}

/// The rows of a [`Sorter`] in key order.
pub struct Merged(Inner);

enum Inner {
    /// Sorted in reverse, popped from the end.
    Memory(Vec<Row>),
    Runs {
        spill: Spill,
        runs: Vec<Run>,
        heap: BinaryHeap<Reverse<Head>>,
    },
}

impl Merged {
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        match &mut self.0 {
            Inner::Memory(rows) => Ok(rows.pop()),
            Inner::Runs { spill, runs, heap } => {
                let Some(Reverse(head)) = heap.pop() else {
                    return Ok(None);
                };
                if let Some(run) = runs.get_mut(head.run) {
                    if let Some(row) = run.next_row(&spill.file)? {
                        heap.push(Reverse(Head { row, run: head.run }));
                    }
                }
                Ok(Some(head.row))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(stime: i64, okey: Option<u8>, n: u64) -> Row {
        Row {
            stime,
            sokey: okey.map(|k| vec![k]),
            n,
            id: format!("id{n}"),
            data: format!("{{\"n\":{n},\"pad\":\"{}\"}}", "x".repeat((n % 50) as usize)),
            meta: n.is_multiple_of(3).then(|| "{\"m\":1}".to_string()),
            seq: n.is_multiple_of(2).then_some(n as i64),
            time: (!n.is_multiple_of(5)).then_some(stime),
            okey: okey.map(|k| vec![k, 0]),
            ..Row::default()
        }
    }

    fn sorted(limit: usize, rows: &[Row]) -> Vec<Row> {
        let dir = std::env::temp_dir();
        let mut s = Sorter::new(&dir, limit);
        for r in rows {
            s.push(r.clone()).expect("push");
        }
        let mut m = s.finish().expect("finish");
        let mut out = Vec::new();
        while let Some(r) = m.next_row().expect("next") {
            out.push(r);
        }
        out
    }

    #[test]
    fn spilled_runs_merge_to_the_in_memory_order() {
        let rows: Vec<Row> = (0..5000u64)
            .map(|n| {
                row(
                    ((n * 7919) % 613) as i64 - 300,
                    (n % 4 != 0).then_some((n % 3) as u8),
                    n,
                )
            })
            .collect();
        let mut want = rows.clone();
        want.sort_by(|a, b| a.key().cmp(&b.key()));
        // One chunk in memory, then runs of a few rows each (many runs, rows
        // straddling read buffers).
        assert_eq!(sorted(usize::MAX, &rows), want);
        assert_eq!(sorted(4096, &rows), want);
        assert_eq!(sorted(1, &rows), want);
    }

    #[test]
    fn a_damaged_row_is_an_error_not_a_panic() {
        let mut buf = Vec::new();
        row(1, Some(2), 3).encode(&mut buf);
        for cut in 8..buf.len() {
            assert!(Row::decode(&buf[8..cut]).is_err());
        }
        assert_eq!(Row::decode(&buf[8..]).expect("whole row"), row(1, Some(2), 3));
    }
}
