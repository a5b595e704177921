"""Readers: sniff an input's format and yield its messages with their source positions.

One module per format (`mbox` also reads pipermail, `eml`, `maildir`), `sniff` to tell them
apart from content, `mime`/`headers`/`charset`/`html` to turn one message into a
`ParsedMessage`, and `stream` to open paths, open files and gzip without loading them whole.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from wsisdedup.errors import ArchiveFormatError
from wsisdedup.model import Limits, ParsedMessage, Problem
from wsisdedup.readers.eml import eml_items
from wsisdedup.readers.maildir import MessageFile, is_maildir, read_tree
from wsisdedup.readers.mbox import MBOX, PIPERMAIL, Unparsed, end_problem, mbox_items, parsed
from wsisdedup.readers.sniff import is_binary, looks_like_text_dump, sniff
from wsisdedup.readers.stream import Input, LineCap, open_input, source_name
from wsisdedup.readers.textdump import read_text_dump

__all__ = ["FORMATS", "Unparsed", "looks_like_text_dump", "read_messages", "read_unparsed", "sniff"]

FORMATS = ("mbox", "pipermail", "maildir", "eml", "text-dump")

PathSource = str | bytes | os.PathLike[str] | os.PathLike[bytes]


def read_messages(
    source: PathSource | BinaryIO,
    *,
    format: str | None = None,
    limits: Limits | None = None,
    follow_links: bool = False,
) -> Iterator[ParsedMessage | Problem]:
    """Yield each message of `source` (a path or an open binary file) in archive order.

    `source` is a file (mbox, pipermail `.txt`, `.eml`, any of them gzipped), a Maildir folder,
    a folder of message files (sub-folders included), or an open binary file. `format`
    overrides sniffing: "mbox", "pipermail", "maildir", "eml" or "text-dump". `limits` bounds
    what is taken in (docs/limits.md#size-limits); in a folder, symbolic links that lead out of
    it are followed only with `follow_links=True`.

    A message that cannot be read becomes a `Problem` and the next one is read; problems found
    in a message that was read are on its `ParsedMessage.problems`. An input that is not an
    archive at all (empty, binary, unrecognised) raises `ArchiveFormatError` naming the file
    and position.
    """
    return parsed(read_unparsed(source, format=format, limits=limits, follow_links=follow_links))


def read_unparsed(
    source: PathSource | BinaryIO,
    *,
    format: str | None = None,
    limits: Limits | None = None,
    follow_links: bool = False,
) -> Iterator[ParsedMessage | Unparsed | Problem]:
    """`read_messages`, with the messages of mbox, pipermail, eml and Maildir files left
    `Unparsed`: each one's `Unparsed.parse()`, in this process or another, gives what
    `read_messages` would have (the pipeline parses them in its worker processes). Text dumps
    are parsed as they are read."""
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    limits = limits if limits is not None else Limits()
    if isinstance(source, str | bytes | os.PathLike):
        path = Path(os.fsdecode(source))
        if path.is_dir():
            yield from _read_dir(path, format, limits, follow_links=follow_links)
            return
        if format == "maildir":
            raise ArchiveFormatError("not a Maildir: a Maildir is a folder", path=str(path))
        with open_input(path, str(path), limit=limits.input_bytes) as inp:
            yield from _read_input(inp, format, limits)
        return
    if format == "maildir":
        raise ArchiveFormatError("a Maildir must be given as a folder", path=source_name(source))
    with open_input(source, source_name(source), limit=limits.input_bytes) as inp:
        yield from _read_input(inp, format, limits)


def _read_dir(
    path: Path, format: str | None, limits: Limits, *, follow_links: bool
) -> Iterator[ParsedMessage | Unparsed | Problem]:
    if format == "maildir" and not is_maildir(path):
        raise ArchiveFormatError("not a Maildir: no cur/ or new/ folder", path=str(path))
    left = [limits.input_bytes]  # the bytes all files of the folder may still give together

    def read_file(item: MessageFile) -> Iterator[ParsedMessage | Unparsed | Problem]:
        fmt, label = ("eml", "maildir") if item.maildir else (_file_format(format), None)
        name = str(item.path)
        with open_input(item.path, name, limit=left[0], regular_only=True) as inp:
            try:
                yield from _read_input(inp, fmt, limits, label=label)
            finally:
                left[0] -= inp.chain.served

    def full() -> str | None:
        if left[0] > 0:
            return None
        return (
            f"the folder's files are over the limit of {limits.input_bytes:,} bytes together "
            "(Limits.input_bytes)"
        )

    yield from read_tree(path, read_file, follow_links=follow_links, full=full)


def _file_format(format: str | None) -> str | None:
    """The format of a file found in a folder: sniffed, unless the caller named a file format."""
    return None if format == "maildir" else format


def _read_input(
    inp: Input, format: str | None, limits: Limits, *, label: str | None = None
) -> Iterator[ParsedMessage | Unparsed | Problem]:
    fmt = format or sniff(inp.head)
    if fmt == "text-dump":
        yield from _read_text_dump(inp, limits)
    elif fmt == "mbox":
        yield from mbox_items(inp, MBOX, max_message=limits.message_bytes)
    elif fmt == "pipermail":
        yield from mbox_items(inp, PIPERMAIL, max_message=limits.message_bytes)
    elif fmt == "eml":
        yield from eml_items(inp, format=label or "eml", max_message=limits.message_bytes)
    else:
        raise ArchiveFormatError(_why_unknown(inp), path=inp.name, line=1, offset=0)


def _read_text_dump(inp: Input, limits: Limits) -> Iterator[ParsedMessage | Problem]:
    # A dump is text without headers; decoding never fails (bad bytes become U+FFFD). It is
    # read a line at a time, so a line longer than the limit is broken first.
    capped = LineCap(inp.stream, limits.line_bytes)
    raw = io.BufferedReader(capped)
    text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=None)
    yield from read_text_dump(text, path=inp.name)
    if capped.broken:
        yield Problem(
            what=f"{capped.broken:,} line(s) longer than {limits.line_bytes:,} bytes "
            "(Limits.line_bytes) were broken into shorter lines",
            path=inp.name,
            offset=capped.first,
        )
    end = end_problem(inp, 0)
    if end is not None:
        yield end


def _why_unknown(inp: Input) -> str:
    """Why an input is not an archive, in words a user can act on."""
    head = inp.head
    if not head:
        if inp.error is not None:
            return f"unreadable input ({inp.error})"
        return "empty input: no messages"
    if not head.strip():
        return "input holds only blank lines: no messages"
    if is_binary(head):
        return "binary data, not a mail archive"
    return "unrecognised format: not an mbox, a pipermail archive, a mail message or a text dump"
