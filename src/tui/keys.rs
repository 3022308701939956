//! The one key table. Dispatch, the footer and the `?` help all read [`BINDINGS`],
//! so a key cannot work without being documented, or be documented and not work.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding works. `Global` works in every pane (not in help or a prompt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Events,
    Tree,
    Diff,
    Detail,
    Help,
    Places,
    Prompt,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Events => "Events list (M-1)",
            Scope::Tree => "State tree (M-2)",
            Scope::Diff => "Diff (M-3)",
            Scope::Detail => "Event detail (M-4)",
            Scope::Help => "This help",
            Scope::Places => "Lists of marks and bookmarks (' B)",
            Scope::Prompt => "Prompts (: / f)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    FocusEvents,
    FocusTree,
    FocusDiff,
    FocusDetail,
    Count,
    Back,
    StepFwd,
    StepBack,
    PageFwd,
    PageBack,
    Start,
    End,
    JumpFwd,
    JumpBack,
    Goto,
    Search,
    SearchNext,
    SearchPrev,
    OpenDetail,
    Filter,
    FilterStream,
    FilterType,
    Mark,
    ListMarks,
    ListBookmarks,
    PlaceDown,
    PlaceUp,
    PlaceTop,
    PlaceBottom,
    PlaceJump,
    PlaceDelete,
    Bookmark,
    NextBookmark,
    PrevBookmark,
    StateScope,
    DiffMode,
    Unified,
    Transcript,
    WhatIf,
    WhatIfClear,
    Follow,
    EditData,
    InsertEvent,
    UndoEdit,
    DropHypothesis,
    WhatIfDiff,
    WriteWhatIf,
    WatchPrev,
    WatchNext,
    Watch,
    TreeDown,
    TreeUp,
    TreeCollapse,
    TreeExpand,
    TreeToggle,
    TreeTop,
    TreeBottom,
    TreePageDown,
    TreePageUp,
    TreeExpandAll,
    TreeCollapseAll,
    TreeNextChange,
    TreeSearch,
    TreeSearchNext,
    TreeSearchPrev,
    CopyPointer,
    CopyValue,
    CopyEventId,
    CopyEvent,
    Zoom,
    ScrollDown,
    ScrollUp,
    ScrollPageDown,
    ScrollPageUp,
    ScrollTop,
    ScrollBottom,
    ScrollLeft,
    ScrollRight,
    HelpClose,
    Ledger,
    PromptSubmit,
    PromptCancel,
    PromptBackspace,
    PromptDelete,
    PromptLeft,
    PromptRight,
    PromptHome,
    PromptEnd,
    PromptWordLeft,
    PromptWordRight,
    PromptKillToStart,
    PromptKillWord,
    PromptOlder,
    PromptNewer,
}

/// A key and its modifiers. Shift is ignored for characters ('G' is 'G').
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

const fn ch(c: char) -> Key {
    k(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
        alt: false,
    }
}

const fn alt(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
        alt: true,
    }
}

const fn k(code: KeyCode) -> Key {
    Key {
        code,
        ctrl: false,
        alt: false,
    }
}

impl Key {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        if ctrl != self.ctrl || alt != self.alt {
            return false;
        }
        match (self.code, ev.code) {
            // BackTab arrives with SHIFT; characters arrive with SHIFT for capitals.
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
            (a, b) => a == b,
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Delete => "Del".into(),
            other => format!("{other:?}"),
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("C-{base}"),
            (_, true) => format!("M-{base}"),
            _ => base,
        }
    }
}

pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [Key],
    pub action: Action,
    /// The line in `?` help.
    pub help: &'static str,
    /// Shown in the footer; a label of `""` joins this binding's first key to
    /// the previous footer entry ("j/k step").
    pub footer: Option<Foot>,
}

/// A footer entry: its label, and how readily it is dropped on a narrow
/// terminal (0: never, 1: after every 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Foot {
    pub label: &'static str,
    pub rank: u8,
}

const fn b(scope: Scope, keys: &'static [Key], action: Action, help: &'static str, footer: Option<Foot>) -> Binding {
    Binding {
        scope,
        keys,
        action,
        help,
        footer,
    }
}

const fn foot(label: &'static str, rank: u8) -> Option<Foot> {
    Some(Foot { label, rank })
}

/// Join this binding's key to the previous footer entry.
const JOIN: Option<Foot> = Some(Foot { label: "", rank: 0 });

/// A count prefix's digits; `0` only continues a count (alone it does nothing).
const DIGITS: [Key; 10] = [
    ch('1'),
    ch('2'),
    ch('3'),
    ch('4'),
    ch('5'),
    ch('6'),
    ch('7'),
    ch('8'),
    ch('9'),
    ch('0'),
];

use Action as A;
use KeyCode as C;
use Scope as S;

#[rustfmt::skip]
pub static BINDINGS: &[Binding] = &[
    // Events list.
    b(S::Events, &[ch('j'), k(C::Down), ch('l'), k(C::Right)], A::StepFwd, "next event (step forward in time)", foot("step", 0)),
    b(S::Events, &[ch('k'), k(C::Up), ch('h'), k(C::Left)], A::StepBack, "previous event (step back in time)", JOIN),
    b(S::Events, &[k(C::PageDown), ctrl('d')], A::PageFwd, "a page of events forward", None),
    b(S::Events, &[k(C::PageUp), ctrl('u')], A::PageBack, "a page of events back", None),
    b(S::Events, &[ch('g'), k(C::Home)], A::Start, "go to the start (before the first event)", foot("start/end", 2)),
    b(S::Events, &[ch('G'), k(C::End)], A::End, "go to the end (after the last event)", JOIN),
    b(S::Events, &[ch(']')], A::JumpFwd, "jump forward by 10% of the recording", foot("±10%", 2)),
    b(S::Events, &[ch('[')], A::JumpBack, "jump back by 10% of the recording", JOIN),
    b(S::Events, &[ch('/')], A::Search, "search type, stream and data text inside the filter (smart case; empty: drop)", foot("search", 1)),
    b(S::Events, &[ch('n')], A::SearchNext, "next search hit", foot("hit", 2)),
    b(S::Events, &[ch('N')], A::SearchPrev, "previous search hit", JOIN),
    b(S::Events, &[k(C::Enter)], A::OpenDetail, "show the event's data and meta (Esc closes)", None),
    b(S::Events, &[ch('y')], A::CopyEventId, "copy the event's id (OSC 52 clipboard)", foot("copy id/JSON", 2)),
    b(S::Events, &[ch('Y')], A::CopyEvent, "copy the event as JSON, as log --json prints it", JOIN),
    // State tree.
    b(S::Tree, &[ch('j'), k(C::Down)], A::TreeDown, "next node", foot("move", 1)),
    b(S::Tree, &[ch('k'), k(C::Up)], A::TreeUp, "previous node", JOIN),
    b(S::Tree, &[ch('h'), k(C::Left)], A::TreeCollapse, "fold the node, or go to its parent", foot("fold", 1)),
    b(S::Tree, &[ch('l'), k(C::Right)], A::TreeExpand, "unfold the node, or go to its first child", JOIN),
    b(S::Tree, &[k(C::Enter), ch(' ')], A::TreeToggle, "fold or unfold the node", None),
    b(S::Tree, &[ch('c')], A::TreeNextChange, "reveal the next node the current event changed", foot("changed", 2)),
    b(S::Tree, &[ch('w')], A::Watch, "watch this node: < and > then jump between its changes", foot("watch", 2)),
    b(S::Tree, &[ch('/')], A::TreeSearch, "find keys and values (regex, smart case)", foot("find", 2)),
    b(S::Tree, &[ch('n')], A::TreeSearchNext, "next match in the tree", None),
    b(S::Tree, &[ch('N')], A::TreeSearchPrev, "previous match in the tree", None),
    b(S::Tree, &[ch('y')], A::CopyPointer, "copy the node's pointer as history --path takes it (OSC 52)", foot("copy ptr/value", 2)),
    b(S::Tree, &[ch('Y')], A::CopyValue, "copy the node's value as JSON", JOIN),
    b(S::Tree, &[ch('g'), k(C::Home)], A::TreeTop, "first node", None),
    b(S::Tree, &[ch('G'), k(C::End)], A::TreeBottom, "last node", None),
    b(S::Tree, &[k(C::PageDown), ctrl('d')], A::TreePageDown, "a page down", None),
    b(S::Tree, &[k(C::PageUp), ctrl('u')], A::TreePageUp, "a page up", None),
    b(S::Tree, &[ch('E')], A::TreeExpandAll, "unfold everything below the node", None),
    b(S::Tree, &[ch('C')], A::TreeCollapseAll, "fold everything", None),
    // Diff and detail.
    b(S::Diff, &[ch('j'), k(C::Down)], A::ScrollDown, "scroll down", foot("scroll", 1)),
    b(S::Diff, &[ch('k'), k(C::Up)], A::ScrollUp, "scroll up", JOIN),
    b(S::Diff, &[k(C::PageDown), ctrl('d')], A::ScrollPageDown, "a page down", None),
    b(S::Diff, &[k(C::PageUp), ctrl('u')], A::ScrollPageUp, "a page up", None),
    b(S::Diff, &[ch('g'), k(C::Home)], A::ScrollTop, "top", None),
    b(S::Diff, &[ch('G'), k(C::End)], A::ScrollBottom, "bottom", None),
    b(S::Diff, &[ch('h'), k(C::Left)], A::ScrollLeft, "unified diff: scroll long lines left", None),
    b(S::Diff, &[ch('l'), k(C::Right)], A::ScrollRight, "unified diff: scroll long lines right", None),
    b(S::Detail, &[ch('j'), k(C::Down)], A::ScrollDown, "scroll down", foot("scroll", 1)),
    b(S::Detail, &[ch('k'), k(C::Up)], A::ScrollUp, "scroll up", JOIN),
    b(S::Detail, &[k(C::PageDown), ctrl('d')], A::ScrollPageDown, "a page down", None),
    b(S::Detail, &[k(C::PageUp), ctrl('u')], A::ScrollPageUp, "a page up", None),
    b(S::Detail, &[ch('g'), k(C::Home)], A::ScrollTop, "top", None),
    b(S::Detail, &[ch('G'), k(C::End)], A::ScrollBottom, "bottom", None),
    // Everywhere.
    b(S::Global, &[ch(':')], A::Goto, "go to: N, start, end, end-N, id:ID, STREAM@SEQ, RFC 3339 time, date", foot("goto", 1)),
    b(S::Global, &[ch('m')], A::Mark, "set the mark here (again: clear it); the diff shows mark → cursor", foot("mark", 1)),
    b(S::Global, &[ch('\'')], A::ListMarks, "list the marks (kept per recording across runs): Enter jumps, d deletes", None),
    b(S::Global, &[ch('<')], A::WatchPrev, "previous event that changed the watched node (reverse watchpoint)", foot("changed it", 0)),
    b(S::Global, &[ch('>')], A::WatchNext, "next event that changed the watched node", JOIN),
    b(S::Global, &[ch('d')], A::DiffMode, "diff: this event / mark → cursor / recorded → hypothetical", foot("diff", 2)),
    b(S::Diff, &[ch('u')], A::Unified, "diff as a change list or as unified text", foot("list/unified", 1)),
    b(S::Global, &[ch('V')], A::Transcript, "chat transcript in place of the diff, the event's messages marked ▶ (again: back)", None),
    b(S::Global, &[ch('f')], A::Filter, "filter list and timeline: stream globs, type:GLOB (empty: drop every chip)", foot("filter", 2)),
    b(S::Global, &[ch('F')], A::FilterStream, "filter to the current event's stream, AND the other chips (again: drop it)", None),
    b(S::Global, &[ch('T')], A::FilterType, "filter to the current event's type, AND the other chips (again: drop it)", None),
    b(S::Global, &[ch('s')], A::StateScope, "state of the whole world, or of the current event's stream", None),
    b(S::Global, &[ch('b')], A::Bookmark, "bookmark the cursor (again: remove)", None),
    b(S::Global, &[ch('}')], A::NextBookmark, "next bookmark", None),
    b(S::Global, &[ch('{')], A::PrevBookmark, "previous bookmark", None),
    b(S::Global, &[ch('B')], A::ListBookmarks, "list the bookmarks (kept per recording across runs): Enter jumps, d deletes", None),
    b(S::Global, &[ch('x')], A::WhatIf, "what-if: skip the current event (again: restore); state becomes HYPOTHETICAL", None),
    b(S::Global, &[ch('X')], A::WhatIfClear, "what-if: restore all skipped events", None),
    b(S::Global, &[ch('L')], A::Follow, "live (--follow): pause or resume reading the inputs as they grow", None),
    b(S::Global, &[ch('e')], A::EditData, "what-if: edit the event's data in $VISUAL/$EDITOR", None),
    b(S::Global, &[ch('i')], A::InsertEvent, "what-if: insert an event after the cursor (in the editor, from a template)", None),
    b(S::Global, &[ch('u')], A::UndoEdit, "what-if: undo the last edit (in the diff pane u is list/unified)", None),
    b(S::Global, &[ch('U')], A::DropHypothesis, "what-if: drop the hypothesis (every edit)", None),
    b(S::Global, &[ch('D')], A::WhatIfDiff, "diff: recorded → hypothetical at the cursor (again: the event's changes)", None),
    b(S::Global, &[ch('W')], A::WriteWhatIf, "what-if: write the hypothesis as a --whatif file, show the command to rerun it", None),
    b(S::Global, &[k(C::Tab)], A::FocusNext, "next pane", foot("pane", 0)),
    b(S::Global, &[k(C::BackTab)], A::FocusPrev, "previous pane", None),
    b(S::Global, &[alt('1')], A::FocusEvents, "events pane", None),
    b(S::Global, &[alt('2')], A::FocusTree, "state tree pane", None),
    b(S::Global, &[alt('3')], A::FocusDiff, "diff pane", None),
    b(S::Global, &[alt('4')], A::FocusDetail, "event detail pane", None),
    b(S::Global, &DIGITS, A::Count, "a count for the next key: 5j steps 5, 10G goes to 10; other keys run once", None),
    b(S::Global, &[k(C::Esc)], A::Back, "drop a count; else back to the list, closing the event detail and the message", None),
    b(S::Global, &[ch('z'), ch('+')], A::Zoom, "zoom the focused pane to the whole body (again: back)", foot("zoom", 2)),
    b(S::Global, &[ch('!')], A::Ledger, "the import's ledger: records skipped, events kept with a problem, id conflicts", None),
    b(S::Global, &[ch('?')], A::Help, "all keys (this help)", foot("help", 0)),
    b(S::Global, &[ch('q'), ctrl('c')], A::Quit, "quit", foot("quit", 0)),
    // Help and prompts.
    b(S::Help, &[ch('j'), k(C::Down)], A::ScrollDown, "scroll down", foot("scroll", 1)),
    b(S::Help, &[ch('k'), k(C::Up)], A::ScrollUp, "scroll up", JOIN),
    b(S::Help, &[k(C::PageDown), ch(' '), ctrl('d')], A::ScrollPageDown, "a page down", foot("page", 1)),
    b(S::Help, &[k(C::PageUp), ctrl('u')], A::ScrollPageUp, "a page up", None),
    b(S::Help, &[ch('g'), k(C::Home)], A::ScrollTop, "top", None),
    b(S::Help, &[ch('G'), k(C::End)], A::ScrollBottom, "bottom", None),
    b(S::Help, &[k(C::Esc), ch('?'), ch('q'), ch('!')], A::HelpClose, "close the help (or the ledger)", foot("close", 0)),
    b(S::Help, &[ctrl('c')], A::Quit, "quit", None),
    b(S::Places, &[ch('j'), k(C::Down)], A::PlaceDown, "next in the list", foot("move", 1)),
    b(S::Places, &[ch('k'), k(C::Up)], A::PlaceUp, "previous in the list", JOIN),
    b(S::Places, &[ch('g'), k(C::Home)], A::PlaceTop, "first in the list", None),
    b(S::Places, &[ch('G'), k(C::End)], A::PlaceBottom, "last in the list", None),
    b(S::Places, &[k(C::Enter)], A::PlaceJump, "go to it (the list closes)", foot("go", 0)),
    b(S::Places, &[ch('d'), k(C::Delete)], A::PlaceDelete, "delete it (a deleted mark no longer diffs)", foot("delete", 0)),
    b(S::Places, &[k(C::Esc), ch('q'), ch('\''), ch('B')], A::HelpClose, "close the list", foot("close", 0)),
    b(S::Places, &[ctrl('c')], A::Quit, "quit", None),
    b(S::Prompt, &[k(C::Enter)], A::PromptSubmit, "run it", foot("ok", 0)),
    b(S::Prompt, &[k(C::Esc)], A::PromptCancel, "cancel", foot("cancel", 0)),
    b(S::Prompt, &[k(C::Backspace), ctrl('h')], A::PromptBackspace, "delete the character before the cursor (type to edit)", None),
    b(S::Prompt, &[k(C::Delete), ctrl('d')], A::PromptDelete, "delete the character under the cursor", None),
    b(S::Prompt, &[k(C::Left), ctrl('b')], A::PromptLeft, "cursor left", None),
    b(S::Prompt, &[k(C::Right), ctrl('f')], A::PromptRight, "cursor right", None),
    b(S::Prompt, &[ctrl('a'), k(C::Home)], A::PromptHome, "to the start of the line", None),
    b(S::Prompt, &[ctrl('e'), k(C::End)], A::PromptEnd, "to the end of the line", None),
    b(S::Prompt, &[alt('b')], A::PromptWordLeft, "back a word", None),
    b(S::Prompt, &[alt('f')], A::PromptWordRight, "forward a word", None),
    b(S::Prompt, &[ctrl('u')], A::PromptKillToStart, "delete to the start of the line", None),
    b(S::Prompt, &[ctrl('w')], A::PromptKillWord, "delete the word before the cursor", None),
    b(S::Prompt, &[k(C::Up), ctrl('p')], A::PromptOlder, "older entry of this prompt's history (kept across runs)", foot("history", 1)),
    b(S::Prompt, &[k(C::Down), ctrl('n')], A::PromptNewer, "newer entry of the history", JOIN),
    b(S::Prompt, &[ctrl('c')], A::Quit, "quit", None),
];

/// The action of `ev` in `scope`, falling back to `Global` for the panes.
pub fn lookup(scope: Scope, ev: &KeyEvent) -> Option<Action> {
    let find = |s: Scope| {
        BINDINGS
            .iter()
            .find(|b| b.scope == s && b.keys.iter().any(|k| k.matches(ev)))
            .map(|b| b.action)
    };
    match scope {
        Scope::Help | Scope::Places | Scope::Prompt => find(scope),
        _ => find(scope).or_else(|| find(Scope::Global)),
    }
}

/// Footer entries for `scope` (its own first, then global ones): `(keys, label, rank)`.
pub fn footer(scope: Scope) -> Vec<(String, &'static str, u8)> {
    let mut out: Vec<(String, &'static str, u8)> = Vec::new();
    let scopes: &[Scope] = match scope {
        Scope::Help | Scope::Places | Scope::Prompt => &[scope][..],
        _ => &[scope, Scope::Global][..],
    };
    for s in scopes {
        for bind in BINDINGS.iter().filter(|b| b.scope == *s) {
            let (Some(foot), Some(first)) = (bind.footer, bind.keys.first()) else {
                continue;
            };
            if foot.label.is_empty() {
                if let Some(last) = out.last_mut() {
                    last.0.push('/');
                    last.0.push_str(&first.label());
                }
            } else {
                out.push((first.label(), foot.label, foot.rank));
            }
        }
    }
    out
}

/// Every key of a binding, for help: "j ↓ l →".
pub fn keys_label(bind: &Binding) -> String {
    if bind.action == Action::Count {
        // Ten digits read better as a range; `0` only continues a count.
        return "1-9 (0-9)".to_string();
    }
    bind.keys.iter().map(Key::label).collect::<Vec<_>>().join(" ")
}

/// Scopes in the order help lists them.
pub const HELP_ORDER: [Scope; 8] = [
    Scope::Events,
    Scope::Tree,
    Scope::Global,
    Scope::Diff,
    Scope::Detail,
    Scope::Places,
    Scope::Prompt,
    Scope::Help,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: m,
            kind: KeyEventKind::Press,
            state: crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn no_key_is_bound_twice_where_it_could_clash() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for bnd in &BINDINGS[i + 1..] {
                let clash_scope = a.scope == bnd.scope;
                if !clash_scope {
                    continue;
                }
                for ka in a.keys {
                    assert!(
                        !bnd.keys.contains(ka),
                        "{} bound twice in {:?}: {:?} and {:?}",
                        ka.label(),
                        a.scope,
                        a.action,
                        bnd.action
                    );
                }
            }
        }
    }

    #[test]
    fn pane_keys_fall_back_to_global() {
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(lookup(Scope::Tree, &q), Some(Action::Quit));
        let j = key(KeyCode::Char('j'), KeyModifiers::NONE);
        assert_eq!(lookup(Scope::Events, &j), Some(Action::StepFwd));
        assert_eq!(lookup(Scope::Tree, &j), Some(Action::TreeDown));
        // Prompts take characters as text, not as commands.
        assert_eq!(lookup(Scope::Prompt, &q), None);
        let cc = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(Scope::Prompt, &cc), Some(Action::Quit));
        assert_eq!(lookup(Scope::Tree, &cc), Some(Action::Quit));
        let shift_g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(Scope::Events, &shift_g), Some(Action::End));
    }

    #[test]
    fn footer_joins_pairs_and_ends_with_help_and_quit() {
        let f = footer(Scope::Events);
        assert_eq!(f.first(), Some(&("j/k".to_string(), "step", 0)));
        let tail: Vec<&str> = f.iter().rev().take(2).map(|e| e.1).collect();
        assert_eq!(tail, ["quit", "help"]);
        assert!(footer(Scope::Tree).iter().any(|e| e.0 == "</>" && e.1 == "changed it"));
    }

    #[test]
    fn docs_tui_md_lists_every_binding() {
        let doc = include_str!("../../docs/tui.md");
        for bind in BINDINGS {
            let line = bind.help.replace('|', "\\|");
            assert!(
                doc.contains(&format!("| {line} |")),
                "docs/tui.md lacks {:?}",
                bind.help
            );
        }
    }

    #[test]
    fn every_action_a_pane_needs_is_documented() {
        for bind in BINDINGS {
            assert!(!bind.help.is_empty());
            assert!(!bind.keys.is_empty());
        }
    }
}
