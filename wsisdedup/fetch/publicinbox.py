"""public-inbox (lore-style) archives: a thread as `t.mbox.gz`, a search as `mbox.gz`.

URL layout (public-inbox's WWW interface):

- a message: `http://host/INBOX/<Message-ID>/` (also `.../T/`, `.../t/`, `.../raw`)
- its whole thread as gzipped mboxrd: `http://host/INBOX/<Message-ID>/t.mbox.gz`
- a search: `http://host/INBOX/?q=QUERY`; its results as gzipped mboxrd are a POST to
  `http://host/INBOX/?q=QUERY&x=m` (with the form field `x=full` for whole threads)
- an inbox with since/until: one search per month, `q=d:YYYYMMDD..YYYYMMDD`
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from wsisdedup.fetch.errors import UnsupportedArchiveError
from wsisdedup.fetch.model import Target
from wsisdedup.fetch.months import month_range, next_month

__all__ = ["looks_like_publicinbox", "looks_like_thread_url", "targets"]

_SUFFIXES = ("t.mbox.gz", "T/", "t/", "raw", "t.atom", "T", "t")


def looks_like_publicinbox(html: str) -> bool:
    """True for a page public-inbox rendered (its footer names it)."""
    return "public-inbox" in html.lower()


def _message_path(path: str) -> tuple[str, str] | None:
    """(inbox path, Message-ID) for `/INBOX/<msgid>/...`, or None."""
    trimmed = path
    for suffix in _SUFFIXES:
        if trimmed.endswith("/" + suffix):
            trimmed = trimmed[: -len(suffix)]
            break
    parts = [p for p in trimmed.split("/") if p]
    if len(parts) < 2 or "@" not in unquote(parts[-1]):
        return None
    return "/" + "/".join(parts[:-1]) + "/", unquote(parts[-1])


def looks_like_thread_url(url: str) -> bool:
    return _message_path(urlsplit(url).path) is not None


def _safe(text: str, limit: int = 80) -> str:
    return re.sub(r"[^A-Za-z0-9._@+-]+", "_", text).strip("_")[:limit] or "x"


def _search_target(
    root: str, query: str, name: str, month: str | None, *, full_threads: bool
) -> Target:
    url = f"{root}?{urlencode({'q': query, 'x': 'm'})}"
    form = (("x", "full"),) if full_threads else ()
    return Target(
        url=url, name=name, month=month, method="POST", form=form, gzip=True, conditional=False
    )


def targets(
    url: str, since: str | None, until: str | None, *, full_threads: bool = False
) -> list[Target]:
    """What to download for a public-inbox URL: a thread, a search, or an inbox's months."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    message = _message_path(parts.path)
    if message is not None:
        inbox, msgid = message
        thread_url = f"{origin}{inbox}{quote(msgid, safe='@!$&*+,;=:~')}/t.mbox.gz"
        return [Target(url=thread_url, name=f"thread-{_safe(msgid)}.mbox.gz", gzip=True)]
    root = f"{origin}{parts.path if parts.path.endswith('/') else parts.path + '/'}"
    inbox_name = _safe(parts.path.strip("/").rsplit("/", 1)[-1] or parts.netloc)
    query = dict(parse_qsl(parts.query)).get("q")
    if query:
        name = f"{inbox_name}-search-{_safe(query, 60)}.mbox.gz"
        return [_search_target(root, query, name, None, full_threads=full_threads)]
    if since is None or until is None:
        raise UnsupportedArchiveError(
            f"{url}: a whole public-inbox is not fetched (clone it with git); give a thread URL,"
            " a search URL (?q=...), or both since and until for one search per month"
        )
    return [
        _search_target(
            root,
            f"d:{month.replace('-', '')}01..{next_month(month).replace('-', '')}01",
            f"{inbox_name}-{month}.mbox.gz",
            month,
            full_threads=full_threads,
        )
        for month in month_range(since, until)
    ]
