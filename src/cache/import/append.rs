//! Appending to an input that grew: its new records go after the last position,
//! in the order read, in one transaction with how far the input has been read,
//! so a crash leaves the cache either before or after the whole append.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::*;
use crate::ingest::tail::Resume;

/// How far an input read as it grows has been read (`info` key `tail:<input>`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TailState {
    pub resume: Resume,
    /// The input's next record index (`events.idx`).
    pub next_idx: i64,
    /// The fingerprint of the file's first `resume.offset` bytes: the file only
    /// grew since when it still has them.
    pub prefix: String,
    /// A followed folder: the files read (relative path → size then).
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, u64>,
    /// A followed EventStoreDB database: where its reading stopped.
    #[serde(default)]
    pub db: Option<crate::ingest::eventstore::db::DbResume>,
}

fn tail_key(input: i64) -> String {
    format!("tail:{input}")
}

fn read_tail(conn: &rusqlite::Connection, input: i64) -> Result<Option<TailState>> {
    let text: Option<String> = conn
        .query_row("SELECT value FROM info WHERE key = ?1", params![tail_key(input)], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// What one append added to an input.
#[derive(Debug, Clone, Default)]
pub struct Appended {
    pub outcome: Outcome,
    /// Positions of the new events: `first..=last`, empty when `last < first`.
    pub first: u64,
    pub last: u64,
}

impl Cache {
    pub fn tail_state(&self, input: i64) -> Result<Option<TailState>> {
        read_tail(&self.conn, input)
    }
}

impl Importer<'_> {
    pub fn tail_state(&self, input: i64) -> Result<Option<TailState>> {
        read_tail(&self.tx, input)
    }

    pub fn set_tail_state(&self, input: i64, tail: &TailState) -> Result<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO info(key, value) VALUES (?1, ?2)",
            params![tail_key(input), serde_json::to_string(tail)?],
        )?;
        Ok(())
    }

    /// The id of the stored input at canonical path `path`.
    pub fn input_id(&self, path: &str) -> Result<i64> {
        Ok(self
            .tx
            .query_row("SELECT id FROM inputs WHERE path = ?1", params![path], |r| r.get(0))?)
    }

    /// Store `source`'s records after the last position as more of input
    /// `input`, whose key becomes `key`. The records keep the order read: an
    /// append is the input's arrival order, not a merge.
    pub fn append(
        &mut self,
        input: i64,
        key: &InputKey,
        display: &str,
        mut source: Box<dyn Source>,
        strict: bool,
    ) -> Result<Appended> {
        self.changed = true;
        self.appends += 1;
        let base: i64 = self
            .tx
            .query_row("SELECT coalesce(max(pos), 0) FROM events", [], |r| r.get(0))?;
        let idx0 = self.tail_state(input)?.map_or(0, |t| t.next_idx);
        let file_id: i64 = self.tx.query_row(
            "SELECT coalesce(min(id), 0) FROM files WHERE input = ?1",
            params![input],
            |r| r.get(0),
        )?;
        let streams_before = self.streams.len();
        let (send, recv) = sync_channel::<Result<Vec<Item>>>(1);
        // Appends are small: decoded here, then stored, with no second thread.
        let mut batch = Vec::new();
        while let Some(item) = source.next_item()? {
            batch.push(refuse_too_deep(item, display));
        }
        if !batch.is_empty() {
            send.send(Ok(batch)).ok();
        }
        drop(send);
        let mut outcome = Outcome::default();
        let mut tally = Tally::new(display);
        let bytes = source.bytes_read();
        self.insert_batches(
            &recv,
            input,
            file_id,
            (base, idx0),
            false,
            strict,
            &mut outcome,
            &mut tally,
            &bytes,
            &mut |_| {},
        )?;
        self.new_streams += self.streams.len() - streams_before;
        ledger::add_tally(&self.tx, input, &tally)?;
        let added = (outcome.events + outcome.snapshots) as i64;
        self.tx.execute(
            "UPDATE inputs SET size = ?1, mtime_ns = ?2, fingerprint = ?3, events = events + ?4, snapshots = snapshots + ?5, skipped = skipped + ?6, end_pos = CASE WHEN ?7 > 0 THEN ?8 ELSE end_pos END WHERE id = ?9",
            params![
                key.size,
                key.mtime_ns,
                key.fingerprint,
                outcome.events as i64,
                outcome.snapshots as i64,
                outcome.skipped as i64,
                added,
                base + added,
                input
            ],
        )?;
        if !outcome.skipped_sample.is_empty() {
            let sample: String =
                self.tx
                    .query_row("SELECT skipped_sample FROM inputs WHERE id = ?1", params![input], |r| {
                        r.get(0)
                    })?;
            let mut kept: Vec<String> = serde_json::from_str(&sample).unwrap_or_default();
            kept.extend(outcome.skipped_sample.iter().cloned());
            kept.truncate(SAMPLE);
            self.tx.execute(
                "UPDATE inputs SET skipped_sample = ?1 WHERE id = ?2",
                params![serde_json::to_string(&kept)?, input],
            )?;
        }
        outcome.format = source.format_name();
        Ok(Appended {
            outcome,
            first: base as u64 + 1,
            last: (base + added) as u64,
        })
    }

    /// Commit appends only: positions, indexes and checkpoints stay valid, since
    /// every new event comes after every stored one. Checkpoints that were
    /// current stay current up to where they were built (`checkpoints_to`); the
    /// next replay extends them.
    pub(in crate::cache) fn finish_appends(self) -> Result<()> {
        let old_generation: String = self
            .tx
            .query_row("SELECT value FROM info WHERE key = 'generation'", [], |r| r.get(0))
            .optional()?
            .unwrap_or_else(|| "0".into());
        let end: i64 = self
            .tx
            .query_row("SELECT coalesce(max(pos), 0) FROM events", [], |r| r.get(0))?;
        let (min, max, _, sorted) = self.times;
        let old = |k: &str| -> Result<Option<i64>> {
            Ok(self
                .tx
                .query_row("SELECT value FROM info WHERE key = ?1", params![k], |r| {
                    r.get::<_, String>(0)
                })
                .optional()?
                .and_then(|v| v.parse().ok()))
        };
        let (old_min, old_max, old_sorted) = (old("time_min")?, old("time_max")?, old("time_sorted")?);
        let sorted = sorted
            && old_sorted != Some(0)
            && match (old_max, min) {
                (Some(a), Some(b)) => a <= b,
                _ => true,
            };
        let pick = |a: Option<i64>, b: Option<i64>, f: fn(i64, i64) -> i64| match (a, b) {
            (Some(a), Some(b)) => Some(f(a, b)),
            (a, b) => a.or(b),
        };
        Cache::put_time_stats(
            &self.tx,
            pick(old_min, min, i64::min),
            pick(old_max, max, i64::max),
            sorted,
        )?;
        if self.new_streams > 0 {
            let streams = old("stream_count")?.unwrap_or(0) + self.new_streams as i64;
            self.tx.execute(
                "INSERT OR REPLACE INTO info(key, value) VALUES ('stream_count', ?1)",
                params![streams.to_string()],
            )?;
        }
        let snapshots: i64 = self
            .tx
            .query_row("SELECT coalesce(sum(snapshots), 0) FROM inputs", [], |r| r.get(0))?;
        self.tx.execute(
            "INSERT OR REPLACE INTO info(key, value) VALUES ('snapshot_count', ?1)",
            params![snapshots.to_string()],
        )?;
        let new_generation = (old_generation.parse::<i64>().unwrap_or(0) + 1).to_string();
        let stamp: Option<String> = self
            .tx
            .query_row("SELECT value FROM info WHERE key = 'checkpoints'", [], |r| r.get(0))
            .optional()?;
        if let Some(rest) = stamp
            .as_deref()
            .and_then(|s| s.strip_prefix(&format!("{old_generation}:")))
        {
            // Still valid for every stored position: carry it to the new generation.
            let built_to: Option<i64> = old("checkpoints_to")?;
            let built_to = built_to.unwrap_or(self.end_before);
            self.tx.execute(
                "INSERT OR REPLACE INTO info(key, value) VALUES ('checkpoints', ?1)",
                params![format!("{new_generation}:{rest}")],
            )?;
            self.tx.execute(
                "INSERT OR REPLACE INTO info(key, value) VALUES ('checkpoints_to', ?1)",
                params![built_to.min(end).to_string()],
            )?;
        }
        self.tx.execute(
            "UPDATE info SET value = ?1 WHERE key = 'generation'",
            params![new_generation],
        )?;
        self.tx.commit()?;
        Ok(())
    }
}
