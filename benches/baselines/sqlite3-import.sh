#!/bin/sh
# Baseline: import a JSONL recording with the sqlite3 CLI alone.
# Usage: sqlite3-import.sh EVENTS.jsonl OUT.db
# Each line goes into a one-column table (ASCII mode with a unit-separator column
# delimiter, so commas and quotes in the JSON are not special), then one
# INSERT ... SELECT extracts the envelope into a typed events table. Prints the
# number of rows imported.
set -eu
src=$1
db=$2
sqlite3 "$db" <<SQL
CREATE TABLE raw (line TEXT);
.mode ascii
.separator "\037" "\n"
.import '$src' raw
.mode list
BEGIN;
CREATE TABLE events (id TEXT, stream TEXT, seq INTEGER, time TEXT, type TEXT, data TEXT, meta TEXT);
INSERT INTO events
  SELECT line ->> '\$.id', line ->> '\$.stream', line ->> '\$.seq', line ->> '\$.time',
         line ->> '\$.type', line -> '\$.data', line -> '\$.meta'
  FROM raw;
DROP TABLE raw;
COMMIT;
SELECT count(*) FROM events;
SQL
