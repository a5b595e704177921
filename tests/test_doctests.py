"""The examples in the docstrings of every module run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import wsisdedup

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(wsisdedup.__path__, "wsisdedup.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
