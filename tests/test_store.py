"""The SQLite store: `wsisdedup.read` reads an export or a store back, and `wsisdedup.store.sync`
keeps one up to date from a list's archive served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import CORPUS, NUMPY, SEED
from fetch_server import ArchiveServer, Resource
from test_fetch import (
    FAST,
    LIST,
    MSGID,
    PIPER_MONTHS,
    Corpus,
    Sleeps,
    _piper_index,
    _serve_hyperkitty,
    _serve_pipermail,
    _split_mbox,
    corpus,
    server,
)

import wsisdedup
from wsisdedup.cli import main
from wsisdedup.export import write_sqlite
from wsisdedup.fetch import FetchError
from wsisdedup.store import SyncReport, sync, update
from wsisdedup.store import run as store_run
from wsisdedup.store.write import Changes

__all__ = ["corpus", "server"]  # the fixtures of test_fetch, used here


@pytest.mark.parametrize("path", [*CORPUS, SEED], ids=lambda p: p.name)
def test_an_export_reads_back_into_an_equal_archive(path: Path, tmp_path: Path) -> None:
    archive = wsisdedup.read(path)
    db = tmp_path / "out.sqlite"
    write_sqlite(archive, db)
    back = wsisdedup.read(db)
    assert back.messages == archive.messages  # segments, links, copies, headers
    assert back.threads == archive.threads
    assert back.problems == archive.problems
    assert back.stats == archive.stats
    assert back == archive


# --- sync against a real HTTP server --------------------------------------------------------

# Timestamps of a run, the only values two builds of one archive may differ in.
_RUN_COLUMNS = {"store_units": ("updated_at",)}
_RUN_META = ("created_at", "updated_at", "files_dir")


def _tables(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows (the full-text index's shadow tables aside), sorted, without the
    timestamps of the run that wrote them."""
    con = sqlite3.connect(db)
    try:
        names = [
            n
            for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not n.startswith("messages_fts") and n != "audit"
        ]
        out: dict[str, list[tuple[object, ...]]] = {}
        for name in names:
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({name})")]
            keep = [c for c in cols if c not in _RUN_COLUMNS.get(name, ())]
            rows = con.execute(f"SELECT {', '.join(keep)} FROM {name}").fetchall()
            if name == "store_meta":
                rows = [r for r in rows if r[0] not in _RUN_META]
            out[name] = sorted(rows, key=repr)
        return out
    finally:
        con.close()


def _assert_same_store(db: Path, fresh: Path) -> None:
    got, want = _tables(db), _tables(fresh)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name


def _sync(server: ArchiveServer, db: Path, **kwargs: object) -> SyncReport:
    kwargs.setdefault("politeness", FAST)
    kwargs.setdefault("sleep", Sleeps())
    return sync(f"{server.url}/pipermail/evs/", db, **kwargs)  # type: ignore[arg-type]


def _serve_months(server: ArchiveServer, corpus: Corpus, months: list[str]) -> None:
    """Serve these months of the pipermail archive, with the same bytes on every call."""
    if not _SERVED.get(server.url):
        _serve_pipermail(server, corpus)
        _SERVED[server.url] = dict(server.resources)
    server.resources = {
        path: r
        for path, r in _SERVED[server.url].items()
        if not any(
            f"{m[:4]}-{name}." in path for m, name in PIPER_MONTHS.items() if m not in months
        )
    }
    server.resources["/pipermail/evs/"] = Resource(
        _piper_index({m: PIPER_MONTHS[m] for m in months}), "text/html"
    )


_SERVED: dict[str, dict[str, Resource]] = {}


def _fresh(server: ArchiveServer, tmp_path: Path) -> Path:
    """A store built in one run from every month the server has now."""
    fresh = tmp_path / "fresh" / "list.sqlite"
    fresh.parent.mkdir()
    report = _sync(server, fresh)
    assert report.ok
    return fresh


def _count_rows(db: Path, table: str) -> int:
    con = sqlite3.connect(db)
    try:
        n: int = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return n
    finally:
        con.close()


def test_sync_twice_as_the_archive_grows_equals_a_fresh_build(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    db = tmp_path / "list.sqlite"
    _serve_months(server, corpus, ["2010-01", "2010-02"])
    first = _sync(server, db)
    assert first.ok and first.updated == ("2010-January.txt.gz", "2010-February.txt.gz")
    before = _tables(db)
    _audit(db)
    _serve_months(server, corpus, ["2010-01", "2010-02", "2010-03"])
    second = _sync(server, db)
    assert second.updated == ("2010-March.txt.gz",)
    assert second.unchanged == ("2010-January.txt.gz", "2010-February.txt.gz")
    # The two months already there were asked for conditionally and not downloaded again.
    assert [f.path.name for f in second.fetch.unchanged] == list(second.unchanged)  # type: ignore[union-attr]
    _assert_same_store(db, _fresh(server, tmp_path))
    assert second.messages == sum(corpus.piper_counts.values())

    # Nothing else rewritten: the rows of a message whose row did not change were not
    # touched, nor were its segments and links, nor the raw messages of the old months.
    after = _tables(db)
    changed = {r[1] for r in set(before["messages"]) ^ set(after["messages"])}
    touched = _touched(db)
    assert touched["raw_messages"] == set()
    for table in ("messages", "segments", "links"):
        assert touched[table] <= changed, table
    old_ids = {r[1] for r in before["messages"]}
    assert len(old_ids - changed) > 0.8 * len(old_ids)  # most old messages untouched


def _audit(db: Path) -> None:
    """Triggers that record each row written from now on, by message id."""
    con = sqlite3.connect(db)
    try:
        con.execute("CREATE TABLE audit (tbl TEXT, message_id TEXT)")
        for table, column in (
            ("messages", "id"),
            ("segments", "message_id"),
            ("links", "message_id"),
            ("raw_messages", "message_id"),
        ):
            for event, row in (("INSERT", "new"), ("DELETE", "old"), ("UPDATE", "new")):
                con.execute(
                    f"CREATE TRIGGER audit_{table}_{event} AFTER {event} ON {table} BEGIN "
                    f"INSERT INTO audit VALUES ('{table}', {row}.{column}); END"
                )
        con.commit()
    finally:
        con.close()


def _touched(db: Path) -> dict[str, set[str]]:
    con = sqlite3.connect(db)
    try:
        out: dict[str, set[str]] = {
            t: set() for t in ("messages", "segments", "links", "raw_messages")
        }
        new_month = {
            mid
            for (mid,) in con.execute(
                "SELECT message_id FROM raw_messages WHERE unit = '2010-March.txt.gz'"
            )
        }
        for table, mid in con.execute("SELECT tbl, message_id FROM audit"):
            if table == "raw_messages" and mid in new_month:
                continue
            out[table].add(mid)
        return out
    finally:
        con.close()


def test_an_interrupted_run_keeps_the_months_committed_and_the_next_run_completes_it(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve_months(server, corpus, list(PIPER_MONTHS))
    db = tmp_path / "list.sqlite"
    calls: list[int] = []
    real = store_run.write_archive

    def crash_in_month_2(con: sqlite3.Connection, archive: wsisdedup.Archive) -> Changes:
        calls.append(1)
        changes = real(con, archive)  # month 2's rows are written, then the run dies
        if len(calls) == 2:
            raise KeyboardInterrupt
        return changes

    monkeypatch.setattr(store_run, "write_archive", crash_in_month_2)
    with pytest.raises(KeyboardInterrupt):
        _sync(server, db)
    monkeypatch.undo()
    tables = _tables(db)
    assert [r[0] for r in tables["store_units"]] == ["2010-January.txt.gz"]
    assert {r[0] for r in tables["raw_messages"]} == {"2010-January.txt.gz"}
    january = wsisdedup.read(db)
    assert len(january.messages) == corpus.piper_counts["2010-01"]
    assert {m.source.path for m in january.messages} == {"2010-January.txt.gz"}

    again = _sync(server, db)
    assert again.unchanged == ("2010-January.txt.gz",)
    assert again.updated == ("2010-February.txt.gz", "2010-March.txt.gz")
    _assert_same_store(db, _fresh(server, tmp_path))
    assert _count_rows(db, "messages") == sum(corpus.piper_counts.values())  # none twice


# Faults of issue 14: (path's faults on the first run, the months the first run must hold).
_JAN, _FEB, _MAR = (f"/pipermail/evs/2010-{n}.txt.gz" for n in ("January", "February", "March"))
FAULTS = {
    "404": ({_FEB: ["404"]}, ["2010-01", "2010-03"]),
    "500-then-ok": ({_FEB: ["500"]}, ["2010-01", "2010-02", "2010-03"]),
    "429-retry-after": ({_MAR: ["429:1"]}, ["2010-01", "2010-02", "2010-03"]),
    "cut-mid-file": ({_FEB: ["cut"] * 4}, ["2010-01", "2010-03"]),
    "truncated-gz": ({_JAN: ["truncate"]}, ["2010-02", "2010-03"]),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_after_a_fault_the_store_holds_what_was_fetched_and_a_rerun_completes_it(
    fault: str, server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    faults, held = FAULTS[fault]
    _serve_months(server, corpus, list(PIPER_MONTHS))
    server.faults = {path: list(queue) for path, queue in faults.items()}
    db = tmp_path / "list.sqlite"
    first = _sync(server, db)
    assert sorted(f.month for f in first.fetch.new) == held  # type: ignore[union-attr]
    assert first.ok == (len(held) == len(PIPER_MONTHS))
    archive = wsisdedup.read(db)
    assert len(archive.messages) == sum(corpus.piper_counts[m] for m in held)
    assert {u[1] for u in _tables(db)["store_units"]} == set(held)

    server.faults = {}
    again = _sync(server, db)
    assert again.ok
    assert len(again.unchanged) == len(held)
    assert len(again.updated) == len(PIPER_MONTHS) - len(held)
    _assert_same_store(db, _fresh(server, tmp_path))
    assert _count_rows(db, "messages") == sum(corpus.piper_counts.values())  # none twice


def test_an_unchanged_archive_is_answered_304_and_nothing_is_written(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_months(server, corpus, list(PIPER_MONTHS))
    db = tmp_path / "list.sqlite"
    _sync(server, db)
    before = db.read_bytes()
    server.requests.clear()
    again = _sync(server, db)
    assert again.updated == () and again.rows_written == 0
    assert len(again.unchanged) == len(PIPER_MONTHS)
    assert {r.headers.get("If-None-Match") for r in server.requests if r.path.endswith(".gz")} == {
        f'"{m}-v1"' for m in PIPER_MONTHS
    }
    assert db.read_bytes() == before


def test_the_store_reads_back_as_the_months_read_from_their_files(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    _serve_months(server, corpus, list(PIPER_MONTHS))
    db = tmp_path / "list.sqlite"
    report = _sync(server, db)
    from_files = wsisdedup.read_many(list(report.fetch.paths))  # type: ignore[union-attr]
    stored = wsisdedup.read(db)
    assert stored.stats == from_files.stats
    assert [m.id for m in stored.messages] == [m.id for m in from_files.messages]
    assert [m.segments for m in stored.messages] == [m.segments for m in from_files.messages]
    assert [(m.parent_id, m.thread_id) for m in stored.messages] == [
        (m.parent_id, m.thread_id) for m in from_files.messages
    ]
    assert {m.source.path for m in stored.messages} == {p.name for p in report.fetch.paths}  # type: ignore[union-attr]
    con = sqlite3.connect(db)
    try:
        meta = dict(con.execute("SELECT key, value FROM store_meta").fetchall())
        units = con.execute("SELECT name, month, etag, size, sha256 FROM store_units").fetchall()
    finally:
        con.close()
    assert meta["archive_url"] == f"{server.url}/pipermail/evs/"
    assert meta["kind"] == "pipermail" and meta["wsisdedup_version"] == wsisdedup.__version__
    assert sorted(u[1] for u in units) == sorted(PIPER_MONTHS)
    for name, month, etag, size, sha in units:
        data = (db.with_name(db.name + ".files") / name).read_bytes()
        assert (etag, size, sha) == (f'"{month}-v1"', len(data), hashlib.sha256(data).hexdigest())


# --- the command line ------------------------------------------------------------------------


def test_command_line_sync_builds_then_updates_the_store(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "evs.sqlite"
    url = f"{server.url}/pipermail/evs/"
    _serve_months(server, corpus, ["2010-01", "2010-02"])
    assert main(["sync", url, "--db", str(db), "--min-interval", "0"]) == 0
    assert "2 files updated, 0 unchanged" in capsys.readouterr().out
    _serve_months(server, corpus, list(PIPER_MONTHS))
    assert main(["sync", url, "--db", str(db), "--min-interval", "0"]) == 0
    out = capsys.readouterr().out
    assert "1 files updated, 2 unchanged" in out
    assert f"{sum(corpus.piper_counts.values())} messages" in out
    _assert_same_store(db, _fresh(server, tmp_path))
    # A store holds one archive: another address is refused, and the store is left as it was.
    before = db.read_bytes()
    assert main(["sync", f"{server.url}/pipermail/other/", "--db", str(db)]) == 2
    assert "the store holds" in capsys.readouterr().err
    assert db.read_bytes() == before


def _month_files(corpus: Corpus, folder: Path) -> list[Path]:
    paths = []
    for month, text in corpus.piper.items():
        path = folder / f"{month}.txt"
        path.write_bytes(text)
        paths.append(path)
    return paths


def test_command_line_clean_into_a_store_adds_files_in_place(
    corpus: Corpus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(p) for p in _month_files(corpus, tmp_path)]
    db = tmp_path / "store.sqlite"
    assert main(["clean", *files[:2], "--db", str(db)]) == 0
    assert "2 files updated" in capsys.readouterr().out
    assert main(["clean", *files, "--db", str(db)]) == 0
    assert "1 files updated, 2 unchanged" in capsys.readouterr().out
    # The store reads back as the files read in one go, and equals a store built in one go.
    assert wsisdedup.read(db) == wsisdedup.read_many(files)
    fresh = tmp_path / "fresh.sqlite"
    update(fresh, files)
    _assert_same_store(db, fresh)


def test_command_line_clean_into_a_store_refuses_what_it_cannot_update(
    corpus: Corpus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (january,) = (str(p) for p in _month_files(corpus, tmp_path)[:1])
    assert main(["clean", "https://mail.example.org/pipermail/x/", "--db", "s.sqlite"]) == 2
    assert "wsisdedup sync URL --db" in capsys.readouterr().err
    export = tmp_path / "export.sqlite"
    assert main(["clean", january, "-o", str(export)]) == 0
    before = export.read_bytes()
    assert main(["clean", january, "--db", str(export)]) == 2
    assert "not a wsisdedup store" in capsys.readouterr().err
    assert export.read_bytes() == before
    assert main(["clean", january, "--db", january]) == 2  # an input is never written over
    assert "input" in capsys.readouterr().err


# --- the other archive kinds ------------------------------------------------------------------


def test_hyperkitty_sync_adds_a_month_and_skips_exports_that_did_not_change(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    base = _serve_hyperkitty(server, corpus)
    url = f"{server.url}{base}"
    db = tmp_path / "evs.sqlite"
    first = sync(url, db, until="2021-07", politeness=FAST, sleep=Sleeps())
    assert first.ok and len(first.updated) == 2
    second = sync(url, db, politeness=FAST, sleep=Sleeps())
    # HyperKitty sends no validators: the exports are downloaded again, found byte for byte
    # the same, and not read again.
    assert second.updated == (f"{LIST}-2021-08.mbox.gz",) and len(second.unchanged) == 2
    assert second.messages == sum(corpus.hk_counts.values())
    fresh = tmp_path / "fresh.sqlite"
    sync(url, fresh, politeness=FAST, sleep=Sleeps())
    _assert_same_store(db, fresh)


def test_publicinbox_thread_that_grows_is_read_again_in_place(
    server: ArchiveServer, corpus: Corpus, tmp_path: Path
) -> None:
    messages = _split_mbox(corpus.thread)
    path = f"/evs/{MSGID}/t.mbox.gz"
    url = f"{server.url}/evs/{MSGID}/T/"
    server.resources[path] = Resource(gzip.compress(b"".join(messages[:4])))
    db = tmp_path / "thread.sqlite"
    first = sync(url, db, politeness=FAST, sleep=Sleeps())
    assert first.messages == len(wsisdedup.read(db).messages) > 0
    server.resources[path] = Resource(gzip.compress(corpus.thread))
    second = sync(url, db, politeness=FAST, sleep=Sleeps())
    assert second.updated == first.updated  # the same file, changed: its rows replaced
    assert second.messages == corpus.thread_count
    fresh = tmp_path / "fresh.sqlite"
    sync(url, fresh, politeness=FAST, sleep=Sleeps())
    _assert_same_store(db, fresh)


def test_a_store_built_by_another_version_is_recomputed_at_the_next_run(
    corpus: Corpus, tmp_path: Path
) -> None:
    files = [str(p) for p in _month_files(corpus, tmp_path)]
    db = tmp_path / "store.sqlite"
    update(db, files)
    con = sqlite3.connect(db)
    con.execute("UPDATE store_meta SET value = '0.0.1' WHERE key = 'wsisdedup_version'")
    con.execute("DELETE FROM thread_messages")  # what an older version might have left
    con.commit()
    con.close()
    again = update(db, files)
    assert again.rebuilt and again.updated == ()
    assert again.rows_written == _count_rows(db, "thread_messages")
    con = sqlite3.connect(db)
    (built_by,) = con.execute("SELECT value FROM store_meta WHERE key = 'wsisdedup_version'")
    con.close()
    assert built_by == (wsisdedup.__version__,)
    assert wsisdedup.read(db) == wsisdedup.read_many(files)
    assert not update(db, files).rebuilt


def test_a_sync_that_can_fetch_nothing_creates_no_store(
    server: ArchiveServer, tmp_path: Path
) -> None:
    db = tmp_path / "none.sqlite"
    with pytest.raises(FetchError):
        sync(f"{server.url}/pipermail/nothing/", db, politeness=FAST, sleep=Sleeps())
    assert not db.exists()


def test_several_months_per_transaction_build_the_same_store_with_fewer_joins(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [str(p) for p in _month_files(corpus, tmp_path)]
    one_by_one = tmp_path / "one.sqlite"
    update(one_by_one, files)
    calls: list[int] = []
    real = store_run.write_archive

    def counted(con: sqlite3.Connection, archive: wsisdedup.Archive) -> Changes:
        calls.append(len(archive.messages))
        if len(calls) == 1 and not ok:
            raise KeyboardInterrupt
        return real(con, archive)

    monkeypatch.setattr(store_run, "write_archive", counted)
    grouped = tmp_path / "grouped.sqlite"
    ok = False
    with pytest.raises(KeyboardInterrupt):  # the first two months die together
        update(grouped, files, per_commit=2)
    assert _count_rows(grouped, "store_units") == 0
    ok, calls = True, []
    report = update(grouped, files, per_commit=2)
    assert len(report.updated) == 3 and len(calls) == 2  # the joins ran twice, not three times
    _assert_same_store(grouped, one_by_one)


def test_the_command_line_reads_a_store_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from wsisdedup.cli import main as cli_main

    store = tmp_path / "numpy.sqlite"
    assert cli_main(["clean", str(NUMPY), "-o", str(store)]) == 0
    capsys.readouterr()
    assert cli_main(["stats", "--json", str(store)]) == 0
    assert json.loads(capsys.readouterr().out)["messages"] == 82
