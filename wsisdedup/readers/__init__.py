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
from wsisdedup.model import ParsedMessage, Problem
from wsisdedup.readers.eml import read_eml
from wsisdedup.readers.maildir import is_maildir, read_folder, read_maildir
from wsisdedup.readers.mbox import MBOX, PIPERMAIL, read_mbox
from wsisdedup.readers.sniff import is_binary, looks_like_text_dump, sniff
from wsisdedup.readers.stream import Input, open_input, source_name
from wsisdedup.readers.textdump import read_text_dump

__all__ = ["FORMATS", "looks_like_text_dump", "read_messages", "sniff"]

FORMATS = ("mbox", "pipermail", "maildir", "eml", "text-dump")

PathSource = str | bytes | os.PathLike[str] | os.PathLike[bytes]


def read_messages(
    source: PathSource | BinaryIO, *, format: str | None = None
) -> Iterator[ParsedMessage | Problem]:
    """Yield each message of `source` (a path or an open binary file) in archive order.

    `source` is a file (mbox, pipermail `.txt`, `.eml`, any of them gzipped), a Maildir folder,
    a folder of message files, or an open binary file. `format` overrides sniffing: "mbox",
    "pipermail", "maildir", "eml" or "text-dump".

    A message that cannot be read becomes a `Problem` and the next one is read; problems found
    in a message that was read are on its `ParsedMessage.problems`. An input that is not an
    archive at all (empty, binary, unrecognised) raises `ArchiveFormatError` naming the file
    and position.
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    if isinstance(source, str | bytes | os.PathLike):
        path = Path(os.fsdecode(source))
        if path.is_dir():
            yield from _read_dir(path, format)
            return
        if format == "maildir":
            raise ArchiveFormatError("not a Maildir: a Maildir is a folder", path=str(path))
        yield from _read_file(path, format)
        return
    if format == "maildir":
        raise ArchiveFormatError("a Maildir must be given as a folder", path=source_name(source))
    with open_input(source, source_name(source)) as inp:
        yield from _read_input(inp, format)


def _read_dir(path: Path, format: str | None) -> Iterator[ParsedMessage | Problem]:
    if format in (None, "maildir") and is_maildir(path):
        yield from read_maildir(path, lambda p: _read_file(p, "eml", label="maildir"))
    elif format == "maildir":
        raise ArchiveFormatError("not a Maildir: no cur/ or new/ folder", path=str(path))
    else:
        yield from read_folder(path, lambda p: _read_file(p, format))


def _read_file(
    path: Path, format: str | None, *, label: str | None = None
) -> Iterator[ParsedMessage | Problem]:
    with open_input(path, str(path)) as inp:
        yield from _read_input(inp, format, label=label)


def _read_input(
    inp: Input, format: str | None, *, label: str | None = None
) -> Iterator[ParsedMessage | Problem]:
    fmt = format or sniff(inp.head)
    if fmt == "text-dump":
        # A dump is text without headers; decoding never fails (bad bytes become U+FFFD).
        text = io.TextIOWrapper(inp.stream, encoding="utf-8", errors="replace", newline=None)
        yield from read_text_dump(text, path=inp.name)
        if inp.error is not None:
            yield Problem(what=f"input ended early: {inp.error}", path=inp.name)
    elif fmt == "mbox":
        yield from read_mbox(inp, MBOX)
    elif fmt == "pipermail":
        yield from read_mbox(inp, PIPERMAIL)
    elif fmt == "eml":
        yield from read_eml(inp, format=label or "eml")
    else:
        raise ArchiveFormatError(_why_unknown(inp), path=inp.name, line=1, offset=0)


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
