"""Alignment of one body with one candidate source: the repeated spans, as `Match`es.

Alignment is local and on word tokens: every shingle of the body is looked up among all the
shingles of the candidate's own content, and hits on one diagonal are exact runs of words; runs
are chained across small edits (a changed word, a rewritten link; rapidfuzz scores the words
that still agree in a gap), then mapped back to the body through `Canonical.offsets` and widened
over the punctuation both sides share. A global LCS (rapidfuzz `LCSseq.editops`) was tried first:
on a long source it trades a 30-word quote for scattered agreement on frequent words and loses
it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from itertools import compress, repeat
from operator import is_not
from typing import Protocol

import attrs
from rapidfuzz.distance import LCSseq

from wsisdedup.match.fingerprints import Tokens, _body_span
from wsisdedup.match.records import IndexDoc, IndexSettings, Match, Span

_Block = tuple[int, int, int]
"""Equal token runs `(a, b, size)`: body tokens `[a, a + size)` == source own tokens `[b, b +
size)`. A plain tuple: alignments make many of them."""


@attrs.frozen(kw_only=True)
class _Run:
    """A chain of blocks that together make one repeated span."""

    a: int
    a_end: int
    b: int
    b_end: int
    matched: int


def _seed_blocks(body: Tokens, source: Tokens, k: int) -> list[_Block]:
    """Exact runs shared by a body and a source's own content, found from shared shingles.

    Every body shingle is looked up in the source's own shingles (one C pass); consecutive hits
    on one diagonal make one block. This is a local alignment, linear in both lengths: a global
    LCS would trade a 30-word quote from a long source for scattered agreement on frequent words
    ("2010", "requires") and lose the quote.
    """
    shingles = body.shingles
    hits = list(map(source.own_where().get, shingles))
    at = list(compress(range(len(hits)), map(is_not, hits, repeat(None))))
    own_shingles = source.own_shingles
    blocks: list[_Block] = []
    p = 0
    while p < len(at):
        i = at[p]
        j = hits[i]
        assert j is not None
        if body.ids[i : i + k] != source.own_ids[j : j + k]:
            p += 1
            continue
        # Follow the diagonal while the source's next shingle is ours: the lookup gives only a
        # shingle's first occurrence, and a shingle hash is a sum, the same for "a b c d e" and
        # "b c d e a" (a word repeated k words later). Along a diagonal whose first shingle was
        # checked word by word, equal sums do mean equal words.
        run = _equal_run(shingles, i + 1, own_shingles, j + 1)
        blocks.append((i, j, run + k))
        # The next block starts at a shingle after this one's last.
        p = bisect_right(at, i + run, p + 1)
    return _without_overlapped_starts(blocks)


def _without_overlapped_starts(blocks: list[_Block]) -> list[_Block]:
    """A block that starts inside the previous one (the source repeats itself) keeps its
    tail; one wholly inside it goes."""
    out: list[_Block] = []
    end = 0
    for a, b, size in blocks:
        if a < end:
            cut = end - a
            if cut >= size:
                continue
            a, b, size = a + cut, b + cut, size - cut
        out.append((a, b, size))
        end = a + size
    return out


def _equal_run(a: array[int], i: int, b: array[int], j: int) -> int:
    """How many items from `a[i]` on equal those from `b[j]` on, one by one: compared in
    slices of growing size (a C comparison each), so a run costs a few calls, not a Python
    step an item, and a short one never compares much past its end."""
    n = min(len(a) - i, len(b) - j)
    run, step = 0, 8
    while run < n:
        m = min(step, n - run)
        if a[i + run : i + run + m] != b[j + run : j + run + m]:
            while a[i + run] == b[j + run]:
                run += 1
            return run
        run += m
        step *= 2
    return run


def _unclaimed(block: _Block, claimed: bytearray) -> list[_Block]:
    """The parts of a block over body tokens no earlier source has claimed."""
    a, b, size = block
    end = a + size
    if claimed.find(1, a, end) < 0:
        return [block]
    out: list[_Block] = []
    while a < end:
        if claimed[a]:
            nxt = claimed.find(0, a, end)
            if nxt < 0:
                break
            b += nxt - a
            a = nxt
            continue
        stop = claimed.find(1, a, end)
        if stop < 0:
            stop = end
        out.append((a, b, stop - a))
        b += stop - a
        a = stop
    return out


def _chain(
    blocks: list[_Block], body: Tokens, source: Tokens, settings: IndexSettings
) -> list[_Run]:
    """Blocks joined into runs across small edits (a changed word, a rewritten link).

    A gap in the body with no matching gap in the source is the reply's own text between two
    quoted paragraphs, and a gap in the source across one of its own-range breaks is text the
    source quoted; either ends the run. Words that still agree inside a bridged gap count.
    """
    runs: list[_Run] = []
    cur: _Run | None = None
    breaks = source.own_breaks
    for a, b, size in blocks:
        if cur is not None:
            gap_a = a - cur.a_end
            gap_b = b - cur.b_end
            if (
                0 <= gap_a <= settings.max_gap
                and 0 <= gap_b <= settings.max_gap
                and gap_a <= gap_b + 1
                and bisect_left(breaks, cur.b_end) == bisect_right(breaks, b)
            ):
                same = 0
                if gap_a and gap_b:
                    same = LCSseq.similarity(body.ids[cur.a_end : a], source.own_ids[cur.b_end : b])
                cur = _Run(
                    a=cur.a,
                    a_end=a + size,
                    b=cur.b,
                    b_end=b + size,
                    matched=cur.matched + size + same,
                )
                continue
            runs.append(cur)
        cur = _Run(a=a, a_end=a + size, b=b, b_end=b + size, matched=size)
    if cur is not None:
        runs.append(cur)
    return runs


def _punctuation_edges(text: str, start: int, end: int, src: str, s_start: int, s_end: int) -> Span:
    """Refine a word-aligned span on characters: take in the punctuation both sides share
    (a closing `.` or `?`, an opening parenthesis), never spaces or letters."""
    while (
        end < len(text)
        and s_end < len(src)
        and text[end] == src[s_end]
        and not text[end].isspace()
        and not text[end].isalnum()
    ):
        end += 1
        s_end += 1
    while (
        start > 0
        and s_start > 0
        and text[start - 1] == src[s_start - 1]
        and not text[start - 1].isspace()
        and not text[start - 1].isalnum()
    ):
        start -= 1
        s_start -= 1
    return Span(start=start, end=end)


class _Source(Protocol):
    """What alignment reads of a source document: an `IndexDoc`, or what the join keeps of one
    it has taken (`index._Joined`)."""

    @property
    def id(self) -> str: ...

    @property
    def text(self) -> str: ...


@attrs.frozen(kw_only=True)
class _Pair:
    """One body and one candidate source under alignment."""

    body_doc: IndexDoc
    body: Tokens
    source_doc: _Source
    source: Tokens


def _align(pair: _Pair, claimed: bytearray, settings: IndexSettings) -> list[Match]:
    """The repeats of one source's own content in one body; claims their body tokens."""
    body, source = pair.body, pair.source
    blocks = [
        part
        for blk in _seed_blocks(body, source, settings.shingle_words)
        for part in _unclaimed(blk, claimed)
    ]
    out: list[Match] = []
    text, src = pair.body_doc.text, pair.source_doc.text
    for run in _chain(blocks, body, source, settings):
        if run.matched < settings.min_words:
            continue
        # Offsets are mapped to the body only here: the map is a search per lookup.
        start, end = _body_span(body, run.a, run.a_end - 1)
        if end - start < settings.min_chars:
            continue
        s_start, s_end = _body_span(
            source, source.own_token(run.b), source.own_token(run.b_end - 1)
        )
        span = _punctuation_edges(text, start, end, src, s_start, s_end)
        s_span = _punctuation_edges(src, s_start, s_end, text, start, end)
        claimed[run.a : run.a_end] = b"\x01" * (run.a_end - run.a)
        score = 2 * run.matched / ((run.a_end - run.a) + (run.b_end - run.b))
        out.append(
            Match(
                start=span.start,
                end=span.end,
                source_id=pair.source_doc.id,
                source_start=s_span.start,
                source_end=s_span.end,
                score=round(min(1.0, score), 4),
            )
        )
    return out


def _without_overlaps(matches: list[Match]) -> tuple[Match, ...]:
    """Matches in body order; punctuation taken in at an edge never overlaps the next match."""
    out: list[Match] = []
    for m in sorted(matches, key=lambda m: m.start):
        if out and m.start < out[-1].end:
            m = attrs.evolve(m, start=out[-1].end)
            if m.end <= m.start:
                continue
        out.append(m)
    return tuple(out)
