"""Case folding of long texts in bounded memory."""

from __future__ import annotations

__all__ = ["lower_lines"]


def lower_lines(text: str) -> str:
    """`text.lower()`, a block of lines at a time.

    On text that is not all ASCII, `str.lower` works in a buffer of three 4-byte characters
    per character of the text: 12 times the body at once. Blocks end just after a newline,
    which no case mapping reads across (final sigma looks at the letters around it), so the
    result is the whole text's.
    """
    if text.isascii() or len(text) <= _LOWER_BLOCK:
        return text.lower()
    parts: list[str] = []
    start = 0
    while start < len(text):
        cut = text.find("\n", start + _LOWER_BLOCK)
        end = len(text) if cut < 0 else cut + 1
        parts.append(text[start:end].lower())
        start = end
    return "".join(parts)


_LOWER_BLOCK = 1 << 16
"""Characters `lower_lines` lowers at once."""
