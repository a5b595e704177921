"""The plan: the local pipeline's two phases as Spark stages (docs/spark.md).

```
inputs --(one task per file)--> parsed --groupBy(list)--> footers (learn_footers)
parsed + broadcast(footers) --mapInPandas--> analysed (analyse_message, the map phase)
analysed --groupBy(list)--> joined (join_archive: repeats, copies, threads) --mapInArrow--> records
```
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import attrs

from wsisdedup.model import Limits
from wsisdedup.spark import tasks
from wsisdedup.spark.keys import ListKey, default_list_key, raw_list_key
from wsisdedup.spark.tasks import LIST

__all__ = ["SparkArchive", "read", "read_archive"]

Paths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


@attrs.frozen(kw_only=True)
class SparkArchive:
    """What `read_archive` gives: the records and what could not be read, as DataFrames."""

    records: Any
    """One row per kept message (`read`)."""
    problems: Any
    """One row per problem (columns `list`, `path`, `line`, `offset`, `what`), as
    `Archive.problems` lists them on one machine: a broken message, a message over a limit."""


def read_archive(
    spark: Any,
    inputs: Paths | Any,
    *,
    list_key: ListKey | str | None = None,
    format: str | None = None,
    limits: Limits | None = None,
    follow_links: bool = False,
    raw_column: str = "raw",
) -> SparkArchive:
    """`read`, with the problems of reading too: nothing is lost without a word.

    The arguments are `read`'s. Both DataFrames are lazy and share the reading stage.
    """
    from pyspark.sql import functions as F  # an optional extra

    if _is_dataframe(inputs):
        rows = _parsed_from_frame(inputs, list_key, raw_column, limits)
    else:
        rows = _parsed_from_paths(spark, inputs, list_key, format, limits, follow_links)
    rows = rows.persist()  # the messages feed two stages, and the problems a third
    parsed = rows.filter(F.col("seq") != tasks.PROBLEM_SEQ)
    problems = rows.filter(F.col("seq") == tasks.PROBLEM_SEQ).mapInPandas(
        tasks.problem_batches, schema=tasks.PROBLEMS_DDL
    )
    footers = parsed.groupBy(LIST).applyInPandas(tasks.learn_list_footers, schema=tasks.FOOTERS_DDL)
    analysed = parsed.join(F.broadcast(footers), on=LIST, how="inner").mapInPandas(
        tasks.analyse_batches, schema=tasks.ANALYSED_DDL
    )
    joined = analysed.groupBy(LIST).applyInPandas(tasks.join_list, schema=tasks.JOINED_DDL)
    records = joined.mapInArrow(tasks.record_batches, schema=records_type())
    return SparkArchive(records=records, problems=problems)


def read(
    spark: Any,
    inputs: Paths | Any,
    *,
    list_key: ListKey | str | None = None,
    format: str | None = None,
    limits: Limits | None = None,
    follow_links: bool = False,
    raw_column: str = "raw",
) -> Any:
    """Read archives on Spark into a DataFrame with one row per kept message.

    `inputs` is a path, a list of paths (files or Maildir folders, readable from every
    executor: a shared file system), or a DataFrame of raw RFC 5322 messages in the binary
    column `raw_column`. The rows have the columns of `wsisdedup clean --format parquet`
    (`Message.to_record` plus `date_utc`) after two more: `list` (the list the message was
    joined in, `wsisdedup.spark.keys`) and `position` (its place in that list's archive
    order). Each list gives the records `wsisdedup.read_many` gives for its inputs.

    `list_key` says which inputs form one list. For paths: a function from path to key, or a
    string that puts every input in one list (as `wsisdedup.read_many(inputs)` does); by
    default `keys.default_list_key` (List-Id, else name, else folder). For a DataFrame: the
    name of a string column; by default each message's List-Id (all without one form one list).
    A DataFrame may also have a `path` column (the source named in the records) and a
    `position` column (archive order; by default the DataFrame's own order).

    `format`, `limits` and `follow_links` are those of `wsisdedup.read`. The result is lazy;
    the messages read are cached (`persist`) because two stages use them. What could not be
    read (`Archive.problems` on one machine) is in `read_archive(...).problems`.
    """
    return read_archive(
        spark,
        inputs,
        list_key=list_key,
        format=format,
        limits=limits,
        follow_links=follow_links,
        raw_column=raw_column,
    ).records


def records_type() -> Any:
    """The Spark schema of `read`'s rows (from the Arrow schema of the Parquet export)."""
    import pyarrow as pa  # an optional extra
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(tasks.records_schema(pa))


def _is_dataframe(inputs: object) -> bool:
    try:
        from pyspark.sql import DataFrame  # an optional extra
    except ImportError:  # pragma: no cover - the extra is what this package needs
        return False
    return isinstance(inputs, DataFrame)


def _key_function(list_key: ListKey | str | None) -> Callable[[str], str]:
    if list_key is None:
        return default_list_key
    if isinstance(list_key, str):
        constant = list_key
        return lambda _path: constant
    return list_key


def _parsed_from_paths(
    spark: Any,
    inputs: Paths,
    list_key: ListKey | str | None,
    format: str | None,
    limits: Limits | None,
    follow_links: bool,
) -> Any:
    """One reading task per input (the list keys are found on the driver, from file heads)."""
    paths = [os.fsdecode(inputs)] if isinstance(inputs, str | os.PathLike) else inputs
    names = [os.fsdecode(p) for p in paths]
    if not names:
        raise ValueError("no inputs to read")
    key = _key_function(list_key)
    rows = [(key(name), i, name) for i, name in enumerate(names)]
    files = spark.createDataFrame(rows, schema=f"`{LIST}` string, file long, path string")
    files = files.repartition(len(rows))  # one task per file: files differ a lot in size
    reader = partial(
        tasks.read_file_batches, format=format, limits=limits, follow_links=follow_links
    )
    parsed = files.mapInPandas(reader, schema=tasks.PARSED_DDL)
    # A few big files (one list's months) would leave cores idle in the map phase: spread
    # their messages over every core first.
    cores = int(spark.sparkContext.defaultParallelism)
    if len(rows) < cores:
        parsed = parsed.repartition(cores)
    return parsed


def _raw_key(raw):  # type: ignore[no-untyped-def]
    # No type hints: pyspark would read them as a request for an Arrow UDF.
    return raw_list_key(bytes(raw))


def _parsed_from_frame(
    frame: Any, list_key: ListKey | str | None, raw_column: str, limits: Limits | None
) -> Any:
    """A DataFrame of raw messages: each row is read as the `.eml` reader reads one file."""
    from pyspark.sql import functions as F  # an optional extra
    from pyspark.sql.types import StringType

    if raw_column not in frame.columns:
        raise ValueError(f"the DataFrame has no column {raw_column!r} of raw messages")
    columns = frame.columns
    if isinstance(list_key, str):
        key = F.col(list_key).cast("string")
    elif list_key is None:
        key = F.udf(_raw_key, StringType())(F.col(raw_column))
    else:
        raise TypeError("for a DataFrame, list_key is the name of a column")
    position = F.col("position") if "position" in columns else F.monotonically_increasing_id()
    path = F.col("path") if "path" in columns else F.lit("<dataframe>")
    raw = frame.select(
        key.alias(LIST),
        position.cast("long").alias("file"),
        path.cast("string").alias("path"),
        F.col(raw_column).alias("raw"),
    )
    return raw.mapInPandas(partial(tasks.parse_raw_batches, limits=limits), schema=tasks.PARSED_DDL)
