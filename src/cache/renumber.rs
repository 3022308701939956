//! Positions 1..N across inputs: the inputs merged by time, snapshot-file
//! records placed among the events, and the events table rewritten in that order.

use std::collections::HashMap;

use anyhow::Result;
use rusqlite::{params, Connection, Transaction};

use super::schema;

pub(super) struct Key {
    pub pos: i64,
    time: Option<i64>,
    stream: i64,
    seq: Option<i64>,
    pub input: i64,
    pub file: i64,
    /// Hash of the identity, and whether it is a family's key (see `Record::dedupe`).
    pub ident: Option<(u64, bool)>,
}

/// The identity part of a key from `ikey` and `idh` (see `Record::dedupe`).
fn ident_of(ikey: Option<&str>, idh: i64) -> Option<(u64, bool)> {
    match ikey {
        None => None,
        Some("") => Some((idh as u64, false)),
        Some(k) => Some((crate::hash::fnv1a(k.as_bytes()), true)),
    }
}

/// Merge the inputs by time, stably (docs/model.md §2), place snapshot-file records
/// after their stream's event with the same seq, else by time, else before the
/// stream's first event (docs/formats.md §1), keep duplicates out (see
/// `identity::dedupe`), and rewrite positions to 1..N.
pub fn renumber(tx: &Transaction) -> Result<()> {
    // The duplicates of the last merge compete again: the input that held the
    // copies kept may be gone, or come later now.
    let restored = super::identity::restore(tx)?;
    let inputs: Vec<(i64, bool, bool)> = {
        let mut st = tx.prepare("SELECT id, snapshot, by_time FROM inputs ORDER BY ord")?;
        let rows = st.query_map([], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? != 0, r.get::<_, i64>(2)? != 0))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut lists: Vec<Vec<Key>> = Vec::new();
    let mut snaps: Vec<Key> = Vec::new();
    for (id, snapshot, by_time) in &inputs {
        let keys = if *by_time {
            load_keys_by_time(tx, *id)?
        } else {
            load_keys(tx, *id)?
        };
        if *snapshot {
            snaps.extend(keys);
        } else {
            lists.push(keys);
        }
    }
    let merged = merge_by_time(&lists);
    let order = place_snapshots(&merged, &snaps);
    let dedup = super::identity::dedupe(tx, &order)?;
    let order: Vec<&Key> = order
        .iter()
        .enumerate()
        .filter(|(i, _)| !dedup.dropped.contains_key(i))
        .map(|(_, k)| *k)
        .collect();
    dedup.store(tx, &order)?;
    if restored == 0 && dedup.dropped.is_empty() && order.iter().enumerate().all(|(i, k)| k.pos == i as i64 + 1) {
        return Ok(());
    }
    tx.execute_batch(
        // Keyed by the new position: the copy below walks it in order and looks rows
        // up by their old position, instead of sorting whole rows in temp files.
        "DROP TABLE IF EXISTS temp.remap; CREATE TEMP TABLE remap(new INTEGER PRIMARY KEY, old INTEGER NOT NULL);",
    )?;
    {
        let mut st = tx.prepare("INSERT INTO remap(old, new) VALUES (?1, ?2)")?;
        for (i, k) in order.iter().enumerate() {
            st.execute(params![k.pos, i as i64 + 1])?;
        }
    }
    tx.execute_batch(&schema::create_events("events_new"))?;
    tx.execute_batch(
        "INSERT INTO events_new SELECT r.new, e.input, e.idx, e.stream, e.seq, e.id, e.type, e.time, e.kind, e.data, e.meta, e.file, e.loc, e.okey, e.idh, e.ikey
         FROM remap r JOIN events e ON e.pos = r.old ORDER BY r.new;
         DROP TABLE events;
         ALTER TABLE events_new RENAME TO events;
         DROP TABLE temp.remap;",
    )?;
    Ok(())
}

fn load_keys(conn: &Connection, input: i64) -> Result<Vec<Key>> {
    let mut st =
        conn.prepare("SELECT pos, time, stream, seq, file, ikey, idh FROM events WHERE input = ?1 ORDER BY idx")?;
    let rows = st.query_map(params![input], |r| {
        Ok(Key {
            pos: r.get(0)?,
            time: r.get(1)?,
            stream: r.get(2)?,
            seq: r.get(3)?,
            input,
            file: r.get(4)?,
            ident: ident_of(r.get_ref(5)?.as_str_or_null()?, r.get(6)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The keys of a time-ordered input, sorted by (time, okey, idx); a record without
/// a time moves with the record before it. SQLite sorts (spilling to temp files),
/// so memory stays flat however big the input.
fn load_keys_by_time(conn: &Connection, input: i64) -> Result<Vec<Key>> {
    conn.execute_batch(
        "DROP TABLE IF EXISTS temp.tsort;
         CREATE TEMP TABLE tsort(stime INTEGER NOT NULL, sokey BLOB, idx INTEGER NOT NULL, pos INTEGER NOT NULL, time INTEGER, stream INTEGER NOT NULL, seq INTEGER, file INTEGER NOT NULL, ikey TEXT, idh INTEGER NOT NULL);",
    )?;
    {
        let mut read = conn.prepare(
            "SELECT pos, time, stream, seq, okey, idx, file, ikey, idh FROM events WHERE input = ?1 ORDER BY idx",
        )?;
        let mut write = conn.prepare("INSERT INTO tsort VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?;
        let mut rows = read.query(params![input])?;
        // An untimed record takes the sort key of the last timed one before it; with
        // idx as the last tie-break it lands right after that record's group.
        let mut carried: (i64, Option<Vec<u8>>) = (i64::MIN, None);
        while let Some(r) = rows.next()? {
            let time: Option<i64> = r.get(1)?;
            if let Some(t) = time {
                carried = (t, r.get(4)?);
            }
            write.execute(params![
                carried.0,
                carried.1,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(0)?,
                time,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, i64>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, i64>(8)?
            ])?;
        }
    }
    let keys = {
        let mut st =
            conn.prepare("SELECT pos, time, stream, seq, file, ikey, idh FROM tsort ORDER BY stime, sokey, idx")?;
        let rows = st.query_map([], |r| {
            Ok(Key {
                pos: r.get(0)?,
                time: r.get(1)?,
                stream: r.get(2)?,
                seq: r.get(3)?,
                input,
                file: r.get(4)?,
                ident: ident_of(r.get_ref(5)?.as_str_or_null()?, r.get(6)?),
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    conn.execute_batch("DROP TABLE temp.tsort;")?;
    Ok(keys)
}

/// k-way merge by time; ties go to the earlier input; an event without time
/// follows the previous event of its input directly.
fn merge_by_time(lists: &[Vec<Key>]) -> Vec<&Key> {
    let total = lists.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    let mut head = vec![0usize; lists.len()];
    let mut carried = vec![i64::MIN; lists.len()];
    while out.len() < total {
        let mut best: Option<(i64, usize)> = None;
        for (i, list) in lists.iter().enumerate() {
            if let Some(k) = list.get(head[i]) {
                let t = k.time.unwrap_or(carried[i]);
                if best.is_none_or(|(bt, _)| t < bt) {
                    best = Some((t, i));
                }
            }
        }
        let Some((t, i)) = best else { break };
        carried[i] = t;
        out.push(&lists[i][head[i]]);
        head[i] += 1;
        while let Some(k) = lists[i].get(head[i]) {
            if k.time.is_some() {
                break;
            }
            out.push(k);
            head[i] += 1;
        }
    }
    out
}

fn place_snapshots<'a>(merged: &[&'a Key], snaps: &'a [Key]) -> Vec<&'a Key> {
    if snaps.is_empty() {
        return merged.to_vec();
    }
    let mut by_seq: HashMap<(i64, i64), usize> = HashMap::new();
    let mut first: HashMap<i64, usize> = HashMap::new();
    for (i, k) in merged.iter().enumerate() {
        if let Some(s) = k.seq {
            by_seq.entry((k.stream, s)).or_insert(i);
        }
        first.entry(k.stream).or_insert(i);
    }
    // For "after the last event with time <= t": times sorted, with the running
    // maximum of positions.
    let mut timed: Vec<(i64, usize)> = merged
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.time.map(|t| (t, i)))
        .collect();
    timed.sort_unstable();
    let mut run_max = Vec::with_capacity(timed.len());
    let mut m = 0usize;
    for (_, i) in &timed {
        m = m.max(*i + 1);
        run_max.push(m);
    }
    // slot s = before merged[s]
    let mut placed: Vec<(usize, &Key)> = snaps
        .iter()
        .map(|k| {
            let slot = if let Some(i) = k.seq.and_then(|s| by_seq.get(&(k.stream, s))) {
                i + 1
            } else if let Some(t) = k.time {
                let n = timed.partition_point(|(tt, _)| *tt <= t);
                if n == 0 {
                    0
                } else {
                    run_max[n - 1]
                }
            } else {
                first.get(&k.stream).copied().unwrap_or(0)
            };
            (slot, k)
        })
        .collect();
    placed.sort_by_key(|(slot, _)| *slot);
    let mut out = Vec::with_capacity(merged.len() + snaps.len());
    let mut p = 0;
    for (i, k) in merged.iter().enumerate() {
        while p < placed.len() && placed[p].0 <= i {
            out.push(placed[p].1);
            p += 1;
        }
        out.push(*k);
    }
    out.extend(placed[p..].iter().map(|(_, k)| *k));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(pos: i64, time: Option<i64>, stream: i64, seq: Option<i64>) -> Key {
        Key {
            pos,
            time,
            stream,
            seq,
            input: 0,
            file: 0,
            ident: None,
        }
    }

    #[test]
    fn time_order_sorts_by_time_then_okey_and_carries_untimed_records() {
        let conn = Connection::open_in_memory().expect("db");
        conn.execute_batch(schema::TABLES).expect("tables");
        // (pos, time, okey): pos 2 has no time and stays with pos 1.
        let rows: [(i64, Option<i64>, Option<Vec<u8>>); 6] = [
            (1, Some(20), Some(vec![2])),
            (2, None, None),
            (3, Some(20), Some(vec![1])),
            (4, Some(10), None),
            (5, Some(10), None),
            (6, Some(20), Some(vec![1])),
        ];
        for (i, (pos, time, okey)) in rows.iter().enumerate() {
            conn.execute(
                "INSERT INTO events(pos, input, idx, stream, id, type, time, kind, data, file, loc, okey, idh) VALUES (?1, 7, ?2, 1, '', 1, ?3, 0, '{}', 1, 0, ?4, 0)",
                params![pos, i as i64, time, okey],
            )
            .expect("insert");
        }
        let order: Vec<i64> = load_keys_by_time(&conn, 7)
            .expect("sort")
            .iter()
            .map(|k| k.pos)
            .collect();
        assert_eq!(order, vec![4, 5, 3, 6, 1, 2]);
    }

    #[test]
    fn merge_is_stable_and_glues_timeless_events() {
        let a = vec![k(1, Some(10), 1, None), k(2, None, 1, None), k(3, Some(30), 1, None)];
        let b = vec![k(4, Some(10), 2, None), k(5, Some(20), 2, None)];
        let lists = [a, b];
        let m: Vec<i64> = merge_by_time(&lists).iter().map(|k| k.pos).collect();
        assert_eq!(m, vec![1, 2, 4, 5, 3]);
    }

    #[test]
    fn snapshots_by_seq_then_time_then_first_event() {
        let ev = [
            k(1, Some(10), 1, Some(1)),
            k(2, Some(20), 2, Some(1)),
            k(3, Some(30), 1, Some(2)),
        ];
        let merged: Vec<&Key> = ev.iter().collect();
        let snaps = [
            k(10, None, 1, Some(1)),
            k(11, Some(25), 9, None),
            k(12, None, 2, None),
            k(13, Some(5), 3, None),
        ];
        let out: Vec<i64> = place_snapshots(&merged, &snaps).iter().map(|k| k.pos).collect();
        assert_eq!(out, vec![13, 1, 10, 12, 2, 11, 3]);
    }
}
