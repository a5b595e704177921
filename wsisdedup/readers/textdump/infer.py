"""Step 3: after the split, who wrote each message, when, what it quotes, and its group.

**Who and when.** A message's author is voted from (a) the attributions of the messages that
quote it (which message an attribution introduces: `wsisdedup.readers.textdump.quoting`; a name
inside an attribution never counts for the replier), (b) its own sign-off and signature (after
an attribution that starts the flattened line, the reply that follows it) matched against the
roster with rapidfuzz ("Annebeth" is "Annebeth Lange"), and (c) elimination: the one roster name
left for the one message left. A date comes only from such attributions, and only when the
attribution prints its zone: the time an attribution prints is the *replier's* wall clock, so a
time without a zone is kept, naive, in the evidence (`DumpAttribution.local_time`) and the
message's date is None rather than a guess that can be off by fourteen hours.

**Threads.** A reader yields messages, not trees; `in_reply_to` stays empty (a dump has no ids).
`MessageEvidence` gives the thread stage what the dump says: the attributions found in each
message, the message each attribution points to, the message each message quotes, and the group
(thread) it was read into. Every message of a group gets the group's subject.

Each message's `body` is exactly its lines joined with "\\n": nothing is lost, and the
segmenting stage later splits new text from quote.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import attrs

from wsisdedup.model import ParsedMessage, Person, Problem, Segment, SegmentKind, Source
from wsisdedup.readers.textdump.authors import _Authors
from wsisdedup.readers.textdump.evidence import DumpAttribution, MessageEvidence, TextDump
from wsisdedup.readers.textdump.messages import _Layout, _Messages
from wsisdedup.readers.textdump.quoting import (
    _locate,
    _Located,
    _Quoting,
    _reply_after_attribution,
)
from wsisdedup.readers.textdump.words import _Words
from wsisdedup.text.subject import strip_subject

FORMAT: Final = "text-dump"


class _Inference:
    """Everything after the split: attributions, what each message quotes, groups, subjects,
    authors and dates."""

    def __init__(self, lines: Sequence[str], words: _Words, layout: _Layout, path: str) -> None:
        self.m = _Messages(lines, words, layout)
        self.lines = lines
        self.spans = layout.spans
        self.subject_of = layout.subject_of
        self.path = path
        self.count = len(layout.spans)

    # -- the whole inference -----------------------------------------------------------------

    def run(self) -> TextDump:
        quoting = _Quoting(self.m)
        located = [_locate(self.m, i) for i in range(self.count)]
        quoting.learn_list_addresses(located)
        quoting.learn_own_text(located)
        # A message headed by a subject line starts a thread: whatever it repeats (stock text
        # of an earlier thread, a message forwarded into it), neither it nor its attributions
        # point at a message of the dump (every earlier one is in an earlier thread).
        attributions = [
            [quoting.attribution(loc, points=self.subject_of[i] is None) for loc in locs]
            for i, locs in enumerate(located)
        ]
        quotes = [
            None if self.subject_of[i] is not None else quoting.quotes(i, located[i], atts)
            for i, atts in enumerate(attributions)
        ]
        groups = self._groups(quotes)
        subjects = self._subjects(groups, attributions)
        votes = _Authors(self.m)
        clues = votes.clues(located, attributions)
        authors = votes.authors(clues, groups)
        quoted_by = self._quoted_by(attributions)
        heads: dict[int, int | None] = {}
        for i, g in enumerate(groups):
            heads.setdefault(g, self.subject_of[i])
        dates = self._dates(attributions)
        own = [self._own_spans(i, located[i]) for i in range(self.count)]
        messages: list[ParsedMessage] = []
        evidence: list[MessageEvidence] = []
        for i, (a, b) in enumerate(self.spans):
            messages.append(
                ParsedMessage(
                    source=Source(path=self.path, format=FORMAT, line=a + 1, index=i),
                    author=authors[i],
                    date=dates.get(i),
                    subject=subjects[groups[i]],
                    body=self.m.bodies[i],
                    problems=self._problems(authors[i], a),
                    quotes_index=quotes[i],
                    own_spans=own[i],
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
            messages=tuple(messages), evidence=tuple(evidence), participants=self.m.participants
        )

    def _own_spans(self, i: int, locs: list[_Located]) -> tuple[tuple[int, int], ...]:
        """The reply after an attribution that starts the flattened line: the author's own words
        though the segmenting stage, reading "On ..., Ann wrote:" first, would take them for
        the quote (`ParsedMessage.own_spans`)."""
        reply = _reply_after_attribution(self.m, i, locs)
        return () if reply is None else (reply,)

    def _problems(self, author: Person, first_line: int) -> tuple[Problem, ...]:
        """A message no clue names is reported (its author stays empty)."""
        if author.name or author.address:
            return ()
        return (
            Problem(
                what="text dump: no author found (no attribution names this message, "
                "no sign-off or signature matches the roster)",
                path=self.path,
                line=first_line + 1,
            ),
        )

    def _quoted_by(self, atts: list[list[DumpAttribution]]) -> list[list[int]]:
        """Per message: the messages whose attributions point at it, in dump order."""
        quoted_by: list[list[int]] = [[] for _ in range(self.count)]
        for i, message_atts in enumerate(atts):
            for att in message_atts:
                q = att.quoted_index
                if q is not None and i not in quoted_by[q]:
                    quoted_by[q].append(i)
        return quoted_by

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


def _infer(lines: Sequence[str], words: _Words, layout: _Layout, path: str) -> TextDump:
    return _Inference(lines, words, layout, path).run()


def mark_own_text(
    segments: Sequence[Segment], own: Sequence[tuple[int, int]]
) -> tuple[Segment, ...]:
    """`segments` with the QUOTE parts inside the `own` spans (`ParsedMessage.own_spans`) made
    NEW; the segments still cover the body exactly, every other segment keeps its kind."""
    if not own:
        return tuple(segments)
    spans = sorted(own)
    out: list[Segment] = []
    for seg in segments:
        if seg.kind is not SegmentKind.QUOTE:
            out.append(seg)
            continue
        cuts = [
            (max(a, seg.start), min(b, seg.end)) for a, b in spans if a < seg.end and b > seg.start
        ]
        pos = seg.start
        for a, b in cuts:
            if a > pos:
                out.append(_piece(seg, pos, a, seg.kind))
            out.append(_piece(seg, a, b, SegmentKind.NEW))
            pos = b
        if pos < seg.end:
            rest = _piece(seg, pos, seg.end, seg.kind)
            if cuts and rest.text.isspace():
                # The line end after the reply stays with it, as `split_body` keeps blanks.
                rest = _piece(seg, cuts[-1][0], seg.end, SegmentKind.NEW)
                out.pop()
            out.append(rest)
    return tuple(out)


def _piece(seg: Segment, a: int, b: int, kind: SegmentKind) -> Segment:
    """The stretch `a`-`b` of `seg` as a segment of `kind` (holding what `seg` holds, the
    body); a new kind keeps none of the old one's fields."""
    if kind is seg.kind:
        return attrs.evolve(seg, start=a, end=b)
    return attrs.evolve(seg, kind=kind, start=a, end=b, depth=0, source_id=None, forward=None)
