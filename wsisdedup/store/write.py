"""Writes into a store: a file's raw messages, and the archive's tables as row differences.

`write_archive` compares each table's rows with the rows the new archive has
(`wsisdedup.export.sqlite.table_rows`) and deletes the rows that went, inserts the rows that
came, and leaves every other row as it is: a message whose thread, quotes and copies did not
change is not written again, and neither are its segments and links.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs

from wsisdedup.export.sqlite import TABLES, Row, insert_rows, table_rows
from wsisdedup.model import Archive, ParsedMessage, Person, Problem, Source

__all__ = ["Changes", "RawUnit", "in_order", "load_raw", "save_raw", "write_archive"]


@attrs.frozen(kw_only=True)
class RawUnit:
    """One file's messages as its reader gave them, and the problems met reading it, in order."""

    name: str
    month: str | None
    messages: tuple[ParsedMessage, ...]
    problems: tuple[Problem, ...]


@attrs.frozen(kw_only=True)
class Changes:
    """Rows deleted and inserted per table by one `write_archive`."""

    deleted: dict[str, int]
    inserted: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.deleted.values()) + sum(self.inserted.values())


def save_raw(con: sqlite3.Connection, unit: RawUnit) -> None:
    """Replace the raw messages and problems of one file (inside the caller's transaction)."""
    con.execute("DELETE FROM raw_messages WHERE unit = ?", (unit.name,))
    con.execute("DELETE FROM raw_problems WHERE unit = ?", (unit.name,))
    con.executemany(
        "INSERT INTO raw_messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                unit.name,
                i,
                p.message_id,
                p.source.path,
                p.source.format,
                p.source.line,
                p.source.offset,
                p.source.index,
                json.dumps(list(p.in_reply_to), ensure_ascii=False),
                json.dumps(list(p.references), ensure_ascii=False),
                p.author.name,
                p.author.address,
                p.date.isoformat() if p.date is not None else None,
                p.subject,
                p.body,
                p.quotes_index,
            )
            for i, p in enumerate(unit.messages)
        ),
    )
    con.executemany(
        "INSERT INTO raw_problems VALUES (?,?,?,?,?,?)",
        ((unit.name, i, p.what, p.path, p.line, p.offset) for i, p in enumerate(unit.problems)),
    )


def load_raw(con: sqlite3.Connection) -> dict[str, RawUnit]:
    """Every file's raw messages and problems, by file name."""
    messages: dict[str, list[ParsedMessage]] = {}
    for r in con.execute("SELECT * FROM raw_messages ORDER BY unit, position"):
        messages.setdefault(r[0], []).append(_parsed(r))
    problems: dict[str, list[Problem]] = {}
    for unit, what, path, line, offset in con.execute(
        "SELECT unit, what, path, line, byte_offset FROM raw_problems ORDER BY unit, position"
    ):
        problems.setdefault(unit, []).append(
            Problem(what=what, path=path, line=line, offset=offset)
        )
    return {
        name: RawUnit(
            name=name,
            month=month,
            messages=tuple(messages.get(name, ())),
            problems=tuple(problems.get(name, ())),
        )
        for name, month in con.execute("SELECT name, month FROM store_units")
    }


def _parsed(r: tuple[Any, ...]) -> ParsedMessage:
    (_, _, mid, path, fmt, line, offset, index, irt, refs, name, address, date) = r[:13]
    subject, body, quotes_index = r[13:16]
    return ParsedMessage(
        source=Source(path=path, format=fmt, line=line, offset=offset, index=index),
        message_id=mid,
        in_reply_to=tuple(json.loads(irt)),
        references=tuple(json.loads(refs)),
        author=Person(name=name, address=address),
        date=datetime.fromisoformat(date) if date else None,
        subject=subject,
        body=body,
        quotes_index=quotes_index,
    )


def in_order(units: Iterable[RawUnit]) -> list[RawUnit]:
    """Files in archive order: by month, then by name (as `FetchReport.paths` lists them)."""
    return sorted(units, key=lambda u: (u.month or "", u.name))


def write_archive(con: sqlite3.Connection, archive: Archive) -> Changes:
    """Make the archive's tables hold `archive`, writing only the rows that differ.

    Inside the caller's transaction. Rows are compared whole, so a row whose any column
    changed is deleted and inserted again, and an unchanged row keeps its rowid.
    """
    deleted: dict[str, int] = {}
    inserted: dict[str, int] = {}
    wanted = table_rows(archive)
    for table in TABLES:
        rows = list(wanted[table])
        gone, new = _difference(con, table, rows)
        if gone:
            con.executemany(f"DELETE FROM {table} WHERE rowid = ?", ((r,) for r in gone))
        insert_rows(con, table, new)
        deleted[table], inserted[table] = len(gone), len(new)
    return Changes(deleted=deleted, inserted=inserted)


def _difference(
    con: sqlite3.Connection, table: str, rows: Sequence[Row]
) -> tuple[list[int], list[Row]]:
    """The rowids of the stored rows that `rows` no longer has, and the rows to insert."""
    wanted = Counter(rows)
    gone: list[int] = []
    for rowid, *values in con.execute(f"SELECT rowid, * FROM {table}"):
        row = tuple(values)
        if wanted[row] > 0:
            wanted[row] -= 1
        else:
            gone.append(rowid)
    keep = +wanted
    new = [r for r in rows if keep[r] > 0 and _take(keep, r)]
    return gone, new


def _take(counts: Counter[Row], row: Row) -> bool:
    counts[row] -= 1
    return True
