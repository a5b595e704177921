"""Keep a store up to date: fetch what changed, read only the changed files, and write each one
in a transaction of its own.

Each changed file (a month) is one transaction: its raw messages replace the old ones, the
archive-wide joins are run again over every raw message of the store (footers, repeated text,
copies and threads depend on the whole archive), and only the table rows that differ are
written (`write.write_archive`). An interrupted run leaves the store as the last committed
month left it; the next run finds the months still missing (their sha256 is not in
`store_units`) and carries on.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
import httpx

from wsisdedup.errors import OutputError, WsisdedupError
from wsisdedup.fetch import FetchFailure, FetchReport, Politeness, ProgressEvent, fetch
from wsisdedup.fetch.files import load_validators
from wsisdedup.fetch.model import Kind
from wsisdedup.model import Archive, ParsedMessage, Problem
from wsisdedup.pipeline import build_archive
from wsisdedup.readers import read_messages
from wsisdedup.store.schema import now, open_store, version
from wsisdedup.store.write import Changes, RawUnit, in_order, load_raw, save_raw, write_archive

__all__ = ["SyncReport", "UnitFile", "sync", "update"]

log = logging.getLogger(__name__)

FETCH_CACHE = ".wsisdedup-fetch"


@attrs.frozen(kw_only=True)
class UnitFile:
    """A file to keep in the store: its name there, month, where it is and where it came from."""

    name: str
    path: Path
    month: str | None = None
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    empty: bool = False
    rename_sources: bool = False
    """Record the messages' source as `name` rather than the path on disk (fetched files:
    the store does not depend on where the files were kept)."""


@attrs.frozen(kw_only=True)
class SyncReport:
    """What one run did to a store."""

    db: Path
    updated: tuple[str, ...] = ()
    """Files read and written into the store (new or changed), in the order written."""
    unchanged: tuple[str, ...] = ()
    """Files already in the store with the same bytes: not read again."""
    messages: int = 0
    """Messages in the store after the run (copies collapsed)."""
    rows_written: int = 0
    """Table rows deleted or inserted by the run (the raw tables not counted)."""
    fetch: FetchReport | None = None
    problems: int = 0
    """Problems in the store after the run (messages or files that could not be read)."""
    rebuilt: bool = False
    """The tables were recomputed though no file changed (the store was built by another
    wsisdedup version)."""

    @property
    def failed(self) -> tuple[FetchFailure, ...]:
        return self.fetch.failed if self.fetch is not None else ()

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        text = (
            f"{self.db}: {len(self.updated)} files updated, {len(self.unchanged)} unchanged,"
            f" {self.messages} messages, {self.problems} problems, {self.rows_written} rows written"
        )
        if self.fetch is not None:
            text += f"; fetch: {self.fetch.summary()}"
        return text


def sync(
    url: str,
    db: str | Path,
    *,
    files_dir: str | Path | None = None,
    since: str | None = None,
    until: str | None = None,
    kind: Kind | None = None,
    politeness: Politeness | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    per_commit: int = 1,
    sleep: Callable[[float], None] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> SyncReport:
    """Fetch a list's archive from `url` (`wsisdedup.fetch.fetch`) and bring the store `db` up
    to date with it, creating the store on the first run.

    The fetched files are kept in `files_dir` (default: `DB.files` beside the store), so that
    the next run asks the server only for what changed. Each new or changed month is a
    transaction of its own; `per_commit=N` puts N months in each (the joins run once per
    transaction, so a first build of a long history is about N times faster, and an
    interruption loses up to N months of work). Months that failed to download are in
    `SyncReport.failed`; every month that was fetched whole is in the store. Raises
    `WsisdedupError` when the store holds another archive, `OutputError` when `db` is not a
    store, and `FetchError` when nothing can be fetched at all.
    """
    db_path = Path(db)
    folder = (
        Path(files_dir) if files_dir is not None else db_path.with_name(db_path.name + ".files")
    )
    if db_path.exists():  # refuse another archive's store before fetching anything
        con = open_store(db_path)
        try:
            _check_archive(con, url)
        finally:
            con.close()
    report = fetch(
        url,
        folder,
        since=since,
        until=until,
        kind=kind,
        politeness=politeness,
        on_progress=on_progress,
        sleep=sleep,
        transport=transport,
    )
    cache = folder / FETCH_CACHE
    files = [
        UnitFile(
            name=f.path.name,
            path=f.path,
            month=f.month,
            url=f.url,
            empty=f.empty,
            rename_sources=True,
            **load_validators(cache / (f.path.name + ".json"), f.path),
        )
        for f in report.new + report.unchanged
    ]
    meta = {"archive_url": url, "kind": report.kind, "files_dir": str(folder)}
    done = _update_store(db_path, files, meta, per_commit=per_commit)
    return attrs.evolve(done, fetch=report)


def update(
    db: str | Path,
    paths: Sequence[str | Path],
    *,
    format: str | None = None,
    per_commit: int = 1,
) -> SyncReport:
    """Bring the store `db` up to date with archive files on disk (created on the first run).

    A file already in the store with the same bytes is not read again; a changed or new one is
    read and written in a transaction of its own. Files are kept in the store under the path
    given, in the order of their names. `per_commit` as for `sync`.
    """
    files = [UnitFile(name=str(p), path=Path(p)) for p in paths]
    return _update_store(Path(db), files, {}, format=format, per_commit=per_commit)


def _update_store(
    db_path: Path,
    files: Sequence[UnitFile],
    meta: dict[str, str],
    *,
    format: str | None = None,
    per_commit: int = 1,
) -> SyncReport:
    con = open_store(db_path)
    try:
        if "archive_url" in meta:
            _check_archive(con, meta["archive_url"])
        done = _apply(con, files, meta, format=format, per_commit=per_commit)
    except sqlite3.Error as exc:
        raise OutputError(f"SQLite could not update it: {exc}", path=str(db_path)) from exc
    finally:
        con.close()
    return attrs.evolve(done, db=db_path)


def _check_archive(con: sqlite3.Connection, url: str) -> None:
    row = con.execute("SELECT value FROM store_meta WHERE key = 'archive_url'").fetchone()
    if row is not None and row[0].rstrip("/") != url.rstrip("/"):
        raise WsisdedupError(f"the store holds {row[0]}, not {url}: give another --db")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _apply(
    con: sqlite3.Connection,
    files: Sequence[UnitFile],
    meta: dict[str, str],
    *,
    format: str | None = None,
    per_commit: int = 1,
) -> SyncReport:
    """Write the new or changed files, `per_commit` of them per transaction; skip the others."""
    stored = dict(con.execute("SELECT name, sha256 FROM store_units").fetchall())
    built_by = con.execute("SELECT value FROM store_meta WHERE key = 'wsisdedup_version'")
    stale = (built_by.fetchone() or [None])[0] != version() and bool(stored)
    changed: list[tuple[UnitFile, str]] = []
    unchanged: list[str] = []
    for f in sorted(files, key=lambda f: (f.month or "", f.name)):
        sha = _sha256(f.path)
        if stored.get(f.name) == sha:
            unchanged.append(f.name)
        else:
            changed.append((f, sha))
    raw = load_raw(con) if changed or stale else {}
    rows = 0
    step = max(1, per_commit)
    for start in range(0, len(changed), step):
        group = [(_read_unit(f, format), f, sha) for f, sha in changed[start : start + step]]
        raw.update((unit.name, unit) for unit, _, _ in group)
        rows += _commit(con, raw, meta, group).total
        for unit, f, _ in group:
            log.info("%s: %d messages written", f.name, len(unit.messages))
    rebuilt = not changed and stale
    if rebuilt:
        rows += _commit(con, raw, meta, []).total
    messages: int = con.execute("SELECT count(*) FROM messages").fetchone()[0]
    problems: int = con.execute("SELECT count(*) FROM problems").fetchone()[0]
    return SyncReport(
        db=Path(),
        updated=tuple(f.name for f, _ in changed),
        unchanged=tuple(unchanged),
        messages=messages,
        rows_written=rows,
        problems=problems,
        rebuilt=rebuilt,
    )


def _commit(
    con: sqlite3.Connection,
    raw: dict[str, RawUnit],
    meta: dict[str, str],
    group: Sequence[tuple[RawUnit, UnitFile, str]],
) -> Changes:
    """One transaction: the files' raw rows, the archive's changed rows, the bookkeeping."""
    con.execute("BEGIN IMMEDIATE")  # waits for another writer, up to sqlite3's timeout
    try:
        for unit, f, sha in group:
            save_raw(con, unit)
            _save_unit(con, f, unit, sha)
        changes = write_archive(con, _archive_of(raw))
        stamp = now()
        values = {**meta, "wsisdedup_version": version(), "updated_at": stamp}
        con.executemany("INSERT OR REPLACE INTO store_meta VALUES (?,?)", values.items())
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return changes


def _save_unit(con: sqlite3.Connection, f: UnitFile, unit: RawUnit, sha: str) -> None:
    con.execute("DELETE FROM store_units WHERE name = ?", (f.name,))
    con.execute(
        "INSERT INTO store_units VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            f.name,
            f.month,
            f.url,
            f.etag,
            f.last_modified,
            f.path.stat().st_size,
            sha,
            len(unit.messages),
            len(unit.problems),
            version(),
            now(),
        ),
    )


def _archive_of(raw: dict[str, RawUnit]) -> Archive:
    units = in_order(raw.values())
    return build_archive(
        [m for u in units for m in u.messages], [p for u in units for p in u.problems]
    )


def _read_unit(f: UnitFile, format: str | None) -> RawUnit:
    """A file's messages and problems in the order `wsisdedup.read_many` meets them."""
    messages: list[ParsedMessage] = []
    problems: list[Problem] = []
    if not f.empty:
        try:
            for item in read_messages(str(f.path), format=format):
                if isinstance(item, Problem):
                    problems.append(item)
                else:
                    messages.append(item)
                    problems.extend(item.problems)
        except WsisdedupError as exc:
            problems.append(Problem(what=f"not read: {exc}", path=str(f.path)))
    if f.rename_sources:
        where = str(f.path)
        messages = [attrs.evolve(m, source=attrs.evolve(m.source, path=f.name)) for m in messages]
        problems = [attrs.evolve(p, path=f.name) if p.path == where else p for p in problems]
    return RawUnit(name=f.name, month=f.month, messages=tuple(messages), problems=tuple(problems))
