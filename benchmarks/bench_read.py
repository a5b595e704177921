"""Read speed: the `read` stage on fedora-devel (examples/data), against the standard library.

    .venv/bin/python benchmarks/bench_read.py        # 10 rounds
    .venv/bin/python benchmarks/bench_read.py 30     # more rounds

Rows:
- `stdlib reference`: `mailbox.mbox` split + `email` compat32 parse + first text/plain part
  decoded (docs/performance.md's reference, ~2,700 msg/s on its synthetic archive), on the
  decompressed file;
- `read_messages (.txt)`: this reader on the same decompressed file;
- `read_messages (.txt.gz)`: this reader on the gzip file as bundled (decompressing as it goes).

MB/s counts decompressed megabytes. Each figure is the best of N rounds, the one least disturbed
by other load on the machine; best CPU seconds are shown next to wall-clock seconds.
"""

from __future__ import annotations

import email
import gzip
import mailbox
import sys
import tempfile
import time
from collections.abc import Callable
from email import policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wsisdedup.model import Problem  # noqa: E402
from wsisdedup.readers import read_messages  # noqa: E402

FEDORA = ROOT / "examples" / "data" / "fedora-devel-2010-January.txt.gz"


def stdlib_reference(path: Path) -> int:
    box = mailbox.mbox(str(path), create=False)
    n = 0
    for key in box.iterkeys():
        msg = email.message_from_bytes(box.get_bytes(key), policy=policy.compat32)
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    payload.decode(part.get_content_charset() or "utf-8", "replace")
                break
        n += 1
    box.close()
    return n


def ours(path: Path) -> int:
    n = 0
    for item in read_messages(path):
        if isinstance(item, Problem):
            raise SystemExit(f"unexpected problem: {item}")
        n += 1
    return n


def best_of(rounds: int, fn: Callable[[], int]) -> tuple[int, float, float]:
    """Messages, and the best wall-clock and best CPU seconds over `rounds` runs."""
    best_wall, best_cpu, count = float("inf"), float("inf"), 0
    for _ in range(rounds):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        count = fn()
        best_wall = min(best_wall, time.perf_counter() - wall0)
        best_cpu = min(best_cpu, time.process_time() - cpu0)
    return count, best_wall, best_cpu


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    raw = gzip.decompress(FEDORA.read_bytes())
    mb = len(raw) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "fedora-devel-2010-January.txt"
        plain.write_bytes(raw)
        rows = [
            ("stdlib reference", lambda: stdlib_reference(plain)),
            ("read_messages (.txt)", lambda: ours(plain)),
            ("read_messages (.txt.gz)", lambda: ours(FEDORA)),
        ]
        print(f"fedora-devel: {mb:.2f} MB decompressed, best of {rounds} rounds\n")
        print(f"| {'how':<24} | messages | wall s | msg/s (wall) | MB/s | cpu s | msg/s (cpu) |")
        print(f"|{'-' * 26}|----------|--------|--------------|------|-------|-------------|")
        for name, fn in rows:
            count, wall, cpu = best_of(rounds, fn)
            print(
                f"| {name:<24} | {count:>8} | {wall:6.3f} | {count / wall:>12,.0f} "
                f"| {mb / wall:4.1f} | {cpu:5.3f} | {count / cpu:>11,.0f} |"
            )
        print("\nBest of the rounds in each column; CPU time is steadier on a busy machine.")


if __name__ == "__main__":
    main()
