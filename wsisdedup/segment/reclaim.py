"""Giving stretches of an unmarked quote back to the author, once the archive has shown that
they repeat nothing (`wsisdedup.match.reclaim` finds them).

The stretches become NEW, and the signature pass runs again over the author's text, so a
sign-off after a bottom-posted reply ("Best,\\nBob") is a SIGNATURE as it would be at the end of
a top-posted one. Every other segment keeps its kind; the segments still cover the body.

Imports `spans`, `signature`, `body`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import accumulate

from wsisdedup.model import Segment
from wsisdedup.segment.body import _finish
from wsisdedup.segment.signature import _signature_pass
from wsisdedup.segment.spans import K, _Span

__all__ = ["reclaim_own"]


def reclaim_own(
    text: str, segments: Sequence[Segment], own: Sequence[tuple[int, int]]
) -> tuple[Segment, ...]:
    """`segments` of `text` with the QUOTE parts inside the `own` spans made NEW.

    >>> body = ("On 2 Mar 2020, Ann <ann@example.org> wrote:\\n"
    ...         "Shall we?\\n\\nYes, at ten.\\n\\nBob\\n")
    >>> from wsisdedup.segment import split_body
    >>> mine = [(body.index("Yes"), body.index(".\\n\\nBob") + 1), (body.index("Bob"), len(body))]
    >>> segs = reclaim_own(body, split_body(body).segments, mine)
    >>> [(s.kind.value, s.text) for s in segs]  # doctest: +NORMALIZE_WHITESPACE
    [('attribution', 'On 2 Mar 2020, Ann <ann@example.org> wrote:\\n'),
     ('quote', 'Shall we?\\n\\n'), ('new', 'Yes, at ten.\\n\\n'), ('signature', 'Bob\\n')]
    """
    own = sorted(own)
    # Only the own spans that may meet a segment are read: those from the first whose end (or
    # an earlier one's) passes the segment's start, up to the last starting before its end.
    # Reading all of them for every quote was quadratic: a body of a few thousand quoted
    # Outlook blocks took minutes.
    reach = list(accumulate((b for _, b in own), max))
    starts = [a for a, _ in own]
    spans: list[_Span] = []
    for seg in segments:
        pos = seg.start
        if seg.kind is K.QUOTE:
            first = bisect_right(reach, seg.start)
            stop = bisect_left(starts, seg.end, first)
            for a, b in own[first:stop]:
                a, b = max(a, seg.start), min(b, seg.end)
                if a >= b:
                    continue
                if pos < a:
                    spans.append(_Span(pos, a, seg.kind, seg.depth))
                spans.extend(_lines(text, a, b))
                pos = b
        if pos < seg.end:
            spans.append(_Span(pos, seg.end, seg.kind, seg.depth, seg.forward))
    spans.sort(key=lambda sp: sp.start)
    return _finish(text, _signature_pass(text, spans))


def _lines(text: str, a: int, b: int) -> list[_Span]:
    """NEW spans, one a line (the signature pass reads the author's text line by line), and
    the blank space between them."""
    out: list[_Span] = []
    pos = a
    while pos < b:
        nl = text.find("\n", pos, b)
        end = b if nl < 0 else nl + 1
        out.append(_Span(pos, end, K.NEW if text[pos:end].strip() else None))
        pos = end
    return out
