//! The one-line prompts: go to, search, find in the tree, filter.

use super::{App, Overlay, Pane, Prompt, PromptKind};
use crate::tui::msg::Request;
use crate::tui::tree::smart_regex;

impl App {
    pub(super) fn open_prompt(&mut self, kind: PromptKind) {
        let input = match kind {
            PromptKind::Search => self.events.search.as_ref().map(|s| s.text.clone()).unwrap_or_default(),
            PromptKind::Filter => self.events.filter.as_ref().map(|f| f.label.clone()).unwrap_or_default(),
            PromptKind::TreeSearch => self.state.tree.search_status().map(|s| s.2).unwrap_or_default(),
            PromptKind::Goto => String::new(),
        };
        self.overlay = Overlay::Prompt(Prompt { kind, input });
    }

    pub(super) fn prompt_backspace(&mut self) {
        if let Overlay::Prompt(p) = &mut self.overlay {
            p.input.pop();
        }
    }

    pub(super) fn submit_prompt(&mut self) {
        let Overlay::Prompt(p) = std::mem::replace(&mut self.overlay, Overlay::None) else {
            return;
        };
        let text = p.input.trim().to_string();
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
