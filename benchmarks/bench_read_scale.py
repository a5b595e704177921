"""The whole `wsisdedup.read` against the standard-library parse, on synthetic mboxes of 1k, 10k
and 100k messages (issue 12's measure). Prints one table row per size:

    .venv/bin/python benchmarks/bench_read_scale.py               # 1k, 10k, 100k
    .venv/bin/python benchmarks/bench_read_scale.py 20000         # the issue's 20k figure
    .venv/bin/python benchmarks/bench_read_scale.py 20000 --workers 1,2

The archive is `benchmarks/synthetic.py`'s (every reply shape and copy reason mixed, seed 1),
generated once per size into the temp directory. Each size runs in a fresh process:

- `stdlib_s`: CPU seconds of `mailbox.mbox` + `email` compat32 + the first text/plain part
  decoded (`bench_read.stdlib_reference`), the reference of docs/performance.md;
- `read_s`: CPU seconds of `wsisdedup.read` on the same file, and `ratio` = read_s / stdlib_s
  (the target is at most 4); `msg/s` from read_s; `wall_s` the wall-clock time of the read.
  With `--workers 1,2` each size is read with each count of worker processes (`workers=`):
  read_s is then the parent's CPU time only, and wall_s is the figure to compare;
- `all_cpu_s`: CPU seconds of the read in all its processes: this one, and its pool's fork
  server with the workers it forked (`_pool_cpu`, from /proc on Linux) or spawned; read_s
  again with one worker. What it adds to the one-process read is what the split costs;
- the CPU seconds of each stage, timed from the `on_progress` events (`StageProgress`): a stage
  runs from its first event to the next stage's first event; `other` is what follows the last
  stage (building the Archive, the stats);
- `text_MB` the bodies' characters, `peak_MB` the resident-set high-water mark during the read
  (reset before it), and `peak/text`, what the read itself held at most (the peak less the
  resident set before it: the interpreter and the modules) per megabyte of text, the target
  being at most 2 at 100k;
- `drift`: CPU time per message in matching over the last 10,000-message block divided by the
  first block's (flat is at most 1.2; archives under 20,000 messages compare tenths).

CPU time (`time.process_time`) is what counts on a shared machine: other processes do not
inflate it, and ratios within one run compare like with like.

On a machine shared with others, one run's figures still move by 10-20% from run to run:

    .venv/bin/python benchmarks/bench_read_scale.py 20000 --workers 1,2 --repeat 3 \
        --code /tmp/before,.

runs each size and worker count three times in each checkout given (`--code`, comma
-separated; `git worktree add /tmp/before <commit>` makes one), interleaved so that both
meet the same load, prints every run (`code` is the checkout's commit, `run` the round),
then one `min` row per checkout: each time column's least value over the rounds, and the
ratio of the least read to the least standard-library parse.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import weakref
from contextlib import suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CODE_ENV = "WSISDEDUP_BENCH_CODE"
"""The checkout a `--code` run measures, set by `main` for the run: read here at import, since
a worker process of the run imports this module again (as the main module of the process
pool's server), and must find the same wsisdedup."""
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, os.environ.get(CODE_ENV, str(ROOT)))

SIZES = (1_000, 10_000, 100_000)
STAGES = ("reading", "learning footers", "segmenting", "matching", "threading")
SHORT = {"learning footers": "footers"}


def archive(n: int) -> Path:
    """The synthetic mbox of `n` messages, generated once into the temp directory."""
    from synthetic import generate_archive

    path = Path(tempfile.gettempdir()) / f"wsisdedup-bench-read-{n}-v1.mbox"
    if not path.exists():
        partial = path.with_suffix(".partial")
        generate_archive(partial, messages=n, seed=1)
        partial.replace(path)
    return path


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


_INDEXES: list[weakref.ref[Any]] = []
"""Weak references to the shingle indexes made since `_watch_indexes`."""


def _watch_indexes() -> list[weakref.ref[Any]]:
    """Weak references to every shingle index the matching stage makes from now on."""
    from wsisdedup.match import index

    cls = index._ShingleIndex
    init = cls.__init__
    if not getattr(init, "_watched", False):

        def watched(self: Any, *args: Any, **kwargs: Any) -> None:
            init(self, *args, **kwargs)
            _INDEXES.append(weakref.ref(self))

        watched._watched = True  # type: ignore[attr-defined]
        cls.__init__ = watched  # type: ignore[method-assign]
    _INDEXES.clear()
    return _INDEXES


def _pool_cpu() -> float:
    """CPU seconds of this process's pools so far: the fork server's own and those of the
    workers it forked and reaped (its /proc counters: the workers are its children, not this
    process's), and of the children this process reaped (spawned workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = children.ru_utime + children.ru_stime
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if pid is not None:
        with suppress(OSError):
            # Fields 14-17 (utime, stime, cutime, cstime); the name, field 2, may hold spaces.
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def _index_size(ix: Any) -> int:
    """Bytes the index holds: its dict, the key objects (60-bit ints, one each), its message
    numbers (one object per message) and its count array."""
    first = ix.first
    keys = sum(map(sys.getsizeof, first))
    docs = sum(map(sys.getsizeof, set(first.values())))
    return sys.getsizeof(first) + keys + docs + ix.held.buffer_info()[1] * ix.held.itemsize


def one(n: int, workers: int = 1) -> dict[str, float]:
    import bench_read

    import wsisdedup
    from wsisdedup.model import Stage, StageProgress

    path = archive(n)
    t0 = time.process_time()
    bench_read.stdlib_reference(path)
    stdlib = time.process_time() - t0

    starts: dict[str, float] = {}
    block = 10_000 if n >= 20_000 else max(1, n // 10)
    marks: dict[int, float] = {}

    latest: dict[str, float] = {}
    indexes = _watch_indexes()
    index_bytes: list[int] = []

    def on_progress(event: StageProgress) -> None:
        now = time.process_time()
        starts.setdefault(event.stage.value, now)
        latest[event.stage.value] = now
        if event.stage is Stage.MATCHING and event.done and event.done % block == 0:
            marks[event.done] = time.process_time()
        if event.stage is Stage.MATCHING and event.done == event.total:
            # The join's index at its largest (the last message joined), while it is alive.
            index_bytes.extend(_index_size(i) for r in indexes if (i := r()) is not None)

    base = _status_mb("VmRSS")
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark
    pool0 = _pool_cpu()
    t0, w0 = time.process_time(), time.perf_counter()
    result = wsisdedup.read(path, on_progress=on_progress, workers=workers)
    read, wall = time.process_time() - t0, time.perf_counter() - w0
    all_cpu = read + _pool_cpu() - pool0
    end = time.process_time()
    text = sum(len(m.body) for m in result.messages) / 1e6
    row: dict[str, float] = {
        "messages": n,
        "workers": workers,
        "text_mb": text,
        "stdlib_s": stdlib,
        "read_s": read,
        "ratio": read / stdlib,
        "msg_s": n / read,
        "wall_s": wall,
        "all_cpu_s": all_cpu,
        "peak_mb": _status_mb("VmHWM"),
        "index_b_msg": sum(index_bytes) / n,
    }
    row["peak_text"] = (row["peak_mb"] - base) / text
    for stage, seconds in stage_times(starts, latest, end).items():
        row[SHORT.get(stage, stage)] = seconds
    blocks = sorted(marks)
    if len(blocks) >= 2:
        first = marks[blocks[0]] - starts["matching"]  # the first block from the stage's start
        last = marks[blocks[-1]] - marks[blocks[-2]]
        row["drift"] = last / first if first > 0 else float("nan")
    else:
        row["drift"] = float("nan")
    return row


def stage_times(starts: dict[str, float], latest: dict[str, float], end: float) -> dict[str, float]:
    """The CPU seconds of each stage that reported (`STAGES` order), from the times of its
    first (`starts`) and last (`latest`) `StageProgress` events and the read's `end`: a stage
    runs from its first event to the next stage's first, the last one to its last event, and
    what follows (building the Archive, the stats) is `other`."""
    names = [s for s in STAGES if s in starts]
    times = [starts[s] for s in names] + [latest[names[-1]]]
    out = {s: b - a for s, a, b in zip(names, times, times[1:], strict=False)}
    out["other"] = end - times[-1]
    return out


COLUMNS = (
    ("code", "code", "s"),
    ("run", "run", "s"),
    ("messages", "messages", "d"),
    ("workers", "workers", "d"),
    ("text_MB", "text_mb", ".1f"),
    ("stdlib_s", "stdlib_s", ".2f"),
    ("read_s", "read_s", ".2f"),
    ("ratio", "ratio", ".1f"),
    ("msg/s", "msg_s", ".0f"),
    ("wall_s", "wall_s", ".1f"),
    ("all_cpu_s", "all_cpu_s", ".2f"),
    ("reading", "reading", ".2f"),
    ("footers", "footers", ".2f"),
    ("segmenting", "segmenting", ".2f"),
    ("matching", "matching", ".2f"),
    ("threading", "threading", ".2f"),
    ("other", "other", ".2f"),
    ("peak_MB", "peak_mb", ".0f"),
    ("peak/text", "peak_text", ".1f"),
    ("index_B/msg", "index_b_msg", ".0f"),
    ("drift", "drift", ".2f"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    parser.add_argument(
        "--workers", default="1", help="comma-separated worker counts to run each size with"
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every measurement")
    parser.add_argument(
        "--code",
        default=str(ROOT),
        help="comma-separated checkouts whose wsisdedup to measure, in turn (default: this one)",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    codes = [Path(c).resolve() for c in args.code.split(",")]
    if args.one:
        # The checkout measured comes first on the path (`CODE_ENV`, set by `main`), and its
        # wsisdedup is imported before `bench_read` puts this script's checkout first and
        # imports it too (submodules then come from the package already imported); then it
        # is put first again. `main` checks that its wsisdedup is the one measured.
        code = os.environ.get(CODE_ENV, str(codes[0]))
        sys.path.insert(0, code)
        wsisdedup = importlib.import_module("wsisdedup")
        importlib.import_module("bench_read")
        sys.path.insert(0, code)
        row = one(args.one, counts[0])
        modules = [wsisdedup.__file__]
        if counts[0] > 1:
            modules.append(_worker_module())
        print(json.dumps(row | {"modules": modules}))
        return
    labels = [_label(code) for code in codes]
    print(" | ".join(f"{title:>10}" for title, _, _ in COLUMNS))
    for n in args.sizes:
        archive(n)  # generated outside the measured process
        for w in counts:
            runs: dict[str, list[dict[str, Any]]] = {label: [] for label in labels}
            for round_ in range(1, args.repeat + 1):
                for code, label in zip(codes, labels, strict=True):
                    script = str(Path(__file__).resolve())
                    cmd = [sys.executable, script, "--one", str(n), "--workers", str(w)]
                    cmd += ["--code", str(code)]
                    # The pool's fork server starts as `python -c`: the current directory
                    # comes first on its path, and it imports wsisdedup before this script
                    # (Python 3.11 drops the main module from its preload), so the run starts
                    # in the checkout measured, with it on PYTHONPATH too.
                    env = _checkout_env(code) | {CODE_ENV: str(code)}
                    out = subprocess.run(
                        cmd, check=True, capture_output=True, text=True, env=env, cwd=code
                    )
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    for module in r.pop("modules"):
                        _check_imported(code, module)
                    r.update(code=label, run=str(round_))
                    runs[label].append(r)
                    _print_row(r)
            if args.repeat > 1:
                for label in labels:
                    _print_row(_least(runs[label]) | {"code": label, "run": "min"})


def _worker_module() -> str:
    """The file of the wsisdedup a worker of this run's pool imported: a pool started as the
    read starts its own (`analyse.start_pool`) forks from the same fork server."""
    analyse = importlib.import_module("wsisdedup.analyse")
    pool = analyse.start_pool(1)
    try:
        return str(pool.executor.submit(_wsisdedup_file).result())
    finally:
        pool.shutdown()


def _wsisdedup_file() -> str:
    return str(importlib.import_module("wsisdedup").__file__)


def _print_row(r: dict[str, Any]) -> None:
    print(" | ".join(f"{r[key]:>10{fmt}}" for _, key, fmt in COLUMNS), flush=True)


_TIMES = ("stdlib_s", "read_s", "wall_s", "all_cpu_s", "other", *(SHORT.get(s, s) for s in STAGES))


def _least(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One row for several runs of one measurement: the least of each time (the run least
    slowed by others), the rest from the first run."""
    row = dict(runs[0])
    for key in _TIMES:
        row[key] = min(r[key] for r in runs)
    for key in ("peak_mb", "peak_text", "drift"):
        row[key] = min(r[key] for r in runs)
    row["ratio"] = row["read_s"] / row["stdlib_s"]
    row["msg_s"] = row["messages"] / row["read_s"]
    return row


def _checkout_env(code: Path) -> dict[str, str]:
    """The environment of a run that measures checkout `code` (started in it, `cwd=code`):
    this one's, with the checkout first on the path."""
    return os.environ | {"PYTHONPATH": str(code)}


def _check_imported(code: Path, module: str) -> None:
    """Stop unless `module`, the file of the wsisdedup a run imported, is checkout `code`'s."""
    if not Path(module).is_relative_to(code):
        raise SystemExit(f"{code}: the run imported another wsisdedup ({module})")


def _label(code: Path) -> str:
    """A checkout's short commit, with `+` when it has uncommitted changes; else its name."""
    try:
        head = _git(code, "rev-parse", "--short", "HEAD")
        dirty = _git(code, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return code.name[:10]
    return head + ("+" if dirty else "")


def _git(code: Path, *args: str) -> str:
    """What `git -C code args...` prints, stripped."""
    cmd = ["git", "-C", str(code), *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
