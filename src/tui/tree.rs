//! The state as a foldable tree, flattened jless-style into visible rows. Folding
//! and the selection are kept by JSON Pointer, so they survive the state changing
//! under them as the cursor moves through time.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

use super::msg::StateValue;
use crate::json::diff::{Change, ChangeOp};
use crate::json::{pointer, write};
use crate::sanitize::{clean, truncate};

/// Scalars longer than this are cut in the tree (the detail and copy keep all).
const PREVIEW_CHARS: usize = 400;
/// "Unfold everything" stops after this many nodes, so a huge state stays usable.
const EXPAND_ALL_CAP: usize = 5000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    Root,
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Object(usize),
    Array(usize),
    Scalar,
}

/// One visible line of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub depth: usize,
    pub pointer: String,
    pub label: Label,
    pub shape: Shape,
    pub open: bool,
    /// Sanitized compact JSON of a scalar (empty for containers).
    pub preview: String,
}

/// How a row relates to the current event's changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    None,
    Added,
    Replaced,
    /// Something below this (folded or not) changed.
    Inside,
}

#[derive(Debug)]
pub struct Tree {
    /// Shared with the state reply it came from.
    value: StateValue,
    open: HashSet<String>,
    rows: Vec<Row>,
    /// The selected node's pointer; kept even while it does not exist.
    selected: String,
    pub scroll: usize,
    changed: HashMap<String, ChangeOp>,
    changed_order: Vec<String>,
    inside: HashSet<String>,
    search: Option<Search>,
    loaded: bool,
}

#[derive(Debug)]
struct Search {
    re: Regex,
    hits: Vec<String>,
    hit_set: HashSet<String>,
    at: usize,
}

fn parent(ptr: &str) -> Option<&str> {
    ptr.rfind('/').map(|i| &ptr[..i])
}

fn child(base: &str, token: &str) -> String {
    format!("{base}/{}", pointer::escape(token))
}

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

impl Tree {
    pub fn new() -> Tree {
        let mut open = HashSet::new();
        open.insert(String::new());
        Tree {
            value: StateValue::default(),
            open,
            rows: Vec::new(),
            selected: String::new(),
            scroll: 0,
            changed: HashMap::new(),
            changed_order: Vec::new(),
            inside: HashSet::new(),
            search: None,
            loaded: false,
        }
    }

    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// The shown state as one JSON value (the world is copied: for tests and copying).
    pub fn to_value(&self) -> Value {
        self.value.to_value()
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn selected_pointer(&self) -> &str {
        &self.selected
    }

    /// Index of the selected row (the nearest existing ancestor if it is gone).
    pub fn selected_index(&self) -> usize {
        let mut p: &str = &self.selected;
        loop {
            if let Some(i) = self.rows.iter().position(|r| r.pointer == p) {
                return i;
            }
            match parent(p) {
                Some(up) => p = up,
                None => return 0,
            }
        }
    }

    pub fn selected_value(&self) -> Option<Cow<'_, Value>> {
        let tokens = pointer::parse(&self.selected).ok()?;
        root(&self.value).get(&tokens).map(Node::to_value)
    }

    /// Show a new state; folding, selection and search stay.
    pub fn set_value(&mut self, value: impl Into<StateValue>, changes: &[Change]) {
        // The old state may be the only owner of large values: freed off the render path.
        crate::aside::drop_aside(std::mem::replace(&mut self.value, value.into()));
        self.loaded = true;
        self.changed.clear();
        self.changed_order.clear();
        self.inside.clear();
        for c in changes {
            self.changed.insert(c.path.clone(), c.op);
            self.changed_order.push(c.path.clone());
            let mut p: &str = &c.path;
            while let Some(up) = parent(p) {
                self.inside.insert(up.to_string());
                p = up;
            }
        }
        self.rebuild();
        if let Some(s) = &self.search {
            let re = s.re.clone();
            self.set_search(re, false);
        }
    }

    pub fn mark(&self, ptr: &str) -> Mark {
        match self.changed.get(ptr) {
            Some(ChangeOp::Add) => Mark::Added,
            Some(_) => Mark::Replaced,
            None if self.inside.contains(ptr) => Mark::Inside,
            None => Mark::None,
        }
    }

    pub fn is_hit(&self, ptr: &str) -> bool {
        self.search.as_ref().is_some_and(|s| s.hit_set.contains(ptr))
    }

    pub fn search_status(&self) -> Option<(usize, usize, String)> {
        self.search
            .as_ref()
            .map(|s| (s.at.min(s.hits.len()), s.hits.len(), s.re.as_str().to_string()))
    }

    fn rebuild(&mut self) {
        let mut rows = Vec::new();
        flatten(root(&self.value), String::new(), Label::Root, 0, &self.open, &mut rows);
        self.rows = rows;
    }

    /// Keep the selection on screen for a pane of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let h = height.max(1);
        let i = self.selected_index();
        if i < self.scroll {
            self.scroll = i;
        } else if i >= self.scroll + h {
            self.scroll = i + 1 - h;
        }
        let max = self.rows.len().saturating_sub(h);
        self.scroll = self.scroll.min(max);
    }

    fn select_index(&mut self, i: usize) {
        if let Some(r) = self.rows.get(i) {
            self.selected = r.pointer.clone();
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let i = self.selected_index() as isize + delta;
        self.select_index(i.clamp(0, self.rows.len() as isize - 1) as usize);
    }

    pub fn top(&mut self) {
        self.select_index(0);
    }

    pub fn bottom(&mut self) {
        self.select_index(self.rows.len().saturating_sub(1));
    }

    /// Select the row at `i` (a mouse click).
    pub fn click(&mut self, i: usize) {
        self.select_index(i);
    }

    /// Fold an open container; otherwise go to the parent.
    pub fn collapse(&mut self) {
        let i = self.selected_index();
        let Some(row) = self.rows.get(i) else { return };
        if row.open && row.shape != Shape::Scalar {
            self.open.remove(&row.pointer);
            self.selected = row.pointer.clone();
            self.rebuild();
        } else if let Some(up) = parent(&row.pointer) {
            self.selected = up.to_string();
        }
    }

    /// Unfold a closed container; otherwise go to its first child.
    pub fn expand(&mut self) {
        let i = self.selected_index();
        let Some(row) = self.rows.get(i) else { return };
        match (row.shape, row.open) {
            (Shape::Scalar, _) => {}
            (_, false) => {
                self.open.insert(row.pointer.clone());
                self.selected = row.pointer.clone();
                self.rebuild();
            }
            (_, true) => self.move_by(1),
        }
    }

    pub fn toggle(&mut self) {
        let i = self.selected_index();
        let Some(row) = self.rows.get(i) else { return };
        if row.shape == Shape::Scalar {
            return;
        }
        let p = row.pointer.clone();
        if !self.open.remove(&p) {
            self.open.insert(p.clone());
        }
        self.selected = p;
        self.rebuild();
    }

    pub fn expand_all(&mut self) {
        let start = self.selected.clone();
        let Some(v) = pointer::parse(&start).ok().and_then(|t| root(&self.value).get(&t)) else {
            return;
        };
        let mut budget = EXPAND_ALL_CAP;
        open_all(v, start, &mut self.open, &mut budget);
        self.rebuild();
    }

    pub fn collapse_all(&mut self) {
        self.open.clear();
        self.open.insert(String::new());
        self.rebuild();
    }

    /// Unfold the ancestors of `ptr` and select it.
    pub fn reveal(&mut self, ptr: &str) {
        let mut p: &str = ptr;
        while let Some(up) = parent(p) {
            self.open.insert(up.to_string());
            p = up;
        }
        self.selected = ptr.to_string();
        self.rebuild();
    }

    /// Reveal the next node the current event changed; `None` when nothing changed.
    pub fn next_change(&mut self) -> Option<String> {
        if self.changed_order.is_empty() {
            return None;
        }
        let at = self.changed_order.iter().position(|p| *p == self.selected);
        let next = match at {
            Some(i) => (i + 1) % self.changed_order.len(),
            None => 0,
        };
        let p = self.changed_order[next].clone();
        // A removed node is gone: show where it was.
        let exists = pointer::parse(&p)
            .ok()
            .is_some_and(|t| root(&self.value).get(&t).is_some());
        self.reveal(&p);
        if !exists {
            if let Some(up) = parent(&p) {
                self.selected = up.to_string();
            }
        }
        Some(p)
    }

    /// Search keys and scalar values; the selection moves to the first hit at or
    /// after it (when `jump`).
    pub fn set_search(&mut self, re: Regex, jump: bool) {
        let mut hits = Vec::new();
        collect_hits(root(&self.value), String::new(), None, &re, &mut hits);
        let order = document_order(root(&self.value));
        let sel = order.get(&self.selected).copied().unwrap_or(0);
        let at = hits
            .iter()
            .position(|h| order.get(h).copied().unwrap_or(0) >= sel)
            .unwrap_or(0);
        let hit_set = hits.iter().cloned().collect();
        self.search = Some(Search { re, hits, hit_set, at });
        if jump {
            self.jump_hit(0);
        }
    }

    pub fn clear_search(&mut self) {
        self.search = None;
    }

    /// Move `delta` hits (wrapping) and reveal that hit; false without hits.
    pub fn jump_hit(&mut self, delta: isize) -> bool {
        let Some(s) = &mut self.search else { return false };
        if s.hits.is_empty() {
            return false;
        }
        let n = s.hits.len() as isize;
        s.at = (s.at as isize + delta).rem_euclid(n) as usize;
        let p = s.hits[s.at].clone();
        self.reveal(&p);
        true
    }
}

/// A node of the shown state: a JSON value, or the world's root (its streams'
/// states by name, each shared rather than copied into one object).
#[derive(Clone, Copy)]
enum Node<'a> {
    Json(&'a Value),
    World(&'a [(String, Arc<Value>)]),
}

/// A child's place under its parent.
#[derive(Clone, Copy)]
enum Key<'a> {
    Name(&'a str),
    Index(usize),
}

impl<'a> Key<'a> {
    fn token(self) -> Cow<'a, str> {
        match self {
            Key::Name(k) => Cow::Borrowed(k),
            Key::Index(i) => Cow::Owned(i.to_string()),
        }
    }
}

fn root(v: &StateValue) -> Node<'_> {
    match v {
        StateValue::One(v) => Node::Json(v),
        StateValue::World(entries) => Node::World(entries),
    }
}

impl<'a> Node<'a> {
    fn shape(self) -> Shape {
        match self {
            Node::World(e) => Shape::Object(e.len()),
            Node::Json(Value::Object(m)) => Shape::Object(m.len()),
            Node::Json(Value::Array(a)) => Shape::Array(a.len()),
            Node::Json(_) => Shape::Scalar,
        }
    }

    /// The scalar value, if this is one.
    fn scalar(self) -> Option<&'a Value> {
        match self {
            Node::Json(v) if !v.is_object() && !v.is_array() => Some(v),
            _ => None,
        }
    }

    fn each_child(self, f: &mut dyn FnMut(Key<'a>, Node<'a>)) {
        match self {
            Node::World(e) => {
                for (k, v) in e {
                    f(Key::Name(k), Node::Json(v));
                }
            }
            Node::Json(Value::Object(m)) => {
                for (k, v) in m {
                    f(Key::Name(k), Node::Json(v));
                }
            }
            Node::Json(Value::Array(a)) => {
                for (i, v) in a.iter().enumerate() {
                    f(Key::Index(i), Node::Json(v));
                }
            }
            Node::Json(_) => {}
        }
    }

    fn get<S: AsRef<str>>(self, tokens: &[S]) -> Option<Node<'a>> {
        match (self, tokens.split_first()) {
            (_, None) => Some(self),
            (Node::Json(v), Some(_)) => pointer::get(v, tokens).map(Node::Json),
            (Node::World(e), Some((first, rest))) => {
                // Entries are in natural name order.
                let i = e
                    .binary_search_by(|(k, _)| crate::natural::cmp(k, first.as_ref()))
                    .ok()?;
                Node::Json(&e[i].1).get(rest)
            }
        }
    }

    fn to_value(self) -> Cow<'a, Value> {
        match self {
            Node::Json(v) => Cow::Borrowed(v),
            Node::World(e) => Cow::Owned(Value::Object(
                e.iter().map(|(k, v)| (k.clone(), (**v).clone())).collect(),
            )),
        }
    }
}

fn flatten(v: Node<'_>, ptr: String, label: Label, depth: usize, open: &HashSet<String>, out: &mut Vec<Row>) {
    let shape = v.shape();
    let is_open = shape != Shape::Scalar && open.contains(&ptr);
    let preview = match v.scalar() {
        Some(s) => truncate(&write::to_string_compact(s), PREVIEW_CHARS).into_owned(),
        None => String::new(),
    };
    out.push(Row {
        depth,
        pointer: ptr.clone(),
        label,
        shape,
        open: is_open,
        preview,
    });
    if !is_open {
        return;
    }
    v.each_child(&mut |k, c| {
        let label = match k {
            Key::Name(k) => Label::Key(clean(k).into_owned()),
            Key::Index(i) => Label::Index(i),
        };
        flatten(c, child(&ptr, &k.token()), label, depth + 1, open, out);
    });
}

fn open_all(v: Node<'_>, ptr: String, open: &mut HashSet<String>, budget: &mut usize) {
    if *budget == 0 || v.shape() == Shape::Scalar {
        return;
    }
    open.insert(ptr.clone());
    *budget -= 1;
    v.each_child(&mut |k, c| open_all(c, child(&ptr, &k.token()), open, budget));
}

fn collect_hits(v: Node<'_>, ptr: String, key: Option<&str>, re: &Regex, out: &mut Vec<String>) {
    let key_hit = key.is_some_and(|k| re.is_match(k));
    let value_hit = match v.scalar() {
        Some(Value::String(s)) => re.is_match(s),
        Some(Value::Number(n)) => re.is_match(&n.to_string()),
        Some(Value::Bool(b)) => re.is_match(if *b { "true" } else { "false" }),
        Some(Value::Null) => re.is_match("null"),
        _ => false,
    };
    if key_hit || value_hit {
        out.push(ptr.clone());
    }
    v.each_child(&mut |k, c| {
        let name = match k {
            Key::Name(n) => Some(n),
            Key::Index(_) => None,
        };
        collect_hits(c, child(&ptr, &k.token()), name, re, out);
    });
}

/// Pointer → index in depth-first order.
fn document_order(v: Node<'_>) -> HashMap<String, usize> {
    fn walk(v: Node<'_>, ptr: String, out: &mut HashMap<String, usize>) {
        let n = out.len();
        out.insert(ptr.clone(), n);
        v.each_child(&mut |k, c| walk(c, child(&ptr, &k.token()), out));
    }
    let mut out = HashMap::new();
    walk(v, String::new(), &mut out);
    out
}

/// A regex from what the user typed: smart case (any capital → case-sensitive).
pub fn smart_regex(text: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(text)
        .case_insensitive(!super::query::smart_case_sensitive(text))
        .size_limit(1 << 20)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn world() -> Value {
        json!({"agent/s1": {"memory": {"goal": "refund", "facts": [1, 2]}, "status": "active"}, "model/x": {"v": 1}})
    }

    fn pointers(t: &Tree) -> Vec<&str> {
        t.rows().iter().map(|r| r.pointer.as_str()).collect()
    }

    #[test]
    fn starts_with_the_root_open() {
        let mut t = Tree::new();
        t.set_value(world(), &[]);
        assert_eq!(pointers(&t), ["", "/agent~1s1", "/model~1x"]);
        assert_eq!(t.rows()[1].label, Label::Key("agent/s1".into()));
        assert_eq!(t.rows()[1].shape, Shape::Object(2));
    }

    #[test]
    fn folding_and_selection_survive_new_values() {
        let mut t = Tree::new();
        t.set_value(world(), &[]);
        t.move_by(1);
        t.expand();
        t.move_by(1); // memory
        t.expand();
        t.move_by(1); // goal
        assert_eq!(t.selected_pointer(), "/agent~1s1/memory/goal");
        let mut next = world();
        next["agent/s1"]["memory"]["goal"] = json!("exfiltrate");
        let change = Change {
            op: ChangeOp::Replace,
            path: "/agent~1s1/memory/goal".into(),
            old: Some(json!("refund")),
            new: Some(json!("exfiltrate")),
        };
        t.set_value(next, &[change]);
        assert_eq!(t.selected_pointer(), "/agent~1s1/memory/goal");
        assert_eq!(t.rows()[t.selected_index()].preview, "\"exfiltrate\"");
        assert_eq!(t.mark("/agent~1s1/memory/goal"), Mark::Replaced);
        assert_eq!(t.mark("/agent~1s1"), Mark::Inside);
        assert_eq!(t.mark("/model~1x"), Mark::None);
    }

    #[test]
    fn a_vanished_selection_falls_back_to_its_parent() {
        let mut t = Tree::new();
        t.set_value(world(), &[]);
        t.reveal("/agent~1s1/memory/facts/1");
        assert_eq!(t.rows()[t.selected_index()].pointer, "/agent~1s1/memory/facts/1");
        t.set_value(json!({"agent/s1": {"memory": {"facts": [1]}}}), &[]);
        assert_eq!(t.rows()[t.selected_index()].pointer, "/agent~1s1/memory/facts");
    }

    #[test]
    fn collapse_goes_to_parent_then_folds() {
        let mut t = Tree::new();
        t.set_value(world(), &[]);
        t.reveal("/agent~1s1/status");
        t.collapse();
        assert_eq!(t.selected_pointer(), "/agent~1s1");
        t.collapse();
        assert_eq!(pointers(&t), ["", "/agent~1s1", "/model~1x"]);
    }

    fn re(text: &str) -> Regex {
        match smart_regex(text) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn search_reveals_hits_in_order_with_smart_case() {
        let mut t = Tree::new();
        t.set_value(world(), &[]);
        // A capital makes it case-sensitive: GOAL matches nothing, ^v$ the key v.
        t.set_search(re("GOAL|^v$"), true);
        assert_eq!(t.selected_pointer(), "/model~1x/v");
        t.set_search(re("goal|^1$"), false);
        assert_eq!(t.search_status().map(|s| s.1), Some(3));
        t.top();
        t.set_search(re("GoAl|goal"), true);
        assert_eq!(t.selected_pointer(), "/agent~1s1/memory/goal");
        assert!(t.is_hit("/agent~1s1/memory/goal"));
        assert!(t.jump_hit(1));
        assert_eq!(t.selected_pointer(), "/agent~1s1/memory/goal");
    }

    #[test]
    fn next_change_cycles_and_handles_removals() {
        let mut t = Tree::new();
        let changes = [
            Change {
                op: ChangeOp::Add,
                path: "/model~1x/w".into(),
                old: None,
                new: Some(json!(2)),
            },
            Change {
                op: ChangeOp::Remove,
                path: "/agent~1s1/gone".into(),
                old: Some(json!(1)),
                new: None,
            },
        ];
        let mut v = world();
        v["model/x"]["w"] = json!(2);
        t.set_value(v, &changes);
        assert_eq!(t.next_change().as_deref(), Some("/model~1x/w"));
        assert_eq!(t.selected_pointer(), "/model~1x/w");
        assert_eq!(t.mark("/model~1x/w"), Mark::Added);
        assert_eq!(t.next_change().as_deref(), Some("/agent~1s1/gone"));
        assert_eq!(t.selected_pointer(), "/agent~1s1");
    }

    #[test]
    fn a_shared_world_is_walked_and_looked_up_in_natural_order() {
        let entries: Vec<(String, Arc<Value>)> = ["a-1", "a-2", "a-10"]
            .iter()
            .map(|k| (k.to_string(), Arc::new(json!({"n": k}))))
            .collect();
        let mut t = Tree::new();
        t.set_value(StateValue::World(Arc::new(entries)), &[]);
        assert_eq!(pointers(&t), ["", "/a-1", "/a-2", "/a-10"]);
        t.reveal("/a-10/n");
        assert_eq!(t.selected_value().as_deref(), Some(&json!("a-10")));
        assert_eq!(t.to_value()["a-2"], json!({"n": "a-2"}));
    }

    #[test]
    fn untrusted_keys_and_values_are_escaped() {
        let mut t = Tree::new();
        t.set_value(json!({"k\u{1b}[2J": "v\u{1b}]52;c;AAAA\u{7}"}), &[]);
        let r = &t.rows()[1];
        assert_eq!(r.label, Label::Key("k\\u001b[2J".into()));
        assert!(!r.preview.chars().any(char::is_control));
    }
}
