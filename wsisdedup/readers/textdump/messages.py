"""The dump cut into messages: each message's lines and body, and the maps between offsets in a
body, lines of the dump and words of the stream.

The split (`split.py`) gives a `_Layout`; inference (`quoting.py`, `authors.py`, `infer.py`)
reads it through `_Messages`, which places what a body search finds back in the dump.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from array import array
from collections.abc import Sequence

import attrs

from wsisdedup.readers.textdump.words import _Words


@attrs.frozen(kw_only=True)
class _Layout:
    spans: tuple[tuple[int, int], ...]
    """Per message: [first line, last line + 1)."""
    subject_of: tuple[int | None, ...]
    """Per message: the subject line directly before it (it starts a thread), if any."""


class _Messages:
    """The messages of a split dump: bodies, rosters, and positions between bodies, lines and
    words (attributions are found in bodies, repetition is known per word)."""

    def __init__(self, lines: Sequence[str], words: _Words, layout: _Layout) -> None:
        self.lines = lines
        self.w = words
        self.spans = layout.spans
        self.subject_of = layout.subject_of
        self.count = len(layout.spans)
        # The message of each line (-1: none), in the narrowest type that holds the count.
        code = "b" if self.count < 2**7 else "h" if self.count < 2**15 else "i"
        self.line_message: array[int] = array(code, [-1]) * len(lines)
        # Where each line starts in the dump's text: bodies are slices of that text and
        # positions in a body are positions in it (no per-message copy of the line list, which
        # costs 8 bytes a line). The text itself is dropped once the bodies are cut: they
        # hold its message lines, and a second copy was 2x the dump at the reader's peak.
        text = "\n".join(lines)
        self.line_starts: array[int] = array(
            "i" if len(text) < 2**31 - 1 else "q",
            itertools.accumulate(
                map(operator.add, map(len, lines), itertools.repeat(1)), initial=0
            ),
        )
        self.bodies: list[str] = []
        for i, (a, b) in enumerate(layout.spans):
            self.bodies.append(text[self.line_starts[a] : self.line_starts[b] - 1])
            self.line_message[a:b] = array(code, [i]) * (b - a)
        del text
        self.participants = tuple(name for _, names in words.rosters for name in names)
        self.roster_of = [self._roster(a) for a, _ in layout.spans]

    def _roster(self, first_line: int) -> tuple[str, ...]:
        """A message's roster: the first one after it (a page lists its participants at the
        end), else the last one before it."""
        after = [names for line, names in self.w.rosters if line >= first_line]
        before = [names for line, names in self.w.rosters if line < first_line]
        return after[0] if after else before[-1] if before else ()

    def line_start(self, i: int, line: int) -> int:
        """Where `line` starts in message i's body."""
        return self.line_starts[line] - self.line_starts[self.spans[i][0]]

    def line_col(self, i: int, offset: int) -> tuple[int, int]:
        a, b = self.spans[i]
        at = self.line_starts[a] + offset
        k = bisect.bisect_right(self.line_starts, at, a, b) - 1
        return k, at - self.line_starts[k]

    def offset(self, i: int, p: int) -> int:
        """The offset in message i's body of word p."""
        line = self.w.line_of(p)
        return self.line_start(i, line) + self.w.word_start(p, line)

    def word_at(self, line: int, column: int) -> int:
        """The first word of the stream at or after `column` of `line` (else the first word of
        a later line: the line's words end where the next line's begin)."""
        words = self.w.line_words(line)
        if not words:
            return words.start
        return words.start + bisect.bisect_left(self.w.offsets(line), column)

    def stop(self, i: int) -> int:
        """The end of message i's words in the stream."""
        return self.w.line_words(self.spans[i][1] - 1).stop

    def main_line(self, i: int) -> int:
        """The message's first line with words: its flattened body."""
        a, b = self.spans[i]
        first = self.w.line_first[a]
        # The line of the message's first word, if it has one (no scan over its lines).
        return self.w.line_of(first) if first < self.w.line_first[b] else a
