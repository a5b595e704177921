"""`python -m wsisdedup.spark IN... -o OUT.parquet`: the Spark pipeline from the command line.

    python -m wsisdedup.spark ARCHIVE... -o out.parquet [--master URL] [--one-list]
    spark-submit --master yarn -m wsisdedup.spark ...   (see docs/spark.md)

Like the `wsisdedup` command line (the only other module that prints), it writes one line of
outcome to standard error. Under `spark-submit` the session takes the master and settings
`spark-submit` was given; run directly, it starts Spark in `local[*]` unless `--master` names
another. Exit codes: 0 done, 1 done but some messages had problems (listed on standard error,
as `wsisdedup` lists them), 2 unusable input or output.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from wsisdedup.errors import WsisdedupError
from wsisdedup.model import Problem
from wsisdedup.readers import FORMATS
from wsisdedup.spark.engine import read_archive

__all__ = ["main"]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wsisdedup.spark",
        description="Read mailing-list archives on Apache Spark into Parquet records.",
    )
    parser.add_argument("inputs", nargs="+", metavar="ARCHIVE", help="files or Maildir folders")
    parser.add_argument("-o", "--output", required=True, help="the Parquet folder to write")
    parser.add_argument("--master", help="Spark master URL (default: local[*], or spark-submit's)")
    parser.add_argument("--format", choices=FORMATS, help="the inputs' format (default: sniffed)")
    parser.add_argument(
        "--one-list",
        action="store_true",
        help="join all inputs as one list, as `wsisdedup clean` does (default: by List-Id, "
        "then file name, then folder)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    parser.add_argument(
        "--partitions", type=int, help="output files to write (default: one per list's task)"
    )
    return parser


def session(master: str | None) -> Any:
    """The Spark session: spark-submit's when it launched us, else one on `master`."""
    from pyspark.sql import SparkSession  # an optional extra

    builder = SparkSession.builder.appName("wsisdedup")
    if master is not None:
        builder = builder.master(master)
    elif "PYSPARK_GATEWAY_PORT" not in os.environ:  # set by spark-submit for its driver
        builder = builder.master("local[*]")
    return builder.getOrCreate()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if os.path.exists(args.output) and not args.overwrite:
        sys.stderr.write(f"error: {args.output} exists (give --overwrite to replace it)\n")
        return EXIT_UNUSABLE
    missing = [p for p in args.inputs if not os.path.exists(p)]
    if missing:
        sys.stderr.write(f"error: no such input: {', '.join(missing)}\n")
        return EXIT_UNUSABLE
    started = time.monotonic()
    spark = session(args.master)
    from pyspark.errors import PySparkException  # an optional extra

    try:
        archive = read_archive(
            spark, args.inputs, list_key="all" if args.one_list else None, format=args.format
        )
        frame = archive.records
        if args.partitions:
            frame = frame.coalesce(args.partitions)
        frame.write.mode("overwrite" if args.overwrite else "errorifexists").parquet(args.output)
        written = spark.read.parquet(args.output).count()
        problems = [
            Problem(what=r["what"], path=r["path"], line=r["line"], offset=r["offset"])
            for r in archive.problems.collect()
        ]
    except WsisdedupError as e:
        sys.stderr.write(f"error: {e}\n")
        return EXIT_UNUSABLE
    except PySparkException as e:
        # A reader's error in a task (an input that is no archive) arrives as Spark's, with
        # the worker's traceback: its last line is the error itself.
        lines = [line for line in str(e).splitlines() if line.strip()]
        sys.stderr.write(f"error: {lines[-1] if lines else e}\n")
        return EXIT_UNUSABLE
    took = time.monotonic() - started
    for p in problems:
        sys.stderr.write(f"wsisdedup: problem: {p}\n")
    sys.stderr.write(f"{written:,} messages written to {args.output} in {took:.1f} s\n")
    return EXIT_PROBLEMS if problems else EXIT_OK
