"""Mutators for the fuzz harness: how archives break in the wild, as functions on bytes.

Each mutator takes the archive's bytes (decompressed) and the choices Hypothesis drew, and
returns new bytes. They are plain functions, so a failing example from the harness can be
replayed by hand. The corpus is cut from the real archives in `examples/data/`: a few messages
each, so that one example reads in tens of milliseconds and a short run still tries hundreds.

`Slice.ranges` records where each message of a slice starts and ends. The harness uses it to
mutate inside one message (its separator line and its last bytes excluded) and then assert that
every *other* message survived: corrupting one message must never lose another.
"""

from __future__ import annotations

import gzip
import itertools
import re
from collections.abc import Sequence
from pathlib import Path

import attrs

__all__ = [
    "BAD_CHARSETS",
    "BAD_ENCODED_WORDS",
    "CORPUS",
    "Slice",
    "break_boundary",
    "corpus",
    "flip_bytes",
    "insert_separator",
    "line_endings",
    "message_ids",
    "nested_multipart",
    "set_charsets",
    "set_subjects",
    "truncate",
]

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"

SEPARATOR = re.compile(rb"^From \S+ +\S.*\d{4}\s*$", re.MULTILINE)
"""An mbox or pipermail separator line: `From <who> <ctime>` (loose; both readers are stricter)."""

BAD_CHARSETS = (
    "undefined",
    "punycode",
    "idna",
    "x-unknown",
    "unknown-8bit",
    "utf-7",
    "rot13",
    "base64",
    "uu",
    "zlib",
    "hex",
    "utf-32",
    "",
    '"',
    "utf-8''",
    "\u00e9",
)
"""Charset labels Python rejects, or knows as a non-text codec, or decodes only some bytes with."""

BAD_ENCODED_WORDS = (
    b"=?undefined?q?x?=",
    b"=?punycode?q?=FF?=",
    b"=?idna?b?/w==?=",
    b"=?utf-8?x?abc?=",
    b"=?utf-8?b?!!!?=",
    b"=??q?x?=",
    b"=?rot13?q?x?=",
    b"=?utf-8*?q?x?=",
    b"=?utf-8?q?" + b"=E9" * 50 + b"?=",
)
"""RFC 2047 encoded words with an unknown or non-text charset, a bad encoding or bad payload."""


@attrs.frozen(repr=False)
class Slice:
    """A few messages cut from a bundled archive, with where each message lies."""

    name: str
    format: str
    data: bytes
    ranges: tuple[tuple[int, int], ...]
    gzip: bool = False

    def __repr__(self) -> str:
        """Short, so that Hypothesis prints a failing example readably: the name finds it in
        `CORPUS`."""
        return f"<Slice {self.name}: {len(self.data)} bytes, {len(self.ranges)} messages>"

    def encoded(self, data: bytes | None = None) -> bytes:
        """The bytes as they go to disk: gzipped again for a `.txt.gz` source."""
        raw = self.data if data is None else data
        return gzip.compress(raw, mtime=0) if self.gzip else raw

    @property
    def suffix(self) -> str:
        return {"mbox": ".mbox", "pipermail": ".txt", "text-dump": ".txt"}[self.format] + (
            ".gz" if self.gzip else ""
        )


def _cut(name: str, fmt: str, raw: bytes, first: int, count: int, *, gz: bool = False) -> Slice:
    starts = [m.start() for m in SEPARATOR.finditer(raw)]
    starts = starts[first : first + count + 1]
    end = starts[-1] if len(starts) > count else len(raw)
    base = starts[0]
    data = raw[base:end]
    bounds = [s - base for s in starts[:count]] + [len(data)]
    ranges = tuple(itertools.pairwise(bounds))
    return Slice(name=name, format=fmt, data=data, ranges=ranges, gzip=gz)


def _dump_slice(raw: bytes, lines: int) -> Slice:
    """The head of the seed dump, cut at a line end, with its roster added back (a dump ends
    with one, and without it the author stage has nothing to match)."""
    text = b"\n".join(raw.split(b"\n")[:lines]) + b"\n"
    roster_at = raw.rfind(b"participants (")
    roster = raw[roster_at:] if roster_at >= 0 else b""
    data = text + b"\n" + roster
    return Slice(name="wsis20-head", format="text-dump", data=data, ranges=((0, len(data)),))


def corpus() -> tuple[Slice, ...]:
    """Slices of every bundled archive: mbox, pipermail (plain and gzipped) and a text dump."""
    mbox = (DATA / "3gpp-sa-wg4-evs.mbox").read_bytes()
    numpy = (DATA / "numpy-discussion-2001-November.txt").read_bytes()
    fedora = gzip.decompress((DATA / "fedora-devel-2010-January.txt.gz").read_bytes())
    dump = (DATA / "wsis20-2025-06.txt").read_bytes()
    return (
        _cut("3gpp", "mbox", mbox, 0, 4),
        _cut("3gpp-mid", "mbox", mbox, 10, 4),
        _cut("numpy", "pipermail", numpy, 0, 6),
        _cut("numpy-mid", "pipermail", numpy, 40, 6),
        _cut("fedora-gz", "pipermail", fedora, 0, 6, gz=True),
        _cut("fedora-mid", "pipermail", fedora, 200, 6),
        _dump_slice(dump, 12),
    )


CORPUS: tuple[Slice, ...] = corpus()


def message_ids(data: bytes, ranges: Sequence[tuple[int, int]]) -> list[str | None]:
    """The Message-ID of each range, without angle brackets (None when it has none)."""
    found: list[str | None] = []
    for start, end in ranges:
        head = data[start:end].split(b"\n\n", 1)[0]
        m = re.search(rb"(?im)^message-id:[ \t]*<?([^>\s]+)>?", head)
        found.append(m.group(1).decode("ascii", "replace") if m else None)
    return found


# --- Mutators ---------------------------------------------------------------------------------


def flip_bytes(data: bytes, edits: Sequence[tuple[int, int]]) -> bytes:
    """Set the byte at each position (taken modulo the length) to the given value."""
    if not data:
        return data
    out = bytearray(data)
    for pos, value in edits:
        out[pos % len(out)] = value
    return bytes(out)


def truncate(data: bytes, at: int) -> bytes:
    """The first `at` bytes: a download or a copy cut short."""
    return data[: max(0, at)]


def insert_separator(data: bytes, line: int, separator: bytes) -> bytes:
    """`separator` inserted as a line before line number `line` (modulo the line count)."""
    lines = data.split(b"\n")
    at = line % len(lines)
    lines.insert(at, separator.rstrip(b"\n"))
    return b"\n".join(lines)


def line_endings(data: bytes, ending: bytes) -> bytes:
    """Every LF replaced by `ending` (CRLF from Windows tools, CR from classic Mac OS)."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", ending)


_CHARSET_PARAM = re.compile(rb"(?i)(charset=)(\"?)[^\";\s]*(\"?)")


def set_charsets(data: bytes, charset: str) -> bytes:
    """Every `charset=` parameter set to `charset`; a message without one gets a Content-Type
    header declaring it, so every message is decoded with it."""
    label = charset.encode("utf-8")
    out = _CHARSET_PARAM.sub(lambda m: m.group(1) + m.group(2) + label + m.group(3), data)
    if out == data:
        out = re.sub(
            rb"(?m)^(Subject:)",
            b"Content-Type: text/plain; charset=" + label + b"\n\\1",
            data,
        )
    return out


def set_subjects(data: bytes, word: bytes) -> bytes:
    """Every Subject (and From display name) replaced with a bad encoded word."""
    out = re.sub(rb"(?m)^Subject:[^\n]*", b"Subject: " + word.replace(b"\\", b"\\\\"), data)
    return re.sub(rb"(?m)^From: [^<\n]*<", b"From: " + word.replace(b"\\", b"\\\\") + b" <", out)


def break_boundary(data: bytes, mode: int) -> bytes:
    """A MIME boundary made wrong in one of four ways: the declared one changed, the closing
    delimiter dropped, the parts' delimiters cut, or the parameter emptied."""
    m = re.search(rb'(?i)boundary="?([^";\s]+)"?', data)
    if m is None:
        return data
    boundary = m.group(1)
    mode %= 4
    if mode == 0:
        return data[: m.start(1)] + boundary[::-1] + data[m.end(1) :]
    if mode == 1:
        return data.replace(b"--" + boundary + b"--", b"")
    if mode == 2:
        return data.replace(b"--" + boundary, b"--" + boundary[: len(boundary) // 2])
    return data[: m.start()] + b'boundary=""' + data[m.end() :]


def nested_multipart(depth: int, *, broken: bool = False, charset: str = "utf-8") -> bytes:
    """One mbox message of `depth` nested multipart/mixed parts around a text part; `broken`
    leaves every closing delimiter out."""
    head = (
        b"From nest@example.org Thu Jun  5 10:22:00 2025\n"
        b"From: Nest <nest@example.org>\n"
        b"Subject: nested\n"
        b"Date: Thu, 5 Jun 2025 10:22:00 +0000\n"
        b"Message-ID: <nested-" + str(depth).encode() + b"@example.org>\n"
        b"MIME-Version: 1.0\n"
    )
    body = b"Content-Type: text/plain; charset=" + charset.encode() + b"\n\nthe innermost text\n"
    for level in range(depth):
        b = b"b" + str(level).encode()
        close = b"" if broken else b"--" + b + b"--\n"
        body = (
            b'Content-Type: multipart/mixed; boundary="'
            + b
            + b'"\n\npreamble\n--'
            + b
            + b"\n"
            + body
            + b"\n"
            + close
        )
    return head + body + b"\n"
