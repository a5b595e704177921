"""Plain-text dumps of archive pages (`format="text-dump"`): messages, authors and dates.

A dump is the text of web archive pages (HyperKitty threads) copied as they show: no headers;
a subject line heading each thread; each message's body flattened onto one line, ending with an
attribution ("... On Thu, Jun 5, 2025 at 10:22 AM Ann via list <list@host> wrote:") when the
message quotes; then the quoted tail, line by line and without `>` markers; a `participants (N)`
roster at the end. Some threads have no subject line, some bodies carry their quote inline
(Outlook blocks flattened into the body), and quoted tails end with the list footer.

**Splitting.** What tells a quoted tail from the next message is repetition: a tail repeats text
that an earlier line of the dump already holds, the start of a new message does not. Each line
is reduced to the words of its canonical text (`wsisdedup.text.normalise.canonical`, which sees
through quote markers, stars, rewritten and labelled links; addresses are dropped), the words of
the whole dump form one stream, and every 5-word shingle remembers where it first occurred. A
word is *covered* when a shingle over it occurred entirely in earlier lines. A line whose first
words are covered continues the current message; a line whose first words are new starts one.
Structure overrides that where it must: a line with words of its own that ends with an
attribution always starts a message (a flattened body announcing its tail); the first line
after an attribution is always quoted, even when its source is not in the dump; list footers
(learnt from their repetition after a rule line) stay in the tail; a lower-case line continuing
a short unfinished line continues it; own text between quotes stays when the quoting resumes
where it stopped; a short unpunctuated line followed by a thread starter is a subject line.

**Who and when.** A message's author is voted from (a) the attributions of the messages that
quote it (the quoted message is the one holding the first occurrence of the words that follow
the attribution), (b) its own sign-off and signature matched against the roster with rapidfuzz
("Annebeth" is "Annebeth Lange"), and (c) elimination: the one roster name left for the one
message left. A date comes only from such attributions, and only when the attribution prints
its zone: the time an attribution prints is the *replier's* wall clock, so a time without a zone
is kept, naive, in the evidence (`DumpAttribution.local_time`) and the message's date is None
rather than a guess that can be off by fourteen hours.

**Threads.** A reader yields messages, not trees; `in_reply_to` stays empty (a dump has no ids).
`MessageEvidence` gives the thread stage what the dump says: the attributions found in each
message, the message each attribution points to, the message each message quotes, and the group
(thread) it was read into. Every message of a group gets the group's subject.

Each message's `body` is exactly its lines joined with "\\n": nothing is lost, and the
segmenting stage later splits new text from quote.
"""

from __future__ import annotations

import bisect
import enum
import functools
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Final

import attrs
import regex
from rapidfuzz import fuzz, process, utils

from wsisdedup.model import ParsedMessage, Person, Problem, Source
from wsisdedup.patterns.quotes import (
    DATE_WORDS,
    FIELD_LABEL,
    FIELD_ROLES,
    MONTHS,
    TIMEZONES,
    WEEKDAYS,
)
from wsisdedup.segment import parse_attribution
from wsisdedup.segment.footers import footer_spans
from wsisdedup.text.normalise import canonical
from wsisdedup.text.subject import strip_subject

__all__ = [
    "AttributionKind",
    "AuthorClue",
    "ClueKind",
    "DumpAttribution",
    "MessageEvidence",
    "TextDump",
    "dump_evidence",
    "parse_text_dump",
    "read_text_dump",
]

log = logging.getLogger(__name__)

FORMAT: Final = "text-dump"

# ---------------------------------------------------------------------------------------------
# Tunables. Each says why it has the value it has.
# ---------------------------------------------------------------------------------------------

# Shingle width in words. Four-word phrases recur by chance in one list ("thank you for the");
# five-word ones seldom do, and a quoted line shorter than five words is still matched through
# the shingles it shares with its neighbours (the word stream runs across lines).
_K: Final = 5
# A line "starts seen" when this share of its first `_HEAD_WORDS` words is covered: one chance
# five-word match in a new message's first twelve words covers 5/12 < 0.6.
_HEAD_WORDS: Final = 12
_HEAD_SHARE: Final = 0.6
# A message without an attribution "quotes" another only through a run of this many covered
# words: shorter runs are stock phrases ("the World Summit on the Information Society").
_QUOTE_RUN: Final = 10
# How far after an attribution to look for the quoted text (words), and how many shingles copied
# in sequence from one message identify it (three shingles: seven words in order).
_AFTER_ATTRIBUTION: Final = 120
_RUN_SHINGLES: Final = 3
# A whole line repeated as a line is a second copy of a message only when it is this long
# (shorter ones are one-paragraph quotes).
_DUPLICATE_WORDS: Final = 15
# Subject lines are short.
_FIRST_SUBJECT_CHARS: Final = 250
_SUBJECT_CHARS: Final = 150
_SUBJECT_WORDS: Final = 20
# A thread starter may repeat much (daily reports repeat yesterday's), but one that repeats this
# share of its words after an attribution quotes: it is a reply.
_STARTER_COVERAGE: Final = 0.2
# A quoted tail whose source is not in the dump ("orphan") keeps its lines while they look like
# wrapped mail text; a longer new line is a flattened body, hence a new message.
_ORPHAN_LINE_CHARS: Final = 100
# Footer lines follow a rule line within this many lines.
_FOOTER_SPAN: Final = 6
# The look-back (characters) from an attribution verb to its head ("On", "Am", "Le", ...).
_HEAD_WINDOW: Final = 300
# A header block's fields lie within this many characters of its From label.
_BLOCK_WINDOW: Final = 1200
# The end of a line searched for an attribution that ends it (characters): a head, a block
# window and a subject fit.
_END_WINDOW: Final = 2000
# A header block ends its line when what follows its last label is this short (words).
_BLOCK_TAIL_WORDS: Final = 30
# A subject value is cut here when nothing else tells where it ends.
_SUBJECT_VALUE_CHARS: Final = 250
# rapidfuzz token_set_ratio (0-100) above which two names are one person.
_NAME_SCORE: Final = 90.0
# Votes: an attribution naming the author outweighs any sign-off.
_W_ATTRIBUTION: Final = 3
_W_FULL_NAME: Final = 2
_W_SIGNOFF: Final = 2
_W_WEAK: Final = 1


# ---------------------------------------------------------------------------------------------
# Public values
# ---------------------------------------------------------------------------------------------


class AttributionKind(enum.Enum):
    """The shape of an attribution found in a dump."""

    WROTE = "wrote"
    """"On <date>, <name> wrote:", its localised forms, and "<name> wrote:"."""
    DATED_NAME = "dated-name"
    """"2010/1/3 Name <address>:" (old Gmail): a date and a name, no verb."""
    HEADER_BLOCK = "header-block"
    """"From: ... Sent: ... To: ... Subject: ..." (Outlook), starred or flattened."""


class ClueKind(enum.Enum):
    """Where a guess at a message's author came from."""

    ATTRIBUTION = "attribution"
    """An attribution of a later message that quotes this one names the author."""
    SIGNATURE = "signature"
    """The message's own sign-off or signature names a participant."""
    ROSTER = "roster"
    """Elimination: the only roster name no other message claims."""


@attrs.frozen(kw_only=True)
class DumpAttribution:
    """An attribution found in a message of a dump: who is quoted, and when they wrote."""

    kind: AttributionKind
    text: str
    """The attribution as written (a header block up to the start of its subject's value)."""
    name: str
    """The quoted author: `via list` removed, a list sender replaced by its Reply-To, matched
    to the roster's spelling where the roster names them."""
    address: str = ""
    """The author's address, unless it is the list's (DMARC munging hides the real one)."""
    date_text: str = ""
    local_time: datetime | None = None
    """The printed time, naive: the replier's wall clock, whose zone is unknown. Read as
    `wsisdedup.segment.parse_attribution` reads it (so `01/05/2010` in an English attribution
    is January 5); midnight when only the day is printed; None when no full date is given."""
    date: datetime | None = None
    """The printed time as an aware datetime, only when the attribution prints its zone."""
    subject: str = ""
    """The quoted message's subject, when a header block gives it."""
    line: int
    """1-based line of the dump where the attribution starts."""
    quoted_index: int | None = None
    """The message that holds the first occurrence of the text after the attribution: the
    message this attribution introduces. None when that text is not in the dump."""
    forward: bool = False
    """The header block introduces a forwarded message, not a quote."""


@attrs.frozen(kw_only=True)
class AuthorClue:
    """One vote for a message's author."""

    name: str
    kind: ClueKind
    weight: int
    address: str = ""


@attrs.frozen(kw_only=True)
class MessageEvidence:
    """What the dump says about one message, beyond its `ParsedMessage`."""

    index: int
    line: int
    """1-based first line."""
    end_line: int
    """1-based last line."""
    thread: int
    """0-based group: messages linked by quoting, started by a subject line or by a message
    that quotes nothing."""
    subject_line: int | None = None
    """The 1-based line of the subject that heads this message's group, if the dump has one."""
    attributions: tuple[DumpAttribution, ...] = ()
    """Every attribution in the message, in order. The message's own (the one that introduces
    what it quotes) is first when the message quotes; nested ones follow."""
    quotes: int | None = None
    """The message this one quotes (its parent, as far as the dump tells)."""
    quoted_by: tuple[int, ...] = ()
    """Messages whose attributions point at this one."""
    author_clues: tuple[AuthorClue, ...] = ()


@attrs.frozen(kw_only=True)
class TextDump:
    """A dump read: its messages, the evidence behind them, and the roster."""

    messages: tuple[ParsedMessage, ...]
    evidence: tuple[MessageEvidence, ...]
    participants: tuple[str, ...] = ()


def read_text_dump(lines: Iterable[str], *, path: str) -> Iterator[ParsedMessage]:
    """Yield the messages of a plain-text archive dump in dump order.

    `lines` are the dump's lines (with or without their line ends). The whole dump is read
    before the first message is yielded: a message's author is named by the messages after it.
    """
    yield from parse_text_dump(lines, path=path).messages


def dump_evidence(lines: Iterable[str], *, path: str) -> tuple[MessageEvidence, ...]:
    """For each message of the dump: its attributions, what it quotes, its group, its clues."""
    return parse_text_dump(lines, path=path).evidence


def parse_text_dump(lines: Iterable[str], *, path: str) -> TextDump:
    """Read a dump: messages with authors, dates and subjects, and the evidence behind them."""
    text_lines = tuple(_strip_line_end(line) for line in lines)
    words = _index_words(text_lines, _prepass(text_lines))
    layout = _split(text_lines, words)
    return _infer(text_lines, words, layout, path)


# ---------------------------------------------------------------------------------------------
# Step 0: line roles that need no analysis (roster, first subject line)
# ---------------------------------------------------------------------------------------------

_ROSTER_HEADER = regex.compile(r"\s{0,8}participants\s{0,4}\(\s{0,4}(?P<n>\d{1,6})\s{0,4}\)\s{0,8}")
# Roster entries: a name, perhaps with the "-" the page put between entries; no sentence.
_ROSTER_ENTRY_CHARS: Final = 80
_ROSTER_JUNK = regex.compile(r"[\s\-–—•·|]+")
# A line that starts with a rule of underscores, dashes, equals or tildes (list footers,
# Outlook's reply separator).
_RULE_START = regex.compile(r"\s{0,8}[_=~\-]{8,}")


def _strip_line_end(line: str) -> str:
    return line.removesuffix("\n").removesuffix("\r")


class _Role(enum.Enum):
    MESSAGE = "message"
    SUBJECT = "subject"
    ROSTER = "roster"


@attrs.frozen(kw_only=True)
class _Prepass:
    roles: tuple[_Role, ...]
    rosters: tuple[tuple[int, tuple[str, ...]], ...]
    """(line of the roster header, its names), in dump order."""


def _prepass(lines: Sequence[str]) -> _Prepass:
    roles = [_Role.MESSAGE] * len(lines)
    rosters: list[tuple[int, tuple[str, ...]]] = []
    i = 0
    while i < len(lines):
        m = _ROSTER_HEADER.fullmatch(lines[i])
        if m is None:
            i += 1
            continue
        want = int(m.group("n"))
        roles[i] = _Role.ROSTER
        names: list[str] = []
        j = i + 1
        while j < len(lines) and len(names) < want:
            entry = lines[j]
            if len(entry) > _ROSTER_ENTRY_CHARS or _ROSTER_HEADER.fullmatch(entry):
                break
            name = _ROSTER_JUNK.sub(" ", entry).strip()
            if name and not any(ch.isalpha() for ch in name):
                break
            roles[j] = _Role.ROSTER
            if name:
                names.append(name)
            j += 1
        rosters.append((i, tuple(names)))
        i = j
    first = next((n for n, line in enumerate(lines) if line.strip()), None)
    if (
        first is not None
        and roles[first] is _Role.MESSAGE
        and len(lines[first]) <= _FIRST_SUBJECT_CHARS
        and _line_attribution_end(lines[first]) is None
        and any(r is _Role.MESSAGE and lines[n].strip() for n, r in enumerate(roles) if n > first)
    ):
        roles[first] = _Role.SUBJECT
    return _Prepass(roles=tuple(roles), rosters=tuple(rosters))


# ---------------------------------------------------------------------------------------------
# Step 1: the word stream, shingles and coverage
# ---------------------------------------------------------------------------------------------

# Links, addresses and `[domain]` labels carry no evidence of repetition: one link is written
# as itself, as a rewritten (urldefense) link, cut short, or labelled, in different copies (the
# canonical form already reduces links to their hosts; this also covers what it leaves). Each
# pattern runs only on texts holding its mark, and starts only where its mark can start.
_NOT_WORDS: Final = (
    ("<", re.compile(r"<[^<>\s]{1,2000}>")),
    ("://", re.compile(r"(?<!\S)\S{0,20}://\S{0,2000}")),
    ("mailto:", re.compile(r"mailto:\S{0,500}")),
    ("www.", re.compile(r"www\.\S{0,2000}")),
    ("@", re.compile(r"(?<!\S)[^\s@]{0,64}@\S{0,255}")),
    ("[", re.compile(r"\[[\w-]{1,63}\.[\w.-]{1,200}\]")),
)
_WORD = re.compile(r"[^\W_]+")


@attrs.frozen(kw_only=True)
class _Words:
    """The word stream of the dump and what each word repeats."""

    roles: tuple[_Role, ...]
    rosters: tuple[tuple[int, tuple[str, ...]], ...]
    line_first: tuple[int, ...]
    """Index of each line's first word in the stream (its end is the next line's first)."""
    word_line: tuple[int, ...]
    lines: tuple[str, ...]
    ids: tuple[int, ...]
    first: tuple[int, ...]
    """For each shingle start p: where that shingle first occurred (p itself if new)."""
    covered: tuple[bool, ...]
    head_seen: tuple[bool, ...]
    """Per line: its first words are covered."""
    coverage: tuple[float, ...]
    """Per line: share of its words covered."""

    _offsets: dict[int, tuple[int, ...]] = attrs.field(factory=dict, eq=False, repr=False)

    def word_start(self, p: int) -> int:
        """Where word p starts in its line (original text)."""
        line = self.word_line[p]
        offsets = self._offsets.get(line)
        if offsets is None:
            offsets = self._offsets[line] = _line_offsets(self.lines[line])
        return offsets[p - self.line_first[line]]

    def line_words(self, line: int) -> range:
        end = self.line_first[line + 1] if line + 1 < len(self.line_first) else len(self.ids)
        return range(self.line_first[line], end)

    def repeats(self, p: int) -> bool:
        """The shingle starting at word `p` occurred entirely before p's line."""
        if p + _K > len(self.ids):
            return False
        return self.first[p] + _K <= self.line_first[self.word_line[p]]


def _words_text(line: str) -> str:
    """A line's canonical text with addresses (and any link the canonical form kept) blanked
    out, keeping lengths so that canonical offsets hold."""
    text = canonical(line).text
    for mark, pattern in _NOT_WORDS:
        if mark in text:
            text = pattern.sub(_blank, text)
    return text


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group())


def _canonical_words(line: str) -> list[str]:
    """The words of a line's canonical text, outside addresses."""
    return _WORD.findall(_words_text(line))


def _line_offsets(line: str) -> tuple[int, ...]:
    """Where each word of `_canonical_words(line)` starts in the line itself. Only lines with
    attributions need this, so it is computed on demand (the offset map is slow per word)."""
    offsets = canonical(line).offsets
    return tuple(offsets[m.start()] for m in _WORD.finditer(_words_text(line)))


def _index_words(lines: Sequence[str], pre: _Prepass) -> _Words:
    vocab: dict[str, int] = {}
    ids: list[int] = []
    word_line: list[int] = []
    line_first: list[int] = []
    for n, line in enumerate(lines):
        line_first.append(len(ids))
        if pre.roles[n] is not _Role.MESSAGE or not line.strip():
            continue
        found = _canonical_words(line)
        ids.extend([vocab.setdefault(word, len(vocab)) for word in found])
        word_line.extend([n] * len(found))
    total = len(ids)
    seen: dict[int, int] = {}
    first = [
        seen.setdefault(hash(key), p)
        for p, key in enumerate(zip(*(ids[j:] for j in range(_K)), strict=False))
    ]
    # A word is covered when some shingle over it occurred entirely before the word's line.
    # `reach[q]` is the last word covered by a shingle whose covered part starts at q.
    own_line_start = [line_first[n] for n in word_line]
    reach = [-1] * (total + 1)
    for p, f in enumerate(first):
        if f >= p:
            continue
        limit = f + _K
        q = p
        while q < p + _K and own_line_start[q] < limit:
            q += 1
        if q < p + _K and reach[q] < p + _K - 1:
            reach[q] = p + _K - 1
    covered = [False] * total
    running = -1
    for q in range(total):
        if reach[q] > running:
            running = reach[q]
        covered[q] = running >= q
    head_seen: list[bool] = []
    coverage: list[float] = []
    for n in range(len(lines)):
        start = line_first[n]
        end = line_first[n + 1] if n + 1 < len(lines) else total
        count = end - start
        head = min(count, _HEAD_WORDS)
        if count == 0:
            head_seen.append(False)
            coverage.append(0.0)
            continue
        head_seen.append(sum(covered[start : start + head]) >= _HEAD_SHARE * head)
        coverage.append(sum(covered[start:end]) / count)
    return _Words(
        roles=pre.roles,
        rosters=pre.rosters,
        line_first=tuple(line_first),
        word_line=tuple(word_line),
        lines=tuple(lines),
        ids=tuple(ids),
        first=tuple(first),
        covered=tuple(covered),
        head_seen=tuple(head_seen),
        coverage=tuple(coverage),
    )


# ---------------------------------------------------------------------------------------------
# Attributions: finding them inside flattened text and parsing their dates and names
# ---------------------------------------------------------------------------------------------

# The patterns that scan whole bodies use the stdlib `re`, which runs these alternations of
# literals several times faster than `regex` (measured on the seed repeated to 2 MB).
#
# Verbs that end an attribution whose name comes before them ("..., Ann wrote:").
_VERB_AFTER_NAME = re.compile(
    r"(?<=\s)(?:wrote|writes|said|a\s[ée]crit|ont\s[ée]crit|escribi[óo]|escreveu|"
    r"ha\sscritto|kirjoitti|napisał(?:\(a\)|a)?|pisze|napsal(?:\(a\)|a)?)\s?[:：]"
)
# Verbs followed by the name ("Am 5.1.2010 schrieb Max <m@x>:", "Den ... skrev Sven:").
_VERB_BEFORE_NAME = re.compile(
    r"(?<=\s)(?:schrieb|skrev|schreef)\s(?P<who>[^:：\n]{1,160}?)\s?[:：]"
)
# The word that opens a dated attribution, per language.
_HEAD = re.compile(
    r"(?:^|(?<=[\s*>(\[]))(?:On|Am|Le|El|Em|Il(?:\sgiorno)?|Op|Den|På|Dne|W\sdniu|Dnia)\s"
)
# Old Gmail: "2010/1/3 Karel Klic <kklic@redhat.com>:".
_DATED_NAME = re.compile(
    r"(?<!\S)(?P<date>\d{4}/\d{1,2}/\d{1,2})\s(?P<who>[^<>\n:]{1,80}?)\s?"
    r"<\s?(?P<addr>[^\s<>@]{1,64}@[^\s<>]{1,255}?)\s?>\s?:(?!\S)"
)
_ADDRESS = regex.compile(
    r"[<(\[]\s?(?:mailto:)?(?P<a>[^\s<>()\[\]@]{1,64}@[^\s<>()\[\]]{1,255}?)\s?[>)\]]"
)
_BARE_ADDRESS = regex.compile(r"(?<![\w.+'-])[\w.+'-]{1,64}@[\w-]{1,63}\.[\w.-]{1,200}")
_VIA = regex.compile(r"(?P<name>.{1,160}?)\s{1,3}via\s{1,3}(?P<list>\S{1,80})", regex.IGNORECASE)
_FORWARD_MARK = regex.compile(
    r"(?:Forwarded message|Begin forwarded message|Weitergeleitete Nachricht|Message transféré|"
    r"Mensaje reenviado|Messaggio inoltrato|Doorgestuurd bericht|Vidarebefordrat meddelande|"
    r"Videresendt melding|Videresendt besked)",
    regex.IGNORECASE,
)
# Words that end a name run read backwards from "wrote:" (the sentence before it).
_NOT_A_NAME = frozenset(
    "i we you he she they it someone everyone somebody who also and or but as that this".split()
)
_NAME_PARTICLES = frozenset("van von der den de la le da di du dos das del bin al ten ter".split())
_NAME_RUN = 4
_TOKEN = re.compile(r"\S+")


@attrs.frozen(kw_only=True)
class _Found:
    """An attribution located in a text, before any resolution."""

    kind: AttributionKind
    start: int
    end: int
    who: str
    reply_to: str = ""
    date_text: str = ""
    subject_start: int | None = None
    """Header blocks whose subject is the last field: where its value starts (its end is
    found later, where quoted text starts)."""
    subject: str = ""
    """Header blocks whose subject is followed by another field: its value."""
    forward: bool = False


def _find_attributions(text: str) -> list[_Found]:
    """Every attribution in `text`, in order; overlapping finds keep the earlier one."""
    found = [*_find_wrote(text), *_find_dated_names(text), *_find_blocks(text)]
    found.sort(key=lambda f: (f.start, -f.end))
    out: list[_Found] = []
    for f in found:
        if out and f.start < out[-1].end:
            continue
        out.append(f)
    return out


def _find_wrote(text: str) -> Iterator[_Found]:
    for verb in _VERB_AFTER_NAME.finditer(text):
        f = _dated_before(text, verb.start(), verb.end(), who_after=None)
        if f is not None:
            yield f
        elif not verb.group().startswith("said"):
            # "Iran said:" is prose; "Ann wrote:" is an attribution (if text is quoted after it:
            # checked where coverage is known).
            h = _headless(text, verb.start(), verb.end())
            if h is not None:
                yield h
    for verb in _VERB_BEFORE_NAME.finditer(text):
        f = _dated_before(text, verb.start(), verb.end(), who_after=verb.group("who"))
        if f is not None:
            yield f
        else:
            yield _Found(
                kind=AttributionKind.WROTE,
                start=verb.start(),
                end=verb.end(),
                who=verb.group("who"),
            )


def _dated_before(text: str, verb_start: int, end: int, *, who_after: str | None) -> _Found | None:
    """An attribution with a head ("On", "Am", ...) and a date between the head and the verb."""
    lo = max(0, verb_start - _HEAD_WINDOW)
    heads = list(_HEAD.finditer(text, lo, verb_start))
    for head in reversed(heads):
        rest = text[head.end() : verb_start]
        cut = _date_prefix(rest)
        if cut == 0 or not any(ch.isdigit() for ch in rest[:cut]):
            continue
        if who_after is None:
            who = rest[cut:].strip(" \t\n,;")
            if not who:
                continue
            date_text = rest[:cut]
        else:
            who = who_after
            date_text = rest
        return _Found(
            kind=AttributionKind.WROTE,
            start=head.start(),
            end=end,
            who=who,
            date_text=date_text.strip(" \t\n,;"),
        )
    return None


def _headless(text: str, verb_start: int, end: int) -> _Found | None:
    """ "Ann Lee wrote:": the name is the run of name-like words right before the verb."""
    lo = max(0, verb_start - 160)
    tokens = [(m.group(), lo + m.start()) for m in _TOKEN.finditer(text, lo, verb_start)]
    address = ""
    start = verb_start
    if tokens and _ADDRESS.fullmatch(tokens[-1][0]):
        address, start = tokens.pop()
    run: list[tuple[str, int]] = []
    for token, at in reversed(tokens):
        bare = token.strip("\"'()*,")
        if len(run) >= _NAME_RUN or not bare:
            break
        if token.endswith((".", ",", ";", ":", "!", "?")) and not _is_initial(token):
            break
        if bare.casefold() in _NOT_A_NAME:
            break
        if not (bare[0].isupper() or bare.casefold() in _NAME_PARTICLES or token[0] in "\"'"):
            break
        run.append((token, at))
    if run:
        start = run[-1][1]
    who = " ".join(t for t, _ in reversed(run))
    if not who and not address:
        return None
    return _Found(kind=AttributionKind.WROTE, start=start, end=end, who=f"{who} {address}".strip())


def _is_initial(token: str) -> bool:
    return len(token) == 2 and token[0].isupper() and token[1] == "."


def _find_dated_names(text: str) -> Iterator[_Found]:
    for m in _DATED_NAME.finditer(text):
        yield _Found(
            kind=AttributionKind.DATED_NAME,
            start=m.start(),
            end=m.end(),
            who=f"{m.group('who')} <{m.group('addr')}>",
            date_text=m.group("date"),
        )


# From-role labels, capitalised as clients write them: a cheap first pass over long lines before
# the full label pattern runs on the window after each.
_FROM_LABEL = re.compile(
    r"(?:^|(?<=[\s>]))[*_]{0,2}(?:"
    + "|".join(
        regex.escape(k[:1].upper() + k[1:])
        for k in sorted(FIELD_ROLES, key=len, reverse=True)
        if FIELD_ROLES[k] == "from"
    )
    + r")[*_]{0,2}[ \u00a0]?[:：]"
)


def _find_blocks(text: str) -> Iterator[_Found]:
    """Header blocks: a From label followed, within a bounded window, by date and to/subject."""
    pos = 0
    while True:
        start = _FROM_LABEL.search(text, pos)
        if start is None:
            return
        labels = list(FIELD_LABEL.finditer(text, start.start(), start.start() + _BLOCK_WINDOW))
        if not labels or labels[0].start() != start.start():
            pos = start.end()
            continue
        fields: list[tuple[str, regex.Match[str]]] = [("from", labels[0])]
        for lab in labels[1:]:
            role = FIELD_ROLES.get(lab.group("label").lower(), "other")
            if role == "from" or any(r == role for r, _ in fields):
                break
            if lab.group("label")[0].isupper():
                fields.append((role, lab))
        roles = {r for r, _ in fields}
        if "date" not in roles or not roles & {"to", "subject"}:
            pos = start.end()
            continue
        values: dict[str, str] = {}
        for k, (role, lab) in enumerate(fields[:-1]):
            values[role] = text[lab.end() : fields[k + 1][1].start()].strip()
        last_role, last = fields[-1]
        line_end = text.find("\n", last.end())
        line_end = len(text) if line_end < 0 else line_end
        if last_role == "subject":
            # The value's end is not marked in a flattened line: it is found later, where the
            # quoted text starts. The block itself ends where its subject's value begins.
            subject_start: int | None = last.end()
            end = last.end()
        else:
            subject_start = None
            end = last.end()
            values[last_role] = text[last.end() : line_end].strip()
        before = text[max(0, start.start() - 80) : start.start()]
        yield _Found(
            kind=AttributionKind.HEADER_BLOCK,
            start=start.start(),
            end=end,
            who=values.get("from", ""),
            reply_to=values.get("reply_to", ""),
            date_text=values.get("date", ""),
            subject_start=subject_start,
            subject=values.get("subject", ""),
            forward=_FORWARD_MARK.search(before) is not None,
        )
        pos = last.end()


def _line_attribution_end(line: str) -> _Found | None:
    """The attribution that ends `line` (a flattened body announcing its quoted tail)."""
    # Only the end of the line matters: an attribution (or a header block with its subject)
    # that ends it starts within this window.
    full = line.rstrip()
    shift = max(0, len(full) - _END_WINDOW)
    stripped = full[shift:]
    for f in reversed(_find_attributions(stripped)):
        if f.kind is AttributionKind.HEADER_BLOCK:
            # What follows the block's last label is its value (a subject), perhaps followed by
            # quoted text flattened into the same line: only a short rest ends the line.
            if len(stripped[f.end :].split()) > _BLOCK_TAIL_WORDS:
                return None
        elif f.end < len(stripped):
            return None
        subject_start = None if f.subject_start is None else f.subject_start + shift
        return attrs.evolve(
            f, start=f.start + shift, end=f.end + shift, subject_start=subject_start
        )
    return None


# Dates ------------------------------------------------------------------------------------------

_WHEN_TOKEN = regex.compile(
    r"(?P<ymd>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})(?!\d)"
    r"|(?P<dmy>\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?!\d)"
    r"|(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\s?(?P<ampm>[AaPp])\.?[Mm]\.?)?(?!\w)"
    r"|(?P<zone>(?:GMT|UTC)?[+-]\d{2}:?\d{2})(?!\d)"
    r"|(?P<word>[^\W\d_]+)\.?"
    r"|(?P<num>\d{1,4})(?:st|nd|rd|th)?\.?(?!\d)"
)
_WHEN_GAP = regex.compile(r"[\s,()]{0,20}")
_AMPM = frozenset({"am", "pm"})


def _date_prefix(text: str) -> int:
    """How many leading characters of `text` are a date (0 if none): splits date from name."""
    pos = 0
    end = 0
    month = weekday = False
    while True:
        gap = _WHEN_GAP.match(text, pos)
        pos = gap.end() if gap else pos
        m = _WHEN_TOKEN.match(text, pos)
        if m is None:
            return end
        word = m.group("word")
        if word is not None:
            w = word.casefold()
            if w in MONTHS and not month:
                month = True
            elif w in WEEKDAYS and not weekday and end == 0:
                weekday = True
            elif w in _AMPM or (w in TIMEZONES and end > 0):
                pass
            elif w in DATE_WORDS:
                # A gluing word ("at", "um", "kl.") belongs to the date only if more date follows.
                after = _WHEN_GAP.match(text, m.end())
                nxt = _WHEN_TOKEN.match(text, after.end() if after else m.end())
                if nxt is None or (
                    nxt.group("word") is not None
                    and not _is_date_word(nxt.group("word"), month=month)
                ):
                    return end
            else:
                return end
        elif m.group("dmy") or m.group("ymd"):
            month = True
        pos = end = m.end()


def _is_date_word(word: str, *, month: bool) -> bool:
    w = word.casefold()
    return (w in MONTHS and not month) or w in _AMPM or w in TIMEZONES


@attrs.frozen(kw_only=True)
class _When:
    local: datetime | None = None
    aware: datetime | None = None


def _parse_when(text: str) -> _When:
    """The date an attribution prints: naive wall-clock time, and aware if a zone is printed."""
    year = month = day = None
    hour = minute = second = None
    offset: int | None = None
    ambiguous = False
    for m in _WHEN_TOKEN.finditer(text):
        if m.group("ymd"):
            y, mo, d = (int(x) for x in regex.split(r"[-/.]", m.group("ymd")))
            year, month, day = year or y, month or mo, day or d
        elif m.group("dmy"):
            a, b, c = (int(x) for x in regex.split(r"[-/.]", m.group("dmy")))
            year = year or _full_year(c)
            if a > 12 >= b:
                day, month = a, b
            elif b > 12 >= a:
                month, day = a, b
            elif a == b:
                day = month = a
            else:
                ambiguous = True
        elif m.group("h") is not None and hour is None:
            hour, minute = int(m.group("h")), int(m.group("mi"))
            second = int(m.group("s")) if m.group("s") else 0
            ampm = (m.group("ampm") or "").lower()
            if ampm == "p" and hour < 12:
                hour += 12
            elif ampm == "a" and hour == 12:
                hour = 0
        elif m.group("zone"):
            z = m.group("zone").upper().removeprefix("GMT").removeprefix("UTC").replace(":", "")
            sign = -1 if z.startswith("-") else 1
            offset = sign * (int(z[1:3]) * 60 + int(z[3:5]))
        elif m.group("word"):
            w = m.group("word").casefold()
            if w in MONTHS and month is None:
                month = MONTHS[w]
            elif w in TIMEZONES and hour is not None and offset is None:
                offset = TIMEZONES[w]
        elif m.group("num"):
            v = int(m.group("num"))
            if len(m.group("num")) == 4 and year is None:
                year = v
            elif 1 <= v <= 31 and day is None:
                day = v
    if ambiguous or year is None or month is None or day is None:
        return _When()
    try:
        local = datetime(year, month, day, hour or 0, minute or 0, second or 0)
    except ValueError:
        return _When()
    if hour is None or offset is None or not -14 * 60 <= offset <= 14 * 60:
        return _When(local=local)
    return _When(local=local, aware=local.replace(tzinfo=timezone(timedelta(minutes=offset))))


def _when_of(attribution: str, date_text: str) -> _When:
    """The time an attribution prints, read as the segmenting stage reads it (so that the
    thread stage compares like with like); this module's own reading where it finds none."""
    parsed = parse_attribution(attribution)
    if parsed is not None and parsed.date is not None:
        if parsed.date.tzinfo is None or parsed.date.utcoffset() is None:
            return _When(local=parsed.date.replace(tzinfo=None))
        return _When(local=parsed.date.replace(tzinfo=None), aware=parsed.date)
    return _parse_when(date_text)


def _full_year(y: int) -> int:
    if y >= 100:
        return y
    return 2000 + y if y < 70 else 1900 + y


# Names ------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Who:
    name: str
    address: str
    via: str = ""
    """The list's name when the name was munged ("Ann via list")."""


def _parse_who(raw: str) -> _Who:
    text = " ".join(raw.split())
    address = ""
    m = _ADDRESS.search(text)
    if m is not None:
        address = m.group("a")
        text = (text[: m.start()] + " " + text[m.end() :]).strip()
    else:
        b = _BARE_ADDRESS.search(text)
        if b is not None:
            address = b.group(0)
            text = (text[: b.start()] + " " + text[b.end() :]).strip()
    name = text.strip(" ,;:\"'*")
    if name.casefold() == address.casefold():
        name = ""
    via = _VIA.fullmatch(name)
    if via is not None:
        return _Who(name=via.group("name").strip(" \"'"), address=address, via=via.group("list"))
    return _Who(name=name, address=_clean_address(address))


def _clean_address(address: str) -> str:
    local, at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}" if at else address


# ---------------------------------------------------------------------------------------------
# Step 2: split the lines into messages
# ---------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Layout:
    spans: tuple[tuple[int, int], ...]
    """Per message: [first line, last line + 1)."""
    subject_of: tuple[int | None, ...]
    """Per message: the subject line directly before it (it starts a thread), if any."""


class _Splitter:
    """The single pass that assigns each line to a message, a subject, or the roster."""

    def __init__(self, lines: Sequence[str], words: _Words) -> None:
        self.lines = lines
        self.w = words
        self.roles = list(words.roles)
        self.ends = [_line_attribution_end(line) if line.strip() else None for line in lines]
        self.footer_like = _footer_lines(lines, words)
        self.spans: list[list[int]] = []
        self.subject_of: list[int | None] = []
        self.main_keys: set[int] = set()
        self.line_message = [-1] * len(lines)

    def run(self) -> _Layout:
        current: list[int] | None = None
        tail = orphan = False
        after_attribution = False
        pending_subject: int | None = None
        pending: list[int] = []
        for n, line in enumerate(self.lines):
            role = self.roles[n]
            if role is not _Role.MESSAGE:
                if pending_subject is not None:
                    self._subject_as_message(pending_subject, n)
                    pending_subject = None
                    pending = []
                current = None
                tail = orphan = after_attribution = False
                if role is _Role.SUBJECT:
                    pending_subject = n
                continue
            if not self.w.line_words(n):
                # Blank lines, rules, lines of symbols: no evidence either way.
                if current is None:
                    pending.append(n)
                else:
                    current[1] = n + 1
                continue
            start_new = False
            if current is None or self._has_own_attribution(n):
                # A flattened body ending with its attribution starts a message even where its
                # words were seen before (a reply elsewhere in the dump may have quoted it).
                start_new = True
            elif self.w.head_seen[n]:
                if not after_attribution and self._repeats_a_message(n):
                    start_new = True
                else:
                    tail = True
            elif after_attribution:
                # The first line after an attribution is quoted, even if its source is missing.
                orphan = True
            elif self._wraps(n) or (
                tail
                and (
                    n in self.footer_like
                    or (orphan and len(line) <= _ORPHAN_LINE_CHARS)
                    or self._resumes(n)
                )
            ):
                pass
            elif self._is_subject(n):
                self.roles[n] = _Role.SUBJECT
                pending_subject = n
                current = None
                tail = orphan = after_attribution = False
                continue
            else:
                start_new = True
            if start_new:
                first = pending[0] if pending else n
                current = [first, n + 1]
                self.spans.append(current)
                self.subject_of.append(pending_subject)
                for k in pending:
                    self.line_message[k] = len(self.spans) - 1
                pending_subject = None
                pending = []
                tail = orphan = False
                key = self._line_key(n)
                if key is not None:
                    self.main_keys.add(key)
            else:
                assert current is not None
                current[1] = n + 1
            self.line_message[n] = len(self.spans) - 1
            after_attribution = self.ends[n] is not None
            if after_attribution:
                tail = True
        if pending_subject is not None:
            self._subject_as_message(pending_subject, len(self.lines))
        return _Layout(
            spans=tuple((a, b) for a, b in self.spans),
            subject_of=tuple(self.subject_of),
        )

    def _subject_as_message(self, subject: int, end: int) -> None:
        """A "subject" that no message follows was a message: lines [subject, end)."""
        self.roles[subject] = _Role.MESSAGE
        self.spans.append([subject, end])
        self.subject_of.append(None)
        for k in range(subject, end):
            self.line_message[k] = len(self.spans) - 1

    def _wraps(self, n: int) -> bool:
        """The line continues a wrapped sentence: it starts in lower case right after a short
        (not flattened) line of the same message that does not end a sentence."""
        first = self.lines[n].lstrip()[:1]
        if not first.islower():
            return False
        p = n - 1
        while p >= 0 and self.roles[p] is _Role.MESSAGE and not self.lines[p].strip():
            p -= 1
        if p < 0 or self.roles[p] is not _Role.MESSAGE or self.line_message[p] < 0:
            return False
        prev = self.lines[p].rstrip()
        return len(prev) <= _ORPHAN_LINE_CHARS and not prev.endswith((".", "!", "?", ":"))

    def _has_own_attribution(self, n: int) -> bool:
        """The line ends with an attribution and has words of its own before it."""
        f = self.ends[n]
        if f is None:
            return False
        words = self.w.line_words(n)
        return bool(words) and self.w.word_start(words.start) < f.start

    def _line_key(self, n: int) -> int | None:
        words = self.w.line_words(n)
        if len(words) < _DUPLICATE_WORDS:
            return None
        return hash(self.w.ids[words.start : words.stop])

    def _repeats_a_message(self, n: int) -> bool:
        """The whole line equals an earlier message's flattened body: a second copy."""
        key = self._line_key(n)
        return key is not None and key in self.main_keys

    def _resumes(self, n: int) -> bool:
        """Own text between two quotes of one message: the next quoted line continues, in the
        quoted message, after the point where the previous quoted line stopped."""
        before = self._last_source(n)
        if before is None:
            return False
        nxt = n + 1
        while (
            nxt < len(self.lines)
            and self.roles[nxt] is _Role.MESSAGE
            and not self.w.line_words(nxt)
        ):
            nxt += 1
        if nxt >= len(self.lines) or self.roles[nxt] is not _Role.MESSAGE:
            return False
        if not self.w.head_seen[nxt]:
            return False
        after = self._first_source(nxt)
        if after is None:
            return False
        same = self._message_at(before) == self._message_at(after) != -1
        return same and after > before

    def _last_source(self, n: int) -> int | None:
        for m in range(n - 1, -1, -1):
            if self.roles[m] is not _Role.MESSAGE:
                return None
            for p in reversed(self.w.line_words(m)):
                if self.w.repeats(p):
                    return self.w.first[p]
            if self.w.line_words(m):
                return None
        return None

    def _first_source(self, n: int) -> int | None:
        for p in self.w.line_words(n):
            if self.w.repeats(p):
                return self.w.first[p]
        return None

    def _message_at(self, p: int) -> int:
        return self.line_message[self.w.word_line[p]]

    def _is_subject(self, n: int) -> bool:
        """A short, unpunctuated new line followed by a thread starter: a new line that quotes
        nothing in the dump, inline or in a tail."""
        line = self.lines[n].strip()
        words = self.w.line_words(n)
        if len(line) > _SUBJECT_CHARS or len(words) > _SUBJECT_WORDS:
            return False
        if line.endswith((".", ",", ";", ":", "!")) or self.ends[n] is not None:
            return False
        nxt = n + 1
        while (
            nxt < len(self.lines)
            and self.roles[nxt] is _Role.MESSAGE
            and not self.lines[nxt].strip()
        ):
            nxt += 1
        if nxt >= len(self.lines) or self.roles[nxt] is not _Role.MESSAGE:
            return False
        if self.w.head_seen[nxt] or self.lines[nxt].lstrip()[:1].islower():
            # Seen text is quoted; a lower-case start continues this line's sentence.
            return False
        if self.w.coverage[nxt] >= _STARTER_COVERAGE and _find_attributions(self.lines[nxt]):
            # It quotes inline ("... From: ... Subject: ..." or "On ... wrote:" then repeated
            # text): a reply, so the short line before it is a reply too.
            return False
        after = nxt + 1
        while (
            after < len(self.lines)
            and self.roles[after] is _Role.MESSAGE
            and not self.w.line_words(after)
        ):
            after += 1
        # A starter has no quoted tail; a reply whose quote is not in the dump may start a
        # thread too (its parent was archived elsewhere), but one that quotes the dump may not.
        return not (
            after < len(self.lines)
            and self.roles[after] is _Role.MESSAGE
            and self.w.head_seen[after]
        )


def _footer_lines(lines: Sequence[str], words: _Words) -> frozenset[int]:
    """Lines of list footers: text that follows a rule line identically in two or more places
    (each quoted tail ends with the footer the list added), or a known footer template."""
    after_rule: dict[int, list[int]] = {}
    for n, line in enumerate(lines):
        if not _RULE_START.match(line):
            continue
        for k in range(n, min(n + 1 + _FOOTER_SPAN, len(lines))):
            ws = words.line_words(k)
            if k > n and _RULE_START.match(lines[k]):
                break
            if ws:
                after_rule.setdefault(hash(words.ids[ws.start : ws.stop]), []).append(k)
    out = {k for ks in after_rule.values() if len(ks) >= 2 for k in ks}
    for n, line in enumerate(lines):
        if not _RULE_START.match(line):
            continue
        stop = min(n + 1 + _FOOTER_SPAN, len(lines))
        block = "\n".join(lines[n:stop])
        starts = [0]
        for k in range(n, stop - 1):
            starts.append(starts[-1] + len(lines[k]) + 1)
        for a, b in footer_spans(block):
            for k, s in enumerate(starts):
                if s < b and a < s + len(lines[n + k]):
                    out.add(n + k)
    return frozenset(out)


def _split(lines: Sequence[str], words: _Words) -> _Layout:
    return _Splitter(lines, words).run()


# ---------------------------------------------------------------------------------------------
# Step 3: attributions, authors, dates, subjects, groups
# ---------------------------------------------------------------------------------------------

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
_SIGNOFF_ZONE: Final = 4
_NAME_WORD = regex.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@attrs.frozen(kw_only=True)
class _Located:
    """An attribution found in a message, placed in the dump."""

    found: _Found
    message: int
    line: int
    """0-based dump line where it starts."""
    column: int
    """Its start within that line."""
    word: int
    """The first word after it (for a header block: the first word of its subject's value)."""


class _Inference:
    """Everything after the split: attributions, what each message quotes, groups, subjects,
    authors and dates."""

    def __init__(self, lines: Sequence[str], words: _Words, layout: _Layout, path: str) -> None:
        self.lines = lines
        self.w = words
        self.spans = layout.spans
        self.subject_of = layout.subject_of
        self.path = path
        self.count = len(layout.spans)
        self.line_message = [-1] * len(lines)
        self.bodies: list[str] = []
        self.starts: list[list[int]] = []
        for i, (a, b) in enumerate(layout.spans):
            starts = [0]
            for k in range(a, b - 1):
                starts.append(starts[-1] + len(lines[k]) + 1)
            self.starts.append(starts)
            self.bodies.append("\n".join(lines[a:b]))
            for k in range(a, b):
                self.line_message[k] = i
        # Words of subjects (the dump's subject lines, and header blocks' subject values as
        # they are found): a reply's subject repeats them, which says nothing about quoting.
        self.subject_words: set[int] = set()
        for n in {
            *layout.subject_of,
            *(n for n, r in enumerate(words.roles) if r is _Role.SUBJECT),
        }:
            if n is not None:
                self.subject_words.update(words.line_words(n))
        self.participants = tuple(name for _, names in words.rosters for name in names)
        self.roster_of = [self._roster(a) for a, _ in layout.spans]
        self.list_addresses: set[str] = set()
        self.initials: list[tuple[str, ...]] = []
        """Per message: the participants its closing initial may stand for."""

    def _roster(self, first_line: int) -> tuple[str, ...]:
        """A message's roster: the first one after it (a page lists its participants at the
        end), else the last one before it."""
        after = [names for line, names in self.w.rosters if line >= first_line]
        before = [names for line, names in self.w.rosters if line < first_line]
        return after[0] if after else before[-1] if before else ()

    # -- placing attributions ----------------------------------------------------------------

    def _locate(self, i: int) -> list[_Located]:
        out: list[_Located] = []
        for f in _find_attributions(self.bodies[i]):
            loc = self._place(f, i)
            if self._trusted(loc):
                out.append(loc)
        return out

    def _place(self, f: _Found, i: int) -> _Located:
        line, column = self._line_col(i, f.start)
        at = f.subject_start if f.subject_start is not None else f.end
        at_line, at_column = self._line_col(i, at)
        return _Located(
            found=f, message=i, line=line, column=column, word=self._word_at(at_line, at_column)
        )

    def _line_col(self, i: int, offset: int) -> tuple[int, int]:
        starts = self.starts[i]
        k = bisect.bisect_right(starts, offset) - 1
        return self.spans[i][0] + k, offset - starts[k]

    def _offset(self, i: int, p: int) -> int:
        """The offset in message i's body of word p."""
        line = self.w.word_line[p]
        return self.starts[i][line - self.spans[i][0]] + self.w.word_start(p)

    def _word_at(self, line: int, column: int) -> int:
        """The first word of the stream at or after `column` of `line`."""
        for p in range(line, len(self.lines)):
            ws = self.w.line_words(p)
            for q in ws:
                if p > line or self.w.word_start(q) >= column:
                    return q
        return len(self.w.ids)

    def _trusted(self, loc: _Located) -> bool:
        """A name-only attribution ("Ann wrote:") counts only where a quote follows it: at the
        end of its line, or before repeated text."""
        f = loc.found
        if f.kind is not AttributionKind.WROTE or f.date_text:
            return True
        rest = self.lines[loc.line][loc.column + (f.end - f.start) :]
        if not rest.strip():
            return True
        return loc.word < len(self.w.covered) and self.w.covered[loc.word]

    def _stop(self, i: int) -> int:
        """The end of message i's words in the stream."""
        return self.w.line_words(self.spans[i][1] - 1).stop

    def _quoted(self, loc: _Located) -> tuple[int | None, int]:
        """The message an attribution introduces, and the word where its quoted text starts.

        The quoted message holds the first occurrence of the text after the attribution, read
        as a run of shingles copied in sequence from one message: single shingles are often
        stock fragments ("On Tue, 5 Jan 2010") first written by some other message. For a
        header block the search starts at the subject's value, whose end a flattened line does
        not mark: it ends where repeated text starts, skipping words that repeat subjects."""
        p = loc.word
        limit = min(self._stop(loc.message), p + _AFTER_ATTRIBUTION)
        start: int | None = None
        fallback: int | None = None
        run_source = -1
        run = 0
        while p < limit:
            if not self.w.repeats(p) or self.w.first[p] in self.subject_words:
                run = 0
                p += 1
                continue
            source = self.line_message[self.w.word_line[self.w.first[p]]]
            if start is None:
                start = p
                fallback = source
            sequential = run > 0 and self.w.first[p] == self.w.first[p - 1] + 1
            run = run + 1 if sequential and source == run_source else 1
            run_source = source
            if run >= _RUN_SHINGLES:
                return (source if 0 <= source < loc.message else None), start
            p += 1
        if start is None:
            return None, p
        return (fallback if fallback is not None and 0 <= fallback < loc.message else None), start

    def _attribution(self, loc: _Located) -> DumpAttribution:
        f = loc.found
        i = loc.message
        body = self.bodies[i]
        quoted, body_start = self._quoted(loc)
        subject = " ".join(f.subject.split())
        end = f.end
        if f.subject_start is not None:
            end = body.find("\n", f.subject_start)
            end = len(body) if end < 0 else end
            if body_start < self._stop(i):
                end = min(end, self._offset(i, body_start))
            end = min(end, f.subject_start + _SUBJECT_VALUE_CHARS)
            subject = " ".join(body[f.subject_start : end].split()).strip(" *")
            self.subject_words.update(range(loc.word, body_start))
        name, address = self._author_of(f)
        when = _when_of(body[f.start : end], f.date_text)
        return DumpAttribution(
            kind=f.kind,
            text=" ".join(body[f.start : f.end].split()),
            name=name,
            address=address,
            date_text=" ".join(f.date_text.split()).strip(" *"),
            local_time=when.local,
            date=when.aware,
            subject=subject,
            line=loc.line + 1,
            quoted_index=quoted,
            forward=f.forward,
        )

    def _author_of(self, f: _Found) -> tuple[str, str]:
        """The author an attribution names: a list sender replaced by the Reply-To, `via list`
        removed, and the roster's spelling where the roster names them."""
        roster = self.participants
        who = _parse_who(f.who)
        if f.kind is AttributionKind.HEADER_BLOCK and f.reply_to:
            reply = _parse_who(f.reply_to)
            sender_is_list = bool(who.via) or who.address.casefold() in self.list_addresses
            if sender_is_list or (
                _resolve(who.name, roster) is None and _resolve(reply.name, roster) is not None
            ):
                who = reply
        name = who.name
        if f.kind is AttributionKind.WROTE and not f.date_text:
            name = _best_suffix(name, roster)
        address = "" if who.via or who.address.casefold() in self.list_addresses else who.address
        return _resolve(name, roster) or name, address

    # -- the whole inference -----------------------------------------------------------------

    def run(self) -> TextDump:
        located = [self._locate(i) for i in range(self.count)]
        for locs in located:
            for loc in locs:
                who = _parse_who(loc.found.who)
                if who.via and who.address:
                    self.list_addresses.add(who.address.casefold())
        attributions = [[self._attribution(loc) for loc in locs] for locs in located]
        quotes = [self._quotes(i, located[i], attributions[i]) for i in range(self.count)]
        groups = self._groups(quotes)
        subjects = self._subjects(groups, attributions)
        clues = self._clues(located, attributions)
        authors = self._authors(clues, groups)
        quoted_by: list[list[int]] = [[] for _ in range(self.count)]
        for i, atts in enumerate(attributions):
            for att in atts:
                q = att.quoted_index
                if q is not None and i not in quoted_by[q]:
                    quoted_by[q].append(i)
        heads: dict[int, int | None] = {}
        for i, g in enumerate(groups):
            heads.setdefault(g, self.subject_of[i])
        dates = self._dates(attributions)
        messages: list[ParsedMessage] = []
        evidence: list[MessageEvidence] = []
        for i, (a, b) in enumerate(self.spans):
            problems: tuple[Problem, ...] = ()
            if not authors[i].name and not authors[i].address:
                problems = (
                    Problem(
                        what="text dump: no author found (no attribution names this message, "
                        "no sign-off or signature matches the roster)",
                        path=self.path,
                        line=a + 1,
                    ),
                )
            messages.append(
                ParsedMessage(
                    source=Source(path=self.path, format=FORMAT, line=a + 1, index=i),
                    author=authors[i],
                    date=dates.get(i),
                    subject=subjects[groups[i]],
                    body=self.bodies[i],
                    problems=problems,
                    quotes_index=quotes[i],
                )
            )
            head = heads[groups[i]]
            evidence.append(
                MessageEvidence(
                    index=i,
                    line=a + 1,
                    end_line=b,
                    thread=groups[i],
                    subject_line=None if head is None else head + 1,
                    attributions=tuple(attributions[i]),
                    quotes=quotes[i],
                    quoted_by=tuple(quoted_by[i]),
                    author_clues=tuple(clues[i]),
                )
            )
        return TextDump(
            messages=tuple(messages), evidence=tuple(evidence), participants=self.participants
        )

    def _main_line(self, i: int) -> int:
        """The message's first line with words: its flattened body."""
        a, b = self.spans[i]
        return next((k for k in range(a, b) if self.w.line_words(k)), a)

    def _quotes(self, i: int, locs: list[_Located], atts: list[DumpAttribution]) -> int | None:
        """The message this one quotes: what the attribution on its main line introduces, else
        the source of its first long run of repeated words."""
        main = self._main_line(i)
        for loc, att in zip(locs, atts, strict=True):
            if loc.line == main and not att.forward:
                if att.quoted_index is not None:
                    return att.quoted_index
                break
        run = 0
        for q in range(self.w.line_words(self.spans[i][0]).start, self._stop(i)):
            run = run + 1 if self.w.covered[q] else 0
            if run < _QUOTE_RUN:
                continue
            for p in range(q - run + 1, q + 1):
                if self.w.repeats(p) and self.w.first[p] not in self.subject_words:
                    src = self.line_message[self.w.word_line[self.w.first[p]]]
                    if 0 <= src < i:
                        return src
            run = 0
        return None

    def _groups(self, quotes: list[int | None]) -> list[int]:
        """A message joins the group of the message it quotes, unless a subject line heads it;
        otherwise it starts a group."""
        groups: list[int] = []
        count = 0
        for i, q in enumerate(quotes):
            if self.subject_of[i] is None and q is not None:
                groups.append(groups[q])
            else:
                groups.append(count)
                count += 1
        return groups

    def _subjects(self, groups: list[int], atts: list[list[DumpAttribution]]) -> list[str]:
        """Each group's subject: its subject line, else the subject a header block quoting one
        of its messages gives (without reply prefixes and list tags), else none."""
        subjects = [""] * (max(groups) + 1 if groups else 0)
        for i, g in enumerate(groups):
            head = self.subject_of[i]
            if head is not None and not subjects[g]:
                subjects[g] = " ".join(self.lines[head].split())
        for message_atts in atts:
            for att in message_atts:
                q = att.quoted_index
                if q is not None and att.subject and not att.forward and not subjects[groups[q]]:
                    subjects[groups[q]] = strip_subject(att.subject)
        return subjects

    def _dates(self, atts: list[list[DumpAttribution]]) -> dict[int, datetime]:
        """Per message, the first zoned time an attribution gives for it (see the module
        docstring for why a time without a zone is not used)."""
        dates: dict[int, datetime] = {}
        for message_atts in atts:
            for att in message_atts:
                if att.quoted_index is not None and att.date is not None:
                    dates.setdefault(att.quoted_index, att.date)
        return dates

    # -- authors -------------------------------------------------------------------------------

    def _clues(
        self, located: list[list[_Located]], atts: list[list[DumpAttribution]]
    ) -> list[list[AuthorClue]]:
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
        return clues

    def _own_text(self, i: int, locs: list[_Located]) -> str:
        """The message's main line up to its first attribution: its author's own words."""
        main = self._main_line(i)
        text = self.lines[main]
        for loc in locs:
            if loc.line == main:
                return text[: loc.column]
        return text

    def _authors(self, clues: list[list[AuthorClue]], groups: list[int]) -> list[Person]:
        out = [_vote(cs) for cs in clues]
        # An initial shared by several participants ("J."): the one already writing in the
        # same thread.
        for i, initials in enumerate(self.initials):
            if out[i].name or len(initials) < 2:
                continue
            present = {out[j].name for j in range(self.count) if groups[j] == groups[i]}
            hits = [name for name in initials if name in present]
            if len(hits) == 1:
                clues[i].append(AuthorClue(name=hits[0], kind=ClueKind.SIGNATURE, weight=_W_WEAK))
                out[i] = Person(name=hits[0])
        # Elimination, per roster: one message left without an author, one name left unused.
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
        return out


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


def _name_tokens(text: str) -> list[str]:
    return [m.group().lower() for m in _NAME_WORD.finditer(text)]


@attrs.frozen(kw_only=True)
class _NameIndex:
    """Names ready for matching against a message's words: by first token for full names, and
    the tokens that belong to exactly one name (a sign-off with one name or a nickname)."""

    names: tuple[str, ...]
    by_first: dict[str, list[tuple[str, tuple[str, ...]]]]
    single: dict[str, str]

    @classmethod
    def of(cls, names: Sequence[str]) -> _NameIndex:
        by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        owners: dict[str, set[str]] = {}
        for name in names:
            toks = tuple(_name_tokens(name))
            if not toks:
                continue
            by_first.setdefault(toks[0], []).append((name, toks))
            for t in toks:
                owners.setdefault(t, set()).add(name)
        single = {t: next(iter(o)) for t, o in owners.items() if len(o) == 1 and len(t) >= 3}
        return cls(names=tuple(names), by_first=by_first, single=single)


def _signature_clues(own: str, index: _NameIndex) -> list[AuthorClue]:
    """Participants named in a message's sign-off or signature.

    A full name anywhere counts (a signature block may be long); a single name or a nickname
    ("~spot") counts only in sign-off position: after a closing word ("Regards", "Best"), after
    "-" or "~", or among the last words; and only if it names one participant. Names right
    after a greeting are the addressee."""
    if not index.names:
        return []
    spans = [(m.group(), m.start()) for m in _NAME_WORD.finditer(own)]
    folded = [w.lower() for w, _ in spans]
    n = len(folded)
    full: dict[str, int] = {}
    for j, word in enumerate(folded):
        for name, toks in index.by_first.get(word, ()):
            if tuple(folded[j : j + len(toks)]) == toks and not _after_greeting(folded, j):
                full[name] = j
    out = [
        AuthorClue(
            name=name,
            kind=ClueKind.SIGNATURE,
            weight=_W_FULL_NAME + (1 if j >= n / 2 or _after_cue(folded, own, spans, j) else 0),
        )
        for name, j in full.items()
    ]
    signed: set[str] = set()
    for j, word in enumerate(folded):
        owner = index.single.get(word)
        if owner is None or owner in full or owner in signed:
            continue
        if _signoff_position(folded, own, spans, j) and not _after_greeting(folded, j):
            signed.add(owner)
            out.append(AuthorClue(name=owner, kind=ClueKind.SIGNATURE, weight=_W_SIGNOFF))
    return out


def _after_greeting(words: Sequence[str], j: int) -> bool:
    if j < _GREETING_ZONE and any(w in _GREETINGS for w in words[:j]):
        return True
    return j > 0 and words[j - 1] in {"hi", "hello", "dear", "hey", "hallo"}


def _after_cue(words: Sequence[str], own: str, spans: Sequence[tuple[str, int]], j: int) -> bool:
    if any(w in _SIGNOFF_CUES for w in words[max(0, j - 3) : j]):
        return True
    start = spans[j][1]
    return start > 0 and own[start - 1] in "-~—"


def _signoff_position(
    words: Sequence[str], own: str, spans: Sequence[tuple[str, int]], j: int
) -> bool:
    return j >= len(words) - _SIGNOFF_ZONE or _after_cue(words, own, spans, j)


_INITIAL_SIGNOFF = regex.compile(r"(?:^|(?<=\s))(?P<i>\p{Lu}|\p{Ll})[./](?=\s*$)")


def _initial_candidates(own: str, roster: Sequence[str]) -> list[str]:
    """ "J." or "v/" closing a message: the participants whose first name has that initial."""
    m = _INITIAL_SIGNOFF.search(own.rstrip()[-40:])
    if m is None:
        return []
    initial = m.group("i").casefold()
    return [p for p in roster if utils.default_process(p)[:1] == initial]


@functools.lru_cache(maxsize=1 << 16)
def _resolve(name: str, roster: tuple[str, ...]) -> str | None:
    """The roster's entry for `name` ("Annebeth" is "Annebeth Lange"), or None if none or
    several match equally well."""
    if not roster or len(utils.default_process(name)) < 2:
        return None
    hits = process.extract(
        name,
        roster,
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        score_cutoff=_NAME_SCORE,
        limit=2,
    )
    if not hits:
        return None
    if len(hits) > 1 and hits[1][1] == hits[0][1]:
        return None
    return str(hits[0][0])


def _best_suffix(run: str, roster: tuple[str, ...]) -> str:
    """ "Karel Jonathan Underwood wrote:" read backwards from the verb: the longest tail of the
    run that is a participant's name (the words before it end the previous sentence)."""
    toks = run.split()
    for k in range(len(toks)):
        candidate = " ".join(toks[k:])
        hit = _resolve(candidate, roster)
        if hit is not None and set(utils.default_process(candidate).split()) <= set(
            utils.default_process(hit).split()
        ):
            return hit
    return run


def _infer(lines: Sequence[str], words: _Words, layout: _Layout, path: str) -> TextDump:
    return _Inference(lines, words, layout, path).run()
