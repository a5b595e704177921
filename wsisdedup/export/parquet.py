"""Parquet: the records as one columnar file (needs the optional `parquet` extra, pyarrow)."""

from __future__ import annotations

import importlib
import json
from datetime import UTC
from typing import Any

from wsisdedup.errors import WsisdedupError
from wsisdedup.export.atomic import PathArg, archive_inputs, replacing
from wsisdedup.export.records import message_record
from wsisdedup.model import Archive, Message

__all__ = ["parquet_row", "parquet_schema", "write_parquet"]


def _pyarrow() -> tuple[Any, Any]:
    """`pyarrow` and `pyarrow.parquet`, imported only when asked for (an optional extra)."""
    try:
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError as e:
        raise WsisdedupError(
            "writing Parquet needs pyarrow, which is not installed: "
            "pip install 'wsisdedup[parquet]'"
        ) from e
    return pa, pq


def parquet_schema(pa: Any) -> Any:
    """The Arrow schema of the Parquet records (`pa` is the `pyarrow` module, passed in because
    it is an optional extra); `wsisdedup.spark` writes the same columns."""
    string, int64 = pa.string(), pa.int64()
    quote = pa.struct(
        [
            ("source_id", string),
            ("start", int64),
            ("end", int64),
            ("depth", int64),
            ("text", string),
        ]
    )
    link = pa.struct(
        [
            ("written", string),
            ("original", string),
            ("rewriter", string),
            ("truncated", pa.bool_()),
            ("completed", pa.bool_()),
            ("start", int64),
            ("end", int64),
        ]
    )
    copy = pa.struct(
        [("id", string), ("source", string), ("reason", string), ("score", pa.float64())]
    )
    return pa.schema(
        [
            ("id", string),
            ("thread_id", string),
            ("parent_id", string),
            ("parent_evidence", string),
            ("author_name", string),
            ("author_address", string),
            ("date", string),
            ("date_utc", pa.timestamp("us", tz="UTC")),
            ("subject", string),
            ("in_reply_to", pa.list_(string)),
            ("references", pa.list_(string)),
            ("new_text", string),
            ("signature", string),
            ("quotes", pa.list_(quote)),
            ("links", pa.list_(link)),
            ("duplicates", pa.list_(string)),
            ("duplicate_score", pa.float64()),
            ("copies", pa.list_(copy)),
            ("repeat_of", string),
            ("source", string),
            ("new_chars", int64),
            ("body_chars", int64),
        ]
    )


def parquet_row(m: Message) -> dict[str, Any]:
    """One message as a row of `parquet_schema`: its `message_record` plus `date_utc`."""
    rec = message_record(m)
    rec["date_utc"] = (
        m.date.astimezone(UTC) if m.date is not None and m.date.utcoffset() is not None else None
    )
    return rec


def write_parquet(archive: Archive, path: PathArg) -> None:
    """Write the records as one Parquet file (needs the `parquet` extra: pyarrow).

    Columns are those of `message_record`, plus `date_utc`, a timestamp for dates whose zone is
    known (null otherwise). The archive's stats are in the file's metadata under
    `wsisdedup.stats`. Raises `WsisdedupError` when pyarrow is not installed.
    """
    pa, pq = _pyarrow()
    rows = [parquet_row(m) for m in archive.messages]
    schema = parquet_schema(pa).with_metadata(
        {"wsisdedup.stats": json.dumps(archive.stats.as_dict())}
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    with replacing(path, inputs=archive_inputs(archive)) as tmp:
        pq.write_table(table, str(tmp))
