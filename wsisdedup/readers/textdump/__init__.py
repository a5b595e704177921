"""The text-dump reader: plain-text scrapes of archive pages, with no headers.

Messages are found where a new text starts (a quoted tail repeats earlier text of the dump,
the start of a new message does not); authors and parents are inferred from attributions,
sign-offs and the roster of participants.

Modules, in import order (each imports only modules above it):

- `evidence`: the public values (`DumpAttribution`, `AuthorClue`, `MessageEvidence`,
  `TextDump` and their kinds).
- `attributions`: attributions inside flattened lines (where, which kind), their names and
  dates (the printed line itself is read by `wsisdedup.segment.parse_attribution`).
- `prepass`: line roles that need no analysis: roster, first subject line, rule lines.
- `words`: the word stream of the dump, its shingles and what each word repeats.
- `messages`: the split's layout, and the dump cut into messages (bodies and positions).
- `names`: names matched against the roster.
- `quoting`: attributions placed in the dump, the message each introduces, what each quotes.
- `authors`: author clues per kind (attribution, signature, roster) and the vote.
- `infer`: after the split: authors, dates, subjects, groups, and the evidence.
- `split`: where messages start (`_Splitter`), and the entry points `read_text_dump`,
  `parse_text_dump`, `dump_evidence` that run the steps in order.
"""

from __future__ import annotations

from wsisdedup.readers.textdump.evidence import (
    AttributionKind,
    AuthorClue,
    ClueKind,
    DumpAttribution,
    MessageEvidence,
    TextDump,
)
from wsisdedup.readers.textdump.infer import mark_own_text
from wsisdedup.readers.textdump.split import dump_evidence, parse_text_dump, read_text_dump

__all__ = [
    "AttributionKind",
    "AuthorClue",
    "ClueKind",
    "DumpAttribution",
    "MessageEvidence",
    "TextDump",
    "dump_evidence",
    "mark_own_text",
    "parse_text_dump",
    "read_text_dump",
]
