"""The cycle collector is paused while a stage runs, and left as the caller had it."""

from __future__ import annotations

import gc

import pytest

import wsisdedup
from wsisdedup.runtime import collector_paused


def test_split_body_runs_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    # With the collector on, its passes over the heap grew faster than the body (8 MB of header
    # lines: 10x the time of 1 MB; 8x paused).
    import wsisdedup.segment.body as body

    seen: list[bool] = []
    units = body._units

    def watched(text: str) -> object:
        seen.append(gc.isenabled())
        return units(text)

    monkeypatch.setattr(body, "_units", watched)
    assert gc.isenabled()
    assert wsisdedup.split_body("Hi\n\nOn Mon, Ann wrote:\n> yes\n").new_text == "Hi"
    assert seen == [False]
    assert gc.isenabled()


def test_collector_is_restored_on_error_and_left_off_if_it_was() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # the caller's choice stands
    finally:
        gc.enable()
