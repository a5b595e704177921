"""Who wrote each message: clues per kind (attribution, signature, roster) and the vote."""

from __future__ import annotations

import itertools
import re
from array import array
from collections import Counter
from collections.abc import Sequence
from typing import Final, overload

import regex
from rapidfuzz import utils

from wsisdedup.model import Person
from wsisdedup.patterns.quotes import FIELD_ROLES
from wsisdedup.readers.textdump.attributions import _VERB_AFTER_NAME
from wsisdedup.readers.textdump.evidence import AuthorClue, ClueKind, DumpAttribution
from wsisdedup.readers.textdump.messages import _Messages
from wsisdedup.readers.textdump.names import _NAME_WORD, _name_words, _NameIndex, _resolve
from wsisdedup.readers.textdump.quoting import _Located, _own_span

# Votes: an attribution naming the author outweighs any sign-off.
_W_ATTRIBUTION: Final = 3
_W_FULL_NAME: Final = 2
_W_SIGNOFF: Final = 2
_W_WEAK: Final = 1


_GREETINGS = frozenset(
    "hi hello dear hey hallo bonjour hola ciao salut moin hej thank thanks greetings".split()
)
_SIGNOFF_CUES = frozenset(
    (
        "regards best cheers thanks thank sincerely yours greetings br rgds ciao saludos "
        "cordialement hilsen mvh gruß grüße gruss gruesse groeten salutations atentamente "
        "cumprimentos saluti wishes love"
    ).split()
)
_GREETING_ZONE: Final = 5

# What may stand between a name and the verb of its attribution: blanks and an address in any
# bracket, written as mail clients and archives write it ("<a@b>", "<a at b>", "(a@b)").
_ADDRESS_AFTER_NAME = re.compile(r"\s{0,3}(?:[<(\[][^<>()\[\]\n]{0,160}[>)\]]\s{0,3})?")
# A From-role label right before a name (a header block flattened into the line).
_FROM_BEFORE_NAME = re.compile(
    r"(?<![^\s>*_])[*_]{0,2}(?:"
    + "|".join(re.escape(k) for k, role in FIELD_ROLES.items() if role == "from")
    + r")[*_]{0,2}[ \u00a0]?[:：][*_]{0,2}\s{0,3}[\"']?\Z",
    re.IGNORECASE,
)
_SIGNOFF_ZONE: Final = 4


class _Authors:
    """Author clues per kind, and the vote over them: attributions of the messages that quote
    a message (`ClueKind.ATTRIBUTION`), its own sign-off, signature or closing initial
    (`ClueKind.SIGNATURE`), and elimination per roster (`ClueKind.ROSTER`)."""

    def __init__(self, messages: _Messages) -> None:
        self.m = messages
        self.count = messages.count
        self.roster_of = messages.roster_of
        self.initials: list[tuple[str, ...]] = []
        """Per message: the participants its closing initial may stand for."""

    def clues(
        self, located: list[list[_Located]], atts: list[list[DumpAttribution]]
    ) -> list[list[AuthorClue]]:
        """Per message: the attribution clues, then its own signature clues."""
        clues = self._attribution_clues(atts)
        self._signature_clues(clues, located, atts)
        return clues

    def _attribution_clues(self, atts: list[list[DumpAttribution]]) -> list[list[AuthorClue]]:
        """The name each attribution gives, for the message it introduces."""
        clues: list[list[AuthorClue]] = [[] for _ in range(self.count)]
        for message_atts in atts:
            for att in message_atts:
                q = att.quoted_index
                if q is None or att.forward or not att.name:
                    continue
                clues[q].append(
                    AuthorClue(
                        name=att.name,
                        kind=ClueKind.ATTRIBUTION,
                        weight=_W_ATTRIBUTION,
                        address=att.address,
                    )
                )
        return clues

    def _signature_clues(
        self,
        clues: list[list[AuthorClue]],
        located: list[list[_Located]],
        atts: list[list[DumpAttribution]],
    ) -> None:
        """Names in each message's own text (sign-off, signature, a closing initial)."""
        # Names a sign-off may match: the roster, then names attributions give that the roster
        # lacks (a dump may have no roster, or an incomplete one).
        named = dict.fromkeys(a.name for message_atts in atts for a in message_atts if a.name)
        indexes: dict[tuple[str, ...], _NameIndex] = {}
        for i in range(self.count):
            roster = self.roster_of[i]
            index = indexes.get(roster)
            if index is None:
                known = [*roster, *(n for n in named if _resolve(n, roster) is None)]
                index = indexes[roster] = _NameIndex.of(known)
            own = self._own_text(i, located[i])
            clues[i].extend(_signature_clues(own, index))
            initials = _initial_candidates(own, roster)
            if len(initials) == 1:
                clues[i].append(
                    AuthorClue(name=initials[0], kind=ClueKind.SIGNATURE, weight=_W_WEAK)
                )
            self.initials.append(tuple(initials))

    def _own_text(self, i: int, locs: list[_Located]) -> str:
        """The author's own words: the main line up to its first attribution, or what follows
        an attribution that starts the line (`_own_span`)."""
        a, b = _own_span(self.m, i, locs)
        return self.m.bodies[i][a:b]

    def authors(self, clues: list[list[AuthorClue]], groups: list[int]) -> list[Person]:
        """The vote per message, then shared initials and elimination for those left."""
        out = [_vote(cs) for cs in clues]
        self._by_initial(out, clues, groups)
        self._by_elimination(out, clues)
        return out

    def _by_initial(
        self, out: list[Person], clues: list[list[AuthorClue]], groups: list[int]
    ) -> None:
        """An initial shared by several participants ("J."): the one already writing in the
        same thread."""
        for i, initials in enumerate(self.initials):
            if out[i].name or len(initials) < 2:
                continue
            present = {out[j].name for j in range(self.count) if groups[j] == groups[i]}
            hits = [name for name in initials if name in present]
            if len(hits) == 1:
                clues[i].append(AuthorClue(name=hits[0], kind=ClueKind.SIGNATURE, weight=_W_WEAK))
                out[i] = Person(name=hits[0])

    def _by_elimination(self, out: list[Person], clues: list[list[AuthorClue]]) -> None:
        """Elimination, per roster: one message left without an author, one name left unused."""
        members: dict[tuple[str, ...], list[int]] = {}
        for i, roster in enumerate(self.roster_of):
            if roster:
                members.setdefault(roster, []).append(i)
        for roster, ids in members.items():
            unknown = [i for i in ids if not out[i].name]
            used = {_resolve(out[i].name, roster) for i in ids if out[i].name}
            left = [name for name in roster if name not in used]
            if len(unknown) == 1 and len(left) == 1:
                clues[unknown[0]].append(
                    AuthorClue(name=left[0], kind=ClueKind.ROSTER, weight=_W_WEAK)
                )
                out[unknown[0]] = Person(name=left[0])


def _vote(clues: Sequence[AuthorClue]) -> Person:
    if not clues:
        return Person()
    score: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    address: dict[str, str] = {}
    for c in clues:
        key = c.name.casefold()
        score[key] += c.weight
        spelling.setdefault(key, c.name)
        if c.address and key not in address:
            address[key] = c.address
    order = {c.name.casefold(): n for n, c in reversed(list(enumerate(clues)))}
    best = max(score, key=lambda k: (score[k], -order[k]))
    return Person(name=spelling[best], address=address.get(best, ""))


def _signature_clues(own: str, index: _NameIndex) -> list[AuthorClue]:
    """Participants named in a message's sign-off or signature.

    A full name anywhere counts (a signature block may be long); a single name or a nickname
    ("~spot") counts only in sign-off position: after a closing word ("Regards", "Best"), after
    "-" or "~", or among the last words; and only if it names one participant. Names right
    after a greeting are the addressee.

    Only the words that may begin a name are read (`_OwnWords.candidates`), and a full name
    only until its first and last place are known (the clue's order and weight): a flattened
    line of hostile text, one message's own text, may repeat a participant's name throughout."""
    if not index.names:
        return []
    words = _OwnWords.of(own, index)
    n = len(words)
    full = _full_names(words, own, index)
    out = [
        AuthorClue(
            name=name,
            kind=ClueKind.SIGNATURE,
            weight=_W_FULL_NAME + (1 if j >= n / 2 or _after_cue(words, own, j) else 0),
        )
        for name, j in full.items()
    ]
    signed: set[str] = set()
    for j in words.candidates:
        owner = index.single.get(words[j])
        if owner is None or owner in full or owner in signed:
            continue
        if (
            _signoff_position(words, own, j)
            and not _after_greeting(words, j)
            and not _names_the_quoted(own, words.start(j), words.end(j))
        ):
            signed.add(owner)
            out.append(AuthorClue(name=owner, kind=ClueKind.SIGNATURE, weight=_W_SIGNOFF))
    return out


def _full_names(words: _OwnWords, own: str, index: _NameIndex) -> dict[str, int]:
    """The full names written in `own` (not as the addressee, not in an attribution), in the
    order of their first place, each with its last place (a word index)."""
    first: dict[str, int] = {}
    for j in words.candidates:
        for name, toks in index.by_first.get(words[j], ()):
            if name not in first and _full_name_at(words, own, j, toks):
                first[name] = j
    last: dict[str, int] = {}
    for j in reversed(words.candidates):
        if len(last) == len(first):
            break
        for name, toks in index.by_first.get(words[j], ()):
            if name in first and name not in last and _full_name_at(words, own, j, toks):
                last[name] = j
    return {name: last[name] for name in first}


def _full_name_at(words: _OwnWords, own: str, j: int, toks: Sequence[str]) -> bool:
    """The name `toks` is written at word j, and names neither the addressee nor the quoted."""
    stop = _name_end(words, j, toks)
    if stop is None or _after_greeting(words, j):
        return False
    return not _names_the_quoted(own, words.start(j), words.end(stop - 1))


class _OwnWords(Sequence[str]):
    """The words of a message's own text (`_NAME_WORD`), lower-cased.

    Kept as where each word starts and an id per word (two arrays, 8 bytes a word), with the
    text of each distinct word once; and which words may begin a name of the index
    (`candidates`). The list of (word, start) pairs and the list of folded words that this
    replaces cost about seventy times the text on a flattened line of short tokens (issue 11:
    memory <= 20x the input)."""

    def __init__(
        self,
        own: str,
        starts: array[int],
        ids: array[int],
        text_of: dict[int, str],
        index: _NameIndex,
    ) -> None:
        self.own = own
        self.starts = starts
        self.ids = ids
        self.text_of = text_of
        keys = index.by_first.keys() | index.single.keys()
        wanted = {i for i, word in text_of.items() if word in keys}
        self.candidates = array(
            "i", itertools.compress(itertools.count(), map(wanted.__contains__, ids))
        )
        """The indexes of the words that begin a full name or are a single name's token."""

    @classmethod
    def of(cls, own: str, index: _NameIndex) -> _OwnWords:
        # Each pass iterates in C (no Python step per word): runs of short tokens are hostile
        # input's cheapest way to many words.
        starts, ids = array("i"), array("i")
        vocab: dict[str, int] = {}
        numbers = itertools.count()
        for piece_starts, words in _name_words(own):
            starts.extend(piece_starts)
            ids.extend(map(vocab.setdefault, map(str.lower, words), numbers))
        return cls(own, starts, ids, {i: word for word, i in vocab.items()}, index)

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, j: int) -> str: ...

    @overload
    def __getitem__(self, j: slice) -> list[str]: ...

    def __getitem__(self, j: int | slice) -> str | list[str]:
        if isinstance(j, slice):
            return list(map(self.text_of.__getitem__, self.ids[j]))
        return self.text_of[self.ids[j]]

    def start(self, j: int) -> int:
        return self.starts[j]

    def end(self, j: int) -> int:
        """Where word j ends in the text (its folded form may differ in length)."""
        m = _NAME_WORD.match(self.own, self.starts[j])
        assert m is not None  # a word found at this start is found there again
        return int(m.end())


def _name_end(words: Sequence[str], j: int, toks: Sequence[str]) -> int | None:
    """Where the name `toks` ends if it is written at words[j:], a middle initial present on
    one side only allowed ("Scott M. Ransom" is "Scott Ransom", "Paul Dubois" is "Paul F.
    Dubois"); None if it is not written there."""
    k = j
    for n, tok in enumerate(toks):
        if k < len(words) and words[k] == tok:
            k += 1
            continue
        if n > 0 and len(tok) == 1:
            continue  # the roster's initial, not written
        if n > 0 and k + 1 < len(words) and len(words[k]) == 1 and words[k + 1] == tok:
            k += 2  # an initial written, not in the roster
            continue
        return None
    return k


def _names_the_quoted(own: str, start: int, end: int) -> bool:
    """The name at own[start:end] is part of an attribution, even one not read as a whole (an
    address the parser does not know, "Ann <ann at host> writes:"; a header block's From): it
    names the quoted author, never the replier."""
    after = _ADDRESS_AFTER_NAME.match(own, end)
    if after is not None and _VERB_AFTER_NAME.match(own, after.end()):
        return True
    return _FROM_BEFORE_NAME.search(own, max(0, start - 24), start) is not None


def _after_greeting(words: Sequence[str], j: int) -> bool:
    if j < _GREETING_ZONE and any(w in _GREETINGS for w in words[:j]):
        return True
    return j > 0 and words[j - 1] in {"hi", "hello", "dear", "hey", "hallo"}


def _after_cue(words: _OwnWords, own: str, j: int) -> bool:
    if any(w in _SIGNOFF_CUES for w in words[max(0, j - 3) : j]):
        return True
    start = words.start(j)
    return start > 0 and own[start - 1] in "-~—"


def _signoff_position(words: _OwnWords, own: str, j: int) -> bool:
    return j >= len(words) - _SIGNOFF_ZONE or _after_cue(words, own, j)


_INITIAL_SIGNOFF = regex.compile(r"(?:^|(?<=\s))(?P<i>\p{Lu}|\p{Ll})[./](?=\s*$)")


def _initial_candidates(own: str, roster: Sequence[str]) -> list[str]:
    """ "J." or "v/" closing a message: the participants whose first name has that initial."""
    m = _INITIAL_SIGNOFF.search(own.rstrip()[-40:])
    if m is None:
        return []
    initial = m.group("i").casefold()
    return [p for p in roster if utils.default_process(p)[:1] == initial]
