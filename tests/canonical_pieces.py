"""Pieces of body text that exercise the canonical form: quote markers, rules, emphasis,
links in their written forms, placeholders, invisible and typographic characters. The
hypothesis tests of the canonical form and of the match stage join them into bodies; each
adds the pieces its own property needs."""

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
