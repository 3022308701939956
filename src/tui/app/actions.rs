//! What each action of the key table does: one named method per action.

use super::{App, Effect, Overlay, Pane, PlaceKind, PromptKind, Watch};
use crate::tui::keys::Action;
use crate::tui::layout;
use crate::tui::line_edit::LineEdit;
use crate::tui::msg::{DiffMode, Request};
use crate::tui::tree::Tree;

impl App {
    pub fn perform(&mut self, action: Action) {
        use Action as A;
        match action {
            A::Quit => self.quit(),
            A::Help => self.open_help(),
            A::HelpClose => self.close_overlay(),
            A::Ledger => self.open_ledger(),
            A::FocusNext => self.focus_cycle(1),
            A::FocusPrev => self.focus_cycle(-1),
            A::FocusEvents => self.focus_pane(Pane::Events),
            A::FocusTree => self.focus_pane(Pane::Tree),
            A::FocusDiff => self.focus_pane(Pane::Diff),
            A::FocusDetail | A::OpenDetail => self.focus_pane(Pane::Detail),
            A::Count => {}
            A::Back => self.back(),
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
            A::ListMarks => self.open_places(PlaceKind::Marks),
            A::ListBookmarks => self.open_places(PlaceKind::Bookmarks),
            A::PlaceDown => self.place_move(1),
            A::PlaceUp => self.place_move(-1),
            A::PlaceTop => self.place_move(isize::MIN / 2),
            A::PlaceBottom => self.place_move(isize::MAX / 2),
            A::PlaceJump => self.place_jump(),
            A::PlaceDelete => self.place_delete(),
            A::Bookmark => self.toggle_bookmark(),
            A::NextBookmark => self.bookmark_jump(true),
            A::PrevBookmark => self.bookmark_jump(false),
            A::StateScope => self.toggle_scope(),
            A::DiffMode => self.cycle_diff_mode(),
            A::Unified => self.toggle_unified(),
            A::Transcript => self.toggle_transcript(),
            A::WhatIf => self.toggle_skip(),
            A::WhatIfClear => self.clear_skips(),
            A::Follow => self.toggle_follow(),
            A::EditData => self.edit_data(),
            A::InsertEvent => self.insert_event(),
            A::UndoEdit => self.undo_edit(),
            A::DropHypothesis => self.drop_hypothesis(),
            A::WhatIfDiff => self.toggle_whatif_diff(),
            A::WriteWhatIf => self.write_whatif(),
            A::Watch => self.watch_selected(),
            A::WatchPrev => self.watch_jump(false),
            A::WatchNext => self.watch_jump(true),
            A::TreeDown => self.tree_do(|t| t.move_by(1)),
            A::TreeUp => self.tree_do(|t| t.move_by(-1)),
            A::TreeCollapse => self.tree_do(Tree::collapse),
            A::TreeExpand => self.tree_do(Tree::expand),
            A::TreeToggle => self.tree_do(Tree::toggle),
            A::TreeTop => self.tree_do(Tree::top),
            A::TreeBottom => self.tree_do(Tree::bottom),
            A::TreePageDown => self.tree_page(1),
            A::TreePageUp => self.tree_page(-1),
            A::TreeExpandAll => self.tree_do(Tree::expand_all),
            A::TreeCollapseAll => self.tree_do(Tree::collapse_all),
            A::TreeNextChange => self.tree_next_change(),
            A::TreeSearchNext => self.tree_hit(1),
            A::TreeSearchPrev => self.tree_hit(-1),
            A::CopyPointer => self.copy_pointer(),
            A::CopyValue => self.copy_value(),
            A::CopyEventId => self.copy_event(false),
            A::CopyEvent => self.copy_event(true),
            A::Zoom => self.toggle_zoom(),
            A::ScrollDown => self.scroll(1),
            A::ScrollUp => self.scroll(-1),
            A::ScrollPageDown => self.scroll(self.page_rows()),
            A::ScrollPageUp => self.scroll(-self.page_rows()),
            A::ScrollTop => self.scroll_to(false),
            A::ScrollBottom => self.scroll_to(true),
            A::ScrollLeft => self.scroll_sideways(-1),
            A::ScrollRight => self.scroll_sideways(1),
            A::PromptSubmit => self.submit_prompt(),
            A::PromptCancel => self.close_overlay(),
            A::PromptBackspace => self.prompt_edit(LineEdit::backspace),
            A::PromptDelete => self.prompt_edit(LineEdit::delete),
            A::PromptLeft => self.prompt_edit(LineEdit::left),
            A::PromptRight => self.prompt_edit(LineEdit::right),
            A::PromptHome => self.prompt_edit(LineEdit::home),
            A::PromptEnd => self.prompt_edit(LineEdit::end),
            A::PromptWordLeft => self.prompt_edit(LineEdit::word_left),
            A::PromptWordRight => self.prompt_edit(LineEdit::word_right),
            A::PromptKillToStart => self.prompt_edit(LineEdit::kill_to_start),
            A::PromptKillWord => self.prompt_edit(LineEdit::kill_word_back),
            A::PromptOlder => self.prompt_recall(true),
            A::PromptNewer => self.prompt_recall(false),
        }
    }

    fn quit(&mut self) {
        self.fx.push(Effect::Quit);
    }

    fn open_help(&mut self) {
        self.help.top();
        self.overlay = Overlay::Help;
    }

    fn open_ledger(&mut self) {
        self.help.top();
        self.overlay = Overlay::Ledger;
    }

    fn close_overlay(&mut self) {
        self.overlay = Overlay::None;
    }

    fn back(&mut self) {
        self.message = None;
        self.focus = Pane::Events;
        self.lower = Pane::Diff;
    }

    fn toggle_zoom(&mut self) {
        self.zoom = !self.zoom;
        self.ensure_window();
        let h = self.tree_height();
        self.state.tree.scroll_into_view(h);
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

    fn cycle_diff_mode(&mut self) {
        self.diff.mode = match self.diff.mode {
            DiffMode::Event => DiffMode::Mark,
            DiffMode::Mark => DiffMode::WhatIf,
            DiffMode::WhatIf => DiffMode::Event,
        };
        self.diff.scroll.reset();
        self.lower = Pane::Diff;
        self.info_msg(format!("diff: {}", self.diff.mode.name()));
        self.request_state();
    }

    fn toggle_unified(&mut self) {
        self.diff.unified = !self.diff.unified;
        self.diff.scroll.reset();
        self.diff.hscroll = 0;
        self.diff.hmax.set(None);
        self.lower = Pane::Diff;
    }

    fn tree_height(&self) -> usize {
        layout::inner(self.areas().tree).height.max(1) as usize
    }

    pub(super) fn tree_do(&mut self, f: impl FnOnce(&mut Tree)) {
        f(&mut self.state.tree);
        let h = self.tree_height();
        self.state.tree.scroll_into_view(h);
    }

    fn tree_page(&mut self, dir: isize) {
        let h = self.tree_height() as isize;
        self.tree_do(|t| t.move_by(dir * h));
    }

    fn tree_next_change(&mut self) {
        if self.state.tree.next_change().is_none() {
            self.info_msg("the event at the cursor changed nothing shown here");
        }
        self.tree_do(|_| {});
    }

    pub(super) fn tree_hit(&mut self, d: isize) {
        if !self.state.tree.jump_hit(d) {
            self.info_msg("no matches in the tree (/ to find)");
        }
        self.tree_do(|_| {});
        if let Some((at, n, _)) = self.state.tree.search_status() {
            if n > 0 {
                self.info_msg(format!("match {}/{n}", at + 1));
            }
        }
    }

    /// Rows a page moves in the help or the lower pane.
    fn page_rows(&self) -> isize {
        let r = match self.overlay {
            Overlay::Help | Overlay::Ledger | Overlay::Places(_) => self.size.height.saturating_sub(4),
            _ => layout::inner(self.areas().lower).height,
        };
        r.saturating_sub(1).max(1) as isize
    }

    /// The help's, the detail's or the diff's scroll: what scroll keys move.
    fn scrolled(&mut self) -> &mut super::Scroll {
        match (&self.overlay, self.focus) {
            (Overlay::Help | Overlay::Ledger, _) => &mut self.help,
            (_, Pane::Detail) => &mut self.detail.scroll,
            _ => &mut self.diff.scroll,
        }
    }

    fn scroll(&mut self, d: isize) {
        self.scrolled().by(d);
    }

    fn scroll_to(&mut self, bottom: bool) {
        let s = self.scrolled();
        if bottom {
            s.bottom();
        } else {
            s.top();
        }
    }

    /// Scroll the unified diff's long lines by a few columns.
    pub(super) fn scroll_sideways(&mut self, steps: isize) {
        const STEP: isize = 8;
        if !self.diff.unified {
            self.info_msg("the change list wraps long values; u shows the unified diff, which scrolls sideways");
            return;
        }
        // Past the longest line on screen there is nothing to see: stop there.
        let max = self.diff.hmax.get().unwrap_or(usize::MAX / 2);
        self.diff.hscroll = (self.diff.hscroll.min(max) as isize)
            .saturating_add(steps.saturating_mul(STEP))
            .clamp(0, max as isize) as usize;
    }

    /// The selected node's pointer into the world, the form `history --path`
    /// takes: a stream's tree prefixes the stream.
    fn copy_pointer(&mut self) {
        let inner = self.state.tree.selected_pointer();
        let p = match &self.state.stream {
            Some(s) => format!("/{}{inner}", crate::json::pointer::escape(s)),
            None => inner.to_string(),
        };
        let shown = if p.is_empty() {
            "\"\" (the root)".to_string()
        } else {
            p.clone()
        };
        self.copy(
            p,
            format!("copied {shown} (for history --path) to the clipboard (OSC 52)"),
        );
    }

    /// The event at the cursor: its id, or all of it as JSON.
    fn copy_event(&mut self, whole: bool) {
        let ev = self.state.reply.as_ref().and_then(|s| {
            s.event
                .as_ref()
                .filter(|e| e.pos == self.cursor)
                .map(|e| (e.clone(), s.failure.clone()))
        });
        let Some((ev, failure)) = ev else {
            let why = if self.cursor == 0 {
                "no event at the start"
            } else {
                "the event is still loading"
            };
            self.info_msg(why);
            return;
        };
        if whole {
            let text = crate::json::write::to_string_compact(&ev.to_json(failure.as_deref()));
            let n = text.len();
            self.copy(
                text,
                format!("copied event {} as JSON ({n} bytes) to the clipboard (OSC 52)", ev.pos),
            );
        } else {
            let note = format!("copied id {} of event {} to the clipboard (OSC 52)", ev.id, ev.pos);
            self.copy(ev.id, note);
        }
    }

    fn copy_value(&mut self) {
        let v = self
            .state
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

    pub(super) fn copy(&mut self, text: String, note: String) {
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
        self.fx.push(Effect::Copy(text));
        self.info_msg(note);
    }

    fn toggle_scope(&mut self) {
        let next = match &self.state.stream {
            Some(_) => None,
            None => match self.cursor_event_names() {
                Some((s, _)) => Some(s),
                None => {
                    self.info_msg("no event at the cursor: step to one to see its stream's state");
                    return;
                }
            },
        };
        let restored = self.state.saved_trees.remove(&next).unwrap_or_default();
        let old = std::mem::replace(&mut self.state.tree, restored);
        self.state.saved_trees.insert(self.state.stream.clone(), old);
        self.state.stream = next;
        self.state.reply = None;
        match &self.state.stream {
            Some(s) => self.info_msg(format!("state of stream {s} (s: the whole world)")),
            None => self.info_msg("state of the whole world (s: one stream)"),
        }
        self.request_state();
    }

    fn watch_selected(&mut self) {
        let w = Watch {
            stream: self.state.stream.clone(),
            pointer: self.state.tree.selected_pointer().to_string(),
        };
        self.info_msg(format!(
            "watching {}: < and > jump to the previous / next event that changed it",
            w.display()
        ));
        self.state.watch = Some(w);
    }

    /// `<` / `>`: in the tree, watch the selected node (the world's root, which
    /// no event changes as such, keeps the active watch); elsewhere, the watch.
    fn watch_jump(&mut self, forward: bool) {
        let p = self.state.tree.selected_pointer().to_string();
        let world_root = p.is_empty() && self.state.stream.is_none();
        let from_tree = (self.focus == Pane::Tree && !world_root) || self.state.watch.is_none();
        if from_tree {
            if world_root {
                self.info_msg("pick a node inside a stream: Tab to the state tree, select it, press < or >");
                return;
            }
            self.state.watch = Some(Watch {
                stream: self.state.stream.clone(),
                pointer: p,
            });
        }
        let Some(w) = self.state.watch.clone() else { return };
        self.pending.watch = true;
        self.send(Request::Watch {
            pointer: w.pointer,
            stream: w.stream,
            from: self.cursor,
            forward,
        });
    }
}
