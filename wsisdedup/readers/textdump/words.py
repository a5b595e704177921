"""Step 1: the word stream of a dump, its shingles and what each word repeats."""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from array import array
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Final

import attrs

from wsisdedup.readers.textdump.prepass import _Prepass, _Role
from wsisdedup.text.normalise import canonical

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

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
    lines: tuple[str, ...]
    ids: array[int]
    """Per word: its hash (`_LineWords`), compared for equality only."""
    first: array[int]
    """For each shingle start p: where that shingle first occurred (p itself if new)."""
    covered: bytearray
    head_seen: bytearray
    """Per line: its first words are covered (1) or not (0)."""

    _offsets: dict[str, tuple[int, ...]] = attrs.field(factory=dict, eq=False, repr=False)
    """Word offsets by line text: a dump repeats lines (quoted tails, runs of one attribution),
    and a canonical form per repeat was most of the reader's time on runs of attributions."""
    _last_lines: list[int] = attrs.field(factory=lambda: [0, 0], eq=False, repr=False)
    """The two lines `line_of` found last, the latest first."""

    def line_of(self, p: int) -> int:
        """The line of word p, found in `line_first` (an array of the line of each word cost
        4 bytes a word). Callers walk the stream in order, often two places of it in step (a
        quote and its source), so the two lines found last are tried first."""
        last = self._last_lines
        starts = self.line_first
        for line in last:
            if starts[line] <= p < starts[line + 1]:
                return line
        line = bisect.bisect_right(starts, p) - 1
        last[1], last[0] = last[0], line
        return line

    def word_start(self, p: int, line: int | None = None) -> int:
        """Where word p starts in its line (original text); `line` if the caller knows it."""
        if line is None:
            line = self.line_of(p)
        return self.offsets(line)[p - self.line_first[line]]

    def offsets(self, line: int) -> tuple[int, ...]:
        """Where each word of the line starts in it (ascending)."""
        text = self.lines[line]
        offsets = self._offsets.get(text)
        if offsets is None:
            offsets = self._offsets[text] = _line_offsets(text)
        return offsets

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
        return self.first[p] + _K <= self.line_first[self.line_of(p)]


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
        return _plain_words(line)
    return map(_GROUP, _WORD.finditer(_words_text(line)))


def _plain_words(line: str) -> Iterator[str]:
    """The words of a plain line (`_PLAIN_LINE`): its pieces between blanks, lower-cased.
    Split in C at once when the line is short; one at a time when it is long (a list of its
    words would cost ~50 bytes a word)."""
    if len(line) < _SPLIT_CHARS:
        return iter(line.lower().split())
    return map(_GROUP, _BLANKS_APART.finditer(line.lower()))


_GROUP: Final = operator.methodcaller("group")
# A plain line's words: what `str.split()` gives on a line whose only blanks are spaces and tabs.
_BLANKS_APART: Final = re.compile(r"[^ \t]+")
# A plain line shorter than this is split into a list of words at once (`_plain_words`).
_SPLIT_CHARS: Final = 1 << 12


# ASCII letters, digits, spaces and tabs (`_canonical_words`).
_PLAIN_LINE: Final = re.compile(r"[A-Za-z0-9 \t]*")


def _line_offsets(line: str) -> tuple[int, ...]:
    """Where each word of `_canonical_words(line)` starts in the line itself. Only lines with
    attributions need this, so it is computed on demand (the offset map is slow per word)."""
    offsets = canonical(line).offsets
    return tuple(offsets[m.start()] for m in _WORD.finditer(_words_text(line)))


def _index_words(lines: Sequence[str], pre: _Prepass) -> _Words:
    """The word stream of the dump's message lines, and what each word repeats."""
    ids = array("q")
    line_first = array("i")
    words_of = _LineWords()
    words: list[array[int]] = []
    is_message = map(operator.eq, pre.roles, itertools.repeat(_Role.MESSAGE))
    # Lines a chunk at a time, every step a map in C but the one call a run of equal lines
    # (`words_of`): a Python step a line was most of the reader's time on dumps of short
    # lines, and a list a line for the whole dump cost several times its size.
    for a in range(0, len(lines), _CHUNK_LINES):
        b = min(a + _CHUNK_LINES, len(lines))
        # A line that is no message's (a subject, a roster) holds no words: it is read as "".
        texts = list(map(operator.mul, lines[a:b], itertools.islice(is_message, b - a)))
        starts = _run_starts(texts)
        runs = list(map(operator.sub, itertools.islice(starts, 1, None), starts))
        words = list(map(words_of, map(texts.__getitem__, itertools.islice(starts, len(runs)))))
        del texts
        lengths = array(
            "i", itertools.chain.from_iterable(map(itertools.repeat, map(len, words), runs))
        )
        line_first.extend(itertools.islice(itertools.accumulate(lengths, initial=len(ids)), b - a))
        ids.extend(
            itertools.chain.from_iterable(
                itertools.chain.from_iterable(map(itertools.repeat, words, runs))
            )
        )
    del words
    line_first.append(len(ids))
    first = _first_occurrences(ids)
    covered = _covered(first, line_first)
    head_seen = _head_seen(covered, line_first)
    return _Words(
        roles=pre.roles,
        subjects=pre.subjects,
        rosters=pre.rosters,
        line_first=line_first,
        lines=tuple(lines),
        ids=ids,
        first=first,
        covered=covered,
        head_seen=head_seen,
    )


# Lines `_index_words` reads at once: its lists a line stay small next to the dump.
_CHUNK_LINES: Final = 1 << 12


class _LineWords:
    """The hashes of a message line's words (`_canonical_words`), as an array: equal words
    have equal hashes, and a chance collision among a dump's words is ~n²/2⁶⁴ (a vocabulary
    of word strings cost ~100 bytes a distinct word: 12x a dump of distinct short lines).

    A line of ASCII letters, digits and blanks (most lines) is split in C; any other line is
    put into canonical form (~30 µs), once per distinct line among the last few thousand (a
    dump repeats lines: quoted tails, footers, runs of one attribution). The memo is bounded:
    a dump of distinct lines would otherwise hold an array a line.
    """

    def __init__(self) -> None:
        self._memo: dict[str, array[int]] = {}

    def __call__(self, line: str) -> array[int]:
        if _PLAIN_LINE.fullmatch(line):
            return array("q", map(hash, _plain_words(line)))
        found = self._memo.get(line)
        if found is None:
            found = array("q", map(hash, _canonical_words(line)) if line.strip() else ())
            if len(self._memo) >= _MEMO_LINES:
                self._memo.clear()
            self._memo[line] = found
        return found


# Distinct lines that are not plain whose word hashes `_LineWords` keeps at once.
_MEMO_LINES: Final = 4096


def _run_starts(lines: Sequence[str]) -> array[int]:
    """Where each run of one line starts, then the number of lines: found in C (a Python step
    a line was the cost of runs of one line)."""
    changes = itertools.compress(
        itertools.count(1), map(operator.ne, lines, itertools.islice(lines, 1, None))
    )
    return array("i", itertools.chain((0,) if lines else (), changes, (len(lines),)))


# The steps below run over every word of the dump: numpy over whole arrays (a Python step a
# word, or a dictionary entry a shingle, was the reader's time and memory on dumps of short
# lines). numpy is imported on first use: most reads never see a dump.


def _first_occurrences(ids: array[int]) -> array[int]:
    """For each shingle start p, where that shingle first occurred (p itself if new).

    A shingle is keyed by a 64-bit mix of its words' hashes (a chance collision among the
    shingles of one dump is ~n²/2⁶⁴). The keys go, a block at a time, through a dictionary of
    the distinct keys seen so far: little memory where shingles repeat (a dump's quoted
    tails, runs of one line). Where most shingles are new (a dump of distinct short lines),
    an entry each (~100 bytes) would cost more than sorting them all: equal keys are then
    found by one stable sort (~20 bytes a shingle).
    """
    import numpy as np

    count = max(0, len(ids) - _K + 1)
    words = np.frombuffer(ids, dtype=np.uint64)
    seen: dict[int, int] = {}
    first = array("i")
    for a in range(0, count, _KEY_BLOCK):
        b = min(count, a + _KEY_BLOCK)
        first.extend(map(seen.setdefault, _keys(words, a, b).tolist(), range(a, b)))
        if len(seen) > count // 4 + _KEY_BLOCK:
            del seen, first
            return _first_by_sorting(_keys(words, 0, count))
    return first


# Shingles keyed at once by `_first_occurrences`.
_KEY_BLOCK: Final = 1 << 12


def _keys(words: npt.NDArray[np.uint64], start: int, stop: int) -> npt.NDArray[np.uint64]:
    """The keys of the shingles starting at words `start` to `stop` (uint64 arithmetic wraps)."""
    import numpy as np

    key = words[start:stop].copy()
    for j in range(1, _K):
        key *= np.uint64(_MIX)
        key ^= words[start + j : stop + j]
    return key


# An odd 64-bit multiplier (from the golden ratio): each step spreads the key's bits before
# the next word's hash is mixed in.
_MIX: Final = 0x9E3779B97F4A7C15


def _first_by_sorting(key: npt.NDArray[np.uint64]) -> array[int]:
    """`_first_occurrences` by a stable sort of the keys: the first of each run of equal keys
    in sorted order is where that key first occurred."""
    import numpy as np

    count = len(key)
    order = np.argsort(key, kind="stable").astype(np.int32)
    # Where each run of equal keys starts in sorted order, a block at a time (the sorted keys
    # whole would be one more array of eight bytes a shingle).
    new = np.ones(count, dtype=bool)
    for a in range(1, count, _KEY_BLOCK):
        ordered = key[order[a - 1 : a + _KEY_BLOCK]]
        np.not_equal(ordered[1:], ordered[:-1], out=new[a : a + _KEY_BLOCK])
    del key
    starts = np.flatnonzero(new)
    del new
    first = np.empty(count, dtype=np.int32)
    first[order] = np.repeat(order[starts], np.diff(starts, append=count))
    return array("i", first.tobytes())


def _covered(first: array[int], line_first: array[int]) -> bytearray:
    """Per word: some shingle over it occurred entirely before the word's line.

    Word w is covered by the shingle at p (p <= w < p + K) when an earlier occurrence of that
    shingle ends before w's line starts: `first[p] + K <= line start of w`. (A shingle seen
    first at p itself never covers: its own words start no earlier than w's line. One whose
    earlier occurrence runs into p's own line covers the words of the later lines alone.)
    """
    import numpy as np

    total = line_first[-1]
    count = len(first)
    covered = bytearray(total)
    if count == 0:
        return covered  # fewer words than a shingle: none is covered
    firsts = np.frombuffer(first, dtype=np.int32)
    starts = np.frombuffer(line_first, dtype=np.int32)
    # Words a block at a time (a few arrays a word, of a block, not of the dump).
    for a in range(0, total, _BLOCK):
        b = min(a + _BLOCK, total)
        words = np.arange(a, b, dtype=np.int32)
        line_start = starts[np.searchsorted(starts, words, side="right") - 1]
        block = np.zeros(b - a, dtype=bool)
        for shift in range(_K):
            # Word w and the shingle at w - shift, for the shingles that exist.
            lo, hi = max(a, shift), min(b, count + shift)
            if hi > lo:
                block[lo - a : hi - a] |= (
                    line_start[lo - a : hi - a] >= firsts[lo - shift : hi - shift] + _K
                )
        covered[a:b] = block.view(np.uint8).tobytes()
    return covered


# Words or lines that `_covered` and `_head_seen` read at once.
_BLOCK: Final = 1 << 12


def _head_seen(covered: bytearray, line_first: array[int]) -> bytearray:
    """Per line: at least `_HEAD_SHARE` of its first `_HEAD_WORDS` words are covered."""
    import numpy as np

    # The least number of covered words that makes the share of a head of h words.
    least = np.array(
        [min(c for c in range(h + 1) if c >= h * _HEAD_SHARE) for h in range(_HEAD_WORDS + 1)],
        dtype=np.int32,
    )
    least[0] = 1 << 30  # a line without words is never seen
    flags = np.frombuffer(covered, dtype=np.uint8)
    starts = np.frombuffer(line_first, dtype=np.int32)
    seen = bytearray()
    # Lines a block at a time (a few arrays a line, of a block, not of the dump: a dump of
    # blank lines has as many lines as half its bytes).
    for a in range(0, len(starts) - 1, _BLOCK):
        first = starts[a : a + _BLOCK + 1]
        # Each line's head: its first `_HEAD_WORDS` words (all of them on a shorter line),
        # counted from the covered flags of the words of these heads alone.
        heads = np.minimum(np.diff(first), _HEAD_WORDS)
        lo, hi = int(first[0]), int(first[-2] + heads[-1])
        before = np.zeros(hi - lo + 1, dtype=np.int32)
        np.cumsum(flags[lo:hi], out=before[1:])
        head_covered = before[first[:-1] - lo + heads] - before[first[:-1] - lo]
        seen += (head_covered >= least[heads]).view(np.uint8).tobytes()
    return seen
