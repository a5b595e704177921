"""The whole pipeline: read -> normalise -> segment -> match -> thread -> Archive.

Each stage is a pure function of the previous stage's frozen values; this module only wires them
together and counts. It is split in the two phases of docs/architecture.md: a per-message map
(`analyse_message`: parse, segment, find links) that needs nothing but the message, then archive
-wide joins (footers, repeated text, duplicates, threads) that need all messages.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import BinaryIO

import attrs

from wsisdedup.export.sqlite import is_sqlite, read_sqlite
from wsisdedup.match import IndexDoc, apply_matches, collapse_copies, match_archive
from wsisdedup.match.direct import header_quote_matches
from wsisdedup.match.records import OWN_KINDS, Match, Origin, Span
from wsisdedup.model import (
    Archive,
    Limits,
    Message,
    ParsedMessage,
    Person,
    Problem,
    Segment,
    SegmentKind,
    Stats,
)
from wsisdedup.readers import read_messages
from wsisdedup.readers.textdump import mark_own_text
from wsisdedup.segment import parse_attribution, split_body
from wsisdedup.segment.footers import learn_footers
from wsisdedup.segment.reclaim import reclaim_own
from wsisdedup.text.links import complete_truncated, find_links
from wsisdedup.text.subject import is_reply_subject, split_subject
from wsisdedup.thread import AttributionRef, names_author, thread_messages
from wsisdedup.thread.people import name_key

__all__ = ["Progress", "build_archive", "join_archive", "read", "read_many"]

log = logging.getLogger(__name__)

Source = str | os.PathLike[str] | BinaryIO
Progress = Callable[[int], None]
"""Called with the number of messages read so far (the CLI draws a progress bar with it)."""


def read(
    source: Source,
    *,
    format: str | None = None,
    limits: Limits | None = None,
    follow_links: bool = False,
) -> Archive:
    """Read one archive (a path, a Maildir folder or an open binary file) into a canonical tree.

    `format` overrides sniffing: "mbox", "pipermail", "maildir", "eml" or "text-dump".
    `limits` bounds what is read (docs/limits.md#size-limits); `follow_links` follows
    symbolic links that lead out of a folder given as `source`.
    Raises `ArchiveFormatError` when the input is not an archive at all; a broken message
    becomes a `Problem` in `Archive.problems` and the others are still read.
    A SQLite store or export (`wsisdedup.store`, `--format sqlite`) is read back as it was built.
    """
    return read_many([source], format=format, limits=limits, follow_links=follow_links)


def read_many(
    sources: Sequence[Source],
    *,
    format: str | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
    follow_links: bool = False,
) -> Archive:
    """Read several archives (e.g. monthly files) into one tree: threads cross file boundaries.

    `limits` and `follow_links` apply to each source, as in `read`. A single SQLite store is
    read back as `read` does.
    """
    if len(sources) == 1 and format is None:
        (only,) = sources
        if isinstance(only, str | os.PathLike) and is_sqlite(only):
            return read_sqlite(only)
    parsed: list[ParsedMessage] = []
    problems: list[Problem] = []
    for source in sources:
        for item in read_messages(source, format=format, limits=limits, follow_links=follow_links):
            if isinstance(item, Problem):
                problems.append(item)
                continue
            parsed.append(item)
            problems.extend(item.problems)
            if progress is not None:
                progress(len(parsed))
    return build_archive(parsed, problems)


def build_archive(parsed: Sequence[ParsedMessage], problems: Iterable[Problem] = ()) -> Archive:
    """The archive-wide stages over messages already read."""
    footers = learn_footers(p.body for p in parsed)
    analysed = [analyse_message(p, footers=footers) for p in parsed]
    return join_archive(parsed, analysed, problems)


def join_archive(
    parsed: Sequence[ParsedMessage],
    analysed: Sequence[Message],
    problems: Iterable[Problem] = (),
) -> Archive:
    """The joins over one archive whose map phase is done: `analysed[i]` is
    `analyse_message(parsed[i], footers=...)`, in archive order.

    `build_archive` runs it after its own map phase; `wsisdedup.spark` runs it in a grouped map
    after the map phase ran in Spark tasks, so both engines share one code path.
    """
    analysed = list(analysed)
    origins = [origin_of(m) for m in analysed]  # before ids are made unique
    messages = _complete_links(_unique_ids(analysed))
    hints = _reader_quote_hints(parsed, messages)
    matched = match_messages(messages, origins)
    messages = matched.messages
    # What a reader knew (text dumps) outranks what the index guesses from quoted text; a hint
    # that names a collapsed copy names the copy that was kept.
    kept = matched.kept_for
    quote_sources = dict(matched.quote_sources)
    for child, parent in hints.items():
        child, parent = kept.get(child, child), kept.get(parent, parent)
        if child != parent:
            quote_sources[child] = parent
    threading = thread_messages(
        messages,
        attributions=matched.attributions,
        quote_sources=quote_sources,
    )
    all_problems = tuple(problems)
    stats = _stats(parsed, threading.messages, len(threading.threads), all_problems)
    return Archive(
        messages=threading.messages,
        threads=threading.threads,
        problems=all_problems,
        stats=stats,
    )


def analyse_message(parsed: ParsedMessage, *, footers: Sequence[str] = ()) -> Message:
    """The per-message map phase: segments and links of one message."""
    body = split_body(parsed.body, footers=footers)
    return Message(
        id=parsed.message_id or derived_id(parsed),
        source=parsed.source,
        author=parsed.author,
        date=parsed.date,
        subject=parsed.subject,
        body=parsed.body,
        # What the reader knows is the author's (text dumps) outranks the segmenter's quote.
        segments=mark_own_text(body.segments, parsed.own_spans),
        links=find_links(parsed.body),
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
    )


def derived_id(parsed: ParsedMessage) -> str:
    """A stable id for a message without a Message-ID: a hash of what identifies it.

    The same message read twice (from two copies of a month) gets the same id, so later stages
    see it as one message; the file position is deliberately not part of it.
    """
    h = hashlib.blake2b(digest_size=12)
    date = parsed.date.isoformat() if parsed.date else ""
    for part in (parsed.author.address, parsed.author.name, date, parsed.subject, parsed.body):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return f"{h.hexdigest()}@wsisdedup.invalid"


@attrs.frozen(kw_only=True)
class Matched:
    """Messages after the matching stage, and which message each one quotes (its likely parent)."""

    messages: list[Message]
    quote_sources: dict[str, str]
    kept_for: dict[str, str]
    """The id of a collapsed copy -> the id of the message kept in its place."""
    attributions: dict[str, tuple[AttributionRef, ...]]
    """What each kept message's attributions name, outermost first."""


def match_messages(messages: Sequence[Message], origins: Sequence[Origin] | None = None) -> Matched:
    """Collapse copies, and turn text repeated from earlier messages into sourced quotes.

    Messages are indexed in archive order: the source of a quote is the earliest message whose
    own words hold the text, so a quote of a quote points to the original author. `origins`
    (who wrote each message, when, where: `origin_of`) decide which messages with the same
    words are copies of one message (`match.copies`); without them the words alone decide.
    Unmarked quotes end where the quoted text ends: the paragraphs after it are the author's
    (`match.reclaim`).
    """
    docs = [
        IndexDoc.from_segments(
            m.id,
            m.body,
            m.segments,
            unmarked=_unmarked_quotes(m),
            origin=o,
            named=tuple(dict.fromkeys((*m.references, *m.in_reply_to)))[-_MAX_NAMED:],
        )
        for m, o in zip(messages, origins or _no_origins(messages), strict=True)
    ]
    found = match_archive(docs)
    refs = attribution_refs(messages)
    authors = {m.id: m.author for m in messages}
    collapsed = collapse_copies(messages, found.duplicates)
    out: list[Message] = []
    quote_sources: dict[str, str] = {}
    for m in collapsed.messages:
        reclaimed = found.reclaimed.get(m.id)
        if reclaimed:
            own = [(sp.start, sp.end) for sp in reclaimed]
            m = attrs.evolve(m, segments=reclaim_own(m.body, m.segments, own))
        matches = found.repeats.get(m.id, ())
        repeat_of = found.repeat_of.get(m.id)
        if repeat_of is not None:
            # Another person's message with these words: a message of its own, linked to the
            # earlier one; its words stay its own (only what it quotes gets a source).
            m = attrs.evolve(m, repeat_of=collapsed.kept_for.get(repeat_of, repeat_of))
            matches = _outside_own(matches, m.segments)
        if matches:
            m = attrs.evolve(m, segments=apply_matches(m.segments, matches))
            if looks_like_reply(m):
                parent = quoted_parent(m, refs.get(m.id, ()), authors)
                if parent is not None:
                    quote_sources[m.id] = parent
        out.append(_never_only_unmarked_quote(m))
    out = _source_short_quotes(out, collapsed.kept_for)
    return Matched(
        messages=out,
        quote_sources=quote_sources,
        kept_for=collapsed.kept_for,
        attributions={m.id: refs[m.id] for m in out if m.id in refs},
    )


_MAX_NAMED = 20
"""The nearest messages of a References chain an unmarked quote is looked for in: enough for
deep threads, bounded for a header that names thousands."""


def _no_origins(messages: Sequence[Message]) -> list[Origin | None]:
    return [None] * len(messages)


def _source_short_quotes(messages: list[Message], kept_for: Mapping[str, str]) -> list[Message]:
    """Quotes the index found no source for, looked up in the messages the headers name."""
    by_id = {m.id: m for m in messages}
    by_id.update({c: by_id[k] for c, k in kept_for.items() if k in by_id})
    found = header_quote_matches(messages, by_id)
    if not found:
        return messages
    return [
        attrs.evolve(m, segments=apply_matches(m.segments, found[m.id])) if m.id in found else m
        for m in messages
    ]


def origin_of(m: Message) -> Origin:
    """Who wrote a message, when and where it was read (what decides copies)."""
    known_zone = m.date is not None and m.date.utcoffset() is not None
    return Origin(
        message_id=m.id,
        address=m.author.address.casefold(),
        name=name_key(m.author.name),
        time=m.date.timestamp() if m.date is not None and known_zone else None,
        archive=m.source.path,
        subject=split_subject(m.subject).base.casefold(),
        reply_to=m.in_reply_to[-1] if m.in_reply_to else "",
    )


def _unmarked_quotes(m: Message) -> tuple[Span, ...]:
    return tuple(
        Span(start=s.start, end=s.end)
        for s in m.segments
        if s.kind is SegmentKind.QUOTE and not _is_marked(s.text)
    )


def _outside_own(matches: Sequence[Match], segments: Sequence[Segment]) -> tuple[Match, ...]:
    """The matches that do not touch the message's own words (NEW and SIGNATURE)."""
    own = [(s.start, s.end) for s in segments if s.kind in OWN_KINDS]
    return tuple(mt for mt in matches if not any(a < mt.end and mt.start < b for a, b in own))


def _never_only_unmarked_quote(m: Message) -> Message:
    """A reply whose only text is an unmarked quote that repeats nothing in the archive: the
    quote is the author's text after all (the segmenter could not know where a quote without
    markers ends, and the archive holds no message it could be)."""
    if m.new_text.strip() or not looks_like_reply(m):
        return m
    unsourced = [
        (s.start, s.end)
        for s in m.segments
        if s.kind is SegmentKind.QUOTE and s.source_id is None and not _is_marked(s.text)
    ]
    if not unsourced or any(s.kind is SegmentKind.QUOTE and s.source_id for s in m.segments):
        return m
    return attrs.evolve(m, segments=reclaim_own(m.body, m.segments, unsourced))


def looks_like_reply(m: Message) -> bool:
    """A message that presents itself as a reply: a reply subject, an attribution or `>` quotes.

    Repeated text alone is no evidence of a reply: daily reports repeat yesterday's lists and
    announcements paste the same paragraphs, and neither answers the earlier message.
    """
    if is_reply_subject(m.subject):
        return True
    return any(
        s.kind is SegmentKind.ATTRIBUTION or (s.kind is SegmentKind.QUOTE and _is_marked(s.text))
        for s in m.segments
    )


def quoted_parent(
    m: Message, refs: Sequence[AttributionRef], authors: Mapping[str, Person]
) -> str | None:
    """The message a reply answers, judged from what it quotes.

    A reply quotes its parent's own words at the shallowest quote depth, with the older thread
    nested deeper, so candidates are the sources of its quotes by (depth, position). Where the
    reply's first attribution names someone, the parent is the first candidate that person
    wrote; if none is theirs, the quote says nothing sure and the attribution decides later.
    """
    quotes = sorted(
        (s for s in m.quotes if s.source_id is not None and s.source_id != m.id),
        key=lambda s: (s.depth, s.start),
    )
    candidates = list(dict.fromkeys(s.source_id for s in quotes if s.source_id))
    if not candidates:
        return None
    if refs and (refs[0].name or refs[0].address):
        for c in candidates:
            author = authors.get(c)
            if author is not None and names_author(refs[0], author):
                return c
        return None
    return candidates[0]


def attribution_refs(messages: Sequence[Message]) -> dict[str, tuple[AttributionRef, ...]]:
    """Whom and when each message's attributions name, outermost (the direct parent) first.

    Only top-level attributions count: the segmenter keeps nested ones inside QUOTE segments.
    """
    refs: dict[str, tuple[AttributionRef, ...]] = {}
    for m in messages:
        found = []
        for seg in m.segments:
            if seg.kind is not SegmentKind.ATTRIBUTION:
                continue
            att = parse_attribution(seg.text)
            if att is not None and (att.name or att.address):
                found.append(AttributionRef(name=att.name, address=att.address, date=att.date))
        if found:
            refs[m.id] = tuple(found)
    return refs


def _reader_quote_hints(
    parsed: Sequence[ParsedMessage], messages: Sequence[Message]
) -> dict[str, str]:
    """Message id -> id of the message it quotes, where the reader knew it (text dumps)."""
    by_position = {
        (p.source.path, p.source.index): m.id for p, m in zip(parsed, messages, strict=True)
    }
    hints: dict[str, str] = {}
    for p, m in zip(parsed, messages, strict=True):
        if p.quotes_index is not None:
            source = by_position.get((p.source.path, p.quotes_index))
            if source is not None and source != m.id:
                hints[m.id] = source
    return hints


def _complete_links(messages: list[Message]) -> list[Message]:
    """Complete links the archive cut short from full copies held by other messages."""
    completed = complete_truncated([m.links for m in messages])
    return [
        m if links == m.links else attrs.evolve(m, links=links)
        for m, links in zip(messages, completed, strict=True)
    ]


def _unique_ids(messages: list[Message]) -> list[Message]:
    """Give a second message with an id already seen a suffixed id, so `Archive.get` is exact.

    Copies of one message are collapsed by the matching stage; until then each keeps its own id.
    """
    seen: dict[str, int] = {}
    out: list[Message] = []
    for m in messages:
        n = seen.get(m.id, 0)
        seen[m.id] = n + 1
        out.append(m if n == 0 else attrs.evolve(m, id=f"{m.id}#{n + 1}"))
    return out


def _is_marked(text: str) -> bool:
    """A quote carries `>` markers (the segmenter also finds quotes that carry none)."""
    return text.lstrip().startswith(">")


def _stats(
    parsed: Sequence[ParsedMessage],
    messages: Sequence[Message],
    threads: int,
    problems: Sequence[Problem],
) -> Stats:
    quotes = [s for m in messages for s in m.segments if s.kind is SegmentKind.QUOTE]
    return Stats(
        messages_read=len(parsed),
        messages=len(messages),
        threads=threads,
        problems=len(problems),
        input_chars=sum(len(p.body) for p in parsed),
        body_chars=sum(len(m.body) for m in messages),
        new_chars=sum(len(m.new_text) for m in messages),
        duplicates_collapsed=len(parsed) - len(messages),
        quotes_marked=sum(1 for s in quotes if _is_marked(s.text)),
        quotes_unmarked=sum(1 for s in quotes if not _is_marked(s.text)),
        links_restored=sum(1 for m in messages for ln in m.links if ln.original != ln.written),
    )
