"""`segment.reclaim.reclaim_own`: quoted stretches the archive shows to be the author's own."""

from __future__ import annotations

import random

from wsisdedup.model import SegmentKind
from wsisdedup.segment import reclaim as R
from wsisdedup.segment import split_body
from wsisdedup.segment.reclaim import reclaim_own


def _disjoint_spans(rng: random.Random, length: int) -> list[tuple[int, int]]:
    """Own spans as `match.reclaim` gives them: apart from each other, in any order."""
    cuts = sorted(rng.sample(range(length), 2 * rng.randrange(1, 10)))
    spans = list(zip(cuts[::2], cuts[1::2], strict=True))
    rng.shuffle(spans)
    return spans


def test_reclaim_reads_only_the_own_spans_near_each_quote() -> None:
    """Every quote against every own span was quadratic (issue 11: a body of a few thousand
    quoted Outlook blocks took minutes). Reading only the spans near each quote gives what
    reading them all gave, and the segments still cover the body."""
    rng = random.Random(11)
    text = "Hi\n\n" + "-----Original Message-----\nFrom: Ann\n\nquoted line\n\n> q\n" * 40
    segments = split_body(text).segments
    assert sum(s.kind is SegmentKind.QUOTE for s in segments) > 10
    for _ in range(40):
        own = _disjoint_spans(rng, len(text))
        got = reclaim_own(text, segments, own)
        assert "".join(s.text for s in got) == text
        assert got == _reclaim_reading_every_span(text, segments, own)
        assert any(s.kind is SegmentKind.NEW for s in got[1:])


def _reclaim_reading_every_span(
    text: str, segments: tuple[R.Segment, ...], own: list[tuple[int, int]]
) -> tuple[R.Segment, ...]:
    """The loop `reclaim_own` had before issue 11, as the reference."""
    spans: list[R._Span] = []
    for seg in segments:
        pos = seg.start
        if seg.kind is R.K.QUOTE:
            for a, b in sorted(own):
                a, b = max(a, seg.start), min(b, seg.end)
                if a >= b:
                    continue
                if pos < a:
                    spans.append(R._Span(pos, a, seg.kind, seg.depth))
                spans.extend(R._lines(text, a, b))
                pos = b
        if pos < seg.end:
            spans.append(R._Span(pos, seg.end, seg.kind, seg.depth, seg.forward))
    spans.sort(key=lambda sp: sp.start)
    return R._finish(text, R._signature_pass(text, spans))
