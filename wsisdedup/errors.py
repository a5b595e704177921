"""Exceptions. Each subclasses the built-in exception it means, so callers can catch either."""

from __future__ import annotations

__all__ = ["ArchiveFormatError", "OutputError", "UnsupportedFormatError", "WsisdedupError"]


class WsisdedupError(Exception):
    """Base class of every error the library raises on purpose."""


class ArchiveFormatError(WsisdedupError, ValueError):
    """The input cannot be read as an archive. Names the file and the position."""

    def __init__(
        self, what: str, *, path: str, line: int | None = None, offset: int | None = None
    ) -> None:
        self.what = what
        self.path = path
        self.line = line
        self.offset = offset
        where = path
        if line is not None:
            where += f", line {line}"
        if offset is not None:
            where += f", byte {offset}"
        super().__init__(f"{where}: {what}")


class UnsupportedFormatError(ArchiveFormatError, NotImplementedError):
    """The input is in a format that is recognised but not read yet."""


class OutputError(WsisdedupError, OSError):
    """An output could not be written, or writing it would destroy data. Names the path.

    Raised before anything is written where the target is refused (a folder, a device, one of
    the archive's own input files), and after a failed write, which leaves the old file intact.
    """

    def __init__(self, what: str, *, path: str) -> None:
        self.what = what
        self.path = path
        super().__init__(f"{path}: {what}")
