"""Opening an input: a path or an open binary file, gzip undone, the head kept for sniffing.

Nothing here reads a whole file: the input is a chain of small raw streams under one buffered
reader, so a 1 GB archive (gzip or not) is read a buffer at a time. The chain also turns a
decompression error (a truncated `.gz`) into an early end of input that it remembers, so the
reader can yield every message before the cut and then report where the input broke.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import stat
import zlib
from collections.abc import Iterator
from typing import BinaryIO, Protocol

import attrs

__all__ = [
    "GZIP_MAGIC",
    "HEAD_SIZE",
    "Input",
    "InputLimitReached",
    "LineCap",
    "NotRegularFileError",
    "open_input",
    "source_name",
]

GZIP_MAGIC = b"\x1f\x8b"
HEAD_SIZE = 64 * 1024
"""Bytes read ahead for sniffing: enough for several header blocks or a scraped page's start."""
_BUFFER = 1 << 20


class InputLimitReached(Exception):
    """The input went on past `Limits.input_bytes`: kept as the chain's error, never raised."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"over the limit of {limit:,} bytes after decompression")


class NotRegularFileError(OSError):
    """A path inside a folder is a FIFO, a device or a socket: reading it could block forever."""


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Chain(io.RawIOBase):
    """Serves `prefix`, then reads from `inner`; a read error ends the stream and is kept."""

    def __init__(
        self, prefix: bytes, inner: _Readable, *, guard: bool, limit: int | None = None
    ) -> None:
        super().__init__()
        self._limit = limit
        self._prefix = memoryview(prefix)
        self._inner = inner
        self._read1 = getattr(inner, "read1", None)
        self._guard = guard
        self.error: BaseException | None = None
        self.served = 0
        """Bytes handed out so far: the offset at which an error cut the input."""

    def readable(self) -> bool:
        return True

    def unread(self, data: bytes) -> None:
        """Hand `data` (just read) out again, before anything else."""
        self._prefix = memoryview(data + bytes(self._prefix))
        self.served -= len(data)

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            self.served += n
            return n
        if self.error is not None:
            return 0
        size = len(view)
        if self._limit is not None:
            if self.served >= self._limit:
                # An input that ends exactly at the limit is whole: look one byte further.
                if self._read(1):
                    self.error = InputLimitReached(self._limit)
                return 0
            size = min(size, self._limit - self.served)
        data = self._read(size)
        n = len(data)
        view[:n] = data
        self.served += n
        return n

    def _read(self, size: int) -> bytes:
        if self.error is not None:
            return b""
        try:
            # read1 returns what one underlying read gives, so data decompressed before an
            # error is handed out before the error is seen.
            data = self._read1(size) if self._read1 else self._inner.read(size)
        except (EOFError, OSError, zlib.error) as exc:
            if not self._guard:
                raise
            self.error = exc
            return b""
        return data


@attrs.define
class Input:
    """An opened input: its display name, the decompressed stream, and the sniffing head."""

    name: str
    stream: BinaryIO
    head: bytes
    compressed: bool
    chain: _Chain

    @property
    def error(self) -> BaseException | None:
        """The decompression or read error that ended the input early, if any."""
        return self.chain.error


def source_name(source: object) -> str:
    """The path to show for a source: its file name, or `<stream>`."""
    if isinstance(source, str | os.PathLike):
        return os.fsdecode(os.fspath(source))
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


def _read_up_to(stream: _Readable, size: int) -> bytes:
    """Up to `size` bytes; short only at the end of the stream."""
    parts: list[bytes] = []
    want = size
    while want > 0:
        data = stream.read(want)
        if not data:
            break
        parts.append(data)
        want -= len(data)
    return b"".join(parts)


def _open_path(path: str | os.PathLike[str], *, regular_only: bool) -> BinaryIO:
    """Open a path for reading without ever blocking on a FIFO that has no writer.

    O_NONBLOCK makes the open itself return at once; the type is then checked on the open
    file (no race with a rename between a check and the open). A FIFO or device named on its
    own (`<(zcat ...)` in a shell) is read; one found inside a folder (`regular_only`) is not.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if regular_only and not stat.S_ISREG(mode):
            raise NotRegularFileError(f"not a regular file: {os.fsdecode(path)}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def open_input(
    source: str | os.PathLike[str] | BinaryIO,
    name: str,
    *,
    limit: int | None = None,
    regular_only: bool = False,
) -> Iterator[Input]:
    """Open a file path or wrap an open binary file; decompress gzip; read the head.

    An open file is not closed here (its owner closes it); a path opened here is. After
    `limit` bytes (decompressed) the input ends, and `Input.error` is an `InputLimitReached`.
    """
    with contextlib.ExitStack() as stack:
        if isinstance(source, str | os.PathLike):
            raw: BinaryIO = stack.enter_context(_open_path(source, regular_only=regular_only))
        else:
            if isinstance(source, io.TextIOBase):
                raise TypeError(f"{name}: open the file in binary mode ('rb')")
            raw = source
        magic = _read_up_to(raw, 2)
        if not isinstance(magic, bytes):
            raise TypeError(f"{name}: open the file in binary mode ('rb')")
        plain: _Readable = _Chain(magic, raw, guard=False)
        compressed = magic == GZIP_MAGIC
        if compressed:
            plain = stack.enter_context(
                gzip.GzipFile(fileobj=io.BufferedReader(_Chain(magic, raw, guard=False)))
            )
        chain = _Chain(b"", plain, guard=True, limit=limit)
        head = _read_up_to(chain, HEAD_SIZE)
        chain.unread(head)
        stream = io.BufferedReader(chain, buffer_size=_BUFFER)
        yield Input(name=name, stream=stream, head=head, compressed=compressed, chain=chain)


class LineCap(io.RawIOBase):
    """Serves `inner` with a line break put after every `limit` bytes that hold none.

    For readers that take a line at a time (text dumps): a line of gigabytes would otherwise be
    held whole. `broken` counts the breaks put in and `first` is where the first one went (the
    offset in `inner`).
    """

    def __init__(self, inner: BinaryIO, limit: int) -> None:
        super().__init__()
        self._inner = inner
        self._limit = limit
        self._run = 0  # bytes since the last line break
        self._pending = b""
        self._offset = 0
        self.broken = 0
        self.first: int | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if not self._pending:
            data = self._inner.read(len(view))
            if not data:
                return 0
            self._pending = self._cap(data)
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _cap(self, data: bytes) -> bytes:
        # A chunk no longer than the room left holds no line that reaches the limit: served as
        # it is (the loop below takes a Python step a line, the cost on runs of short lines).
        if self._run + len(data) <= self._limit:
            nl = data.rfind(b"\n")
            self._run = len(data) - nl - 1 if nl >= 0 else self._run + len(data)
            self._offset += len(data)
            return data
        out: list[bytes] = []
        pos = 0
        while pos < len(data):
            room = self._limit - self._run
            nl = data.find(b"\n", pos, pos + room + 1)
            if nl >= 0:
                out.append(data[pos : nl + 1])
                self._run, pos = 0, nl + 1
            elif len(data) - pos <= room:
                out.append(data[pos:])
                self._run += len(data) - pos
                pos = len(data)
            else:
                out.append(data[pos : pos + room] + b"\n")
                self.broken += 1
                if self.first is None:
                    self.first = self._offset + pos + room
                self._run, pos = 0, pos + room
        self._offset += len(data)
        return b"".join(out)
