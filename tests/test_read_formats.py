"""Each input format and MIME case on small inputs built in the test."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wsisdedup.errors import ArchiveFormatError
from wsisdedup.model import ParsedMessage, Person, Problem
from wsisdedup.readers import read_messages, sniff


def _read(source: object, **kw: str) -> list[ParsedMessage]:
    items = list(read_messages(source, **kw))  # type: ignore[arg-type]
    assert [i for i in items if isinstance(i, Problem)] == []
    messages = [i for i in items if isinstance(i, ParsedMessage)]
    assert [p for m in messages for p in m.problems] == []
    return messages


def _bytes(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def _msg(n: int, body: str = "Hello.\n", extra: str = "") -> str:
    return (
        f"From: Person {n} <p{n}@example.org>\n"
        f"Subject: Message {n}\n"
        f"Date: Mon, 2 Jan 2023 10:0{n}:00 +0100\n"
        f"Message-ID: <m{n}@example.org>\n"
        f"{extra}\n{body}"
    )


# -- mbox ---------------------------------------------------------------------------------------


def test_mboxrd_unescapes_one_level_and_keeps_unescaped_from_lines() -> None:
    body = "Hi.\n>From the top.\n>>From a quote.\nFrom my desk, with love.\n"
    mbox = f"From p1@example.org Mon Jan  2 10:01:00 2023\n{_msg(1, body)}\n"
    mbox += f"From p2@example.org Mon Jan  2 10:02:00 2023\n{_msg(2)}\n"
    messages = _read(_bytes(mbox))
    assert [m.subject for m in messages] == ["Message 1", "Message 2"]
    assert messages[0].body == ("Hi.\nFrom the top.\n>From a quote.\nFrom my desk, with love.\n")
    assert messages[0].source.format == "mbox"
    assert (messages[0].source.line, messages[1].source.line) == (1, 12)


def test_mbox_with_dateless_separators_splits_on_from_before_headers() -> None:
    # Some exporters write `From addr` without a date; then a `From ` line after an empty line
    # and before a header separates, and a `From ` line inside a paragraph does not.
    body = "Text.\n\nFrom here on, more text.\n"
    mbox = f"From p1@example.org\n{_msg(1, body)}\nFrom p2@example.org\n{_msg(2)}"
    messages = _read(_bytes(mbox), format="mbox")
    assert [m.message_id for m in messages] == ["m1@example.org", "m2@example.org"]
    assert "From here on, more text." in messages[0].body


def test_mbox_envelope_fills_missing_date_and_author() -> None:
    mbox = "From someone@example.org Tue Mar  7 08:09:10 2023\nSubject: bare\n\nText\n"
    (m,) = _read(_bytes(mbox))
    assert m.author == Person(address="someone@example.org")
    assert m.date == datetime(2023, 3, 7, 8, 9, 10, tzinfo=UTC)
    assert m.message_id is None


def test_crlf_line_endings_become_lf() -> None:
    body = "one\ntwo\n"
    mbox = f"From a@b.org Mon Jan  2 10:01:00 2023\n{_msg(1, body)}".replace("\n", "\r\n")
    (m,) = _read(_bytes(mbox))
    assert m.body == "one\ntwo\n"
    assert m.subject == "Message 1"


# -- pipermail -------------------------------------------------------------------------------


PIPERMAIL = """From jane at example.org  Tue Nov 13 06:42:03 2001
From: jane at example.org (Jane Roe)
Date: Tue Nov 13 06:42:03 2001
Subject: [list] First
Message-ID: <1@example.org>

Body one.
From the docs, Mon Nov 12 10:00:00 2001, we know this.
From jane at example.org the line goes on
>From a quote.

From bob at mail.example.com  Wed Nov 14 07:00:00 2001
From: bob at mail.example.com (Bob)
Date: Wed Nov 14 07:00:00 2001
Subject: Re: [list] First
In-Reply-To: <1@example.org>
References: <1@example.org>
Message-ID: <2@example.org>

Reply.
-------------- next part --------------
An HTML attachment was scrubbed...
URL: http://example.org/pipermail/list/attachments/2.html
"""


def test_pipermail_splits_only_on_strict_separator() -> None:
    messages = _read(_bytes(PIPERMAIL))
    assert [m.source.format for m in messages] == ["pipermail", "pipermail"]
    first, second = messages
    assert first.body == (
        "Body one.\nFrom the docs, Mon Nov 12 10:00:00 2001, we know this.\n"
        "From jane at example.org the line goes on\n>From a quote.\n"
    )
    assert first.author == Person(name="Jane Roe", address="jane@example.org")
    assert first.date == datetime(2001, 11, 13, 6, 42, 3, tzinfo=UTC)
    assert second.author == Person(name="Bob", address="bob@mail.example.com")
    assert second.in_reply_to == ("1@example.org",) and second.references == ("1@example.org",)
    assert second.body.endswith(
        "-------------- next part --------------\nAn HTML attachment was scrubbed...\n"
        "URL: http://example.org/pipermail/list/attachments/2.html\n"
    )


def test_pipermail_gzip_is_streamed_and_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "2001-November"  # no extension: content decides
    path.write_bytes(gzip.compress(PIPERMAIL.encode()))
    assert sniff(path.read_bytes()) == "pipermail"
    assert [m.message_id for m in _read(path)] == ["1@example.org", "2@example.org"]


# -- single messages and folders -----------------------------------------------------------


def test_eml_file_and_eml_with_envelope_line(tmp_path: Path) -> None:
    eml = tmp_path / "one"
    eml.write_text(_msg(3))
    (m,) = _read(eml)
    assert m.source.format == "eml" and m.source.line == 1
    assert (m.message_id, m.subject, m.body) == ("m3@example.org", "Message 3", "Hello.\n")
    with_env = tmp_path / "two"
    with_env.write_text("From p4@example.org Mon Jan  2 10:04:00 2023\n" + _msg(4))
    (m,) = _read(with_env, format="eml")
    assert m.message_id == "m4@example.org"


def test_folder_of_files_in_name_order_each_sniffed(tmp_path: Path) -> None:
    (tmp_path / "b.eml").write_text(_msg(2))
    (tmp_path / "a.eml").write_text(_msg(1))
    (tmp_path / "c.mbox").write_text(f"From x@y.org Mon Jan  2 10:03:00 2023\n{_msg(3)}")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01binary")
    messages = _read(tmp_path)
    assert [m.message_id for m in messages] == [
        "m1@example.org",
        "m2@example.org",
        "m3@example.org",
    ]
    assert [m.source.format for m in messages] == ["eml", "eml", "mbox"]


def test_folder_with_a_bad_file_gives_problem_and_reads_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_text(_msg(1))
    (tmp_path / "b.bin").write_bytes(bytes(range(256)) * 4)
    items = list(read_messages(tmp_path))
    assert isinstance(items[0], ParsedMessage)
    assert isinstance(items[1], Problem)
    assert items[1].path == str(tmp_path / "b.bin") and "binary" in items[1].what


def test_maildir(tmp_path: Path) -> None:
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "cur" / "1672650000.M1P1.host:2,S").write_text(_msg(1))
    (tmp_path / "new" / "1672650100.M2P1.host").write_text(_msg(2))
    (tmp_path / "tmp" / "1672650200.M3P1.host").write_text(_msg(3))  # still being delivered
    messages = _read(tmp_path)
    assert [m.message_id for m in messages] == ["m1@example.org", "m2@example.org"]
    assert {m.source.format for m in messages} == {"maildir"}
    assert messages[1].source.path == str(tmp_path / "new" / "1672650100.M2P1.host")
    with pytest.raises(ArchiveFormatError, match="Maildir"):
        list(read_messages(tmp_path / "cur", format="maildir"))


# -- headers -----------------------------------------------------------------------------------


def test_listserv_headers_lowercase_bare_ids_quoted_subject() -> None:
    mbox = (
        "From MAILER-DAEMON Sat Aug 28 14:17:14 2021\n"
        "subject: 'Re: Plan  for\n        today'\n"
        "from: Ann =?utf-8?q?L=C3=B8v?= <Ann.Lov@EXAMPLE.COM>\n"
        "message-id: AB12@outlook.example.com\n"
        "in-reply-to: CD34@outlook.example.com\n"
        "date: Thu, 26 Aug 2021 20:51:14 +0000\n\nText\n"
    )
    (m,) = _read(_bytes(mbox))
    assert m.subject == "Re: Plan for today"
    assert m.author == Person(name="Ann Løv", address="Ann.Lov@example.com")
    assert m.message_id == "AB12@outlook.example.com"
    assert m.in_reply_to == ("CD34@outlook.example.com",)


@pytest.mark.parametrize(
    ("from_", "reply_to", "expected"),
    [
        ("Ann Lee via devlist <devlist@example.org>", "", Person(name="Ann Lee")),
        (
            "'Ann Lee' via devlist <devlist@googlegroups.com>",
            "Ann Lee <ann@example.net>",
            Person(name="Ann Lee", address="ann@example.net"),
        ),
        (
            '"Ann Lee via devlist" <devlist@example.org>',
            "devlist <devlist@example.org>",
            Person(name="Ann Lee"),
        ),
    ],
)
def test_dmarc_munged_from(from_: str, reply_to: str, expected: Person) -> None:
    extra = f"Reply-To: {reply_to}\n" if reply_to else ""
    eml = f"From: {from_}\n{extra}Subject: s\n\nText\n"
    (m,) = _read(_bytes(eml))
    assert m.author == expected


def test_ids_without_brackets_and_with_comments() -> None:
    eml = (
        "From: a@example.org\nMessage-ID: <x1@example.org>\n"
        "In-Reply-To: <x0@example.org> (Ann's message of Mon)\n"
        "References: <w@example.org>\n <x0@example.org>\n\nText\n"
    )
    (m,) = _read(_bytes(eml))
    assert m.message_id == "x1@example.org"
    assert m.in_reply_to == ("x0@example.org",)
    assert m.references == ("w@example.org", "x0@example.org")


def test_raw_8bit_headers_are_decoded() -> None:
    eml = "From: Jürgen Groß <jg@example.de>\nSubject: Größe\n\nText\n".encode("latin-1")
    (m,) = _read(io.BytesIO(eml))
    assert m.author == Person(name="Jürgen Groß", address="jg@example.de")
    assert m.subject == "Größe"


# -- MIME bodies -------------------------------------------------------------------------------


def test_multipart_alternative_prefers_plain_and_appends_inline_footer() -> None:
    eml = (
        "From: a@example.org\nSubject: s\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="OUT"\n\n'
        "--OUT\n"
        'Content-Type: multipart/alternative; boundary="ALT"\n\n'
        "--ALT\nContent-Type: text/html\n\n<p>HTML version</p>\n"
        "--ALT\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        "UGxhaW4gdmVyc2lvbiDinJMK\n"
        "--ALT--\n"
        "--OUT\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=a.pdf\n"
        "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
        "--OUT\nContent-Type: text/plain\nContent-Disposition: inline\n\n"
        "_______________________________________________\nlist mailing list\n"
        "--OUT--\n"
    )
    (m,) = _read(_bytes(eml))
    assert m.body == (
        "Plain version ✓\n\n_______________________________________________\nlist mailing list\n"
    )


def test_html_only_message_becomes_text_with_links_and_quotes() -> None:
    html = (
        "<html><head><style>p {color: red}</style><title>t</title></head><body>"
        "<p>Hi&nbsp;all,</p><p>See <a href='https://example.org/doc'>the doc</a> and "
        "<a href='https://example.org/'>https://example.org/</a>.<br>Thanks</p>"
        "<script>alert(1)</script>"
        "<blockquote><div>Earlier text</div></blockquote><ul><li>one</li><li>two</li></ul>"
        "</body></html>"
    )
    eml = (
        "From: a@example.org\nSubject: s\nContent-Type: text/html; charset=utf-8\n"
        f"Content-Transfer-Encoding: quoted-printable\n\n{html.replace('=', '=3D')}\n"
    )
    (m,) = _read(_bytes(eml))
    assert m.body == (
        "Hi all,\n\nSee the doc <https://example.org/doc> and https://example.org/.\nThanks\n\n"
        "> Earlier text\n\n- one\n- two\n"
    )


def test_forwarded_message_part_is_shown_with_its_headers() -> None:
    eml = (
        "From: a@example.org\nSubject: Fwd: x\n"
        'Content-Type: multipart/mixed; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nSee below.\n"
        "--B\nContent-Type: message/rfc822\n\n"
        "From: Bob <bob@example.org>\nSubject: x\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n\n"
        "Original text.\n"
        "--B--\n"
    )
    (m,) = _read(_bytes(eml))
    assert m.body == (
        "See below.\n\n-------- Forwarded Message --------\nFrom: Bob <bob@example.org>\n"
        "Date: Mon, 2 Jan 2023 10:00:00 +0000\nSubject: x\n\nOriginal text.\n"
    )


@pytest.mark.parametrize(
    ("charset", "data", "text"),
    [
        ("utf-8", "naïve café".encode(), "naïve café"),
        ("iso-8859-1", "naïve café".encode("cp1252") + b" \x93q\x94", "naïve café “q”"),
        ("iso-8859-1", "naïve café".encode(), "naïve café"),  # UTF-8 mislabelled
        ("koi8-r", "привет".encode("koi8-r"), "привет"),
        ("gb2312", "中文".encode("gb18030"), "中文"),
        (None, "naïve".encode("cp1252"), "naïve"),
    ],
)
def test_charsets(charset: str | None, data: bytes, text: str) -> None:
    ctype = f"Content-Type: text/plain; charset={charset}\n" if charset else ""
    eml = b"From: a@example.org\n" + ctype.encode() + b"\n" + data + b"\n"
    (m,) = _read(io.BytesIO(eml))
    assert m.body == text + "\n"


def test_rfc2047_subject_with_adjacent_words_and_unknown_charset() -> None:
    eml = (
        "From: =?x-unknown?q?Odd?= <o@example.org>\n"
        "Subject: =?utf-8?q?caf=C3=A9?= =?utf-8?b?IG9r?= and =?utf-8?q?broken\n\nText\n"
    )
    (m,) = _read(_bytes(eml))
    assert m.subject == "café ok and =?utf-8?q?broken"
    assert m.author == Person(name="Odd", address="o@example.org")


@pytest.mark.parametrize(
    "separator",
    [
        "From MAILER-DAEMON Sat Aug 28 14:17:14 2021",  # LISTSERV scrape, mailbox.mbox
        "From - Sat Aug 28 14:17:14 2021",  # Thunderbird
        "From 1712345678901234567@xxx Wed Apr 03 12:00:00 +0000 2024",  # Google Takeout
        "From a@example.org Sat, 28 Aug 2021 14:17:14 +0000",  # RFC 2822 date
        "From a at example.org  Thu Nov  1 11:19:12 2001",  # pipermail
    ],
)
def test_separator_forms(separator: str) -> None:
    text = f"{separator}\n{_msg(1)}\n{separator}\n{_msg(2)}"
    assert [m.message_id for m in _read(_bytes(text))] == ["m1@example.org", "m2@example.org"]


def test_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    mbox = tmp_path / "bom.mbox"
    mbox.write_bytes(bom + f"From a@b.org Mon Jan  2 10:01:00 2023\n{_msg(1)}".encode())
    (m,) = _read(mbox)
    assert (m.message_id, m.source.offset, m.source.line) == ("m1@example.org", 3, 1)
    eml = tmp_path / "bom.eml"
    eml.write_bytes(bom + _msg(2).encode())
    (m,) = _read(eml)
    assert m.message_id == "m2@example.org"
