//! The normalized event of docs/model.md §1, as ingest produces it and the cache returns it.

use std::sync::Arc;

use serde_json::Value;

/// How a record changes its stream's state (docs/model.md §1, §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Kind {
    /// Apply the first matching rule.
    #[default]
    Event,
    /// The record is the new state of its stream.
    Image,
    /// The stream's state is removed.
    Delete,
    /// A stored state at this point; replaces the state and is checked by `verify`.
    Snapshot,
    /// A record kept in the timeline that changes no state (a LangGraph pending
    /// write, whose effect the next checkpoint's image carries).
    Note,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Event => "event",
            Kind::Image => "image",
            Kind::Delete => "delete",
            Kind::Snapshot => "snapshot",
            Kind::Note => "note",
        }
    }

    pub fn code(self) -> i64 {
        match self {
            Kind::Event => 0,
            Kind::Image => 1,
            Kind::Delete => 2,
            Kind::Snapshot => 3,
            Kind::Note => 4,
        }
    }

    /// The kind rewind's own normalized form (`rewind export`) names: a record
    /// changes its stream's state as an image, a delete or a snapshot, else as an event.
    pub fn from_export_name(name: Option<&str>) -> Kind {
        match name {
            Some("image") => Kind::Image,
            Some("delete") => Kind::Delete,
            Some("snapshot") => Kind::Snapshot,
            _ => Kind::Event,
        }
    }

    pub fn from_code(code: i64) -> Option<Kind> {
        Some(match code {
            0 => Kind::Event,
            1 => Kind::Image,
            2 => Kind::Delete,
            3 => Kind::Snapshot,
            4 => Kind::Note,
            _ => return None,
        })
    }
}

/// One imported record before it has a position. `data` and `meta` stay raw JSON
/// text: the import path never builds trees it does not need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub stream: String,
    pub seq: Option<i64>,
    pub id: Option<String>,
    pub ty: String,
    /// UTC microseconds since the Unix epoch.
    pub time: Option<i64>,
    pub kind: Kind,
    pub data: String,
    pub meta: Option<String>,
    /// Line number (1-based) or byte offset in the file it came from.
    pub loc: u64,
    /// The file inside a folder input this record came from; `None` for the input itself.
    pub file: Option<Arc<SourceFile>>,
    /// Tie-break after `time` for inputs whose source asks for time order
    /// ([`crate::ingest::Order::Time`]); compared bytewise (see `ingest::order`).
    pub okey: Option<Vec<u8>>,
    /// The record's stable identity (docs/formats.md §0), when it has one: a record whose
    /// identity and content an earlier record of another file (or, for a family key,
    /// of any file) already had is a duplicate, kept out of the timeline and counted.
    /// `""` means "the record's own `id`" (a generic record that carries one); any
    /// other value is a family's key (an EventStoreDB event id, a Kinesis sequence
    /// number, an Event Grid id...), repeats of which are duplicates even in one file.
    pub dedupe: Option<String>,
    /// A problem that keeps the record in the timeline (e.g. its payload kept raw as
    /// `{"$undecodable", "$error"}`): reported as an `Item::Warn` right after it.
    pub warning: Option<String>,
}

/// A file a record came from, as shown in `source` (`path:line` or `path@offset`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceFile {
    /// Path as shown to the user (the input's path joined with the file's place in it).
    pub path: String,
    /// True when `loc` is a byte offset rather than a line number.
    pub offsets: bool,
}

/// An event as read back from the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub pos: u64,
    pub stream: String,
    pub seq: Option<i64>,
    pub id: String,
    pub ty: String,
    pub time: Option<i64>,
    pub kind: Kind,
    pub data: Value,
    pub meta: Option<Value>,
    /// `file:line` or `file@offset`.
    pub source: String,
}

impl Event {
    /// The event as `log --json` prints it (and the TUI copies it).
    pub fn to_json(&self, failure: Option<&str>) -> Value {
        serde_json::json!({
            "pos": self.pos,
            "stream": self.stream,
            "seq": self.seq,
            "id": self.id,
            "type": self.ty,
            "time": self.time.map(crate::time::format_micros),
            "kind": self.kind.as_str(),
            "data": self.data,
            "meta": self.meta,
            "source": self.source,
            "error": failure,
        })
    }
}
