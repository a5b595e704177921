"""Reading with workers: messages parsed in the pool's processes (`analyse.parse_in_pool`) come
out as reading in one process gives them, in the same order, problems included."""

from __future__ import annotations

import operator
import os
import pickle
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from conftest import CORPUS, GPP, NUMPY

import wsisdedup
import wsisdedup.analyse as analyse
import wsisdedup.pipeline as pipeline
from wsisdedup.model import ParsedMessage, Person, Problem, Source
from wsisdedup.readers import Unparsed, read_messages, read_unparsed
from wsisdedup.readers.mbox import MBOX, parsed, split_mbox


def _wait_until_ready(pool: analyse.Pool) -> analyse.Pool:
    deadline = time.monotonic() + 120
    while not pool.ready():
        assert time.monotonic() < deadline, "the pool's processes never started"
        time.sleep(0.01)
    return pool


@pytest.fixture
def ready_pools(monkeypatch: pytest.MonkeyPatch) -> list[analyse.Pool]:
    """Reading with workers starts its pool whatever the input's size, and only once the
    pool's processes have started: every message is then sent to them (none is parsed here
    while they start). The pools started are listed."""
    pools: list[analyse.Pool] = []
    real = pipeline.start_pool

    def start(workers: int) -> analyse.Pool:
        pools.append(_wait_until_ready(real(workers)))
        return pools[-1]

    monkeypatch.setattr(pipeline, "start_pool", start)
    monkeypatch.setattr(pipeline, "_early_pool", lambda size, workers: workers > 1)
    return pools


@pytest.fixture
def parsed_here(monkeypatch: pytest.MonkeyPatch) -> list[Source]:
    """The messages parsed in this process (the workers run the module as it is on disk).

    Each takes a few milliseconds more here, as on a busy process: on a loaded machine the
    workers, descheduled, began batches later than this process, which parses a small file
    in a few milliseconds, needed them, and it then parsed them all itself."""
    here: list[Source] = []
    real = Unparsed.parse

    def parse(self: Unparsed) -> ParsedMessage | Problem:
        here.append(self.source)
        time.sleep(0.003)
        return real(self)

    monkeypatch.setattr(Unparsed, "parse", parse)
    return here


@pytest.mark.parametrize("name", [*(p.name for p in CORPUS), "synthetic"])
def test_reading_in_workers_gives_the_same_archive(
    name: str,
    synthetic_mbox: Path,
    ready_pools: list[analyse.Pool],
    parsed_here: list[Source],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = synthetic_mbox if name == "synthetic" else next(p for p in CORPUS if p.name == name)
    alone = wsisdedup.read(path)
    parsed_here.clear()
    monkeypatch.setattr(analyse, "_PARSE_BATCH", 7)  # many batches, even on a small file
    pooled = wsisdedup.read(path, workers=2)
    assert len(ready_pools) == 1
    assert pooled.messages == alone.messages
    assert pooled.threads == alone.threads
    assert pooled.problems == alone.problems
    assert pooled.stats == alone.stats
    # The workers parsed most messages: this process only those of batches that had not
    # begun when their turn came.
    assert len(parsed_here) < alone.stats.messages_read / 2


def test_reading_several_sources_in_workers_keeps_their_order(
    tmp_path: Path, ready_pools: list[analyse.Pool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two mbox files, a folder of single messages and a text dump: each source's messages and
    # problems in order, the sources one after the other, as read in one process.
    folder = tmp_path / "eml"
    folder.mkdir()
    with GPP.open("rb") as f:
        for n, chunk in zip(range(5), split_mbox(f, MBOX), strict=False):
            (folder / f"{n}.eml").write_bytes(chunk.data)
    (folder / "empty.eml").write_bytes(b"")  # a Problem among the messages
    dump = tmp_path / "dump.txt"
    dump.write_text("From: Ann Lee <ann@example.org>\nSubject: hi\n\nHello there.\n")
    sources = [NUMPY, folder, GPP, dump]
    alone = wsisdedup.read_many(sources)
    monkeypatch.setattr(analyse, "_PARSE_BATCH", 3)
    pooled = wsisdedup.read_many(sources, workers=2)
    assert len(ready_pools) == 1
    assert [m.source for m in pooled.messages] == [m.source for m in alone.messages]
    assert pooled.messages == alone.messages
    assert pooled.problems == alone.problems
    assert any(p.path.endswith("empty.eml") for p in pooled.problems)


def _items_with_others(path: Path) -> list[object]:
    """The unparsed messages of a file with other items among them (markers, problems), which
    must come out where they were."""
    items: list[object] = []
    for n, item in enumerate(read_unparsed(path)):
        items.append(item)
        if n % 5 == 0:
            items.append(f"marker {n}")
        if n % 11 == 0:
            items.append(Problem(what=f"problem {n}", path="x"))
    return items


def test_parse_in_pool_keeps_every_item_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    items = _items_with_others(NUMPY)
    expected = list(parsed(items))
    monkeypatch.setattr(analyse, "_PARSE_BATCH", 4)
    pool = _wait_until_ready(analyse.start_pool(2))
    try:
        assert list(analyse.parse_in_pool(items, pool)) == expected
    finally:
        pool.shutdown()


def test_parse_in_pool_parses_here_until_the_processes_have_started(
    monkeypatch: pytest.MonkeyPatch, parsed_here: list[Source]
) -> None:
    items = _items_with_others(NUMPY)
    expected = list(parsed(items))
    parsed_here.clear()
    pool = analyse.start_pool(2)
    try:
        monkeypatch.setattr(analyse.Pool, "ready", lambda self: False)
        assert list(analyse.parse_in_pool(items, pool)) == expected
        assert len(parsed_here) == sum(isinstance(x, Unparsed) for x in items)
    finally:
        pool.shutdown()


def test_an_unparsed_message_sent_elsewhere_parses_as_read_messages_reads_it() -> None:
    for path in CORPUS:
        sent = [pickle.loads(pickle.dumps(x)) for x in read_unparsed(path)]
        assert list(parsed(sent)) == list(read_messages(path))


def _fresh(text: str) -> str:
    """A string object of its own (not a constant of this module, not interned)."""
    return "".join(list(text))


def test_a_parsed_message_pickles_whole_with_its_ids_interned() -> None:
    p = ParsedMessage(
        source=Source(path="a.mbox", format="mbox", offset=3, line=2, index=1),
        message_id=_fresh("<m1@example.org>"),
        in_reply_to=(_fresh("<m0@example.org>"),),
        references=(_fresh("<r@example.org>"), _fresh("<m0@example.org>")),
        author=Person(name="Ann Lee", address="ann@example.org"),
        date=datetime(2025, 6, 1, 12, 0, tzinfo=UTC),
        subject="Budget",
        body="Hello.\n",
        own_spans=((0, 6),),
        problems=(Problem(what="odd header", path="a.mbox"),),
        quotes_index=0,
    )
    # Every field differs from its default, so one the pickle left out would show.
    for field in attrs.fields(ParsedMessage):
        if field.name == "source":
            continue
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        assert getattr(p, field.name) != default, field.name
    first = pickle.loads(pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL))
    second = pickle.loads(pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL))
    assert first == p
    # Each pickle brings its own strings; interned, the two messages share them.
    assert first.message_id is second.message_id
    assert first.in_reply_to[0] is second.in_reply_to[0] is second.references[1]
    assert first.references[0] is second.references[0]


def test_footers_learnt_in_the_pool_are_those_learnt_here() -> None:
    # With workers, the sampled endings are put in canonical form in the pool's processes.
    from wsisdedup.segment.footers import learn_footers

    pool = _wait_until_ready(analyse.start_pool(2))
    try:
        # Every item, in order, whatever the share of each process.
        for n in (0, 1, 7, 100):
            xs, ys = list(range(n)), list(range(n, 2 * n))
            assert list(analyse.pool_map(pool)(operator.add, xs, ys)) == list(
                map(operator.add, xs, ys)
            )
        for path in (NUMPY, GPP):
            bodies = [p.body for p in read_messages(path) if isinstance(p, ParsedMessage)]
            here = learn_footers(bodies)
            assert here  # each list has a footer to learn
            assert learn_footers(bodies, mapper=analyse.pool_map(pool)) == here
            # A small sample: more processes than endings to share.
            few = learn_footers(bodies, sample=3, min_count=2)
            assert (
                learn_footers(bodies, sample=3, min_count=2, mapper=analyse.pool_map(pool)) == few
            )
    finally:
        pool.shutdown()


@pytest.mark.parametrize(("count", "workers"), [(0, 2), (50, 2), (250, 2), (1234, 2), (4000, 3)])
def test_map_phase_chunks_cover_the_messages_in_order_short_ones_first(
    count: int, workers: int
) -> None:
    bounds = list(analyse._chunk_bounds(count, workers))
    if count == 0:
        assert bounds == []
        return
    assert [a for a, _ in bounds] == [0, *(b for _, b in bounds[:-1])]  # contiguous
    assert bounds[-1][1] == count
    sizes = [b - a for a, b in bounds]
    assert all(0 < s <= analyse._CHUNK for s in sizes)
    # Each worker's first chunk is short, so the join starts soon after the workers do.
    assert all(s <= analyse._FIRST_CHUNK for s in sizes[:workers])


_ROOT = Path(__file__).resolve().parent.parent


def _pooled_script(body: str) -> str:
    """A script that puts this checkout's wsisdedup first on its path at run time, lets a
    small archive be read with a pool started before reading, then runs `body`."""
    return (
        f"""import sys, warnings
sys.path.insert(0, {str(_ROOT)!r})
import wsisdedup, wsisdedup.analyse, wsisdedup.pipeline
wsisdedup.analyse.MIN_PARALLEL = 100  # a pool for this small archive
wsisdedup.pipeline._early_pool = lambda size, workers: workers > 1
"""
        + body
    )


def _run_python(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """This interpreter run with `args` in `cwd`; it must succeed."""
    out = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out


def test_workers_import_this_process_package_whatever_the_current_directory(
    tmp_path: Path, synthetic_mbox: Path
) -> None:
    # The pool's fork server looks in the current directory first (Python 3.11 gives it
    # neither the parent's path nor its main module): from a directory holding another
    # checkout, it imported that one, and the workers ran its code (here a package without
    # the modules they need: they failed on it).
    fake = tmp_path / "wsisdedup"
    fake.mkdir()
    (fake / "__init__.py").write_text('"""Another wsisdedup."""\n')
    script = _pooled_script(
        f"""pooled = wsisdedup.read({str(synthetic_mbox)!r}, workers=2)
alone = wsisdedup.read({str(synthetic_mbox)!r})
assert pooled.messages == alone.messages
print(len(pooled.messages))
"""
    )
    out = _run_python(["-c", script], cwd=tmp_path)
    assert int(out.stdout.split()[-1]) > 1000


_ANOTHER_ANALYSE = '''"""The analyse module of another wsisdedup, whose tasks fail."""
import os


def _worker_started():
    pass


def _started():
    return os.path.realpath(__file__)


def _parse_batch(batch):
    raise RuntimeError("another wsisdedup parsed")


def _analyse_chunk(chunk, footers):
    raise RuntimeError("another wsisdedup analysed")
'''


def test_workers_run_this_process_package_when_the_fork_server_found_another(
    tmp_path: Path, synthetic_mbox: Path
) -> None:
    # This process puts its wsisdedup first on its path at run time, while the fork server,
    # which starts with a path of its own, finds another one (here on PYTHONPATH; an installed
    # copy in site-packages does the same) and imports it before forking the workers: their
    # tasks ran that copy's code. The pool checks where its processes' package is, and
    # spawns processes that import this one instead.
    other = tmp_path / "other" / "wsisdedup"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text('"""Another wsisdedup."""\n')
    (other / "analyse.py").write_text(_ANOTHER_ANALYSE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = _pooled_script(
        f"""assert wsisdedup.__file__.startswith({str(_ROOT)!r}), wsisdedup.__file__
alone = wsisdedup.read({str(synthetic_mbox)!r})
for _ in range(2):  # the second read starts its pool knowing the fork server is not ours
    pooled = wsisdedup.read({str(synthetic_mbox)!r}, workers=2)
    assert pooled.messages == alone.messages
    assert pooled.threads == alone.threads
print(len(pooled.messages))
"""
    )
    env = os.environ | {"PYTHONPATH": str(other.parent)}
    out = _run_python(["-c", script], cwd=elsewhere, env=env)
    assert int(out.stdout.split()[-1]) > 1000


def test_a_script_without_a_main_guard_reads_in_one_process_and_says_why(
    tmp_path: Path, synthetic_mbox: Path
) -> None:
    # Each worker imports the main script as it starts: one that reads with workers at its
    # top level made every worker read too (the pool then broke with a long traceback, or
    # each worker read the whole archive before it served the pool). A worker now refuses,
    # its pool breaks, and this process reads alone with a warning that names the fix.
    script = tmp_path / "unguarded.py"
    script.write_text(
        _pooled_script(
            f"""with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    pooled = wsisdedup.read({str(synthetic_mbox)!r}, workers=2)
alone = wsisdedup.read({str(synthetic_mbox)!r})
assert pooled.messages == alone.messages
assert [w.category for w in caught] == [RuntimeWarning], caught
assert '__name__ == "__main__"' in str(caught[0].message)
assert (caught[0].filename, caught[0].lineno) == (__file__, 8), caught[0]  # the read call
print("read", len(pooled.messages))
"""
        )
    )
    out = _run_python([str(script)], cwd=tmp_path)
    # Read once, here: no worker read the archive.
    assert out.stdout.count("read ") == 1
    assert int(out.stdout.split()[-1]) > 1000
    assert "a worker process, importing the main script as it started" in out.stderr
