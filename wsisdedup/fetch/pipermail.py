"""Mailman 2 pipermail: the list's archive index links `YYYY-Month.txt.gz` (or `.txt`) files."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from wsisdedup.fetch.errors import FetchError
from wsisdedup.fetch.links import page_links
from wsisdedup.fetch.model import Target
from wsisdedup.fetch.months import in_range, month_from_name

__all__ = ["index_url", "looks_like_index", "month_files", "targets"]

_FILE = re.compile(r"/(\d{4})-([A-Za-z]+)\.txt(\.gz)?$")


def index_url(url: str) -> str:
    """The archive index for a list URL: `.../pipermail/LIST/` (a month page is cut back)."""
    parts = urlsplit(url)
    path = parts.path
    match = re.match(r"^(.*?/pipermail/[^/]+)", path)
    if match is not None:
        path = match.group(1)
    elif not path.endswith("/"):
        path = path.rsplit("/", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    return f"{parts.scheme}://{parts.netloc}{path.rstrip('/')}/"


def looks_like_index(html: str) -> bool:
    """True for a pipermail archive index: it links monthly `YYYY-Month.txt[.gz]` files."""
    return any(_FILE.search(href) for href in page_links(html, "http://x/"))


def month_files(html: str, base_url: str, *, prefer_gzip: bool = True) -> dict[str, str]:
    """Month ("YYYY-MM") -> absolute URL of its text file, one per month.

    When a month is linked both as `.txt.gz` and `.txt`, `prefer_gzip` picks the `.gz` (the
    smaller download; on a live list pipermail rebuilds it nightly, so the current month's
    `.txt` may be newer).
    """
    found: dict[str, str] = {}
    for href in page_links(html, base_url):
        match = _FILE.search(urlsplit(href).path)
        if match is None:
            continue
        month = month_from_name(match.group(1), match.group(2))
        if month is None:
            continue
        is_gz = match.group(3) is not None
        current_is_gz = month in found and found[month].endswith(".gz")
        if month not in found or (is_gz == prefer_gzip and current_is_gz != prefer_gzip):
            found[month] = href
    return found


def targets(
    html: str, base_url: str, since: str | None, until: str | None, *, prefer_gzip: bool = True
) -> list[Target]:
    """The month files of the index page within [since, until]."""
    files = month_files(html, base_url, prefer_gzip=prefer_gzip)
    if not files:
        raise FetchError(f"{base_url}: no monthly archive files (YYYY-Month.txt[.gz]) linked")
    return [
        Target(
            url=files[month],
            name=urlsplit(files[month]).path.rsplit("/", 1)[-1],
            month=month,
            gzip=files[month].endswith(".gz"),
        )
        for month in in_range(files, since, until)
    ]
