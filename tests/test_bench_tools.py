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
    assert Path(row["module"]).is_relative_to(tmp_path)
    assert row["messages"] == 200
    assert row["read_s"] > 0
