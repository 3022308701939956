//! The protocol between the UI thread and the worker that owns the recording.
//! Requests carry everything the worker needs (no shared state); replies carry
//! the request id so the UI can tell stale answers from fresh ones.

use std::sync::Arc;

use serde_json::Value;

use crate::cache::read::Filter;
use crate::hypothesis::Hypothesis;
use crate::json::diff::Change;
use crate::model::Event;

/// One part of a filter: what the user typed or picked, and the catalog ids it names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chip {
    pub label: String,
    pub ids: Vec<i64>,
}

/// Which events the list and timeline show: those of the stream chip's
/// streams AND of the type chip's types. Ids index the catalog's names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilterSpec {
    pub streams: Option<Chip>,
    pub types: Option<Chip>,
}

impl FilterSpec {
    pub fn to_cache(&self) -> Filter {
        Filter {
            streams: self.streams.as_ref().map(|c| c.ids.clone()),
            types: self.types.as_ref().map(|c| c.ids.clone()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.streams.is_none() && self.types.is_none()
    }

    /// How the header and messages name it: `agent-1 type:Tool*`.
    pub fn label(&self) -> String {
        let parts: Vec<&str> = [&self.streams, &self.types]
            .into_iter()
            .flatten()
            .map(|c| c.label.as_str())
            .collect();
        parts.join(" ")
    }
}

/// What the diff panel compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiffMode {
    /// Before and after the event at the cursor.
    #[default]
    Event,
    /// The state at the mark against the state at the cursor.
    Mark,
    /// The recorded state against the hypothetical one (events skipped).
    WhatIf,
}

impl DiffMode {
    pub fn name(self) -> &'static str {
        match self {
            DiffMode::Event => "event",
            DiffMode::Mark => "mark → cursor",
            DiffMode::WhatIf => "recorded → hypothetical",
        }
    }
}

/// Everything the state, diff and detail panes need for one cursor position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateReq {
    pub id: u64,
    pub pos: u64,
    /// `None`: the world; else one stream's state.
    pub stream: Option<String>,
    /// The what-if edits the state is computed under (empty: the recorded state).
    pub whatif: Hypothesis,
    pub mark: Option<u64>,
    pub diff: DiffMode,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Events around `anchor` (at or before it: `before`, after it: `after`).
    Rows {
        id: u64,
        anchor: u64,
        before: usize,
        after: usize,
        filter: Option<FilterSpec>,
    },
    /// Move `delta` matching events from `from`, then answer like `Rows` around the target.
    Seek {
        id: u64,
        from: u64,
        delta: i64,
        before: usize,
        after: usize,
        filter: Option<FilterSpec>,
    },
    State(StateReq),
    /// Timeline density for `width` columns.
    Density {
        width: u16,
        filter: Option<FilterSpec>,
    },
    /// All events whose type, stream or data text contains `text` (smart case).
    Search {
        id: u64,
        text: String,
        filter: Option<FilterSpec>,
    },
    /// Resolve a point (docs/model.md §6).
    Goto {
        text: String,
    },
    /// The previous or next event that changed the node at `pointer`.
    Watch {
        pointer: String,
        stream: Option<String>,
        from: u64,
        forward: bool,
    },
    /// The events at these positions, for the lists of marks and bookmarks.
    Describe {
        positions: Vec<u64>,
    },
    /// Read what the followed inputs gained; `watch` (pointer, stream) asks which
    /// of the new events changed the watched node.
    Refresh {
        watch: Option<(String, Option<String>)>,
    },
}

impl Request {
    /// Requests of one kind supersede each other: only the newest is answered.
    pub fn kind(&self) -> usize {
        match self {
            Request::Rows { .. } | Request::Seek { .. } => 0,
            Request::Goto { .. } => 1,
            Request::Watch { .. } => 2,
            Request::State(_) => 3,
            Request::Density { .. } => 4,
            Request::Search { .. } => 5,
            Request::Describe { .. } => 6,
            Request::Refresh { .. } => 7,
        }
    }
    pub const KINDS: usize = 8;
}

/// One line of the event list.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub pos: u64,
    pub time: Option<i64>,
    pub stream: String,
    pub ty: String,
    pub snapshot: bool,
    pub failed: bool,
    /// The first state of a branch (a LangGraph checkpoint forked from an
    /// earlier one: `meta.fork`).
    pub fork: bool,
    /// A one-line, already sanitized summary of the data.
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RowsReply {
    pub id: u64,
    pub anchor: u64,
    /// Set when this answers a `Seek`: where the cursor lands.
    pub cursor: Option<u64>,
    pub rows: Vec<Row>,
    /// No matching event before the first row / after the last.
    pub at_start: bool,
    pub at_end: bool,
}

/// One line of a unified diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Header,
    Hunk,
    Add,
    Remove,
}

/// A changed value as the change list draws it: compact, terminal-safe JSON, cut
/// after [`VALUE_TEXT_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueText {
    pub text: String,
    /// Characters in `text` (the list's line count needs it for every change).
    pub chars: usize,
    /// Lines of the whole value pretty-printed (the unified view's line count).
    pub lines: usize,
}

/// Longer values are cut in the change list (no pane shows more of them).
pub const VALUE_TEXT_CHARS: usize = 4096;

/// The texts of one change: `(old, new)`.
pub type ChangeText = (Option<ValueText>, Option<ValueText>);

#[derive(Debug, Clone, PartialEq)]
pub struct DiffReply {
    pub mode: DiffMode,
    /// e.g. "651 → 652".
    pub title: String,
    pub changes: Vec<Change>,
    /// Per change (same index), what the change list draws.
    pub texts: Vec<ChangeText>,
    /// What the unified view calls the two sides: `("@641", "@652")`.
    pub sides: (String, String),
    /// Why there is nothing to compare (no mark, no skips), if so.
    pub note: Option<String>,
    /// Streams compared so far and in all; the diff is complete when they are equal.
    pub progress: (usize, usize),
}

impl DiffReply {
    pub fn complete(&self) -> bool {
        self.progress.0 >= self.progress.1
    }

    /// Add the next part of a diff computed stream by stream.
    pub fn extend(&mut self, part: DiffPart) {
        self.changes.extend(part.changes);
        self.texts.extend(part.texts);
        self.progress = part.progress;
    }
}

/// The next changes of the diff answering state request `id`, in stream order.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffPart {
    pub id: u64,
    pub changes: Vec<Change>,
    pub texts: Vec<ChangeText>,
    pub progress: (usize, usize),
}

/// What the state pane shows: one stream's state, or the world as the states of
/// its streams by name. The world is never copied into one value: each stream's
/// state is shared with the worker, so a step replaces one entry.
#[derive(Debug, Clone, PartialEq)]
pub enum StateValue {
    One(Arc<Value>),
    World(Arc<Vec<(String, Arc<Value>)>>),
}

impl Default for StateValue {
    fn default() -> Self {
        StateValue::One(Arc::new(Value::Null))
    }
}

impl From<Value> for StateValue {
    fn from(v: Value) -> Self {
        StateValue::One(Arc::new(v))
    }
}

impl StateValue {
    /// The whole value as one JSON tree (a copy of the world: for copying and tests).
    pub fn to_value(&self) -> Value {
        match self {
            StateValue::One(v) => (**v).clone(),
            StateValue::World(entries) => {
                Value::Object(entries.iter().map(|(k, v)| (k.clone(), (**v).clone())).collect())
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StateReply {
    pub id: u64,
    pub pos: u64,
    pub stream: Option<String>,
    /// Shared with the state tree: a step hands the world over without copying it.
    pub value: StateValue,
    /// Changes made by the event at `pos`, as pointers into `value`.
    pub changed: Vec<Change>,
    pub hypothetical: bool,
    pub event: Option<Event>,
    pub failure: Option<String>,
    pub drift: Option<Vec<String>>,
    pub diff: DiffReply,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DensityReply {
    pub width: u16,
    pub filter: Option<FilterSpec>,
    /// One level in 0..=1 per column.
    pub levels: Vec<f32>,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchReply {
    pub id: u64,
    pub text: String,
    pub hits: Vec<u64>,
    /// More hits existed than were kept.
    pub capped: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WatchReply {
    pub pointer: String,
    pub forward: bool,
    pub found: Option<(u64, Option<Value>, Option<Value>)>,
}

/// What the open (import, checkpoints) is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum Loading {
    Importing {
        input: String,
        records: u64,
        bytes: u64,
        size: u64,
        seconds: f64,
    },
    Replaying {
        pos: u64,
        len: u64,
    },
}

/// What is open: what the header shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Info {
    /// `(display name, format, events, snapshots)` per input.
    pub inputs: Vec<(String, String, u64, u64)>,
    pub len: u64,
    pub streams: u64,
    pub snapshots: u64,
    pub time_range: (Option<i64>, Option<i64>),
    /// Catalog names; index = id, 0 unused.
    pub stream_names: Vec<String>,
    pub type_names: Vec<String>,
    /// What the import left out or kept with a problem (the header's badge, `!`).
    pub ledger: LedgerInfo,
    /// Where each input ends: (position, input name), when several inputs hold
    /// copies of one history.
    pub input_ends: Vec<(u64, String)>,
    /// Names these events across runs: a hash of what the cache knows of each input
    /// (path, size, mtime, content fingerprint, options) and the event count. Marks
    /// are kept under it, so other content never gets them. Empty: unknown.
    pub identity: String,
    /// The import filter the recording is a slice of (`since …, streams …`): the
    /// header's SLICE chip.
    pub slice: Option<String>,
}

/// The ledger as the TUI shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerInfo {
    pub skipped: u64,
    pub warnings: u64,
    pub conflicts: u64,
    /// Per input: `name: format, read N = imported + duplicates + filtered + skipped`.
    pub inputs: Vec<String>,
    /// The first skips, warnings and conflicts, as `file:line: why`.
    pub entries: Vec<String>,
    /// How many more there are than `entries` holds.
    pub more: u64,
}

impl LedgerInfo {
    /// Something the user should know: records left out, or kept with a problem.
    pub fn needs_notice(&self) -> bool {
        self.skipped + self.warnings + self.conflicts > 0
    }

    /// `1 skipped`, `2 skipped · 1 warning`... for the header and status line.
    pub fn badge(&self) -> String {
        let plural = |n: u64, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        let mut parts = Vec::new();
        if self.skipped > 0 {
            parts.push(format!("{} skipped", self.skipped));
        }
        if self.warnings > 0 {
            parts.push(plural(self.warnings, "warning", "warnings"));
        }
        if self.conflicts > 0 {
            parts.push(plural(self.conflicts, "id conflict", "id conflicts"));
        }
        parts.join(" · ")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Opened(Box<Info>),
    /// The followed inputs gained events.
    Grew(Box<Grew>),
    /// The reader appended to the cache: a `Refresh` picks it up.
    Read,
    Loading(Loading),
    /// Checkpoints are built; failed events and drifted snapshots are known.
    Ready {
        failures: Vec<u64>,
        drift: Vec<u64>,
    },
    Rows(RowsReply),
    State(Box<StateReply>),
    /// More of the diff of a `State` reply: it is sent first, then its diff in parts.
    DiffPart(Box<DiffPart>),
    Density(DensityReply),
    Search(SearchReply),
    Goto(Result<u64, String>),
    Watch(WatchReply),
    /// The events a `Describe` asked for (those that exist).
    Described(Vec<Row>),
    /// A request failed; the text is shown in the status line.
    Error(String),
    /// Opening failed: the TUI gives up.
    Fatal(String),
}

/// What reading the followed inputs again found.
#[derive(Debug, Clone, PartialEq)]
pub struct Grew {
    /// The length before, and now.
    pub from: u64,
    pub len: u64,
    pub streams: u64,
    pub time_range: (Option<i64>, Option<i64>),
    /// The catalog's names when events arrived (empty otherwise).
    pub stream_names: Vec<String>,
    pub type_names: Vec<String>,
    /// New events whose rule failed, and new snapshots that drifted.
    pub failures: Vec<u64>,
    pub drift: Vec<u64>,
    /// New events that changed the watched node.
    pub watch_changes: Vec<u64>,
    /// What the read reported: a rotation, records skipped.
    pub notes: Vec<String>,
}
