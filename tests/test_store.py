"""The SQLite store: `wsisdedup.read` reads an export or a store back, and `wsisdedup.store.sync`
keeps one up to date from a list's archive served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, SEED

import wsisdedup
from wsisdedup.export import write_sqlite


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
