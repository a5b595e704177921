"""What the state machine hands to the passes after it: spans of the body with a kind.

`_Span` is a mutable stretch of the body (`assign` makes them, `signature` and `passes` cut and
relabel them, `body._finish` merges them into segments). `K` makes reading a kind cheap in
those loops. Imports only `wsisdedup.model`.
"""

from __future__ import annotations

import attrs

from wsisdedup.model import ForwardInfo, SegmentKind


class K:
    """The `SegmentKind` members as plain class attributes.

    On CPython 3.11 reading an Enum member (`SegmentKind.NEW`) goes through
    `EnumType.__getattr__` and costs ~0.2 µs, seven times a class attribute; the loops of the
    segment stage read several per line, which made them a fifth of `split_body`'s time.
    `tags._T` and `assign._M` do the same for `_Tag` and `_Mode`.
    """

    NEW = SegmentKind.NEW
    QUOTE = SegmentKind.QUOTE
    ATTRIBUTION = SegmentKind.ATTRIBUTION
    FORWARD_HEADER = SegmentKind.FORWARD_HEADER
    FORWARD = SegmentKind.FORWARD
    SIGNATURE = SegmentKind.SIGNATURE
    FOOTER = SegmentKind.FOOTER
    PLACEHOLDER = SegmentKind.PLACEHOLDER


@attrs.define
class _Span:
    start: int
    end: int
    kind: SegmentKind | None  # None: blank space, given to a neighbour at the end
    depth: int = 0
    forward: ForwardInfo | None = None
    marked: bool = False  # QUOTE lines that start with `>`
    run: bool = False  # NEW text of several whole lines (see `_join_text_runs`)
