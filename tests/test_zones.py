"""The line-labelled zoning set (tests/data/zones) is well-formed, and bench_zones maps segments
to line labels as documented.

Nothing here measures the library's accuracy: benchmarks/bench_zones.py reports it, and the
library is improved against it without a threshold in the tests.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from wsisdedup.model import Segment, SegmentKind

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "zones"
LABELS = {"own", "quote", "signature", "footer"}


def _load_bench() -> ModuleType:
    path = ROOT / "benchmarks" / "bench_zones.py"
    spec = importlib.util.spec_from_file_location("bench_zones", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_zones", module)
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def _rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path in sorted(DATA.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    return rows


def _readme_classes() -> set[str]:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.M))


ROWS = _rows()


def test_set_is_large_enough() -> None:
    assert len(ROWS) >= 200


def test_rows_have_the_documented_fields() -> None:
    for row in ROWS:
        assert set(row) == {"id", "class", "origin", "lines"}, row.get("id")
        assert isinstance(row["id"], str) and row["id"]
        assert isinstance(row["class"], str) and row["class"]
        origin = row["origin"]
        assert isinstance(origin, str)
        assert origin == "constructed" or re.fullmatch(r"[\w.-]+:\d+", origin), origin
        assert isinstance(row["lines"], list) and row["lines"], row["id"]


def test_ids_are_unique() -> None:
    counts = Counter(row["id"] for row in ROWS)
    assert [i for i, n in counts.items() if n > 1] == []


def test_every_line_is_a_labelled_single_line() -> None:
    for row in ROWS:
        lines = row["lines"]
        assert isinstance(lines, list)
        for pair in lines:
            assert isinstance(pair, list) and len(pair) == 2, row["id"]
            label, text = pair
            assert label in LABELS, (row["id"], label)
            assert isinstance(text, str)
            assert "\n" not in text and "\r" not in text, (row["id"], text)


def test_blank_lines_follow_the_documented_rule() -> None:
    for row in ROWS:
        lines = row["lines"]
        assert isinstance(lines, list)
        labels = [label for label, _ in lines]
        texts = [text for _, text in lines]
        assert bench.fill_blanks(labels, texts) == labels, row["id"]


def test_every_readme_class_has_rows_and_every_row_class_is_in_readme() -> None:
    named = _readme_classes()
    used = {row["class"] for row in ROWS}
    assert len(named) >= 30
    assert named - used == set()
    assert used - named == set()


def test_readme_counts_match_the_set() -> None:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    counts = Counter(row["class"] for row in ROWS)
    for cls, n in re.findall(r"^\| `([a-z0-9-]+)` \| (\d+) \|", text, flags=re.M):
        assert counts[cls] == int(n), cls


def test_the_benchmark_loads_the_set() -> None:
    messages = bench.load(DATA)
    assert len(messages) == len(ROWS)
    assert messages[0].body.endswith("\n")
    assert messages[0].body.count("\n") == len(messages[0].lines)


def _seg(kind: SegmentKind, body: str, start: int, end: int) -> Segment:
    return Segment(kind=kind, text=body[start:end], start=start, end=end)


def _segments(body: str, spec: list[tuple[SegmentKind, str]]) -> list[Segment]:
    """Segments that cover `body` in order, each given by its kind and its exact text."""
    out: list[Segment] = []
    pos = 0
    for kind, text in spec:
        assert body.startswith(text, pos)
        out.append(_seg(kind, body, pos, pos + len(text)))
        pos += len(text)
    assert pos == len(body)
    return out


def test_line_labels_of_a_reply_with_signature_and_footer() -> None:
    body = "On Mon, Ann wrote:\n> Ok?\n\nYes.\n\nBob\n_______________\nlist mailing list\n"
    segments = _segments(
        body,
        [
            (SegmentKind.ATTRIBUTION, "On Mon, Ann wrote:\n"),
            (SegmentKind.QUOTE, "> Ok?\n\n"),
            (SegmentKind.NEW, "Yes.\n\n"),
            (SegmentKind.SIGNATURE, "Bob\n"),
            (SegmentKind.FOOTER, "_______________\nlist mailing list\n"),
        ],
    )
    assert bench.line_labels(body, segments) == [
        "quote",
        "quote",
        "own",  # blank: label of the next non-blank line
        "own",
        "signature",
        "signature",
        "footer",
        "footer",
    ]


def test_line_labels_majority_placeholder_and_trailing_blanks() -> None:
    # Line 1 is mostly NEW with a short QUOTE tail (a flattened line); line 2 is a placeholder
    # inside the author's text; the forward header and forwarded text count as quote; trailing
    # blank lines take the label of the last non-blank line.
    body = "Looks fine to me. > ok\n[cid:image001.png]\nFwd:\nHello\n\n\n"
    segments = _segments(
        body,
        [
            (SegmentKind.NEW, "Looks fine to me. "),
            (SegmentKind.QUOTE, "> ok\n"),
            (SegmentKind.PLACEHOLDER, "[cid:image001.png]\n"),
            (SegmentKind.FORWARD_HEADER, "Fwd:\n"),
            (SegmentKind.FORWARD, "Hello\n\n\n"),
        ],
    )
    assert bench.line_labels(body, segments) == ["own", "own", "quote", "quote", "quote", "quote"]


def test_line_labels_placeholder_at_the_start_takes_the_next_label() -> None:
    body = "[cid:logo]\n\nSent from my phone\n"
    segments = _segments(
        body,
        [
            (SegmentKind.PLACEHOLDER, "[cid:logo]\n\n"),
            (SegmentKind.SIGNATURE, "Sent from my phone\n"),
        ],
    )
    assert bench.line_labels(body, segments) == ["signature", "signature", "signature"]


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        (SegmentKind.NEW, "own"),
        (SegmentKind.QUOTE, "quote"),
        (SegmentKind.ATTRIBUTION, "quote"),
        (SegmentKind.FORWARD_HEADER, "quote"),
        (SegmentKind.FORWARD, "quote"),
        (SegmentKind.SIGNATURE, "signature"),
        (SegmentKind.FOOTER, "footer"),
    ],
)
def test_every_kind_but_placeholder_has_a_label(kind: SegmentKind, label: str) -> None:
    body = "text\n"
    assert bench.line_labels(body, [_seg(kind, body, 0, len(body))]) == [label]
