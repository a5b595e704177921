"""From tags to kinds: the state machine that reads a body the way a person reads a reply.

After an attribution or a reply header, `>` lines are quotes and the author's inline answers
stay new text; if no `>` follows, everything after it is the quoted message (top-posting,
Outlook, archives that drop the markers). A forward marker opens a forwarded message, a
signature delimiter or PGP signature a signature.

`_assign` is a small driver: it handles blank space and the author's text itself (most units)
and hands every other unit to `_step`, which calls the handler of the current mode
(`_step_unmarked`, `_step_forward`, `_step_author`). Its output is a list of `_Span`s for the
passes in `signature`, `passes` and `body`.

Imports `tags` and `spans`.
"""

from __future__ import annotations

import enum

import regex

from wsisdedup.model import SegmentKind
from wsisdedup.patterns import quotes as Q
from wsisdedup.segment.attribution import parse_attribution
from wsisdedup.segment.spans import K, _Span
from wsisdedup.segment.tags import _FORWARD_PENDING, _T, _marker_depth, _Tag, _Unit
from wsisdedup.segment.unmarked import _unmarked_end


def _join_text_runs(units: list[_Unit]) -> list[_Unit]:
    """Join each run of neighbouring TEXT units into one, once structures are grouped.

    Most lines are plain text, and after grouping nothing tells one TEXT line from the next but
    `_lazy_continuation` (a lone line between quoted ones: never a run), the `|` test of bar
    quotes (lines starting with `|` stay apart), and the lines right after a banner (counted)
    or a PGP header (its `Hash:` line), which stay apart. In author mode a run becomes one NEW
    span that `_signature_pass` splits back into lines where it reads them; elsewhere the lines'
    spans would have joined anyway. So every later stage handles one unit and one span instead
    of one a line, and the segments come out the same.
    """
    text_tag = _T.TEXT
    holding = (_T.BANNER, _T.PGP_HEAD)
    out: list[_Unit] = []
    run: _Unit | None = None
    hold = False  # after a banner or PGP header, until a unit that is not text
    for u in units:
        if u.tag is text_tag:
            if hold or u.group != 1 or u.strip.startswith("|"):
                run = None
            elif run is not None and run.end == u.start:
                run.end = u.end
                run.lines += u.lines
                continue
            else:
                run = u
        else:
            run = None
            hold = u.tag in holding
        out.append(u)
    return out


class _Mode(enum.Enum):
    AUTHOR = enum.auto()
    UNMARKED = enum.auto()  # after a reply header or attribution with no `>` after it
    FORWARD = enum.auto()
    SIGNATURE = enum.auto()
    PGP = enum.auto()


class _M:
    """The `_Mode` members as plain class attributes (see `spans.K` for why)."""

    AUTHOR = _Mode.AUTHOR
    UNMARKED = _Mode.UNMARKED
    FORWARD = _Mode.FORWARD
    SIGNATURE = _Mode.SIGNATURE
    PGP = _Mode.PGP


def _next_content(units: list[_Unit], j: int) -> _Unit | None:
    """The next unit that is not blank nor a snip mark."""
    n = len(units)
    while j < n and units[j].tag in (_T.BLANK, _T.SNIP):
        j += 1
    return units[j] if j < n else None


class _State:
    """What `_assign`'s handlers share: one object, so that each mode and tag can have a
    handler of its own instead of a branch of one long loop."""

    __slots__ = (
        "before_pgp",
        "mode",
        "n",
        "qdepth",
        "scrub",
        "spans",
        "text",
        "units",
        "unmarked_end",
    )

    def __init__(self, units: list[_Unit], text: str) -> None:
        self.units = units
        self.text = text
        self.n = len(units)
        self.spans: list[_Span] = []
        self.mode = _M.AUTHOR
        self.before_pgp = _M.AUTHOR  # the mode a PGP signature's end goes back to
        self.qdepth = 1  # the depth of an unmarked quote
        self.scrub = False  # inside a pipermail scrubber note
        self.unmarked_end = self.n  # where an unmarked quote ends (`_open_unmarked`)


def _assign(units: list[_Unit], text: str) -> list[_Span]:
    """Turn tags into kinds: the state machine's driver.

    It handles the two commonest cases itself (blank space, and text in author mode) and hands
    every other unit to `_step`, which returns the index of the next unit to read.

    Each unit two places behind the one read is replaced by `_GONE` in `units`: no step reads
    further back than the unit before its own (`_lazy_continuation`), and dropping them as the
    spans are made keeps the units and the spans from both being whole at once (on a body of a
    span a line, the units made up half of `split_body`'s peak).
    """
    st = _State(units, text)
    spans = st.spans
    n = st.n
    i = 0
    gone = 0  # units before this one are `_GONE`
    while i < n:
        while gone < i - 1:
            units[gone] = _GONE
            gone += 1
        u = units[i]
        tag = u.tag
        # The two commonest cases first, with `_emit` inlined.
        if tag is _T.BLANK:
            prev = spans[-1] if spans else None
            if (
                prev is not None
                and prev.kind is not K.NEW
                and prev.kind is not None
                and prev.end == u.start
            ):
                prev.end = u.end
            else:
                spans.append(_Span(u.start, u.end, None))
            i += 1
            continue
        if tag is _T.TEXT and st.mode is _M.AUTHOR:
            if i and units[i - 1].tag is _T.QUOTED and _lazy_continuation(units, i):
                _emit(st, i, i, K.QUOTE, units[i - 1].depth)
            else:
                # New text joins nothing: `_signature_pass` reads it line by line.
                spans.append(_Span(u.start, u.end, K.NEW, run=u.lines > 1))
            i += 1
            continue
        i = _step(st, i, u, tag)
    return spans


# What `_assign` leaves in place of a unit it no longer reads.
_GONE = _Unit(0, 0, "")


def _emit(st: _State, a: int, b: int, kind: SegmentKind | None, depth: int = 0) -> None:
    """Add units `a` to `b` as a span of `kind`, or join them to the span before."""
    # Lines join the span before them when nothing later needs them apart: new text and
    # blank lines after it stay line by line for the signature pass; marked and unmarked
    # quote lines stay apart for the placeholder pass.
    units, spans = st.units, st.spans
    start, end = units[a].start, units[b].end
    marked = kind is K.QUOTE and units[a].tag is _T.QUOTED
    if spans:
        prev = spans[-1]
        joinable = prev.kind is not K.NEW and prev.kind is not None and prev.end == start
        if joinable and (
            kind is None
            or (
                kind is prev.kind
                and depth == prev.depth
                and marked == prev.marked
                and kind is not K.FORWARD_HEADER
            )
        ):
            prev.end = end
            return
    spans.append(_Span(start, end, kind, depth, marked=marked))


def _step(st: _State, i: int, u: _Unit, tag: _Tag | None) -> int:
    """One unit that is neither blank nor author text; returns the index of the next unit.

    The tags every mode reads alike come first (snip marks, quoted lines, PGP signatures,
    Mailman footers, scrubber notes, PGP headers), then the handler of the mode.
    """
    mode = st.mode
    if tag is _T.SNIP and mode is not _M.FORWARD:
        _emit(st, i, i, K.PLACEHOLDER)
        return i + 1
    if tag is _T.QUOTED:
        base = st.qdepth if mode is _M.UNMARKED else 0
        _emit(st, i, i, K.QUOTE, base + u.depth)
        if mode is _M.SIGNATURE:
            st.mode = _M.AUTHOR
        return i + 1
    if mode is _M.PGP:
        _emit(st, i, i, K.SIGNATURE)
        if tag is _T.PGP_END:
            st.mode = st.before_pgp
        return i + 1
    if tag is _T.PGP_SIG:
        st.before_pgp = _M.AUTHOR if mode is _M.SIGNATURE else mode
        st.mode = _M.PGP
        _emit(st, i, i, K.SIGNATURE)
        return i + 1
    if tag is _T.MAILMAN:
        step = max(u.group, 1)
        _emit(st, i, i + step - 1, K.FOOTER)
        return i + step
    if tag is _T.SCRUB_PART or (tag is _T.SCRUB_NOTE and (st.scrub or _scrub_head(u))):
        _emit(st, i, i, K.PLACEHOLDER)
        st.scrub = True
        if mode is not _M.FORWARD:
            st.mode = _M.AUTHOR
        return i + 1
    st.scrub = False
    if tag is _T.PGP_HEAD:
        _emit(st, i, i, K.PLACEHOLDER)
        if i + 1 < st.n and st.units[i + 1].strip.startswith("Hash:"):
            _emit(st, i + 1, i + 1, K.PLACEHOLDER)
            i += 1
        return i + 1
    if mode is _M.UNMARKED:
        if i >= st.unmarked_end:
            # The quoted message ended (`_unmarked_end`): the unit is the author's again.
            st.mode = _M.AUTHOR
            st.unmarked_end = st.n
            return i
        return _step_unmarked(st, i, u, tag)
    if mode is _M.FORWARD:
        return _step_forward(st, i, u, tag)
    return _step_author(st, i, u, tag)


def _step_unmarked(st: _State, i: int, u: _Unit, tag: _Tag | None) -> int:
    """UNMARKED mode: everything is quoted; a reply header or strong attribution inside the
    quote, with no `>` after it, opens a quote one level deeper."""
    step = max(u.group, 1)
    last = i + step - 1
    if tag in (_T.ATTR, _T.HEADER, _T.FORWARD) and (u.strong or tag is not _T.ATTR):
        _emit(st, i, last, K.QUOTE, st.qdepth)
        nxt = _next_content(st.units, last + 1)
        if nxt is not None and nxt.tag is not _T.QUOTED:
            st.qdepth += 1
    else:
        _emit(st, i, last, K.QUOTE, st.qdepth)
    return i + step


def _step_forward(st: _State, i: int, u: _Unit, tag: _Tag | None) -> int:
    """FORWARD mode: everything is the forwarded message, up to a forward's end marker."""
    step = max(u.group, 1)
    if tag is _T.FORWARD_END:
        _emit(st, i, i, K.FORWARD)
        st.mode = _M.AUTHOR
    else:
        _emit(st, i, i + step - 1, K.FORWARD)
    return i + step


def _step_author(st: _State, i: int, u: _Unit, tag: _Tag | None) -> int:
    """AUTHOR and SIGNATURE modes: structures open quotes, forwards and signatures; other
    lines are new text (signature after a delimiter)."""
    units = st.units
    step = max(u.group, 1)
    last = i + step - 1
    if tag is _T.ATTR:
        if _open_attribution(st, i, u, last):
            return i + step
        # A weak attribution with no quote after it is just text.
    elif tag is _T.HEADER or (tag is _T.REPLY_SEP and step == 1):
        _emit(st, i, last, K.ATTRIBUTION)
        nxt = _next_content(units, last + 1)
        marked = nxt is not None and nxt.tag is _T.QUOTED
        _open_unmarked(st, i, last, unmarked=not marked and nxt is not None)
        return i + step
    elif tag is _T.FORWARD:
        sp = _Span(units[i].start, units[last].end, K.FORWARD_HEADER)
        sp.forward = _FORWARD_PENDING if u.forward is _FORWARD_PENDING else u.forward
        st.spans.append(sp)
        st.mode = _M.FORWARD
        return i + step
    elif tag is _T.SIG_DELIM:
        _emit(st, i, i, K.SIGNATURE)
        st.mode = _M.SIGNATURE
        return i + 1
    elif tag is _T.MOBILE:
        _emit(st, i, i, K.SIGNATURE)
        return i + 1
    elif tag is _T.BANNER:
        j = i
        while j + 1 < st.n and j - i < 5 and units[j + 1].tag is _T.TEXT:
            j += 1
        _emit(st, i, j, K.FOOTER)
        return j + 1
    elif tag is _T.DISCLAIMER and st.mode is _M.AUTHOR and _has_new(st.spans):
        _emit(st, i, i, K.SIGNATURE)
        st.mode = _M.SIGNATURE
        return i + 1

    if st.mode is _M.SIGNATURE:
        _emit(st, i, last, K.SIGNATURE)
        return i + step
    if _lazy_continuation(units, i):
        _emit(st, i, i, K.QUOTE, units[i - 1].depth)
        return i + 1
    _emit(st, i, last, K.NEW)
    return i + step


def _open_attribution(st: _State, i: int, u: _Unit, last: int) -> bool:
    """An attribution (units `i` to `last`) opens a quote when `>` lines follow it, or when
    it is strong (the quote may then be unmarked); False for a weak one with neither."""
    units = st.units
    nxt = _next_content(units, last + 1)
    if nxt is not None and nxt.tag is _T.TEXT and nxt.strip.startswith("|"):
        _bar_quote(units, last + 1)
        nxt = _next_content(units, last + 1)
    marked = nxt is not None and nxt.tag is _T.QUOTED
    if marked or u.strong:
        _emit(st, i, last, K.ATTRIBUTION)
        _open_unmarked(st, i, last, unmarked=not marked and nxt is not None)
        return True
    if nxt is not None and nxt.tag is _T.TEXT and all(sp.kind is None for sp in st.spans):
        # A weak one ("Joanna Kim wrote:") opening the body, over unmarked text: it opens a
        # quote when the body shows where the quoted text ends (`_unmarked_end`), so that
        # the reply after it stays the author's.
        end = _unmarked_end(st.text, units, (i, last), last + 1, False)
        if end is not None and _names_someone(st.text[units[i].start : units[last].end]):
            _emit(st, i, last, K.ATTRIBUTION)
            st.qdepth = 1
            st.mode = _M.UNMARKED
            st.unmarked_end = end
            return True
    return False


def _names_someone(attribution: str) -> bool:
    """Does a weak attribution name a person ("Joanna Kim wrote:"), not a phrase ("As my
    colleague wrote:")? One to four words, each capitalised."""
    parsed = parse_attribution(attribution)
    words = parsed.name.split() if parsed is not None else []
    return 0 < len(words) <= 4 and all(w[:1].isupper() for w in words)


def _open_unmarked(st: _State, i: int, last: int, *, unmarked: bool) -> None:
    """After an opener (units `i` to `last`): quote mode if no `>` follows, until the quoted
    message's end that `unmarked._unmarked_end` finds, if any."""
    st.qdepth = 1
    if not unmarked:
        st.mode = _M.AUTHOR
        return
    new_before = _has_new(st.spans)
    end = _unmarked_end(st.text, st.units, (i, last), last + 1, new_before)
    st.mode = _M.UNMARKED
    st.unmarked_end = st.n if end is None else end


_SCRUB_FIELD = regex.compile(r"(?:Name|Type|Size|Desc|Url|URL)[ \t]{0,2}:")


def _scrub_head(u: _Unit) -> bool:
    """A scrubber note that stands on its own ("An HTML attachment was scrubbed...")."""
    return _SCRUB_FIELD.match(u.strip) is None


def _has_new(spans: list[_Span]) -> bool:
    return any(s.kind is K.NEW for s in spans)


def _bar_quote(units: list[_Unit], j: int) -> None:
    """`|` quoting right after an attribution: treat the bar lines as `>` lines."""
    n = len(units)
    while j < n and units[j].tag in (_T.TEXT, _T.BLANK):
        u = units[j]
        if u.tag is _T.TEXT:
            if not u.strip.startswith("|"):
                break
            u.tag = _T.QUOTED
            u.depth = _marker_depth(u.strip, Q.BAR_MARKER_CHARS, "|")
        j += 1


def _lazy_continuation(units: list[_Unit], i: int) -> bool:
    """A short unmarked line between two quoted lines, continuing a long quoted line that a
    client re-wrapped without adding `>`, belongs to the quote."""
    if i == 0 or i + 1 >= len(units):
        return False
    prev, cur, nxt = units[i - 1], units[i], units[i + 1]
    if prev.tag is not _T.QUOTED or nxt.tag is not _T.QUOTED or cur.tag is not _T.TEXT:
        return False
    if cur.lines > 1:
        return False  # only a line next to quoted lines on both sides continues them
    p = prev.strip
    return (
        len(p) >= 60
        and p[-1] not in ".?!:"
        and len(cur.strip) < 40
        and (cur.strip[:1].islower() or cur.strip[:1].isdigit())
        and prev.depth == nxt.depth
    )
