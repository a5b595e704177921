"""The matching stage's frozen values: its settings, what it takes in and what it gives back.

`IndexSettings` holds the knobs, `IndexDoc` is a message as the index sees it, `Fingerprint` the
output of the map phase, and `Match`, `DuplicateGroup` and `ArchiveMatches` the output of the
join. Nothing here computes: every other module of the stage imports these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from wsisdedup.model import CopyReason, Segment, SegmentKind

__all__ = [
    "DEFAULT_SETTINGS",
    "OWN_KINDS",
    "ArchiveMatches",
    "DuplicateGroup",
    "Fingerprint",
    "IndexDoc",
    "IndexSettings",
    "Match",
    "Origin",
    "Progress",
    "Span",
]


def _is_power_of_two(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1 or value & (value - 1):
        raise ValueError(f"{attribute.name} must be a power of two, not {value}")


@attrs.frozen(kw_only=True)
class IndexSettings:
    """The knobs of the matching stage; the defaults suit mailing lists."""

    shingle_words: int = attrs.field(default=5, validator=attrs.validators.in_(range(2, 9)))
    """Words per shingle (2-8; 5 found every quote source in docs/performance.md)."""
    sample: int = attrs.field(default=4, validator=_is_power_of_two)
    """Keep one shingle in `sample` in the index (memory / recall trade)."""
    min_hits: int = 2
    """Shared sampled shingles that make an earlier message a candidate source (fewer when the
    source holds fewer: a short message can still be found)."""
    max_candidates: int = 16
    """Candidate sources aligned per message, the ones sharing most shingles first."""
    min_words: int = 8
    """A repeated span shorter than this (in words) is boilerplate, not a quote."""
    min_chars: int = 40
    max_gap: int = 8
    """Words that may differ inside one quote (an edited word, a rewritten link)."""
    window: int = 10_000
    """Messages indexed at full density; older ones are thinned to `old_sample`."""
    old_sample: int = attrs.field(default=16, validator=_is_power_of_two)
    duplicate_ratio: float = 0.95
    """Own-text similarity (rapidfuzz Indel) at or above which two messages are copies."""
    cache_docs: int = 256
    """Tokenised messages kept for alignment (sources are mostly recent)."""
    resend_window: float = 2 * 86400.0
    """Seconds within which the same author's same own words are a resend (one message sent
    again), not a new message; a weekly reminder sent with the same words stays two messages."""
    crosspost_window: float = 3600.0
    """Seconds within which the same author's same words read from two archive files are one
    message cross-posted to two lists."""

    def __attrs_post_init__(self) -> None:
        if self.old_sample % self.sample:
            raise ValueError("old_sample must be a multiple of sample")


DEFAULT_SETTINGS = IndexSettings()

Progress = Callable[[int], None]
"""Called with the number of messages done so far (for a progress bar)."""


@attrs.frozen(kw_only=True)
class Span:
    """A `[start, end)` stretch of a body."""

    start: int
    end: int


OWN_KINDS = frozenset({SegmentKind.NEW, SegmentKind.SIGNATURE})
"""The segment kinds that are a message's own content: indexed as a source, never a quote."""


@attrs.frozen(kw_only=True)
class Origin:
    """Who wrote a message, when and where it was read: what decides whether two messages with
    the same words are copies of one message (`match.copies.copy_reason`)."""

    message_id: str = ""
    """The Message-ID as read (or the id derived from the content), before ids were made
    unique."""
    address: str = ""
    """The author's address, lower-cased."""
    name: str = ""
    """The author's name, case-folded, punctuation and spacing evened out."""
    time: float | None = None
    """Seconds since the epoch (UTC), when the date is known with its zone."""
    archive: str = ""
    """The archive file it was read from."""
    subject: str = ""
    """The subject without prefixes and list tags, case-folded."""
    reply_to: str = ""
    """The message it answers (the last In-Reply-To id), where its headers say."""


@attrs.frozen(kw_only=True)
class IndexDoc:
    """One message as the index sees it.

    `id` must be unique among the documents given together. `own` are the body spans that are
    the message's own content (its NEW and SIGNATURE segments before matching): only those are
    indexed as a source, while the whole body is searched for repeats.
    """

    id: str
    text: str
    own: tuple[Span, ...] = ()
    unmarked: tuple[Span, ...] = ()
    """Quotes the segmenter found without `>` markers (after an attribution or a reply header).
    Where the join finds that part of one repeats earlier messages, the paragraphs of it that
    repeat nothing are given back to the author (`ArchiveMatches.reclaimed`)."""
    origin: Origin | None = None
    """Who wrote it and when; without it, copies are found by their words alone."""
    named: tuple[str, ...] = ()
    """Ids of the messages its headers say it answers (In-Reply-To, References): where an
    unmarked quote repeats one of them, it is known to quote it even when too short for the
    index to say so."""

    @classmethod
    def whole(cls, id: str, text: str) -> IndexDoc:
        """A document whose whole body is its own content."""
        return cls(id=id, text=text, own=(Span(start=0, end=len(text)),))

    @classmethod
    def from_segments(
        cls,
        id: str,
        text: str,
        segments: Iterable[Segment],
        kinds: frozenset[SegmentKind] = OWN_KINDS,
        *,
        unmarked: tuple[Span, ...] = (),
        origin: Origin | None = None,
        named: tuple[str, ...] = (),
    ) -> IndexDoc:
        """A document whose own content is its segments of `kinds`."""
        own = tuple(Span(start=s.start, end=s.end) for s in segments if s.kind in kinds)
        return cls(id=id, text=text, own=own, unmarked=unmarked, origin=origin, named=named)


@attrs.frozen(kw_only=True)
class Fingerprint:
    """What the join needs of one message (the output of the map phase).

    Hashes are stable across processes and machines: a shingle's hash is the sum of the
    top 57 bits of blake2b-64 of each of its words (canonical text split on spaces, punctuation
    at the word's ends stripped); it is sampled when bits 40 and up are 0 modulo
    `IndexSettings.sample`.
    """

    id: str
    hashes: Sequence[int] = attrs.field(hash=False)
    """Sampled shingle hashes of the whole body, in text order (an `array("q")`: a repetitive
    body may sample half its shingles; not part of the hash, arrays have none)."""
    own_hashes: tuple[int, ...]
    """Sampled shingle hashes lying wholly inside the own content."""
    words: int
    own_words: int
    body_digest: bytes
    """blake2b of the body's canonical text: equal for bodies equal but for case, spacing, quote
    markers and link rewriting."""
    own_digest: bytes


@attrs.frozen(kw_only=True)
class Match:
    """A span of a body that repeats a span of an earlier message's own content."""

    start: int
    end: int
    source_id: str
    source_start: int
    source_end: int
    score: float
    """Share of the two spans' words that align (1.0: the same words)."""


@attrs.frozen(kw_only=True)
class DuplicateGroup:
    """Copies of one message: `kept_id` is the earliest, `copy_ids` the others in order."""

    kept_id: str
    copy_ids: tuple[str, ...]
    score: float
    """The lowest similarity of a copy to the kept message (1.0: all exact)."""
    reasons: tuple[CopyReason, ...] = ()
    """Why each of `copy_ids` is a copy, one to one."""
    scores: tuple[float, ...] = ()
    """How alike each of `copy_ids` is to the kept message, one to one."""


@attrs.frozen(kw_only=True)
class ArchiveMatches:
    """What the join finds: copies collapsed, and repeats in the messages that were kept."""

    duplicates: tuple[DuplicateGroup, ...]
    repeats: Mapping[str, tuple[Match, ...]]
    """Matches per kept message id; messages without any are absent."""
    reclaimed: Mapping[str, tuple[Span, ...]] = attrs.field(factory=dict)
    """Per message id, the paragraphs of its unmarked quotes that repeat nothing: the author's
    own words after all (a bottom-posted or interleaved reply without `>` markers)."""
    repeat_of: Mapping[str, str] = attrs.field(factory=dict)
    """Message id -> the earlier message by another author with the same words (kept both)."""
