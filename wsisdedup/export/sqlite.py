"""SQLite: a database of messages, segments, links, threads and stats, with full-text search."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from wsisdedup.errors import OutputError, WsisdedupError
from wsisdedup.export.atomic import PathArg, archive_inputs, replacing
from wsisdedup.export.views import _thread_views, _ThreadView
from wsisdedup.model import Archive, Message, Source

__all__ = ["write_sqlite"]


_SQL_SCHEMA = """
CREATE TABLE messages (
    num INTEGER PRIMARY KEY,      -- archive order; also the full-text index's rowid
    id TEXT NOT NULL UNIQUE,
    thread_id TEXT,
    parent_id TEXT,
    parent_evidence TEXT,         -- header, attribution, quote or subject
    author_name TEXT NOT NULL,
    author_address TEXT NOT NULL,
    date TEXT,                    -- ISO 8601, with the author's zone where known
    subject TEXT NOT NULL,
    new_text TEXT NOT NULL,
    signature TEXT NOT NULL,
    body TEXT NOT NULL,
    new_chars INTEGER NOT NULL,
    body_chars INTEGER NOT NULL,
    duplicate_score REAL,
    repeat_of TEXT,               -- an earlier message by someone else with the same words
    source TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_line INTEGER,
    source_byte_offset INTEGER,
    source_index INTEGER NOT NULL
);
CREATE INDEX messages_thread ON messages(thread_id);
CREATE INDEX messages_parent ON messages(parent_id);
CREATE TABLE segments (
    message_id TEXT NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    span_start INTEGER NOT NULL,  -- body[span_start:span_end] == text
    span_end INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    source_id TEXT,               -- for quotes: the message the text comes from
    text TEXT NOT NULL,
    PRIMARY KEY (message_id, position)
);
CREATE INDEX segments_source ON segments(source_id);
CREATE TABLE links (
    message_id TEXT NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    written TEXT NOT NULL,
    original TEXT NOT NULL,
    rewriter TEXT NOT NULL,
    truncated INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    PRIMARY KEY (message_id, position)
);
CREATE TABLE duplicates (
    message_id TEXT NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    source TEXT NOT NULL,
    source_path TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_line INTEGER,
    source_byte_offset INTEGER,
    source_index INTEGER NOT NULL,
    copy_id TEXT,                 -- the copy's own id
    reason TEXT,                  -- why it is a copy: same-id, resend, cross-post, same-text
    score REAL,                   -- how alike its own words are (1.0: the same)
    PRIMARY KEY (message_id, position)
);
CREATE TABLE threads (
    id TEXT PRIMARY KEY,          -- the root message's id
    position INTEGER NOT NULL UNIQUE,  -- the order threads are shown in
    root_id TEXT NOT NULL REFERENCES messages(id),
    subject TEXT NOT NULL,
    message_count INTEGER NOT NULL,
    first_date TEXT,
    last_date TEXT
);
CREATE TABLE thread_messages (    -- each message once, depth-first as the tree is shown
    thread_id TEXT NOT NULL REFERENCES threads(id),
    position INTEGER NOT NULL,
    message_id TEXT NOT NULL UNIQUE REFERENCES messages(id),
    depth INTEGER NOT NULL,
    PRIMARY KEY (thread_id, position)
);
CREATE TABLE problems (what TEXT NOT NULL, path TEXT NOT NULL, line INTEGER, byte_offset INTEGER);
CREATE TABLE stats (name TEXT PRIMARY KEY, value NUMERIC);
CREATE VIEW thread_tree AS
    SELECT tm.thread_id, tm.position, tm.depth,
           substr('                                        ', 1, 2 * min(tm.depth, 20))
             || coalesce(nullif(m.author_name, ''), nullif(m.author_address, ''), '?') AS author,
           m.date, m.subject, m.new_chars, m.parent_evidence, m.id AS message_id
    FROM thread_messages AS tm
    JOIN threads AS t ON t.id = tm.thread_id
    JOIN messages AS m ON m.id = tm.message_id
    ORDER BY t.position, tm.position;
CREATE VIRTUAL TABLE messages_fts USING fts5(
    subject, author_name, new_text,
    content='messages', content_rowid='num', tokenize='unicode61 remove_diacritics 2'
);
"""


def _fts5_available() -> bool:
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()
    return True


def _source_row(s: Source) -> list[str | int | None]:
    """The `source*` columns of a row: the readable form, then each part."""
    return [str(s), s.path, s.format, s.line, s.offset, s.index]


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d is not None else None


def _utc_sort_key(d: datetime) -> datetime:
    return d if d.tzinfo is not None else d.replace(tzinfo=UTC)


def write_sqlite(archive: Archive, path: PathArg) -> None:
    """Write a SQLite database: messages, segments, links, duplicates, threads, stats, problems.

    `messages_fts` is an FTS5 index of subject, author and new text (query it with
    `MATCH`); `thread_tree` is a view of every thread, indented, for SQLite browsers.
    Raises `WsisdedupError` if this Python's SQLite has no FTS5, and `OutputError` if the
    file cannot be written (the old file at `path`, if any, is left as it was).
    """
    if not _fts5_available():
        raise WsisdedupError(
            f"the SQLite library of this Python (version {sqlite3.sqlite_version}) has no FTS5 "
            "full-text search, which the sqlite export needs; use a Python built with a "
            "current SQLite, or another --format"
        )
    views = _thread_views(archive)
    with replacing(path, inputs=archive_inputs(archive)) as tmp:
        try:
            con = sqlite3.connect(tmp)
            try:
                _fill_sqlite(con, archive, views)
                con.commit()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise OutputError(f"SQLite could not write it: {exc}", path=str(path)) from exc


def _fill_sqlite(con: sqlite3.Connection, archive: Archive, views: Sequence[_ThreadView]) -> None:
    """Create the schema and fill every table; the full-text index last, rebuilt from `messages`."""
    con.executescript(_SQL_SCHEMA)
    _insert_messages(con, archive)
    _insert_message_parts(con, archive)
    _insert_threads(con, views)
    con.executemany(
        "INSERT INTO problems VALUES (?,?,?,?)",
        ((p.what, p.path, p.line, p.offset) for p in archive.problems),
    )
    con.executemany("INSERT INTO stats VALUES (?,?)", archive.stats.as_dict().items())
    con.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")


def _insert_messages(con: sqlite3.Connection, archive: Archive) -> None:
    """One `messages` row per message, numbered in archive order (the FTS rowid)."""
    con.executemany(
        "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                num,
                m.id,
                m.thread_id,
                m.parent_id,
                m.parent_evidence.value if m.parent_evidence else None,
                m.author.name,
                m.author.address,
                _iso(m.date),
                m.subject,
                new_text,
                m.signature,
                m.body,
                len(new_text),
                len(m.body),
                m.duplicate_score,
                m.repeat_of,
                *_source_row(m.source),
            )
            for num, m in enumerate(archive.messages, 1)
            for new_text in (m.new_text,)
        ),
    )


def _insert_message_parts(con: sqlite3.Connection, archive: Archive) -> None:
    """The rows each message owns several of: its segments, links and duplicate copies."""
    con.executemany(
        "INSERT INTO segments VALUES (?,?,?,?,?,?,?,?)",
        (
            (m.id, i, s.kind.value, s.start, s.end, s.depth, s.source_id, s.text)
            for m in archive.messages
            for i, s in enumerate(m.segments)
        ),
    )
    con.executemany(
        "INSERT INTO links VALUES (?,?,?,?,?,?,?,?,?)",
        (
            (
                m.id,
                i,
                lk.written,
                lk.original,
                lk.rewriter.value,
                int(lk.truncated),
                int(lk.completed),
                lk.start,
                lk.end,
            )
            for m in archive.messages
            for i, lk in enumerate(m.links)
        ),
    )
    con.executemany(
        "INSERT INTO duplicates VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            (m.id, i, *_source_row(s), *_copy_row(m, i))
            for m in archive.messages
            for i, s in enumerate(m.duplicates)
        ),
    )


def _copy_row(m: Message, i: int) -> tuple[str | None, str | None, float | None]:
    """The copy's id, why it is a copy and how alike, where the message records them."""
    if len(m.copies) != len(m.duplicates):
        return None, None, None
    c = m.copies[i]
    return c.id, c.reason.value, c.score


def _insert_threads(con: sqlite3.Connection, views: Sequence[_ThreadView]) -> None:
    """A `threads` row per view, in the order shown, and its messages depth-first."""
    for position, view in enumerate(views):
        dates = sorted(
            (p.message.date for p in view.placed if p.message.date is not None), key=_utc_sort_key
        )
        con.execute(
            "INSERT INTO threads VALUES (?,?,?,?,?,?,?)",
            (
                view.id,
                position,
                view.root.id,
                view.root.subject,
                len(view.placed),
                _iso(dates[0]) if dates else None,
                _iso(dates[-1]) if dates else None,
            ),
        )
        con.executemany(
            "INSERT INTO thread_messages VALUES (?,?,?,?)",
            ((view.id, i, p.message.id, p.depth) for i, p in enumerate(view.placed)),
        )
