"""One body -> typed segments that cover it exactly.

`split_body` reads a body line by line, the way a person reads a reply:

1. Lines that hold a flattened structure (an archive that joined a message onto one line, so an
   "On ... wrote:" or a `From: ... Sent: ... Subject:` block sits in the middle of a line) are cut
   into pieces first, at the structure's bounds. From then on a piece is read like a line.
2. Each line gets a tag from the tables in `wsisdedup.patterns.quotes` (quoted, attribution,
   header field, signature delimiter, ...), and neighbouring lines are grouped into wrapped
   attributions and reply header blocks.
3. A small state machine turns tags into kinds. After an attribution or a reply header, `>`
   lines are quotes and the author's inline answers stay new text; if no `>` follows, everything
   after it is the quoted message (top-posting, Outlook, archives that drop the markers).
4. The end of the author's last stretch of new text is searched for a sign-off, a mobile
   signature, or a contact block; bracketed placeholders are cut out; list footers (from
   `wsisdedup.segment.footers`) override every other kind.

Blank space always belongs to the segment before it (leading blank space to the first segment),
and neighbouring segments of the same kind and depth are merged, so `segments` is canonical.

Speed: most lines are plain text, quoted text or blank, so the tables are run only on lines
that cheap string tests cannot prove plain (`_plain`), and neighbouring lines of one kind are one
unit and one span (runs of text lines are split back into lines only where a later step reads
them so). Each shortcut gives exactly what the full tables give; the tests hold them to it, and
benchmarks/bench_segment.py measures them.
"""

from __future__ import annotations

import enum
import functools
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import attrs
import regex

from wsisdedup.model import Body, ForwardInfo, Person, Segment, SegmentKind
from wsisdedup.patterns import links as LP
from wsisdedup.patterns import quotes as Q
from wsisdedup.patterns.footers import FOOTER_TEMPLATES
from wsisdedup.segment.footers import footer_spans

__all__ = ["Attribution", "parse_attribution", "split_body"]


class K:
    """The `SegmentKind` members as plain class attributes.

    On CPython 3.11 reading an Enum member (`SegmentKind.NEW`) goes through
    `EnumType.__getattr__` and costs ~0.2 µs, seven times a class attribute; the loops of this
    module read several per line, which made them a fifth of `split_body`'s time. `_T` and `_M`
    do the same for `_Tag` and `_Mode`.
    """

    NEW = SegmentKind.NEW
    QUOTE = SegmentKind.QUOTE
    ATTRIBUTION = SegmentKind.ATTRIBUTION
    FORWARD_HEADER = SegmentKind.FORWARD_HEADER
    FORWARD = SegmentKind.FORWARD
    SIGNATURE = SegmentKind.SIGNATURE
    FOOTER = SegmentKind.FOOTER
    PLACEHOLDER = SegmentKind.PLACEHOLDER


# At most this many flattened anchors are looked at per line: a real flattened thread holds a
# handful; a line built to hurt holds millions, and each costs a bounded look around it.
_MAX_ANCHORS_PER_LINE = 64
# Lines longer than this are never one attribution, header line or sign-off on their own.
_SHORT = 300
# How far from the end of the author's text a signature is looked for inside a flattened line.
_TAIL_WINDOW = 1000
_SIGNOFF_TAIL_CHARS = 400
_SIGNOFF_TAIL_LINES = 12


@attrs.frozen(kw_only=True)
class Attribution:
    """Who wrote the quoted message and when, as an attribution line or header block says."""

    name: str = ""
    address: str = ""
    """Empty when the only address given is the list's (`Name via list <list@host>`)."""
    date_text: str = ""
    date: datetime | None = None
    """Aware when the attribution gives a zone or offset; naive otherwise."""


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


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
    units = _units(text)
    _group(units)
    spans = _assign(_join_text_runs(units))
    spans = _signature_pass(text, spans)
    spans = _placeholder_pass(text, spans)
    spans = _footer_pass(spans, _footer_spans(text, footers))
    return Body(text=text, segments=_finish(text, spans))


def parse_attribution(text: str) -> Attribution | None:
    """Parse one attribution line ("On <date>, <name> wrote:") or reply header block.

    Returns None when `text` is neither. ` via listname` is stripped from names; the address
    is then dropped too, being the list's and not the author's.

    >>> a = parse_attribution("On Thu, Jun 5, 2025 at 10:22 AM Alexey Trepykhalin via wsis20 "
    ...                       "<wsis20@icann.org> wrote:")
    >>> (a.name, a.address, a.date)
    ('Alexey Trepykhalin', '', datetime.datetime(2025, 6, 5, 10, 22))
    """
    flat = _clean_attribution(text)
    if not flat:
        return None
    fields = _parse_fields(flat)
    if fields is not None and "from" in fields:
        return _attribution_from_fields(fields)
    if len(flat) > Q.MAX_ATTRIBUTION_CHARS:
        return None
    for comment, pattern in _ROWS:
        m = pattern.fullmatch(flat)
        if m is None:
            continue
        day_first = not comment.startswith("en")
        groups = m.groupdict()
        date_text = (groups.get("date") or "").strip(" ,")
        name_text = groups.get("name") or ""
        if groups.get("rest"):
            date_text, name_text = _split_date_name(groups["rest"])
        person = _person(name_text)
        return Attribution(
            name=person.name,
            address=person.address,
            date_text=date_text,
            date=_parse_date(date_text, day_first=day_first),
        )
    return None


# ---------------------------------------------------------------------------------------------
# Units: lines, and pieces of flattened lines
# ---------------------------------------------------------------------------------------------


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


class _T:
    """The `_Tag` members as plain class attributes (see `K` for why)."""

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


@attrs.define
class _Span:
    start: int
    end: int
    kind: SegmentKind | None  # None: blank space, given to a neighbour at the end
    depth: int = 0
    forward: ForwardInfo | None = None
    marked: bool = False  # QUOTE lines that start with `>`
    run: bool = False  # NEW text of several whole lines (see `_join_text_runs`)


def _units(text: str) -> list[_Unit]:
    """The units of a body: one a line (a run of blank lines, of quoted lines of one depth, of
    text lines is one) or the pieces of a flattened line.

    Text lines join (`_Unit.lines`) except where grouping reads them one by one: after some
    structures until a blank or quoted line (`held`, `_HOLDING_TAGS`), and the two lines
    before one that may end an attribution (`_split_run_tail`). Supercite and `|` lines stay
    apart as well.
    """
    # Locals, not `_T.X` lookups: this loop runs once a line.
    blank, quoted, plain_text = _T.BLANK, _T.QUOTED, _T.TEXT
    markers = Q.QUOTE_MARKER_CHARS
    # The verb literals a line may hold (`_has_verb`, for lines with colons). In a body with
    # many colons only those in the body: one search each costs less than testing every line
    # for every literal (a long report holds none of them).
    verbs: tuple[str, ...] = Q.ATTRIBUTION_VERB_LITERALS
    if text.isascii():
        verbs = tuple(lit for lit in verbs if lit.isascii())
    if text.count(":") > _NARROW_VERBS_COLONS:
        verbs = tuple(lit for lit in verbs if lit in text)
    units: list[_Unit] = []
    append = units.append
    last: _Unit | None = None  # units[-1]
    run: _Unit | None = None  # the run of text lines the next one may join
    held = False
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line) + 1
        strip = line.strip()
        if not strip:
            if last is not None and last.tag is blank:
                last.end = end  # a run of blank lines is one unit
                pos = end
                continue
            u = _Unit(pos, end, strip, blank)
        elif strip[0] == ">":
            # `_marker_depth`, inlined: most quoted bodies are mostly `>` lines.
            depth = strip.count(">", 0, len(strip) - len(strip.lstrip(markers)))
            if last is not None and last.tag is quoted and last.depth == depth and last.group == 1:
                # A run of quoted lines of one depth is one unit; `strip` keeps the run's
                # last line, which is all `_lazy_continuation` looks at.
                last.end = end
                last.strip = strip
                pos = end
                continue
            u = _Unit(pos, end, strip, quoted)
            u.depth = depth
        elif plain := _plain(strip, verbs):
            if run is not None and ">" not in strip[:17] and strip[0] != "|":
                run.end = end
                run.lines += 1
                pos = end
                continue
            u = _Unit(pos, end, strip, plain_text)
        else:
            if plain is None or (len(strip) > 20 and _may_hold_structure(strip, verbs)):
                pieces = _explode(text, pos, min(end, len(text)), strip)
                if pieces:
                    if any(p.strip[-1:] in ":：-" for p in pieces[:2]):
                        _split_run_tail(text, units, 2)
                    units.extend(pieces)
                    last = pieces[-1]
                    run = None
                    held = True
                    pos = end
                    continue
            u = _tag_unit(_Unit(pos, end, strip))
        tag = u.tag
        if tag is plain_text:
            if strip[-1] in ":：-":
                _split_run_tail(text, units, 2)
                run = None
            elif held or ">" in strip[:17] or strip[0] == "|":
                run = None
            elif run is not None:
                run.end = end
                run.lines += 1
                pos = end
                continue
            else:
                run = u
        elif tag is blank or tag is quoted:
            held = False
            run = None
        else:
            if strip[-1] in ":：-":
                _split_run_tail(text, units, 2)
            if tag in _HOLDING_TAGS:
                held = True
            run = None
        append(u)
        last = u
        pos = end
    _supercite(units)
    # The last line has no newline after it: its unit ends at the end of the text.
    if units:
        units[-1].end = min(units[-1].end, len(text))
        if units[-1].start >= len(text):
            units.pop()
    return units


# First characters that send a line to `_tag_unit`: quote markers, rule and separator lines,
# snip marks, and what `_notice_tag` strips before it reads a notice's first words.
_HOT_FIRST = frozenset(">-_=~*#[(<{.…")


def _plain(s: str, verbs: Sequence[str]) -> bool | None:
    """Is the stripped line `s` plain text, as `_tag_unit` and `_may_hold_structure` would find?

    Most lines are, and proving it with a few string tests is several times cheaper than
    running the tables: every table `_tag_unit` tries needs a telling first character, first
    words (`_HOT_STARTS`), last character or colon, and `_may_hold_structure` needs a colon.
    False means "look closer", not "not plain"; None means that `_may_hold_structure(s)` is
    true (so the caller need not ask it again).
    """
    if len(s) > _SHORT or s[-1] in ":：-" or s.endswith("wrote"):
        return False
    first = s[0]
    if first in _HOT_FIRST:
        # "- item" and "* item": `_tag_rule_line` gives up on them at once (second character)
        # and no other table starts with `-` or `*`, but `_notice_tag` reads past a `*`.
        if first not in "-*" or len(s) < 2 or s[1] in "-_*" or s == "- --":
            return False
        if first == "*":
            head = s[:40].lstrip("*_[( \t")
            hot = _HOT_STARTS.get(head[:2].lower())
            if hot is not None and head.lower().startswith(hot):
                return False
    # `_notice_tag` reads s[:40] (its lstrip is a no-op: no `*_[(` first); the mobile and snip
    # tests read fewer characters, so lower-casing 40 covers them all.
    hot = _HOT_STARTS.get(s[:2].lower())
    if (hot is not None and s[:40].lower().startswith(hot)) or s[:3] in _SCRUB_STARTS:
        return False
    if ":" not in s and "：" not in s:
        return True
    # Colons: nothing for `_explode` to find, and no field label before the first one.
    if len(s) > 20 and _may_hold_structure(s, verbs):
        return None
    colon = s.find(":", 0, 40)
    if colon < 0:
        colon = s.find("：", 0, 40)
    return colon <= 0 or _field_role(s, colon) is None


# Past this many colons `_units` narrows the verb literals to those in the body.
_NARROW_VERBS_COLONS = 40

# Structures after which grouping counts or reads the next lines one by one: header fields
# (continuation lines), openers of header blocks, Mailman's rule (the footer's lines), a banner
# (up to five lines), a PGP header (its `Hash:` line).
_HOLDING_TAGS = (_T.FIELD, _T.REPLY_SEP, _T.FORWARD, _T.RULE, _T.BANNER, _T.PGP_HEAD)


def _split_run_tail(text: str, units: list[_Unit], want: int) -> None:
    """Make the last `want` units one line each, splitting the lines off a run of text lines:
    `_group` reads the two lines before one that may end an attribution one by one."""
    tail: list[_Unit] = []
    while want > 0 and units:
        u = units[-1]
        if u.lines == 1:
            tail.append(units.pop())
        else:
            start = text.rfind("\n", u.start, u.end - 1) + 1
            tail.append(_Unit(start, u.end, text[start : u.end].strip(), _T.TEXT))
            u.end = start
            u.lines -= 1
        want -= 1
    units.extend(reversed(tail))


def _supercite(units: list[_Unit]) -> None:
    """Supercite (Emacs) quotes with the author's name: "Herbert> text". A name prefix counts
    only when two lines or more carry it, so that "mysql> select" alone stays text."""
    seen: dict[str, list[_Unit]] = {}
    for u in units:
        if u.tag is _T.TEXT and ">" in u.strip[:17]:
            m = Q.SUPERCITE_MARKER.match(u.strip)
            if m is not None:
                seen.setdefault(m.group("name"), []).append(u)
    for group in seen.values():
        if len(group) >= 2:
            for u in group:
                u.tag = _T.QUOTED
                u.depth = _marker_depth(u.strip[u.strip.index(">") :], Q.QUOTE_MARKER_CHARS, ">")


def _may_hold_structure(s: str, verbs: Sequence[str]) -> bool:
    """Cheap test: could `_explode` find a flattened attribution or header block in this line?

    An attribution is found from its verb, a header block from its From label; lines of
    `key:value:value` (logs, reports) have colons but neither.
    """
    colons = s.count(":") + s.count("：")
    if colons == 0:
        return False
    # Links' colons ("https://") never end a field label.
    return _has_verb(s, verbs) or (colons - s.count("://") >= 2 and _has_from_label(s))


def _has_verb(s: str, verbs: Sequence[str] = Q.ATTRIBUTION_VERB_LITERALS) -> bool:
    """`Q.ATTRIBUTION_VERB_ANCHOR.search(s)`, skipped when `s` holds none of the literals that
    each of its matches holds (`verbs`: those of them that may be in `s`): the search costs
    ~0.1 µs a character, a literal test ~50 ns."""
    for literal in verbs:
        if literal in s:
            return Q.ATTRIBUTION_VERB_ANCHOR.search(s) is not None
    return False


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


_SCRUB_STARTS = frozenset(("An ", "A n", "Ski", "Nam", "Typ", "Siz", "Des", "Url", "URL"))


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


# ---------------------------------------------------------------------------------------------
# Attributions
# ---------------------------------------------------------------------------------------------

_ROWS: tuple[tuple[str, regex.Pattern[str]], ...] = tuple(
    (comment, regex.compile(pattern)) for comment, pattern in Q.ATTRIBUTION_ROWS
)
_HAS_DATE_OR_ADDRESS = regex.compile(r"\d|@")
_WS = regex.compile(r"\s+")


def _flat(s: str) -> str:
    return " ".join(s.split())


def _match_attribution(s: str, *, strong_only: bool, verb_inside: bool = False) -> bool | None:
    """None if `s` is no attribution; else whether it is strong (has a date or an address).

    A weak one ("Bob wrote:") must be short and name-like: it counts only before `>` lines.
    `verb_inside`: the caller found an `ATTRIBUTION_VERB_ANCHOR` match inside `s`, so the hint
    (which holds the anchor) needs no search.
    """
    if len(s) > Q.MAX_ATTRIBUTION_CHARS:
        return None
    if not verb_inside and Q.ATTRIBUTION_HINT.search(s) is None:
        return None
    flat = _flat(s.strip("*_ \t"))
    strong = _HAS_DATE_OR_ADDRESS.search(flat) is not None
    if strong_only and not strong:
        return None
    if not strong and len(flat) > 100:
        return None
    for _comment, pattern in _ROWS:
        if pattern.fullmatch(flat):
            return strong
    return None


def _explode(text: str, start: int, end: int, strip: str) -> list[_Unit] | None:
    """Cut a line holding flattened attributions or header blocks into pieces, or None."""
    line = text[start:end]
    anchors = _attribution_anchors(line) + _header_anchors(line)
    if not anchors:
        return None
    anchors.sort(key=lambda a: (a[0], -a[1]))
    kept: list[tuple[int, int, _Tag, ForwardInfo | None]] = []
    for a in anchors:
        if kept and a[0] < kept[-1][1]:
            continue
        kept.append(a)
    lead = len(line) - len(line.lstrip())
    body_end = len(line.rstrip())
    if len(kept) == 1 and kept[0][0] <= lead and kept[0][1] >= body_end:
        u = _Unit(start, end, strip, kept[0][2])
        u.strong = True
        u.forward = kept[0][3]
        return [u]
    units: list[_Unit] = []
    pos = 0
    for a_start, a_end, tag, fwd in kept:
        if a_start > pos:
            units.append(_piece(text, start, pos, a_start, None))
        # Blank space after a structure belongs to it (as after every segment).
        stop = a_end
        while stop < len(line) and line[stop].isspace():
            stop += 1
        u = _piece(text, start, a_start, stop, tag)
        u.strong = True
        u.forward = fwd
        units.append(u)
        pos = stop
    if pos < len(line):
        units.append(_piece(text, start, pos, len(line), None))
    return units


def _piece(text: str, base: int, a: int, b: int, tag: _Tag | None) -> _Unit:
    # A piece's trailing space goes with it; its leading space stays with the piece before.
    u = _Unit(base + a, base + b, text[base + a : base + b].strip(), tag)
    return u if tag is not None else _tag_piece(u)


def _tag_piece(u: _Unit) -> _Unit:
    """Tag the text between flattened structures: plain text unless it is a whole pattern."""
    s = u.strip
    if not s:
        u.tag = _T.BLANK
    elif s[0] == ">" or len(s) <= _SHORT:
        _tag_unit(u)
        if u.tag in (_T.FIELD, _T.ATTR):
            u.tag = _T.TEXT
    else:
        u.tag = _T.TEXT
    return u


def _attribution_anchors(line: str) -> list[tuple[int, int, _Tag, ForwardInfo | None]]:
    """Spans of strong attributions inside a line, found from their verb outwards."""
    found: list[tuple[int, int, _Tag, ForwardInfo | None]] = []
    if not any(literal in line for literal in Q.ATTRIBUTION_VERB_LITERALS):
        return found
    for count, v in enumerate(Q.ATTRIBUTION_VERB_ANCHOR.finditer(line)):
        if count >= _MAX_ANCHORS_PER_LINE:
            break
        v_end = v.end()
        if v.group()[-1] in ":：":
            a_end = v_end
        else:
            j = v_end
            while j < len(line) and j < v_end + 2 and line[j] in " \t":
                j += 1
            if j < len(line) and line[j] in ":：":
                a_end = j + 1
            elif line.startswith("-", j):
                # Zoho "---- On ... wrote ----"
                a_end = j
                while a_end < len(line) and line[a_end] == "-" and a_end < j + 12:
                    a_end += 1
            else:
                colon = _find_colon(line, v_end, v_end + 160)
                if colon < 0:
                    continue
                a_end = colon + 1
        lo = max(0, v.start() - Q.MAX_ATTRIBUTION_CHARS + 40)
        starts = _attribution_starts(line, lo, v.start())
        if line.startswith("-", lo):
            starts.append(lo)
        ordered = sorted(set(starts), reverse=True)[:16]
        for idx, s in enumerate(ordered):
            # `s` < v.start() and `a_end` >= v.end(): the verb is inside, word bounds and all.
            if _match_attribution(line[s:a_end], strong_only=True, verb_inside=True):
                found.append((_extend_start(line, s, ordered[idx + 1 :]), a_end, _T.ATTR, None))
                break
    return found


_START_ROWS = tuple(regex.compile(row) for row in Q.ATTRIBUTION_START_ROWS)


def _attribution_starts(line: str, lo: int, hi: int) -> list[int]:
    """The starts of `Q.ATTRIBUTION_START.finditer(line, lo, hi)`, found row by row.

    The `regex` module searches the alternation ~3x slower than its rows one by one. Each row
    gives every position it matches at (`overlapped`); as the alternation would, a position
    takes the first row matching there, and a match hides the positions it covers.
    """
    first: dict[int, int] = {}  # position -> end of the first row's match there
    for row in _START_ROWS:
        for m in row.finditer(line, lo, hi, overlapped=True):
            first.setdefault(m.start(), m.end())
    starts: list[int] = []
    pos = lo
    for p in sorted(first):
        if p >= pos:
            starts.append(p)
            pos = first[p]
    return starts


_LEAD_DASHES = regex.compile(r"-{2,10}[ \t]?\Z")


def _extend_start(line: str, s: int, earlier: list[int]) -> int:
    """Move a flattened attribution's start back over date words ("čt 5. " before "6. 2025")
    and Zoho's leading dashes: the closest start that matched may sit inside the date."""
    for e in earlier:
        between = line[e:s].split()
        if between and all(_date_token(t) for t in between):
            s = e
        else:
            break
    m = _LEAD_DASHES.search(line[max(0, s - 12) : s])
    if m is not None:
        s -= len(m.group())
    return s


def _find_colon(line: str, lo: int, hi: int) -> int:
    a = line.find(":", lo, hi)
    b = line.find("：", lo, hi)
    if a < 0:
        return b
    if b < 0:
        return a
    return min(a, b)


def _header_anchors(line: str) -> list[tuple[int, int, _Tag, ForwardInfo | None]]:
    """Spans of reply header blocks and forward blocks flattened into a line."""
    if not _has_from_label(line):
        return []  # a block starts at a From field
    labels = _labels_in_line(line)
    if len(labels) < 2:
        return []
    found: list[tuple[int, int, _Tag, ForwardInfo | None]] = []
    i = 0
    while i < len(labels):
        j = i
        while j + 1 < len(labels) and labels[j + 1][0] - labels[j][1] <= Q.MAX_ATTRIBUTION_CHARS:
            j += 1
        block = labels[i : j + 1]
        i = j + 1
        # Within a run of labels, a block starts at a From field.
        while block and block[0][2] != "from":
            block = block[1:]
        roles = {b[2] for b in block}
        if not block or len(block) < 2 or not roles & {"date", "subject"}:
            continue
        b_start = block[0][0]
        last_role = block[-1][2]
        b_end = _field_value_end(line, block[-1][1], last_role)
        tag = _T.HEADER
        prefix = line[max(0, b_start - 120) : b_start]
        pre = _separator_before(prefix)
        if pre is not None:
            b_start -= len(prefix) - pre[0]
            if pre[1]:
                tag = _T.FORWARD
        fwd = _forward_info(line[b_start:b_end]) if tag is _T.FORWARD else None
        found.append((b_start, b_end, tag, fwd))
    return found


# Colons looked at per line when searching for flattened header fields.
_MAX_COLONS_PER_LINE = 4000


def _labels_in_line(line: str) -> list[tuple[int, int, str]]:
    """(start, end, role) of each header field label in a line, found from its colon.

    Searching a line for ~100 labels at every position is slow; colons are rare, and a label
    ends right at one: the one to three words before a colon are looked up in a table.
    """
    labels: list[tuple[int, int, str]] = []
    count = 0
    for colon_char in (":", "："):
        c = line.find(colon_char)
        while c >= 0 and count < _MAX_COLONS_PER_LINE:
            count += 1
            found = _label_before(line, c)
            if found is not None:
                end = c + 1
                while end < len(line) and end < c + 4 and line[end] in "*_ ":
                    end += 1
                labels.append((found[0], end, found[1]))
            c = line.find(colon_char, c + 1)
    labels.sort()
    return labels


def _has_from_label(line: str) -> bool:
    """Does a From field label end at one of the colons `_labels_in_line` reads?

    A reply header block starts at a From field, so a line without one holds none. The word
    before a colon rules out most colons without `_label_before`'s search.
    """
    count = 0
    for colon_char in (":", "："):
        c = line.find(colon_char)
        while c >= 0 and count < _MAX_COLONS_PER_LINE:
            count += 1
            before = line[c - 1 : c]
            if not before or (
                before not in "*_ \u00a0" and before.lower() not in _FROM_LAST_LETTERS
            ):
                c = line.find(colon_char, c + 1)
                continue
            end = c
            while end > 0 and line[end - 1] in "*_ \u00a0" and c - end < 3:
                end -= 1
            if line[max(0, end - _FROM_LONGEST) : end].lower().endswith(_FROM_WORDS):
                found = _label_before(line, c)
                if found is not None and found[1] == "from":
                    return True
            c = line.find(colon_char, c + 1)
    return False


_LABEL_WORDS = max(len(label.split()) for label in Q.FIELD_ROLES)
# The last words of the From labels: one of them ends the text before a From label's colon.
_FROM_WORDS = tuple({label.split()[-1] for label, role in Q.FIELD_ROLES.items() if role == "from"})
_FROM_LONGEST = max(map(len, _FROM_WORDS))
_FROM_LAST_LETTERS = frozenset(word[-1] for word in _FROM_WORDS)
_WORD_BEFORE = regex.compile(r"[^\s*_>]{1,30}\Z")
_LABEL_LAST_WORDS = frozenset(label.split()[-1] for label in Q.FIELD_ROLES)
_LABEL_LAST_CHARS = frozenset(word[-1] for word in _LABEL_LAST_WORDS)


def _label_before(line: str, colon: int) -> tuple[int, str] | None:
    """The start and role of a field label that ends at `colon` (`*From: *`, `De :`), or None."""
    end = colon
    while end > 0 and line[end - 1] in "*_ \u00a0" and colon - end < 3:
        end -= 1
    # Most colons end no label ("https:", "10:22"): the last letter tells, without a search.
    if line[end - 1 : end].lower()[-1:] not in _LABEL_LAST_CHARS:
        return None
    word = _WORD_BEFORE.search(line[max(0, end - 30) : end])
    if word is None or word.group().lower() not in _LABEL_LAST_WORDS:
        return None
    start = end
    for _words in range(_LABEL_WORDS):
        # step back over one word (and the space before it)
        k = start
        while k > 0 and not line[k - 1].isspace() and line[k - 1] not in "*_>" and end - k < 30:
            k -= 1
        if k == start:
            return None
        start = k
        role = Q.FIELD_ROLES.get(" ".join(line[start:end].lower().split()))
        if role is not None:
            lead = start
            while lead > 0 and line[lead - 1] in "*_" and start - lead < 2:
                lead -= 1
            if lead == 0 or line[lead - 1].isspace() or line[lead - 1] == ">":
                return lead, role
        # the next word back must be separated by a single space (or " - ")
        while start > 0 and line[start - 1] in " -" and end - start < 30:
            start -= 1
        if start == 0 or end - start >= 30:
            return None
    return None


_SEP_BEFORE = regex.compile(
    r"(?:(?P<u>_{10,120})|(?P<r>-{2,12}[ \t]?[^\s-][^-\n]{2,40}?[ \t]?-{2,12}[*_]{0,2})"
    r"|(?P<f>(?:Begin forwarded message|Anfang der weitergeleiteten \S+|Début du message \S+)\s?:))"
    r"\s{0,4}$"
)


def _separator_before(prefix: str) -> tuple[int, bool] | None:
    """Where a separator ends just before a flattened header block, and whether it is a forward."""
    m = _SEP_BEFORE.search(prefix)
    if m is None:
        return None
    if m.group("u"):
        return m.start(), False
    if m.group("f"):
        return m.start(), True
    sep = m.group("r")
    if Q.FORWARD_MARKER.fullmatch(sep):
        return m.start(), True
    if Q.REPLY_SEPARATOR.fullmatch(sep):
        return m.start(), False
    return None


_ADDRESS_LIST = regex.compile(
    r"[^<>\n]{0,80}?<[^<>\n]{1,200}>(?:\s?[,;]\s?[^<>\n]{0,80}?<[^<>\n]{1,200}>){0,50}"
    r"|[\w.+'-]{1,64}@[\w.-]{1,255}(?:\s?[,;]\s?[\w.+'-]{1,64}@[\w.-]{1,255}){0,50}"
)
_SENTENCE_END = regex.compile(r"[.!?](?=\s|$)")


def _field_value_end(line: str, v_start: int, role: str) -> int:
    """Where the value of the last field of a flattened header block ends."""
    rest_end = len(line.rstrip())
    if role in ("to", "cc", "from", "reply_to"):
        m = _ADDRESS_LIST.match(line[v_start : min(len(line), v_start + 2000)])
        if m is not None:
            return v_start + int(m.end())
    window_end = min(rest_end, v_start + 300)
    window = line[v_start:window_end]
    g = Q.GREETING.search(window, 1)
    if g is not None:
        return v_start + int(g.start())
    s = _SENTENCE_END.search(window, 1)
    if s is not None and window[s.end() :].strip():
        # The quoted body's first sentence: the subject ends before the capitalised word that
        # starts the run of lower-case words leading to the sentence's end.
        words = list(regex.finditer(r"\S+", window[: s.start()]))
        k = len(words) - 1
        while k > 0 and words[k].group()[:1].islower():
            k -= 1
        if 0 < k < len(words) - 1:
            return v_start + int(words[k].start())
    return rest_end if rest_end - v_start <= 200 else window_end


# ---------------------------------------------------------------------------------------------
# Grouping neighbouring lines into structures
# ---------------------------------------------------------------------------------------------


# A tuple, not a set: `Enum.__hash__` is Python code, identity tests in a tuple are not.
_STRUCTURE_TAGS = (_T.REPLY_SEP, _T.RULE, _T.FORWARD, _T.FIELD)


def _group(units: list[_Unit]) -> None:
    """Find wrapped attributions, reply header blocks, forwards and Mailman footers.

    Only lines that can start one are looked at: a structure tag, or a text line one or two
    lines before a line ending as an attribution does.
    """
    n = len(units)
    candidates: set[int] = set()
    for j, u in enumerate(units):
        tag = u.tag
        if tag in _STRUCTURE_TAGS:
            candidates.add(j)
        elif tag is _T.TEXT or tag is _T.ATTR:
            tail = u.strip[-1:]
            if tail and tail in ":：-":
                candidates.update((j - 1, j - 2))
    done = 0
    for i in sorted(candidates):
        if i < done or i < 0 or i >= n:
            continue
        u = units[i]
        tag = u.tag
        if tag is _T.TEXT:
            if len(u.strip) < 200 and Q.ATTRIBUTION_START.match(u.strip):
                done = i + _group_wrapped_attribution(units, i)
        elif tag in _STRUCTURE_TAGS:
            done = i + _group_header(units, i)


def _group_wrapped_attribution(units: list[_Unit], i: int) -> int:
    """Gmail and others wrap a long attribution over two or three lines."""
    parts = [units[i].strip]
    for k in (1, 2):
        if i + k >= len(units):
            break
        nxt = units[i + k]
        if nxt.tag not in (_T.TEXT, _T.ATTR, _T.FIELD) or len(nxt.strip) > 200:
            break
        parts.append(nxt.strip)
        if nxt.strip[-1] not in ":：-":
            continue
        strong = _match_attribution(" ".join(parts), strong_only=True)
        if strong:
            units[i].tag = _T.ATTR
            units[i].strong = True
            units[i].group = k + 1
            for j in range(1, k + 1):
                units[i + j].tag = _T.ATTR
                units[i + j].group = 0
            return k + 1
    return 1


def _group_header(units: list[_Unit], i: int) -> int:
    first = units[i]
    n = len(units)
    j = i + 1
    opener = first.tag in (_T.REPLY_SEP, _T.RULE, _T.FORWARD)
    if opener and j < n and units[j].tag is _T.BLANK:
        j += 1
    fields: list[int] = [] if opener else [i]
    last = i
    while j < n:
        t = units[j].tag
        if t is _T.FIELD:
            fields.append(j)
            last = j
            j += 1
            continue
        # Continuation lines of a wrapped value, only between two fields.
        if t in (_T.TEXT, _T.ATTR) and fields and j + 1 < n:
            nxt = units[j + 1].tag
            if nxt is _T.FIELD or (j + 2 < n and nxt is _T.TEXT and units[j + 2].tag is _T.FIELD):
                j += 1
                continue
        break
    roles = {units[f].role for f in fields}
    if first.tag is _T.RULE and not fields:
        return _group_mailman(units, i)
    if first.tag is _T.FIELD and (
        "from" not in roles or not roles & {"date", "subject"} or len(fields) < 2
    ):
        first.tag = _T.TEXT
        return 1
    if first.tag is _T.RULE and "from" not in roles:
        return _group_mailman(units, i)
    end = last if fields else i
    tag = _T.FORWARD if first.tag is _T.FORWARD else _T.HEADER
    first.group = end - i + 1
    first.strong = True
    for k in range(i + 1, end + 1):
        units[k].tag = tag
        units[k].group = 0
    first.tag = tag
    if tag is _T.FORWARD:
        first.forward = _FORWARD_PENDING
    return end - i + 1


# Marks a forward whose ForwardInfo is parsed from the text once the span is known.
_FORWARD_PENDING = ForwardInfo()


def _group_mailman(units: list[_Unit], i: int) -> int:
    """Mailman 2's default footer: a rule, "<list> mailing list", address, listinfo URL."""
    first = units[i]
    n = len(units)
    if i + 1 < n and Q.MAILMAN_FOOTER_RULE.fullmatch(first.strip):
        name = units[i + 1]
        if name.tag is not _T.BLANK and Q.MAILMAN_FOOTER_NAME.fullmatch(name.strip):
            end = i + 1
            while end + 1 < n and end - i < 6 and units[end + 1].tag is not _T.BLANK:
                if units[end + 1].tag is _T.QUOTED:
                    break
                end += 1
            first.tag = _T.MAILMAN
            first.group = end - i + 1
            for k in range(i + 1, end + 1):
                units[k].tag = _T.MAILMAN
                units[k].group = 0
            return end - i + 1
    first.tag = _T.SEPARATOR
    return 1


# ---------------------------------------------------------------------------------------------
# From tags to kinds
# ---------------------------------------------------------------------------------------------


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
    """The `_Mode` members as plain class attributes (see `K` for why)."""

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


def _assign(units: list[_Unit]) -> list[_Span]:
    spans: list[_Span] = []
    mode = _M.AUTHOR
    before_pgp = _M.AUTHOR
    qdepth = 1
    scrub = False  # inside a pipermail scrubber note
    n = len(units)
    i = 0

    def emit(a: int, b: int, kind: SegmentKind | None, depth: int = 0) -> None:
        # Lines join the span before them when nothing later needs them apart: new text and
        # blank lines after it stay line by line for the signature pass; marked and unmarked
        # quote lines stay apart for the placeholder pass.
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

    while i < n:
        u = units[i]
        tag = u.tag
        # The two commonest cases first, with `emit` inlined.
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
        if tag is _T.TEXT and mode is _M.AUTHOR:
            if i and units[i - 1].tag is _T.QUOTED and _lazy_continuation(units, i):
                emit(i, i, K.QUOTE, units[i - 1].depth)
            else:
                # New text joins nothing: `_signature_pass` reads it line by line.
                spans.append(_Span(u.start, u.end, K.NEW, run=u.lines > 1))
            i += 1
            continue
        step = max(u.group, 1)
        last = i + step - 1
        if tag is _T.SNIP and mode is not _M.FORWARD:
            emit(i, i, K.PLACEHOLDER)
            i += 1
            continue
        if tag is _T.QUOTED:
            base = qdepth if mode is _M.UNMARKED else 0
            emit(i, i, K.QUOTE, base + u.depth)
            if mode is _M.SIGNATURE:
                mode = _M.AUTHOR
            i += 1
            continue
        if mode is _M.PGP:
            emit(i, i, K.SIGNATURE)
            if tag is _T.PGP_END:
                mode = before_pgp
            i += 1
            continue
        if tag is _T.PGP_SIG:
            before_pgp = _M.AUTHOR if mode is _M.SIGNATURE else mode
            mode = _M.PGP
            emit(i, i, K.SIGNATURE)
            i += 1
            continue
        if tag is _T.MAILMAN:
            emit(i, last, K.FOOTER)
            i += step
            continue
        if tag is _T.SCRUB_PART or (tag is _T.SCRUB_NOTE and (scrub or _scrub_head(u))):
            emit(i, i, K.PLACEHOLDER)
            scrub = True
            if mode is not _M.FORWARD:
                mode = _M.AUTHOR
            i += 1
            continue
        scrub = False
        if tag is _T.PGP_HEAD:
            emit(i, i, K.PLACEHOLDER)
            if i + 1 < n and units[i + 1].strip.startswith("Hash:"):
                emit(i + 1, i + 1, K.PLACEHOLDER)
                i += 1
            i += 1
            continue

        if mode is _M.UNMARKED:
            if tag in (_T.ATTR, _T.HEADER, _T.FORWARD) and (u.strong or tag is not _T.ATTR):
                emit(i, last, K.QUOTE, qdepth)
                nxt = _next_content(units, last + 1)
                if nxt is not None and nxt.tag is not _T.QUOTED:
                    qdepth += 1
            else:
                emit(i, last, K.QUOTE, qdepth)
            i += step
            continue

        if mode is _M.FORWARD:
            if tag is _T.FORWARD_END:
                emit(i, i, K.FORWARD)
                mode = _M.AUTHOR
            else:
                emit(i, last, K.FORWARD)
            i += step
            continue

        # AUTHOR and SIGNATURE modes: structures open quotes, forwards and signatures.
        if tag is _T.ATTR:
            nxt = _next_content(units, last + 1)
            if nxt is not None and nxt.tag is _T.TEXT and nxt.strip.startswith("|"):
                _bar_quote(units, last + 1)
                nxt = _next_content(units, last + 1)
            marked = nxt is not None and nxt.tag is _T.QUOTED
            if marked or u.strong:
                emit(i, last, K.ATTRIBUTION)
                mode = _M.AUTHOR if marked or nxt is None else _M.UNMARKED
                qdepth = 1
                i += step
                continue
            tag = _T.TEXT  # a weak attribution with no quote after it is just text
        elif tag is _T.HEADER or (tag is _T.REPLY_SEP and step == 1):
            emit(i, last, K.ATTRIBUTION)
            nxt = _next_content(units, last + 1)
            marked = nxt is not None and nxt.tag is _T.QUOTED
            mode = _M.AUTHOR if marked or nxt is None else _M.UNMARKED
            qdepth = 1
            i += step
            continue
        elif tag is _T.FORWARD:
            sp = _Span(units[i].start, units[last].end, K.FORWARD_HEADER)
            sp.forward = _FORWARD_PENDING if u.forward is _FORWARD_PENDING else u.forward
            spans.append(sp)
            mode = _M.FORWARD
            i += step
            continue
        elif tag is _T.SIG_DELIM:
            emit(i, i, K.SIGNATURE)
            mode = _M.SIGNATURE
            i += 1
            continue
        elif tag is _T.MOBILE:
            emit(i, i, K.SIGNATURE)
            i += 1
            continue
        elif tag is _T.BANNER:
            j = i
            while j + 1 < n and j - i < 5 and units[j + 1].tag is _T.TEXT:
                j += 1
            emit(i, j, K.FOOTER)
            i = j + 1
            continue
        elif tag is _T.DISCLAIMER and mode is _M.AUTHOR and _has_new(spans):
            emit(i, i, K.SIGNATURE)
            mode = _M.SIGNATURE
            i += 1
            continue

        if mode is _M.SIGNATURE:
            emit(i, last, K.SIGNATURE)
            i += step
            continue
        if _lazy_continuation(units, i):
            emit(i, i, K.QUOTE, units[i - 1].depth)
            i += 1
            continue
        emit(i, last, K.NEW)
        i += step
    return spans


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


# ---------------------------------------------------------------------------------------------
# Signatures at the end of the author's text
# ---------------------------------------------------------------------------------------------

_CONTACT = regex.compile(
    r"\+?\d[\d ()./-]{6,20}\d|[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{2,60}|https?://|www\.|\|"
    r"|\b(?:Tel|Phone|Mobile|Mob|Cell|Fax|Tél|Telefon|Tlf|Puh|Тел)\b",
    regex.IGNORECASE,
)
_NAME_LINE = regex.compile(
    # "Bob", "Jonathan.", "Mary Ann Smith", optionally after dashes ("-- Rex", "- - Alex" in a
    # PGP-signed message, "~spot", "--- David A. Wheeler") or between them ("- Panu -").
    r"(?:(?:- )?[-–—~]{1,3}[ \t]?)?\p{Lu}[\p{L}.'’-]{0,30}(?:[ \t]\p{Lu}[\p{L}.'’-]{0,30}){0,2}"
    r"[.,]?(?:[ \t][-–—])?"
    # "-ajax", "- owen", "~spot": any case after a dash or tilde
    r"|(?:- )?[-–—~]{1,3}[ \t]?\p{L}[\p{L}.'’-]{0,30}(?:[ \t]\p{L}[\p{L}.'’-]{0,30}){0,2}"
    # "kevin": one lower-case word (checked against NOT_NAMES)
    r"|\p{Ll}{2,12}"
)
_INLINE_SEPARATOR = regex.compile(r"(?<=\s)(?:-{5,100}|_{5,100}|={5,100})(?=\s)")


def _signature_pass(text: str, spans: list[_Span]) -> list[_Span]:
    """Move the sign-off, name and contact block ending the author's last new text to SIGNATURE."""
    spans = _split_last_runs(text, spans)
    new = K.NEW
    last = len(spans) - 1
    while last >= 0 and spans[last].kind is not new:
        last -= 1
    if last < 0:
        return spans
    # The new text of the last stretch of new text and blank space, read from its end: only
    # its last `_SIGNOFF_TAIL_LINES + 1` spans are read below, and whether more come before
    # them; so a long stretch is not walked to its start.
    run: list[int] = []
    k = last
    while k >= 0 and len(run) <= _SIGNOFF_TAIL_LINES + 1:
        kind = spans[k].kind
        if kind is new:
            run.append(k)
        elif kind is not None:
            break
        k -= 1
    run.reverse()
    # (When the stretch goes on, `new_before` is never read: `pos > 0`, `len(run) > 1`.)
    long_run = len(run) > _SIGNOFF_TAIL_LINES + 1
    new_before = long_run or any(sp.kind is new for sp in spans[: k + 1])

    # Whole lines: "Best regards,\nName\nTitle\nPhone" or "-- Name" at the end. A sign-off
    # is at most _SIGNOFF_TAIL_LINES from the end, so only those lines are looked at.
    skip = max(0, len(run) - _SIGNOFF_TAIL_LINES - 1)
    for pos, k in enumerate(run[skip:], start=skip):
        line = text[spans[k].start : spans[k].end].strip()
        if not (new_before or pos > 0):
            continue
        tail = run[pos:]
        if _is_signoff_line(line) or (
            _is_separator_line(line)
            and any(_CONTACT.search(text[spans[t].start : spans[t].end]) for t in tail[1:])
        ):
            stop = _tail_stop(text, spans, tail)
            if stop is not None:
                for t in tail[:stop]:
                    spans[t].kind = K.SIGNATURE
                return spans
    # A name alone after a blank line, or with a dash: "\n\nBob\n", "-- Rex", "~Jane".
    k = run[-1]
    line = text[spans[k].start : spans[k].end].strip()
    if (
        (new_before or len(run) > 1)
        and len(line) <= 30
        and _NAME_LINE.fullmatch(line)
        and line.strip("-–—~ .,").lower() not in Q.NOT_NAMES
    ):
        prev = text[spans[k - 1].start : spans[k - 1].end].strip() if k > 0 else ""
        prev_rule = k > 0 and spans[k - 1].kind is K.NEW and Q.SEPARATOR_LINE.fullmatch(prev)
        if _blank_line_before(text, spans[k].start) or line[0] in "-–—~" or prev_rule:
            spans[k].kind = K.SIGNATURE
            if prev_rule:
                spans[k - 1].kind = K.SIGNATURE
            return spans
    # Inside the last line: a flattened body ends with "... Best regards Name Sent from ...".
    return _inline_signature(text, spans, k, new_before or len(run) > 1)


def _split_last_runs(text: str, spans: list[_Span]) -> list[_Span]:
    """Split the end of the author's last stretch of new text back into one span a line, as
    `_signature_pass` reads it (`_Span.run`, `_join_text_runs`).

    It reads at most the last `_SIGNOFF_TAIL_LINES + 1` spans of new text, and whether one comes
    before them, so only that many lines (and one more) are split.
    """
    new = K.NEW
    last = len(spans) - 1
    while last >= 0 and spans[last].kind is not new:
        last -= 1
    need = _SIGNOFF_TAIL_LINES + 2
    tail: list[_Span] = []  # backwards
    split = False
    k = last
    while k >= 0 and need > 0:
        sp = spans[k]
        if sp.kind is not new and sp.kind is not None:
            break
        k -= 1
        if not sp.run:
            if sp.kind is new:
                need -= 1
            tail.append(sp)
            continue
        split = True
        end = sp.end
        while need > 0 and end > sp.start:
            nl = text.rfind("\n", sp.start, end - 1)
            start = nl + 1 if nl >= 0 else sp.start
            tail.append(_Span(start, end, new))
            need -= 1
            end = start
        if end > sp.start:
            tail.append(_Span(sp.start, end, new, run=True))
    if not split:
        return spans
    return [*spans[: k + 1], *reversed(tail), *spans[last + 1 :]]


def _blank_line_before(text: str, start: int) -> bool:
    """Is the line before the one starting at `start` blank (and not the start of the text)?"""
    if start < 2 or text[start - 1] != "\n":
        return False
    prev_start = text.rfind("\n", 0, start - 1) + 1
    return prev_start > 0 and not text[prev_start : start - 1].strip()


def _is_signoff_line(line: str) -> bool:
    # A sign-off line starts, after at most a few dashes, with a sign-off word: its first two
    # letters rule out most lines without the pattern (which costs a few µs a line).
    return (
        len(line) <= 60
        and line.lstrip("-–—~ \t")[:2].lower() in _SIGNOFF_STARTS
        and Q.SIGNOFF_LINE.fullmatch(line) is not None
    )


_SIGNOFF_STARTS = frozenset(word[:2] for word in Q.SIGNOFF_WORDS)


def _is_separator_line(line: str) -> bool:
    # A stripped separator line starts with one of these: most lines need no pattern call.
    return line[:1] in "-_=~*" and Q.SEPARATOR_LINE.fullmatch(line) is not None


def _tail_stop(text: str, spans: list[_Span], tail: list[int]) -> int | None:
    """How many lines of `tail` are signature: all, up to a P.S., or None if it is too long."""
    stop = len(tail)
    for idx, t in enumerate(tail[1:], start=1):
        if Q.POSTSCRIPT.match(text, spans[t].start, spans[t].end):
            stop = idx
            break
    if stop > _SIGNOFF_TAIL_LINES:
        return None
    chars = sum(spans[t].end - spans[t].start for t in tail[:stop])
    if chars > 1500:
        return None
    # A sentence after the sign-off means the author went on writing: not a signature.
    for t in tail[1:stop]:
        line = text[spans[t].start : spans[t].end].strip()
        if line.endswith("?") or (line.endswith((".", "!")) and len(line.split()) >= 8):
            return None
    return stop


def _inline_signature(text: str, spans: list[_Span], k: int, allow_start: bool) -> list[_Span]:
    sp = spans[k]
    lo = max(sp.start, sp.end - _TAIL_WINDOW)
    body_end = sp.end
    cuts: list[int] = []
    m = Q.INLINE_MOBILE_SIGNATURE.search(text, lo, body_end)
    if m is not None and (m.start() > sp.start or allow_start):
        cuts.append(m.start())
        body_end = m.start()
    sig_at = _inline_signoff(text, max(lo, sp.start), body_end, sp.start, allow_start)
    if sig_at is not None:
        cuts.append(sig_at)
    if not cuts:
        return spans
    cut = min(cuts)
    if cut <= sp.start:
        sp.kind = K.SIGNATURE
        return spans
    head = _Span(sp.start, cut, K.NEW)
    tail = _Span(cut, sp.end, K.SIGNATURE)
    return [*spans[:k], head, tail, *spans[k + 1 :]]


def _inline_signoff(text: str, lo: int, hi: int, start: int, allow_start: bool) -> int | None:
    for m in Q.INLINE_SIGNOFF.finditer(text, lo, hi):
        at = int(m.start())
        if hi - at <= _SIGNOFF_TAIL_CHARS and (at > start or allow_start):
            return at
    m2 = Q.INLINE_SIGNOFF_WEAK.search(text, max(lo, hi - 80), hi)
    if m2 is not None and (m2.start() > start or allow_start):
        return int(m2.start())
    for m3 in _INLINE_SEPARATOR.finditer(text, lo, hi):
        if _CONTACT.search(text, m3.end(), hi):
            return int(m3.start())
    return None


# ---------------------------------------------------------------------------------------------
# Placeholders, footers, and the final canonical segments
# ---------------------------------------------------------------------------------------------


def _placeholder_pass(text: str, spans: list[_Span]) -> list[_Span]:
    # Every placeholder starts with one of `Q.PLACEHOLDER_STARTS` (a `[` one ends with `]`):
    # spans holding none of those present in the text are kept without a search. Bounded `find`s
    # cost far less than the pattern's search.
    starts = [s for s in Q.PLACEHOLDER_STARTS if s in text and (s != "[" or "]" in text)]
    if not starts:
        return spans
    find = text.find
    out: list[_Span] = []
    keep = (None, K.PLACEHOLDER, K.FOOTER, K.ATTRIBUTION, K.FORWARD_HEADER)
    for sp in spans:
        if sp.kind in keep or sp.marked:
            out.append(sp)
            continue
        a, b = sp.start, sp.end
        for s in starts:
            if find(s, a, b) >= 0 and (s != "[" or find("]", a, b) >= 0):
                break
        else:
            out.append(sp)
            continue
        pos = a
        for m in Q.PLACEHOLDER.finditer(text, a, b):
            if m.start() > pos:
                out.append(_Span(pos, m.start(), sp.kind, sp.depth, sp.forward))
            out.append(_Span(m.start(), m.end(), K.PLACEHOLDER))
            pos = m.end()
        if pos < b:
            out.append(_Span(pos, b, sp.kind, sp.depth, sp.forward))
    return out


def _footer_spans(text: str, learned: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """`footer_spans(text, learned)`, skipped when `_may_hold_footer` proves it finds nothing:
    it canonicalises the whole body, which costs more than the rest of `split_body`."""
    if not _may_hold_footer(text, learned):
        return ()
    return footer_spans(text, learned)


def _may_hold_footer(text: str, learned: Sequence[str]) -> bool:
    """False only when `footer_spans(text, learned)` is sure to find nothing.

    `footer_spans` finds a template's anchor or a learnt footer in the canonical text
    (`wsisdedup.text.normalise.canonical`), so each run of letters `[a-z]` in them is there too. In
    canonical text such a run comes either from the lower-cased body, where at most `*` and
    invisible (format) characters stood inside it, or from one link token: the host of a link
    (in the body as written unless a gateway rewrote the link), an address, a `[domain]` label,
    or "link" for a link without a host. So when, for each anchor and learnt footer, one of its
    runs is missing from the lower-cased body without those characters, and no link sits on a
    gateway's host, there is nothing to find.
    """
    if "\u0130" in text:
        text = text.replace("\u0130", "I")  # as `canonical` does: "İ".lower() is two characters
    low = text.lower()
    if "*" in low:
        low = low.replace("*", "")
    if not low.isascii():
        # The non-ASCII characters present, found at C speed (as `normalise` does).
        utf8 = low.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
        for char in set(utf8.decode("utf-8", "surrogatepass")):
            if unicodedata.category(char) == "Cf":
                low = low.replace(char, "")
    if "://" in low and _may_hold_rewritten_link(text):
        return True
    for runs in (*_TEMPLATE_RUNS, *map(_letter_runs, learned)):
        for run in runs:
            if run not in low:
                break
        else:
            return True
    return False


@functools.lru_cache(maxsize=1024)
def _letter_runs(canonical_text: str) -> tuple[str, ...]:
    """The runs of `[a-z]` in a piece of canonical text, longest (rarest) first, leaving out
    those a link without a host could stand for (`normalise.host_token` gives "link")."""
    runs = {run for run in _LETTERS.findall(canonical_text) if run not in "link"}
    return tuple(sorted(runs, key=lambda run: (-len(run), run)))


_LETTERS = regex.compile(r"[a-z]+")
_ASCII_BYTES = bytes(range(128))
_TEMPLATE_RUNS = tuple(_letter_runs(template.anchor) for template in FOOTER_TEMPLATES)

# The host part of a link after its `://`, as `wsisdedup.patterns.links.HOST` reads it: with or
# without user info before an `@`.
_LINK_HOST = regex.compile(r"[^/?#:\s]{1,253}")
_LINK_USER_INFO = regex.compile(r"[^/?#@\s]{0,256}@")


def _may_hold_rewritten_link(text: str) -> bool:
    """Could a link of `text` be one `wsisdedup.text.links.unwrap_url` rewrites?

    It rewrites only links whose host (after `://`, lower-cased) is a gateway's
    (`LP.REWRITER_HOST`). A link found in canonical text may end anywhere in its host (at a
    bracket, a quote, trimmed punctuation), so any gateway host at the start of the host part
    counts.
    """
    k = text.find("://")
    while k >= 0:
        after = k + 3
        hosts = [_LINK_HOST.match(text, after)]
        user = _LINK_USER_INFO.match(text, after)
        if user is not None:
            hosts.append(_LINK_HOST.match(text, user.end()))
        for host in hosts:
            if host is not None and LP.REWRITER_HOST.match(host.group().lower()):
                return True
        k = text.find("://", after)
    return False


def _footer_pass(spans: list[_Span], footer: Sequence[tuple[int, int]]) -> list[_Span]:
    """FOOTER where `segment.footers` found a list footer, whatever the kind was before."""
    if not footer:
        return spans
    out: list[_Span] = []
    cuts = sorted((a, b) for a, b in footer if b > a)
    for sp in spans:
        if sp.marked:
            # A footer quoted with `>` is quoted text: every `>` line stays in a QUOTE.
            out.append(sp)
            continue
        pos = sp.start
        for a, b in cuts:
            if b <= pos or a >= sp.end:
                continue
            if a > pos:
                out.append(_Span(pos, a, sp.kind, sp.depth, sp.forward))
            out.append(_Span(max(a, pos), min(b, sp.end), K.FOOTER))
            pos = min(b, sp.end)
        if pos < sp.end:
            out.append(_Span(pos, sp.end, sp.kind, sp.depth, sp.forward))
    return out


def _finish(text: str, spans: list[_Span]) -> tuple[Segment, ...]:
    # Blank space (kind None, or a whitespace-only piece) joins the segment before it.
    merged: list[_Span] = []
    pending_start: int | None = None
    for sp in spans:
        if sp.start >= sp.end:
            continue
        # (`isspace` on the first character spares slicing most spans.)
        lead_space = text[sp.start].isspace()
        if sp.kind is None or (lead_space and text[sp.start : sp.end].isspace()):
            if merged:
                merged[-1].end = sp.end
            elif pending_start is None:
                pending_start = sp.start
            continue
        if pending_start is not None:
            sp = _Span(pending_start, sp.end, sp.kind, sp.depth, sp.forward)
            pending_start = None
        elif merged and lead_space:
            # A piece cut out of a line starts with the space that followed the piece before.
            lead = sp.start
            while text[lead].isspace():
                lead += 1
            merged[-1].end = lead
            sp = _Span(lead, sp.end, sp.kind, sp.depth, sp.forward)
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.kind is sp.kind
            and prev.depth == sp.depth
            and sp.kind is not K.FORWARD_HEADER
        ):
            prev.end = sp.end
            continue
        merged.append(_Span(sp.start, sp.end, sp.kind, sp.depth, sp.forward))
    if pending_start is not None:  # the whole body is blank
        merged.append(_Span(pending_start, len(text), K.NEW))
    segments: list[Segment] = []
    for sp in merged:
        kind = sp.kind if sp.kind is not None else K.NEW
        piece = text[sp.start : sp.end]
        forward = None
        if kind is K.FORWARD_HEADER:
            forward = (
                sp.forward if sp.forward not in (None, _FORWARD_PENDING) else _forward_info(piece)
            )
        segments.append(
            Segment(
                kind=kind,
                text=piece,
                start=sp.start,
                end=sp.end,
                depth=sp.depth if kind is K.QUOTE else 0,
                forward=forward,
            )
        )
    return tuple(segments)


# ---------------------------------------------------------------------------------------------
# Parsing attributions, header blocks and forwards
# ---------------------------------------------------------------------------------------------

_DECORATION = regex.compile(r"^[\s>|*_-]{0,40}")


def _clean_attribution(text: str) -> str:
    """One line of text: quote markers, stars and wrapping removed."""
    lines = [_DECORATION.sub("", ln) for ln in text.splitlines()]
    flat = _flat(" ".join(lines))
    return flat.replace("*", "") if "*" in flat else flat


def _parse_fields(flat: str) -> dict[str, str] | None:
    """Header fields of a (flattened) reply header or forward block, by role."""
    labels = [
        (m.start(), m.end(), Q.FIELD_ROLES.get(m.group("label").lower(), "other"))
        for m in Q.FIELD_LABEL.finditer(flat)
    ]
    if len(labels) < 2:
        return None
    fields: dict[str, str] = {}
    for idx, (_a, b, role) in enumerate(labels):
        end = labels[idx + 1][0] if idx + 1 < len(labels) else len(flat)
        if role not in fields:
            fields[role] = flat[b:end].strip(" ,;")
    return fields


_VIA = regex.compile(r"\s+via\s+\S.{0,80}$", regex.IGNORECASE)
_ON_BEHALF = regex.compile(r"\bOn Behalf Of\s+(?P<who>.+)$", regex.IGNORECASE)


def _person(text: str) -> Person:
    """A name and address out of `"Name" <a@b>`, `Name via list <list@host>`, `a@b (Name)`..."""
    text = text.strip(" ,;:")
    behalf = _ON_BEHALF.search(text)
    if behalf is not None:
        return Person(name=_clean_name(behalf.group("who")), address="")
    address = ""
    m = Q.ADDRESS.search(text)
    if m is not None:
        address = m.group("a").strip()
        # All of them: Outlook writes "Name <a@b<mailto:a@b>>".
        text = Q.ADDRESS.sub(" ", text).replace("<>", " ").strip()
    name = _clean_name(text)
    lead = name.split(" ", 1)
    if len(lead) == 2 and lead[0].lower() in Q.NAME_LEAD_WORDS:
        name = lead[1]
    if _VIA.search(name):
        name = _clean_name(_VIA.sub("", name))
        address = ""
    if not name and address:
        name = ""
    return Person(name=name, address=address)


def _clean_name(text: str) -> str:
    text = text.strip(" ,;:()[]<>")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return _flat(text.replace('\\"', '"')).strip(" ,;")


def _attribution_from_fields(fields: dict[str, str]) -> Attribution:
    person = _person(fields.get("from", ""))
    reply_to = fields.get("reply_to")
    if reply_to:
        # Mailman "from_is_list": From is the list, Reply-To the author. The list's address
        # shows up again in To or Cc.
        listy = (
            person.address
            and person.address.lower()
            in (fields.get("to", "") + " " + fields.get("cc", "")).lower()
        )
        if listy or not person.address:
            person = _person(reply_to)
    date_text = fields.get("date", "")
    return Attribution(
        name=person.name,
        address=person.address,
        date_text=date_text,
        date=_parse_date(date_text, day_first=False),
    )


def _forward_info(text: str) -> ForwardInfo:
    """The forwarded message's author, date and subject, from its header block."""
    flat = _clean_attribution(text)
    who = ""
    marker = Q.FORWARD_MARKER.search(flat)
    if marker is not None and marker.group("who"):
        who = marker.group("who")
    fields = _parse_fields(flat) or {}
    person = _person(fields.get("from", who))
    date_text = fields.get("date", "")
    return ForwardInfo(
        author=person,
        date=_parse_date(date_text, day_first=False),
        date_text=date_text,
        subject=fields.get("subject", ""),
    )


_TIME_TOKEN = regex.compile(
    r"(?:上午|下午|午前|午後|오전|오후)?\d{1,2}[:.h]\d{2}(?:[:.]\d{2})?(?:[AaPp]\.?[Mm]\.?)?"
)
_NUM_TOKEN = regex.compile(
    r"\d{1,4}(?:st|nd|rd|th|\.|年|月|日|일|월|년)?"
    r"|\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?|[+-]\d{4}|[+-]\d{2}:\d{2}|(?:GMT|UTC)[+-]?\d{0,2}(?::?\d{2})?"
    r"|\d{4}年\d{1,2}月\d{1,2}日\S{0,6}|\(\S{1,10}\)|（\S{1,4}）"
    r"|\d{1,2}-\p{L}{3,9}\.?-\d{2,4}"
)
_YEAR = regex.compile(r"(?<!\d)\d{4}(?!\d)")
_GLUE = frozenset(w for w in Q.DATE_WORDS if w not in ("am", "pm", "a.m.", "p.m."))


def _date_token(tok: str) -> bool:
    t = tok.strip(",;").rstrip(".")
    if not t:
        return True
    low = t.lower()
    if low in Q.WEEKDAYS or low in Q.MONTHS or low in ("am", "pm", "a.m", "p.m", "a.m.", "p.m."):
        return True
    if t.upper() == t and low in Q.TIMEZONES:
        return True
    return bool(_TIME_TOKEN.fullmatch(t) or _NUM_TOKEN.fullmatch(t))


def _split_date_name(rest: str) -> tuple[str, str]:
    """Split "Thu, Jun 5, 2025 at 10:22 AM Name <a@b>" into its date and its name."""
    rest = rest.replace("，", ", ")
    tokens = rest.split()
    k = 0
    year = time = False
    while k < len(tokens):
        tok = tokens[k]
        word = tok.lower().strip(",;").rstrip(".")
        if (word in Q.MONTHS or word in Q.WEEKDAYS) and year and (time or tokens[k - 1][-1] == ","):
            # After a full date, "Jan Kowalski" and "Sam Saffron" are names, not dates.
            break
        if _date_token(tok):
            year = year or _YEAR.search(tok) is not None
            time = time or _TIME_TOKEN.search(tok) is not None
            k += 1
            continue
        m = k
        while m < len(tokens) and tokens[m].lower().strip(",") in _GLUE:
            m += 1
        if m > k and m < len(tokens) and _date_token(tokens[m]):
            k = m  # "a las", "alle ore", "at", "um" between date and time
            continue
        break
    return " ".join(tokens[:k]).strip(" ,"), " ".join(tokens[k:])


_D_YMD = regex.compile(r"(?<!\d)(\d{4})\s?[-/.年년]\s?(\d{1,2})\s?[-/.月월]\s?(\d{1,2})(?!\d)")
_D_NUM = regex.compile(r"(?<!\d)(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?!\d)")
_D_DMY = regex.compile(
    r"(?<![\d\p{L}])(\d{1,2})\.?[\s-](?:de\s)?(\p{L}{3,12})\.?,?[\s-](?:de\s)?(\d{4})(?!\d)"
)
_D_MDY = regex.compile(r"(?<!\p{L})(\p{L}{3,12})\.?\s(\d{1,2})(?:st|nd|rd|th)?,?\s(\d{4})(?!\d)")
_D_TIME = regex.compile(
    r"(?<![\d:])(?P<mer1>上午|下午|午前|午後|오전|오후)?\s?(?P<h>\d{1,2})[:.h](?P<m>\d{2})"
    r"(?:[:.](?P<s>\d{2}))?(?!\d)\s?(?P<mer2>[AaPp]\.?\s?[Mm]\.?(?!\w))?"
)
_D_OFFSET = regex.compile(r"(?:GMT|UTC)?\s?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?(?!\d)")
_D_ZONE = regex.compile(r"\b(?P<z>[A-Z]{1,5})\b")
_PM = ("p", "下午", "午後", "오후")


def _parse_date(text: str, *, day_first: bool) -> datetime | None:
    """A datetime out of the date forms mail clients write, in the languages of the tables.

    Aware when an offset or a known zone name is given. None when there is no full date.
    """
    if not text or len(text) > 200:
        return None
    ymd = _find_ymd(text, day_first)
    if ymd is None:
        return None
    (year, month, day), (a, b) = ymd
    rest = text[:a] + " " * (b - a) + text[b:]
    hour = minute = second = 0
    tail = rest
    t = _D_TIME.search(rest)
    if t is not None:
        hour, minute = int(t.group("h")), int(t.group("m"))
        second = int(t.group("s") or 0)
        mer = (t.group("mer1") or t.group("mer2") or "").lower()
        if mer:
            pm = mer.startswith(_PM)
            if pm and hour < 12:
                hour += 12
            elif not pm and hour == 12:
                hour = 0
        tail = rest[t.end() :]
    tz: timezone | None = None
    o = _D_OFFSET.search(tail)
    if o is not None and t is not None:
        minutes = int(o.group("h")) * 60 + int(o.group("m") or 0)
        if minutes <= 14 * 60:
            tz = timezone(timedelta(minutes=minutes if o.group("sign") == "+" else -minutes))
    if tz is None:
        for z in _D_ZONE.finditer(tail):
            offset = Q.TIMEZONES.get(z.group("z").lower())
            if offset is not None:
                tz = timezone(timedelta(minutes=offset))
                break
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None


def _find_ymd(text: str, day_first: bool) -> tuple[tuple[int, int, int], tuple[int, int]] | None:
    m = _D_YMD.search(text)
    if m is not None:
        return (int(m.group(1)), int(m.group(2)), int(m.group(3))), m.span()
    m = _D_NUM.search(text)
    if m is not None:
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        first_is_day = sep == "." or a > 12 or (day_first and b <= 12)
        if b > 12:
            first_is_day = False
        day, month = (a, b) if first_is_day else (b, a)
        return (_year(y), month, day), m.span()
    for m in _D_DMY.finditer(text):
        named = Q.MONTHS.get(m.group(2).lower())
        if named is not None:
            return (int(m.group(3)), named, int(m.group(1))), m.span()
    for m in _D_MDY.finditer(text):
        named = Q.MONTHS.get(m.group(1).lower())
        if named is not None:
            return (int(m.group(3)), named, int(m.group(2))), m.span()
    return None


def _year(y: int) -> int:
    if y >= 100:
        return y
    return 2000 + y if y < 70 else 1900 + y
