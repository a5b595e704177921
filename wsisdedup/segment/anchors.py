"""Attributions and reply header blocks flattened into the middle of a line.

Some archives join a whole message onto one line, so an "On ... wrote:" or a
`From: ... Sent: ... Subject:` block sits inside it. `_explode` cuts such a line into pieces at
the structures' bounds, found outwards from an attribution's verb (`_attribution_anchors`) or
from the colons of header field labels (`_header_anchors`); `_may_hold_structure` is the cheap
test `lines` runs first. Each piece is then read like a line (`tags._tag_unit`).

Imports `attribution` and `tags`.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from wsisdedup.model import ForwardInfo
from wsisdedup.patterns import quotes as Q
from wsisdedup.segment.attribution import _date_token, _forward_info, _match_attribution
from wsisdedup.segment.tags import (
    _LABEL_LAST_CHARS,
    _LABEL_LAST_WORDS,
    _SHORT,
    _T,
    _Tag,
    _tag_unit,
    _Unit,
)

# At most this many flattened anchors are looked at per line: a real flattened thread holds a
# handful; a line built to hurt holds millions, and each costs a bounded look around it.
_MAX_ANCHORS_PER_LINE = 64


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
    # (A byte-order mark at the start of a body is stripped like white space.)
    u = _Unit(base + a, base + b, text[base + a : base + b].strip().lstrip("\ufeff"), tag)
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
        elif (lead := _START_ROWS[0].match(line, e)) is not None and lead.end() == s:
            s = e  # the lead word before the date: "On" in "On Mon, 2 Mar 2020, Ann wrote:"
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


def _label_before(line: str, colon: int) -> tuple[int, str] | None:
    """The start and role of a field label that ends at `colon` (`*From: *`, `De :`), or None."""
    end = colon
    while end > 0 and line[end - 1] in "*_ \u00a0" and colon - end < 3:
        end -= 1
    # Most colons end no label ("https:", "10:22"): the last letter tells, without a search.
    if line[end - 1 : end].lower()[-1:] not in _LABEL_LAST_CHARS:
        return None
    word = _WORD_BEFORE.search(line[max(0, end - 30) : end])
    if word is None:
        return None
    last_word = word.group().lower()
    if (
        last_word not in _LABEL_LAST_WORDS
        and last_word.rpartition("--")[2] not in _LABEL_LAST_WORDS
    ):
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
        dashes = line.rfind("--", start, end)
        if role is None and dashes >= 0:
            # Glued to a divider: "-----Original Message-----From: Amy ..." (Outlook, when an
            # archive drops the line ends).
            glued = dashes + 2
            role = Q.FIELD_ROLES.get(line[glued:end].lower())
            if role is not None:
                return glued, role
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
