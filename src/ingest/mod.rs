//! Streaming decoders: input files → [`Record`]s, with bad records reported as
//! `file:line: why` instead of stopping the import.

pub mod decompress;
pub mod framing;
pub mod mapping;

use std::fmt;
use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use crate::model::Record;
use decompress::Compression;
use framing::{Framer, Framing};
use mapping::Mapper;

/// Formats the user can force with `--format` (formats.md §0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Json,
    Snapshot,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["jsonl", "json", "snapshot"];

    pub fn parse(name: &str) -> Result<Format> {
        Ok(match name {
            "jsonl" => Format::Jsonl,
            "json" => Format::Json,
            "snapshot" => Format::Snapshot,
            other => bail!(
                "unknown format {other:?} (this build reads: {})",
                Format::NAMES.join(", ")
            ),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Snapshot => "snapshot",
        }
    }
}

/// A record that could not be read; the import goes on without it.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRecord {
    pub file: String,
    /// Line number (or byte offset when `offset` is set).
    pub loc: u64,
    pub offset: bool,
    pub reason: String,
}

impl fmt::Display for BadRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = if self.offset { "@" } else { ":" };
        write!(f, "{}{sep}{}: {}", self.file, self.loc, self.reason)
    }
}

pub enum Item {
    Record(Record),
    Bad(BadRecord),
}

/// A decoder of one input. `next_item` returns `Ok(None)` at the end and `Err`
/// only for failures that stop the whole input (I/O, broken compression).
pub trait Source: Send {
    fn next_item(&mut self) -> Result<Option<Item>>;
    /// The detected format, e.g. `jsonl+gzip`; final once the first record is read.
    fn format_name(&self) -> String;
    /// True when this input is a snapshot file (placed by seq/time, formats.md §1).
    fn is_snapshot(&self) -> bool;
    /// Raw bytes consumed so far, for progress.
    fn bytes_read(&self) -> Arc<AtomicU64>;
}

/// Open `path` with the format forced or detected from its content.
pub fn open_source(path: &Path, forced: Option<Format>, mapper: Mapper) -> Result<Box<dyn Source>> {
    let (reader, comp, count) = decompress::open(path).with_context(|| format!("{}", path.display()))?;
    let framing = match forced {
        Some(Format::Jsonl) => Some(Framing::Lines),
        _ => None,
    };
    let framer = Framer::new(reader, framing).with_context(|| format!("{}", path.display()))?;
    let snapshot = match forced {
        Some(Format::Snapshot) => Some(true),
        Some(_) => Some(false),
        None => None,
    };
    Ok(Box::new(Generic {
        framer,
        comp,
        count,
        mapper,
        snapshot,
        index: 0,
        file: path.display().to_string(),
    }))
}

/// JSON Lines, JSON arrays and concatenated JSON, of events or of snapshots.
struct Generic {
    framer: Framer<Box<dyn BufRead + Send>>,
    comp: Compression,
    count: Arc<AtomicU64>,
    mapper: Mapper,
    /// Decided by `--format` or by the first readable record.
    snapshot: Option<bool>,
    index: u64,
    file: String,
}

impl Source for Generic {
    fn next_item(&mut self) -> Result<Option<Item>> {
        let frame = match self.framer.next_frame() {
            Ok(None) => return Ok(None),
            Ok(Some(f)) => f,
            Err(e) => return Err(anyhow::Error::new(e).context(format!("{}: read failed", self.file))),
        };
        let frame = match frame {
            Ok(f) => f,
            Err(bad) => {
                return Ok(Some(Item::Bad(BadRecord {
                    file: self.file.clone(),
                    loc: bad.line,
                    offset: false,
                    reason: bad.reason,
                })))
            }
        };
        let snapshot = match self.snapshot {
            Some(s) => s,
            None => {
                let looks = mapping::looks_like_snapshot(&frame.bytes);
                if looks || mapping::TopLevel::parse(&frame.bytes).is_ok() {
                    self.snapshot = Some(looks);
                }
                looks
            }
        };
        let index = self.index;
        self.index += 1;
        let mapped = if snapshot {
            self.mapper.map_snapshot(&frame.bytes, frame.line, index)
        } else {
            self.mapper.map_event(&frame.bytes, frame.line, index)
        };
        Ok(Some(match mapped {
            Ok(r) => Item::Record(r),
            Err(reason) => Item::Bad(BadRecord {
                file: self.file.clone(),
                loc: frame.line,
                offset: false,
                reason,
            }),
        }))
    }

    fn format_name(&self) -> String {
        let base = if self.snapshot == Some(true) {
            "snapshot"
        } else {
            self.framer.mode().name()
        };
        format!("{base}{}", self.comp.suffix())
    }

    fn is_snapshot(&self) -> bool {
        self.snapshot == Some(true)
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.count.clone()
    }
}
