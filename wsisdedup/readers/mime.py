"""One message's bytes to a `ParsedMessage`: headers decoded, body as text.

Speed decides the design (docs/performance.md: compat32 is the reference; policy.default is 7x
slower). The `email` package is used where it is cheap and subtle: Content-Type parameters
(RFC 2231, quoting) through a compat32 `Message` holding that one header, RFC 2047 words,
addresses and dates. The rest is done on bytes here: the header block is split in one pass
(compat32's header parser costs more than everything else on real headers, dozens of
Received and signature lines a message), and MIME parts are found by searching for their
boundary, so no `Message` tree is built. A single-part body is decoded straight from the
message's bytes, which keeps a 50 MB body at about two copies of its size in memory.

Body choice: text/plain is preferred; HTML is turned to text only where there is no plain
alternative; inline text parts after the first (list footers added as their own MIME part) are
appended; attachments and non-text parts are left out. Forwarded `message/rfc822` parts are
written out as a forwarded block with their main headers, as mail clients show them. A
multipart whose boundary cannot be found is shown as plain text, as compat32 does.
"""

from __future__ import annotations

import binascii
import functools
import logging
from email.message import Message as EmailMessage

import attrs
import regex

from wsisdedup.model import ParsedMessage, Person, Problem, Source
from wsisdedup.readers.charset import decode_bytes, normalise_newlines
from wsisdedup.readers.headers import (
    decode_value,
    deobfuscate,
    parse_date,
    parse_ids,
    parse_person,
    parse_subject,
)
from wsisdedup.readers.html import html_to_text

__all__ = ["Envelope", "Headers", "parse_headers", "parse_message", "transfer_decode"]

log = logging.getLogger(__name__)

_HEADER_LINE = regex.compile(rb"[!-9;-~]{1,200}[ \t]{0,20}:")
_FIELD_NAME = regex.compile(r"[!-9;-~]{1,200}")
_WANTED = frozenset(
    {
        "from", "reply-to", "sender", "date", "subject", "message-id", "in-reply-to",
        "references", "content-type", "content-transfer-encoding", "content-disposition",
        "to", "cc",
    }
)  # fmt: skip
_NOT_BASE64 = regex.compile(rb"[^A-Za-z0-9+/]+")
_MAX_DEPTH = 20
"""Nesting of multiparts followed; deeper parts are not shown (a crafted message could nest
thousands deep)."""
_FORWARD_HEADERS = ("From", "Date", "Subject", "To", "Cc")


@attrs.frozen(kw_only=True)
class Envelope:
    """What an mbox `From ` separator line says about its message."""

    address: str = ""
    date_text: str = ""
    """The separator's date, parsed only if the message has no usable Date header."""


@attrs.frozen(kw_only=True)
class Headers:
    """The header fields this reader uses (first value of each, raw) and where the body starts.

    Values are as compat32 gives them: folded lines kept, 8-bit bytes as surrogate escapes.
    """

    fields: dict[str, str]
    body_start: int

    def get(self, name: str) -> str | None:
        return self.fields.get(name)


def parse_headers(data: bytes) -> Headers | None:
    """The header block of a message; None if the message does not start with a header.

    The block ends at the first empty line; a line that is neither a header nor a folded
    continuation also ends it (senders that omit the empty line) and starts the body.

    One pass over the block's lines keeping only the fields this reader uses, first value of
    each as in `email`: about three times faster than compat32's header parser on real headers
    (dozens of Received and signature lines), which otherwise costs more than the rest of a
    message. (Finding each wanted field with `bytes.find` instead was measured slower.)

    >>> h = parse_headers(b"Subject: hi\\n there\\nX: 1\\n\\nbody\\n")
    >>> h.fields["subject"], h.body_start
    ('hi\\n there', 25)
    >>> parse_headers(b"Subject: hi\\nbody text\\n").body_start
    12
    >>> parse_headers(b"just text\\n") is None
    True
    """
    if _HEADER_LINE.match(data) is None:
        return None
    end = body = len(data)
    for sep in (b"\n\n", b"\n\r\n"):
        i = data.find(sep, 0, end)
        if i >= 0:
            # Search the CRLF form only before the LF one: the earlier empty line ends the block.
            end, body = i + 1, i + len(sep)
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    pos = 0
    for line in data[:end].decode("ascii", "surrogateescape").split("\n"):
        size = len(line) + 1
        if not line:
            pos += size
            continue
        if line[0] in " \t":
            if current is not None:
                current.append("\n" + line.rstrip("\r"))
            pos += size
            continue
        name, colon, value = line.partition(":")
        name = name.rstrip(" \t")
        if not colon or (
            not (name.isascii() and name.replace("-", "").isalnum())
            and _FIELD_NAME.fullmatch(name) is None
        ):
            body = pos  # not a header: the body starts here
            break
        name = name.lower()
        if name in _WANTED and name not in fields:
            current = fields[name] = [value.strip(" \t\r")]
        else:
            current = None
        pos += size
    return Headers(fields={k: "".join(v) for k, v in fields.items()}, body_start=body)


@attrs.frozen
class _ContentType:
    """What the reader uses of a Content-Type value, as compat32's parameter parsing reads
    it (`email.message.Message.get_content_type` and the rest)."""

    type: str
    maintype: str
    subtype: str
    charset: str | None
    boundary: str | None


@functools.lru_cache(maxsize=1 << 10)
def _content_type(raw: str | None) -> _ContentType:
    """The parts of a Content-Type value (memoised: an archive's messages and parts repeat a
    few values, and compat32's parsing of one took a tenth of reading a message)."""
    msg = EmailMessage()
    if raw is not None:
        msg["content-type"] = raw
    return _ContentType(
        type=msg.get_content_type(),
        maintype=msg.get_content_maintype(),
        subtype=msg.get_content_subtype(),
        charset=msg.get_content_charset(),
        boundary=msg.get_boundary(),
    )


def parse_message(
    data: bytes,
    *,
    source: Source,
    envelope: Envelope | None = None,
    problems: tuple[Problem, ...] = (),
) -> ParsedMessage:
    """Parse one message (without its mbox separator line).

    `envelope` (from the separator) gives the author's address and the date when the headers
    do not; `problems` are ones the caller already found (e.g. a missing separator).
    """
    notes = _Notes()
    headers = parse_headers(data)
    if headers is None:
        notes.append("message has no headers: all of it is read as the body")
        headers = Headers(fields={}, body_start=0)
    body = _render(data, headers, notes, top=True) or ""
    if notes.left_out and not body.strip():
        kinds = ", ".join(dict.fromkeys(notes.left_out))
        notes.append(f"no text to show: the message holds only parts that are left out ({kinds})")
    author = parse_person(headers.get("from"), headers.get("reply-to"))
    if not author.address and not author.name:
        author = parse_person(headers.get("sender"), headers.get("reply-to"))
    if not author.address and envelope is not None and envelope.address:
        author = Person(name=author.name, address=envelope.address)
    date = parse_date(headers.get("date"))
    if date is None and envelope is not None:
        date = parse_date(envelope.date_text)
    ids = parse_ids(headers.get("message-id"))
    all_problems = problems + tuple(
        Problem(what=what, path=source.path, line=source.line, offset=source.offset)
        for what in dict.fromkeys(notes)
    )
    return ParsedMessage(
        source=source,
        message_id=ids[0] if ids else None,
        in_reply_to=parse_ids(headers.get("in-reply-to")),
        references=parse_ids(headers.get("references")),
        author=author,
        date=date,
        subject=parse_subject(headers.get("subject")),
        body=_tidy_end(body),
        problems=all_problems,
    )


def _tidy_end(body: str) -> str:
    """`trim_end`, skipped (no copy) when the body already ends in one clean newline."""
    if body.endswith("\n") and not body.endswith(("\n\n", " \n", "\t\n", "\r\n")):
        return body
    return trim_end(body)


def trim_end(body: str) -> str:
    """The body without the empty lines archivers leave after it, ending in one newline."""
    end = len(body)
    while end and body[end - 1] in " \t\n":
        end -= 1
    return body[:end] + "\n" if end else ""


def _leaf_body(
    data: bytes, start: int, *, charset: str | None, cte: str, subtype: str, notes: list[str]
) -> str:
    """The body of a single-part message from its bytes, with as few copies as possible.

    Without a transfer encoding the body is decoded straight out of `data` through a
    memoryview, trailing blank lines cut off in bytes first: a 50 MB body then costs its bytes
    and its text, not four copies.
    """
    if cte.strip().lower() in ("quoted-printable", "base64"):
        return _decode_body(data[start:], charset=charset, cte=cte, subtype=subtype, notes=notes)
    end = _content_end(data, start)
    if end == start:
        return ""
    if data.startswith(b"\n", end):
        end += 1  # keep the final newline: decoding then needs no copy to add one
    elif data.startswith(b"\r\n", end):
        end += 2
    text = _decode_body(
        memoryview(data)[start:end], charset=charset, cte="", subtype=subtype, notes=notes
    )
    return text if text.endswith("\n") else trim_end(text)


def _content_end(data: bytes, start: int) -> int:
    """The index after the last byte of `data[start:]` that is not white space.

    Looks at the end in pieces, so a body that is mostly white space costs linear time.
    """
    end = len(data)
    while end > start:
        low = max(start, end - 4096)
        tail = data[low:end].rstrip(b" \t\r\n")
        if tail:
            return low + len(tail)
        end = low
    return start


def _decode_body(
    raw: bytes | memoryview, *, charset: str | None, cte: str, subtype: str, notes: list[str]
) -> str:
    data = transfer_decode(bytes(raw), cte) if cte else raw
    decoded = decode_bytes(data, charset)
    if decoded.problem:
        notes.append(decoded.problem)
    text = normalise_newlines(decoded.text)
    if subtype == "html":
        text = html_to_text(text)
    return text


def transfer_decode(raw: bytes, cte: str) -> bytes:
    """Undo a Content-Transfer-Encoding leniently (bad padding, stray characters).

    >>> transfer_decode(b"aGk", "base64")
    b'hi'
    >>> transfer_decode(b"caf=C3=A9=\\n!", "quoted-printable")
    b'caf\\xc3\\xa9!'
    """
    cte = cte.strip().lower()
    if cte == "quoted-printable":
        return binascii.a2b_qp(raw)
    if cte == "base64":
        clean = _NOT_BASE64.sub(b"", raw.split(b"=", 1)[0]) if b"=" in raw else raw
        clean = _NOT_BASE64.sub(b"", clean)
        if len(clean) % 4 == 1:
            # A lone trailing character carries no whole byte: drop it rather than fail.
            clean = clean[:-1]
        clean += b"=" * (-len(clean) % 4)
        try:
            return binascii.a2b_base64(clean)
        except (binascii.Error, ValueError):  # pragma: no cover - cleaned input always decodes
            return raw
    return raw


class _Notes(list[str]):
    """Problems found while a message is rendered, and the types of the parts left out."""

    def __init__(self) -> None:
        super().__init__()
        self.left_out: list[str] = []


def _render(
    data: bytes, headers: Headers, notes: _Notes, *, top: bool = False, depth: int = 0
) -> str | None:
    """The text of a message or MIME part, or None if it has none to show."""
    raw_type = headers.get("content-type")
    ctype = _content_type(raw_type)
    maintype, subtype = ctype.maintype, ctype.subtype
    start = headers.body_start
    if depth >= _MAX_DEPTH and maintype in ("multipart", "message"):
        notes.append(f"MIME parts nested more than {_MAX_DEPTH} deep are not shown")
        return None
    if maintype == "multipart" and depth < _MAX_DEPTH:
        boundary = ctype.boundary
        parts = split_multipart(data, start, boundary) if boundary else None
        if parts is not None:
            children = [(part, _part_headers(part)) for part in parts]
            if subtype == "alternative":
                return _render_alternative(children, notes, depth)
            texts = [t for part, h in children if (t := _render(part, h, notes, depth=depth + 1))]
            texts = [t for t in texts if t.strip()] or texts
            return "\n\n".join(t.rstrip("\n") for t in texts) if texts else None
        subtype = "plain"  # no usable boundary: the raw body is all there is to show
    elif ctype.type == "message/rfc822" and depth < _MAX_DEPTH:
        return _render_forward(data[start:], notes, depth)
    elif (not top and _is_attachment(headers)) or (raw_type is not None and not _is_text(ctype)):
        notes.left_out.append(ctype.type)
        return None
    return _leaf_body(
        data,
        start,
        charset=ctype.charset,
        cte=headers.get("content-transfer-encoding") or "",
        subtype=subtype,
        notes=notes,
    )


def _part_headers(part: bytes) -> Headers:
    """A MIME part's headers; a part that starts with an empty line has none."""
    if part.startswith(b"\n"):
        return Headers(fields={}, body_start=1)
    if part.startswith(b"\r\n"):
        return Headers(fields={}, body_start=2)
    return parse_headers(part) or Headers(fields={}, body_start=0)


def split_multipart(data: bytes, start: int, boundary: str) -> list[bytes] | None:
    """The parts of a multipart body, or None if its boundary never starts a line.

    A delimiter is `--boundary` at the start of a line; the line break before it belongs to it
    (RFC 2046), the preamble before the first and the epilogue after `--boundary--` are not
    parts. A body that ends without the closing delimiter ends its last part.

    >>> split_multipart(b"pre\\n--b\\nA: 1\\n\\none\\n--b\\n\\ntwo\\n--b--\\nepi", 0, "b")
    [b'A: 1\\n\\none', b'\\ntwo']
    """
    try:
        delimiter = b"--" + boundary.encode("ascii")
    except UnicodeEncodeError:
        return None
    parts: list[bytes] = []
    begin = -1  # where the current part starts
    pos = start
    while (found := data.find(delimiter, pos)) >= 0:
        pos = found + len(delimiter)
        if found > start and data[found - 1] != 0x0A:  # not at a line start
            continue
        closing = data.startswith(b"--", pos)
        line_end = data.find(b"\n", pos)
        rest = data[pos : line_end if line_end >= 0 else len(data)]
        if not closing and rest.strip():
            continue  # a longer boundary that starts with this one
        if begin >= 0:
            end = found - 1 if found > 0 else found
            if end > begin and data[end - 1] == 0x0D:
                end -= 1
            parts.append(data[begin : max(begin, end)])
        if closing:
            return parts
        begin = pos = line_end + 1 if line_end >= 0 else len(data)
    if begin < 0:
        return None
    parts.append(data[begin:])
    return parts


def _is_text(ctype: _ContentType) -> bool:
    return ctype.type in ("text/plain", "text/html")


def _is_attachment(headers: Headers) -> bool:
    disposition = headers.get("content-disposition") or ""
    return disposition.split(";", 1)[0].strip().lower() == "attachment"


def _render_alternative(
    children: list[tuple[bytes, Headers]], notes: _Notes, depth: int
) -> str | None:
    def rank(child: tuple[bytes, Headers]) -> int:
        ctype = _content_type(child[1].get("content-type"))
        if ctype.type == "text/plain":
            return 0
        if ctype.maintype == "multipart":
            return 1
        return 2 if ctype.type == "text/html" else 3

    for part, headers in sorted(children, key=rank):
        text = _render(part, headers, notes, depth=depth + 1)
        if text is not None and text.strip():
            return text
    return None


def _render_forward(inner: bytes, notes: _Notes, depth: int) -> str:
    """A forwarded message as mail clients show it: a marker, its main headers, its body."""
    headers = _part_headers(inner)
    lines = ["-------- Forwarded Message --------"]
    for name in _FORWARD_HEADERS:
        value = headers.get(name.lower())
        if value is not None:
            lines.append(f"{name}: {deobfuscate(' '.join(decode_value(value).split()))}")
    body = _render(inner, headers, notes, top=True, depth=depth + 1) or ""
    return "\n".join(lines) + "\n\n" + body
