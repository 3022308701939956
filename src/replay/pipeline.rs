//! Reading events with their payloads parsed on a second thread. Parsing JSON and
//! reading rows are half of a replay's work: a helper thread does both, over a
//! connection of its own, while this thread applies.

use std::sync::mpsc::sync_channel;
use std::thread;

use anyhow::{anyhow, Context, Result};
use serde_json::{Map, Value};

use crate::cache::read::RawEvent;
use crate::cache::Cache;
use crate::ingest::mapping::TopLevel;
use crate::model::Kind;
use crate::rules::PathTemplate;

/// An event with its payload parsed (or kept as text, see [`ReadAs::Raw`]).
pub struct Parsed {
    pub pos: u64,
    pub stream: i64,
    pub ty: i64,
    pub kind: Kind,
    /// The payload; `null` when it is not read or kept as `raw`.
    pub data: Value,
    /// The payload as text, for an event its type's plan keeps unparsed.
    pub raw: Option<RawPayload>,
    /// Size of the stored payload text.
    pub bytes: usize,
}

/// The payload of a `replace` event kept as text: where it goes (its rule path
/// with placeholders resolved, or why they cannot be) and the JSON text.
pub struct RawPayload {
    pub path: Result<Vec<String>, String>,
    pub text: String,
}

/// How to read the payload of an event, by its type (images, snapshots and
/// deletes are always parsed).
#[derive(Clone, Copy)]
pub enum ReadAs<'r> {
    Parse,
    /// Never read: the rules ignore the type.
    Skip,
    /// Kept as text, with this rule path resolved: the payload is moved into the
    /// state whole, and most are replaced before anything reads them.
    Raw(&'r PathTemplate),
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

/// Whether an event's data is never read: `plan` says, by type id, how to read
/// events of that type (which applies to events only, not images).
pub(crate) fn unread(plan: &[ReadAs], kind: Kind, ty: i64) -> bool {
    kind == Kind::Event && matches!(plan.get(ty as usize), Some(ReadAs::Skip))
}

fn parse(ev: &RawEvent<'_>) -> Result<Value> {
    serde_json::from_str(ev.data).with_context(|| format!("event {}: stored data is not JSON", ev.pos))
}

/// An event's payload read as its type's plan says.
pub(crate) fn parsed(ev: RawEvent<'_>, plan: &[ReadAs]) -> Result<Parsed> {
    let how = match ev.kind {
        Kind::Event => plan.get(ev.ty as usize).copied().unwrap_or(ReadAs::Parse),
        _ => ReadAs::Parse,
    };
    let (data, raw) = match how {
        ReadAs::Skip => (Value::Null, None),
        ReadAs::Parse => (parse(&ev)?, None),
        ReadAs::Raw(path) => match resolve_raw(path, ev.data) {
            Some(path) => (
                Value::Null,
                Some(RawPayload {
                    path,
                    text: ev.data.to_string(),
                }),
            ),
            // Not an object, or a placeholder field that needs a parse: as usual.
            None => (parse(&ev)?, None),
        },
    };
    Ok(Parsed {
        data,
        raw,
        bytes: ev.data.len(),
        pos: ev.pos,
        stream: ev.stream,
        ty: ev.ty,
        kind: ev.kind,
    })
}

/// `path` resolved against the payload's top-level fields without building its
/// tree; `None` when that is not possible (the payload is not a JSON object).
pub(crate) fn resolve_raw(path: &PathTemplate, text: &str) -> Option<Result<Vec<String>, String>> {
    let fields: Vec<&str> = path.fields().collect();
    if fields.is_empty() {
        return Some(path.resolve(&Value::Null));
    }
    let top = TopLevel::parse(text.as_bytes()).ok()?;
    let mut picked = Map::new();
    for name in fields {
        // The last of duplicate keys wins, as in a parsed tree.
        if let Some((_, raw)) = top.0.iter().rev().find(|(k, _)| k == name) {
            picked.insert(name.to_string(), serde_json::from_str(raw.get()).ok()?);
        }
    }
    Some(path.resolve(&Value::Object(picked)))
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
    plan: &[ReadAs],
    f: &mut dyn FnMut(Parsed) -> Result<()>,
) -> Result<()> {
    // One stream's events between checkpoints are few: not worth a thread.
    let reader = match stream {
        None if to.saturating_sub(from) > INLINE => Some(cache.reader()?),
        _ => None,
    };
    let Some(reader) = reader else {
        return cache.scan(from, to, stream, &mut |ev| f(parsed(ev, plan)?));
    };
    thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Result<Vec<Parsed>>>(4);
        let worker = thread::Builder::new()
            .name("replay-read".into())
            .spawn_scoped(scope, move || {
                let mut batch = Vec::with_capacity(BATCH);
                let done = read_snapshot(&reader, generation).and_then(|()| {
                    reader.scan(from, to, None, &mut |ev| {
                        batch.push(parsed(ev, plan)?);
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
