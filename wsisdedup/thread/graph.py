"""The working arrays of one threading run, shared by the header linking and the fallbacks.

Messages are numbered (indices into the unique messages, first occurrence of each id). Each has
a time for ordering, a parent (-1: none yet) with its `Evidence`, and possibly a group: the
co-roots below one missing container, which the subject fallback moves together.

No cycle can arise: header links are checked once over the whole graph (each node has at most
one parent, so cycles are found in one linear pass and the weakest link of each is cut), and a
fallback link is only made after a union-find check that the new parent is not below the child
(`ThreadGraph.attach`).
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Sequence
from datetime import datetime

from wsisdedup.model import Evidence, Message

__all__ = ["ThreadGraph"]

logger = logging.getLogger(__name__)


def _clean_id(raw: str) -> str:
    """An id without the angle brackets and blanks some readers leave around it."""
    if raw and raw[0] not in "< \t\r\n" and raw[-1] not in "> \t\r\n":
        return raw  # the common case, already clean
    return raw.strip().strip("<>").strip()


def _utc_seconds(d: datetime) -> tuple[float, bool]:
    """Seconds since the epoch, and whether the zone was known (a naive time is read as UTC)."""
    if d.tzinfo is not None and d.utcoffset() is not None:
        return d.timestamp(), True
    return float(calendar.timegm(d.timetuple())) + d.microsecond / 1e6, False


class ThreadGraph:
    """Working arrays of one threading run (indices into the unique messages)."""

    def __init__(self, messages: Sequence[Message]) -> None:
        self.inputs = messages
        self.index: dict[str, int] = {}
        self.unique: list[Message] = []
        self.ids: list[str] = []  # each unique message's id as references name it
        for m in messages:
            mid = _clean_id(m.id)
            if mid in self.index:
                logger.warning("message id %r appears more than once; threading the first", mid)
                continue
            self.index[mid] = len(self.unique)
            self.unique.append(m)
            self.ids.append(mid)
        n = len(self.unique)
        self.n = n
        self.time = self._sort_times()
        self.parent = [-1] * n  # the real parent, after header linking and fallbacks
        self.evidence: list[Evidence | None] = [None] * n
        self.group = [-1] * n  # co-roots below one missing container share a group number
        self.group_members: list[list[int]] = []
        self._uf: list[int] = list(range(n))

    def _sort_times(self) -> list[float]:
        """Each message's time for ordering; an undated one takes the last date before it."""
        out: list[float] = []
        last: float | None = None
        pending = 0
        for m in self.unique:
            if m.date is None:
                out.append(last if last is not None else 0.0)
                if last is None:
                    pending += 1
                continue
            last = _utc_seconds(m.date)[0]
            if pending:  # undated messages at the start take the first date that follows
                out[:pending] = [last] * pending
                pending = 0
            out.append(last)
        return out

    def order_key(self, i: int) -> tuple[float, int]:
        return (self.time[i], i)

    def link_header(self, child: int, parent: int) -> None:
        """Record a parent found by headers (before any fallback: no cycle check needed)."""
        self.parent[child] = parent
        self.evidence[child] = Evidence.HEADER
        self._uf[child] = parent

    def add_group(self, members: list[int]) -> None:
        """Make co-roots below one missing container a group, earliest first."""
        g = len(self.group_members)
        self.group_members.append(sorted(members, key=self.order_key))
        for i in members:
            self.group[i] = g

    def find(self, i: int) -> int:
        """The root of i's tree (union-find with path halving over parent links)."""
        uf = self._uf
        while uf[i] != i:
            uf[i] = uf[uf[i]]
            i = uf[i]
        return i

    def attach(self, child: int, parent: int, evidence: Evidence) -> bool:
        """Make `parent` the parent of the root `child`, unless that would close a cycle."""
        if parent == child or self.find(parent) == child:
            return False
        self.parent[child] = parent
        self.evidence[child] = evidence
        self._uf[child] = parent
        g = self.group[child]
        if g != -1:
            self.group[child] = -1
            self.group_members[g].remove(child)
        return True
