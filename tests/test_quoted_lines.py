"""`match.reclaim._plain_lines`: the plain form of each line of a text made in one pass, as
`_plain` makes it a line at a time (which `_Quoted.lines` and `_Quoted.holds` used to call for
every line of every quoted message)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wsisdedup.match.reclaim import _plain, _plain_lines, _Quoted

# Quote markers, every kind of white space and line break `str.split` knows, and letters
# whose case folding changes their length.
ALPHABET = st.sampled_from(
    [*"ab Z>|\t\n\r\x0b\x0c\x1c\x85\u2028\u00a0ßİΣςﬁ", "> ", ">>", " | ", "\n> "]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_each_line_is_plain_as_alone(text: str) -> None:
    assert _plain_lines(text) == [_plain(line) for line in text.split("\n")]


def test_a_paragraph_is_held_when_each_of_its_lines_is_quoted() -> None:
    quoted = _Quoted(["> Ann wrote this line\n>> and THIS one\n\nnot that one"])
    assert quoted.lines == {"ann wrote this line", "and this one", "not that one"}
    assert quoted.holds("Ann  wrote this line\n| and this one")
    assert not quoted.holds("Ann wrote this line\nand another one")
