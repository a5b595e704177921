"""Tests for the cross-message matching stage (wsisdedup.match.index).

Bodies are synthetic, built from a seeded random vocabulary, so the test knows where every word
came from: quotes with and without `>`, re-wrapped, with rewritten links and `*bold*` marks.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import subprocess
import sys
import textwrap
from array import array
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsisdedup.match import (
    IndexDoc,
    IndexSettings,
    Match,
    Span,
    Tokens,
    apply_matches,
    dominant_source,
    find_duplicates,
    find_repeats,
    fingerprint,
    match_archive,
    tokenise,
)
from wsisdedup.match.fingerprints import (
    _SAMPLE_SHIFT,
    _fingerprint,
    _sampled,
    _shingles,
    retokenise,
)
from wsisdedup.match.records import DEFAULT_SETTINGS
from wsisdedup.model import Segment, SegmentKind
from wsisdedup.segment import split_body

ROOT = Path(__file__).resolve().parent.parent
NUMPY = ROOT / "examples" / "data" / "numpy-discussion-2001-November.txt"
PIPERMAIL_FROM = re.compile(r"^From \S+ at \S+ +\w{3} \w{3} +\d+ \d+:\d+:\d+ \d{4}$", re.M)

# A Proofpoint v2 rewrite of the link below (from the link facts of the project).
LINK = "https://media.mnn.com/assets/images/2016/06/jupiter-nasa.jpg.638x0_q80_crop-smart.jpg"
WRAPPED_LINK = (
    "https://urldefense.proofpoint.com/v2/url?u=https-3A__media.mnn.com_assets_images_2016_06_"
    "jupiter-2Dnasa.jpg.638x0-5Fq80-5Fcrop-2Dsmart.jpg&amp;d=DwMBaQ&amp;c=Vxt5e0Osvvt2gflwSlsJ5D"
    "mPGcPvTRKLJyp031rXjhg&amp;r=BTD8MPjq1qSLi0tGKaB5H6aCJZZBjwYkLyorZdRQrnY&amp;m=iKjixvaJuqvmRe"
    "S78AB0JiActTrR_liSq7lDRjEQ9DE&amp;s=-M8Vz-GV-kqkNVf1BAtv38DdudAHVDAI6_jQQLVmleE&amp;e="
)


class Words:
    """Paragraphs of made-up words: no two paragraphs share a run of words by chance."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        letters = "abcdefghijklmnopqrstuvwxyz"
        self.vocab = [
            "".join(self.rng.choice(letters) for _ in range(self.rng.randint(3, 9)))
            for _ in range(5000)
        ]

    def sentence(self, n: int) -> str:
        words = [self.rng.choice(self.vocab) for _ in range(n)]
        return " ".join(words).capitalize() + "."

    def paragraph(self, n: int) -> str:
        out: list[str] = []
        while n > 0:
            k = min(n, self.rng.randint(6, 14))
            out.append(self.sentence(k))
            n -= k
        return " ".join(out)


def quoted(text: str, width: int = 60, marker: str = "> ") -> str:
    """`text` re-wrapped at `width` with `marker` before each line (and each paragraph)."""
    paras = text.split("\n\n")
    return ("\n" + marker.rstrip() + "\n").join(
        fill(p, width, initial_indent=marker, subsequent_indent=marker) for p in paras
    )


def fill(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Re-wrap as a mail client does: never inside a word or a link."""
    return textwrap.fill(
        text,
        width,
        initial_indent=initial_indent,
        subsequent_indent=subsequent_indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def rewrapped(text: str, width: int = 55) -> str:
    return "\n\n".join(fill(p, width) for p in text.split("\n\n"))


def words_of(text: str) -> list[str]:
    return [w.strip(".,>*").lower() for w in text.split() if w.strip(".,>*")]


# --- repeats: exact spans -------------------------------------------------------------------


def test_marked_quote_has_exact_spans() -> None:
    w = Words(1)
    a = w.paragraph(40)
    reply_intro = "Some words of my own before the quote come here.\n\n"
    b = reply_intro + quoted(a) + "\n\n" + w.paragraph(20) + "\n"
    found = find_repeats([IndexDoc.whole("a", a), IndexDoc.whole("b", b)])
    assert set(found) == {"b"}
    (m,) = found["b"]
    first_word = a.split()[0]
    assert m.source_id == "a"
    assert m.start == b.index(first_word)
    assert m.end == b.index(a.split()[-1]) + len(a.split()[-1])
    assert (m.source_start, m.source_end) == (0, len(a))
    assert m.score == 1.0
    assert words_of(b[m.start : m.end]) == words_of(a)


def test_unmarked_rewrapped_quote_with_rewritten_link_and_bold() -> None:
    w = Words(2)
    head, tail = w.paragraph(25), w.paragraph(25)
    a = f"{head} See {LINK} for the picture. {tail}"
    # The reply pastes it without markers, re-wrapped, the link rewritten by a gateway with a
    # [domain] label, and one word starred by an HTML-to-text step.
    first, rest = tail.split(" ", 1)
    b_quote = f"{head} See {WRAPPED_LINK} [media.mnn.com] for the picture. *{first}* {rest}"
    mine = w.paragraph(15)
    b = mine + "\n\n" + rewrapped(b_quote, 50)
    found = find_repeats([IndexDoc.whole("a", a), IndexDoc.whole("b", b)])
    (m,) = found["b"]
    assert m.source_id == "a"
    assert (m.start, m.end) == (len(mine) + 2, len(b))
    assert (m.source_start, m.source_end) == (0, len(a))
    assert m.score == 1.0


def test_reply_between_quoted_paragraphs_is_not_swallowed() -> None:
    w = Words(3)
    p1, p2 = w.paragraph(30), w.paragraph(30)
    a = p1 + "\n\n" + p2
    answer = "I do not agree with this part at all."
    b = quoted(p1) + "\n\n" + answer + "\n\n" + quoted(p2) + "\n"
    found = find_repeats([IndexDoc.whole("a", a), IndexDoc.whole("b", b)])
    spans = [(m.start, m.end) for m in found["b"]]
    at = b.index(answer)
    assert all(end <= at or start >= at + len(answer) for start, end in spans)
    covered = " ".join(b[s:e] for s, e in spans)
    assert words_of(covered) == words_of(a)


def test_a_repeat_never_spans_text_the_source_quoted() -> None:
    w = Words(19)
    p1, p2 = w.paragraph(30), w.paragraph(30)
    middle = quoted(w.paragraph(20))  # the source's own quote of someone else
    a = p1 + "\n\n" + middle + "\n\n" + p2
    own = (Span(start=0, end=len(p1)), Span(start=a.index(p2), end=len(a)))
    b = quoted(p1) + "\n" + quoted(p2) + "\n"  # the reply drops the middle
    found = find_repeats([IndexDoc(id="a", text=a, own=own), IndexDoc.whole("b", b)])
    sources = [(m.source_start, m.source_end) for m in found["b"]]
    assert sources == [(0, len(p1)), (a.index(p2), len(a))]


def test_paragraphs_quoted_out_of_order_are_both_found() -> None:
    w = Words(4)
    p1, p2 = w.paragraph(35), w.paragraph(35)
    a = p1 + "\n\n" + p2
    b = quoted(p2) + "\n\nAnd about the first point:\n\n" + quoted(p1) + "\n"
    found = find_repeats([IndexDoc.whole("a", a), IndexDoc.whole("b", b)])
    sources = [(m.source_start, m.source_end) for m in found["b"]]
    assert sorted(sources) == [(0, len(p1)), (len(p1) + 2, len(a))]


def test_short_shared_phrase_is_not_a_quote() -> None:
    w = Words(5)
    phrase = "thanks a lot for all your help"  # 7 words: under min_words
    a = w.paragraph(30) + " " + phrase + " " + w.paragraph(30)
    b = w.paragraph(30) + " " + phrase + " " + w.paragraph(30)
    assert find_repeats([IndexDoc.whole("a", a), IndexDoc.whole("b", b)]) == {}


def test_own_text_repeated_is_found_but_only_own_content_is_a_source() -> None:
    w = Words(6)
    a = w.paragraph(40)
    b_new = w.paragraph(30)
    b = quoted(a) + "\n\n" + b_new
    c = quoted(b, marker="> ") + "\n"
    # b's quote of a is marked, so not b's own content.
    own_b = (Span(start=b.index(b_new), end=len(b)),)
    docs = [IndexDoc.whole("a", a), IndexDoc(id="b", text=b, own=own_b), IndexDoc.whole("c", c)]
    found = find_repeats(docs)
    assert [m.source_id for m in found["c"]] == ["a", "b"]
    assert words_of(c[found["c"][0].start : found["c"][0].end]) == words_of(a)
    assert words_of(c[found["c"][1].start : found["c"][1].end]) == words_of(b_new)


def test_quote_of_unmarked_quote_points_to_original_author() -> None:
    w = Words(7)
    a = w.paragraph(40)
    b_new = w.paragraph(30)
    b = b_new + "\n\n" + rewrapped(a, 45)  # pasted without markers: all of b is "own"
    c = w.paragraph(12) + "\n\n" + quoted(b, 70)
    found = find_repeats([IndexDoc.whole(i, t) for i, t in (("a", a), ("b", b), ("c", c))])
    assert [m.source_id for m in found["b"]] == ["a"]
    by_source = {m.source_id: m for m in found["c"]}
    assert set(by_source) == {"a", "b"}
    assert words_of(c[by_source["a"].start : by_source["a"].end]) == words_of(a)
    assert words_of(c[by_source["b"].start : by_source["b"].end]) == words_of(b_new)
    assert (by_source["b"].source_start, by_source["b"].source_end) == (0, len(b_new))


def test_short_source_is_found_with_fewer_hits() -> None:
    """A source holding one or two sampled shingles is proposed on that many hits."""
    w = Words(8)
    for _ in range(200):
        a = w.sentence(13)
        held = len(fingerprint(IndexDoc.whole("a", a)).own_hashes)
        if 1 <= held < IndexSettings().min_hits:
            break
    else:
        pytest.fail("no short sentence with a single sampled shingle")
    b = w.paragraph(20) + "\n\n" + quoted(a) + "\n"
    (m,) = find_repeats([IndexDoc.whole("a", a), IndexDoc.whole("b", b)])["b"]
    assert m.source_id == "a"
    assert words_of(b[m.start : m.end]) == words_of(a)


def test_large_bodies_align_linearly() -> None:
    w = Words(9)
    a = "\n\n".join(w.paragraph(500) for _ in range(60))  # 30,000 words
    b = w.paragraph(50) + "\n\n" + quoted(a, 72) + "\n"
    (m,) = find_repeats([IndexDoc.whole("a", a), IndexDoc.whole("b", b)])["b"]
    assert (m.source_start, m.source_end) == (0, len(a))
    assert words_of(b[m.start : m.end]) == words_of(a)


def test_precomputed_fingerprints_give_the_same_result() -> None:
    archive = synthetic_archive(seed=10, n=60)
    docs = [d for d, _ in archive]
    prints = [fingerprint(d) for d in docs]
    assert find_repeats(docs, fingerprints=prints) == find_repeats(docs)


def test_progress_counts_every_message() -> None:
    archive = synthetic_archive(seed=18, n=7)
    seen: list[int] = []
    match_archive([d for d, _ in archive], progress=seen.append)
    assert seen == [1, 2, 3, 4, 5, 6, 7]


def test_ids_must_be_unique() -> None:
    with pytest.raises(ValueError, match="twice"):
        find_repeats([IndexDoc.whole("x", "one two"), IndexDoc.whole("x", "three four")])


def test_fingerprint_is_stable_across_processes() -> None:
    """Hashes do not depend on the interpreter's string-hash seed (PYTHONHASHSEED)."""
    text = Words(11).paragraph(60)
    code = (
        "import sys; from wsisdedup.match import IndexDoc, fingerprint; "
        "f = fingerprint(IndexDoc.whole('x', sys.stdin.read())); "
        "print(f.hashes, f.own_hashes, f.body_digest.hex())"
    )
    # This process hashes strings with its own random seed (or another fixed one).
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], input=text, capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    here = fingerprint(IndexDoc.whole("x", text))
    assert out.stdout == f"{here.hashes} {here.own_hashes} {here.body_digest.hex()}\n"
    assert here.hashes


def test_old_messages_are_thinned_but_long_quotes_still_found() -> None:
    w = Words(12)
    old = "\n\n".join(w.paragraph(60) for _ in range(4))
    filler = [IndexDoc.whole(f"f{i}", w.paragraph(40)) for i in range(5)]
    short = w.paragraph(25)
    docs = [
        IndexDoc.whole("old", old),
        IndexDoc.whole("old-short", short),
        *filler,
        IndexDoc.whole("late", w.paragraph(10) + "\n\n" + quoted(old) + "\n"),
    ]
    tight = IndexSettings(window=2, old_sample=64)
    found = find_repeats(docs, tight)
    assert [m.source_id for m in found["late"]] == ["old"]
    full = fingerprint(docs[0], tight).own_hashes
    kept = [h for h in full if not (h >> 40) & 63]
    assert len(kept) < len(full)


# --- repeats: precision and recall on a synthetic archive ------------------------------------


def synthetic_archive(seed: int, n: int) -> list[tuple[IndexDoc, set[str]]]:
    """Messages quoting earlier ones (and what those quoted), with the true sources."""
    w = Words(seed)
    rng = w.rng
    paras: list[str] = []
    blocks: list[list[tuple[int, int, int]]] = []  # (paragraph, origin, depth)
    out: list[tuple[IndexDoc, set[str]]] = []
    for i in range(n):
        own = []
        for _ in range(rng.randint(1, 3)):
            paras.append(w.paragraph(rng.randint(15, 60)))
            own.append((len(paras) - 1, i, 0))
        quotes: list[tuple[int, int, int]] = []
        if i and rng.random() < 0.7:
            for _ in range(rng.choice((1, 1, 2))):
                parent = max(0, i - 1 - int(rng.expovariate(1 / 5)))
                got = [(p, o, d + 1) for p, o, d in blocks[parent] if d < 2]
                if len(got) > 1 and rng.random() < 0.4:
                    got = got[rng.randrange(len(got)) :]
                quotes += got
        body_blocks = quotes + own
        blocks.append(body_blocks)
        marked = rng.random() < 0.5
        width = rng.randint(50, 76)
        parts: list[str] = []
        spans: list[Span] = []
        pos = 0
        for p, _, depth in body_blocks:
            text = paras[p]
            if rng.random() < 0.2:
                text = text.replace(" ", " *", 1).replace(". ", "* . ", 1)
            if marked and depth:
                piece = quoted(text, width, "> " * depth)
            else:
                piece = fill(text, width)
                spans.append(Span(start=pos, end=pos + len(piece)))
            parts.append(piece + "\n\n")
            pos += len(piece) + 2
        truth = {str(o) for _, o, d in body_blocks if d}
        out.append((IndexDoc(id=str(i), text="".join(parts), own=tuple(spans)), truth))
    return out


def test_quote_sources_precision_and_recall() -> None:
    archive = synthetic_archive(seed=13, n=400)
    found = find_repeats([d for d, _ in archive])
    tp = n_found = n_true = 0
    for doc, truth in archive:
        got = {m.source_id for m in found.get(doc.id, ())}
        tp += len(got & truth)
        n_found += len(got)
        n_true += len(truth)
    assert n_true > 300
    assert tp / n_found >= 0.99
    assert tp / n_true >= 0.99


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_matches_are_ordered_disjoint_and_repeat_their_source(seed: int) -> None:
    archive = synthetic_archive(seed=seed, n=12)
    docs = {d.id: d for d, _ in archive}
    for doc_id, matches in find_repeats([d for d, _ in archive]).items():
        body = docs[doc_id].text
        ends = 0
        for m in matches:
            assert ends <= m.start < m.end <= len(body)
            ends = m.end
            src = docs[m.source_id].text
            assert 0 <= m.source_start < m.source_end <= len(src)
            assert int(m.source_id) < int(doc_id)
            if m.score == 1.0:
                assert words_of(body[m.start : m.end]) == words_of(
                    src[m.source_start : m.source_end]
                )


# --- duplicates ------------------------------------------------------------------------------


def test_exact_and_near_duplicates() -> None:
    w = Words(14)
    a = w.paragraph(60) + f" The picture is at {LINK} as agreed."
    sig = "\n-- \nJane Roe\nExample Org\n"
    docs = [
        IndexDoc.whole("a", a + sig),
        IndexDoc.whole("other", w.paragraph(60)),
        IndexDoc.whole("a-again", (a + sig).upper().replace(" ", "  ")),
        IndexDoc.whole("a-rewrapped", rewrapped(a, 40) + "\n-- \nJ. Roe\n"),
        IndexDoc.whole("a-link", a.replace(LINK, WRAPPED_LINK + " [media.mnn.com]") + sig),
    ]
    (group,) = find_duplicates(docs)
    assert group.kept_id == "a"
    assert group.copy_ids == ("a-again", "a-rewrapped", "a-link")
    assert 0.95 <= group.score < 1.0


def test_reply_pasting_the_whole_message_is_not_a_copy() -> None:
    w = Words(15)
    a = w.paragraph(120)
    docs = [
        IndexDoc.whole("a", a),
        IndexDoc.whole("plus-one", "+1 from me\n\n" + rewrapped(a)),
        IndexDoc.whole("bottom", rewrapped(a) + "\n\n" + w.sentence(9)),
    ]
    assert find_duplicates(docs) == ()
    found = match_archive(docs)
    assert found.duplicates == ()
    assert {m.source_id for m in found.repeats["plus-one"]} == {"a"}


def test_copy_is_not_searched_and_later_quotes_point_to_the_kept_one() -> None:
    w = Words(16)
    a = w.paragraph(50)
    docs = [
        IndexDoc.whole("a", a),
        IndexDoc.whole("a-copy", a),
        IndexDoc.whole("b", quoted(a) + "\n\n" + w.paragraph(20)),
    ]
    found = match_archive(docs)
    assert [(g.kept_id, g.copy_ids) for g in found.duplicates] == [("a", ("a-copy",))]
    assert "a-copy" not in found.repeats
    assert [m.source_id for m in found.repeats["b"]] == ["a"]


def numpy_bodies() -> list[str]:
    text = NUMPY.read_text(encoding="utf-8", errors="replace")
    starts = [m.start() for m in PIPERMAIL_FROM.finditer(text)]
    messages = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    return [m.split("\n\n", 1)[1] if "\n\n" in m else "" for m in messages]


@pytest.mark.parametrize("own", ["whole body", "segments"])
def test_numpy_month_archived_twice_collapses_to_82(own: str) -> None:
    bodies = numpy_bodies()
    assert len(bodies) == 164
    if own == "whole body":
        docs = [IndexDoc.whole(str(i), b) for i, b in enumerate(bodies)]
    else:
        docs = [
            IndexDoc.from_segments(str(i), b, split_body(b).segments) for i, b in enumerate(bodies)
        ]
    groups = find_duplicates(docs)
    copies = sum(len(g.copy_ids) for g in groups)
    assert len(bodies) - copies == 82
    # Each message of the first copy of the month is kept, its twin in the second dropped.
    assert sorted((int(g.kept_id), tuple(map(int, g.copy_ids))) for g in groups) == [
        (i, (i + 82,)) for i in range(82)
    ]


# --- dominant source -------------------------------------------------------------------------


def match(start: int, end: int, source: str) -> Match:
    return Match(start=start, end=end, source_id=source, source_start=0, source_end=1, score=1.0)


def test_dominant_source_by_characters() -> None:
    assert dominant_source([]) is None
    assert dominant_source([match(0, 10, "a"), match(20, 25, "b"), match(30, 34, "b")]) == "a"
    assert dominant_source([match(0, 10, "a"), match(20, 35, "b")]) == "b"
    assert dominant_source([match(20, 30, "b"), match(0, 10, "a")]) == "a"


# --- apply_matches ---------------------------------------------------------------------------


def cover(body: str, cuts: list[int], kinds: list[SegmentKind]) -> tuple[Segment, ...]:
    points = sorted({0, len(body), *(c for c in cuts if 0 < c < len(body))})
    return tuple(
        Segment(kind=kinds[i % len(kinds)], text=body[a:b], start=a, end=b)
        for i, (a, b) in enumerate(itertools.pairwise(points))
    )


def test_apply_matches_turns_marked_lines_into_one_sourced_quote() -> None:
    w = Words(17)
    a = w.paragraph(40)
    intro = "My reply comes first.\n\n"
    b = intro + quoted(a) + "\n\nThat is all.\n"
    matches = find_repeats([IndexDoc.whole("a", a), IndexDoc.whole("b", b)])["b"]
    segs = apply_matches((Segment(kind=SegmentKind.NEW, text=b, start=0, end=len(b)),), matches)
    assert "".join(s.text for s in segs) == b
    assert [s.kind for s in segs] == [SegmentKind.NEW, SegmentKind.QUOTE, SegmentKind.NEW]
    assert segs[0].text == intro
    assert segs[1].source_id == "a"
    assert segs[1].text == quoted(a) + "\n"
    assert segs[2].text == "\nThat is all.\n"


def test_apply_matches_leaves_other_kinds_and_sourced_quotes_alone() -> None:
    body = "aaaa bbbb cccc dddd eeee ffff"
    kinds = [
        SegmentKind.SIGNATURE,
        SegmentKind.FOOTER,
        SegmentKind.QUOTE,
        SegmentKind.NEW,
        SegmentKind.QUOTE,
    ]
    segs = list(cover(body, [5, 10, 15, 20], kinds))
    segs[2] = attrs.evolve(segs[2], source_id="x")
    out = apply_matches(tuple(segs), [match(0, len(body), "m")])
    kept = {(s.start, s.end) for s in out if s.source_id != "m"}
    assert kept == {(0, 5), (5, 10), (10, 15)}
    assert all(s.kind is SegmentKind.QUOTE for s in out if s.start >= 15)


@settings(max_examples=200, deadline=None)
@given(
    body=st.text(alphabet="ab >\n.", min_size=1, max_size=80),
    cuts=st.lists(st.integers(min_value=0, max_value=80), max_size=6),
    kinds=st.lists(st.sampled_from(list(SegmentKind)), min_size=1, max_size=4),
    spans=st.lists(
        st.tuples(st.integers(0, 80), st.integers(1, 30), st.sampled_from("xyz")), max_size=4
    ),
)
def test_apply_matches_is_lossless(
    body: str, cuts: list[int], kinds: list[SegmentKind], spans: list[tuple[int, int, str]]
) -> None:
    segs = cover(body, cuts, kinds)
    matches = [match(a, min(a + n, len(body)), s) for a, n, s in spans if a < len(body)]
    out = apply_matches(segs, matches)
    assert "".join(s.text for s in out) == body
    pos = 0
    for s in out:
        assert s.start == pos and s.end == pos + len(s.text) and s.text
        assert body[s.start : s.end] == s.text
        pos = s.end
    assert pos == len(body)

    # Every character keeps its segment's kind, unless it was NEW or an unsourced QUOTE and
    # now is a sourced QUOTE; characters matched by no span change only if blank or a marker.
    def kind_at(segments: tuple[Segment, ...], i: int) -> Segment:
        return next(s for s in segments if s.start <= i < s.end)

    for i, ch in enumerate(body):
        before, after = kind_at(segs, i), kind_at(out, i)
        if after.kind is before.kind and after.source_id == before.source_id:
            continue
        assert before.kind in (SegmentKind.NEW, SegmentKind.QUOTE) and not before.source_id
        assert after.kind is SegmentKind.QUOTE and after.source_id
        inside = [m for m in matches if m.start <= i < m.end]
        if not inside:
            assert ch in " \t\n>|"


def test_tokens_from_the_map_phase_and_a_stream_of_docs_give_the_same_matches() -> None:
    # The pipeline's workers tokenise in the map phase and hand the docs over as they come
    # (a generator); the join must find exactly what it finds computing everything itself.
    w = Words(21)
    a, b = w.paragraph(80), w.paragraph(60)
    docs = [
        IndexDoc.whole("a", a),
        IndexDoc.whole("a-copy", a),
        IndexDoc.whole("b", quoted(a) + "\n\n" + b),
        IndexDoc.whole("c", rewrapped(b) + "\n\n" + w.paragraph(30)),
        IndexDoc.whole("d", "+1\n\n" + quoted(b)),
    ]
    alone = match_archive(docs)
    # Tokens of other ids: they depend on text and own spans only.
    tokens = [tokenise(attrs.evolve(d, id=f"other-{d.id}")) for d in docs]
    streamed = match_archive((d for d in docs), tokens=iter([*tokens[:2], None, *tokens[3:]]))
    assert streamed == alone
    assert alone.duplicates and alone.repeats  # something to compare
    # Fingerprints keep their sampled hashes in an array, yet stay hashable values.
    assert fingerprint(docs[0]) == fingerprint(docs[0])
    assert len({fingerprint(docs[0]), fingerprint(docs[0])}) == 1
    with pytest.raises(ValueError, match="given twice"):
        match_archive(iter([docs[0], docs[0]]))
    with pytest.raises(ValueError):
        match_archive(docs, tokens=tokens[:3])  # one to one
    with pytest.raises(ValueError, match="tokenise with the join's settings"):
        match_archive(docs, IndexSettings(shingle_words=4), tokens=tokens)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(min_value=0, max_value=10_000),
    st.lists(st.tuples(st.integers(0, 2_000), st.integers(0, 400)), max_size=6),
)
def test_retokenising_new_own_spans_equals_tokenising_afresh(
    seed: int, cuts: list[tuple[int, int]]
) -> None:
    # The join gives reclaimed quotes back to their author by re-deriving only the own views
    # of the tokens it holds; they must be exactly what a fresh tokenising gives.
    w = Words(seed)
    text = w.paragraph(40) + "\n\n" + quoted(w.paragraph(60)) + "\n\n" + w.paragraph(20)
    first = IndexDoc(id="x", text=text, own=(Span(start=0, end=len(text) // 3),))
    grown = attrs.evolve(
        first, own=(*first.own, *(Span(start=a, end=min(len(text), a + n)) for a, n in cuts))
    )
    again = retokenise(tokenise(first), grown)
    assert again == tokenise(grown)
    assert _fingerprint("x", again, DEFAULT_SETTINGS) == fingerprint(grown)
    assert retokenise(tokenise(first), first) == tokenise(first)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=2**57 - 1), max_size=300),
    st.integers(min_value=1, max_value=8),
    st.sampled_from([1, 2, 4, 16]),
)
def test_shingles_and_samples_are_the_plain_sums_and_tests(
    ids: list[int], k: int, sample: int
) -> None:
    # Shingles and sampling run in numpy with 64-bit prefix sums that wrap on a long body;
    # each must still be the exact sum of its k word hashes, and the sample exactly those
    # whose sampling bits are zero.
    shingles = _shingles(array("q", ids), k)
    assert shingles.typecode == "q"
    assert list(shingles) == [sum(ids[i : i + k]) for i in range(len(ids) - k + 1)]
    hashes, where = _sampled(shingles, sample - 1)
    kept = [i for i, h in enumerate(shingles) if not (h >> _SAMPLE_SHIFT) & (sample - 1)]
    assert list(where) == kept
    assert list(hashes) == [shingles[i] for i in kept]


def test_shingles_stay_exact_where_the_prefix_sums_wrap() -> None:
    # 2**20 words of the largest hash: the running sum passes 2**63 after 64 words.
    ids = array("q", [2**57 - 1]) * (1 << 20)
    shingles = _shingles(ids, 5)
    assert len(shingles) == len(ids) - 4
    assert set(shingles) == {5 * (2**57 - 1)}
    # And across the blocks numpy works in: sums and sample as the plain definitions say.
    rng = random.Random(5)
    ids = array("q", (rng.randrange(1, 2**57) for _ in range(200_003)))
    shingles = _shingles(ids, 5)
    assert shingles == array("q", (sum(ids[i : i + 5]) for i in range(len(ids) - 4)))
    hashes, where = _sampled(shingles, 3)
    kept = [i for i, h in enumerate(shingles) if not (h >> _SAMPLE_SHIFT) & 3]
    assert list(where) == kept and list(hashes) == [shingles[i] for i in kept]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.booleans())
def test_tokens_survive_the_trip_between_processes(seed: int, whole: bool) -> None:
    # Workers pickle each body's tokens (arrays packed into one string of bytes) for the join:
    # what arrives must be equal, keep the fingerprint computed in the worker, and keep the
    # own views of a body that is all its own as its arrays (not copies).
    import pickle

    w = Words(seed)
    text = w.paragraph(30) + "\n\n" + quoted(w.paragraph(40)) + "\n\nhttps://a.example/x?y=1 *b*"
    doc = (
        IndexDoc.whole("x", text)
        if whole
        else IndexDoc(id="x", text=text, own=(Span(start=0, end=len(text) // 2),))
    )
    tokens = tokenise(doc)
    back = pickle.loads(pickle.dumps(tokens, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == tokens
    assert back.canon == tokens.canon
    assert list(back.canon.offsets) == list(tokens.canon.offsets)
    assert [back.canon.offsets.end_of(i) for i in range(len(tokens.canon.text))] == [
        tokens.canon.offsets.end_of(i) for i in range(len(tokens.canon.text))
    ]
    assert back._prints == tokens._prints and back._prints
    assert (back.own_ids is back.ids) is (tokens.own_ids is tokens.ids)
    assert [back.own_token(p) for p in range(len(back.own_ids))] == [
        tokens.own_token(p) for p in range(len(tokens.own_ids))
    ]


def test_copy_tables_hold_one_entry_a_text_and_still_find_each_copy() -> None:
    # Every message's text is remembered for copies under each of its copy keys (id, address,
    # name): keyed by (digest, key), that was three entries a text and table, some 270 bytes.
    # A text most messages alone hold is one entry, its digest -> the message.
    from wsisdedup.match.index import _Join
    from wsisdedup.match.records import Origin

    w = Words(17)
    texts = [w.paragraph(30) for _ in range(40)]
    join = _Join(DEFAULT_SETTINGS, None, repeats=True, duplicates=True)
    for n, text in enumerate(texts):
        origin = Origin(message_id=f"m{n}", address=f"p{n % 7}@x.org", name=f"p {n % 7}")
        join.add(
            IndexDoc(id=f"m{n}", text=text, own=(Span(start=0, end=len(text)),), origin=origin)
        )
    # The same text again under the same id (a second copy of the month): a copy of each.
    for n, text in enumerate(texts):
        origin = Origin(message_id=f"m{n}", address=f"p{n % 7}@x.org", name=f"p {n % 7}")
        join.add(
            IndexDoc(id=f"m{n}#2", text=text, own=(Span(start=0, end=len(text)),), origin=origin)
        )
    groups = join.duplicate_groups()
    assert sorted((g.kept_id, g.copy_ids) for g in groups) == sorted(
        (f"m{n}", (f"m{n}#2",)) for n in range(40)
    )
    tables = [join.by_body, join.by_own]
    assert sum(map(len, tables)) == 40 * 2
    assert all(type(v) is int for table in tables for v in table.values())


def test_a_text_two_people_sent_finds_each_ones_copy() -> None:
    # Ann and Bob send the same words (Bob's is a message of his own, a repeat of Ann's); each
    # resends it: each resend is a copy of its own author's message, not of the last one.
    from wsisdedup.match.index import _Join
    from wsisdedup.match.records import Origin

    text = Words(5).paragraph(40)
    own = (Span(start=0, end=len(text)),)
    join = _Join(DEFAULT_SETTINGS, None, repeats=True, duplicates=True)
    people = {"ann": "ann@x.org", "bob": "bob@y.org"}
    for n, who in enumerate(["ann", "bob", "ann", "bob"]):
        origin = Origin(message_id=f"{who}{n}", address=people[who], time=60.0 * n, subject="s")
        join.add(IndexDoc(id=f"{who}{n}", text=text, own=own, origin=origin))
    assert join.repeats_of() == {"bob1": "ann0"}
    assert sorted((g.kept_id, g.copy_ids) for g in join.duplicate_groups()) == [
        ("ann0", ("ann2",)),
        ("bob1", ("bob3",)),
    ]
    assert all(isinstance(v, dict) for v in join.by_body.values())


def test_apply_matches_slices_a_segment_once_however_many_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `Segment.text` slices the body at each call: read once a match, a segment of many
    # matches cost its length times their number (2 s for 20,000 matches in 2 MB).
    para = "some words of a quoted line here\n"
    body = "x\n" + para * 300
    seg = Segment(kind=SegmentKind.NEW, within=body, start=2, end=len(body))
    step = 3 * len(para)
    matches = [
        Match(
            start=a,
            end=a + len(para),
            source_id="s",
            source_start=0,
            source_end=len(para),
            score=1.0,
        )
        for a in range(2, len(body) - step, step)
    ]
    reads = []
    sliced = Segment.text.fget
    assert sliced is not None
    monkeypatch.setattr(Segment, "text", property(lambda s: reads.append(s) or sliced(s)))
    out = apply_matches((seg,), matches)
    assert len(matches) == 99 and len(out) == 2 * len(matches)
    assert len(reads) == 1
    monkeypatch.undo()
    assert "".join(s.text for s in out) == body[2:]


def test_a_copy_shares_the_tokens_of_a_cached_message_with_its_text_and_own_spans() -> None:
    # Tokens depend on the text and the own spans alone: an exact copy (same text, same own
    # spans) reuses those of the cached message; the same text with other own spans does not.
    from wsisdedup.match.index import _TokenCache

    text = "Some words of a message that a list member sent twice to the list.\n" * 3
    whole = (Span(start=0, end=len(text)),)
    part = (Span(start=0, end=40),)
    docs = [
        IndexDoc(id="a", text=text, own=whole),
        IndexDoc(id="b", text="".join(list(text)), own=whole),
        IndexDoc(id="c", text=text, own=part),
        IndexDoc(id="d", text="Other words entirely, in a message of its own.", own=whole),
    ]
    cache = _TokenCache(docs, DEFAULT_SETTINGS)
    first = cache.get(0)
    assert cache.get(1) is first
    assert cache.get(2) is not first
    assert cache.get(2) == tokenise(docs[2])
    assert cache.get(3) == tokenise(docs[3])
    # Dropped from the cache, a message is no longer shared.
    small = _TokenCache(docs, attrs.evolve(DEFAULT_SETTINGS, cache_docs=1))
    kept = small.get(0)
    small.get(3)
    assert small.get(1) is not kept
    assert small.get(1) == kept


def _seed_blocks_one_shingle_at_a_time(
    body: Tokens, source: Tokens, k: int
) -> list[tuple[int, int, int]]:
    # The loop `_seed_blocks` replaced (a Python step a body shingle), kept as its reference.
    from itertools import compress, repeat
    from operator import is_not

    from wsisdedup.match.align import _without_overlapped_starts

    shingles = body.shingles
    hits = list(map(source.own_where().get, shingles))
    own_shingles = source.own_shingles
    blocks = []
    start = last = -2
    start_b = last_b = 0
    for i in compress(range(len(hits)), map(is_not, hits, repeat(None))):
        nxt = last_b + 1
        if i == last + 1 and nxt < len(own_shingles) and own_shingles[nxt] == shingles[i]:
            last, last_b = i, nxt
            continue
        j = hits[i]
        if body.ids[i : i + k] != source.own_ids[j : j + k]:
            continue
        if start >= 0:
            blocks.append((start, start_b, last - start + k))
        start, start_b, last, last_b = i, j, i, j
    if start >= 0:
        blocks.append((start, start_b, last - start + k))
    return _without_overlapped_starts(blocks)  # unchanged by the rewrite: shared


@settings(max_examples=300, deadline=None)
@given(
    body=st.lists(st.sampled_from("ab cd ef gh ij kl mn".split()), max_size=120),
    source=st.lists(st.sampled_from("ab cd ef gh ij kl mn".split()), max_size=120),
    cut=st.integers(min_value=0, max_value=400),
)
def test_seed_blocks_follow_each_diagonal_as_one_shingle_at_a_time_did(
    body: list[str], source: list[str], cut: int
) -> None:
    # Few words, so shingles repeat and runs break and restart often; the source's own
    # content may stop short of its end (a cut), where its own shingles are -1.
    from wsisdedup.match.align import _seed_blocks

    k = DEFAULT_SETTINGS.shingle_words
    btext, stext = " ".join(body), " ".join(source)
    b = tokenise(IndexDoc.whole("b", btext))
    s = tokenise(IndexDoc(id="s", text=stext, own=(Span(start=0, end=min(cut, len(stext))),)))
    assert _seed_blocks(b, s, k) == _seed_blocks_one_shingle_at_a_time(b, s, k)


def test_the_join_keeps_a_slim_record_of_each_message_and_aligns_against_it() -> None:
    # Once joined, a message is kept as its id, text, own spans (flat ints) and origin; a
    # later quote of it is found the same whether its tokens are still cached or are made
    # again from that record (a cache of one message drops them at once).
    from wsisdedup.match.index import _Join, _Joined

    w = Words(11)
    first, second = w.paragraph(40), w.paragraph(40)
    reply = "I agree.\n\n" + "\n".join("> " + line for line in first.splitlines()) + "\n"
    docs = [
        IndexDoc(id="a", text=first + "\n\n-- \nAnn\n", own=(Span(start=0, end=len(first)),)),
        IndexDoc.whole("b", second),
        IndexDoc(
            id="c",
            text=reply,
            own=(Span(start=0, end=8),),
            unmarked=(Span(start=10, end=len(reply)),),
            named=("a",),
        ),
    ]
    results = []
    for cache_docs in (1, 256):
        join = _Join(
            attrs.evolve(DEFAULT_SETTINGS, cache_docs=cache_docs),
            None,
            repeats=True,
            duplicates=True,
        )
        for d in docs:
            join.add(d)
        assert all(isinstance(d, _Joined) for d in join.docs)
        assert join.docs[0] == _Joined("a", docs[0].text, (0, len(first)), None)
        assert join.docs[0].doc() == attrs.evolve(docs[0], unmarked=(), named=())
        results.append(join.repeats)
    assert results[0] == results[1]
    assert [m.source_id for m in results[0]["c"]] == ["a"]
