"""The command line: sub-commands, outputs and exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FEDORA, NUMPY

from wsisdedup.cli import main
from wsisdedup.model import Stage, StageProgress


def test_stats_prints_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--json", str(NUMPY)]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["messages_read"] == 164
    assert stats["input_chars"] > stats["new_chars"] > 0


def test_tree_indents_replies(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tree", str(FEDORA)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("Package Review Stats for 2009!" in ln for ln in lines)
    # Replies sit deeper than their roots: some line is indented past the column of roots.
    assert len({len(ln) - len(ln.lstrip()) for ln in lines if ln}) >= 1
    assert sum(1 for ln in lines if ln == "") >= 50  # one blank line after each thread


def test_clean_writes_one_json_object_per_message(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(NUMPY), "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert rows and all({"id", "new_text", "author_name"} <= set(r) for r in rows)


def test_unusable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    assert main(["stats", str(empty)]) == 2
    err = capsys.readouterr().err
    assert str(empty) in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    assert main(["stats", str(tmp_path / "nope.mbox")]) == 2


def test_problems_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt.gz"
    good = FEDORA.read_bytes()
    bad.write_bytes(good[: len(good) // 2])  # a truncated gzip: a Problem, the rest read
    assert main(["stats", str(bad)]) == 1


def test_python_dash_m_runs() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "wsisdedup", "stats", str(NUMPY)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "messages_read" in r.stdout
    assert r.stderr == ""  # not a terminal: no progress bar


def _copy_of_numpy(tmp_path: Path) -> Path:
    archive = tmp_path / "list.txt"
    archive.write_bytes(NUMPY.read_bytes())
    return archive


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite"])
def test_clean_never_writes_over_its_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    archive = _copy_of_numpy(tmp_path)
    before = archive.read_bytes()
    assert main(["clean", str(archive), "--format", fmt, "-o", str(archive)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "input" in err and str(archive) in err
    assert archive.read_bytes() == before


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite", "parquet"])
def test_clean_refuses_a_folder_or_device(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    for target in (tmp_path, Path("/dev/null")):
        assert main(["clean", str(NUMPY), "--format", fmt, "-o", str(target)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("wsisdedup: error: ") and err.count("\n") == 1
        assert "Traceback" not in err
    assert Path("/dev/null").is_char_device()


def test_failed_write_keeps_the_old_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("the good old export\n")

    def fail(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    # The JSON Lines writer fails half-way through, as on a full disk.
    monkeypatch.setattr("wsisdedup.export.jsonl._json_line", fail)
    assert main(["clean", str(NUMPY), "-o", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and str(out) in err
    assert out.read_text() == "the good old export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_dash_reads_standard_input() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "wsisdedup", "stats", "--json", "-"],
        input=NUMPY.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["messages_read"] == 164


def test_an_existing_export_is_replaced_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n")
    assert main(["clean", str(NUMPY), "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text() == "keep me\n"
    assert main(["clean", str(NUMPY), "-o", str(out), "--force"]) == 0
    assert len(out.read_text().splitlines()) == 82


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("out.html", lambda data: data.startswith(b"<!DOCTYPE html>")),
        ("out.md", lambda data: data.startswith(b"# ")),
        ("out.json", lambda data: json.loads(data)["stats"]["messages"] == 82),
        ("out.sqlite", lambda data: data.startswith(b"SQLite format 3")),
        ("out.parquet", lambda data: data.startswith(b"PAR1")),
        ("out.jsonl", lambda data: len(data.splitlines()) == 82),
    ],
)
def test_output_format_follows_the_file_name(
    tmp_path: Path, name: str, check: Callable[[bytes], bool]
) -> None:
    out = tmp_path / name
    assert main(["clean", str(NUMPY), "-o", str(out)]) == 0
    assert check(out.read_bytes())


def test_with_body_adds_each_body(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(NUMPY), "-o", str(out), "--with-body", "-q"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 82
    assert all(len(r["body"]) == r["body_chars"] for r in rows)
    assert sum(bool(r["body"]) for r in rows) > 70


def test_version_and_verbosity(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("wsisdedup ")
    assert main(["stats", "-q", str(NUMPY)]) == 0
    assert capsys.readouterr().err == ""


def test_a_folder_with_nothing_readable_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01\x02" * 100)
    assert main(["stats", str(tmp_path)]) == 2
    assert "no message could be read" in capsys.readouterr().err


def test_follow_links_reads_a_link_out_of_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "numpy.txt").symlink_to(NUMPY)
    assert main(["stats", "--json", str(folder)]) == 2  # the only file is refused: a Problem
    assert "outside" in capsys.readouterr().err
    assert main(["stats", "--json", "--follow-links", str(folder)]) == 0
    assert json.loads(capsys.readouterr().out)["messages_read"] == 164


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _bar_events() -> list[StageProgress]:
    return [
        StageProgress(stage=Stage.READING, done=0, total=1000, unit="bytes"),
        StageProgress(stage=Stage.READING, done=1000, total=1000, unit="bytes"),
        StageProgress(stage=Stage.SEGMENTING, done=0, total=3),
        StageProgress(stage=Stage.SEGMENTING, done=3, total=3),
    ]


def test_stage_bars_draw_each_stage_on_a_terminal() -> None:
    from wsisdedup.cli import _StageBars

    screen = _Terminal()
    bars = _StageBars(screen, delay=0)
    for event in _bar_events():
        bars(event)
    bars.close()
    drawn = screen.getvalue()
    assert "reading" in drawn and "/1.00k" in drawn and "B/s" in drawn  # bytes, scaled
    assert "segmenting" in drawn and "/3 " in drawn and "msg/s" in drawn
    assert drawn.index("reading") < drawn.index("segmenting")


def test_stage_bars_keep_overlapping_stages_apart() -> None:
    # With workers, segmenting goes on while matching takes the messages already segmented:
    # each keeps its own bar instead of one replacing the other at every event.
    from wsisdedup.cli import _StageBars

    bars = _StageBars(_Terminal(), delay=0)
    bars(StageProgress(stage=Stage.READING, done=500, unit="bytes"))  # no total
    bars(StageProgress(stage=Stage.SEGMENTING, done=0, total=4))
    assert set(bars.bars) == {Stage.SEGMENTING}  # reading could not say it ended: it did
    segmenting = bars.bars[Stage.SEGMENTING]
    for stage, done in [(Stage.SEGMENTING, 2), (Stage.MATCHING, 0), (Stage.SEGMENTING, 4)]:
        bars(StageProgress(stage=stage, done=done, total=4))
    bars(StageProgress(stage=Stage.MATCHING, done=3, total=4))
    assert set(bars.bars) == {Stage.SEGMENTING, Stage.MATCHING}
    assert bars.bars[Stage.SEGMENTING] is segmenting and segmenting.n == 4
    assert bars.bars[Stage.MATCHING].n == 3
    bars(StageProgress(stage=Stage.MATCHING, done=4, total=4))
    bars(StageProgress(stage=Stage.THREADING, done=0, total=4))
    assert set(bars.bars) == {Stage.THREADING}  # the finished ones are closed
    bars.close()
    assert bars.bars == {}


def test_stage_bars_stay_quiet_off_a_terminal() -> None:
    from wsisdedup.cli import _StageBars

    pipe = io.StringIO()
    bars = _StageBars(pipe, delay=0)
    for event in _bar_events():
        bars(event)
    bars.close()
    assert pipe.getvalue() == ""


def test_workers_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--json", "--workers", "2", str(NUMPY)]) == 0
    two = json.loads(capsys.readouterr().out)
    assert main(["stats", "--json", "--workers", "1", str(NUMPY)]) == 0
    assert json.loads(capsys.readouterr().out) == two
    with pytest.raises(SystemExit) as exit_:
        main(["stats", "--workers", "0", str(NUMPY)])
    assert exit_.value.code == 2
    assert "must be 1 or more" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-3"])
def test_per_commit_must_be_positive(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    # Zero or fewer months per transaction is no batching at all: refused at the command line.
    with pytest.raises(SystemExit) as exit_:
        main(
            ["sync", "https://example.org/pipermail/x/", "--db", "x.sqlite", "--per-commit", value]
        )
    assert exit_.value.code == 2
    assert "must be 1 or more" in capsys.readouterr().err
