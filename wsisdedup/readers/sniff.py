"""Which format an input is in, from its first bytes (never from its file name).

Archives are renamed, served without extensions and concatenated, so the name says little; the
first lines say a lot: an mbox starts with a `From ` separator line, a pipermail `.txt` with one
whose address is obfuscated or whose headers are the few pipermail keeps, a single message with a
block of mail headers, and a scraped archive page with a subject line followed by a message
flattened onto one very long line.
"""

from __future__ import annotations

import zlib

import regex

from wsisdedup.readers.stream import GZIP_MAGIC

__all__ = [
    "is_binary",
    "looks_like_text_dump",
    "mbox_separator",
    "pipermail_separator",
    "sniff",
    "starts_with_headers",
]

_CTIME = (
    rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    rb" [ \d]?\d \d\d:\d\d:\d\d \d{4}"
)
# Mailman 2 writes `From <addr>  <ctime>` (addr possibly `user at host`): exactly this, so a body
# line such as "From the docs, Mon Nov 1 ..." does not split a message.
_PIPERMAIL_SEP = regex.compile(
    rb"From (?P<addr>[^ \t\r\n]{1,300}(?: at [^ \t\r\n]{1,300})?) {1,4}(?P<date>"
    + _CTIME
    + rb")[ \t]*\r?\n?\Z"
)
# mbox writers vary the date (`Sat Aug 28 14:17:14 2021`, `... +0000 2024`, `Sat, 28 Aug ...`);
# a weekday, a clock time and a four-digit year are always there.
_MBOX_SEP = regex.compile(
    rb"From (?P<addr>[^ \t\r\n]{1,300}(?: at [^ \t\r\n]{1,300})?) {1,4}"
    rb"(?P<date>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? [ -~]{5,80}?)[ \t]*\r?\n?\Z"
)
_CLOCK = regex.compile(rb"\b\d\d?:\d\d\b")
_YEAR = regex.compile(rb"\b(?:19|20|21)\d\d\b")
_HEADER = regex.compile(rb"(?P<name>[!-9;-~]{1,200})[ \t]{0,20}:")
_MAIL_HEADERS = frozenset(
    {
        b"from", b"to", b"cc", b"date", b"subject", b"message-id", b"received", b"return-path",
        b"mime-version", b"content-type", b"delivered-to", b"reply-to", b"sender",
        b"in-reply-to", b"references", b"x-mailer", b"user-agent", b"dkim-signature",
        b"x-original-to", b"envelope-to", b"list-id", b"thread-topic", b"thread-index",
        b"authentication-results", b"arc-seal", b"x-received", b"content-transfer-encoding",
    }
)  # fmt: skip
# Headers Mailman 2's pipermail keeps in its `.txt` archives; a first message with only these
# is a pipermail archive even when addresses are not obfuscated.
_PIPERMAIL_HEADERS = frozenset(
    {b"from", b"date", b"subject", b"in-reply-to", b"references", b"message-id"}
)
_OBFUSCATED_FROM = regex.compile(rb"(?i)from:[ \t]{0,20}[^ \t\r\n@]{1,200} at [^ \t\r\n@]{1,200}")
_ROSTER = regex.compile(r"participants \(\d{1,7}\)\s*")
_CONTROL = regex.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_SCAN_LINES = 400


def mbox_separator(line: bytes) -> regex.Match[bytes] | None:
    """The match of an mbox `From ` line with a date, or None.

    >>> bool(mbox_separator(b"From MAILER-DAEMON Sat Aug 28 14:17:14 2021\\n"))
    True
    >>> bool(mbox_separator(b"From the start, Mon and Tue were busy.\\n"))
    False
    """
    if len(line) > 400 or not line.startswith(b"From "):
        return None
    m = _MBOX_SEP.match(line)
    if m is None:
        return None
    date = m.group("date")
    if _CLOCK.search(date) is None or _YEAR.search(date) is None:
        return None
    return m


def pipermail_separator(line: bytes) -> regex.Match[bytes] | None:
    """The match of a strict pipermail `From <addr>  <ctime>` line, or None.

    >>> bool(pipermail_separator(b"From jjl at pobox.com  Thu Nov  1 11:19:12 2001\\n"))
    True
    """
    if len(line) > 400 or not line.startswith(b"From "):
        return None
    return _PIPERMAIL_SEP.match(line)


def is_header_line(line: bytes) -> bool:
    return _HEADER.match(line) is not None


def starts_with_headers(lines: list[bytes]) -> bool:
    """True if `lines` start with a block of mail headers (a known name among them).

    Every line up to the first empty one must be a header or a folded continuation, so prose
    that happens to start with `Word:` is not taken for a message.
    """
    known = False
    for i, line in enumerate(lines):
        if not line.strip():
            return known and i > 0
        if i and line[:1] in (b" ", b"\t"):
            continue
        m = _HEADER.match(line)
        if m is None:
            return False
        known = known or m.group("name").lower() in _MAIL_HEADERS
    return known


def _header_names(lines: list[bytes]) -> set[bytes]:
    names: set[bytes] = set()
    for line in lines:
        if not line.strip():
            break
        m = _HEADER.match(line)
        if m is not None:
            names.add(m.group("name").lower())
    return names


def is_binary(head: bytes) -> bool:
    """True if the head holds NUL bytes or more than 1% control characters."""
    if not head:
        return False
    if b"\x00" in head:
        return True
    return len(_CONTROL.findall(head)) > len(head) // 100


def _gunzip_head(head: bytes) -> bytes:
    """As much of a gzip head as decompresses (the head is cut, so the stream is too)."""
    try:
        return zlib.decompressobj(wbits=31).decompress(head, 1 << 20)
    except zlib.error:
        return b""


def _lines(head: bytes) -> list[bytes]:
    """The first lines of the head, leading blank lines dropped, line ends kept."""
    lines = head.split(b"\n", _SCAN_LINES)[:_SCAN_LINES]
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    return [line + b"\n" for line in lines[i:]]


def _from_format(lines: list[bytes]) -> str:
    """pipermail or mbox, for lines that start with a `From ` separator."""
    first = lines[0]
    strict = pipermail_separator(first)
    if strict is not None and b" at " in strict.group("addr"):
        return "pipermail"
    block = lines[1:]
    for line in block:
        if not line.strip():
            break
        if _OBFUSCATED_FROM.match(line):
            return "pipermail"
    # Mailman 2 writes two spaces between address and date (`mailbox` writes one).
    names = _header_names(block)
    two_spaces = strict is not None and b"  " in first[: strict.start("date")]
    if two_spaces and names and names <= _PIPERMAIL_HEADERS:
        return "pipermail"
    return "mbox"


def sniff(head: bytes) -> str:
    """The format of an input from its first bytes: one of `FORMATS`, or "unknown".

    A gzip head is decompressed first. "unknown" covers empty input and binary data too;
    `read_messages` says which.

    >>> sniff(b"From jjl at pobox.com  Thu Nov  1 11:19:12 2001\\nFrom: jjl at pobox.com\\n")
    'pipermail'
    >>> sniff(b"From: a@b.org\\nSubject: hi\\n\\nbody\\n")
    'eml'
    """
    if head[:2] == GZIP_MAGIC:
        head = _gunzip_head(head)
    head = head.removeprefix(b"\xef\xbb\xbf")
    lines = _lines(head)
    if not lines:
        return "unknown"
    first = lines[0]
    if first.startswith(b"From "):
        if mbox_separator(first) or pipermail_separator(first):
            return _from_format(lines)
        if len(lines) > 1 and is_header_line(lines[1]):
            return "mbox"  # a separator without a date; the next line starts the headers
    if starts_with_headers(lines):
        # A message whose separator was lost, followed by more messages, is an mbox.
        for i in range(1, len(lines)):
            line = lines[i]
            if not lines[i - 1].strip() and (mbox_separator(line) or pipermail_separator(line)):
                return _from_format(lines[i:])
        return "eml"
    if is_binary(head):
        return "unknown"
    if looks_like_text_dump(head.decode("utf-8", "replace")):
        return "text-dump"
    return "unknown"


def looks_like_text_dump(head: str) -> bool:
    """True if `head` is the start of a plain-text scrape of an archive page.

    Such a dump (HyperKitty pages saved as text) has no mail headers: each message is a subject
    line followed by its body flattened onto one very long line, and a `participants (N)`
    roster closes the page.

    >>> looks_like_text_dump("Meeting notes\\n" + "Dear all, " * 200 + "\\n")
    True
    >>> looks_like_text_dump("From: a@b.org\\nSubject: hi\\n\\nbody\\n")
    False
    """
    lines = [line.rstrip("\r") for line in head.split("\n", _SCAN_LINES)[:_SCAN_LINES]]
    text = [line for line in lines if line.strip()]
    if not text:
        return False
    if starts_with_headers(_lines("\n".join(lines[:60]).encode("utf-8", "replace"))):
        return False
    first = text[0]
    if first.startswith("From ") or "\x00" in head:
        return False
    if any(_ROSTER.fullmatch(line) for line in text):
        return True
    return len(first) <= 300 and any(len(line) >= 1000 for line in text[1:6])
