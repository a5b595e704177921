"""Records: each message as a plain dict of JSON types.

Records are plain dicts of JSON types (str, int, float, bool, None, lists and dicts of those) so
that `json`, `pandas.DataFrame` and `pyarrow` take them without glue. The layout itself is
`Message.to_record`, on the model.
"""

from __future__ import annotations

from typing import Any

from wsisdedup.model import Archive, Message, Problem

__all__ = ["message_record", "to_records"]


def message_record(m: Message) -> dict[str, Any]:
    """One message as a flat dict of JSON types (`Message.to_record`)."""
    return m.to_record()


def to_records(archive: Archive) -> list[dict[str, Any]]:
    """Every message of the archive as `message_record`s, in archive order."""
    return archive.to_records()


def _problem_record(p: Problem) -> dict[str, Any]:
    return {"what": p.what, "path": p.path, "line": p.line, "offset": p.offset}
