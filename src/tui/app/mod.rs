//! The model and its update function (the Elm architecture): [`App::update`]
//! takes a [`Msg`] and returns [`Effect`]s; drawing only reads the model.
//! Nothing here does I/O, so every behaviour is testable without a terminal.

mod actions;
mod input;
pub mod nav;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;

use super::layout::{self, Areas};
use super::msg::{
    DensityReply, DiffMode, FilterSpec, Info, Loading, Request, Response, Row, RowsReply, StateReply, StateReq,
};
use super::tree::Tree;
use crate::sanitize::clean;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Reply(Response),
    /// Time passes (spinner).
    Tick,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send(Request),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
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
    pub fn label(self) -> &'static str {
        match self {
            PromptKind::Goto => "go to (N, start, end, end-N, id:ID, STREAM@SEQ, time): ",
            PromptKind::Search => "search events: ",
            PromptKind::TreeSearch => "find in tree (regex): ",
            PromptKind::Filter => "filter (stream, type:T, globs *; empty = all): ",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help { scroll: usize },
    Prompt(Prompt),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

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

#[derive(Debug, Clone, Default)]
pub struct EventSearch {
    pub id: u64,
    pub text: String,
    pub hits: Vec<u64>,
    pub capped: bool,
    pub pending: bool,
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

pub struct App {
    pub info: Info,
    pub color: bool,
    pub size: Rect,
    pub ready: bool,
    pub loading: Option<Loading>,
    pub cursor: u64,
    pub focus: Pane,
    /// What the lower pane shows: `Diff` or `Detail`.
    pub lower: Pane,
    pub overlay: Overlay,
    pub mark: Option<u64>,
    pub bookmarks: BTreeSet<u64>,
    pub filter: Option<FilterSpec>,
    pub failures: BTreeSet<u64>,
    pub drift: BTreeSet<u64>,
    pub window: Window,
    /// The newest rows request: id and anchor.
    pub window_req: Option<(u64, u64)>,
    /// A seek in flight (id) and the steps the user made meanwhile.
    pub seek: Option<(u64, i64)>,
    pub state: Option<Box<StateReply>>,
    /// The newest state request.
    pub state_req: Option<StateReq>,
    pub tree: Tree,
    /// Trees of the other scope (world / a stream), kept with their folding.
    saved_trees: HashMap<Option<String>, Tree>,
    pub view_stream: Option<String>,
    pub diff_mode: DiffMode,
    pub unified: bool,
    pub diff_scroll: usize,
    pub detail_scroll: usize,
    pub skips: BTreeSet<u64>,
    pub search: Option<EventSearch>,
    /// Columns of the timeline that hold a search hit.
    pub hit_cols: Vec<bool>,
    pub density: Option<DensityReply>,
    pub watch: Option<Watch>,
    pub pending_goto: bool,
    pub pending_watch: bool,
    pub message: Option<(Level, String)>,
    pub tick: u64,
    pub last_copy: Option<String>,
    pub fatal: Option<String>,
    next_id: u64,
    fx: Vec<Effect>,
}

impl App {
    /// A new model for an opened recording; the effects fetch the first screen.
    pub fn new(info: Info, width: u16, height: u16, color: bool) -> (App, Vec<Effect>) {
        let cursor = info.len;
        let mut app = App {
            info,
            color,
            size: Rect::new(0, 0, width, height),
            ready: false,
            loading: None,
            cursor,
            focus: Pane::Events,
            lower: Pane::Diff,
            overlay: Overlay::None,
            mark: None,
            bookmarks: BTreeSet::new(),
            filter: None,
            failures: BTreeSet::new(),
            drift: BTreeSet::new(),
            window: Window::default(),
            window_req: None,
            seek: None,
            state: None,
            state_req: None,
            tree: Tree::new(),
            saved_trees: HashMap::new(),
            view_stream: None,
            diff_mode: DiffMode::Event,
            unified: false,
            diff_scroll: 0,
            detail_scroll: 0,
            skips: BTreeSet::new(),
            search: None,
            hit_cols: Vec::new(),
            density: None,
            watch: None,
            pending_goto: false,
            pending_watch: false,
            message: None,
            tick: 0,
            last_copy: None,
            fatal: None,
            next_id: 1,
            fx: Vec::new(),
        };
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
        }
        std::mem::take(&mut self.fx)
    }

    pub fn areas(&self) -> Areas {
        layout::areas(self.size)
    }

    /// Is work in flight (the spinner turns)?
    pub fn busy(&self) -> bool {
        !self.ready
            || self.state_pending()
            || self.diff_pending()
            || self.seek.is_some()
            || self.pending_goto
            || self.pending_watch
            || self.search.as_ref().is_some_and(|s| s.pending)
    }

    pub fn state_pending(&self) -> bool {
        match (&self.state_req, &self.state) {
            (Some(req), Some(s)) => req.id != s.id,
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// Is the diff shown still being computed (its parts arriving)?
    pub fn diff_pending(&self) -> bool {
        self.state.as_ref().is_some_and(|s| !s.diff.complete())
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
        self.tree.scroll_into_view(layout::inner(a.tree).height as usize);
    }

    /// Ask for everything the state, diff and detail panes show at the cursor.
    pub(crate) fn request_state(&mut self) {
        let req = StateReq {
            id: self.id(),
            pos: self.cursor,
            stream: self.view_stream.clone(),
            skips: self.skips.iter().copied().collect(),
            mark: self.mark,
            diff: self.diff_mode,
            unified: self.unified,
        };
        self.state_req = Some(req.clone());
        self.send(Request::State(req));
    }

    pub(crate) fn request_density(&mut self) {
        let width = self.areas().timeline.width;
        self.send(Request::Density {
            width,
            filter: self.filter.clone(),
        });
    }

    fn on_reply(&mut self, r: Response) {
        match r {
            Response::Opened(_) => {}
            Response::Loading(l) => self.loading = Some(l),
            Response::Ready { failures, drift } => {
                self.ready = true;
                self.loading = None;
                self.failures = failures.into_iter().collect();
                self.drift = drift.into_iter().collect();
            }
            Response::Rows(r) => self.on_rows(r),
            Response::State(s) => self.on_state(s),
            Response::DiffPart(part) => {
                if let Some(s) = self.state.as_mut().filter(|s| s.id == part.id) {
                    s.diff.extend(*part);
                }
            }
            Response::Density(d) => {
                if d.filter == self.filter && d.width == self.areas().timeline.width {
                    self.density = Some(d);
                }
            }
            Response::Search(s) => {
                let Some(cur) = &mut self.search else { return };
                if cur.id != s.id {
                    return;
                }
                cur.hits = s.hits;
                cur.capped = s.capped;
                cur.pending = false;
                self.recompute_hit_cols();
                self.search_jump(true, true);
            }
            Response::Goto(r) => {
                self.pending_goto = false;
                match r {
                    Ok(pos) => {
                        self.set_cursor(pos);
                        self.info_msg(format!("at {pos}"));
                    }
                    Err(e) => self.error_msg(e),
                }
            }
            Response::Watch(w) => {
                self.pending_watch = false;
                let dir = if w.forward { "next" } else { "previous" };
                match w.found {
                    Some((pos, old, new)) => {
                        self.set_cursor(pos);
                        let show = |v: &Option<serde_json::Value>| match v {
                            Some(v) => {
                                crate::sanitize::truncate(&crate::json::write::to_string_compact(v), 60).into_owned()
                            }
                            None => "(absent)".to_string(),
                        };
                        self.info_msg(format!(
                            "{} changed at {pos}: {} → {}",
                            w.pointer,
                            show(&old),
                            show(&new)
                        ));
                    }
                    None => self.info_msg(format!("no {dir} change of {}", w.pointer)),
                }
            }
            Response::Error(e) => {
                self.pending_goto = false;
                self.pending_watch = false;
                if let Some(s) = &mut self.search {
                    s.pending = false;
                }
                self.error_msg(e);
            }
            Response::Fatal(e) => {
                self.fatal = Some(e);
                self.fx.push(Effect::Quit);
            }
        }
    }

    fn on_state(&mut self, s: Box<StateReply>) {
        // Replies come in request order; an older one still beats showing nothing.
        if s.stream != self.view_stream {
            return;
        }
        self.tree.set_value(s.value.clone(), &s.changed);
        let h = layout::inner(self.areas().tree).height as usize;
        self.tree.scroll_into_view(h);
        if self.state.as_ref().is_none_or(|old| old.pos != s.pos) {
            self.detail_scroll = 0;
        }
        self.state = Some(s);
    }

    fn on_rows(&mut self, r: RowsReply) {
        if self.window_req.map(|(id, _)| id) != Some(r.id) {
            return;
        }
        self.window_req = None;
        let mut rows = r.rows;
        if r.at_start {
            rows.insert(
                0,
                Row {
                    pos: 0,
                    time: None,
                    stream: String::new(),
                    ty: String::new(),
                    snapshot: false,
                    failed: false,
                    summary: String::new(),
                },
            );
        }
        self.window = Window {
            rows,
            at_start: r.at_start,
            at_end: r.at_end,
            filter: self.filter.clone(),
            loaded: true,
        };
        if let (Some(target), Some((id, pending))) = (r.cursor, self.seek) {
            if id == r.id {
                self.seek = None;
                self.set_cursor(target);
                if pending != 0 {
                    self.step(pending);
                }
            }
        }
    }

    /// Timeline columns with search hits, for the current width.
    fn recompute_hit_cols(&mut self) {
        let w = self.areas().timeline.width as usize;
        let mut cols = vec![false; w];
        if let Some(s) = &self.search {
            for &p in &s.hits {
                if let Some(c) = cols.get_mut(super::timeline::column(p, self.info.len, w as u16) as usize) {
                    *c = true;
                }
            }
        }
        self.hit_cols = cols;
    }

    /// The row at the cursor, if loaded.
    pub fn cursor_row(&self) -> Option<&Row> {
        self.window.rows.iter().find(|r| r.pos == self.cursor && r.pos > 0)
    }

    /// Stream and type of the event at the cursor, from the list or the state reply.
    pub fn cursor_event_names(&self) -> Option<(String, String)> {
        if let Some(r) = self.cursor_row() {
            return Some((r.stream.clone(), r.ty.clone()));
        }
        let s = self.state.as_ref()?;
        let ev = s.event.as_ref().filter(|e| e.pos == self.cursor)?;
        Some((ev.stream.clone(), ev.ty.clone()))
    }
}
