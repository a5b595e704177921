"""Export stage: the canonical tree as records, JSON Lines, a JSON tree, Markdown, HTML, SQLite
and Parquet.

`FORMATS` maps each format's name to a writer of an archive to a path, `STREAM_FORMATS` the
text formats to writers to an open stream. Each format is a module of this package.
"""

from __future__ import annotations

from wsisdedup.export.views import (
    FORMATS,
    STREAM_FORMATS,
    message_record,
    to_records,
    write_html,
    write_json_tree,
    write_jsonl,
    write_markdown,
    write_parquet,
    write_sqlite,
)

__all__ = [
    "FORMATS",
    "STREAM_FORMATS",
    "message_record",
    "to_records",
    "write_html",
    "write_json_tree",
    "write_jsonl",
    "write_markdown",
    "write_parquet",
    "write_sqlite",
]
