//! Reading a file that is still being written: only its complete records, from
//! where the last read stopped. A record written in several pieces is read once
//! it is whole; what comes after the last complete record waits for the next read.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::decompress::{self, Compression};
use super::framing::{self, Framer, Framing};
use super::mapping::Mapper;
use super::{Generic, Source};
use crate::hash::fnv1a;

/// Where the reading of a growing file stopped: the byte after its last complete
/// record, the line that byte is on (1-based; 0 reads as 1), and how many records came before it (record
/// indexes name events without an id of their own, so they must continue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Resume {
    pub offset: u64,
    pub line: u64,
    pub index: u64,
}

/// A file can be followed when it is JSON Lines or concatenated JSON, not
/// compressed (a gzip or zstd file is read when complete, as a whole).
pub fn followable(path: &Path) -> Result<Option<Framing>> {
    let head = super::head_of(path)?;
    let mut raw = [0u8; 4];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut raw))
        .with_context(|| path.display().to_string())?;
    if decompress::sniff(&raw[..n]) != Compression::None {
        return Ok(None);
    }
    Ok(match framing::detect(&head) {
        Framing::Array => None,
        f => Some(f),
    })
}

/// The end of the last complete record in `[from.offset, len)`, and the line it
/// ends on. JSON Lines: the byte after the last newline. Concatenated JSON: the
/// byte after the last top-level value that closed.
pub fn complete_end(path: &Path, from: Resume, len: u64, framing: Framing) -> Result<(u64, u64)> {
    let mut f = File::open(path).with_context(|| path.display().to_string())?;
    f.seek(SeekFrom::Start(from.offset))?;
    let mut r = BufReader::with_capacity(256 * 1024, f.take(len.saturating_sub(from.offset)));
    let mut buf = vec![0u8; 256 * 1024];
    let (mut end, mut end_line) = (from.offset, from.line.max(1));
    let (mut at, mut line) = (from.offset, from.line.max(1));
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for &b in &buf[..n] {
            at += 1;
            if b == b'\n' {
                line += 1;
                if framing == Framing::Lines {
                    (end, end_line) = (at, line);
                }
            }
            if framing != Framing::Concatenated {
                continue;
            }
            if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                }
                continue;
            }
            match b {
                b'"' if depth > 0 => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        (end, end_line) = (at, line);
                    }
                }
                _ => {}
            }
        }
    }
    Ok((end, end_line))
}

/// The records of `path` in `[from.offset, end)`, read as the import reads the
/// whole file, with lines and record indexes continuing from `from`. `index` is
/// kept up to date with the records read, for the next `Resume`.
pub fn open_range(
    path: &Path,
    from: Resume,
    end: u64,
    framing: Framing,
    mapper: Mapper,
    index: Arc<AtomicU64>,
) -> Result<Box<dyn Source>> {
    let mut f = File::open(path).with_context(|| path.display().to_string())?;
    f.seek(SeekFrom::Start(from.offset))?;
    let count = Arc::new(AtomicU64::new(0));
    let reader = BufReader::with_capacity(
        256 * 1024,
        decompress::Counting::new(f.take(end.saturating_sub(from.offset)), count.clone()),
    );
    let framer = Framer::starting_at(
        Box::new(reader) as Box<dyn std::io::BufRead + Send>,
        framing,
        from.line.max(1),
    );
    Ok(Box::new(Generic {
        framer,
        comp: Compression::None,
        count,
        mapper,
        snapshot: Some(false),
        index: from.index,
        file: path.display().to_string(),
        shared_index: Some(index),
    }))
}

/// A hash of the first and last 64 KiB of `path`'s first `len` bytes: the same
/// as the input key's fingerprint of the file when it was `len` bytes long, so a
/// file that only grew since is told from one that was replaced or rewritten.
pub fn prefix_fingerprint(path: &Path, len: u64) -> Result<String> {
    const BLOCK: u64 = 64 * 1024;
    let mut f = File::open(path).with_context(|| path.display().to_string())?;
    let mut head = Vec::new();
    (&mut f).take(BLOCK.min(len)).read_to_end(&mut head)?;
    let mut tail = Vec::new();
    if len > BLOCK {
        f.seek(SeekFrom::Start(len.saturating_sub(BLOCK).max(BLOCK)))?;
        f.take(len - len.saturating_sub(BLOCK).max(BLOCK))
            .read_to_end(&mut tail)?;
    }
    Ok(format!("{:016x}{:016x}", fnv1a(&head), fnv1a(&tail)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    #[test]
    fn a_record_written_in_pieces_waits_until_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = write(dir.path(), "a.jsonl", "{\"type\":\"a\"}\n{\"type\":\"b\"}\n{\"ty");
        let len = std::fs::metadata(&p).expect("meta").len();
        let (end, line) = complete_end(&p, Resume::default(), len, Framing::Lines).expect("end");
        assert_eq!((end, line), (26, 3));
        let p = write(dir.path(), "b.json", "{\"a\": {\"b\": \"}\"}}\n{\"a\":\n 2}{\"a\": [");
        let len = std::fs::metadata(&p).expect("meta").len();
        let (end, line) = complete_end(&p, Resume::default(), len, Framing::Concatenated).expect("end");
        assert_eq!((end, line), (27, 3));
    }

    #[test]
    fn the_fingerprint_of_a_prefix_is_the_key_of_the_file_at_that_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let body: String = (0..20_000).map(|i| format!("{{\"n\":{i}}}\n")).collect();
        let p = write(dir.path(), "a.jsonl", &body);
        let before = prefix_fingerprint(&p, body.len() as u64).expect("fp");
        std::fs::write(&p, format!("{body}{{\"n\":-1}}\n")).expect("grow");
        assert_eq!(prefix_fingerprint(&p, body.len() as u64).expect("fp"), before);
        std::fs::write(&p, body.replacen("\"n\":5}", "\"n\":6}", 1)).expect("rewrite");
        assert_ne!(prefix_fingerprint(&p, body.len() as u64).expect("fp"), before);
    }
}
