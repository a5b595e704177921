"""How fast `wsisdedup.read` could be with a free map phase: the floor that a faster map phase
(a compiled segmenter and tokeniser, say) cannot go below, on the synthetic mboxes of
`bench_read_scale.py`. Prints one table row per round and size:

    .venv/bin/python benchmarks/bench_map_floor.py 20000
    .venv/bin/python benchmarks/bench_map_floor.py 20000 100000 --repeat 2

In one process and one core, each round times, in turn:

- `stdlib_s`: the standard-library parse (`bench_read.stdlib_reference`), the reference;
- `read_s`: `wsisdedup.read`, and `ratio` = read_s / stdlib_s (issue 12's target is at most 4);
- `floor_s`: the same read with its map phase given: every message's record (segments, links,
  tokens, attribution refs, origin: `analyse._analysed_chunk`, what a worker sends back) is
  computed before the timer starts, and the read only makes each message again over what it
  read (`_Analysed.mapped`, `remake`), as it does with workers. What is left is reading, learning
  footers, the join (candidates, alignment, copies, unmarked quotes), threading and the
  Archive. `floor_ratio` = floor_s / stdlib_s;
- `map_s`: what that map phase costs alone (segmenting, canonical form, tokens), timed once;
- the floor read's stages (`reading`, `footers`, `remake`, `join`, `threading`, `other`), CPU
  seconds from its `on_progress` events.

`same` says whether the floor read's archive is the full read's, message for message (a hash
of each message's repr): the floor does the same work less the map phase, not other work.
CPU time (`time.process_time`), not wall time: the machine is shared.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import bench_read  # noqa: E402
from bench_read_scale import archive, stage_times  # noqa: E402

import wsisdedup  # noqa: E402
from wsisdedup import analyse, pipeline  # noqa: E402
from wsisdedup.model import Archive, StageProgress  # noqa: E402
from wsisdedup.runtime import collector_paused  # noqa: E402

COLUMNS = (
    ("messages", "messages", "d"),
    ("round", "round", "d"),
    ("stdlib_s", "stdlib_s", ".2f"),
    ("read_s", "read_s", ".2f"),
    ("ratio", "ratio", ".1f"),
    ("map_s", "map_s", ".2f"),
    ("floor_s", "floor_s", ".2f"),
    ("floor_ratio", "floor_ratio", ".1f"),
    ("reading", "reading", ".2f"),
    ("footers", "learning footers", ".2f"),
    ("remake", "remake", ".2f"),
    ("join", "matching", ".2f"),
    ("threading", "threading", ".2f"),
    ("other", "other", ".2f"),
    ("same", "same", ""),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[20_000])
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every measurement")
    args = parser.parse_args()
    print(" | ".join(f"{title:>11}" for title, _, _ in COLUMNS))
    for n in args.sizes:
        for row in rows(n, args.repeat):
            print(" | ".join(f"{row[key]:>11{fmt}}" for _, key, fmt in COLUMNS), flush=True)


def rows(n: int, repeat: int) -> Iterator[dict[str, Any]]:
    """`repeat` rounds of the three reads of the `n`-message archive, one row each."""
    path = archive(n)
    records: dict[int, list[Any]] = {}
    with _map_phase_given(records) as timed:
        wsisdedup.read(path, workers=1)  # fills `records` (and warms the caches)
        map_s = timed["map"]
    for round_ in range(1, repeat + 1):
        t0 = time.process_time()
        bench_read.stdlib_reference(path)
        stdlib = time.process_time() - t0
        t0 = time.process_time()
        full = wsisdedup.read(path, workers=1)
        read_s = time.process_time() - t0
        floor, floor_s, stages = _floor_read(path, records)
        yield {
            "messages": n,
            "round": round_,
            "stdlib_s": stdlib,
            "read_s": read_s,
            "ratio": read_s / stdlib,
            "map_s": map_s,
            "floor_s": floor_s,
            "floor_ratio": floor_s / stdlib,
            **stages,
            "same": "yes" if _digest(floor) == _digest(full) else "NO",
        }


def _floor_read(
    path: Path, records: dict[int, list[Any]]
) -> tuple[Archive, float, dict[str, float]]:
    """The read of `path` with its map phase given (`records`): the archive, its CPU seconds
    and its stages' (`stage_times`)."""
    starts: dict[str, float] = {}
    latest: dict[str, float] = {}

    def on_progress(event: StageProgress) -> None:
        now = time.process_time()
        starts.setdefault(event.stage.value, now)
        latest[event.stage.value] = now

    with _map_phase_given(records) as timed:
        t0 = time.process_time()
        floor = wsisdedup.read(path, workers=1, on_progress=on_progress)
        end = time.process_time()
    # (The given map phase reports nothing: `segmenting` is absent.)
    stages = stage_times(starts, latest, end)
    # The messages are made again between the footers' events and matching's.
    stages["remake"] = timed["remake"]
    stages["learning footers"] -= timed["remake"]
    return floor, end - t0, stages


@contextmanager
def _map_phase_given(records: dict[int, list[Any]]) -> Iterator[dict[str, float]]:
    """`pipeline.analyse_all` replaced, while in the block, by one that computes the records
    of a read's messages the first time (into `records`, keyed by the message count) and
    later hands them back made over the messages read. The dict yielded gets the CPU seconds
    of each: `map` (when computed) and `remake`."""
    timed: dict[str, float] = {}
    real: Callable[..., Any] = pipeline.analyse_all

    def given(parsed: list[Any], footers: tuple[str, ...], *_: Any, **__: Any) -> Any:
        t0 = time.process_time()
        if len(parsed) not in records:
            with collector_paused():
                records[len(parsed)] = analyse._analysed_chunk(parsed, footers)
            timed["map"] = time.process_time() - t0
        t0 = time.process_time()
        out = [r.mapped(p) for r, p in zip(records[len(parsed)], parsed, strict=True)]
        parsed.clear()  # (as the map phase does: the messages as read go)
        timed["remake"] = time.process_time() - t0
        return iter(out)

    pipeline.analyse_all = given  # type: ignore[assignment]
    try:
        yield timed
    finally:
        pipeline.analyse_all = real


def _digest(a: Archive) -> str:
    h = hashlib.sha256()
    for m in a.messages:
        h.update(repr(m).encode())
    h.update(repr(a.threads).encode())
    return h.hexdigest()


if __name__ == "__main__":
    main()
