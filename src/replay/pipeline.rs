//! Reading events with their payloads parsed on a second thread. Parsing JSON and
//! reading rows are half of a replay's work: a helper thread does both, over a
//! connection of its own, while this thread applies.

use std::sync::mpsc::sync_channel;
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

const BATCH: usize = 256;

/// Open a read transaction on `reader` and check it sees the caller's generation;
/// the snapshot then holds until the connection is dropped.
fn read_snapshot(reader: &Cache, generation: &str) -> Result<()> {
    reader.conn.execute_batch("BEGIN DEFERRED")?;
    if reader.generation()? != generation {
        return Err(crate::cache::StaleCatalog.into());
    }
    Ok(())
}
/// Below this many positions a thread costs more than it saves.
const INLINE: u64 = 1024;

/// Whether an event's data is never read: `ignored` says, by type id, whether the
/// rules ignore events of that type (which applies to events only, not images).
pub(crate) fn unread(ignored: &[bool], kind: Kind, ty: i64) -> bool {
    kind == Kind::Event && ignored.get(ty as usize).copied().unwrap_or(false)
}

/// The data of an event that is never read is not parsed (it stays `null`).
fn parsed(ev: RawEvent<'_>, ignored: &[bool]) -> Result<Parsed> {
    Ok(Parsed {
        data: if unread(ignored, ev.kind, ev.ty) {
            Value::Null
        } else {
            serde_json::from_str(ev.data).with_context(|| format!("event {}: stored data is not JSON", ev.pos))?
        },
        bytes: ev.data.len(),
        pos: ev.pos,
        stream: ev.stream,
        ty: ev.ty,
        kind: ev.kind,
    })
}

/// Visit the events with `from < pos <= to` (of one stream, or all) in position
/// order, parsed; stops at the first error, `f`'s or a read or parse failure.
/// `generation` is the import generation the caller's positions belong to: the
/// helper's connection reads in its own snapshot, and fails with
/// [`crate::cache::StaleCatalog`] if another process imported in between.
pub fn scan_parsed(
    cache: &Cache,
    generation: &str,
    from: u64,
    to: u64,
    stream: Option<i64>,
    ignored: &[bool],
    f: &mut dyn FnMut(Parsed) -> Result<()>,
) -> Result<()> {
    // One stream's events between checkpoints are few: not worth a thread.
    let reader = match stream {
        None if to.saturating_sub(from) > INLINE => Some(cache.reader()?),
        _ => None,
    };
    let Some(reader) = reader else {
        return cache.scan(from, to, stream, &mut |ev| f(parsed(ev, ignored)?));
    };
    thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Result<Vec<Parsed>>>(4);
        let worker = thread::Builder::new()
            .name("replay-read".into())
            .spawn_scoped(scope, move || {
                let mut batch = Vec::with_capacity(BATCH);
                let done = read_snapshot(&reader, generation).and_then(|()| {
                    reader.scan(from, to, None, &mut |ev| {
                        batch.push(parsed(ev, ignored)?);
                        if batch.len() == BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            // The receiver is gone only when the applier stopped early.
                            tx.send(Ok(full)).map_err(|_| anyhow!("stopped"))?;
                        }
                        Ok(())
                    })
                });
                let last = done.map(|()| batch);
                let _ = tx.send(last);
            })?;
        let mut result = Ok(());
        for batch in rx.iter() {
            match batch {
                Ok(events) => {
                    if let Err(e) = events.into_iter().try_for_each(&mut *f) {
                        result = Err(e);
                        break;
                    }
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // Dropping the receiver unblocks the reader if it is waiting to send.
        drop(rx);
        worker
            .join()
            .map_err(|_| anyhow!("replay: the reader thread panicked"))?;
        result
    })
}
