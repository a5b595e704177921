"""Step 1: the word stream of a dump, its shingles and what each word repeats."""

from __future__ import annotations

import itertools
import operator
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

import attrs

from wsisdedup.readers.textdump.prepass import _Prepass, _Role
from wsisdedup.text.normalise import canonical

# Shingle width in words. Four-word phrases recur by chance in one list ("thank you for the");
# five-word ones seldom do, and a quoted line shorter than five words is still matched through
# the shingles it shares with its neighbours (the word stream runs across lines).
_K: Final = 5
# A line "starts seen" when this share of its first `_HEAD_WORDS` words is covered: one chance
# five-word match in a new message's first twelve words covers 5/12 < 0.6.
_HEAD_WORDS: Final = 12
_HEAD_SHARE: Final = 0.6


# Links, addresses and `[domain]` labels carry no evidence of repetition: one link is written
# as itself, as a rewritten (urldefense) link, cut short, or labelled, in different copies (the
# canonical form already reduces links to their hosts; this also covers what it leaves). Each
# pattern runs only on texts holding its mark, and starts only where its mark can start.
_NOT_WORDS: Final = (
    ("<", re.compile(r"<[^<>\s]{1,2000}>")),
    ("://", re.compile(r"(?<!\S)\S{0,20}://\S{0,2000}")),
    ("mailto:", re.compile(r"mailto:\S{0,500}")),
    ("www.", re.compile(r"www\.\S{0,2000}")),
    ("@", re.compile(r"(?<!\S)[^\s@]{0,64}@\S{0,255}")),
    ("[", re.compile(r"\[[\w-]{1,63}\.[\w.-]{1,200}\]")),
)
_WORD = re.compile(r"[^\W_]+")


@attrs.frozen(kw_only=True)
class _Words:
    """The word stream of the dump and what each word repeats."""

    roles: bytearray
    """The prepass's roles, which the split updates (`_Prepass.roles`)."""
    subjects: tuple[int, ...]
    """The prepass's subject lines."""
    rosters: tuple[tuple[int, tuple[str, ...]], ...]
    # Per line and per word, compact arrays, not lists of ints: a dump of short lines holds as
    # many entries as bytes, and a list entry with its int costs 36 bytes (memory <= 20x input).
    line_first: array[int]
    """Index of each line's first word in the stream (its end is the next line's first; one
    more entry, the stream's length, ends the last line)."""
    word_line: array[int]
    lines: tuple[str, ...]
    ids: array[int]
    first: array[int]
    """For each shingle start p: where that shingle first occurred (p itself if new)."""
    covered: bytearray
    head_seen: bytearray
    """Per line: its first words are covered (1) or not (0)."""

    _offsets: dict[str, tuple[int, ...]] = attrs.field(factory=dict, eq=False, repr=False)
    """Word offsets by line text: a dump repeats lines (quoted tails, runs of one attribution),
    and a canonical form per repeat was most of the reader's time on runs of attributions."""

    def word_start(self, p: int) -> int:
        """Where word p starts in its line (original text)."""
        line = self.word_line[p]
        text = self.lines[line]
        offsets = self._offsets.get(text)
        if offsets is None:
            offsets = self._offsets[text] = _line_offsets(text)
        return offsets[p - self.line_first[line]]

    def line_words(self, line: int) -> range:
        return range(self.line_first[line], self.line_first[line + 1])

    def coverage(self, line: int) -> float:
        """The share of the line's words that are covered."""
        start, end = self.line_first[line], self.line_first[line + 1]
        return sum(self.covered[start:end]) / (end - start) if end > start else 0.0

    def repeats(self, p: int) -> bool:
        """The shingle starting at word `p` occurred entirely before p's line."""
        if p + _K > len(self.ids):
            return False
        return self.first[p] + _K <= self.line_first[self.word_line[p]]


def _words_text(line: str) -> str:
    """A line's canonical text with addresses (and any link the canonical form kept) blanked
    out, keeping lengths so that canonical offsets hold."""
    text = canonical(line).text
    for mark, pattern in _NOT_WORDS:
        if mark in text:
            text = pattern.sub(_blank, text)
    return text


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group())


def _canonical_words(line: str) -> Iterator[str]:
    """The words of a line's canonical text, outside addresses, one at a time (a flattened
    line of short tokens held as a list of strings costs ~20x its size).

    A line of ASCII letters, digits and blanks alone has nothing for the canonical form to
    unwrap, mark or fold but its case and its blanks: its words are its own, lower-cased. That
    spares a canonical form a line (~30 µs, most of the reader's time on a dump of short
    distinct lines: 0.3 MB/s against issue 11's 1 MB/s).
    """
    if _PLAIN_LINE.fullmatch(line):
        return map(_GROUP, _BLANKS_APART.finditer(line.lower()))
    return map(_GROUP, _WORD.finditer(_words_text(line)))


_GROUP: Final = operator.methodcaller("group")
# A plain line's words: what `str.split()` gives on a line whose only blanks are spaces and tabs.
_BLANKS_APART: Final = re.compile(r"[^ \t]+")


class _Vocabulary(dict[str, int]):
    """Word -> id, numbered in order of first sight; a new word gets the next id on look-up
    (so that a line's ids are an array built in C: `array("i", map(vocab.__getitem__, ...))`)."""

    def __missing__(self, word: str) -> int:
        self[word] = n = len(self)
        return n


# ASCII letters, digits, spaces and tabs (`_canonical_words`).
_PLAIN_LINE: Final = re.compile(r"[A-Za-z0-9 \t]*")


def _line_offsets(line: str) -> tuple[int, ...]:
    """Where each word of `_canonical_words(line)` starts in the line itself. Only lines with
    attributions need this, so it is computed on demand (the offset map is slow per word)."""
    offsets = canonical(line).offsets
    return tuple(offsets[m.start()] for m in _WORD.finditer(_words_text(line)))


def _index_words(lines: Sequence[str], pre: _Prepass) -> _Words:
    """The word stream of the dump's message lines, and what each word repeats."""
    vocab = _Vocabulary()
    ids = array("i")
    word_line = array("i")
    line_first = array("i")
    # The word ids of each distinct line, computed once: a dump repeats lines (quoted tails,
    # footers), and a run of one line must cost a dictionary look-up per line, not a canonical
    # form (linear time at well over 1 MB/s on hostile runs).
    line_ids: dict[str, array[int]] = {}
    roles = pre.roles
    for n, m in itertools.pairwise(_run_starts(lines)):
        # A run of one line is added at once (runs of blank or repeated lines), in pieces of
        # one role (a line a piece where roles mix: rare, a roster header repeated).
        if roles[n:m] == bytes(roles[n : n + 1]) * (m - n):
            pieces: Iterable[tuple[int, int]] = ((n, m),)
        else:
            pieces = zip(range(n, m), range(n + 1, m + 1), strict=True)
        line = lines[n]
        for a, b in pieces:
            if roles[a] != _Role.MESSAGE:
                line_first.extend(array("i", [len(ids)]) * (b - a))
                continue
            found = line_ids.get(line)
            if found is None:
                found = array("i")
                if line.strip():
                    found.extend(map(vocab.__getitem__, _canonical_words(line)))
                line_ids[line] = found
            k = len(found)
            if k == 0:
                line_first.extend(array("i", [len(ids)]) * (b - a))
            else:
                line_first.extend(range(len(ids), len(ids) + k * (b - a), k))
                ids.extend(found * (b - a))
                word_line.extend(
                    itertools.chain.from_iterable(
                        map(itertools.repeat, range(a, b), itertools.repeat(k))
                    )
                )
    del line_ids, vocab
    line_first.append(len(ids))
    first = _first_occurrences(ids)
    covered = _covered(first, line_first, word_line)
    head_seen = _head_seen(covered, line_first)
    return _Words(
        roles=pre.roles,
        subjects=pre.subjects,
        rosters=pre.rosters,
        line_first=line_first,
        word_line=word_line,
        lines=tuple(lines),
        ids=ids,
        first=first,
        covered=covered,
        head_seen=head_seen,
    )


def _run_starts(lines: Sequence[str]) -> array[int]:
    """Where each run of one line starts, then the number of lines: found in C (a Python step
    a line was the cost of runs of one line)."""
    changes = itertools.compress(
        itertools.count(1), map(operator.ne, lines, itertools.islice(lines, 1, None))
    )
    return array("i", itertools.chain((0,) if lines else (), changes, (len(lines),)))


# The steps below run over every word of the dump: they iterate in C (map, accumulate, compress
# over arrays) wherever they can, so that runs of short lines read at more than 1 MB/s.


def _first_occurrences(ids: array[int]) -> array[int]:
    """For each shingle start p, where that shingle first occurred (p itself if new)."""
    count = max(0, len(ids) - _K + 1)
    width = ids.itemsize
    # Shingles are slices of the ids' bytes (no copy of the stream per offset).
    raw = ids.tobytes()
    keys = map(
        raw.__getitem__,
        map(slice, range(0, count * width, width), itertools.count(_K * width, width)),
    )
    seen: dict[int, int] = {}
    return array("i", map(seen.setdefault, map(hash, keys), range(count)))


def _covered(first: array[int], line_first: array[int], word_line: array[int]) -> bytearray:
    """Per word: some shingle over it occurred entirely before the word's line."""
    count = len(first)
    total = len(word_line)
    own_start = array("i", map(line_first.__getitem__, word_line[:count]))
    # Where the earlier occurrence ends before p's line (then it is before p: a repeat), the
    # shingle at p covers words p to p + K - 1.
    before_line = bytearray(
        map(operator.ge, own_start, map(operator.add, first, itertools.repeat(_K)))
    )
    del own_start
    # Those words at once: the flags, one byte a word, OR-ed with themselves shifted by 1 to
    # K - 1 bytes (as one integer: no Python step per word).
    flags = int.from_bytes(before_line, "little")
    spread = flags
    for shift in range(1, _K):
        spread |= flags << (8 * shift)
    covered = bytearray(spread.to_bytes(total, "little"))
    del flags, spread
    # A repeat whose earlier occurrence runs into p's own line covers from the first word of
    # the shingle after that occurrence's end, if any, to p + K - 1.
    repeated = map(operator.lt, first, range(count))
    for p in itertools.compress(range(count), map(operator.gt, repeated, before_line)):
        limit = first[p] + _K
        end = p + _K
        q = p + 1
        while q < end and line_first[word_line[q]] < limit:
            q += 1
        if q < end:
            covered[q:end] = b"\x01" * (end - q)
    return covered


def _head_seen(covered: bytearray, line_first: array[int]) -> bytearray:
    """Per line: at least `_HEAD_SHARE` of its first `_HEAD_WORDS` words are covered.

    Computed over whole arrays in C (a Python step a line was ~0.1 s/MB on runs of short
    lines)."""
    before = array("i", itertools.accumulate(covered, initial=0))
    # Each line's head: its first `_HEAD_WORDS` words (all of them on a shorter line); read
    # three times in step (no array a line).
    lengths = map(operator.sub, itertools.islice(line_first, 1, None), line_first)
    heads = itertools.tee(map(min, lengths, itertools.repeat(_HEAD_WORDS)), 3)
    head_covered = map(
        operator.sub,
        map(before.__getitem__, map(operator.add, line_first, heads[0])),
        map(before.__getitem__, line_first),
    )
    share = map(operator.mul, heads[1], itertools.repeat(_HEAD_SHARE))
    # A line without words is never seen.
    return bytearray(map(operator.and_, map(operator.ge, head_covered, share), map(bool, heads[2])))
