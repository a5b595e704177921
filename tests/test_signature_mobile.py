"""A mobile signature at the end of a flattened line ("... see you then. Sent from my iPhone"):
`signature._inline_mobile_start` searches the rows of `Q.INLINE_MOBILE_SIGNATURE` one by one
on long windows, where the alternation's own search costs several times more.

The start must be the alternation's, on any text and window: the test builds texts from the
rows' own phrases, their near misses, words, links, punctuation and line breaks, and compares
both ways at every window it draws (the rows one by one whatever the window's length, and the
function that picks a way by length).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wsisdedup.patterns import quotes as Q
from wsisdedup.segment import signature as S
from wsisdedup.segment import split_body

PIECES = (
    "Sent from my iPhone",
    "sent from my ",
    "SENT VIA OUTLOOK",
    "Sent from",
    "Get Outlook for iOS",
    "Get Outlook for",
    "Yahoo Mail from mobile",
    "x from my mobile",
    "Von meinem iPhone gesendet",
    "Diese Nachricht wurde von meinem Android-Gerät gesendet",
    "Envoyé de mon iPad",
    "Enviado desde mi",
    "Inviato da iPhone",
    "Verzonden vanaf mijn",
    "Skickat från min",
    "Sendt fra Outlook for iOS",
    "Hent Outlook for Android",
    "Lähetetty iPhonesta",
    "Wysłano z mojego",
    "Odesláno z iPhonu",
    "Отправлено с ",
    "iPhoneから送信",
    "从我的 iPhone 发送",
    "发自我的 i",
    "내 Galaxy 에서 보냄",
    "<https://aka.ms/o0ukef>",
    " <http://x.example/a>",
    "Thanks, Ann.",
    "see you then",
    "the list",
    "Regards",
)
SEPARATORS = (" ", "  ", ". ", "! ", "? ", "\n", "\t", "", ",", "<", ">")

texts = st.lists(
    st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS)), min_size=0, max_size=30
).map(lambda parts: "".join(p + s for p, s in parts))


def _alternation(text: str, lo: int, hi: int) -> int | None:
    m = Q.INLINE_MOBILE_SIGNATURE.search(text, lo, hi)
    return None if m is None else int(m.start())


@settings(max_examples=400, deadline=None)
@given(texts, st.integers(0, 800), st.integers(0, 800), st.sampled_from(("", "x", "Hi. ")))
def test_the_rows_one_by_one_start_where_the_alternation_does(
    text: str, a: int, b: int, before: str
) -> None:
    # (`before`: text ahead of the window, which the rows' look-behind reads.)
    text = before + text
    lo, hi = sorted((min(a, len(text)), min(b, len(text))))
    want = _alternation(text, lo, hi)
    assert S._mobile_start_by_rows(text, lo, hi) == want
    assert S._inline_mobile_start(text, lo, hi) == want


def test_both_ways_are_taken_and_find_the_signature() -> None:
    # A window longer than `_MOBILE_ROWS_FROM` is searched a row at a time; the phrase found
    # first is the leftmost, not the first row's.
    head = "We could meet at noon and talk it over then, if that suits everyone. " * 4
    assert len(head) > S._MOBILE_ROWS_FROM
    for text in (head + "Sent from my iPhone", "Ok. Sent from my iPhone"):
        at = S._inline_mobile_start(text, 0, len(text))
        assert at == text.index("Sent from")
        assert at == _alternation(text, 0, len(text))
    # Both phrases reach the end (what follows a phrase may hold 60 characters): the Spanish
    # row comes after the English ones, and its match, leftmost, is the one found.
    text = head + "Enviado desde mi Samsung. Sent from my iPhone"
    assert S._mobile_start_by_rows(text, 0, len(text)) == text.index("Enviado")
    assert _alternation(text, 0, len(text)) == text.index("Enviado")


def test_a_flattened_body_ending_with_a_mobile_signature_sets_it_apart() -> None:
    words = "We could meet at noon and talk it over then, if that suits everyone on the list."
    body = " ".join([words] * 4) + " Sent from my iPhone"
    assert len(body) > S._MOBILE_ROWS_FROM
    segments = split_body(body).segments
    assert [s.kind.value for s in segments] == ["new", "signature"]
    assert segments[1].text == "Sent from my iPhone"
