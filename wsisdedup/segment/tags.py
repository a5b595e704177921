"""Tag one line from its own text: quoted, attribution, header field, signature delimiter, ...

`_Unit` is a line (or a run of lines of one kind, or a piece of a flattened line) and what the
later steps learn about it; `_tag_unit` gives it a `_Tag` from the tables in
`wsisdedup.patterns.quotes`, trying each costly table only on lines that pass a cheap test
first. `lines` cuts a body into units and calls it on the lines it cannot prove plain; `anchors`
calls it on the pieces of flattened lines.

Imports `attribution` (`_match_attribution`) and nothing else of the segment stage.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from wsisdedup.model import ForwardInfo
from wsisdedup.patterns import quotes as Q
from wsisdedup.segment.attribution import _match_attribution

# Lines longer than this are never one attribution, header line or sign-off on their own.
_SHORT = 300
# The last words of the header field labels, and their last letters: most colons end no label,
# and the letter before them tells (`_field_role`, and `anchors._label_before`).
_LABEL_LAST_WORDS = frozenset(label.split()[-1] for label in Q.FIELD_ROLES)
_LABEL_LAST_CHARS = frozenset(word[-1] for word in _LABEL_LAST_WORDS)


class _Tag(enum.Enum):
    BLANK = enum.auto()
    TEXT = enum.auto()
    QUOTED = enum.auto()
    ATTR = enum.auto()  # an attribution (group); `strong` says whether it carries a date/address
    HEADER = enum.auto()  # a reply header block (group)
    FORWARD = enum.auto()  # a forward marker with its header block (group)
    FORWARD_END = enum.auto()
    FIELD = enum.auto()  # one header field line, not (yet) part of a block
    REPLY_SEP = enum.auto()  # -----Original Message-----
    RULE = enum.auto()  # a line of underscores
    SEPARATOR = enum.auto()  # a line of dashes, equals signs...
    SIG_DELIM = enum.auto()
    MOBILE = enum.auto()
    SCRUB_PART = enum.auto()
    SCRUB_NOTE = enum.auto()
    MAILMAN = enum.auto()  # Mailman 2 default footer (group)
    PGP_HEAD = enum.auto()
    PGP_SIG = enum.auto()
    PGP_END = enum.auto()
    DISCLAIMER = enum.auto()
    BANNER = enum.auto()
    SNIP = enum.auto()  # "[...]", "<snip>": where the replier cut quoted text
    LOTUS = enum.auto()  # the date line of a Lotus Notes reply header (`group`)


class _T:
    """The `_Tag` members as plain class attributes (see `wsisdedup.segment.spans.K` for why)."""

    BLANK = _Tag.BLANK
    TEXT = _Tag.TEXT
    QUOTED = _Tag.QUOTED
    ATTR = _Tag.ATTR
    HEADER = _Tag.HEADER
    FORWARD = _Tag.FORWARD
    FORWARD_END = _Tag.FORWARD_END
    FIELD = _Tag.FIELD
    REPLY_SEP = _Tag.REPLY_SEP
    RULE = _Tag.RULE
    SEPARATOR = _Tag.SEPARATOR
    SIG_DELIM = _Tag.SIG_DELIM
    MOBILE = _Tag.MOBILE
    SCRUB_PART = _Tag.SCRUB_PART
    SCRUB_NOTE = _Tag.SCRUB_NOTE
    MAILMAN = _Tag.MAILMAN
    PGP_HEAD = _Tag.PGP_HEAD
    PGP_SIG = _Tag.PGP_SIG
    PGP_END = _Tag.PGP_END
    DISCLAIMER = _Tag.DISCLAIMER
    BANNER = _Tag.BANNER
    SNIP = _Tag.SNIP
    LOTUS = _Tag.LOTUS


class _Unit:
    """A line (or a piece of a flattened line) and what we learn about it."""

    __slots__ = (
        "depth",
        "end",
        "forward",
        "group",
        "lines",
        "role",
        "start",
        "strip",
        "strong",
        "tag",
    )

    def __init__(self, start: int, end: int, strip: str, tag: _Tag | None = None) -> None:
        self.start = start
        self.end = end
        self.strip = strip  # the text without surrounding white space
        self.tag = tag
        self.depth = 0  # `>` count for QUOTED
        self.group = 1  # number of units a structure spans, on its first unit
        self.strong = False  # ATTR: has a date or an address, so it may open an unmarked quote
        self.role = ""  # FIELD: the field's role
        self.forward: ForwardInfo | None = None
        self.lines = 1  # TEXT: how many lines it joins (`_units`, `_join_text_runs`)


# Marks a forward whose ForwardInfo is parsed from the text once the span is known.
_FORWARD_PENDING = ForwardInfo()


def _tag_unit(u: _Unit) -> _Unit:
    """Tag one line from its own text (no context).

    Most lines are plain text, so each costly table is tried only on lines that pass a cheap
    test first (a first word from the table, a colon near the start, a telling last character).
    """
    s = u.strip
    if not s:
        u.tag = _T.BLANK
        return u
    first = s[0]
    if first == ">":
        u.tag = _T.QUOTED
        u.depth = _marker_depth(s, Q.QUOTE_MARKER_CHARS, ">")
        return u
    if len(s) > _SHORT:
        u.tag = _notice_tag(s)
        return u
    if first in ".…" and s.lstrip(".…")[:1] == ">" and s.startswith(_ELISION_MARKS):
        # "...> text": the replier cut the start of a quoted line (`Q.ELISION_MARKS`).
        u.tag = _T.QUOTED
        u.depth = _marker_depth(s.lstrip(".…"), Q.QUOTE_MARKER_CHARS, ">")
        return u
    if len(s) <= 24 and _is_snip(s):
        u.tag = _T.SNIP
        return u
    last = s[-1]
    if first in "-_=~*#":
        tag = _tag_rule_line(s)
        if tag is not None:
            u.tag = tag
            return u
    elif last in ":：" and Q.FORWARD_MARKER.fullmatch(s):
        u.tag = _T.FORWARD
        return u
    colon = s.find(":", 0, 40)
    if colon < 0:
        colon = s.find("：", 0, 40)
    if colon > 0:
        role = _field_role(s, colon)
        if role is not None:
            u.tag = _T.FIELD
            u.role = role
            return u
        if s[:3] in _SCRUB_STARTS and Q.SCRUBBER_NOTE.fullmatch(s):
            u.tag = _T.SCRUB_NOTE
            return u
    if (colon > 0 or ":" in s) and _lotus_date(s):
        u.tag = _T.LOTUS
        return u
    low = s[:12].lower()
    if _has_prefix(low, _MOBILE_TABLE) and len(s) <= 160 and Q.MOBILE_SIGNATURE.match(s):
        u.tag = _T.MOBILE
        return u
    if s[:3] in _SCRUB_STARTS and Q.SCRUBBER_NOTE.fullmatch(s):
        u.tag = _T.SCRUB_NOTE
        return u
    if last in ":：-" or s.endswith("wrote"):
        attr = _match_attribution(s, strong_only=False)
        if attr is not None:
            u.tag = _T.ATTR
            u.strong = attr
            return u
    u.tag = _notice_tag(s)
    return u


_ELISION_MARKS = tuple(mark + ">" for mark in Q.ELISION_MARKS)
_SCRUB_STARTS = frozenset(("An ", "A n", "Ski", "Nam", "Typ", "Siz", "Des", "Url", "URL"))


def _lotus_date(s: str) -> bool:
    """The date line of a Lotus Notes reply header (alone, or after the author's name)."""
    if len(s) > 120 or not s[-1].isalnum():
        return False
    if s[0].isdigit() and len(s) <= 30:
        return Q.LOTUS_DATE_LINE.fullmatch(s) is not None
    if not (s[-2:].isdigit() or s[-1] in "Mm"):
        return False
    return Q.LOTUS_NAME_DATE_LINE.fullmatch(s) is not None


def _notice_tag(s: str) -> _Tag:
    """BANNER or DISCLAIMER for lines that open one, else TEXT."""
    head = s[:40].lstrip("*_[( \t").lower()
    if _has_prefix(head, _NOTICE_TABLE):
        if Q.BANNER.match(s):
            return _T.BANNER
        if Q.DISCLAIMER.match(s):
            return _T.DISCLAIMER
    return _T.TEXT


def _field_role(s: str, colon: int) -> str | None:
    """The role of the header field label that starts `s` and ends at `colon`, or None."""
    # Most colons end no label ("https:", "Note:"): the last letter tells, without the lookup.
    c = s[colon - 1]
    if c not in "*_ \t\u00a0" and not c.isspace() and c.lower() not in _LABEL_LAST_CHARS:
        return None
    label = s[:colon].strip("*_ \t\u00a0")
    if not label or len(label) > 30:
        return None
    if label.rstrip()[-1:].lower() not in _LABEL_LAST_CHARS:
        return None
    return Q.FIELD_ROLES.get(" ".join(label.lower().split()))


def _prefix_table(prefixes: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """`prefixes` by their first two characters (or only one), for `_has_prefix`."""
    table: dict[str, tuple[str, ...]] = {}
    for p in prefixes:
        table[p[:2]] = (*table.get(p[:2], ()), p)
    return table


def _has_prefix(low: str, table: dict[str, tuple[str, ...]]) -> bool:
    """`low.startswith(prefixes)`, trying only the few prefixes that share its first two
    characters instead of the whole table."""
    return low.startswith(table.get(low[:2], ())) or low.startswith(table.get(low[:1], ()))


_NOTICE_TABLE = _prefix_table(Q.NOTICE_PREFIXES)
_MOBILE_TABLE = _prefix_table(Q.MOBILE_PREFIXES)


def _marker_depth(s: str, chars: str, marker: str) -> int:
    """How many quote markers start `s` (`> > >` and `>>>` are both 3)."""
    return s.count(marker, 0, len(s) - len(s.lstrip(chars)))


_SNIP_WORDS = ("snip", "schnipp", "cut", "coupé", "recortado", "tagliato", "knip", "klipp", "ciach")


# The lower-cased first words of every line `_tag_unit` may tag from them: notices, mobile
# signatures, snip marks (and scrubber notes, `_SCRUB_STARTS`, which it reads as written).
# `_plain` sends lines that start so to `_tag_unit`.
_HOT_PREFIXES = (*Q.NOTICE_PREFIXES, *Q.MOBILE_PREFIXES, *_SNIP_WORDS)
# The same by their first two characters: most lines share them with none, and lower-casing two
# characters is cheaper than forty. (A prefix of one character, `*`, is a hot first character.)
_HOT_STARTS: dict[str, tuple[str, ...]] = {}
for _prefix in _HOT_PREFIXES:
    if len(_prefix) >= 2:
        _HOT_STARTS[_prefix[:2]] = (*_HOT_STARTS.get(_prefix[:2], ()), _prefix)


def _is_snip(s: str) -> bool:
    """A snip mark: "[...]", "<snip>", "... snip ...", "…" (brackets alone are not one)."""
    if s[0] not in "[(<{.…" and not s.lower().startswith(_SNIP_WORDS):
        return False
    return Q.SNIP.fullmatch(s) is not None and any(c.isalpha() or c in ".…" for c in s)


def _tag_rule_line(s: str) -> _Tag | None:
    """Tag a line that starts with `-`, `_`, `=`, `~`, `*` or `#`."""
    if s in ("--", "- --") or Q.SIGNATURE_DELIMITER.fullmatch(s):
        return _T.SIG_DELIM
    body = s.strip("-_=~*# \t")
    if not body:
        if Q.UNDERSCORE_RULE.fullmatch(s):
            return _T.RULE
        if Q.SEPARATOR_LINE.fullmatch(s):
            return _T.SEPARATOR
        return None
    if len(s) < 2 or s[1] not in "-_*":
        return None  # "- a list item", "* a bullet", "# a comment"
    if "next part" in body and Q.SCRUBBER_PART.fullmatch(s):
        return _T.SCRUB_PART
    if body.startswith(("BEGIN PGP", "END PGP")):
        if Q.PGP_SIGNED_BEGIN.fullmatch(s):
            return _T.PGP_HEAD
        if Q.PGP_SIGNATURE_BEGIN.fullmatch(s):
            return _T.PGP_SIG
        if Q.PGP_SIGNATURE_END.fullmatch(s):
            return _T.PGP_END
    if Q.FORWARD_END.fullmatch(s):
        return _T.FORWARD_END
    if Q.FORWARD_MARKER.fullmatch(s):
        return _T.FORWARD
    if Q.REPLY_SEPARATOR.fullmatch(s):
        return _T.REPLY_SEP
    if Q.BANNER.match(s):
        return _T.BANNER
    return None
