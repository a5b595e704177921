"""Unmarked quotes end where the quoted text ends.

A quote without `>` markers (after "On ..., Ann wrote:" or a reply header block) has no visible
end: from the body alone the segmenter reads it to the end of the body, as in a top-posted
reply. A bottom-posted or interleaved reply without markers then loses its author's own
paragraphs. The join knows better: it knows which stretches of the body repeat earlier messages.
Where part of an unmarked quote repeats an earlier message, the quote is that message's text,
and each paragraph of it that repeats nothing the quoted messages hold is the author's own
again.

The first paragraph of an unmarked quote is always quoted (it is what the attribution
introduces). Another paragraph counts as quoted when the join matched a third of its characters,
or when the messages the quote was matched to hold it: its words (four or more) appear in one of
them, or each of its lines is a whole line of one of them (a short greeting, a name, a sign-
off). Words are compared case-folded, with spacing and `>` / `|` markers evened out, so re-
wrapping does not matter. Where nothing in an unmarked quote repeats the archive (the quoted
message is not in it), the quote is left as the segmenter read it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence

import regex

from wsisdedup.match.records import IndexDoc, Match, Span

__all__ = ["reclaimed_spans"]

_MIN_SHARED_WORDS = 4
"""Words a paragraph needs before "its words appear in the quoted message" means anything."""
_MATCHED_SHARE = 3
"""A paragraph of which the join matched at least 1/3 of the characters is quoted."""

_PARAGRAPH_BREAK = regex.compile(r"\n[ \t>|]*\n")
_MARKERS = regex.compile(r"(?m)^[ \t]*(?:[>|][ \t]?)+")


def _plain(text: str) -> str:
    """Words of `text` case-folded, one space apart, without quote markers."""
    return " ".join(_MARKERS.sub("", text).split()).casefold()


def _plain_lines(text: str) -> list[str]:
    """`_plain` of each line of `text`, in order. The markers are taken off and the case
    folded for the whole text at once (neither reaches across a line break, nor makes one):
    a call of each a line was most of what building `_Quoted.lines` cost."""
    return [" ".join(line.split()) for line in _MARKERS.sub("", text).casefold().split("\n")]


def _paragraphs(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The `[a, b)` spans of the non-blank paragraphs of `text[start:end]`."""
    pos = start
    for brk in _PARAGRAPH_BREAK.finditer(text, start, end):
        yield from _trimmed(text, pos, brk.start())
        pos = brk.end()
    yield from _trimmed(text, pos, end)


def _trimmed(text: str, a: int, b: int) -> Iterator[tuple[int, int]]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if a < b:
        yield a, b


_SEARCH_BUDGET = 50_000_000
"""Characters of quoted text searched for one message's paragraphs at most: a hostile body of
many paragraphs quoting a large message would otherwise cost their product. Past it, the rest
of the quote is left as the segmenter read it."""


class _Quoted:
    """What the messages an unmarked quote was matched to hold, in plain words and lines."""

    def __init__(self, texts: Sequence[str]) -> None:
        # Built on first use: most quotes are settled by the join's matches alone, and plain
        # forms of every line of every quoted message were most of the stage's time.
        self._texts = texts
        self._words: list[str] | None = None
        self._lines: set[str] | None = None
        self.budget = _SEARCH_BUDGET

    @property
    def words(self) -> list[str]:
        if self._words is None:
            self._words = [_plain(t) for t in self._texts]
        return self._words

    @property
    def lines(self) -> set[str]:
        if self._lines is None:
            self._lines = {p for t in self._texts for p in _plain_lines(t) if p}
        return self._lines

    def _found(self, plain: str) -> bool:
        for w in self.words:
            self.budget -= len(w)
            if plain in w:
                return True
        return False

    def repeats(self, paragraph: str) -> bool:
        """Whether the paragraph's words (`_MIN_SHARED_WORDS` or more) are in one message."""
        plain = _plain(paragraph)
        return len(plain.split()) >= _MIN_SHARED_WORDS and self._found(plain)

    def holds(self, paragraph: str) -> bool:
        plain = _plain(paragraph)
        if not plain:
            return True
        if self.budget <= 0:
            return True  # searched enough: leave the rest quoted
        if len(plain.split()) >= _MIN_SHARED_WORDS and self._found(plain):
            return True
        return all(not p or p in self.lines for p in _plain_lines(paragraph))


def _matched_chars(a: int, b: int, matches: Sequence[Match], ends: Sequence[int]) -> int:
    """Characters of `[a, b)` inside `matches` (sorted, not overlapping; `ends` their ends):
    only the matches that reach into it are visited, so a body of many paragraphs and many
    matches costs their sum, not their product."""
    total = 0
    for k in range(bisect.bisect_right(ends, a), len(matches)):
        m = matches[k]
        if m.start >= b:
            break
        total += max(0, min(b, m.end) - max(a, m.start))
    return total


def reclaimed_spans(
    doc: IndexDoc,
    matches: Sequence[Match],
    sources: Mapping[str, str],
    named: Sequence[str] = (),
) -> tuple[Span, ...]:
    """The paragraphs of `doc`'s unmarked quotes that are its author's own after all.

    `matches` are the join's matches in `doc.text`; `sources` the bodies of the messages they
    name, by id; `named` the bodies of earlier messages its headers say it answers. A quote is
    known to quote them when the join matched part of it, or when its first paragraph repeats
    one of the named messages; otherwise it is left as it is.
    """
    out: list[Span] = []
    text = doc.text
    for region in doc.unmarked:
        inside = sorted(
            (m for m in matches if m.end > region.start and m.start < region.end),
            key=lambda m: m.start,
        )
        ends = [m.end for m in inside]
        paragraphs = list(_paragraphs(text, region.start, region.end))
        if not paragraphs:
            continue
        quoted = _Quoted(
            [*(sources[s] for s in dict.fromkeys(m.source_id for m in inside)), *named]
        )
        first = text[paragraphs[0][0] : paragraphs[0][1]]
        if not inside and not (named and quoted.repeats(first)):
            continue  # nothing shows which message it quotes, so nothing shows where it ends
        # The first paragraph is what the attribution introduces (or the end of a reply header
        # wrapped onto the next line): always quoted.
        for a, b in paragraphs[1:]:
            chars = len("".join(text[a:b].split()))  # its characters but blank space
            if _MATCHED_SHARE * _matched_chars(a, b, inside, ends) >= chars:
                continue
            if quoted.holds(text[a:b]):
                continue
            out.append(Span(start=a, end=b))
    return tuple(out)
