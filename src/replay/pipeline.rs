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
    pub payload: Payload,
    /// Size of the stored payload text.
    pub bytes: usize,
}

/// An event's payload as its type's [`ReadAs`] plan reads it.
pub enum Payload {
    /// Parsed (`null` when never read).
    Tree(Value),
    /// Kept as text.
    Text(RawPayload),
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
    reader.begin_read()?;
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

/// An event's stored data parsed.
pub(crate) fn parse(ev: &RawEvent<'_>) -> Result<Value> {
    serde_json::from_str(ev.data).with_context(|| format!("event {}: stored data is not JSON", ev.pos))
}

/// An event's payload read as its type's plan says.
pub(crate) fn parsed(ev: RawEvent<'_>, plan: &[ReadAs]) -> Result<Parsed> {
    let how = match ev.kind {
        Kind::Event => plan.get(ev.ty as usize).copied().unwrap_or(ReadAs::Parse),
        _ => ReadAs::Parse,
    };
    let payload = match how {
        ReadAs::Skip => Payload::Tree(Value::Null),
        ReadAs::Parse => Payload::Tree(parse(&ev)?),
        ReadAs::Raw(path) => match resolve_raw(path, ev.data) {
            Some(path) => Payload::Text(RawPayload {
                path,
                text: ev.data.to_string(),
            }),
            // Not a JSON object: its placeholders resolve (and fail) as usual.
            None => Payload::Tree(parse(&ev)?),
        },
    };
    Ok(Parsed {
        payload,
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

/// Visit the events with `from < pos <= to` in position order, parsed; stops at the first error, `f`'s or a read or parse failure.
/// `generation` is the import generation the caller's positions belong to: the
/// helper's connection reads in its own snapshot, and fails with
/// [`crate::cache::StaleCatalog`] if another process imported in between.
pub fn scan_parsed(
    cache: &Cache,
    generation: &str,
    from: u64,
    to: u64,
    plan: &[ReadAs],
    f: &mut dyn FnMut(Parsed) -> Result<()>,
) -> Result<()> {
    if to.saturating_sub(from) <= INLINE {
        return cache.scan(from, to, None, &mut |ev| f(parsed(ev, plan)?));
    }
    let reader = cache.reader()?;
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
