//! The change-walk: the events that changed one value, for `history` (all of
//! them) and the TUI's watchpoints (the nearest one).

use std::ops::ControlFlow;

use anyhow::{bail, Result};
use serde_json::Value;

use super::Recording;
use crate::json::{eq::json_eq, pointer};

/// One event that changed a value: its position, the value before and after
/// (`None`: absent).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub pos: u64,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// A found change as a tuple: position, old value, new value.
pub type Found = (u64, Option<Value>, Option<Value>);

fn opt_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => json_eq(a, b),
        _ => false,
    }
}

/// What a pointer watches: a stream and the path inside its state, or (no
/// stream) the whole world.
struct Target {
    stream: Option<i64>,
    path: Vec<String>,
}

impl Recording {
    /// Split `path` into the stream it lives in and the path inside it; with
    /// `stream` given, `path` points into that stream's state.
    fn target(&self, path: &str, stream: Option<&str>) -> Result<Target> {
        let tokens = pointer::parse(path)?;
        Ok(match stream {
            Some(s) => Target {
                stream: Some(self.stream_id(s)?),
                path: tokens,
            },
            None => match tokens.split_first() {
                Some((first, rest)) => Target {
                    stream: Some(self.stream_id(first)?),
                    path: rest.to_vec(),
                },
                None => Target {
                    stream: None,
                    path: Vec::new(),
                },
            },
        })
    }

    /// Hand `visit` each event in `(from, to]` that changed the value at `path`
    /// (a pointer into the world, or into `stream`'s state), in order, until it
    /// returns `Break`.
    pub fn changes(
        &self,
        path: &str,
        stream: Option<&str>,
        from: u64,
        to: u64,
        visit: &mut dyn FnMut(HistoryEntry) -> ControlFlow<()>,
    ) -> Result<()> {
        let target = self.target(path, stream)?;
        self.walk_changes(&target, from, to, visit)
    }

    fn walk_changes(
        &self,
        target: &Target,
        from: u64,
        to: u64,
        visit: &mut dyn FnMut(HistoryEntry) -> ControlFlow<()>,
    ) -> Result<()> {
        if to <= from {
            return Ok(());
        }
        let rest = &target.path;
        match target.stream {
            Some(sid) => self.replayer().walk_stream(sid, from, to, &mut |pos, before, after| {
                let old = before.and_then(|v| pointer::get(v, rest));
                let new = after.and_then(|v| pointer::get(v, rest));
                if opt_eq(old, new) {
                    return Ok(ControlFlow::Continue(()));
                }
                Ok(visit(HistoryEntry {
                    pos,
                    old: old.cloned(),
                    new: new.cloned(),
                }))
            }),
            None => {
                // The whole world: every event that changed any stream.
                let r = self.replayer();
                let mut world = r.world_at(from)?;
                let mut prev = world.to_value(&self.cat);
                self.cache.scan_until(from, to, None, &mut |ev| {
                    let before = world.get(ev.stream).cloned();
                    r.step(&mut world, &ev)?;
                    if opt_eq(before.as_ref(), world.get(ev.stream)) {
                        return Ok(ControlFlow::Continue(()));
                    }
                    let next = world.to_value(&self.cat);
                    let old = std::mem::replace(&mut prev, next.clone());
                    Ok(visit(HistoryEntry {
                        pos: ev.pos,
                        old: Some(old),
                        new: Some(next),
                    }))
                })
            }
        }
    }

    /// Every event in `(from, to]` that changed the value at `path` (a pointer into
    /// the world, or into `stream`'s state).
    pub fn history(&self, path: &str, stream: Option<&str>, from: u64, to: u64) -> Result<Vec<HistoryEntry>> {
        let mut out = Vec::new();
        self.changes(path, stream, from, to, &mut |entry| {
            out.push(entry);
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    /// The first event after `from` (forward) or the last before it (backward)
    /// that changed the node at `ptr`.
    pub fn nearest_change(&self, ptr: &str, stream: Option<&str>, from: u64, forward: bool) -> Result<Option<Found>> {
        let target = self.target(ptr, stream)?;
        if target.stream.is_none() {
            bail!("the whole world changes with every event: pick a node inside a stream");
        }
        let len = self.len();
        let mut found = None;
        if forward {
            self.walk_changes(&target, from.min(len), len, &mut |entry| {
                found = Some(entry);
                ControlFlow::Break(())
            })?;
            return Ok(found.map(|e| (e.pos, e.old, e.new)));
        }
        // Replay only runs forward: look back in growing windows, keep the last change.
        let hi = from.saturating_sub(1).min(len);
        let mut width = 4096u64;
        let mut top = hi;
        loop {
            let lo = top.saturating_sub(width);
            self.walk_changes(&target, lo, top, &mut |entry| {
                found = Some(entry);
                ControlFlow::Continue(())
            })?;
            if let Some(e) = found {
                return Ok(Some((e.pos, e.old, e.new)));
            }
            if lo == 0 {
                return Ok(None);
            }
            top = lo;
            width = width.saturating_mul(4);
        }
    }
}
