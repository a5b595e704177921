"""Which list an input belongs to: the unit whose messages are joined together.

The local pipeline joins what one `read_many` call is given: footers are learnt from those
bodies, quotes are sourced and copies collapsed among them, threads are built from them. On
Spark a *list* is that unit: all inputs with the same key are one `read_many` call (in the
order given), and lists are joined independently of each other, in parallel.

The default key of an input file, first found wins:

1. the `List-Id` header of its first message that has one (`<devel.lists.fedoraproject.org>`
   gives `devel.lists.fedoraproject.org`), read from the first 64 KiB of the file;
2. its file name without extensions and without a trailing date (`fedora-devel-2010-January
   .txt.gz` gives `fedora-devel`), so the monthly files of one list fall together;
3. the name of the folder that holds it, when the name is nothing but a date
   (`devel/2010-January.txt.gz` gives `devel`).

A folder given as input (a Maildir) is keyed by its own name.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path

import regex

__all__ = ["ListKey", "default_list_key", "list_id_of", "raw_list_key"]

ListKey = Callable[[str], str]
"""A function from an input's path to the key of its list."""

_HEAD_BYTES = 64 * 1024

_LIST_ID = regex.compile(rb"^List-Id:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", regex.I | regex.M)

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_TRAILING_DATE = regex.compile(
    rf"[-_. ]*(?:\d{{4}}(?:[-_. ]*(?:\d{{1,2}}|{_MONTHS})(?:[-_. ]*\d{{1,2}})?)?"
    rf"|(?:{_MONTHS})[-_. ]*\d{{4}})$",
    regex.I,
)
_EXTENSIONS = (".gz", ".txt", ".mbox", ".mbx", ".eml", ".mail")


def list_id_of(head: bytes) -> str | None:
    """The list id named by the first `List-Id` header in `head` (raw message bytes).

    >>> list_id_of(b"From: a@b\\nList-Id: Fedora devel <devel.lists.example.org>\\n\\nHi")
    'devel.lists.example.org'
    >>> list_id_of(b"From: a@b\\n\\nHi") is None
    True
    """
    match = _LIST_ID.search(head)
    if match is None:
        return None
    value = match.group(1).decode("utf-8", "replace")
    value = " ".join(value.split())
    start, end = value.rfind("<"), value.rfind(">")
    if 0 <= start < end:
        value = value[start + 1 : end]
    return value.strip().casefold() or None


def _head_of(path: Path) -> bytes:
    """The first bytes of a file, decompressed when it is gzip (a pipermail `.txt.gz`)."""
    try:
        with path.open("rb") as f:
            head = f.read(_HEAD_BYTES)
            if not head.startswith(b"\x1f\x8b"):
                return head
            f.seek(0)
            with gzip.GzipFile(fileobj=f) as gz:
                return gz.read(_HEAD_BYTES)
    except (OSError, EOFError, gzip.BadGzipFile):
        return b""  # the reader reports what is wrong with the file; the key needs no more


def _name_key(path: Path) -> str:
    """The file name without extensions and trailing date; the folder's name if that is all."""
    name = path.name
    lowered = name.casefold()
    while True:
        for ext in _EXTENSIONS:
            if lowered.endswith(ext) and len(lowered) > len(ext):
                name, lowered = name[: -len(ext)], lowered[: -len(ext)]
                break
        else:
            break
    stem: str = _TRAILING_DATE.sub("", name).strip("-_. ")
    if stem:
        return stem
    parent = path.resolve().parent.name
    return parent or name


def default_list_key(path: str) -> str:
    """The list of an input path: its List-Id, else its name or folder (the module docstring).

    >>> default_list_key("/nowhere/fedora-devel-2010-January.txt.gz")
    'fedora-devel'
    >>> default_list_key("/archives/numpy/2001-November.txt")
    'numpy'
    """
    p = Path(os.fsdecode(path))
    if p.is_dir():
        return p.resolve().name or str(p)
    if p.is_file():
        found = list_id_of(_head_of(p))
        if found:
            return found
    return _name_key(p)


def raw_list_key(raw: bytes) -> str:
    """The list of one raw message given in a DataFrame: its List-Id, or "" (one list)."""
    head = raw[:_HEAD_BYTES]
    end = head.find(b"\n\n")
    if end < 0:
        end = head.find(b"\r\n\r\n")
    return list_id_of(head if end < 0 else head[:end]) or ""
