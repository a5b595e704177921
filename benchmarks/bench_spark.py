"""Spark benchmark: `wsisdedup.spark.read` on local[1] and local[2] against the single-process
pipeline, on synthetic archives (benchmarks/synthetic.py), in one run.

    .venv/bin/python benchmarks/bench_spark.py                  # 20k and 100k messages, one list
    .venv/bin/python benchmarks/bench_spark.py 20000 --lists 4  # 20k messages in 4 lists of 5k

Both sides write the same Parquet records (the local side `wsisdedup.read_many` per list and
`write_parquet`, Spark `read(...).write.parquet`), and the run checks that the records are
identical. Times are wall-clock seconds of the work alone: Spark's start-up (`start_s`, a JVM
and a session, paid once per job on a cluster) is measured apart. `ratio` is Spark's time over
the local time on the same machine; `speed-up` is local[1]'s time over local[N]'s. The first
Spark job's warm-up (JIT, Python workers importing wsisdedup) is counted in `start_s`.

With `--lists N` the messages are N independent archives (seeds 0..N-1), each its own list:
the per-list join then runs in N tasks at once, as the lists of a corpus do on a cluster.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pyarrow.parquet as pq  # noqa: E402
from synthetic import generate_archive  # noqa: E402

import wsisdedup  # noqa: E402
from wsisdedup.export.parquet import write_parquet  # noqa: E402
from wsisdedup.spark import read as spark_read  # noqa: E402

VERSION = 1
"""Bump when the generator changes: archives are cached in the temp directory by size."""


def archives(size: int, lists: int) -> list[Path]:
    """`lists` synthetic mboxes of `size // lists` messages each (cached between runs)."""
    cache = Path(tempfile.gettempdir()) / "wsisdedup-bench-spark"
    cache.mkdir(exist_ok=True)
    out = []
    for seed in range(lists):
        path = cache / f"v{VERSION}-{size // lists}-seed{seed}.mbox"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            generate_archive(tmp, size // lists, seed=seed)
            tmp.replace(path)
        out.append(path)
    return out


def local_run(paths: list[Path], out: Path) -> list[list[dict[str, Any]]]:
    """The single-process pipeline, one `read_many` per list, each written as Parquet."""
    records = []
    for i, path in enumerate(paths):
        archive = wsisdedup.read_many([path])
        write_parquet(archive, out / f"list{i}.parquet")
        records.append(archive.to_records())
    return records


def start(master: str) -> Any:
    from pyspark.sql import SparkSession

    cores = int(master.removeprefix("local[").removesuffix("]"))
    spark = (
        SparkSession.builder.master(master)
        .appName("wsisdedup-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(max(2, 2 * cores)))
        .config("spark.default.parallelism", str(cores))
        .config("spark.driver.memory", "6g")
        .getOrCreate()
    )
    assert spark.sparkContext.master == master, spark.sparkContext.master
    # The first job of a session pays for JIT warm-up and Python workers importing wsisdedup:
    # a fixed cost per job, counted in start_s rather than in the work.
    spark.range(cores).repartition(cores).mapInPandas(_warm, "id long").count()
    return spark


def _warm(batches: Any) -> Any:
    import wsisdedup.spark.tasks  # noqa: F401

    yield from batches


def spark_records(out: Path, paths: list[Path]) -> list[list[dict[str, Any]]]:
    """Spark's Parquet output per list, in archive order, without the Spark-only columns."""
    rows = pq.read_table(str(out)).to_pylist()
    by_list: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(rows, key=lambda r: (r["list"], r["position"])):
        key = r.pop("list")
        del r["position"], r["date_utc"]
        by_list.setdefault(key, []).append(r)
    return [by_list.get(p.name, []) for p in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[20_000, 100_000])
    parser.add_argument("--lists", type=int, default=1, help="independent lists per size")
    parser.add_argument("--masters", nargs="+", default=["local[1]", "local[2]"])
    args = parser.parse_args()
    os.environ["PYSPARK_PYTHON"] = os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    table = []
    for size in args.sizes:
        paths = archives(size, args.lists)
        work = Path(tempfile.mkdtemp(prefix="bench-spark-"))
        t = time.perf_counter()
        want = local_run(paths, work)
        local_s = time.perf_counter() - t
        table.append((size, args.lists, "single process", 0.0, local_s, 1.0, "", "yes"))
        first = None
        for master in args.masters:
            t = time.perf_counter()
            spark = start(master)
            spark.sparkContext.setLogLevel("ERROR")
            start_s = time.perf_counter() - t
            out = work / master.replace("[", "").replace("]", "")
            t = time.perf_counter()
            frame = spark_read(spark, [str(p) for p in paths], list_key=lambda p: Path(p).name)
            frame.write.parquet(str(out))
            took = time.perf_counter() - t
            spark.stop()
            same = "yes" if spark_records(out, paths) == want else "NO"
            first = first or took
            speed = f"{first / took:.2f}x"
            table.append((size, args.lists, master, start_s, took, took / local_s, speed, same))
        shutil.rmtree(work, ignore_errors=True)
    head = ("messages", "lists", "engine", "start_s", "work_s", "ratio", "speed-up", "identical")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for size, lists, engine, start_s, took, ratio, speed, same in table:
        print(
            f"{size:,} | {lists} | {engine} | {start_s:.1f} | {took:.1f} | {ratio:.2f} | "
            f"{speed} | {same}"
        )


if __name__ == "__main__":
    main()
