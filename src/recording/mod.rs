//! A recording: the cache built from a list of inputs under a set of rules. Front
//! ends open one, then ask it for events, states, diffs and histories.
//!
//! `paths` says where a cache lives and how an input is recognised unchanged,
//! `publish` puts a first import in place whole, `sync` brings a cache in line
//! with its inputs, `open` ties them together; `query` answers questions about
//! points in time, `changes` walks the changes of one value, and `what_if`
//! replays under a hypothesis (events left out, edited or inserted).

use std::path::PathBuf;

use crate::cache::import::{Outcome, Progress};
use crate::cache::ledger::InputLedger;
use crate::cache::{Cache, Catalog};
use crate::ingest::{Format, RecordsMode};
use crate::rules::Rules;

mod changes;
mod open;
mod paths;
mod publish;
mod query;
mod sync;
mod what_if;

pub use changes::{Found, HistoryEntry};
pub use paths::default_cache_path;
pub use query::diff_selected;
pub use what_if::{Divergence, Fork, ForkEvent, ForkVerify, Inserted, Mark, Place};

#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub inputs: Vec<PathBuf>,
    pub cache: Option<PathBuf>,
    pub format: Option<Format>,
    pub rules: Option<PathBuf>,
    pub strict: bool,
    /// `--records events|states` (docs/formats.md §0).
    pub records: RecordsMode,
    /// `--key a,b`: key attributes of state items.
    pub key: Vec<String>,
    /// `--system-streams`: keep EventStoreDB `$` streams.
    pub system_streams: bool,
    /// `--follow`: files are read up to their last complete record and read on
    /// from there; a truncated or replaced file is read from its new start.
    pub follow: bool,
    /// While following: a file truncated or replaced is read from its new start
    /// and the events read from its old content stay (a rotation). Otherwise
    /// such a file is imported again.
    pub keep_replaced: bool,
    /// `--since`, `--until`, `--stream`, `--type`: the recording is the slice of the
    /// inputs that matches (docs/cli.md, import filters).
    pub filter: crate::ingest::filter::Filter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Imported,
    /// Read on from where the last read of a growing input stopped.
    Appended,
    Cached,
}

#[derive(Debug, Clone)]
pub struct InputReport {
    pub display: String,
    pub status: Status,
    pub outcome: Outcome,
    /// What the user must know about this read (a rotated file, an unfinished record).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct OpenReport {
    pub cache: PathBuf,
    pub inputs: Vec<InputReport>,
    pub events: u64,
    pub streams: u64,
    pub snapshots: u64,
    pub time_range: (Option<i64>, Option<i64>),
    pub seconds: f64,
    /// Every input's ledger as the cache holds it (after the merge).
    pub ledgers: Vec<InputLedger>,
    /// The import filter the recording is a slice of (`since …, streams …`), if any.
    pub slice: Option<String>,
    /// What mirroring each object-store input fetched (docs/remote.md).
    pub fetched: Vec<crate::ingest::remote::Fetched>,
}

/// Progress of an open, for front ends that show it.
#[derive(Debug, Clone)]
pub enum OpenProgress {
    Importing {
        input: String,
        progress: Progress,
        size: u64,
    },
    Checkpoints {
        pos: u64,
        len: u64,
    },
}

pub struct Recording {
    pub cache: Cache,
    pub cat: Catalog,
    pub rules: Rules,
}
