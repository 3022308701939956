//! Keys and the mouse: turn terminal input into actions via the key table.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::{App, Overlay, Pane};
use crate::tui::keys::{self, Action, Scope};
use crate::tui::{layout, timeline};

impl App {
    pub fn scope(&self) -> Scope {
        match &self.overlay {
            Overlay::Help | Overlay::Ledger => Scope::Help,
            Overlay::Places(_) => Scope::Places,
            Overlay::Prompt(_) => Scope::Prompt,
            Overlay::None => match self.focus {
                Pane::Events => Scope::Events,
                Pane::Tree => Scope::Tree,
                Pane::Diff => Scope::Diff,
                Pane::Detail => Scope::Detail,
            },
        }
    }

    pub(super) fn on_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        let scope = self.scope();
        match keys::lookup(scope, &key) {
            Some(Action::Count) => {
                if let KeyCode::Char(c) = key.code {
                    self.count_digit(c);
                }
            }
            Some(Action::Back) if self.count.is_some() => self.count = None,
            Some(action) => match self.count.take() {
                Some(n) => self.perform_counted(action, n),
                None => self.perform(action),
            },
            None => {
                self.count = None;
                if let (Overlay::Prompt(p), KeyCode::Char(c)) = (&mut self.overlay, key.code) {
                    if !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
                        p.line.insert(c);
                        p.recall = None;
                    }
                }
            }
        }
    }

    pub(super) fn on_mouse(&mut self, m: MouseEvent) {
        if self.overlay != Overlay::None {
            return;
        }
        let a = self.areas();
        let at = Position::new(m.column, m.row);
        let inside = |r: Rect| r.contains(at);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) | MouseEventKind::Drag(MouseButton::Left) if inside(a.timeline) => {
                let col = m.column - a.timeline.x;
                self.set_cursor(timeline::position(col, self.info.len, a.timeline.width));
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if inside(layout::inner(a.list)) {
                    self.click_list((m.row - layout::inner(a.list).y) as usize);
                } else if inside(a.list) {
                    self.focus = Pane::Events;
                } else if inside(a.tree) {
                    self.focus = Pane::Tree;
                    let t = layout::inner(a.tree);
                    if inside(t) {
                        let tree = &mut self.state.tree;
                        tree.click(tree.scroll + (m.row - t.y) as usize);
                    }
                } else if inside(a.lower) {
                    self.focus = self.lower;
                }
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let d: i64 = if m.kind == MouseEventKind::ScrollDown { 3 } else { -3 };
                if inside(a.list) || inside(a.timeline) {
                    self.step(d);
                } else if inside(a.tree) {
                    self.state.tree.move_by(d as isize);
                    self.state.tree.scroll_into_view(layout::inner(a.tree).height as usize);
                } else if inside(a.lower) {
                    let action = if d > 0 { Action::ScrollDown } else { Action::ScrollUp };
                    let saved = self.focus;
                    self.focus = self.lower;
                    for _ in 0..3 {
                        self.perform(action);
                    }
                    self.focus = saved;
                }
            }
            _ => {}
        }
    }
}
