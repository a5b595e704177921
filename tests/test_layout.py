"""The layout of the package: stages import downward only, modules and functions stay small,
and the public API stays where users import it from (docs/architecture.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import wsisdedup

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wsisdedup"

# The size limits of the house style (docs/architecture.md). The pattern tables are long by
# nature: one row per client and language, and splitting them would scatter a table.
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80
# A longer function says why in its docstring, with this phrase.
LONG_REASON = "Long because"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_import_contracts_hold() -> None:
    """The contracts in pyproject.toml: layers from cli down to model, no cycles in a package."""
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():  # pragma: no cover - the dev extra installs it
        pytest.fail("lint-imports is missing: pip install -e '.[dev]'")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_stage_modules_import_by_path() -> None:
    """`wsisdedup.read` is the function; the readers package is importable beside it."""
    code = "import wsisdedup.readers.mbox, wsisdedup; print(callable(wsisdedup.read))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_public_api_is_unchanged() -> None:
    """The names of the public API (issue 9 moved modules, not names; later issues added
    `Copy`, `CopyReason` and `Limits`; issue 12 `Stage` and `StageProgress`)."""
    assert sorted(wsisdedup.__all__) == sorted(
        [
            "Archive",
            "ArchiveFormatError",
            "Body",
            "Copy",
            "CopyReason",
            "Limits",
            "Evidence",
            "ForwardInfo",
            "Link",
            "Message",
            "Person",
            "Problem",
            "Rewriter",
            "Segment",
            "SegmentKind",
            "Source",
            "Stage",
            "StageProgress",
            "Stats",
            "Thread",
            "ThreadNode",
            "UnsupportedFormatError",
            "WsisdedupError",
            "__version__",
            "complete_truncated",
            "deobfuscate_address",
            "find_links",
            "link_artefact_spans",
            "read",
            "read_many",
            "split_body",
            "unwrap_links",
            "unwrap_url",
        ]
    )
    for name in wsisdedup.__all__:
        assert getattr(wsisdedup, name) is not None, name


def test_modules_are_small() -> None:
    too_long = [
        f"{p.relative_to(ROOT)}: {n} lines"
        for p in _modules()
        if "patterns" not in p.parts and (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert not too_long, too_long


def test_functions_are_small_or_say_why() -> None:
    too_long = []
    for p in _modules():
        for node in ast.walk(ast.parse(p.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_FUNCTION_LINES and LONG_REASON not in (ast.get_docstring(node) or ""):
                too_long.append(f"{p.relative_to(ROOT)}:{node.lineno} {node.name}: {lines} lines")
    assert not too_long, too_long
