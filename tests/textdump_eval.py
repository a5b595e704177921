"""Score the text-dump reader on the dumps of `tests/data/textdump/` against their answers.

For each dump (made by `scripts/make_textdump.py` from real threads, answers from the headers):

- messages: true messages read exactly (a read message starts on its first line and ends on its
  last, and no other read message starts inside it);
- authors: true messages whose read message (the one starting on its first line) has the true
  author;
- parents: true messages whose read message quotes the read message of the true parent (None
  for a thread's first message).

Run `python tests/textdump_eval.py` for the table; `tests/test_textdump.py` keeps the figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parent.parent
DUMPS = ROOT / "tests" / "data" / "textdump"


@attrs.frozen(kw_only=True)
class Score:
    name: str
    total: int
    messages: int
    authors: int
    parents: int
    wrong: tuple[str, ...] = ()


def _true_ends(expected: list[dict[str, Any]], lines: list[str]) -> list[int]:
    """Per true message: its last line (1-based), before the next message, subject or roster."""
    starts = [x["line"] for x in expected]
    ends: list[int] = []
    for k, start in enumerate(starts):
        stop = starts[k + 1] - 1 if k + 1 < len(starts) else len(lines)
        if k + 1 < len(expected) and expected[k + 1]["thread"] != expected[k]["thread"]:
            stop -= 1  # the next thread's subject line
        for n in range(start, stop + 1):
            if lines[n - 1].startswith("participants ("):
                stop = n - 1
                break
        ends.append(stop)
    return ends


def score(golden: Path) -> Score:
    from wsisdedup.readers.textdump import parse_text_dump

    expected = json.loads(golden.read_text(encoding="utf-8"))["messages"]
    lines = golden.with_suffix(".txt").read_text(encoding="utf-8").splitlines()
    dump = parse_text_dump(lines, path=golden.name)
    ends = _true_ends(expected, lines)
    read_at = {e.line: k for k, e in enumerate(dump.evidence)}
    true_at = {x["line"]: x["index"] for x in expected}
    messages = authors = parents = 0
    wrong: list[str] = []
    for x, end in zip(expected, ends, strict=True):
        k = read_at.get(x["line"])
        inside = [e.line for e in dump.evidence if x["line"] < e.line <= end]
        if k is not None and not inside and dump.evidence[k].end_line == end:
            messages += 1
        else:
            wrong.append(f"message {x['index']} (line {x['line']}-{end}): split")
        if k is None:
            continue
        name = dump.messages[k].author.name
        if name == x["author"]:
            authors += 1
        else:
            wrong.append(f"message {x['index']}: author {name!r}, not {x['author']!r}")
        q = dump.evidence[k].quotes
        got = None if q is None else true_at.get(dump.evidence[q].line, -1)
        if got == x["in_reply_to"]:
            parents += 1
        else:
            wrong.append(f"message {x['index']}: parent {got}, not {x['in_reply_to']}")
    return Score(
        name=golden.stem,
        total=len(expected),
        messages=messages,
        authors=authors,
        parents=parents,
        wrong=tuple(wrong),
    )


def main() -> None:
    verbose = "-v" in sys.argv[1:]
    totals = [0, 0, 0, 0]
    print(f"{'dump':24} {'msgs':>5} {'exact':>6} {'author':>7} {'parent':>7}")
    for golden in sorted(DUMPS.glob("*.json")):
        s = score(golden)
        print(f"{s.name:24} {s.total:5} {s.messages:6} {s.authors:7} {s.parents:7}")
        for i, v in enumerate((s.total, s.messages, s.authors, s.parents)):
            totals[i] += v
        if verbose:
            for w in s.wrong:
                print(f"    {w}")
    print(f"{'all':24} {totals[0]:5} {totals[1]:6} {totals[2]:7} {totals[3]:7}")


if __name__ == "__main__":
    main()
