"""Match stage: what each message repeats from earlier ones, and which messages are copies.

The map phase (`fingerprint`) needs one message; the join (`match_archive`) needs the
fingerprints of the whole archive and proposes candidate pairs from shared shingles, which are
then aligned. `apply_matches` turns the repeated text into QUOTE segments with a source.

Modules, in layers (each imports only from the ones above it):

- `records`: the frozen values: `IndexSettings`, `IndexDoc`, `Span`, `Fingerprint`, `Match`,
  `DuplicateGroup`, `ArchiveMatches`.
- `fingerprints`: the map phase: word tokens, shingles (`tokenise`) and `fingerprint`.
- `align`: alignment of one body with one candidate source (seed blocks, chains, punctuation).
- `copies`: how alike two own texts are (near copies) and `collapse_copies`, which applies the
  duplicate groups to the messages.
- `index`: the shingle index and the join: `match_archive`, `find_repeats`, `find_duplicates`,
  `dominant_source`.
- `apply`: `apply_matches`, matches -> sourced QUOTE segments (needs only `records`).

Names with a leading underscore are shared between these modules but are not part of the API.
"""

from __future__ import annotations

from wsisdedup.match.apply import apply_matches
from wsisdedup.match.copies import Collapsed, collapse_copies
from wsisdedup.match.fingerprints import Tokens, fingerprint, tokenise, tokenise_many
from wsisdedup.match.index import dominant_source, find_duplicates, find_repeats, match_archive
from wsisdedup.match.records import (
    ArchiveMatches,
    DuplicateGroup,
    Fingerprint,
    IndexDoc,
    IndexSettings,
    Match,
    Span,
)

__all__ = [
    "ArchiveMatches",
    "Collapsed",
    "DuplicateGroup",
    "Fingerprint",
    "IndexDoc",
    "IndexSettings",
    "Match",
    "Span",
    "Tokens",
    "apply_matches",
    "collapse_copies",
    "dominant_source",
    "find_duplicates",
    "find_repeats",
    "fingerprint",
    "match_archive",
    "tokenise",
    "tokenise_many",
]
