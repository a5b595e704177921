"""Long texts a block of whole lines at a time, so that a step's working copies stay bounded."""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["line_blocks", "lower_lines"]


def line_blocks(text: str, size: int) -> Iterator[tuple[int, int]]:
    """`[start, end)` ranges of whole lines of about `size` characters, covering `text`; each
    but the last ends just after a line break. An empty text is one empty block."""
    start, n = 0, len(text)
    while True:
        end = text.find("\n", start + size) + 1 if start + size < n else 0
        if end <= 0:
            yield start, n
            return
        yield start, end
        start = end


def lower_lines(text: str) -> str:
    """`text.lower()`, a block of lines at a time.

    On text that is not all ASCII, `str.lower` works in a buffer of three 4-byte characters
    per character of the text: 12 times the body at once. Blocks end just after a newline,
    which no case mapping reads across (final sigma looks at the letters around it), so the
    result is the whole text's.
    """
    if text.isascii() or len(text) <= _LOWER_BLOCK:
        return text.lower()
    return "".join(text[a:b].lower() for a, b in line_blocks(text, _LOWER_BLOCK))


_LOWER_BLOCK = 1 << 16
"""Characters `lower_lines` lowers at once."""
