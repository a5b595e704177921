"""A SQLite store of a list, kept up to date in place.

    from wsisdedup.store import sync

    report = sync("https://mail.python.org/pipermail/python-dev/", "python-dev.sqlite")
    print(report.summary())

The store has the tables of the SQLite export (`--format sqlite`) and, besides, the archive's
address, the files (months) read into it with their ETag, size and sha256, the wsisdedup
version that built it, and each message as its reader gave it, so that a later run can update
it one month at a time. `wsisdedup.read("python-dev.sqlite")` reads it back. See docs/store.md.

Modules, in layers: `schema` (the tables, opening a store) -> `write` (raw messages; the
archive's tables written as row differences) -> `run` (`sync` and `update`: fetch, then one
transaction per changed month).
"""

from __future__ import annotations

from wsisdedup.store.run import SyncReport, sync, update

__all__ = ["SyncReport", "sync", "update"]
