"""Files of a fetch: gzip verification, durable renames and the ETag / Last-Modified sidecar."""

from __future__ import annotations

import filecmp
import gzip
import json
import os
import zlib
from pathlib import Path

import httpx

__all__ = [
    "BadDownload",
    "fsync_dir",
    "is_empty",
    "load_validators",
    "same_bytes",
    "save_validators",
    "verify_gzip",
    "write_atomic",
]


class BadDownload(Exception):
    """The downloaded bytes are not what they claim to be (e.g. a truncated gzip)."""


def verify_gzip(path: Path) -> None:
    """Decompress the whole file; a truncated or corrupt gzip raises BadDownload."""
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error) as exc:
        raise BadDownload(f"truncated or corrupt gzip, not kept: {exc}") from exc


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def load_validators(sidecar: Path, dest: Path) -> dict[str, str]:
    """The stored ETag / Last-Modified, only while the file they describe is still whole."""
    try:
        stored = json.loads(sidecar.read_text(encoding="utf-8"))
        size = dest.stat().st_size
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("size") != size:
        return {}
    return {k: v for k in ("etag", "last_modified") if isinstance(v := stored.get(k), str)}


def save_validators(sidecar: Path, url: str, headers: httpx.Headers, size: int) -> None:
    record = {
        "url": url,
        "etag": headers.get("ETag"),
        "last_modified": headers.get("Last-Modified"),
        "size": size,
    }
    sidecar.parent.mkdir(parents=True, exist_ok=True)
    tmp = sidecar.with_name(sidecar.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, sidecar)


def write_atomic(dest: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `dest`, fsync it, then rename it over `dest`."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
    fsync_dir(dest.parent)


def is_empty(path: Path) -> bool:
    """True when the archive file holds no bytes (a plain file) or decompresses to none (.gz):
    a month without messages, which `wsisdedup.read` would refuse as "empty input"."""
    size = path.stat().st_size
    if size == 0:
        return True
    if not path.name.endswith(".gz") or size > 1024:
        return False
    try:
        with gzip.open(path, "rb") as stream:
            return stream.read(1) == b""
    except (EOFError, OSError, zlib.error):
        return False


def same_bytes(new: Path, old: Path) -> bool:
    """True when `old` exists and holds exactly the bytes of `new`."""
    try:
        return old.stat().st_size == new.stat().st_size and filecmp.cmp(new, old, shallow=False)
    except OSError:
        return False
