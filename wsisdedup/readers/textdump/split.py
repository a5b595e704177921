"""Plain-text dumps of archive pages (`format="text-dump"`): messages, authors and dates.

A dump is the text of web archive pages (HyperKitty threads) copied as they show: no headers;
a subject line heading each thread; each message's body flattened onto one line, ending with an
attribution ("... On Thu, Jun 5, 2025 at 10:22 AM Ann via list <list@host> wrote:") when the
message quotes; then the quoted tail, line by line and without `>` markers; a `participants (N)`
roster at the end. Some threads have no subject line, some bodies carry their quote inline
(Outlook blocks flattened into the body), and quoted tails end with the list footer.

**Splitting.** What tells a quoted tail from the next message is repetition: a tail repeats text
that an earlier line of the dump already holds, the start of a new message does not. Each line
is reduced to the words of its canonical text (`wsisdedup.text.normalise.canonical`, which sees
through quote markers, stars, rewritten and labelled links; addresses are dropped), the words of
the whole dump form one stream, and every 5-word shingle remembers where it first occurred. A
word is *covered* when a shingle over it occurred entirely in earlier lines. A line whose first
words are covered continues the current message; a line whose first words are new starts one.
Structure overrides that where it must: a line with words of its own that ends with an
attribution always starts a message (a flattened body announcing its tail); the first line
after an attribution is always quoted, even when its source is not in the dump; list footers
(learnt from their repetition after a rule line) stay in the tail; a lower-case line continuing
a short unfinished line continues it; own text between quotes stays when the quoting resumes
where it stopped; a short unpunctuated line followed by a thread starter is a subject line; any
other line no longer than mail-wrap width is a quoted line of the current message (header-block
fields, lone names, link or encoding debris never start a message).

Each step is a module (see the package docstring); this one runs them in order and holds the
split itself (`_Splitter`). Authors, dates and groups: `wsisdedup.readers.textdump.infer`.
"""

from __future__ import annotations

import logging
import operator
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, count, islice, tee
from itertools import repeat as _repeat
from typing import Final

from wsisdedup.model import ParsedMessage
from wsisdedup.readers.textdump.attributions import (
    _find_attributions,
    _Found,
    _line_attribution_end,
)
from wsisdedup.readers.textdump.evidence import (
    AttributionKind,
    AuthorClue,
    ClueKind,
    DumpAttribution,
    MessageEvidence,
    TextDump,
)
from wsisdedup.readers.textdump.infer import _infer
from wsisdedup.readers.textdump.messages import _Layout
from wsisdedup.readers.textdump.prepass import _RULE_START, _prepass, _Role
from wsisdedup.readers.textdump.words import _index_words, _Words
from wsisdedup.segment.footers import footer_spans
from wsisdedup.text.subject import split_subject

__all__ = [
    "AttributionKind",
    "AuthorClue",
    "ClueKind",
    "DumpAttribution",
    "MessageEvidence",
    "TextDump",
    "dump_evidence",
    "parse_text_dump",
    "read_text_dump",
]

log = logging.getLogger(__name__)

# Tunables of the split. Each says why it has the value it has.

# A whole line repeated as a line is a second copy of a message only when it is this long
# (shorter ones are one-paragraph quotes).
_DUPLICATE_WORDS: Final = 15
# Subject lines are short.
_SUBJECT_CHARS: Final = 150
_SUBJECT_WORDS: Final = 20
# A thread starter may repeat much (daily reports repeat yesterday's), but one that repeats this
# share of its words after an attribution quotes: it is a reply.
_STARTER_COVERAGE: Final = 0.2
# A quoted tail whose source is not in the dump ("orphan") keeps its lines while they look like
# wrapped mail text; a longer new line is a flattened body, hence a new message.
_ORPHAN_LINE_CHARS: Final = 100
# Mail clients wrap lines at 72 to 78 characters: a line of a quoted tail no longer than this is
# a quoted line; a flattened body that starts a message is longer (or ends with an attribution).
_WRAP_CHARS: Final = 80
# Footer lines follow a rule line within this many lines.
_FOOTER_SPAN: Final = 6


def read_text_dump(lines: Iterable[str], *, path: str) -> Iterator[ParsedMessage]:
    """Yield the messages of a plain-text archive dump in dump order.

    `lines` are the dump's lines (with or without their line ends). The whole dump is read
    before the first message is yielded: a message's author is named by the messages after it.
    """
    yield from parse_text_dump(lines, path=path).messages


def dump_evidence(lines: Iterable[str], *, path: str) -> tuple[MessageEvidence, ...]:
    """For each message of the dump: its attributions, what it quotes, its group, its clues."""
    return parse_text_dump(lines, path=path).evidence


def parse_text_dump(lines: Iterable[str], *, path: str) -> TextDump:
    """Read a dump: messages with authors, dates and subjects, and the evidence behind them."""
    # Line ends removed in C (a Python call a line is much of the cost on runs of short lines).
    stripped = map(str.removesuffix, map(str.removesuffix, lines, _repeat("\n")), _repeat("\r"))
    # Equal lines share one string: a line read is a new string of ~50 bytes plus its text,
    # which made a run of one short line cost 15 times its size before any analysis.
    shared: dict[str, str] = {}
    text_lines = tuple(map(shared.setdefault, *tee(stripped)))
    del shared
    words = _index_words(text_lines, _prepass(text_lines))
    layout = _split(text_lines, words)
    return _infer(text_lines, words, layout, path)


# ---------------------------------------------------------------------------------------------
# Step 2: split the lines into messages
# ---------------------------------------------------------------------------------------------


class _Splitter:
    """The single pass that assigns each line to a message, a subject, or the roster.

    Longer than the ~150 lines a class should be: each test below reads the state the pass
    has built so far (lines turned into subjects, the message of each earlier line, the main
    lines seen), so they are methods of the pass, not functions handed that state."""

    def __init__(self, lines: Sequence[str], words: _Words) -> None:
        self.lines = lines
        self.w = words
        # The split turns lines into subjects (and back) in the dump's one roles list.
        self.roles = words.roles
        self.ends = _attribution_ends(lines)
        self.footer_like = _footer_lines(lines, words)
        self.spans: list[list[int]] = []
        self.subject_of: list[int | None] = []
        self.main_keys: set[int] = set()
        self.line_message = array("i", [-1]) * len(lines)

    def run(self) -> _Layout:
        """Assign each line. Long because every test per line reads and updates the pass's
        local state (current message, tail, orphan, pending lines and subject): helpers would
        hand it back and forth on every line, the cost on runs of short lines."""
        current: list[int] | None = None
        tail = orphan = False
        after_attribution = False
        pending_subject: int | None = None
        pending = array("i")
        # Looked up once: the loop runs per line, and runs of short lines make it the cost.
        line_first, head_seen, ends = self.w.line_first, self.w.head_seen, self.ends
        line_message, spans, lines = self.line_message, self.spans, self.lines
        # Message lines without words (blank lines, rules, lines of symbols) are no evidence
        # either way: they join the message before them, or wait for the next one. The loop
        # visits only the other lines (found in C) and adds each run of those between visits
        # at once: a Python step a line was most of the cost on runs of such lines.
        has_words = map(operator.ne, line_first, islice(line_first, 1, None))
        visit = compress(count(), map(operator.or_, bytes(self.roles), has_words))
        after = 0  # the line after the last one visited
        for n in visit:
            if n > after:
                if current is None:
                    pending.extend(range(after, n))
                else:
                    current[1] = n
            after = n + 1
            line = lines[n]
            role = self.roles[n]
            if role != _Role.MESSAGE:
                if pending_subject is not None:
                    self._subject_as_message(pending_subject, n)
                    pending_subject = None
                    pending = array("i")
                current = None
                tail = orphan = after_attribution = False
                if role == _Role.SUBJECT:
                    pending_subject = n
                continue
            start_new = False
            if current is None or (n in ends and self._has_own_attribution(n)):
                # A flattened body ending with its attribution starts a message even where its
                # words were seen before (a reply elsewhere in the dump may have quoted it).
                start_new = True
            elif head_seen[n]:
                if (
                    not after_attribution
                    and line_first[n + 1] - line_first[n] >= _DUPLICATE_WORDS
                    and self._repeats_a_message(n)
                ):
                    start_new = True
                else:
                    tail = True
            elif after_attribution:
                # The first line after an attribution is quoted, even if its source is missing.
                orphan = True
            elif self._wraps(n) or (
                tail
                and (
                    n in self.footer_like
                    or (orphan and len(line) <= _ORPHAN_LINE_CHARS)
                    or self._resumes(n)
                )
            ):
                pass
            elif self._is_subject(n, in_tail=True):
                self.roles[n] = _Role.SUBJECT
                pending_subject = n
                current = None
                tail = orphan = after_attribution = False
                continue
            elif len(line.rstrip()) <= _WRAP_CHARS:
                # What follows a message's flattened line is its quoted tail: a line of
                # mail-wrap width there is a quoted line (a header block's field, a lone name,
                # link or encoding debris, a line whose markers the page stripped), never a
                # flattened body.
                pass
            else:
                start_new = True
            if start_new:
                current = self._open(n, pending, pending_subject)
                pending_subject = None
                pending = array("i")
                tail = orphan = False
            else:
                assert current is not None
                current[1] = n + 1
            line_message[n] = len(spans) - 1
            after_attribution = n in ends
            if after_attribution:
                tail = True
        if after < len(lines) and current is not None:
            current[1] = len(lines)
        if pending_subject is not None:
            self._subject_as_message(pending_subject, len(self.lines))
        return _Layout(
            spans=tuple((a, b) for a, b in self.spans),
            subject_of=tuple(self.subject_of),
        )

    def _open(self, n: int, pending: array[int], subject: int | None) -> list[int]:
        """Start a message at line n, with the blank lines pending before it and the subject
        line that heads it; remember its main line, whose second copy is a new message."""
        first = pending[0] if pending else n
        current = [first, n + 1]
        self.spans.append(current)
        self.subject_of.append(subject)
        for k in pending:
            self.line_message[k] = len(self.spans) - 1
        key = self._line_key(n)
        if key is not None:
            self.main_keys.add(key)
        return current

    def _subject_as_message(self, subject: int, end: int) -> None:
        """A "subject" that no message follows was a message: lines [subject, end)."""
        self.roles[subject] = _Role.MESSAGE
        self.spans.append([subject, end])
        self.subject_of.append(None)
        self.line_message[subject:end] = array("i", [len(self.spans) - 1]) * (end - subject)

    def _wraps(self, n: int) -> bool:
        """The line continues a wrapped sentence: it starts in lower case right after a short
        (not flattened) line of the same message that does not end a sentence."""
        first = self.lines[n].lstrip()[:1]
        if not first.islower():
            return False
        p = n - 1
        while p >= 0 and self.roles[p] == _Role.MESSAGE and not self.lines[p].strip():
            p -= 1
        if p < 0 or self.roles[p] != _Role.MESSAGE or self.line_message[p] < 0:
            return False
        prev = self.lines[p].rstrip()
        return len(prev) <= _ORPHAN_LINE_CHARS and not prev.endswith((".", "!", "?", ":"))

    def _has_own_attribution(self, n: int) -> bool:
        """The line ends with an attribution and has words of its own before it."""
        f = self.ends.get(n)
        if f is None:
            return False
        words = self.w.line_words(n)
        return bool(words) and self.w.word_start(words.start) < f.start

    def _line_key(self, n: int) -> int | None:
        words = self.w.line_words(n)
        if len(words) < _DUPLICATE_WORDS:
            return None
        return hash(self.w.ids[words.start : words.stop].tobytes())

    def _repeats_a_message(self, n: int) -> bool:
        """The whole line equals an earlier message's flattened body: a second copy."""
        key = self._line_key(n)
        return key is not None and key in self.main_keys

    def _resumes(self, n: int) -> bool:
        """Own text between two quotes of one message: the next quoted line continues, in the
        quoted message, after the point where the previous quoted line stopped."""
        before = self._last_source(n)
        if before is None:
            return False
        nxt = n + 1
        while (
            nxt < len(self.lines)
            and self.roles[nxt] == _Role.MESSAGE
            and not self.w.line_words(nxt)
        ):
            nxt += 1
        if nxt >= len(self.lines) or self.roles[nxt] != _Role.MESSAGE:
            return False
        if not self.w.head_seen[nxt]:
            return False
        after = self._first_source(nxt)
        if after is None:
            return False
        same = self._message_at(before) == self._message_at(after) != -1
        return same and after > before

    def _last_source(self, n: int) -> int | None:
        for m in range(n - 1, -1, -1):
            if self.roles[m] != _Role.MESSAGE:
                return None
            for p in reversed(self.w.line_words(m)):
                if self.w.repeats(p):
                    return self.w.first[p]
            if self.w.line_words(m):
                return None
        return None

    def _first_source(self, n: int) -> int | None:
        for p in self.w.line_words(n):
            if self.w.repeats(p):
                return self.w.first[p]
        return None

    def _message_at(self, p: int) -> int:
        return self.line_message[self.w.line_of(p)]

    def _is_subject(self, n: int, *, in_tail: bool = False) -> bool:
        """A short, unpunctuated new line followed by a thread starter: a new line that quotes
        nothing in the dump, inline or in a tail. Inside a quoted tail, where short lines are
        quoted lines, the starter must be one that may start a message there: longer than
        mail-wrap width, or ending with its own attribution."""
        line = self.lines[n].strip()
        words = self.w.line_words(n)
        if len(line) > _SUBJECT_CHARS or len(words) > _SUBJECT_WORDS:
            return False
        if line.endswith((".", ",", ";", ":", "!")) or n in self.ends:
            return False
        nxt = n + 1
        while (
            nxt < len(self.lines)
            and self.roles[nxt] == _Role.MESSAGE
            and not self.lines[nxt].strip()
        ):
            nxt += 1
        if nxt >= len(self.lines) or self.roles[nxt] != _Role.MESSAGE:
            return False
        if self.w.head_seen[nxt] or self.lines[nxt].lstrip()[:1].islower():
            # Seen text is quoted; a lower-case start continues this line's sentence.
            return False
        if (
            in_tail
            and len(self.lines[nxt].rstrip()) <= _WRAP_CHARS
            and not self._has_own_attribution(nxt)
        ):
            return False
        if (
            self.w.coverage(nxt) >= _STARTER_COVERAGE
            and _find_attributions(self.lines[nxt])
            and not split_subject(line).forward
        ):
            # It quotes inline ("... From: ... Subject: ..." or "On ... wrote:" then repeated
            # text): a reply, so the short line before it is a reply too. Unless the line is a
            # forward's subject ("Fwd:", "WG:", ...): a forward carries its message inline.
            return False
        after = nxt + 1
        while (
            after < len(self.lines)
            and self.roles[after] == _Role.MESSAGE
            and not self.w.line_words(after)
        ):
            after += 1
        # A starter has no quoted tail; a reply whose quote is not in the dump may start a
        # thread too (its parent was archived elsewhere), but one that quotes the dump may not.
        return not (
            after < len(self.lines)
            and self.roles[after] == _Role.MESSAGE
            and self.w.head_seen[after]
        )


def _attribution_ends(lines: Sequence[str]) -> dict[int, _Found]:
    """The lines that end with an attribution, and that attribution.

    Every attribution pattern ends with a colon (`wrote:`, `From:`, `<addr>:`): only lines
    holding one are read, each distinct line once, and the lines are picked in C (a Python step
    a line was most of the cost on runs of short lines)."""
    colon = map(operator.contains, lines, _repeat(":"))
    if any(map(operator.contains, lines, _repeat("："))):
        colon = map(operator.or_, colon, map(operator.contains, lines, _repeat("：")))
    seen: dict[str, _Found | None] = dict.fromkeys(compress(lines, colon))
    for line in seen:
        seen[line] = _line_attribution_end(line)
    found = {line: f for line, f in seen.items() if f is not None}
    if not found:
        return {}
    # Lines without one are not in `found`: `get` gives None for them.
    return {n: found[lines[n]] for n in compress(count(), map(found.get, lines))}


# The shortest rule line (`_RULE_START`: eight rule characters).
_RULE_MIN_CHARS: Final = 8
# Distinct blocks after rule lines whose footer spans `_footer_lines` remembers.
_FOOTER_BLOCKS_KEPT: Final = 4096


def _footer_lines(lines: Sequence[str], words: _Words) -> frozenset[int]:
    """Lines of list footers: text that follows a rule line identically in two or more places
    (each quoted tail ends with the footer the list added), or a known footer template."""
    after_rule: dict[int, list[int]] = {}
    # Rule lines, found once, the pattern run over the lines in C (a Python step a line was
    # most of the cost on runs of short lines).
    # (A rule is at least `_RULE_MIN_CHARS` long: shorter lines are not tried.)
    long_enough = compress(count(), map(operator.ge, map(len, lines), _repeat(_RULE_MIN_CHARS)))
    tried, picked = tee(long_enough)
    rules = list(compress(tried, map(_RULE_START.match, map(lines.__getitem__, picked))))
    is_rule = set(rules)
    for n in rules:
        for k in range(n, min(n + 1 + _FOOTER_SPAN, len(lines))):
            ws = words.line_words(k)
            if k > n and k in is_rule:
                break
            if ws:
                after_rule.setdefault(hash(words.ids[ws.start : ws.stop].tobytes()), []).append(k)
    out = {k for ks in after_rule.values() if len(ks) >= 2 for k in ks}
    # Footer spans by block text: a block repeated after each rule (a list's footer, a run of
    # forward markers) is read once. (Bounded: distinct blocks cost their own reading.)
    known: dict[str, tuple[tuple[int, int], ...]] = {}
    for n in rules:
        stop = min(n + 1 + _FOOTER_SPAN, len(lines))
        block = "\n".join(lines[n:stop])
        spans = known.get(block)
        if spans is None:
            if len(known) >= _FOOTER_BLOCKS_KEPT:
                known.clear()
            spans = known[block] = footer_spans(block)
        if not spans:
            continue
        starts = [0]
        for k in range(n, stop - 1):
            starts.append(starts[-1] + len(lines[k]) + 1)
        for a, b in spans:
            for k, s in enumerate(starts):
                if s < b and a < s + len(lines[n + k]):
                    out.add(n + k)
    return frozenset(out)


def _split(lines: Sequence[str], words: _Words) -> _Layout:
    return _Splitter(lines, words).run()
