"""The one parser of attribution lines and reply header blocks, with the dates they hold.

`parse_attribution` reads "On <date>, <name> wrote:" lines (in the languages of
`wsisdedup.patterns.quotes.ATTRIBUTION_ROWS`) and `From: ... Date: ...` blocks; the text-dump
reader and the thread stage import it through `wsisdedup.segment`. `_match_attribution` is the
cheaper yes/no test the line tagger and the anchor search use, and `_forward_info` reads a
forward's header block. Dates are parsed here (`_parse_date`) because only attributions and
header blocks carry them in a body.

The lowest layer of the segment stage: it imports nothing from the other modules of it.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone

import attrs
import regex

from wsisdedup.model import ForwardInfo, Person
from wsisdedup.patterns import quotes as Q

__all__ = ["Attribution", "parse_attribution"]


@attrs.frozen(kw_only=True)
class Attribution:
    """Who wrote the quoted message and when, as an attribution line or header block says."""

    name: str = ""
    address: str = ""
    """Empty when the only address given is the list's (`Name via list <list@host>`)."""
    date_text: str = ""
    date: datetime | None = None
    """Aware when the attribution gives a zone or offset; naive otherwise."""


@functools.lru_cache(maxsize=4096)
def parse_attribution(text: str) -> Attribution | None:
    """Parse one attribution line ("On <date>, <name> wrote:") or reply header block.

    Memoised for the last few thousand texts (the result is frozen): the segmenter parses an
    attribution to decide what it is, and the pipeline parses the same text again just after
    for whom it names (`pipeline.attribution_refs`); a text dump repeats each attribution in
    every reply below it.

    Returns None when `text` is neither. ` via listname` is stripped from names; the address
    is then dropped too, being the list's and not the author's.

    >>> a = parse_attribution("On Thu, Jun 5, 2025 at 10:22 AM Alexey Trepykhalin via wsis20 "
    ...                       "<wsis20@icann.org> wrote:")
    >>> (a.name, a.address, a.date)
    ('Alexey Trepykhalin', '', datetime.datetime(2025, 6, 5, 10, 22))
    """
    flat = _clean_attribution(text)
    if not flat:
        return None
    fields = _parse_fields(flat)
    if fields is not None and "from" in fields:
        return _attribution_from_fields(fields)
    if len(flat) > Q.MAX_ATTRIBUTION_CHARS:
        return None
    for comment, pattern in _ROWS:
        m = pattern.fullmatch(flat)
        if m is None:
            continue
        day_first = not comment.startswith("en")
        groups = m.groupdict()
        date_text = (groups.get("date") or "").strip(" ,")
        name_text = groups.get("name") or ""
        if groups.get("rest"):
            date_text, name_text = _split_date_name(groups["rest"])
        person = _person(name_text)
        return Attribution(
            name=person.name,
            address=person.address,
            date_text=date_text,
            date=_parse_date(date_text, day_first=day_first),
        )
    return None


# ---------------------------------------------------------------------------------------------
# Attributions: is this line one?
# ---------------------------------------------------------------------------------------------

_ROWS: tuple[tuple[str, regex.Pattern[str]], ...] = tuple(
    (comment, regex.compile(pattern)) for comment, pattern in Q.ATTRIBUTION_ROWS
)
_HAS_DATE_OR_ADDRESS = regex.compile(r"\d|@")
_WS = regex.compile(r"\s+")


def _flat(s: str) -> str:
    return " ".join(s.split())


def _match_attribution(s: str, *, strong_only: bool, verb_inside: bool = False) -> bool | None:
    """None if `s` is no attribution; else whether it is strong (has a date or an address).

    A weak one ("Bob wrote:") must be short and name-like: it counts only before `>` lines.
    `verb_inside`: the caller found an `ATTRIBUTION_VERB_ANCHOR` match inside `s`, so the hint
    (which holds the anchor) needs no search.
    """
    if len(s) > Q.MAX_ATTRIBUTION_CHARS:
        return None
    if not verb_inside and Q.ATTRIBUTION_HINT.search(s) is None:
        return None
    flat = _flat(s.strip("*_ \t"))
    strong = _HAS_DATE_OR_ADDRESS.search(flat) is not None
    if strong_only and not strong:
        return None
    if not strong and len(flat) > 100:
        return None
    for _comment, pattern in _ROWS:
        if pattern.fullmatch(flat):
            return strong
    return None


# ---------------------------------------------------------------------------------------------
# Parsing attributions, header blocks and forwards
# ---------------------------------------------------------------------------------------------

_DECORATION = regex.compile(r"^[\s>|*_-]{0,40}")


def _clean_attribution(text: str) -> str:
    """One line of text: quote markers, stars and wrapping removed."""
    lines: list[str] = []
    for ln in text.splitlines():
        if lines and ln.lstrip().startswith(">") and _open_address(lines[-1]):
            # ">:" closing the address the line before left open (Gmail wraps inside it).
            lines.append(ln.strip())
        else:
            lines.append(_DECORATION.sub("", ln))
    flat = _flat(" ".join(lines))
    return flat.replace("*", "") if "*" in flat else flat


def _open_address(line: str) -> bool:
    lt = line.rfind("<")
    return lt >= 0 and ">" not in line[lt:] and "@" in line[lt:]


def _parse_fields(flat: str) -> dict[str, str] | None:
    """Header fields of a (flattened) reply header or forward block, by role."""
    # Two labels need two colons after a word (`Q.LABEL_COLON`): most attributions have one.
    if len(Q.LABEL_COLON.findall(flat)) < 2:
        return None
    labels = [
        (m.start(), m.end(), Q.FIELD_ROLES.get(m.group("label").lower(), "other"))
        for m in Q.FIELD_LABEL.finditer(flat)
    ]
    if len(labels) < 2:
        return None
    fields: dict[str, str] = {}
    for idx, (_a, b, role) in enumerate(labels):
        end = labels[idx + 1][0] if idx + 1 < len(labels) else len(flat)
        if role not in fields:
            fields[role] = flat[b:end].strip(" ,;")
    return fields


_VIA = regex.compile(r"\s+via\s+\S.{0,80}$", regex.IGNORECASE)
_ON_BEHALF = regex.compile(r"\bOn Behalf Of\s+(?P<who>.+)$", regex.IGNORECASE)


@functools.lru_cache(maxsize=1 << 12)
def _person(text: str) -> Person:
    """A name and address out of `"Name" <a@b>`, `Name via list <list@host>`, `a@b (Name)`...

    Memoised (the result is frozen): a list's authors are a few hundred people, and each
    attribution names one of them in the same words (a third of the attribution parser's
    time on the 20k synthetic archive was this function).
    """
    text = text.strip(" ,;:")
    behalf = _ON_BEHALF.search(text)
    if behalf is not None:
        return Person(name=_clean_name(behalf.group("who")), address="")
    address = ""
    m = Q.ADDRESS.search(text)
    if m is not None:
        address = m.group("a").strip()
        # All of them: Outlook writes "Name <a@b<mailto:a@b>>".
        text = Q.ADDRESS.sub(" ", text).replace("<>", " ").strip()
    name = _clean_name(text)
    lead = name.split(" ", 1)
    if len(lead) == 2 and lead[0].lower() in Q.NAME_LEAD_WORDS:
        name = lead[1]
    if _VIA.search(name):
        name = _clean_name(_VIA.sub("", name))
        address = ""
    if not name and address:
        name = ""
    return Person(name=name, address=address)


def _clean_name(text: str) -> str:
    text = text.strip(" ,;:()[]<>")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    return _flat(text.replace('\\"', '"')).strip(" ,;")


def _attribution_from_fields(fields: dict[str, str]) -> Attribution:
    person = _person(fields.get("from", ""))
    reply_to = fields.get("reply_to")
    if reply_to:
        # Mailman "from_is_list": From is the list, Reply-To the author. The list's address
        # shows up again in To or Cc.
        listy = (
            person.address
            and person.address.lower()
            in (fields.get("to", "") + " " + fields.get("cc", "")).lower()
        )
        if listy or not person.address:
            person = _person(reply_to)
    date_text = fields.get("date", "")
    return Attribution(
        name=person.name,
        address=person.address,
        date_text=date_text,
        date=_parse_date(date_text, day_first=False),
    )


def _forward_info(text: str) -> ForwardInfo:
    """The forwarded message's author, date and subject, from its header block."""
    flat = _clean_attribution(text)
    who = ""
    marker = Q.FORWARD_MARKER.search(flat)
    if marker is not None and marker.group("who"):
        who = marker.group("who")
    fields = _parse_fields(flat) or {}
    person = _person(fields.get("from", who))
    date_text = fields.get("date", "")
    return ForwardInfo(
        author=person,
        date=_parse_date(date_text, day_first=False),
        date_text=date_text,
        subject=fields.get("subject", ""),
    )


_TIME_TOKEN = regex.compile(
    r"(?:上午|下午|午前|午後|오전|오후)?\d{1,2}[:.h]\d{2}(?:[:.]\d{2})?(?:[AaPp]\.?[Mm]\.?)?"
)
_NUM_TOKEN = regex.compile(
    r"\d{1,4}(?:st|nd|rd|th|\.|年|月|日|일|월|년)?"
    r"|\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?|[+-]\d{4}|[+-]\d{2}:\d{2}|(?:GMT|UTC)[+-]?\d{0,2}(?::?\d{2})?"
    r"|\d{4}年\d{1,2}月\d{1,2}日\S{0,6}|\(\S{1,10}\)|（\S{1,4}）"
    r"|\d{1,2}-\p{L}{3,9}\.?-\d{2,4}"
)
_YEAR = regex.compile(r"(?<!\d)\d{4}(?!\d)")
_GLUE = frozenset(w for w in Q.DATE_WORDS if w not in ("am", "pm", "a.m.", "p.m."))


def _date_token(tok: str) -> bool:
    """Whether one word of an attribution can be part of its date."""
    return _date_word(tok)[0]


@functools.lru_cache(maxsize=1 << 12)
def _date_word(tok: str) -> tuple[bool, bool, bool]:
    """Whether one word of an attribution can be part of its date, holds a year, holds a
    time (memoised: attributions repeat their weekdays, months, years, times and names; the
    two searches, made for each word of each attribution, were a fifth of its parse)."""
    return _is_date_word(tok), _YEAR.search(tok) is not None, _TIME_TOKEN.search(tok) is not None


def _is_date_word(tok: str) -> bool:
    t = tok.strip(",;").rstrip(".")
    if not t:
        return True
    low = t.lower()
    if low in Q.WEEKDAYS or low in Q.MONTHS or low in ("am", "pm", "a.m", "p.m", "a.m.", "p.m."):
        return True
    if t.upper() == t and low in Q.TIMEZONES:
        return True
    return bool(_TIME_TOKEN.fullmatch(t) or _NUM_TOKEN.fullmatch(t))


def _split_date_name(rest: str) -> tuple[str, str]:
    """Split "Thu, Jun 5, 2025 at 10:22 AM Name <a@b>" into its date and its name."""
    rest = rest.replace("，", ", ")
    tokens = rest.split()
    k = 0
    year = time = False
    while k < len(tokens):
        tok = tokens[k]
        word = tok.lower().strip(",;").rstrip(".")
        if (word in Q.MONTHS or word in Q.WEEKDAYS) and year and (time or tokens[k - 1][-1] == ","):
            # After a full date, "Jan Kowalski" and "Sam Saffron" are names, not dates.
            break
        is_date, has_year, has_time = _date_word(tok)
        if is_date:
            year = year or has_year
            time = time or has_time
            k += 1
            continue
        m = k
        while m < len(tokens) and tokens[m].lower().strip(",") in _GLUE:
            m += 1
        if m > k and m < len(tokens) and _date_token(tokens[m]):
            k = m  # "a las", "alle ore", "at", "um" between date and time
            continue
        break
    return " ".join(tokens[:k]).strip(" ,"), " ".join(tokens[k:])


_D_YMD = regex.compile(r"(?<!\d)(\d{4})\s?[-/.年년]\s?(\d{1,2})\s?[-/.月월]\s?(\d{1,2})(?!\d)")
_D_NUM = regex.compile(r"(?<!\d)(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?!\d)")
_D_DMY = regex.compile(
    r"(?<![\d\p{L}])(\d{1,2})\.?[\s-](?:de\s)?(\p{L}{3,12})\.?,?[\s-](?:de\s)?(\d{4})(?!\d)"
)
_D_MDY = regex.compile(r"(?<!\p{L})(\p{L}{3,12})\.?\s(\d{1,2})(?:st|nd|rd|th)?,?\s(\d{4})(?!\d)")
_D_TIME = regex.compile(
    r"(?<![\d:])(?P<mer1>上午|下午|午前|午後|오전|오후)?\s?(?P<h>\d{1,2})[:.h](?P<m>\d{2})"
    r"(?:[:.](?P<s>\d{2}))?(?!\d)\s?(?P<mer2>[AaPp]\.?\s?[Mm]\.?(?!\w))?"
)
_D_OFFSET = regex.compile(r"(?:GMT|UTC)?\s?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?(?!\d)")
_D_ZONE = regex.compile(r"\b(?P<z>[A-Z]{1,5})\b")
_PM = ("p", "下午", "午後", "오후")


def _parse_date(text: str, *, day_first: bool) -> datetime | None:
    """A datetime out of the date forms mail clients write, in the languages of the tables.

    Aware when an offset or a known zone name is given. None when there is no full date.
    """
    if not text or len(text) > 200:
        return None
    ymd = _find_ymd(text, day_first)
    if ymd is None:
        return None
    (year, month, day), (a, b) = ymd
    rest = text[:a] + " " * (b - a) + text[b:]
    hour = minute = second = 0
    tail = rest
    t = _D_TIME.search(rest)
    if t is not None:
        hour, minute = int(t.group("h")), int(t.group("m"))
        second = int(t.group("s") or 0)
        mer = (t.group("mer1") or t.group("mer2") or "").lower()
        if mer:
            pm = mer.startswith(_PM)
            if pm and hour < 12:
                hour += 12
            elif not pm and hour == 12:
                hour = 0
        tail = rest[t.end() :]
    tz: timezone | None = None
    o = _D_OFFSET.search(tail)
    if o is not None and t is not None:
        minutes = int(o.group("h")) * 60 + int(o.group("m") or 0)
        if minutes <= 14 * 60:
            tz = timezone(timedelta(minutes=minutes if o.group("sign") == "+" else -minutes))
    if tz is None:
        for z in _D_ZONE.finditer(tail):
            offset = Q.TIMEZONES.get(z.group("z").lower())
            if offset is not None:
                tz = timezone(timedelta(minutes=offset))
                break
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None


def _find_ymd(text: str, day_first: bool) -> tuple[tuple[int, int, int], tuple[int, int]] | None:
    m = _D_YMD.search(text)
    if m is not None:
        return (int(m.group(1)), int(m.group(2)), int(m.group(3))), m.span()
    m = _D_NUM.search(text)
    if m is not None:
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        first_is_day = sep == "." or a > 12 or (day_first and b <= 12)
        if b > 12:
            first_is_day = False
        day, month = (a, b) if first_is_day else (b, a)
        return (_year(y), month, day), m.span()
    for m in _D_DMY.finditer(text):
        named = Q.MONTHS.get(m.group(2).lower())
        if named is not None:
            return (int(m.group(3)), named, int(m.group(1))), m.span()
    for m in _D_MDY.finditer(text):
        named = Q.MONTHS.get(m.group(1).lower())
        if named is not None:
            return (int(m.group(3)), named, int(m.group(2))), m.span()
    return None


def _year(y: int) -> int:
    if y >= 100:
        return y
    return 2000 + y if y < 70 else 1900 + y
