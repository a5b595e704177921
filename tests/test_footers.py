"""List footers: the templates of Mailman 2, Mailman 3 and LISTSERV, and footers learnt from
repetition, found at the end of a body, inside quotes, and flattened onto one line."""

from __future__ import annotations

import gzip
import itertools
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wsisdedup.patterns.footers import SEPARATOR_WORD
from wsisdedup.segment.footers import footer_spans, learn_footers
from wsisdedup.text.normalise import canonical

DATA = Path(__file__).resolve().parent.parent / "examples" / "data"
FEDORA = DATA / "fedora-devel-2010-January.txt.gz"
SEED = DATA / "wsis20-2025-06.txt"


def found(text: str, learned: tuple[str, ...] = ()) -> list[str]:
    return [text[a:b] for a, b in footer_spans(text, learned)]


# --- Templates ---------------------------------------------------------------------------------

MAILMAN2 = (
    "_______________________________________________\n"
    "Fedora-devel-announce mailing list\n"
    "Fedora-devel-announce@redhat.com\n"
    "https://www.redhat.com/mailman/listinfo/fedora-devel-announce"
)
MAILMAN2_DASHES = (
    "--\nfedora-devel-list mailing list\nfedora-devel-list@redhat.com\n"
    "https://www.redhat.com/mailman/listinfo/fedora-devel-list"
)
# numpy-discussion (pipermail shows the address as "list at host", here also re-wrapped)
MAILMAN2_PIPERMAIL = (
    "_______________________________________________\n"
    "Numpy-discussion mailing list Numpy-discussion at lists.sourceforge.net\n"
    "https://lists.sourceforge.net/lists/listinfo/numpy-discussion"
)
MAILMAN3 = (
    "_______________________________________________\n"
    "devel mailing list -- devel@lists.fedoraproject.org\n"
    "To unsubscribe send an email to devel-leave@lists.fedoraproject.org\n"
    "Fedora Code of Conduct: https://docs.fedoraproject.org/en-US/project/code-of-conduct/\n"
    "List Archives: https://lists.fedoraproject.org/archives/list/devel@lists.fedoraproject.org"
)
# 3GPP (ETSI LISTSERV)
LISTSERV = (
    "########################################################################\n\n"
    "To unsubscribe from the 3GPP_TSG_SA_WG4_EVS list, click the following link:\n"
    "http://list.etsi.org/scripts/wa.exe?SUBED1=3GPP_TSG_SA_WG4_EVS&A=1\n\n"
    "########################################################################"
)
# The same footer quoted twice by Outlook: the `#` line re-wrapped, the link rewritten by Safe
# Links and broken over lines.
LISTSERV_QUOTED = (
    ">> #####################################################################\n>> #\n>> ##\n>>\n"
    ">> To unsubscribe from the 3GPP_TSG_SA_WG4_EVS list, click the following link:\n"
    ">> https://can01.safelinks.protection.outlook.com/?url=http%3A%2F%2Flist.\n"
    ">> etsi.org%2Fscripts%2Fwa.exe%3FSUBED1%3D3GPP_TSG_SA_WG4_EVS%26A%3D1&amp\n"
    ">> ;data=04%7C01%7CMilan.Jelinek%40usherbrooke.ca%7C05a14d05cae04e8d04fa0\n"
    ">> 8d9679cdfea%7C3a5a8744593545f99423b32c3a5de082%7C0%7C0%7C637654746170\n"
    ">>\n>> ######################################################################\n>> ##"
)
JISCMAIL = (
    "To unsubscribe from the CCPEM list, click the following link:\n"
    "https://www.jiscmail.ac.uk/cgi-bin/WA-JISC.exe?SUBED1=CCPEM&A=1\n\n"
    "This message was issued to members of www.jiscmail.ac.uk/CCPEM, a mailing list hosted by "
    "www.jiscmail.ac.uk, terms & conditions are available at "
    "https://www.jiscmail.ac.uk/policyandsecurity/"
)
IEEE = "Unsubscribe link: mailto:STDS-802-1-L-SIGNOFF-REQUEST@LISTSERV.IEEE.ORG"
GOOGLE = (
    "-- \nYou received this message because you are subscribed to the Google Groups "
    '"Widgets" group.\nTo unsubscribe from this group and stop receiving emails from it, send '
    "an email to widgets+unsubscribe@googlegroups.com.\nTo view this discussion on the web "
    "visit https://groups.google.com/d/msgid/widgets/abc%40mail.gmail.com."
)


def quote(text: str, prefix: str = "> ") -> str:
    return "\n".join(prefix + line for line in text.split("\n"))


@pytest.mark.parametrize(
    "footer",
    [MAILMAN2, MAILMAN2_DASHES, MAILMAN2_PIPERMAIL, MAILMAN3, LISTSERV, JISCMAIL, IEEE, GOOGLE],
    ids=[
        "mailman2",
        "mailman2-dashes",
        "pipermail",
        "mailman3",
        "listserv",
        "jiscmail",
        "ieee",
        "google",
    ],
)
@pytest.mark.parametrize("form", ["end", "quoted", "flattened"])
def test_template_footer_is_found_whole(footer: str, form: str) -> None:
    if form == "quoted":
        footer = quote(quote(footer))
    elif form == "flattened":
        footer = " ".join(footer.split())
    before, after = "Thanks, that fixed it.\n\nJohn\n", "\n\nNew words after the quote."
    text = before + footer + after
    assert found(text) == [footer.removeprefix("> > ")]


def test_quoted_listserv_footer_takes_its_broken_link_and_closing_line() -> None:
    text = "I agree.\n" + LISTSERV_QUOTED + "\n>\n> --\n> Milan JELINEK"
    assert found(text) == [LISTSERV_QUOTED.removeprefix(">> ")]


@pytest.mark.parametrize(
    "text",
    [
        "Please write to the Fedora Marketing mailing list\n"
        "(https://www.redhat.com/mailman/listinfo/fedora-marketing-list).",
        "The devel mailing list is the place; devel@example.org reads it.",
        "We should unsubscribe from the old list, click the following link to see why.",
        "_______________________________________________\nNothing to see here.",
    ],
)
def test_prose_about_lists_is_not_a_footer(text: str) -> None:
    assert footer_spans(text) == ()


def test_canonical_can_be_passed_in() -> None:
    text = "Hi\n" + MAILMAN2
    assert footer_spans(text, canon=canonical(text)) == footer_spans(text)


# --- fedora-devel: every message that has the Mailman footer -----------------------------------

# pipermail's strict separator line; the body is what follows the first blank line.
_SEPARATOR = re.compile(r"^From \S+ +\w{3} \w{3} +\d+ \d+:\d+:\d+ \d{4}$", re.M)
# The footer's own line, with or without quote markers (the truth, from the raw text).
_FOOTER_LINE = re.compile(r"^[> \t]*[\w.-]+ mailing list[ \t]*$", re.M)


def _fedora_bodies() -> list[str]:
    with gzip.open(FEDORA, "rt", encoding="utf-8", errors="replace") as f:
        raw = f.read()
    starts = [m.start() for m in _SEPARATOR.finditer(raw)] + [len(raw)]
    messages = [raw[a:b] for a, b in itertools.pairwise(starts)]
    return [m.split("\n\n", 1)[1] if "\n\n" in m else "" for m in messages]


def test_fedora_footer_found_in_every_message_that_has_it() -> None:
    bodies = _fedora_bodies()
    assert len(bodies) == 292
    truth = {i for i, body in enumerate(bodies) if _FOOTER_LINE.search(body)}
    spans = {i: footer_spans(body) for i, body in enumerate(bodies)}
    with_footer = {i for i, s in spans.items() if s}
    assert len(truth) == 7  # five quoted `-- ` footers of fedora-devel-list, two announce ones
    assert with_footer == truth
    for i in truth:
        line = _FOOTER_LINE.search(bodies[i])
        assert line is not None
        assert any(a <= line.start() + len(line.group()) // 2 < b for a, b in spans[i])
        assert all("mailing list" in bodies[i][a:b] for a, b in spans[i])


# --- Learnt footers: the WSIS+20 list's privacy notice ----------------------------------------


def _seed_bodies() -> tuple[str, list[str]]:
    """The seed's messages, until its reader exists: the seed is a HyperKitty page scrape in
    which a message is a line with its body flattened, followed by its quoted tail (lines that
    are not flattened). Line numbers are 1-based: message 1 is line 2; message 2 is lines 3-66
    (its tail quotes message 1 with the list footer); message 3 is line 67 (all flattened,
    footer included); message 4 is lines 68-140; message 5 is lines 141-204; messages 6-8 are
    lines 205, 206 and 207 (no footer)."""
    text = SEED.read_text(encoding="utf-8")
    lines = text.split("\n")

    def block(first: int, last: int) -> str:
        return "\n".join(lines[first - 1 : last])

    bodies = [lines[1], block(3, 66), lines[66], block(68, 140), block(141, 204)]
    bodies += [lines[204], lines[205], lines[206]]
    return text, bodies


def test_learner_finds_the_wsis_footer_and_all_four_copies() -> None:
    text, bodies = _seed_bodies()
    learned = learn_footers(bodies)
    assert len(learned) == 1
    footer = learned[0]
    assert footer.startswith("_____ learn more about the wsis+20 outreach network")
    assert "by submitting your personal data" in footer
    assert footer.endswith("and so on.")
    assert footer_spans(text) == ()  # no template knows this footer
    spans = footer_spans(text, learned)
    assert len(spans) == 4
    lines_of = [text.count("\n", 0, a) + 1 for a, _ in spans]
    assert lines_of == [63, 67, 137, 201]  # line 67 is the flattened copy
    for a, b in spans:
        assert text[a:b].startswith("_" * 47)
        assert text[a:b].endswith("(e.g., for a vacation), and so on.")
    flat_a, flat_b = spans[1]
    assert "\n" not in text[flat_a:flat_b]
    # The same spans body by body, as the segmenter will ask for them.
    assert [len(footer_spans(body, learned)) for body in bodies] == [0, 1, 1, 1, 1, 0, 0, 0]


def test_learnt_footer_is_found_with_rewritten_links_and_quote_markers() -> None:
    _, bodies = _seed_bodies()
    learned = learn_footers(bodies)
    copy = (
        "_______________________________________________\n"
        "Learn more about the WSIS+20 Outreach Network and review relevant resources: "
        "https://go.icann.org/wsis20 [go.icann.org] "
        "<https://urldefense.com/v3/__https:/go.icann.org/wsis20__;!!PtGJab4!5BzzPjqHX...>\n"
        "Read the public archives for this mailing list: https://mm.icann.org/pipermail/wsis20/\n"
        "_______________________________________________ By submitting your personal data, you "
        "consent to the processing of your personal data for purposes of subscribing to this "
        "mailing list accordance with the ICANN Privacy Policy "
        "(https://www.icann.org/privacy/policy) and the website Terms of Service "
        "(https://www.icann.org/privacy/tos). You can visit the Mailman link above to change your "
        "membership status or configuration, including unsubscribing, setting digest-style "
        "delivery or disabling delivery altogether (e.g., for a vacation), and so on."
    )
    quoted = "Agreed.\n\n" + quote(copy) + "\n\nBest, Ann"
    assert found(quoted, learned) == [quote(copy).removeprefix("> ")]


def test_learner_needs_a_separator_and_a_list_word() -> None:
    root = "The meeting notes are attached.\nPlease review them before Friday.\n" * 5
    replies = [f"Reply {i}: fine by me.\n\n{root}" for i in range(6)]
    assert learn_footers(replies) == ()  # a quoted message shared by replies is no footer
    signature = "\n-- \nJohn Smith\nAcme Corp, https://acme.example/"
    signed = [f"Message {i} about widgets." + signature for i in range(6)]
    assert learn_footers(signed) == ()  # a prolific author's signature is no list footer
    footer = "\n_______________\nWidgets mailing list\nhttps://example.org/listinfo/widgets"
    with_footer = [f"Message {i} about widgets." + footer for i in range(6)]
    assert learn_footers(with_footer) == ("_____ widgets mailing list example.org",)


def test_learner_counts_a_message_archived_twice_once() -> None:
    footer = "\n_______________\nWidgets mailing list\nhttps://example.org/listinfo/widgets"
    twice = ["First." + footer, "First." + footer, "Second." + footer]
    assert learn_footers(twice) == ()
    assert learn_footers([*twice, "Third." + footer]) != ()


def test_learner_keeps_one_footer_where_replies_quote_it() -> None:
    footer = "\n_______________\nWidgets mailing list\nhttps://example.org/listinfo/widgets"
    bodies = [
        f"Top-posted reply {i}.\n\n> Earlier words {i}.\n" + quote(footer) + footer
        for i in range(5)
    ]
    assert learn_footers(bodies) == ("_____ widgets mailing list example.org",)


def test_learner_is_deterministic_with_sampling() -> None:
    footer = "\n_______________\nGadgets mailing list\nhttps://example.org/listinfo/gadgets"
    bodies = [f"Message number {i}." + (footer if i % 2 else "") for i in range(400)]
    first = learn_footers(bodies, sample=50)
    assert first == ("_____ gadgets mailing list example.org",)
    assert learn_footers(bodies, sample=50) == first


_PIECES = st.sampled_from(
    [
        "word ",
        "\n",
        "\n> ",
        "_" * 47 + "\n",
        "#" * 72 + "\n",
        "-- \n",
        "list mailing list ",
        "list@example.org\n",
        "list at example.org ",
        "https://example.org/mailman/listinfo/list\n",
        "To unsubscribe from the LIST list, click the following link:\n",
        "devel mailing list -- devel@example.org\n",
        "To unsubscribe send an email to devel-leave@example.org\n",
        "%2F%3D&amp;x=1 ",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_spans_are_sorted_disjoint_and_inside_the_text(text: str) -> None:
    learned = ("_____ word word", "")
    spans = footer_spans(text, learned)
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(b1 < a2 for (_, b1), (a2, _) in itertools.pairwise(spans))
    assert footer_spans(text, learned) == spans


def test_learning_holds_the_shared_endings_once() -> None:
    # Thousands of bodies ending with one long footer: the learner's endings are the same
    # words, which it must hold once (as separate strings they took 9x the bodies' text).
    import tracemalloc

    footer = (
        "\n_______________\nWidgets mailing list\n"
        + " ".join(f"word{i % 40}" for i in range(150))
        + "\nhttps://example.org/listinfo/widgets"
    )
    bodies = [f"Message {i}: some words of its own.\n{footer}" for i in range(4000)]
    text = sum(map(len, bodies))
    tracemalloc.start()
    try:
        learned = learn_footers(bodies)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert learned and learned[0].startswith("_____ widgets mailing list")
    assert peak < 3 * text


# Raw text that canonical form changes in ways a test on raw text could miss: separators made
# by dropping `*` or folding dashes, words hidden in placeholders or banners or percent-encoded
# links, list words split by `*` or a soft hyphen.
_TAIL_PIECES = st.sampled_from(
    [
        "word ",
        "Two words\n",
        "\n",
        "\n> ",
        "> ab cd\n",
        "-- \n",
        "-*-",
        "*\n",
        "_" * 5,
        "\u2014\u2014 ",
        "l*ist ",
        "li\u00adst ",
        "mailing list ",
        "lists.example.org ",
        "[cid:ab cd]\n",
        "[image: two words]\n",
        "!--------|\nab cd\n|--------!\n",
        "https://urldefense.proofpoint.com/v2/url?u=https-3A__lists.example.org_x&d=1\n",
        "https://x.org/%6Cist\n",
        "<https://x.org/p>\n",
        "\u200b",
        "\u2022 ",
        "ab",
        " ",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TAIL_PIECES, max_size=12).map("".join), st.booleans())
# Each of these shows one thing the raw test must see: `*` inside a list word and inside a
# separator, a folded dash, a host percent-encoded in a gateway's link, a banner's words.
@example("Two words\nl*ist -- \n", False)
@example("Two words\n-*- mailing list\n", False)
@example("Two words\n\u2014\u2014 mailing list\n", False)
@example(
    "Two words\n-- \nhttps://eur01.safelinks.protection.outlook.com/"
    "?url=https%3A%2F%2F%6Cists.example.org%2F&data=1\n",
    False,
)
@example("!--------|\nab cd\n|--------!\n", False)
@example("ab cd", True)
def test_tails_left_out_of_learning_have_words_and_no_footer(tail: str, was_cut: bool) -> None:
    # What `learn_footers` skips must count as a body (a non-empty ending) and must not hold
    # both a separator word and a list word in canonical form: else skipping it could change
    # the footers learnt.
    from wsisdedup.segment.footers import _LIST_WORDS, _ending, _surely_footerless_words

    if not _surely_footerless_words(tail):
        return
    ending = _ending(tail, was_cut, 200)
    assert ending, tail
    words = ending.split(" ")
    separator = any(SEPARATOR_WORD.fullmatch(w) for w in words)
    assert not (separator and any(w in ending for w in _LIST_WORDS)), tail


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(_TAIL_PIECES, max_size=8).map("".join), min_size=3, max_size=40),
    st.integers(min_value=2, max_value=4),
)
def test_learning_with_tails_left_out_finds_what_learning_all_finds(
    bodies: list[str], min_count: int
) -> None:
    import wsisdedup.segment.footers as F

    footer = "\n_____\nGadgets mailing list\n"
    bodies = [b + footer if i % 3 else b for i, b in enumerate(bodies)]
    got = learn_footers(bodies, min_count=min_count, min_share=0.3)
    saved = F._surely_footerless_words
    F._surely_footerless_words = lambda tail: False
    try:
        assert got == learn_footers(bodies, min_count=min_count, min_share=0.3)
    finally:
        F._surely_footerless_words = saved
