"""Benchmark: how well split_body zones message bodies, line by line, against a labelled set.

Run from the repository root:

    .venv/bin/python benchmarks/bench_zones.py [--json] [--worst N]

The labelled set is tests/data/zones/*.jsonl (see tests/data/zones/README.md): every line of
every body carries one of four labels, `own`, `quote`, `signature`, `footer`. Each body is run
through `wsisdedup.split_body`, the segments are turned into line labels by `line_labels`, and
the table reports, per class and overall, the share of lines whose label matches:

* binary: own versus not own (what "the author's new words" extraction gets right);
* 4-way: the exact label.

then the worst messages with a few mislabelled lines as `want/got: text`.

Nothing here is asserted: the figures are a measurement, not a test (tests/test_zones.py checks
that the set is well-formed and that `line_labels` maps segments as documented).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from wsisdedup.model import Segment, SegmentKind  # noqa: E402
from wsisdedup.segment import split_body  # noqa: E402

DATA = ROOT / "tests" / "data" / "zones"
LABELS = ("own", "quote", "signature", "footer")

# How a segment kind counts as a line label. PLACEHOLDER is absent on purpose: a placeholder
# line takes the label of the lines around it (see `line_labels`).
KIND_LABEL: dict[SegmentKind, str] = {
    SegmentKind.NEW: "own",
    SegmentKind.QUOTE: "quote",
    SegmentKind.ATTRIBUTION: "quote",
    SegmentKind.FORWARD_HEADER: "quote",
    SegmentKind.FORWARD: "quote",
    SegmentKind.SIGNATURE: "signature",
    SegmentKind.FOOTER: "footer",
}


def body_of(lines: Sequence[Sequence[str]]) -> str:
    """The body a labelled message stands for: its lines joined by newlines, plus a newline."""
    return "\n".join(text for _, text in lines) + "\n"


def fill_blanks(labels: list[str | None], texts: Sequence[str]) -> list[str]:
    """Give blank lines (and unlabelled ones) the label of the next labelled non-blank line.

    Blank lines at the very end, with no non-blank line after them, take the label of the last
    non-blank line before them. A body with no label at all is `own` throughout.
    """
    out: list[str | None] = [
        None if not text.strip() else label for label, text in zip(labels, texts, strict=True)
    ]
    following: str | None = None
    for i in range(len(out) - 1, -1, -1):
        if out[i] is None:
            out[i] = following
        else:
            following = out[i]
    preceding = "own"
    result: list[str] = []
    for label in out:
        if label is None:
            label = preceding
        preceding = label
        result.append(label)
    return result


def line_labels(body: str, segments: Iterable[Segment]) -> list[str]:
    """One label per line of `body` (a body ending in a newline), from `split_body`'s segments.

    A line's label is the label (`KIND_LABEL`) of the segment kind that covers most of its
    characters, newline excluded; on a tie the kind met first wins. A line covered mostly by a
    PLACEHOLDER takes the label of the nearest non-blank, non-placeholder line before it (after
    it when there is none before). Blank lines (empty or only white space) take the label of the
    next non-blank line, or of the last one when none follows: the rule the labelled set uses.
    """
    texts = body.split("\n")
    if body.endswith("\n"):
        texts.pop()
    spans: list[tuple[int, int]] = []
    pos = 0
    for text in texts:
        spans.append((pos, pos + len(text)))
        pos += len(text) + 1
    segs = sorted(segments, key=lambda s: s.start)
    labels: list[str | None] = []
    placeholder: list[bool] = []
    j = 0
    for (start, end), text in zip(spans, texts, strict=True):
        while j < len(segs) and segs[j].end <= start:
            j += 1
        cover: dict[SegmentKind, int] = {}
        k = j
        while k < len(segs) and segs[k].start < max(end, start + 1):
            seg = segs[k]
            n = min(seg.end, end) - max(seg.start, start)
            if n > 0:
                cover[seg.kind] = cover.get(seg.kind, 0) + n
            k += 1
        best = max(cover, key=lambda kind: cover[kind]) if cover else None
        is_placeholder = best is SegmentKind.PLACEHOLDER and bool(text.strip())
        placeholder.append(is_placeholder)
        labels.append(None if best is None or is_placeholder else KIND_LABEL[best])
    # Placeholders: nearest labelled non-blank line before, else after.
    for i, is_placeholder in enumerate(placeholder):
        if not is_placeholder:
            continue
        before = [labels[b] for b in range(i - 1, -1, -1) if texts[b].strip() and labels[b]]
        after = [labels[a] for a in range(i + 1, len(texts)) if texts[a].strip() and labels[a]]
        labels[i] = before[0] if before else (after[0] if after else None)
        placeholder[i] = False
    return fill_blanks(labels, texts)


@dataclass
class Message:
    """One labelled message of the set."""

    id: str
    cls: str
    origin: str
    lines: list[tuple[str, str]]

    @property
    def body(self) -> str:
        return body_of(self.lines)


def load(data: Path = DATA) -> list[Message]:
    """Every message of every `*.jsonl` file under `data`, in file then line order."""
    messages: list[Message] = []
    for path in sorted(data.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            for raw in f:
                if not raw.strip():
                    continue
                obj = json.loads(raw)
                messages.append(
                    Message(
                        id=obj["id"],
                        cls=obj["class"],
                        origin=obj["origin"],
                        lines=[(label, text) for label, text in obj["lines"]],
                    )
                )
    return messages


@dataclass
class Score:
    """Line counts of one message, class or the whole set."""

    lines: int = 0
    binary: int = 0
    exact: int = 0
    messages: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.lines += other.lines
        self.binary += other.binary
        self.exact += other.exact
        self.messages += other.messages

    @property
    def binary_acc(self) -> float:
        return self.binary / self.lines if self.lines else 1.0

    @property
    def exact_acc(self) -> float:
        return self.exact / self.lines if self.lines else 1.0


def score(message: Message) -> Score:
    """Compare `split_body`'s line labels with the message's labels."""
    body = message.body
    got = line_labels(body, split_body(body).segments)
    s = Score(messages=1)
    for (want, text), have in zip(message.lines, got, strict=True):
        s.lines += 1
        s.binary += (want == "own") == (have == "own")
        if want == have:
            s.exact += 1
        elif text.strip():
            s.misses.append((want, have, text))
    return s


def run(messages: Sequence[Message]) -> tuple[dict[str, Score], Score, list[tuple[Message, Score]]]:
    """Scores per class, overall, and per message."""
    per_class: dict[str, Score] = defaultdict(Score)
    total = Score()
    per_message: list[tuple[Message, Score]] = []
    for message in messages:
        s = score(message)
        per_class[message.cls].add(s)
        total.add(s)
        per_message.append((message, s))
    return dict(sorted(per_class.items())), total, per_message


def worst(per_message: list[tuple[Message, Score]], n: int) -> list[tuple[Message, Score]]:
    """The `n` messages with the lowest 4-way accuracy (then binary accuracy, then id)."""
    ranked = sorted(per_message, key=lambda ms: (ms[1].exact_acc, ms[1].binary_acc, ms[0].id))
    return [ms for ms in ranked[:n] if ms[1].exact < ms[1].lines]


def _short(text: str, width: int = 70) -> str:
    text = text.replace("\t", " ")
    return text if len(text) <= width else text[: width - 3] + "..."


def print_table(
    per_class: dict[str, Score], total: Score, bad: list[tuple[Message, Score]]
) -> None:
    head = f"{'class':<22} {'msgs':>5} {'lines':>6} {'own/not-own':>12} {'4-way':>7}"
    print(head)
    print("-" * len(head))
    for cls, s in [*per_class.items(), ("ALL", total)]:
        if cls == "ALL":
            print("-" * len(head))
        print(f"{cls:<22} {s.messages:>5} {s.lines:>6} {s.binary_acc:>11.1%} {s.exact_acc:>7.1%}")
    print()
    print(f"{len(bad)} worst messages (4-way accuracy):")
    for message, s in bad:
        print(
            f"  {message.id} [{message.cls}] 4-way {s.exact_acc:.1%}, "
            f"own/not-own {s.binary_acc:.1%}, {s.lines - s.exact} of {s.lines} lines wrong"
        )
        for want, have, text in s.misses[:4]:
            print(f"      {want}/{have}: {_short(text)}")


def as_json(
    per_class: dict[str, Score], total: Score, bad: list[tuple[Message, Score]]
) -> dict[str, object]:
    def figures(s: Score) -> dict[str, object]:
        return {
            "messages": s.messages,
            "lines": s.lines,
            "binary_correct": s.binary,
            "exact_correct": s.exact,
            "binary_accuracy": round(s.binary_acc, 4),
            "exact_accuracy": round(s.exact_acc, 4),
        }

    return {
        "classes": {cls: figures(s) for cls, s in per_class.items()},
        "overall": figures(total),
        "worst": [
            {
                "id": m.id,
                "class": m.cls,
                **figures(s),
                "misses": [{"want": w, "got": g, "text": t} for w, g, t in s.misses[:4]],
            }
            for m, s in bad
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--worst", type=int, default=15, help="how many worst messages to show")
    parser.add_argument("--data", type=Path, default=DATA, help="folder of *.jsonl files")
    args = parser.parse_args(argv)
    per_class, total, per_message = run(load(args.data))
    bad = worst(per_message, args.worst)
    if args.json:
        print(json.dumps(as_json(per_class, total, bad), indent=2, ensure_ascii=False))
    else:
        print_table(per_class, total, bad)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
