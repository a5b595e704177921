"""The readers on the bundled real archives: counts, positions, and a hand-checked sample.

The sample values below were read off the raw files by hand (`zcat` / `sed -n LINE,+40p`), not
from this reader's output: the line given with each is where the message's `From ` separator is.
"""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from wsisdedup.model import ParsedMessage, Person, Problem
from wsisdedup.readers import FORMATS, read_messages, sniff

# Paths here rather than imported from conftest, so the module imports the same way whether or
# not tests/ is a package.
DATA = Path(__file__).resolve().parent.parent / "examples" / "data"
FEDORA = DATA / "fedora-devel-2010-January.txt.gz"
NUMPY = DATA / "numpy-discussion-2001-November.txt"
GPP = DATA / "3gpp-sa-wg4-evs.mbox"
SEED = DATA / "wsis20-2025-06.txt"


def _read(source: object, **kw: str) -> list[ParsedMessage]:
    items = list(read_messages(source, **kw))  # type: ignore[arg-type]
    problems = [i for i in items if isinstance(i, Problem)]
    assert problems == []
    return [i for i in items if isinstance(i, ParsedMessage)]


@pytest.fixture(scope="module")
def fedora() -> list[ParsedMessage]:
    return _read(FEDORA)


@pytest.fixture(scope="module")
def numpy() -> list[ParsedMessage]:
    return _read(NUMPY)


@pytest.fixture(scope="module")
def gpp() -> list[ParsedMessage]:
    return _read(GPP)


def _at_line(messages: list[ParsedMessage], line: int) -> ParsedMessage:
    found = [m for m in messages if m.source.line == line]
    assert len(found) == 1, f"no message starts at line {line}"
    return found[0]


def test_counts_and_no_problems(
    fedora: list[ParsedMessage], numpy: list[ParsedMessage], gpp: list[ParsedMessage]
) -> None:
    assert len(fedora) == 292
    assert len(numpy) == 164
    assert len(gpp) == 50
    for messages in (fedora, numpy, gpp):
        assert [p for m in messages for p in m.problems] == []
        assert [m.source.index for m in messages] == list(range(len(messages)))


def test_formats_sniffed_from_content(
    fedora: list[ParsedMessage], numpy: list[ParsedMessage], gpp: list[ParsedMessage]
) -> None:
    # fedora-devel's .txt.gz keeps full headers and plain addresses: it is an mbox by content.
    assert {m.source.format for m in fedora} == {"mbox"}
    assert {m.source.format for m in numpy} == {"pipermail"}
    assert {m.source.format for m in gpp} == {"mbox"}


@pytest.mark.parametrize("path", [NUMPY, GPP], ids=lambda p: p.name)
def test_offsets_and_lines_point_at_separators(path: Path) -> None:
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    for m in _read(path):
        assert m.source.offset is not None and m.source.line is not None
        assert raw[m.source.offset : m.source.offset + 5] == b"From "
        assert lines[m.source.line - 1].startswith(b"From ")
        assert raw.count(b"\n", 0, m.source.offset) == m.source.line - 1


def test_gzip_offsets_are_in_decompressed_bytes(fedora: list[ParsedMessage]) -> None:
    raw = gzip.decompress(FEDORA.read_bytes())
    for m in fedora:
        assert m.source.offset is not None
        assert raw[m.source.offset : m.source.offset + 5] == b"From "


def test_every_message_has_id_date_author(
    fedora: list[ParsedMessage], numpy: list[ParsedMessage], gpp: list[ParsedMessage]
) -> None:
    for m in (*fedora, *numpy, *gpp):
        assert m.message_id and "<" not in m.message_id and ">" not in m.message_id
        assert m.date is not None and m.date.tzinfo is not None
        assert "@" in m.author.address and " at " not in m.author.address
        assert "\r" not in m.body


# -- hand-checked sample -----------------------------------------------------------------------


def test_fedora_first_message(fedora: list[ParsedMessage]) -> None:
    m = fedora[0]  # line 1
    assert m.message_id == "b401d2530912311950o5074be43m48b0563bf7d02e03@mail.gmail.com"
    assert m.author == Person(name="Rakesh Pandit", address="rakesh.pandit@gmail.com")
    assert m.date == datetime(
        2010, 1, 1, 9, 20, 34, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    assert m.subject == "Package Review Stats for 2009!"
    assert "Parag AN(पराग) : 428" in m.body  # UTF-8 body


def test_fedora_rfc2047_names(fedora: list[ParsedMessage]) -> None:
    ville = _at_line(fedora, 13559)  # From: Ville =?iso-8859-1?q?Skytt=E4?=
    assert ville.author == Person(name="Ville Skyttä", address="ville.skytta@iki.fi")
    assert ville.subject == "Re: Heads-up: %define vs %global in specs"
    assert ville.date == datetime(2010, 1, 5, 22, 39, 36, tzinfo=timezone(timedelta(hours=2)))
    assert ville.message_id == "201001052239.36623.ville.skytta@iki.fi"
    assert ville.in_reply_to == ("4B437415.3050007@redhat.com",)
    parag = _at_line(fedora, 8654)  # From: =?UTF-8?B?UGFyYWcgTijgpKrgpLDgpL7gpZop?=
    assert parag.author.name == "Parag N(\u092a\u0930\u093e\u095a)"  # as the bytes say
    assert parag.subject == "planning to retire pydict package"


def test_fedora_alternative_prefers_plain_and_decodes_qp_cp1252(
    fedora: list[ParsedMessage],
) -> None:
    m = _at_line(fedora, 4495)  # multipart/alternative, windows-1252, quoted-printable
    assert m.author == Person(name="sai ganesh", address="ganesai@fedoraproject.org")
    assert m.subject == "need help in contributing to se-linux policy development"
    assert "fedora-ambassador<https://fedoraproject.org/wiki/user:ganesai>.i" in m.body
    assert "“The Linux philosophy is 'Laugh in the face of danger'." in m.body  # =93 in cp1252
    assert "<br>" not in m.body and "=A0" not in m.body


def test_numpy_pipermail_sample(numpy: list[ParsedMessage]) -> None:
    m = numpy[0]  # line 1: From jjl at pobox.com  Thu Nov  1 11:19:12 2001
    assert m.author == Person(name="John J. Lee", address="jjl@pobox.com")
    assert m.date == datetime(2001, 11, 1, 11, 19, 12, tzinfo=UTC)  # ctime, no zone: UTC
    assert m.subject == "[Numpy-discussion] RE: Numeric2"
    assert m.in_reply_to == ("JFEGLNDJEDNOMPPHDEJFKEEODLAA.perry@stsci.edu",)
    assert m.message_id == "Pine.SOL.4.30.0111011916360.17706-100000@mimosa.csv.warwick.ac.uk"
    assert m.body.startswith("On Tue, 30 Oct 2001, Perry Greenfield wrote:\n[...]\n")
    barnard = _at_line(numpy, 508)  # From: barnard at stat.harvard.edu (barnard at ...)
    assert barnard.author == Person(name="", address="barnard@stat.harvard.edu")
    assert barnard.date == datetime(2001, 11, 13, 6, 42, 3, tzinfo=UTC)
    assert barnard.subject == "[Numpy-discussion] Small Bug in multiarray.c"
    # The month appears twice in the file: the second copy is read too (collapsed later).
    assert numpy[82].message_id == numpy[0].message_id


def test_numpy_scrubber_text_kept(numpy: list[ParsedMessage]) -> None:
    scrubbed = [m for m in numpy if "-------------- next part --------------" in m.body]
    assert len(scrubbed) == 2  # grep -c 'next part' on the file gives 2
    assert all("from Numeric import *" in m.body for m in scrubbed)


def test_gpp_listserv_sample(gpp: list[ParsedMessage]) -> None:
    m = gpp[0]  # line 1: lower-case headers, RFC 2047 name, quoted subject, QP body
    assert m.author == Person(name="Tomas Toftgård", address="tomas.toftgard@ericsson.com")
    assert m.date == datetime(2021, 8, 26, 20, 51, 14, tzinfo=UTC)
    assert m.subject == "Re: Draft EVS-8a"
    assert m.message_id == (
        "HE1PR0702MB36431C99F09F56144B855CF3FAC79@HE1PR0702MB3643.eurprd07.prod.outlook.com"
    )
    assert m.in_reply_to == ("364608fb-05ec-10ac-c62e-3a663ddcc41a@USherbrooke.ca",)
    # Soft line breaks joined, =C3=A5 decoded.
    assert (
        "To: Tomas Toftgård <tomas.toftgard@ericsson.com>; 3GPP_TSG_SA_WG4_EVS@LIST.ETSI.ORG"
        in (m.body)
    )
    milan = _at_line(gpp, 2158)  # folded subject inside quotes
    assert milan.author == Person(name="Milan Jelinek", address="Milan.Jelinek@usherbrooke.ca")
    assert milan.date == datetime(2020, 11, 17, 17, 9, 52, tzinfo=timezone(timedelta(hours=-5)))
    assert milan.subject == (
        "Re: FW: [11.5; 1451; 18 Nov 1600 CET] Audio mixing of multiple streaming in ITT4RT"
        " - for agreement"
    )


def test_gpp_mboxrd_from_unescaped(gpp: list[ParsedMessage]) -> None:
    m = _at_line(gpp, 2516)  # its body has `>From the next SA4 meeting` (line 2542)
    assert m.subject == "Update on the Tohru Hand raising Tool"
    assert "\nFrom the next SA4 meeting, we could use the TOHRU hand raising tool" in m.body
    assert ">From the next" not in m.body


# -- sources and sniffing -------------------------------------------------------------------


def test_open_binary_file_and_gzip_stream_read_the_same(fedora: list[ParsedMessage]) -> None:
    with FEDORA.open("rb") as fh:
        from_file = _read(fh)
    assert [m.message_id for m in from_file] == [m.message_id for m in fedora]
    assert from_file[0].source.path == str(FEDORA)
    stream = io.BytesIO(gzip.decompress(FEDORA.read_bytes()))
    from_bytes = _read(stream)
    assert [m.body for m in from_bytes] == [m.body for m in fedora]
    assert from_bytes[0].source.path == "<stream>"


def test_sniff_is_by_content_not_name(tmp_path: Path) -> None:
    renamed = tmp_path / "archive.eml"  # a misleading name
    renamed.write_bytes(NUMPY.read_bytes())
    assert {m.source.format for m in _read(renamed)} == {"pipermail"}
    assert sniff(FEDORA.read_bytes()[:65536]) == "mbox"  # gzip head decompressed
    assert sniff(NUMPY.read_bytes()[:65536]) == "pipermail"
    assert sniff(GPP.read_bytes()[:65536]) == "mbox"
    assert sniff(SEED.read_bytes()[:65536]) == "text-dump"
    assert set(FORMATS) == {"mbox", "pipermail", "maildir", "eml", "text-dump"}


def test_text_dump_is_sniffed_and_read() -> None:
    messages = _read(SEED)
    assert len(messages) == 8
    assert {m.source.format for m in messages} == {"text-dump"}
    assert messages[0].source.line == 2  # the subject line comes first


def test_format_override(tmp_path: Path) -> None:
    # Read as pipermail, the GPP mbox keeps its `>From ` escape (pipermail does not escape).
    messages = _read(GPP, format="pipermail")
    assert len(messages) == 50
    assert any(">From the next SA4 meeting" in m.body for m in messages)
    with pytest.raises(ValueError, match="unknown format"):
        list(read_messages(GPP, format="mbx"))
    # Forced, the text-dump reader reads any text: no header is taken for a header.
    forced = _read(GPP, format="text-dump")
    assert forced and {m.source.format for m in forced} == {"text-dump"}
