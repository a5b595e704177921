"""The text-dump reader: plain-text scrapes of archive pages, with no headers.

Messages are found where a new text starts (a quoted tail repeats earlier text of the dump,
the start of a new message does not); authors and parents are inferred from attributions,
sign-offs and the roster of participants.
"""

from __future__ import annotations

from wsisdedup.readers.textdump.split import (
    AttributionKind,
    AuthorClue,
    ClueKind,
    DumpAttribution,
    MessageEvidence,
    TextDump,
    dump_evidence,
    parse_text_dump,
    read_text_dump,
)

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
