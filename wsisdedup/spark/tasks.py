"""What Spark tasks run: the local pipeline's own functions, wrapped for pandas and Arrow batches.

Nothing here implements a stage. Each function takes and returns pandas DataFrames (or Arrow
record batches) and calls the function the local pipeline calls at that point:
`readers.read_messages`, `segment.footers.learn_footers`, `analyse.analyse_message`,
`pipeline.join_archive` and `export.parquet.parquet_row`. Values that have no Spark type
(a `ParsedMessage`, a `Message`, a tuple of footers) travel between stages as pickled binary
columns: they are frozen attrs classes, and pickle keeps every field exactly.

This module imports pandas and pyarrow (both come with Spark's Python side) but not pyspark:
the functions run in Spark's Python workers, which import them by name.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Iterator
from typing import Any

from wsisdedup.analyse import analyse_message
from wsisdedup.export.parquet import parquet_row, parquet_schema
from wsisdedup.model import Limits, Message, ParsedMessage, Problem
from wsisdedup.pipeline import join_archive
from wsisdedup.readers import read_messages
from wsisdedup.segment.footers import learn_footers

__all__ = [
    "LIST",
    "analyse_batches",
    "join_list",
    "learn_list_footers",
    "parse_raw_batches",
    "problem_batches",
    "read_file_batches",
    "record_batches",
    "records_schema",
]

LIST = "list"
"""The column of the list key (`wsisdedup.spark.keys`)."""

_BATCH_ROWS = 1000
"""Rows per pandas batch a reading task yields: bounded memory for a file of any size."""

_PROTOCOL = pickle.HIGHEST_PROTOCOL

PARSED_DDL = f"`{LIST}` string, file long, seq long, parsed binary"
"""A message read: its list, its input's position among the inputs, its position in that
input, and the pickled `ParsedMessage`. (`file`, `seq`) is the archive order of the list.
A row with `seq` -1 holds a pickled `Problem` instead (`PROBLEM_SEQ`): what could not be
read, kept apart from the messages by `engine.read_archive`."""
PROBLEM_SEQ = -1
PROBLEMS_DDL = f"`{LIST}` string, path string, line long, offset long, what string"
"""A problem of reading, as `Problem` has it (`str(Problem)` is `path, line, byte: what`)."""
FOOTERS_DDL = f"`{LIST}` string, footers binary"
ANALYSED_DDL = f"`{LIST}` string, file long, seq long, payload binary"
"""`payload` pickles (`ParsedMessage`, `Message`) together: the body is one string in both,
and pickling them at once stores it once."""
JOINED_DDL = f"`{LIST}` string, position long, message binary"


def _dumps(value: object) -> bytes:
    return pickle.dumps(value, protocol=_PROTOCOL)


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> Any:
    import pandas as pd  # only in Spark's Python workers

    return pd.DataFrame(rows, columns=columns)


_PARSED_COLUMNS = [LIST, "file", "seq", "parsed"]


def read_file_batches(
    batches: Iterator[Any], *, format: str | None, limits: Limits | None, follow_links: bool
) -> Iterator[Any]:
    """Read the input files named in `batches` (columns `list`, `file`, `path`): the messages
    of each, as `read_messages` yields them, in batches of `PARSED_DDL` rows.

    Problems (a broken message, a message of a read one) become rows of their own, in the
    order `read` on one machine lists them (`PROBLEM_SEQ`). An input that is no archive at all
    raises, as it does there.
    """
    for frame in batches:
        for key, file, path in zip(frame[LIST], frame["file"], frame["path"], strict=True):
            rows: list[dict[str, Any]] = []
            seq = 0
            items = read_messages(path, format=format, limits=limits, follow_links=follow_links)
            for item in items:
                rows += _problem_rows(key, file, item)
                if isinstance(item, Problem):
                    continue
                rows.append({LIST: key, "file": file, "seq": seq, "parsed": _dumps(item)})
                seq += 1
                if len(rows) >= _BATCH_ROWS:
                    yield _frame(rows, _PARSED_COLUMNS)
                    rows = []
            if rows:
                yield _frame(rows, _PARSED_COLUMNS)


def parse_raw_batches(batches: Iterator[Any], *, limits: Limits | None) -> Iterator[Any]:
    """Parse raw RFC 5322 messages (columns `list`, `file`, `path`, `raw`) as the `.eml` reader
    reads a file holding one message; `path` names the message's source."""
    for frame in batches:
        rows: list[dict[str, Any]] = []
        for key, file, path, raw in zip(
            frame[LIST], frame["file"], frame["path"], frame["raw"], strict=True
        ):
            stream = io.BytesIO(bytes(raw))
            stream.name = path  # the reader names the message's source after its stream
            for item in read_messages(stream, format="eml", limits=limits):
                rows += _problem_rows(key, file, item)
                if isinstance(item, ParsedMessage):
                    rows.append({LIST: key, "file": file, "seq": 0, "parsed": _dumps(item)})
        yield _frame(rows, _PARSED_COLUMNS)


def _problem_rows(key: str, file: int, item: ParsedMessage | Problem) -> list[dict[str, Any]]:
    """The problems a reader's item carries, as `PARSED_DDL` rows (`PROBLEM_SEQ`)."""
    problems = [item] if isinstance(item, Problem) else item.problems
    return [{LIST: key, "file": file, "seq": PROBLEM_SEQ, "parsed": _dumps(p)} for p in problems]


def problem_batches(batches: Iterator[Any]) -> Iterator[Any]:
    """Problem rows of `PARSED_DDL` to `PROBLEMS_DDL` rows."""
    for frame in batches:
        rows = []
        for key, blob in zip(frame[LIST], frame["parsed"], strict=True):
            p: Problem = pickle.loads(blob)
            rows.append(
                {LIST: key, "path": p.path, "line": p.line, "offset": p.offset, "what": p.what}
            )
        yield _frame(rows, [LIST, "path", "line", "offset", "what"])


def _in_archive_order(frame: Any) -> Any:
    return frame.sort_values(["file", "seq"], kind="stable")


def learn_list_footers(frame: Any) -> Any:
    """One list's footers (grouped map): `learn_footers` over its bodies in archive order."""
    ordered = _in_archive_order(frame)
    bodies = (pickle.loads(b).body for b in ordered["parsed"])
    footers = learn_footers(bodies)
    return _frame([{LIST: frame[LIST].iloc[0], "footers": _dumps(footers)}], [LIST, "footers"])


def analyse_batches(batches: Iterator[Any]) -> Iterator[Any]:
    """The map phase: `analyse_message` on each message with its list's footers."""
    footers_of: dict[bytes, tuple[str, ...]] = {}
    for frame in batches:
        rows: list[dict[str, Any]] = []
        for key, file, seq, parsed, footers in zip(
            frame[LIST],
            frame["file"],
            frame["seq"],
            frame["parsed"],
            frame["footers"],
            strict=True,
        ):
            blob = bytes(footers)
            if blob not in footers_of:
                footers_of[blob] = pickle.loads(blob)
            p: ParsedMessage = pickle.loads(parsed)
            m = analyse_message(p, footers=footers_of[blob])
            rows.append({LIST: key, "file": file, "seq": seq, "payload": _dumps((p, m))})
        yield _frame(rows, [LIST, "file", "seq", "payload"])


def join_list(frame: Any) -> Any:
    """One list's joins (grouped map): `join_archive` over its messages in archive order.

    Long-running by nature: the local join is sequential in archive order (the source of a
    quote is the earliest message whose own words hold it), so one list is one task.
    """
    ordered = _in_archive_order(frame)
    pairs: list[tuple[ParsedMessage, Message]] = [pickle.loads(b) for b in ordered["payload"]]
    archive = join_archive([p for p, _ in pairs], [m for _, m in pairs])
    key = frame[LIST].iloc[0]
    rows = [
        {LIST: key, "position": i, "message": _dumps(m)} for i, m in enumerate(archive.messages)
    ]
    return _frame(rows, [LIST, "position", "message"])


def records_schema(pa: Any) -> Any:
    """The Arrow schema of the output: `list`, `position`, then the Parquet export's columns."""
    head = [pa.field(LIST, pa.string()), pa.field("position", pa.int64())]
    return pa.schema([*head, *parquet_schema(pa)])


def record_batches(batches: Iterator[Any]) -> Iterator[Any]:
    """Joined messages (pickled) to records: `Message.to_record` plus `date_utc`."""
    import pyarrow as pa  # only in Spark's Python workers

    schema = records_schema(pa)
    for batch in batches:
        cols = batch.to_pydict()
        rows = []
        for key, position, blob in zip(cols[LIST], cols["position"], cols["message"], strict=True):
            rows.append({LIST: key, "position": position, **parquet_row(pickle.loads(blob))})
        yield pa.RecordBatch.from_pylist(rows, schema=schema)
