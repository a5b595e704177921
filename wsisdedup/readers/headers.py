"""Header values to model values: decoded text, people, message ids and dates.

Every function here takes the raw value `email` (policy compat32) returns and never raises:
archives hold malformed encoded words, dates in ctime form or with impossible offsets, and
addresses obfuscated by the archiver. A value that cannot be understood becomes empty (or None),
never an exception.
"""

from __future__ import annotations

import functools
import logging
import sys
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.header import decode_header
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import regex

from wsisdedup.model import Person
from wsisdedup.readers.charset import decode_bytes

__all__ = [
    "decode_value",
    "deobfuscate",
    "parse_date",
    "parse_ids",
    "parse_person",
    "parse_subject",
]

log = logging.getLogger(__name__)

_HEADER_MEMO = 1 << 12
"""From and Subject values whose parse is memoised (`parse_person`, `parse_subject`): the
messages of one author, or of one thread, then share one Person or subject string (and the
parse is done once). Both are pure functions of the raw values."""

# Mailman 2 writes `jjl at pobox.com` for `jjl@pobox.com` in pipermail archives. The host must
# have a dot, so "meet at noon.\n" style prose in a display name is left alone as far as possible.
_OBFUSCATED = regex.compile(
    r"(?<![\w.+\-])([\w.+\-=%&'/!#$*?^`{|}~]{1,64})"
    r" at ([A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,10})(?![\w\-])"
)
_WS = regex.compile(r"\s+")
_MAX_ADDRESS_FIELD = 4000
"""Characters of an address field looked at (RFC 5322 lines stop at 998)."""
_MAX_ENCODED = 16384
"""Characters of a header value searched for RFC 2047 encoded words."""
_ANGLE_ID = regex.compile(r"<\s*([^<>\s]{1,998})\s*>")
# DMARC mitigation by Mailman and Google Groups: `Name via listname <list@host>` or
# `'Name' via listname <list@host>`. The name is the author's; the address is the list's.
_VIA = regex.compile(r"^(?P<name>.+?) via (?P<list>\S[^<>]{0,200})$")
_QUOTED = regex.compile(r"^(['\"])(.*)\1$")
# An address written without angle brackets after or before a display name, as some LISTSERV
# exports and old clients write From: `"Last, First"   first.last@example.com`. parseaddr reads
# such a value as one odd address (or, with the comma, as two), so it is taken apart by hand.
_BARE_ADDRESS = regex.compile(
    r"(?<![^\s<(\[,;:\"'])"  # starts a word
    r"[\w.+'=%!#$&*/?^`{|}~-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,10}"
    r"(?=[\s>)\],;:\"']|$)"  # ends one
)
# The forms nearly every From header takes, `Name Words <local@domain>`, `"Any Name" <local@
# domain>` and a bare address, read without the standard library's general parser (a fifth of
# the reading time): only words, dots, hyphens and apostrophes in an unquoted name, no escapes
# in a quoted one, so `parseaddr` gives the same pair (a property test holds the two to it).
_SIMPLE_ADDRESS = r"[\w+-]+(?:\.[\w+-]+)*@[\w-]+(?:\.[\w-]+)+"
_SIMPLE_FROM = regex.compile(
    r"[ \t]*(?:"
    r"(?:\"(?P<quoted>[^\"\\\r\n]*)\"|(?P<name>[\w'.-]+(?:[ \t]+[\w'.-]+)*))"
    rf"[ \t]*<(?P<angle>{_SIMPLE_ADDRESS})>"
    rf"|(?P<bare>{_SIMPLE_ADDRESS})"
    r")[ \t]*"
)
_ADDRESS_ONLY = regex.compile(r"[^\s\"<>(),;]{1,256}@[^\s\"<>(),;]{1,256}")
_NAME_DEBRIS = " \t,;:<>()[]\"'"


def decode_value(raw: str | None) -> str:
    """A header value as text: unfolded, RFC 2047 decoded, raw 8-bit bytes decoded.

    >>> decode_value("Tomas =?utf-8?q?Toftg=C3=A5rd?=")
    'Tomas Toftgård'
    """
    if raw is None:
        return ""
    value = str(raw)
    if _has_surrogates(value):
        # compat32 keeps raw 8-bit header bytes as surrogate escapes: recover the bytes and
        # decode them like an undeclared body.
        value = decode_bytes(value.encode("ascii", "surrogateescape"), None).text
    value = value.replace("\r", "").replace("\n", "")
    if "=?" in value:
        # decode_header slows down with the square of the number of words: decode what a real
        # header can hold and keep any rest as written.
        value = _decode_words(value[:_MAX_ENCODED]) + value[_MAX_ENCODED:]
    return value


def _has_surrogates(value: str) -> bool:
    if value.isascii():
        return False
    return any("\udc80" <= c <= "\udcff" for c in value)


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words to text; a malformed word stays as written."""
    try:
        parts = decode_header(value)
    except (HeaderParseError, ValueError, LookupError, UnicodeError, AssertionError) as exc:
        log.debug("undecodable header %r: %s", value, exc)
        return value
    out: list[str] = []
    for part, charset in parts:
        if isinstance(part, str):
            out.append(part)
        elif charset is None:
            # decode_header turns the unencoded stretches between encoded words into bytes
            # with raw-unicode-escape; undo that exactly.
            try:
                out.append(part.decode("raw-unicode-escape"))
            except UnicodeDecodeError:
                out.append(part.decode("latin-1"))
        else:
            out.append(decode_bytes(part, charset).text)
    return "".join(out)


def collapse(text: str) -> str:
    """Runs of white space (folding, tabs) as one space, trimmed."""
    return str(_WS.sub(" ", text)).strip()


def deobfuscate(value: str) -> str:
    """Undo Mailman's `user at host` obfuscation (the host must have a dot).

    >>> deobfuscate("jjl at pobox.com (John J. Lee)")
    'jjl@pobox.com (John J. Lee)'
    >>> deobfuscate("Sales at Example <sales@example.com>")
    'Sales at Example <sales@example.com>'
    >>> deobfuscate("siopis at umich.edu (Christos Siopis <siopis@umich.edu>)")
    'siopis@umich.edu (Christos Siopis <siopis@umich.edu>)'
    """
    if " at " not in value or len(value) > _MAX_ADDRESS_FIELD:
        return value
    return str(_OBFUSCATED.sub(r"\1@\2", value))


def _clean_address(address: str) -> str:
    """An address with its domain lower-cased (domains are case-insensitive; local parts not)."""
    address = address.strip().strip("<>")
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    return f"{local}@{domain.lower()}"


def _clean_name(name: str, address: str) -> str:
    name = collapse(decode_value(name))
    m = _QUOTED.match(name)
    if m:
        name = m.group(2).strip()
    if address:
        folded, want = name.casefold(), address.casefold()
        if folded == want:
            return ""
        # `Name <addr>` written inside a comment: `addr (Name <addr>)`.
        if folded.endswith(f"<{want}>"):
            name = name[: -len(address) - 2].strip()
    return name


@functools.lru_cache(maxsize=_HEADER_MEMO)
def parse_person(raw_from: str | None, raw_reply_to: str | None = None) -> Person:
    """The author from a From header (and Reply-To, to undo DMARC munging).

    >>> parse_person("jjl at pobox.com (John J. Lee)")
    Person(name='John J. Lee', address='jjl@pobox.com')
    >>> parse_person("'Ann Lee' via devlist <devlist@example.org>", "Ann Lee <ann@example.net>")
    Person(name='Ann Lee', address='ann@example.net')
    """
    if not raw_from:
        return Person()
    value = str(raw_from)
    if len(value) > _MAX_ADDRESS_FIELD:
        # parseaddr is slow on huge fields; only the first address counts anyway.
        m = _ANGLE_ID.search(value)
        if m is not None and "@" in m.group(1):
            name = _clean_name(value[: min(m.start(), _MAX_ADDRESS_FIELD)], "")
            return Person(name=name, address=_clean_address(m.group(1)))
        value = value[:_MAX_ADDRESS_FIELD]
    value = deobfuscate(value)
    if _has_surrogates(value):
        value = decode_value(value)
    name, address = _parse_address(value)
    # parseaddr gives an odd address, or drops words it could not place: read it by hand.
    if not _ADDRESS_ONLY.fullmatch(address) or (
        not name and len(collapse(value).strip("<> ")) > len(address)
    ):
        bare = _name_and_bare_address(value)
        if bare is not None:
            return bare
    if "@" not in address:
        # Not an address at all (a bare name, `MAILER-DAEMON`): keep the words as the name.
        return Person(name=_clean_name(value, ""))
    address = _clean_address(address)
    name = _clean_name(name, address)
    via = _VIA.match(name)
    if via is None:
        return Person(name=name, address=address)
    name = _clean_name(via.group("name"), "")
    return Person(name=name, address=_reply_to_of(name, raw_reply_to))


def _parse_address(value: str) -> tuple[str, str]:
    """`parseaddr(value)`, with the common simple forms read by one pattern."""
    simple = _SIMPLE_FROM.fullmatch(value)
    if simple is not None:
        if simple["bare"] is not None:
            return "", simple["bare"]
        if simple["quoted"] is not None:
            return simple["quoted"], simple["angle"]
        return " ".join(simple["name"].split()), simple["angle"]
    try:
        return parseaddr(value)
    except (ValueError, IndexError, HeaderParseError):
        return "", ""


def _name_and_bare_address(value: str) -> Person | None:
    """`"Last, First"  first.last@example.com` (or `Name, First <a@b>`) as a name and address.

    The first address-shaped word is the address; what is left, without other addresses,
    quotes, brackets and commas at its ends, is the name. None when the value holds no address.

    >>> _name_and_bare_address('"Lee, Ann"   ann.lee@example.org')
    Person(name='Lee, Ann', address='ann.lee@example.org')
    """
    found = _BARE_ADDRESS.search(value)
    if found is None:
        return None
    rest = _BARE_ADDRESS.sub(" ", value[: found.start()] + " " + value[found.end() :])
    name = collapse(rest).strip(_NAME_DEBRIS)
    address = _clean_address(found.group())
    return Person(name=_clean_name(name, address), address=address)


def _reply_to_of(name: str, raw_reply_to: str | None) -> str:
    """The Reply-To address of a munged From, if Reply-To names the same person."""
    if not raw_reply_to:
        return ""
    try:
        pairs = getaddresses([deobfuscate(str(raw_reply_to)[:_MAX_ADDRESS_FIELD])])
    except (ValueError, IndexError, HeaderParseError):
        return ""
    want = name.casefold()
    for rname, raddr in pairs:
        if raddr and _clean_name(rname, raddr).casefold() == want:
            return _clean_address(raddr)
    return ""


def parse_ids(raw: str | None) -> tuple[str, ...]:
    """Message ids in a Message-ID / In-Reply-To / References value, without brackets.

    Ids in angle brackets are taken; without brackets (LISTSERV scrapes write them bare) each
    word with an `@` is an id, and a lone word is taken as it is.

    >>> parse_ids("<a@b> (comment) <c@d>")
    ('a@b', 'c@d')
    >>> parse_ids("HE1PR07@eurprd07.outlook.com")
    ('HE1PR07@eurprd07.outlook.com',)
    """
    if not raw:
        return ()
    value = decode_value(raw) if _has_surrogates(str(raw)) else str(raw)
    ids = _ANGLE_ID.findall(value)
    if not ids:
        words = value.split()
        ids = [w for w in words if "@" in w]
        if not ids and len(words) == 1:
            ids = words
    seen: dict[str, None] = {}
    for i in ids:
        i = deobfuscate(i.strip("<>,;\"'"))
        if i:
            # Interned: an id is named again by every later message of its thread (References),
            # and one string for all of them is a third of what the messages read hold.
            seen.setdefault(sys.intern(i), None)
    return tuple(seen)


def parse_date(raw: str | None) -> datetime | None:
    """An aware datetime from a Date value, or None.

    Dates without a zone (ctime dates of pipermail, `-0000`) are taken as UTC: the archive
    does not say which zone they are in, and UTC keeps them comparable.

    >>> parse_date("Thu Nov  1 11:19:12 2001")
    datetime.datetime(2001, 11, 1, 11, 19, 12, tzinfo=datetime.timezone.utc)
    """
    if not raw:
        return None
    value = collapse(decode_value(raw))
    try:
        date = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if date is None:
        return None
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return date


@functools.lru_cache(maxsize=_HEADER_MEMO)
def parse_subject(raw: str | None) -> str:
    """The subject as one line of text.

    LISTSERV web scrapes write the subject inside single quotes (`'Re: Draft'`); a pair of
    quotes around the whole subject with none inside is that artefact and is removed.

    >>> parse_subject("'Re: Draft EVS-8a'")
    'Re: Draft EVS-8a'
    """
    subject = collapse(decode_value(raw))
    if len(subject) >= 2 and subject[0] == subject[-1] == "'" and "'" not in subject[1:-1]:
        subject = subject[1:-1].strip()
    return subject
