//! The model's state, grouped by the pane (or the concern) that owns it.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};

use super::scroll::Scroll;
use crate::tui::msg::{DensityReply, DiffMode, FilterSpec, Loading, Row, StateReply, StateReq};
use crate::tui::tree::Tree;

/// The loaded slice of the event list around the cursor.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub rows: Vec<Row>,
    pub at_start: bool,
    pub at_end: bool,
    /// The filter the rows were fetched with.
    pub filter: Option<FilterSpec>,
    pub loaded: bool,
}

/// An event search and its hits.
#[derive(Debug, Clone, Default)]
pub struct EventSearch {
    pub text: String,
    pub hits: Vec<u64>,
    pub capped: bool,
}

/// A node being watched: its pointer in the world or in one stream's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watch {
    pub stream: Option<String>,
    pub pointer: String,
}

impl Watch {
    /// How the user sees it: a world pointer, or `stream:pointer`.
    pub fn display(&self) -> String {
        match &self.stream {
            None => self.pointer.clone(),
            Some(s) => format!("{s}:{}", self.pointer),
        }
    }
}

/// The events list (1): the loaded rows, and what narrows or searches them.
#[derive(Debug, Default)]
pub struct EventsPane {
    pub window: Window,
    pub filter: Option<FilterSpec>,
    pub search: Option<EventSearch>,
}

/// The timeline strip: event density and where the search hits fall.
#[derive(Debug, Default)]
pub struct TimelinePane {
    pub density: Option<DensityReply>,
    /// Columns that hold a search hit.
    pub hit_cols: Vec<bool>,
}

/// The state tree (2) and the reply it shows (shared with the diff and detail panes).
#[derive(Debug, Default)]
pub struct StatePane {
    pub reply: Option<Box<StateReply>>,
    pub tree: Tree,
    /// Trees of the other scope (world / a stream), kept with their folding.
    pub saved_trees: HashMap<Option<String>, Tree>,
    /// `None`: the whole world; else the stream whose state is shown.
    pub stream: Option<String>,
    pub watch: Option<Watch>,
}

/// The diff (3).
#[derive(Debug, Default)]
pub struct DiffPane {
    pub mode: DiffMode,
    pub unified: bool,
    pub scroll: Scroll,
    /// Columns the unified text is scrolled sideways.
    pub hscroll: usize,
    /// The most `hscroll` can use: the longest line drawn ends at the pane's right
    /// edge. Set by each draw of the unified view (as `Scroll` keeps its bottom).
    pub hmax: Cell<Option<usize>>,
}

/// The event detail (4).
#[derive(Debug, Default)]
pub struct DetailPane {
    pub scroll: Scroll,
}

/// Positions the user singled out: the mark, bookmarks, and events skipped for a what-if.
#[derive(Debug, Default)]
pub struct Marks {
    /// The mark the diff compares with (one of `all`).
    pub mark: Option<u64>,
    /// Every mark set and not deleted, listed by `'`.
    pub all: BTreeSet<u64>,
    pub bookmarks: BTreeSet<u64>,
    pub skips: BTreeSet<u64>,
    /// The events at marked positions, as the lists show them (events never change).
    pub described: HashMap<u64, Row>,
}

/// Which list a [`Places`] popup shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    Marks,
    Bookmarks,
}

/// The popup list of marks (`'`) or bookmarks (`B`), and its selected row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Places {
    pub kind: PlaceKind,
    pub selected: usize,
}

/// Opening the recording: progress, then what the checks found.
#[derive(Debug, Default)]
pub struct Opening {
    pub ready: bool,
    pub progress: Option<Loading>,
    pub failures: BTreeSet<u64>,
    pub drift: BTreeSet<u64>,
}

/// Rows or a seek in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowsInFlight {
    pub id: u64,
    pub anchor: u64,
    /// For a seek: the steps the user made meanwhile, applied when it lands.
    pub seek: Option<i64>,
}

/// Requests in flight, one tracker per request kind (see `Request::kind`):
/// the worker answers only the newest of a kind, and so does the model.
#[derive(Debug, Default)]
pub struct InFlight {
    pub rows: Option<RowsInFlight>,
    /// The newest state request; done when a reply with its id arrives.
    pub state: Option<StateReq>,
    pub goto: bool,
    pub watch: bool,
    pub search: Option<SearchInFlight>,
}

/// A search being run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchInFlight {
    pub id: u64,
    /// Go to the first hit when it lands: the user searched. A search re-run
    /// for a new filter leaves the cursor where it is.
    pub jump: bool,
}

impl InFlight {
    /// Is a seek in flight?
    pub fn seeking(&self) -> bool {
        self.rows.is_some_and(|r| r.seek.is_some())
    }
}
