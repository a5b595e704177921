"""The dispatch tables: every format by name, as a writer to a path or to an open stream."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TextIO

from wsisdedup.export.atomic import PathArg, archive_inputs, replacing_text
from wsisdedup.export.html import write_html, write_html_files
from wsisdedup.export.jsonl import write_jsonl
from wsisdedup.export.markdown import write_markdown
from wsisdedup.export.parquet import write_parquet
from wsisdedup.export.sqlite import write_sqlite
from wsisdedup.export.tree import write_json_tree
from wsisdedup.model import Archive

__all__ = ["FORMATS", "STREAM_FORMATS"]


def _to_file(write: Callable[[Archive, TextIO], object]) -> Callable[[Archive, PathArg], None]:
    def to_path(archive: Archive, path: PathArg) -> None:
        # A temporary file renamed over `path` when complete (export.atomic): a failed write
        # never leaves a partial file, and never replaces a good one or the archive itself.
        with replacing_text(path, inputs=archive_inputs(archive)) as f:
            write(archive, f)

    to_path.__name__ = f"{getattr(write, '__name__', 'write')}_file"
    to_path.__doc__ = f"Write to the file at `path`: {write.__doc__}"
    return to_path


STREAM_FORMATS: Mapping[str, Callable[[Archive, TextIO], object]] = {
    "jsonl": write_jsonl,
    "json": write_json_tree,
    "markdown": write_markdown,
    "html": write_html,
}
"""The text formats, as writers to an open text stream (for standard output)."""

FORMATS: Mapping[str, Callable[[Archive, PathArg], None]] = {
    **{name: _to_file(write) for name, write in STREAM_FORMATS.items()},
    # A large archive is an index page and a page per thread in a folder beside it.
    "html": write_html_files,
    "sqlite": write_sqlite,
    "parquet": write_parquet,
}
"""Every format by name, as a writer of an archive to a path."""
