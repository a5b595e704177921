"""Canonical text for matching (never for output), with a map back to the original.

Two copies of one paragraph rarely agree character for character. A reply re-wraps it and puts
`>` before each line; an HTML-to-text step wraps bold words in `*`; a security gateway rewrites
every link and Proofpoint adds a `[domain]` label after it; an archive cuts long links at 76
characters; one client writes curly quotes where another writes straight ones. The index must
see through all of that, so it works on a canonical form in which those differences are gone:

- lower case; Unicode quotes, dashes and spaces folded to ASCII;
- `>` quote markers and indentation at line starts removed; every run of white space is one
  space; no space at either end (a `>` inside a line is text: an arrow is the same in every
  copy, and only line starts carry quote markers);
- `*` (bold from HTML-to-text) removed; soft hyphens and zero-width characters removed; a
  list bullet standing alone (`-`, `·`, `•`) removed, since archives that flatten a message
  drop its bullets;
- a link is one token, its host after `wsisdedup.text.links.unwrap_url`, without `www.`: the host
  survives truncation at any length and every gateway, the path does not. A `[domain]` label or
  `<url>` right after a link (or label) repeats it and is dropped; a label on its own stands
  for its link (HyperKitty sometimes keeps only the label);
- placeholders (`[cid:...]`, `[image: ...]`, `[name.png]`) and Proofpoint warning banners
  count as white space;
- a run of five or more of `_ = # ~ + - *` (a separator line) is exactly five of them;
- `…` is `...`.

`Canonical.offsets` maps each canonical character back to the original text, so a match found
in canonical text is reported as a span of the body (`Canonical.span`).

Speed (docs/performance.md: every pass over the text costs about a tokenisation): the text is
folded with whole-string operations (`str.lower`, `str.replace` for the non-ASCII characters
present), special tokens are found with `str.find` for literals, and the lines are stripped
and joined with `map` and `str.join`, so a line without tokens costs no Python bytecode. Only
the lines holding tokens (links, `*`, odd white space, ...) are built piece by piece. The
offset map stores one entry per line and per token, not one per character. Blank lines are
dropped before any per-line step, and a block of lines whose text was seen before (a hostile
body of one line repeated) is a copy of its form, shifted (`canonical`).
"""

from __future__ import annotations

import functools
import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import accumulate, compress, repeat
from operator import add, or_, sub

import attrs

from wsisdedup.text import links
from wsisdedup.text.blocks import line_blocks, lower_lines
from wsisdedup.text.offsets import OffsetMap, Pieces, offset_type

__all__ = [
    "SEPARATOR_LENGTH",
    "Canonical",
    "OffsetMap",
    "canonical",
    "canonical_many",
    "host_token",
    "word_starts",
    "words",
]

SEPARATOR_LENGTH = 5
"""A separator run (`_____`, `#####`, ...) in canonical text has exactly this many characters."""

# Unicode characters folded one-to-one to ASCII, so that lengths (and offsets) do not change.
_FOLD: dict[str, str] = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u02bc\uff07", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\uff02", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys(
        "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
        "\u202f\u205f\u3000",
        " ",
    ),
    **dict.fromkeys("\u2028\u2029\x85", "\n"),
}
_ASCII_BYTES = bytes(range(128))
_FOLD_RE = re.compile("[" + "".join(_FOLD) + "]")

# A Proofpoint warning banner, also flattened onto one line; bounded so that a stray opening
# line costs at most 3,000 characters of look-ahead.
_BANNER_RE = re.compile(r"!-{8,}\|[\s\S]{0,3000}?\|-{8,}!")

# Token kinds of the scan (plain ints: they are compared in the innermost loop).
_URL = 0  # a bare link
_ANGLE = 1  # `<link>`
_MAILTO = 2  # `<mailto:address>`
_PLACEHOLDER = 3  # `[cid:...]`, `[image: ...]`, `[name.png]`: white space
_LABEL = 4  # Proofpoint's `[domain]`
_SEPARATOR = 5  # a run of five or more `_ = # ~ + - *`
_DROP = 6  # `*`, a lone list bullet, a zero-width character: removed
_ELLIPSIS = 7  # `…` -> `...`
_SPACE = 8  # a run of white space other than one ordinary space

# Scanning with one regex of alternatives runs at 1-2 MB/s in both `re` and `regex` (every
# alternative is tried at every position); `str.find` for a literal runs at hundreds of MB/s.
# So each kind of token is found by its own literal search over the whole text, and anchored
# patterns only measure the token where a search landed. These patterns use the stdlib `re`,
# not `regex`: measured on the corpora, it scans a character class about twice as fast, and
# they run on every body.
_URL_BODY_RE = re.compile(r'[^\s<>\[\]"]*')
_URL_TRAILING = ".,;:!?)'\"*"
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+.-")
_ANGLE_END_RE = re.compile(r"[^\s<>]{0,4000}>")
_BRACKET_RE = re.compile(
    r"\[(?:(cid:[^\]\s]{0,500}|image:[^\]\n]{0,500}"
    r"|[^\[\]\n]{1,200}\.(?:png|jpe?g|gif|bmp|tiff?|svg|emz|wmz))"
    r"|((?:[a-z0-9][a-z0-9-]{0,62}(?:\.|\[\.\])){1,10}[a-z][a-z0-9-]{1,62}))\]"
)
_SEPARATOR_RUNS = tuple((ch * SEPARATOR_LENGTH, re.compile(re.escape(ch) + "+")) for ch in "_=#~+-")
_STAR_RUN_RE = re.compile(r"\*+")
_BULLETS = "-\u00b7\u2022\u25e6\u25aa\u2023\u2219"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"

_HOST_RE = re.compile(
    r"(?:[a-z][a-z0-9+.-]{0,20}:)?/{0,3}(?:[^/?#@\s]{0,200}@)?([^/?#:\s\\<>\[\]]{0,255})"
)

# How far back a label or `<url>` may sit from the link it repeats (quote markers, a newline).
_REPEAT_WINDOW = 200


@attrs.frozen(kw_only=True)
class Canonical:
    """A canonical form of a text and the map back to the original.

    `offsets[i]` is the position in the original text of canonical character `i`;
    `offsets[len(text)]` is the end of the original text, so `offsets` has `len(text) + 1` items.
    Offsets never decrease. Build one with `canonical(text)`.
    """

    text: str
    offsets: Sequence[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the canonical span `[start, end)`.

        It runs from the first character's original position to the end of the last one's
        original stretch, so a span ending in a link token ends where the whole link ends.
        """
        offsets = self.offsets
        if end <= start:
            o = offsets[start]
            return o, o
        if isinstance(offsets, OffsetMap):
            return offsets[start], offsets.end_of(end - 1)
        return offsets[start], offsets[end - 1] + 1


def words(c: Canonical) -> tuple[str, ...]:
    """The words of a canonical text: it has single spaces and none at the ends, so splitting on
    one space is exact. Word `k` starts at canonical index `word_starts(c)[k]`."""
    return tuple(c.text.split(" ")) if c.text else ()


def word_starts(c: Canonical) -> tuple[int, ...]:
    """The canonical index at which each word of `words(c)` starts."""
    if not c.text:
        return ()
    lengths = [len(w) + 1 for w in c.text.split(" ")]
    return (0, *accumulate(lengths[:-1]))


def canonical(text: str) -> Canonical:
    """The canonical form of `text` (see the module docstring) with its offset map.

    >>> c = canonical("> Hello *World*,\\n> see <https://www.Example.org/a/b> [example.org]")
    >>> c.text
    'hello world, see example.org'
    >>> c.span(0, 5)
    (2, 7)
    """
    low, rare = _fold(text)
    # Offsets fit 32 bits in any text under 512 M characters (the canonical text may grow a
    # little: a short separator becomes a long one): half the memory of 64-bit ones, and a
    # body of short lines has an entry per line in each array.
    kind = offset_type(4 * len(text))
    builder = _LineBuilder(text=text, low=low, kind=kind)
    out = _Output(kind, builder)
    # A block whose text is that of an earlier block has its form, shifted: a body of a few
    # lines repeated (a hostile shape: `-`, `>`, PGP openers by the thousand) is a few blocks
    # in canonical form and copies of them, one hash of each block's text and a few array
    # copies, instead of Python work per line and per token.
    seen: dict[int, _Done] = {}
    for start, end in line_blocks(low, _BLOCK_CHARS):
        chunk = low[start:end]
        same = seen.get(hash(chunk))
        if (
            same is not None
            and same.end - same.start == end - start
            and low.startswith(chunk, same.start)
        ):
            out.repeat(same, start)
            continue
        mark = out.mark(start, end)
        out.add(_canonical_block(low, rare, start, end, builder))
        # Only a block whose lines read nothing of the lines before it and leave nothing for
        # the ones after (a link that a `[label]` or `<url>` on the next line repeats) has
        # the same form wherever it is; the last block keeps its line after the last break.
        if builder.links == mark.links and end < len(low):
            seen[hash(chunk)] = out.done(mark)
    lengths = out.lengths
    cstarts = array(kind, accumulate(map(add, lengths, repeat(1)), initial=0))
    if cstarts:
        cstarts.pop()
    offsets = OffsetMap(
        line_cstarts=cstarts,
        line_ostarts=out.ostarts,
        line_lengths=lengths,
        pieces=out.pieces,
        piece_cstarts=builder.cstarts,
        piece_ostarts=builder.ostarts,
        piece_oends=builder.oends,
        piece_exact=bytes(builder.exact),
        length=sum(lengths) + max(0, len(lengths) - 1),
        source_length=len(text),
    )
    return Canonical(text=" ".join(out.parts), offsets=offsets)


def canonical_many(texts: Sequence[str]) -> list[Canonical]:
    """`canonical` of each text, in order, the texts put in canonical form together.

    A short text costs `canonical` some 18 us however short it is (its builders, arrays and
    passes), more than its characters. The texts are joined, each after a line of its own
    (`_BARRIER`: nothing on it is a token, and a `[label]` cannot repeat a link across it),
    put in canonical form at once, and cut back at those lines (`OffsetMap.part`). No step of
    the canonical form reads across a line but that link repeat, and a Proofpoint banner,
    which may span lines: a text that may hold one is put in canonical form alone.
    """
    out: list[Canonical] = []
    together = [t for t in texts if "!-" not in t]
    if len(together) < 2:
        return list(map(canonical, texts))
    joined = canonical(_BARRIER.join(together))
    offsets = joined.offsets
    assert isinstance(offsets, OffsetMap)
    starts = offsets.line_ostarts
    start = first = 0
    for text in texts:
        if "!-" in text:
            out.append(canonical(text))
            continue
        barrier = start + len(text) + 1
        end = bisect_left(starts, barrier, first)
        part = offsets.part(first, end, start, len(text))
        cstart = offsets.line_cstarts[first] if end > first else 0
        out.append(Canonical(text=joined.text[cstart : cstart + part.length], offsets=part))
        start = barrier + len(_BARRIER) - 1
        first = end + 1 if end < len(starts) and starts[end] == barrier else end
    return out


_BARRIER = "\n\x00\n"
"""What `canonical_many` puts between two texts."""

_BLOCK_CHARS = 1 << 14
"""Characters of the text put into canonical form at a time (whole lines): the per-line lists
of one block are all that is held besides the result, so a body of millions of short lines
(`-`, `>`) costs a few times its size, not a hundred."""


@attrs.frozen(kw_only=True)
class _Done:
    """Where the form of the block `[start, end)` of the text went in the output (`_Output`):
    the ranges `[a, b)` of its entries in each list and array, so that a block of the same text
    can be given the same form by copying them (`_Output.repeat`)."""

    start: int
    end: int
    parts: tuple[int, int]
    lines: tuple[int, int]
    pieces: tuple[int, int]
    built: tuple[int, int]
    """Entries in the builder's piece arrays."""
    links: int
    """The builder's count of links when the block began (`_Output.mark`)."""


class _Output:
    """The canonical form being built a block at a time (`canonical`): the text of each block
    and the offset map's line arrays; the builder holds the piece arrays."""

    __slots__ = ("builder", "lengths", "ostarts", "parts", "pieces")

    def __init__(self, kind: str, builder: _LineBuilder) -> None:
        self.builder = builder
        self.parts: list[str] = []
        self.lengths: array[int] = array(kind)
        self.ostarts: array[int] = array(kind)
        self.pieces = Pieces(kind)

    def add(self, block: _Block) -> None:
        """Append the form of the next block."""
        for j in sorted(block.pieces):
            self.pieces.add(len(self.lengths) + j, *block.pieces[j])
        self.lengths.fromlist(list(map(len, block.kept)))
        self.ostarts.fromlist(block.ostarts)
        if block.kept:
            self.parts.append(" ".join(block.kept))

    def mark(self, start: int, end: int) -> _Done:
        """Where the block `[start, end)`, about to be added, begins (`done` ends it)."""
        ends = len(self.parts), len(self.lengths), len(self.pieces), len(self.builder.exact)
        return _Done(
            start=start,
            end=end,
            parts=(ends[0], ends[0]),
            lines=(ends[1], ends[1]),
            pieces=(ends[2], ends[2]),
            built=(ends[3], ends[3]),
            links=self.builder.links,
        )

    def done(self, mark: _Done) -> _Done:
        """The block `mark` began, now added."""
        return attrs.evolve(
            mark,
            parts=(mark.parts[0], len(self.parts)),
            lines=(mark.lines[0], len(self.lengths)),
            pieces=(mark.pieces[0], len(self.pieces)),
            built=(mark.built[0], len(self.builder.exact)),
        )

    def repeat(self, done: _Done, start: int) -> None:
        """Append the form of the block `done` again, for the same text at `start`: the same
        lines and pieces, their original offsets shifted (array copies, no work per line)."""
        shift = start - done.start
        p0, p1 = done.parts
        self.parts.extend(self.parts[p0:p1])
        l0, l1 = done.lines
        line_shift = len(self.lengths) - l0
        self.lengths.extend(self.lengths[l0:l1])
        self.ostarts.extend(map(add, self.ostarts[l0:l1], repeat(shift)))
        b = self.builder
        b0, b1 = done.built
        self.pieces.add_shifted(*done.pieces, line_shift, len(b.exact) - b0)
        b.cstarts.extend(b.cstarts[b0:b1])
        b.ostarts.extend(map(add, b.ostarts[b0:b1], repeat(shift)))
        b.oends.extend(map(add, b.oends[b0:b1], repeat(shift)))
        b.exact.extend(b.exact[b0:b1])


@attrs.frozen(kw_only=True)
class _Block:
    """The canonical lines of one block of the text (`_canonical_block`)."""

    kept: list[str]
    """The canonical form of each line that keeps any, in order."""
    ostarts: list[int]
    """The original index at which each kept line's content starts."""
    pieces: dict[int, tuple[int, int]]
    """Kept line (index in `kept`) -> its range in the builder's piece arrays, for the lines
    that hold tokens."""


def _canonical_block(
    low: str, rare: frozenset[str], start: int, end: int, builder: _LineBuilder
) -> _Block:
    """The lines of `low[start:end]` (whole lines) in canonical form."""
    lines = low[start:end].split("\n")
    if end < len(low):
        lines.pop()  # the block ends with a line break: what follows it is the next block's
    # After line j comes original index breaks[j] (its newline, or the end of the text).
    breaks = list(accumulate(map(add, map(len, lines), repeat(1)), initial=start))[1:]
    lefts = list(map(str.lstrip, lines, repeat(" >")))
    contents = list(map(str.rstrip, lefts, repeat(" ")))
    # A bullet alone on its line keeps nothing, as a blank line (archives that flatten a
    # message drop its bullets). Blank lines are dropped here, before any other step: a body
    # of a million `>`, `-` or tab lines then costs a few C passes over a list, and the steps
    # below (tokens, bullets, pieces) see only the lines that keep something.
    contents = list(map(_BLANK_BULLET.get, contents, contents))
    if not all(contents):
        breaks = list(compress(breaks, contents))
        lefts = list(compress(lefts, contents))
        contents = list(compress(contents, contents))
    starts = list(map(sub, breaks, map(add, map(len, lefts), repeat(1))))
    pieces: dict[int, tuple[int, int]] = {}
    special = _special_lines(low, rare, starts, contents, (start, end))
    for j in sorted(special):
        a = starts[j]
        tokens = special[j]
        if (
            len(tokens) == 1
            and tokens[0][:2] == (a, a + len(contents[j]))
            and (tokens[0][2] in (_DROP, _PLACEHOLDER))
        ):
            # The whole line is one token that keeps nothing (a `*`, a `[cid:...]`
            # placeholder): it needs no pieces.
            contents[j] = ""
            continue
        lo = len(builder.exact)
        contents[j] = builder.build(a, a + len(contents[j]), special[j])
        pieces[j] = (lo, len(builder.exact))
    if all(contents):
        return _Block(kept=contents, ostarts=starts, pieces=pieces)
    kept_lines = list(compress(range(len(contents)), contents))
    return _Block(
        kept=list(compress(contents, contents)),
        ostarts=list(compress(starts, contents)),
        pieces={bisect_left(kept_lines, j): p for j, p in pieces.items() if contents[j]},
    )


_BLANK_BULLET = dict.fromkeys(_BULLETS, "")
"""A line that is a list bullet alone -> the empty line (`_canonical_block`)."""


def _special_lines(
    low: str,
    rare: frozenset[str],
    starts: list[int],
    contents: list[str],
    block: tuple[int, int],
) -> dict[int, list[tuple[int, int, int]]]:
    """The tokens of each line of the block that has any, by line number in `contents` (the
    block's lines that keep something, stripped; line j starts at original index
    `starts[j]`)."""
    special: dict[int, list[tuple[int, int, int]]] = {}
    for token in _scan(low, rare, *block):
        j = bisect_right(starts, token[0]) - 1
        if j >= 0 and token[0] < starts[j] + len(contents[j]):
            special.setdefault(j, []).append(token)
        # else: white space in the indentation, after a line's end or on a blank line:
        # stripped anyway.
    # Runs of spaces inside a line (the ones around it are stripped already).
    for j in compress(range(len(contents)), map(str.__contains__, contents, repeat("  "))):
        a = starts[j]
        end = a + len(contents[j])
        tokens = special.setdefault(j, [])
        k = low.find("  ", a, end)
        while k >= 0:
            e = k + 2
            while low[e] == " ":
                e += 1
            tokens.append((k, e, _SPACE))
            k = low.find("  ", e, end)
        tokens.sort()
    # A list bullet at either end of a line (the scan finds those inside lines; a bullet
    # alone on its line is a blank line already).
    bullets = "".join(c for c in _BULLETS if c == "-" or c in rare)
    bullet_starts = tuple(f"{c} " for c in bullets)
    bullet_ends = tuple(f" {c}" for c in bullets)
    at_start = map(str.startswith, contents, repeat(bullet_starts))
    at_end = map(str.endswith, contents, repeat(bullet_ends))
    for j in compress(range(len(contents)), map(or_, at_start, at_end)):
        s, a = contents[j], starts[j]
        end = a + len(s)
        tokens = special.setdefault(j, [])
        if s.startswith(bullet_starts):
            tokens.insert(0, (a, a + 1, _DROP))
        if s.endswith(bullet_ends) and not (tokens and tokens[-1][1] >= end):
            tokens.append((end - 1, end, _DROP))
    return special


def _scan(low: str, rare: frozenset[str], start: int, end: int) -> list[tuple[int, int, int]]:
    """The tokens of the folded text's whole lines `[start, end)` as `(start, end, kind)`,
    sorted and not overlapping. No token crosses a line break, so each block of lines is
    scanned alone.

    `rare` holds the non-ASCII characters of the text, so that searches for absent ones are
    skipped.
    """
    found: list[tuple[int, int, int]] = []
    add = found.append

    def find(sub: str, at: int = start) -> int:
        return low.find(sub, at, end)

    for marker in ("://", "www.", "mailto:"):
        k = find(marker)
        while k >= 0:
            token = _link_token(low, k, marker)
            nxt = k + len(marker)
            if token is not None:
                add(token)
                # A marker inside this link would give a token inside it, which is dropped
                # below: searching on from its end keeps links packed end to end linear.
                nxt = max(nxt, token[1])
            k = find(marker, nxt)
    k = find("[")
    while k >= 0:
        m = _BRACKET_RE.match(low, k)
        if m:
            kind = _PLACEHOLDER if m.group(1) else _LABEL
            if kind == _PLACEHOLDER and found and found[-1][1:] == (k, _PLACEHOLDER):
                # Placeholders back to back are one stretch of white space: one token, so a
                # run of a million `[cid:x]` is not a million tokens.
                found[-1] = (found[-1][0], m.end(), _PLACEHOLDER)
            else:
                add((k, m.end(), kind))
        k = find("[", k + 1)
    k = find("*")
    while k >= 0:
        e = _STAR_RUN_RE.match(low, k).end()  # type: ignore[union-attr]
        add((k, e, _SEPARATOR if e - k >= SEPARATOR_LENGTH else _DROP))
        k = find("*", e)
    for literal, run in _SEPARATOR_RUNS:
        k = find(literal)
        while k >= 0:
            e = run.match(low, k).end()  # type: ignore[union-attr]
            add((k, e, _SEPARATOR))
            k = find(literal, e)
    for literal in [f" {c} " for c in _BULLETS if c == "-" or c in rare]:
        k = find(literal)
        while k >= 0:
            add((k + 1, k + 2, _DROP))
            k = find(literal, k + 2)
    for char in rare.intersection(_INVISIBLE + "\u2026"):
        kind = _ELLIPSIS if char == "\u2026" else _DROP
        k = find(char)
        while k >= 0:
            add((k, k + 1, kind))
            k = find(char, k + 1)
    found.sort(key=_token_order)
    tokens: list[tuple[int, int, int]] = []
    end = -1
    for token in found:
        if token[0] >= end:  # a token inside an earlier one (`*` in a link) is part of it
            tokens.append(token)
            end = token[1]
    return tokens


def _token_order(token: tuple[int, int, int]) -> tuple[int, int]:
    return token[0], -token[1]


def _link_token(low: str, k: int, marker: str) -> tuple[int, int, int] | None:
    """The link token around the `marker` found at `k`, or None if it is not a link."""
    if marker == "://":
        j = k
        while j > 0 and k - j < 12 and low[j - 1] in _SCHEME_CHARS:
            j -= 1
        if j == k or not low[j].isalpha():
            return None
    else:
        j = k
        if j > 0 and low[j - 1] not in " \t\n(<\"'[":
            return None  # inside a word, or the `www.` of a link already found
    lt = j - 1 if j > 0 and low[j - 1] == "<" else j - 2 if low[j - 2 : j] == "< " else -1
    if lt >= 0:
        m = _ANGLE_END_RE.match(low, k)
        if m:
            return lt, m.end(), _MAILTO if marker == "mailto:" else _ANGLE
    if marker == "mailto:":
        return None
    e = _URL_BODY_RE.match(low, k).end()  # type: ignore[union-attr]
    if not (low.endswith("...", j, e) or low.endswith("\u2026", j, e)):
        while e > k + len(marker) and low[e - 1] in _URL_TRAILING:
            e -= 1
    if e <= k + len(marker):
        return None
    return j, e, _URL


def _fold(text: str) -> tuple[str, frozenset[str]]:
    """`text` lower-cased with Unicode quotes, dashes and spaces and ASCII tabs folded, of the
    same length, and the set of non-ASCII characters left in it.

    `str.lower` keeps the length of every character but one (U+0130, dotted capital I, becomes
    two), so that one is replaced first. The non-ASCII characters are found by deleting ASCII
    bytes from the UTF-8 encoding (C speed); only those present are folded. Proofpoint banners
    become spaces.
    """
    if "\u0130" in text:
        text = text.replace("\u0130", "I")
    low = lower_lines(text)
    for control in "\t\f\v\r":  # white space other than the space, one for one
        if control in low:
            low = low.replace(control, " ")
    rare: frozenset[str] = frozenset()
    if not low.isascii():
        utf8 = low.encode("utf-8", "surrogatepass")
        rare = frozenset(utf8.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))
        folded = rare.intersection(_FOLD)
        # Each `str.replace` copies the string; one regex substitution visits each character
        # in slower code. Measured: up to a few characters of the 1-2 bytes kinds, replace.
        width = 4 if max(map(ord, rare)) > 0xFFFF else 2
        if len(folded) * width <= 16:
            for char in folded:
                low = low.replace(char, _FOLD[char])
        elif folded:
            low = _FOLD_RE.sub(_fold_match, low)
        rare = rare - folded
    if "!-" in low:
        low = _BANNER_RE.sub(_blank_match, low)
    return low, rare


def _fold_match(m: re.Match[str]) -> str:
    return _FOLD[m.group()]


def _blank_match(m: re.Match[str]) -> str:
    return " " * (m.end() - m.start())


@functools.lru_cache(maxsize=16384)
def host_token(url: str) -> str:
    """The canonical token of a link: its host after unwrapping, lower-cased, without `www.`.

    >>> host_token("https://www.G77.org/statement/getstatement.php?id=250528b")
    'g77.org'
    >>> host_token("https://publicadministration.desa.un.org/wsis20/1stPreparatoryMeetingStockta...")
    'publicadministration.desa.un.org'
    """
    unwrapped = links.unwrap_url(url).lower()
    m = _HOST_RE.match(unwrapped)
    host = m.group(1) if m else ""
    host = host.rstrip(".\u2026")
    if host.startswith("www."):
        host = host[4:]
    return host or "link"


def _label_host(label: str) -> str:
    """`[isoc.live]` or `[isoc[.]live]` -> `isoc.live`."""
    host = label[1:-1].replace("[.]", ".")
    return host[4:] if host.startswith("www.") else host


class _LineBuilder:
    """Builds the canonical form of one line that holds tokens. Internal to `canonical`.

    It is reused from line to line because one thing carries over: where the last link ended,
    since a Proofpoint label or `<url>` on the next line may repeat it.
    """

    __slots__ = (
        "clen",
        "cstarts",
        "exact",
        "last_link_end",
        "line_piece",
        "links",
        "low",
        "oends",
        "ostarts",
        "parts",
        "pend_o",
        "pending",
        "text",
    )

    def __init__(self, *, text: str, low: str, kind: str = "q") -> None:
        self.text = text
        self.low = low
        self.last_link_end = -(10**9)
        self.links = 0
        """Links built so far: lines with one depend on the lines before them, or affect the
        lines after (`_repeats_link`)."""
        # The pieces of every line, one after the other (`OffsetMap.piece_*`), in arrays of
        # type `kind` (`offset_type`).
        self.cstarts: array[int] = array(kind)
        self.ostarts: array[int] = array(kind)
        self.oends: array[int] = array(kind)
        self.exact = bytearray()
        self.parts: list[str] = []
        self.clen = 0
        self.line_piece = 0
        self.pending = False
        self.pend_o = 0

    def build(self, a: int, b: int, tokens: list[tuple[int, int, int]]) -> str:
        """The canonical form of the line `low[a:b]` with the scan's `tokens` in it; its
        pieces are appended to the shared arrays."""
        if all(kind == _SPACE for _, _, kind in tokens):
            return self._collapse_spaces(a, b, tokens)
        self.parts = []
        self.clen = 0
        self.line_piece = len(self.exact)
        self.pending = False
        low = self.low
        prev = a
        for s, e, kind in tokens:
            if s < prev:
                continue
            if s > prev:
                self._plain(prev, s)
            if kind in (_SPACE, _PLACEHOLDER):
                self._gap(s)
            elif kind == _URL:
                self._token(host_token(self.text[s:e]), s, e)
                self.last_link_end = e
                self.links += 1
            elif kind in (_ANGLE, _LABEL):
                self.links += 1
                if self._repeats_link(s):
                    self._gap(s)
                elif kind == _ANGLE:
                    self._token(host_token(self.text[s + 1 : e - 1].strip()), s, e)
                else:
                    self._token(_label_host(low[s:e]), s, e)
                self.last_link_end = e
            elif kind == _MAILTO:
                address = low[s + 1 : e - 1].strip()[7:].split("?", 1)[0]
                before = low[max(a, s - len(address) - 4) : s].rstrip(" \t<")
                if address and not before.endswith(address):
                    self._token(address, s, e)
                # else: Outlook's `a@b.org<mailto:a@b.org>` repeats the address: dropped.
            elif kind == _SEPARATOR:
                self._token(low[s] * SEPARATOR_LENGTH, s, e)
            elif kind == _ELLIPSIS:
                self._token("...", s, e, spaced=False)
            # _DROP: `*bold*` is `bold`; archives that flatten a message drop its list bullets.
            prev = e
        if prev < b:
            self._plain(prev, b)
        return "".join(self.parts)

    def _collapse_spaces(self, a: int, b: int, runs: list[tuple[int, int, int]]) -> str:
        """A line whose only tokens are runs of spaces: each run is one space, which stands
        for the run's first character and so extends the piece before it."""
        low = self.low
        segments = []
        prev = a
        clen = 0
        for s, e, _ in runs:
            segments.append(low[prev:s])
            self.cstarts.append(clen)
            self.ostarts.append(prev)
            self.oends.append(s + 1)
            self.exact.append(1)
            clen += s - prev + 1
            prev = e
        segments.append(low[prev:b])
        self.cstarts.append(clen)
        self.ostarts.append(prev)
        self.oends.append(b)
        self.exact.append(1)
        return " ".join(segments)

    def _repeats_link(self, s: int) -> bool:
        """Whether only white space (or quote markers) separates `s` from the last link."""
        gap_start = self.last_link_end
        if s - gap_start > _REPEAT_WINDOW or s < gap_start:
            return False
        return not self.low[gap_start:s].strip(" \t\r\n>")

    def _gap(self, o: int) -> None:
        if not self.pending:
            self.pending = True
            self.pend_o = o

    def _flush_space(self) -> None:
        if self.pending and self.clen:
            o = self.pend_o
            self.parts.append(" ")
            self._piece(o, o + 1)
            self.clen += 1
        self.pending = False

    def _plain(self, p: int, q: int) -> None:
        """Copy `low[p:q]`, which holds only single spaces, at most one at each end."""
        low = self.low
        if low[p] == " ":
            self._gap(p)
            p += 1
        trailing = q > p and low[q - 1] == " "
        if trailing:
            q -= 1
        if p < q:
            self._flush_space()
            self._piece(p, q)
            self.parts.append(low[p:q])
            self.clen += q - p
        if trailing:
            self._gap(q)

    def _token(self, token: str, s: int, e: int, *, spaced: bool = True) -> None:
        """`token` stands for the original `[s, e)`; spaced tokens are words of their own."""
        if spaced:
            self._gap(s)
        self._flush_space()
        self.cstarts.append(self.clen)
        self.ostarts.append(s)
        self.oends.append(e)
        self.exact.append(0)
        self.parts.append(token)
        self.clen += len(token)
        if spaced:
            self.pending = True
            self.pend_o = e

    def _piece(self, o_start: int, o_end: int) -> None:
        """Append an exact piece, merged into the previous one (of this line) where both are
        contiguous."""
        if len(self.exact) > self.line_piece and self.exact[-1] and self.oends[-1] == o_start:
            self.oends[-1] = o_end
            return
        self.cstarts.append(self.clen)
        self.ostarts.append(o_start)
        self.oends.append(o_end)
        self.exact.append(1)
