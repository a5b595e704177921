"""split_body and parse_attribution: contract, real archives, and bodies built to hurt.

Case tables of clients and languages live in tests/cases/ (run by test_cases.py); this module
tests the properties every body must have and the archives in examples/data/.
"""

from __future__ import annotations

import doctest
import email
import gzip
import itertools
import mailbox
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import Message
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wsisdedup.segment as segment_module
from wsisdedup.model import Body, SegmentKind
from wsisdedup.segment import Attribution, parse_attribution, split_body

DATA = Path(__file__).resolve().parent.parent / "examples" / "data"
K = SegmentKind


# ---------------------------------------------------------------------------------------------
# The contract: segments cover the body exactly, in order, canonically
# ---------------------------------------------------------------------------------------------


def check_cover(body: Body) -> None:
    text = body.text
    assert "".join(s.text for s in body.segments) == text
    pos = 0
    for s in body.segments:
        assert s.start == pos and s.end > s.start
        assert text[s.start : s.end] == s.text
        if s.kind is not K.QUOTE:
            assert s.depth == 0
        if s.kind is not K.FORWARD_HEADER:
            assert s.forward is None
        pos = s.end
    assert pos == len(text)
    for a, b in itertools.pairwise(body.segments):
        # Canonical: neighbours differ (forward headers each introduce their own message).
        assert (a.kind, a.depth) != (b.kind, b.depth) or a.kind is K.FORWARD_HEADER
        # Blank space belongs to the segment before it.
        assert not b.text[:1].isspace()


TOKENS = (
    "> ",
    ">>",
    "> > ",
    "|",
    "On ",
    "On Thu, Jun 5, 2025 at 10:22 AM Bob <b@x.org> wrote:",
    "Bob wrote:",
    " wrote:",
    "From: Bob <b@x.org>",
    "Sent: Thursday, June 5, 2025 10:22 AM",
    "Subject: hi",
    "-----Original Message-----",
    "________________________________",
    "---------- Forwarded message ---------",
    "----- End forwarded message -----",
    "-- ",
    "--",
    "Best regards,",
    "Cheers",
    "Sent from my iPhone",
    "[cid:image001.png@01D]",
    "[image: x.png]",
    "-------------- next part --------------",
    "An HTML attachment was scrubbed...",
    "URL: <http://x/y.html>",
    "-----BEGIN PGP SIGNATURE-----",
    "-----END PGP SIGNATURE-----",
    "_______________________________________________",
    "devel mailing list",
    "[...]",
    "CAUTION: This email originated from outside of the organization.",
    "Hello",
    "world.",
    "*",
    ":",
    " ",
    "\t",
    "\n",
    "\n",
    "\r\n",
    "\u00a0",
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS) | st.text(max_size=8), max_size=40))
def test_segments_cover_any_body_exactly(parts: list[str]) -> None:
    check_cover(split_body("".join(parts)))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_segments_cover_any_text_exactly(text: str) -> None:
    check_cover(split_body(text))


def test_empty_and_blank_bodies() -> None:
    assert split_body("").segments == ()
    blank = split_body("\n \n\t\n")
    assert [s.kind for s in blank.segments] == [K.NEW]
    assert blank.new_text == ""


def test_blank_lines_join_the_segment_before_them() -> None:
    body = split_body("Answer.\n\n\n> quoted\n\nMore.\n")
    assert [s.text for s in body.segments] == ["Answer.\n\n\n", "> quoted\n\n", "More.\n"]


# ---------------------------------------------------------------------------------------------
# List footers come from wsisdedup.footers and override every other kind
# ---------------------------------------------------------------------------------------------


def _seed_lines() -> list[str]:
    return (DATA / "wsis20-2025-06.txt").read_text(encoding="utf-8").split("\n")


def test_footer_spans_become_footer_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _seed_lines()
    text = lines[2] + "\n" + "\n".join(lines[3:66]) + "\n"  # the seed's line 3, then 4-66
    footer = "\n".join(lines[62:66]) + "\n"  # lines 63-66: the list footer
    start = text.index(footer)
    seen: list[tuple[str, Sequence[str]]] = []

    def fake_spans(t: str, learned: Sequence[str] = ()) -> tuple[tuple[int, int], ...]:
        seen.append((t, learned))
        return ((start, start + len(footer)),)

    monkeypatch.setattr(segment_module, "footer_spans", fake_spans)
    body = split_body(text, footers=(footer,))
    check_cover(body)
    assert seen == [(text, (footer,))]
    footers = [s for s in body.segments if s.kind is K.FOOTER]
    assert [s.text for s in footers] == [footer]
    assert body.segments[-1].kind is K.FOOTER
    assert body.new_text.endswith("https://isoc.live/19420/ Joly")


def test_mailman2_default_footer_is_footer_without_learning() -> None:
    text = (
        "Looks good.\n\n_______________________________________________\n"
        "fedora-devel-list mailing list\nfedora-devel-list@redhat.com\n"
        "https://www.redhat.com/mailman/listinfo/fedora-devel-list\n"
    )
    body = split_body(text)
    assert [s.kind for s in body.segments] == [K.NEW, K.FOOTER]
    assert body.segments[1].text.startswith("_____")


# ---------------------------------------------------------------------------------------------
# parse_attribution
# ---------------------------------------------------------------------------------------------


def test_parse_attribution_rejects_plain_text() -> None:
    assert parse_attribution("I think we should ship it.") is None
    assert parse_attribution("") is None
    assert parse_attribution("On Fedora 12, when using:") is None


def test_parse_attribution_strips_via_and_list_address() -> None:
    got = parse_attribution(
        "On Thu, Jun 5, 2025 at 10:22 AM Alexey Trepykhalin via wsis20 < wsis20@icann.org> wrote:"
    )
    assert got == Attribution(
        name="Alexey Trepykhalin",
        address="",
        date_text="Thu, Jun 5, 2025 at 10:22 AM",
        date=datetime(2025, 6, 5, 10, 22),
    )


def test_parse_attribution_of_a_starred_header_block_with_reply_to() -> None:
    got = parse_attribution(
        "*From: *WSIS20 Outreach Network <wsis20@icann.org> *Reply-To: *Joly MacFie "
        "<jolynyc@gmail.com> *Date: *Thursday, June 5, 2025 at 10:27 *To: *Alexey "
        "<alexey@icann.org> *Cc: *WSIS20 Outreach Network <wsis20@icann.org> *Subject: *Re: Notes"
    )
    assert got is not None
    assert (got.name, got.address, got.date) == (
        "Joly MacFie",
        "jolynyc@gmail.com",
        datetime(2025, 6, 5, 10, 27),
    )


def test_parse_attribution_keeps_offsets_and_zones() -> None:
    got = parse_attribution("On Wed, Jan 06, 2010 at 11:38:20AM -0700, Kevin Fenzi wrote:")
    assert got is not None and got.date is not None
    assert got.date.utcoffset() == timedelta(hours=-7)
    assert got.date == datetime(2010, 1, 6, 18, 38, 20, tzinfo=UTC)
    est = parse_attribution("On Mon, Jan 4, 2010 at 9:00 AM EST, Bob <b@example.org> wrote:")
    assert est is not None and est.date == datetime(
        2010, 1, 4, 9, 0, tzinfo=timezone(-timedelta(hours=5))
    )


def test_parse_attribution_of_a_multi_line_quoted_attribution() -> None:
    got = parse_attribution(
        "> On Sat, Jan 2, 2010 at 1:25 PM, Jan Kratochvil\n> <jan@example.com> wrote:"
    )
    assert got is not None
    assert (got.name, got.address) == ("Jan Kratochvil", "jan@example.com")


def test_parse_attribution_without_year_has_no_date() -> None:
    got = parse_attribution("On Jun 5, at 10:22, John Smith <john@example.com> wrote:")
    assert got is not None
    assert got.name == "John Smith" and got.date is None


def test_module_doctests() -> None:
    result = doctest.testmod(segment_module)
    assert result.attempted >= 2 and result.failed == 0


# ---------------------------------------------------------------------------------------------
# Real archives: every `>` line is quoted; no message loses all of its new text
# ---------------------------------------------------------------------------------------------

FROM_LINE = re.compile(r"^From \S+ +\w{3} \w{3} +\d+ \d+:\d+:\d+ \d{4}$", re.M)


def _plain(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            raw = part.get_payload(decode=True)
            if not isinstance(raw, bytes):
                return ""
            try:
                return raw.decode(part.get_content_charset() or "utf-8", "replace")
            except LookupError:
                return raw.decode("utf-8", "replace")
    return ""


def _fedora() -> list[str]:
    with gzip.open(DATA / "fedora-devel-2010-January.txt.gz", "rb") as f:
        text = f.read().decode("utf-8", "replace")
    starts = [m.start() for m in FROM_LINE.finditer(text)] + [len(text)]
    chunks = (text[a:b].split("\n", 1)[1] for a, b in itertools.pairwise(starts))
    return [_plain(email.message_from_string(c, policy=policy.compat32)) for c in chunks]


def _gpp() -> list[str]:
    return [_plain(m) for m in mailbox.mbox(str(DATA / "3gpp-sa-wg4-evs.mbox"))]


# Messages reviewed by hand whose new text is really empty.
REALLY_EMPTY: dict[str, set[int]] = {
    "fedora": set(),
    # 40: the body is nothing but the LISTSERV footer (the message was an attachment).
    "3gpp": {40},
}


@pytest.mark.parametrize("name", ["fedora", "3gpp"])
def test_real_archive_quotes_and_new_text(name: str) -> None:
    bodies = _fedora() if name == "fedora" else _gpp()
    assert len(bodies) == (292 if name == "fedora" else 50)
    empty = set()
    for i, text in enumerate(bodies):
        body = split_body(text)
        check_cover(body)
        for seg in body.segments:
            if seg.kind is not K.QUOTE:
                assert not any(ln.lstrip().startswith(">") for ln in seg.text.split("\n")), (i, seg)
        unquoted = any(ln.strip() and not ln.lstrip().startswith(">") for ln in text.split("\n"))
        if unquoted and not body.new_text:
            empty.add(i)
    assert empty == REALLY_EMPTY[name]


def test_fedora_signatures_and_attributions_are_found() -> None:
    bodies = _fedora()
    kinds = [{s.kind for s in split_body(b).segments} for b in bodies]
    # fedora-devel is mostly bottom-posted replies with `-- ` signatures: most messages have
    # an attribution, and a good share a signature.
    assert sum(K.ATTRIBUTION in k for k in kinds) > len(bodies) // 2
    assert sum(K.SIGNATURE in k for k in kinds) > len(bodies) // 3


# ---------------------------------------------------------------------------------------------
# Safety: bodies of 10 MB built to hurt regexes complete (the time goes in the benchmark)
# ---------------------------------------------------------------------------------------------

MB10 = 10_000_000
HURTFUL = {
    "one line of >": ">" * MB10,
    "lines of >": (">" * 99 + "\n") * (MB10 // 100),
    "nested > with spaces": ("> " * 49 + "x\n") * (MB10 // 100),
    "spaces": " " * MB10 + "x",
    "On On On": "On " * (MB10 // 3),
    "lines of On": ("On " * 30 + "\n") * (MB10 // 91),
    "stars": "*" * MB10,
    "one 10 MB line of words": "word " * (MB10 // 5),
    "attribution verbs": "On 1 wrote: " * (MB10 // 12),
}


@pytest.mark.parametrize("name", list(HURTFUL))
def test_hurtful_bodies_complete(name: str) -> None:
    text = HURTFUL[name]
    body = split_body(text)
    assert "".join(s.text for s in body.segments) == text
