"""Runs of one line repeated: `lines._units` skips the copies of a line at once
(`lines._skip_copies`) where each would only grow the unit before it (issue 11).

The shortcut must give the units and segments that reading the copies one by one gives: each
test below compares the two (the slow path is `_skip_copies` skipping nothing), on runs of
every kind of line the shortcut applies to, next to lines that end or split the run.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wsisdedup.segment import lines as L
from wsisdedup.segment import split_body
from wsisdedup.segment.tags import _T, _Unit

# One line of each path that only grows a unit: blank (and white space), quoted of one depth,
# text that joins a run (plain or tagged before), and `_repeats` (fields, signature delimiter,
# text no run joins).
RUN_LINES = (
    "",
    "\t",
    " ",
    ">",
    "> > x",
    "> text",
    "-",
    "=20",
    "text",
    "a b",
    "-- ",
    "--",
    "From: a",
    "Subject: hi",
    "Hash: SHA1",
    "| bar",
    "Herbert> x",
    "* item",
    "hi\r",
    "Ann Lee <ann@example.org",
)

# Lines that end a run, start a structure, or read the lines before them one by one.
OTHER_LINES = (
    "",
    "Hello,",
    "> quoted",
    "On Mon, Jan 4, 2010 at 1:00 PM, Bob <b@x.org> wrote:",
    "Bob wrote:",
    "-----Original Message-----",
    "-----BEGIN PGP SIGNED MESSAGE-----",
    "-- ",
    "06/05/2025 10:22 AM",
    "To: list@example.org",
    "Thanks,",
)


def _slow_skip(text: str, line: str, end: int, lines: Iterator[str]) -> tuple[int, int]:
    """`_skip_copies` skipping nothing: every copy is read by `_units`' own loop."""
    return end, 0


def _unit_rows(text: str) -> list[tuple[object, ...]]:
    return [
        (u.start, u.end, u.strip, u.tag, u.depth, u.lines, u.role, u.strong, u.group)
        for u in L._units(text)
    ]


def _segment_rows(text: str) -> list[tuple[object, ...]]:
    body = split_body(text)
    assert "".join(s.text for s in body.segments) == text  # lossless
    return [(s.kind, s.start, s.end, s.depth, s.text) for s in body.segments]


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The units and segments of `text` are the same with and without the shortcut."""
    fast = (_unit_rows(text), _segment_rows(text))
    with monkeypatch.context() as m:
        m.setattr(L, "_skip_copies", _slow_skip)
        slow = (_unit_rows(text), _segment_rows(text))
    assert fast == slow


@pytest.mark.parametrize("line", RUN_LINES)
def test_runs_match_line_by_line(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run = (line + "\n") * 1000
    for other in OTHER_LINES:
        # Alone, between other lines, cut short, and last without its newline.
        _both(run, monkeypatch)
        _both(f"{other}\n{run}{other}\n{run}{other}\n", monkeypatch)
        _both(f"{other}\n{line}\n{line}\n{other}\n{run}{line}", monkeypatch)
        _both(f"{run}{other}\n{line}\n{line}\n{line}\n{other}", monkeypatch)


def test_runs_of_two_lines_alternating(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pairs of lines are no run: the shortcut finds no copy and reads on."""
    for a in RUN_LINES[:8]:
        for b in OTHER_LINES[:4]:
            _both(f"{a}\n{a}\n{b}\n{b}\n" * 200, monkeypatch)


def test_shortcut_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of 1000 lines is read as its first two and one skip of the other 998."""
    skipped: list[int] = []
    skip = L._skip_copies

    def counting(text: str, line: str, end: int, lines: Iterator[str]) -> tuple[int, int]:
        at, copies = skip(text, line, end, lines)
        skipped.append(copies)
        return at, copies

    monkeypatch.setattr(L, "_skip_copies", counting)
    for line in ("", ">", "-", "=20", "-- ", "From: a", "text"):
        skipped.clear()
        text = "Hello,\n" + (line + "\n") * 1000 + "Bye.\n"
        units = L._units(text)
        assert max(skipped) >= 997, line
        assert len(units) <= 4 and units[-1].end == len(text)


def test_segments_around_runs() -> None:
    """The kinds and bounds the skipped runs give, written out."""
    text = "Hi,\n" + "-\n" * 1000 + "> q\n" * 1000 + "\n" * 1000 + "Bob\n"
    body = split_body(text)
    assert [(s.kind.value, s.start, s.end) for s in body.segments] == [
        ("new", 0, 2004),
        ("quote", 2004, 7004),
        ("signature", 7004, len(text)),  # the name below the text
    ]
    # A run of text lines, then an attribution: the two lines before it are read one by one.
    head = "text\n" * 1000
    text = head + "On Mon, Jan 4, 2010 at 1:00 PM, Bob <b@x.org> wrote:\n> Ok?\n"
    body = split_body(text)
    assert [(s.kind.value, s.start) for s in body.segments] == [
        ("new", 0),
        ("attribution", len(head)),
        ("quote", text.index("> Ok?")),
    ]
    assert body.new_text == head.rstrip("\n")


@pytest.mark.parametrize("line", ["", "-", "ab", "x y z"])
def test_skip_copies_counts_exactly(line: str) -> None:
    piece = line + "\n"
    for before in range(3):
        for count in range(70):
            for tail in ("", line, "other\n"):
                text = piece * before + piece * count + tail
                lines = iter(text.split("\n")[before:])
                at, copies = L._skip_copies(text, line, before * len(piece), lines)
                assert copies == count
                assert at == (before + count) * len(piece)
                # The iterator gave up exactly the copies: what follows is the tail's line.
                assert next(lines) == text[at:].split("\n")[0]


def test_split_run_tail() -> None:
    """The last units are split into lines only when one holds several (`_split_run_tail`
    returns at once when they are one line each)."""
    text = "a\nb\nc\nd\n"
    units = [_Unit(0, 8, "a", _T.TEXT)]
    units[0].lines = 4
    L._split_run_tail(text, units, 2)
    assert [(u.start, u.end, u.strip, u.lines) for u in units] == [
        (0, 4, "a", 2),
        (4, 6, "c", 1),
        (6, 8, "d", 1),
    ]
    kept = list(units)
    L._split_run_tail(text, units, 2)
    L._split_run_tail(text, units, 1)
    assert units == kept and all(a is b for a, b in zip(units, kept, strict=True))
    L._split_run_tail(text, units, 3)  # the run above the last two lines: split again
    assert [(u.start, u.end, u.lines) for u in units] == [
        (0, 2, 1),
        (2, 4, 1),
        (4, 6, 1),
        (6, 8, 1),
    ]
    empty: list[_Unit] = []
    L._split_run_tail(text, empty, 2)
    assert empty == []
