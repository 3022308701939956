#!/usr/bin/env python3
"""Baseline: import a JSONL recording into SQLite the way a user would script it.

Usage: import.py EVENTS.jsonl OUT.db

The standard library only (json + sqlite3): parse each line, keep the envelope
fields as columns and data/meta as JSON text, insert with executemany in one
transaction. Prints the number of rows imported.
"""
import json
import sqlite3
import sys


def rows(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            yield (
                e.get("id"),
                e.get("stream"),
                e.get("seq"),
                e.get("time"),
                e.get("type"),
                json.dumps(e.get("data"), ensure_ascii=False),
                json.dumps(e.get("meta"), ensure_ascii=False),
            )


def main():
    src, db = sys.argv[1], sys.argv[2]
    con = sqlite3.connect(db)
    con.execute(
        "CREATE TABLE events (id TEXT, stream TEXT, seq INTEGER, time TEXT,"
        " type TEXT, data TEXT, meta TEXT)"
    )
    with con:  # one transaction
        con.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", rows(src))
    (n,) = con.execute("SELECT count(*) FROM events").fetchone()
    con.close()
    print(n)


if __name__ == "__main__":
    main()
