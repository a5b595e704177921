"""Where a quote without `>` markers ends, from what one body shows (issue 10, section 1).

After an attribution or a reply header block with no `>` line after it, the quoted message is
not marked. Top-posting (the author's text, then the attribution and the quote to the end) is
the common case, so the state machine reads everything after the opener as quoted unless
`_unmarked_end` finds where the quoted message ends and the author's own text starts again:

1. The quoted message's own closing. A paragraph that ends with the quoted author's name
   ("Caroline", "Thanks, Tariq", "-- Ann": the name the attribution gives, or the address's
   local part) closes the quoted message; the paragraph after it is the replier's.
2. The author's voice at the start of a later paragraph: a greeting to the quoted person
   ("Hi Ann,", "Ann,") or an answer that only a reply starts with ("I agree", "+1", "Sounds
   good", `Q.REPLY_OPENERS`).
3. The replier's own closing. The body ends with a sign-off or a name that is not the quoted
   author's ("Regards,\\nOlaf" under a quote of Greta): the last paragraphs are the replier's,
   so the quote is taken to be its first paragraph (the one a single body can tell apart).

4. Nothing closes the quote and no voice is heard: the last paragraph is the reply (a reply
   has words of its own somewhere, and the last paragraph is the least it can have).

All four are taken only when the body holds no new text before the opener: a top-posted
reply's quote keeps all its paragraphs, whatever they say. A paragraph that looks like a
contact block after the quoted author's name is their signature, and stays quoted.

What a single body cannot tell: a quoted message of several paragraphs with no closing, under
a reply without a greeting, an answer word or a sign-off ("Thursday works for me." alone) stays
QUOTE; the archive stage, which sees the quoted message itself, can end such a quote where the
repeated text ends. A nickname ("Bob" signing for "Robert Smith") is not recognised as the
quoted author's name.

Imports `attribution` and `tags`.
"""

from __future__ import annotations

import regex

from wsisdedup.patterns import quotes as Q
from wsisdedup.segment.attribution import parse_attribution
from wsisdedup.segment.tags import _T, _Unit

# Paragraphs of an unmarked quote read at most: the evidence sits near the quote's start.
_MAX_PARAGRAPHS = 40

# A name line: one to three words, each capitalised, after optional dashes or a tilde.
_NAME = regex.compile(
    r"[-–—~/ \t]{0,4}(\p{Lu}[\p{L}.'’-]{0,30}(?:[ \t]\p{Lu}[\p{L}.'’-]{0,30}){0,2})"
)
_WORD = regex.compile(r"\p{L}{2,}")
_PUNCT = regex.compile(r"[,.!:;…]")


def _unmarked_end(
    text: str, units: list[_Unit], opener: tuple[int, int], first: int, new_before: bool
) -> int | None:
    """The index of the first unit after an unmarked quote that is the author's again, or None
    when the quote runs on (to the end, or to the next structure).

    `opener` is the first and last unit of the attribution or header block, `first` the unit
    after it, `new_before` whether the author wrote new text before the opener.
    """
    if new_before:
        return None  # top-posting: the quote runs on, whatever its paragraphs say
    paragraphs = _paragraphs(units, first)
    if len(paragraphs) < 2:
        return None
    who = _quoted_names(text[units[opener[0]].start : units[opener[1]].end])
    lines = [_lines(text, units, p) for p in paragraphs]
    for k in range(1, len(paragraphs)):
        closed = _closes(lines[k - 1], who, first=k == 1) and not _contact_like(lines[k])
        if closed or _has_voice(lines[k][0], who):
            return paragraphs[k][0]
    if paragraphs[-1][-1] != len(units) - 1 or not _ends_body(units, first):
        return None
    name = _closing_name(lines[-1])
    if name and who and not _same_person(name, who):
        return paragraphs[1][0]
    if name is None or not _same_person(name, who):
        # Nothing before the opener, nothing closing the quote: the reply must be somewhere,
        # and the last paragraph is the least a reply can be.
        return paragraphs[-1][0]
    return None


def _paragraphs(units: list[_Unit], first: int) -> list[list[int]]:
    """The runs of text units after `first`, up to the first structure (or the end)."""
    out: list[list[int]] = []
    current: list[int] = []
    j = first
    n = len(units)
    while j < n and len(out) < _MAX_PARAGRAPHS:
        tag = units[j].tag
        if tag is _T.TEXT and units[j].group == 1:
            current.append(j)
        elif tag is _T.BLANK:
            if current:
                out.append(current)
                current = []
        else:
            break
        j += 1
    if current:
        out.append(current)
    return out


def _ends_body(units: list[_Unit], first: int) -> bool:
    """Is every unit from `first` on text or blank space?"""
    return all(u.tag is _T.TEXT or u.tag is _T.BLANK for u in units[first:])


def _lines(text: str, units: list[_Unit], paragraph: list[int]) -> list[str]:
    start, end = units[paragraph[0]].start, units[paragraph[-1]].end
    return [ln.strip() for ln in text[start:end].split("\n") if ln.strip()]


def _quoted_names(opener: str) -> frozenset[str]:
    """The lower-cased words of the quoted author's name (or of their address's local part)."""
    attribution = parse_attribution(opener)
    if attribution is None:
        return frozenset()
    words = _WORD.findall(attribution.name.lower())
    if not words and attribution.address:
        words = _WORD.findall(attribution.address.split("@")[0].lower())
    return frozenset(w for w in words if w not in Q.NAME_LEAD_WORDS)


def _name_words(line: str) -> list[str] | None:
    """The words of a name line ("Caroline", "-- Ann Lee", "~spot"), or None."""
    if len(line) > 40 or line[-1] in ",:;!":
        return None  # "Ann," and "Hi Ann!" greet
    m = Q.CLOSING_NAME.fullmatch(line.rstrip("."))
    if m is None or line.strip("-–—~ .,").lower() in Q.NOT_NAMES:
        return None
    words: list[str] = _WORD.findall(m.group(1).lower())
    return words


def _closing_name(lines: list[str]) -> list[str] | None:
    """The name that closes a paragraph: a name line, or a sign-off line with a name."""
    last = lines[-1]
    words = _name_words(last)
    if words is not None and (len(lines) == 1 or len(words) <= 3):
        return words
    if len(last) <= 60 and Q.SIGNOFF_LINE.fullmatch(last):
        tail = _PUNCT.split(last)[-1].strip()
        if tail and tail != last:
            return _name_words(tail)
    return None


def _closes(lines: list[str], who: frozenset[str], *, first: bool) -> bool:
    """Does the paragraph end with the quoted author's name? (Not when it is the quote's first
    line alone: "Ann," there greets.)"""
    if not who or (first and len(lines) == 1):
        return False
    name = _closing_name(lines)
    return bool(name) and _same_person(name or [], who)


def _same_person(name: list[str], who: frozenset[str]) -> bool:
    return any(w in who for w in name)


def _has_voice(line: str, who: frozenset[str]) -> bool:
    """Does a paragraph starting with `line` speak to the quoted author, as a reply does?"""
    if Q.REPLY_OPENER.match(line):
        return True
    m = Q.GREETING_LINE.match(line)
    if m is None:
        return False
    named = _WORD.findall(m.group("name").lower())
    return bool(named) and any(w in who for w in named)


def _contact_like(lines: list[str]) -> bool:
    """A contact block (address, phone, link) rather than a reply."""
    head = " ".join(lines[:3])
    return Q.CONTACT_HINT.search(head) is not None
