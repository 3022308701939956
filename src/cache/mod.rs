//! The SQLite cache: the only module that speaks SQL. One file holds the inputs,
//! events, rules in force, and derived checkpoints (docs/model.md §5).

pub mod checkpoints;
mod find;
mod identity;
pub mod import;
pub mod ledger;
pub mod read;
mod renumber;
pub mod schema;
mod sort;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

/// An open cache file.
pub struct Cache {
    conn: Connection,
    pub path: PathBuf,
}

/// Every connection's page cache (16 MiB): the import's memory budget counts it.
const PAGE_CACHE: &str = "PRAGMA cache_size = -16384;";

/// Names behind the integer ids the events table stores.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Index = stream id; id 0 is unused.
    pub streams: Vec<String>,
    pub types: Vec<String>,
    /// `(path, offsets)` per file id.
    pub files: Vec<(String, bool)>,
    /// Number of events (= the last position).
    pub len: u64,
    /// The import generation this catalog was read at: another process's import
    /// bumps it, and the catalog is then stale.
    pub generation: String,
}

impl Catalog {
    pub fn stream_id(&self, name: &str) -> Option<i64> {
        self.streams.iter().position(|s| s == name).map(|i| i as i64)
    }
    pub fn stream_name(&self, id: i64) -> &str {
        self.streams.get(id as usize).map(String::as_str).unwrap_or("?")
    }
    pub fn type_name(&self, id: i64) -> &str {
        self.types.get(id as usize).map(String::as_str).unwrap_or("?")
    }
    pub fn source(&self, file: i64, loc: i64) -> String {
        match self.files.get(file as usize) {
            Some((path, true)) => format!("{path}@{loc}"),
            Some((path, false)) => format!("{path}:{loc}"),
            None => format!("?:{loc}"),
        }
    }
}

/// How long a write (an import, a checkpoint build) waits for another process's
/// write to finish before giving up. Imports of big inputs hold the write lock
/// for minutes, longer than the busy timeout of one statement.
pub const WRITE_WAIT: Duration = Duration::from_secs(30 * 60);

/// The catalog a command read is older than the cache: another rewind imported
/// into it meanwhile. Reload the catalog and try again.
#[derive(Debug, thiserror::Error)]
#[error("the cache changed while this command ran (another rewind imported into it)")]
pub struct StaleCatalog;

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Run `begin` (which takes the write lock) until it stops failing because
/// another connection holds the lock, up to [`WRITE_WAIT`].
fn wait_for_write<T>(path: &Path, mut begin: impl FnMut() -> rusqlite::Result<T>) -> Result<T> {
    let started = Instant::now();
    loop {
        match begin() {
            Ok(t) => return Ok(t),
            Err(e) if is_busy(&e) && started.elapsed() < WRITE_WAIT => continue,
            Err(e) if is_busy(&e) => bail!(
                "cache {}: another rewind has been writing to it for {} minutes; try again when it is done",
                path.display(),
                WRITE_WAIT.as_secs() / 60
            ),
            Err(e) => return Err(e).with_context(|| format!("cache {}", path.display())),
        }
    }
}

/// True when the file starts with SQLite's magic header.
pub fn is_sqlite_file(path: &Path) -> bool {
    let mut head = [0u8; 16];
    match std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)) {
        Ok(()) => &head == b"SQLite format 3\0",
        Err(_) => false,
    }
}

/// Keep each prepared statement's plan whatever values are bound to it. Without
/// this, SQLite compiles a statement again whenever a range bound changes (as
/// `pos <= ?` does on every checkpoint lookup), which would be most of the cost of
/// a world load's thousand per-stream lookups.
fn stable_plans(conn: &Connection) -> Result<()> {
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

impl Cache {
    /// Open or create a cache. `create` = false refuses a missing file.
    pub fn open(path: &Path, create: bool) -> Result<Cache> {
        Cache::open_mode(path, create, false)
    }

    /// Create a new cache for a first bulk load: no WAL and no fsyncs while it
    /// fills. Only for a file nobody else can see yet; [`Cache::seal`] turns it
    /// into a normal cache before it is renamed into place.
    pub fn create_bulk(path: &Path) -> Result<Cache> {
        let _ = std::fs::remove_file(path);
        Cache::open_mode(path, true, true)
    }

    /// Switch a bulk-loaded cache to WAL and flush it to disk.
    pub fn seal(self) -> Result<()> {
        // Cached statements count as users of the schema; WAL needs none.
        self.conn.flush_prepared_statement_cache();
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .context("switching to WAL")?;
        if !mode.eq_ignore_ascii_case("wal") {
            bail!("could not switch the cache to WAL mode (got {mode})");
        }
        let path = self.path.clone();
        self.conn.close().map_err(|(_, e)| e).context("close")?;
        // The load ran without fsyncs; make it durable before it is renamed into place.
        std::fs::File::open(&path).and_then(|f| f.sync_all()).context("sync")?;
        Ok(())
    }

    fn open_mode(path: &Path, create: bool, bulk: bool) -> Result<Cache> {
        let exists = path.exists();
        if !exists && !create {
            bail!("cache {}: no such file", path.display());
        }
        if exists && !is_sqlite_file(path) && std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false) {
            bail!("cache {}: not a rewind cache (not an SQLite database)", path.display());
        }
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).with_context(|| format!("cache directory {}", dir.display()))?;
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).with_context(|| format!("cache {}", path.display()))?;
        // Another rewind may be importing into the same cache: wait for it rather than fail.
        conn.busy_timeout(Duration::from_secs(60))?;
        stable_plans(&conn)?;
        let mut cache = Cache {
            conn,
            path: path.to_path_buf(),
        };
        cache
            .prepare(bulk, create)
            .with_context(|| format!("cache {}", path.display()))?;
        Ok(cache)
    }

    /// `rebuild`: an older schema may be rebuilt (the inputs are at hand); a cache
    /// file opened on its own is refused instead, since rebuilding would empty it.
    fn prepare(&mut self, bulk: bool, rebuild: bool) -> Result<()> {
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let has_tables: i64 =
            self.conn
                .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| {
                    r.get(0)
                })?;
        if version > schema::VERSION {
            bail!(
                "this cache was written by a newer rewind (cache schema v{version}; this rewind reads v{}): upgrade rewind, or delete the cache to rebuild it",
                schema::VERSION
            );
        }
        if version == 0 && has_tables > 0 {
            bail!("not a rewind cache (an SQLite database with other tables); refusing to use it");
        }
        if version > 0 {
            let app: Option<String> = self
                .conn
                .query_row("SELECT value FROM info WHERE key = 'app'", [], |r| r.get(0))
                .optional()
                .unwrap_or(None);
            if app.as_deref() != Some(&schema::APP_ID.to_string()) {
                bail!("not a rewind cache (schema marker missing); refusing to use it");
            }
        }
        if (schema::MIGRATES_FROM..schema::VERSION).contains(&version) {
            self.migrate()?;
            return self.prepare(bulk, rebuild);
        }
        if version > 0 && version < schema::VERSION && !rebuild {
            bail!(
                "this cache was written by an older rewind (cache schema v{version}; this rewind reads v{}): import its inputs again to rebuild it",
                schema::VERSION
            );
        }
        if version == 0 {
            // page_size must be set before the database switches to WAL.
            self.conn.execute_batch("PRAGMA page_size = 8192;")?;
        }
        if bulk {
            // Rollback still works with an in-memory journal; a crash only loses
            // the temporary file.
            self.conn
                .execute_batch("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;")?;
        } else {
            let mode: String = self.conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                bail!("could not switch the cache to WAL mode (got {mode})");
            }
            self.conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
        }
        self.conn
            .execute_batch(&format!("{PAGE_CACHE} PRAGMA temp_store = FILE;"))?;
        if version > 0 && version < schema::VERSION {
            // Older schema: the cache is derived data, so rebuild it from the inputs.
            self.reset()?;
        } else if version == 0 {
            self.init()?;
        }
        Ok(())
    }

    /// Upgrade a cache whose schema differs only in derived tables: under the
    /// write lock, and only if no other rewind did it meanwhile.
    fn migrate(&mut self) -> Result<()> {
        let tx = wait_for_write(&self.path, || {
            rusqlite::Transaction::new_unchecked(&self.conn, rusqlite::TransactionBehavior::Immediate)
        })?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        match version {
            3 => tx.execute_batch(schema::MIGRATE_3_TO_4)?,
            4 => tx.execute_batch(schema::MIGRATE_4_TO_5)?,
            5 => {
                for (table, column, add) in schema::MIGRATE_5_TO_6 {
                    let has: bool = tx.query_row(
                        "SELECT count(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
                        params![table, column],
                        |r| r.get(0),
                    )?;
                    if !has {
                        tx.execute_batch(add)?;
                    }
                }
                tx.execute_batch(schema::MIGRATE_5_TO_6_TABLES)?;
            }
            _ => {}
        }
        tx.commit()?;
        Ok(())
    }

    fn init(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute_batch(schema::TABLES)?;
        tx.execute_batch(schema::INDEXES)?;
        tx.execute(
            "INSERT INTO info(key, value) VALUES ('app', ?1)",
            params![schema::APP_ID.to_string()],
        )?;
        tx.execute("INSERT INTO info(key, value) VALUES ('generation', '0')", [])?;
        tx.execute_batch(&format!("PRAGMA user_version = {};", schema::VERSION))?;
        tx.commit()?;
        Ok(())
    }

    fn reset(&mut self) -> Result<()> {
        let names: Vec<String> = {
            let mut st = self
                .conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let tx = self.conn.transaction()?;
        for n in names {
            tx.execute_batch(&format!("DROP TABLE IF EXISTS \"{n}\";"))?;
        }
        tx.execute_batch("PRAGMA user_version = 0;")?;
        tx.commit()?;
        self.init()
    }

    /// A second, read-only connection to the same file, for a thread of its own
    /// (a connection cannot be shared between threads). In WAL mode it reads the
    /// last committed state while this one may be writing.
    pub fn reader(&self) -> Result<Cache> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(&self.path, flags).with_context(|| format!("cache {}", self.path.display()))?;
        conn.busy_timeout(Duration::from_secs(60))?;
        stable_plans(&conn)?;
        conn.execute_batch(PAGE_CACHE)?;
        Ok(Cache {
            conn,
            path: self.path.clone(),
        })
    }

    /// [`Cache::reader`] that maps the file instead of copying pages into a page
    /// cache of its own: for short reads at random places (a world load), where a
    /// fresh connection's cache would start cold. Not for scans of the whole file,
    /// whose mapped pages would all count as this process's memory.
    pub fn mapped_reader(&self) -> Result<Cache> {
        let reader = self.reader()?;
        reader.conn.execute_batch("PRAGMA mmap_size = 2147418112;")?;
        Ok(reader)
    }

    pub fn info(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM info WHERE key = ?1", params![key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_info(&self, key: &str, value: &str) -> Result<()> {
        wait_for_write(&self.path, || {
            self.conn.execute(
                "INSERT OR REPLACE INTO info(key, value) VALUES (?1, ?2)",
                params![key, value],
            )
        })?;
        Ok(())
    }

    /// The rules text the cache's events were imported under, if any was given.
    pub fn stored_rules(&self) -> Result<Option<String>> {
        self.info("rules")
    }

    /// The rules stored in the cache at `path`, read without opening it for
    /// writing (nothing in it changes).
    pub fn stored_rules_at(path: &Path) -> Result<Option<String>> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).with_context(|| format!("cache {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(60))?;
        Ok(conn
            .query_row("SELECT value FROM info WHERE key = 'rules'", [], |r| r.get(0))
            .optional()?)
    }

    /// Store new rules text (their checkpoints are then stale).
    pub fn store_rules(&self, text: &str) -> Result<()> {
        self.set_info("rules", text)
    }

    /// The import filter the cache's events were imported under, as people read it
    /// (`since …, streams …`); `None` for a whole recording.
    pub fn stored_slice(&self) -> Result<Option<String>> {
        Ok(self.info("slice")?.filter(|s| !s.is_empty()))
    }

    /// Start a read transaction: from its first read on, this connection sees
    /// one snapshot of the file, whatever other connections commit, until
    /// [`Cache::end_read`] or the connection is dropped.
    pub fn begin_read(&self) -> Result<()> {
        self.conn.execute_batch("BEGIN DEFERRED")?;
        Ok(())
    }

    /// Whether a read transaction is open on this connection.
    pub fn in_read(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// End the read transaction [`Cache::begin_read`] started.
    pub fn end_read(&self) -> Result<()> {
        self.conn.execute_batch("ROLLBACK")?;
        Ok(())
    }

    /// Drop the stored checkpoints' stamp, so the next open rebuilds them.
    pub fn forget_checkpoints(&self) -> Result<()> {
        self.conn.execute("DELETE FROM info WHERE key = 'checkpoints'", [])?;
        Ok(())
    }

    pub fn catalog(&self) -> Result<Catalog> {
        let mut cat = Catalog::default();
        let load = |sql: &str| -> Result<Vec<String>> {
            let mut out = vec![String::new()];
            let mut st = self.conn.prepare(sql)?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let name: String = r.get(1)?;
                let id = usize::try_from(id).unwrap_or(0);
                if id >= out.len() {
                    out.resize(id + 1, String::new());
                }
                out[id] = name;
            }
            Ok(out)
        };
        cat.streams = load("SELECT id, name FROM streams ORDER BY id")?;
        cat.types = load("SELECT id, name FROM types ORDER BY id")?;
        let mut st = self.conn.prepare("SELECT id, path, offsets FROM files ORDER BY id")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let id = usize::try_from(r.get::<_, i64>(0)?).unwrap_or(0);
            if id >= cat.files.len() {
                cat.files.resize(id + 1, (String::new(), false));
            }
            cat.files[id] = (r.get(1)?, r.get::<_, i64>(2)? != 0);
        }
        cat.len =
            self.conn
                .query_row("SELECT coalesce(max(pos), 0) FROM events", [], |r| r.get::<_, i64>(0))? as u64;
        cat.generation = self.generation()?;
        Ok(cat)
    }
}
