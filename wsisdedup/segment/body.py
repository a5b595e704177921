"""One body -> typed segments that cover it exactly.

`split_body` reads a body line by line, the way a person reads a reply:

1. Lines that hold a flattened structure (an archive that joined a message onto one line, so an
   "On ... wrote:" or a `From: ... Sent: ... Subject:` block sits in the middle of a line) are cut
   into pieces first, at the structure's bounds. From then on a piece is read like a line.
2. Each line gets a tag from the tables in `wsisdedup.patterns.quotes` (quoted, attribution,
   header field, signature delimiter, ...), and neighbouring lines are grouped into wrapped
   attributions and reply header blocks.
3. A small state machine turns tags into kinds. After an attribution or a reply header, `>`
   lines are quotes and the author's inline answers stay new text; if no `>` follows, the
   quoted message runs on (top-posting, Outlook, archives that drop the markers) until the
   body shows where it ends (`wsisdedup.segment.unmarked`).
4. The end of the author's last stretch of new text is searched for a sign-off, a mobile
   signature, or a contact block; bracketed placeholders are cut out; list footers (from
   `wsisdedup.segment.footers`) override every other kind.

Blank space always belongs to the segment before it (leading blank space to the first segment),
and neighbouring segments of the same kind and depth are merged, so `segments` is canonical.

Each step is a module of this package; this one runs them in order and makes the segments
(`_finish`).

Speed: most lines are plain text, quoted text or blank, so the tables are run only on lines
that cheap string tests cannot prove plain (`_plain`), and neighbouring lines of one kind are one
unit and one span (runs of text lines are split back into lines only where a later step reads
them so). Each shortcut gives exactly what the full tables give; the tests hold them to it, and
benchmarks/bench_segment.py measures them.
"""

from __future__ import annotations

from collections.abc import Sequence

from wsisdedup.model import Body, Segment
from wsisdedup.patterns import quotes as Q
from wsisdedup.runtime import collector_paused
from wsisdedup.segment.assign import _assign, _join_text_runs
from wsisdedup.segment.attribution import _forward_info
from wsisdedup.segment.group import _group
from wsisdedup.segment.lines import _units
from wsisdedup.segment.passes import _footer_pass, _footer_spans, _placeholder_pass
from wsisdedup.segment.signature import _signature_pass
from wsisdedup.segment.spans import K, _Span
from wsisdedup.segment.tags import _FORWARD_PENDING

__all__ = ["split_body"]


def split_body(text: str, *, footers: Sequence[str] = ()) -> Body:
    """Split one message body into segments (new text, quotes, signature, ...).

    `footers` are list footers learnt from the archive (see `wsisdedup.segment.footers`); the spans
    `footer_spans` finds become FOOTER segments whatever they would have been otherwise.

    >>> body = split_body("Sounds good.\\n\\nOn Mon, Jan 4, 2010 at 1:00 PM, Bob <b@x.org> "
    ...                   "wrote:\\n> Ok?\\n")
    >>> body.new_text
    'Sounds good.'
    >>> [s.kind.value for s in body.segments]
    ['new', 'attribution', 'quote']
    """
    if not text:
        return Body(text=text, segments=())
    with collector_paused():  # linear on any body (`wsisdedup.runtime`)
        return _split(text, footers)


def _split(text: str, footers: Sequence[str]) -> Body:
    units = _units(text)
    _group(units)
    # Rebinding `units` frees the units joined into runs, and `del` the rest once the spans
    # are made: the passes below need only the spans, and on a body of short structured
    # lines the units were most of the memory `split_body` held at its peak.
    units = _join_text_runs(units)
    spans = _assign(units, text)
    del units
    # List footers first: the author's signature is looked for where their text ends, above
    # the footer the list appends.
    spans = _footer_pass(text, spans, _footer_spans(text, footers))
    spans = _signature_before_patch(text, spans)
    spans = _placeholder_pass(text, spans)
    return Body(text=text, segments=_finish(text, spans))


def _signature_before_patch(text: str, spans: list[_Span]) -> list[_Span]:
    """`_signature_pass`, which looks for the author's signature where their text ends; when
    the author attaches a `git format-patch` mail below their text, that text ends where the
    patch starts (its signature is the patch's own `-- ` and git version, found as usual)."""
    at = _patch_start(text)
    if at is None:
        return _signature_pass(text, spans)
    head: list[_Span] = []
    k = 0
    while k < len(spans) and spans[k].end <= at:
        head.append(spans[k])
        k += 1
    if k < len(spans) and spans[k].start < at:
        sp = spans[k]
        head.append(_Span(sp.start, at, sp.kind, sp.depth, sp.forward, run=sp.run))
        rest = [_Span(at, sp.end, sp.kind, sp.depth, sp.forward, run=sp.run), *spans[k + 1 :]]
    else:
        rest = spans[k:]
    if not any(sp.kind is K.NEW for sp in head):
        return _signature_pass(text, spans)
    return [*_signature_pass(text, head), *_signature_pass(text, rest)]


def _patch_start(text: str) -> int | None:
    """Where a `git format-patch` mail starts below the author's text, or None."""
    k = text.find(" Mon Sep 17 00:00:00 2001")
    while k >= 0:
        start = text.rfind("\n", 0, k) + 1
        if start > 0 and Q.FORMAT_PATCH_FROM.match(text, start):
            # A rule line right above it (a divider the author drew) goes with the patch.
            above = text.rfind("\n", 0, start - 1) + 1
            if Q.SEPARATOR_LINE.fullmatch(text[above : start - 1].strip()):
                return above
            return start
        k = text.find(" Mon Sep 17 00:00:00 2001", k + 1)
    return None


def _finish(text: str, spans: list[_Span]) -> tuple[Segment, ...]:
    """The canonical segments of `spans`: blank space joined to the segment before it, and
    neighbours of one kind and depth merged. Empties `spans`.

    A span is dropped as soon as it is read and a segment made as soon as no later span can
    join it, and segments hold the body rather than copies of their text (`Segment`): on a
    body of short lines of one kind and varying depth (a segment a line) the spans, the merged
    spans and the segments' copies of their text together made `split_body` hold 17 times the
    body.
    """
    segments: list[Segment] = []
    prev: _Span | None = None  # the last merged span: the only one a later span may change
    pending_start: int | None = None
    spans.reverse()
    pop = spans.pop
    while spans:
        sp = pop()
        if sp.start >= sp.end:
            continue
        # Blank space (kind None, or a whitespace-only piece) joins the segment before it.
        # (`isspace` on the first character spares slicing most spans.)
        lead_space = text[sp.start].isspace()
        if sp.kind is None or (lead_space and text[sp.start : sp.end].isspace()):
            if prev is not None:
                prev.end = sp.end
            elif pending_start is None:
                pending_start = sp.start
            continue
        if pending_start is not None:
            sp = _Span(pending_start, sp.end, sp.kind, sp.depth, sp.forward)
            pending_start = None
        elif prev is not None and lead_space:
            # A piece cut out of a line starts with the space that followed the piece before.
            lead = sp.start
            while text[lead].isspace():
                lead += 1
            prev.end = lead
            sp = _Span(lead, sp.end, sp.kind, sp.depth, sp.forward)
        if (
            prev is not None
            and prev.kind is sp.kind
            and prev.depth == sp.depth
            and sp.kind is not K.FORWARD_HEADER
        ):
            prev.end = sp.end
            continue
        if prev is not None:
            segments.append(_segment(text, prev))
        prev = _Span(sp.start, sp.end, sp.kind, sp.depth, sp.forward)
    if prev is not None:
        segments.append(_segment(text, prev))
    elif pending_start is not None:  # the whole body is blank
        segments.append(_segment(text, _Span(pending_start, len(text), K.NEW)))
    return tuple(segments)


def _segment(text: str, sp: _Span) -> Segment:
    """The segment of a merged span: a stretch of `text`, which it holds (not a copy)."""
    kind = sp.kind if sp.kind is not None else K.NEW
    forward = None
    if kind is K.FORWARD_HEADER:
        forward = (
            sp.forward
            if sp.forward not in (None, _FORWARD_PENDING)
            else _forward_info(text[sp.start : sp.end])
        )
    return Segment(
        kind=kind,
        within=text,
        start=sp.start,
        end=sp.end,
        depth=sp.depth if kind is K.QUOTE else 0,
        forward=forward,
    )
