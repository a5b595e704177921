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


@pytest.fixture(scope="session")
def synthetic_mbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic archive of 1,200 messages (`benchmarks/synthetic.py`: every reply shape and
    copy reason mixed), large enough for several chunks of the worker pool."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from synthetic import generate_archive

    path = tmp_path_factory.mktemp("synthetic") / "synthetic.mbox"
    generate_archive(path, messages=1200, seed=5)
    return path
