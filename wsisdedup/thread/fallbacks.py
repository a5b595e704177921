"""Parents for messages that headers leave without one: attribution, quote, subject.

**Fallbacks** for messages with no parent in the archive, in decreasing order of trust:
1. *attribution* with a time: "On <time>, <name> wrote:" names an author and a time on the
   replier's clock; the parent is an earlier message by that author whose date equals that time
   give or take a whole or half-hour offset (-12 h to +14 h, the replier's own zone first), to
   within two minutes;
2. *quote*: the message whose text the reply quotes most (found by the index stage);
3. *attribution* by name alone ("Ann wrote:"): the author's latest earlier message on the same
   subject; then deeper attributions, which name ancestors (the reply is promoted, as JWZ
   promotes a reply whose parent is missing);
4. *subject*: a reply-prefixed subject joins the latest earlier message with the same
   normalised subject within `subject_window` (30 days): never across a long silence, never on
   a trivial subject such as "help", never for a subject without a reply prefix (a new thread
   that reuses an old subject).
A message whose header parent is missing may still be placed by a fallback (the parent may be
in the archive under another id); siblings of one missing parent are moved by the subject
fallback together. Every link records its `Evidence`.

`_Subjects` keys messages by subject (both the undated attribution and the subject fallback
need it), `_Attribution` finds the message an attribution names, `by_quote` and `by_subject`
are the other two fallbacks, and `fallbacks` runs them in order of trust.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Final

import attrs

from wsisdedup.model import Evidence
from wsisdedup.text.subject import is_trivial_subject, split_subject
from wsisdedup.thread.graph import ThreadGraph, _clean_id, _utc_seconds
from wsisdedup.thread.people import AttributionRef, _author_key, _name_key, _same_person

__all__ = ["fallbacks"]

# An attribution's time is the replier's wall clock: UTC plus a zone offset between -12 h and
# +14 h, always a multiple of 30 minutes (the 45-minute zones are too rare to be worth the extra
# false matches). Attributions print minutes, so the seconds are lost: allow two minutes.
_HALF_HOUR: Final = 1800
_MIN_OFFSET_STEPS: Final = -24
_MAX_OFFSET_STEPS: Final = 28
_TIME_TOLERANCE: Final = 120.0
# A quoted message cannot be younger than its reply; allow some clock skew between senders.
_CLOCK_SKEW: Final = 600.0
# An attribution without a time, on a message without a usable subject, is matched against at
# most this many earlier messages: bounded work on busy lists.
_UNDATED_LOOKBACK: Final = 500
# An attribution with a time is compared with at most this many candidates, best first: the
# messages of a busy minute (an archive whose messages share one date) cost each attribution
# these, not all of them.
_MAX_CANDIDATES: Final = 1000


def fallbacks(
    graph: ThreadGraph,
    attributions: Mapping[str, Sequence[AttributionRef]],
    quote_sources: Mapping[str, str],
    window: float,
    use_subjects: bool,
) -> None:
    """Find parents for the messages that headers leave without one, earliest first."""
    order = sorted(range(graph.n), key=graph.order_key)
    subjects = _Subjects(graph)
    if attributions or quote_sources:
        by_attribution = _Attribution(graph, subjects, window)
        for i in order:
            if graph.parent[i] != -1:
                continue
            mid = graph.ids[i]
            refs = tuple(attributions.get(mid, ()))
            # The first attribution names the direct parent. With a time it names that
            # message almost surely; the quoted text names its source surely; a name alone
            # is weaker than both; deeper attributions name ancestors (promotion, as JWZ
            # promotes a reply whose parent is missing).
            first = refs[0] if refs else None
            timed = first is not None and first.date is not None
            if timed and by_attribution.attach(i, refs[:1]):
                continue
            if by_quote(graph, i, quote_sources.get(mid)):
                continue
            later = sorted(refs[1:], key=lambda r: r.date is None)  # timed ones first
            if first is not None and first.date is None:
                later.insert(0, first)
            if later:
                by_attribution.attach(i, later)
    if use_subjects:
        by_subject(graph, subjects, order, window)


def by_quote(graph: ThreadGraph, i: int, source: str | None) -> bool:
    """Attach i to the message it quotes most, if the archive holds it."""
    j = graph.index.get(_clean_id(source)) if source is not None else None
    return j is not None and graph.attach(i, j, Evidence.QUOTE)


class _Subjects:
    """Normalised subject keys and reply prefixes of the messages, computed when first asked."""

    def __init__(self, graph: ThreadGraph) -> None:
        self.graph = graph
        self._key: list[str | None] = [None] * graph.n
        self._reply: list[bool | None] = [None] * graph.n
        self._index: dict[str, list[int]] | None = None

    def key(self, i: int) -> str:
        key = self._key[i]
        if key is None:
            parts = split_subject(self.graph.unique[i].subject)
            key = parts.base.casefold()
            self._key[i] = key
            self._reply[i] = parts.reply
        return key

    def is_reply(self, i: int) -> bool:
        self.key(i)
        return bool(self._reply[i])

    def index(self) -> dict[str, list[int]]:
        """Normalised subject -> messages with it, in time order."""
        if self._index is None:
            idx: dict[str, list[int]] = {}
            for j in sorted(range(self.graph.n), key=self.graph.order_key):
                idx.setdefault(self.key(j), []).append(j)
            self._index = idx
        return self._index


def by_subject(graph: ThreadGraph, subjects: _Subjects, order: list[int], window: float) -> None:
    """Join reply-subject roots (and groups of co-roots) to the latest earlier namesake."""
    index = subjects.index()
    keys = {k: [graph.order_key(j) for j in js] for k, js in index.items()}
    for i in order:
        if graph.parent[i] != -1:
            continue
        g = graph.group[i]
        if g != -1 and graph.group_members[g][0] != i:
            continue  # a group moves as one, led by its earliest member
        members = graph.group_members[g][:] if g != -1 else [i]
        key = subjects.key(i)
        if not subjects.is_reply(i) or is_trivial_subject(key):
            continue
        same = index[key]
        pos = bisect.bisect_left(keys[key], graph.order_key(i))
        for k in range(pos - 1, -1, -1):
            j = same[k]
            if graph.time[j] < graph.time[i] - window:
                break
            if graph.find(j) in members:
                continue
            for member in members:
                graph.attach(member, j, Evidence.SUBJECT)
            break


class _Attribution:
    """The attribution fallback: the earlier message an attribution's author and time name.

    Holds the dated messages in time order and the author comparisons made so far (a name
    comparison is the costly step, and busy lists repeat the same pairs).
    """

    def __init__(self, graph: ThreadGraph, subjects: _Subjects, window: float) -> None:
        self.graph = graph
        self.subjects = subjects
        self.window = window
        self.dated = sorted(
            (_utc_seconds(m.date)[0], i) for i, m in enumerate(graph.unique) if m.date
        )
        self.times = [t for t, _ in self.dated]
        self._zoned: list[bool] = [
            m.date is not None and _utc_seconds(m.date)[1] for m in graph.unique
        ]
        self._author_cache: dict[tuple[str, str, str, str], bool] = {}
        self._author_keys: list[tuple[str, str]] | None = None

    def attach(self, i: int, refs: Sequence[AttributionRef]) -> bool:
        """Attach i to the message its first matching attribution names."""
        me = self.graph.unique[i]
        my_time = _utc_seconds(me.date)[0] if me.date else None
        for ref in refs:
            if not ref.address and "@" in ref.name:  # "jjl@pobox.com wrote:"
                ref = attrs.evolve(ref, address=ref.name.strip().strip("<>"), name="")
            ref_name = _name_key(ref.name)
            if not ref_name and not ref.address:
                continue
            found: Iterable[int]
            if ref.date is not None:
                found = self._timed_candidates(i, ref, ref_name, my_time)
            else:
                found = self._undated_candidates(i, ref, ref_name)
            for j in found:
                if self.graph.attach(i, j, Evidence.ATTRIBUTION):
                    return True
        return False

    def _author_matches(self, ref: AttributionRef, ref_name: str, j: int) -> bool:
        if self._author_keys is None:
            self._author_keys = [_author_key(m.author) for m in self.graph.unique]
        name, address = self._author_keys[j]
        key = (ref_name, ref.address.casefold().strip(), name, address)
        hit = self._author_cache.get(key)
        if hit is None:
            hit = _same_person(key[0], key[1], name, address)
            self._author_cache[key] = hit
        return hit

    def _timed_candidates(
        self, i: int, ref: AttributionRef, ref_name: str, my_time: float | None
    ) -> Iterator[int]:
        """Messages by the named author at the named time in some zone, best first.

        The attribution's time is the parent's UTC time plus the replier's zone offset: first
        the replier's own zone (from the reply's Date; none to guess when the attribution
        states its zone), then every other whole or half-hour offset, each a narrow slice of
        time, closest first. Attributions drop the seconds, so a message at 13:08:57 is exactly
        on time for "1:08 PM". Names, the costly comparison, are checked last and lazily.
        """
        assert ref.date is not None
        t, zoned = _utc_seconds(ref.date)
        me = self.graph.unique[i].date
        my_offset = me.utcoffset() if me is not None else None
        if zoned:
            first = 0
        elif my_offset is not None:
            first = round(my_offset.total_seconds() / _HALF_HOUR)
        else:
            first = None
        slices: list[Iterator[tuple[float, int, float, int]]] = []
        if first is not None and _MIN_OFFSET_STEPS <= first <= _MAX_OFFSET_STEPS:
            slices.append(self._slice(i, t, first, zoned, my_time))

        def other_zones() -> Iterator[tuple[float, int, float, int]]:
            rest = [
                self._slice(i, t, steps, zoned, my_time)
                for steps in range(_MIN_OFFSET_STEPS, _MAX_OFFSET_STEPS + 1)
                if steps != first
            ]
            yield from heapq.merge(*rest)

        # The replier's own zone first, then the other zones' candidates merged best first:
        # each slice is ranked lazily, so a busy minute (an archive whose messages share one
        # date) costs the candidates looked at, not all of them for each attribution. The other
        # zones' 52 slices are only cut once the replier's zone has no parent to give (cutting
        # them was 70% of the fallback's time on the 20k synthetic archive).
        ranked = itertools.chain(*slices, other_zones())
        looked_at = itertools.islice(ranked, _MAX_CANDIDATES)
        yield from (j for *_, j in looked_at if self._author_matches(ref, ref_name, j))

    def _slice(
        self, i: int, t: float, steps: int, zoned: bool, my_time: float | None
    ) -> Iterator[tuple[float, int, float, int]]:
        """Messages whose time plus `steps` half hours is the printed minute t, ranked by
        (error, |steps|, -time, index): those within the minute (no error) latest first,
        then those around it, closest first."""
        times = self.times
        start = t - steps * _HALF_HOUR
        lo = bisect.bisect_left(times, start - _TIME_TOLERANCE)
        hi = bisect.bisect_right(times, start + 60.0 + _TIME_TOLERANCE)
        if lo == hi:
            return iter(())
        minute_lo = bisect.bisect_left(times, start, lo, hi)
        minute_hi = bisect.bisect_right(times, start + 60.0, lo, hi)
        late = heapq.merge(
            # Before the minute: the error grows as the time goes back.
            self._ranked(lo, minute_lo, start, steps, backwards=True),
            # After it: the error grows with the time.
            self._ranked(minute_hi, hi, start, steps, backwards=False),
        )
        within = self._ranked(minute_lo, minute_hi, start, steps, backwards=True)
        return (
            c
            for c in itertools.chain(within, late)
            if self._may_be_parent(i, c[3], -c[2], steps, zoned, my_time)
        )

    def _ranked(
        self, lo: int, hi: int, start: float, steps: int, *, backwards: bool
    ) -> Iterator[tuple[float, int, float, int]]:
        """The dated messages at positions lo to hi as ranking tuples, ranked: by time, from
        the latest back (`backwards`) or from the earliest on, and messages of one time by
        index (`dated` is sorted by time then index: a run of one time is read forwards
        either way)."""
        dated = self.dated
        runs: Iterable[range] = self._runs_back(lo, hi) if backwards else (range(lo, hi),)
        for run in runs:
            for k in run:
                c_time, j = dated[k]
                late = c_time - start  # 0 <= late <= 60: within the printed minute
                err = -late if late < 0 else max(0.0, late - 60.0)
                if err <= _TIME_TOLERANCE:
                    yield err, abs(steps), -c_time, j

    def _runs_back(self, lo: int, hi: int) -> Iterator[range]:
        """The runs of one time among positions lo to hi, the latest run first."""
        times = self.times
        while hi > lo:
            run_lo = bisect.bisect_left(times, times[hi - 1], lo, hi)
            yield range(run_lo, hi)
            hi = run_lo

    def _may_be_parent(
        self, i: int, j: int, c_time: float, steps: int, zoned: bool, my_time: float | None
    ) -> bool:
        if j == i or (my_time is not None and c_time > my_time + _CLOCK_SKEW):
            return False
        # Both zones known: the times must agree without an offset.
        return not (steps != 0 and zoned and self._zoned[j])

    def _undated_candidates(self, i: int, ref: AttributionRef, ref_name: str) -> list[int]:
        """The latest earlier messages by the named author: same subject when there is one."""
        graph = self.graph
        key = self.subjects.key(i)
        t = graph.time[i]
        if not is_trivial_subject(key):
            pool: Iterable[int] = (
                j
                for j in reversed(self.subjects.index().get(key, ()))
                if graph.order_key(j) < graph.order_key(i)
            )
        else:
            end = bisect.bisect_right(self.times, t)
            dated = self.dated
            pool = (dated[k][1] for k in range(end - 1, max(-1, end - 1 - _UNDATED_LOOKBACK), -1))
        out: list[int] = []
        for j in pool:
            if graph.time[j] < t - self.window:
                break
            if j != i and self._author_matches(ref, ref_name, j):
                out.append(j)
        return out
