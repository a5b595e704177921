"""Mailman 3 HyperKitty: the list page links its months; each month is an `.mbox.gz` export.

URL layout (HyperKitty's `urls.py`, mounted under a prefix such as `/hyperkitty/` or
`/archives/`):

- list overview: `PREFIX/list/LIST@DOMAIN/`
- a month's threads: `PREFIX/list/LIST@DOMAIN/YYYY/M/`
- a month's export: `PREFIX/list/LIST@DOMAIN/export/LIST@DOMAIN-YYYY-MM.mbox.gz`
  `?start=YYYY-MM-01&end=<first day of the next month>` (end excluded)

A site that sets `HYPERKITTY_MBOX_EXPORT = False` answers the export with HTTP 400
("Archive download disabled."); a private list answers 403 or a login page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import attrs

from wsisdedup.fetch.errors import FetchError
from wsisdedup.fetch.links import page_links
from wsisdedup.fetch.model import Target
from wsisdedup.fetch.months import in_range, make_month, month_range, next_month

__all__ = ["ListUrl", "looks_like_hyperkitty", "months_linked", "parse_list_url", "targets"]

_LIST = re.compile(r"^(?P<prefix>.*?/)list/(?P<fqdn>[^/@]+@[^/@]+)(?:/|$)")
_MONTH_LINK = re.compile(r"/list/(?P<fqdn>[^/@]+@[^/@]+)/(?P<year>\d{4})/(?P<month>\d{1,2})/?$")

EXPORT_REFUSED_STATUSES = frozenset({400, 401, 403})
"""Statuses by which an export is refused (switched off by the site, or a private list)."""


@attrs.frozen
class ListUrl:
    base: str
    """`http://host/PREFIX/list/LIST@DOMAIN/`"""
    fqdn: str
    """`LIST@DOMAIN`"""


def parse_list_url(url: str) -> ListUrl | None:
    """The list's base URL and address, or None when `url` is not a HyperKitty list URL."""
    parts = urlsplit(url)
    match = _LIST.match(parts.path)
    if match is None:
        return None
    base = f"{parts.scheme}://{parts.netloc}{match.group('prefix')}list/{match.group('fqdn')}/"
    return ListUrl(base=base, fqdn=match.group("fqdn"))


def looks_like_hyperkitty(html: str) -> bool:
    """True for a page HyperKitty rendered (its static files and views carry its name)."""
    return "hyperkitty" in html.lower()


def months_linked(html: str, base_url: str, fqdn: str) -> list[str]:
    """The months ("YYYY-MM") the list page links as `.../list/FQDN/YYYY/M/`."""
    months: set[str] = set()
    for href in page_links(html, base_url):
        match = _MONTH_LINK.search(urlsplit(href).path)
        if match is not None and match.group("fqdn") == fqdn and 1 <= int(match["month"]) <= 12:
            months.add(make_month(int(match.group("year")), int(match.group("month"))))
    return sorted(months)


def export_target(lst: ListUrl, month: str) -> Target:
    name = f"{lst.fqdn}-{month}.mbox.gz"
    query = f"start={month}-01&end={next_month(month)}-01"
    return Target(url=f"{lst.base}export/{name}?{query}", name=name, month=month, gzip=True)


def targets(
    lst: ListUrl, page_html: str | None, since: str | None, until: str | None
) -> list[Target]:
    """The month exports within [since, until]: the months the list page links, or, when it
    links none (or could not be read), every month from `since` to `until`.
    """
    linked = months_linked(page_html, lst.base, lst.fqdn) if page_html is not None else []
    if linked:
        months = in_range(linked, since, until)
    elif since is not None and until is not None:
        months = list(month_range(since, until))
    else:
        raise FetchError(f"{lst.base}: no month (YYYY/M/) linked; give both since and until")
    return [export_target(lst, m) for m in months]
