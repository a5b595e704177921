"""Issue 5's acceptance on the seed: a scraped archive page with no headers becomes its tree.

The expected tree was read off the archive by hand: 8 messages in 3 threads.
"""

from __future__ import annotations

import pytest
from conftest import GPP, NUMPY, SEED

import wsisdedup
from wsisdedup.model import Archive, SegmentKind


@pytest.fixture(scope="module")
def seed() -> Archive:
    return wsisdedup.read(SEED)


def _tree(a: Archive) -> list[list[tuple[int, str]]]:
    out = []
    for t in a.threads:
        rows = []
        for node in t.walk():
            m = a.get(node.id)
            assert m is not None
            rows.append((node.depth, m.author.name))
        out.append(rows)
    return out


def test_seed_tree(seed: Archive) -> None:
    assert len(seed.messages) == 8
    assert _tree(seed) == [
        [
            (0, "Alexey Trepykhalin"),
            (1, "Joly MacFie"),
            (2, "Veni Markovski"),
            (3, "Joly MacFie"),
            (1, "Winnie Kamau"),
        ],
        [(0, "AHM Bazlur Rahman")],
        [(0, "Konstantinos Komaitis"), (1, "Annebeth Lange")],
    ]


def test_seed_new_text_is_each_authors_own(seed: Archive) -> None:
    by_author = {}
    for m in seed.messages:
        by_author.setdefault(m.author.name, []).append(m.new_text)
    joly = by_author["Joly MacFie"]
    assert joly[0].startswith("The timecodes are useful!")
    assert "https://isoc.live/19420/" in joly[0]
    assert "Dear All" not in joly[0]  # the quoted notes are not Joly's words
    assert joly[1].startswith("Hi Veni, I do not believe any of us have illusions")
    assert "has not been up to the task" not in joly[1]
    veni = by_author["Veni Markovski"][0]
    assert "has not been up to the task" in veni and "timecodes" not in veni
    annebeth = by_author["Annebeth Lange"][0]
    assert annebeth.startswith("I registered and was confirmed but have problems")
    assert "Atlantic Council" not in annebeth


def test_seed_notes_kept_once_and_whole(seed: Archive) -> None:
    marker = "The First Preparatory Meeting and Stocktaking Session for WSIS+20"
    holders = [m for m in seed.messages if marker in m.new_text]
    assert [m.author.name for m in holders] == ["Alexey Trepykhalin"]
    notes = holders[0].new_text
    assert notes.startswith("Dear All,") and notes.rstrip().endswith("End notes.")


def test_seed_new_text_is_small_clean_and_linked(seed: Archive) -> None:
    total_new = sum(len(m.new_text) for m in seed.messages)
    assert total_new < len(SEED.read_text("utf-8")) / 4
    for m in seed.messages:
        assert "urldefense" not in m.new_text
        assert "By submitting your personal data" not in m.new_text  # the list's footer
    replies = [m for m in seed.messages if m.parent_id is not None]
    assert len(replies) == 5
    for m in replies:
        sourced = [q for q in m.quotes if q.source_id is not None]
        assert sourced, m.author.name
        assert all(seed.get(q.source_id) is not None for q in sourced if q.source_id)
        assert any(s.kind is SegmentKind.FOOTER for s in m.segments) or m.author.name in (
            "Annebeth Lange",
        )


def test_numpy_copies_collapse() -> None:
    a = wsisdedup.read(NUMPY)
    assert a.stats.messages_read == 164
    assert len(a.messages) == 82
    assert a.stats.duplicates_collapsed == 82
    assert all(len(m.duplicates) == 1 for m in a.messages)


def test_no_gateway_address_in_new_text() -> None:
    a = wsisdedup.read(GPP)
    assert any(ln.original != ln.written for m in a.messages for ln in m.links)
    for m in a.messages:
        assert "urldefense" not in m.new_text
        assert "safelinks.protection.outlook.com" not in m.new_text
