"""The benchmarks' own tooling: a comparison measures the code it names.

.venv/bin/python -m pytest tests/test_bench_tools.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
