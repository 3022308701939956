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
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

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
/// counter of raw bytes consumed.
pub fn open(path: &Path) -> io::Result<(Box<dyn BufRead + Send>, Compression, Arc<AtomicU64>)> {
    let file = File::open(path)?;
    let (limit, why) = limit_for(file.metadata()?.len());
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
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            256 * 1024,
            Capped {
                inner: MultiGzDecoder::new(raw),
                out: 0,
                limit,
                why,
                comp,
            },
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            256 * 1024,
            Capped {
                inner: zstd::stream::read::Decoder::with_buffer(raw)?,
                out: 0,
                limit,
                why,
                comp,
            },
        )),
    };
    Ok((reader, comp, count))
}

#[cfg(test)]
mod tests {
    use super::*;

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
