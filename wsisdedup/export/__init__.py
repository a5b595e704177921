"""Export stage: the canonical tree as records, JSON Lines, a JSON tree, Markdown, HTML, SQLite
and Parquet.

`FORMATS` maps each format's name to a writer of an archive to a path, `STREAM_FORMATS` the
text formats to writers to an open stream. Each format is a module of this package.

Every writer works from an `Archive` and nothing else, so any output can be made again from
the same archive.

Modules, in layers (a module imports only from layers above it):

1. `atomic`: the path type the writers take, and writes that never destroy data (a temporary
   file renamed over a regular target when complete; devices, folders and the archive's own
   inputs refused).
   `records`: each message as a plain dict of JSON types (`message_record`, `to_records`).
2. `views`: what the tree-shaped outputs show: thread walks (each message once, depth-first),
   a message's blocks for people (quotes as links, footers dropped), names, dates, anchors
   and safe links.
3. One module per format, none importing another: `jsonl` (JSON Lines), `tree` (the JSON
   tree), `markdown`, `html`, `sqlite`, `parquet`.
4. `formats`: the dispatch tables `FORMATS` and `STREAM_FORMATS`.
"""

from __future__ import annotations

from wsisdedup.export.formats import FORMATS, STREAM_FORMATS
from wsisdedup.export.html import write_html
from wsisdedup.export.jsonl import write_jsonl
from wsisdedup.export.markdown import write_markdown
from wsisdedup.export.parquet import write_parquet
from wsisdedup.export.records import message_record, to_records
from wsisdedup.export.sqlite import write_sqlite
from wsisdedup.export.tree import write_json_tree

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
