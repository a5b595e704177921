"""Cut a body into units: one a line, a run of lines of one kind, or a piece of a flattened line.

`_units` is the hot loop of the segment stage. Most lines are plain text, quoted text or blank,
so the tables (`tags._tag_unit`) run only on lines that cheap string tests cannot prove plain
(`_plain`), and neighbouring lines of one kind become one unit. Lines holding a flattened
structure are cut by `anchors._explode`.

Imports `tags` and `anchors`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice

from wsisdedup.patterns import quotes as Q
from wsisdedup.segment.anchors import _explode, _may_hold_structure
from wsisdedup.segment.tags import (
    _HOT_STARTS,
    _SCRUB_STARTS,
    _SHORT,
    _T,
    _field_role,
    _lotus_date,
    _marker_depth,
    _Tag,
    _tag_unit,
    _Unit,
)


def _units(text: str) -> list[_Unit]:
    """The units of a body: one a line (a run of blank lines, of quoted lines of one depth, of
    text lines is one) or the pieces of a flattened line.

    Text lines join (`_Unit.lines`) except where grouping reads them one by one: after some
    structures until a blank or quoted line (`held`, `_HOLDING_TAGS`), and the two lines
    before one that may end an attribution (`_split_run_tail`). Supercite and `|` lines stay
    apart as well. A line met before is tagged as it was (`_tag_cached`). The copies of a line
    repeated back to back are skipped at once where they only grow a unit (`_skip_copies`).

    Long because it is the hot loop: a call a line for each branch would cost more than the
    branch.
    """
    # Locals, not `_T.X` lookups: this loop runs once a line.
    blank, quoted, plain_text = _T.BLANK, _T.QUOTED, _T.TEXT
    markers = Q.QUOTE_MARKER_CHARS
    verbs = _verbs_in(text)
    units: list[_Unit] = []
    append = units.append
    last: _Unit | None = None  # units[-1]
    run: _Unit | None = None  # the run of text lines the next one may join
    held = False
    lotus, lotus_left = _T.LOTUS, 0  # units left in a Lotus Notes header, read one by one
    seen: dict[str, _Seen] = {}  # `_tag_cached`
    exploded: dict[str, tuple[_Unit, ...]] = {}  # `_add_pieces`
    plain_texts: dict[str, str] = {}  # one string for the repeats of a plain line
    pos = 0
    bom = text.startswith(_BOM)  # a byte-order mark before the first line is no part of it
    lines = _lines(text)
    prev: str | None = None
    for line in lines:
        # `again`: the line before was the same, so more copies may follow (`_skip_copies`).
        again = line == prev
        prev = line
        end = pos + len(line) + 1
        strip = line.strip()
        if bom:
            strip = strip.lstrip(_BOM).strip()
            bom = False
        if not strip:
            if last is not None and last.tag is blank:
                if again:
                    end = _skip_copies(text, line, end, lines)[0]
                last.end = end  # a run of blank lines is one unit
                pos = end
                continue
            u = _Unit(pos, end, strip, blank)
        elif strip[0] == ">" and not (
            strip[-1] in ":：" and last is not None and _closes_address(text, last, strip)
        ):
            # `_marker_depth`, inlined: most quoted bodies are mostly `>` lines.
            depth = strip.count(">", 0, len(strip) - len(strip.lstrip(markers)))
            if last is not None and last.tag is quoted and last.depth == depth and last.group == 1:
                # A run of quoted lines of one depth is one unit; `strip` keeps the run's
                # last line, which is all `_lazy_continuation` looks at.
                if again:
                    end = _skip_copies(text, line, end, lines)[0]
                last.end = end
                last.strip = strip
                pos = end
                continue
            u = _Unit(pos, end, strip, quoted)
            u.depth = depth
        elif strip[0] == ">":
            # ">:" or "> wrote:" closing the address a wrapped attribution left open.
            u = _Unit(pos, end, strip, plain_text)
        elif (hit := seen.get(strip)) is not None:
            # A line met before (`_tag_cached`): neither plain nor flattened, and tagged alike.
            if hit[0] is plain_text and run is not None and _joins_run(strip):
                if again:
                    end, copies = _skip_copies(text, line, end, lines)
                    run.lines += copies
                run.end = end
                run.lines += 1
                pos = end
                continue
            # (`last.strip is hit[4]` first: most lines met before are not the one above.)
            if (
                lotus_left == 0
                and last is not None
                and last.strip is hit[4]
                and _repeats(units, hit, pos, held)
            ):
                # The third repeat of a line on: one more line of the unit above.
                if again:
                    end, copies = _skip_copies(text, line, end, lines)
                    units[-1].lines += copies
                units[-1].end = end
                units[-1].lines += 1
                pos = end
                continue
            # (The line's text is the one met first: a run of one line holds one string.)
            u = _Unit(pos, end, hit[4])
            u.tag, u.depth, u.strong, u.role, _ = hit
        elif plain := _plain(strip, verbs):
            if run is not None and ">" not in strip[:17] and strip[0] != "|":
                if again:
                    end, copies = _skip_copies(text, line, end, lines)
                    run.lines += copies
                run.end = end
                run.lines += 1
                pos = end
                continue
            if len(plain_texts) < _TAG_CACHE_SIZE:
                # The units of one text line repeated share its text (a PGP header's `Hash:`
                # line, a line between structures): 56 bytes a unit on short lines.
                strip = plain_texts.setdefault(strip, strip)
            u = _Unit(pos, end, strip, plain_text)
        else:
            if (
                plain is None or (len(strip) > 20 and _may_hold_structure(strip, verbs))
            ) and _add_pieces(text, units, pos, end, strip, exploded):
                # The pieces hold a structure: grouping reads the lines after them one by one.
                last, run, held, pos = units[-1], None, True, end
                continue
            u = _tag_cached(_Unit(pos, end, strip), seen)
        tag = u.tag
        if lotus_left:
            lotus_left -= 1
        if tag is blank or tag is quoted:
            # (The lines of a Lotus Notes header stay apart across its blank lines.)
            held = lotus_left > 0 and tag is blank
            run = None
        elif tag is not plain_text or _may_end_attribution(strip):
            # A structure, or a text line that may end an attribution: no run goes on past it.
            if _may_end_attribution(strip):
                _split_run_tail(text, units, 2)
            elif tag is lotus:
                _split_run_tail(text, units, 1)  # the author's name, the line before
                lotus_left = _LOTUS_LINES
            held = held or tag in _HOLDING_TAGS
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
        append(u)
        last = u
        pos = end
    _supercite(units)
    _end_last_unit(text, units)
    return units


# U+FEFF at the start of a body: a byte-order mark some clients and converters leave there.
_BOM = "\ufeff"


def _closes_address(text: str, last: _Unit, strip: str) -> bool:
    """Is `strip` (a line starting with `>` and ending with a colon) the end of an attribution
    that Gmail and others wrapped inside its address ("... Ann Lee <ann@example.org" then
    ">:" or "> wrote:")? The line before must leave a `<` open."""
    if last.tag is not _T.TEXT or len(strip) > 60 or strip[1:2] == ">":
        return False
    start = text.rfind("\n", last.start, max(last.start, last.end - 1)) + 1
    line = text[start : last.end]
    lt = line.rfind("<")
    return lt >= 0 and ">" not in line[lt:] and "@" in line[lt:]


def _repeats(units: list[_Unit], hit: _Seen, pos: int, held: bool) -> bool:
    """May a line met before (`hit`, starting at `pos`) join the unit above it as one more
    repeat of the same line?

    A line repeated back to back (a pasted header line, a log, a rule drawn with `--` lines,
    hostile input) was a unit a line, about a hundred and fifty bytes each: 1 MB of
    "From: a" lines cost 25 MB. The repeats of a header field, of a signature delimiter, and
    of a text line that no run joins are read alike by every later step, so from the third
    on they join the unit of the one before, which then holds several lines (`_Unit.lines`).
    The first two stay apart because grouping reads up to two lines after the one that starts
    a wrapped attribution or a field's continuation one by one. Text lines that a later step
    counts or reads line by line stay apart as well: held lines (after a banner, a PGP
    header), supercite and bar quotes, and lines that may start an attribution.
    """
    strip = hit[4]
    if len(units) < 2:
        return False
    last, before = units[-1], units[-2]
    if last.strip is not strip or before.strip is not strip:
        return False
    if last.end != pos or before.end != last.start:
        return False
    tag = hit[0]
    if tag is _T.FIELD or tag is _T.SIG_DELIM:
        return True
    return (
        tag is _T.TEXT
        and not held
        and ">" not in strip[:17]
        and strip[0] != "|"
        and "@" not in strip
        and Q.ATTRIBUTION_START.match(strip) is None
    )


def _skip_copies(text: str, line: str, end: int, lines: Iterator[str]) -> tuple[int, int]:
    """Skip the copies of `line` (with their newlines) that follow it in `text` at `end`:
    take them off `lines` and return where they end and how many there were.

    `_units` calls it where a line only grew a unit (a run of blank lines, of quoted lines of
    one depth, of text lines, or `_repeats`), and only when the line before was the same, so
    most lines never pay for it. What each of those paths reads (the line, the unit it grows,
    `run`, `lotus_left`, the caches) is what it leaves, so every copy would take the same path
    and change nothing but the unit's end and line count. Reading them one by one cost about
    0.4 µs a line: 1 MB of "-" lines took 0.2 s, now a few milliseconds of string compares.
    """
    piece = line + "\n"
    size = len(piece)
    # Blocks of 1, 2, 4, ... copies while they match, then halves back down: O(run length).
    block, count, at = piece, 1, end
    while text.startswith(block, at):
        at += len(block)
        block += block
        count *= 2
    while count > 1:
        count //= 2
        block = block[: count * size]
        if text.startswith(block, at):
            at += len(block)
    copies = (at - end) // size
    if copies:
        next(islice(lines, copies, copies), None)  # consumes `copies` lines, in C
    return at, copies


def _joins_run(strip: str) -> bool:
    """May a text line (not plain) join the run of text lines before it?"""
    return ">" not in strip[:17] and strip[0] != "|" and not _may_end_attribution(strip)


def _may_end_attribution(strip: str) -> bool:
    """Could the stripped line `strip` end an attribution (one line of it or the last of a
    wrapped one)? Every row of `Q.ATTRIBUTION_ROWS` ends with a colon, or (Zoho) with two
    dashes or more; a line ending in one dash ends none, and a run of such lines ("-" lines,
    list items cut with a hyphen) stays one run instead of a unit a line."""
    last = strip[-1]
    return last in ":：" or (last == "-" and strip[-2:] == "--")


# Lines tagged per body, at most: a body of many lines repeats most of them (blank-ish lines,
# separators, a run of one header line), and a line's tag depends on its text alone.
_TAG_CACHE_SIZE = 4096


# What `_tag_unit` gave a line, and the line's stripped text itself (shared by its repeats).
_Seen = tuple[_Tag | None, int, bool, str, str]


def _lines(text: str) -> Iterator[str]:
    """The lines of `text`, as `text.split("\\n")` gives them, a chunk at a time.

    The list of every line would hold one string a line for the whole of `_units`, while
    the units keep only the lines that are not joined into a run: on a body of short lines
    that list alone cost several times the body.
    """
    start = 0
    while True:
        cut = text.find("\n", start + _LINES_CHUNK)
        if cut < 0:
            yield from (text[start:] if start else text).split("\n")
            return
        yield from text[start:cut].split("\n")
        start = cut + 1


# Characters of the body `_lines` splits at once: small next to a body worth the trouble.
_LINES_CHUNK = 1 << 16


def _tag_cached(u: _Unit, seen: dict[str, _Seen]) -> _Unit:
    """`_tag_unit(u)`, reusing the tag of an earlier line with the same stripped text.

    A body built of one line repeated (or a long log) would otherwise run the tables once a
    line; `_tag_unit` reads nothing but `u.strip`, so a repeat gets the same tag, depth, strength
    and role. (What it gave is kept as a tuple: later steps change the units themselves.)
    """
    done = seen.get(u.strip)
    if done is None:
        _tag_unit(u)
        if len(seen) < _TAG_CACHE_SIZE:
            seen[u.strip] = (u.tag, u.depth, u.strong, u.role, u.strip)
        return u
    u.tag, u.depth, u.strong, u.role, u.strip = done
    return u


def _verbs_in(text: str) -> tuple[str, ...]:
    """The verb literals a line of `text` may hold (`_has_verb`, for lines with colons).

    In a body with many colons only those in the body: one search each costs less than testing
    every line for every literal (a long report holds none of them).
    """
    verbs = _ASCII_VERBS if text.isascii() else Q.ATTRIBUTION_VERB_LITERALS
    if text.count(":") > _NARROW_VERBS_COLONS:
        verbs = tuple(lit for lit in verbs if lit in text)
    return verbs


def _add_pieces(
    text: str,
    units: list[_Unit],
    pos: int,
    end: int,
    strip: str,
    exploded: dict[str, tuple[_Unit, ...]],
) -> bool:
    """Append the pieces of a flattened line (`_explode`) to `units`; False if it holds none.

    Out of `_units`' loop: few lines get here, and those that do cost far more than a call.
    A line cut before is cut alike (`exploded`, by the line's text, with the pieces' offsets
    from its start): `_explode` reads nothing but the line, and runs its verb and header
    searches at about a tenth of a MB/s, so a body of a few attribution lines repeated made
    `split_body` several times slower than its target. (A line with no pieces is tagged and
    met again through `_units`' own cache.)
    """
    stop = min(end, len(text))
    line = text[pos:stop]
    cached = exploded.get(line)
    if cached is None:
        found = _explode(text, pos, stop, strip)
        if not found:
            return False
        if len(exploded) < _TAG_CACHE_SIZE:
            exploded[line] = tuple(_moved(p, -pos) for p in found)
        pieces = found
    else:
        pieces = [_moved(p, pos) for p in cached]
    if any(p.strip[-1:] in ":：-" for p in pieces[:2]):
        _split_run_tail(text, units, 2)
    units.extend(pieces)
    return True


def _moved(u: _Unit, delta: int) -> _Unit:
    """A copy of the unit `u`, `delta` characters further into the body (before grouping)."""
    v = _Unit(u.start + delta, u.end + delta, u.strip, u.tag)
    v.depth, v.strong, v.role, v.forward, v.lines = u.depth, u.strong, u.role, u.forward, u.lines
    return v


def _end_last_unit(text: str, units: list[_Unit]) -> None:
    """The last line has no newline after it: its unit ends at the end of the text."""
    if units:
        units[-1].end = min(units[-1].end, len(text))
        if units[-1].start >= len(text):
            units.pop()


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
    if s[-1] in _LOTUS_LAST and _lotus_date(s):
        return False
    return colon <= 0 or _field_role(s, colon) is None


# The last characters of a Lotus Notes date line (`tags._lotus_date`): a digit, or AM/PM.
_LOTUS_LAST = frozenset("0123456789Mm")

# The verb literals an ASCII body may hold: filtered once here, where filtering them for each
# body cost some 3 us of a one-line body's 28.
_ASCII_VERBS = tuple(lit for lit in Q.ATTRIBUTION_VERB_LITERALS if lit.isascii())

# Past this many colons `_units` narrows the verb literals to those in the body.
_NARROW_VERBS_COLONS = 40

# Structures after which grouping counts or reads the next lines one by one: header fields
# (continuation lines), openers of header blocks, Mailman's rule (the footer's lines), a banner
# (up to five lines), a PGP header (its `Hash:` line).
_HOLDING_TAGS = (
    _T.FIELD,
    _T.REPLY_SEP,
    _T.FORWARD,
    _T.RULE,
    _T.BANNER,
    _T.PGP_HEAD,
    _T.LOTUS,
)
# Units after a Lotus Notes date line that grouping reads one by one (To, cc, Subject, values).
_LOTUS_LINES = 12


def _split_run_tail(text: str, units: list[_Unit], want: int) -> None:
    """Make the last `want` units one line each, splitting the lines off a run of text lines:
    `_group` reads the two lines before one that may end an attribution one by one."""
    n = len(units)
    if (
        (n < 1 or units[-1].lines == 1)
        and (want < 2 or n < 2 or units[-2].lines == 1)
        and want <= 2
    ):
        # Already one line each (most calls: a structure line after others): popping and
        # putting them back cost a tenth of `_units` on 1 MB of "-----Original Message-----".
        return
    tail: list[_Unit] = []
    while want > 0 and units:
        u = units[-1]
        if u.lines == 1:
            tail.append(units.pop())
        else:
            start = text.rfind("\n", u.start, u.end - 1) + 1
            # (A run of one line repeated, `_repeats`, keeps the tag of its lines.)
            line = _Unit(start, u.end, text[start : u.end].strip(), u.tag)
            line.depth, line.strong, line.role = u.depth, u.strong, u.role
            tail.append(line)
            u.end = start
            u.lines -= 1
        want -= 1
    units.extend(reversed(tail))


def _supercite(units: list[_Unit]) -> None:
    """Supercite (Emacs) quotes with the author's name: "Herbert> text". A name prefix counts
    only when two lines or more carry it, so that "mysql> select" alone stays text. Initials
    ("CD>") on one line only count between quoted lines (a thread of several people's
    initials, each quoted once): the neighbours say it is a quote."""
    seen: dict[str, list[_Unit]] = {}
    initials: list[int] = []
    text_tag = _T.TEXT
    for k, u in enumerate(units):
        if u.tag is text_tag and ">" in u.strip[:17]:
            m = Q.SUPERCITE_MARKER.match(u.strip)
            if m is not None:
                seen.setdefault(m.group("name"), []).append(u)
            if Q.SUPERCITE_INITIALS.match(u.strip):
                initials.append(k)
    for group in seen.values():
        if len(group) >= 2:
            for u in group:
                _quote_supercite(u)
    for k in initials:
        u = units[k]
        before = k > 0 and units[k - 1].tag is _T.QUOTED
        after = k + 1 < len(units) and units[k + 1].tag is _T.QUOTED
        if u.tag is text_tag and (before or after):
            _quote_supercite(u)


def _quote_supercite(u: _Unit) -> None:
    u.tag = _T.QUOTED
    u.depth = _marker_depth(u.strip[u.strip.index(">") :], Q.QUOTE_MARKER_CHARS, ">")
