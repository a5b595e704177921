"""Sources for short quotes, looked up in the messages a reply's headers name.

The shingle index (`wsisdedup.match.index`) samples one shingle in four and needs two hits to
propose a source, so a quote of one short paragraph may get none. A reply's In-Reply-To and
References name the messages it may quote; looking there directly is cheap (a few substring
searches per unsourced quote) and exact. Each paragraph of a quote that still has no source is
looked up in the own words (NEW and SIGNATURE) of those messages, oldest first, so a quote of a
quote points to its original author as the index's does. Words are compared case-folded, with
spacing and `>` / `|` markers evened out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from wsisdedup.match.reclaim import _paragraphs, _plain
from wsisdedup.match.records import OWN_KINDS, Match
from wsisdedup.model import Message, SegmentKind

__all__ = ["header_quote_matches"]

_MIN_WORDS = 3
"""Shorter paragraphs ("Hi,", "Ann") are found in too many messages to name a source."""
_MAX_CANDIDATES = 20
"""Messages of the References chain looked in (nearest first): enough for deep threads,
bounded for a header that names thousands."""
_SEARCH_BUDGET = 50_000_000
"""Characters searched for one message's quotes at most: a hostile body of many quoted
paragraphs would otherwise cost paragraphs x candidates x their length."""


class _OwnWords:
    """The own words of messages by id, made plain once each."""

    def __init__(self, by_id: Mapping[str, Message]) -> None:
        self._by_id = by_id
        self._plain: dict[str, str] = {}

    def of(self, message_id: str) -> str | None:
        if message_id not in self._plain:
            m = self._by_id.get(message_id)
            if m is None:
                return None
            own = "\n\n".join(s.text for s in m.segments if s.kind in OWN_KINDS)
            self._plain[message_id] = _plain(own)
        return self._plain[message_id]


def _candidates(m: Message) -> list[str]:
    """The messages a reply's headers name, oldest first, the nearest `_MAX_CANDIDATES`."""
    ids = list(dict.fromkeys((*m.references, *m.in_reply_to)))
    return [i for i in ids[-_MAX_CANDIDATES:] if i != m.id]


def _unsourced_paragraphs(m: Message) -> Iterator[tuple[int, int]]:
    for s in m.segments:
        if s.kind is SegmentKind.QUOTE and s.source_id is None:
            yield from _paragraphs(m.body, s.start, s.end)


def header_quote_matches(
    messages: Sequence[Message], by_id: Mapping[str, Message]
) -> dict[str, tuple[Match, ...]]:
    """Per message id, matches for the paragraphs of its unsourced quotes that the own words
    of a message its headers name hold (apply them with `apply_matches`). `by_id` finds a
    message by its id or by the id of a copy collapsed into it."""
    own = _OwnWords(by_id)
    out: dict[str, tuple[Match, ...]] = {}
    for m in messages:
        candidates = _candidates(m)
        if not candidates:
            continue
        found: list[Match] = []
        budget = _SEARCH_BUDGET
        for a, b in _unsourced_paragraphs(m):
            plain = _plain(m.body[a:b])
            if len(plain.split()) < _MIN_WORDS:
                continue
            if budget <= 0:
                break
            for c in candidates:
                words = own.of(c)
                if words is not None:
                    budget -= len(words)
                if words is not None and plain in words:
                    source = by_id[c].id  # a collapsed copy's id names the message kept
                    found.append(
                        Match(
                            start=a,
                            end=b,
                            source_id=source,
                            source_start=0,
                            source_end=0,
                            score=1.0,
                        )
                    )
                    break
        if found:
            out[m.id] = tuple(found)
    return out
