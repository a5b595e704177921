"""Single messages: an `.eml` file, one file of a Maildir, or an open stream holding one message.

The whole input is one message; it is read in buffered pieces and joined once (a message has to
be parsed as a whole), so a 50 MB message costs a few copies of 50 MB, not more.
"""

from __future__ import annotations

from collections.abc import Iterator

from wsisdedup.model import ParsedMessage, Problem, Source
from wsisdedup.readers.mbox import Unparsed, end_problem, envelope_of, parsed, too_long
from wsisdedup.readers.mime import Envelope
from wsisdedup.readers.sniff import mbox_separator
from wsisdedup.readers.stream import Input

__all__ = ["eml_items", "read_eml"]

_PIECE = 1 << 20


def read_eml(
    inp: Input, *, format: str = "eml", max_message: int = 1 << 62
) -> Iterator[ParsedMessage | Problem]:
    """The one message of `inp`, then a Problem if the input ended early.

    Only the first `max_message` bytes are kept; the rest is read past (its length counted,
    not held), and the message is read from what was kept, with a Problem saying so.
    """
    return parsed(eml_items(inp, format=format, max_message=max_message))


def eml_items(
    inp: Input, *, format: str = "eml", max_message: int = 1 << 62
) -> Iterator[Unparsed | Problem]:
    """`read_eml` with the message left `Unparsed` (`mbox.mbox_items`)."""
    buf = bytearray()
    size = 0
    while piece := inp.stream.read(_PIECE):
        size += len(piece)
        if len(buf) < max_message:
            buf += piece[: max_message - len(buf)]
    data = bytes(buf).removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is not a header
    del buf
    source = Source(path=inp.name, format=format, offset=0, line=1, index=0)
    cut = (too_long(size, max_message, source),) if size > max_message else ()
    envelope = None
    if data.startswith(b"From "):
        # Some tools save a single message with its mbox envelope line; it is not a header.
        first, _, rest = data.partition(b"\n")
        match = mbox_separator(first)
        envelope = envelope_of(match) if match else Envelope()
        data = rest
    if not data.strip():
        yield Problem(what="empty message file", path=inp.name, line=1, offset=0)
    else:
        yield Unparsed(data=data, source=source, envelope=envelope, problems=cut)
    end = end_problem(inp, data.count(b"\n") + 1)
    if end is not None:
        yield end
