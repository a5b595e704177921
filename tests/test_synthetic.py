"""Tests of the synthetic archive generator (benchmarks/synthetic.py): deterministic for a seed,
a real mbox, a ground truth consistent with the bodies, every shape present.

    .venv/bin/python -m pytest tests/test_synthetic.py

The library's scores on the archive are reported by benchmarks/bench_quality.py, not asserted.
"""

from __future__ import annotations

import mailbox
import re
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

from synthetic import (  # noqa: E402
    COPY_REASONS,
    DISTINCT_REASONS,
    REPLY_SHAPES,
    TOP_SHAPES,
    GroundTruth,
    generate_archive,
)

N = 300


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    path = tmp_path_factory.mktemp("synthetic") / "a.mbox"
    return path, generate_archive(path, messages=N, seed=1)


def _space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_same_seed_same_archive(tmp_path: Path, generated: tuple[Path, GroundTruth]) -> None:
    path, truth = generated
    again = generate_archive(tmp_path / "b.mbox", messages=N, seed=1)
    assert (tmp_path / "b.mbox").read_bytes() == path.read_bytes()
    assert again.messages == truth.messages
    assert again.copies == truth.copies
    assert again.distinct == truth.distinct
    other = generate_archive(tmp_path / "c.mbox", messages=N, seed=2)
    assert (tmp_path / "c.mbox").read_bytes() != path.read_bytes()
    assert len(other.messages) == N


def test_mbox_parses_to_the_messages(generated: tuple[Path, GroundTruth]) -> None:
    path, truth = generated
    box = mailbox.mbox(path, create=False)
    try:
        parsed = list(box)
    finally:
        box.close()
    assert len(parsed) == len(truth.messages) == N
    for msg, t in zip(parsed, truth.messages, strict=True):
        assert msg["Message-ID"] == f"<{t.message_id}>"
        assert t.author_address in msg["From"]
        assert msg["Date"] and msg["Subject"]
        # mailbox keeps the blank line that ends the last message only.
        payload = msg.get_payload()
        assert isinstance(payload, str)
        assert payload.rstrip("\n") == t.body.rstrip("\n")
        if t.has_reply_headers:
            assert msg["In-Reply-To"] == f"<{t.parent_id}>"
            assert f"<{t.parent_id}>" in msg["References"]
        else:
            assert msg["In-Reply-To"] is None


def test_ground_truth_matches_the_bodies(generated: tuple[Path, GroundTruth]) -> None:
    _, truth = generated
    for t in truth.messages:
        assert t.own, t.message_id
        for para, rendered in zip(t.own, t.own_rendered, strict=True):
            assert rendered in t.body
            assert _space(rendered) == _space(para)
        for q in t.quoted:
            assert q.rendered in t.body
            assert q.source_index < t.index
            source = truth.messages[q.source_index]
            assert source.message_id == q.source_id
            assert q.text in source.own  # quoted text is the original author's own paragraph
            assert q.rendered.startswith("> " * q.depth) == q.marked
        if t.parent_index is not None:
            assert t.parent_index < t.index
            assert truth.messages[t.parent_index].message_id == t.parent_id


def test_own_text_is_distinctive(generated: tuple[Path, GroundTruth]) -> None:
    """No long run of words of one message's own text appears in another's by chance."""
    _, truth = generated
    owner: dict[tuple[str, ...], int] = {}
    for t in truth.messages:
        if t.copy_of is not None or t.shape in ("short_answer", "report_repost"):
            continue
        for para in t.own:
            words = para.split()
            for i in range(len(words) - 7):
                key = tuple(words[i : i + 8])
                assert owner.setdefault(key, t.index) == t.index, key


def test_copies_and_distinct_pairs(generated: tuple[Path, GroundTruth]) -> None:
    _, truth = generated
    for c in truth.copies:
        a, b = truth.messages[c.original], truth.messages[c.copy]
        assert b.copy_of == c.original and b.copy_reason == c.reason
        assert (a.author_address, a.body) == (b.author_address, b.body)
        if c.reason == "archived_twice":
            assert a.message_id == b.message_id
        if c.reason == "resend":
            assert a.message_id != b.message_id
        if c.reason == "crosspost":
            assert a.list_id != b.list_id
    for d in truth.distinct:
        a, b = truth.messages[d.first], truth.messages[d.second]
        assert a.own == b.own
        assert a.author_address != b.author_address
        assert a.message_id != b.message_id


def test_every_shape_present(generated: tuple[Path, GroundTruth]) -> None:
    _, truth = generated
    shapes = {t.shape for t in truth.messages}
    assert set(REPLY_SHAPES) <= shapes
    assert set(TOP_SHAPES) <= shapes
    assert {c.reason for c in truth.copies} == set(COPY_REASONS)
    assert {d.reason for d in truth.distinct} == set(DISTINCT_REASONS)
    assert any(t.is_reply and not t.has_reply_headers for t in truth.messages)
    assert any(t.is_reply and t.has_reply_headers for t in truth.messages)
    assert any(q.depth == 2 for t in truth.messages for q in t.quoted)
