"""Months as "YYYY-MM" strings: parsing, ranges, and the names pipermail gives its files."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from wsisdedup.fetch.errors import FetchError

__all__ = ["MONTH_NAMES", "check_month", "in_range", "month_range", "next_month"]

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def check_month(value: str) -> str:
    """Return `value` if it is a valid "YYYY-MM" month, else raise `FetchError`."""
    match = _MONTH.match(value)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise FetchError(f"not a month (expected YYYY-MM): {value!r}")
    return value


def make_month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def next_month(month: str) -> str:
    """The month after `month`: "2010-12" -> "2011-01"."""
    year, number = int(month[:4]), int(month[5:7])
    return make_month(year + 1, 1) if number == 12 else make_month(year, number + 1)


def month_range(since: str, until: str) -> Iterator[str]:
    """Every month from `since` to `until`, both included (bounded by the range itself)."""
    current = check_month(since)
    check_month(until)
    while current <= until:
        yield current
        current = next_month(current)


def in_range(months: Iterable[str], since: str | None, until: str | None) -> list[str]:
    """The months within [since, until] (either end open when None), sorted, deduplicated."""
    if since is not None:
        check_month(since)
    if until is not None:
        check_month(until)
    return sorted(
        {m for m in months if (since is None or m >= since) and (until is None or m <= until)}
    )


def month_from_name(year: str, name: str) -> str | None:
    """ "2010", "January" -> "2010-01"; None when the name is not an English month name."""
    try:
        return make_month(int(year), MONTH_NAMES.index(name.capitalize()) + 1)
    except ValueError:
        return None
