"""Names matched against the roster of participants ("Annebeth" is "Annebeth Lange")."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Sequence
from typing import Final

import attrs
import regex
from rapidfuzz import fuzz, process, utils

# rapidfuzz token_set_ratio (0-100) above which two names are one person.
_NAME_SCORE: Final = 90.0


_NAME_WORD = regex.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# `_NAME_WORD` as the separator of a split: the words come with the text between them.
_NAME_WORD_APART = regex.compile(f"({_NAME_WORD.pattern})")
# A character that no name word holds: a text can be cut there without cutting a word.
_NO_NAME_CHAR = regex.compile(r"[^\w'’]|[\d_]")


def _name_words(text: str) -> Iterator[tuple[Iterator[int], Iterator[str]]]:
    """Where each `_NAME_WORD` of `text` starts, and the words themselves, a piece of the
    text at a time.

    Split in C: `finditer` made a match object a word, most of the reader's time on a
    flattened line of short words. By pieces: one split of the whole text would hold two
    strings a word at once (~100 bytes a word, for a 3-byte word).
    """
    pos = 0
    while pos < len(text):
        cut = len(text)
        if pos + _PIECE_CHARS < len(text):
            found = _NO_NAME_CHAR.search(text, pos + _PIECE_CHARS)
            if found is not None:
                cut = found.start()
        # [between, word, between, word, ..., between]: a word starts where the text
        # before it ends.
        parts = _NAME_WORD_APART.split(text[pos:cut])
        ends = itertools.accumulate(map(len, parts), initial=pos)
        yield itertools.islice(ends, 1, len(parts) - 1, 2), itertools.islice(parts, 1, None, 2)
        pos = cut


_PIECE_CHARS: Final = 1 << 15


def _name_tokens(text: str) -> list[str]:
    return [m.group().lower() for m in _NAME_WORD.finditer(text)]


@attrs.frozen(kw_only=True)
class _NameIndex:
    """Names ready for matching against a message's words: by first token for full names, and
    the tokens that belong to exactly one name (a sign-off with one name or a nickname)."""

    names: tuple[str, ...]
    by_first: dict[str, list[tuple[str, tuple[str, ...]]]]
    single: dict[str, str]

    @classmethod
    def of(cls, names: Sequence[str]) -> _NameIndex:
        by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        owners: dict[str, set[str]] = {}
        for name in names:
            toks = tuple(_name_tokens(name))
            if not toks:
                continue
            by_first.setdefault(toks[0], []).append((name, toks))
            for t in toks:
                owners.setdefault(t, set()).add(name)
        single = {t: next(iter(o)) for t, o in owners.items() if len(o) == 1 and len(t) >= 3}
        return cls(names=tuple(names), by_first=by_first, single=single)


@functools.lru_cache(maxsize=1 << 16)
def _resolve(name: str, roster: tuple[str, ...]) -> str | None:
    """The roster's entry for `name` ("Annebeth" is "Annebeth Lange"), or None if none or
    several match equally well."""
    if not roster or len(utils.default_process(name)) < 2:
        return None
    hits = process.extract(
        name,
        roster,
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        score_cutoff=_NAME_SCORE,
        limit=2,
    )
    if not hits:
        return None
    if len(hits) > 1 and hits[1][1] == hits[0][1]:
        return None
    return str(hits[0][0])


def _best_suffix(run: str, roster: tuple[str, ...]) -> str:
    """ "Karel Jonathan Underwood wrote:" read backwards from the verb: the longest tail of the
    run that is a participant's name (the words before it end the previous sentence)."""
    toks = run.split()
    for k in range(len(toks)):
        candidate = " ".join(toks[k:])
        hit = _resolve(candidate, roster)
        if hit is not None and set(utils.default_process(candidate).split()) <= set(
            utils.default_process(hit).split()
        ):
            return hit
    return run
