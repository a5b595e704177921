"""Segment stage: one body in, typed segments that cover it exactly out.

`split_body` is the entry point and `parse_attribution` the one parser of attribution lines and
reply header blocks (the text-dump reader and the thread stage use it too). The parts:

- `assign`: line tags and the state machine that gives each line a kind.
- `footers`: list footers, from templates and learned from the archive.

See docs/architecture.md for how the parts fit.
"""

from __future__ import annotations

from wsisdedup.segment.assign import Attribution, parse_attribution, split_body

__all__ = ["Attribution", "parse_attribution", "split_body"]
