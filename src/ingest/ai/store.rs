//! Other programs' SQLite databases, opened so that reading them can never
//! disturb the program that owns them.

use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::{Connection, OpenFlags};

/// The first bytes of every SQLite database file.
pub const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

/// Open read-only: no journal mode change, no checkpoint of the WAL, no schema
/// change; a database in WAL mode that its application has open is read as of
/// the last commit (the `-wal` file included).
pub fn open_read_only(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )
    .with_context(|| format!("{}: open read-only", path.display()))?;
    // The application may hold a write lock for a moment: wait rather than fail.
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// The column names of `table`, empty when there is no such table.
pub fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = stmt
        .query_map([table], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names)
}

/// True when `table` exists with at least the columns `needed`.
pub fn has_table(conn: &Connection, table: &str, needed: &[&str]) -> bool {
    match columns(conn, table) {
        Ok(cols) => !cols.is_empty() && needed.iter().all(|n| cols.iter().any(|c| c == n)),
        Err(_) => false,
    }
}
