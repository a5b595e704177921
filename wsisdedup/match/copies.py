"""Copies: which messages are copies of one message, and collapsing them.

Copies are of *one* message: the same Message-ID, or the same author (address or name) with the
same own words in the same conversation (subject, and parent where both name one) within a short
window (a resend, or a cross-post read from another list's archive). A message by a different
person with the same words is a message of its own, never collapsed: two people who each answer
"+1", a report reposted by someone else (`ArchiveMatches.repeat_of` links it to the earlier
one). `copy_reason` is that rule.

The join (`wsisdedup.match.index`) finds candidates by digest and by shared shingles;
`_copy_score` confirms a near copy with rapidfuzz `Indel` on the own words. `collapse_copies`
applies the `DuplicateGroup`s to the messages: the kept message lists its copies and why, and
the copies leave the archive.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from rapidfuzz.distance import Indel

from wsisdedup.match.records import DuplicateGroup, IndexSettings, Origin
from wsisdedup.model import Copy, CopyReason, Message

__all__ = ["Collapsed", "collapse_copies", "copy_keys", "copy_reason"]


@attrs.frozen(kw_only=True)
class _Copy:
    """A message the join found to be a copy: the message kept in its place, how alike, why."""

    kept: int
    score: float
    reason: CopyReason


def copy_reason(
    kept: Origin | None, later: Origin | None, settings: IndexSettings
) -> CopyReason | None:
    """Why `later`, whose own words are those of `kept`, is a copy of it; None if it is not.

    >>> s = IndexSettings()
    >>> ann = Origin(message_id="1@x", address="ann@x.org", time=0.0, archive="a.mbox")
    >>> copy_reason(ann, Origin(message_id="1@x", address="bob@y.org", archive="b.mbox"), s)
    <CopyReason.SAME_ID: 'same-id'>
    >>> # Ann's words again ten minutes later, read from another list's archive:
    >>> copy_reason(ann, Origin(message_id="2@x", address="ann@x.org", time=600.0), s)
    <CopyReason.CROSS_POST: 'cross-post'>
    >>> copy_reason(ann, Origin(message_id="2@x", address="bob@y.org", time=600.0), s) is None
    True
    """
    if kept is None or later is None:
        return CopyReason.SAME_TEXT
    if kept.message_id and kept.message_id == later.message_id:
        return CopyReason.SAME_ID
    if not _same_author(kept, later) or not _same_place(kept, later):
        return None
    gap = None if kept.time is None or later.time is None else abs(later.time - kept.time)
    if gap is not None and gap > settings.resend_window:
        return None  # the same words sent again much later (a reminder): a new message
    if kept.archive != later.archive and (gap is None or gap <= settings.crosspost_window):
        return CopyReason.CROSS_POST
    return CopyReason.RESEND


def _same_author(a: Origin, b: Origin) -> bool:
    """One person: the same address, or the same name. Nobody known is nobody in particular."""
    return bool(a.address and a.address == b.address) or bool(a.name and a.name == b.name)


def _same_place(a: Origin, b: Origin) -> bool:
    """Sent again to the same conversation: the same subject, and the same parent where both
    name one. One person's "+1" to two threads, or to two messages of one, is two messages."""
    if a.subject != b.subject:
        return False
    return not (a.reply_to and b.reply_to and a.reply_to != b.reply_to)


def copy_keys(origin: Origin | None) -> tuple[str, ...]:
    """The keys under which a copy of a message with this origin looks for it: its id, its
    author's address and name (see `copy_reason`)."""
    if origin is None:
        return ("",)
    keys = []
    if origin.message_id:
        keys.append("id " + origin.message_id)
    if origin.address:
        keys.append("address " + origin.address)
    if origin.name:
        keys.append("name " + origin.name)
    return tuple(keys)


def _copy_score(kept: Sequence[int], later: Sequence[int], settings: IndexSettings) -> float | None:
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
    """Drop the copies of each group and record on the kept message its copies and why."""
    by_id = {m.id: m for m in messages}
    groups_of = {group.kept_id: group for group in groups}
    dropped = {c for group in groups for c in group.copy_ids}
    out: list[Message] = []
    for m in messages:
        if m.id in dropped:
            continue
        group = groups_of.get(m.id)
        if group is not None:
            reasons = group.reasons or (CopyReason.SAME_TEXT,) * len(group.copy_ids)
            scores = group.scores or (group.score,) * len(group.copy_ids)
            copies = tuple(
                Copy(id=c, source=by_id[c].source, reason=reason, score=score)
                for c, reason, score in zip(group.copy_ids, reasons, scores, strict=True)
            )
            m = attrs.evolve(
                m,
                duplicates=tuple(c.source for c in copies),
                duplicate_score=group.score,
                copies=copies,
            )
        out.append(m)
    kept_for = {c: group.kept_id for group in groups for c in group.copy_ids}
    return Collapsed(messages=out, kept_for=kept_for)
