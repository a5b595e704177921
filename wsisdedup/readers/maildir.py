"""Folders: a Maildir (`cur/` and `new/`), or a folder of message files (`.eml` or mboxes).

A folder is an archive even if one of its files is not: a file that cannot be read becomes a
Problem naming it, and the other files are still read. Messages come in file-name order, which
for Maildir is delivery order (Maildir names start with the delivery time in seconds).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from wsisdedup.errors import ArchiveFormatError
from wsisdedup.model import ParsedMessage, Problem

__all__ = ["is_maildir", "read_folder", "read_maildir"]

ReadFile = Callable[[Path], Iterator[ParsedMessage | Problem]]


def is_maildir(path: Path) -> bool:
    """True if `path` has the `cur/` or `new/` subfolder of a Maildir."""
    return (path / "cur").is_dir() or (path / "new").is_dir()


def _files(folder: Path) -> list[Path]:
    # Dot files are editor and OS litter (.DS_Store) and Maildir++ subfolders, not messages.
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    return [Path(e.path) for e in entries if not e.name.startswith(".") and e.is_file()]


def _read_each(files: list[Path], read_file: ReadFile) -> Iterator[ParsedMessage | Problem]:
    for path in files:
        try:
            yield from read_file(path)
        except ArchiveFormatError as exc:
            yield Problem(what=exc.what, path=exc.path, line=exc.line, offset=exc.offset)
        except OSError as exc:
            yield Problem(what=f"cannot read file: {exc.strerror or exc}", path=str(path))


def read_maildir(folder: Path, read_file: ReadFile) -> Iterator[ParsedMessage | Problem]:
    """The messages of a Maildir: `new/` and `cur/` together, by file name (`tmp/` is skipped:
    messages there are still being delivered)."""
    files = _files(folder / "new") + _files(folder / "cur")
    files.sort(key=lambda p: p.name)
    yield from _read_each(files, read_file)


def read_folder(folder: Path, read_file: ReadFile) -> Iterator[ParsedMessage | Problem]:
    """The messages of every file in a folder, each file sniffed on its own."""
    files = _files(folder)
    if not files:
        raise ArchiveFormatError("folder holds no message files", path=str(folder))
    yield from _read_each(files, read_file)
