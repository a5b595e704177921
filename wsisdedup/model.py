"""The data model: frozen values that flow between the pipeline's stages.

Every class here is a frozen attrs class built with keyword arguments. Stages never mutate a
value: they build a new one with `attrs.evolve`. There are no back-references from a message to
its archive or thread; look things up by id on the `Archive`.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "Archive",
    "Body",
    "Copy",
    "CopyReason",
    "Detached",
    "Evidence",
    "ForwardInfo",
    "Limits",
    "Link",
    "Message",
    "ParsedMessage",
    "Person",
    "Problem",
    "Rewriter",
    "Segment",
    "SegmentKind",
    "Source",
    "Stage",
    "StageProgress",
    "Stats",
    "Thread",
    "ThreadNode",
]


class SegmentKind(enum.Enum):
    """What a stretch of a message body is."""

    NEW = "new"
    """The author's own words: what the message adds to the thread."""
    QUOTE = "quote"
    """Text repeated from an earlier message, marked with `>` or not."""
    ATTRIBUTION = "attribution"
    """"On ... wrote:" lines and reply header blocks that introduce a quote."""
    FORWARD_HEADER = "forward_header"
    """The header block that introduces a forwarded message."""
    FORWARD = "forward"
    """Forwarded content: shared on purpose, not a quote of the thread."""
    SIGNATURE = "signature"
    """Sign-off, name and contact blocks, mobile signatures, disclaimers."""
    FOOTER = "footer"
    """A footer the list (not the author) appends to every message."""
    PLACEHOLDER = "placeholder"
    """Stand-ins for removed content: `[cid:...]`, scrubbed attachments."""


class Rewriter(enum.Enum):
    """Who rewrote a link, if anyone."""

    NONE = "none"
    PROOFPOINT_V1 = "proofpoint-v1"
    PROOFPOINT_V2 = "proofpoint-v2"
    PROOFPOINT_V3 = "proofpoint-v3"
    SAFELINKS = "safelinks"
    TRENDMICRO = "trendmicro"
    SOPHOS = "sophos"
    BARRACUDA = "barracuda"
    CISCO = "cisco"
    FIREEYE = "fireeye"
    GOOGLE = "google"
    FACEBOOK = "facebook"
    MIMECAST = "mimecast"
    """Recognised but not decodable offline: the link is kept as written."""


class Evidence(enum.Enum):
    """Why a message's parent is the one it is."""

    HEADER = "header"
    ATTRIBUTION = "attribution"
    QUOTE = "quote"
    SUBJECT = "subject"


class CopyReason(enum.Enum):
    """Why a message was collapsed into another as a copy of it.

    Copies are of one message only: the same Message-ID, or the same author with the same own
    words. Two people who write the same words write two messages (see `Message.repeat_of`).
    """

    SAME_ID = "same-id"
    """The same Message-ID: the message archived twice (two copies of a month, a digest)."""
    RESEND = "resend"
    """The same author and own words within `IndexSettings.resend_window`: sent again."""
    CROSS_POST = "cross-post"
    """The same author and own words within an hour, read from another archive file: one
    message sent to several lists."""
    SAME_TEXT = "same-text"
    """The same words with no author known to the index (only from `match_archive` called
    without `IndexDoc.origin`; the pipeline always gives one)."""


@attrs.frozen(kw_only=True)
class Person:
    """An author. Either part may be unknown (empty string)."""

    name: str = ""
    address: str = ""

    def __str__(self) -> str:
        if self.name and self.address:
            return f"{self.name} <{self.address}>"
        return self.name or self.address


@attrs.frozen(kw_only=True)
class Source:
    """Where in the input a message came from."""

    path: str
    """The file (or `<stream>` for an open file without a name)."""
    format: str
    """The reader that read it: `mbox`, `pipermail`, `maildir`, `eml`, `text-dump`."""
    offset: int | None = None
    """Byte offset of the message's first byte in the (decompressed) file, where known."""
    line: int | None = None
    """1-based line number of the message's first line, where known."""
    index: int = 0
    """0-based position of the message in its file."""

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        elif self.offset is not None:
            where += f"@{self.offset}"
        return where


@attrs.frozen(kw_only=True)
class Problem:
    """Something that went wrong in one part of the input; the rest was still read."""

    what: str
    path: str
    line: int | None = None
    offset: int | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f", line {self.line}"
        if self.offset is not None:
            where += f", byte {self.offset}"
        return f"{where}: {self.what}"


_MIB = 1 << 20


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"Limits.{attribute.name} must be at least 1, not {value}")


class Stage(enum.Enum):
    """The stages of `wsisdedup.read`, in the order they run (`StageProgress`)."""

    READING = "reading"
    FOOTERS = "learning footers"
    SEGMENTING = "segmenting"
    MATCHING = "matching"
    THREADING = "threading"
    WRITING = "writing"


@attrs.frozen(kw_only=True)
class StageProgress:
    """How far one stage has come: what `read(..., on_progress=...)` is called with.

    Each stage reports `done == 0` when it starts and `done == total` when it ends (where it
    knows a total), and counts in between, so a caller can draw one bar per stage.
    """

    stage: Stage
    done: int
    total: int | None = None
    """None while a stage cannot know its end (reading a compressed file or a stream)."""
    unit: str = "messages"
    """`messages`, or `bytes` for reading files of known size."""


@attrs.frozen(kw_only=True)
class Limits:
    """How much a reader takes in before it stops and says so (docs/limits.md#size-limits).

    The defaults are far above what real archives hold; they are there so that a hostile or
    broken input (a gzip bomb, a 3 GB file in a Maildir) ends as a `Problem` naming the
    message instead of exhausting memory. Each breach is a `Problem`; the rest is still read.
    """

    message_bytes: int = attrs.field(default=256 * _MIB, validator=_positive)
    """Bytes of one message kept (headers and body, as stored). The rest of a longer message
    is skipped and the message read from what was kept."""
    input_bytes: int = attrs.field(default=4 * 1024 * _MIB, validator=_positive)
    """Bytes read from one input after decompression (a file, a stream, or all the files of
    a folder together). Messages after this point are not read."""
    line_bytes: int = attrs.field(default=64 * _MIB, validator=_positive)
    """Bytes of one line of a text dump read as one line; a longer line is broken."""


@attrs.frozen(kw_only=True)
class ForwardInfo:
    """Headers parsed out of a forwarded-message block."""

    author: Person = attrs.field(factory=Person)
    date: datetime | None = None
    date_text: str = ""
    subject: str = ""


Detached = tuple[SegmentKind, int, int, int, str | None, ForwardInfo | None]
"""A segment's fields without its body (`Segment.detached`)."""


@attrs.frozen(init=False, eq=False, repr=False)
class Segment:
    """A typed stretch of a body: `body[start:end] == text`.

    A segment holds the body it is a stretch of, not a copy of its text, and slices the text
    when asked (`text`): the segments of one body share it. Copies of every stretch made the
    segments of an archive hold as many characters as its bodies (docs/performance.md#memory).

    Built from the body (`within=body`, what the segmenter does) or, as before, from its text
    alone (`text=...`): the two compare equal when their text and fields are the same.
    """

    kind: SegmentKind
    start: int
    end: int
    depth: int
    """Quote depth (number of `>` levels) for QUOTE; 0 otherwise."""
    source_id: str | None
    """For QUOTE: the id of the message the text comes from, where known."""
    forward: ForwardInfo | None
    """For FORWARD_HEADER: the forwarded message's headers."""
    _within: str
    """The text the span is in: the body, or the segment's own text given alone."""
    _base: int
    """Where `_within` starts in the body (0 for the body itself)."""

    def __init__(
        self,
        *,
        kind: SegmentKind,
        start: int,
        end: int,
        text: str | None = None,
        within: str | None = None,
        base: int = 0,
        depth: int = 0,
        source_id: str | None = None,
        forward: ForwardInfo | None = None,
    ) -> None:
        if text is not None:
            if len(text) != end - start:
                raise ValueError(
                    f"a segment of {end - start} characters ({start}-{end}) given a text of "
                    f"{len(text)}"
                )
            within, base = text, start
        elif within is None:
            raise TypeError("a Segment needs its text or the body it is in (within=)")
        elif not base <= start <= end <= base + len(within):
            raise ValueError(
                f"a segment {start}-{end} outside the {len(within)} characters it is in"
            )
        # (Frozen: attributes are set past attrs' guard, as its own __init__ does.)
        put = object.__setattr__
        put(self, "kind", kind)
        put(self, "start", start)
        put(self, "end", end)
        put(self, "depth", depth)
        put(self, "source_id", source_id)
        put(self, "forward", forward)
        put(self, "_within", within)
        put(self, "_base", base)

    @property
    def text(self) -> str:
        """The segment's characters (a new string at each call, but the whole body itself when
        the segment covers all of it)."""
        base = self._base
        return self._within[self.start - base : self.end - base]

    def detached(self, body: str) -> Detached | None:
        """Its fields without the body, for `attached` to rebuild over a copy of `body` held
        elsewhere (the map phase's workers send segments back without the body); None if the
        segment does not hold `body` itself."""
        if self._within is not body or self._base:
            return None
        return (self.kind, self.start, self.end, self.depth, self.source_id, self.forward)

    @classmethod
    def attached(cls, body: str, fields: Detached) -> Segment:
        """The segment of `body` that `detached` gave `fields` of."""
        kind, start, end, depth, source_id, forward = fields
        return cls(
            kind=kind,
            start=start,
            end=end,
            within=body,
            depth=depth,
            source_id=source_id,
            forward=forward,
        )

    def _key(self) -> tuple[Any, ...]:
        return (
            self.kind,
            self.text,
            self.start,
            self.end,
            self.depth,
            self.source_id,
            self.forward,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Segment)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Segment(kind={self.kind!r}, text={self.text!r}, start={self.start!r}, "
            f"end={self.end!r}, depth={self.depth!r}, source_id={self.source_id!r}, "
            f"forward={self.forward!r})"
        )


@attrs.frozen(kw_only=True)
class Body:
    """The segments of one body, as `split_body` returns them."""

    text: str
    segments: tuple[Segment, ...]

    @property
    def new_text(self) -> str:
        return join_kind(self.segments, SegmentKind.NEW)

    @property
    def signature(self) -> str:
        return join_kind(self.segments, SegmentKind.SIGNATURE)

    @property
    def quotes(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.kind is SegmentKind.QUOTE)


def join_kind(segments: tuple[Segment, ...], kind: SegmentKind) -> str:
    """The text of the segments of one kind, joined, without leading/trailing blank space."""
    return "".join(s.text for s in segments if s.kind is kind).strip()


@attrs.frozen(kw_only=True)
class Link:
    """One link found in a body."""

    written: str
    """The address as it appears in the body."""
    original: str
    """The address the author wrote, after unwrapping every rewriter."""
    rewriter: Rewriter = Rewriter.NONE
    """The outermost rewriter (NONE if the link was not rewritten)."""
    truncated: bool = False
    """The archive cut the address (it ended in `...`)."""
    completed: bool = False
    """A truncated address completed from a full copy elsewhere in the archive."""
    start: int = 0
    end: int = 0


@attrs.frozen(kw_only=True)
class ParsedMessage:
    """What a reader yields: one message with its headers decoded, before any analysis."""

    source: Source
    message_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    author: Person = attrs.field(factory=Person)
    date: datetime | None = None
    subject: str = ""
    body: str = ""
    own_spans: tuple[tuple[int, int], ...] = ()
    """For readers that know it without segmenting (text dumps): (start, end) offsets of `body`
    that are the author's own words even where the segmenter reads a quote (the reply after an
    attribution on the same flattened line). The pipeline makes them NEW."""
    problems: tuple[Problem, ...] = ()
    quotes_index: int | None = None
    """For readers that know it without headers (text dumps): the `Source.index` of the earlier
    message of the same file that this one quotes. The thread stage uses it as QUOTE evidence."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its fields (worker processes parse messages and segment them): the
        message ids come back interned, as the reader made them (`readers.headers`: one
        string for an id however many messages name it), where each pickle would otherwise
        bring its own copies."""
        return _unpickled_parsed, (
            self.source,
            self.message_id,
            self.in_reply_to,
            self.references,
            self.author,
            self.date,
            self.subject,
            self.body,
            self.own_spans,
            self.problems,
            self.quotes_index,
        )


def _unpickled_parsed(
    source: Source,
    message_id: str | None,
    in_reply_to: tuple[str, ...],
    references: tuple[str, ...],
    author: Person,
    date: datetime | None,
    subject: str,
    body: str,
    own_spans: tuple[tuple[int, int], ...],
    problems: tuple[Problem, ...],
    quotes_index: int | None,
) -> ParsedMessage:
    """The message `ParsedMessage.__reduce__` pickled."""
    intern = sys.intern
    return ParsedMessage(
        source=source,
        message_id=None if message_id is None else intern(message_id),
        in_reply_to=tuple(map(intern, in_reply_to)),
        references=tuple(map(intern, references)),
        author=author,
        date=date,
        subject=subject,
        body=body,
        own_spans=own_spans,
        problems=problems,
        quotes_index=quotes_index,
    )


@attrs.frozen(kw_only=True)
class Copy:
    """A copy of a message that was collapsed into it, and why."""

    id: str
    """The copy's own id (its Message-ID, suffixed `#2`... when it repeats one)."""
    source: Source
    reason: CopyReason
    score: float
    """How alike the copy's own words are to the kept message's (1.0: the same)."""


@attrs.frozen(kw_only=True)
class Message:
    """One message of the canonical tree."""

    id: str
    """The Message-ID without angle brackets, or a stable id derived from the content."""
    source: Source
    author: Person = attrs.field(factory=Person)
    date: datetime | None = None
    subject: str = ""
    body: str = ""
    segments: tuple[Segment, ...] = ()
    links: tuple[Link, ...] = ()
    parent_id: str | None = None
    parent_evidence: Evidence | None = None
    thread_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    duplicates: tuple[Source, ...] = ()
    """Sources of copies of this message that were collapsed into it."""
    duplicate_score: float | None = None
    copies: tuple[Copy, ...] = ()
    """The copies collapsed into this message, each with why (`duplicates` are their sources)."""
    repeat_of: str | None = None
    """The id of an earlier message by someone else with the same words. The two are distinct
    messages, both kept: a "+1" from two people, or a report reposted by another person."""

    @property
    def new_text(self) -> str:
        """The author's own words: the NEW segments joined, with rewritten links restored.

        Security gateways' wrappers are replaced by the address the author wrote (a link the
        archive cut short keeps its `...`); everything else is the body's text as written.
        """
        return self._restored(SegmentKind.NEW)

    @property
    def signature(self) -> str:
        return self._restored(SegmentKind.SIGNATURE)

    @property
    def quotes(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.kind is SegmentKind.QUOTE)

    def to_record(self) -> dict[str, Any]:
        """This message as a flat dict of JSON types; nested parts are lists of dicts.

        The one record layout of the library: `Archive.to_records`, the JSON Lines export and
        the Parquet and SQLite stores all start from it.
        """
        new_text = self.new_text
        return {
            "id": self.id,
            "thread_id": self.thread_id,
            "parent_id": self.parent_id,
            "parent_evidence": self.parent_evidence.value if self.parent_evidence else None,
            "author_name": self.author.name,
            "author_address": self.author.address,
            "date": self.date.isoformat() if self.date else None,
            "subject": self.subject,
            "in_reply_to": list(self.in_reply_to),
            "references": list(self.references),
            "new_text": new_text,
            "signature": self.signature,
            "quotes": [
                {
                    "source_id": q.source_id,
                    "start": q.start,
                    "end": q.end,
                    "depth": q.depth,
                    "text": q.text,
                }
                for q in self.quotes
            ],
            "links": [
                {
                    "written": lk.written,
                    "original": lk.original,
                    "rewriter": lk.rewriter.value,
                    "truncated": lk.truncated,
                    "completed": lk.completed,
                    "start": lk.start,
                    "end": lk.end,
                }
                for lk in self.links
            ],
            "duplicates": [str(s) for s in self.duplicates],
            "duplicate_score": self.duplicate_score,
            "copies": [
                {"id": c.id, "source": str(c.source), "reason": c.reason.value, "score": c.score}
                for c in self.copies
            ],
            "repeat_of": self.repeat_of,
            "source": str(self.source),
            "new_chars": len(new_text),
            "body_chars": len(self.body),
        }

    def _restored(self, kind: SegmentKind) -> str:
        rewritten = sorted(
            (ln for ln in self.links if ln.original != ln.written and ln.end > ln.start),
            key=lambda ln: ln.start,
        )
        if not rewritten:
            return join_kind(self.segments, kind)
        parts: list[str] = []
        i = 0
        for seg in self.segments:
            if seg.kind is not kind:
                continue
            while i < len(rewritten) and rewritten[i].start < seg.start:
                i += 1
            pos = seg.start
            j = i
            while j < len(rewritten) and rewritten[j].end <= seg.end:
                link = rewritten[j]
                if link.start >= pos:
                    parts.append(self.body[pos : link.start])
                    cut = link.truncated and not link.completed
                    parts.append(link.original + ("..." if cut else ""))
                    pos = link.end
                j += 1
            parts.append(self.body[pos : seg.end])
        return "".join(parts).strip()


@attrs.frozen(kw_only=True)
class ThreadNode:
    """A message in a thread walk: its id and how deep it sits below the root."""

    id: str
    depth: int


@attrs.frozen(kw_only=True)
class Thread:
    """A tree of messages. `nodes` lists it depth-first, the root first.

    When the thread's real root is missing from the archive (replies to a message of another
    month), its replies are siblings at depth 0, each with `parent_id=None`; `root_id` is the
    earliest of them and `nodes[0]` is still that root.
    """

    root_id: str
    nodes: tuple[ThreadNode, ...]

    @property
    def message_ids(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.nodes)

    def walk(self) -> Iterator[ThreadNode]:
        """The messages depth-first, each with its depth (the root is 0)."""
        return iter(self.nodes)


@attrs.frozen(kw_only=True)
class Stats:
    """Figures about one read of an archive."""

    messages_read: int = 0
    """Messages the readers yielded, copies included."""
    messages: int = 0
    """Messages kept after copies were collapsed."""
    threads: int = 0
    problems: int = 0
    input_chars: int = 0
    """Characters of every body read, copies included (headers are not counted)."""
    body_chars: int = 0
    """Characters of the kept messages' bodies."""
    new_chars: int = 0
    """Characters of the kept messages' new text."""
    duplicates_collapsed: int = 0
    quotes_marked: int = 0
    quotes_unmarked: int = 0
    links_restored: int = 0

    @property
    def ratio(self) -> float:
        """Input characters per character of new text (higher: more repetition)."""
        return self.input_chars / self.new_chars if self.new_chars else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = attrs.asdict(self)
        d["ratio"] = round(self.ratio, 3)
        return d


@attrs.frozen(kw_only=True)
class Archive:
    """The canonical tree of one or more archive files."""

    messages: tuple[Message, ...]
    threads: tuple[Thread, ...] = ()
    problems: tuple[Problem, ...] = ()
    stats: Stats = attrs.field(factory=Stats)
    _by_id: Mapping[str, Message] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        # A frozen class sets derived state through object.__setattr__ once, at construction.
        object.__setattr__(self, "_by_id", {m.id: m for m in self.messages})

    def get(self, message_id: str) -> Message | None:
        """The message with this id (angle brackets are ignored), or None."""
        return self._by_id.get(message_id.strip().strip("<>"))

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages)

    def children(self, message_id: str) -> tuple[Message, ...]:
        """The direct replies to a message, in archive order."""
        return tuple(m for m in self.messages if m.parent_id == message_id)

    def to_records(self) -> list[dict[str, Any]]:
        """One plain dict per message, ready for `pandas.DataFrame(archive.to_records())`."""
        return [m.to_record() for m in self.messages]

    def thread_of(self, message_id: str) -> Thread | None:
        m = self.get(message_id)
        if m is None:
            return None
        for t in self.threads:
            if t.root_id == m.thread_id:
                return t
        return None
