"""Writes that never destroy data: a temporary file beside the target, renamed over it when
complete.

Every writer of the export stage goes through `replacing` (for writers that want a path, such
as SQLite and Parquet) or `replacing_text` (for the text formats). Both:

- refuse a target that is not a regular file (a folder, a device, a FIFO, a socket), and a
  target that is one of the archive's own input files, before anything is written;
- follow a symbolic link on purpose: the file the link points to is replaced and the link kept,
  so `out.jsonl -> /data/latest.jsonl` updates `/data/latest.jsonl`; a link that points nowhere
  is refused, since where it would write is a guess;
- write to a temporary file in the target's folder (so the rename is atomic on one file
  system), flush and fsync it, rename it over the target, and fsync the folder;
- on any failure remove the temporary file and leave the old target as it was.

Failures are `OutputError`s (a `WsisdedupError` and an `OSError`) that name the path.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from wsisdedup.errors import OutputError
from wsisdedup.model import Archive

__all__ = ["PathArg", "archive_inputs", "check_target", "replacing", "replacing_text"]

PathArg = str | os.PathLike[str]
"""The path type every writer takes."""


def archive_inputs(archive: Archive) -> tuple[str, ...]:
    """The files an archive was read from, which no export of it may overwrite."""
    paths = {m.source.path for m in archive.messages}
    paths.update(p.path for p in archive.problems)
    return tuple(sorted(p for p in paths if p))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _is_file(st: os.stat_result, other: PathArg) -> bool:
    """Whether `other` names the file `st` describes (through any link or other name)."""
    try:
        o = os.stat(other)
    except (OSError, ValueError):  # no such file, or a name like "<stream>"
        return False
    return (st.st_dev, st.st_ino) == (o.st_dev, o.st_ino)


def check_target(path: PathArg, *, inputs: Iterable[PathArg] = ()) -> Path:
    """The file a write to `path` will replace, or `OutputError` if it must not be written.

    `inputs` are the files the data came from: writing over one of them would replace the
    archive with its own export. Call it before reading, so that a refused output costs
    nothing; the writers call it again before they rename.
    """
    given = Path(path)
    if given.is_symlink() and not given.exists():
        raise OutputError(
            "is a symbolic link that points nowhere; refusing to write", path=str(path)
        )
    target = given.resolve() if given.is_symlink() else given
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot be checked: {exc.strerror or exc}", path=str(path)) from exc
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"is {_kind(st.st_mode)}; refusing to write over it", path=str(path))
    if st is not None and any(_is_file(st, source) for source in inputs):
        raise OutputError("is an input of this archive; refusing to write over it", path=str(path))
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"its folder {str(folder)!r} does not exist", path=str(path))
    return target


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not every platform can open a folder.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def replacing(path: PathArg, *, inputs: Iterable[PathArg] = ()) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`, on failure it goes.

    The caller writes and closes the temporary file; this fsyncs it, renames it over the target
    and fsyncs the folder. The old file at `path` is untouched until the rename.
    """
    inputs = tuple(inputs)
    target = check_target(path, inputs=inputs)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(
            f"cannot create a file beside it: {exc.strerror}", path=str(path)
        ) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as done:
            os.fsync(done.fileno())
        check_target(path, inputs=inputs)  # nothing took the target's place meanwhile
        if target.exists():
            # Keep the old file's permission bits; mkstemp creates 0600.
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"could not be written: {exc.strerror or exc}", path=str(path)) from exc
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def replacing_text(path: PathArg, *, inputs: Iterable[PathArg] = ()) -> Iterator[TextIO]:
    """`replacing`, opened as UTF-8 text with `\\n` line ends."""
    with replacing(path, inputs=inputs) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        yield f
        f.flush()


def _umask() -> int:
    # The only portable way to read the umask is to set it; set it back at once.
    mask = os.umask(0)
    os.umask(mask)
    return mask
