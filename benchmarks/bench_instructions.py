"""Instructions that `wsisdedup.read` executes, counted by valgrind's callgrind.

On this shared machine one run's CPU seconds move by 10-20%, as much as most changes do, so
`bench_read_scale.py` compares versions in interleaved rounds. An instruction count does not
move with the machine's load: the same code reading the same archive (with the same hash
seed) executes the same instructions, within some 0.1% (addresses and the allocator's
choices still vary from run to run). So one run of each version measures a change:

    .venv/bin/python benchmarks/bench_instructions.py                  # 1,000 messages
    .venv/bin/python benchmarks/bench_instructions.py 1000 5000 --code /tmp/before,.

For each size and checkout (`--code`, comma-separated; `git worktree add /tmp/before <commit>`
makes one), a process reads the synthetic archive of that size (`bench_read_scale.archive`)
with one process (`workers=1`) under callgrind, and one reads a two-message archive; the
difference is the read's own count, without the interpreter's start, the imports and the
exit. Prints per row:

- `total_G`: the whole process's instructions (billions); `base_G`: the two-message read's;
- `read_G` = total_G - base_G, and `per_msg_k`, thousands a message;
- `change`: read_G against the first checkout's at the same size.

Instructions are not time (a cache miss costs more than an addition), but a change that
executes fewer of them in Python code is nearly always faster. Callgrind runs some 50x slower
than the read (about a minute at 1,000 messages); the runs go in parallel, one a core. Needs
valgrind (Debian's `valgrind` package).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_read_scale import _check_imported, _checkout_env, _label, archive  # noqa: E402

BASE_MESSAGES = 2
"""Messages of the read whose count is subtracted (interpreter, imports, exit)."""
HASH_SEED = "0"
"""`PYTHONHASHSEED` of every run: a random seed changes the dicts' collisions, and with them
the count, from run to run."""
ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
"""numpy's BLAS starts a pool of threads as it is imported, and threads that wait for work
spin: their instructions depend on how the machine schedules them, and moved the count of
the same code by 2-4% from run to run. One thread a process makes the count repeat."""
READ = (
    "import sys, wsisdedup\n"
    "archive = wsisdedup.read(sys.argv[1], workers=1)\n"
    "print(wsisdedup.__file__, len(archive.messages))\n"
)
COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(code: Path, path: Path) -> int:
    """The instructions of a process that reads `path` with `code`'s wsisdedup (and stops if
    the process imported another wsisdedup)."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    cmd += [sys.executable, "-c", READ, str(path)]
    env = _checkout_env(code) | {"PYTHONHASHSEED": HASH_SEED, **ONE_THREAD}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=code, check=False)
    found = COLLECTED.search(out.stderr)
    if out.returncode != 0 or found is None:
        raise SystemExit(f"{code}: callgrind failed:\n{out.stderr[-2000:]}")
    _check_imported(code, out.stdout.split()[0])
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000])
    parser.add_argument(
        "--code",
        default=str(ROOT),
        help="comma-separated checkouts whose wsisdedup to measure (default: this one)",
    )
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    codes = [Path(c).resolve() for c in args.code.split(",")]
    sizes = [BASE_MESSAGES, *args.sizes]
    paths = {n: archive(n) for n in sizes}  # generated outside the measured processes
    jobs = [(code, n) for code in codes for n in sizes]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        found = pool.map(lambda job: instructions(job[0], paths[job[1]]), jobs)
        counts = dict(zip(jobs, found, strict=True))
    columns = ("code", "messages", "total_G", "base_G", "read_G", "per_msg_k", "change")
    print(" | ".join(f"{c:>10}" for c in columns))
    for n in args.sizes:
        first = None
        for code in codes:
            base, total = counts[code, BASE_MESSAGES], counts[code, n]
            read = total - base
            first = read if first is None else first
            row = (
                _label(code),
                n,
                f"{total / 1e9:.3f}",
                f"{base / 1e9:.3f}",
                f"{read / 1e9:.3f}",
                f"{read / n / 1e3:.1f}",
                f"{100 * (read - first) / first:+.1f}%",
            )
            print(" | ".join(f"{v!s:>10}" for v in row), flush=True)


if __name__ == "__main__":
    main()
