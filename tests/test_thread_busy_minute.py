"""Threading an archive whose messages share one date (an import that stamped them all, a
burst of list traffic): the attribution fallback ranks the candidates of a minute lazily, so
each attribution costs the candidates it looks at, not every message of that minute (issue 11:
linear time on hostile input; this archive took 32 s at 8,000 messages before)."""

from __future__ import annotations

from pathlib import Path

import pytest

import wsisdedup
from wsisdedup.thread import fallbacks as fallbacks_module

_DATE = "Thu, 05 Jun 2025 10:22:00 +0000"


def _busy_minute_mbox(n: int) -> str:
    parts = []
    for i in range(n):
        author = f"Ann{i % 7}"
        named = f"Ann{(i - 1) % 7}"
        attribution = (
            f"On Thu, Jun 5, 2025 at 10:22 AM {named} <{named.lower()}@example.org> wrote:\n"
            f"> the text of message {i - 1}\n"
            if i
            else ""
        )
        parts.append(
            f"From a@b Thu Jun  5 10:22:00 2025\n"
            f"From: {author} <{author.lower()}@example.org>\nDate: {_DATE}\n"
            f"Subject: report {i}\nMessage-ID: <m{i}@example.org>\n\n"
            f"the text of message {i}\n\n{attribution}\n"
        )
    return "".join(parts)


class _CountingList(list[tuple[float, int]]):
    reads = 0

    def __getitem__(self, k):  # type: ignore[no-untyped-def]
        _CountingList.reads += 1
        return super().__getitem__(k)


def test_a_busy_minute_costs_each_attribution_a_bounded_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_init = fallbacks_module._Attribution.__init__

    def counting_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        real_init(self, *args, **kwargs)
        self.dated = _CountingList(self.dated)

    monkeypatch.setattr(fallbacks_module._Attribution, "__init__", counting_init)
    n = 400
    path = tmp_path / "busy.mbox"
    path.write_text(_busy_minute_mbox(n), encoding="utf-8")
    _CountingList.reads = 0
    archive = wsisdedup.read(path)
    # Every reply is placed (by its attribution: the named author wrote at that minute).
    assert sum(m.parent_id is not None for m in archive.messages) >= n - 1
    # A look at a handful of candidates per attribution, not the n messages of the minute.
    assert _CountingList.reads <= 40 * n, _CountingList.reads
