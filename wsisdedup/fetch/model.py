"""Data of a fetch: what to download, progress events and the final report (frozen attrs)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import attrs

__all__ = ["FetchFailure", "FetchReport", "FetchedFile", "ProgressEvent", "Target"]

Kind = Literal["pipermail", "hyperkitty", "publicinbox"]
EventKind = Literal["start", "bytes", "new", "unchanged", "retry", "failed", "finished"]


@attrs.frozen
class Target:
    """One file to download: where from, how, and under which name in the output folder."""

    url: str
    name: str
    month: str | None = None
    method: Literal["GET", "POST"] = "GET"
    form: tuple[tuple[str, str], ...] = ()
    gzip: bool = False
    conditional: bool = True


@attrs.frozen
class FetchedFile:
    """A file that is on disk after the fetch: new (downloaded) or unchanged (HTTP 304)."""

    url: str
    path: Path
    month: str | None
    size: int
    empty: bool = False
    """The file holds no message (an empty month): kept, but left out of `FetchReport.paths`."""


@attrs.frozen
class FetchFailure:
    """A file that could not be fetched, and why (one line a person can act on)."""

    url: str
    name: str
    month: str | None
    reason: str
    status: int | None = None


@attrs.frozen
class ProgressEvent:
    """Reported through `on_progress`: per file (`bytes`, `new`, ...) and overall counts.

    `kind` is "start" (a file begins), "bytes" (more of it arrived), "new", "unchanged",
    "failed" (the file ended so), "retry" (a wait of `wait` seconds before another try) or
    "finished" (the whole fetch ended; `name` is empty).
    """

    kind: EventKind
    name: str
    url: str
    files_done: int
    files_total: int
    bytes_done: int = 0
    bytes_total: int | None = None
    wait: float = 0.0
    message: str = ""


@attrs.frozen
class FetchReport:
    """What a fetch did: the files that were new, unchanged (304) and failed, and where."""

    url: str
    kind: Kind
    out_dir: Path
    new: tuple[FetchedFile, ...] = ()
    unchanged: tuple[FetchedFile, ...] = ()
    failed: tuple[FetchFailure, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    @property
    def written(self) -> tuple[Path, ...]:
        """The paths written by this run (the new files)."""
        return tuple(f.path for f in self.new)

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every fetched file now on disk that holds messages, new or unchanged, in month (then
        name) order: ready for `wsisdedup.read_many`. Empty months are left out."""
        files = sorted(
            (f for f in self.new + self.unchanged if not f.empty),
            key=lambda f: (f.month or "", f.path.name),
        )
        return tuple(f.path for f in files)

    def summary(self) -> str:
        """One line: counts of new, unchanged and failed files."""
        return (
            f"{len(self.new)} new, {len(self.unchanged)} unchanged, {len(self.failed)} failed"
            f" ({self.kind}: {self.url})"
        )
