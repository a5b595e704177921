"""Bad input: each case gives messages plus a Problem for the bad part, or an ArchiveFormatError
naming the file and position; never a traceback from inside, never a message dropped silently."""

from __future__ import annotations

import gzip
import importlib
import io
import random
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsisdedup.errors import ArchiveFormatError
from wsisdedup.model import ParsedMessage, Problem
from wsisdedup.readers import read_messages

SEP = "From sender@example.org Mon Jan  2 10:00:00 2023\n"


def _message(n: int, body: str = "") -> str:
    return (
        f"From: Person {n} <p{n}@example.org>\nSubject: Message {n}\n"
        f"Date: Mon, 2 Jan 2023 10:00:00 +0000\nMessage-ID: <m{n}@example.org>\n\n"
        f"{body or f'Body of message {n}.'}\n"
    )


def _split(items: list[ParsedMessage | Problem]) -> tuple[list[ParsedMessage], list[Problem]]:
    return (
        [i for i in items if isinstance(i, ParsedMessage)],
        [i for i in items if isinstance(i, Problem)],
    )


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mbox"
    path.write_bytes(b"")
    with pytest.raises(ArchiveFormatError, match="empty") as info:
        list(read_messages(path))
    assert info.value.path == str(path)
    assert info.value.offset == 0


def test_blank_file(tmp_path: Path) -> None:
    path = tmp_path / "blank"
    path.write_bytes(b"\n\n  \n")
    with pytest.raises(ArchiveFormatError, match="blank lines"):
        list(read_messages(path))


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.mbox"
    path.write_bytes(random.Random(7).randbytes(100_000))
    with pytest.raises(ArchiveFormatError, match="binary") as info:
        list(read_messages(path))
    assert info.value.path == str(path)
    assert (info.value.line, info.value.offset) == (1, 0)


def test_unrecognised_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Shopping list\n\n- milk\n- bread\n")
    with pytest.raises(ArchiveFormatError, match="unrecognised format"):
        list(read_messages(path))


def test_truncated_gzip_yields_messages_before_the_cut_then_a_problem(tmp_path: Path) -> None:
    rng = random.Random(3)
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
    mbox = "".join(
        SEP + _message(n, " ".join(rng.choice(words) for _ in range(400))) + "\n"
        for n in range(200)
    )
    packed = gzip.compress(mbox.encode())
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(packed[: len(packed) // 2])
    messages, problems = _split(list(read_messages(path)))
    assert 50 < len(messages) < 200
    assert [m.message_id for m in messages] == [f"m{n}@example.org" for n in range(len(messages))]
    (problem,) = problems
    assert problem.path == str(path)
    assert "ends early" in problem.what
    assert problem.offset is not None and 0 < problem.offset < len(mbox)
    # Every message wholly before the cut is complete.
    assert all(m.body.endswith("\n") and m.subject for m in messages)
    assert list(read_messages(path))[-1] == problem  # the Problem comes after the messages


def test_corrupt_gzip_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 200)
    with pytest.raises(ArchiveFormatError) as info:
        list(read_messages(path))
    assert info.value.path == str(path)


def test_mbox_that_lost_its_first_separator(tmp_path: Path) -> None:
    path = tmp_path / "lost.mbox"
    path.write_text(_message(0) + "\n" + SEP + _message(1) + "\n" + SEP + _message(2))
    messages, problems = _split(list(read_messages(path)))
    assert problems == []
    assert [m.message_id for m in messages] == [
        "m0@example.org",
        "m1@example.org",
        "m2@example.org",
    ]
    (problem,) = messages[0].problems
    assert "without a `From ` separator" in problem.what
    assert (problem.path, problem.line, problem.offset) == (str(path), 1, 0)
    assert messages[1].problems == () and messages[2].problems == ()


def test_mbox_with_text_before_the_first_separator(tmp_path: Path) -> None:
    path = tmp_path / "junk.mbox"
    junk = "This archive was exported by a tool.\nIt says hello.\n\n"
    path.write_text(junk + SEP + _message(1) + "\n" + SEP + _message(2))
    items = list(read_messages(path, format="mbox"))
    messages, problems = _split(items)
    assert [m.message_id for m in messages] == ["m1@example.org", "m2@example.org"]
    (problem,) = problems
    assert (problem.path, problem.line, problem.offset) == (str(path), 1, 0)
    assert f"{len(junk)} bytes before the first" in problem.what
    assert messages[0].source.line == 4


def test_message_with_no_headers(tmp_path: Path) -> None:
    path = tmp_path / "noheaders.mbox"
    path.write_text(
        SEP + _message(1) + "\n" + SEP + "Just a body, no headers.\n\n" + SEP + _message(3)
    )
    messages, problems = _split(list(read_messages(path)))
    assert problems == []
    assert len(messages) == 3
    bare = messages[1]
    assert bare.body == "Just a body, no headers.\n"
    assert bare.author.address == "sender@example.org"  # from the separator line
    assert bare.date is not None
    (problem,) = bare.problems
    assert "no headers" in problem.what
    assert (problem.line, problem.offset) == (bare.source.line, bare.source.offset)
    assert bare.source.line == 9


def test_undecodable_charset(tmp_path: Path) -> None:
    path = tmp_path / "charset.mbox"
    body = "Caf\xe9 cr\xe8me".encode("latin-1")
    raw = (
        SEP.encode()
        + b'From: a@example.org\nSubject: x\nContent-Type: text/plain; charset="x-unknown"\n\n'
        + body
        + b"\n"
    )
    path.write_bytes(raw)
    messages, problems = _split(list(read_messages(path)))
    assert problems == []
    (m,) = messages
    assert m.body == "Café crème\n"
    (problem,) = m.problems
    assert "unknown charset 'x-unknown'" in problem.what
    assert (problem.path, problem.line, problem.offset) == (str(path), 1, 0)


def test_wrong_declared_charset_is_decoded_and_reported() -> None:
    raw = b"From: a@example.org\nContent-Type: text/plain; charset=utf-8\n\nna\xefve\n"
    (m,) = list(read_messages(io.BytesIO(raw)))
    assert isinstance(m, ParsedMessage)
    assert m.body == "naïve\n"
    assert "not valid utf-8" in m.problems[0].what


def test_fifty_megabyte_message_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox"
    line = ("x" * 99 + "\n").encode()
    size = 50 * 1024 * 1024
    with path.open("wb") as fh:
        fh.write((SEP + _message(1, "start")).encode())
        for _ in range(size // len(line)):
            fh.write(line)
        fh.write(b"end\n\n" + (SEP + _message(2)).encode())
    tracemalloc.start()
    try:
        messages, problems = _split(list(read_messages(path)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problems == []
    assert [m.message_id for m in messages] == ["m1@example.org", "m2@example.org"]
    assert len(messages[0].body) > size
    assert messages[0].body.endswith("x\nend\n")
    # The message's bytes, its body text and a copy in passing: never many times the input.
    assert peak < 4 * size


def test_parse_failure_inside_email_becomes_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    # By module name, so that the patch reaches the reader that calls it.
    mbox = importlib.import_module("wsisdedup.readers.mbox")

    def explode(*args: object, **kwargs: object) -> ParsedMessage:
        raise RuntimeError("boom")

    monkeypatch.setattr(mbox, "parse_message", explode)
    raw = (SEP + _message(1) + "\n" + SEP + _message(2)).encode()
    items = list(read_messages(io.BytesIO(raw)))
    assert [type(i) for i in items] == [Problem, Problem]
    assert isinstance(items[1], Problem)
    assert items[1].line == 9 and "RuntimeError: boom" in items[1].what


def test_text_stream_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match="binary mode"):
        list(read_messages(io.StringIO("From: a@b.org\n\nx\n")))  # type: ignore[arg-type]


_HEADERISH = st.lists(
    st.sampled_from(
        [
            b"From: ",
            b"Subject: =?utf-8?b?",
            b"=?x?q?=FF?=",
            b"Content-Type: multipart/mixed; boundary=b\n",
            b'Content-Type: text/html; charset="\xff"\n',
            b"Content-Transfer-Encoding: base64\n",
            b"--b\n",
            b"\n",
            b"\r\n",
            b"From x@y Mon Jan  2 10:00:00 2023\n",
            b">From ",
            b"<a href='",
            b"Date: Mon, 99 Foo 99999 99:99:99 +9999\n",
            b"Message-ID: <\n",
            b"\x00\xff\xfe",
            b" \t",
        ]
    )
    | st.binary(max_size=20),
    max_size=40,
).map(b"".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_HEADERISH)
def test_any_bytes_give_messages_problems_or_a_format_error(data: bytes) -> None:
    for prefix in (b"", SEP.encode(), b"From: a@b.org\n"):
        try:
            items = list(read_messages(io.BytesIO(prefix + data)))
        except ArchiveFormatError:
            continue
        for item in items:
            assert isinstance(item, ParsedMessage | Problem)
            if isinstance(item, ParsedMessage):
                assert "\r" not in item.body
                assert item.date is None or item.date.tzinfo is not None


@pytest.mark.parametrize(
    "html",
    [
        "<a " * 50_000,  # start tags that never close
        "<!--x>" * 50_000,  # comments that never close
        "<![CDATA[x>" * 50_000,  # marked sections that never close
        "<" * 100_000,
    ],
    ids=["open-tags", "open-comments", "open-cdata", "lt"],
)
def test_mangled_html_bodies_are_read(html: str) -> None:
    # html.parser alone takes minutes on these (its look-ahead is quadratic); the reader must
    # not, and must keep the text a browser would show.
    eml = f"From: a@example.org\nContent-Type: text/html\n\n{html}\nEND\n"
    (m,) = list(read_messages(io.BytesIO(eml.encode())))
    assert isinstance(m, ParsedMessage)
    assert m.body.endswith("END\n")


def test_huge_header_values_are_read() -> None:
    subject = "=?utf-8?q?a?= " * 100_000  # decode_header is quadratic in the number of words
    sender = "Ann " * 100_000 + "<a@b.example>"
    eml = f"From: {sender}\nSubject: {subject}\nMessage-ID: <{'x' * 100_000}@y>\n\nText\n"
    (m,) = list(read_messages(io.BytesIO(eml.encode())))
    assert isinstance(m, ParsedMessage)
    assert m.subject.startswith("aaaa")
    assert m.author.address == "a@b.example"
    assert m.message_id == "x" * 100_000 + "@y"
