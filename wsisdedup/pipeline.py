"""The whole pipeline: read -> normalise -> segment -> match -> thread -> Archive.

Each stage is a pure function of the previous stage's frozen values; this module only wires them
together and counts. It is split in the two phases of docs/architecture.md: a per-message map
(`analyse_message`: parse, segment, find links) that needs nothing but the message, then archive
-wide joins (footers, repeated text, duplicates, threads) that need all messages.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from itertools import tee
from typing import BinaryIO, TypeVar, cast

import attrs

from wsisdedup.export.sqlite import is_sqlite, read_sqlite
from wsisdedup.match import (
    IndexDoc,
    Tokens,
    apply_matches,
    collapse_copies,
    match_archive,
    tokenise,
)
from wsisdedup.match.direct import header_quote_matches
from wsisdedup.match.records import OWN_KINDS, Match, Origin, Span
from wsisdedup.model import (
    Archive,
    Detached,
    Limits,
    Link,
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
from wsisdedup.readers import read_messages
from wsisdedup.readers.textdump import mark_own_text
from wsisdedup.runtime import collector_paused, release_free_memory
from wsisdedup.segment import parse_attribution, split_body
from wsisdedup.segment.footers import learn_footers
from wsisdedup.segment.reclaim import reclaim_own
from wsisdedup.text.links import complete_truncated, find_links
from wsisdedup.text.subject import is_reply_subject, split_subject
from wsisdedup.thread import AttributionRef, names_author, thread_messages
from wsisdedup.thread.people import name_key

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
    is the same (docs/performance.md#workers).
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
    with collector_paused():
        for source in sources:
            for item in read_messages(
                source, format=format, limits=limits, follow_links=follow_links
            ):
                if isinstance(item, Problem):
                    problems.append(item)
                    continue
                parsed.append(item)
                problems.extend(item.problems)
                reading.message(item, len(parsed))
                if progress is not None:
                    progress(len(parsed))
            reading.source_done()
        reading.finish(len(parsed))
    return build_archive(parsed, problems, on_progress=on_progress, workers=workers)


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
        return _build_archive(parsed, problems, _Stages(on_progress, len(parsed)), workers)


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
    parsed: Sequence[ParsedMessage], problems: Iterable[Problem], stages: _Stages, workers: int
) -> Archive:
    footers = learn_footers(p.body for p in stages.counted(Stage.FOOTERS, parsed))
    # What reading freed goes back to the system before the map phase builds its own peak
    # (`release_free_memory`).
    release_free_memory()
    analysed = _analyse_all(parsed, tuple(footers), stages, workers)
    return _join(parsed, analysed, problems, stages)


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
        mapped = [_Mapped(message=m) for m in analysed]
        return _join(parsed, mapped, problems, _Stages(on_progress, len(parsed)))


@attrs.frozen
class _Mapped:
    """One message out of the map phase, with what the join would otherwise work out for it
    alone (None: not done yet, the join does it)."""

    message: Message
    tokens: Tokens | None = None
    """`match.tokenise` of its body and own segments: the join's costliest per-message part."""
    refs: tuple[AttributionRef, ...] | None = None
    """What its attributions name (`attribution_refs`)."""
    origin: Origin | None = None
    """`origin_of` the message."""


def _join(
    parsed: Sequence[ParsedMessage],
    analysed: Iterable[_Mapped],
    problems: Iterable[Problem],
    stages: _Stages,
) -> Archive:
    """The archive-wide stages. `analysed` may be a generator still fed by worker processes:
    matching takes each message as it comes, so it runs while later messages are segmented."""
    seen: dict[str, int] = {}
    unique: list[Message] = []

    def numbered() -> Iterator[tuple[_Mapped, Origin]]:
        for item in analysed:
            # Before ids are made unique.
            origin = origin_of(item.message) if item.origin is None else item.origin
            m = _unique_id(item.message, seen)
            unique.append(m)
            yield (item if m is item.message else attrs.evolve(item, message=m)), origin

    matched = _match_mapped(numbered(), len(parsed), stages)
    # Links are completed after matching (which never reads them), from every message read,
    # copies included, so that the join need not wait for the last message to start.
    messages = _complete_links(unique, matched.messages)
    hints = _reader_quote_hints(parsed, unique)
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
    stats = _stats(parsed, threading.messages, len(threading.threads), all_problems)
    return Archive(
        messages=threading.messages,
        threads=threading.threads,
        problems=all_problems,
        stats=stats,
    )


def _analyse_all(
    parsed: Sequence[ParsedMessage], footers: tuple[str, ...], stages: _Stages, workers: int
) -> Iterable[_Mapped]:
    """The map phase (`analyse_message`) over all messages, in `workers` processes if asked.

    In one process, every message is segmented before matching starts (the join computes the
    tokens). With workers, the map phase also tokenises, and the messages are handed on as
    they come back, in order, so the join in this process runs alongside the workers. Not in a
    daemon process (a worker of someone else's pool may have no children of its own), and not
    for small archives (`MIN_PARALLEL`).
    """
    if workers <= 1 or len(parsed) < MIN_PARALLEL or multiprocessing.current_process().daemon:
        out = []
        for p in stages.counted(Stage.SEGMENTING, parsed):
            m = analyse_message(p, footers=footers)
            # What its attributions name, while the segmenter's parse of them is memoised.
            out.append(_Mapped(message=m, refs=_attributions_of(m)))
        return _handed_on(out)
    return _analyse_in_workers(parsed, footers, stages, workers)


def _handed_on(items: list[T]) -> Iterator[T]:
    """The items of a list, in order, each dropped from it as it is taken: the list no longer
    holds what its taker has done with."""
    items.reverse()
    while items:
        yield items.pop()


MIN_PARALLEL = 4000
"""Messages below which `workers` is ignored: starting processes and sending the messages
costs more than segmenting a smaller archive in one."""
_CHUNK = 500
"""Messages sent to a worker at a time: enough to make the sending cheap, few enough to keep
both workers busy to the end and the progress bar moving."""
_AHEAD = 2
"""Chunks per worker sent ahead of the join: enough that a worker never waits for the join to
take a result, few enough that memory holds only a few chunks' tokens."""
_MAX_IN_FLIGHT = 8
"""Chunks out at once whatever the workers: the join takes about one worker's output, so more
would only wait in memory (tokens of 500 messages are some 5 MB)."""


def _analyse_in_workers(
    parsed: Sequence[ParsedMessage], footers: tuple[str, ...], stages: _Stages, workers: int
) -> Iterator[_Mapped]:
    """`_analyse_all` in a process pool: chunks go out at most `_AHEAD` per worker (and
    `_MAX_IN_FLIGHT` in all) ahead of the one the join is taking, and come back in order."""
    chunks = [parsed[i : i + _CHUNK] for i in range(0, len(parsed), _CHUNK)]
    # forkserver (not fork): the parent may run threads (a progress bar's monitor), and forking
    # a threaded process can deadlock a child.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    stages.step(Stage.SEGMENTING, 0)
    done = 0
    in_flight = min(workers * _AHEAD, _MAX_IN_FLIGHT)
    with ProcessPoolExecutor(max_workers=min(workers, in_flight), mp_context=context) as pool:
        pending: list[Future[bytes]] = []
        sent = 0
        for chunk in chunks:
            while sent < len(chunks) and len(pending) < in_flight:
                pending.append(pool.submit(_analyse_chunk, chunks[sent], footers))
                sent += 1
            # (This process runs with the collector paused: `build_archive`.)
            result: list[_Analysed] = pickle.loads(pending.pop(0).result())
            done += len(result)
            stages.step(Stage.SEGMENTING, done)
            result.reverse()  # popped from the end: each item is freed once the join took it
            for p in chunk:
                yield result.pop().mapped(p)


@attrs.frozen
class _Analysed:
    """What a worker sends back for one message (`_analyse_chunk`): only what the parent does
    not hold. The parent holds the message as read (body, headers, source): sending those
    back cost time, and a second copy of each in the parent's memory, since the copies that
    came back were the ones the Archive kept."""

    id: str | None
    """The message's id when it is not its Message-ID (`derived_id`)."""
    segments: tuple[Segment, ...] | tuple[Detached, ...]
    """`Segment.detached` where every segment holds the body (they always do), else the
    segments themselves."""
    links: tuple[Link, ...]
    tokens: Tokens
    refs: tuple[AttributionRef, ...]
    origin: Origin

    @classmethod
    def of(cls, parsed: ParsedMessage, footers: tuple[str, ...]) -> _Analysed:
        m = analyse_message(parsed, footers=footers)
        doc = IndexDoc.from_segments(m.id, m.body, m.segments)
        detached = tuple(s.detached(m.body) for s in m.segments)
        return cls(
            id=None if m.id == parsed.message_id else m.id,
            segments=m.segments if None in detached else cast("tuple[Detached, ...]", detached),
            links=m.links,
            tokens=tokenise(doc),
            refs=_attributions_of(m),
            origin=origin_of(m),
        )

    def mapped(self, parsed: ParsedMessage) -> _Mapped:
        """The message, made again over what the parent read (`parsed`)."""
        body = parsed.body
        segments = tuple(
            s if isinstance(s, Segment) else Segment.attached(body, s) for s in self.segments
        )
        message_id = parsed.message_id if self.id is None else self.id
        assert message_id is not None
        message = _message_of(parsed, message_id, segments, self.links)
        return _Mapped(message=message, tokens=self.tokens, refs=self.refs, origin=self.origin)


def _analyse_chunk(chunk: Sequence[ParsedMessage], footers: tuple[str, ...]) -> bytes:
    """A worker's part of `_analyse_in_workers` (module level, so a worker can import it).

    Returns the results pickled here, with the collector still paused: left to the pool, the
    pickling ran with it on, and its passes over the chunk's new objects took more than half
    of the pickling's time (151 against 66 µs a message on the 20k synthetic archive).
    """
    with collector_paused():
        out = [_Analysed.of(p, footers) for p in chunk]
        return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)


def analyse_message(parsed: ParsedMessage, *, footers: Sequence[str] = ()) -> Message:
    """The per-message map phase: segments and links of one message."""
    body = split_body(parsed.body, footers=footers)
    return _message_of(
        parsed,
        parsed.message_id or derived_id(parsed),
        # What the reader knows is the author's (text dumps) outranks the segmenter's quote.
        mark_own_text(body.segments, parsed.own_spans),
        find_links(parsed.body),
    )


def _message_of(
    parsed: ParsedMessage, id: str, segments: tuple[Segment, ...], links: tuple[Link, ...]
) -> Message:
    """The message read as `parsed`, with its id, segments and links."""
    return Message(
        id=id,
        source=parsed.source,
        author=parsed.author,
        date=parsed.date,
        subject=parsed.subject,
        body=parsed.body,
        segments=segments,
        links=links,
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
    mapped = (_Mapped(message=m) for m in messages)
    items = zip(mapped, origins or _no_origins(messages), strict=True)
    return _match_mapped(items, len(messages), _Stages(on_progress, len(messages)))


def _match_mapped(
    items: Iterable[tuple[_Mapped, Origin | None]], total: int, stages: _Stages
) -> Matched:
    """`match_messages` over messages as they come out of the map phase (`_join`)."""
    messages: list[Message] = []
    refs: dict[str, tuple[AttributionRef, ...]] = {}

    def taken() -> Iterator[tuple[IndexDoc, Tokens | None]]:
        for item, origin in items:
            m = item.message
            messages.append(m)
            found = _attributions_of(m) if item.refs is None else item.refs
            if found:
                refs[m.id] = found
            doc = IndexDoc.from_segments(
                m.id,
                m.body,
                m.segments,
                unmarked=_unmarked_quotes(m),
                origin=origin,
                named=tuple(dict.fromkeys((*m.references, *m.in_reply_to)))[-_MAX_NAMED:],
            )
            yield doc, item.tokens

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
    # Interned: the join keeps every message's origin, and one author's (or one thread's)
    # messages then share one string where each held its own copy.
    return Origin(
        message_id=m.id,
        address=_shared(m.author.address.casefold()),
        name=_shared(name_key(m.author.name)),
        time=m.date.timestamp() if m.date is not None and known_zone else None,
        archive=_shared(m.source.path),
        subject=_shared(split_subject(m.subject).base.casefold()),
        reply_to=m.in_reply_to[-1] if m.in_reply_to else "",
    )


def _shared(text: str) -> str:
    """`text` interned (a subclass of str cannot be: it is kept as it is)."""
    return sys.intern(text) if type(text) is str else text


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
        found = _attributions_of(m)
        if found:
            refs[m.id] = found
    return refs


def _attributions_of(m: Message) -> tuple[AttributionRef, ...]:
    """`attribution_refs` of one message (the map phase can work it out)."""
    found = []
    for seg in m.segments:
        if seg.kind is not SegmentKind.ATTRIBUTION:
            continue
        att = parse_attribution(seg.text)
        if att is not None and (att.name or att.address):
            found.append(AttributionRef(name=att.name, address=att.address, date=att.date))
    return tuple(found)


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
