"""Linear work on bodies of one line repeated (issue 11): the segmenter's hot steps do a bounded
amount of work a line, whatever the line.

No test here times anything (CONTRIBUTING: timing is never asserted; benchmarks/bench_hostile.py
measures it). Each counts what made the steps slow instead, which is exact and does not depend
on the machine: the units `lines._units` makes (one object a line was ~1 GB for 10 MB of `-`
lines), the lines the tables are run on (`tags._tag_unit`, a few µs each), and the units that
`group._group` reads (reading a run of header fields again from each of its fields was
quadratic: 80 KB of `From: a` lines took 6 s). A linear count stays under a constant times the
number of lines; the quadratic one it replaced grows with its square, so the bounds below fail
long before a timing would.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from wsisdedup.segment import assign as A
from wsisdedup.segment import group as G
from wsisdedup.segment import lines as L
from wsisdedup.segment import split_body
from wsisdedup.segment.tags import _Unit

# Runs of one line that the patterns look for (issue 11's list, and the header labels).
HOSTILE_LINES = (
    "From: a\n",
    "Sent: x\n",
    "To: x\n",
    "Von: a\n",
    "-----Original Message-----\n",
    ">\n",
    "wrote:\n",
    "On x wrote:\n",
    "-\n",
    "a -\n",
    "03/14/2011 02:15 PM\n",
    "Tom Hale/IT/Acme on 03/14/2011 02:15 PM\n",
)
N = 4000


class _CountingList(list[_Unit]):
    """A list of units that counts its item reads."""

    reads = 0

    def __getitem__(self, index: Any) -> Any:
        self.reads += 1
        return super().__getitem__(index)


@pytest.mark.parametrize("line", HOSTILE_LINES)
def test_grouping_reads_each_unit_a_bounded_number_of_times(line: str) -> None:
    units = _CountingList(L._units(line * N))
    G._group(units)
    assert units.reads <= 20 * N


@pytest.mark.parametrize("line", HOSTILE_LINES)
def test_a_repeated_line_is_tagged_once(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = L._tag_unit

    def counting(u: _Unit) -> _Unit:
        calls.append(u.strip)
        return real(u)

    monkeypatch.setattr(L, "_tag_unit", counting)
    body = split_body(line * N)
    assert "".join(s.text for s in body.segments) == line * N
    assert len(calls) <= 4


@pytest.mark.parametrize("line", ["-\n", "a -\n", "- x -\n"])
def test_lines_ending_in_one_dash_join_one_run(line: str) -> None:
    # They end no attribution (every row ends with a colon, or Zoho's two dashes or more).
    assert len(L._units(line * N)) <= 3


def test_tag_cache_gives_what_the_tables_give() -> None:
    # Lines tagged differently in one body keep their own tags when they repeat.
    text = ("From: Ann <a@x.org>\nSent: Monday\nTo: list\nSubject: hi\n\nbody -\n\n") * 3
    cached = [(u.tag, u.role, u.depth) for u in L._units(text)]
    fresh = []
    for u in L._units(text):
        t = L._tag_unit(_Unit(u.start, u.end, u.strip))
        fresh.append((t.tag, t.role, t.depth))
    assert cached == fresh


# Lines that a run of their own repeats joins into a few units (`lines._repeats`): header
# fields, signature delimiters, and text lines that may end an attribution.
REPEATED_LINES = ("From: a\n", "To: x\n", "Sent: x\n", "Von: a\n", "wrote:\n", "-- \n")


@pytest.mark.parametrize("line", REPEATED_LINES)
def test_a_run_of_one_line_is_a_few_units(line: str) -> None:
    # A unit a line cost ~150 bytes a line: 1 MB of "To: x" lines held 25 MB of units.
    assert len(L._units(line * N)) <= 4


def _segments_without_repeats(text: str, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as m:
        m.setattr(L, "_repeats", lambda *args: False)
        return [(s.kind, s.start, s.end, s.depth) for s in split_body(text).segments]


# Repeats inside and around the structures that read lines one by one: header blocks, wrapped
# attributions, continuation lines, a Lotus Notes header, a banner, supercite and bar quotes.
REPEAT_BODIES = (
    "Hi\n\nFrom: Ann <a@x.org>\nFrom: Ann <a@x.org>\nFrom: Ann <a@x.org>\nFrom: Ann <a@x.org>\n"
    "Sent: Monday, June 2, 2025 10:00\nTo: list\nSubject: hi\n\nquoted\n",
    "Hi\n\nOn Mon, Jun 2, 2025 at 10:00 Ann Lee <a@x.org>\nwrote:\nwrote:\nwrote:\nwrote:\n> x\n",
    "Hi\n\nFrom: Ann\nSubject: hi\nvalue\nvalue\nvalue\nTo: list\nDate: Mon, 2 Jun 2025\n\nq\n",
    "text\n-- \n-- \n-- \n-- \nAnn\n",
    "Ann Lee\n03/14/2011 02:15 PM\nTo: Bob\nTo: Bob\nTo: Bob\nSubject: hi\n\nq\n",
    "Ann> a\nAnn> a\nAnn> a\nAnn> a\n",
    "On Mon, Ann wrote:\n| a\n| a\n| a\n| a\nreply\n",
    "a\nwrote:\nwrote:\nwrote:\nwrote:\nOn Mon, Jun 2, 2025, Ann <a@x.org> wrote:\n> q\n",
    "From: a\n" * 50 + "Date: Mon, 2 Jun 2025\nTo: b\n\nquoted\n",
)


@pytest.mark.parametrize("text", REPEAT_BODIES)
def test_joining_repeats_changes_no_segment(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    joined = [(s.kind, s.start, s.end, s.depth) for s in split_body(text).segments]
    assert joined == _segments_without_repeats(text, monkeypatch)


def test_a_repeated_flattened_line_is_cut_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # `anchors._explode` runs at ~0.1 MB/s: a body of a few flattened attributions repeated
    # was cut again on every line. A line met before is cut alike, at its own offsets.
    line = "Thanks. On Thu, Jun 5, 2025 at 10:22 AM Ann <ann@example.org> wrote: > yes\n"
    calls: list[str] = []
    real = L._explode

    def counting(text: str, start: int, end: int, strip: str) -> Any:
        calls.append(strip)
        return real(text, start, end, strip)

    monkeypatch.setattr(L, "_explode", counting)
    text = ("Hi\n\n" + line) * 200
    body = split_body(text)
    assert len(calls) <= 2
    monkeypatch.setattr(L, "_TAG_CACHE_SIZE", 0)  # no cache: every line cut afresh
    fresh = split_body(text)
    assert body.segments == fresh.segments
    assert len(calls) > 200


@pytest.mark.parametrize("line", [*HOSTILE_LINES, "-----BEGIN PGP SIGNED MESSAGE-----\n\nx\n"])
def test_assign_drops_the_units_it_has_read(line: str) -> None:
    # The units and the spans made from them were both whole at once: on a body of a span a
    # line (Outlook separators, each a quote one level deeper) the peak of `split_body`.
    text = line * N
    units = L._units(text)
    G._group(units)
    units = A._join_text_runs(units)
    spans = A._assign(units, text)
    assert spans
    assert sum(u is not A._GONE for u in units) <= 2


def test_units_of_one_text_line_share_its_text() -> None:
    # A PGP header with no signature keeps the lines after it apart, a unit each: each unit
    # held a copy of its line, 2x the body on 1 MB of them.
    units = L._units("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\ntext\n" * 100)
    texts = [u.strip for u in units if u.strip in ("text", "Hash: SHA1")]
    assert len(texts) == 200
    assert len({id(s) for s in texts}) == 2


def test_segments_hold_the_body_not_copies_of_their_text() -> None:
    # Lines of alternating quote depth: a segment a line, every line's text different. Each
    # segment held a copy of its text, as many characters as the body all told.
    words = " and then some more words of a long quoted exchange" * 4
    body = "".join(f"{'>' * (1 + n % 2)} line {n}{words}\n" for n in range(4000))
    tracemalloc.start()
    try:
        segments = split_body(body).segments
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(segments) == 4000
    assert "".join(s.text for s in segments) == body
    # The segments themselves (some 150 bytes each, two thirds of a line) and nothing the
    # size of the text (it held 1.86 times the body).
    assert held < len(body) * 0.8
