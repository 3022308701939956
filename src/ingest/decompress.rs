//! Open a file and undo gzip (incl. multi-member) or zstd, chosen by magic bytes.
//!
//! Decompressed output is capped, against decompression bombs: reading stops
//! with an error once it passes [`MAX_RATIO`] times the compressed file's size
//! or [`MIN_LIMIT`], whichever is larger. JSON event logs compress 10-30x (zstd
//! at its highest levels on very repetitive logs, ~100x), so a real export
//! never comes near the cap, while a bomb (gzip reaches ~1000x, zstd far more)
//! stops after at most a few GiB of work instead of filling the disk with a
//! cache. `REWIND_MAX_DECOMPRESSED=BYTES` sets another cap.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::sync::Arc;
use std::thread;

use flate2::read::MultiGzDecoder;

use super::sample::Sampled;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip => "+gzip",
            Compression::Zstd => "+zstd",
        }
    }
}

/// Counts the bytes read from the file itself (compressed), for progress in MB/s.
pub struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> Counting<R> {
    pub fn new(inner: R, count: Arc<AtomicU64>) -> Counting<R> {
        Counting { inner, count }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Decompressed output may be this many times the compressed file's size...
pub const MAX_RATIO: u64 = 250;
/// ...or this much, whichever is larger (1 GiB).
pub const MIN_LIMIT: u64 = 1 << 30;
/// Environment variable overriding the cap (a number of bytes).
pub const LIMIT_ENV: &str = "REWIND_MAX_DECOMPRESSED";

/// The default cap on decompressed output for a compressed file of `size` bytes.
pub fn default_limit(size: u64) -> u64 {
    size.saturating_mul(MAX_RATIO).max(MIN_LIMIT)
}

/// The cap in force, and where it comes from (for the error).
fn limit_for(size: u64) -> (u64, String) {
    match std::env::var(LIMIT_ENV).ok().and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(limit) => (limit, format!("the cap {LIMIT_ENV} sets")),
        None => (
            default_limit(size),
            format!("{MAX_RATIO}x the compressed size, at least 1 GiB; set {LIMIT_ENV}=BYTES to allow more"),
        ),
    }
}

/// Fails a read once more than `limit` bytes have come out.
pub struct Capped<R> {
    inner: R,
    out: u64,
    limit: u64,
    why: String,
    comp: Compression,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out = self.out.saturating_add(n as u64);
        if self.out > self.limit {
            let kind = if self.comp == Compression::Gzip { "gzip" } else { "zstd" };
            return Err(io::Error::other(format!(
                "{kind} content expands past {} bytes ({}): stopped as a likely decompression bomb",
                self.limit, self.why
            )));
        }
        Ok(n)
    }
}

pub fn sniff(head: &[u8]) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// A buffered reader of the decompressed content, the compression found, and the
/// counter of raw bytes consumed. The reader's first `fill_buf` returns the whole
/// detection sample ([`Sampled`]).
pub fn open(path: &Path) -> io::Result<(Box<dyn BufRead + Send>, Compression, Arc<AtomicU64>)> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if super::remote::coverage(path).is_some_and(|p| !p.covers(&(0..len))) {
        // Its holes would read as data: only the Parquet reader reads such a file.
        return Err(io::Error::other(
            "only parts of this object are in the mirror (fetched for a Parquet read): \
             it can be read only as Parquet",
        ));
    }
    let (limit, why) = limit_for(len);
    let count = Arc::new(AtomicU64::new(0));
    let mut raw = BufReader::with_capacity(
        256 * 1024,
        Counting {
            inner: file,
            count: count.clone(),
        },
    );
    let comp = sniff(raw.fill_buf()?);
    let reader: Box<dyn BufRead + Send> = match comp {
        Compression::None => Box::new(Sampled::new(raw)),
        Compression::Gzip => Box::new(Sampled::new(read_ahead(Capped {
            inner: MultiGzDecoder::new(raw),
            out: 0,
            limit,
            why,
            comp,
        })?)),
        Compression::Zstd => Box::new(Sampled::new(read_ahead(Capped {
            inner: zstd::stream::read::Decoder::with_buffer(raw)?,
            out: 0,
            limit,
            why,
            comp,
        })?)),
    };
    Ok((reader, comp, count))
}

const CHUNK: usize = 256 * 1024;

/// Decompression on a thread of its own, a few chunks ahead of the reader: it is a
/// good part of a compressed input's decoding, which is otherwise one thread's work.
/// Read chunks go back to the thread to be filled again.
fn read_ahead<R: Read + Send + 'static>(mut inner: R) -> io::Result<Box<dyn BufRead + Send>> {
    let (tx, rx) = sync_channel::<io::Result<(Vec<u8>, usize)>>(4);
    let (back, spare) = channel::<Vec<u8>>();
    thread::Builder::new().name("decompress".into()).spawn(move || loop {
        let mut chunk = spare.try_recv().unwrap_or_else(|_| vec![0; CHUNK]);
        let sent = match inner.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => tx.send(Ok((chunk, n))),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // The error ends the content, as it would have read inline.
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        // The reader was dropped: stop decompressing.
        if sent.is_err() {
            return;
        }
    })?;
    Ok(Box::new(Ahead {
        rx,
        back,
        chunk: Vec::new(),
        len: 0,
        at: 0,
        done: false,
    }))
}

/// The reading end of [`read_ahead`].
struct Ahead {
    rx: Receiver<io::Result<(Vec<u8>, usize)>>,
    back: Sender<Vec<u8>>,
    /// The current chunk; its first `len` bytes are content.
    chunk: Vec<u8>,
    len: usize,
    at: usize,
    done: bool,
}

impl Read for Ahead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let avail = self.fill_buf()?;
            let n = avail.len().min(buf.len());
            buf[..n].copy_from_slice(&avail[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Ahead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.at >= self.len && !self.done {
            match self.rx.recv() {
                Ok(Ok((chunk, len))) => {
                    let used = std::mem::replace(&mut self.chunk, chunk);
                    if !used.is_empty() {
                        // The thread may have ended: then the chunk is simply freed.
                        let _ = self.back.send(used);
                    }
                    (self.len, self.at) = (len, 0);
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                // The thread ended: the content is over.
                Err(_) => self.done = true,
            }
        }
        Ok(self.chunk.get(self.at..self.len).unwrap_or_default())
    }

    fn consume(&mut self, amt: usize) {
        self.at = (self.at + amt).min(self.len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).expect("gzip");
        gz.finish().expect("gzip")
    }

    #[test]
    fn read_ahead_gives_the_content_across_chunks_and_its_errors() {
        let dir = tempfile::tempdir().expect("tmp");
        let lines: String = (0..60_000)
            .map(|i| format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "x".repeat(i % 50)))
            .collect();
        assert!(lines.len() > 4 * CHUNK);
        let whole = gzip(lines.as_bytes());
        let path = dir.path().join("e.jsonl.gz");
        std::fs::write(&path, &whole).expect("write");
        let (mut r, comp, _) = open(&path).expect("open");
        assert_eq!(comp, Compression::Gzip);
        let mut got = String::new();
        r.read_to_string(&mut got).expect("read");
        assert_eq!(got, lines);
        // A cut member fails the read (after the content before the cut), not ends it quietly.
        std::fs::write(&path, &whole[..whole.len() / 2]).expect("write");
        let (mut r, _, _) = open(&path).expect("open");
        let mut got = Vec::new();
        assert!(r.read_to_end(&mut got).is_err());
        assert!(!got.is_empty() && lines.as_bytes().starts_with(&got));
        // Dropping a reader early stops its thread (no hang, nothing leaks into later reads).
        let (mut r, _, _) = open(&path).expect("open");
        let mut first = [0u8; 10];
        r.read_exact(&mut first).expect("read");
        drop(r);
    }

    #[test]
    fn the_default_cap_is_a_ratio_with_a_floor() {
        assert_eq!(default_limit(0), MIN_LIMIT);
        assert_eq!(default_limit(1 << 20), MIN_LIMIT);
        // A 460 MB export compressed 15x (~31 MB) may expand to ~7.6 GB.
        assert_eq!(default_limit(31_000_000), 7_750_000_000);
        assert_eq!(default_limit(u64::MAX), u64::MAX);
    }

    #[test]
    fn reading_past_the_cap_fails() {
        let mut r = Capped {
            inner: &[7u8; 100][..],
            out: 0,
            limit: 64,
            why: "test".into(),
            comp: Compression::Zstd,
        };
        let mut buf = Vec::new();
        let err = r.read_to_end(&mut buf).expect_err("capped");
        assert!(err.to_string().starts_with("zstd content expands past 64 bytes (test)"));
    }
}
