"""Pieces of body text that exercise the canonical form: quote markers, rules, emphasis,
links in their written forms, placeholders, invisible and typographic characters. The
hypothesis tests of the canonical form and of the match stage join them into bodies; each
adds the pieces its own property needs. Both also check that the block-wise form equals the
whole text's (`assert_blocks_give_the_whole_form`)."""

from __future__ import annotations

PIECES: tuple[str, ...] = (
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
    "[cid:img.png]",
    "\u2026",
    "\u200b",
    "\u2022 ",
    "\t",
)


def assert_blocks_give_the_whole_form(text: str, block: int) -> None:
    """`text` put into canonical form `block` characters of lines at a time gives the form of
    the whole text at once: its text, its offsets, and where each character ends."""
    from wsisdedup.text import normalise

    whole = normalise.canonical(text)
    saved = normalise._BLOCK_CHARS
    normalise._BLOCK_CHARS = block
    try:
        parts = normalise.canonical(text)
    finally:
        normalise._BLOCK_CHARS = saved
    assert parts.text == whole.text
    assert list(parts.offsets) == list(whole.offsets)
    for i in range(len(whole.text)):
        assert parts.offsets.end_of(i) == whole.offsets.end_of(i)  # type: ignore[attr-defined]
        assert parts.offsets.exact_at(i) == whole.offsets.exact_at(i)  # type: ignore[attr-defined]
