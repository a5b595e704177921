"""Signatures at the end of the author's text: sign-offs, names, mobile and contact blocks.

`_signature_pass` reads the end of the author's last stretch of new text, line by line (the
runs of text lines `assign` made one span are split back first, `_split_last_runs`), and moves
a sign-off and what follows it, a name alone, or (inside a flattened last line) a sign-off or
mobile signature to SIGNATURE.

Imports `spans`.
"""

from __future__ import annotations

import regex

from wsisdedup.patterns import quotes as Q
from wsisdedup.segment.spans import K, _Span

# How far from the end of the author's text a signature is looked for inside a flattened line.
_TAIL_WINDOW = 1000
_SIGNOFF_TAIL_CHARS = 400
_SIGNOFF_TAIL_LINES = 12


_CONTACT = regex.compile(
    r"\+?\d[\d ()./-]{6,20}\d|[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{2,60}|https?://|www\.|\|"
    r"|\b(?:Tel|Phone|Mobile|Mob|Cell|Fax|Tél|Telefon|Tlf|Puh|Тел)\b",
    regex.IGNORECASE,
)
_NAME_LINE = regex.compile(
    # "Bob", "Jonathan.", "Mary Ann Smith", optionally after dashes ("-- Rex", "- - Alex" in a
    # PGP-signed message, "~spot", "--- David A. Wheeler") or between them ("- Panu -").
    r"(?:(?:- )?[-–—~/]{1,3}[ \t]?)?\p{Lu}[\p{L}.'’-]{0,30}(?:[ \t]\p{Lu}[\p{L}.'’-]{0,30}){0,2}"
    r"[.,]?(?:[ \t][-–—])?"
    # "-ajax", "- owen", "~spot": any case after a dash or tilde
    r"|(?:- )?[-–—~/]{1,3}[ \t]?\p{L}[\p{L}.'’-]{0,30}(?:[ \t]\p{L}[\p{L}.'’-]{0,30}){0,2}"
    # "kevin": one lower-case word (checked against NOT_NAMES)
    r"|\p{Ll}{2,12}"
    # Chinese, Japanese, Korean names: two to four characters, or family and given name apart
    # ("王伟", "佐藤", "田中 健"; checked against NOT_NAMES)
    r"|[\p{Han}\p{Hangul}]{2,4}|[\p{Han}\p{Hangul}]{1,3}[ \u3000][\p{Han}\p{Hangul}]{1,3}"
)
_INLINE_SEPARATOR = regex.compile(r"(?<=\s)(?:-{5,100}|_{5,100}|={5,100})(?=\s)")


def _signature_pass(text: str, spans: list[_Span]) -> list[_Span]:
    """Move the sign-off, name and contact block ending the author's last new text to SIGNATURE."""
    spans = _split_last_runs(text, spans)
    new = K.NEW
    last = len(spans) - 1
    while last >= 0 and spans[last].kind is not new:
        last -= 1
    if last < 0:
        return spans
    # The new text of the last stretch of new text and blank space, read from its end: only
    # its last `_SIGNOFF_TAIL_LINES + 1` spans are read below, and whether more come before
    # them; so a long stretch is not walked to its start.
    run: list[int] = []
    k = last
    while k >= 0 and len(run) <= _SIGNOFF_TAIL_LINES + 1:
        kind = spans[k].kind
        if kind is new:
            run.append(k)
        elif kind is not None:
            break
        k -= 1
    run.reverse()
    # (When the stretch goes on, `new_before` is never read: `pos > 0`, `len(run) > 1`.)
    long_run = len(run) > _SIGNOFF_TAIL_LINES + 1
    new_before = long_run or any(sp.kind is new for sp in spans[: k + 1])

    # Whole lines: "Best regards,\nName\nTitle\nPhone" or "-- Name" at the end. A sign-off
    # is at most _SIGNOFF_TAIL_LINES from the end, so only those lines are looked at.
    skip = max(0, len(run) - _SIGNOFF_TAIL_LINES - 1)
    for pos, k in enumerate(run[skip:], start=skip):
        line = text[spans[k].start : spans[k].end].strip()
        if not (new_before or pos > 0):
            continue
        tail = run[pos:]
        if _is_signoff_line(line) or (
            _is_separator_line(line)
            and any(_CONTACT.search(text[spans[t].start : spans[t].end]) for t in tail[1:])
            and not any(Q.PATCH_LINE.match(text, spans[t].start, spans[t].end) for t in tail)
        ):
            stop = _tail_stop(text, spans, tail)
            if stop is not None:
                for t in tail[:stop]:
                    spans[t].kind = K.SIGNATURE
                return spans
    # A name alone after a blank line, or with a dash: "\n\nBob\n", "-- Rex", "~Jane".
    k = run[-1]
    line = text[spans[k].start : spans[k].end].strip()
    if (
        (new_before or len(run) > 1)
        and len(line) <= 30
        and _NAME_LINE.fullmatch(line)
        and line.strip("-–—~ .,").lower() not in Q.NOT_NAMES
    ):
        prev = text[spans[k - 1].start : spans[k - 1].end].strip() if k > 0 else ""
        prev_rule = k > 0 and spans[k - 1].kind is K.NEW and Q.SEPARATOR_LINE.fullmatch(prev)
        if _blank_line_before(text, spans[k].start) or line[0] in "-–—~/" or prev_rule:
            spans[k].kind = K.SIGNATURE
            if prev_rule:
                spans[k - 1].kind = K.SIGNATURE
            return spans
    # Inside the last line: a flattened body ends with "... Best regards Name Sent from ...".
    return _inline_signature(text, spans, k, new_before or len(run) > 1)


def _split_last_runs(text: str, spans: list[_Span]) -> list[_Span]:
    """Split the end of the author's last stretch of new text back into one span a line, as
    `_signature_pass` reads it (`_Span.run`, `_join_text_runs`).

    It reads at most the last `_SIGNOFF_TAIL_LINES + 1` spans of new text, and whether one comes
    before them, so only that many lines (and one more) are split.
    """
    new = K.NEW
    last = len(spans) - 1
    while last >= 0 and spans[last].kind is not new:
        last -= 1
    need = _SIGNOFF_TAIL_LINES + 2
    tail: list[_Span] = []  # backwards
    split = False
    k = last
    while k >= 0 and need > 0:
        sp = spans[k]
        if sp.kind is not new and sp.kind is not None:
            break
        k -= 1
        if not sp.run:
            if sp.kind is new:
                need -= 1
            tail.append(sp)
            continue
        split = True
        end = sp.end
        while need > 0 and end > sp.start:
            nl = text.rfind("\n", sp.start, end - 1)
            start = nl + 1 if nl >= 0 else sp.start
            tail.append(_Span(start, end, new))
            need -= 1
            end = start
        if end > sp.start:
            tail.append(_Span(sp.start, end, new, run=True))
    if not split:
        return spans
    return [*spans[: k + 1], *reversed(tail), *spans[last + 1 :]]


def _blank_line_before(text: str, start: int) -> bool:
    """Is the line before the one starting at `start` blank (and not the start of the text)?"""
    if start < 2 or text[start - 1] != "\n":
        return False
    prev_start = text.rfind("\n", 0, start - 1) + 1
    return prev_start > 0 and not text[prev_start : start - 1].strip()


def _is_signoff_line(line: str) -> bool:
    # A sign-off line starts, after at most a few dashes, with a sign-off word: its first two
    # letters rule out most lines without the pattern (which costs a few µs a line).
    return (
        len(line) <= 60
        and line.lstrip("-–—~ \t")[:2].lower() in _SIGNOFF_STARTS
        and Q.SIGNOFF_LINE.fullmatch(line) is not None
    )


_SIGNOFF_STARTS = frozenset(word[:2] for word in Q.SIGNOFF_WORDS)


def _is_separator_line(line: str) -> bool:
    # A stripped separator line starts with one of these: most lines need no pattern call.
    return line[:1] in "-_=~*" and Q.SEPARATOR_LINE.fullmatch(line) is not None


def _tail_stop(text: str, spans: list[_Span], tail: list[int]) -> int | None:
    """How many lines of `tail` are signature: all, up to a P.S., or None if it is too long."""
    stop = len(tail)
    for idx, t in enumerate(tail[1:], start=1):
        if Q.POSTSCRIPT.match(text, spans[t].start, spans[t].end):
            stop = idx
            break
    if stop > _SIGNOFF_TAIL_LINES:
        return None
    chars = sum(spans[t].end - spans[t].start for t in tail[:stop])
    if chars > 1500:
        return None
    # A sentence after the sign-off means the author went on writing: not a signature.
    for t in tail[1:stop]:
        line = text[spans[t].start : spans[t].end].strip()
        if line.endswith("?") or (line.endswith((".", "!")) and len(line.split()) >= 8):
            return None
    return stop


def _inline_signature(text: str, spans: list[_Span], k: int, allow_start: bool) -> list[_Span]:
    sp = spans[k]
    lo = max(sp.start, sp.end - _TAIL_WINDOW)
    body_end = sp.end
    cuts: list[int] = []
    at = _inline_mobile_start(text, lo, body_end)
    if at is not None and (at > sp.start or allow_start):
        cuts.append(at)
        body_end = at
    sig_at = _inline_signoff(text, max(lo, sp.start), body_end, sp.start, allow_start)
    if sig_at is not None:
        cuts.append(sig_at)
    if not cuts:
        return spans
    cut = min(cuts)
    if cut <= sp.start:
        sp.kind = K.SIGNATURE
        return spans
    head = _Span(sp.start, cut, K.NEW)
    tail = _Span(cut, sp.end, K.SIGNATURE)
    return [*spans[:k], head, tail, *spans[k + 1 :]]


def _inline_mobile_start(text: str, lo: int, hi: int) -> int | None:
    """Where `Q.INLINE_MOBILE_SIGNATURE.search(text, lo, hi)` starts, or None.

    On a window longer than `_MOBILE_ROWS_FROM` (the last line of a flattened body) each row
    is searched alone and the leftmost start kept: the alternation's own search costs several
    times more there (`Q.inline_mobile_signature_rows`), and on a short window less than
    forty searches do. Both give the same start: the alternation matches at the first
    position where any of its rows can, which is the least of the rows' leftmost starts.
    """
    if hi - lo <= _MOBILE_ROWS_FROM:
        m = Q.INLINE_MOBILE_SIGNATURE.search(text, lo, hi)
        return None if m is None else int(m.start())
    return _mobile_start_by_rows(text, lo, hi)


def _mobile_start_by_rows(text: str, lo: int, hi: int) -> int | None:
    best: int | None = None
    for row in Q.inline_mobile_signature_rows():
        m = row.search(text, lo, hi)
        if m is not None and (best is None or m.start() < best):
            best = int(m.start())
    return best


# Characters of a window above which `_inline_mobile_start` searches the rows one by one. Their
# searches cost what the alternation's does from about 48 characters, but compiling them costs
# some 17 ms (once a process): from 256 each window saves 40 us or more, up to 280 at 1,000
# characters, and the bodies of most archives never need them (5 of 20,000 synthetic ones).
_MOBILE_ROWS_FROM = 256


def _inline_signoff(text: str, lo: int, hi: int, start: int, allow_start: bool) -> int | None:
    for m in Q.INLINE_SIGNOFF.finditer(text, lo, hi):
        at = int(m.start())
        if hi - at <= _SIGNOFF_TAIL_CHARS and (at > start or allow_start):
            return at
    m2 = Q.INLINE_SIGNOFF_WEAK.search(text, max(lo, hi - 80), hi)
    if m2 is not None and (m2.start() > start or allow_start):
        return int(m2.start())
    for m3 in _INLINE_SEPARATOR.finditer(text, lo, hi):
        if _CONTACT.search(text, m3.end(), hi):
            return int(m3.start())
    return None
