//! The ledger: where every record an import read went. Per input and per file,
//! `read = imported + duplicates + filtered + skipped`; skips, warnings (events
//! kept with a problem), filtered records, ignored files and id conflicts are
//! listed with `file:line` or `file@offset` and why.

use std::collections::HashMap;
use std::fmt;

use anyhow::Result;
use rusqlite::{params, Connection};
use serde::Serialize;

use super::Cache;
use crate::ingest::BadRecord;

/// What a ledger entry says about its record or file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A record that could not be read: not in the timeline.
    Skip,
    /// An event kept in the timeline with a problem (e.g. its payload kept raw).
    Warn,
    /// A record read and left out on purpose.
    Filtered,
    /// A file of a folder that holds no records by design.
    Ignored,
    /// Two events with one identity and different content: both kept.
    Conflict,
    /// A file not read: its place in time is outside the import filter.
    Pruned,
}

impl EntryKind {
    pub const ALL: [EntryKind; 6] = [
        EntryKind::Skip,
        EntryKind::Warn,
        EntryKind::Filtered,
        EntryKind::Ignored,
        EntryKind::Conflict,
        EntryKind::Pruned,
    ];

    pub fn code(self) -> i64 {
        match self {
            EntryKind::Skip => 0,
            EntryKind::Warn => 1,
            EntryKind::Filtered => 2,
            EntryKind::Ignored => 3,
            EntryKind::Conflict => 4,
            EntryKind::Pruned => 5,
        }
    }

    fn from_code(c: i64) -> EntryKind {
        match c {
            1 => EntryKind::Warn,
            2 => EntryKind::Filtered,
            3 => EntryKind::Ignored,
            4 => EntryKind::Conflict,
            5 => EntryKind::Pruned,
            _ => EntryKind::Skip,
        }
    }
}

/// One listed record or file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub kind: EntryKind,
    pub file: String,
    /// Line number, or byte offset when `offset` is set.
    pub loc: u64,
    pub offset: bool,
    pub reason: String,
}

impl Entry {
    pub fn from_bad(kind: EntryKind, bad: &BadRecord) -> Entry {
        Entry {
            kind,
            file: bad.file.clone(),
            loc: bad.loc,
            offset: bad.offset,
            reason: bad.reason.clone(),
        }
    }

    /// `file:line` or `file@offset`.
    pub fn place(&self) -> String {
        let sep = if self.offset { "@" } else { ":" };
        format!("{}{sep}{}", self.file, self.loc)
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place(), self.reason)
    }
}

/// The counts of one file (or of a whole input). `read = imported + duplicates +
/// filtered + skipped`; warnings are events among `imported`; `ignored` and
/// `pruned` count files, not records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub read: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub filtered: u64,
    pub skipped: u64,
    pub warnings: u64,
    pub ignored: u64,
    pub conflicts: u64,
    /// Files not read because the import filter's window leaves them out.
    pub pruned: u64,
}

impl Counts {
    pub fn add(&mut self, o: &Counts) {
        self.read += o.read;
        self.imported += o.imported;
        self.duplicates += o.duplicates;
        self.filtered += o.filtered;
        self.skipped += o.skipped;
        self.warnings += o.warnings;
        self.ignored += o.ignored;
        self.conflicts += o.conflicts;
        self.pruned += o.pruned;
    }

    /// The ledger's equation.
    pub fn balances(&self) -> bool {
        self.read == self.imported + self.duplicates + self.filtered + self.skipped
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileLedger {
    pub file: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// One input's ledger as the cache holds it after the last merge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputLedger {
    #[serde(skip)]
    pub id: i64,
    /// Canonical path.
    pub path: String,
    pub format: String,
    #[serde(flatten)]
    pub totals: Counts,
    /// Per file, in the order first read (one row for a plain file).
    pub files: Vec<FileLedger>,
    /// Position of the input's last event in the merged timeline (counting the
    /// events of other inputs its duplicates stand for); 0 when it has none.
    pub end: u64,
    /// False for an input imported by a rewind without a ledger: only its event,
    /// skip and duplicate counts are known.
    pub recorded: bool,
}

/// Per-file tally kept while an input is imported.
#[derive(Debug, Default)]
pub struct Tally {
    pub files: Vec<FileLedger>,
    index: HashMap<String, usize>,
}

impl Tally {
    /// A tally whose first file is the input itself.
    pub fn new(display: &str) -> Tally {
        let mut t = Tally::default();
        t.slot(display);
        t
    }

    /// The slot of `file`, added in the order first seen.
    pub fn slot(&mut self, file: &str) -> usize {
        if let Some(i) = self.index.get(file) {
            return *i;
        }
        self.files.push(FileLedger {
            file: file.to_string(),
            counts: Counts::default(),
        });
        self.index.insert(file.to_string(), self.files.len() - 1);
        self.files.len() - 1
    }

    pub fn totals(&self) -> Counts {
        let mut c = Counts::default();
        for f in &self.files {
            c.add(&f.counts);
        }
        c
    }
}

/// Store an import's per-file counts (`imported` as stored, before any merge
/// finds duplicates across files).
pub fn store_tally(conn: &Connection, input: i64, tally: &Tally) -> Result<()> {
    let mut st = conn.prepare_cached(
        "INSERT OR REPLACE INTO ledger_files(input, file, ord, read, stored, filtered, skipped, warnings, ignored) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (i, f) in tally.files.iter().enumerate() {
        let c = &f.counts;
        // The input's own row stays even when empty: it names the input.
        if i > 0 && *c == Counts::default() {
            continue;
        }
        st.execute(params![
            input,
            f.file,
            i as i64,
            c.read as i64,
            c.imported as i64,
            c.filtered as i64,
            c.skipped as i64,
            c.warnings as i64,
            c.ignored as i64
        ])?;
    }
    conn.execute("UPDATE inputs SET ledger = 1 WHERE id = ?1", params![input])?;
    Ok(())
}

/// Add an append's per-file counts to what the input's ledger holds.
pub fn add_tally(conn: &Connection, input: i64, tally: &Tally) -> Result<()> {
    let mut st = conn.prepare_cached(
        "INSERT INTO ledger_files(input, file, ord, read, stored, filtered, skipped, warnings, ignored) VALUES (?1, ?2, (SELECT count(*) FROM ledger_files WHERE input = ?1), ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(input, file) DO UPDATE SET read = read + excluded.read, stored = stored + excluded.stored, filtered = filtered + excluded.filtered, skipped = skipped + excluded.skipped, warnings = warnings + excluded.warnings, ignored = ignored + excluded.ignored",
    )?;
    for f in &tally.files {
        let c = &f.counts;
        if *c == Counts::default() {
            continue;
        }
        st.execute(params![
            input,
            f.file,
            c.read as i64,
            c.imported as i64,
            c.filtered as i64,
            c.skipped as i64,
            c.warnings as i64,
            c.ignored as i64
        ])?;
    }
    Ok(())
}

pub fn add_entry(conn: &Connection, input: i64, e: &Entry) -> Result<()> {
    conn.prepare_cached("INSERT INTO ledger(input, kind, file, loc, offset, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![
            input,
            e.kind.code(),
            e.file,
            e.loc as i64,
            e.offset as i64,
            e.reason
        ])?;
    Ok(())
}

impl Cache {
    /// Every input's ledger, in input order.
    pub fn ledgers(&self) -> Result<Vec<InputLedger>> {
        ledgers(&self.conn)
    }

    /// How many entries of `kind` each file has, in the order first listed.
    pub fn ledger_counts(&self, kind: EntryKind) -> Result<Vec<(String, u64)>> {
        let mut st = self
            .conn
            .prepare("SELECT file, count(*) FROM ledger WHERE kind = ?1 GROUP BY file ORDER BY min(id)")?;
        let rows = st.query_map(params![kind.code()], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Up to `limit` entries of `input` of the given kinds, in the order found
    /// (all kinds when `kinds` is empty); `input` `None`: of every input.
    pub fn ledger_entries(&self, input: Option<i64>, kinds: &[EntryKind], limit: usize) -> Result<Vec<Entry>> {
        let mut sql = "SELECT kind, file, loc, offset, reason FROM ledger WHERE 1".to_string();
        if let Some(i) = input {
            sql.push_str(&format!(" AND input = {i}"));
        }
        if !kinds.is_empty() {
            let codes: Vec<String> = kinds.iter().map(|k| k.code().to_string()).collect();
            sql.push_str(&format!(" AND kind IN ({})", codes.join(",")));
        }
        sql.push_str(" ORDER BY id LIMIT ?1");
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(params![limit.min(i64::MAX as usize) as i64], |r| {
            Ok(Entry {
                kind: EntryKind::from_code(r.get(0)?),
                file: r.get(1)?,
                loc: r.get::<_, i64>(2)? as u64,
                offset: r.get::<_, i64>(3)? != 0,
                reason: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn ledgers(conn: &Connection) -> Result<Vec<InputLedger>> {
    struct Row {
        id: i64,
        path: String,
        format: String,
        events: u64,
        snapshots: u64,
        skipped: u64,
        duplicates: u64,
        end: Option<i64>,
        recorded: bool,
    }
    let inputs: Vec<Row> = {
        let mut st = conn.prepare(
            "SELECT id, path, format, events, snapshots, skipped, duplicates, end_pos, ledger FROM inputs ORDER BY ord",
        )?;
        let rows = st.query_map([], |r| {
            Ok(Row {
                id: r.get(0)?,
                path: r.get(1)?,
                format: r.get(2)?,
                events: r.get::<_, i64>(3)? as u64,
                snapshots: r.get::<_, i64>(4)? as u64,
                skipped: r.get::<_, i64>(5)? as u64,
                duplicates: r.get::<_, i64>(6)? as u64,
                end: r.get(7)?,
                recorded: r.get::<_, i64>(8)? != 0,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    // Duplicates a merge found, per input and file path.
    let mut dups: HashMap<(i64, String), u64> = HashMap::new();
    {
        let mut st = conn.prepare(
            "SELECT d.input, f.path, count(*) FROM dups d JOIN files f ON f.id = d.file GROUP BY d.input, d.file",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let n = r.get::<_, i64>(2)? as u64;
            *dups.entry((r.get(0)?, r.get(1)?)).or_default() += n;
        }
    }
    let per_file = |kind: EntryKind| -> Result<HashMap<(i64, String), u64>> {
        let mut counts = HashMap::new();
        let mut st = conn.prepare("SELECT input, file, count(*) FROM ledger WHERE kind = ?1 GROUP BY input, file")?;
        let mut rows = st.query(params![kind.code()])?;
        while let Some(r) = rows.next()? {
            counts.insert((r.get(0)?, r.get(1)?), r.get::<_, i64>(2)? as u64);
        }
        Ok(counts)
    };
    let conflicts = per_file(EntryKind::Conflict)?;
    let pruned = per_file(EntryKind::Pruned)?;
    let mut out = Vec::with_capacity(inputs.len());
    let mut files_st = conn.prepare(
        "SELECT file, read, stored, filtered, skipped, warnings, ignored FROM ledger_files WHERE input = ?1 ORDER BY ord",
    )?;
    for i in inputs {
        let mut files: Vec<FileLedger> = Vec::new();
        if i.recorded {
            let mut rows = files_st.query(params![i.id])?;
            while let Some(r) = rows.next()? {
                let file: String = r.get(0)?;
                let stored = r.get::<_, i64>(2)? as u64;
                let duplicates = dups.get(&(i.id, file.clone())).copied().unwrap_or(0);
                let conflicts = conflicts.get(&(i.id, file.clone())).copied().unwrap_or(0);
                let pruned = pruned.get(&(i.id, file.clone())).copied().unwrap_or(0);
                files.push(FileLedger {
                    counts: Counts {
                        read: r.get::<_, i64>(1)? as u64,
                        imported: stored.saturating_sub(duplicates),
                        duplicates,
                        filtered: r.get::<_, i64>(3)? as u64,
                        skipped: r.get::<_, i64>(4)? as u64,
                        warnings: r.get::<_, i64>(5)? as u64,
                        ignored: r.get::<_, i64>(6)? as u64,
                        conflicts,
                        pruned,
                    },
                    file,
                });
            }
        } else {
            // Imported by a rewind without a ledger: what its inputs table kept.
            let imported = i.events + i.snapshots;
            files.push(FileLedger {
                file: i.path.clone(),
                counts: Counts {
                    read: imported + i.skipped + i.duplicates,
                    imported,
                    duplicates: i.duplicates,
                    skipped: i.skipped,
                    ..Counts::default()
                },
            });
        }
        let mut totals = Counts::default();
        for f in &files {
            totals.add(&f.counts);
        }
        out.push(InputLedger {
            id: i.id,
            path: i.path,
            format: i.format,
            totals,
            files,
            end: i.end.unwrap_or(0).max(0) as u64,
            recorded: i.recorded,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_keeps_files_in_the_order_seen() {
        let mut t = Tally::new("in");
        let a = t.slot("in/a");
        let b = t.slot("in/b");
        assert_eq!((a, b, t.slot("in/a"), t.slot("in")), (1, 2, 1, 0));
        t.files[a].counts.read = 3;
        t.files[a].counts.imported = 2;
        t.files[a].counts.skipped = 1;
        t.files[b].counts.read = 1;
        t.files[b].counts.filtered = 1;
        let c = t.totals();
        assert!(c.balances());
        assert_eq!((c.read, c.imported), (4, 2));
        t.files[b].counts.read = 2;
        assert!(!t.totals().balances());
    }
}
