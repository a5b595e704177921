"""What a dump read gives: the public values (attributions, author clues, per-message evidence).

These frozen classes are what the thread stage and callers see of a dump beyond its
`ParsedMessage`s; every other module of the package builds them.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from wsisdedup.model import ParsedMessage


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
    """The message this attribution introduces: for the attribution that ends a message's
    flattened line, the latest earlier message whose own words the text after it repeats; for
    nested ones, the message holding the first occurrence of that text. None when that text is
    not in the dump, and in a message headed by a subject line (it starts a thread)."""
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
