"""Fetch a mailing list's archive files from its web address into a folder.

    from wsisdedup.fetch import fetch

    report = fetch("https://mail.python.org/pipermail/python-dev/", "python-dev",
                   since="2010-01", until="2010-03")
    print(report.summary())

Kinds: Mailman 2 pipermail (monthly `.txt.gz`), Mailman 3 HyperKitty (monthly `.mbox.gz`
exports) and public-inbox (a thread's `t.mbox.gz`, a search's results). See docs/fetch.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx

from wsisdedup.fetch.errors import FetchError, UnsupportedArchiveError
from wsisdedup.fetch.http import HttpClient, Politeness
from wsisdedup.fetch.model import FetchedFile, FetchFailure, FetchReport, Kind, ProgressEvent
from wsisdedup.fetch.months import check_month
from wsisdedup.fetch.run import KINDS, detect_kind, download_all, plan

__all__ = [
    "FetchError",
    "FetchFailure",
    "FetchReport",
    "FetchedFile",
    "Politeness",
    "ProgressEvent",
    "UnsupportedArchiveError",
    "detect_kind",
    "fetch",
]

CACHE_FOLDER = ".wsisdedup-fetch"


def fetch(
    url: str,
    out_dir: str | Path,
    *,
    since: str | None = None,
    until: str | None = None,
    kind: Kind | None = None,
    cache_dir: str | Path | None = None,
    politeness: Politeness | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
    prefer_gzip: bool = True,
    full_threads: bool = False,
    rest_fallback: bool = True,
    sleep: Callable[[float], None] | None = None,
    now: Callable[[], datetime] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> FetchReport:
    """Download a list's archive files (months within [since, until], "YYYY-MM") into `out_dir`.

    A month already fetched is asked for with If-None-Match / If-Modified-Since and kept when the
    server answers 304. One failed file does not stop the others: see `FetchReport.failed`.
    Where a HyperKitty refuses its mbox export, the months are rebuilt from its REST API
    (`rest_fallback=False` reports them as failed instead).
    Raises `FetchError` only when nothing can be fetched at all (unknown kind, index unreadable).
    `sleep`, `now` and `transport` are for tests.
    """
    for month in (since, until):
        if month is not None:
            check_month(month)
    if kind is not None and kind not in KINDS:
        raise FetchError(f"unknown archive kind {kind!r}; one of {', '.join(KINDS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache_dir) if cache_dir is not None else out / CACHE_FOLDER
    with HttpClient(politeness, sleep=sleep, now=now, transport=transport) as client:
        kind, targets = plan(client, url, kind, since, until, prefer_gzip, full_threads)
        return download_all(
            client, url, kind, targets, out, cache, on_progress, rest_fallback=rest_fallback
        )
