"""Issue 11: bodies of one short line (or a few) repeated, as the matching stage sees them.

The matching stage puts each body into canonical form and finds the tokens of its own
segments; on runs of identical lines both once did Python work per line or per lookup. The
faster paths must give what the plain per-line definitions give: each test here compares the
result on a body of long runs with one computed the slow, obvious way.
"""

from __future__ import annotations

import itertools
import random

import pytest
from canonical_pieces import PIECES, assert_blocks_give_the_whole_form
from hypothesis import given, settings
from hypothesis import strategies as st

import wsisdedup
from wsisdedup.match import IndexDoc
from wsisdedup.match.fingerprints import _tokenise, fingerprint
from wsisdedup.match.records import Span
from wsisdedup.text import normalise
from wsisdedup.text.normalise import OffsetMap, canonical

# Canonical-form pieces, with an address and its mailto link glued, a dotted capital I (its
# lower case is two characters), line ends and a double blank.
_PARTS = st.sampled_from([*PIECES, "a@b.org<mailto:a@b.org>", "\u0130", "\n", "\n\n", "x  y"])


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
    pairs = list(zip(flat[::2], flat[1::2], strict=True))
    # The own views, range by range as their docstrings say (they are built with iterators).
    k = tokens.shingle_words
    assert list(tokens.own_ids) == [tokens.ids[t] for a, b in pairs for t in range(a, b)]
    own_index = [tokens.own_token(p) for p in range(len(tokens.own_ids))]
    assert own_index == [t for a, b in pairs for t in range(a, b)]
    assert (
        list(tokens.own_shingles)
        == [tokens.shingles[t] if t + k <= b else -1 for a, b in pairs for t in range(a, b)][
            : len(tokens.own_shingles)
        ]
    )
    starts = list(itertools.accumulate((b - a for a, b in pairs), initial=0))[:-1]
    assert list(tokens.own_breaks) == (starts or [0])[: len(tokens.own_breaks)]
    fp = fingerprint(doc)
    sampled = {t: h for t, h in enumerate(tokens.shingles) if not (h >> 40) & 3}
    expected = [sampled[t] for a, b in pairs for t in range(a, b - k + 1) if t in sampled]
    assert fp.own_hashes == tuple(dict.fromkeys(expected))
    return [t for a, b in pairs for t in range(a, b)]


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


# --- The canonical form of runs of lines ------------------------------------------------------

# Line shapes of hostile bodies: blank to the canonical form (`>`, tab, a bullet alone), text,
# separators, tokens. No Proofpoint label or `<url>`: those look back at the line before, so
# that a line alone would not give the line's form in a body.
_LINES = [
    "",
    ">",
    "> >",
    "\t",
    "-",
    "  \u2022  ",
    "*",
    "=20",
    "text",
    "Hash: SHA1",
    "-----BEGIN PGP SIGNED MESSAGE-----",
    "-----Original Message-----",
    "> quoted *bold* line",
    "- item -",
    "a  b\tc",
    "[cid:x]",
    "see https://www.example.org/a/b.",
    "\u2026 \u200bzero",
]


def _per_line(text: str) -> tuple[str, list[int], list[int], list[bool]]:
    """The canonical text of `text` and, per canonical index, its offset, original end and
    exactness: each line put into canonical form alone, the kept ones joined by one space (it
    stands for the character before the next kept line's content)."""
    forms = {line: canonical(line) for line in set(text.split("\n"))}
    parts: list[tuple[int, OffsetMap, str]] = []
    at = 0
    for line in text.split("\n"):
        c = forms[line]
        if c.text:
            assert isinstance(c.offsets, OffsetMap)
            parts.append((at, c.offsets, c.text))
        at += len(line) + 1
    offsets: list[int] = []
    ends: list[int] = []
    exact: list[bool] = []
    for k, (o, m, t) in enumerate(parts):
        offsets += [o + m[i] for i in range(len(t))]
        ends += [o + m.end_of(i) for i in range(len(t))]
        exact += [m.exact_at(i) for i in range(len(t))]
        if k + 1 < len(parts):
            nxt = parts[k + 1][0] + parts[k + 1][1].line_ostarts[0]
            offsets.append(nxt - 1)
            ends.append(nxt)
            exact.append(True)
    return " ".join(t for _, _, t in parts), offsets, ends, exact


def _assert_per_line(text: str) -> None:
    whole = canonical(text)
    offsets = whole.offsets
    assert isinstance(offsets, OffsetMap)
    ctext, expected, ends, exact = _per_line(text)
    assert whole.text == ctext
    n = len(ctext)
    assert [offsets[i] for i in range(n)] == expected
    assert [offsets.end_of(i) for i in range(n)] == ends
    assert [offsets.exact_at(i) for i in range(n)] == exact
    assert offsets[n] == len(text)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_LINES), st.integers(min_value=1, max_value=40)), max_size=12
    ),
    st.integers(min_value=1, max_value=80),
)
def test_runs_of_lines_give_each_lines_form(runs: list[tuple[str, int]], block: int) -> None:
    # Blocks of a few characters, so that runs cross blocks and blocks repeat.
    text = "\n".join(line for line, count in runs for _ in range(count))
    saved = normalise._BLOCK_CHARS
    normalise._BLOCK_CHARS = block
    try:
        _assert_per_line(text)
    finally:
        normalise._BLOCK_CHARS = saved


@pytest.mark.parametrize(
    "unit",
    [
        "-\n",
        ">\n",
        "\t\n",
        "=20\n",
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\ntext\n",
        "-----Original Message-----\n",
        "> quoted *bold* line\n- item -\n\n",
    ],
    ids=["dash-line", "gt-line", "tab-line", "qp-soft", "pgp-open", "original-message", "mixed"],
)
def test_long_runs_give_each_lines_form(unit: str) -> None:
    # Bodies of the benchmark's shapes, many blocks long, and one line differing in the middle
    # (a block that repeats nothing).
    text = unit * (60_000 // len(unit))
    middle = len(text) // 2
    middle = text.index("\n", middle) + 1
    _assert_per_line(text[:middle] + "one other line\n" + text[middle:])


_LINKED_LINES = [
    "x",
    "-",
    "https://www.Example.org/a",
    "https://urldefense.com/v3/__https://Z.org/__;!!a$",
    "[example.org]",
    "<https://x.org/p>",
    "> [x.org]",
    "a@b.org<mailto:a@b.org>",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_LINKED_LINES), st.integers(min_value=1, max_value=6)),
        max_size=16,
    ),
    st.integers(min_value=1, max_value=40),
)
def test_repeated_blocks_with_links_give_the_whole_texts_form(
    runs: list[tuple[str, int]], block: int
) -> None:
    # A `[label]` or `<url>` right after a link repeats it, and a link's token comes from the
    # original text: a block holding one has a form that depends on where it is, so the same
    # block text elsewhere must not be given a copy of it.
    text = "\n".join(line for line, count in runs for _ in range(count))
    assert_blocks_give_the_whole_form(text, block)


@pytest.mark.parametrize(
    "text",
    ["", "plain words", "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\ntext\n" * 3000],
    ids=["empty", "short", "long"],
)
@pytest.mark.parametrize("quoted", [False, True])
def test_digests_are_of_the_joined_text(text: str, quoted: bool) -> None:
    # The digests are fed a slice at a time (no copy of the text): they must be those of the
    # canonical text and of the own pieces joined by newlines, as the index compares them.
    import hashlib

    from wsisdedup.match.fingerprints import _own_pairs, _token_end, fingerprint

    body = ("> quoted line\n" + text) if quoted else text
    doc = IndexDoc.from_segments("x", body, wsisdedup.split_body(body).segments)
    tokens = _tokenise(doc, 5)
    fp = fingerprint(doc)
    ctext = tokens.canon.text
    own = "\n".join(
        ctext[tokens.starts[a] : _token_end(tokens, b - 1)] for a, b in _own_pairs(tokens)
    )

    def digest(s: str) -> bytes:
        return hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    assert fp.body_digest == digest(ctext)
    assert fp.own_digest == digest(own)
