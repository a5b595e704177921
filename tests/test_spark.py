"""The Spark pipeline gives the records the local one gives, run on real Spark (`local[2]`).

Spark starts once for the whole module (it takes tens of seconds); the tests are skipped, with
the reason, only where pyspark or a Java runtime is missing. CI installs both (`.ci/run`).
"""

from __future__ import annotations

import importlib.util
import mailbox
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, GPP, NUMPY, SEED

import wsisdedup
from wsisdedup.spark.keys import default_list_key, list_id_of, raw_list_key

_MISSING = [
    why
    for why, missing in (
        (
            "pyspark is not installed (pip install -e '.[spark]')",
            not importlib.util.find_spec("pyspark"),
        ),
        (
            "no Java runtime (java) on PATH",
            shutil.which("java") is None and "JAVA_HOME" not in os.environ,
        ),
    )
    if missing
]
needs_spark = pytest.mark.skipif(bool(_MISSING), reason="; ".join(_MISSING))
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One local Spark with two cores, quiet and small, shared by this module's tests."""
    # The Python workers must run this interpreter, which has wsisdedup installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("wsisdedup-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _records(frame: Any) -> dict[str, list[dict[str, Any]]]:
    """Spark's rows per list, in archive order, as plain dicts without the Spark-only columns."""
    lists: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for row in frame.collect():
        rec = row.asDict(recursive=True)
        key, position = rec.pop("list"), rec.pop("position")
        rec.pop("date_utc")  # the Parquet export's extra column; not in `to_records`
        lists.setdefault(key, []).append((position, rec))
    return {k: [r for _, r in sorted(v, key=lambda pr: pr[0])] for k, v in lists.items()}


def _assert_same(got: list[dict[str, Any]], want: list[dict[str, Any]], name: str) -> None:
    assert [r["id"] for r in got] == [r["id"] for r in want], name
    for g, w in zip(got, want, strict=True):
        differs = sorted(k for k in w if g.get(k) != w[k])
        assert not differs, f"{name}: {w['id']} differs in {differs}"
    assert got == want


@needs_spark
def test_every_corpus_file_gives_the_local_records(spark: Any) -> None:
    """The shared corpora and the seed, each its own list, in one Spark run: ids, parents,
    threads, new text, quote sources and copies as `wsisdedup.read` gives them."""
    paths = [str(p) for p in (*CORPUS, SEED)]
    frame = wsisdedup.spark.read(spark, paths, list_key=lambda p: Path(p).name)
    by_list = _records(frame)
    assert sorted(by_list) == sorted(Path(p).name for p in paths)
    for p in paths:
        want = wsisdedup.read(p).to_records()
        _assert_same(by_list[Path(p).name], want, Path(p).name)
        assert any(r["parent_id"] for r in want)  # the comparison covers threading
    fedora = by_list[CORPUS[0].name]
    assert any(q["source_id"] for r in fedora for q in r["quotes"])
    assert any(r["copies"] for r in by_list[GPP.name])


@needs_spark
def test_one_list_of_several_files_is_read_many(spark: Any) -> None:
    """`list_key` as one string joins all inputs together, as `read_many` does."""
    paths = [str(NUMPY), str(SEED)]
    by_list = _records(wsisdedup.spark.read(spark, paths, list_key="all"))
    assert list(by_list) == ["all"]
    _assert_same(by_list["all"], wsisdedup.read_many(paths).to_records(), "numpy+seed")


@needs_spark
def test_a_dataframe_of_raw_messages(spark: Any, tmp_path: Path) -> None:
    """Raw RFC 5322 messages in a binary column give what the same messages give as `.eml`
    files read together, with the `path` and `position` columns naming source and order."""
    box = mailbox.mbox(str(GPP), create=False)
    files = []
    for i, key in enumerate(box.keys()):
        f = tmp_path / f"{i:03}.eml"
        f.write_bytes(box.get_bytes(key))
        files.append(f)
    box.close()
    rows = [(str(f), i, f.read_bytes()) for i, f in reversed(list(enumerate(files)))]
    frame = spark.createDataFrame(rows, schema="path string, position long, message binary")
    by_list = _records(wsisdedup.spark.read(spark, frame, raw_column="message"))
    want = wsisdedup.read_many(files, format="eml").to_records()
    assert len(by_list) == 1  # no message names a List-Id: one list
    (got,) = by_list.values()
    _assert_same(got, want, "raw 3gpp")


@needs_spark
def test_the_command_line_writes_parquet(spark: Any, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from wsisdedup.spark.command import main

    out = tmp_path / "out.parquet"
    assert main([str(NUMPY), "-o", str(out), "--master", "local[2]"]) == 0
    table = pq.read_table(str(out)).sort_by("position")
    assert table.column("id").to_pylist() == [m.id for m in wsisdedup.read(NUMPY).messages]
    assert set(table.column("list").to_pylist()) == {"numpy-discussion"}
    assert main([str(NUMPY), "-o", str(out)]) == 2  # never over an existing output
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 64)
    assert main([str(junk), "-o", str(tmp_path / "junk.parquet")]) == 2  # not an archive


def test_list_keys_of_paths() -> None:
    assert default_list_key(str(NUMPY)) == "numpy-discussion"
    assert default_list_key(str(CORPUS[0])) == "fedora-devel-list.redhat.com"  # its List-Id
    assert default_list_key("/lists/devel/2010-January.txt.gz") == "devel"
    assert default_list_key("/lists/lkml-2023-05.mbox") == "lkml"


def test_list_id_of_raw_messages() -> None:
    folded = b"List-Id: Devel\n <devel.example.org>\nFrom: a@b\n\nList-Id: <body.example>\n"
    assert list_id_of(folded) == "devel.example.org"
    assert raw_list_key(b"From: a@b\n\nList-Id: <only.in.body>\n") == ""


@needs_spark
def test_problems_of_reading_are_kept(spark: Any) -> None:
    """What `Archive.problems` lists on one machine (here: messages over a size limit, read in
    part) is in `read_archive(...).problems`, and the records are the local ones."""
    from wsisdedup.model import Limits

    limits = Limits(message_bytes=3000)
    local = wsisdedup.read(NUMPY, limits=limits)
    assert local.problems  # the limit is low enough to be met
    archive = wsisdedup.spark.read_archive(spark, [str(NUMPY)], limits=limits)
    rows = archive.problems.collect()
    assert {r["list"] for r in rows} == {"numpy-discussion"}
    got = [
        str(wsisdedup.Problem(what=r["what"], path=r["path"], line=r["line"], offset=r["offset"]))
        for r in rows
    ]
    assert sorted(got) == sorted(str(p) for p in local.problems)
    (records,) = _records(archive.records).values()
    _assert_same(records, local.to_records(), "numpy over a limit")
