//! The model and its update function (the Elm architecture): [`App::update`]
//! takes a [`Msg`] and returns [`Effect`]s; drawing only reads the model.
//! Nothing here does I/O, so every behaviour is testable without a terminal.

mod actions;
mod count;
mod filter;
mod input;
pub mod live;
mod marks;
pub mod nav;
pub mod panes;
mod places;
mod prompt;
mod replies;
pub mod scroll;
mod search;
#[cfg(test)]
mod tests;
pub mod whatif;

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;

pub use self::panes::{
    DetailPane, DiffPane, EventSearch, EventsPane, InFlight, Marks, Opening, PlaceKind, Places, RowsInFlight,
    SearchInFlight, StatePane, TimelinePane, Watch, Window,
};
pub use self::scroll::Scroll;
pub use self::whatif::{EditJob, EditKind};
use super::history::{self, History};
use super::layout::{self, Areas};
use super::line_edit::LineEdit;
use super::msg::{Info, Request, Response, Row, StateReq};
use super::saved_marks;
use crate::sanitize::clean;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Reply(Response),
    /// Time passes (spinner).
    Tick,
    /// The followed inputs may have gained records.
    Wake,
    /// The editor session of an [`Effect::Edit`] ended: the JSON written, or
    /// `None` when cancelled.
    Edited(EditJob, Result<Option<serde_json::Value>, String>),
    /// Where [`Effect::WriteWhatif`] wrote the file, or why it could not.
    Wrote(Result<String, String>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send(Request),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Keep a prompt's input in the history file.
    Remember(history::Kind, String),
    /// Edit JSON in `$VISUAL`/`$EDITOR` (the terminal is handed over meanwhile).
    Edit(EditJob),
    /// Write the hypothesis as a `--whatif` file in the current directory.
    WriteWhatif(String),
    /// Keep the marks and bookmarks of this recording (see `saved_marks`).
    SaveMarks(saved_marks::Saved),
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Events,
    Tree,
    Diff,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Goto,
    Search,
    TreeSearch,
    Filter,
}

impl PromptKind {
    /// Which history the prompt's inputs go to.
    pub fn history(self) -> history::Kind {
        match self {
            PromptKind::Goto => history::Kind::Goto,
            PromptKind::Search => history::Kind::Search,
            PromptKind::TreeSearch => history::Kind::Find,
            PromptKind::Filter => history::Kind::Filter,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PromptKind::Goto => "go to (N, start, end, end-N, id:ID, STREAM@SEQ, time, date): ",
            PromptKind::Search => "search events: ",
            PromptKind::TreeSearch => "find in tree (regex): ",
            PromptKind::Filter => "filter (stream, type:T, globs *; empty = all): ",
        }
    }
}

/// An open prompt. It starts empty; Up and Down recall earlier inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub line: LineEdit,
    /// The history entry shown (0 = the newest), while recalling.
    pub recall: Option<usize>,
    /// What was typed before recalling began, restored by going past the newest.
    pub draft: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    /// The `?` help; its scroll is [`App::help`].
    Help,
    /// The ledger (`!`): what the import skipped, kept with a problem, or found
    /// twice; its scroll is [`App::help`] too.
    Ledger,
    /// The list of marks (`'`) or of bookmarks (`B`).
    Places(Places),
    Prompt(Prompt),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

pub struct App {
    pub info: Info,
    pub color: bool,
    pub size: Rect,
    pub cursor: u64,
    pub focus: Pane,
    /// What the lower pane shows: `Diff` or `Detail`.
    pub lower: Pane,
    pub overlay: Overlay,
    /// The focused pane takes the whole body.
    pub zoom: bool,
    pub help: Scroll,
    /// Earlier prompt inputs; the runner loads them and saves each new one.
    pub history: History,
    /// The rules file the recording was opened with, for the command line `W` shows.
    pub rules_file: Option<String>,
    pub open: Opening,
    pub events: EventsPane,
    pub timeline: TimelinePane,
    pub state: StatePane,
    pub diff: DiffPane,
    pub detail: DetailPane,
    pub marks: Marks,
    /// A count typed before a key (`5` of `5j`), shown in the footer until used.
    pub count: Option<u64>,
    pub pending: InFlight,
    pub message: Option<(Level, String)>,
    pub tick: u64,
    pub last_copy: Option<String>,
    pub fatal: Option<String>,
    /// Following the inputs (`--follow`).
    pub live: live::Live,
    /// The chat transcript of the shown state, in place of the diff (`V`); `None`: the diff.
    pub transcript: Option<Vec<crate::tui::transcript::Entry>>,
    next_id: u64,
    fx: Vec<Effect>,
}

impl App {
    /// Show the transcript instead of the diff, or back.
    pub(crate) fn toggle_transcript(&mut self) {
        if self.transcript.take().is_none() {
            self.transcript = Some(Vec::new());
            self.refresh_transcript();
        }
    }

    /// Rebuild the shown transcript from the tree's state: in update, not while drawing.
    pub(crate) fn refresh_transcript(&mut self) {
        if self.transcript.is_none() {
            return;
        }
        let changed = self.state.reply.as_ref().map(|r| r.changed.as_slice()).unwrap_or(&[]);
        self.transcript = Some(crate::tui::transcript::entries(&self.state.tree.to_value(), changed));
    }

    /// A new model for an opened recording; the effects fetch the first screen.
    pub fn new(info: Info, width: u16, height: u16, color: bool) -> (App, Vec<Effect>) {
        let cursor = info.len;
        let mut app = App {
            info,
            color,
            size: Rect::new(0, 0, width, height),
            cursor,
            focus: Pane::Events,
            lower: Pane::Diff,
            overlay: Overlay::None,
            zoom: false,
            help: Scroll::default(),
            history: History::default(),
            rules_file: None,
            open: Opening::default(),
            events: EventsPane::default(),
            timeline: TimelinePane::default(),
            state: StatePane::default(),
            diff: DiffPane::default(),
            detail: DetailPane::default(),
            marks: Marks::default(),
            count: None,
            pending: InFlight::default(),
            message: None,
            tick: 0,
            last_copy: None,
            fatal: None,
            live: live::Live::default(),
            transcript: None,
            next_id: 1,
            fx: Vec::new(),
        };
        // Each input's end is a bookmark, so `{`/`}` step between them and `m` at one
        // then a move to another diffs what one input had that the other lacked.
        app.marks.bookmarks.extend(app.info.input_ends.iter().map(|(p, _)| *p));
        if app.info.ledger.needs_notice() {
            app.message = Some((Level::Error, format!("{} (press ! to list)", app.info.ledger.badge())));
        }
        app.request_rows(cursor);
        app.request_state();
        app.request_density();
        let fx = std::mem::take(&mut app.fx);
        (app, fx)
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(k) => self.on_key(k),
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Resize(w, h) => self.resize(w, h),
            Msg::Reply(r) => self.on_reply(r),
            Msg::Tick => self.tick = self.tick.wrapping_add(1),
            Msg::Wake => self.on_wake(),
            Msg::Edited(job, result) => self.edited(job, result),
            Msg::Wrote(result) => self.wrote_whatif(result),
        }
        self.seen_end();
        std::mem::take(&mut self.fx)
    }

    /// Where each pane goes; zoomed, the focused one takes the others' room.
    pub fn areas(&self) -> Areas {
        let mut a = layout::areas(self.size);
        if self.zoom {
            let body = a.list.union(a.tree).union(a.lower);
            let none = Rect::new(body.x, body.y, body.width, 0);
            let (list, tree, lower) = match self.focus {
                Pane::Events => (body, none, none),
                Pane::Tree => (none, body, none),
                Pane::Diff | Pane::Detail => (none, none, body),
            };
            a.list = list;
            a.tree = tree;
            a.lower = lower;
        }
        a
    }

    /// Is work in flight (the spinner turns)?
    pub fn busy(&self) -> bool {
        let p = &self.pending;
        !self.open.ready
            || self.state_pending()
            || self.diff_pending()
            || p.seeking()
            || p.goto
            || p.watch
            || p.search.is_some()
    }

    /// Is the diff shown still being computed (its parts arriving)?
    pub fn diff_pending(&self) -> bool {
        self.state.reply.as_ref().is_some_and(|s| !s.diff.complete())
    }

    pub fn state_pending(&self) -> bool {
        match (&self.pending.state, &self.state.reply) {
            (Some(req), Some(s)) => req.id != s.id,
            (Some(_), None) => true,
            _ => false,
        }
    }

    pub fn spinner(&self) -> &'static str {
        const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
        FRAMES[(self.tick % FRAMES.len() as u64) as usize]
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn send(&mut self, r: Request) {
        self.fx.push(Effect::Send(r));
    }

    pub fn info_msg(&mut self, text: impl Into<String>) {
        self.message = Some((Level::Info, clean(&text.into()).into_owned()));
    }

    pub fn error_msg(&mut self, text: impl Into<String>) {
        self.message = Some((Level::Error, clean(&text.into()).into_owned()));
    }

    fn resize(&mut self, w: u16, h: u16) {
        let old_width = layout::areas(self.size).timeline.width;
        self.size = Rect::new(0, 0, w, h);
        let a = self.areas();
        if a.timeline.width != old_width {
            self.request_density();
            self.recompute_hit_cols();
        }
        self.ensure_window();
        self.state.tree.scroll_into_view(layout::inner(a.tree).height as usize);
    }

    /// Ask for everything the state, diff and detail panes show at the cursor.
    pub(crate) fn request_state(&mut self) {
        let req = StateReq {
            id: self.id(),
            pos: self.cursor,
            stream: self.state.stream.clone(),
            whatif: self.marks.whatif.clone(),
            mark: self.marks.mark,
            diff: self.diff.mode,
        };
        self.pending.state = Some(req.clone());
        self.send(Request::State(req));
    }

    pub(crate) fn request_density(&mut self) {
        let width = self.areas().timeline.width;
        self.send(Request::Density {
            width,
            filter: self.events.filter.clone(),
        });
    }

    /// Timeline columns with search hits, for the current width.
    fn recompute_hit_cols(&mut self) {
        let w = self.areas().timeline.width as usize;
        let mut cols = vec![false; w];
        if let Some(s) = &self.events.search {
            for &p in &s.hits {
                if let Some(c) = cols.get_mut(super::timeline::column(p, self.info.len, w as u16) as usize) {
                    *c = true;
                }
            }
        }
        self.timeline.hit_cols = cols;
    }

    /// The row at the cursor, if loaded.
    pub fn cursor_row(&self) -> Option<&Row> {
        self.events
            .window
            .rows
            .iter()
            .find(|r| r.pos == self.cursor && r.pos > 0)
    }

    /// Stream and type of the event at the cursor, from the list or the state reply.
    pub fn cursor_event_names(&self) -> Option<(String, String)> {
        if let Some(r) = self.cursor_row() {
            return Some((r.stream.clone(), r.ty.clone()));
        }
        let s = self.state.reply.as_ref()?;
        let ev = s.event.as_ref().filter(|e| e.pos == self.cursor)?;
        Some((ev.stream.clone(), ev.ty.clone()))
    }
}
