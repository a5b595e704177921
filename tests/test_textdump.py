"""The plain-text dump reader: messages, authors, dates, subjects and groups of scraped pages."""

from __future__ import annotations

import io
import json
import re
import sys
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import FrameType

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textdump_eval import score

import wsisdedup
from wsisdedup.model import Message
from wsisdedup.readers.textdump import attributions as attributions_module
from wsisdedup.readers.textdump import authors as authors_module
from wsisdedup.readers.textdump import quoting as quoting_module
from wsisdedup.readers.textdump import split as split_module
from wsisdedup.readers.textdump import words as words_module
from wsisdedup.readers.textdump.split import (
    AttributionKind,
    ClueKind,
    MessageEvidence,
    TextDump,
    dump_evidence,
    parse_text_dump,
    read_text_dump,
)
from wsisdedup.segment import parse_attribution
from wsisdedup.text.normalise import canonical

SEED = Path(__file__).resolve().parent.parent / "examples" / "data" / "wsis20-2025-06.txt"
DUMPS = Path(__file__).resolve().parent / "data" / "textdump"
GOLDEN = sorted(DUMPS.glob("*.json"))
# The dumps read entirely right (every message, author, parent, subject, group and date).
EXACT = [g for g in GOLDEN if g.stem.startswith(("fedora-define-global", "fedora-lisp-emacs"))]
# Per dump: true messages read exactly, authors right, parents right (tests/textdump_eval.py).
# The figures may rise with the reader, never fall.
FLOORS: dict[str, tuple[int, int, int]] = {
    "evs-draft-8a": (7, 7, 7),
    "evs-info-sessions": (7, 7, 7),
    "fedora-define-global": (7, 7, 7),
    "fedora-lisp-emacs": (12, 12, 12),
    "fedora-lzma-libssh2": (11, 9, 11),
    "numpy-blas-sort": (4, 5, 4),
    "numpy-heigen-reduce": (9, 6, 8),
}


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def groups(evidence: Sequence[MessageEvidence]) -> list[set[int]]:
    """The partition of message indices into groups, in order of first appearance."""
    by: dict[int, set[int]] = {}
    for e in evidence:
        by.setdefault(e.thread, set()).add(e.index)
    return list(by.values())


def _wordless(line: str) -> bool:
    """No word the reader could use: only blanks, symbols, placeholders or addresses."""
    text = re.sub(r"\S*@\S*", " ", canonical(line).text)
    return not any(ch.isalnum() for ch in text)


def assert_lossless(lines: Sequence[str], dump: TextDump) -> None:
    """Bodies are their lines, in order and disjoint; a line outside every message is a subject
    line, part of a roster, or holds no word."""
    covered: set[int] = set()
    last = 0
    for m, e in zip(dump.messages, dump.evidence, strict=True):
        assert m.source.line == e.line > last
        assert m.body == "\n".join(lines[e.line - 1 : e.end_line])
        covered.update(range(e.line - 1, e.end_line))
        last = e.end_line
    subjects = {e.subject_line - 1 for e in dump.evidence if e.subject_line is not None}
    for n, line in enumerate(lines):
        if n in covered or n in subjects or _wordless(line):
            continue
        k = n
        while k >= 0 and k not in covered and k not in subjects:
            if re.fullmatch(r"\s*participants\s*\(\s*\d+\s*\)\s*", lines[k]):
                break
            k -= 1
        assert k >= 0 and k not in covered and k not in subjects, f"line {n + 1}: {line!r}"


# ---------------------------------------------------------------------------------------------
# The seed: 8 messages in 3 threads (the expected reading is given in issue 5)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> TextDump:
    with SEED.open(encoding="utf-8") as f:
        return parse_text_dump(f, path=str(SEED))


def test_seed_messages_and_authors(seed: TextDump) -> None:
    assert [m.author.name for m in seed.messages] == [
        "Alexey Trepykhalin",
        "Joly MacFie",
        "Veni Markovski",
        "Joly MacFie",
        "Winnie Kamau",
        "AHM Bazlur Rahman",
        "Konstantinos Komaitis",
        "Annebeth Lange",
    ]
    bodies = [m.body for m in seed.messages]
    assert bodies[1].startswith("The timecodes are useful!")
    assert "has not been up to the task" in bodies[2].split("\n")[0]
    assert bodies[3].startswith("Hi Veni, I do not believe any of us have illusions")
    assert all(not m.problems for m in seed.messages)


def test_seed_threads_and_replies(seed: TextDump) -> None:
    assert groups(seed.evidence) == [{0, 1, 2, 3, 4}, {5}, {6, 7}]
    # Each reply quotes its parent: the notes <- Joly <- Veni <- Joly, the notes <- Winnie,
    # the event <- Annebeth.
    assert [e.quotes for e in seed.evidence] == [None, 0, 1, 2, 0, None, None, 6]
    assert [e.quoted_by for e in seed.evidence][:3] == [(1, 2, 3, 4), (2, 3), (3,)]


def test_seed_subjects(seed: TextDump) -> None:
    first_line = SEED.read_text(encoding="utf-8").split("\n", 1)[0]
    subjects = [m.subject for m in seed.messages]
    assert subjects[:5] == [first_line] * 5
    # Thread 2 has no subject line and nothing names it; thread 3's comes from the header
    # block that quotes it, without its list tag.
    assert subjects[5] == ""
    assert subjects[6:] == ["The importance of the IGF -- online event"] * 2
    assert seed.evidence[0].subject_line == 1
    assert seed.evidence[6].subject_line is None


def test_seed_sources_and_lossless(seed: TextDump) -> None:
    lines = lines_of(SEED)
    assert [m.source.line for m in seed.messages] == [2, 3, 67, 68, 141, 205, 206, 207]
    assert [m.source.index for m in seed.messages] == list(range(8))
    assert {m.source.format for m in seed.messages} == {"text-dump"}
    assert_lossless(lines, seed)
    assert seed.participants[0] == "AHM Bazlur Rahman"
    assert len(seed.participants) == 7


def test_seed_attributions_name_and_time_the_quoted_messages(seed: TextDump) -> None:
    joly = seed.evidence[3]
    assert [(a.name, a.quoted_index) for a in joly.attributions] == [
        ("Veni Markovski", 2),
        ("Joly MacFie", 1),
        ("Alexey Trepykhalin", 0),
    ]
    veni, block, notes = joly.attributions
    assert veni.kind is AttributionKind.WROTE
    assert veni.address == "veni.markovski@icann.org"
    assert veni.local_time == datetime(2025, 6, 8, 11, 53)
    # The time an attribution prints is the replier's: no zone, so no aware date.
    assert veni.date is None
    assert block.kind is AttributionKind.HEADER_BLOCK
    # The sender is the list (DMARC); the person is in Reply-To.
    assert (block.name, block.address) == ("Joly MacFie", "jolynyc@gmail.com")
    assert block.subject.endswith(
        "Re: Notes: The First Preparatory Meeting for the WSIS+20 General Assembly Overall Review"
    )
    # "Ann via list <list@host>": the address is the list's, so it is dropped.
    assert (notes.name, notes.address) == ("Alexey Trepykhalin", "")
    winnie = seed.evidence[4].attributions[0]
    assert winnie.local_time == datetime(2025, 6, 5, 17, 22)
    assert notes.local_time == datetime(2025, 6, 5, 10, 22)
    assert all(m.date is None for m in seed.messages)


def test_seed_reads_the_same_with_blank_lines_and_crlf() -> None:
    lines = lines_of(SEED)
    spaced = [x for line in lines for x in (line + "\r\n", "\r\n")]
    dump = parse_text_dump(spaced, path="spaced")
    assert [m.author.name for m in dump.messages] == [
        m.author.name for m in parse_text_dump(lines, path="plain").messages
    ]
    assert groups(dump.evidence) == [{0, 1, 2, 3, 4}, {5}, {6, 7}]


def test_read_text_dump_yields_the_messages() -> None:
    with SEED.open(encoding="utf-8") as f:
        messages = list(read_text_dump(f, path="seed.txt"))
    assert len(messages) == 8
    assert messages[7].source.path == "seed.txt"
    assert len(dump_evidence(lines_of(SEED), path="seed.txt")) == 8


# ---------------------------------------------------------------------------------------------
# Dumps made from fedora-devel threads (scripts/make_textdump.py): answers from the headers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("golden", EXACT, ids=[g.stem for g in EXACT])
def test_fedora_dump(golden: Path) -> None:
    expected = json.loads(golden.read_text(encoding="utf-8"))["messages"]
    lines = lines_of(golden.with_suffix(".txt"))
    dump = parse_text_dump(lines, path=golden.name)
    assert [m.source.line for m in dump.messages] == [x["line"] for x in expected]
    assert [m.author.name for m in dump.messages] == [x["author"] for x in expected]
    assert [e.quotes for e in dump.evidence] == [x["in_reply_to"] for x in expected]
    assert [m.subject for m in dump.messages] == [x["subject"] for x in expected]
    truth: dict[int, set[int]] = {}
    for x in expected:
        truth.setdefault(x["thread"], set()).add(x["index"])
    assert groups(dump.evidence) == list(truth.values())
    for m, x in zip(dump.messages, expected, strict=True):
        if x["date_in_dump"]:
            assert m.date == datetime.fromisoformat(x["date"])
        else:
            assert m.date is None
    assert any(x["date_in_dump"] for x in expected)
    assert_lossless(lines, dump)


@pytest.mark.parametrize("golden", GOLDEN, ids=[g.stem for g in GOLDEN])
def test_dump_scores(golden: Path) -> None:
    """Every dump made from real threads: lossless, and at least the figures reached so far."""
    result = score(golden)
    floor = FLOORS[golden.stem]
    got = (result.messages, result.authors, result.parents)
    assert all(g >= f for g, f in zip(got, floor, strict=True)), (got, floor, result.wrong)
    lines = lines_of(golden.with_suffix(".txt"))
    assert_lossless(lines, parse_text_dump(lines, path=golden.name))


# ---------------------------------------------------------------------------------------------
# Behaviour on small dumps written here
# ---------------------------------------------------------------------------------------------

BUDGET_QUOTE = [
    "Hello everyone, the draft budget for the spring workshop is ready for comments.",
    "We kept the venue costs flat and moved the travel grants into a separate line.",
    "Please send remarks before Friday.",
    "Maria Lopez",
]
FOOTER = [
    "_______________________________________________",
    "planning mailing list -- planning@example.org",
    "To unsubscribe send an email to planning-leave@example.org",
]
ROSTER = ["participants (3)", "-", "Chen Wei -", "Maria Lopez -", "Paul Okafor"]


def test_list_footer_stays_in_the_quoted_tail() -> None:
    lines = [
        "Budget review for the spring workshop",
        " ".join(BUDGET_QUOTE),
        "Thanks Maria, the separate line for travel grants makes the overview much clearer. "
        "Paul On Mon, Mar 3, 2025 at 9:15 AM Maria Lopez via planning "
        "<planning@example.org> wrote:",
        *BUDGET_QUOTE,
        *FOOTER,
        "Could we also list the catering costs on their own? Last year they were hidden in "
        "the venue line. Regards, Chen Wei On Mon, Mar 3, 2025 at 4:40 PM Maria Lopez via "
        "planning <planning@example.org> wrote:",
        *BUDGET_QUOTE,
        *FOOTER,
        *ROSTER,
    ]
    dump = parse_text_dump(lines, path="budget")
    assert [m.author.name for m in dump.messages] == ["Maria Lopez", "Paul Okafor", "Chen Wei"]
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 2), (3, 10), (11, 18)]
    assert [e.quotes for e in dump.evidence] == [None, 0, 0]
    assert [a.local_time for e in dump.evidence for a in e.attributions] == [
        datetime(2025, 3, 3, 9, 15),
        datetime(2025, 3, 3, 16, 40),
    ]
    assert_lossless(lines, dump)


def test_quoted_tail_whose_source_is_missing() -> None:
    lines = [
        "Server migration window",
        "We will move the build servers on Saturday night, so expect about two hours without "
        "any builds; the mirrors stay up. Dana",
        "Can we shift it by a week? The release candidate is due that weekend. Sam On Tue, "
        "Apr 1, 2025 at 8:02 AM Jo Park <jo@example.net> wrote:",
        "We moved the database last month without trouble,",
        "so this one should be quick. Questions to the ops",
        "channel please.",
        "Jo",
        "The week after works for us as well, no objection from the documentation side as long "
        "as the translators get their usual freeze. Kim",
    ]
    dump = parse_text_dump(lines, path="orphan")
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 2), (3, 7), (8, 8)]
    # The tail repeats nothing in the dump: the attribution points nowhere.
    assert dump.evidence[1].attributions[0].quoted_index is None
    assert dump.evidence[1].quotes is None


def test_own_text_between_quotes_stays_with_its_message() -> None:
    lines = [
        "Agenda for Thursday",
        "Dear all, proposed agenda for Thursday: first the status of the translation project, "
        "then the review of open tickets, then any other business. Please add items by "
        "Wednesday noon. Ines",
        "Thanks Ines. On Wed, May 7, 2025 at 10:00 AM Ines Duarte <ines@example.com> wrote:",
        "Dear all, proposed agenda for Thursday: first the status of the translation project,",
        "then the review of open tickets, then any other business.",
        "I would like ten minutes for the glossary under the translation item.",
        "Please add items by Wednesday noon.",
        "Ines",
        "participants (2)",
        "-",
        "Ines Duarte -",
        "Tom Becker",
    ]
    dump = parse_text_dump(lines, path="interleaved")
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 2), (3, 8)]
    # Nothing names the second author but the roster: the one name left.
    assert [m.author.name for m in dump.messages] == ["Ines Duarte", "Tom Becker"]
    assert [c.kind for c in dump.evidence[1].author_clues] == [ClueKind.ROSTER]


def test_prose_said_is_not_an_attribution_but_name_wrote_is() -> None:
    report = [
        'The minister said: "we will publish the figures next week" and the audience applauded.',
        "Later the chair said: the session is closed.",
        "Report by Lena Fischer",
    ]
    lines = [
        "Meeting report",
        " ".join(report),
        "Good summary. Lena Fischer wrote:",
        *report,
        "participants (2)",
        "-",
        "Lena Fischer -",
        "Omar Haddad",
    ]
    dump = parse_text_dump(lines, path="said")
    assert dump.evidence[0].attributions == ()
    (att,) = dump.evidence[1].attributions
    assert (att.kind, att.name, att.date_text, att.quoted_index) == (
        AttributionKind.WROTE,
        "Lena Fischer",
        "",
        0,
    )
    assert [m.author.name for m in dump.messages] == ["Lena Fischer", "Omar Haddad"]


CHECKLIST = [
    "Here is the checklist for the next release: tag the tree, build the tarballs,",
    "sign them, upload to the mirror and announce on the list.",
    "Nora",
]


def test_attribution_dates() -> None:
    lines = [
        "Release checklist",
        " ".join(CHECKLIST),
        "Looks complete to me. Ben On Tue, Jan 05, 2010 at 06:34:12PM +0200, Nora Berg wrote:",
        *CHECKLIST,
        "Add a step for the checksums. Eli On 01/05/2010 11:50 AM, Nora Berg wrote:",
        *CHECKLIST,
        "One more: update the website. Ada On 13/01/2010 11:50, Nora Berg wrote:",
        *CHECKLIST,
    ]
    dump = parse_text_dump(lines, path="dates")
    atts = [e.attributions[0] for e in dump.evidence[1:]]
    assert [a.quoted_index for a in atts] == [0, 0, 0]
    zone = timezone(timedelta(hours=2))
    assert atts[0].date == datetime(2010, 1, 5, 18, 34, 12, tzinfo=zone)
    assert atts[0].local_time == datetime(2010, 1, 5, 18, 34, 12)
    # 01/05: January 5 or May 1? Read as the segmenting stage reads it, and not zoned.
    reading = parse_attribution("On 01/05/2010 11:50 AM, Nora Berg wrote:")
    assert reading is not None and reading.date is not None
    assert (atts[1].local_time, atts[1].date) == (reading.date, None)
    assert (atts[2].local_time, atts[2].date) == (datetime(2010, 1, 13, 11, 50), None)
    # Only a zoned time dates the message.
    assert dump.messages[0].date == datetime(2010, 1, 5, 18, 34, 12, tzinfo=zone)
    assert [m.date for m in dump.messages[1:]] == [None, None, None]


PRINTER = [
    "The printer on the third floor jams on every duplex job since the firmware update.",
    "Anyone else seeing this?",
    "Rosa",
]


def test_subject_lines_start_threads() -> None:
    lines = [
        "Printer on the third floor",
        " ".join(PRINTER),
        "Same here, I switched to the second floor printer for now. Ken On Thu, Feb 6, 2025 "
        "at 11:05 AM Rosa Lind <rosa@example.org> wrote:",
        *PRINTER,
        "Parking permits for March",
        "Permits for March can be collected at the front desk from Monday onwards, bring your "
        "staff card. Facilities",
    ]
    dump = parse_text_dump(lines, path="subjects")
    assert groups(dump.evidence) == [{0, 1}, {2}]
    assert [m.subject for m in dump.messages] == [
        "Printer on the third floor",
        "Printer on the third floor",
        "Parking permits for March",
    ]
    assert [e.subject_line for e in dump.evidence] == [1, 1, 7]
    assert_lossless(lines, dump)


def test_without_a_roster_sign_offs_match_names_from_attributions() -> None:
    lines = [
        "Printer on the third floor",
        " ".join(PRINTER),
        "Same here, I switched to the second floor printer for now. Ken On Thu, Feb 6, 2025 "
        "at 11:05 AM Rosa Lind <rosa@example.org> wrote:",
        *PRINTER,
        "Fixed now: the vendor pushed a new firmware this morning and duplex jobs go through "
        "again on both trays. Thanks for the patience, Rosa",
    ]
    dump = parse_text_dump(lines, path="noroster")
    assert dump.messages[0].author.name == "Rosa Lind"
    assert dump.messages[0].author.address == "rosa@example.org"
    assert dump.messages[2].author.name == "Rosa Lind"
    # Ken signs with a name nothing else in the dump knows: no author, and a problem says so.
    assert dump.messages[1].author.name == ""
    assert [p.line for p in dump.messages[1].problems] == [3]


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

_SENTENCES = [
    "the meeting moved to room four",
    "please review the draft before friday",
    "Thanks, that helps a lot.",
    "On Mon, Jan 4, 2010 at 10:55 AM, Ann Lee <ann@example.org> wrote:",
    "Bob wrote:",
    "_______________________________________________",
    "From: Ann Lee Sent: Monday, January 4, 2010 10:55 To: list Subject: plans",
    "participants (2)",
    "-",
    "Ann Lee -",
    "",
]
_LINE = st.one_of(
    st.sampled_from(_SENTENCES),
    st.lists(st.sampled_from(_SENTENCES[:4]), min_size=1, max_size=6).map(" ".join),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=40),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, max_size=25))
def test_every_line_is_read_once(lines: list[str]) -> None:
    """Whatever the input, message bodies are exactly their lines, in order, without overlap;
    a line outside every message is a subject line or part of the roster."""
    dump = parse_text_dump(lines, path="h")
    assert_lossless([line.removesuffix("\r") for line in lines], dump)
    for m in dump.messages:
        assert m.date is None or m.date.tzinfo is not None


def test_dump_of_nothing() -> None:
    assert parse_text_dump([], path="empty").messages == ()
    assert parse_text_dump(["", "  ", "-"], path="blank").messages == ()


# ---------------------------------------------------------------------------------------------
# Linear time on hostile runs of short lines (issue 11)
# ---------------------------------------------------------------------------------------------

_HOSTILE = [">\n", "wrote:\n", "On x wrote:\n", "From: a\n", "participants (3)\n", "a\n"]


def _seconds(lines: list[str]) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        parse_text_dump(lines, path="hostile")
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("unit", _HOSTILE, ids=repr)
def test_runs_of_one_line_read_in_linear_time(unit: str) -> None:
    """Four times the input takes well under ten times as long (a quadratic reader takes
    sixteen): the ratio of two sizes measured in one run, not a bare timing."""
    small = [unit] * (40_000 // len(unit))
    large = small * 4
    t_small, t_large = _seconds(small), _seconds(large)
    assert t_large < 10 * t_small + 0.5, (t_small, t_large)


def test_one_long_line_reads_in_linear_time() -> None:
    word = "word " * 20_000
    t_small, t_large = _seconds([word]), _seconds([word * 4])
    assert t_large < 10 * t_small + 0.5, (t_small, t_large)


class _Counting:
    """A stand-in for a compiled pattern that counts the matches `finditer` hands out."""

    def __init__(self, pattern: regex.Pattern[str]) -> None:
        self.pattern = pattern
        self.matches = 0

    def finditer(self, *args: int | str) -> Iterator[regex.Match[str]]:
        for m in self.pattern.finditer(*args):  # type: ignore[arg-type]
            self.matches += 1
            yield m


def test_each_distinct_line_gets_one_canonical_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of one line costs a look-up per line, not a canonical form per line."""
    calls = 0
    real = words_module._canonical_words

    def counting(line: str) -> Iterator[str]:
        nonlocal calls
        calls += 1
        return real(line)

    monkeypatch.setattr(words_module, "_canonical_words", counting)
    parse_text_dump(["a"] * 5000, path="a")
    assert calls <= 2


def test_each_attribution_verb_looks_back_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A look-back from a verb stops at the previous verb: a run of attributions tries a
    bounded number of heads per verb, not every head in the window."""
    calls = 0
    real = attributions_module._date_prefix

    def counting(text: str) -> int:
        nonlocal calls
        calls += 1
        return real(text)

    monkeypatch.setattr(attributions_module, "_date_prefix", counting)
    lines = ["On x wrote:"] * 2000
    parse_text_dump(lines, path="on")
    # The body is searched a few times (split, placement), each time one head per verb.
    assert calls <= 4 * len(lines)


def test_bare_verbs_look_back_for_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A verb with only blanks since the previous one has no head, date or name before it: a
    run of "wrote:" lines looked back twice per verb, ~3 µs a line (issue 11, wrote-line)."""
    dated = _counting(monkeypatch, attributions_module, "_dated_before")
    headless = _counting(monkeypatch, attributions_module, "_headless")
    parse_text_dump(["Subject", *["wrote:"] * 2000], path="wrote")
    assert len(dated) + len(headless) <= 10


def test_each_from_label_reads_few_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of From lines: each From label reads the labels of its block lazily, up to the
    next From, not every label in the block window."""
    labels = _Counting(attributions_module.FIELD_LABEL)
    monkeypatch.setattr(attributions_module, "FIELD_LABEL", labels)
    lines = ["From: a"] * 2000
    parse_text_dump(lines, path="from")
    assert labels.matches <= 8 * len(lines)


def _python_steps(lines: list[str]) -> int:
    """The lines of Python the text-dump reader's modules execute reading `lines`."""
    steps = 0
    package = str(Path(split_module.__file__).parent)

    def local(frame: FrameType, event: str, arg: object) -> object:
        nonlocal steps
        steps += event == "line"
        return local

    def calls(frame: FrameType, event: str, arg: object) -> object:
        return local if frame.f_code.co_filename.startswith(package) else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        parse_text_dump(lines, path="steps")
    finally:
        sys.settrace(previous)
    return steps


@pytest.mark.parametrize("unit", ["-", "-- ", "", "\t", "* * *"], ids=repr)
def test_lines_without_words_take_no_python_step_each(unit: str) -> None:
    """A run of lines without words (blank lines, rules, symbols) is no evidence for the
    split: its lines are handled in C, in runs. A Python step a line (the split's loop, the
    roster, rule and attribution look-ups, the head shares) was ~0.6 s/MB (issue 11,
    dash-line)."""
    small = _python_steps(["Subject", "Some text here", *[unit] * 1000])
    large = _python_steps(["Subject", "Some text here", *[unit] * 3000])
    assert large - small <= 100, (small, large)


AGENDA = [
    "Dear all, the draft agenda for the plenary is attached to this message.",
    "Please send your comments on the order of the items by Friday noon.",
    "Best regards",
    "Ines",
]


def test_short_lines_of_a_quoted_tail_never_start_a_message() -> None:
    """Header-block fields, a lone name, an attribution line and `=20` debris inside a quoted
    tail are quoted lines of mail-wrap width: they stay in the message that quotes them."""
    lines = [
        "Plenary agenda",
        " ".join(AGENDA) + " From: Carla Mendes Sent: Friday, February 28, 2025 9:12 AM To: "
        "planning Subject: Plenary agenda Could we have the draft agenda by Monday? Carla",
        "Thanks Ines, one remark: the budget item should come before the elections, since the "
        "vote depends on it. Tom On Mon, 3 Mar 2025 at 10:00, Ines Duarte <ines@example.com> "
        "wrote:",
        AGENDA[0],
        "=20",
        AGENDA[1],
        AGENDA[2],
        "Ines",
        "From: Carla Mendes <carla@example.org>",
        "Sent: Friday, February 28, 2025 9:12 AM",
        "To: planning@example.org",
        "Subject: Plenary agenda",
        "Carla Mendes wrote:",
        "Could we have the draft agenda by Monday?",
        "Carla",
        "Agreed on moving the budget item up; I will also need ten minutes for the report of the "
        "translation group. Rui On Mon, 3 Mar 2025 at 10:00, Ines Duarte <ines@example.com> "
        "wrote:",
        *AGENDA,
        "participants (4)",
        "-",
        "Carla Mendes -",
        "Ines Duarte -",
        "Rui Costa -",
        "Tom Weber",
    ]
    dump = parse_text_dump(lines, path="tail")
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 2), (3, 15), (16, 20)]
    assert [e.quotes for e in dump.evidence] == [None, 0, 0]
    assert [m.author.name for m in dump.messages] == ["Ines Duarte", "Tom Weber", "Rui Costa"]
    assert_lossless(lines, dump)


def test_short_lines_after_a_body_without_attribution_stay_in_it() -> None:
    """A body whose quoted lines lost their markers (`>>>` prompts stripped like quote markers)
    keeps its short lines; the next long line starts the next message."""
    lines = [
        "Eigenvalues look wrong",
        "Is it a problem of the library or of my build? The eigenvalues should be 0 and 2 for "
        "this matrix, but I get something else entirely. Alessandro",
        "a = array([[1, 0], [0, 1]])",
        "b = array([[0, 1], [-1, 0]])",
        "eigenvalues(a + b * 1j)",
        "I suspect it is your build of the linear algebra library: on my machine with the "
        "packaged version I get the right answer. Travis",
    ]
    dump = parse_text_dump(lines, path="prompts")
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 5), (6, 6)]


ROOM = [
    "Can someone book the large meeting room for the workshop on the twelfth of June?",
    "We expect about forty people and will need the room for the whole day.",
    "Mia",
]
BOOKED = "I booked it from nine to five and asked the front desk for the projector as well. Leo"


def test_parent_is_the_latest_message_whose_words_are_quoted() -> None:
    """A quote of a quote also appears in the parent: the reply's parent is the latest earlier
    message whose own words it quotes, not the ancestor that wrote its first quoted line."""
    lines = [
        "Room booking",
        " ".join(ROOM),
        BOOKED,
        *ROOM,
        "Thanks Leo, could you also order coffee for the afternoon break? Mia On Tue, 3 Jun "
        "2025 at 11:00, Leo Hart <leo@example.org> wrote:",
        *ROOM,
        BOOKED.removesuffix(" Leo"),
        "Leo",
        "participants (2)",
        "-",
        "Leo Hart -",
        "Mia Roth",
    ]
    dump = parse_text_dump(lines, path="latest")
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 2), (3, 6), (7, 12)]
    assert [e.quotes for e in dump.evidence] == [None, 0, 1]
    (att,) = dump.evidence[2].attributions
    assert (att.name, att.quoted_index) == ("Leo Hart", 1)
    assert [m.author.name for m in dump.messages] == ["Mia Roth", "Leo Hart", "Mia Roth"]


def test_attribution_at_the_start_of_a_flattened_line() -> None:
    """ "On ..., Ann <a@x> wrote: My reply ... Paul": the attribution is read, and what follows
    it (up to text that repeats the dump) is the replier's own words, sign-off included."""
    lines = [
        "Budget review for the spring workshop",
        " ".join(BUDGET_QUOTE),
        "On Mon, Mar 3, 2025 at 9:15 AM Maria Lopez <maria@example.org> wrote: Thanks Maria, "
        "the separate line for travel grants makes the overview much clearer. Paul",
        *BUDGET_QUOTE,
        "Could we also list the catering costs on their own? Last year they were hidden in "
        "the venue line. Regards, Chen Wei On Mon, Mar 3, 2025 at 4:40 PM Maria Lopez "
        "<maria@example.org> wrote:",
        *BUDGET_QUOTE,
        "participants (4)",
        "-",
        "Chen Wei -",
        "Dana Smith -",
        "Maria Lopez -",
        "Paul Okafor",
    ]
    dump = parse_text_dump(lines, path="start")
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 2), (3, 7), (8, 12)]
    assert [e.quotes for e in dump.evidence] == [None, 0, 0]
    (att,) = dump.evidence[1].attributions
    assert (att.name, att.quoted_index) == ("Maria Lopez", 0)
    assert [m.author.name for m in dump.messages] == ["Maria Lopez", "Paul Okafor", "Chen Wei"]
    assert [c.kind for c in dump.evidence[1].author_clues] == [ClueKind.SIGNATURE]


EIGEN = [
    "How can I sort an array of complex eigenvalues by their imaginary part",
    "in ascending order? All of them come in complex conjugate pairs.",
    "Nils",
]


def test_a_name_in_an_attribution_is_not_the_repliers_sign_off() -> None:
    """An attribution the parser does not read whole (an archive's "a at b" address) still
    names the quoted author: its name is no vote for the replier, whose own signature is."""
    lines = [
        "Sorting complex arrays",
        " ".join(EIGEN),
        "indices = argsort(eigenvalues.imag) then take(eigenvalues, indices) does it. Konrad. "
        "-- Konrad Hinsen | Centre de Biophysique Moleculaire | Orleans "
        "Nils Wagner <nwagner at mecha.example.de> writes:",
        *EIGEN,
        "participants (2)",
        "-",
        "Konrad Hinsen -",
        "Nils Wagner",
    ]
    dump = parse_text_dump(lines, path="names")
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 2), (3, 6)]
    assert [c.name for c in dump.evidence[1].author_clues] == ["Konrad Hinsen"]
    assert [m.author.name for m in dump.messages] == ["Nils Wagner", "Konrad Hinsen"]


def _read_dump(lines: list[str]) -> list[Message]:
    data = io.BytesIO(("\n".join(lines) + "\n").encode("utf-8"))
    return list(wsisdedup.read(data, format="text-dump").messages)


def test_text_after_wrote_on_the_same_line_is_the_authors() -> None:
    """ "On ..., Ann <a@x> wrote: My reply ..." flattened onto one line: the reply is the
    author's new text, not part of the quote (issue 10, section 1)."""
    reply = "Thanks Maria, the separate line for travel grants makes the overview much clearer."
    lines = [
        "Budget review for the spring workshop",
        " ".join(BUDGET_QUOTE),
        f"On Mon, Mar 3, 2025 at 9:15 AM Maria Lopez <maria@example.org> wrote: {reply} Paul",
        *BUDGET_QUOTE,
        *ROSTER,
    ]
    dump = parse_text_dump(lines, path="wrote")
    body = dump.messages[1].body
    (span,) = dump.messages[1].own_spans
    assert body[span[0] : span[1]] == f"{reply} Paul"
    messages = _read_dump(lines)
    assert [m.author.name for m in messages] == ["Maria Lopez", "Paul Okafor"]
    assert reply in messages[1].new_text
    assert "Hello everyone" not in messages[1].new_text
    assert "".join(s.text for s in messages[1].segments) == messages[1].body


def test_text_after_wrote_that_repeats_the_dump_stays_quoted() -> None:
    """What follows "wrote:" on the same line and repeats earlier text is the quote."""
    lines = [
        "Budget review for the spring workshop",
        " ".join(BUDGET_QUOTE),
        "On Mon, Mar 3, 2025 at 9:15 AM Maria Lopez <maria@example.org> wrote: "
        + " ".join(BUDGET_QUOTE[:2]),
        *BUDGET_QUOTE[2:],
    ]
    dump = parse_text_dump(lines, path="repeat")
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 2), (3, 5)]
    assert dump.messages[1].own_spans == ()
    assert "draft budget" not in _read_dump(lines)[1].new_text


@pytest.mark.parametrize("unit", _HOSTILE, ids=repr)
def test_runs_of_one_line_use_at_most_twenty_times_their_size(unit: str) -> None:
    """Peak memory of a read (traced allocations) stays within 20 times the input: per-line
    and per-word state is held in compact arrays, not lists of ints or copies of the lines."""
    lines = [unit] * (60_000 // len(unit))
    size = len(unit) * len(lines)
    peak = _parse_peak(lines)
    assert peak <= 20 * size, peak / size


def test_a_dump_of_distinct_short_lines_stays_within_twenty_times_its_size() -> None:
    """Issue 11's text-dump-short-lines: a vocabulary of word strings, an array a line and a
    dictionary entry a shingle made a dump of distinct short lines cost 36x its size."""
    lines = [f"w{i} x" for i in range(100_000)]
    size = sum(len(line) + 1 for line in lines)
    peak = _parse_peak(lines)
    assert peak <= 20 * size, peak / size


def _parse_peak(lines: list[str]) -> int:
    """The peak of traced allocations while `parse_text_dump` reads `lines`, after a warm-up
    read of their first hundred (pattern caches, lazily compiled tables)."""
    parse_text_dump(lines[:100], path="warm-up")
    tracemalloc.start()
    try:
        parse_text_dump(lines, path="memory")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_signature_with_a_middle_initial_names_the_participant() -> None:
    """ "Scott M. Ransom" in a signature is the roster's "Scott Ransom"; "Paul Dubois" is
    "Paul F. Dubois"."""
    lines = [
        "Eigenvalues on Athlon",
        "I get the right answer with the packaged library on my Athlon, so it must be your "
        "build. -- Scott M. Ransom | McGill Univ. Physics Dept.",
        "Could you post the versions of the compiler and of the library you used? That would "
        "help us find the difference. -- Paul Dubois | LLNL",
        "participants (3)",
        "-",
        "Alessandro Mirone -",
        "Paul F. Dubois -",
        "Scott Ransom",
    ]
    dump = parse_text_dump(lines, path="initials")
    assert [m.author.name for m in dump.messages] == ["Scott Ransom", "Paul F. Dubois"]


def test_a_message_headed_by_a_subject_line_has_no_parent_in_the_dump() -> None:
    """Two thread starters by one chair share stock sentences; the second, headed by its own
    subject line, starts a thread and quotes nothing."""
    stock = (
        "Welcome to the working group sessions! Here is some information related to the "
        "sessions during this meeting: the revised draft agenda with document allocation is in "
        "the drafts folder, and the online minutes will be at the usual location."
    )
    lines = [
        "Information for the April sessions",
        f"Dear colleagues, {stock} Best regards Imre",
        "Information for the August sessions",
        "Dear all, for the August meeting please note that no hand-raising tool will be used "
        f"this time. {stock} Best regards Imre",
    ]
    dump = parse_text_dump(lines, path="stock")
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 2), (4, 4)]
    assert [e.quotes for e in dump.evidence] == [None, None]
    assert groups(dump.evidence) == [{0}, {1}]


def test_a_forwards_subject_line_heads_the_forward() -> None:
    """A short "Fwd:" line before a body that carries a header block and repeated text is the
    forward's subject (a forward carries its message inline), not a message of its own; the
    forward starts a thread, so its header block points at no message of the dump."""
    venue = (
        "We looked at three venues for the spring workshop: the university hall, the library "
        "annex and the conference hotel. The hall is the cheapest but has no catering."
    )
    lines = [
        "Venue options",
        f"{venue} Ann",
        "Fwd: Venue options",
        "FYI, see the options below before Thursday's call. Ben From: Ann Lee Sent: Monday, "
        f"3 March 2025 10:00 To: planning Subject: Venue options {venue} Ann",
    ]
    dump = parse_text_dump(lines, path="forward")
    assert [(e.line, e.end_line) for e in dump.evidence] == [(2, 2), (4, 4)]
    assert [e.subject_line for e in dump.evidence] == [1, 3]
    assert [e.quotes for e in dump.evidence] == [None, None]
    assert [a.quoted_index for a in dump.evidence[1].attributions] == [None]


@given(st.text(alphabet="abcXYZ019 \t", max_size=40))
def test_words_of_a_plain_line_are_its_canonical_words(line: str) -> None:
    # `_canonical_words` skips the canonical form on lines of letters, digits and blanks.
    expected = words_module._WORD.findall(words_module._words_text(line))
    assert list(words_module._canonical_words(line)) == expected


def test_plain_lines_need_no_canonical_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dump of short distinct lines ran a canonical form a line (~30 µs each): 0.3 MB/s
    (issue 11, `bench_hostile.py`'s text-dump-short-lines)."""
    calls: list[str] = []
    real = words_module.canonical

    def counting(text: str) -> object:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(words_module, "canonical", counting)
    list(words_module._canonical_words("w12 x"))
    list(words_module._canonical_words("Ann Lee\twrote 3 lines"))
    assert calls == []
    list(words_module._canonical_words("see <https://example.org/a>"))
    assert len(calls) == 1


def _counting(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[object]:
    """Replace `module.name` with a wrapper that records each call's first argument."""
    calls: list[object] = []
    real = getattr(module, name)

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


@pytest.mark.parametrize("unit", ["=20\n", "-- \n", "From: a\n"], ids=repr)
def test_equal_lines_read_from_a_file_share_their_text(unit: str) -> None:
    """Lines read from a file are new strings each (~50 bytes plus the text): a run of one
    short line cost 15 times its size before any analysis: 19-27x in all, now 10-15x (issue
    11, qp-soft)."""
    text = unit * (60_000 // len(unit))
    parse_text_dump(io.StringIO(unit * 100), path="warm-up")
    tracemalloc.start()
    try:
        parse_text_dump(io.StringIO(text), path="memory")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 17 * len(text), peak / len(text)


_ATTRIBUTION_LINE = "On Thu, Jun 5, 2025 at 10:22 AM Ann <ann@example.org> wrote:"


def test_a_run_of_one_attribution_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each repeat of an attribution line parsed it and took a canonical form of its line for
    the word offsets: ~200 µs a line, 0.3 MB/s on runs of attributions (issue 11)."""
    # (`parse_attribution` is memoised where it is defined: its misses are the parses.)
    quoting_module.parse_attribution.cache_clear()
    offsets = _counting(monkeypatch, words_module, "_line_offsets")
    dump = parse_text_dump(["Subject", *[_ATTRIBUTION_LINE] * 300], path="a")
    assert sum(len(e.attributions) for e in dump.evidence) >= 300
    assert quoting_module.parse_attribution.cache_info().misses <= 2
    assert len(offsets) <= 2


def test_a_block_repeated_after_rules_is_read_for_footers_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run of forward markers (rule lines) read the six lines after each for list footers:
    ~90 µs a rule, 0.4 MB/s (issue 11)."""
    calls = _counting(monkeypatch, split_module, "footer_spans")
    parse_text_dump(["Subject", *["---------- Forwarded message ---------"] * 300], path="a")
    # (The last rules' blocks are cut short by the end of the dump: one distinct block each.)
    assert 1 <= len(calls) <= split_module._FOOTER_SPAN + 2


def _signature_clues_reference(own: str, index: object) -> list[tuple[str, int]]:
    """The sign-off reading as it was written before `_OwnWords`: every word in a list."""
    by_first = index.by_first  # type: ignore[attr-defined]
    single = index.single  # type: ignore[attr-defined]
    spans = [(m.group(), m.start()) for m in authors_module._NAME_WORD.finditer(own)]
    folded = [w.lower() for w, _ in spans]
    n = len(folded)

    def after_greeting(j: int) -> bool:
        if j < authors_module._GREETING_ZONE and any(
            w in authors_module._GREETINGS for w in folded[:j]
        ):
            return True
        return j > 0 and folded[j - 1] in {"hi", "hello", "dear", "hey", "hallo"}

    def after_cue(j: int) -> bool:
        if any(w in authors_module._SIGNOFF_CUES for w in folded[max(0, j - 3) : j]):
            return True
        return spans[j][1] > 0 and own[spans[j][1] - 1] in "-~—"

    full: dict[str, int] = {}
    for j, word in enumerate(folded):
        for name, toks in by_first.get(word, ()):
            stop = authors_module._name_end(folded, j, toks)
            if stop is None or after_greeting(j):
                continue
            last, at = spans[stop - 1]
            if not authors_module._names_the_quoted(own, spans[j][1], at + len(last)):
                full[name] = j
    out = [(name, 2 + (1 if j >= n / 2 or after_cue(j) else 0)) for name, j in full.items()]
    signed: set[str] = set()
    for j, word in enumerate(folded):
        owner = single.get(word)
        if owner is None or owner in full or owner in signed:
            continue
        if authors_module._names_the_quoted(own, spans[j][1], spans[j][1] + len(spans[j][0])):
            continue
        if (j >= n - authors_module._SIGNOFF_ZONE or after_cue(j)) and not after_greeting(j):
            signed.add(owner)
            out.append((owner, 2))
    return out


_SIGNOFF_WORDS = st.sampled_from(
    [
        "Ann",
        "ann",
        "Lee",
        "Bob",
        "Ng",
        "hi",
        "dear",
        "regards",
        "thanks",
        "wrote:",
        "-",
        "said",
        "x",
        "<ann@example.org>",
        "From:",
        "Ann Lee",
        "~Bob",
        "İsa",
        "M.",
    ]
)


@given(st.lists(_SIGNOFF_WORDS, max_size=30))
def test_signature_clues_read_only_candidate_words_alike(words: list[str]) -> None:
    """`_signature_clues` reads only the words that may begin a name, and a full name only
    at its first and last places (issue 11: a list of every word cost ~70x a flattened line);
    what it finds is what reading every word finds."""
    own = " ".join(words)
    index = authors_module._NameIndex.of(["Ann Lee", "Bob Ng", "İsa Quinn"])
    got = [(c.name, c.weight) for c in authors_module._signature_clues(own, index)]
    assert got == _signature_clues_reference(own, index)


def test_a_run_of_one_attribution_splits_its_who_and_date_once() -> None:
    """The name, address and date prefix of a repeated attribution were worked out again for
    each repeat: 1.51 s a MB on runs of mixed attributions, 1.09 s memoised (issue 11)."""
    who, date = attributions_module._parse_who, attributions_module._date_prefix
    who.cache_clear()
    date.cache_clear()
    dump = parse_text_dump(["Subject", *[_ATTRIBUTION_LINE] * 300], path="a")
    assert sum(len(e.attributions) for e in dump.evidence) >= 300
    assert who.cache_info().misses <= 2 < 250 <= who.cache_info().hits
    assert date.cache_info().misses <= 2 < 250 <= date.cache_info().hits


def test_from_and_date_lines_without_to_or_subject_read_no_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A header block needs a to or subject label: a run of From and Date lines without one
    read the label window after every From line (0.59 MB/s on header fields in several
    languages, issue 11); the next such label is now found once and reused while ahead."""
    windows = 0
    label = attributions_module.FIELD_LABEL

    class Counted:
        def finditer(self, *args: object) -> object:
            nonlocal windows
            windows += 1
            return label.finditer(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(attributions_module, "FIELD_LABEL", Counted())
    text = "From: Ann\nDate: Mon, 4 Jan 2010\nVon: Bo\nGesendet: Dienstag\n" * 300
    assert list(attributions_module._find_blocks(text)) == []
    assert windows == 0
    block = "From: Ann\nDate: Mon, 4 Jan 2010\nTo: list\nSubject: Hi\n"
    found = list(attributions_module._find_blocks(text + block))
    assert [f.who for f in found] == ["Ann"] and windows >= 1
