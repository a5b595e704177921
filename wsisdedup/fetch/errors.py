"""Errors raised by `wsisdedup.fetch`."""

from __future__ import annotations

from wsisdedup.errors import WsisdedupError

__all__ = ["FetchError", "UnsupportedArchiveError"]


class FetchError(WsisdedupError):
    """A fetch could not be started or a page could not be understood."""


class UnsupportedArchiveError(FetchError, NotImplementedError):
    """The URL is recognised as an archive kind (or a form of it) that is not fetched yet."""
