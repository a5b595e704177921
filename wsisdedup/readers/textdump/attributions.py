"""Attributions in dump text: found inside flattened lines, their dates and names parsed.

A dump flattens each body onto one line, so an attribution ("On <date>, <name> wrote:", a
header block "From: ... Sent: ... Subject: ...") sits in the middle or at the end of a line,
not on a line of its own: this module finds where one starts and ends and of which kind it is
(`AttributionKind`). The name, address and date it prints are read by the segmenting stage's
`wsisdedup.segment.parse_attribution` (`_who_of`, `_when_of`); this module reads them itself
only where that reading does not fit a dump: a header block's From against its Reply-To, the
`via` mark that tells the list's own address, and ctime dates it does not read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Final

import attrs
import regex

from wsisdedup.patterns.quotes import (
    DATE_WORDS,
    FIELD_LABEL,
    FIELD_ROLES,
    MONTHS,
    TIMEZONES,
    WEEKDAYS,
)
from wsisdedup.readers.textdump.evidence import AttributionKind
from wsisdedup.segment import Attribution

# The look-back (characters) from an attribution verb to its head ("On", "Am", "Le", ...).
_HEAD_WINDOW: Final = 300
# A header block's fields lie within this many characters of its From label.
_BLOCK_WINDOW: Final = 1200
# The end of a line searched for an attribution that ends it (characters): a head, a block
# window and a subject fit.
_END_WINDOW: Final = 2000
# A header block ends its line when what follows its last label is this short (words).
_BLOCK_TAIL_WORDS: Final = 30

# The patterns that scan whole bodies use the stdlib `re`, which runs these alternations of
# literals several times faster than `regex` (measured on the seed repeated to 2 MB).
#
# Verbs that end an attribution whose name comes before them ("..., Ann wrote:").
_VERB_AFTER_NAME = re.compile(
    r"(?<=\s)(?:wrote|writes|said|a\s[ée]crit|ont\s[ée]crit|escribi[óo]|escreveu|"
    r"ha\sscritto|kirjoitti|napisał(?:\(a\)|a)?|pisze|napsal(?:\(a\)|a)?)\s?[:：]"
)
# Verbs followed by the name ("Am 5.1.2010 schrieb Max <m@x>:", "Den ... skrev Sven:").
_VERB_BEFORE_NAME = re.compile(
    r"(?<=\s)(?:schrieb|skrev|schreef)\s(?P<who>[^:：\n]{1,160}?)\s?[:：]"
)
# The word that opens a dated attribution, per language.
_HEAD = re.compile(
    r"(?:^|(?<=[\s*>(\[]))(?:On|Am|Le|El|Em|Il(?:\sgiorno)?|Op|Den|På|Dne|W\sdniu|Dnia)\s"
)
# Old Gmail: "2010/1/3 Karel Klic <kklic@redhat.com>:".
_DATED_NAME = re.compile(
    r"(?<!\S)(?P<date>\d{4}/\d{1,2}/\d{1,2})\s(?P<who>[^<>\n:]{1,80}?)\s?"
    r"<\s?(?P<addr>[^\s<>@]{1,64}@[^\s<>]{1,255}?)\s?>\s?:(?!\S)"
)
_ADDRESS = regex.compile(
    r"[<(\[]\s?(?:mailto:)?(?P<a>[^\s<>()\[\]@]{1,64}@[^\s<>()\[\]]{1,255}?)\s?[>)\]]"
)
_BARE_ADDRESS = regex.compile(r"(?<![\w.+'-])[\w.+'-]{1,64}@[\w-]{1,63}\.[\w.-]{1,200}")
_VIA = regex.compile(r"(?P<name>.{1,160}?)\s{1,3}via\s{1,3}(?P<list>\S{1,80})", regex.IGNORECASE)
_FORWARD_MARK = regex.compile(
    r"(?:Forwarded message|Begin forwarded message|Weitergeleitete Nachricht|Message transféré|"
    r"Mensaje reenviado|Messaggio inoltrato|Doorgestuurd bericht|Vidarebefordrat meddelande|"
    r"Videresendt melding|Videresendt besked)",
    regex.IGNORECASE,
)
# Words that end a name run read backwards from "wrote:" (the sentence before it).
_NOT_A_NAME = frozenset(
    "i we you he she they it someone everyone somebody who also and or but as that this".split()
)
_NAME_PARTICLES = frozenset("van von der den de la le da di du dos das del bin al ten ter".split())
_NAME_RUN = 4
_TOKEN = re.compile(r"\S+")


@attrs.frozen(kw_only=True)
class _Found:
    """An attribution located in a text, before any resolution."""

    kind: AttributionKind
    start: int
    end: int
    who: str
    reply_to: str = ""
    date_text: str = ""
    subject_start: int | None = None
    """Header blocks whose subject is the last field: where its value starts (its end is
    found later, where quoted text starts)."""
    subject: str = ""
    """Header blocks whose subject is followed by another field: its value."""
    forward: bool = False


def _find_attributions(text: str) -> list[_Found]:
    """Every attribution in `text`, in order; overlapping finds keep the earlier one."""
    found = [*_find_wrote(text), *_find_dated_names(text), *_find_blocks(text)]
    found.sort(key=lambda f: (f.start, -f.end))
    out: list[_Found] = []
    for f in found:
        if out and f.start < out[-1].end:
            continue
        out.append(f)
    return out


def _find_wrote(text: str) -> Iterator[_Found]:
    # An attribution never spans another one's verb: each look-back stops at the previous
    # verb, so a run of verbs costs one short look-back each (linear time).
    floor = 0
    for verb in _VERB_AFTER_NAME.finditer(text):
        if text[floor : verb.start()].isspace():
            # Nothing but blanks since the previous verb: no head, date or name to look back
            # for (a run of bare verb lines costs a slice each, not two look-backs).
            floor = verb.end()
            continue
        f = _dated_before(text, verb.start(), verb.end(), who_after=None, floor=floor)
        if f is not None:
            yield f
        elif not verb.group().startswith("said"):
            # "Iran said:" is prose; "Ann wrote:" is an attribution (if text is quoted after it:
            # checked where coverage is known).
            h = _headless(text, verb.start(), verb.end(), floor=floor)
            if h is not None:
                yield h
        floor = verb.end()
    floor = 0
    for verb in _VERB_BEFORE_NAME.finditer(text):
        f = _dated_before(text, verb.start(), verb.end(), who_after=verb.group("who"), floor=floor)
        floor = verb.end()
        if f is not None:
            yield f
        else:
            yield _Found(
                kind=AttributionKind.WROTE,
                start=verb.start(),
                end=verb.end(),
                who=verb.group("who"),
            )


def _dated_before(
    text: str, verb_start: int, end: int, *, who_after: str | None, floor: int = 0
) -> _Found | None:
    """An attribution with a head ("On", "Am", ...) and a date between the head and the verb
    (the head after `floor`)."""
    lo = max(floor, verb_start - _HEAD_WINDOW)
    heads = list(_HEAD.finditer(text, lo, verb_start))
    for head in reversed(heads):
        rest = text[head.end() : verb_start]
        cut = _date_prefix(rest)
        if cut == 0 or not any(ch.isdigit() for ch in rest[:cut]):
            continue
        if who_after is None:
            who = rest[cut:].strip(" \t\n,;")
            if not who:
                continue
            date_text = rest[:cut]
        else:
            who = who_after
            date_text = rest
        return _Found(
            kind=AttributionKind.WROTE,
            start=head.start(),
            end=end,
            who=who,
            date_text=date_text.strip(" \t\n,;"),
        )
    return None


def _headless(text: str, verb_start: int, end: int, *, floor: int = 0) -> _Found | None:
    """ "Ann Lee wrote:": the name is the run of name-like words right before the verb (after
    `floor`)."""
    lo = max(floor, verb_start - 160)
    tokens = [(m.group(), lo + m.start()) for m in _TOKEN.finditer(text, lo, verb_start)]
    address = ""
    start = verb_start
    if tokens and _ADDRESS.fullmatch(tokens[-1][0]):
        address, start = tokens.pop()
    run: list[tuple[str, int]] = []
    for token, at in reversed(tokens):
        bare = token.strip("\"'()*,")
        if len(run) >= _NAME_RUN or not bare:
            break
        if token.endswith((".", ",", ";", ":", "!", "?")) and not _is_initial(token):
            break
        if bare.casefold() in _NOT_A_NAME:
            break
        if not (bare[0].isupper() or bare.casefold() in _NAME_PARTICLES or token[0] in "\"'"):
            break
        run.append((token, at))
    if run:
        start = run[-1][1]
    who = " ".join(t for t, _ in reversed(run))
    if not who and not address:
        return None
    return _Found(kind=AttributionKind.WROTE, start=start, end=end, who=f"{who} {address}".strip())


def _is_initial(token: str) -> bool:
    return len(token) == 2 and token[0].isupper() and token[1] == "."


def _find_dated_names(text: str) -> Iterator[_Found]:
    for m in _DATED_NAME.finditer(text):
        yield _Found(
            kind=AttributionKind.DATED_NAME,
            start=m.start(),
            end=m.end(),
            who=f"{m.group('who')} <{m.group('addr')}>",
            date_text=m.group("date"),
        )


# From-role labels, capitalised as clients write them: a cheap first pass over long lines before
# the full label pattern runs on the window after each.
_FROM_LABEL = re.compile(
    r"(?:^|(?<=[\s>]))[*_]{0,2}(?:"
    + "|".join(
        regex.escape(k[:1].upper() + k[1:])
        for k in sorted(FIELD_ROLES, key=len, reverse=True)
        if FIELD_ROLES[k] == "from"
    )
    + r")[*_]{0,2}[ \u00a0]?[:：]"
)


# The first word of every date-role label (a superset of where FIELD_LABEL finds a date field).
_DATE_WORD = re.compile(
    "|".join(
        sorted(
            {re.escape(k.split()[0]) for k, role in FIELD_ROLES.items() if role == "date"},
            key=len,
            reverse=True,
        )
    ),
    re.IGNORECASE,
)
# Every to- and subject-role label where FIELD_LABEL would find it (at a line or word start,
# after `>` or `--`, with its colon), in any case. Their labels are short words ("a", "do",
# "an"), so unlike the date words they need the start and the colon to be rare.
_TO_LABEL = re.compile(
    r"(?:(?<=^)|(?<=[\s>])|(?<=--))[*_]{0,2}(?:"
    + "|".join(
        sorted(
            (re.escape(k) for k, role in FIELD_ROLES.items() if role in ("to", "subject")),
            key=len,
            reverse=True,
        )
    )
    + r")[*_]{0,2}[ \u00a0]?[:：]",
    re.IGNORECASE,
)


def _find_blocks(text: str) -> Iterator[_Found]:
    """Header blocks: a From label followed, within a bounded window, by date and to/subject."""
    pos = 0
    date: re.Match[str] | None = None
    to: re.Match[str] | None = None
    while True:
        start = _FROM_LABEL.search(text, pos)
        if start is None:
            return
        # A block needs a date label and a to or subject label in its window: the next word
        # that may begin each is found once and reused while it lies ahead (a run of From and
        # Date lines without the rest costs one search per label, not the label matches of
        # each window).
        if date is None or date.start() < start.start():
            date = _DATE_WORD.search(text, start.start())
            if date is None:
                return
        if to is None or to.start() < start.start():
            to = _TO_LABEL.search(text, start.start())
            if to is None:
                return
        if max(date.start(), to.start()) >= start.start() + _BLOCK_WINDOW:
            pos = start.end()
            continue
        at = start.start()
        lo = max(0, at - _FORWARD_LOOK_BACK)
        hi = at + _BLOCK_WINDOW + _LINE_MARGIN
        # The block is read from the text around it alone, and the reading is memoised by
        # that text: a thread quotes the same header blocks again in each reply.
        read = _block_in(text[lo:hi], at - lo, hi >= len(text))
        if read is None:  # its last line runs past the margin: read it in the whole text
            read = _block_at(text, at, complete=True)
            assert read is not None  # (the whole text is complete)
            lo = 0
        found, after = read
        if found is None:
            pos = start.end()
            continue
        yield found if lo == 0 else _shifted(found, lo)
        pos = after + lo


# Characters before a From label searched for a forward marker.
_FORWARD_LOOK_BACK: Final = 80
# Characters past a header block's window searched for the end of its last line.
_LINE_MARGIN: Final = 400
# Header blocks memoised by the text around them.
_BLOCK_MEMO: Final = 512


@functools.lru_cache(maxsize=_BLOCK_MEMO)
def _block_in(window: str, at: int, complete: bool) -> tuple[_Found | None, int] | None:
    """`_block_at` on the text around a From label (memoised: a few KB a window)."""
    return _block_at(window, at, complete=complete)


def _shifted(found: _Found, by: int) -> _Found:
    """`found` with its positions moved `by` characters on."""
    return attrs.evolve(
        found,
        start=found.start + by,
        end=found.end + by,
        subject_start=None if found.subject_start is None else found.subject_start + by,
    )


def _block_at(text: str, at: int, *, complete: bool) -> tuple[_Found | None, int] | None:
    """The header block whose From label starts at `at`, if there is one, and the end of its
    last label, where the search for the next goes on. `complete`: `text` runs to the end of
    the whole text (else None when the block's last line runs past `text`)."""
    # Labels are read lazily: the block ends at the first repeated role, so a run of From
    # lines costs two label matches each, not a window's worth.
    labels = FIELD_LABEL.finditer(text, at, at + _BLOCK_WINDOW)
    first = next(labels, None)
    if first is None or first.start() != at:
        return None, 0
    fields: list[tuple[str, regex.Match[str]]] = [("from", first)]
    for lab in labels:
        role = FIELD_ROLES.get(lab.group("label").lower(), "other")
        if role == "from" or any(r == role for r, _ in fields):
            break
        if lab.group("label")[0].isupper():
            fields.append((role, lab))
    roles = {r for r, _ in fields}
    if "date" not in roles or not roles & {"to", "subject"}:
        return None, 0
    values: dict[str, str] = {}
    for k, (role, lab) in enumerate(fields[:-1]):
        values[role] = text[lab.end() : fields[k + 1][1].start()].strip()
    last_role, last = fields[-1]
    line_end = text.find("\n", last.end())
    if line_end < 0:
        if not complete:
            return None
        line_end = len(text)
    if last_role == "subject":
        # The value's end is not marked in a flattened line: it is found later, where the
        # quoted text starts. The block itself ends where its subject's value begins.
        subject_start: int | None = last.end()
        end = last.end()
    else:
        subject_start = None
        end = last.end()
        values[last_role] = text[last.end() : line_end].strip()
    before = text[max(0, at - _FORWARD_LOOK_BACK) : at]
    found = _Found(
        kind=AttributionKind.HEADER_BLOCK,
        start=at,
        end=end,
        who=values.get("from", ""),
        reply_to=values.get("reply_to", ""),
        date_text=values.get("date", ""),
        subject_start=subject_start,
        subject=values.get("subject", ""),
        forward=_FORWARD_MARK.search(before) is not None,
    )
    return found, last.end()


def _line_attribution_end(line: str) -> _Found | None:
    """The attribution that ends `line` (a flattened body announcing its quoted tail)."""
    # Only the end of the line matters: an attribution (or a header block with its subject)
    # that ends it starts within this window.
    full = line.rstrip()
    shift = max(0, len(full) - _END_WINDOW)
    stripped = full[shift:]
    for f in reversed(_find_attributions(stripped)):
        if f.kind is AttributionKind.HEADER_BLOCK:
            # What follows the block's last label is its value (a subject), perhaps followed by
            # quoted text flattened into the same line: only a short rest ends the line.
            if len(stripped[f.end :].split()) > _BLOCK_TAIL_WORDS:
                return None
        elif f.end < len(stripped):
            return None
        subject_start = None if f.subject_start is None else f.subject_start + shift
        return attrs.evolve(
            f, start=f.start + shift, end=f.end + shift, subject_start=subject_start
        )
    return None


# Dates ------------------------------------------------------------------------------------------

_WHEN_TOKEN = regex.compile(
    r"(?P<ymd>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})(?!\d)"
    r"|(?P<dmy>\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?!\d)"
    r"|(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\s?(?P<ampm>[AaPp])\.?[Mm]\.?)?(?!\w)"
    r"|(?P<zone>(?:GMT|UTC)?[+-]\d{2}:?\d{2})(?!\d)"
    r"|(?P<word>[^\W\d_]+)\.?"
    r"|(?P<num>\d{1,4})(?:st|nd|rd|th)?\.?(?!\d)"
)
_WHEN_GAP = regex.compile(r"[\s,()]{0,20}")
_AMPM = frozenset({"am", "pm"})


@functools.lru_cache(maxsize=4096)
def _date_prefix(text: str) -> int:
    """How many leading characters of `text` are a date (0 if none): splits date from name.

    Memoised (as `_parse_who`): a dump repeats each attribution in every reply below it."""
    pos = 0
    end = 0
    month = weekday = False
    while True:
        gap = _WHEN_GAP.match(text, pos)
        pos = gap.end() if gap else pos
        m = _WHEN_TOKEN.match(text, pos)
        if m is None:
            return end
        word = m.group("word")
        if word is not None:
            w = word.casefold()
            if w in MONTHS and not month:
                month = True
            elif w in WEEKDAYS and not weekday and end == 0:
                weekday = True
            elif w in _AMPM or (w in TIMEZONES and end > 0):
                pass
            elif w in DATE_WORDS:
                # A gluing word ("at", "um", "kl.") belongs to the date only if more date follows.
                after = _WHEN_GAP.match(text, m.end())
                nxt = _WHEN_TOKEN.match(text, after.end() if after else m.end())
                if nxt is None or (
                    nxt.group("word") is not None
                    and not _is_date_word(nxt.group("word"), month=month)
                ):
                    return end
            else:
                return end
        elif m.group("dmy") or m.group("ymd"):
            month = True
        pos = end = m.end()


def _is_date_word(word: str, *, month: bool) -> bool:
    w = word.casefold()
    return (w in MONTHS and not month) or w in _AMPM or w in TIMEZONES


@attrs.frozen(kw_only=True)
class _When:
    local: datetime | None = None
    aware: datetime | None = None


def _parse_when(text: str) -> _When:
    """The date an attribution prints: naive wall-clock time, and aware if a zone is printed."""
    year = month = day = None
    hour = minute = second = None
    offset: int | None = None
    ambiguous = False
    for m in _WHEN_TOKEN.finditer(text):
        if m.group("ymd"):
            y, mo, d = (int(x) for x in regex.split(r"[-/.]", m.group("ymd")))
            year, month, day = year or y, month or mo, day or d
        elif m.group("dmy"):
            a, b, c = (int(x) for x in regex.split(r"[-/.]", m.group("dmy")))
            year = year or _full_year(c)
            if a > 12 >= b:
                day, month = a, b
            elif b > 12 >= a:
                month, day = a, b
            elif a == b:
                day = month = a
            else:
                ambiguous = True
        elif m.group("h") is not None and hour is None:
            hour, minute = int(m.group("h")), int(m.group("mi"))
            second = int(m.group("s")) if m.group("s") else 0
            ampm = (m.group("ampm") or "").lower()
            if ampm == "p" and hour < 12:
                hour += 12
            elif ampm == "a" and hour == 12:
                hour = 0
        elif m.group("zone"):
            z = m.group("zone").upper().removeprefix("GMT").removeprefix("UTC").replace(":", "")
            sign = -1 if z.startswith("-") else 1
            offset = sign * (int(z[1:3]) * 60 + int(z[3:5]))
        elif m.group("word"):
            w = m.group("word").casefold()
            if w in MONTHS and month is None:
                month = MONTHS[w]
            elif w in TIMEZONES and hour is not None and offset is None:
                offset = TIMEZONES[w]
        elif m.group("num"):
            v = int(m.group("num"))
            if len(m.group("num")) == 4 and year is None:
                year = v
            elif 1 <= v <= 31 and day is None:
                day = v
    if ambiguous or year is None or month is None or day is None:
        return _When()
    try:
        local = datetime(year, month, day, hour or 0, minute or 0, second or 0)
    except ValueError:
        return _When()
    if hour is None or offset is None or not -14 * 60 <= offset <= 14 * 60:
        return _When(local=local)
    return _When(local=local, aware=local.replace(tzinfo=timezone(timedelta(minutes=offset))))


def _when_of(parsed: Attribution | None, date_text: str) -> _When:
    """The time an attribution prints, read as the segmenting stage reads it (`parsed`, so
    that the thread stage compares like with like); this module's own reading where it finds
    none (`parse_attribution` reads no ctime date, "Fri Nov 30 12:17:04 2001", which pipermail
    pages pasted into a dump print in their header blocks)."""
    if parsed is not None and parsed.date is not None:
        if parsed.date.tzinfo is None or parsed.date.utcoffset() is None:
            return _When(local=parsed.date.replace(tzinfo=None))
        return _When(local=parsed.date.replace(tzinfo=None), aware=parsed.date)
    return _parse_when(date_text)


def _full_year(y: int) -> int:
    if y >= 100:
        return y
    return 2000 + y if y < 70 else 1900 + y


# Names ------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Who:
    name: str
    address: str
    via: str = ""
    """The list's name when the name was munged ("Ann via list")."""


@functools.lru_cache(maxsize=4096)
def _parse_who(raw: str) -> _Who:
    """Name, address and list of an attribution's "who" (memoised: the result is frozen)."""
    text = " ".join(raw.split())
    address = ""
    m = _ADDRESS.search(text)
    if m is not None:
        address = m.group("a")
        text = (text[: m.start()] + " " + text[m.end() :]).strip()
    else:
        b = _BARE_ADDRESS.search(text)
        if b is not None:
            address = b.group(0)
            text = (text[: b.start()] + " " + text[b.end() :]).strip()
    name = text.strip(" ,;:\"'*")
    if name.casefold() == address.casefold():
        name = ""
    via = _VIA.fullmatch(name)
    if via is not None:
        return _Who(name=via.group("name").strip(" \"'"), address=address, via=via.group("list"))
    return _Who(name=name, address=_clean_address(address))


def _who_of(f: _Found, printed: Attribution | None) -> _Who:
    """Who an attribution names. A line attribution ("On ..., Ann <a@b> wrote:") is read as
    the segmenting stage reads it (`printed`); a header block's From is read here, since which
    of From and Reply-To names the author depends on what the dump knows (the list addresses
    and the roster, see `_Quoting._author_of`); and so is the `via` mark, which tells the list's
    own address."""
    who = _parse_who(f.who)
    if f.kind is AttributionKind.HEADER_BLOCK or printed is None:
        return who
    return _Who(name=printed.name, address=_clean_address(printed.address), via=who.via)


def _clean_address(address: str) -> str:
    local, at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}" if at else address
