//! Streaming decoders: input files → [`Record`]s, with bad records reported as
//! `file:line: why` instead of stopping the import.

pub mod ai;
pub mod arrivals;
pub mod aws;
pub mod azure;
pub mod decompress;
pub mod eventstore;
pub mod filter;
pub mod folder;
pub mod framing;
pub mod mapping;
pub mod parquet;
pub mod remote;
pub mod sample;
pub mod tail;
pub mod undecodable;

use std::fmt;
use std::fs;
use std::io::{BufRead, Cursor, Read};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use anyhow::{bail, Context, Result};

use crate::model::Record;
use decompress::Compression;
use framing::{Framer, Framing};
use mapping::Mapper;
use undecodable::Warnings;

/// Formats the user can force with `--input-format` (docs/formats.md §0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Json,
    Snapshot,
    Eventstore,
    EventstoreDb,
    DynamodbExport,
    DynamodbStream,
    Kinesis,
    Firehose,
    Cosmos,
    Eventgrid,
    Cloudevents,
    EventhubsCapture,
    LanggraphSqlite,
    LanggraphPostgres,
    AgentsSqlite,
    OtelJson,
    Parquet,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::Jsonl,
        Format::Json,
        Format::Snapshot,
        Format::Eventstore,
        Format::EventstoreDb,
        Format::DynamodbExport,
        Format::DynamodbStream,
        Format::Kinesis,
        Format::Firehose,
        Format::Cosmos,
        Format::Eventgrid,
        Format::Cloudevents,
        Format::EventhubsCapture,
        Format::LanggraphSqlite,
        Format::LanggraphPostgres,
        Format::AgentsSqlite,
        Format::OtelJson,
        Format::Parquet,
    ];

    /// The names this build can open: the generic ones and those of every family.
    pub fn names() -> Vec<&'static str> {
        Format::ALL
            .iter()
            .filter(|f| f.is_generic() || family_of(**f).is_some())
            .map(|f| f.name())
            .collect()
    }

    pub fn parse(name: &str) -> Result<Format> {
        match Format::ALL.iter().find(|f| f.name() == name) {
            Some(f) if f.is_generic() || family_of(*f).is_some() => Ok(*f),
            _ => bail!(
                "unknown format {} (this build reads: {})",
                crate::sanitize::quote(name),
                Format::names().join(", ")
            ),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Snapshot => "snapshot",
            Format::Eventstore => "eventstore",
            Format::EventstoreDb => "eventstore-db",
            Format::DynamodbExport => "dynamodb-export",
            Format::DynamodbStream => "dynamodb-stream",
            Format::Kinesis => "kinesis",
            Format::Firehose => "firehose",
            Format::Cosmos => "cosmos",
            Format::Eventgrid => "eventgrid",
            Format::Cloudevents => "cloudevents",
            Format::EventhubsCapture => "eventhubs-capture",
            Format::LanggraphSqlite => "langgraph-sqlite",
            Format::LanggraphPostgres => "langgraph-postgres",
            Format::AgentsSqlite => "agents-sqlite",
            Format::OtelJson => "otel-json",
            Format::Parquet => "parquet",
        }
    }

    fn is_generic(self) -> bool {
        matches!(self, Format::Jsonl | Format::Json | Format::Snapshot)
    }
}

/// `--records`: whether keyed records (DynamoDB items, Cosmos documents) are events
/// or entity states (docs/formats.md §0). `Auto` decides per record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecordsMode {
    #[default]
    Auto,
    Events,
    States,
}

/// Everything a decoder needs besides the path: field mapping and the options that
/// change how records map (they are part of the cache key of an input).
pub struct SourceConfig {
    /// Field mapping of docs/model.md §1 with the rules file's overrides; also maps
    /// decoded payloads (Kinesis data, Event Hubs bodies, DynamoDB items).
    pub mapper: Mapper,
    pub records: RecordsMode,
    /// `--key a,b`: key attributes of state items.
    pub key: Vec<String>,
    /// `--system-streams`: keep EventStoreDB `$` streams.
    pub system_streams: bool,
    /// `--since`, `--until`, `--stream`, `--type`: the import keeps only matching
    /// records; a source may skip what cannot match without decoding it.
    pub filter: filter::Filter,
}

/// How the records of an input are ordered in the timeline before inputs merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// As the source yields them.
    #[default]
    File,
    /// By `time`, then `okey`, then the order yielded; a record without a time
    /// stays right after the record yielded before it. The cache sorts on disk, so
    /// a source never holds its input in memory to order it.
    Time,
}

/// What detection sees of an input: read once, shared by every family.
pub struct Peek<'a> {
    pub path: &'a Path,
    pub is_dir: bool,
    /// The file's detection sample ([`head_of`]): at least 64 KiB of its content
    /// after gzip/zstd and its whole first value; empty for a folder.
    pub head: Vec<u8>,
    /// The first JSON value of the content (the first element when it is one JSON
    /// array), when the head starts one that parses.
    pub first: Option<serde_json::Value>,
    /// The content is one JSON array.
    pub array: bool,
}

/// A group of formats from one ecosystem (docs/formats.md §2–§7).
pub trait Family: Sync {
    /// The format of this input when it is one of this family's; checked in
    /// [`FAMILIES`] order, before the generic formats.
    fn detect(&self, peek: &Peek) -> Option<Format>;
    /// The formats `open` takes.
    fn formats(&self) -> &'static [Format];
    fn open(&self, path: &Path, format: Format, cfg: SourceConfig) -> Result<Box<dyn Source>>;
    /// The rules file text that gives this format's streams their states when
    /// the user gives none (docs/model.md §4).
    fn rules(&self, _format: Format) -> Option<&'static str> {
        None
    }

    /// Whether reading the folder `dir` as `format` takes in every file below it that
    /// may hold records. When it does not (a Firehose prefix beside other exports), the
    /// folder is read as the union of its parts, so no file is left out unread.
    fn covers(&self, _dir: &Path, _format: Format) -> bool {
        true
    }
}

/// Every format family of this build, most specific first.
pub static FAMILIES: &[&dyn Family] = &[
    &ai::FAMILY,
    &eventstore::FAMILY,
    &aws::AWS,
    &azure::Azure,
    &parquet::FAMILY,
];

fn family_of(format: Format) -> Option<&'static dyn Family> {
    FAMILIES.iter().copied().find(|f| f.formats().contains(&format))
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
    /// A record that could not be read; it is not in the timeline.
    Bad(BadRecord),
    /// A record kept in the timeline with a problem (e.g. an undecodable payload kept raw);
    /// yielded right after that `Record`.
    Warn(BadRecord),
    /// A record read and left out on purpose (e.g. an EventStoreDB `$` stream without
    /// `--system-streams`).
    Filtered(BadRecord),
    /// A file of a folder input that holds no records by design (a `_SUCCESS` or `.crc` sidecar,
    /// a hidden or empty file); listed in the ledger, not counted as a record.
    Ignored(BadRecord),
    /// A file left unread because where it sits in time puts every record it may hold
    /// outside the import filter (docs/cli.md, import filters); listed in the ledger,
    /// not counted as records, since none was read.
    Pruned(BadRecord),
}

/// A decoder of one input. `next_item` returns `Ok(None)` at the end and `Err`
/// only for failures that stop the whole input (I/O, broken compression).
pub trait Source: Send {
    fn next_item(&mut self) -> Result<Option<Item>>;
    /// The detected format, e.g. `jsonl+gzip`; final once the first record is read.
    fn format_name(&self) -> String;
    /// True when this input is a snapshot file (placed by seq/time, docs/formats.md §1).
    fn is_snapshot(&self) -> bool {
        false
    }
    /// Raw bytes consumed so far, for progress.
    fn bytes_read(&self) -> Arc<AtomicU64>;
    /// How the cache orders this input's records (decided before the first record).
    fn order(&self) -> Order {
        Order::File
    }
}

/// Open `path` with the format forced or detected from its content and layout. A
/// folder without a known layout is the union of its files ([`folder::Union`]).
pub fn open_source(path: &Path, forced: Option<Format>, cfg: SourceConfig) -> Result<Box<dyn Source>> {
    let format = match forced {
        Some(f) => Some(f),
        None => detect_layout(path)?,
    };
    if let Some(format) = format {
        if !format.is_generic() {
            let family = family_of(format).with_context(|| format!("this build cannot read {}", format.name()))?;
            let shown = path.to_string_lossy();
            let shown = match ai::langgraph_pg::is_url(&shown) {
                true => ai::langgraph_pg::redact(&shown),
                false => remote::shown(&path.display().to_string()).into_owned(),
            };
            return Ok(Warnings::wrap(family.open(path, format, cfg)?, shown));
        }
    }
    if fs::metadata(path).map(|m| m.is_dir()).unwrap_or(false) {
        return Ok(Box::new(folder::Union::open(path, format, cfg)?));
    }
    open_generic(path, format, cfg)
}

/// Open one file of a folder: `Ok(Err(why))` when it is in no format rewind reads
/// (no family knows it and its content does not start a JSON value), so that one
/// binary file costs one reported skip instead of one per line.
pub(crate) fn open_file(
    path: &Path,
    forced: Option<Format>,
    cfg: SourceConfig,
) -> Result<std::result::Result<Box<dyn Source>, String>> {
    if forced.is_some() {
        return open_source(path, forced, cfg).map(Ok);
    }
    let peek = peek(path)?;
    if let Some(format) = FAMILIES.iter().find_map(|f| f.detect(&peek)) {
        let family = family_of(format).with_context(|| format!("this build cannot read {}", format.name()))?;
        return Ok(Ok(Warnings::wrap(
            family.open(path, format, cfg)?,
            remote::shown(&path.display().to_string()).into_owned(),
        )));
    }
    let start = peek.head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&peek.head);
    match start.iter().find(|b| !b.is_ascii_whitespace()) {
        None | Some(b'{' | b'[') => open_generic(path, None, cfg).map(Ok),
        Some(_) => Ok(Err(format!(
            "not in a format rewind reads (its content does not start with a JSON value; formats: {})",
            Format::names().join(", ")
        ))),
    }
}

/// JSON Lines, JSON arrays and concatenated JSON, of events or of snapshots.
fn open_generic(path: &Path, format: Option<Format>, cfg: SourceConfig) -> Result<Box<dyn Source>> {
    let (reader, comp, count) = decompress::open(path).with_context(|| format!("{}", path.display()))?;
    let framing = match format {
        Some(Format::Jsonl) => Some(Framing::Lines),
        _ => None,
    };
    let framer = Framer::new(reader, framing).with_context(|| format!("{}", path.display()))?;
    let snapshot = match format {
        Some(Format::Snapshot) => Some(true),
        Some(_) => Some(false),
        None => None,
    };
    Ok(Box::new(Generic {
        framer,
        comp,
        count,
        mapper: cfg.mapper,
        snapshot,
        index: 0,
        file: remote::shown(&path.display().to_string()).into_owned(),
        shared_index: None,
    }))
}

/// The built-in rules of the first input whose format has some.
pub fn builtin_rules(paths: &[std::path::PathBuf], forced: Option<Format>) -> Option<&'static str> {
    paths.iter().find_map(|p| {
        let format = match forced {
            Some(f) => f,
            None => detect(p).ok()??,
        };
        family_of(format)?.rules(format)
    })
}

/// The family format of `path`; for a folder, only a layout that covers all of it
/// ([`Family::covers`]); `None` for the generic formats and the union of a folder.
pub(crate) fn detect_layout(path: &Path) -> Result<Option<Format>> {
    let Some(format) = detect(path)? else { return Ok(None) };
    if fs::metadata(path).map(|m| m.is_dir()).unwrap_or(false)
        && !family_of(format).is_some_and(|f| f.covers(path, format))
    {
        return Ok(None);
    }
    Ok(Some(format))
}

/// The family format of `path`, or `None` for the generic formats.
pub fn detect(path: &Path) -> Result<Option<Format>> {
    if ai::langgraph_pg::is_url(&path.to_string_lossy()) {
        return Ok(Some(Format::LanggraphPostgres));
    }
    let peek = peek(path)?;
    Ok(FAMILIES.iter().find_map(|f| f.detect(&peek)))
}

/// The detection sample of a file: the first bytes of its content after gzip/zstd,
/// exactly as the importer's framer sees them ([`sample`]).
pub fn head_of(path: &Path) -> Result<Vec<u8>> {
    if let Some(present) = remote::coverage(path) {
        // An object mirrored in part: detection sees the bytes it holds from the start.
        let end = present.ranges().first().filter(|r| r.start == 0).map_or(0, |r| r.end);
        let mut head = Vec::new();
        let file = fs::File::open(path).with_context(|| path.display().to_string())?;
        file.take(end.min(256 * 1024))
            .read_to_end(&mut head)
            .with_context(|| path.display().to_string())?;
        return Ok(head);
    }
    let (mut reader, _, _) = decompress::open(path).with_context(|| path.display().to_string())?;
    // A broken compressed stream is reported when the input is read, not here.
    Ok(reader.fill_buf().map(<[u8]>::to_vec).unwrap_or_default())
}

fn peek(path: &Path) -> Result<Peek<'_>> {
    let meta = fs::metadata(path).with_context(|| path.display().to_string())?;
    if meta.is_dir() {
        return Ok(Peek {
            path,
            is_dir: true,
            head: Vec::new(),
            first: None,
            array: false,
        });
    }
    let head = head_of(path)?;
    let (first, array) = match Framer::new(Cursor::new(&head[..]), None) {
        Ok(mut framer) => {
            let array = framer.mode() == Framing::Array;
            let first = match framer.next_frame() {
                Ok(Some(Ok(frame))) => serde_json::from_slice(&frame.bytes).ok(),
                _ => None,
            };
            (first, array)
        }
        Err(_) => (None, false),
    };
    Ok(Peek {
        path,
        is_dir: false,
        head,
        first,
        array,
    })
}

/// Order keys: byte strings whose bytewise order is the order meant.
pub mod order {
    /// A non-negative decimal integer of any size (Kinesis and DynamoDB sequence
    /// numbers overflow 64 bits): its digit count, then its digits. `None` when
    /// `digits` is not a decimal integer.
    pub fn decimal(digits: &str) -> Option<Vec<u8>> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let d = digits.trim_start_matches('0');
        let d = if d.is_empty() { "0" } else { d };
        let len = u16::try_from(d.len()).ok()?;
        let mut key = Vec::with_capacity(d.len() + 2);
        key.extend_from_slice(&len.to_be_bytes());
        key.extend_from_slice(d.as_bytes());
        Some(key)
    }

    /// A signed 64-bit integer.
    pub fn int(n: i64) -> Vec<u8> {
        ((n as u64) ^ (1 << 63)).to_be_bytes().to_vec()
    }

    /// Keys compared part by part: each part is escaped so that a shorter part
    /// sorts before any longer one it is a prefix of.
    pub fn tuple(parts: &[&[u8]]) -> Vec<u8> {
        let mut key = Vec::new();
        for p in parts {
            for &b in *p {
                key.push(b);
                if b == 0 {
                    key.push(0xff);
                }
            }
            key.extend_from_slice(&[0, 0]);
        }
        key
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn decimal_keys_order_as_integers() {
            let a = decimal("49590338271490256608559692538361571095921575989136588898").expect("digits");
            let b = decimal("49590338271490256608559692540925702759324208523137515618").expect("digits");
            let c = decimal("999").expect("digits");
            assert!(a < b);
            assert!(c < a);
            assert_eq!(decimal("007"), decimal("7"));
            assert_eq!(decimal("12a"), None);
            assert!(int(-5) < int(3));
            assert!(tuple(&[b"ab", &c]) < tuple(&[b"abc", &c]));
            assert!(tuple(&[b"a", &c]) < tuple(&[b"a", &a]));
        }
    }
}

/// JSON Lines, JSON arrays and concatenated JSON, of events or of snapshots.
struct Generic {
    framer: Framer<Box<dyn BufRead + Send>>,
    comp: Compression,
    count: Arc<AtomicU64>,
    mapper: Mapper,
    /// Decided by `--input-format` or by the first readable record.
    snapshot: Option<bool>,
    index: u64,
    file: String,
    /// Where a reader of a growing file learns how many records were read.
    shared_index: Option<Arc<AtomicU64>>,
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
        if let Some(shared) = &self.shared_index {
            shared.store(self.index, std::sync::atomic::Ordering::Relaxed);
        }
        let mapped = if snapshot {
            self.mapper.map_snapshot(&frame.bytes, frame.line, index)
        } else {
            self.mapper.map_event_identified(&frame.bytes, frame.line, index)
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
