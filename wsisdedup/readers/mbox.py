"""mbox (mboxo, mboxrd, Mailman 3 / HyperKitty exports, LISTSERV scrapes) and pipermail `.txt`.

Both are messages behind `From ` separator lines, so one streaming splitter reads both, in
blocks of lines, keeping each message's byte offset and line number. They differ in what counts
as a separator and in escaping:

- pipermail (Mailman 2) does not escape body lines that start with `From `, so only the exact
  line it writes, `From <addr>  <ctime>`, separates messages;
- an mbox escapes them (`>From `), so a `From ` line with a date separates; an mbox whose first
  separator has no date (some exporters write `From addr` alone) is split on any `From ` line
  that follows an empty line and precedes a header, as `mailbox.mbox` would but safer. mboxrd
  escaping is undone: one `>` is removed from every `>From `, `>>From `, ... line.

`mailbox.mbox` is not used: it splits on any `From ` line (wrong for pipermail) and gives no
line numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TypeVar

import attrs
import regex

from wsisdedup.model import ParsedMessage, Problem, Source
from wsisdedup.readers.headers import deobfuscate
from wsisdedup.readers.mime import Envelope, parse_headers, parse_message
from wsisdedup.readers.sniff import is_header_line, mbox_separator, pipermail_separator
from wsisdedup.readers.stream import Input, InputLimitReached

__all__ = [
    "MBOX",
    "PIPERMAIL",
    "Chunk",
    "Dialect",
    "Unparsed",
    "envelope_of",
    "mbox_items",
    "parsed",
    "read_mbox",
    "split_mbox",
    "too_long",
]

log = logging.getLogger(__name__)

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Dialect:
    """How one `From `-separated format marks messages."""

    format: str
    strict: bool
    """Only the exact pipermail separator splits (bodies hold unescaped `From ` lines)."""
    unescape: bool
    """Undo mboxrd `>From ` quoting."""


MBOX = Dialect(format="mbox", strict=False, unescape=True)
PIPERMAIL = Dialect(format="pipermail", strict=True, unescape=False)


@attrs.frozen(kw_only=True)
class Chunk:
    """The bytes of one message and where they start (its separator line)."""

    data: bytes
    offset: int
    line: int
    envelope: Envelope | None
    """What the separator said; None for text before the first separator."""
    size: int = -1
    """The message's length in the input, over the limit if only the start was kept."""


@attrs.define
class _Position:
    """Where the splitter is: read by the caller after the input runs out."""

    offset: int = 0
    line: int = 0


_FROM_LINE = regex.compile(rb"(?m)^From ")
_UNESCAPE = regex.compile(rb"(?m)^>(>*From )")
_BLOCK = 1 << 20
_LONG_LINE = 8 * _BLOCK
"""Bytes of one line gathered whole when looking for separators; a longer line (it cannot
hold one) is passed on in pieces."""
_BOM = b"\xef\xbb\xbf"
_NO_LIMIT = 1 << 62


def envelope_of(match: regex.Match[bytes]) -> Envelope:
    """The address and date a separator line gives (addresses de-obfuscated; ctime is UTC)."""
    addr = deobfuscate(match.group("addr").decode("latin-1"))
    return Envelope(
        address=addr if "@" in addr else "", date_text=match.group("date").decode("latin-1")
    )


def _loose_envelope(line: bytes) -> Envelope:
    words = line.split()
    addr = deobfuscate(words[1].decode("latin-1")) if len(words) > 1 else ""
    return Envelope(address=addr if "@" in addr else "")


def _blocks(stream: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """The input in blocks of whole lines, each with whether it continues the line before.

    A block never ends with a `From ` line, so the line after a separator candidate is always
    in the same block (the loose mode needs it). A line longer than a block is gathered in
    pieces and joined once, so its cost stays linear; a line longer than `_LONG_LINE` is handed
    out in pieces of that size (the next block then continues it), so memory stays bounded
    whatever the input (a gigabyte without a newline).
    """
    carry: list[bytes] = []
    carried = 0
    mid_line = False
    while data := stream.read(_BLOCK):
        cut = data.rfind(b"\n") + 1
        if cut:
            # Where the last whole line starts: in `data`, or (last == 0) at the carry's start.
            last = data.rfind(b"\n", 0, cut - 1) + 1
            if last:
                from_line = data.startswith(b"From ", last)
            else:
                from_line = bool(carry) and carry[0].startswith(b"From ")
            if from_line:
                cut = last
        if cut == 0:
            carry.append(data)
            carried += len(data)
            if carried >= _LONG_LINE:
                yield b"".join(carry), mid_line
                carry, carried, mid_line = [], 0, True
            continue
        block = b"".join((*carry, data[:cut])) if carry else data[:cut]
        carry = [data[cut:]] if cut < len(data) else []
        carried = len(data) - cut
        yield block, mid_line
        mid_line = False
    if carry:
        yield b"".join(carry), mid_line


@attrs.define
class _Pieces:
    """The bytes of the message being split, kept up to `limit`; the rest only counted."""

    limit: int
    parts: list[bytes] = attrs.field(factory=list)
    kept: int = 0
    dropped: int = 0

    def add(self, piece: bytes) -> None:
        room = self.limit - self.kept
        if len(piece) > room:
            self.dropped += len(piece) - max(room, 0)
            piece = piece[: max(room, 0)]
        if piece:
            self.parts.append(piece)
            self.kept += len(piece)

    def any(self) -> bool:
        return self.dropped > 0 or any(self.parts)

    def chunk(self, offset: int, line: int, envelope: Envelope | None, *, unescape: bool) -> Chunk:
        # The empty line before the next separator is the mbox format's, not the message's; it
        # is not cut here (a copy of the message) but with the body's trailing blank lines.
        data = b"".join(self.parts)
        size = self.kept + self.dropped
        self.parts, self.kept, self.dropped = [], 0, 0
        if unescape and b">From " in data:
            data = _UNESCAPE.sub(rb"\1", data)
        return Chunk(data=data, offset=offset, line=line, envelope=envelope, size=size)


def split_mbox(
    stream: BinaryIO,
    dialect: Dialect,
    position: _Position | None = None,
    *,
    max_message: int = _NO_LIMIT,
) -> Iterator[Chunk]:
    """Split a stream into messages. Text before the first separator is a chunk without envelope.

    Works on blocks of lines and looks only at lines that start with `From `, so its cost is
    per message, not per line; line numbers come from counting newlines between separators.
    Only the first `max_message` bytes of a message are kept (`Chunk.size` says how long it was).

    >>> import io
    >>> data = b"From a@b Sat Aug 28 14:17:14 2021\\nx: 1\\n\\nFrom here on\\n"
    >>> [c.data for c in split_mbox(io.BytesIO(data), MBOX)]
    [b'x: 1\\n\\nFrom here on\\n']
    """
    pos = position if position is not None else _Position()
    pieces = _Pieces(limit=max_message)
    start_offset, start_line = 0, 1
    envelope: Envelope | None = None
    started = False  # a separator was seen, or text came before the first one
    mode = "strict" if dialect.strict else ""  # an mbox picks its mode at its first separator
    separator = pipermail_separator if dialect.strict else mbox_separator
    block_offset, block_line = 0, 1
    tail = b"\n\n"  # the start of the input counts as following an empty line
    for block, mid_line in _blocks(stream):
        if block_offset == 0 and block.startswith(_BOM):
            # A byte-order mark some editors write: not part of the first separator line.
            block, block_offset = block[len(_BOM) :], len(_BOM)
        last = 0  # where the current message's bytes start in this block
        counted, line_no = 0, block_line
        for m in _FROM_LINE.finditer(block, 1 if mid_line else 0):
            s = m.start()
            e = block.find(b"\n", s) + 1 or len(block)
            match = separator(block[s:e])
            if match is not None:
                new_envelope = envelope_of(match)
                mode = mode or "strict"
            elif mode != "strict" and _follows_blank(tail, block, s) and e < len(block):
                nxt = block.find(b"\n", e) + 1 or len(block)
                if not is_header_line(block[e:nxt]):
                    continue
                new_envelope = _loose_envelope(block[s:e])
                mode = mode or "loose"
            else:
                continue
            pieces.add(block[last:s])
            if started or pieces.any():
                yield pieces.chunk(start_offset, start_line, envelope, unescape=dialect.unescape)
            pieces = _Pieces(limit=max_message)
            line_no += block.count(b"\n", counted, s)
            counted = s
            start_offset, start_line, envelope = block_offset + s, line_no, new_envelope
            started = True
            last = e
        if last < len(block):
            pieces.add(block[last:])
        block_line += block.count(b"\n")
        block_offset += len(block)
        tail = (tail + block[-4:])[-4:]
    pos.offset = block_offset
    pos.line = block_line - (1 if tail.endswith(b"\n") else 0)
    if started or pieces.any():
        yield pieces.chunk(start_offset, start_line, envelope, unescape=dialect.unescape)


def _follows_blank(tail: bytes, block: bytes, s: int) -> bool:
    """True if the line at `s` follows an empty line (or starts the input)."""
    before = (tail + block[max(0, s - 4) : s])[-4:] if s < 4 else block[s - 4 : s]
    return before.endswith((b"\n\n", b"\n\r\n"))


def read_mbox(
    inp: Input, dialect: Dialect, *, max_message: int = _NO_LIMIT
) -> Iterator[ParsedMessage | Problem]:
    """Messages of an mbox or pipermail input, then a Problem if the input ended early.

    A message longer than `max_message` bytes is read from its first `max_message` bytes, with
    a Problem saying so.
    """
    return parsed(mbox_items(inp, dialect, max_message=max_message))


def mbox_items(
    inp: Input, dialect: Dialect, *, max_message: int = _NO_LIMIT
) -> Iterator[Unparsed | Problem]:
    """`read_mbox` with each message left `Unparsed`: splitting is a quarter to a third of
    the cost of reading, parsing the rest, and the parsing may be done elsewhere (another
    process)."""
    position = _Position()
    index = 0
    for chunk in split_mbox(inp.stream, dialect, position, max_message=max_message):
        source = Source(
            path=inp.name, format=dialect.format, offset=chunk.offset, line=chunk.line, index=index
        )
        problems: tuple[Problem, ...] = ()
        if chunk.size > max_message:
            problems = (too_long(chunk.size, max_message, source),)
        if chunk.envelope is None:
            if not chunk.data.strip():
                continue
            if parse_headers(chunk.data) is None:
                yield Problem(
                    what=f"{len(chunk.data)} bytes before the first `From ` separator are not a "
                    "message and were skipped",
                    path=inp.name,
                    line=chunk.line,
                    offset=chunk.offset,
                )
                continue
            problems += (
                Problem(
                    what="message without a `From ` separator line (read all the same)",
                    path=inp.name,
                    line=chunk.line,
                    offset=chunk.offset,
                ),
            )
        yield Unparsed(data=chunk.data, source=source, envelope=chunk.envelope, problems=problems)
        index += 1
    end = end_problem(inp, position.line)
    if end is not None:
        yield end


@attrs.frozen(kw_only=True)
class Unparsed:
    """One message's bytes as a reader cut them from its input, with where they were and what
    the reader found wrong: what `parse_or_problem` takes. A plain record of bytes and
    strings, cheap to send to another process (`parse`)."""

    data: bytes
    source: Source
    envelope: Envelope | None
    problems: tuple[Problem, ...] = ()

    def parse(self) -> ParsedMessage | Problem:
        """The message parsed (`parse_or_problem`)."""
        return parse_or_problem(self.data, self.source, self.envelope, self.problems)


def parsed(items: Iterable[Unparsed | T]) -> Iterator[ParsedMessage | Problem | T]:
    """`items` in order, each `Unparsed` one parsed here."""
    for item in items:
        yield item.parse() if isinstance(item, Unparsed) else item


def parse_or_problem(
    data: bytes,
    source: Source,
    envelope: Envelope | None = None,
    problems: tuple[Problem, ...] = (),
) -> ParsedMessage | Problem:
    """Parse one message; a failure inside `email` becomes a Problem naming the message."""
    try:
        return parse_message(data, source=source, envelope=envelope, problems=problems)
    except Exception as exc:  # one broken message must not stop the archive (docs/architecture.md)
        log.debug("cannot parse message at %s", source, exc_info=True)
        return Problem(
            what=f"cannot parse message: {type(exc).__name__}: {exc}",
            path=source.path,
            line=source.line,
            offset=source.offset,
        )


def too_long(size: int, limit: int, source: Source) -> Problem:
    """The Problem for a message cut at `Limits.message_bytes`."""
    return Problem(
        what=f"message is {size:,} bytes, over the limit of {limit:,} (Limits.message_bytes): "
        f"read from its first {limit:,} bytes, the rest skipped",
        path=source.path,
        line=source.line,
        offset=source.offset,
    )


def end_problem(inp: Input, line: int) -> Problem | None:
    """A Problem if the input ended early (truncated or corrupt gzip, read error, limit)."""
    error = inp.error
    if error is None:
        return None
    if isinstance(error, InputLimitReached):
        return Problem(
            what=f"input is over the limit of {error.limit:,} bytes (Limits.input_bytes): "
            "the rest was not read; the last message before this point may be cut short",
            path=inp.name,
            line=line or None,
            offset=inp.chain.served,
        )
    kind = "compressed data" if inp.compressed else "input"
    return Problem(
        what=f"{kind} ends early ({error}); the last message before this point may be cut short",
        path=inp.name,
        line=line or None,
        offset=inp.chain.served,
    )
