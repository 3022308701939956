//! LangGraph's PostgresSaver tables through a connection URL (docs/formats.md
//! §8): `checkpoints` (the checkpoint as JSONB, primitive channel values
//! inline), `checkpoint_blobs` (the other channel values by channel and
//! version), `checkpoint_writes`. Read in one read-only repeatable-read
//! transaction, so the whole import sees one moment of the database; mapped to
//! records exactly like the SqliteSaver file.

use std::collections::HashSet;

use anyhow::{bail, Context, Result};
use postgres::{Client, NoTls};
use serde_json::{Map, Value};

use super::blob;
use super::langgraph::{stream_name, uuid6_micros, CheckpointRow, Mapping, WriteRow};
use crate::ingest::{Item, Order, Source};

/// Checkpoints read per query: the read keeps its place by key.
const BATCH: i64 = 64;

/// `postgres://` or `postgresql://`: a connection URL, not a file.
pub fn is_url(input: &str) -> bool {
    input.starts_with("postgres://") || input.starts_with("postgresql://")
}

/// The URL without its password, for anything shown or stored.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    match auth.map(|a| a.split_once(':')) {
        Some(Some((user, _))) => format!("{scheme}://{user}:***@{host}"),
        Some(None) => format!("{scheme}://{}@{host}", auth.unwrap_or_default()),
        None => format!("{scheme}://{host}"),
    }
}

fn connect(url: &str) -> Result<Client> {
    let mut config: postgres::Config = url
        .parse()
        .with_context(|| format!("{}: not a PostgreSQL connection URL", redact(url)))?;
    // As libpq does: a password may come from the environment instead of the URL.
    if config.get_password().is_none() {
        if let Some(pw) = std::env::var_os("PGPASSWORD") {
            config.password(pw.to_string_lossy().as_bytes());
        }
    }
    config.application_name("rewind");
    config
        .connect(NoTls)
        .with_context(|| format!("{}: connect", redact(url)))
}

/// Tells whether the tables changed since an import without reading them: row
/// counts and the newest checkpoint id of each table.
pub fn fingerprint(url: &str) -> Result<String> {
    let mut client = connect(url)?;
    columns(&mut client, &redact(url))?;
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM checkpoints)::text || ':' ||
                    coalesce((SELECT max(checkpoint_id COLLATE \"C\") FROM checkpoints), '') || ':' ||
                    (SELECT count(*) FROM checkpoint_blobs)::text || ':' ||
                    (SELECT count(*) FROM checkpoint_writes)::text",
            &[],
        )
        .with_context(|| format!("{}: read the checkpoint tables", redact(url)))?;
    Ok(row.get(0))
}

/// The columns of the three tables in the current schema; an error naming what
/// is missing when they are not PostgresSaver's.
fn columns(client: &mut Client, shown: &str) -> Result<HashSet<(String, String)>> {
    let mut columns = HashSet::new();
    for row in client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema()
               AND table_name IN ('checkpoints', 'checkpoint_blobs', 'checkpoint_writes')",
            &[],
        )
        .with_context(|| format!("{shown}: read the schema"))?
    {
        columns.insert((row.get::<_, String>(0), row.get::<_, String>(1)));
    }
    let needed = [
        ("checkpoints", "checkpoint"),
        ("checkpoints", "parent_checkpoint_id"),
        ("checkpoint_blobs", "blob"),
        ("checkpoint_blobs", "version"),
        ("checkpoint_writes", "blob"),
        ("checkpoint_writes", "idx"),
    ];
    if let Some((t, c)) = needed
        .iter()
        .find(|(t, c)| !columns.contains(&(t.to_string(), c.to_string())))
    {
        bail!("{shown}: not a LangGraph PostgresSaver database (no column {t}.{c} in the current schema)");
    }
    Ok(columns)
}

pub struct LangGraphPg {
    client: Client,
    shown: String,
    has_task_path: bool,
    after: Option<(String, String, String)>,
    done: bool,
    orphans_read: bool,
    map: Mapping,
}

impl LangGraphPg {
    pub fn open(url: &str) -> Result<LangGraphPg> {
        let shown = redact(url);
        let mut client = connect(url)?;
        // One snapshot for the whole read, and no way to change anything.
        client
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .with_context(|| format!("{shown}: begin read"))?;
        let columns = columns(&mut client, &shown)?;
        let has_task_path = columns.contains(&("checkpoint_writes".into(), "task_path".into()));
        Ok(LangGraphPg {
            client,
            shown,
            has_task_path,
            after: None,
            done: false,
            orphans_read: false,
            map: Mapping::default(),
        })
    }

    fn read_batch(&mut self) -> Result<()> {
        let (t, n, c) = self.after.clone().unwrap_or_default();
        let first = self.after.is_none();
        // Byte order ("C"), like the SQLite reader: the order streams and forks
        // are placed in does not depend on the server's collation.
        let rows = self
            .client
            .query(
                "SELECT thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id,
                        octet_length(checkpoint::text)::int8,
                        CASE WHEN octet_length(checkpoint::text) <= $5::int8 THEN checkpoint::text END,
                        metadata::text
                 FROM checkpoints
                 WHERE $4 OR (thread_id COLLATE \"C\", checkpoint_ns COLLATE \"C\", checkpoint_id COLLATE \"C\")
                           > ($1::text COLLATE \"C\", $2::text COLLATE \"C\", $3::text COLLATE \"C\")
                 ORDER BY thread_id COLLATE \"C\", checkpoint_ns COLLATE \"C\", checkpoint_id COLLATE \"C\"
                 LIMIT $6::int8",
                &[&t, &n, &c, &first, &(blob::MAX_BLOB as i64), &BATCH],
            )
            .with_context(|| format!("{}: read checkpoints", self.shown))?;
        if rows.len() < BATCH as usize {
            self.done = true;
        }
        for row in rows {
            let thread: String = row.get(0);
            let ns: String = row.get(1);
            let id: String = row.get(2);
            let size: i64 = row.get::<_, Option<i64>>(4).unwrap_or(0);
            let text: Option<String> = row.get(5);
            let metadata: Option<String> = row.get(6);
            self.after = Some((thread.clone(), ns.clone(), id.clone()));
            let decoded = match text {
                None => blob::decode(Some("json"), None, size),
                Some(text) => self.with_blobs(&thread, &ns, &id, &text)?,
            };
            let cp = CheckpointRow {
                thread: thread.clone(),
                ns: ns.clone(),
                id: id.clone(),
                parent: row.get(3),
                decoded,
                size,
                metadata: metadata.map(String::into_bytes),
            };
            let (stream, time) = self.map.checkpoint(cp);
            self.writes(&thread, &ns, &id, &stream, time)?;
        }
        Ok(())
    }

    /// The checkpoint object with the channel values of its versions from
    /// `checkpoint_blobs` (as PostgresSaver loads it: a blob wins over an inline
    /// value; an `empty` blob is no value).
    fn with_blobs(&mut self, thread: &str, ns: &str, id: &str, text: &str) -> Result<blob::Decoded> {
        let mut cp = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Ok(blob::decode(Some("json"), Some(text.as_bytes()), text.len() as i64)),
            Err(e) => {
                return Ok(blob::Decoded {
                    value: Err(serde_json::json!({"$undecodable": "json", "$error": e.to_string()})),
                    problem: Some(format!("checkpoint: {e}")),
                })
            }
        };
        let rows = self
            .client
            .query(
                "SELECT bl.channel, bl.type, octet_length(bl.blob)::int8,
                        CASE WHEN octet_length(bl.blob) <= $4::int8 THEN bl.blob END
                 FROM checkpoints c
                 CROSS JOIN LATERAL jsonb_each_text(c.checkpoint -> 'channel_versions') AS v
                 JOIN checkpoint_blobs bl ON bl.thread_id = c.thread_id AND bl.checkpoint_ns = c.checkpoint_ns
                      AND bl.channel = v.key AND bl.version = v.value
                 WHERE c.thread_id = $1 AND c.checkpoint_ns = $2 AND c.checkpoint_id = $3
                 ORDER BY bl.channel COLLATE \"C\"",
                &[&thread, &ns, &id, &(blob::MAX_BLOB as i64)],
            )
            .with_context(|| format!("{}: read checkpoint_blobs", self.shown))?;
        let mut values = match cp.remove("channel_values") {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let mut problems = Vec::new();
        for row in rows {
            let channel: String = row.get(0);
            let ty: String = row.get(1);
            if ty == "empty" {
                continue;
            }
            let size: i64 = row.get::<_, Option<i64>>(2).unwrap_or(0);
            let bytes: Option<Vec<u8>> = row.get(3);
            let d = blob::decode(Some(&ty), bytes.as_deref(), size);
            if let Some(p) = d.problem {
                problems.push(format!("channel {channel}: {p}"));
            }
            values.insert(channel, d.value.unwrap_or_else(|undecodable| undecodable));
        }
        cp.insert("channel_values".into(), Value::Object(values));
        Ok(blob::Decoded {
            value: Ok(Value::Object(cp)),
            problem: (!problems.is_empty()).then(|| problems.join("; ")),
        })
    }

    fn write_rows(&mut self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<Vec<postgres::Row>> {
        self.client
            .query(sql, params)
            .with_context(|| format!("{}: read checkpoint_writes", self.shown))
    }

    fn writes(&mut self, thread: &str, ns: &str, id: &str, stream: &str, time: Option<i64>) -> Result<()> {
        let path_col = if self.has_task_path { "task_path" } else { "''" };
        let sql = format!(
            "SELECT task_id, {path_col}, idx::int8, channel, type, octet_length(blob)::int8,
                    CASE WHEN octet_length(blob) <= $4::int8 THEN blob END
             FROM checkpoint_writes WHERE thread_id = $1 AND checkpoint_ns = $2 AND checkpoint_id = $3
             ORDER BY task_id COLLATE \"C\", idx"
        );
        let rows = self.write_rows(&sql, &[&thread, &ns, &id, &(blob::MAX_BLOB as i64)])?;
        for row in rows {
            self.map
                .write(write_row(&row), thread, ns, id, stream.to_string(), time, None);
        }
        Ok(())
    }

    /// Writes whose checkpoint is not in the table: kept, at the end, with a report.
    fn read_orphans(&mut self) -> Result<()> {
        let path_col = if self.has_task_path { "w.task_path" } else { "''" };
        let sql = format!(
            "SELECT w.task_id, {path_col}, w.idx::int8, w.channel, w.type, octet_length(w.blob)::int8,
                    CASE WHEN octet_length(w.blob) <= $1::int8 THEN w.blob END,
                    w.thread_id, w.checkpoint_ns, w.checkpoint_id
             FROM checkpoint_writes w WHERE NOT EXISTS (SELECT 1 FROM checkpoints c WHERE c.thread_id = w.thread_id
                 AND c.checkpoint_ns = w.checkpoint_ns AND c.checkpoint_id = w.checkpoint_id)
             ORDER BY w.thread_id COLLATE \"C\", w.checkpoint_ns COLLATE \"C\", w.checkpoint_id COLLATE \"C\",
                      w.task_id COLLATE \"C\", w.idx"
        );
        let rows = self.write_rows(&sql, &[&(blob::MAX_BLOB as i64)])?;
        for row in rows {
            let (thread, ns, cid): (String, String, String) = (row.get(7), row.get(8), row.get(9));
            let why = format!("a pending write of checkpoint {cid}, which is not in the checkpoints table");
            let stream = stream_name(&thread, &ns);
            self.map.write(
                write_row(&row),
                &thread,
                &ns,
                &cid,
                stream,
                uuid6_micros(&cid),
                Some(why),
            );
        }
        Ok(())
    }
}

fn write_row(row: &postgres::Row) -> WriteRow {
    WriteRow {
        task_id: row.get(0),
        task_path: row.get::<_, Option<String>>(1).unwrap_or_default(),
        idx: row.get(2),
        channel: row.get(3),
        ty: row.get(4),
        size: row.get::<_, Option<i64>>(5).unwrap_or(0),
        blob: row.get(6),
    }
}

impl Source for LangGraphPg {
    fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(item) = self.map.queue.pop_front() {
                return Ok(Some(item));
            }
            if !self.done {
                self.read_batch()?;
                continue;
            }
            if !self.orphans_read {
                self.orphans_read = true;
                self.read_orphans()?;
                continue;
            }
            return Ok(None);
        }
    }

    fn format_name(&self) -> String {
        "langgraph-postgres".into()
    }

    fn bytes_read(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.map.count.clone()
    }

    fn order(&self) -> Order {
        Order::Time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_shown() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgresql://u@h/db"), "postgresql://u@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert!(is_url("postgresql://h/db") && !is_url("graph.sqlite"));
    }
}
