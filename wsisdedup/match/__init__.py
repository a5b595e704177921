"""Match stage: what each message repeats from earlier ones, and which messages are copies.

The map phase (`fingerprint`) needs one message; the join (`match_archive`) needs the
fingerprints of the whole archive and proposes candidate pairs from shared shingles, which are
then aligned. `apply_matches` turns the repeated text into QUOTE segments with a source.
"""

from __future__ import annotations

from wsisdedup.match.index import (
    ArchiveMatches,
    DuplicateGroup,
    Fingerprint,
    IndexDoc,
    IndexSettings,
    Match,
    Span,
    apply_matches,
    dominant_source,
    find_duplicates,
    find_repeats,
    fingerprint,
    match_archive,
)

__all__ = [
    "ArchiveMatches",
    "DuplicateGroup",
    "Fingerprint",
    "IndexDoc",
    "IndexSettings",
    "Match",
    "Span",
    "apply_matches",
    "dominant_source",
    "find_duplicates",
    "find_repeats",
    "fingerprint",
    "match_archive",
]
