"""The cycle collector is paused while a stage runs, and left as the caller had it."""

from __future__ import annotations

import gc
import pathlib

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


class _Node:
    """A tracked object that can hold itself (a garbage cycle)."""

    other: object = None


def test_what_a_paused_stage_made_goes_to_the_oldest_generation_without_a_pass() -> None:
    # A young collection over a read's result frees nothing and cost 0.15 s at 20,000
    # messages: the objects are moved up instead, and garbage cycles still get collected.
    import weakref

    with collector_paused():
        kept = [_Node() for _ in range(1000)]
        cycle = _Node()
        cycle.other = cycle
        dead = weakref.ref(cycle)
        del cycle
    assert gc.isenabled()
    assert any(o is kept[0] for o in gc.get_objects(generation=2))
    assert dead() is not None  # no pass yet
    gc.collect()
    assert dead() is None


def test_objects_the_caller_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with collector_paused():
            made = [_Node() for _ in range(100)]
        assert gc.get_freeze_count() == frozen
        assert not any(o is made[0] for o in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()


def test_free_memory_goes_back_to_the_system_where_glibc_runs() -> None:
    import platform
    import sys

    from wsisdedup.runtime import release_free_memory

    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    # Where there is no malloc_trim it does nothing and says so; with glibc it trims.
    assert release_free_memory() is glibc


def test_a_read_releases_free_memory_once_between_reading_and_segmenting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    """Pages the reader freed stayed resident under the segmenting peak (a 10 MB dump of
    header lines: 21x its size, 15x with the trim), so the trim comes after the footers are
    learnt and before any message is segmented."""
    import wsisdedup.pipeline as pipeline
    from wsisdedup.model import Stage

    stages: list[Stage] = []
    at_release: list[list[Stage]] = []
    monkeypatch.setattr(pipeline, "release_free_memory", lambda: at_release.append(list(stages)))
    path = tmp_path / "one.mbox"
    path.write_text(
        "From a@b Thu Jun  5 10:22:00 2025\nFrom: Ann <ann@example.org>\n"
        "Subject: hello\nMessage-ID: <one@example.org>\n\nHi all\n",
        encoding="utf-8",
    )
    wsisdedup.read(path, on_progress=lambda event: stages.append(event.stage))
    assert len(at_release) == 1
    assert Stage.FOOTERS in at_release[0]
    assert Stage.SEGMENTING not in at_release[0]
    assert Stage.SEGMENTING in stages


def test_reading_runs_with_the_collector_paused(tmp_path: pathlib.Path) -> None:
    # Its passes over the growing list of messages cost a quarter of reading a 20k mbox; the
    # reader makes next to no cyclic garbage, so nothing waits long for it.
    path = tmp_path / "two.mbox"
    path.write_text(
        "".join(
            f"From a@b Thu Jun  5 10:2{i}:00 2025\nFrom: Ann <ann@example.org>\n"
            f"Subject: hello\nMessage-ID: <m{i}@example.org>\n\nHi all {i}\n\n"
            for i in range(2)
        ),
        encoding="utf-8",
    )
    from wsisdedup.model import Stage, StageProgress

    seen: list[bool] = []

    def watch(event: StageProgress) -> None:
        if event.stage is Stage.READING and event.done:
            seen.append(gc.isenabled())

    assert gc.isenabled()
    archive = wsisdedup.read(path, on_progress=watch)
    assert seen and not any(seen)
    assert len(archive.messages) == 2
    assert gc.isenabled()


def test_packed_arrays_come_back_as_they_were() -> None:
    from array import array

    from wsisdedup.runtime import pack_arrays, unpack_arrays

    arrays = [array("q", [1, -2, 2**62]), array("i"), array("i", [7, 8]), array("B", b"\x00\xff")]
    data, codes, lengths = pack_arrays(arrays)
    assert (codes, lengths) == ("qiiB", (3, 0, 2, 2))
    back = unpack_arrays(data, codes, lengths)
    assert back == arrays
    assert [a.typecode for a in back] == [a.typecode for a in arrays]
    with pytest.raises(ValueError, match="hold"):
        unpack_arrays(data + b"\x00", codes, lengths)
