"""Speed of the canonical form and of footer finding on the bundled corpora.

Prints one row per corpus: MB of body text, then MB/s of

- `tokenise`: `re.findall(r"\\w+")` over the same bodies, the reference pass of docs/performance.md
  (absolute speeds vary from machine to machine and with load; the ratio to this one holds);
- `canonical`: `wsisdedup.text.normalise.canonical` on each body, and its cost in tokenisations;
- `footers+c`: `footer_spans` given the canonical form (what the segmenter pays on top of it);
- `footers`: `footer_spans` alone (it builds the canonical form itself);
- `learn`: `learn_footers` over all bodies.

The last row joins every corpus body into one text repeated to about 10 MB: the time per MB
must not grow with the size of a body.

Run: `.venv/bin/python benchmarks/bench_normalise.py [--repeat N]`
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wsisdedup.model import ParsedMessage  # noqa: E402
from wsisdedup.readers import read_messages  # noqa: E402
from wsisdedup.segment.footers import footer_spans, learn_footers  # noqa: E402
from wsisdedup.text.normalise import canonical  # noqa: E402

DATA = ROOT / "examples" / "data"
CORPORA = {
    "fedora-devel": DATA / "fedora-devel-2010-January.txt.gz",
    "numpy": DATA / "numpy-discussion-2001-November.txt",
    "3gpp": DATA / "3gpp-sa-wg4-evs.mbox",
    "seed": DATA / "wsis20-2025-06.txt",
}
_WORD = re.compile(r"\w+")


def bodies_of(path: Path) -> list[str]:
    """The message bodies as the library's reader gives them (the raw file if it cannot)."""
    try:
        bodies = [m.body for m in read_messages(path) if isinstance(m, ParsedMessage)]
    except Exception:  # the benchmark must run while the reader is being written
        bodies = []
    if not bodies:
        bodies = [path.read_text(encoding="utf-8", errors="replace")]
    return bodies


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        run()
        times.append(time.process_time() - t0)
    return min(times)


def row(name: str, bodies: list[str], repeat: int) -> None:
    mb = sum(len(b) for b in bodies) / 1e6
    learned = learn_footers(bodies)
    canons = [canonical(b) for b in bodies]
    t_tok = best(lambda: [_WORD.findall(b) for b in bodies], repeat)
    t_can = best(lambda: [canonical(b) for b in bodies], repeat)
    t_foot_c = best(
        lambda: [footer_spans(b, learned, canon=c) for b, c in zip(bodies, canons, strict=True)],
        repeat,
    )
    t_foot = best(lambda: [footer_spans(b, learned) for b in bodies], repeat)
    t_learn = best(lambda: learn_footers(bodies), repeat)
    print(
        f"{name:14} {len(bodies):6} {mb:7.2f} {mb / t_tok:9.1f} {mb / t_can:10.1f} "
        f"{t_can / t_tok:6.2f}x {mb / t_foot_c:10.1f} {mb / t_foot:8.1f} {mb / t_learn:7.1f}"
        f"   learned: {len(learned)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best is kept)")
    args = parser.parse_args()
    print(
        f"{'corpus':14} {'msgs':>6} {'MB':>7} {'tokenise':>9} {'canonical':>10} {'cost':>7} "
        f"{'footers+c':>10} {'footers':>8} {'learn':>7}   (MB/s; cost = canonical/tokenise)"
    )
    everything: list[str] = []
    for name, path in CORPORA.items():
        bodies = bodies_of(path)
        everything += bodies
        row(name, bodies, args.repeat)
    one = "\n\n".join(everything)
    big = one * max(1, round(10e6 / max(1, len(one))))
    row("one 10 MB body", [big], 1)


if __name__ == "__main__":
    main()
