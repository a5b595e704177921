"""The benchmarks' own tooling: a comparison measures the code it names.

.venv/bin/python -m pytest tests/test_bench_tools.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_read_scale_measures_the_checkout_it_is_given(tmp_path: Path) -> None:
    # Another checkout (here its package linked in): `--code` runs must import its wsisdedup,
    # not the one beside the script (`bench_read`, which the run imports, puts that first).
    (tmp_path / "wsisdedup").symlink_to(ROOT / "wsisdedup", target_is_directory=True)
    script = ROOT / "benchmarks" / "bench_read_scale.py"
    cmd = [sys.executable, str(script), "--one", "200", "--code", str(tmp_path)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=300)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    assert [Path(m).is_relative_to(tmp_path) for m in row["modules"]] == [True]
    assert row["messages"] == 200
    assert row["read_s"] > 0


def test_read_scale_workers_import_the_checkout_they_are_given(tmp_path: Path) -> None:
    # The pool's fork server imports wsisdedup itself, before the run's script (Python 3.11
    # drops the main module from its preload): it found the copy beside the script, so a
    # `--code` comparison with workers ran the same worker code on both sides. The run now
    # reports its workers' wsisdedup too, and stops if either is not the checkout's.
    (tmp_path / "wsisdedup").symlink_to(ROOT / "wsisdedup", target_is_directory=True)
    script = ROOT / "benchmarks" / "bench_read_scale.py"
    cmd = [sys.executable, str(script), "4000", "--workers", "2", "--code", str(tmp_path)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line for line in out.stdout.splitlines() if "4000" in line]
    assert len(rows) == 1


def test_read_scale_counts_the_cpu_of_the_workers() -> None:
    # With workers, `read_s` is this process's CPU only; `all_cpu_s` adds the fork server's
    # and its workers' (their counters are the server's, not this process's children's), so
    # what the split costs shows against the one-process read.
    script = ROOT / "benchmarks" / "bench_read_scale.py"
    rows = {}
    for workers in (1, 2):
        cmd = [sys.executable, str(script), "--one", "4000", "--workers", str(workers)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
        assert out.returncode == 0, out.stderr[-2000:]
        rows[workers] = json.loads(out.stdout.strip().splitlines()[-1])
    assert rows[1]["all_cpu_s"] == rows[1]["read_s"]
    # The workers segmented and tokenised the 4,000 messages: seconds of CPU, not this
    # process's share (it only joined).
    assert rows[2]["all_cpu_s"] - rows[2]["read_s"] > 0.3
    assert rows[2]["all_cpu_s"] > rows[1]["all_cpu_s"] * 0.8


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind (.ci/run installs it)")
def test_instructions_are_counted_for_the_checkout_given(tmp_path: Path) -> None:
    # Instruction counts compare two versions in one run each (the machine's load does not
    # move them); like the timed benchmark, a run must import the checkout it names, and the
    # read's own count is the whole process's less a two-message read's.
    (tmp_path / "wsisdedup").symlink_to(ROOT / "wsisdedup", target_is_directory=True)
    script = ROOT / "benchmarks" / "bench_instructions.py"
    cmd = [sys.executable, str(script), "200", "--code", f"{tmp_path},{ROOT}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line.split("|") for line in out.stdout.splitlines()[1:]]
    assert [int(row[1]) for row in rows] == [200, 200]
    total, base, read = (float(rows[0][k]) for k in (2, 3, 4))
    assert 0 < base < total
    assert read == pytest.approx(total - base, abs=0.002)
    # Both sides ran the same code: the same count, within the 0.1% a run moves.
    assert float(rows[1][4]) == pytest.approx(read, rel=0.002)
    assert rows[1][6].strip() in {"+0.0%", "-0.0%", "+0.1%", "-0.1%", "+0.2%", "-0.2%"}


def test_map_floor_reads_the_same_archive_without_the_map_phase() -> None:
    # The floor benchmark times a read whose map phase is given: the archive must be the full
    # read's (else the floor would time other work), no segmenting may run in it, and the
    # library must be left as it was.
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_map_floor

    from wsisdedup import pipeline

    real = pipeline.analyse_all
    (row,) = bench_map_floor.rows(200, 1)
    assert row["same"] == "yes"
    assert row["map_s"] > 0
    assert "segmenting" not in row
    assert {"reading", "learning footers", "remake", "matching", "threading"} <= set(row)
    assert pipeline.analyse_all is real
