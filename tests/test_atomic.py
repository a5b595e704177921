"""Writes never destroy data (`wsisdedup.export.atomic`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from wsisdedup.errors import OutputError, WsisdedupError
from wsisdedup.export.atomic import check_target, replacing, replacing_text


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_new_file_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with replacing_text(out) as f:
        f.write("a\nb\n")
    assert out.read_text() == "a\nb\n"
    assert _leftovers(tmp_path) == []


def test_failed_write_leaves_the_old_file_intact(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("old and good\n")
    with pytest.raises(RuntimeError), replacing_text(out) as f:
        f.write("half of the new")
        raise RuntimeError("the writer failed")
    assert out.read_text() == "old and good\n"
    assert _leftovers(tmp_path) == []


def test_replacing_keeps_the_permission_bits(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old")
    out.chmod(0o640)
    with replacing_text(out) as f:
        f.write("new")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text() == "new"


@pytest.mark.parametrize("target", ["folder", "device", "fifo"])
def test_refuses_what_is_not_a_regular_file(tmp_path: Path, target: str) -> None:
    if target == "folder":
        path = tmp_path / "d"
        path.mkdir()
    elif target == "device":
        path = Path("/dev/null")
    else:
        path = tmp_path / "fifo"
        os.mkfifo(path)
    with pytest.raises(OutputError) as caught, replacing_text(path) as f:
        f.write("x")
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, WsisdedupError) and isinstance(caught.value, OSError)
    assert path.exists() and not path.is_file()
    assert _leftovers(tmp_path) == []


def test_refuses_to_write_over_an_input(tmp_path: Path) -> None:
    archive = tmp_path / "list.mbox"
    archive.write_text("From a@b Mon Jan  1 00:00:00 2024\n\nbody\n")
    with pytest.raises(OutputError, match="input"):
        check_target(archive, inputs=[archive])
    # Also through another name for the same file.
    alias = tmp_path / "alias.mbox"
    alias.hardlink_to(archive)
    with pytest.raises(OutputError, match="input"), replacing(alias, inputs=[archive]):
        pass
    assert archive.read_text().startswith("From a@b")


def test_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "data" / "latest.jsonl"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "out.jsonl"
    link.symlink_to(real)
    with replacing_text(link) as f:
        f.write("new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_dangling_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "out.jsonl"
    link.symlink_to(tmp_path / "nowhere" / "x.jsonl")
    with pytest.raises(OutputError, match="points nowhere"):
        check_target(link)


def test_missing_folder_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        check_target(tmp_path / "no" / "such" / "out.jsonl")
