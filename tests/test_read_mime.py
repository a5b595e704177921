"""The pieces under the readers: charset fallback, header values, HTML to text, MIME splitting."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsisdedup.model import ParsedMessage, Person
from wsisdedup.readers import looks_like_text_dump, read_messages
from wsisdedup.readers.charset import decode_bytes
from wsisdedup.readers.headers import parse_date, parse_ids, parse_person, parse_subject
from wsisdedup.readers.html import html_to_text
from wsisdedup.readers.mime import parse_headers, split_multipart, transfer_decode

# -- charsets ---------------------------------------------------------------------------------


@given(st.binary(max_size=300), st.sampled_from([None, "utf-8", "x-unknown", "koi8-r", "zlib"]))
@settings(max_examples=200, deadline=None)
def test_decode_bytes_never_raises(data: bytes, charset: str | None) -> None:
    decoded = decode_bytes(data, charset)
    assert isinstance(decoded.text, str)
    if data.isascii():
        assert decoded.text == data.decode("ascii") and decoded.problem == ""


def test_bytes_to_bytes_codecs_are_not_charsets() -> None:
    # A label naming a codec that is not a text encoding must not be used to decode.
    decoded = decode_bytes(b"x\x9c\xcb", "zlib_codec")
    assert decoded.problem.startswith("unknown charset 'zlib_codec'")


# -- header values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Thu, 26 Aug 2021 20:51:14 +0000", datetime(2021, 8, 26, 20, 51, 14, tzinfo=UTC)),
        ("Thu Nov  1 11:19:12 2001", datetime(2001, 11, 1, 11, 19, 12, tzinfo=UTC)),
        (
            "Fri, 1 Jan 2010 09:20:34 +0530 (IST)",
            datetime(2010, 1, 1, 9, 20, 34, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("Mon, 2 Jan 2023 10:00:00 -0000", datetime(2023, 1, 2, 10, 0, tzinfo=UTC)),
        ("not a date", None),
        ("Mon, 99 Foo 99999 99:99:99 +9999", None),
        ("", None),
    ],
)
def test_parse_date(raw: str, expected: datetime | None) -> None:
    assert parse_date(raw) == expected


_PEOPLE = [
    (
        '"Bruhn, Stefan" <Stefan.Bruhn@DOLBY.COM>',
        Person(name="Bruhn, Stefan", address="Stefan.Bruhn@dolby.com"),
    ),
    (
        "=?ISO-8859-1?Q?Ha=EFkel_Gu=E9mar?= <k@example.com>",
        Person(name="Haïkel Guémar", address="k@example.com"),
    ),
    ("list-admin at lists.example.net", Person(address="list-admin@lists.example.net")),
    ("Imre Varga", Person(name="Imre Varga")),
    ("MAILER-DAEMON", Person(name="MAILER-DAEMON")),
    ("", Person()),
    # From without angle brackets, as some LISTSERV exports write it: a name and an address,
    # never an empty name (issue 10).
    (
        '"Last, First"   first.last@example.com',
        Person(name="Last, First", address="first.last@example.com"),
    ),
    (
        "Smith, John   john.smith@EXAMPLE.com",
        Person(name="Smith, John", address="john.smith@example.com"),
    ),
    ("Lee, Ann <ann@example.org>", Person(name="Lee, Ann", address="ann@example.org")),
    ('ann@example.org "Lee, Ann"', Person(name="Lee, Ann", address="ann@example.org")),
    ("Ann Lee ann@example.org", Person(name="Ann Lee", address="ann@example.org")),
    ("x@example.org, z@example.net", Person(address="x@example.org")),
]


@pytest.mark.parametrize(("raw", "expected"), _PEOPLE)
def test_parse_person(raw: str, expected: Person) -> None:
    assert parse_person(raw) == expected


def test_parse_ids_and_subject() -> None:
    assert parse_ids("<a@b>, <a@b>\n\t<c@d>") == ("a@b", "c@d")
    assert parse_ids("Message from Ann of Mon") == ()
    assert parse_ids("  ") == ()
    assert parse_subject("Re: [list]\n\t folded   subject") == "Re: [list] folded subject"
    assert parse_subject("'it's'") == "'it's'"  # quotes inside: not the scrape artefact


# -- headers block and MIME -------------------------------------------------------------------


def test_parse_headers_first_value_wins_and_folding_kept() -> None:
    h = parse_headers(b"Subject: one\nsubject: two\nReceived: x\n  y\nFrom: a\n\tb\n\nbody")
    assert h is not None
    assert h.fields == {"subject": "one", "from": "a\n\tb"}
    assert h.body_start == len(b"Subject: one\nsubject: two\nReceived: x\n  y\nFrom: a\n\tb\n\n")


def test_split_multipart_tolerates_missing_close_and_longer_boundaries() -> None:
    body = b"--ab\r\n\r\none\r\n--abc\r\nnot a delimiter\r\n--ab\r\n\r\ntwo\r\n"
    assert split_multipart(body, 0, "ab") == [
        b"\r\none\r\n--abc\r\nnot a delimiter",
        b"\r\ntwo\r\n",
    ]
    assert split_multipart(b"no delimiters here", 0, "ab") is None


def test_transfer_decode_lenient_base64() -> None:
    assert transfer_decode(b"aGVs\nbG8g\nd29y bGQ", "base64") == b"hello world"
    assert transfer_decode(b"aGVsbG8=\n", "BASE64") == b"hello"
    assert transfer_decode(b"plain", "8bit") == b"plain"


def test_deeply_nested_multipart_stops_without_error() -> None:
    depth = 300
    parts = [f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth)]
    inner = "Content-Type: text/plain\n\ndeep text\n"
    closing = "".join(f"--b{i}--\n" for i in reversed(range(depth)))
    eml = "From: a@example.org\n" + "".join(parts) + inner + closing
    (m,) = list(read_messages(io.BytesIO(eml.encode())))
    assert isinstance(m, ParsedMessage)
    assert "deep text" not in m.body  # beyond the nesting limit: not shown, but no crash


def test_multipart_without_boundary_shows_its_text() -> None:
    eml = b"From: a@example.org\nContent-Type: multipart/alternative\n\nJust text.\n"
    (m,) = list(read_messages(io.BytesIO(eml)))
    assert isinstance(m, ParsedMessage)
    assert m.body == "Just text.\n"


# -- HTML ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<pre>  a\n    b</pre>", "  a\n    b"),
        ("<blockquote>q1<blockquote>q2</blockquote></blockquote>after", "> q1\n\n> > q2\n\nafter"),
        ('<a href="mailto:ann@example.org">ann@example.org</a>', "ann@example.org"),
        ('<a href="javascript:void(0)">click</a> <a href="#top">top</a>', "click top"),
        ('<a href="https://x.org/p"></a>', "https://x.org/p"),
        ("<html><head><title>T</title><body>Body", "Body"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("line one<br>line two<br><br><br><br>line three", "line one\nline two\n\nline three"),
        ('<img src="x.png" alt="logo"> text', "[image: logo] text"),
        ("a &amp; b &lt;c&gt; &#8212; d", "a & b <c> — d"),
        ("<div>unclosed <b>bold <i>both", "unclosed bold both"),
        ("<ul><li>x<ul><li>y</li></ul></li></ul>", "- x\n  - y"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@given(st.text(alphabet="<>/=\"' abpdiv&;#\n", max_size=200))
@settings(max_examples=200, deadline=None)
def test_html_to_text_never_raises(html: str) -> None:
    assert isinstance(html_to_text(html), str)


# -- text-dump sniffing -----------------------------------------------------------------------


def test_looks_like_text_dump() -> None:
    flattened = "Subject of the thread\n" + "Dear all, " * 150 + "\nShort reply\n"
    assert looks_like_text_dump(flattened)
    assert looks_like_text_dump("Notes: a meeting\nshort\n\nparticipants (3)\n-\nAnn -\nBob\n")
    assert not looks_like_text_dump("Shopping list\n- milk\n- bread\n")
    assert not looks_like_text_dump("From: a@b.org\nSubject: x\n\n" + "long " * 400)
    assert not looks_like_text_dump("From a@b.org Mon Jan  2 10:00:00 2023\n" + "long " * 400)


_WORD = st.text(st.sampled_from(list("aZé9_'.-ß")), min_size=1, max_size=6)
_ATOM = st.text(st.sampled_from(list("aZ9_+-é")), min_size=1, max_size=5)
_LABEL = st.text(st.sampled_from(list("ab9-é_")), min_size=1, max_size=4)
_BLANK = st.text(st.sampled_from([" ", "\t"]), max_size=2)


@st.composite
def _simple_from(draw: st.DrawFn) -> str:
    """`Name Words <local@domain>`, `"Any Name" <local@domain>` or a bare address, with the
    spacing clients write."""
    address = (
        ".".join(draw(st.lists(_ATOM, min_size=1, max_size=3)))
        + "@"
        + ".".join(draw(st.lists(_LABEL, min_size=2, max_size=3)))
    )
    if draw(st.booleans()):
        return draw(_BLANK) + address + draw(_BLANK)
    if draw(st.booleans()):
        # A quoted display name holds anything but quotes, backslashes and line breaks.
        quoted = draw(st.text(st.characters(exclude_characters='"\\\r\n'), max_size=12))
        name = f'"{quoted}"'
    else:
        words = draw(st.lists(_WORD, min_size=1, max_size=4))
        name = "".join(w + draw(st.sampled_from([" ", "\t", "  "])) for w in words[:-1])
        name += words[-1]
    return f"{draw(_BLANK)}{name}{draw(_BLANK)}<{address}>{draw(_BLANK)}"


@settings(max_examples=500)
@given(_simple_from())
def test_simple_from_fast_path_reads_as_parseaddr(value: str) -> None:
    # The fast path must give exactly the standard library's pair for the forms it takes.
    from email.utils import parseaddr

    from wsisdedup.readers.headers import _SIMPLE_FROM, _parse_address

    assert _SIMPLE_FROM.fullmatch(value) is not None
    assert _parse_address(value) == parseaddr(value)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "text/plain",
        'text/plain; charset="us-ascii"',
        "TEXT/PLAIN; CHARSET=ISO-8859-1; format=flowed",
        'multipart/alternative; boundary="----=_Part_1_2.3"',
        "multipart/mixed;\n boundary=xyz",
        "message/rfc822",
        "text/html; charset=",
        "garbage",
        "",
    ],
)
def test_content_type_parts_are_compat32s(raw: str | None) -> None:
    # The reader memoises what it reads of a Content-Type: the same values compat32 gives.
    from email.message import Message as EmailMessage

    from wsisdedup.readers.mime import _content_type

    msg = EmailMessage()
    if raw is not None:
        msg["content-type"] = raw
    parts = _content_type(raw)
    assert parts.type == msg.get_content_type()
    assert (parts.maintype, parts.subtype) == (
        msg.get_content_maintype(),
        msg.get_content_subtype(),
    )
    assert parts.charset == msg.get_content_charset()
    assert parts.boundary == msg.get_boundary()
    assert _content_type(raw) is parts  # memoised
