//! Identity across files and inputs, decided when inputs merge: an event whose
//! identity (see `Record::dedupe`) and content an earlier event of the merged
//! timeline already had is a duplicate. It leaves the timeline for the `dups`
//! table, where the next merge finds it again: removing the input that held the
//! copy kept brings it back. The same identity with other content is kept twice
//! and listed as an id conflict.
//!
//! A generic record's own `id` is compared across files only (one file is taken
//! as written); a family's key (an at-least-once source's event id or sequence
//! number) also within a file.

use std::collections::HashMap;

use anyhow::Result;
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::Value;

use super::ledger::{self, Entry, EntryKind};
use super::renumber::Key;
use super::schema;

/// What a merge decided, by index into the merged order.
#[derive(Default)]
pub(super) struct Dedup {
    /// Index of a duplicate → index of the event it repeats.
    pub dropped: HashMap<usize, usize>,
    /// (position of the duplicate, its input, position of the event kept).
    moved: Vec<(i64, i64, i64)>,
    /// (position of the later event, its input, position of the earlier one).
    conflicts: Vec<(i64, i64, i64)>,
}

/// Move the duplicates of the last merge back into `events` (after the last
/// position; the merge orders every input by its own `idx`). Returns how many.
pub(super) fn restore(tx: &Transaction) -> Result<usize> {
    let n: i64 = tx.query_row("SELECT count(*) FROM dups", [], |r| r.get(0))?;
    if n == 0 {
        return Ok(0);
    }
    let cols = schema::ALL_COLUMNS.replacen("pos, ", "", 1);
    tx.execute_batch(&format!(
        "INSERT INTO events({}) SELECT m.base + d.pos, {} FROM dups d, (SELECT coalesce(max(pos), 0) AS base FROM events) m;
         DELETE FROM dups;",
        schema::ALL_COLUMNS,
        cols.split(", ").map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", ")
    ))?;
    Ok(n as usize)
}

/// What two events with one identity are compared on: what replay uses. Time
/// and meta are left out: a redelivery or a dead-letter copy carries other
/// delivery metadata for the same event.
struct Content {
    key: String,
    id: String,
    stream: i64,
    ty: i64,
    kind: i64,
    seq: Option<i64>,
    data: String,
}

fn content(tx: &Transaction, pos: i64) -> Result<Content> {
    Ok(tx
        .prepare_cached("SELECT ikey, id, stream, type, kind, seq, data FROM events WHERE pos = ?1")?
        .query_row(params![pos], |r| {
            let ikey: Option<String> = r.get(0)?;
            let id: String = r.get(1)?;
            let key = match ikey {
                Some(k) if !k.is_empty() => k,
                _ => id.clone(),
            };
            Ok(Content {
                key,
                id,
                stream: r.get(2)?,
                ty: r.get(3)?,
                kind: r.get(4)?,
                seq: r.get(5)?,
                data: r.get(6)?,
            })
        })?)
}

fn same_content(a: &Content, b: &Content) -> bool {
    if (a.stream, a.ty, a.kind, a.seq) != (b.stream, b.ty, b.kind, b.seq) {
        return false;
    }
    if a.data == b.data {
        return true;
    }
    // The same JSON written another way (spacing, escapes, key order).
    match (
        serde_json::from_str::<Value>(&a.data),
        serde_json::from_str::<Value>(&b.data),
    ) {
        (Ok(x), Ok(y)) => crate::json::eq::json_eq(&x, &y),
        _ => false,
    }
}

/// Find the duplicates and id conflicts of the merged `order`.
pub(super) fn dedupe(tx: &Transaction, order: &[&Key]) -> Result<Dedup> {
    let mut out = Dedup::default();
    // Identity hash → the first event kept with it; further events kept with the
    // same hash (conflicts, repeats within a file, hash collisions) in `more`.
    let mut first: HashMap<u64, usize> = HashMap::new();
    let mut more: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, k) in order.iter().enumerate() {
        let Some((hash, family)) = k.ident else {
            continue;
        };
        let Some(&j0) = first.get(&hash) else {
            first.insert(hash, i);
            continue;
        };
        let mine = content(tx, k.pos)?;
        let mut dup_of = None;
        let mut conflict = None;
        let kept = std::iter::once(j0).chain(more.get(&hash).into_iter().flatten().copied());
        for j in kept {
            let other = order[j];
            // Within one file only two family keys compare; a payload's own id kept
            // as a family key (Kinesis, Firehose) is the same identity as a generic
            // record's own id, so the event saved both ways is one event.
            let both_family = family && other.ident.is_some_and(|(_, f)| f);
            if !both_family && other.file == k.file {
                continue;
            }
            let theirs = content(tx, other.pos)?;
            if theirs.key != mine.key {
                continue;
            }
            if same_content(&mine, &theirs) {
                dup_of = Some(j);
                break;
            }
            conflict.get_or_insert(j);
        }
        match dup_of {
            Some(j) => {
                out.dropped.insert(i, j);
                out.moved.push((k.pos, k.input, order[j].pos));
            }
            None => {
                if let Some(j) = conflict {
                    out.conflicts.push((k.pos, k.input, order[j].pos));
                }
                more.entry(hash).or_default().push(i);
            }
        }
    }
    Ok(out)
}

impl Dedup {
    /// Record the decisions, before the events are rewritten (positions are still
    /// the old ones): the duplicates go to `dups`, the conflicts to the ledger,
    /// and each input's end position and duplicate count to `inputs`. `kept` is
    /// the merged order without the duplicates.
    pub(super) fn store(&self, tx: &Transaction, kept: &[&Key]) -> Result<()> {
        tx.execute(
            "DELETE FROM ledger WHERE kind = ?1",
            params![EntryKind::Conflict.code()],
        )?;
        for (pos, input, earlier) in &self.conflicts {
            let (a, b) = (content(tx, *pos)?, place(tx, *pos)?);
            let e = Entry {
                kind: EntryKind::Conflict,
                file: b.0,
                loc: b.1,
                offset: b.2,
                reason: format!(
                    "id {} is also at {} with other content; both kept",
                    crate::sanitize::quote(&a.id),
                    place_text(&place(tx, *earlier)?)
                ),
            };
            ledger::add_entry(tx, *input, &e)?;
        }
        // Each input ends at its last event, or at the event one of its
        // duplicates stands for, whichever comes later.
        let wanted: std::collections::HashSet<i64> = self.moved.iter().map(|m| m.2).collect();
        let mut new_pos: HashMap<i64, i64> = HashMap::with_capacity(wanted.len());
        let mut ends: HashMap<i64, i64> = HashMap::new();
        for (i, k) in kept.iter().enumerate() {
            let p = i as i64 + 1;
            ends.insert(k.input, p);
            if wanted.contains(&k.pos) {
                new_pos.insert(k.pos, p);
            }
        }
        let mut dups: HashMap<i64, i64> = HashMap::new();
        for (_, input, kept_pos) in &self.moved {
            *dups.entry(*input).or_default() += 1;
            if let Some(p) = new_pos.get(kept_pos) {
                let e = ends.entry(*input).or_default();
                *e = (*e).max(*p);
            }
        }
        let inputs: Vec<i64> = {
            let mut st = tx.prepare("SELECT id FROM inputs")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for id in inputs {
            tx.execute(
                "UPDATE inputs SET end_pos = ?1, duplicates = ?2 WHERE id = ?3",
                params![
                    ends.get(&id).copied().unwrap_or(0),
                    dups.get(&id).copied().unwrap_or(0),
                    id
                ],
            )?;
        }
        let cols = schema::ALL_COLUMNS.replacen("pos, ", "", 1);
        let mut mv = tx.prepare(&format!(
            "INSERT INTO dups({}) SELECT ?1, {cols} FROM events WHERE pos = ?2",
            schema::ALL_COLUMNS
        ))?;
        for (n, (pos, _, _)) in self.moved.iter().enumerate() {
            mv.execute(params![n as i64 + 1, pos])?;
        }
        Ok(())
    }
}

/// (file, loc, offset) of the event at `pos`.
fn place(tx: &Transaction, pos: i64) -> Result<(String, u64, bool)> {
    let p = tx
        .query_row(
            "SELECT f.path, e.loc, f.offsets FROM events e JOIN files f ON f.id = e.file WHERE e.pos = ?1",
            params![pos],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, i64>(2)? != 0,
                ))
            },
        )
        .optional()?;
    Ok(p.unwrap_or_else(|| ("?".to_string(), 0, false)))
}

fn place_text(p: &(String, u64, bool)) -> String {
    let sep = if p.2 { "@" } else { ":" };
    format!("{}{sep}{}", p.0, p.1)
}
