"""The map phase: what each message needs worked out alone, before the archive-wide joins.

`analyse_message` segments one message and finds its links; `analyse_all` runs it over an
archive, in worker processes for a large one, and hands each message on to the join
(`wsisdedup.pipeline`) with what the join would otherwise work out for it alone: its tokens,
what its attributions name, its origin. docs/architecture.md describes the two phases.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import multiprocessing
import os
import pickle
import sys
import threading
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack, suppress
from itertools import chain, repeat
from multiprocessing.context import BaseContext
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar, cast

import attrs

from wsisdedup.match import IndexDoc, Tokens, tokenise_many
from wsisdedup.match.records import Origin, Span
from wsisdedup.model import (
    Detached,
    Link,
    Message,
    ParsedMessage,
    Problem,
    Segment,
    SegmentKind,
)
from wsisdedup.readers import Unparsed
from wsisdedup.readers.textdump import mark_own_text
from wsisdedup.runtime import collector_paused
from wsisdedup.segment import parse_attribution, split_body
from wsisdedup.text.links import find_links
from wsisdedup.text.subject import split_subject
from wsisdedup.thread import AttributionRef
from wsisdedup.thread.people import name_key

__all__ = [
    "MIN_PARALLEL",
    "Mapped",
    "Pool",
    "analyse_all",
    "analyse_message",
    "derived_id",
    "origin_of",
    "parse_in_pool",
    "pool_map",
    "start_pool",
    "tokens_of",
]

T = TypeVar("T")


def analyse_message(parsed: ParsedMessage, *, footers: Sequence[str] = ()) -> Message:
    """The per-message map phase: segments and links of one message."""
    body = split_body(parsed.body, footers=footers)
    return _message_of(
        parsed,
        _message_id(parsed),
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


def _message_id(parsed: ParsedMessage) -> str:
    """The message's id: its Message-ID, else `derived_id`."""
    return parsed.message_id or derived_id(parsed)


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


@attrs.frozen
class Mapped:
    """One message out of the map phase, with what the join would otherwise work out for it
    alone (None: not done yet, the join does it)."""

    message: Message
    tokens: Tokens | None = None
    """`match.tokenise` of its body and own segments: the join's costliest per-message part."""
    refs: tuple[AttributionRef, ...] | None = None
    """What its attributions name (`attributions_of`; `pipeline.attribution_refs` for many)."""
    origin: Origin | None = None
    """`origin_of` the message."""


def analyse_all(
    parsed: list[ParsedMessage],
    footers: tuple[str, ...],
    workers: int,
    progress: Callable[[int], None],
    pool: Pool | None = None,
) -> Iterable[Mapped]:
    """The map phase (`analyse_message`) over all messages, in `workers` processes if asked.

    The messages are taken out of `parsed`, which is left empty: each Message holds what its
    message as read held (body, headers, source), and the shells that held them were 13 MB
    at the join's peak on 100,000 messages.

    In one process, every message is segmented before matching starts (the join computes the
    tokens). With workers, the map phase also tokenises, and the messages are handed on as
    they come back, in order, so the join in this process runs alongside the workers. Not in a
    daemon process (a worker of someone else's pool may have no children of its own), and not
    for small archives (`MIN_PARALLEL`). `progress` is called with the number of messages done,
    0 first. `pool`, if given, is a pool `start_pool(workers)` started earlier: it is shut
    down when the map phase is done with it.

    Where no pool's processes start (`_own_pool`), the map phase runs here, with a
    `RuntimeWarning` that says the likeliest cause.
    """
    if workers <= 1 or len(parsed) < MIN_PARALLEL or multiprocessing.current_process().daemon:
        return _analyse_here(parsed, footers, progress)
    working = _own_pool(pool, workers)
    if working is None:
        message = _NO_WORKERS.format(workers=workers)
        warnings.warn(message, RuntimeWarning, stacklevel=_caller_level())
        return _analyse_here(parsed, footers, progress)
    return _analyse_in_workers(parsed, footers, workers, progress, working)


_NO_WORKERS = (
    "wsisdedup: the {workers} worker processes asked for did not start, so this read ran in "
    "one process. Each worker imports the main script as it starts: a script that reads "
    'with workers must make the call under `if __name__ == "__main__":`.'
)


def _caller_level() -> int:
    """The `stacklevel` that points a warning at the first caller outside this package (the
    script's `read` call), from the function that warns."""
    package = os.path.dirname(__file__) + os.sep
    frame: FrameType | None = sys._getframe(2)
    level = 2
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


_NO_WORKERS_HERE = (
    "wsisdedup: a worker process, importing the main script as it started, was asked to "
    'read with workers: make that call under `if __name__ == "__main__":`.'
)


def _analyse_here(
    parsed: list[ParsedMessage], footers: tuple[str, ...], progress: Callable[[int], None]
) -> Iterable[Mapped]:
    """`analyse_all` in this process."""
    out = []
    recent = _RecentBodies()
    progress(0)
    for p in parsed:
        m, work = _analysed(p, footers, recent)
        out.append(Mapped(message=m, refs=work.refs))
        progress(len(out))
    parsed.clear()
    return _handed_on(out)


@attrs.frozen
class _BodyWork:
    """What the map phase works out from a message's body alone (given the archive's footers
    and the spans its reader marked as the author's): the same for every copy of the body."""

    segments: tuple[Detached, ...] | None
    """`Segment.detached` of each segment; None where one does not hold the body itself."""
    links: tuple[Link, ...]
    refs: tuple[AttributionRef, ...]
    """What its attributions name (`attributions_of`), while the segmenter's parse of them is
    memoised."""


class _RecentBodies:
    """The map phase's work on the last `_RECENT_BODIES` distinct bodies, by body.

    An archive holds exact copies of messages: resent, crossposted, kept in two exports that
    were read together (a sixth of the synthetic archive's messages, half of one corpus
    file's). They lie a few messages apart (half of the synthetic archive's within 4), so a
    short memory finds most of them, and each copy costs a dict lookup instead of segmenting
    and tokenising.
    """

    def __init__(self) -> None:
        # Keyed by the body and what its reader marked as the author's.
        self._items: OrderedDict[tuple[str, tuple[tuple[int, int], ...]], _BodyWork]
        self._items = OrderedDict()

    def get(self, parsed: ParsedMessage) -> _BodyWork | None:
        work = self._items.get((parsed.body, parsed.own_spans))
        if work is not None:
            self._items.move_to_end((parsed.body, parsed.own_spans))
        return work

    def put(self, parsed: ParsedMessage, work: _BodyWork) -> None:
        self._items[parsed.body, parsed.own_spans] = work
        if len(self._items) > _RECENT_BODIES:
            self._items.popitem(last=False)


_RECENT_BODIES = 256
"""Distinct bodies `_RecentBodies` remembers (their segments and links; the bodies are the
messages' own strings)."""


def _analysed(
    parsed: ParsedMessage, footers: tuple[str, ...], recent: _RecentBodies
) -> tuple[Message, _BodyWork]:
    """`analyse_message`, and what else depends on its body alone, taken from `recent` where a
    copy of the body was analysed a few messages before (the same work object then)."""
    work = recent.get(parsed)
    if work is not None and work.segments is not None:
        body = parsed.body
        segments = tuple(Segment.attached(body, fields) for fields in work.segments)
        return _message_of(parsed, _message_id(parsed), segments, work.links), work
    m = analyse_message(parsed, footers=footers)
    detached = tuple(s.detached(m.body) for s in m.segments)
    work = _BodyWork(
        segments=None if None in detached else cast("tuple[Detached, ...]", detached),
        links=m.links,
        refs=attributions_of(m),
    )
    if work.segments is not None:
        recent.put(parsed, work)
    return m, work


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
_FIRST_CHUNK = 100
"""Messages in each worker's first chunk (`_chunk_bounds`)."""
_AHEAD = 2
"""Chunks per worker sent ahead of the join: enough that a worker never waits for the join to
take a result, few enough that memory holds only a few chunks' tokens."""
_MAX_IN_FLIGHT = 8
"""Chunks out at once whatever the workers: the join takes about one worker's output, so more
would only wait in memory (tokens of 500 messages are some 5 MB)."""


@attrs.frozen(eq=False)
class Pool:
    """Worker processes started before reading (`start_pool`)."""

    executor: ProcessPoolExecutor
    size: int
    """Its processes."""
    starting: threading.Thread
    """Submits `started`: the first process to start makes its submitter wait until the
    fork server has imported the package (`_new_pool`), and this process reads meanwhile."""
    started: list[Future[str]]
    """A task for each process (`_started`), which a process runs once it has started and
    warmed up: the first to do so may run them all."""

    def ready(self) -> bool:
        """Whether the processes have started and warmed up (one at least), running this
        process's wsisdedup (`own`)."""
        # (`own` checks that each process got its task, and does not wait once all are done.)
        return not self.starting.is_alive() and all(f.done() for f in self.started) and self.own()

    def own(self) -> bool:
        """Whether the processes run this process's wsisdedup, once they have started (waited
        for). Not where the fork server imported another copy (`_server_preload` foresees
        the current directory only: not a path this process put first at run time, nor an
        import hook): each task would run that copy's code, or fail on it."""
        self.starting.join()
        if len(self.started) != self.size:
            return False  # the pool broke as it started
        try:
            return all(f.result() == _HERE for f in self.started)
        except Exception:  # a process that cannot run `_started` runs no wsisdedup of ours
            return False

    def shutdown(self) -> None:
        """Stop the processes, dropping the tasks not yet begun."""
        self.starting.join()  # (a task submitted after the shutdown would raise)
        self.executor.shutdown(cancel_futures=True)


def pool_map(pool: Pool) -> Callable[..., Iterable[Any]]:
    """The built-in `map` over lists, done in `pool`'s processes, a share of the items each
    (results in order): for a stage between reading and the map phase (`learn_footers`),
    while the processes would otherwise wait."""

    def mapped(function: Callable[..., Any], *lists: Sequence[Any]) -> Iterable[Any]:
        if not pool.own():
            return map(function, *lists)
        share = -(-min(map(len, lists)) // pool.size)
        return pool.executor.map(function, *lists, chunksize=max(1, share))

    return mapped


def start_pool(workers: int) -> Pool:
    """The process pool of `analyse_all(..., workers)`, its processes started now, while the
    archive is read (the map phase's first results came 0.6 s after it began on the 20k
    synthetic archive when the processes started with it, 0.17 s of it the work). Reading
    parses in it once it is ready (`parse_in_pool`). `analyse_all` shuts it down when it has
    used it; the caller, where it is not used.

    Raises `RuntimeError` in a process that is itself starting as a worker: its main script,
    which each worker imports, reads with workers outside a `__main__` guard. Let go on, that
    worker read the whole archive again before it served its pool."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # (What multiprocessing's own check reads: set while a new process imports the
        # parent's main module. The pool this worker belongs to then breaks as it starts,
        # and the parent reads in one process: `_own_pool`.)
        raise RuntimeError(_NO_WORKERS_HERE)
    executor = _new_pool(workers)
    size = _pool_size(workers)
    started: list[Future[str]] = []

    def start() -> None:
        # A process is started for each task that finds none idle. (Should the pool break,
        # `ready` never holds: reading parses here, and the map phase finds another pool
        # or runs here, `_own_pool`.)
        with suppress(RuntimeError, OSError):
            for _ in range(size):
                started.append(executor.submit(_started))

    starting = threading.Thread(target=start, name="wsisdedup-start-pool", daemon=True)
    starting.start()
    return Pool(executor=executor, size=size, starting=starting, started=started)


def _pool_size(workers: int) -> int:
    # (More processes than chunks out at once would wait.)
    return min(workers, _MAX_IN_FLIGHT)


def _new_pool(workers: int) -> ProcessPoolExecutor:
    # forkserver (not fork): the parent may run threads (a progress bar's monitor), and forking
    # a threaded process can deadlock a child. The fork server imports this package before it
    # forks the first worker (if this process had not started one already), so the workers
    # start with it imported: importing it is some 0.4 s of CPU, once rather than once a
    # worker. ("__main__" is the server's own default.)
    context: BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods() and not _FOREIGN_SERVER:
        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload(_server_preload())
        context = server
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        max_workers=_pool_size(workers), mp_context=context, initializer=_worker_started
    )


def _server_preload() -> list[str]:
    """What the fork server imports before it forks the workers: this module, unless there it
    would be another wsisdedup's.

    The server starts as `python -c` with a path of its own, the current directory first
    (Python 3.11 applies neither this process's path nor its main module there). Run from a
    directory holding another checkout of the package (while this process imported an
    installed one, or put another path first), the server imported that checkout, and the
    workers ran its code, or failed on it. Then nothing is preloaded, and each worker imports
    this process's package at its start, on this process's path (some 0.4 s of CPU each).
    """
    package = __name__.partition(".")[0]
    spec = importlib.machinery.PathFinder.find_spec(package, [os.getcwd()])
    here = Path(__file__).resolve().parent
    if spec is not None and spec.origin is not None and Path(spec.origin).resolve().parent != here:
        return ["__main__"]
    return ["__main__", __name__]


def _worker_started() -> None:
    """A worker process's start: it imports numpy (for `match.tokenise`) in a thread, while
    it waits for its first chunk (reading keeps it mostly idle), instead of in its first chunk
    (0.25 against 0.16 s of CPU for the first 500 messages of the 20k synthetic archive). The
    fork server does not import it: that delayed the first worker's start by as long, and
    reading parses in this process until a worker starts."""
    threading.Thread(target=_warm_up, name="wsisdedup-warm-up", daemon=True).start()


def _warm_up() -> None:
    try:
        importlib.import_module("numpy")
    finally:
        _WARM.set()


_WARM = threading.Event()
"""Set in a worker process once `_warm_up` is done."""
_WARM_UP_WAIT = 30.0
"""Seconds `_started` waits for it at most (it takes a tenth of a second)."""


def _started() -> str:
    """`start_pool` submits it as a task, so that each worker process starts (and has this
    module imported) before reading needs it, not with its first batch. It returns once the
    worker has warmed up (`_worker_started`): until then the import holds the worker, and
    reading sends batches only to a pool that is ready (`Pool.ready`), else parses here.

    Returns this module's file, which the parent compares with its own (`Pool.own`)."""
    _WARM.wait(_WARM_UP_WAIT)
    return _HERE


_HERE = os.path.realpath(__file__)
"""This module's file, links resolved (`_started`)."""


_PARSE_BATCH = 500
"""Messages a worker parses at a time (`parse_in_pool`), as `_CHUNK`."""
_PARSE_BATCH_BYTES = 4 << 20
"""Or fewer, once their bytes reach this: what waits to be parsed stays a few megabytes."""


def parse_in_pool(
    items: Iterable[Unparsed | T], pool: Pool
) -> Iterator[ParsedMessage | Problem | T]:
    """`items` in order with each `Unparsed` one parsed (`readers.parsed`), in `pool`'s
    processes once they have started, here until then.

    Parsing is two thirds to three quarters of reading an mbox (splitting the 20k synthetic
    archive took 0.3 s, parsing it 0.6-1.0 s), and the processes have nothing else to do
    while the archive is read: this process only splits it and takes back the parsed
    messages. Batches go out at most `_AHEAD` per process ahead of the one taken; a batch not
    yet begun when its turn comes is parsed here rather than waited for.
    """
    batches = _Batches(pool)
    for item in items:
        if isinstance(item, Unparsed) and batches.add(item):
            pass
        elif batches:
            batches.hold(item)
        else:  # nothing ahead of it
            yield item.parse() if isinstance(item, Unparsed) else item
            continue
        while batches.must_wait() or batches.head_done():
            yield from batches.take()
    batches.close()
    while batches:
        yield from batches.take()


class _Batches:
    """The queue of `parse_in_pool`: batches sent to the pool and items held behind them, in
    input order."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.ahead = pool.size * _AHEAD
        self.queue: deque[tuple[Future[bytes] | None, list[Any]]] = deque()
        """Each entry: a batch sent and its messages, or (None, items held in order)."""
        self.sent = 0
        self.open: list[Unparsed] = []
        self.open_bytes = 0

    def __bool__(self) -> bool:
        return bool(self.queue or self.open)

    def add(self, item: Unparsed) -> bool:
        """Put a message in the open batch; False where it is to be parsed here and now (the
        processes have not started, and nothing waits ahead of it)."""
        if not self and not self.pool.ready():
            return False
        self.open.append(item)
        self.open_bytes += len(item.data)
        if len(self.open) >= _PARSE_BATCH or self.open_bytes >= _PARSE_BATCH_BYTES:
            self.close()
        return True

    def hold(self, item: Any) -> None:
        """Queue an item that needs no parsing behind the rest."""
        self.close()
        if self.queue and self.queue[-1][0] is None:
            self.queue[-1][1].append(item)
        else:
            self.queue.append((None, [item]))

    def close(self) -> None:
        """Send the open batch."""
        if self.open:
            batch, self.open, self.open_bytes = self.open, [], 0
            self.queue.append((self.pool.executor.submit(_parse_batch, batch), batch))
            self.sent += 1

    def must_wait(self) -> bool:
        return self.sent > self.ahead

    def head_done(self) -> bool:
        return bool(self.queue) and (self.queue[0][0] is None or self.queue[0][0].done())

    def take(self) -> list[Any]:
        """The items of the first entry, parsed."""
        future, items = self.queue.popleft()
        if future is None:
            return items
        self.sent -= 1
        if future.cancel():  # not begun: parsed here, rather than waited for
            return [x.parse() for x in items]
        parsed: list[ParsedMessage | Problem] = pickle.loads(future.result())
        return parsed


def _parse_batch(batch: Sequence[Unparsed]) -> bytes:
    """A worker's part of `parse_in_pool`, pickled here with the collector paused (as
    `_analyse_chunk`)."""
    with collector_paused():
        return pickle.dumps([u.parse() for u in batch], protocol=pickle.HIGHEST_PROTOCOL)


def _analyse_in_workers(
    parsed: list[ParsedMessage],
    footers: tuple[str, ...],
    workers: int,
    progress: Callable[[int], None],
    pool: Pool,
) -> Iterator[Mapped]:
    """`analyse_all` in `pool`'s processes (`_own_pool`): chunks go out at most `_AHEAD` per
    worker (and `_MAX_IN_FLIGHT` in all) ahead of the one the join is taking, and come back in
    order."""
    chunks = [parsed[a:b] for a, b in _chunk_bounds(len(parsed), workers)]
    parsed.clear()  # the chunks hold the messages now, each chunk until the join took it
    progress(0)
    done = 0
    in_flight = min(workers * _AHEAD, _MAX_IN_FLIGHT)
    # Shut down when the map phase ends (a pool given too: its workers would otherwise sit
    # idle, each holding its memory, through the rest of the read).
    with ExitStack() as owned:
        owned.callback(pool.shutdown)
        executor = pool.executor
        pending: list[Future[bytes]] = []
        sent = 0
        for k in range(len(chunks)):
            while sent < len(chunks) and len(pending) < in_flight:
                pending.append(executor.submit(_analyse_chunk, chunks[sent], footers))
                sent += 1
            # (This process runs with the collector paused: `build_archive`.)
            result: list[_Analysed] = pickle.loads(pending.pop(0).result())
            done += len(result)
            progress(done)
            result.reverse()  # popped from the end: each item is freed once the join took it
            chunk, chunks[k] = chunks[k], []
            for p in chunk:
                yield result.pop().mapped(p)


def _own_pool(pool: Pool | None, workers: int) -> Pool | None:
    """`pool` (or a pool started now) if its processes run this process's wsisdedup
    (`Pool.own`); else a pool whose processes are spawned, as are those of every later pool
    of this process (the fork server keeps what it imported), if they do; else None. A
    spawned process imports the package on this process's path as it starts: some 0.4 s of
    CPU each. (Processes that import a main script which reads with workers outside a
    `__main__` guard fail as they start, whichever way they are started.)"""
    global _FOREIGN_SERVER
    pool = pool if pool is not None else start_pool(workers)
    if pool.own():
        return pool
    pool.shutdown()
    if _FOREIGN_SERVER:
        return None  # `pool` was spawned
    _FOREIGN_SERVER = True
    spawned = start_pool(workers)
    if spawned.own():
        return spawned
    spawned.shutdown()
    return None


_FOREIGN_SERVER = False
"""Whether a pool of this process's fork server ran no wsisdedup of ours (the server imported
another copy, or the pool broke as it started: `_own_pool`): later pools spawn their processes
instead (`_new_pool`)."""


def _chunk_bounds(count: int, workers: int) -> Iterator[tuple[int, int]]:
    """Where the map phase's chunks start and end: `_FIRST_CHUNK` messages for each worker's
    first, `_CHUNK` after. The join waits for the first chunk while the workers segment it,
    so a short one starts it sooner; later chunks come back while it joins the ones before."""
    a = 0
    for size in chain(repeat(_FIRST_CHUNK, _pool_size(workers)), repeat(_CHUNK)):
        if a >= count:
            return
        yield a, min(count, a + size)
        a += size


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
    def of(cls, parsed: ParsedMessage, m: Message, work: _BodyWork, tokens: Tokens) -> _Analysed:
        """The record of message `m` (`_analysed(parsed)`) and its tokens."""
        return cls(
            id=None if m.id == parsed.message_id else m.id,
            segments=m.segments if work.segments is None else work.segments,
            links=work.links,
            tokens=tokens,
            refs=work.refs,
            origin=origin_of(m),
        )

    def mapped(self, parsed: ParsedMessage) -> Mapped:
        """The message, made again over what the parent read (`parsed`)."""
        body = parsed.body
        segments = tuple(
            s if isinstance(s, Segment) else Segment.attached(body, s) for s in self.segments
        )
        message_id = parsed.message_id if self.id is None else self.id
        assert message_id is not None
        message = _message_of(parsed, message_id, segments, self.links)
        return Mapped(message=message, tokens=self.tokens, refs=self.refs, origin=self.origin)


def _analyse_chunk(chunk: Sequence[ParsedMessage], footers: tuple[str, ...]) -> bytes:
    """A worker's part of `_analyse_in_workers` (module level, so a worker can import it).

    Returns the results pickled here, with the collector still paused: left to the pool, the
    pickling ran with it on, and its passes over the chunk's new objects took more than half
    of the pickling's time (151 against 66 µs a message on the 20k synthetic archive).
    """
    with collector_paused():
        out = _analysed_chunk(chunk, footers)
        return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)


def _analysed_chunk(chunk: Sequence[ParsedMessage], footers: tuple[str, ...]) -> list[_Analysed]:
    """The records of a chunk's messages, a stage at a time: every message segmented, then
    each distinct body tokenised.

    A message at a time, switching stages, the same work took some 20% longer (7.7 against
    6.0 s for the 20k synthetic archive, the least of three runs each): each stage's code and
    tables fall out of the processor's caches while the other runs. The exact copies of a
    body share its tokens (`tokens_of`), so the pickle holds them once.
    """
    recent = _RecentBodies()
    analysed = [_analysed(p, footers, recent) for p in chunk]
    docs = [IndexDoc.from_segments(m.id, m.body, m.segments) for m, _ in analysed]
    tokens = tokens_of(docs, [None] * len(docs))
    return [
        _Analysed.of(p, m, work, t) for p, (m, work), t in zip(chunk, analysed, tokens, strict=True)
    ]


def tokens_of(docs: Sequence[IndexDoc], given: Sequence[Tokens | None]) -> list[Tokens]:
    """The tokens of each doc: `given`, else `tokenise_many` here, once for the docs of one
    text and own content (exact copies: the tokens depend on nothing else, so they share one
    set).

    The caller makes the tokens of a batch of messages in one go, between its other stages
    (the map phase's chunk, the join's next messages: `pipeline._match_mapped`), not each
    message's between its other work: switching stages a message at a time took a fifth
    longer, since each stage's code and tables fall out of the processor's caches while the
    other runs."""
    todo: dict[tuple[str, tuple[Span, ...]], IndexDoc] = {}
    for doc, tokens in zip(docs, given, strict=True):
        if tokens is None:
            todo.setdefault((doc.text, doc.own), doc)
    made = dict(zip(todo, tokenise_many(list(todo.values())), strict=True))
    return [
        made[doc.text, doc.own] if tokens is None else tokens
        for doc, tokens in zip(docs, given, strict=True)
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


def attributions_of(m: Message) -> tuple[AttributionRef, ...]:
    """`attribution_refs` of one message (the map phase can work it out)."""
    found = []
    for seg in m.segments:
        if seg.kind is not SegmentKind.ATTRIBUTION:
            continue
        att = parse_attribution(seg.text)
        if att is not None and (att.name or att.address):
            found.append(AttributionRef(name=att.name, address=att.address, date=att.date))
    return tuple(found)
