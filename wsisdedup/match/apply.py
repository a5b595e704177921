"""Applying matches to segments: the repeated text of a body becomes sourced QUOTE segments."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import regex

from wsisdedup.match.records import Match, Span
from wsisdedup.model import Segment, SegmentKind

__all__ = ["apply_matches"]

# Text a quote line starts with before its words (`> `, `| `) and the blank rest of a line:
# `apply_matches` moves segment boundaries over them so no NEW piece is left holding markers.
_LINE_PREFIX = regex.compile(r"[ \t]*(?:[>|][ \t]*)*\Z")
_LINE_REST = regex.compile(r"[ \t]*(?:\r?\n|\Z)")
_BLANK = regex.compile(r"[\s>|]*\Z")

_TOUCHABLE = frozenset({SegmentKind.NEW, SegmentKind.QUOTE})


def _tidy(text: str, base: int, start: int, end: int) -> Span:
    """Widen a match inside one segment over its line's quote markers and the blank rest of
    its last line, so the NEW text left around it holds no stray `>` or empty line ends."""
    rel_start, rel_end = start - base, end - base
    line_start = text.rfind("\n", 0, rel_start) + 1
    if _LINE_PREFIX.match(text, line_start, rel_start):
        rel_start = line_start
    rest = _LINE_REST.match(text, rel_end)
    if rest:
        rel_end = rest.end()
    return Span(start=base + rel_start, end=base + rel_end)


def apply_matches(segments: tuple[Segment, ...], matches: Iterable[Match]) -> tuple[Segment, ...]:
    """Turn the matched parts of NEW and unsourced QUOTE segments into sourced QUOTE segments.

    Segments are split at match boundaries and still cover the body exactly. FOOTER, SIGNATURE,
    PLACEHOLDER, ATTRIBUTION, FORWARD and FORWARD_HEADER segments and already sourced quotes are
    never changed. A piece left between two matches that holds only blanks and quote markers
    joins the quote before it.
    """
    ordered = sorted(matches, key=lambda m: (m.start, m.end))
    if not ordered:
        return segments
    out: list[Segment] = []
    for seg in segments:
        if seg.kind not in _TOUCHABLE or (seg.kind is SegmentKind.QUOTE and seg.source_id):
            out.append(seg)
            continue
        out += _split_segment(seg, ordered)
    return tuple(out)


def _split_segment(seg: Segment, matches: list[Match]) -> list[Segment]:
    # The segment's text, sliced from its body once (`Segment.text` makes a new string each
    # time: read in the loops below, it made a body of many matches quadratic).
    text = seg.text
    # Cut points: (start, end, source) inside the segment, in order, without overlaps.
    cuts: list[tuple[int, int, str]] = []
    for m in matches:
        if m.end <= seg.start:
            continue
        if m.start >= seg.end:
            break
        a, b = max(m.start, seg.start), min(m.end, seg.end)
        if cuts:
            a = max(a, cuts[-1][1])
        if b <= a:
            continue
        span = _tidy(text, seg.start, a, b)
        a = max(span.start, cuts[-1][1]) if cuts else span.start
        cuts.append((a, span.end, m.source_id))
    if not cuts:
        return [seg]

    def piece(kind: SegmentKind, a: int, b: int, source: str | None) -> Segment:
        # (The piece holds what `seg` holds, the body: not a copy of its text.)
        return attrs.evolve(seg, kind=kind, start=a, end=b, source_id=source)

    out: list[Segment] = []
    pos = seg.start
    for a, b, source in cuts:
        if a > pos:
            gap = text[pos - seg.start : a - seg.start]
            if (
                out
                and out[-1].kind is SegmentKind.QUOTE
                and _BLANK.match(gap)
                and out[-1].source_id
            ):
                # Blank lines and markers between two matched pieces belong to the quote.
                prev = out.pop()
                out.append(piece(SegmentKind.QUOTE, prev.start, a, prev.source_id))
            else:
                out.append(piece(seg.kind, pos, a, seg.source_id))
        if out and out[-1].kind is SegmentKind.QUOTE and out[-1].source_id == source:
            prev = out.pop()
            out.append(piece(SegmentKind.QUOTE, prev.start, b, source))
        else:
            out.append(piece(SegmentKind.QUOTE, a, b, source))
        pos = b
    if pos < seg.end:
        out.append(piece(seg.kind, pos, seg.end, seg.source_id))
    return out
