"""Link restoration: gateways, truncation, wrapped lines, artefacts, bad input, real archives."""

from __future__ import annotations

import base64
import csv
import itertools
import mailbox
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsisdedup.model import Rewriter
from wsisdedup.text.links import (
    complete_truncated,
    deobfuscate_address,
    find_links,
    link_artefact_spans,
    unwrap_links,
    unwrap_url,
)

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples" / "data"
SEED = EXAMPLES / "wsis20-2025-06.txt"
GPP = EXAMPLES / "3gpp-sa-wg4-evs.mbox"

V3 = "https://urldefense.com/v3/__"


def _vectors() -> list[dict[str, str]]:
    with (HERE / "data" / "link_vectors.tsv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


VECTORS = _vectors()
WRAPPED = [v["wrapped"] for v in VECTORS]


def _rewriter_of(kind: str) -> Rewriter:
    """`proofpoint-v3-truncated` and `trendmicro-nested` name their outermost gateway first."""
    for suffix in ("-truncated", "-nested"):
        kind = kind.removesuffix(suffix)
    return Rewriter(kind)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _safelink(url: str) -> str:
    return (
        "https://nam12.safelinks.protection.outlook.com/?url="
        + quote(url, safe="")
        + "&data=05%7C01%7C%7Cabc%7C0%7C0%7C6380&sdata=AbC%2Bd%3D&reserved=0"
    )


def _google(url: str) -> str:
    return "https://www.google.com/url?q=" + quote(url, safe="") + "&sa=D&usg=AOvVaw"


# --- Every checked pair decodes exactly ------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{i}-{v['kind']}" for i, v in enumerate(VECTORS)])
def test_vector_decodes_exactly(vector: dict[str, str]) -> None:
    assert unwrap_url(vector["wrapped"]) == vector["original"]


@pytest.mark.parametrize("vector", VECTORS, ids=[f"{i}-{v['kind']}" for i, v in enumerate(VECTORS)])
def test_vector_found_in_text(vector: dict[str, str]) -> None:
    text = f"See ({vector['wrapped']}) and\n<{vector['wrapped']}>, thanks."
    links = find_links(text)
    assert len(links) == 2
    for link in links:
        assert link.written == vector["wrapped"]
        assert text[link.start : link.end] == link.written
        assert link.original == vector["original"]
        assert link.rewriter is _rewriter_of(vector["kind"])
        assert not link.truncated
        assert not link.completed
    original = vector["original"]
    assert unwrap_links(text) == f"See ({original}) and\n<{original}>, thanks."


# --- Proofpoint v3, byte-exact ---------------------------------------------------------------


def test_v3_runs_count_utf8_bytes() -> None:
    # `**A` is a run of 2 bytes: exactly the UTF-8 encoding of "é".
    assert unwrap_url(V3 + "https://example.org/caf**A__;" + _b64("é".encode()) + "!!o!s$") == (
        "https://example.org/café"
    )
    # `**B` (3 bytes) is "€"; the `*` after it takes the next byte, not the next character.
    payload = _b64("€".encode() + b"#")
    assert unwrap_url(V3 + "https://example.org/**B*top__;" + payload + "!!o!s$") == (
        "https://example.org/€#top"
    )


def test_v3_single_star_takes_one_byte_of_a_multibyte_character() -> None:
    # A decoder counting characters would put "é" here; one byte of it is not UTF-8 on its own,
    # so it stays percent-encoded.
    assert unwrap_url(V3 + "https://example.org/caf*__;" + _b64("é".encode()) + "!!o$") == (
        "https://example.org/caf%C3"
    )


def test_v3_long_runs_chain() -> None:
    data = b"abcdefghijklmnopqrstuvwxyz" * 3  # 78 bytes
    # `**_` is 65 bytes and `**A` 2 more: 67 together.
    got = unwrap_url(V3 + "https://example.org/**_**A/x__;" + _b64(data[:67]) + "!!o$")
    assert got == "https://example.org/" + data[:67].decode() + "/x"


def test_v3_one_slash_scheme() -> None:
    assert unwrap_url(V3 + "https:/example.org/a__;!!o!s$") == "https://example.org/a"
    assert unwrap_url(V3 + "https://example.org/a__;!!o!s$") == "https://example.org/a"
    assert unwrap_url(V3 + "http:/example.org/__;!!o!s$") == "http://example.org/"


def test_v3_also_on_urldefense_us() -> None:
    got = unwrap_url("https://urldefense.us/v3/__https://example.org/a*b__;Kw!!o!s$")
    assert got == "https://example.org/a+b"


# --- Other gateways --------------------------------------------------------------------------


def test_nested_gateways_unwrap_until_nothing_changes() -> None:
    original = "https://example.org/report?id=7&lang=en"
    v2 = (
        "https://urldefense.proofpoint.com/v2/url?u="
        + original.replace("-", "-2D")
        .replace("_", "-5F")
        .replace("?", "-3F")
        .replace("=", "-3D")
        .replace("&", "-26")
        .replace("://", "-3A__")
        .replace("/", "_")
        + "&d=DwMF&c=abc&r=def&m=ghi&s=jkl&e="
    )
    trend = (
        "https://ddec1-0-en-ctp.trendmicro.com/wis/clicktime/v1/query?url="
        + quote(_safelink(v2), safe="")
        + "&umid=1234&auth="
        + "a" * 40
        + "-"
        + "b" * 40
    )
    assert unwrap_url(v2) == original
    assert unwrap_url(_safelink(v2)) == original
    assert unwrap_url(trend) == original
    (link,) = find_links(f"go: {trend}")
    assert link.rewriter is Rewriter.TRENDMICRO
    assert link.original == original


def test_safe_links_any_region_and_double_encoding() -> None:
    for region in ("eur01", "nam12", "apac01", "gbr01", "can01"):
        url = "https://example.org/a?b=c"
        wrapped = _safelink(url).replace("nam12", region)
        assert unwrap_url(wrapped) == url
    twice = "https://eur01.safelinks.protection.outlook.com/?url=https%253A%252F%252Fexample.org%252F&data=x&reserved=0"
    assert unwrap_url(twice) == "https://example.org/"


def test_fireeye_carrying_a_safe_link_with_unencoded_ampersands() -> None:
    # A gateway that encoded only part of the Safe Link it wrapped: the `&amp;data=` that follows
    # belongs to the Safe Link, whose address ends at its own `data` parameter.
    wrapped = (
        "https://protect2.fireeye.com/v1/url?k=1-2-3&q=1&e=4&u=https%3A%2F%2Fcan01.safelinks"
        ".protection.outlook.com%2F%3Furl%3Dhttp%253A%252F%252Fexample.org%252Fwa.exe%253Fa%253D1"
        "%2526b%253D2&amp;data=04%7C01&amp;sdata=x&amp;reserved=0"
    )
    assert unwrap_url(wrapped) == "http://example.org/wa.exe?a=1&b=2"


def test_gateways_that_cannot_be_decoded_offline_stay() -> None:
    mimecast = "https://protect-eu.mimecast.com/s/AbCdEfGhIj?domain=example.org"
    short = "https://lnkd.in/dAbCdEf"
    assert unwrap_url(mimecast) == mimecast
    assert unwrap_url(short) == short
    (m,) = find_links(f"see {mimecast} now")
    assert m.rewriter is Rewriter.MIMECAST
    assert m.original == mimecast
    (s,) = find_links(f"see {short} now")
    assert s.rewriter is Rewriter.NONE
    text = f"see {mimecast} and {short}"
    assert unwrap_links(text) == text


def test_plain_links_and_lookalikes_stay() -> None:
    for url in (
        "https://example.org/a?x=1&amp;y=2",
        "https://www.google.com/search?q=https%3A%2F%2Fexample.org",
        "https://urldefense.com/about",
        "https://www.google.com/url?q=not-an-address&sa=D",
    ):
        assert unwrap_url(url) == url


def test_html_escaped_ampersands_between_parameters() -> None:
    wrapped = _google("https://example.org/x?a=1&b=2").replace("&", "&amp;")
    assert unwrap_url(wrapped) == "https://example.org/x?a=1&b=2"


# --- Truncated links -------------------------------------------------------------------------


def test_truncated_v3_with_its_separator_decodes_whole() -> None:
    text = "found at <https://urldefense.com/v3/__https:/example.org/19420/__;!!PtGJab4!5Bzz...>"
    (link,) = find_links(text)
    assert link.original == "https://example.org/19420/"
    assert link.rewriter is Rewriter.PROOFPOINT_V3
    assert not link.truncated
    assert link.written.endswith("...")
    assert unwrap_links(text) == "found at <https://example.org/19420/>"


def test_truncated_v3_cut_before_separator_is_a_prefix() -> None:
    for marker in ("...", "…"):
        wrapped = V3 + "https:/example.org/wsis20/1st-meet" + marker
        assert unwrap_url(wrapped) == "https://example.org/wsis20/1st-meet" + marker
        text = f"(x [example.org] <{wrapped}>)"
        (link,) = find_links(text)
        assert link.truncated
        assert link.original == "https://example.org/wsis20/1st-meet"
        assert link.written == wrapped
        assert (
            unwrap_links(text) == f"(x [example.org] <https://example.org/wsis20/1st-meet{marker}>)"
        )


def test_truncated_v3_with_part_of_its_payload() -> None:
    # Cut inside the payload: tokens that got their bytes are filled, the rest stay.
    cut = V3 + "https://example.org/a*b*c__;" + _b64(b"+")
    assert unwrap_url(cut + "...") == "https://example.org/a+b*c..."
    full = V3 + "https://example.org/a*b__;" + _b64(b"+") + "!!o"
    assert unwrap_url(full + "...") == "https://example.org/a+b"


def test_truncated_query_gateway() -> None:
    url = "https://example.org/a/long/path"
    wrapped = _safelink(url)
    cut_after = wrapped[: wrapped.index("&data=") + 12] + "..."
    assert unwrap_url(cut_after) == url
    cut_inside = wrapped[: wrapped.index("%2Flong")] + "..."
    assert unwrap_url(cut_inside) == "https://example.org/a..."
    (link,) = find_links(cut_inside)
    assert link.truncated
    assert link.original == "https://example.org/a"


def test_plain_truncated_link() -> None:
    text = "the page https://example.org/wsis20/1stPreparatoryMeetingStockta... was long"
    (link,) = find_links(text)
    assert link.truncated
    assert link.rewriter is Rewriter.NONE
    assert link.original == "https://example.org/wsis20/1stPreparatoryMeetingStockta"
    assert link.written == "https://example.org/wsis20/1stPreparatoryMeetingStockta..."
    assert unwrap_links(text) == text


def test_complete_truncated_from_a_full_copy_in_the_archive() -> None:
    first = find_links("a https://example.org/statement/get.php?id... b")
    second = find_links("c https://example.org/statement/get.php?id=250528b d")
    third = find_links("e https://other.example/x")
    done = complete_truncated([first, second, third])
    assert len(done) == 3
    (completed,) = done[0]
    assert completed.original == "https://example.org/statement/get.php?id=250528b"
    assert completed.completed
    assert completed.truncated
    assert completed.written == first[0].written
    assert done[1] == second
    assert done[2] == third
    assert first[0].original == "https://example.org/statement/get.php?id"  # input untouched


def test_complete_truncated_leaves_ambiguous_and_short_prefixes() -> None:
    ambiguous = find_links("https://example.org/a/b...")
    fulls = find_links("https://example.org/a/bc https://example.org/a/bd")
    host_only = find_links("https://example.o...")
    full_host = find_links("https://example.org/x")
    done = complete_truncated([ambiguous, fulls, host_only, full_host])
    assert done[0] == ambiguous
    assert done[2] == host_only
    assert not any(link.completed for links in done for link in links)


# --- Finding links in text -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("see https://example.org/a.", "https://example.org/a"),
        ("(see https://example.org/a)", "https://example.org/a"),
        ("see https://en.example.org/wiki/A_(b)!", "https://en.example.org/wiki/A_(b)"),
        ("*https://example.org/bold*", "https://example.org/bold"),
        ("Docs<https://example.org/docs>", "https://example.org/docs"),
        ('"https://example.org/q?a=1&b=2"', "https://example.org/q?a=1&b=2"),
        ("“https://example.org/x”", "https://example.org/x"),
        ("at:https://example.org/y, then", "https://example.org/y"),
        ("[mailto:perry at example.edu]", "mailto:perry at example.edu"),
    ],
)
def test_find_links_span(text: str, written: str) -> None:
    (link,) = find_links(text)
    assert link.written == written
    assert text[link.start : link.end] == written
    assert not link.truncated


def test_find_links_ignores_non_links() -> None:
    assert find_links("svn+ssh://example.org/x https:// xhttps://example.org/ ftp") == ()
    assert find_links("") == ()


def test_ellipsis_character_marks_a_cut_link() -> None:
    text = "read https://example.org/abcdef… later"
    (link,) = find_links(text)
    assert link.truncated
    assert link.written == "https://example.org/abcdef…"
    assert link.original == "https://example.org/abcdef"


def test_mailto_targets_are_deobfuscated_but_text_is_not() -> None:
    text = "write to mailto:numpy-admin at lists.example.net?subject=help or mailto:a@b.org"
    links = find_links(text)
    assert [link.original for link in links] == [
        "mailto:numpy-admin@lists.example.net?subject=help",
        "mailto:a@b.org",
    ]
    assert links[0].written == "mailto:numpy-admin at lists.example.net?subject=help"
    assert unwrap_links(text) == text


def test_rewritten_link_wrapped_over_quoted_lines_is_joined() -> None:
    url = "http://example.org/scripts/wa.exe?SUBED1=LIST_A&A=1"
    wrapped = _safelink(url).replace("&", "&amp;")
    pieces = [wrapped[:70], wrapped[70:75], wrapped[75:140], "p", wrapped[140:]]
    text = "intro\n>> " + "\n>> ".join(pieces) + "\n>>\n>> after\n"
    (link,) = find_links(text)
    assert link.original == url
    assert link.rewriter is Rewriter.SAFELINKS
    assert text[link.start : link.end] == link.written
    assert link.written.startswith("https://nam12.safelinks")
    assert link.written.endswith("reserved=0")
    assert unwrap_links(text) == f"intro\n>> {url}\n>>\n>> after\n"


def test_wrapped_link_before_its_parameter_is_joined() -> None:
    url = "https://example.org/page"
    wrapped = "https://protect2.fireeye.com/v1/url?k=abc-def&q=1&e=ghi&u=" + quote(
        _safelink(url), safe=""
    )
    text = "> " + wrapped[:50] + "\n> " + wrapped[50:] + "\n"
    (link,) = find_links(text)
    assert link.original == url
    assert link.rewriter is Rewriter.FIREEYE


def test_words_after_a_wrapped_link_are_not_swallowed() -> None:
    url = "https://example.org/p"
    cut = V3 + url + "__;!!o!sig"  # no closing `$`: the next line could continue it
    for follower in ("Thanks,", "-- ", "1. first point", "I think so"):
        text = f"{cut}\n{follower}\n"
        (link,) = find_links(text)
        assert link.end == len(cut)
        assert unwrap_links(text) == f"{url}\n{follower}\n"


def test_continuation_needs_the_same_quote_depth() -> None:
    wrapped = _safelink("https://example.org/x")
    text = ">> " + wrapped[:60] + "\n> " + wrapped[60:] + "\n"
    (link,) = find_links(text)
    assert link.end == 3 + 60  # the `>` line is another quote level: not joined
    assert link.original == link.written  # its first 60 characters hold no whole address
    assert unwrap_links(text) == text


# --- Proofpoint artefacts --------------------------------------------------------------------


def test_proofpoint_artefacts_stay_readable() -> None:
    text = (
        "at https://example.org/19420/ [example.org] "
        "<https://urldefense.com/v3/__https:/example.org/19420/__;!!PtGJab4!5BzzPjqHXBda...>"
    )
    assert unwrap_links(text) == (
        "at https://example.org/19420/ [example.org] <https://example.org/19420/>"
    )


def test_link_artefact_spans() -> None:
    text = (
        "Starts at 19:01 [webtv.example.org] <https://urldefense.com/v3/__https:/x.org/__;!!a$>.\n"
        "Docs<https://example.org/d> and [example[.]com] but not [cid:image001.png@01D8] or [1].\n"
        "!-------------------------------------------------------------------|\n"
        "  This Message Is From an External Sender\n"
        "|-------------------------------------------------------------------!\n"
        "Text. !---------| Flattened banner |---------! more"
    )
    spans = link_artefact_spans(text)
    got = [text[s:e] for s, e in spans]
    assert got == [
        "[webtv.example.org]",
        "<https://urldefense.com/v3/__https:/x.org/__;!!a$>",
        "<https://example.org/d>",
        "[example[.]com]",
        "!-------------------------------------------------------------------|\n"
        "  This Message Is From an External Sender\n"
        "|-------------------------------------------------------------------!",
        "!---------| Flattened banner |---------!",
    ]
    assert list(spans) == sorted(spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_banner_opener_without_closer_is_not_a_banner() -> None:
    assert link_artefact_spans("!-----| not closed\n" + "x" * 5000 + "\n|-----!") == ()


# --- Address obfuscation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("k at example.me", "k@example.me"),
        ("first.last at mail.example.co.uk", "first.last@mail.example.co.uk"),
        ("mailto:perry at stsci.edu", "mailto:perry@stsci.edu"),
        (
            "mailto:list-request at example.org?subject=unsubscribe",
            "mailto:list-request@example.org?subject=unsubscribe",
        ),
        ("user (at) example.org", "user@example.org"),
        ("already@example.org", "already@example.org"),
        ("look at this", "look at this"),
        ("meet at noon", "meet at noon"),
        ("user at localhost", "user at localhost"),
        ("see k at example.me today", "see k at example.me today"),
        ("", ""),
    ],
)
def test_deobfuscate_address(value: str, expected: str) -> None:
    assert deobfuscate_address(value) == expected


# --- Bad input -------------------------------------------------------------------------------


def test_malformed_base64_payload() -> None:
    got = unwrap_url(V3 + "https://example.org/a*b__;@@@!!o!s$")
    assert got == "https://example.org/a*b"
    got = unwrap_url(V3 + "https://example.org/a*b__;K!!o!s$")  # one character: no byte
    assert got == "https://example.org/a*b"


def test_payload_too_short_keeps_the_tokens_it_cannot_fill() -> None:
    got = unwrap_url(V3 + "https://example.org/a*b**Bc*d__;" + _b64(b"+-") + "!!o!s$")
    assert got == "https://example.org/a+b**Bc*d"


def test_percent_escapes_that_are_not_utf8_are_kept() -> None:
    got = unwrap_url(_google("https://example.org/").replace("%2F&", "%2F%FF%E2%80%93%C3&"))
    assert got == "https://example.org/%FF–%C3"


def test_sophos_with_bad_base64_is_kept() -> None:
    bad = "https://eu-central-1.protection.sophos.com/?d=x.com&u=!!!!&i=abc"
    assert unwrap_url(bad) == bad


def test_100_kb_of_stars() -> None:
    stars = "*" * 100_000
    assert find_links(stars) == ()
    assert unwrap_links(stars) == stars
    payload = _b64(b"+" * 100_000)
    assert unwrap_url(V3 + "https://example.org/" + stars + "__;" + payload + "!!o$") == (
        "https://example.org/" + "+" * 100_000
    )
    short = unwrap_url(V3 + "https://example.org/" + stars + "__;Kw!!o$")
    assert short == "https://example.org/+" + "*" * 99_999


def test_one_megabyte_link() -> None:
    path = "a" * 1_000_000
    text = f"x https://example.org/{path} y"
    (link,) = find_links(text)
    assert link.end - link.start == len("https://example.org/") + len(path)
    wrapped = _google("https://example.org/" + path)
    assert unwrap_url(wrapped) == "https://example.org/" + path
    assert unwrap_links(f"<{wrapped}>") == f"<https://example.org/{path}>"


def test_deeply_nested_wrappers_are_bounded() -> None:
    url = "https://example.org/"
    for _ in range(40):
        url = _google(url)
    assert isinstance(unwrap_url(url), str)


TEXT_WITH_SURROGATES = st.text(alphabet=st.characters(blacklist_categories=()))
GATEWAY_PREFIXES = [w[: w.index("?") + 1] if "?" in w else w[:40] for w in WRAPPED] + [
    V3,
    "https://secure-web.cisco.com/tok/",
    "https://urldefense.com/v3/__https:/",
]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        TEXT_WITH_SURROGATES,
        st.builds(str.__add__, st.sampled_from(GATEWAY_PREFIXES), TEXT_WITH_SURROGATES),
        st.builds(
            str.__add__,
            st.sampled_from(WRAPPED).flatmap(lambda w: st.integers(0, len(w)).map(lambda k: w[:k])),
            st.sampled_from(["", "...", "…", "*", "**", "%", "%E2%8", "__;", "!!", "&amp"]),
        ),
    )
)
def test_unwrap_url_never_raises(url: str) -> None:
    assert isinstance(unwrap_url(url), str)


PIECES = st.one_of(
    st.sampled_from(WRAPPED),
    st.sampled_from(WRAPPED).flatmap(
        lambda w: st.integers(10, len(w)).map(lambda k: w[:k] + "...")
    ),
    st.sampled_from(WRAPPED).flatmap(
        lambda w: st.integers(10, len(w)).map(lambda k: w[:k] + "\n>> " + w[k:])
    ),
    st.sampled_from(
        [
            " ",
            "\n",
            "\n> ",
            ">",
            "<",
            "(",
            ")",
            ".",
            "...",
            "…",
            "*",
            "[example.org]",
            "https://",
            "mailto:",
            " at ",
            "&amp;",
            "%",
            "__;",
            "!!",
            "$",
            "https://www.google.com/url?q=",
            "reserved=0",
            "http%3A%2F%2F",
            "Thanks",
        ]
    ),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=10).map("".join))
def test_unwrap_links_is_idempotent_and_spans_hold(text: str) -> None:
    once = unwrap_links(text)
    assert unwrap_links(once) == once
    for link in find_links(text):
        assert text[link.start : link.end] == link.written
    spans = link_artefact_spans(text)
    assert all(0 <= s < e <= len(text) for s, e in spans)


# --- Real archives ---------------------------------------------------------------------------


def test_seed_file_keeps_no_urldefense_address() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert "urldefense" in text
    out = unwrap_links(text)
    assert "urldefense" not in out
    assert "https://isoc.live/19420/" in out
    assert unwrap_links(out) == out


def test_seed_truncated_link_completed_from_another_message() -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    links = [find_links(line) for line in lines]
    cut = [link for group in links for link in group if link.truncated]
    assert cut
    done = complete_truncated(links)
    completed = [link for group in done for link in group if link.completed]
    assert completed
    for link in completed:
        before = next(c for c in cut if c.start == link.start and c.written == link.written)
        assert link.original.startswith(before.original)
        assert len(link.original) > len(before.original)


def _plain_bodies(path: Path) -> list[str]:
    bodies: list[str] = []
    for message in mailbox.mbox(path):
        for part in message.walk():
            if part.get_content_type() != "text/plain":
                continue
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                bodies.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return bodies


def test_3gpp_bodies_keep_no_gateway_address() -> None:
    bodies = _plain_bodies(GPP)
    assert len(bodies) > 40
    rewritten = 0
    for body in bodies:
        links = find_links(body)
        rewritten += sum(link.rewriter is not Rewriter.NONE for link in links)
        out = unwrap_links(body)
        assert "urldefense" not in out
        assert "safelinks" not in out
        assert unwrap_links(out) == out
    assert rewritten >= 14
