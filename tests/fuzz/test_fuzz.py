"""Mutation fuzzing of the readers over the bundled archives (issue 11, "Fuzzing that stays").

Every example writes a mutated slice of a real archive to a file, reads it with the public
`wsisdedup.read`, and asserts what the library promises on any input:

- **no undocumented exception**: only `wsisdedup.WsisdedupError` (and its subclasses) may leave
  `read()`; anything else fails the example;
- **lossless segments**: every message's segments join back to its body exactly;
- **nothing lost silently**: a message outside the mutated region is still read (by its
  Message-ID), and the count of messages, merged duplicates and problems never drops below the
  unmutated slice's. That is the sound form of "separators ≈ messages + problems": a mutation
  can split a message (a flipped byte can make a `From ` line), but it must not make one vanish
  without a Problem, and an inserted separator can only add;
- **a time bound**: 2 s of CPU time plus 20 µs per input byte (50 KB/s), far above what these
  slices need (a few ms) and low enough to catch the quadratic stalls the issue found.

Run the short run with `pytest tests/fuzz`; set `WSISDEDUP_FUZZ_EXAMPLES` for a long run (see
README.md next to this file).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutate import (
    BAD_CHARSETS,
    BAD_ENCODED_WORDS,
    CORPUS,
    Slice,
    break_boundary,
    flip_bytes,
    insert_separator,
    line_endings,
    message_ids,
    nested_multipart,
    set_charsets,
    set_subjects,
    truncate,
)

import wsisdedup

EXAMPLES = int(os.environ.get("WSISDEDUP_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MESSAGE_SLICES = tuple(s for s in CORPUS if s.format != "text-dump")
MBOX_SLICES = tuple(s for s in CORPUS if s.format == "mbox")

slices = st.sampled_from(CORPUS)
message_slices = st.sampled_from(MESSAGE_SLICES)


def _baseline(s: Slice) -> int:
    archive = wsisdedup.read_many([_write(s, s.data)], format=s.format)
    return _count(archive)


def _count(archive: wsisdedup.Archive) -> int:
    """Messages read, duplicates merged into them, and problems reported."""
    return (
        len(archive.messages)
        + sum(len(m.duplicates) for m in archive.messages)
        + len(archive.problems)
    )


_TMP = Path(tempfile.mkdtemp(prefix="wsisdedup-fuzz-"))


def _write(s: Slice, data: bytes, *, encoded: bytes | None = None) -> str:
    path = _TMP / f"{s.name}{s.suffix}"
    path.write_bytes(s.encoded(data) if encoded is None else encoded)
    return str(path)


def read_checked(
    s: Slice, data: bytes, *, fmt: str | None = "", encoded: bytes | None = None
) -> wsisdedup.Archive | None:
    """Read the mutated bytes and check the promises that hold on any input. Returns None when
    `read()` refused the input with a documented error (allowed), else the archive."""
    path = _write(s, data, encoded=encoded)
    size = len(data) if encoded is None else max(len(data), len(encoded))
    start = time.process_time()
    try:
        archive = wsisdedup.read(path, format=s.format if fmt == "" else fmt)
    except wsisdedup.WsisdedupError:
        archive = None
    elapsed = time.process_time() - start
    assert elapsed <= 2.0 + size / 50_000, f"{elapsed:.2f}s CPU for {size} bytes"
    if archive is None:
        return None
    for m in archive.messages:
        assert "".join(seg.text for seg in m.segments) == m.body, m.id
    return archive


BASELINES = {s.name: _baseline(s) for s in CORPUS}


def _assert_survivors(s: Slice, archive: wsisdedup.Archive | None, spared: list[int]) -> None:
    """Every message in `spared` (indexes into the slice) is still read by its Message-ID, and
    nothing vanished without a Problem."""
    assert archive is not None, "a slice of a real archive must stay readable"
    ids = {m.id for m in archive.messages}
    expected = message_ids(s.data, s.ranges)
    for i in spared:
        if expected[i] is not None:
            assert expected[i] in ids, f"message {i} ({expected[i]}) lost"
    assert _count(archive) >= BASELINES[s.name], [str(p) for p in archive.problems]


def _interior(s: Slice, index: int) -> tuple[int, int]:
    """Where message `index` may be mutated: after its separator line, before its last two
    bytes (the blank line that lets the next separator be one)."""
    start, end = s.ranges[index]
    first_line_end = s.data.index(b"\n", start) + 1
    return first_line_end, max(first_line_end + 1, end - 2)


def test_corpus_reads_as_cut() -> None:
    """The harness's own premise: each unmutated slice reads to exactly its messages."""
    for s in MESSAGE_SLICES:
        archive = read_checked(s, s.data)
        assert archive is not None and not archive.problems, s.name
        assert len(archive.messages) == len(s.ranges), s.name
        assert {m.id for m in archive.messages} >= {
            i for i in message_ids(s.data, s.ranges) if i is not None
        }


@FUZZ
@given(
    s=message_slices,
    index=st.integers(min_value=0, max_value=20),
    edits=st.lists(
        st.tuples(st.integers(min_value=0, max_value=1 << 30), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    ),
)
def test_byte_flips_inside_one_message(s: Slice, index: int, edits: list[tuple[int, int]]) -> None:
    index %= len(s.ranges)
    lo, hi = _interior(s, index)
    data = bytearray(s.data)
    for pos, value in edits:
        data[lo + pos % (hi - lo)] = value
    archive = read_checked(s, bytes(data))
    _assert_survivors(s, archive, [i for i in range(len(s.ranges)) if i != index])


@FUZZ
@given(s=slices, edits=st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 255))))
def test_byte_flips_anywhere(s: Slice, edits: list[tuple[int, int]]) -> None:
    """Flips anywhere, separators included, and the format sniffed: only the promises that hold
    on any input (documented errors, lossless segments, time)."""
    read_checked(s, flip_bytes(s.data, edits), fmt=None)


@FUZZ
@given(s=slices, fraction=st.floats(min_value=0.0, max_value=1.0))
def test_truncation(s: Slice, fraction: float) -> None:
    at = int(len(s.data) * fraction)
    archive = read_checked(s, truncate(s.data, at))
    if s.format == "text-dump" or archive is None:
        return
    complete = [i for i, (_, end) in enumerate(s.ranges) if end <= at]
    ids = {m.id for m in archive.messages}
    for i in complete:
        expected = message_ids(s.data, s.ranges)[i]
        assert expected is None or expected in ids, f"complete message {i} lost by a cut"


@FUZZ
@given(fraction=st.floats(min_value=0.0, max_value=0.9999))
def test_truncated_gzip_is_reported(fraction: float) -> None:
    """A gzip file cut short: whatever was read is kept, and the cut is a Problem (an empty
    file is an empty archive, not a cut one)."""
    s = next(s for s in CORPUS if s.gzip)
    packed = s.encoded()
    cut = packed[: max(1, int(len(packed) * fraction))]
    archive = read_checked(s, s.data, encoded=cut)
    if archive is not None:
        assert archive.problems, "a truncated gzip stream read without a Problem"


SEPARATORS = (
    b"From nobody Thu Jun  5 10:22:00 2025",
    b"From ann at example.org  Thu Nov  1 11:19:12 2001",
    b"From MAILER-DAEMON Sat Aug 28 14:17:14 2021",
    b"From - Thu Jun  5 10:22:00 2025",
    b"From ",
    b">From nobody Thu Jun  5 10:22:00 2025",
)


@FUZZ
@given(
    s=message_slices,
    line=st.integers(min_value=0, max_value=1 << 20),
    separator=st.sampled_from(SEPARATORS),
)
def test_inserted_separator(s: Slice, line: int, separator: bytes) -> None:
    """A separator (or a near miss) inserted as a line: the message it lands in may change (a
    near miss in its header block ends the headers there), every other one must survive."""
    lines = s.data.split(b"\n")
    offset = sum(len(x) + 1 for x in lines[: line % len(lines)])
    hit = {i for i, (lo, hi) in enumerate(s.ranges) if lo <= offset <= hi}
    archive = read_checked(s, insert_separator(s.data, line, separator))
    _assert_survivors(s, archive, [i for i in range(len(s.ranges)) if i not in hit])


@FUZZ
@given(s=message_slices, charset=st.sampled_from(BAD_CHARSETS))
def test_bad_charsets(s: Slice, charset: str) -> None:
    """Every message declares a bad charset: each is read or reported, none vanishes."""
    archive = read_checked(s, set_charsets(s.data, charset))
    assert archive is not None
    assert _count(archive) >= BASELINES[s.name], [str(p) for p in archive.problems]


@FUZZ
@given(s=message_slices, word=st.sampled_from(BAD_ENCODED_WORDS))
def test_bad_encoded_words(s: Slice, word: bytes) -> None:
    archive = read_checked(s, set_subjects(s.data, word))
    assert archive is not None
    assert _count(archive) >= BASELINES[s.name], [str(p) for p in archive.problems]


@FUZZ
@given(s=message_slices, index=st.integers(0, 20), mode=st.integers(0, 3))
def test_broken_mime_boundary(s: Slice, index: int, mode: int) -> None:
    index %= len(s.ranges)
    lo, hi = _interior(s, index)
    data = s.data[:lo] + break_boundary(s.data[lo:hi], mode) + s.data[hi:]
    archive = read_checked(s, data)
    _assert_survivors(s, archive, [i for i in range(len(s.ranges)) if i != index])


@FUZZ
@given(
    s=st.sampled_from(MBOX_SLICES),
    depth=st.integers(min_value=1, max_value=300),
    broken=st.booleans(),
    charset=st.sampled_from(("utf-8", *BAD_CHARSETS)),
)
def test_nested_multipart(s: Slice, depth: int, broken: bool, charset: str) -> None:
    """A deeply nested multipart (closed or not) appended to real messages: the others are
    still read, and the nested one is read or a Problem."""
    data = s.data + nested_multipart(depth, broken=broken, charset=charset)
    archive = read_checked(s, data)
    _assert_survivors(s, archive, list(range(len(s.ranges))))
    assert archive is not None
    assert _count(archive) >= BASELINES[s.name] + 1


@FUZZ
@given(s=slices, ending=st.sampled_from((b"\r\n", b"\r", b"\n\r")))
def test_line_endings(s: Slice, ending: bytes) -> None:
    """CRLF must read as LF does; CR-only (one long line to an mbox reader) must at least be
    read or refused with a Problem, never lost silently."""
    archive = read_checked(s, line_endings(s.data, ending))
    if archive is None or s.format == "text-dump":
        return
    if ending == b"\r\n":
        _assert_survivors(s, archive, list(range(len(s.ranges))))
    else:
        assert archive.messages or archive.problems


MUTATIONS = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 30), st.integers(0, 255)),
    st.tuples(st.just("cut"), st.floats(0.0, 1.0)),
    st.tuples(st.just("sep"), st.integers(0, 1 << 20), st.sampled_from(SEPARATORS)),
    st.tuples(st.just("charset"), st.sampled_from(BAD_CHARSETS)),
    st.tuples(st.just("word"), st.sampled_from(BAD_ENCODED_WORDS)),
    st.tuples(st.just("boundary"), st.integers(0, 3)),
    st.tuples(st.just("endings"), st.sampled_from((b"\r\n", b"\r"))),
    st.tuples(st.just("nest"), st.integers(1, 50), st.booleans()),
)


def _apply(data: bytes, mutation: tuple[object, ...]) -> bytes:
    kind, *args = mutation
    if kind == "flip":
        return flip_bytes(data, [(int(args[0]), int(args[1]))])  # type: ignore[call-overload]
    if kind == "cut":
        return truncate(data, int(len(data) * float(args[0])))  # type: ignore[arg-type]
    if kind == "sep":
        return insert_separator(data, int(args[0]), bytes(args[1]))  # type: ignore[call-overload]
    if kind == "charset":
        return set_charsets(data, str(args[0]))
    if kind == "word":
        return set_subjects(data, bytes(args[0]))  # type: ignore[call-overload]
    if kind == "boundary":
        return break_boundary(data, int(args[0]))  # type: ignore[call-overload]
    if kind == "endings":
        return line_endings(data, bytes(args[0]))  # type: ignore[call-overload]
    return data + nested_multipart(int(args[0]), broken=bool(args[1]))  # type: ignore[call-overload]


@FUZZ
@given(s=slices, mutations=st.lists(MUTATIONS, min_size=1, max_size=6), sniff=st.booleans())
def test_stacked_mutations(s: Slice, mutations: list[tuple[object, ...]], sniff: bool) -> None:
    """Several mutations at once, read with the slice's format or sniffed."""
    data = s.data
    for mutation in mutations:
        data = _apply(data, mutation)
    read_checked(s, data, fmt=None if sniff else "")


@pytest.mark.parametrize("s", CORPUS, ids=[s.name for s in CORPUS])
def test_unmutated_slices_are_lossless(s: Slice) -> None:
    assert read_checked(s, s.data) is not None
