"""The whole pipeline: read -> normalise -> segment -> match -> thread -> Archive.

Each stage is a pure function of the previous stage's frozen values; this module only wires them
together and counts. It is split in the two phases of docs/architecture.md: a per-message map
(`wsisdedup.analyse`: parse, segment, find links) that needs nothing but the message, then
archive-wide joins (footers, repeated text, duplicates, threads) that need all messages.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from functools import partial
from itertools import islice, tee
from typing import BinaryIO, TypeVar

import attrs

from wsisdedup.analyse import (
    MIN_PARALLEL,
    Mapped,
    Pool,
    analyse_all,
    attributions_of,
    origin_of,
    parse_in_pool,
    pool_map,
    start_pool,
    tokens_of,
)
from wsisdedup.export.sqlite import is_sqlite, read_sqlite
from wsisdedup.match import (
    IndexDoc,
    Tokens,
    apply_matches,
    collapse_copies,
    match_archive,
)
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
    Stage,
    StageProgress,
    Stats,
)
from wsisdedup.readers import read_messages, read_unparsed
from wsisdedup.runtime import collector_paused, release_free_memory
from wsisdedup.segment.footers import learn_footers
from wsisdedup.segment.reclaim import reclaim_own
from wsisdedup.text.links import complete_truncated
from wsisdedup.text.subject import is_reply_subject
from wsisdedup.thread import AttributionRef, names_author, thread_messages

__all__ = ["OnProgress", "Progress", "build_archive", "join_archive", "read", "read_many"]

log = logging.getLogger(__name__)

Source = str | os.PathLike[str] | BinaryIO
Progress = Callable[[int], None]
"""Called with the number of messages read so far."""
OnProgress = Callable[[StageProgress], None]
"""Called as each stage starts, advances and ends (the CLI draws a bar per stage with it)."""
T = TypeVar("T")


def read(
    source: Source,
    *,
    format: str | None = None,
    limits: Limits | None = None,
    follow_links: bool = False,
    on_progress: OnProgress | None = None,
    workers: int = 1,
) -> Archive:
    """Read one archive (a path, a Maildir folder or an open binary file) into a canonical tree.

    `format` overrides sniffing: "mbox", "pipermail", "maildir", "eml" or "text-dump".
    `limits` bounds what is read (docs/limits.md#size-limits); `follow_links` follows
    symbolic links that lead out of a folder given as `source`.
    Raises `ArchiveFormatError` when the input is not an archive at all; a broken message
    becomes a `Problem` in `Archive.problems` and the others are still read.
    A SQLite store or export (`wsisdedup.store`, `--format sqlite`) is read back as it was built.
    `on_progress`, if given, is called as each stage starts, advances and ends (`StageProgress`).
    `workers` > 1 segments the messages of a large archive in that many processes; the result
    is the same (docs/performance.md#workers). Each of those processes imports the main
    script as it starts, so a script makes the call under `if __name__ == "__main__":`;
    where they cannot start, the read runs in this process, with a `RuntimeWarning`.
    """
    return read_many(
        [source],
        format=format,
        limits=limits,
        follow_links=follow_links,
        on_progress=on_progress,
        workers=workers,
    )


def read_many(
    sources: Sequence[Source],
    *,
    format: str | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
    follow_links: bool = False,
    on_progress: OnProgress | None = None,
    workers: int = 1,
) -> Archive:
    """Read several archives (e.g. monthly files) into one tree: threads cross file boundaries.

    `limits`, `follow_links`, `on_progress` and `workers` apply as in `read`; `progress` (older and
    simpler) is called with the number of messages read so far. A single SQLite store is read
    back as `read` does.
    """
    if len(sources) == 1 and format is None:
        (only,) = sources
        if isinstance(only, str | os.PathLike) and is_sqlite(only):
            return read_sqlite(only)
    parsed: list[ParsedMessage] = []
    problems: list[Problem] = []
    reading = _ReadingProgress(sources, on_progress)
    # Reading makes no cyclic garbage to speak of (145 objects in 20,000 mbox messages), and
    # the collector's passes over the growing list of messages cost a quarter of it (2.0 s
    # against 1.5 s of CPU on the 20k synthetic archive): paused, as the later stages are.
    with ExitStack() as stack, collector_paused():
        pool = None
        items: Iterable[ParsedMessage | Problem | _SourceDone]
        if _early_pool(reading.total, workers):
            pool = start_pool(workers)
            stack.callback(pool.shutdown)
            # Messages are parsed in the pool's processes (`parse_in_pool`).
            unparsed = partial(read_unparsed, format=format, limits=limits)
            items = parse_in_pool(_each_source(sources, unparsed, follow_links), pool)
        else:
            each = partial(read_messages, format=format, limits=limits)
            items = _each_source(sources, each, follow_links)
        for item in items:
            if isinstance(item, _SourceDone):
                reading.source_done()
            elif isinstance(item, Problem):
                problems.append(item)
            else:
                parsed.append(item)
                problems.extend(item.problems)
                reading.message(item, len(parsed))
                if progress is not None:
                    progress(len(parsed))
        reading.finish(len(parsed))
        return _build_archive(parsed, problems, _Stages(on_progress, len(parsed)), workers, pool)


@attrs.frozen
class _SourceDone:
    """Marks the end of one source's items (`_each_source`)."""


def _each_source(
    sources: Sequence[Source], read: Callable[..., Iterable[T]], follow_links: bool
) -> Iterator[T | _SourceDone]:
    """What `read` gives for each source in turn, each source's items followed by a
    `_SourceDone`."""
    for source in sources:
        yield from read(source, follow_links=follow_links)
        yield _SourceDone()


_EARLY_POOL_BYTES = MIN_PARALLEL * 1000
"""Input (known sizes, in bytes) from which `read_many` starts the workers before reading:
an archive of fewer messages than `MIN_PARALLEL` is segmented in one process, and its pool
would have started for nothing (the synthetic archive's messages are 1.3 KB, real lists'
several)."""


def _early_pool(size: int | None, workers: int) -> bool:
    """Whether to start the map phase's workers before reading (`analyse.start_pool`): they
    start (and import the package) while the archive is read."""
    return (
        workers > 1
        and size is not None
        and size >= _EARLY_POOL_BYTES
        and not multiprocessing.current_process().daemon
    )


class _ReadingProgress:
    """Reading's progress in bytes of the input where every source is an uncompressed file
    (a message's byte offset says how far its file is read), in messages otherwise."""

    def __init__(self, sources: Sequence[Source], report: OnProgress | None) -> None:
        self.report = report
        sizes = [_plain_file_size(s) for s in sources]
        self.total = None if None in sizes else sum(s or 0 for s in sizes)
        self.sizes = iter(sizes)
        self.base = 0
        self.current = next(self.sizes, 0) or 0
        self._emit(0)

    def _emit(self, done: int) -> None:
        if self.report is not None:
            unit = "messages" if self.total is None else "bytes"
            self.report(StageProgress(stage=Stage.READING, done=done, total=self.total, unit=unit))

    def message(self, parsed: ParsedMessage, count: int) -> None:
        if self.report is None:
            return
        if self.total is None:
            self._emit(count)
        elif parsed.source.offset is not None:
            self._emit(self.base + min(parsed.source.offset, self.current))

    def source_done(self) -> None:
        self.base += self.current
        self.current = next(self.sizes, 0) or 0
        if self.total is not None:
            self._emit(self.base)

    def finish(self, count: int) -> None:
        self._emit(count if self.total is None else self.total)


_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lzma")


def _plain_file_size(source: Source) -> int | None:
    """The size of an uncompressed regular file, else None (offsets would not measure it)."""
    if not isinstance(source, str | os.PathLike):
        return None
    path = os.fspath(source)
    if path.lower().endswith(_COMPRESSED) or not os.path.isfile(path):
        return None
    return os.path.getsize(path)


def build_archive(
    parsed: Sequence[ParsedMessage],
    problems: Iterable[Problem] = (),
    *,
    on_progress: OnProgress | None = None,
    workers: int = 1,
) -> Archive:
    """The archive-wide stages over messages already read (`on_progress`, `workers` as in
    `read`)."""
    with collector_paused():
        taken = list(parsed)  # (emptied by the map phase; the caller's stays as it is)
        return _build_archive(taken, problems, _Stages(on_progress, len(parsed)), workers)


class _Stages:
    """Reports each stage's start, steps and end to an `on_progress` callback, if any."""

    def __init__(self, report: OnProgress | None, total: int) -> None:
        self.report = report
        self.total = total

    def step(self, stage: Stage, done: int, total: int | None = None) -> None:
        if self.report is not None:
            total = self.total if total is None else total
            self.report(StageProgress(stage=stage, done=done, total=total))

    def counted(self, stage: Stage, items: Iterable[T]) -> Iterator[T]:
        """`items`, reporting each one taken as a step of `stage`."""
        self.step(stage, 0)
        for done, item in enumerate(items, start=1):
            yield item
            self.step(stage, done)


def _build_archive(
    parsed: list[ParsedMessage],
    problems: Iterable[Problem],
    stages: _Stages,
    workers: int,
    pool: Pool | None = None,
) -> Archive:
    """The archive-wide stages; `parsed` is emptied as the map phase takes its messages."""
    # With workers, they put the sampled endings in canonical form (most of the learning).
    footers = learn_footers(
        (p.body for p in stages.counted(Stage.FOOTERS, parsed)),
        mapper=map if pool is None else pool_map(pool),
    )
    read = _Read.of(parsed)
    # What reading freed goes back to the system before the map phase builds its own peak
    # (`release_free_memory`).
    release_free_memory()
    progress = partial(stages.step, Stage.SEGMENTING)
    analysed = analyse_all(parsed, tuple(footers), workers, progress, pool)
    return _join(read, analysed, problems, stages)


@attrs.frozen
class _Read:
    """What the joins need of the messages as read besides their Messages, taken before the
    map phase lets the messages as read go (`analyse_all`)."""

    count: int
    chars: int
    """Characters of the bodies."""
    quotes: dict[int, int]
    """Position of a message -> `ParsedMessage.quotes_index`, where its reader knew it."""

    @classmethod
    def of(cls, parsed: Sequence[ParsedMessage]) -> _Read:
        return cls(
            count=len(parsed),
            chars=sum(len(p.body) for p in parsed),
            quotes={i: p.quotes_index for i, p in enumerate(parsed) if p.quotes_index is not None},
        )


def join_archive(
    parsed: Sequence[ParsedMessage],
    analysed: Sequence[Message],
    problems: Iterable[Problem] = (),
    *,
    on_progress: OnProgress | None = None,
) -> Archive:
    """The joins over one archive whose map phase is done: `analysed[i]` is
    `analyse_message(parsed[i], footers=...)`, in archive order.

    `build_archive` runs it after its own map phase; `wsisdedup.spark` runs it in a grouped map
    after the map phase ran in Spark tasks, so both engines share one code path.
    """
    with collector_paused():
        mapped = [Mapped(message=m) for m in analysed]
        return _join(_Read.of(parsed), mapped, problems, _Stages(on_progress, len(parsed)))


def _join(
    read: _Read,
    analysed: Iterable[Mapped],
    problems: Iterable[Problem],
    stages: _Stages,
) -> Archive:
    """The archive-wide stages. `analysed` may be a generator still fed by worker processes:
    matching takes each message as it comes, so it runs while later messages are segmented."""
    seen: dict[str, int] = {}
    unique: list[Message] = []

    def numbered() -> Iterator[tuple[Mapped, Origin]]:
        for item in analysed:
            # Before ids are made unique.
            origin = origin_of(item.message) if item.origin is None else item.origin
            m = _unique_id(item.message, seen)
            unique.append(m)
            yield (item if m is item.message else attrs.evolve(item, message=m)), origin

    matched = _match_mapped(numbered(), read.count, stages)
    # Links are completed after matching (which never reads them), from every message read,
    # copies included, so that the join need not wait for the last message to start.
    messages = _complete_links(unique, matched.messages)
    hints = _reader_quote_hints(read.quotes, unique)
    # The messages as they were before matching, each a second Message (and, where matches
    # split them, a second set of segments) beside the matched one: not needed past here.
    unique.clear()
    # What a reader knew (text dumps) outranks what the index guesses from quoted text; a hint
    # that names a collapsed copy names the copy that was kept.
    kept = matched.kept_for
    quote_sources = dict(matched.quote_sources)
    for child, parent in hints.items():
        child, parent = kept.get(child, child), kept.get(parent, parent)
        if child != parent:
            quote_sources[child] = parent
    stages.step(Stage.THREADING, 0, len(messages))
    threading = thread_messages(
        messages,
        attributions=matched.attributions,
        quote_sources=quote_sources,
    )
    stages.step(Stage.THREADING, len(messages), len(messages))
    all_problems = tuple(problems)
    stats = _stats(read, threading.messages, len(threading.threads), all_problems)
    return Archive(
        messages=threading.messages,
        threads=threading.threads,
        problems=all_problems,
        stats=stats,
    )


@attrs.frozen(kw_only=True)
class Matched:
    """Messages after the matching stage, and which message each one quotes (its likely parent)."""

    messages: list[Message]
    quote_sources: dict[str, str]
    kept_for: dict[str, str]
    """The id of a collapsed copy -> the id of the message kept in its place."""
    attributions: dict[str, tuple[AttributionRef, ...]]
    """What each kept message's attributions name, outermost first."""


def match_messages(
    messages: Sequence[Message],
    origins: Sequence[Origin] | None = None,
    *,
    on_progress: OnProgress | None = None,
) -> Matched:
    """Collapse copies, and turn text repeated from earlier messages into sourced quotes.

    Messages are indexed in archive order: the source of a quote is the earliest message whose
    own words hold the text, so a quote of a quote points to the original author. `origins`
    (who wrote each message, when, where: `origin_of`) decide which messages with the same
    words are copies of one message (`match.copies`); without them the words alone decide.
    Unmarked quotes end where the quoted text ends: the paragraphs after it are the author's
    (`match.reclaim`).
    """
    mapped = (Mapped(message=m) for m in messages)
    items = zip(mapped, origins or _no_origins(messages), strict=True)
    return _match_mapped(items, len(messages), _Stages(on_progress, len(messages)))


def _match_mapped(
    items: Iterable[tuple[Mapped, Origin | None]], total: int, stages: _Stages
) -> Matched:
    """`match_messages` over messages as they come out of the map phase (`_join`)."""
    messages: list[Message] = []
    refs: dict[str, tuple[AttributionRef, ...]] = {}

    def doc_of(item: Mapped, origin: Origin | None) -> IndexDoc:
        m = item.message
        messages.append(m)
        found = attributions_of(m) if item.refs is None else item.refs
        if found:
            refs[m.id] = found
        return IndexDoc.from_segments(
            m.id,
            m.body,
            m.segments,
            unmarked=_unmarked_quotes(m),
            origin=origin,
            named=tuple(dict.fromkeys((*m.references, *m.in_reply_to)))[-_MAX_NAMED:],
        )

    def taken() -> Iterator[tuple[IndexDoc, Tokens | None]]:
        pending = iter(items)
        while batch := list(islice(pending, _JOIN_BATCH)):
            docs = [doc_of(item, origin) for item, origin in batch]
            yield from zip(docs, tokens_of(docs, [item.tokens for item, _ in batch]), strict=True)

    # The join takes the docs and their tokens as two iterables; `tee` holds the one pair
    # between them.
    docs, toks = tee(taken())
    stages.step(Stage.MATCHING, 0, total)
    found = match_archive(
        (d for d, _ in docs),
        tokens=(t for _, t in toks),
        progress=partial(stages.step, Stage.MATCHING),
    )
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


_JOIN_BATCH = 500
"""Messages made ready for the join at a time, their tokens in one go (`analyse.tokens_of`)."""


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
        found = attributions_of(m)
        if found:
            refs[m.id] = found
    return refs


def _reader_quote_hints(quotes: Mapping[int, int], messages: Sequence[Message]) -> dict[str, str]:
    """Message id -> id of the message it quotes, where the reader knew it (text dumps):
    `quotes` maps the position of a message in `messages` to the `Source.index` of the message
    of its file that it quotes (`_Read.quotes`)."""
    if not quotes:
        return {}
    by_position = {(m.source.path, m.source.index): m.id for m in messages}
    hints: dict[str, str] = {}
    for i, index in quotes.items():
        m = messages[i]
        source = by_position.get((m.source.path, index))
        if source is not None and source != m.id:
            hints[m.id] = source
    return hints


def _complete_links(read: Sequence[Message], kept: list[Message]) -> list[Message]:
    """Complete the kept messages' links that the archive cut short, from full copies held by
    any message read (collapsed copies too)."""
    completed = complete_truncated([m.links for m in read])
    changed = {m.id: links for m, links in zip(read, completed, strict=True) if links != m.links}
    if not changed:
        return kept
    return [attrs.evolve(m, links=changed[m.id]) if m.id in changed else m for m in kept]


def _unique_id(m: Message, seen: dict[str, int]) -> Message:
    """Give a second message with an id already `seen` a suffixed id, so `Archive.get` is exact.

    Copies of one message are collapsed by the matching stage; until then each keeps its own id.
    """
    n = seen.get(m.id, 0)
    seen[m.id] = n + 1
    return m if n == 0 else attrs.evolve(m, id=f"{m.id}#{n + 1}")


def _is_marked(text: str) -> bool:
    """A quote carries `>` markers (the segmenter also finds quotes that carry none)."""
    return text.lstrip().startswith(">")


def _stats(
    read: _Read,
    messages: Sequence[Message],
    threads: int,
    problems: Sequence[Problem],
) -> Stats:
    quotes = [s for m in messages for s in m.segments if s.kind is SegmentKind.QUOTE]
    marked = sum(1 for s in quotes if _is_marked(s.text))  # (each text sliced once)
    return Stats(
        messages_read=read.count,
        messages=len(messages),
        threads=threads,
        problems=len(problems),
        input_chars=read.chars,
        body_chars=sum(len(m.body) for m in messages),
        new_chars=sum(len(m.new_text) for m in messages),
        duplicates_collapsed=read.count - len(messages),
        quotes_marked=marked,
        quotes_unmarked=len(quotes) - marked,
        links_restored=sum(1 for m in messages for ln in m.links if ln.original != ln.written),
    )
