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


def test_a_segment_of_the_body_equals_one_of_its_text() -> None:
    body = "Hello there.\n> quoted\n"
    held = Segment(kind=SegmentKind.QUOTE, within=body, start=13, end=len(body), depth=1)
    given = Segment(kind=SegmentKind.QUOTE, text="> quoted\n", start=13, end=22, depth=1)
    assert held.text == given.text == "> quoted\n"
    assert held == given
    assert hash(held) == hash(given)
    assert repr(held) == repr(given)
    assert "text='> quoted\\n'" in repr(held)
    # Any field, the text included, tells two segments apart.
    assert held != attrs.evolve(held, depth=2)
    other = Segment(kind=SegmentKind.QUOTE, text="> quotes\n", start=13, end=22, depth=1)
    assert held != other
    whole = Segment(kind=SegmentKind.NEW, within=body, start=0, end=len(body))
    assert whole.text is body


def test_evolving_a_segment_of_the_body_slices_the_new_span() -> None:
    body = "Hello there.\n> quoted\n"
    seg = Segment(kind=SegmentKind.NEW, within=body, start=0, end=len(body))
    head = attrs.evolve(seg, end=13)
    assert head.text == "Hello there.\n"
    quote = attrs.evolve(seg, kind=SegmentKind.QUOTE, start=13)
    assert quote.text == "> quoted\n"
    # A text given outright wins over the body the segment was in.
    assert attrs.evolve(seg, text="Hi", start=0, end=2).text == "Hi"


def test_a_segment_must_fit_what_it_is_given() -> None:
    with pytest.raises(ValueError, match="3 characters"):
        Segment(kind=SegmentKind.NEW, text="four", start=0, end=3)
    with pytest.raises(ValueError, match="outside"):
        Segment(kind=SegmentKind.NEW, within="abc", start=1, end=4)
    with pytest.raises(TypeError, match="within="):
        Segment(kind=SegmentKind.NEW, start=0, end=1)
    # A segment made from its text alone cannot be moved outside that text.
    with pytest.raises(ValueError, match="outside"):
        attrs.evolve(Segment(kind=SegmentKind.NEW, text="ab", start=5, end=7), start=4)


def test_detached_segments_are_made_again_over_another_copy_of_the_body() -> None:
    body = "Hello there.\n> quoted\n"
    seg = Segment(kind=SegmentKind.QUOTE, within=body, start=13, end=22, depth=1, source_id="a")
    copy = "".join(list(body))
    assert copy is not body
    fields = seg.detached(body)
    assert fields is not None
    again = Segment.attached(copy, fields)
    assert again == seg
    assert again.detached(copy) == fields
    # Not detached from a body it does not hold (a copy, or its text alone).
    assert seg.detached(copy) is None
    alone = Segment(kind=SegmentKind.QUOTE, text="> quoted\n", start=13, end=22)
    assert alone.detached(body) is None
