"""`tokenise_many` (groups of bodies at once) gives exactly what `tokenise` gives one at a time.

The map phase and the join tokenise a batch of messages with `tokenise_many`; everything the
join does with tokens (candidates, alignment, copies) must be the same as with `tokenise`, so
the two are compared on every array and on the fingerprint, for bodies of any words, marks,
links and own spans, and for groups that the size limits cut or that a long body interrupts.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wsisdedup.match import (
    IndexDoc,
    IndexSettings,
    Span,
    Tokens,
    fingerprints,
    tokenise,
    tokenise_many,
)

# Pieces a body is made of: words, punctuation that is no word alone, what the canonical form
# rewrites (quote markers, `*`, links and their labels, separators, odd spaces), blank lines.
PIECES = [
    "alpha",
    "beta",
    "Gamma,",
    "delta.",
    "-",
    "|",
    "...",
    "> ",
    ">> ",
    "*bold*",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "https://www.example.org/a/b",
    "[example.org]",
    "<https://lists.example.org/x>",
    "_____",
    "caf\u00e9",
    "\u201cquoted\u201d",
    "\u00a0",
]

bodies = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@st.composite
def docs(draw: st.DrawFn) -> list[IndexDoc]:
    out = []
    for n in range(draw(st.integers(min_value=0, max_value=8))):
        text = draw(bodies)
        cuts = draw(
            st.lists(st.tuples(st.integers(0, max(0, len(text))), st.integers(0, 200)), max_size=3)
        )
        own = tuple(Span(start=a, end=min(len(text), a + w)) for a, w in cuts)
        out.append(IndexDoc(id=f"m{n}", text=text, own=own))
    return out


def assert_same(made: Tokens, alone: Tokens, settings: IndexSettings) -> None:
    for name in (
        "ids",
        "starts",
        "shingles",
        "own",
        "own_ids",
        "own_breaks",
        "own_shingles",
    ):
        got, want = getattr(made, name), getattr(alone, name)
        assert (got.typecode, got.tolist()) == (want.typecode, want.tolist()), name
    assert made == alone
    assert made._prints[settings] == alone._prints[settings]


@settings(max_examples=150, deadline=None)
@given(
    docs(),
    st.integers(min_value=2, max_value=8),
    st.sampled_from([1, 2, 4]),
    st.sampled_from([(1 << 14, 1 << 16), (40, 100), (0, 0)]),
)
@example([IndexDoc(id="e", text="", own=())], 5, 4, (1 << 14, 1 << 16))
@example(
    [IndexDoc.whole("a", "- | ..."), IndexDoc.whole("b", "alpha beta gamma delta")],
    2,
    1,
    (1 << 14, 1 << 16),
)
def test_grouped_tokens_are_the_tokens_of_each_body_alone(
    group: list[IndexDoc], k: int, sample: int, limits: tuple[int, int]
) -> None:
    # `limits` (longest body grouped, characters a group) cut groups anywhere: (0, 0)
    # tokenises every non-empty body alone, (40, 100) mixes short groups and long bodies.
    settings = IndexSettings(shingle_words=k, sample=sample)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fingerprints, "_GROUP_BODY", limits[0])
        patch.setattr(fingerprints, "_GROUP_CHARS", limits[1])
        made = tokenise_many(group, settings)
    assert len(made) == len(group)
    for doc, tokens in zip(group, made, strict=True):
        assert_same(tokens, tokenise(doc, settings), settings)


def test_a_group_of_real_bodies_matches_one_at_a_time() -> None:
    # Bodies as the segmenter cuts them (quotes, attributions, signatures): the own spans of
    # each are many, and a group holds them all.
    from wsisdedup.segment import split_body

    texts = [
        "Hi all,\n\nI agree with the plan for the meeting next week.\n\nBest,\nAnn\n-- \nAnn Lee\n",
        "On Mon, 4 Jan 2010, Ann Lee wrote:\n> I agree with the plan for the meeting next week.\n"
        "\nSo do I, see https://www.example.org/plan [example.org]\n",
        "",
        "short",
    ]
    group = [
        IndexDoc.from_segments(f"m{n}", text, split_body(text).segments)
        for n, text in enumerate(texts)
    ]
    made = tokenise_many(group)
    for doc, tokens in zip(group, made, strict=True):
        assert_same(tokens, tokenise(doc), IndexSettings())
    # The second body's own words start after the quote: its own ranges are not the whole.
    assert made[1].own.tolist() != [0, len(made[1].ids)]
