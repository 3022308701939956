//! Reading events with their payloads parsed on a second thread. Parsing JSON is
//! the largest cost of a replay, and an SQLite connection cannot leave its thread,
//! so this thread reads rows and applies while a helper parses the next batch.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread;

use anyhow::{anyhow, Context, Result};
use serde_json::Value;

use crate::cache::read::RawEvent;
use crate::cache::Cache;
use crate::model::Kind;

/// An event with its payload parsed.
pub struct Parsed {
    pub pos: u64,
    pub stream: i64,
    pub ty: i64,
    pub kind: Kind,
    pub data: Value,
    /// Size of the stored payload text.
    pub bytes: usize,
}

struct Raw {
    pos: u64,
    stream: i64,
    ty: i64,
    kind: Kind,
    data: String,
}

const BATCH: usize = 256;
/// Below this many positions a thread costs more than it saves.
const INLINE: u64 = 1024;

fn parse(pos: u64, data: &str) -> Result<Value> {
    serde_json::from_str(data).with_context(|| format!("event {pos}: stored data is not JSON"))
}

/// Visit the events with `from < pos <= to` (of one stream, or all) in position
/// order, parsed; stops at the first error, `f`'s or a parse failure.
pub fn scan_parsed(
    cache: &Cache,
    from: u64,
    to: u64,
    stream: Option<i64>,
    f: &mut dyn FnMut(Parsed) -> Result<()>,
) -> Result<()> {
    // One stream's events between checkpoints are few: not worth a thread.
    if stream.is_some() || to.saturating_sub(from) <= INLINE {
        return cache.scan(from, to, stream, &mut |ev: RawEvent<'_>| {
            f(Parsed {
                pos: ev.pos,
                stream: ev.stream,
                ty: ev.ty,
                kind: ev.kind,
                data: parse(ev.pos, ev.data)?,
                bytes: ev.data.len(),
            })
        });
    }
    thread::scope(|scope| {
        let (raw_tx, raw_rx) = sync_channel::<Vec<Raw>>(2);
        let (out_tx, out_rx) = sync_channel::<Result<Vec<Parsed>>>(2);
        let parser = scope.spawn(move || {
            for batch in raw_rx {
                let parsed: Result<Vec<Parsed>> = batch
                    .into_iter()
                    .map(|r| {
                        Ok(Parsed {
                            data: parse(r.pos, &r.data)?,
                            bytes: r.data.len(),
                            pos: r.pos,
                            stream: r.stream,
                            ty: r.ty,
                            kind: r.kind,
                        })
                    })
                    .collect();
                let failed = parsed.is_err();
                if out_tx.send(parsed).is_err() || failed {
                    break;
                }
            }
        });
        let result = drive(cache, from, to, &raw_tx, &out_rx, f);
        // Either side may be blocked on the other: dropping both ends frees it.
        drop(raw_tx);
        drop(out_rx);
        parser
            .join()
            .map_err(|_| anyhow!("replay: the parser thread panicked"))?;
        result
    })
}

fn drive(
    cache: &Cache,
    from: u64,
    to: u64,
    raw_tx: &SyncSender<Vec<Raw>>,
    out_rx: &Receiver<Result<Vec<Parsed>>>,
    f: &mut dyn FnMut(Parsed) -> Result<()>,
) -> Result<()> {
    // At most two batches are in flight, so neither channel (capacity 2) blocks
    // a sender that the other side is waiting on.
    let mut in_flight = 0usize;
    let mut batch = Vec::with_capacity(BATCH);
    let apply_one = |f: &mut dyn FnMut(Parsed) -> Result<()>| -> Result<()> {
        let parsed = out_rx
            .recv()
            .map_err(|_| anyhow!("replay: the parser thread stopped"))??;
        for p in parsed {
            f(p)?;
        }
        Ok(())
    };
    cache.scan(from, to, None, &mut |ev| {
        batch.push(Raw {
            pos: ev.pos,
            stream: ev.stream,
            ty: ev.ty,
            kind: ev.kind,
            data: ev.data.to_owned(),
        });
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            raw_tx
                .send(full)
                .map_err(|_| anyhow!("replay: the parser thread stopped"))?;
            in_flight += 1;
            if in_flight >= 2 {
                apply_one(f)?;
                in_flight -= 1;
            }
        }
        Ok(())
    })?;
    if !batch.is_empty() {
        raw_tx
            .send(batch)
            .map_err(|_| anyhow!("replay: the parser thread stopped"))?;
        in_flight += 1;
    }
    while in_flight > 0 {
        apply_one(f)?;
        in_flight -= 1;
    }
    Ok(())
}
