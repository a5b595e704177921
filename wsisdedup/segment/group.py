"""Group neighbouring units into the structures that span several lines.

Wrapped attributions (Gmail and others wrap a long one over two or three lines), reply header
blocks (`From:`/`Date:`/`Subject:` after an optional `-----Original Message-----` or rule),
forwards, and Mailman 2's default footer. The first unit of a structure gets its tag and
`group` (how many units it spans); the others get group 0.

Imports `attribution` and `tags`.
"""

from __future__ import annotations

from wsisdedup.patterns import quotes as Q
from wsisdedup.segment.attribution import _match_attribution
from wsisdedup.segment.tags import _FORWARD_PENDING, _T, _Unit

# A tuple, not a set: `Enum.__hash__` is Python code, identity tests in a tuple are not.
_STRUCTURE_TAGS = (_T.REPLY_SEP, _T.RULE, _T.FORWARD, _T.FIELD)
_CANDIDATE_TAGS = (*_STRUCTURE_TAGS, _T.LOTUS)


def _group(units: list[_Unit]) -> None:
    """Find wrapped attributions, reply header blocks, forwards and Mailman footers.

    Only lines that can start one are looked at: a structure tag, or a text line one or two
    lines before a line ending as an attribution does. (A flag a unit, not a set of indices:
    a body of header lines would hold one index object a line.)
    """
    n = len(units)
    # Whether each unit may end an attribution, as the units were tagged before grouping
    # (grouping changes only the units it has read, so the flags of those ahead still hold).
    ends = bytearray(n)
    text_tag, attr_tag = _T.TEXT, _T.ATTR
    for j, u in enumerate(units):
        if u.tag is text_tag or u.tag is attr_tag:
            tail = u.strip[-1:]
            if tail and tail in ":：-":
                ends[j] = 1
    done = 0
    # The last unit of a run of fields that holds no block (`_group_header`): every field of
    # the run starts none either, and reading the run again from each would be quadratic.
    no_block = -1
    for i in range(n):
        if i < done:
            continue
        if units[i].tag not in _CANDIDATE_TAGS and not (
            (i + 1 < n and ends[i + 1]) or (i + 2 < n and ends[i + 2])
        ):
            continue
        u = units[i]
        tag = u.tag
        if tag is _T.TEXT:
            # An attribution starts with a lead word or a date, or (name first: "Ann Lee
            # <ann@x> schrieb am ...", zh, hu, tr, ko) holds the address on its first line.
            if len(u.strip) < 200 and (
                Q.ATTRIBUTION_START.match(u.strip) or ("@" in u.strip and Q.ADDRESS.search(u.strip))
            ):
                done = i + _group_wrapped_attribution(units, i)
        elif tag is _T.LOTUS:
            done = i + _group_lotus(units, i)
        elif tag is _T.FIELD and i <= no_block:
            u.tag = _T.TEXT
        elif tag in _STRUCTURE_TAGS:
            step = _group_header(units, i)
            if step < 0:  # a run of fields up to unit `-step` that holds no block
                no_block = -step
                step = 1
            done = i + step


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
    """Group the reply header block (or forward, or Mailman footer) starting at unit `i`;
    returns how many units it spans, or `-last` when `i` is a field and the run of fields up
    to unit `last` holds no block."""
    first = units[i]
    n = len(units)
    j = i + 1
    opener = first.tag in (_T.REPLY_SEP, _T.RULE, _T.FORWARD)
    if opener and j < n and units[j].tag is _T.BLANK:
        j += 1
    # The fields' roles and whether a subject is a patch's (`_patch_header`), not a list of
    # the fields: a run of a hundred thousand field lines would hold an int object for each.
    roles: set[str] = set()
    patch_subject = fields = False  # fields: any field yet
    if not opener:
        roles.add(first.role)
        patch_subject = _is_patch_subject(first)
        fields = True
    last = i
    while j < n:
        t = units[j].tag
        if t is _T.FIELD:
            roles.add(units[j].role)
            patch_subject = patch_subject or _is_patch_subject(units[j])
            fields = True
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
    if first.tag is _T.RULE and not fields:
        return _group_mailman(units, i)
    if first.tag is _T.FIELD and (
        not _bare_block(units, roles, last) or _patch_header(units, i, patch_subject)
    ):
        # No block starts here, nor at any later field of the run: a block starting at one
        # would end at `last` too and hold a part of `fields`. The caller skips them.
        first.tag = _T.TEXT
        return -last if last > i else 1
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


def _bare_block(units: list[_Unit], roles: set[str], last: int) -> bool:
    """Is a run of header fields with no divider above it a reply header block?

    Header lines pasted into prose ("the mail arrives with these headers: From: ... To: ...",
    "Date: the date the record was created", "From: 10:00 / To: 11:30" in an agenda) are not
    one. A block without a divider needs the shape every client writes (From, a date, and To or
    Subject in one run) and something after it: the quoted message.
    """
    if "from" not in roles or "date" not in roles or not roles & {"to", "subject"}:
        return False
    j = last + 1
    n = len(units)
    while j < n and units[j].tag is _T.BLANK:
        j += 1
    return j < n


def _patch_header(units: list[_Unit], i: int, patch_subject: bool) -> bool:
    """Are the fields starting at unit `i` a patch's own header (`git format-patch` after its
    `From <sha> Mon Sep 17 ...` line, or `git send-email`'s in-body From/Date/Subject with a
    `[PATCH]` subject, `patch_subject`)? They are the author's content, not a quoted
    message's header."""
    if i > 0 and units[i - 1].lines == 1 and Q.FORMAT_PATCH_FROM.fullmatch(units[i - 1].strip):
        return True
    return patch_subject


def _is_patch_subject(u: _Unit) -> bool:
    """Is the field `u` a `[PATCH]` subject (`_patch_header`)?"""
    return u.role == "subject" and Q.PATCH_SUBJECT.match(u.strip) is not None


def _group_lotus(units: list[_Unit], i: int) -> int:
    """A Lotus Notes reply header around its date line (unit `i`): the author's name on the
    line before (unless the date line holds it), then To, cc and Subject, each a label with a
    colon or a label alone with its value on the next line (`Q.LOTUS_DATE_LINE`). Returns how
    many units from `i` it takes; the date line is text again if no To and Subject follow."""
    n = len(units)
    u = units[i]
    u.tag = _T.TEXT
    start = i
    if Q.LOTUS_DATE_LINE.fullmatch(u.strip):
        name = units[i - 1] if i > 0 else None
        if name is None or name.tag is not _T.TEXT or name.lines != 1 or len(name.strip) > 80:
            return 1
        if name.strip[-1] in ".?!:,;":
            return 1
        start = i - 1
    seen_to = False
    end = -1
    j = i + 1
    while j < n and j <= i + 12 and end < 0:
        t = units[j]
        if t.tag is _T.BLANK:
            j += 1
            continue
        if t.tag not in (_T.TEXT, _T.FIELD) or t.lines != 1:
            break
        label = t.strip.split(":", 1)[0].strip() if t.tag is _T.FIELD else t.strip
        role = Q.FIELD_ROLES.get(label.lower())
        seen_to = seen_to or role == "to"
        if role == "subject":
            if t.tag is _T.FIELD:
                end = j
            else:  # the value on the next line that is not blank
                k = j + 1
                while k < n and units[k].tag is _T.BLANK and k < j + 3:
                    k += 1
                end = k if k < n and units[k].tag is _T.TEXT else j
        j += 1
    if end < 0 or not seen_to:
        return 1
    first = units[start]
    first.tag = _T.HEADER
    first.strong = True
    first.group = end - start + 1
    for k in range(start + 1, end + 1):
        units[k].tag = _T.HEADER
        units[k].group = 0
    return end - i + 1


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
