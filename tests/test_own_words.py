"""Issue 10: own words are never lost, and different people's messages are never merged.

Small archives written here as mbox text, read through `wsisdedup.read` like any user's.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

import wsisdedup
from wsisdedup.cli import main
from wsisdedup.model import CopyReason, Message, SegmentKind

ANN = "Ann Lee <ann@example.org>"
BOB = "Bob Stone <bob@example.net>"
CAROL = "Carol Diaz <carol@example.com>"

# Two paragraphs long enough for the shingle index to see (it samples 5-word shingles).
AGENDA = (
    "The steering group will meet on Thursday at ten in the small room on the third floor,\n"
    "and we will go through the budget lines one by one before the vote.\n"
    "\n"
    "Please send me your corrections to the draft minutes before Wednesday evening so that\n"
    "I can circulate a clean copy with the agenda and the list of open actions.\n"
)


def _message(
    mid: str,
    sender: str,
    date: str,
    subject: str,
    body: str,
    *,
    reply_to: str | None = None,
) -> str:
    headers = [
        f"From {sender.split('<')[1].rstrip('>')} {date}",
        f"From: {sender}",
        f"Date: {date}",
        f"Subject: {subject}",
        f"Message-ID: <{mid}>",
    ]
    if reply_to:
        headers += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    return "\n".join(headers) + "\n\n" + body + "\n"


def _read(tmp_path: Path, *messages: str, name: str = "list.mbox") -> wsisdedup.Archive:
    path = tmp_path / name
    path.write_text("".join(messages), encoding="utf-8")
    archive = wsisdedup.read(path)
    assert archive.problems == ()
    return archive


def _by_id(archive: wsisdedup.Archive) -> dict[str, Message]:
    return {m.id: m for m in archive.messages}


def _kinds(m: Message, needle: str) -> set[SegmentKind]:
    """The kinds of the segments that hold any of `needle`'s characters."""
    a = m.body.index(needle)
    b = a + len(needle)
    return {s.kind for s in m.segments if s.start < b and a < s.end}


MON = "Mon, 02 Mar 2020 09:00:00 +0000"
TUE = "Tue, 03 Mar 2020 10:30:00 +0000"
WED = "Wed, 04 Mar 2020 11:45:00 +0000"


# --------------------------------------------------------------------------------------------
# 1. An unmarked quote ends where the quoted text ends


def test_the_issue_example_bottom_posted_without_markers(tmp_path: Path) -> None:
    question = "Shall we move the weekly meeting to Thursday?"
    answer = "Thursday works for me, but not before 10:00."
    archive = _read(
        tmp_path,
        _message("q@x", ANN, MON, "Weekly meeting", f"{question}\n\nAnn"),
        _message(
            "a@x",
            BOB,
            TUE,
            "Re: Weekly meeting",
            f"On Mon, 2 Mar 2020, {ANN} wrote:\n{question}\n\n{answer}\n\nBob",
            reply_to="q@x",
        ),
    )
    reply = _by_id(archive)["a@x"]
    assert answer in reply.new_text
    assert question not in reply.new_text
    assert reply.signature.strip() == "Bob"
    (quote,) = [q for q in reply.quotes if question in q.text]
    assert quote.source_id == "q@x"


def test_bottom_posted_reply_without_headers_ends_where_the_repeated_text_ends(
    tmp_path: Path,
) -> None:
    mine = "I can take the budget lines, but somebody else should chair the vote."
    archive = _read(
        tmp_path,
        _message("agenda@x", ANN, MON, "Agenda", AGENDA + "\nAnn"),
        _message(
            "reply@x",
            BOB,
            TUE,
            "Re: Agenda",
            f"On Mon, 2 Mar 2020 at 09:00, {ANN} wrote:\n{AGENDA}\n{mine}\n\nBest,\nBob",
        ),
    )
    reply = _by_id(archive)["reply@x"]
    assert mine in reply.new_text
    assert "steering group" not in reply.new_text
    assert "Bob" in reply.signature
    assert {q.source_id for q in reply.quotes if q.text.strip()} == {"agenda@x"}


def test_interleaved_reply_without_markers_keeps_every_own_paragraph(tmp_path: Path) -> None:
    first, second = AGENDA.split("\n\n")
    own_1 = "Thursday is fine for me; the small room is too small for twelve people though."
    own_2 = "Corrections are attached; two of them concern the figures in section four."
    archive = _read(
        tmp_path,
        _message("agenda@x", ANN, MON, "Agenda", AGENDA),
        _message(
            "inline@x",
            CAROL,
            TUE,
            "Re: Agenda",
            f"On Mon, 2 Mar 2020 at 09:00, {ANN} wrote:\n{first}\n\n{own_1}\n\n{second}\n{own_2}",
            reply_to="agenda@x",
        ),
    )
    reply = _by_id(archive)["inline@x"]
    assert own_1 in reply.new_text and own_2 in reply.new_text
    assert "steering group" not in reply.new_text and "draft minutes" not in reply.new_text
    assert _kinds(reply, "draft minutes") == {SegmentKind.QUOTE}


def test_reclaimed_words_are_indexed_as_the_replier_s_own(tmp_path: Path) -> None:
    """The bottom-poster's paragraph, once given back, is the source of a later quote of it."""
    mine = (
        "I can take the budget lines myself, but somebody from the finance office\n"
        "should chair the vote, since I drafted half of those lines last year."
    )
    archive = _read(
        tmp_path,
        _message("agenda@x", ANN, MON, "Agenda", AGENDA),
        _message(
            "reply@x",
            BOB,
            TUE,
            "Re: Agenda",
            f"On Mon, 2 Mar 2020 at 09:00, {ANN} wrote:\n{AGENDA}\n{mine}\n\nBob",
            reply_to="agenda@x",
        ),
        _message(
            "later@x",
            CAROL,
            WED,
            "Re: Agenda",
            "Fine by me.\n\n" + "".join(f"> {line}\n" for line in mine.split("\n")),
            reply_to="reply@x",
        ),
    )
    later = _by_id(archive)["later@x"]
    assert [q.source_id for q in later.quotes if "finance office" in q.text] == ["reply@x"]


def test_an_unmarked_quote_of_a_message_outside_the_archive_stays_a_quote(
    tmp_path: Path,
) -> None:
    archive = _read(
        tmp_path,
        _message(
            "top@x",
            BOB,
            TUE,
            "Re: Agenda",
            f"Yes, count me in.\n\nBob\n\nOn Mon, 2 Mar 2020 at 09:00, {ANN} wrote:\n{AGENDA}",
        ),
    )
    (m,) = archive.messages
    assert m.new_text.strip() == "Yes, count me in."
    assert _kinds(m, "draft minutes") == {SegmentKind.QUOTE}


def test_an_unmarked_quote_alone_never_leaves_a_reply_empty(tmp_path: Path) -> None:
    words = "Not from me: I was away all week and the numbers are new to me as well."
    archive = _read(
        tmp_path,
        _message("only@x", BOB, TUE, "Re: Figures", f"On Mon, 2 Mar 2020, {ANN} wrote:\n{words}\n"),
    )
    (m,) = archive.messages
    assert words in m.new_text


# --------------------------------------------------------------------------------------------
# 2. Copies collapse; different people's messages never do


def test_two_people_who_each_answer_plus_one_are_two_messages(tmp_path: Path) -> None:
    archive = _read(
        tmp_path,
        _message("agenda@x", ANN, MON, "Agenda", AGENDA),
        _message("p1@x", BOB, TUE, "Re: Agenda", "+1", reply_to="agenda@x"),
        _message("p2@x", CAROL, TUE, "Re: Agenda", "+1", reply_to="agenda@x"),
    )
    by_id = _by_id(archive)
    assert set(by_id) == {"agenda@x", "p1@x", "p2@x"}
    assert by_id["p2@x"].repeat_of == "p1@x"
    assert by_id["p2@x"].new_text.strip() == "+1"
    assert archive.stats.duplicates_collapsed == 0


def test_a_report_reposted_by_someone_else_is_kept_with_its_words(tmp_path: Path) -> None:
    later = "Tue, 31 Mar 2020 10:30:00 +0000"
    archive = _read(
        tmp_path,
        _message("r1@x", ANN, MON, "Monthly report", AGENDA),
        _message("r2@x", CAROL, later, "Monthly report", AGENDA),
    )
    by_id = _by_id(archive)
    assert set(by_id) == {"r1@x", "r2@x"}
    assert by_id["r2@x"].repeat_of == "r1@x"
    assert "steering group" in by_id["r2@x"].new_text


def test_the_same_person_s_plus_one_in_two_threads_is_two_messages(tmp_path: Path) -> None:
    archive = _read(
        tmp_path,
        _message("t1@x", ANN, MON, "Agenda", AGENDA),
        _message("t2@x", CAROL, MON, "Venue", "Shall we book the hall on the river again?"),
        _message("b1@x", BOB, TUE, "Re: Agenda", "+1", reply_to="t1@x"),
        _message("b2@x", BOB, TUE, "Re: Venue", "+1", reply_to="t2@x"),
    )
    assert {"b1@x", "b2@x"} <= set(_by_id(archive))


@pytest.mark.parametrize(
    ("second_id", "second_date", "reason"),
    [
        ("agenda@x", MON, CopyReason.SAME_ID),
        ("agenda-again@x", "Mon, 02 Mar 2020 11:00:00 +0000", CopyReason.RESEND),
    ],
)
def test_copies_of_one_message_collapse_with_their_reason(
    tmp_path: Path, second_id: str, second_date: str, reason: CopyReason
) -> None:
    archive = _read(
        tmp_path,
        _message("agenda@x", ANN, MON, "Agenda", AGENDA),
        _message(second_id, ANN, second_date, "Agenda", AGENDA),
    )
    (m,) = archive.messages
    assert [c.reason for c in m.copies] == [reason]
    assert len(m.duplicates) == 1


def test_a_resend_weeks_later_is_a_new_message(tmp_path: Path) -> None:
    archive = _read(
        tmp_path,
        _message("m1@x", ANN, MON, "Agenda", AGENDA),
        _message("m2@x", ANN, "Mon, 30 Mar 2020 09:00:00 +0000", "Agenda", AGENDA),
    )
    assert len(archive.messages) == 2


def test_a_cross_post_read_from_two_lists_collapses(tmp_path: Path) -> None:
    one = tmp_path / "one"
    two = tmp_path / "two"
    one.mkdir()
    two.mkdir()
    (one / "list.mbox").write_text(_message("cp1@x", ANN, MON, "Agenda", AGENDA))
    (two / "list.mbox").write_text(
        _message("cp2@x", ANN, "Mon, 02 Mar 2020 09:01:00 +0000", "Agenda", AGENDA)
    )
    archive = wsisdedup.read_many([one / "list.mbox", two / "list.mbox"])
    (m,) = archive.messages
    assert [c.reason for c in m.copies] == [CopyReason.CROSS_POST]


def test_exports_say_why_a_copy_was_collapsed(tmp_path: Path) -> None:
    path = tmp_path / "list.mbox"
    path.write_text(
        _message("agenda@x", ANN, MON, "Agenda", AGENDA)
        + _message("agenda-2@x", ANN, "Mon, 02 Mar 2020 09:20:00 +0000", "Agenda", AGENDA)
        + _message("p1@x", BOB, TUE, "Re: Agenda", "+1", reply_to="agenda@x")
        + _message("p2@x", CAROL, TUE, "Re: Agenda", "+1", reply_to="agenda@x")
    )
    out = tmp_path / "out.jsonl"
    assert main(["clean", str(path), "-o", str(out)]) == 0
    rows = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert [(c["id"], c["reason"]) for c in rows["agenda@x"]["copies"]] == [
        ("agenda-2@x", "resend")
    ]
    assert rows["p2@x"]["repeat_of"] == "p1@x"


def _cpu_seconds_to_read(tmp_path: Path, n: int) -> float:
    rng = random.Random(n)
    vocabulary = [f"w{i}" for i in range(50_000)]

    def paragraph() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(8))

    quoted = [paragraph() for _ in range(n)]
    mine = [paragraph() for _ in range(n)]
    reply = f"On Mon, 2 Mar 2020, {ANN} wrote:\n" + "\n\n".join(
        f"{q}\n\n{o}" for q, o in zip(quoted, mine, strict=True)
    )
    path = tmp_path / f"{n}.mbox"
    path.write_text(
        _message("a@x", ANN, MON, "S", "\n\n".join(quoted))
        + _message("b@x", BOB, TUE, "Re: S", reply, reply_to="a@x")
    )
    start = time.process_time()
    wsisdedup.read(path)
    return time.process_time() - start


def test_an_interleaved_reply_of_many_paragraphs_costs_linear_time(tmp_path: Path) -> None:
    """Ending unmarked quotes must not cost paragraphs x matches: 4x the paragraphs may cost
    about 4x the time (8x allowed, plus a constant for noise), not 16x."""
    small = _cpu_seconds_to_read(tmp_path, 500)
    large = _cpu_seconds_to_read(tmp_path, 2000)
    assert large < 8 * small + 0.2, (small, large)
