"""Run the case tables in tests/cases/ (see the README there) against split_body."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from wsisdedup.model import SegmentKind
from wsisdedup.segment import parse_attribution, split_body

CASES = Path(__file__).resolve().parent / "cases"


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.json")):
        table = json.loads(path.read_text(encoding="utf-8"))
        for row in table["cases"]:
            marks = [pytest.mark.xfail(strict=True, reason=row["xfail"])] if "xfail" in row else []
            params.append(pytest.param(row, id=f"{path.stem}: {row['name']}", marks=marks))
    return params


def _date(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@pytest.mark.parametrize("row", _load())
def test_case(row: dict[str, Any]) -> None:
    body = split_body(row["body"])
    assert "".join(s.text for s in body.segments) == row["body"]
    assert body.new_text == row["new_text"]
    if "kinds" in row:
        assert [s.kind.value for s in body.segments] == row["kinds"]
    if "depths" in row:
        assert [s.depth for s in body.segments] == row["depths"]
    if "signature" in row:
        assert body.signature == row["signature"]
    if "attribution" in row:
        expected = row["attribution"]
        seg = next(s for s in body.segments if s.kind is SegmentKind.ATTRIBUTION)
        got = parse_attribution(seg.text)
        assert got is not None
        assert (got.name, got.address, got.date) == (
            expected["name"],
            expected["address"],
            _date(expected["date"]),
        )
    if "forward" in row:
        expected = row["forward"]
        seg = next(s for s in body.segments if s.kind is SegmentKind.FORWARD_HEADER)
        assert seg.forward is not None
        info = seg.forward
        assert (info.author.name, info.author.address, info.date, info.subject) == (
            expected["name"],
            expected["address"],
            _date(expected["date"]),
            expected["subject"],
        )


@pytest.mark.parametrize("row", _load())
def test_case_with_crlf_line_ends(row: dict[str, Any]) -> None:
    """Bodies with CRLF line ends (Windows clients, raw SMTP) segment the same way."""
    text = row["body"].replace("\n", "\r\n")
    body = split_body(text)
    assert "".join(s.text for s in body.segments) == text
    assert body.new_text.replace("\r\n", "\n") == row["new_text"]
    if "kinds" in row:
        assert [s.kind.value for s in body.segments] == row["kinds"]
