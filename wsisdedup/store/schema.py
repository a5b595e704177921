"""The store's tables: the export's schema (`wsisdedup.export.sqlite.SQL_SCHEMA`) plus what a
store needs to be updated in place: where it comes from, the files (months) read into it, and
each message as its reader gave it, so that the store alone can be rebuilt."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from wsisdedup.errors import OutputError
from wsisdedup.export.sqlite import SQL_SCHEMA, require_fts5

__all__ = ["SCHEMA_VERSION", "STORE_SCHEMA", "now", "open_store", "version"]

SCHEMA_VERSION = "1"

STORE_SCHEMA = """
CREATE TABLE store_meta (         -- archive_url, kind, wsisdedup_version, created_at, ...
    key TEXT PRIMARY KEY,
    value TEXT
);
CREATE TABLE store_units (        -- one row per file read in: a month of a list, or a file
    name TEXT PRIMARY KEY,        -- the file's name (fetched) or path (given)
    month TEXT,                   -- YYYY-MM, where the archive is by month
    url TEXT,                     -- where it was fetched from
    etag TEXT,
    last_modified TEXT,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,         -- of the file's bytes: an unchanged file is not read again
    messages INTEGER NOT NULL,    -- messages read from it, copies included
    problems INTEGER NOT NULL,
    wsisdedup_version TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE raw_messages (       -- each message as the reader gave it: the joins' input
    unit TEXT NOT NULL REFERENCES store_units(name),
    position INTEGER NOT NULL,    -- its order in the file
    message_id TEXT,              -- the Message-ID header, None when the message has none
    source_path TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_line INTEGER,
    source_byte_offset INTEGER,
    source_index INTEGER NOT NULL,
    in_reply_to TEXT NOT NULL,    -- JSON list
    refs TEXT NOT NULL,           -- JSON list
    author_name TEXT NOT NULL,
    author_address TEXT NOT NULL,
    date TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    quotes_index INTEGER,
    PRIMARY KEY (unit, position)
);
CREATE TABLE raw_problems (       -- what went wrong reading each file, in the order met
    unit TEXT NOT NULL REFERENCES store_units(name),
    position INTEGER NOT NULL,
    what TEXT NOT NULL,
    path TEXT NOT NULL,
    line INTEGER,
    byte_offset INTEGER,
    PRIMARY KEY (unit, position)
);
-- The full-text index follows each change of `messages` (the export rebuilds it once instead).
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, subject, author_name, new_text)
    VALUES (new.num, new.subject, new.author_name, new.new_text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, author_name, new_text)
    VALUES ('delete', old.num, old.subject, old.author_name, old.new_text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, author_name, new_text)
    VALUES ('delete', old.num, old.subject, old.author_name, old.new_text);
    INSERT INTO messages_fts(rowid, subject, author_name, new_text)
    VALUES (new.num, new.subject, new.author_name, new.new_text);
END;
"""


def version() -> str:
    """This wsisdedup's version (from the installed distribution: importing the package root
    would import the pipeline, which imports nothing of the store's)."""
    try:
        return metadata.version("wsisdedup")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _is_store(con: sqlite3.Connection) -> bool:
    row = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='store_meta'")
    return row.fetchone() is not None


def _is_empty(con: sqlite3.Connection) -> bool:
    count: int = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return count == 0


def open_store(path: str | Path) -> sqlite3.Connection:
    """Open the store at `path`, creating it (empty) when the file does not exist.

    The connection is in autocommit mode: callers open their own transactions
    (`BEGIN IMMEDIATE` ... `COMMIT`). Raises `OutputError` when the file is not a store
    (a one-shot export made with `--format sqlite` has no raw messages to update from).
    """
    require_fts5()
    target = Path(path)
    if target.is_dir():
        raise OutputError("is a folder, not a store", path=str(path))
    try:
        con = sqlite3.connect(target, isolation_level=None)
        if _is_empty(con):
            con.execute("BEGIN IMMEDIATE")
            for script in (SQL_SCHEMA, STORE_SCHEMA):
                for statement in _statements(script):
                    con.execute(statement)
            stamp = now()
            con.executemany(
                "INSERT INTO store_meta VALUES (?,?)",
                [("schema_version", SCHEMA_VERSION), ("created_at", stamp)],
            )
            con.execute("COMMIT")
        elif not _is_store(con):
            con.close()
            raise OutputError(
                "is not a wsisdedup store (an export made by --format sqlite cannot be "
                "updated: build a store with --db into a new file)",
                path=str(path),
            )
    except sqlite3.Error as exc:
        raise OutputError(f"SQLite could not open it as a store: {exc}", path=str(path)) from exc
    return con


def _statements(script: str) -> list[str]:
    """The statements of a script, for `execute` one by one inside a transaction
    (`executescript` would commit first). Triggers hold `;` inside BEGIN ... END."""
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [s for s in out if s]
