"""Attributions placed in the dump, the message each introduces, and what each message quotes.

The attribution that ends a message's flattened line introduces the latest earlier message
whose own words the text after it repeats (its parent, even when the parent carries older
quotes); nested attributions introduce the message holding the first occurrence of the words
after them; a message without one quotes the source of its first long run of repeated words.
"""

from __future__ import annotations

import bisect
from typing import Final

import attrs

from wsisdedup.readers.textdump.attributions import (
    _find_attributions,
    _Found,
    _parse_who,
    _when_of,
    _who_of,
)
from wsisdedup.readers.textdump.evidence import AttributionKind, DumpAttribution
from wsisdedup.readers.textdump.messages import _Messages
from wsisdedup.readers.textdump.names import _best_suffix, _resolve
from wsisdedup.segment import Attribution, parse_attribution

# A message without an attribution "quotes" another only through a run of this many covered
# words: shorter runs are stock phrases ("the World Summit on the Information Society").
_QUOTE_RUN: Final = 10
# How far after an attribution to look for the quoted text (words), and how many shingles copied
# in sequence from one message identify it (three shingles: seven words in order).
_AFTER_ATTRIBUTION: Final = 120
_RUN_SHINGLES: Final = 3


# The quoted text an attribution introduces, read to find which earlier message wrote it: up to
# the next attribution of the message, and at most this many words.
_REGION_WORDS: Final = 400

# A subject value is cut here when nothing else tells where it ends.
_SUBJECT_VALUE_CHARS: Final = 250


@attrs.frozen(kw_only=True)
class _Located:
    """An attribution found in a message, placed in the dump."""

    found: _Found
    message: int
    line: int
    """0-based dump line where it starts."""
    column: int
    """Its start within that line."""
    word: int
    """The first word after it (for a header block: the first word of its subject's value)."""


# -- placing attributions ---------------------------------------------------------------------


def _own_span(m: _Messages, i: int, locs: list[_Located]) -> tuple[int, int]:
    """Where message i's author's own words are in its body (offsets): its flattened line up to
    its first attribution; or, when the line starts with the attribution, what follows it
    (`_reply_after_attribution`)."""
    reply = _reply_after_attribution(m, i, locs)
    if reply is not None:
        return reply
    main = m.main_line(i)
    base = m.line_start(i, main)
    text = m.lines[main]
    end = next((loc.column for loc in locs if loc.line == main), len(text))
    return base, base + len(text[:end].rstrip())


def _reply_after_attribution(m: _Messages, i: int, locs: list[_Located]) -> tuple[int, int] | None:
    """When message i's flattened line starts with its attribution ("On ..., Ann wrote: My
    reply ..."): where the reply after it is in the body (offsets), up to the next attribution
    or to where the line repeats earlier text of the dump (a quote flattened into the line).
    None when the line does not start with an attribution."""
    main = m.main_line(i)
    base = m.line_start(i, main)
    text = m.lines[main]
    on_line = [loc for loc in locs if loc.line == main]
    if not on_line or text[: on_line[0].column].strip(" \t-–—*>|:;,."):
        return None
    first = on_line[0]
    start = first.column + (first.found.end - first.found.start)
    stop = on_line[1].column if len(on_line) > 1 else len(text)
    # A quote flattened after the attribution starts where the line repeats earlier text.
    for p in range(m.word_at(main, start), m.w.line_first[main + 1]):
        if m.w.word_start(p, main) >= stop:
            break
        if m.w.covered[p]:
            stop = m.w.word_start(p, main)
            break
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    return (base + start, base + stop) if stop > start else None


def _locate(m: _Messages, i: int) -> list[_Located]:
    """The attributions of message i, placed in the dump, that are trusted."""
    out: list[_Located] = []
    for f in _find_attributions(m.bodies[i]):
        loc = _place(m, f, i)
        if _trusted(m, loc):
            out.append(loc)
    return out


def _place(m: _Messages, f: _Found, i: int) -> _Located:
    line, column = m.line_col(i, f.start)
    at = f.subject_start if f.subject_start is not None else f.end
    at_line, at_column = m.line_col(i, at)
    return _Located(
        found=f, message=i, line=line, column=column, word=m.word_at(at_line, at_column)
    )


def _trusted(m: _Messages, loc: _Located) -> bool:
    """A name-only attribution ("Ann wrote:") counts only where a quote follows it: at the
    end of its line, or before repeated text."""
    f = loc.found
    if f.kind is not AttributionKind.WROTE or f.date_text:
        return True
    rest = m.lines[loc.line][loc.column + (f.end - f.start) :]
    if not rest.strip():
        return True
    return loc.word < len(m.w.covered) and bool(m.w.covered[loc.word])


class _Quoting:
    """Attributions placed in the dump, and what each message quotes.

    Holds the subject words (which a reply's subject repeats without quoting): they grow as
    header blocks' subjects are read, so attributions are read in dump order."""

    def __init__(self, messages: _Messages) -> None:
        self.m = messages
        self.lines = messages.lines
        self.w = words = messages.w
        self.line_message = messages.line_message
        self.bodies = messages.bodies
        self.participants = messages.participants
        # Words of subjects (the dump's subject lines, and header blocks' subject values as
        # they are found): a reply's subject repeats them, which says nothing about quoting.
        self.subject_words: set[int] = set()
        for n in {
            *messages.subject_of,
            *words.subjects,
        }:
            if n is not None:
                self.subject_words.update(words.line_words(n))
        self.list_addresses: set[str] = set()

    def learn_list_addresses(self, located: list[list[_Located]]) -> None:
        """The list's own addresses: those of senders munged as "Ann via list"."""
        for locs in located:
            for loc in locs:
                who = _parse_who(loc.found.who)
                if who.via and who.address:
                    self.list_addresses.add(who.address.casefold())

    def learn_own_text(self, located: list[list[_Located]]) -> None:
        """Which messages wrote which text: the words of each message's flattened line before
        its first attribution (its author's own words), by shingle; and where the quoted text
        each attribution introduces ends (the next attribution of its message)."""
        self.owners: dict[int, list[int]] = {}
        self.region_end: dict[tuple[int, int], int] = {}
        for i, locs in enumerate(located):
            main = self.m.main_line(i)
            words = self.w.line_words(main)
            end = words.stop
            for loc in locs:
                if loc.line == main:
                    end = min(end, self.m.word_at(loc.line, loc.column))
                    break
            for p in range(words.start, min(end, len(self.w.first))):
                holders = self.owners.setdefault(self.w.first[p], [])
                if not holders or holders[-1] != i:
                    holders.append(i)
            ordered = sorted(loc.word for loc in locs)
            for k, word in enumerate(ordered):
                nxt = ordered[k + 1] if k + 1 < len(ordered) else self.m.stop(i)
                self.region_end[(i, word)] = nxt

    def _latest_owner(self, loc: _Located, start: int) -> int | None:
        """The latest earlier message whose own words the quoted text repeats (at least a run's
        worth of shingles): a reply that quotes its parent quotes the parent's own words, and
        the quotes of quotes the parent carries are older messages' words, so the latest owner
        is the parent, not the ancestor that wrote the first quoted line."""
        end = self.region_end.get((loc.message, loc.word), self.m.stop(loc.message))
        end = min(end, start + _REGION_WORDS)
        counts: dict[int, int] = {}
        for p in range(start, end):
            if not self.w.repeats(p) or self.w.first[p] in self.subject_words:
                continue
            holders = self.owners.get(self.w.first[p], [])
            if bisect.bisect_left(holders, loc.message) == 1:
                # Text one earlier message wrote as its own; what several wrote (a list footer
                # flattened into every body, a stock sentence) tells nothing.
                counts[holders[0]] = counts.get(holders[0], 0) + 1
        owners = [o for o, c in counts.items() if c >= _RUN_SHINGLES]
        return max(owners) if owners else None

    def _quoted(self, loc: _Located) -> tuple[int | None, int]:
        """The message an attribution introduces, and the word where its quoted text starts.

        For the attribution that ends a message's flattened line (its parent): the latest
        earlier message whose own words the quoted text repeats. For the others (quotes of
        quotes, whose depth the dump no longer shows, so their text runs on into the quoting
        message's words) and where no owner is found: the first occurrence of the first run
        (`_first_quoted`)."""
        source, start = self._first_quoted(loc)
        if loc.line == self.m.main_line(loc.message) and start < self.m.stop(loc.message):
            owner = self._latest_owner(loc, start)
            if owner is not None:
                return owner, start
        return source, start

    def _first_quoted(self, loc: _Located) -> tuple[int | None, int]:
        """The message an attribution introduces, and the word where its quoted text starts.

        The quoted message holds the first occurrence of the text after the attribution, read
        as a run of shingles copied in sequence from one message: single shingles are often
        stock fragments ("On Tue, 5 Jan 2010") first written by some other message. For a
        header block the search starts at the subject's value, whose end a flattened line does
        not mark: it ends where repeated text starts, skipping words that repeat subjects."""
        p = loc.word
        limit = min(self.m.stop(loc.message), p + _AFTER_ATTRIBUTION)
        start: int | None = None
        fallback: int | None = None
        run_source = -1
        run = 0
        while p < limit:
            if not self.w.repeats(p) or self.w.first[p] in self.subject_words:
                run = 0
                p += 1
                continue
            source = self.line_message[self.w.line_of(self.w.first[p])]
            if start is None:
                start = p
                fallback = source
            sequential = run > 0 and self.w.first[p] == self.w.first[p - 1] + 1
            run = run + 1 if sequential and source == run_source else 1
            run_source = source
            if run >= _RUN_SHINGLES:
                return (source if 0 <= source < loc.message else None), start
            p += 1
        if start is None:
            return None, p
        return (fallback if fallback is not None and 0 <= fallback < loc.message else None), start

    def attribution(self, loc: _Located, *, points: bool = True) -> DumpAttribution:
        """The attribution as evidence; `points`: it may name the message it quotes (not in
        a message that a subject line heads)."""
        f = loc.found
        i = loc.message
        body = self.bodies[i]
        quoted, body_start = self._quoted(loc)
        subject = " ".join(f.subject.split())
        end = f.end
        if f.subject_start is not None:
            end = body.find("\n", f.subject_start)
            end = len(body) if end < 0 else end
            if body_start < self.m.stop(i):
                end = min(end, self.m.offset(i, body_start))
            end = min(end, f.subject_start + _SUBJECT_VALUE_CHARS)
            subject = " ".join(body[f.subject_start : end].split()).strip(" *")
            self.subject_words.update(range(loc.word, body_start))
        # The printed attribution is read as the segmenting stage reads it (once per distinct
        # text: `parse_attribution` is memoised, so a run of one attribution is one parse).
        printed = parse_attribution(body[f.start : end])
        name, address = self._author_of(f, printed)
        when = _when_of(printed, f.date_text)
        return DumpAttribution(
            kind=f.kind,
            text=" ".join(body[f.start : f.end].split()),
            name=name,
            address=address,
            date_text=" ".join(f.date_text.split()).strip(" *"),
            local_time=when.local,
            date=when.aware,
            subject=subject,
            line=loc.line + 1,
            quoted_index=quoted if points else None,
            forward=f.forward,
        )

    def _author_of(self, f: _Found, printed: Attribution | None) -> tuple[str, str]:
        """The author an attribution names: a list sender replaced by the Reply-To, `via list`
        removed, and the roster's spelling where the roster names them."""
        roster = self.participants
        who = _who_of(f, printed)
        if f.kind is AttributionKind.HEADER_BLOCK and f.reply_to:
            reply = _parse_who(f.reply_to)
            sender_is_list = bool(who.via) or who.address.casefold() in self.list_addresses
            if sender_is_list or (
                _resolve(who.name, roster) is None and _resolve(reply.name, roster) is not None
            ):
                who = reply
        name = who.name
        if f.kind is AttributionKind.WROTE and not f.date_text:
            name = _best_suffix(name, roster)
        address = "" if who.via or who.address.casefold() in self.list_addresses else who.address
        return _resolve(name, roster) or name, address

    # -- what a message quotes -----------------------------------------------------------------

    def quotes(self, i: int, locs: list[_Located], atts: list[DumpAttribution]) -> int | None:
        """The message this one quotes: what the attribution on its main line introduces, else
        the source of its first long run of repeated words."""
        main = self.m.main_line(i)
        for loc, att in zip(locs, atts, strict=True):
            if loc.line == main and not att.forward:
                if att.quoted_index is not None:
                    return att.quoted_index
                break
        if i == 0:
            return None  # nothing earlier to quote
        run = 0
        covered, first = self.w.covered, self.w.first
        # First occurrences already found to name no earlier message: a shingle repeated all
        # through the message is checked once, not once per run.
        useless: set[int] = set()
        for q in range(self.w.line_words(self.m.spans[i][0]).start, self.m.stop(i)):
            run = run + 1 if covered[q] else 0
            if run < _QUOTE_RUN:
                continue
            for p in range(q - run + 1, q + 1):
                if p >= len(first) or first[p] in useless or not self.w.repeats(p):
                    continue
                if first[p] not in self.subject_words:
                    src = self.line_message[self.w.line_of(first[p])]
                    if 0 <= src < i:
                        return src
                useless.add(first[p])
            run = 0
        return None
