//! What each action of the key table does to the model.

use globset::Glob;

use super::{App, EventSearch, Overlay, Pane, Prompt, PromptKind, Watch};
use crate::tui::keys::Action;
use crate::tui::msg::{DiffMode, FilterSpec, Request};
use crate::tui::tree::{smart_regex, Tree};
use crate::tui::{layout, view};

impl App {
    pub fn perform(&mut self, action: Action) {
        use Action as A;
        match action {
            A::Quit => self.fx.push(super::Effect::Quit),
            A::Help => self.overlay = Overlay::Help { scroll: 0 },
            A::HelpClose => self.overlay = Overlay::None,
            A::FocusNext => self.focus_cycle(1),
            A::FocusPrev => self.focus_cycle(-1),
            A::FocusEvents => self.focus_pane(Pane::Events),
            A::FocusTree => self.focus_pane(Pane::Tree),
            A::FocusDiff => self.focus_pane(Pane::Diff),
            A::FocusDetail => self.focus_pane(Pane::Detail),
            A::OpenDetail => self.focus_pane(Pane::Detail),
            A::Back => {
                self.message = None;
                self.focus = Pane::Events;
            }
            A::StepFwd => self.step(1),
            A::StepBack => self.step(-1),
            A::PageFwd => self.page(1),
            A::PageBack => self.page(-1),
            A::Start => self.set_cursor(0),
            A::End => self.set_cursor(self.info.len),
            A::JumpFwd => self.jump_tenth(1),
            A::JumpBack => self.jump_tenth(-1),
            A::Goto => self.open_prompt(PromptKind::Goto),
            A::Search => self.open_prompt(PromptKind::Search),
            A::TreeSearch => self.open_prompt(PromptKind::TreeSearch),
            A::Filter => self.open_prompt(PromptKind::Filter),
            A::SearchNext => self.search_jump(true, false),
            A::SearchPrev => self.search_jump(false, false),
            A::FilterStream => self.filter_current(true),
            A::FilterType => self.filter_current(false),
            A::Mark => self.toggle_mark(),
            A::JumpMark => match self.mark {
                Some(m) => self.set_cursor(m),
                None => self.info_msg("no mark: press m to set one"),
            },
            A::Bookmark => {
                if !self.bookmarks.remove(&self.cursor) {
                    self.bookmarks.insert(self.cursor);
                    self.info_msg(format!("bookmarked {} ({{ and }} jump between bookmarks)", self.cursor));
                } else {
                    self.info_msg(format!("bookmark {} removed", self.cursor));
                }
            }
            A::NextBookmark => match self.bookmarks.range(self.cursor + 1..).next().copied() {
                Some(p) => self.set_cursor(p),
                None => self.info_msg("no bookmark after the cursor (b sets one)"),
            },
            A::PrevBookmark => match self.bookmarks.range(..self.cursor).next_back().copied() {
                Some(p) => self.set_cursor(p),
                None => self.info_msg("no bookmark before the cursor (b sets one)"),
            },
            A::StateScope => self.toggle_scope(),
            A::DiffMode => {
                self.diff_mode = match self.diff_mode {
                    DiffMode::Event => DiffMode::Mark,
                    DiffMode::Mark => DiffMode::WhatIf,
                    DiffMode::WhatIf => DiffMode::Event,
                };
                self.diff_scroll = 0;
                self.lower = Pane::Diff;
                self.info_msg(format!("diff: {}", self.diff_mode.name()));
                self.request_state();
            }
            A::Unified => {
                self.unified = !self.unified;
                self.diff_scroll = 0;
                self.lower = Pane::Diff;
                // The unified text is computed only when shown.
                if self.unified && self.state.as_ref().is_none_or(|s| s.diff.unified.is_none()) {
                    self.request_state();
                }
            }
            A::WhatIf => self.toggle_skip(),
            A::WhatIfClear => {
                if !self.skips.is_empty() {
                    self.skips.clear();
                    if self.diff_mode == DiffMode::WhatIf {
                        self.diff_mode = DiffMode::Event;
                    }
                    self.info_msg("what-if cleared: the state is the recorded one again");
                    self.request_state();
                }
            }
            A::Watch => {
                let w = Watch {
                    stream: self.view_stream.clone(),
                    pointer: self.tree.selected_pointer().to_string(),
                };
                self.info_msg(format!(
                    "watching {}: < and > jump to the previous / next event that changed it",
                    w.display()
                ));
                self.watch = Some(w);
            }
            A::WatchPrev => self.watch_jump(false),
            A::WatchNext => self.watch_jump(true),
            A::TreeDown => self.tree_do(|t| t.move_by(1)),
            A::TreeUp => self.tree_do(|t| t.move_by(-1)),
            A::TreeCollapse => self.tree_do(Tree::collapse),
            A::TreeExpand => self.tree_do(Tree::expand),
            A::TreeToggle => self.tree_do(Tree::toggle),
            A::TreeTop => self.tree_do(Tree::top),
            A::TreeBottom => self.tree_do(Tree::bottom),
            A::TreePageDown => {
                let h = self.tree_height() as isize;
                self.tree_do(|t| t.move_by(h));
            }
            A::TreePageUp => {
                let h = self.tree_height() as isize;
                self.tree_do(|t| t.move_by(-h));
            }
            A::TreeExpandAll => self.tree_do(Tree::expand_all),
            A::TreeCollapseAll => self.tree_do(Tree::collapse_all),
            A::TreeNextChange => {
                if self.tree.next_change().is_none() {
                    self.info_msg("the event at the cursor changed nothing shown here");
                }
                self.tree_do(|_| {});
            }
            A::TreeSearchNext => self.tree_hit(1),
            A::TreeSearchPrev => self.tree_hit(-1),
            A::CopyPointer => {
                let p = self.tree.selected_pointer().to_string();
                let shown = if p.is_empty() {
                    "\"\" (the root)".to_string()
                } else {
                    p.clone()
                };
                let scope = match &self.view_stream {
                    Some(s) => format!(" (inside {s})"),
                    None => String::new(),
                };
                self.copy(p, format!("copied pointer {shown}{scope} to the clipboard (OSC 52)"));
            }
            A::CopyValue => {
                let v = self
                    .tree
                    .selected_value()
                    .map(|v| crate::json::write::to_string_pretty(&v));
                match v {
                    Some(text) => {
                        let n = text.len();
                        self.copy(text, format!("copied the value ({n} bytes) to the clipboard (OSC 52)"));
                    }
                    None => self.info_msg("nothing selected"),
                }
            }
            A::ScrollDown => self.scroll(1),
            A::ScrollUp => self.scroll(-1),
            A::ScrollPageDown => self.scroll(self.page_rows()),
            A::ScrollPageUp => self.scroll(-self.page_rows()),
            A::ScrollTop => self.scroll(isize::MIN / 2),
            A::ScrollBottom => self.scroll(isize::MAX / 2),
            A::PromptSubmit => self.submit_prompt(),
            A::PromptCancel => self.overlay = Overlay::None,
            A::PromptBackspace => {
                if let Overlay::Prompt(p) = &mut self.overlay {
                    p.input.pop();
                }
            }
        }
    }

    fn focus_pane(&mut self, p: Pane) {
        self.focus = p;
        if matches!(p, Pane::Diff | Pane::Detail) {
            self.lower = p;
        }
    }

    fn focus_cycle(&mut self, d: i32) {
        const ORDER: [Pane; 4] = [Pane::Events, Pane::Tree, Pane::Diff, Pane::Detail];
        let i = ORDER.iter().position(|p| *p == self.focus).unwrap_or(0) as i32;
        let next = ORDER[(i + d).rem_euclid(ORDER.len() as i32) as usize];
        self.focus_pane(next);
    }

    fn tree_height(&self) -> usize {
        layout::inner(self.areas().tree).height.max(1) as usize
    }

    fn tree_do(&mut self, f: impl FnOnce(&mut Tree)) {
        f(&mut self.tree);
        let h = self.tree_height();
        self.tree.scroll_into_view(h);
    }

    fn tree_hit(&mut self, d: isize) {
        if !self.tree.jump_hit(d) {
            self.info_msg("no matches in the tree (/ to find)");
        }
        self.tree_do(|_| {});
        if let Some((at, n, _)) = self.tree.search_status() {
            if n > 0 {
                self.info_msg(format!("match {}/{n}", at + 1));
            }
        }
    }

    fn page_rows(&self) -> isize {
        let r = match self.overlay {
            Overlay::Help { .. } => self.size.height.saturating_sub(4),
            _ => layout::inner(self.areas().lower).height,
        };
        r.saturating_sub(1).max(1) as isize
    }

    fn scroll(&mut self, d: isize) {
        let h = self.page_rows().max(1) as usize;
        let len = match (&self.overlay, self.focus) {
            (Overlay::Help { .. }, _) => view::help::lines(self.color).len(),
            (_, Pane::Detail) => view::detail::line_count(self),
            _ => view::diff::line_count(self),
        };
        let pos = match &mut self.overlay {
            Overlay::Help { scroll } => scroll,
            _ => match self.focus {
                Pane::Detail => &mut self.detail_scroll,
                _ => &mut self.diff_scroll,
            },
        };
        let max = len.saturating_sub(h) as isize;
        *pos = (*pos as isize).saturating_add(d).clamp(0, max.max(0)) as usize;
    }

    fn copy(&mut self, text: String, note: String) {
        // Terminals cap OSC 52 payloads; past this the copy would silently fail.
        const MAX: usize = 1 << 20;
        if text.len() > MAX {
            self.error_msg(format!(
                "too large for the clipboard ({} bytes); copy a smaller node",
                text.len()
            ));
            return;
        }
        self.last_copy = Some(text.clone());
        self.fx.push(super::Effect::Copy(text));
        self.info_msg(note);
    }

    fn open_prompt(&mut self, kind: PromptKind) {
        let input = match kind {
            PromptKind::Search => self.search.as_ref().map(|s| s.text.clone()).unwrap_or_default(),
            PromptKind::Filter => self.filter.as_ref().map(|f| f.label.clone()).unwrap_or_default(),
            PromptKind::TreeSearch => self.tree.search_status().map(|s| s.2).unwrap_or_default(),
            PromptKind::Goto => String::new(),
        };
        self.overlay = Overlay::Prompt(Prompt { kind, input });
    }

    fn submit_prompt(&mut self) {
        let Overlay::Prompt(p) = std::mem::replace(&mut self.overlay, Overlay::None) else {
            return;
        };
        let text = p.input.trim().to_string();
        match p.kind {
            PromptKind::Goto => {
                if !text.is_empty() {
                    self.pending_goto = true;
                    self.send(Request::Goto { text });
                }
            }
            PromptKind::Search => self.start_search(text),
            PromptKind::TreeSearch => {
                if text.is_empty() {
                    self.tree.clear_search();
                    return;
                }
                match smart_regex(&text) {
                    Ok(re) => {
                        self.focus = Pane::Tree;
                        self.tree.set_search(re, true);
                        self.tree_do(|_| {});
                        match self.tree.search_status() {
                            Some((at, n, _)) if n > 0 => self.info_msg(format!("match {}/{n}", at + 1)),
                            _ => self.info_msg(format!("no key or value matches {text}")),
                        }
                    }
                    Err(e) => self.error_msg(format!("bad regex: {e}")),
                }
            }
            PromptKind::Filter => match parse_filter(&text, &self.info.stream_names, &self.info.type_names) {
                Ok(f) => self.apply_filter(f),
                Err(e) => self.error_msg(e),
            },
        }
    }

    fn start_search(&mut self, text: String) {
        if text.is_empty() {
            self.search = None;
            self.recompute_hit_cols();
            return;
        }
        let id = self.id();
        self.search = Some(EventSearch {
            id,
            text: text.clone(),
            pending: true,
            ..EventSearch::default()
        });
        self.send(Request::Search {
            id,
            text,
            filter: self.filter.clone(),
        });
    }

    /// Go to the next (or previous) hit; `first` = right after a search finished.
    pub(super) fn search_jump(&mut self, forward: bool, first: bool) {
        let Some(s) = &self.search else {
            self.info_msg("no search: press / to search");
            return;
        };
        if s.pending {
            return;
        }
        if s.hits.is_empty() {
            let t = s.text.clone();
            self.info_msg(format!("no event matches {t}"));
            return;
        }
        let hits = &s.hits;
        let c = self.cursor;
        let (target, wrapped) = if forward {
            let from = if first { c } else { c + 1 };
            match hits.iter().find(|&&h| h >= from) {
                Some(&h) => (h, false),
                None => (hits[0], true),
            }
        } else {
            match hits.iter().rev().find(|&&h| h < c) {
                Some(&h) => (h, false),
                None => (hits[hits.len() - 1], true),
            }
        };
        let n = hits.len();
        let i = hits.partition_point(|&h| h < target) + 1;
        let more = if s.capped { "+" } else { "" };
        let wrap = if wrapped { " (wrapped)" } else { "" };
        let text = s.text.clone();
        self.set_cursor(target);
        self.info_msg(format!("{text}: hit {i}/{n}{more}{wrap} (n/N next/previous)"));
    }

    pub(crate) fn apply_filter(&mut self, f: Option<FilterSpec>) {
        if f == self.filter {
            return;
        }
        match &f {
            Some(spec) => self.info_msg(format!(
                "filter {}: the list and timeline show matching events; the state stays the world's",
                spec.label
            )),
            None => self.info_msg("filter cleared"),
        }
        self.filter = f;
        self.seek = None;
        self.density = None;
        self.request_rows(self.cursor);
        self.request_density();
        if let Some(s) = &self.search {
            let t = s.text.clone();
            self.start_search(t);
        }
    }

    fn filter_current(&mut self, stream: bool) {
        let Some((s, t)) = self.cursor_event_names() else {
            self.info_msg("no event at the cursor");
            return;
        };
        let (name, names) = if stream {
            (s, &self.info.stream_names)
        } else {
            (t, &self.info.type_names)
        };
        let id = names.iter().position(|n| *n == name).map(|i| i as i64);
        let Some(id) = id else { return };
        let spec = if stream {
            FilterSpec {
                label: name.clone(),
                streams: Some(vec![id]),
                types: None,
            }
        } else {
            FilterSpec {
                label: format!("type:{name}"),
                streams: None,
                types: Some(vec![id]),
            }
        };
        if self.filter.as_ref() == Some(&spec) {
            self.apply_filter(None);
        } else {
            self.apply_filter(Some(spec));
        }
    }

    fn toggle_mark(&mut self) {
        if self.mark == Some(self.cursor) {
            self.mark = None;
            if self.diff_mode == DiffMode::Mark {
                self.diff_mode = DiffMode::Event;
            }
            self.info_msg("mark cleared");
        } else {
            self.mark = Some(self.cursor);
            self.diff_mode = DiffMode::Mark;
            self.lower = Pane::Diff;
            self.info_msg(format!(
                "mark set at {}: move, and the diff shows mark → cursor (d: other diffs, ' back to the mark)",
                self.cursor
            ));
        }
        self.diff_scroll = 0;
        self.request_state();
    }

    fn toggle_scope(&mut self) {
        let next = match &self.view_stream {
            Some(_) => None,
            None => match self.cursor_event_names() {
                Some((s, _)) => Some(s),
                None => {
                    self.info_msg("no event at the cursor: step to one to see its stream's state");
                    return;
                }
            },
        };
        let old = std::mem::replace(&mut self.tree, self.saved_trees.remove(&next).unwrap_or_default());
        self.saved_trees.insert(self.view_stream.clone(), old);
        self.view_stream = next;
        self.state = None;
        match &self.view_stream {
            Some(s) => self.info_msg(format!("state of stream {s} (s: the whole world)")),
            None => self.info_msg("state of the whole world (s: one stream)"),
        }
        self.request_state();
    }

    fn toggle_skip(&mut self) {
        if self.cursor == 0 {
            self.info_msg("no event at the start to skip");
            return;
        }
        if self.skips.remove(&self.cursor) {
            if self.skips.is_empty() && self.diff_mode == DiffMode::WhatIf {
                self.diff_mode = DiffMode::Event;
            }
            self.info_msg(format!("event {} restored", self.cursor));
        } else {
            self.skips.insert(self.cursor);
            self.diff_mode = DiffMode::WhatIf;
            self.lower = Pane::Diff;
            self.info_msg(format!(
                "what-if: event {} skipped; the state is HYPOTHETICAL (x restores it, X restores all)",
                self.cursor
            ));
        }
        self.request_state();
    }

    fn watch_jump(&mut self, forward: bool) {
        let from_tree = self.focus == Pane::Tree || self.watch.is_none();
        if from_tree {
            let p = self.tree.selected_pointer().to_string();
            if p.is_empty() && self.view_stream.is_none() {
                self.info_msg("pick a node inside a stream: Tab to the state tree, select it, press < or >");
                return;
            }
            self.watch = Some(Watch {
                stream: self.view_stream.clone(),
                pointer: p,
            });
        }
        let Some(w) = self.watch.clone() else { return };
        self.pending_watch = true;
        self.send(Request::Watch {
            pointer: w.pointer,
            stream: w.stream,
            from: self.cursor,
            forward,
        });
    }
}

/// `stream glob`, `type:GLOB` or `stream:GLOB`; a plain word matches names that
/// contain it. `Ok(None)` clears the filter.
pub fn parse_filter(text: &str, streams: &[String], types: &[String]) -> Result<Option<FilterSpec>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let ids = |pat: &str, names: &[String]| -> Result<Vec<i64>, String> {
        let is_glob = pat.contains(['*', '?', '[']);
        let glob = if is_glob {
            Some(
                Glob::new(pat)
                    .map_err(|e| format!("bad pattern {pat}: {e}"))?
                    .compile_matcher(),
            )
        } else {
            None
        };
        Ok(names
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, n)| match &glob {
                Some(g) => g.is_match(n.as_str()),
                None => n.contains(pat),
            })
            .map(|(i, _)| i as i64)
            .collect())
    };
    let spec = |streams: Option<Vec<i64>>, types: Option<Vec<i64>>| FilterSpec {
        label: text.to_string(),
        streams,
        types,
    };
    if let Some(t) = text.strip_prefix("type:") {
        let found = ids(t.trim(), types)?;
        if found.is_empty() {
            return Err(format!("no event type matches {t}"));
        }
        return Ok(Some(spec(None, Some(found))));
    }
    let (pat, only_streams) = match text.strip_prefix("stream:") {
        Some(s) => (s.trim(), true),
        None => (text, false),
    };
    let found = ids(pat, streams)?;
    if !found.is_empty() {
        return Ok(Some(spec(Some(found), None)));
    }
    if !only_streams {
        let found = ids(pat, types)?;
        if !found.is_empty() {
            return Ok(Some(spec(None, Some(found))));
        }
    }
    Err(format!("no stream or event type matches {pat}"))
}
