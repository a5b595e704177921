"""Every script under examples/ runs on the bundled data and prints what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

EXPECTED = {
    "clean_to_jsonl.py": "messages",
    "new_text_by_author.py": "new",
    "most_quoted.py": "quoted by",
    "restored_links.py": "links restored",
    "merge_months.py": "threads that cross",
}


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs(script: str, tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert EXPECTED[script] in r.stdout


def test_examples_are_all_listed() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECTED)
