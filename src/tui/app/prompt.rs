//! The one-line prompts: go to, search, find in the tree, filter.

use super::{App, Effect, Overlay, Pane, Prompt, PromptKind};
use crate::tui::line_edit::LineEdit;
use crate::tui::msg::Request;
use crate::tui::tree::smart_regex;

impl App {
    /// Open a prompt, empty: what it searched or filtered before is one Up away.
    pub(super) fn open_prompt(&mut self, kind: PromptKind) {
        self.overlay = Overlay::Prompt(Prompt {
            kind,
            line: LineEdit::default(),
            recall: None,
            draft: String::new(),
        });
    }

    /// Edit the open prompt's line.
    pub(super) fn prompt_edit(&mut self, f: impl FnOnce(&mut LineEdit)) {
        if let Overlay::Prompt(p) = &mut self.overlay {
            f(&mut p.line);
        }
    }

    /// Show an older (`older`) or newer history entry in the prompt.
    pub(super) fn prompt_recall(&mut self, older: bool) {
        let Overlay::Prompt(p) = &mut self.overlay else {
            return;
        };
        let entries = self.history.entries(p.kind.history());
        let next = match (p.recall, older) {
            (None, true) if !entries.is_empty() => Some(0),
            (None, _) => return,
            (Some(i), true) => Some((i + 1).min(entries.len().saturating_sub(1))),
            (Some(0), false) => None,
            (Some(i), false) => Some(i - 1),
        };
        if p.recall.is_none() {
            p.draft = p.line.text().to_string();
        }
        p.recall = next;
        match next
            .and_then(|i| entries.len().checked_sub(i + 1))
            .and_then(|i| entries.get(i))
        {
            Some(text) => p.line.set(text),
            None => p.line.set(&p.draft),
        }
    }

    pub(super) fn submit_prompt(&mut self) {
        let Overlay::Prompt(p) = std::mem::replace(&mut self.overlay, Overlay::None) else {
            return;
        };
        let text = p.line.text().trim().to_string();
        if !text.is_empty() {
            let kind = p.kind.history();
            self.history.push(kind, &text);
            self.fx.push(Effect::Remember(kind, text.clone()));
        }
        match p.kind {
            PromptKind::Goto => self.goto(text),
            PromptKind::Search => self.start_search(text),
            PromptKind::TreeSearch => self.tree_search(&text),
            PromptKind::Filter => self.filter_from_text(&text),
        }
    }

    fn goto(&mut self, text: String) {
        if !text.is_empty() {
            self.pending.goto = true;
            self.send(Request::Goto { text });
        }
    }

    fn tree_search(&mut self, text: &str) {
        if text.is_empty() {
            self.state.tree.clear_search();
            return;
        }
        match smart_regex(text) {
            Ok(re) => {
                self.focus = Pane::Tree;
                self.state.tree.set_search(re, true);
                self.tree_do(|_| {});
                match self.state.tree.search_status() {
                    Some((at, n, _)) if n > 0 => self.info_msg(format!("match {}/{n}", at + 1)),
                    _ => self.info_msg(format!("no key or value matches {text}")),
                }
            }
            Err(e) => self.error_msg(format!("bad regex: {e}")),
        }
    }
}
