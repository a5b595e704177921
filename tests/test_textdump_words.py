"""The text-dump reader's word-stream kernels (`readers/textdump/words.py`) against plain
Python statements of what they compute: the kernels work on whole arrays, in blocks, with two
strategies for first occurrences, and each of those is a place to be off by one."""

from __future__ import annotations

import itertools
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsisdedup.readers.textdump import names as names_module
from wsisdedup.readers.textdump import words as words_module

K = words_module._K


def _first_reference(ids: list[int]) -> list[int]:
    seen: dict[tuple[int, ...], int] = {}
    return [seen.setdefault(tuple(ids[p : p + K]), p) for p in range(len(ids) - K + 1)]


def _head_seen_reference(covered: list[int], line_first: list[int]) -> list[int]:
    out = []
    for a, b in itertools.pairwise(line_first):
        head = min(b - a, words_module._HEAD_WORDS)
        out.append(int(head > 0 and sum(covered[a : a + head]) >= head * words_module._HEAD_SHARE))
    return out


# Few distinct words, so that shingles repeat often (and within one line).
_IDS = st.lists(st.integers(0, 3), max_size=120)


@given(_IDS)
def test_first_occurrences_by_dictionary_match_the_definition(ids: list[int]) -> None:
    got = words_module._first_occurrences(array("q", ids))
    assert list(got) == _first_reference(ids)


@given(_IDS)
def test_first_occurrences_by_sorting_match_the_definition(ids: list[int]) -> None:
    import numpy as np

    words = np.frombuffer(array("q", ids), dtype=np.uint64)
    count = max(0, len(ids) - K + 1)
    got = words_module._first_by_sorting(words_module._keys(words, 0, count))
    assert list(got) == _first_reference(ids)


def test_mostly_new_shingles_switch_to_sorting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Distinct shingles go to the sort (an entry each in a dictionary costs ~100 bytes),
    repeated ones stay in the dictionary; both give the same answer."""
    sorted_calls: list[int] = []
    real = words_module._first_by_sorting

    def counting(key: object) -> array[int]:
        sorted_calls.append(1)
        return real(key)  # type: ignore[arg-type]

    monkeypatch.setattr(words_module, "_first_by_sorting", counting)
    distinct = list(range(40_000)) + list(range(100))
    assert list(words_module._first_occurrences(array("q", distinct))) == _first_reference(distinct)
    assert sorted_calls == [1]
    repeated = [1, 2, 3, 4, 5, 6] * 7_000
    assert list(words_module._first_occurrences(array("q", repeated))) == _first_reference(repeated)
    assert sorted_calls == [1]


def _line_first(lengths: list[int]) -> list[int]:
    starts = [0]
    for n in lengths:
        starts.append(starts[-1] + n)
    return starts


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 2)), max_size=60))
def test_covered_and_head_seen_match_the_definition(lines: list[tuple[int, int]]) -> None:
    # Each line: a number of words, drawn from a tiny vocabulary so that lines repeat
    # themselves and each other.
    ids = [(i * 7 + v) % 3 for i, (n, v) in enumerate(lines) for _ in range(n)]
    line_first = _line_first([n for n, _ in lines])
    first = _first_reference(ids)
    covered = words_module._covered(array("i", first), array("i", line_first))
    assert list(covered) == _covered_simple(first, line_first)
    seen = words_module._head_seen(covered, array("i", line_first))
    assert list(seen) == _head_seen_reference(list(covered), line_first)


def _covered_simple(first: list[int], line_first: list[int]) -> list[int]:
    """The definition, word by word: word w is covered by the shingle at p (p <= w < p + K)
    when an earlier occurrence of it ends before w's line; an occurrence that runs into p's
    own line covers only the words of the shingle from the first line starting at or after
    its end."""
    total = line_first[-1]
    starts = line_first[:-1]

    def line_start(w: int) -> int:
        return max(s for s in starts if s <= w)

    covered = [0] * total
    for p, f in enumerate(first):
        if f == p:
            continue
        for w in range(p, p + K):
            if line_start(w) >= f + K:
                # Words from the first one whose line starts after the earlier occurrence.
                q = next(q for q in range(p, p + K) if line_start(q) >= f + K)
                if w >= q:
                    covered[w] = 1
    return covered


@settings(max_examples=300)
@given(st.text(alphabet="Ab é'’_1 ,\n-", max_size=200), st.integers(1, 12))
def test_name_words_by_pieces_are_the_matches_of_the_pattern(text: str, piece: int) -> None:
    """Splitting a piece at a time (cut where no name word can be) finds what `finditer`
    finds on the whole text."""
    expected = [(m.start(), m.group()) for m in names_module._NAME_WORD.finditer(text)]
    real = names_module._PIECE_CHARS
    names_module._PIECE_CHARS = piece  # small pieces: many cuts
    try:
        got = [
            pair
            for starts, words in names_module._name_words(text)
            for pair in zip(starts, words, strict=True)
        ]
    finally:
        names_module._PIECE_CHARS = real
    assert got == expected
