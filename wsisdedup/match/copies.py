"""Copies: how alike two own texts are, and collapsing the copies the join found.

The join (`wsisdedup.match.index`) finds copy candidates by digest and by shared shingles;
`_copy_score` confirms a near copy with rapidfuzz `Indel` on the own words. `collapse_copies`
applies the `DuplicateGroup`s to the messages: the kept message lists where its copies were
read, and the copies leave the archive.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from rapidfuzz.distance import Indel

from wsisdedup.match.records import DuplicateGroup, IndexSettings
from wsisdedup.model import Message

__all__ = ["Collapsed", "collapse_copies"]


@attrs.frozen(kw_only=True)
class _Copy:
    """A message the join found to be a copy: the message kept in its place, how alike."""

    kept: int
    score: float


def _copy_score(kept: list[int], later: list[int], settings: IndexSettings) -> float | None:
    """How alike two own texts are, if the later is a copy of the kept one (else None).

    A copy differs by a signature, a link, a re-wrapped line: small scattered edits. A reply
    that pastes the whole earlier message without markers is as similar by ratio, but adds its
    words in one place: words added before everything else (a top-posted "+1") or any one
    stretch of `min_words` changed words make it a message of its own.
    """
    score = Indel.normalized_similarity(kept, later)
    if score < settings.duplicate_ratio:
        return None
    added = removed = 0
    leading = True
    for op in [*Indel.opcodes(kept, later), None]:
        if op is None or op.tag == "equal":
            if added + removed >= settings.min_words or (leading and added and not removed):
                return None
            added = removed = 0
            leading = False
        elif op.tag == "insert":
            added += op.dest_end - op.dest_start
        else:
            removed += op.src_end - op.src_start
    return score


@attrs.frozen(kw_only=True)
class Collapsed:
    """Messages with copies collapsed, and where each copy went."""

    messages: list[Message]
    """The kept messages in the order given, each with `duplicates` and `duplicate_score` set
    when it has copies."""
    kept_for: dict[str, str]
    """The id of a collapsed copy -> the id of the message kept in its place."""


def collapse_copies(messages: Sequence[Message], groups: Sequence[DuplicateGroup]) -> Collapsed:
    """Drop the copies of each group and record on the kept message where they were read."""
    by_id = {m.id: m for m in messages}
    copies: dict[str, tuple[str, ...]] = {}
    scores: dict[str, float] = {}
    for group in groups:
        copies[group.kept_id] = group.copy_ids
        scores[group.kept_id] = group.score
    dropped = {c for ids in copies.values() for c in ids}
    out: list[Message] = []
    for m in messages:
        if m.id in dropped:
            continue
        if m.id in copies:
            m = attrs.evolve(
                m,
                duplicates=tuple(by_id[c].source for c in copies[m.id]),
                duplicate_score=scores[m.id],
            )
        out.append(m)
    kept_for = {c: kept for kept, ids in copies.items() for c in ids}
    return Collapsed(messages=out, kept_for=kept_for)
