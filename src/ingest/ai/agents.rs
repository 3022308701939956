//! The OpenAI Agents SDK's `SQLiteSession` database (docs/formats.md §9): each
//! row of `agent_messages` is an item appended to its session's stream; the
//! built-in rule appends it to `/items`, so a session's state is what
//! `session.get_items()` returns (rows removed by `pop_item` are gone from the
//! table, so from the state too).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use super::{blob, store};
use crate::ingest::framing::MAX_RECORD;
use crate::ingest::{BadRecord, Item, Source};
use crate::model::Record;

/// Rows read per query: the read keeps its place by `id`.
const BATCH: i64 = 256;

pub const MESSAGE_COLUMNS: &[&str] = &["id", "session_id", "message_data", "created_at"];

/// Every item goes to the end of its session's `items`.
pub const RULES: &str = r#"{"rules": [{"type": "*", "op": "append", "path": "/items"}]}"#;

pub fn is_store(conn: &Connection) -> bool {
    store::has_table(conn, "agent_messages", MESSAGE_COLUMNS)
}

pub struct AgentsSqlite {
    conn: Connection,
    file: String,
    after: i64,
    done: bool,
    queue: std::collections::VecDeque<Item>,
    count: Arc<AtomicU64>,
}

impl AgentsSqlite {
    pub fn open(path: &Path) -> Result<AgentsSqlite> {
        let conn = store::open_read_only(path)?;
        if !is_store(&conn) {
            bail!(
                "{}: not an OpenAI Agents SDK session database (table agent_messages with its columns)",
                path.display()
            );
        }
        // One read transaction: the sessions as of the first read.
        conn.execute_batch("BEGIN DEFERRED")
            .with_context(|| format!("{}: begin read", path.display()))?;
        Ok(AgentsSqlite {
            conn,
            file: path.display().to_string(),
            after: i64::MIN,
            done: false,
            queue: Default::default(),
            count: Arc::new(AtomicU64::new(0)),
        })
    }

    fn read_batch(&mut self) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, session_id, length(message_data),
                    CASE WHEN length(message_data) <= ?2 THEN message_data END, created_at
             FROM agent_messages WHERE id > ?1 ORDER BY id LIMIT ?3",
        )?;
        let rows: Vec<Row> = stmt
            .query_map(params![self.after, MAX_RECORD as i64, BATCH], |r| {
                Ok(Row {
                    id: r.get(0)?,
                    session: match r.get_ref(1)? {
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                        other => format!("{:?}", other.data_type()),
                    },
                    size: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
                    data: blob::column_bytes(r.get_ref(3)?),
                    created: r.get::<_, Option<String>>(4).ok().flatten(),
                })
            })?
            .collect::<rusqlite::Result<_>>()
            .with_context(|| format!("{}: read agent_messages", self.file))?;
        drop(stmt);
        if rows.len() < BATCH as usize {
            self.done = true;
        }
        for row in rows {
            self.after = row.id;
            self.count.fetch_add(row.size.max(0) as u64, Ordering::Relaxed);
            let item = self.record(row);
            self.queue.push_back(item);
        }
        Ok(())
    }

    fn record(&self, row: Row) -> Item {
        let loc = row.id.max(0) as u64;
        let bad = |reason: String| {
            Item::Bad(BadRecord {
                file: self.file.clone(),
                loc,
                offset: false,
                reason: format!("agent_messages row {} (session {}): {reason}", row.id, row.session),
            })
        };
        let Some(bytes) = row.data.as_deref() else {
            return bad(if row.size as u64 > MAX_RECORD as u64 {
                format!(
                    "message_data of {} bytes, over the {} MiB limit",
                    row.size,
                    MAX_RECORD >> 20
                )
            } else {
                "message_data is NULL".into()
            });
        };
        // get_items() leaves out a row whose JSON does not parse; so does the state.
        let (item, ty) = match item(bytes) {
            Ok(v) => v,
            Err(e) => return bad(format!("message_data: {e} (get_items() skips it too)")),
        };
        let time = row.created.as_deref().and_then(sqlite_time);
        Item::Record(Record {
            stream: row.session.clone(),
            seq: None,
            id: Some(row.id.to_string()),
            ty,
            time,
            data: item.to_string(),
            meta: Some(json!({ "message_id": row.id, "created_at": row.created }).to_string()),
            loc,
            ..Record::default()
        })
    }
}

/// One row's `message_data`: the item and its event type.
pub fn item(bytes: &[u8]) -> Result<(Value, String), String> {
    let item = parse_item(bytes)?;
    let ty = item_type(&item);
    Ok((item, ty))
}

/// One item's JSON, refused past the nesting limit of every input.
fn parse_item(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
    if let Some(why) = crate::json::depth::too_deep("the item", text) {
        return Err(why);
    }
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// An item's kind: its `type` (`function_call`, `reasoning`, …), else
/// `message` with its role (the SDK's easy input messages have no `type`).
fn item_type(item: &Value) -> String {
    let role = item.get("role").and_then(Value::as_str);
    match (item.get("type").and_then(Value::as_str), role) {
        (Some("message") | None, Some(role)) => format!("message.{role}"),
        (Some(t), _) => t.to_string(),
        (None, None) => "item".into(),
    }
}

/// SQLite's `CURRENT_TIMESTAMP` (`YYYY-MM-DD HH:MM:SS`, UTC), or RFC 3339.
fn sqlite_time(s: &str) -> Option<i64> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc().timestamp_micros())
        .or_else(|| crate::time::parse_rfc3339(s))
}

struct Row {
    id: i64,
    session: String,
    size: i64,
    data: Option<Vec<u8>>,
    created: Option<String>,
}

impl Source for AgentsSqlite {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(item) = self.queue.pop_front() {
                return Ok(Some(item));
            }
            if self.done {
                return Ok(None);
            }
            self.read_batch()?;
        }
    }

    fn format_name(&self) -> String {
        "agents-sqlite".into()
    }

    fn bytes_read(&self) -> Arc<AtomicU64> {
        self.count.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_types() {
        assert_eq!(item_type(&json!({"role": "user", "content": "x"})), "message.user");
        assert_eq!(
            item_type(&json!({"type": "message", "role": "assistant"})),
            "message.assistant"
        );
        assert_eq!(item_type(&json!({"type": "function_call"})), "function_call");
        assert_eq!(item_type(&json!([1])), "item");
        assert_eq!(
            sqlite_time("2026-12-02 21:45:00")
                .map(crate::time::format_micros)
                .as_deref(),
            Some("2026-12-02T21:45:00.000000Z")
        );
    }
}
