"""`canonical_many` (texts put in canonical form together) gives each text's own form.

`tokenise_many` puts a group of short bodies into canonical form at once and cuts the result
back at the lines it put between them; every text, offset and end must be what `canonical`
gives the body alone, whatever the bodies hold (links with a `[label]` on the next body's
first line, banners, blank bodies, the separator itself).
"""

from __future__ import annotations

import pickle

from canonical_pieces import PIECES
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wsisdedup.text.normalise import Canonical, canonical, canonical_many

_LINE_PARTS = st.sampled_from(
    [*PIECES, "<mailto:a@b.org>", "a@b.org", "\u00e9", "\x00", "\r", "!--------|", "|--------!"]
)
_BODIES = st.lists(st.lists(_LINE_PARTS, max_size=5).map("".join), max_size=8).map("\n".join)


def assert_same_form(got: Canonical, want: Canonical) -> None:
    assert got.text == want.text
    assert len(got.offsets) == len(want.offsets)
    assert list(got.offsets) == list(want.offsets)
    for i in range(len(want.text)):
        assert got.offsets.end_of(i) == want.offsets.end_of(i)  # type: ignore[attr-defined]
        assert got.offsets.exact_at(i) == want.offsets.exact_at(i)  # type: ignore[attr-defined]
    for position in range(got.offsets.source_length + 2):  # type: ignore[attr-defined]
        first = got.offsets.first_from(position)  # type: ignore[attr-defined]
        assert first == want.offsets.first_from(position)  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(st.lists(_BODIES, max_size=6))
@example(["see https://www.example.org/a", "[example.org] is the link"])
@example(["", "\n\n", "word"])
@example(["a\n\x00\nb", "\x00"])
@example(["!--------| banner", "words |--------! more"])
def test_texts_together_have_the_form_each_has_alone(texts: list[str]) -> None:
    made = canonical_many(texts)
    assert len(made) == len(texts)
    for text, got in zip(texts, made, strict=True):
        assert_same_form(got, canonical(text))
        # A part travels to the join alone, as a whole text's map does.
        assert_same_form(pickle.loads(pickle.dumps(got)), canonical(text))


def test_a_label_after_a_link_in_the_body_before_stays_a_token() -> None:
    # Alone, a body that opens with `[example.org]` keeps it as the link's token; a link at
    # the end of the body before must not make it a repeat of that link.
    first, second = canonical_many(["see https://www.example.org/a", "[example.org] here"])
    assert first.text == "see example.org"
    assert second.text == "example.org here"
