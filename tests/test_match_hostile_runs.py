"""Issue 11: bodies of one short line (or a few) repeated, as the matching stage sees them.

The matching stage puts each body into canonical form and finds the tokens of its own
segments; on runs of identical lines both once did Python work per line or per lookup. The
faster paths must give what the plain per-line definitions give: each test here compares the
result on a body of long runs with one computed the slow, obvious way.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import wsisdedup
from wsisdedup.match import IndexDoc
from wsisdedup.match.fingerprints import _tokenise
from wsisdedup.match.records import Span
from wsisdedup.text.normalise import OffsetMap, canonical

_PARTS = st.sampled_from(
    [
        "> ",
        ">",
        " ",
        "  ",
        "-",
        " - ",
        "word",
        "Two words",
        "*bold*",
        "*****",
        "-----",
        "https://www.example.org/a/b",
        "<https://x.org/p>",
        "[example.org]",
        "www.w3.org",
        "a@b.org<mailto:a@b.org>",
        "[cid:img.png]",
        "\u2026",
        "\u200b",
        "\u2022 ",
        "\u0130",
        "\t",
        "\n",
        "\n\n",
        "x  y",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PARTS, max_size=30).map("".join))
def test_first_from_inverts_the_offset_map(text: str) -> None:
    # `first_from` finds where a body position falls in the canonical text with a bisection
    # of lines and pieces; it must be the first index whose offset reaches the position.
    offsets = canonical(text).offsets
    assert isinstance(offsets, OffsetMap)
    values = list(offsets)
    for position in range(len(text) + 1):
        expected = next(i for i, v in enumerate(values) if v >= position)
        assert offsets.first_from(position) == expected, position


def _own_tokens_by_definition(doc: IndexDoc) -> list[int]:
    """Token indices whose first character maps into an own span: the definition, token by
    token through the offset map."""
    tokens = _tokenise(doc, 5)
    offsets = tokens.canon.offsets
    spans = [(s.start, s.end) for s in doc.own]
    return [
        t for t, start in enumerate(tokens.starts) if any(a <= offsets[start] < b for a, b in spans)
    ]


def _own_tokens(doc: IndexDoc) -> list[int]:
    tokens = _tokenise(doc, 5)
    flat = tokens.own
    return [t for a, b in zip(flat[::2], flat[1::2], strict=True) for t in range(a, b)]


@pytest.mark.parametrize(
    "unit",
    [
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\ntext\n",
        "> quoted *line*\n\nown line https://x.org/a\n\n",
    ],
    ids=["pgp-open", "quote-and-own"],
)
def test_own_ranges_of_a_segment_a_line_body(unit: str) -> None:
    # A body of hundreds of short own segments finds each segment's tokens with one inverse
    # lookup; the tokens must be those whose offsets fall in the own spans.
    text = unit * 300
    doc = IndexDoc.from_segments("x", text, wsisdedup.split_body(text).segments)
    assert len(doc.own) >= 100
    assert _own_tokens(doc) == _own_tokens_by_definition(doc)


def test_own_ranges_of_random_spans() -> None:
    # Spans that start and end anywhere: inside words, in indentation, inside a link token.
    rng = random.Random(11)
    units = ["-----BEGIN PGP*\n", "> a  b\n", "see https://x.org/p [x.org]\n", "\u2022 item\n"]
    for _ in range(40):
        text = "".join(rng.choice(units) for _ in range(30))
        cuts = sorted(rng.sample(range(len(text) + 1), 12))
        spans = tuple(Span(start=a, end=b) for a, b in zip(cuts[::2], cuts[1::2], strict=True))
        doc = IndexDoc(id="x", text=text, own=spans)
        assert _own_tokens(doc) == _own_tokens_by_definition(doc)
