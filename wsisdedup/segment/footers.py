"""Mailing-list footers: known templates and footers learnt from repetition.

A list manager appends the same footer to every message it sends out, so a footer is never the
author's words, neither at the end of a message nor inside the quote of an earlier one, where a
reply carries it along (with `>` markers, re-wrapped, or flattened onto one line by an archive's
web page). Both jobs therefore work on canonical text (`wsisdedup.text.normalise`), in which all
those copies are equal, and map matches back to the body with the canonical offsets.

- `footer_spans(text, learned)` finds the footers of the known list managers (the table in
  `wsisdedup.patterns.footers`) and any footer learnt from the archive.
- `learn_footers(bodies)` finds a list's own footer: a trailing block, starting at a separator
  line, that ends many bodies of the archive. The WSIS+20 list's privacy notice is such a
  footer; so is any Mailman footer a list owner rewrote.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable, Iterable, Sequence

from wsisdedup.patterns.footers import (
    FOOTER_TEMPLATES,
    SEPARATOR_PAIR,
    SEPARATOR_WORD,
    WORDED_LINE,
)
from wsisdedup.text.normalise import SEPARATOR_LENGTH, Canonical, canonical

__all__ = ["footer_spans", "learn_footers"]

_TAIL_CHARS = 8_000
"""How much of the end of each body the learner reads: enough for any footer and its quotes."""

_LIST_WORDS = ("list", "subscri", "mailman", "listserv", "group", "archive", "digest")
"""A learnt footer must mention one of these: list footers talk about the list (and a
prolific author's signature, which also ends many bodies, does not)."""

_MIN_FOOTER_WORDS = 4

_CLOSING_WORDS = frozenset({"#####", "#", "##", "###", "####"})
"""LISTSERV frames its footer with `#` lines; quoting re-wraps them into short `#` words."""

_DEBRIS_WINDOW = 1500
"""How far a footer's broken link may run on before its closing separator line."""


def footer_spans(
    text: str,
    learned: Sequence[str] = (),
    *,
    canon: Canonical | None = None,
) -> tuple[tuple[int, int], ...]:
    """The `[start, end)` spans of `text` that are list footers, sorted and not overlapping.

    `learned` are footers from `learn_footers` (canonical text). Pass `canon` when the caller
    already has `canonical(text)`, to save a pass over the text.

    >>> body = "Thanks!\\n\\n> --\\n> devel mailing list\\n> devel@example.org\\n> " \\
    ...        "https://example.org/mailman/listinfo/devel\\n\\nSee you."
    >>> [body[a:b] for a, b in footer_spans(body)]  # doctest: +NORMALIZE_WHITESPACE
    ['--\\n> devel mailing list\\n> devel@example.org\\n>
      https://example.org/mailman/listinfo/devel']
    """
    c = canon if canon is not None else canonical(text)
    ct = c.text
    spans: list[tuple[int, int]] = []
    for template in FOOTER_TEMPLATES:
        anchor = template.anchor
        k = ct.find(anchor)
        while k >= 0:
            lo = max(0, k - template.before)
            hi = min(len(ct), k + len(anchor) + template.after)
            for m in template.pattern.finditer(ct, lo, hi):
                if m.start() <= k < m.end():
                    spans.append(_extend(ct, m.start(), m.end()))
                    break
            k = ct.find(anchor, k + 1)
    for footer in learned:
        if not footer:
            continue
        k = ct.find(footer)
        while k >= 0:
            end = k + len(footer)
            if (k == 0 or ct[k - 1] == " ") and (end == len(ct) or ct[end] == " "):
                spans.append((k, end))
            k = ct.find(footer, end)
    if not spans:
        return ()
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1] + 1:  # overlapping, or one space apart
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(c.span(a, b) for a, b in merged)


def _extend(ct: str, a: int, b: int) -> tuple[int, int]:
    """Extend a footer found at `ct[a:b]` over its closing `#` separator line.

    LISTSERV closes its footer with a line of `#`. Quoting may break the footer's link over
    several lines, so up to the closing line there can be pieces of it ("link debris"); they
    are taken in only when nothing but debris separates the footer from a closing line.
    """
    k = ct.find(" #####", b, b + _DEBRIS_WINDOW)
    if k < 0 or not all(_is_debris(w) for w in ct[b:k].split()):
        return a, b
    end = k + 1 + SEPARATOR_LENGTH
    while True:
        nxt = ct.find(" ", end + 1)
        word = ct[end + 1 : nxt if nxt >= 0 else len(ct)]
        if end >= len(ct) or word not in _CLOSING_WORDS:
            return a, end
        end += 1 + len(word)


def _is_debris(word: str) -> bool:
    """A piece of a link broken over lines: no letters-only word of prose."""
    return not word.isalpha() or len(word) <= 2


def learn_footers(
    bodies: Iterable[str],
    *,
    min_count: int = 3,
    min_share: float = 0.02,
    max_words: int = 200,
    sample: int = 5000,
    mapper: Callable[..., Iterable[str]] = map,
) -> tuple[str, ...]:
    """Footers (in canonical text) that end many bodies of one archive.

    A footer is learnt when at least `min_count` distinct bodies, and at least `min_share` of
    them, end with the same block of at most `max_words` canonical words that
    starts at a separator word (`_____`, `#####`, `--`, ...; see
    `wsisdedup.patterns.footers.SEPARATOR_WORD`) and mentions the list (`_LIST_WORDS`).
    Where the common ending holds several separators, the footer starts at the furthest one
    within `max_words`: a footer may have several parts (the WSIS+20 one has two).

    Only the last characters of each body are read, and at most `sample` bodies (a seeded
    reservoir sample, so the result is the same on every run): a footer common enough to
    matter shows in a sample. The endings are sorted backwards, word by word, so that bodies
    sharing an ending sit next to each other; a window of `min_count` neighbours then gives
    the longest ending they share, in time linear in the sample (plus the sort). Putting the
    sampled endings in canonical form is most of the work: `mapper` (called as the built-in
    `map`) may do it in other processes (`_ending` of each tail).

    >>> footer = "\\n_______________\\nWidgets mailing list\\nhttps://example.org/listinfo/widgets"
    >>> learn_footers(["Hi" + footer, "Yes.\\n> Hi" + footer, "No." + footer, "Hm."])
    ('_____ widgets mailing list example.org',)
    """
    rng = random.Random(0)
    tails: list[str] = []
    cut: list[bool] = []
    seen = 0
    distinct: set[int] = set()
    for body in bodies:
        # The same message archived twice must not count twice; different messages that end
        # with the same quoted text do count (their footers were added separately).
        key = hash(body)
        if key in distinct:
            continue
        distinct.add(key)
        seen += 1
        if len(tails) < sample:
            tails.append(body[-_TAIL_CHARS:])
            cut.append(len(body) > _TAIL_CHARS)
        else:
            j = rng.randrange(seen)
            if j < sample:
                tails[j] = body[-_TAIL_CHARS:]
                cut[j] = len(body) > _TAIL_CHARS
    # Only the tails that may end in a footer, or whose canonical form may be empty (they
    # must not be counted), are put in canonical form; the others count as bodies.
    chosen = [i for i, tail in enumerate(tails) if not _surely_footerless_words(tail)]
    endings: list[tuple[str, ...]] = []
    # One string for each distinct word: the endings hold up to `sample` x `max_words` words,
    # mostly the same few (a footer's, a quoted signature's). As separate strings they were
    # the read's peak on archives of some thousand messages (43 MB for 10,000 short bodies,
    # 5.7x their text); shared, the endings cost their pointers.
    shared: dict[str, str] = {}
    one = shared.setdefault
    chosen_tails, chosen_cut = [tails[i] for i in chosen], [cut[i] for i in chosen]
    for reversed_words in mapper(_ending, chosen_tails, chosen_cut, [max_words] * len(chosen)):
        last = reversed_words.split(" ")
        ending = tuple(map(one, last, last))
        if ending and ending != ("",):
            endings.append(ending)
    counted = len(endings) + len(tails) - len(chosen)
    need = max(min_count, math.ceil(min_share * counted))
    if counted < need or need < 1:
        return ()
    ordered = sorted(endings)
    common = _shared_prefixes(ordered, need)
    footers = {f for f in (_footer_of(prefix, max_words) for prefix in common) if f}
    # A footer that ends with another learnt footer is that footer plus text that happened to
    # precede it in the same few bodies: keep the shorter, more widely shared one.
    kept = [f for f in footers if not any(g != f and f.endswith(" " + g) for g in footers)]
    return tuple(sorted(kept))


def _surely_footerless_words(tail: str) -> bool:
    """Whether a body's tail surely has words in canonical form (an ending to count) and
    surely holds no footer, so that `learn_footers` need not put it in canonical form (most
    of its time: 86% of the sampled tails of the 20k synthetic archive, a third to a half of
    the corpus files', are skipped).

    Leaving such endings out of the sorted endings finds the same footers: the endings that
    share a footer hold its separator word and its list word, so they pass, and the endings
    between two that pass share what those two share, so a window of neighbours without the
    left-out ones shares only what its ends shared before. The test is on raw text, so it must
    answer "surely" only where canonical form cannot differ: a non-ASCII tail (folded dashes,
    zero-width characters inside words) is put in canonical form, and so is one with a
    separator and a link (a link is one word, its host, never a separator; but a gateway's
    rewritten link shows its host, which may name the list, only once decoded, and a link
    broken over two lines only once joined).
    """
    low = tail.lower()
    if not low.isascii():
        return False
    if SEPARATOR_PAIR.search(low) is not None:
        if "://" in low or "www." in low:
            return False
        starless = low.replace("*", "")  # canonical form drops `*` inside words
        if any(w in starless for w in _LIST_WORDS):
            return False
    # Two words of letters at the start of a line are two canonical words (one is left after
    # a cut), unless a placeholder (`[...]`) or a banner (`!---|`) blanks them out.
    return "[" not in low and "!-" not in low and WORDED_LINE.search(low) is not None


def _ending(tail: str, was_cut: bool, max_words: int) -> str:
    """The last `max_words` + 1 canonical words of a body's tail, last first, joined by
    spaces (one string: cheap to send back from another process)."""
    words = canonical(tail).text.split(" ")
    if was_cut:
        words = words[1:]  # the cut may have fallen inside a word or a link
    last = words[-(max_words + 1) :]
    last.reverse()
    return " ".join(last)


def _shared_prefixes(ordered: list[tuple[str, ...]], need: int) -> set[tuple[str, ...]]:
    """The longest prefixes shared by each run of `need` neighbours of the sorted `ordered`."""
    if need == 1:
        return set(ordered)
    lcp = [0] * len(ordered)  # lcp[i]: shared prefix length of ordered[i - 1] and ordered[i]
    for i in range(1, len(ordered)):
        x, y = ordered[i - 1], ordered[i]
        n = min(len(x), len(y))
        k = 0
        while k < n and x[k] == y[k]:
            k += 1
        lcp[i] = k
    out: set[tuple[str, ...]] = set()
    window: deque[int] = deque()  # indices into lcp, their values increasing: sliding minimum
    width = need - 1
    for i in range(1, len(ordered)):
        while window and lcp[window[-1]] >= lcp[i]:
            window.pop()
        window.append(i)
        if window[0] <= i - width:
            window.popleft()
        if i >= width:
            shared = lcp[window[0]]
            if shared >= _MIN_FOOTER_WORDS:
                out.add(ordered[i][:shared])
    return out


def _footer_of(reversed_words: tuple[str, ...], max_words: int) -> str:
    """The footer within a shared ending (words last to first), or "" if there is none."""
    start = -1
    for i, word in enumerate(reversed_words[:max_words]):
        if SEPARATOR_WORD.fullmatch(word):
            start = i
    if start < 0:
        return ""
    words = list(reversed(reversed_words[: start + 1]))
    # A quoted copy of the footer right before the list's own: keep one.
    for size in range(_MIN_FOOTER_WORDS, len(words) // 2 + 1):
        if words[-size:] == words[-2 * size : -size] and SEPARATOR_WORD.fullmatch(words[-size]):
            words = words[-size:]
            break
    if len(words) < _MIN_FOOTER_WORDS:
        return ""
    footer = " ".join(words)
    if not any(w in footer for w in _LIST_WORDS):
        return ""
    return footer
