"""Shared fixtures: the bundled real archives (copies under examples/data/)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "examples" / "data"
FEDORA = DATA / "fedora-devel-2010-January.txt.gz"
NUMPY = DATA / "numpy-discussion-2001-November.txt"
GPP = DATA / "3gpp-sa-wg4-evs.mbox"
SEED = DATA / "wsis20-2025-06.txt"
CORPUS = (FEDORA, NUMPY, GPP)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA
