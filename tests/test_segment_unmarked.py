"""Where a quote without markers ends (issue 10, section 1; `wsisdedup.segment.unmarked`).

The case table `tests/cases/unmarked.json` holds the shapes; these tests hold the promises that
cut across them.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wsisdedup.model import SegmentKind as K
from wsisdedup.segment import split_body

ISSUE_EXAMPLE = (
    "On Mon, 2 Mar 2020, Ann Lee <ann@example.org> wrote:\n"
    "Shall we move the weekly meeting to Thursday?\n"
    "\n"
    "Thursday works for me, but not before 10:00.\n"
    "\n"
    "Bob\n"
)


def test_issue_example() -> None:
    body = split_body(ISSUE_EXAMPLE)
    by_kind = {s.kind: s.text.strip() for s in body.segments}
    assert by_kind[K.QUOTE] == "Shall we move the weekly meeting to Thursday?"
    assert by_kind[K.NEW] == "Thursday works for me, but not before 10:00."
    assert by_kind[K.SIGNATURE] == "Bob"


_WORDS = st.sampled_from(
    ["I agree", "+1", "Hi Ann,", "Thanks,", "Ann", "Bob", "Yes.", "Sounds good.", "see below"]
)
_PARAGRAPH = st.lists(_WORDS, min_size=1, max_size=3).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(
    own=st.lists(_PARAGRAPH, min_size=1, max_size=3),
    quoted=st.lists(_PARAGRAPH, min_size=1, max_size=5),
)
def test_new_text_before_an_attribution_is_never_reclassified(
    own: list[str], quoted: list[str]
) -> None:
    # Own text, then an attribution and an unmarked quote: whatever the quote's paragraphs
    # say, the text before the attribution stays the author's.
    head = "Top line of my reply.\n\n" + "\n\n".join(own) + "\n\n"
    text = head + ISSUE_EXAMPLE.split("\n", 1)[0] + "\n" + "\n\n".join(quoted) + "\n"
    body = split_body(text)
    assert "".join(s.text for s in body.segments) == text
    first = body.segments[0]
    assert first.kind is K.NEW
    assert body.new_text.startswith("Top line of my reply.")
    # Nothing after the attribution is new text in a top-posted reply.
    attribution = next(s for s in body.segments if s.kind is K.ATTRIBUTION)
    assert all(s.kind is not K.NEW for s in body.segments if s.start > attribution.start)
