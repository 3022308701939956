//! Storage of derived data: checkpoints (per-stream state blobs, LZ4 JSON),
//! failed events and snapshot drift. All of it depends on the events and the
//! rules, and is thrown away when either changes.

use anyhow::{bail, Context, Result};
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::Value;

use super::Cache;

/// Identifies what checkpoints were built from, and their blob format (a cache
/// whose checkpoints have another stamp rebuilds them).
pub fn stamp(generation: &str, rules_hash: u64) -> String {
    format!("{generation}:{rules_hash:016x}:lz4")
}

impl Cache {
    pub fn generation(&self) -> Result<String> {
        Ok(self.info("generation")?.unwrap_or_else(|| "0".into()))
    }

    pub fn checkpoints_stamp(&self) -> Result<Option<String>> {
        self.info("checkpoints")
    }

    /// The newest checkpoint at or before `pos` (0 = the empty world).
    pub fn checkpoint_before(&self, pos: u64) -> Result<u64> {
        let p: Option<i64> = self.conn.query_row(
            "SELECT max(pos) FROM checkpoints WHERE pos <= ?1",
            params![pos as i64],
            |r| r.get(0),
        )?;
        Ok(p.unwrap_or(0) as u64)
    }

    /// A stream's state as of checkpoint `cp`: `None` if it had none.
    pub fn checkpoint_stream(&self, stream: i64, cp: u64) -> Result<Option<Value>> {
        if cp == 0 {
            return Ok(None);
        }
        let blob: Option<Option<Vec<u8>>> = self
            .conn
            .prepare_cached("SELECT state FROM cp_states WHERE stream = ?1 AND pos <= ?2 ORDER BY pos DESC LIMIT 1")?
            .query_row(params![stream, cp as i64], |r| r.get(0))
            .optional()?;
        match blob.flatten() {
            None => Ok(None),
            Some(b) => Ok(Some(decode_state(&b)?)),
        }
    }

    /// The compressed state of every stream that has one at checkpoint `cp`, as
    /// `(stream id, blob)`: one index probe per stream, decoding left to the caller
    /// (it can spread that over threads; the connection cannot be shared).
    /// `keep` picks the streams wanted.
    pub fn checkpoint_blobs(&self, cp: u64, streams: usize, keep: &dyn Fn(i64) -> bool) -> Result<Vec<(i64, Vec<u8>)>> {
        let mut out = Vec::with_capacity(streams);
        if cp == 0 {
            return Ok(out);
        }
        let mut st = self
            .conn
            .prepare_cached("SELECT state FROM cp_states WHERE stream = ?1 AND pos <= ?2 ORDER BY pos DESC LIMIT 1")?;
        for sid in (1..streams as i64).filter(|&sid| keep(sid)) {
            let blob: Option<Option<Vec<u8>>> = st.query_row(params![sid, cp as i64], |r| r.get(0)).optional()?;
            if let Some(Some(b)) = blob {
                out.push((sid, b));
            }
        }
        Ok(out)
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

/// Writes one build of derived data inside a transaction.
pub struct CheckpointWriter<'t> {
    tx: &'t Transaction<'t>,
}

impl<'t> CheckpointWriter<'t> {
    pub fn new(tx: &'t Transaction<'t>) -> Result<Self> {
        tx.execute_batch("DELETE FROM checkpoints; DELETE FROM cp_states; DELETE FROM failures; DELETE FROM drift;")?;
        Ok(CheckpointWriter { tx })
    }

    pub fn checkpoint(&self, pos: u64) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO checkpoints(pos) VALUES (?1)")?
            .execute(params![pos as i64])?;
        Ok(())
    }

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

    pub fn finish(self, stamp: &str) -> Result<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO info(key, value) VALUES ('checkpoints', ?1)",
            params![stamp],
        )?;
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
    serde_json::from_slice(&json).context("checkpoint blob is not JSON")
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
