"""Golden output of the whole pipeline on every bundled archive.

Each file under `tests/golden/` holds, for one archive, what `wsisdedup clean` writes (the JSONL
records) plus the segments of every message (kind, span, depth, quote source), the threads and
the stats. A change of behaviour shows up here as a diff of a golden file, so a refactoring that
is only a move must leave these tests passing unchanged, and a change that is meant to alter the
output regenerates them (`WSISDEDUP_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`) and
says in its commit why the diff is right.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from conftest import CORPUS, DATA, SEED

import wsisdedup
from wsisdedup.cli import main

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("WSISDEDUP_UPDATE_GOLDEN") == "1"


def _relative(text: str) -> str:
    """Sources name the archive by the path it was read from: keep only the file name."""
    return text.replace(str(DATA) + os.sep, "")


def _golden_lines(path: Path, tmp_path: Path) -> list[str]:
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(path), "-o", str(out)]) == 0
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    archive = wsisdedup.read(path)
    assert [r["id"] for r in exported] == [m.id for m in archive.messages]
    lines: list[str] = []
    for record, m in zip(exported, archive.messages, strict=True):
        record["segments"] = [
            [s.kind.name, s.start, s.end, s.depth, s.source_id] for s in m.segments
        ]
        lines.append(_relative(json.dumps(record, ensure_ascii=False, sort_keys=True)))
    summary: dict[str, Any] = {
        "stats": attrs.asdict(archive.stats),
        "threads": [[t.root_id, list(t.message_ids)] for t in archive.threads],
        "problems": [p.what for p in archive.problems],
    }
    lines.append(_relative(json.dumps(summary, ensure_ascii=False, sort_keys=True)))
    return lines


@pytest.mark.parametrize("path", [*CORPUS, SEED], ids=lambda p: p.name)
def test_golden_output(path: Path, tmp_path: Path) -> None:
    got = _golden_lines(path, tmp_path)
    golden = GOLDEN / (path.name.split(".")[0] + ".jsonl")
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text("\n".join(got) + "\n", encoding="utf-8")
    want = golden.read_text(encoding="utf-8").splitlines()
    assert len(got) == len(want), f"{golden.name}: {len(got)} lines, golden has {len(want)}"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, f"{golden.name} line {i + 1} differs"


SYNTHETIC_MESSAGES = 1500
"""A synthetic archive (benchmarks/synthetic.py, every reply shape and copy reason mixed) of
this size: its golden is a digest per message (the records are large), so a diff names the
first message whose output changed; rerun `_golden_lines` on it to see how."""


def test_golden_synthetic(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from synthetic import generate_archive

    mbox = tmp_path / "synthetic.mbox"
    generate_archive(mbox, messages=SYNTHETIC_MESSAGES, seed=11)
    lines = [line.replace(str(tmp_path) + os.sep, "") for line in _golden_lines(mbox, tmp_path)]
    got = [
        f"{json.loads(line).get('id', 'summary')} "
        f"{hashlib.sha256(line.encode('utf-8', 'surrogatepass')).hexdigest()[:20]}"
        for line in lines
    ]
    golden = GOLDEN / f"synthetic-{SYNTHETIC_MESSAGES}.digests"
    if UPDATE:
        golden.write_text("\n".join(got) + "\n", encoding="utf-8")
    want = golden.read_text(encoding="utf-8").splitlines()
    assert len(got) == len(want), f"{golden.name}: {len(got)} lines, golden has {len(want)}"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        assert g == w, f"{golden.name} line {i + 1} differs: {g} (golden: {w})"
