"""Header blocks of flattened dumps (`attributions._find_blocks`): read from the text around
each From label and memoised by that text, so the same block must read the same wherever it
stands (start of the text, after a forward marker, near the end, with a last line longer
than the window)."""

from __future__ import annotations

import attrs
import pytest

from wsisdedup.readers.textdump import attributions as attributions_module

BLOCK = (
    "From: Ann Lee <ann@example.org> Sent: Thursday, June 5, 2025 10:22 AM "
    "To: list@example.org Subject: Re: budget\n"
)


def _blocks(text: str) -> list[attributions_module._Found]:
    return list(attributions_module._find_blocks(text))


def _moved(found: attributions_module._Found, by: int) -> attributions_module._Found:
    return attributions_module._shifted(found, by)


@pytest.mark.parametrize(
    "before",
    ["", "x" * 29 + " ", "x" * 300 + "\n", "---------- Forwarded message ---------\n"],
    ids=["at-start", "short-prefix", "long-prefix", "forward"],
)
def test_a_block_reads_the_same_wherever_it_stands(before: str) -> None:
    attributions_module._block_in.cache_clear()
    alone = _blocks(before + BLOCK)
    assert len(alone) == 1
    found = alone[0]
    assert found.who == "Ann Lee <ann@example.org>"
    assert found.date_text == "Thursday, June 5, 2025 10:22 AM"
    assert found.forward == ("Forwarded" in before)
    # The same text three times over (the memo answers the second and third).
    unit = before + BLOCK + "the reply text\n"
    text = unit * 3
    assert _blocks(text) == [_moved(found, k * len(unit)) for k in range(3)]


def test_a_block_whose_last_line_runs_past_the_window_is_read_in_the_whole_text() -> None:
    tail = "word " * 600  # no line end within the window and its margin
    text = (
        "From: Ann Lee Sent: Thursday, June 5, 2025 10:22 AM Subject: Re: x To: list@example.org "
        + tail
    )
    for copy in range(2):
        attributions_module._block_in.cache_clear()
        found = _blocks(("\n" * copy) + text)
        assert len(found) == 1
        assert found[0].start == copy
        # The last field's value runs to the end of its line: the end of the text here.
        assert found[0].subject == "Re: x"
        assert attrs.asdict(found[0])["who"] == "Ann Lee"


def test_a_from_label_without_a_block_is_skipped_and_the_next_block_found() -> None:
    text = "From: nobody in particular\n" * 3 + BLOCK
    found = _blocks(text)
    assert [f.start for f in found] == [text.index(BLOCK)]
