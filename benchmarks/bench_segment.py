"""Benchmark: split_body on fedora-devel bodies, against talon and email-reply-parser.

Run from the repository root:

    .venv/bin/python benchmarks/bench_segment.py [--repeat N] [--peers /tmp/benchvenv]

Bodies are read straight from examples/data/fedora-devel-2010-January.txt.gz with the standard
library (split on pipermail's `From ` separator, parsed with compat32, text/plain decoded).
The peers are never project dependencies: install them in a separate virtualenv
(`python -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install talon email_reply_parser`)
and pass its path with --peers; they then run in that interpreter, on the same bodies, in the
same run, and the table reports them (or says why not).

Times are CPU time of the process (`time.process_time`), best of --repeat: wall-clock time on a
shared machine measures the other processes as much as the code.
"""

from __future__ import annotations

import argparse
import email
import gzip
import itertools
import json
import re
import subprocess
import sys
import tempfile
import time
from email import policy
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wsisdedup.segment import split_body  # noqa: E402
from wsisdedup.segment.footers import footer_spans  # noqa: E402

FEDORA = ROOT / "examples" / "data" / "fedora-devel-2010-January.txt.gz"
FROM_LINE = re.compile(r"^From \S+ +\w{3} \w{3} +\d+ \d+:\d+:\d+ \d{4}$", re.M)

PEER_SCRIPT = r"""
import json, sys, time
bodies = json.load(open(sys.argv[1], encoding="utf-8"))
repeat = int(sys.argv[2])
out = {}
def run(name, fn):
    try:
        fn(bodies[0])
    except Exception as exc:  # report, do not crash the benchmark
        out[name] = {"error": repr(exc)}
        return
    best = None
    for _ in range(repeat):
        t = time.process_time()
        for b in bodies:
            fn(b)
        dt = time.process_time() - t
        best = dt if best is None else min(best, dt)
    out[name] = {"seconds": best}
try:
    from talon import quotations
    run("talon quotations.extract_from_plain", quotations.extract_from_plain)
except Exception as exc:
    out["talon quotations.extract_from_plain"] = {"error": "not importable: " + repr(exc)}
try:
    from email_reply_parser import EmailReplyParser
    run("email_reply_parser.parse_reply", EmailReplyParser.parse_reply)
except Exception as exc:
    out["email_reply_parser.parse_reply"] = {"error": "not importable: " + repr(exc)}
print(json.dumps(out))
"""


def _text(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            raw = part.get_payload(decode=True)
            if not isinstance(raw, bytes):
                return ""
            charset = part.get_content_charset() or "utf-8"
            try:
                return raw.decode(charset, "replace")
            except LookupError:
                return raw.decode("utf-8", "replace")
    return ""


def fedora_bodies() -> list[str]:
    with gzip.open(FEDORA, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    starts = [m.start() for m in FROM_LINE.finditer(text)] + [len(text)]
    bodies = []
    for a, b in itertools.pairwise(starts):
        chunk = text[a:b].split("\n", 1)[1]
        bodies.append(_text(email.message_from_string(chunk, policy=policy.compat32)))
    return bodies


def best_of(repeat: int, fn: object, bodies: list[str]) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        for b in bodies:
            fn(b)  # type: ignore[operator]
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--peers", default="/tmp/benchvenv", help="virtualenv with talon etc.")
    args = ap.parse_args()

    bodies = fedora_bodies()
    chars = sum(len(b) for b in bodies)
    rows: list[tuple[str, str]] = []

    def add(name: str, seconds: float) -> None:
        rows.append(
            (name, f"{len(bodies) / seconds:10,.0f} msg/s {chars / seconds / 1e6:7.2f} MB/s")
        )

    add("wsisdedup split_body", best_of(args.repeat, split_body, bodies))
    # split_body calls footer_spans only where a footer's words are in the body (most fedora
    # bodies hold none): this row is its cost when called on every body.
    add("footer_spans alone, on every body", best_of(args.repeat, footer_spans, bodies))

    python = Path(args.peers) / "bin" / "python"
    if python.exists():
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
            json.dump(bodies, f)
        proc = subprocess.run(
            [str(python), "-c", PEER_SCRIPT, f.name, str(args.repeat)],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            results = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            rows.append(("peers", "failed: " + proc.stderr.strip()[-200:]))
            results = {}
        for name, res in results.items():
            if "seconds" in res:
                add(name, res["seconds"])
            else:
                rows.append((name, res["error"]))
    else:
        rows.append(("peers", f"no virtualenv at {args.peers}: not measured"))

    print(
        f"fedora-devel 2010-01: {len(bodies)} bodies, {chars / 1e6:.2f} MB, best of {args.repeat}"
    )
    print(f"| {'what':40} | {'speed':31} |")
    print(f"|{'-' * 42}|{'-' * 33}|")
    for name, value in rows:
        print(f"| {name:40} | {value:31} |")


if __name__ == "__main__":
    main()
