"""Step 0: line roles that need no analysis (roster, first subject line), and rule lines."""

from __future__ import annotations

import enum
import operator
from collections.abc import Sequence
from itertools import compress, count, repeat
from typing import Final

import attrs
import regex

from wsisdedup.readers.textdump.attributions import _line_attribution_end

# Subject lines are short: a first line longer than this is a message, not a subject.
_FIRST_SUBJECT_CHARS: Final = 250


_ROSTER_HEADER = regex.compile(r"\s{0,8}participants\s{0,4}\(\s{0,4}(?P<n>\d{1,6})\s{0,4}\)\s{0,8}")
# Roster entries: a name, perhaps with the "-" the page put between entries; no sentence.
_ROSTER_ENTRY_CHARS: Final = 80
_ROSTER_JUNK = regex.compile(r"[\s\-–—•·|]+")
# A line that starts with a rule of underscores, dashes, equals or tildes (list footers,
# Outlook's reply separator).
_RULE_START = regex.compile(r"\s{0,8}[_=~\-]{8,}")


class _Role(enum.IntEnum):
    """A line's role, one byte a line in `_Prepass.roles`."""

    MESSAGE = 0
    SUBJECT = 1
    ROSTER = 2


@attrs.frozen(kw_only=True)
class _Prepass:
    roles: bytearray
    """Per line, a `_Role`. One array the split updates as it reads subject lines (one per
    dump, a byte a line: a list or a copy per step costs 8 bytes a line)."""
    subjects: tuple[int, ...]
    """The lines read as subjects here, before the split."""
    rosters: tuple[tuple[int, tuple[str, ...]], ...]
    """(line of the roster header, its names), in dump order."""


def _prepass(lines: Sequence[str]) -> _Prepass:
    roles = bytearray(len(lines))  # all _Role.MESSAGE
    rosters: list[tuple[int, tuple[str, ...]]] = []
    # Lines that may be roster headers: those holding its word, found in C (a Python step or
    # a regex call a line is most of the cost on runs of short lines).
    candidates = compress(count(), map(operator.contains, lines, repeat("participants")))
    j = 0  # the first line after the last roster read
    for i in candidates:
        m = _ROSTER_HEADER.fullmatch(lines[i]) if i >= j else None
        if m is None:
            continue
        want = int(m.group("n"))
        roles[i] = _Role.ROSTER
        names: list[str] = []
        j = i + 1
        while j < len(lines) and len(names) < want:
            entry = lines[j]
            if len(entry) > _ROSTER_ENTRY_CHARS or _ROSTER_HEADER.fullmatch(entry):
                break
            name = _ROSTER_JUNK.sub(" ", entry).strip()
            if name and not any(ch.isalpha() for ch in name):
                break
            roles[j] = _Role.ROSTER
            if name:
                names.append(name)
            j += 1
        rosters.append((i, tuple(names)))
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if (
        first is not None
        and roles[first] == _Role.MESSAGE
        and len(lines[first]) <= _FIRST_SUBJECT_CHARS
        and _line_attribution_end(lines[first]) is None
        and any(r == _Role.MESSAGE and lines[n].strip() for n, r in enumerate(roles) if n > first)
    ):
        roles[first] = _Role.SUBJECT
    subjects = (first,) if first is not None and roles[first] == _Role.SUBJECT else ()
    return _Prepass(roles=roles, subjects=subjects, rosters=tuple(rosters))
