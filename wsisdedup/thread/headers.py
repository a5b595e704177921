"""Parent finding and tree building: headers first (JWZ), then attribution, quote and subject.

**Headers** (`Message.in_reply_to`, `Message.references`) follow Jamie Zawinski's algorithm: every
id named anywhere gets a container; a message's own last reference is its parent (In-Reply-To
wins when it and References disagree); the consecutive ids of a References chain give parents to
containers that have no message, and to messages whose own headers name no parent (their headers
were lost, but a reply's References still tell where they sat). Containers of ids missing from
the archive are then pruned: a message below a missing one is promoted to the nearest message
above it, or becomes a root.

**Missing parents.** Our `Thread` holds only real messages, so a missing container cannot be a
node. Where one missing message has several replies in the archive (a thread that began last
month), JWZ keeps them together under the empty container; we do too: they form *one* thread
whose `root_id` is the earliest of them, and each of them has `parent_id=None` and depth 0 (a
thread may therefore hold several depth-0 nodes, the first being the root). Inventing a parent
link between siblings would be a false statement about who answered whom; splitting them would
tear one conversation into several threads. That choice gives fedora-devel 2010-01 its 62
threads by headers (see tests/test_thread.py for how this compares with pipermail's 60).

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

No cycle can arise: header links are checked once over the whole graph (each node has at most
one parent, so cycles are found in one linear pass and the weakest link of each is cut), and a
fallback link is only made after a union-find check that the new parent is not below the child.
The cost is linear in the number of messages and references, plus sorting.
"""

from __future__ import annotations

import bisect
import calendar
import itertools
import logging
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

import attrs
import regex
from rapidfuzz import fuzz

from wsisdedup.model import Evidence, Message, Person, Thread, ThreadNode
from wsisdedup.text.subject import is_trivial_subject, split_subject

__all__ = [
    "AttributionRef",
    "Threading",
    "names_author",
    "thread_messages",
]

logger = logging.getLogger(__name__)

# An attribution's time is the replier's wall clock: UTC plus a zone offset between -12 h and
# +14 h, always a multiple of 30 minutes (the 45-minute zones are too rare to be worth the extra
# false matches). Attributions print minutes, so the seconds are lost: allow two minutes.
_HALF_HOUR: Final = 1800
_MIN_OFFSET_STEPS: Final = -24
_MAX_OFFSET_STEPS: Final = 28
_TIME_TOLERANCE: Final = 120.0
# A quoted message cannot be younger than its reply; allow some clock skew between senders.
_CLOCK_SKEW: Final = 600.0
# Names this similar (rapidfuzz token_set_ratio, 0-100) are one person: "Kevin" is "Kevin
# Kofler", "Lange, Annebeth" is "Annebeth Lange".
_NAME_SCORE: Final = 90.0
# An attribution without a time, on a message without a usable subject, is matched against at
# most this many earlier messages: bounded work on busy lists.
_UNDATED_LOOKBACK: Final = 500


@attrs.frozen(kw_only=True)
class AttributionRef:
    """Whom and when an attribution line of a message names ("On <date>, <name> wrote:")."""

    name: str = ""
    address: str = ""
    date: datetime | None = None
    """The time printed in the attribution. Naive: the replier's local time, zone unknown."""


@attrs.frozen(kw_only=True)
class Threading:
    """Messages with `parent_id`, `parent_evidence` and `thread_id` set, and the threads."""

    messages: tuple[Message, ...]
    threads: tuple[Thread, ...]


_EMPTY_ATTRIBUTIONS: Final[Mapping[str, Sequence[AttributionRef]]] = MappingProxyType({})
_EMPTY_QUOTES: Final[Mapping[str, str]] = MappingProxyType({})
_DEFAULT_WINDOW: Final = timedelta(days=30)


def thread_messages(
    messages: Sequence[Message],
    *,
    attributions: Mapping[str, Sequence[AttributionRef]] = _EMPTY_ATTRIBUTIONS,
    quote_sources: Mapping[str, str] = _EMPTY_QUOTES,
    subject_window: timedelta = _DEFAULT_WINDOW,
    use_subjects: bool = True,
) -> Threading:
    """Find every message's parent and build the threads.

    `attributions` maps a message id to the attribution lines of its body, outermost (the
    direct parent) first; `quote_sources` maps a message id to the id of the message it quotes
    most. Both only help messages whose headers give no parent in the archive. The subject
    fallback runs unless `use_subjects` is false (threads from headers alone).

    Ids are expected to be unique (duplicates are collapsed before threading); a repeated id
    gets the same parent and thread as its first occurrence, and appears once in the threads.
    """
    state = _State(messages)
    state.link_headers()
    state.fallbacks(attributions, quote_sources, subject_window.total_seconds(), use_subjects)
    return state.result()


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


_NAME_JUNK = regex.compile(r"[^\w\s]+")
_VIA_LIST = regex.compile(r"\s+via\s+\S+\Z", regex.IGNORECASE)
_BLANKS = regex.compile(r"\s+")


def _name_key(name: str) -> str:
    """A name reduced for fuzzy comparison: no quotes, punctuation, `via list` or case."""
    n = unicodedata.normalize("NFKC", name).casefold().strip()
    n = _VIA_LIST.sub("", n)
    key: str = _BLANKS.sub(" ", _NAME_JUNK.sub(" ", n)).strip()
    return key


class _State:
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
        self._subject_key: list[str | None] = [None] * n
        self._reply: list[bool | None] = [None] * n
        self._uf: list[int] = list(range(n))
        self._author_cache: dict[tuple[str, str, str, str], bool] = {}
        self._author_keys: list[tuple[str, str]] | None = None
        self._zoned: list[bool] = [
            m.date is not None and _utc_seconds(m.date)[1] for m in self.unique
        ]
        self._subjects: dict[str, list[int]] | None = None

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

    # -- headers -----------------------------------------------------------------------------

    def _chain(self, m: Message, own: str) -> list[str]:
        """The ids m names as its ancestors, oldest first, its direct parent last."""
        refs: list[str] = []
        seen = {own}
        for r in m.references:
            c = _clean_id(r)
            if c and c not in seen:
                seen.add(c)
                refs.append(c)
        irts = [c for c in (_clean_id(r) for r in m.in_reply_to) if c and c != own]
        if irts:
            # In-Reply-To names the direct parent. Several ids: prefer one the archive holds.
            irt = next((c for c in irts if c in self.index), irts[0])
            if irt in refs:
                # Ids after the parent in References are noise (a client's error); drop them.
                refs = refs[: refs.index(irt) + 1]
            else:
                refs.append(irt)
        return refs

    def link_headers(self) -> None:
        """JWZ linking over real and missing containers, then pruning of the missing ones."""
        n = self.n
        node: dict[str, int] = dict(self.index)  # real messages first, then missing ids
        parent: list[int] = [-1] * n
        own = [False] * n  # the link comes from the child's own headers (strong)
        seq: list[int] = [0] * n  # order in which inferred links were made (for cycle cuts)
        counter = 0

        def node_of(mid: str) -> int:
            k = node.get(mid)
            if k is None:
                k = len(parent)
                node[mid] = k
                parent.append(-1)
                own.append(False)
                seq.append(0)
            return k

        chains = [self._chain(m, mid) for m, mid in zip(self.unique, self.ids, strict=True)]
        for i, chain in enumerate(chains):
            if chain:
                parent[i] = node_of(chain[-1])
                own[i] = True
        for chain in chains:
            ks = [node_of(c) for c in chain]
            for a, b in itertools.pairwise(ks):
                # A container's first inferred parent stands; a message's own headers override.
                if parent[b] == -1 and not own[b] and a != b:
                    counter += 1
                    parent[b] = a
                    seq[b] = counter
        self._break_cycles(parent, own, seq)
        real_above = self._nearest(parent, lambda k: k < n)
        top = self._nearest(parent, lambda k: parent[k] == -1)
        by_top: dict[int, list[int]] = {}
        for i in range(n):
            p = parent[i]
            self.parent[i] = real_above[p] if p != -1 else -1
            if self.parent[i] != -1:
                self.evidence[i] = Evidence.HEADER
                self._uf[i] = self.parent[i]
            elif top[i] >= n:  # a root below a missing container
                by_top.setdefault(top[i], []).append(i)
        for members in by_top.values():
            if len(members) > 1:
                g = len(self.group_members)
                self.group_members.append(sorted(members, key=self.order_key))
                for i in members:
                    self.group[i] = g

    def _break_cycles(self, parent: list[int], own: list[bool], seq: list[int]) -> None:
        """Cut one link of every cycle: the latest inferred one, else the earliest message's."""
        n = self.n
        state = [0] * len(parent)  # 0 unseen, 1 on the current path, 2 done
        for start in range(len(parent)):
            path: list[int] = []
            k = start
            while k != -1 and state[k] == 0:
                state[k] = 1
                path.append(k)
                k = parent[k]
            if k != -1 and state[k] == 1:
                cycle = path[path.index(k) :]
                inferred = [c for c in cycle if not own[c]]
                if inferred:
                    cut = max(inferred, key=lambda c: seq[c])
                else:
                    cut = min((c for c in cycle if c < n), key=self.order_key)
                logger.debug("reference cycle of %d ids cut", len(cycle))
                parent[cut] = -1
            for c in path:
                state[c] = 2

    @staticmethod
    def _nearest(parent: list[int], stop: Callable[[int], bool]) -> list[int]:
        """For every node, the nearest node at or above it for which `stop` holds (or -1)."""
        out = [-2] * len(parent)  # -2: not computed yet
        for start in range(len(parent)):
            path: list[int] = []
            k = start
            while k != -1 and out[k] == -2 and not stop(k):
                path.append(k)
                k = parent[k]
            found = -1 if k == -1 else (k if out[k] == -2 else out[k])
            if k != -1 and out[k] == -2:
                out[k] = k
            for c in path:
                out[c] = found
        return out

    # -- fallbacks ---------------------------------------------------------------------------

    def _find(self, i: int) -> int:
        """The root of i's tree (union-find with path halving over parent links)."""
        uf = self._uf
        while uf[i] != i:
            uf[i] = uf[uf[i]]
            i = uf[i]
        return i

    def _attach(self, child: int, parent: int, evidence: Evidence) -> bool:
        """Make `parent` the parent of the root `child`, unless that would close a cycle."""
        if parent == child or self._find(parent) == child:
            return False
        self.parent[child] = parent
        self.evidence[child] = evidence
        self._uf[child] = parent
        g = self.group[child]
        if g != -1:
            self.group[child] = -1
            self.group_members[g].remove(child)
        return True

    def subject_key(self, i: int) -> str:
        key = self._subject_key[i]
        if key is None:
            parts = split_subject(self.unique[i].subject)
            key = parts.base.casefold()
            self._subject_key[i] = key
            self._reply[i] = parts.reply
        return key

    def is_reply(self, i: int) -> bool:
        self.subject_key(i)
        return bool(self._reply[i])

    def fallbacks(
        self,
        attributions: Mapping[str, Sequence[AttributionRef]],
        quote_sources: Mapping[str, str],
        window: float,
        use_subjects: bool,
    ) -> None:
        """Find parents for the messages that headers leave without one, earliest first."""
        order = sorted(range(self.n), key=self.order_key)
        if attributions or quote_sources:
            dated = sorted(
                (_utc_seconds(m.date)[0], i) for i, m in enumerate(self.unique) if m.date
            )
            times = [t for t, _ in dated]
            for i in order:
                if self.parent[i] != -1:
                    continue
                mid = self.ids[i]
                refs = tuple(attributions.get(mid, ()))
                # The first attribution names the direct parent. With a time it names that
                # message almost surely; the quoted text names its source surely; a name alone
                # is weaker than both; deeper attributions name ancestors (promotion, as JWZ
                # promotes a reply whose parent is missing).
                first = refs[0] if refs else None
                timed = first is not None and first.date is not None
                if timed and self._by_attribution(i, refs[:1], dated, times, window):
                    continue
                src = quote_sources.get(mid)
                j = self.index.get(_clean_id(src)) if src is not None else None
                if j is not None and self._attach(i, j, Evidence.QUOTE):
                    continue
                later = sorted(refs[1:], key=lambda r: r.date is None)  # timed ones first
                if first is not None and first.date is None:
                    later.insert(0, first)
                if later:
                    self._by_attribution(i, later, dated, times, window)
        if use_subjects:
            self._by_subject(order, window)

    def _author_matches(self, ref: AttributionRef, ref_name: str, j: int) -> bool:
        if self._author_keys is None:
            self._author_keys = [_author_key(m.author) for m in self.unique]
        name, address = self._author_keys[j]
        key = (ref_name, ref.address.casefold().strip(), name, address)
        hit = self._author_cache.get(key)
        if hit is None:
            hit = _same_person(key[0], key[1], name, address)
            self._author_cache[key] = hit
        return hit

    def _by_attribution(
        self,
        i: int,
        refs: Sequence[AttributionRef],
        dated: list[tuple[float, int]],
        times: list[float],
        window: float,
    ) -> bool:
        """Attach i to the message its first matching attribution names."""
        me = self.unique[i]
        my_time = _utc_seconds(me.date)[0] if me.date else None
        for ref in refs:
            if not ref.address and "@" in ref.name:  # "jjl@pobox.com wrote:"
                ref = attrs.evolve(ref, address=ref.name.strip().strip("<>"), name="")
            ref_name = _name_key(ref.name)
            if not ref_name and not ref.address:
                continue
            found: Iterable[int]
            if ref.date is not None:
                found = self._timed_candidates(i, ref, ref_name, dated, times, my_time)
            else:
                found = self._undated_candidates(i, ref, ref_name, dated, times, window)
            for j in found:
                if self._attach(i, j, Evidence.ATTRIBUTION):
                    return True
        return False

    def _timed_candidates(
        self,
        i: int,
        ref: AttributionRef,
        ref_name: str,
        dated: list[tuple[float, int]],
        times: list[float],
        my_time: float | None,
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
        me = self.unique[i].date
        my_offset = me.utcoffset() if me is not None else None
        if zoned:
            first = 0
        elif my_offset is not None:
            first = round(my_offset.total_seconds() / _HALF_HOUR)
        else:
            first = None
        if first is not None and _MIN_OFFSET_STEPS <= first <= _MAX_OFFSET_STEPS:
            found = self._slice(i, t, first, zoned, dated, times, my_time)
            yield from (j for *_, j in sorted(found) if self._author_matches(ref, ref_name, j))
        rest: list[tuple[float, int, float, int]] = []
        for steps in range(_MIN_OFFSET_STEPS, _MAX_OFFSET_STEPS + 1):
            if steps != first:
                rest.extend(self._slice(i, t, steps, zoned, dated, times, my_time))
        rest.sort()
        yield from (j for *_, j in rest if self._author_matches(ref, ref_name, j))

    def _slice(
        self,
        i: int,
        t: float,
        steps: int,
        zoned: bool,
        dated: list[tuple[float, int]],
        times: list[float],
        my_time: float | None,
    ) -> list[tuple[float, int, float, int]]:
        """Messages whose time plus `steps` half hours is the printed minute t: (error, ...)."""
        start = t - steps * _HALF_HOUR
        lo = bisect.bisect_left(times, start - _TIME_TOLERANCE)
        hi = bisect.bisect_right(times, start + 60.0 + _TIME_TOLERANCE)
        out: list[tuple[float, int, float, int]] = []
        for k in range(lo, hi):
            c_time, j = dated[k]
            if j == i or (my_time is not None and c_time > my_time + _CLOCK_SKEW):
                continue
            if steps != 0 and zoned and self._zoned[j]:
                continue  # both zones known: the times must agree without an offset
            late = c_time - start  # 0 <= late < 60: within the printed minute
            err = -late if late < 0 else max(0.0, late - 60.0)
            if err <= _TIME_TOLERANCE:
                out.append((err, abs(steps), -c_time, j))
        return out

    def _undated_candidates(
        self,
        i: int,
        ref: AttributionRef,
        ref_name: str,
        dated: list[tuple[float, int]],
        times: list[float],
        window: float,
    ) -> list[int]:
        """The latest earlier messages by the named author: same subject when there is one."""
        key = self.subject_key(i)
        t = self.time[i]
        if not is_trivial_subject(key):
            pool: Iterable[int] = (
                j
                for j in reversed(self._subject_index().get(key, ()))
                if self.order_key(j) < self.order_key(i)
            )
        else:
            end = bisect.bisect_right(times, t)
            pool = (dated[k][1] for k in range(end - 1, max(-1, end - 1 - _UNDATED_LOOKBACK), -1))
        out: list[int] = []
        for j in pool:
            if self.time[j] < t - window:
                break
            if j != i and self._author_matches(ref, ref_name, j):
                out.append(j)
        return out

    def _subject_index(self) -> dict[str, list[int]]:
        """Normalised subject -> messages with it, in time order."""
        if self._subjects is None:
            idx: dict[str, list[int]] = {}
            for j in sorted(range(self.n), key=self.order_key):
                idx.setdefault(self.subject_key(j), []).append(j)
            self._subjects = idx
        return self._subjects

    def _by_subject(self, order: list[int], window: float) -> None:
        """Join reply-subject roots (and groups of co-roots) to the latest earlier namesake."""
        index = self._subject_index()
        keys = {k: [self.order_key(j) for j in js] for k, js in index.items()}
        for i in order:
            if self.parent[i] != -1:
                continue
            g = self.group[i]
            if g != -1 and self.group_members[g][0] != i:
                continue  # a group moves as one, led by its earliest member
            members = self.group_members[g][:] if g != -1 else [i]
            key = self.subject_key(i)
            if not self.is_reply(i) or is_trivial_subject(key):
                continue
            same = index[key]
            pos = bisect.bisect_left(keys[key], self.order_key(i))
            for k in range(pos - 1, -1, -1):
                j = same[k]
                if self.time[j] < self.time[i] - window:
                    break
                if self._find(j) in members:
                    continue
                for member in members:
                    self._attach(member, j, Evidence.SUBJECT)
                break

    # -- output ------------------------------------------------------------------------------

    def result(self) -> Threading:
        n = self.n
        children: list[list[int]] = [[] for _ in range(n)]
        for i in range(n):
            if self.parent[i] != -1:
                children[self.parent[i]].append(i)
        heads: list[list[int]] = []  # each thread's depth-0 messages, earliest first
        for i in sorted(range(n), key=self.order_key):
            if self.parent[i] != -1:
                continue
            g = self.group[i]
            if g == -1:
                heads.append([i])
            elif self.group_members[g][0] == i:
                heads.append(self.group_members[g])
        thread_of = [-1] * n
        threads: list[Thread] = []
        for roots in heads:
            nodes: list[ThreadNode] = []
            stack = [(r, 0) for r in reversed(roots)]
            while stack:
                k, depth = stack.pop()
                thread_of[k] = roots[0]
                nodes.append(ThreadNode(id=self.unique[k].id, depth=depth))
                kids = sorted(children[k], key=self.order_key)
                stack.extend((c, depth + 1) for c in reversed(kids))
            threads.append(Thread(root_id=nodes[0].id, nodes=tuple(nodes)))
        if -1 in thread_of:  # every root heads a thread or belongs to a group that does
            raise AssertionError("threading left a message outside every thread")
        out: list[Message] = []
        for m in self.inputs:
            i = self.index[_clean_id(m.id)]
            p = self.parent[i]
            out.append(
                attrs.evolve(
                    m,
                    parent_id=self.unique[p].id if p != -1 else None,
                    parent_evidence=self.evidence[i],
                    thread_id=self.unique[thread_of[i]].id,
                )
            )
        return Threading(messages=tuple(out), threads=tuple(threads))


def names_author(ref: AttributionRef, author: Person) -> bool:
    """Does an attribution name this author (same address, or a name at least this similar)?"""
    name, address = _author_key(author)
    return _same_person(_name_key(ref.name), ref.address.casefold().strip(), name, address)


def _author_key(author: Person) -> tuple[str, str]:
    """An author as compared with attributions: name key (else the address's local part)."""
    address = author.address.casefold().strip()
    return _name_key(author.name) or _name_key(address.split("@", 1)[0]), address


def _same_person(ref_name: str, ref_address: str, name: str, address: str) -> bool:
    """Does an attribution's name key or address designate this author (name key, address)?"""
    if ref_address and address and ref_address == address:
        return True
    if not ref_name or not name:
        return False
    return fuzz.token_set_ratio(ref_name, name) >= _NAME_SCORE
