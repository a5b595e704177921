"""The passes that cut spans after the state machine: placeholders and list footers.

`_placeholder_pass` cuts bracketed placeholders ("[image: logo]", ...) out of the spans.
`_footer_pass` makes FOOTER of the list footers `wsisdedup.segment.footers.footer_spans` finds,
whatever they were before; `_footer_spans` first runs a cheap pre-check (`_may_hold_footer`)
that proves most bodies hold none, since `footer_spans` costs more than the rest of
`split_body`.

Imports `spans` and `footers`.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence

import regex

from wsisdedup.patterns import links as LP
from wsisdedup.patterns import quotes as Q
from wsisdedup.patterns.footers import FOOTER_TEMPLATES
from wsisdedup.segment.footers import footer_spans
from wsisdedup.segment.spans import K, _Span
from wsisdedup.text.blocks import lower_lines


def _placeholder_pass(text: str, spans: list[_Span]) -> list[_Span]:
    # Every placeholder starts with one of `Q.PLACEHOLDER_STARTS` (a `[` one ends with `]`):
    # spans holding none of those present in the text are kept without a search. Bounded `find`s
    # cost far less than the pattern's search.
    starts = [s for s in Q.PLACEHOLDER_STARTS if s in text and (s != "[" or "]" in text)]
    if not starts:
        return spans
    find = text.find
    out: list[_Span] = []
    keep = (None, K.PLACEHOLDER, K.FOOTER, K.ATTRIBUTION, K.FORWARD_HEADER)
    for sp in spans:
        if sp.kind in keep or sp.marked:
            out.append(sp)
            continue
        a, b = sp.start, sp.end
        for s in starts:
            if find(s, a, b) >= 0 and (s != "[" or find("]", a, b) >= 0):
                break
        else:
            out.append(sp)
            continue
        pos = a
        for m in Q.PLACEHOLDER.finditer(text, a, b):
            if m.start() > pos:
                out.append(_Span(pos, m.start(), sp.kind, sp.depth, sp.forward))
            elif out and out[-1].kind is K.PLACEHOLDER and out[-1].end == pos:
                # Placeholders back to back are one span (`_finish` would merge them): a span
                # each made a line of "[cid:x]" cost twenty times its size.
                out[-1].end = pos = m.end()
                continue
            out.append(_Span(m.start(), m.end(), K.PLACEHOLDER))
            pos = m.end()
        if pos < b:
            out.append(_Span(pos, b, sp.kind, sp.depth, sp.forward))
    return out


def _footer_spans(text: str, learned: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """`footer_spans(text, learned)`, skipped when `_may_hold_footer` proves it finds nothing:
    it canonicalises the whole body, which costs more than the rest of `split_body`."""
    if not _may_hold_footer(text, learned):
        return ()
    return footer_spans(text, learned)


def _may_hold_footer(text: str, learned: Sequence[str]) -> bool:
    """False only when `footer_spans(text, learned)` is sure to find nothing.

    `footer_spans` finds a template's anchor or a learnt footer in the canonical text
    (`wsisdedup.text.normalise.canonical`), so each run of letters `[a-z]` in them is there too. In
    canonical text such a run comes either from the lower-cased body, where at most `*` and
    invisible (format) characters stood inside it, or from one link token: the host of a link
    (in the body as written unless a gateway rewrote the link), an address, a `[domain]` label,
    or "link" for a link without a host. So when, for each anchor and learnt footer, one of its
    runs is missing from the lower-cased body without those characters, and no link sits on a
    gateway's host, there is nothing to find.
    """
    if "\u0130" in text:
        text = text.replace("\u0130", "I")  # as `canonical` does: "İ".lower() is two characters
    low = lower_lines(text)
    if "*" in low:
        low = low.replace("*", "")
    if not low.isascii():
        # The non-ASCII characters present, found at C speed (as `normalise` does).
        utf8 = low.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
        for char in set(utf8.decode("utf-8", "surrogatepass")):
            if unicodedata.category(char) == "Cf":
                low = low.replace(char, "")
    if "://" in low and _may_hold_rewritten_link(text):
        return True
    for runs in (*_TEMPLATE_RUNS, *map(_letter_runs, learned)):
        for run in runs:
            if run not in low:
                break
        else:
            return True
    return False


@functools.lru_cache(maxsize=1024)
def _letter_runs(canonical_text: str) -> tuple[str, ...]:
    """The runs of `[a-z]` in a piece of canonical text, longest (rarest) first, leaving out
    those a link without a host could stand for (`normalise.host_token` gives "link")."""
    runs = {run for run in _LETTERS.findall(canonical_text) if run not in "link"}
    return tuple(sorted(runs, key=lambda run: (-len(run), run)))


_LETTERS = regex.compile(r"[a-z]+")
_ASCII_BYTES = bytes(range(128))
_TEMPLATE_RUNS = tuple(_letter_runs(template.anchor) for template in FOOTER_TEMPLATES)

# The host part of a link after its `://`, as `wsisdedup.patterns.links.HOST` reads it: with or
# without user info before an `@`.
_LINK_HOST = regex.compile(r"[^/?#:\s]{1,253}")
_LINK_USER_INFO = regex.compile(r"[^/?#@\s]{0,256}@")


def _may_hold_rewritten_link(text: str) -> bool:
    """Could a link of `text` be one `wsisdedup.text.links.unwrap_url` rewrites?

    It rewrites only links whose host (after `://`, lower-cased) is a gateway's
    (`LP.REWRITER_HOST`). A link found in canonical text may end anywhere in its host (at a
    bracket, a quote, trimmed punctuation), so any gateway host at the start of the host part
    counts.
    """
    k = text.find("://")
    while k >= 0:
        after = k + 3
        hosts = [_LINK_HOST.match(text, after)]
        user = _LINK_USER_INFO.match(text, after)
        if user is not None:
            hosts.append(_LINK_HOST.match(text, user.end()))
        for host in hosts:
            if host is not None and LP.REWRITER_HOST.match(host.group().lower()):
                return True
        k = text.find("://", after)
    return False


def _cut(text: str, sp: _Span, a: int, b: int) -> _Span:
    """The part `a`-`b` of a span cut by a footer; blank space when it holds only white space
    (so that the signature pass, which runs next, sees where the author's text ends)."""
    if text[a:b].isspace():
        return _Span(a, b, None)
    return _Span(a, b, sp.kind, sp.depth, sp.forward, run=sp.run)


def _footer_pass(text: str, spans: list[_Span], footer: Sequence[tuple[int, int]]) -> list[_Span]:
    """FOOTER where `segment.footers` found a list footer, whatever the kind was before."""
    if not footer:
        return spans
    out: list[_Span] = []
    cuts = sorted((a, b) for a, b in footer if b > a)
    for sp in spans:
        if sp.marked:
            # A footer quoted with `>` is quoted text: every `>` line stays in a QUOTE.
            out.append(sp)
            continue
        pos = sp.start
        for a, b in cuts:
            if b <= pos or a >= sp.end:
                continue
            if a > pos:
                out.append(_cut(text, sp, pos, a))
            out.append(_Span(max(a, pos), min(b, sp.end), K.FOOTER))
            pos = min(b, sp.end)
        if pos < sp.end:
            out.append(_cut(text, sp, pos, sp.end))
    return out
