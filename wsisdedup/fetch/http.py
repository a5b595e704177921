"""The HTTP side of a fetch: one polite client, retries, conditional GETs, atomic downloads.

Politeness: a clear User-Agent, at least `min_interval` seconds between two requests, retries
with exponential back-off on 429, 5xx and connection errors, honouring `Retry-After` (seconds or
an HTTP date) up to a cap. A file is written to a temporary name in its folder, checked (length;
for `.gz` that it decompresses to its end), fsynced and only then renamed: a cut connection
never leaves a half month that looks whole. ETag and Last-Modified go to a small JSON sidecar in
the cache folder, so that the next run asks "changed since?" and a 304 costs nothing.
"""

from __future__ import annotations

import contextlib
import email.utils
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Literal, TypeVar

import attrs
import httpx

from wsisdedup.fetch.errors import FetchError
from wsisdedup.fetch.files import (
    BadDownload,
    fsync_dir,
    load_validators,
    same_bytes,
    save_validators,
    verify_gzip,
)
from wsisdedup.fetch.model import EventKind, Target

__all__ = ["DownloadFailed", "Downloaded", "HttpClient", "Politeness", "parse_retry_after"]


def _version() -> str:
    # From the installed distribution: importing the package root would import the pipeline
    # (fetching sits beside the readers, below it).
    try:
        return metadata.version("wsisdedup")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "0"


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHUNK = 64 * 1024
_T = TypeVar("_T")

Emit = Callable[[EventKind, int, int | None, float, str], None]
"""emit(kind, bytes_done, bytes_total, wait, message) for one file; see ProgressEvent."""


@attrs.frozen
class Politeness:
    """How hard a fetch may knock. The defaults suit a public archive; tests set 0 waits."""

    min_interval: float = 1.0
    max_retries: int = 4
    backoff: float = 2.0
    max_backoff: float = 60.0
    max_retry_after: float = 300.0
    timeout: float = 60.0
    user_agent: str = f"wsisdedup/{_version()}"


@attrs.frozen
class Downloaded:
    status: Literal["new", "unchanged"]
    path: Path
    size: int


class DownloadFailed(FetchError):
    """One file could not be fetched; `reason` says why, `status` is the last HTTP status."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        self.reason = reason
        self.status = status
        super().__init__(reason)


class _Retry(Exception):
    def __init__(self, reason: str, status: int | None, retry_after: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def _utc_now() -> datetime:
    return datetime.now(UTC)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class HttpClient:
    """One httpx client with the politeness rules; `sleep`, `clock`, `now` are injectable."""

    def __init__(
        self,
        politeness: Politeness | None = None,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        now: Callable[[], datetime] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.politeness = politeness or Politeness()
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self._now = now or _utc_now
        self._last: float | None = None
        self._client = httpx.Client(
            headers={"User-Agent": self.politeness.user_agent, "Accept-Encoding": "identity"},
            timeout=self.politeness.timeout,
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pace(self) -> None:
        if self._last is not None:
            wait = self.politeness.min_interval - (self._clock() - self._last)
            if wait > 0:
                self._sleep(wait)
        self._last = self._clock()

    def _wait_for(self, attempt: int, retry: _Retry) -> float:
        p = self.politeness
        if retry.retry_after is not None:
            if retry.retry_after > p.max_retry_after:
                raise DownloadFailed(
                    f"{retry.reason}; the server asks to wait {retry.retry_after:.0f} s, more"
                    f" than the cap of {p.max_retry_after:.0f} s: try again later",
                    retry.status,
                )
            return retry.retry_after
        return float(min(p.backoff * 2**attempt, p.max_backoff))

    def _run(self, attempt_once: Callable[[], _T], emit: Emit | None) -> _T:
        """Call `attempt_once` until it does not raise _Retry, at most 1 + max_retries times."""
        tries = self.politeness.max_retries + 1
        for attempt in range(tries):
            try:
                return attempt_once()
            except _Retry as retry:
                if attempt == tries - 1:
                    raise DownloadFailed(
                        f"{retry.reason} (gave up after {tries} tries)", retry.status
                    ) from None
                wait = self._wait_for(attempt, retry)
                if emit is not None:
                    emit("retry", 0, None, wait, retry.reason)
                if wait > 0:
                    self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def get_text(self, url: str) -> tuple[str, str]:
        """GET a page (an archive index): (its final URL, its text); raises DownloadFailed."""

        def once() -> tuple[str, str]:
            self._pace()
            try:
                response = self._client.get(url)
            except httpx.TransportError as exc:
                raise _Retry(_describe(exc), None, None) from exc
            _check_status(response, self._now())
            return str(response.url), response.text

        return self._run(once, None)

    def download(self, target: Target, out_dir: Path, cache_dir: Path, emit: Emit) -> Downloaded:
        """Fetch `target` into `out_dir/target.name`; raises DownloadFailed."""
        dest = out_dir / target.name
        sidecar = cache_dir / (target.name + ".json")
        validators = load_validators(sidecar, dest) if target.conditional else {}

        def once() -> Downloaded:
            return self._download_once(target, dest, sidecar, validators, emit)

        return self._run(once, emit)

    def _download_once(
        self,
        target: Target,
        dest: Path,
        sidecar: Path,
        validators: dict[str, str],
        emit: Emit,
    ) -> Downloaded:
        headers: dict[str, str] = {}
        if "etag" in validators:
            headers["If-None-Match"] = validators["etag"]
        if "last_modified" in validators:
            headers["If-Modified-Since"] = validators["last_modified"]
        self._pace()
        data = dict(target.form) if target.method == "POST" else None
        tmp_name: str | None = None
        try:
            with self._client.stream(
                target.method, target.url, headers=headers, data=data
            ) as response:
                if response.status_code == 304:
                    if validators and dest.exists():
                        return Downloaded("unchanged", dest, dest.stat().st_size)
                    raise DownloadFailed("HTTP 304 Not Modified to an unconditional request", 304)
                _check_status(response, self._now())
                total = _content_length(response)
                fd, tmp_name = tempfile.mkstemp(
                    dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"
                )
                done = 0
                with os.fdopen(fd, "wb") as out:
                    for chunk in response.iter_raw(CHUNK):
                        out.write(chunk)
                        done += len(chunk)
                        emit("bytes", done, total, 0.0, "")
                    if total is not None and done != total:
                        raise _Retry(f"connection cut after {done} of {total} bytes", None, None)
                    out.flush()
                    os.fsync(out.fileno())
                if target.gzip:
                    try:
                        verify_gzip(Path(tmp_name))
                    except BadDownload as exc:
                        raise DownloadFailed(str(exc), response.status_code) from None
                status: Literal["new", "unchanged"] = "new"
                if same_bytes(Path(tmp_name), dest):
                    # A server without validators (HyperKitty's export) sent the same file
                    # again: the copy on disk is kept as it is.
                    status = "unchanged"
                else:
                    os.replace(tmp_name, dest)
                    tmp_name = None
                    fsync_dir(dest.parent)
                # Only after the file: validators must never describe a file not yet in place.
                save_validators(sidecar, target.url, response.headers, done)
                return Downloaded(status, dest, done)
        except httpx.TransportError as exc:
            raise _Retry(_describe(exc), None, None) from exc
        finally:
            if tmp_name is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp_name)


def _describe(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    return f"connection error: {text}"


def _check_status(response: httpx.Response, now: datetime) -> None:
    status = response.status_code
    if status < 400:
        return
    reason = f"HTTP {status} {response.reason_phrase}".rstrip()
    if status in RETRY_STATUSES:
        wait = parse_retry_after(response.headers.get("Retry-After"), now)
        raise _Retry(reason, status, wait)
    raise DownloadFailed(reason, status)


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value is not None and value.isdigit() else None
