"""SQLite: a database of messages, segments, links, threads and stats, with full-text search."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import attrs

from wsisdedup.errors import ArchiveFormatError, OutputError, WsisdedupError
from wsisdedup.export.atomic import PathArg, archive_inputs, replacing
from wsisdedup.export.views import _thread_views, _ThreadView
from wsisdedup.model import (
    Archive,
    Copy,
    CopyReason,
    Evidence,
    ForwardInfo,
    Link,
    Message,
    Person,
    Problem,
    Rewriter,
    Segment,
    SegmentKind,
    Source,
    Stats,
    Thread,
    ThreadNode,
)

__all__ = ["SQL_SCHEMA", "TABLES", "is_sqlite", "read_sqlite", "table_rows", "write_sqlite"]

Row = tuple[object, ...]


SQL_SCHEMA = """
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
    source_index INTEGER NOT NULL,
    in_reply_to TEXT NOT NULL DEFAULT '[]',  -- JSON list of ids, as the headers give them
    refs TEXT NOT NULL DEFAULT '[]'          -- JSON list: the References header's ids
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
    forward TEXT,                 -- for forward headers: JSON of the forwarded message's headers
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
CREATE TABLE problems (
    what TEXT NOT NULL, path TEXT NOT NULL, line INTEGER, byte_offset INTEGER,
    position INTEGER              -- the order the problems were met in
);
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


# The tables that hold the archive, in the order they are filled (the full-text index and
# the view follow from them). `table_rows` gives each one's rows, columns in table order.
TABLES = (
    "messages",
    "segments",
    "links",
    "duplicates",
    "threads",
    "thread_messages",
    "problems",
    "stats",
)


def _fts5_available() -> bool:
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE probe USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()
    return True


def require_fts5() -> None:
    """Raise `WsisdedupError` when this Python's SQLite has no FTS5."""
    if not _fts5_available():
        raise WsisdedupError(
            f"the SQLite library of this Python (version {sqlite3.sqlite_version}) has no FTS5 "
            "full-text search, which the sqlite export needs; use a Python built with a "
            "current SQLite, or another --format"
        )


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
    `wsisdedup.read(path)` reads the file back into an equal `Archive`.
    Raises `WsisdedupError` if this Python's SQLite has no FTS5, and `OutputError` if the
    file cannot be written (the old file at `path`, if any, is left as it was).
    """
    require_fts5()
    with replacing(path, inputs=archive_inputs(archive)) as tmp:
        try:
            con = sqlite3.connect(tmp)
            try:
                _fill_sqlite(con, archive)
                con.commit()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise OutputError(f"SQLite could not write it: {exc}", path=str(path)) from exc


def _fill_sqlite(con: sqlite3.Connection, archive: Archive) -> None:
    """Create the schema and fill every table; the full-text index last, rebuilt from `messages`."""
    con.executescript(SQL_SCHEMA)
    for table, rows in table_rows(archive).items():
        insert_rows(con, table, rows)
    con.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")


def insert_rows(con: sqlite3.Connection, table: str, rows: Iterator[Row] | Sequence[Row]) -> None:
    """Insert whole rows (every column, in table order) into one of `TABLES`."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    marks = ",".join("?" * len(first))
    con.executemany(f"INSERT INTO {table} VALUES ({marks})", _chain(first, rows))


def _chain(first: Row, rest: Iterator[Row]) -> Iterator[Row]:
    yield first
    yield from rest


def table_rows(archive: Archive) -> dict[str, Iterator[Row]]:
    """Each table of `TABLES` -> its rows for this archive, every column in table order.

    Values are of the types SQLite gives back (booleans as 0/1), so rows read from a database
    compare equal to these: the store (`wsisdedup.store`) writes only the rows that differ.
    """
    views = _thread_views(archive)
    return {
        "messages": _message_rows(archive),
        "segments": _segment_rows(archive),
        "links": _link_rows(archive),
        "duplicates": (
            (m.id, i, *_source_row(s), *_copy_row(m, i))
            for m in archive.messages
            for i, s in enumerate(m.duplicates)
        ),
        "threads": _thread_rows(views),
        "thread_messages": (
            (view.id, i, p.message.id, p.depth) for view in views for i, p in enumerate(view.placed)
        ),
        "problems": ((p.what, p.path, p.line, p.offset, i) for i, p in enumerate(archive.problems)),
        "stats": iter(archive.stats.as_dict().items()),
    }


def _message_rows(archive: Archive) -> Iterator[Row]:
    """One `messages` row per message, numbered in archive order (the FTS rowid)."""
    for num, m in enumerate(archive.messages, 1):
        new_text = m.new_text
        yield (
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
            json.dumps(list(m.in_reply_to), ensure_ascii=False),
            json.dumps(list(m.references), ensure_ascii=False),
        )


def _segment_rows(archive: Archive) -> Iterator[Row]:
    for m in archive.messages:
        for i, s in enumerate(m.segments):
            yield (
                m.id,
                i,
                s.kind.value,
                s.start,
                s.end,
                s.depth,
                s.source_id,
                s.text,
                _forward_json(s),
            )


def _forward_json(s: Segment) -> str | None:
    f = s.forward
    if f is None:
        return None
    return json.dumps(
        {
            "author_name": f.author.name,
            "author_address": f.author.address,
            "date": _iso(f.date),
            "date_text": f.date_text,
            "subject": f.subject,
        },
        ensure_ascii=False,
    )


def forward_of(text: str | None) -> ForwardInfo | None:
    """The `ForwardInfo` of a `segments.forward` column (None for NULL)."""
    if text is None:
        return None
    d = json.loads(text)
    return ForwardInfo(
        author=Person(name=d["author_name"], address=d["author_address"]),
        date=datetime.fromisoformat(d["date"]) if d["date"] else None,
        date_text=d["date_text"],
        subject=d["subject"],
    )


def _link_rows(archive: Archive) -> Iterator[Row]:
    for m in archive.messages:
        for i, lk in enumerate(m.links):
            yield (
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


def _copy_row(m: Message, i: int) -> tuple[str | None, str | None, float | None]:
    """The copy's id, why it is a copy and how alike, where the message records them."""
    if len(m.copies) != len(m.duplicates):
        return None, None, None
    c = m.copies[i]
    return c.id, c.reason.value, c.score


def _thread_rows(views: Sequence[_ThreadView]) -> Iterator[Row]:
    """A `threads` row per view, in the order shown."""
    for position, view in enumerate(views):
        dates = sorted(
            (p.message.date for p in view.placed if p.message.date is not None), key=_utc_sort_key
        )
        yield (
            view.id,
            position,
            view.root.id,
            view.root.subject,
            len(view.placed),
            _iso(dates[0]) if dates else None,
            _iso(dates[-1]) if dates else None,
        )


# --------------------------------------------------------------------------------------------
# Reading a database back


def is_sqlite(path: PathArg) -> bool:
    """The file starts with SQLite's header (a store or an export)."""
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def read_sqlite(path: PathArg) -> Archive:
    """The `Archive` a database written by `write_sqlite` (or a store) holds.

    Equal to the archive it was written from, for any archive the pipeline builds (threads are
    read from `threads` and `thread_messages`, which list each message once). Raises
    `ArchiveFormatError` when the file is not such a database.
    """
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ArchiveFormatError(f"cannot open it as SQLite: {exc}", path=str(path)) from exc
    con.row_factory = sqlite3.Row
    try:
        return _read_archive(con)
    except (sqlite3.Error, KeyError, IndexError, ValueError) as exc:
        raise ArchiveFormatError(f"not a wsisdedup SQLite database: {exc}", path=str(path)) from exc
    finally:
        con.close()


def _read_archive(con: sqlite3.Connection) -> Archive:
    parts: dict[str, dict[str, list[sqlite3.Row]]] = {}
    for table in ("segments", "links", "duplicates"):
        by_message: dict[str, list[sqlite3.Row]] = {}
        for r in con.execute(f"SELECT * FROM {table} ORDER BY message_id, position"):
            by_message.setdefault(r["message_id"], []).append(r)
        parts[table] = by_message
    messages = tuple(
        _message_of(r, parts) for r in con.execute("SELECT * FROM messages ORDER BY num")
    )
    nodes: dict[str, list[ThreadNode]] = {}
    for r in con.execute("SELECT * FROM thread_messages ORDER BY thread_id, position"):
        nodes.setdefault(r["thread_id"], []).append(
            ThreadNode(id=r["message_id"], depth=r["depth"])
        )
    threads = tuple(
        Thread(root_id=r["root_id"], nodes=tuple(nodes.get(r["id"], ())))
        for r in con.execute("SELECT id, root_id FROM threads ORDER BY position")
    )
    problems = tuple(
        Problem(what=r["what"], path=r["path"], line=r["line"], offset=r["byte_offset"])
        for r in con.execute("SELECT * FROM problems ORDER BY position, rowid")
    )
    figures = dict(con.execute("SELECT name, value FROM stats").fetchall())
    fields = [f.name for f in attrs.fields(Stats)]
    stats = Stats(**{k: int(figures[k]) for k in fields if k in figures})
    return Archive(messages=messages, threads=threads, problems=problems, stats=stats)


def _source_of(r: sqlite3.Row) -> Source:
    return Source(
        path=r["source_path"],
        format=r["source_format"],
        offset=r["source_byte_offset"],
        line=r["source_line"],
        index=r["source_index"],
    )


def _column(r: sqlite3.Row, column: str) -> str | None:
    """A column that databases written before it was added lack (None there)."""
    try:
        value: str | None = r[column]
    except IndexError:
        return None
    return value


def _ids(r: sqlite3.Row, column: str) -> tuple[str, ...]:
    text = _column(r, column)
    return tuple(json.loads(text)) if text else ()


def _message_of(r: sqlite3.Row, parts: dict[str, dict[str, list[sqlite3.Row]]]) -> Message:
    mid = r["id"]
    dups = parts["duplicates"].get(mid, [])
    return Message(
        id=mid,
        source=_source_of(r),
        author=Person(name=r["author_name"], address=r["author_address"]),
        date=datetime.fromisoformat(r["date"]) if r["date"] else None,
        subject=r["subject"],
        body=r["body"],
        segments=tuple(_segment_of(s, r["body"]) for s in parts["segments"].get(mid, [])),
        links=tuple(_link_of(lk) for lk in parts["links"].get(mid, [])),
        parent_id=r["parent_id"],
        parent_evidence=Evidence(r["parent_evidence"]) if r["parent_evidence"] else None,
        thread_id=r["thread_id"],
        in_reply_to=_ids(r, "in_reply_to"),
        references=_ids(r, "refs"),
        duplicates=tuple(_source_of(d) for d in dups),
        duplicate_score=r["duplicate_score"],
        copies=tuple(
            Copy(
                id=d["copy_id"],
                source=_source_of(d),
                reason=CopyReason(d["reason"]),
                score=d["score"],
            )
            for d in dups
            if d["copy_id"] is not None
        ),
        repeat_of=r["repeat_of"],
    )


def _segment_of(s: sqlite3.Row, body: str) -> Segment:
    """A stored segment, holding its message's body (not a copy of its text) where the text
    stored is the body's at its span, as the library always writes it."""
    start, end, text = s["span_start"], s["span_end"], s["text"]
    return Segment(
        kind=SegmentKind(s["kind"]),
        start=start,
        end=end,
        text=None if body[start:end] == text else text,
        within=body,
        depth=s["depth"],
        source_id=s["source_id"],
        forward=forward_of(_column(s, "forward")),
    )


def _link_of(lk: sqlite3.Row) -> Link:
    return Link(
        written=lk["written"],
        original=lk["original"],
        rewriter=Rewriter(lk["rewriter"]),
        truncated=bool(lk["truncated"]),
        completed=bool(lk["completed"]),
        start=lk["span_start"],
        end=lk["span_end"],
    )
