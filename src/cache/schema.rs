//! The cache's tables. The version lives in `PRAGMA user_version`; a cache made by
//! a newer rewind is refused, an older one is rebuilt (it is derived data).

pub const VERSION: i64 = 6;

/// The oldest schema this rewind upgrades in place: v3 → v4 → v5 changed derived
/// tables only (checkpoint states), which are emptied or kept as they are; v6 adds
/// the ledger and event identities (see [`MIGRATE_5_TO_6`]).
pub const MIGRATES_FROM: i64 = 3;

/// v3 → v4: checkpoint states moved from a (stream, pos) tree, which every build
/// inserted into all over, to a rowid table appended in build order.
pub const MIGRATE_3_TO_4: &str = r#"
DROP TABLE IF EXISTS cp_states;
CREATE TABLE cp_states(id INTEGER PRIMARY KEY, stream INTEGER NOT NULL, pos INTEGER NOT NULL, state BLOB);
CREATE INDEX cp_states_stream ON cp_states(stream, pos);
DELETE FROM checkpoints; DELETE FROM failures; DELETE FROM drift;
DELETE FROM info WHERE key = 'checkpoints';
PRAGMA user_version = 4;
"#;

/// v4 → v5: checkpoints are per stream (each stream's state is stored when its
/// own events since the last one outweigh it), so the table of global checkpoint
/// positions goes. The states v4 stored stay valid: each is a stream's state at a
/// position.
pub const MIGRATE_4_TO_5: &str = r#"
DROP TABLE IF EXISTS checkpoints;
PRAGMA user_version = 5;
"#;

/// v5 → v6: the ledger (what each import read and where every record went) and
/// identities decided when inputs merge: the columns added (table, column, how),
/// each only when missing. A v5 cache keeps working as it is, opened
/// alone its inputs show the counts v5 kept; its inputs are marked changed, so the
/// next open that names them imports them again and records their full ledger.
pub const MIGRATE_5_TO_6: &[(&str, &str, &str)] = &[
    ("events", "ikey", "ALTER TABLE events ADD COLUMN ikey TEXT"),
    ("inputs", "end_pos", "ALTER TABLE inputs ADD COLUMN end_pos INTEGER"),
    (
        "inputs",
        "idents",
        "ALTER TABLE inputs ADD COLUMN idents INTEGER NOT NULL DEFAULT 0",
    ),
    (
        "inputs",
        "ledger",
        "ALTER TABLE inputs ADD COLUMN ledger INTEGER NOT NULL DEFAULT 0",
    ),
];

/// The rest of v5 → v6, after the columns of [`MIGRATE_5_TO_6`].
pub const MIGRATE_5_TO_6_TABLES: &str = r#"
UPDATE inputs SET fingerprint = 'v5:' || fingerprint WHERE ledger = 0;
DROP TABLE IF EXISTS dedupe;
CREATE TABLE IF NOT EXISTS dups(pos INTEGER PRIMARY KEY, input INTEGER NOT NULL, idx INTEGER NOT NULL, stream INTEGER NOT NULL, seq INTEGER, id TEXT NOT NULL, type INTEGER NOT NULL, time INTEGER, kind INTEGER NOT NULL, data TEXT NOT NULL, meta TEXT, file INTEGER NOT NULL, loc INTEGER NOT NULL, okey BLOB, idh INTEGER NOT NULL, ikey TEXT);
CREATE TABLE IF NOT EXISTS ledger(id INTEGER PRIMARY KEY, input INTEGER NOT NULL, kind INTEGER NOT NULL, file TEXT NOT NULL, loc INTEGER NOT NULL, offset INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_input ON ledger(input, kind, id);
CREATE TABLE IF NOT EXISTS ledger_files(input INTEGER NOT NULL, file TEXT NOT NULL, ord INTEGER NOT NULL, read INTEGER NOT NULL, stored INTEGER NOT NULL, filtered INTEGER NOT NULL, skipped INTEGER NOT NULL, warnings INTEGER NOT NULL, ignored INTEGER NOT NULL, PRIMARY KEY(input, file));
PRAGMA user_version = 6;
"#;

/// A value in `info` that marks the file as ours, so a foreign SQLite file with a
/// matching `user_version` is still refused.
pub const APP_ID: i64 = 0x5257_4e44; // "RWND"

/// `okey` orders the records of a time-ordered input (`ingest::Order::Time`);
/// `idh` is a hash of `id`, indexed instead of the text: the index builds from
/// integers in about half the time. `ikey` is the event's identity (`NULL`: none,
/// `''`: its `id`, else a family's key); `dups` holds, with the same columns, the
/// events a merge found to be duplicates of an event of another file, so that
/// removing that file's input brings them back. `ledger` lists every record an
/// import did not turn into an event as it was (skips, warnings, filtered records,
/// ignored files) and the id conflicts of the last merge; `ledger_files` counts
/// each input's records per file.
pub const TABLES: &str = r#"
CREATE TABLE events(pos INTEGER PRIMARY KEY, input INTEGER NOT NULL, idx INTEGER NOT NULL, stream INTEGER NOT NULL, seq INTEGER, id TEXT NOT NULL, type INTEGER NOT NULL, time INTEGER, kind INTEGER NOT NULL, data TEXT NOT NULL, meta TEXT, file INTEGER NOT NULL, loc INTEGER NOT NULL, okey BLOB, idh INTEGER NOT NULL, ikey TEXT);
CREATE TABLE dups(pos INTEGER PRIMARY KEY, input INTEGER NOT NULL, idx INTEGER NOT NULL, stream INTEGER NOT NULL, seq INTEGER, id TEXT NOT NULL, type INTEGER NOT NULL, time INTEGER, kind INTEGER NOT NULL, data TEXT NOT NULL, meta TEXT, file INTEGER NOT NULL, loc INTEGER NOT NULL, okey BLOB, idh INTEGER NOT NULL, ikey TEXT);
CREATE TABLE info(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE inputs(
    id INTEGER PRIMARY KEY,
    ord INTEGER NOT NULL,
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    format TEXT NOT NULL,
    forced TEXT,
    mapping_hash TEXT NOT NULL,
    snapshot INTEGER NOT NULL,
    events INTEGER NOT NULL,
    snapshots INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    skipped_sample TEXT NOT NULL,
    seconds REAL NOT NULL,
    by_time INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    end_pos INTEGER,
    idents INTEGER NOT NULL DEFAULT 0,
    ledger INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE files(id INTEGER PRIMARY KEY, input INTEGER NOT NULL, path TEXT NOT NULL, offsets INTEGER NOT NULL);
CREATE TABLE streams(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE types(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE cp_states(id INTEGER PRIMARY KEY, stream INTEGER NOT NULL, pos INTEGER NOT NULL, state BLOB);
CREATE INDEX cp_states_stream ON cp_states(stream, pos);
CREATE TABLE failures(pos INTEGER PRIMARY KEY, error TEXT NOT NULL);
CREATE TABLE drift(pos INTEGER PRIMARY KEY, stream INTEGER NOT NULL, paths TEXT NOT NULL);
CREATE TABLE ledger(id INTEGER PRIMARY KEY, input INTEGER NOT NULL, kind INTEGER NOT NULL, file TEXT NOT NULL, loc INTEGER NOT NULL, offset INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE INDEX ledger_input ON ledger(input, kind, id);
CREATE TABLE ledger_files(input INTEGER NOT NULL, file TEXT NOT NULL, ord INTEGER NOT NULL, read INTEGER NOT NULL, stored INTEGER NOT NULL, filtered INTEGER NOT NULL, skipped INTEGER NOT NULL, warnings INTEGER NOT NULL, ignored INTEGER NOT NULL, PRIMARY KEY(input, file));
"#;

/// Secondary indexes, created after a first bulk load rather than maintained row by row.
pub const INDEXES: &str = r#"
CREATE INDEX IF NOT EXISTS events_stream ON events(stream, pos);
CREATE INDEX IF NOT EXISTS events_idh ON events(idh);
"#;

pub const DROP_INDEXES: &str = r#"
DROP INDEX IF EXISTS events_stream;
DROP INDEX IF EXISTS events_time;
DROP INDEX IF EXISTS events_id;
DROP INDEX IF EXISTS events_idh;
"#;

pub const EVENTS_COLUMNS: &str = "pos, input, idx, stream, seq, id, type, time, kind, data, meta, file, loc";

/// Every column of `events` and `dups`, in table order.
pub const ALL_COLUMNS: &str =
    "pos, input, idx, stream, seq, id, type, time, kind, data, meta, file, loc, okey, idh, ikey";

/// The events table under another name, for the rebuild that renumbers positions.
pub fn create_events(name: &str) -> String {
    format!(
        "CREATE TABLE {name}(pos INTEGER PRIMARY KEY, input INTEGER NOT NULL, idx INTEGER NOT NULL, stream INTEGER NOT NULL, seq INTEGER, id TEXT NOT NULL, type INTEGER NOT NULL, time INTEGER, kind INTEGER NOT NULL, data TEXT NOT NULL, meta TEXT, file INTEGER NOT NULL, loc INTEGER NOT NULL, okey BLOB, idh INTEGER NOT NULL, ikey TEXT);"
    )
}
