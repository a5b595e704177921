"""The data model: frozen values, derived properties, lookups."""

from __future__ import annotations

import attrs
import pytest

from wsisdedup.model import (
    Archive,
    Body,
    Message,
    Person,
    Problem,
    Segment,
    SegmentKind,
    Source,
    Stats,
    Thread,
    ThreadNode,
)

SRC = Source(path="x.mbox", format="mbox", line=1)


def _seg(kind: SegmentKind, text: str, start: int) -> Segment:
    return Segment(kind=kind, text=text, start=start, end=start + len(text))


def test_values_are_frozen() -> None:
    p = Person(name="A", address="a@b")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        p.name = "B"  # type: ignore[misc]


def test_new_text_joins_only_new_segments() -> None:
    body = "Hi\n> quoted\nBye\n-- \nsig\n"
    segs = (
        _seg(SegmentKind.NEW, "Hi\n", 0),
        _seg(SegmentKind.QUOTE, "> quoted\n", 3),
        _seg(SegmentKind.NEW, "Bye\n", 12),
        _seg(SegmentKind.SIGNATURE, "-- \nsig\n", 16),
    )
    m = Message(id="1", source=SRC, body=body, segments=segs)
    assert "".join(s.text for s in m.segments) == body
    assert m.new_text == "Hi\nBye"
    assert m.signature == "-- \nsig"
    assert [q.text for q in m.quotes] == ["> quoted\n"]
    b = Body(text=body, segments=segs)
    assert b.new_text == m.new_text


def test_archive_get_ignores_brackets_and_children() -> None:
    a = Message(id="a@x", source=SRC)
    b = Message(id="b@x", source=SRC, parent_id="a@x")
    t = Thread(root_id="a@x", nodes=(ThreadNode(id="a@x", depth=0), ThreadNode(id="b@x", depth=1)))
    archive = Archive(messages=(a, b), threads=(t,))
    assert archive.get("<a@x>") is a
    assert archive.get("missing") is None
    assert archive.children("a@x") == (b,)
    assert t.message_ids == ("a@x", "b@x")
    assert [n.depth for n in t.walk()] == [0, 1]


def test_stats_ratio_and_dict() -> None:
    s = Stats(input_chars=100, new_chars=25)
    assert s.ratio == 4.0
    assert s.as_dict()["ratio"] == 4.0
    assert Stats().ratio == 0.0


def test_problem_names_file_and_position() -> None:
    p = Problem(what="bad charset", path="a.mbox", line=12)
    assert str(p) == "a.mbox, line 12: bad charset"


def test_new_text_restores_rewritten_links() -> None:
    from wsisdedup.model import Link, Rewriter

    wrapped = "https://urldefense.com/v3/__https://a.org/x__;!!abc$"
    body = f"see {wrapped} now\n> {wrapped}\n"
    cut = len(body) - len(wrapped) - 3
    segs = (
        _seg(SegmentKind.NEW, body[:cut], 0),
        _seg(SegmentKind.QUOTE, body[cut:], cut),
    )
    links = (
        Link(
            written=wrapped,
            original="https://a.org/x",
            rewriter=Rewriter.PROOFPOINT_V3,
            start=4,
            end=4 + len(wrapped),
        ),
        Link(
            written=wrapped,
            original="https://a.org/x",
            rewriter=Rewriter.PROOFPOINT_V3,
            start=cut + 2,
            end=cut + 2 + len(wrapped),
        ),
    )
    m = Message(id="1", source=SRC, body=body, segments=segs, links=links)
    assert m.new_text == "see https://a.org/x now"
    assert "".join(s.text for s in m.segments) == body  # the body itself is untouched
