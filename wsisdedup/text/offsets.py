"""The map from canonical text back to the original (`OffsetMap`), kept per line and per token.

`wsisdedup.text.normalise.canonical` builds it; it lives here so that the canonical form's
module keeps to its size, and it is re-exported there.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from itertools import repeat
from operator import add, sub
from typing import Any, overload

import attrs

from wsisdedup.runtime import pack_arrays, unpack_arrays

__all__ = ["OffsetMap", "Pieces", "offset_type"]


def offset_type(length: int) -> str:
    """The array type code for offsets into a text of `length` characters."""
    return "i" if length < 2**31 else "q"


class Pieces(Mapping[int, tuple[int, int]]):
    """Line -> `[lo, hi)` range of its pieces (`OffsetMap.pieces`), in three arrays rather than
    a dict of tuples: some 16 bytes a line with tokens instead of about 170. Lines are added in
    ascending order and looked up by bisection."""

    __slots__ = ("_his", "_lines", "_los")

    def __init__(self, kind: str) -> None:
        self._lines: array[int] = array(kind)
        self._los: array[int] = array(kind)
        self._his: array[int] = array(kind)

    def add(self, line: int, lo: int, hi: int) -> None:
        if self._lines and line <= self._lines[-1]:
            raise ValueError("lines must be added in ascending order")
        self._lines.append(line)
        self._los.append(lo)
        self._his.append(hi)

    def add_shifted(self, lo: int, hi: int, line_shift: int, piece_shift: int) -> None:
        """Add entries `lo..hi` again, for the lines `line_shift` further on whose pieces lie
        `piece_shift` further on (a block of text that repeats an earlier one)."""
        if lo == hi:
            return
        if self._lines and self._lines[lo] + line_shift <= self._lines[-1]:
            raise ValueError("lines must be added in ascending order")
        self._lines.extend(map(add, self._lines[lo:hi], repeat(line_shift)))
        self._los.extend(map(add, self._los[lo:hi], repeat(piece_shift)))
        self._his.extend(map(add, self._his[lo:hi], repeat(piece_shift)))

    def get(self, line: int, default: Any = None) -> Any:
        k = bisect_left(self._lines, line)
        if k < len(self._lines) and self._lines[k] == line:
            return self._los[k], self._his[k]
        return default

    def __getitem__(self, line: int) -> tuple[int, int]:
        found: tuple[int, int] | None = self.get(line)
        if found is None:
            raise KeyError(line)
        return found

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[int]:
        return iter(self._lines)

    def part(self, first: int, end: int) -> tuple[Pieces, int, int]:
        """The entries of lines `[first, end)`, renumbered from line `first` and from their
        first piece, with the range `[lo, hi)` of the pieces they cover (`OffsetMap.part`)."""
        a = bisect_left(self._lines, first)
        b = bisect_left(self._lines, end, a)
        lo, hi = (self._los[a], self._his[b - 1]) if b > a else (0, 0)
        part = Pieces(self._lines.typecode)
        part._lines = _shifted(self._lines, a, b, first)
        part._los = _shifted(self._los, a, b, lo)
        part._his = _shifted(self._his, a, b, lo)
        return part, lo, hi

    def arrays(self) -> tuple[array[int], array[int], array[int]]:
        """Its three arrays (lines, first pieces, ends), for `OffsetMap`'s pickling."""
        return self._lines, self._los, self._his

    @classmethod
    def from_arrays(cls, lines: array[int], los: array[int], his: array[int]) -> Pieces:
        """The pieces whose `arrays()` these are."""
        pieces = cls(lines.typecode)
        pieces._lines, pieces._los, pieces._his = lines, los, his
        return pieces


@attrs.frozen(kw_only=True)
class OffsetMap(Sequence[int]):
    """Canonical index -> original index, stored per line instead of per character.

    The canonical text is its lines joined by one space. Line `j` starts at canonical index
    `line_cstarts[j]` and has `line_lengths[j]` characters. Unless `pieces` holds it, it is a
    copy of the original from `line_ostarts[j]` on. The space after line `j` stands for the
    character before line `j + 1` (the line break, or the last quote marker). Index
    `len(canonical text)` maps to the end of the original, so `len(self)` is the canonical
    length plus one.

    A line with tokens is made of pieces: `pieces[j]` is the range `[lo, hi)` of its entries in
    the `piece_*` arrays. Piece `k` covers the line's canonical characters
    `[piece_cstarts[k], piece_cstarts[k+1])` (relative to the line's start). In an exact piece
    they correspond one to one with the original `[piece_ostarts[k], piece_oends[k])`; in any
    other piece (a host token standing for a whole link, a space standing for a run of white
    space) every character maps to `piece_ostarts[k]` and ends at `piece_oends[k]`.
    """

    line_cstarts: array[int]
    line_ostarts: array[int]
    line_lengths: array[int]
    pieces: Mapping[int, tuple[int, int]]
    piece_cstarts: array[int]
    piece_ostarts: array[int]
    piece_oends: array[int]
    piece_exact: bytes
    length: int
    """The length of the canonical text."""
    source_length: int
    """The length of the original text."""

    def __len__(self) -> int:
        return self.length + 1

    def part(self, first: int, end: int, start: int, source_length: int) -> OffsetMap:
        """The map of the part of the text whose canonical lines are `[first, end)`: a text of
        `source_length` characters that starts at original index `start` and runs to the
        character before the next line (`normalise.canonical_many`). Its indices count from
        the part's first line and from `start`."""
        if not isinstance(self.pieces, Pieces):
            raise TypeError("only a map with `Pieces` has parts")
        pieces, lo, hi = self.pieces.part(first, end)
        cstart = length = 0
        if end > first:
            cstart = self.line_cstarts[first]
            length = self.line_cstarts[end - 1] + self.line_lengths[end - 1] - cstart
        return OffsetMap(
            line_cstarts=_shifted(self.line_cstarts, first, end, cstart),
            line_ostarts=_shifted(self.line_ostarts, first, end, start),
            line_lengths=self.line_lengths[first:end],
            pieces=pieces,
            piece_cstarts=self.piece_cstarts[lo:hi],
            piece_ostarts=_shifted(self.piece_ostarts, lo, hi, start),
            piece_oends=_shifted(self.piece_oends, lo, hi, start),
            piece_exact=self.piece_exact[lo:hi],
            length=length,
            source_length=source_length,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with all its arrays in one string of bytes (`runtime.pack_arrays`): the
        workers send every body's map back to the join."""
        pieces = self.pieces
        if not isinstance(pieces, Pieces):  # any other mapping of line -> piece range
            pieces = Pieces(self.line_cstarts.typecode)
            for line, (lo, hi) in sorted(self.pieces.items()):
                pieces.add(line, lo, hi)
        packed = pack_arrays(
            [
                self.line_cstarts,
                self.line_ostarts,
                self.line_lengths,
                self.piece_cstarts,
                self.piece_ostarts,
                self.piece_oends,
                *pieces.arrays(),
            ]
        )
        return _unpickled_offset_map, (packed, self.piece_exact, self.length, self.source_length)

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...

    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.length + 1))]
        return self._locate(index)[0]

    def __iter__(self) -> Iterator[int]:
        for i in range(self.length + 1):
            yield self._locate(i)[0]

    def end_of(self, index: int) -> int:
        """The original end (exclusive) of canonical character `index`."""
        return self._locate(index)[1]

    def exact_at(self, index: int) -> bool:
        """Whether canonical character `index` is a one-to-one copy of an original character
        (folded), rather than part of a token that stands for a longer stretch."""
        return self._locate(index)[2]

    def first_from(self, position: int) -> int:
        """The first canonical index whose original position is `position` or more (the
        canonical length if none is): the inverse of the map, which never decreases.

        One bisection of the lines (and of one line's pieces) instead of a bisection of the
        canonical indices, each probe a `_locate`: finding where a body span starts in the
        canonical text costs a few C bisections, not a dozen Python lookups.
        """
        # Each line's characters map to its start or later, and the space after line j maps
        # to just before line j + 1: so the first line starting past `position` and every
        # line after it lie past it, and the index sought is in the line before (or its
        # joining space).
        j = bisect_right(self.line_ostarts, position) - 1
        if j < 0:
            return 0
        length = self.line_lengths[j]
        rel = position - self.line_ostarts[j]
        span = self.pieces.get(j)
        if span is not None:
            lo, hi = span
            # The first piece whose last character maps to `position` or later.
            k = bisect_left(range(lo, hi), position, key=self._piece_last) + lo
            if k == hi:
                rel = length
            elif self.piece_exact[k]:
                rel = self.piece_cstarts[k] + max(0, position - self.piece_ostarts[k])
            else:
                rel = self.piece_cstarts[k]
        return self.line_cstarts[j] + min(rel, length)

    def _piece_last(self, k: int) -> int:
        """The original position of piece `k`'s last canonical character."""
        return self.piece_oends[k] - 1 if self.piece_exact[k] else self.piece_ostarts[k]

    def _locate(self, index: int) -> tuple[int, int, bool]:
        i = index + self.length + 1 if index < 0 else index
        if not 0 <= i <= self.length:
            raise IndexError(index)
        if i == self.length:
            return self.source_length, self.source_length, False
        j = bisect_right(self.line_cstarts, i) - 1
        rel = i - self.line_cstarts[j]
        if rel >= self.line_lengths[j]:  # the space joining line j to line j + 1
            o = self.line_ostarts[j + 1] - 1
            return o, o + 1, True
        span = self.pieces.get(j)
        if span is None:
            o = self.line_ostarts[j] + rel
            return o, o + 1, True
        k = bisect_right(self.piece_cstarts, rel, span[0], span[1]) - 1
        if self.piece_exact[k]:
            o = self.piece_ostarts[k] + (rel - self.piece_cstarts[k])
            return o, o + 1, True
        return self.piece_ostarts[k], self.piece_oends[k], False


def _shifted(values: array[int], a: int, b: int, by: int) -> array[int]:
    """`values[a:b]`, each less `by`."""
    if not by:
        return values[a:b]
    return array(values.typecode, map(sub, values[a:b], repeat(by)))


def _unpickled_offset_map(
    packed: tuple[bytes, str, tuple[int, ...]], piece_exact: bytes, length: int, source_length: int
) -> OffsetMap:
    """The map `OffsetMap.__reduce__` pickled."""
    cstarts, ostarts, lengths, pcstarts, postarts, poends, *pieces = unpack_arrays(*packed)
    return OffsetMap(
        line_cstarts=cstarts,
        line_ostarts=ostarts,
        line_lengths=lengths,
        pieces=Pieces.from_arrays(*pieces),
        piece_cstarts=pcstarts,
        piece_ostarts=postarts,
        piece_oends=poends,
        piece_exact=piece_exact,
        length=length,
        source_length=source_length,
    )
