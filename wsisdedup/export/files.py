"""Writing an export to a path: the path type the writers take, and whole-file replacement.

The lowest layer of the package: the writers of binary files (`sqlite`, `parquet`) and the
dispatch (`formats`) build on it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

PathArg = str | os.PathLike[str]


@contextlib.contextmanager
def _replacing(path: PathArg) -> Iterator[Path]:
    """A temporary path next to `path` that replaces it on success, and vanishes on failure.

    A reader never sees a half-written file, and a failed export leaves the old one intact.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
