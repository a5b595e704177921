"""Benchmark for issue 11: time and memory of every public entry point on hostile inputs.

Run from the repository root:

    .venv/bin/python benchmarks/bench_hostile.py                  # 0.1, 1 and 10 MB
    .venv/bin/python benchmarks/bench_hostile.py --quick          # 0.01 and 0.1 MB
    .venv/bin/python benchmarks/bench_hostile.py --sizes 0.1,1 --only from-header,dash-line

For each generator of `benchmarks/hostile.py` and each entry point (`split_body`, the canonical
form, `unwrap_links`, `read()` of an mbox holding the body in one message, `read(format=
"text-dump")` of the body as a dump), and for each size, one fresh subprocess builds the input,
warms the entry point up on a small input of the same kind (lazy pattern compiles are not the
input's cost), then measures one call:

- **time**: CPU time of the child (`time.process_time`), not wall-clock time: the machine is
  shared and wall time measures the neighbours. The time limit (`--timeout`, default 120 s) is
  wall-clock, and a child that reaches it is killed and shown as `>120s`.
- **memory**: the growth of the child's peak resident set during the call (`ru_maxrss` after
  minus before, Linux kilobytes), divided by the input's size in bytes. `ru_maxrss` rather than
  tracemalloc because tracemalloc slows the call several times and misses the regex engine's C
  allocations, which are where a backtracking pattern spends its memory.

Columns: time per size; MB/s at the largest size that finished; `growth`, the time ratio per
10x of input between the two largest finished sizes (~10 is linear, ~100 quadratic; computed
only when the larger time is at least 50 ms, below that it is noise and shown as `-`; after a
timeout, `>N` is the lower bound the time limit gives); `mem`,
the memory/input ratio at the largest finished size. `flags` names each missed target of issue
11: `slow` (< 1 MB/s), `growth` (> 13 per 10x), `mem` (> 20x input), `timeout`.

A size is skipped once the previous size timed out, or when the previous size's time, scaled
by the growth seen so far (linearly when there is none yet), already exceeds the limit: it is
shown as `>120s~` (projected, not run), which keeps a quadratic row from spending the limit at
every size.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import hostile  # noqa: E402

ENTRIES = ("split_body", "canonical", "unwrap_links", "read-mbox", "read-text-dump")
"""The entry points measured on each body generator."""

ARCHIVE_ENTRY = {"mbox-tiny-messages": "read-mbox", "text-dump-short-lines": "read-text-dump"}
"""The entry point each archive generator is read with (its archive is used as is)."""

MIN_GROWTH_SECONDS = 0.05
TARGET_MB_PER_S = 1.0
TARGET_GROWTH = 13.0
TARGET_MEMORY = 20.0


def canonical_form(text: str) -> object:
    """The canonical form of a text.

    Internal function (issue 11 measures it, but it is not exported): import it here only,
    so the module move can repoint this one line.
    """
    from wsisdedup.text.normalise import canonical

    return canonical(text)


def _input_for(pattern: str, entry: str, size: int) -> str:
    """The text an entry point receives: the body itself, or an archive wrapping it."""
    if pattern in hostile.ARCHIVES:
        return hostile.ARCHIVES[pattern](size)
    body = hostile.GENERATORS[pattern](size)
    if entry == "read-mbox":
        return hostile.mbox_of_body(body)
    if entry == "read-text-dump":
        return hostile.text_dump_of_body(body)
    return body


def _call_for(entry: str, folder: str) -> Callable[[str], object]:
    """A function of the input text that runs `entry` on it (readers read a file, as users do)."""
    import wsisdedup

    if entry == "split_body":
        return wsisdedup.split_body
    if entry == "canonical":
        return canonical_form
    if entry == "unwrap_links":
        return wsisdedup.unwrap_links
    fmt = "mbox" if entry == "read-mbox" else "text-dump"
    counter = iter(range(1_000_000))

    def read(text: str) -> object:
        path = os.path.join(folder, f"in-{next(counter)}.{fmt}")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return wsisdedup.read(path, format=fmt)

    return read


def child(pattern: str, entry: str, size: int) -> dict[str, Any]:
    """Measure one call in this (fresh) process; the parent prints what this returns."""
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as folder:
        call = _call_for(entry, folder)
        call(_input_for(pattern, entry, 1000))  # warm-up: imports and lazy compiles
        text = _input_for(pattern, entry, size)
        nbytes = len(text.encode("utf-8"))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.process_time()
        call(text)
        seconds = time.process_time() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "bytes": nbytes, "rss_delta": max(0, after - before) * 1024}


def _run_child(pattern: str, entry: str, size: int, timeout: float) -> dict[str, Any] | None:
    """One measurement in a fresh interpreter; None when it reached the time limit."""
    cmd = [sys.executable, __file__, "--child", pattern, entry, str(size)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"error": tail[0][:60]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _fmt_seconds(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.1f}ms"
    if seconds < 10:
        return f"{seconds:.2f}s"
    return f"{seconds:.0f}s"


def _fmt_size(mb: float) -> str:
    return f"{mb:g}MB"


def measure_row(
    pattern: str, entry: str, sizes_mb: Sequence[float], timeout: float
) -> dict[str, Any]:
    """Every size of one (pattern, entry) row, and the figures derived from them."""
    cells: list[str] = []
    done: list[tuple[float, dict[str, Any]]] = []
    flags: list[str] = []
    previous: tuple[float, float] | None = None  # (size, seconds) of the last finished size
    exponent = 1.0  # the growth seen so far: 1 linear, 2 quadratic
    timed_out = False
    for mb in sizes_mb:
        size = int(mb * 1_000_000)
        if timed_out or (previous and previous[1] * (size / previous[0]) ** exponent > timeout):
            cells.append(f">{timeout:g}s~")
            continue
        result = _run_child(pattern, entry, size, timeout)
        if result is None:
            cells.append(f">{timeout:g}s")
            timed_out = True
            continue
        if "error" in result:
            cells.append("error")
            flags.append(f"error: {result['error']}")
            break
        cells.append(_fmt_seconds(result["seconds"]))
        if previous and previous[1] > 0 and result["seconds"] >= MIN_GROWTH_SECONDS:
            ratio = result["seconds"] / previous[1]
            exponent = max(1.0, math.log(ratio) / math.log(size / previous[0]))
        done.append((mb, result))
        previous = (size, result["seconds"])
    row: dict[str, Any] = {"pattern": pattern, "entry": entry, "cells": cells}
    row["mb_s"] = row["growth"] = row["mem"] = None
    if done:
        _, last = done[-1]
        row["mb_s"] = last["bytes"] / 1e6 / max(last["seconds"], 1e-9)
        row["mem"] = last["rss_delta"] / max(1, last["bytes"])
    if len(done) >= 2:
        (_, r1), (_, r2) = done[-2], done[-1]
        if r2["seconds"] >= MIN_GROWTH_SECONDS and r1["seconds"] > 0:
            decades = math.log10(r2["bytes"] / r1["bytes"])
            row["growth"] = (r2["seconds"] / r1["seconds"]) ** (1 / decades)
    row["growth_at_least"] = False
    timed_out_at = next(  # a real timeout only: a projected skip (`~`) measured nothing
        (i for i, c in enumerate(cells) if c.startswith(">") and not c.endswith("~")), None
    )
    if row["growth"] is None and done and timed_out_at is not None and timed_out_at > 0:
        # The limit at the first timed-out size bounds the growth from below: "> 35" says the
        # row is at least that far from linear even though the larger run never finished.
        mb_prev, r_prev = done[-1]
        if r_prev["seconds"] >= MIN_GROWTH_SECONDS:
            decades = math.log10(sizes_mb[timed_out_at] / mb_prev)
            row["growth"] = (timeout / r_prev["seconds"]) ** (1 / decades)
            row["growth_at_least"] = True
    row["seconds"] = {str(mb): r["seconds"] for mb, r in done}
    if any(c.startswith(">") for c in cells) and "timeout" not in flags:
        flags.append("timeout")
    if row["mb_s"] is not None and row["mb_s"] < TARGET_MB_PER_S:
        flags.append("slow")
    if row["growth"] is not None and row["growth"] > TARGET_GROWTH:
        flags.append("growth")
    if row["mem"] is not None and row["mem"] > TARGET_MEMORY:
        flags.append("mem")
    row["flags"] = flags
    return row


def _print_table(rows: Sequence[dict[str, Any]], sizes_mb: Sequence[float]) -> None:
    head = ["pattern", "entry", *(_fmt_size(mb) for mb in sizes_mb), "MB/s", "growth", "mem"]
    head.append("flags")
    table = [head]
    for r in rows:
        table.append(
            [
                r["pattern"],
                r["entry"],
                *r["cells"],
                "-" if r["mb_s"] is None else f"{r['mb_s']:.2f}",
                "-"
                if r["growth"] is None
                else (">" if r["growth_at_least"] else "") + f"{r['growth']:.1f}",
                "-" if r["mem"] is None else f"{r['mem']:.1f}",
                ", ".join(r["flags"]) or "ok",
            ]
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)), row[-1])
        sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="0.1,1,10", help="input sizes in MB, comma-separated")
    parser.add_argument("--quick", action="store_true", help="sizes 0.01,0.1 MB")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per measurement")
    parser.add_argument("--only", default="", help="comma-separated pattern names to run")
    parser.add_argument("--entries", default=",".join(ENTRIES), help="entry points to run")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--child", nargs=3, metavar=("PATTERN", "ENTRY", "BYTES"))
    args = parser.parse_args(argv)
    if args.child:
        pattern, entry, size = args.child
        print(json.dumps(child(pattern, entry, int(size))))
        return 0
    sizes = [0.01, 0.1] if args.quick else [float(s) for s in args.sizes.split(",")]
    only = {p for p in args.only.split(",") if p}
    entries = [e for e in args.entries.split(",") if e]
    plan: list[tuple[str, str]] = []
    for pattern in [*hostile.GENERATORS, *hostile.ARCHIVES]:
        if only and pattern not in only:
            continue
        if pattern in hostile.ARCHIVES:
            plan.append((pattern, ARCHIVE_ENTRY[pattern]))
        else:
            plan.extend((pattern, e) for e in entries)
    print(
        f"# bench_hostile: sizes {', '.join(map(_fmt_size, sizes))}; CPU time; "
        f"memory = ru_maxrss delta / input; limit {args.timeout:g}s wall per run"
    )
    rows = []
    started = time.monotonic()
    for i, (pattern, entry) in enumerate(plan):
        rows.append(measure_row(pattern, entry, sizes, args.timeout))
        print(f"# {i + 1}/{len(plan)} {pattern} {entry}", file=sys.stderr, flush=True)
    _print_table(rows, sizes)
    missed = sum(1 for r in rows if r["flags"])
    print(f"# {missed} of {len(rows)} rows miss a target; {time.monotonic() - started:.0f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
