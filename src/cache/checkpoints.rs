//! Storage of derived data: checkpoints (stream states at positions, LZ4 JSON),
//! failed events and snapshot drift. All of it depends on the events and the
//! rules, and is thrown away when either changes.

use anyhow::{bail, Context, Result};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde_json::Value;

use super::{wait_for_write, Cache, StaleCatalog, PAGE_CACHE};

/// Identifies what checkpoints were built from, and their blob format (a cache
/// whose checkpoints have another stamp rebuilds them).
pub fn stamp(generation: &str, rules_hash: u64) -> String {
    format!("{generation}:{rules_hash:016x}:lz4:stream")
}

impl Cache {
    pub fn generation(&self) -> Result<String> {
        Ok(self.info("generation")?.unwrap_or_else(|| "0".into()))
    }

    pub fn checkpoints_stamp(&self) -> Result<Option<String>> {
        self.info("checkpoints")
    }

    /// Stream `stream`'s newest checkpoint at or before `pos`: its position and
    /// compressed state (`None`: no state then), or position 0 and `None` if it has
    /// none (the stream's history starts empty). Decoding is left to the caller.
    pub fn checkpoint_of(&self, stream: i64, pos: u64) -> Result<(u64, Option<Vec<u8>>)> {
        let row: Option<(i64, Option<Vec<u8>>)> = self
            .conn
            .prepare_cached(
                "SELECT pos, state FROM cp_states WHERE stream = ?1 AND pos <= ?2 ORDER BY pos DESC LIMIT 1",
            )?
            .query_row(params![stream, pos as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.map_or((0, None), |(p, blob)| (p as u64, blob)))
    }

    /// How many stream states the checkpoints hold.
    pub fn checkpoint_rows(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM cp_states", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    pub fn failure(&self, pos: u64) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT error FROM failures WHERE pos = ?1")?
            .query_row(params![pos as i64], |r| r.get(0))
            .optional()?)
    }

    pub fn failures(&self) -> Result<Vec<(u64, String)>> {
        let mut st = self.conn.prepare("SELECT pos, error FROM failures ORDER BY pos")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// `(pos, stream id, differing paths)` per drifted snapshot.
    pub fn drift(&self) -> Result<Vec<(u64, i64, Vec<String>)>> {
        let mut st = self.conn.prepare("SELECT pos, stream, paths FROM drift ORDER BY pos")?;
        let rows = st.query_map([], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get::<_, String>(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (pos, stream, paths) = row?;
            out.push((pos, stream, serde_json::from_str(&paths).unwrap_or_default()));
        }
        Ok(out)
    }
}

/// A state's JSON text as a checkpoint blob: an LZ4 block behind the JSON's size
/// (4 bytes, little-endian). LZ4 rather than zstd: a replay compresses every
/// changed state at each checkpoint and a world load decompresses a thousand of
/// them; on the bench recording's states LZ4 compressed 2.6x and decompressed 5x
/// faster than zstd level 1, for blobs a third larger.
pub fn encode_state(json: &[u8]) -> Result<Vec<u8>> {
    if json.len() > MAX_STATE {
        bail!("a state of {} bytes is too large for a checkpoint", json.len());
    }
    Ok(lz4_flex::compress_prepend_size(json))
}

/// The largest state a checkpoint holds (and the most a blob may claim to hold).
const MAX_STATE: usize = 1 << 30;

/// Writes one build of derived data inside a write transaction; dropped
/// without [`CheckpointWriter::finish`], the build is rolled back.
pub struct CheckpointWriter<'c> {
    cache: &'c Cache,
    tx: Transaction<'c>,
}

impl Cache {
    /// Start a build of derived data over the events at `generation`: fails with
    /// [`StaleCatalog`] if another import landed since, and clears the last build.
    /// Where checkpoints current for this generation end, when events were
    /// appended after them (`None`: they cover every event).
    pub fn checkpoints_to(&self) -> Result<Option<u64>> {
        Ok(self.info("checkpoints_to")?.and_then(|v| v.parse().ok()))
    }

    /// Start writing checkpoints for the events after `from` (0: all of them,
    /// replacing every stored one).
    pub fn begin_checkpoints_from(&self, generation: &str, from: u64) -> Result<CheckpointWriter<'_>> {
        if from == 0 {
            return self.begin_checkpoints(generation);
        }
        let tx = wait_for_write(&self.path, || {
            Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
        })?;
        if self.generation()? != generation || self.checkpoints_to()? != Some(from) {
            return Err(StaleCatalog.into());
        }
        for table in ["cp_states", "failures", "drift"] {
            tx.execute(&format!("DELETE FROM {table} WHERE pos > ?1"), params![from as i64])?;
        }
        Ok(CheckpointWriter { cache: self, tx })
    }

    pub fn begin_checkpoints(&self, generation: &str) -> Result<CheckpointWriter<'_>> {
        // Take the write lock before reading anything: a deferred transaction that
        // read first could not upgrade once another process had written.
        let tx = wait_for_write(&self.path, || {
            Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
        })?;
        if self.generation()? != generation {
            return Err(StaleCatalog.into());
        }
        // Checkpoints are written all over the (stream, pos) index: a page cache that
        // holds them saves spilling pages mid-transaction and reading them back.
        tx.execute_batch("PRAGMA cache_size = -131072;")?;
        tx.execute_batch("DELETE FROM cp_states; DELETE FROM failures; DELETE FROM drift;")?;
        Ok(CheckpointWriter { cache: self, tx })
    }
}

impl CheckpointWriter<'_> {
    /// Store a stream's encoded state at checkpoint `pos` (`None`: no state).
    pub fn stream_state(&self, pos: u64, stream: i64, blob: Option<&[u8]>) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO cp_states(stream, pos, state) VALUES (?1, ?2, ?3)")?
            .execute(params![stream, pos as i64, blob])?;
        Ok(())
    }

    pub fn failure(&self, pos: u64, error: &str) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO failures(pos, error) VALUES (?1, ?2)")?
            .execute(params![pos as i64, error])?;
        Ok(())
    }

    pub fn drift(&self, pos: u64, stream: i64, paths: &[String]) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO drift(pos, stream, paths) VALUES (?1, ?2, ?3)")?
            .execute(params![pos as i64, stream, serde_json::to_string(paths)?])?;
        Ok(())
    }

    /// Stamp the build with what it was made from and commit it.
    pub fn finish(self, stamp: &str) -> Result<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO info(key, value) VALUES ('checkpoints', ?1)",
            params![stamp],
        )?;
        self.tx.execute("DELETE FROM info WHERE key = 'checkpoints_to'", [])?;
        self.tx.commit()?;
        self.cache.conn.execute_batch(PAGE_CACHE)?;
        Ok(())
    }
}

/// A checkpoint blob back to the state it holds.
pub fn decode_state(blob: &[u8]) -> Result<Value> {
    let (size, _) = lz4_flex::block::uncompressed_size(blob).context("checkpoint blob is truncated")?;
    if size > MAX_STATE {
        bail!("checkpoint blob is corrupt: it claims {size} bytes");
    }
    let json = lz4_flex::decompress_size_prepended(blob).context("checkpoint blob is corrupt")?;
    // One UTF-8 check of the whole text, then a parse that checks no string again:
    // cheaper than `from_slice` checking each string on its own.
    let text = std::str::from_utf8(&json).context("checkpoint blob is not UTF-8")?;
    serde_json::from_str(text).context("checkpoint blob is not JSON")
}

#[cfg(test)]
mod blob_tests {
    use super::*;

    #[test]
    fn blobs_round_trip_and_corrupt_ones_are_errors() {
        let state = serde_json::json!({"last_message": {"content": "配送 🚚", "tokens": 12}, "n": 1.50});
        let blob = encode_state(state.to_string().as_bytes()).expect("compress");
        assert_eq!(decode_state(&blob).expect("decode"), state);
        // A size claim past the cap, a truncated blob, a cut body, garbage: errors, no panic.
        let mut lying = blob.clone();
        lying[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        for bad in [
            &lying[..],
            &blob[..2],
            &blob[..blob.len() - 3],
            b"\x05\x00\x00\x00\xff\xff",
        ] {
            assert!(decode_state(bad).is_err(), "{bad:?}");
        }
    }
}
